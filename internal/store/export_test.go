package store

// DashboardStatement is one dashboard statement as the store runs it on
// this database, with sample arguments.
type DashboardStatement struct {
	SQL  string
	Args []any
}

// DashboardStatements exposes the dashboard's statements to the plan test.
func (s *Store) DashboardStatements(now int64) map[string]DashboardStatement {
	return map[string]DashboardStatement{
		"count open":    {countOpenSQL, nil},
		"waiting list":  {s.dashboardSQL(waitingListSQL), []any{10}},
		"waiting count": {s.dashboardSQL(waitingCountSQL), nil},
		"risk list":     {s.dashboardSQL(riskListSQL), []any{now + 3600_000, 10}},
		"risk count":    {s.dashboardSQL(riskCountSQL), []any{now, now + 3600_000}},
	}
}
