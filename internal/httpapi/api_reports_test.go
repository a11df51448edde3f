package httpapi_test

import "net/http"

// Reports (docs/reports.md): rows for the error and permission tables.

const week = "from=2026-03-02&to=2026-03-08&tz=Europe/Berlin"

func reportBadRows() []badReq {
	rep := api + "/reports"
	return []badReq{
		{name: "report bad from", method: "GET", path: rep + "/summary?from=yesterday&to=2026-03-02", status: 400, field: "from"},
		{name: "report to before from", method: "GET", path: rep + "/summary?from=2026-03-05&to=2026-03-01", status: 400, field: "to"},
		{name: "report range over 400 days", method: "GET", path: rep + "/summary?from=2024-01-01&to=2026-01-01", status: 400, field: "to"},
		{name: "report only from", method: "GET", path: rep + "/summary?from=2026-03-01", status: 400, field: "from"},
		{name: "report unknown group_by", method: "GET", path: rep + "/summary?group_by=planet&" + week, status: 400, field: "group_by"},
		{name: "report unknown tz", method: "GET", path: rep + "/summary?tz=Mars/Olympus", status: 400, field: "tz"},
		{name: "report Local tz", method: "GET", path: rep + "/summary?tz=Local", status: 400, field: "tz"},
		{name: "report bad hours", method: "GET", path: rep + "/summary?hours=some", status: 400, field: "hours"},
		{name: "report bad inbox filter", method: "GET", path: rep + "/summary?inbox_id=-1", status: 400, field: "inbox_id"},
		{name: "report bad channel filter", method: "GET", path: rep + "/summary?channel=fax", status: 400, field: "channel"},
		{name: "report bad customer type", method: "GET", path: rep + "/summary?customer_type=alien", status: 400, field: "customer_type"},
		{name: "report unknown parameter", method: "GET", path: rep + "/summary?sort=desc", status: 400, field: "sort"},
		{name: "report summary csv bad date", method: "GET", path: rep + "/summary.csv?from=x&to=y", status: 400, field: "from"},
		{name: "report series bad interval", method: "GET", path: rep + "/series?interval=fortnight", status: 400, field: "interval"},
		{name: "report series hourly over a quarter", method: "GET", path: rep + "/series?interval=hour&from=2026-01-01&to=2026-03-31", status: 400, field: "interval"},
		{name: "report busiest bad tz", method: "GET", path: rep + "/busiest-hours?tz=Nowhere", status: 400, field: "tz"},
		{name: "report drill without metric", method: "GET", path: rep + "/conversations?" + week, status: 400, field: "metric"},
		{name: "report drill unknown metric", method: "GET", path: rep + "/conversations?metric=happiness", status: 400, field: "metric"},
		{name: "report drill group without group_by", method: "GET", path: rep + "/conversations?metric=new&group=1", status: 400, field: "group"},
		{name: "report drill bad period", method: "GET", path: rep + "/conversations?metric=new&period=next", status: 400, field: "period"},
		{name: "report drill bad limit", method: "GET", path: rep + "/conversations?metric=new&limit=100000", status: 400, field: "limit"},
		{name: "report drill bad cursor", method: "GET", path: rep + "/conversations?metric=new&cursor=abc", status: 400, field: "cursor"},
		{name: "report export to before from", method: "GET", path: rep + "/conversations.csv?from=2026-03-05&to=2026-03-01", status: 400, field: "to"},
		{name: "report dashboard parameter", method: "GET", path: rep + "/dashboard?tz=UTC", status: 400, field: "tz"},
		{name: "report summary as an agent", as: "agentA", method: "GET", path: rep + "/summary?" + week, status: http.StatusForbidden},
		{name: "report without a caller", as: "nobody", method: "GET", path: rep + "/summary", status: http.StatusUnauthorized},
	}
}

func reportPermRows() []permRow {
	managers := [4]int{s200, s200, s403, s403}
	rep := api + "/reports"
	return []permRow{
		{name: "GET report summary", req: fixed("GET", rep+"/summary?group_by=agent&"+week, nil), want: managers},
		{name: "GET report summary csv", req: fixed("GET", rep+"/summary.csv?"+week, nil), want: managers},
		{name: "GET report series", req: fixed("GET", rep+"/series?"+week, nil), want: managers},
		{name: "GET report busiest hours", req: fixed("GET", rep+"/busiest-hours?"+week, nil), want: managers},
		{name: "GET report drill-down", req: fixed("GET", rep+"/conversations?metric=new&"+week, nil), want: managers},
		{name: "GET report conversations csv", req: fixed("GET", rep+"/conversations.csv?"+week, nil), want: managers},
		{name: "GET report dashboard", req: fixed("GET", rep+"/dashboard", nil), want: managers},
	}
}
