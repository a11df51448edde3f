package store

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// The live dashboard's queries. Each reads only index entries of the
// unresolved conversations (migration 0014 and conversations_sla_due), so
// its cost follows the open backlog, never the size of the history.

// unresolved is the WHERE shared with the partial index
// conversations_waiting_unresolved; keep the text identical to the index's.
const unresolved = `status IN ('new','open','pending')`

const slaDue = `COALESCE(sla_due_at, 9223372036854775807)`

// The dashboard's statements, named so a test can EXPLAIN each on both
// databases (dashboard_plan_test.go).
const (
	countOpenSQL = `SELECT status, priority, COALESCE(assignee_id, 0), COUNT(*)
 FROM conversations WHERE ` + unresolved + ` GROUP BY status, priority, COALESCE(assignee_id, 0)`
	waitingListSQL = `SELECT ` + dashboardColumns + ` FROM conversations /*waiting*/
 WHERE ` + unresolved + ` AND waiting_since IS NOT NULL ORDER BY waiting_since, id LIMIT $1`
	waitingCountSQL = `SELECT COUNT(*) FROM conversations /*waiting*/ WHERE ` + unresolved + ` AND waiting_since IS NOT NULL`
	riskListSQL     = `SELECT ` + dashboardColumns + ` FROM conversations /*sla*/
 WHERE ` + slaDue + ` < $1 AND ` + unresolved + ` ORDER BY ` + slaDue + `, id LIMIT $2`
	riskCountSQL = `SELECT COALESCE(SUM(CASE WHEN ` + slaDue + ` < $1 THEN 1 ELSE 0 END), 0), COUNT(*)
 FROM conversations /*sla*/ WHERE ` + slaDue + ` < $2 AND ` + unresolved
)

// dashboardSQL names the index a statement must read on SQLite. Without
// ANALYZE statistics SQLite guesses that "status IN (three values)" matches
// a few rows and walks the status index, then sorts every unresolved
// conversation; the index made for the question is always the better
// read, so SQLite is told (INDEXED BY). PostgreSQL keeps statistics and
// chooses these by itself (dashboard_plan_test.go checks both).
func (s *Store) dashboardSQL(q string) string {
	if s.Dialect != SQLite {
		return q
	}
	q = strings.Replace(q, "/*waiting*/", "INDEXED BY conversations_waiting_unresolved", 1)
	return strings.Replace(q, "/*sla*/", "INDEXED BY conversations_sla_due", 1)
}

// OpenCount is how many unresolved conversations share a status, a
// priority and an assignee (0: nobody).
type OpenCount struct {
	Status     string
	Priority   int
	AssigneeID int64
	N          int64
}

// CountOpen counts the unresolved conversations by status, priority and
// assignee: one index-only pass over conversations_status_priority_assignee.
func (s *Store) CountOpen(ctx context.Context) ([]OpenCount, error) {
	rows, err := s.Reader.QueryContext(ctx, countOpenSQL)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []OpenCount
	for rows.Next() {
		var c OpenCount
		if err := rows.Scan(&c.Status, &c.Priority, &c.AssigneeID, &c.N); err != nil {
			return nil, translate(err)
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// DashboardRow is one conversation listed on the dashboard.
type DashboardRow struct {
	ID           int64
	Subject      string
	Status       string
	Priority     int
	AssigneeID   *int64
	WaitingSince *time.Time
	SLADueAt     *time.Time
}

func scanDashboardRows(rows *sql.Rows, err error) ([]DashboardRow, error) {
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []DashboardRow{}
	for rows.Next() {
		var r DashboardRow
		var assignee, waiting, due sql.NullInt64
		if err := rows.Scan(&r.ID, &r.Subject, &r.Status, &r.Priority, &assignee, &waiting, &due); err != nil {
			return nil, translate(err)
		}
		r.AssigneeID, r.WaitingSince, r.SLADueAt = int64Ptr(assignee), timePtr(waiting), timePtr(due)
		out = append(out, r)
	}
	return out, translate(rows.Err())
}

const dashboardColumns = `id, subject, status, priority, assignee_id, waiting_since, sla_due_at`

// WaitingLongest lists the unresolved conversations whose customer has
// waited longest for an answer (oldest unanswered customer message first),
// and how many are waiting in all. Both read the partial index
// conversations_waiting_unresolved only.
func (s *Store) WaitingLongest(ctx context.Context, limit int) ([]DashboardRow, int64, error) {
	list, err := scanDashboardRows(s.Reader.QueryContext(ctx, s.dashboardSQL(waitingListSQL), limit))
	if err != nil {
		return nil, 0, err
	}
	var n int64
	err = s.Reader.QueryRowContext(ctx, s.dashboardSQL(waitingCountSQL)).Scan(&n)
	return list, n, translate(err)
}

// SLAAtRisk lists the unresolved conversations whose nearest SLA due time
// is before soon (breached ones first: they are the earliest), and counts
// those already past now and those due between now and soon. It walks
// conversations_sla_due, the index of the list's "SLA due soonest" sort.
func (s *Store) SLAAtRisk(ctx context.Context, now, soon time.Time, limit int) (list []DashboardRow, breached, dueSoon int64, err error) {
	list, err = scanDashboardRows(s.Reader.QueryContext(ctx, s.dashboardSQL(riskListSQL), Millis(soon), limit))
	if err != nil {
		return nil, 0, 0, err
	}
	err = s.Reader.QueryRowContext(ctx, s.dashboardSQL(riskCountSQL), Millis(now), Millis(soon)).Scan(&breached, &dueSoon)
	dueSoon -= breached
	return list, breached, dueSoon, translate(err)
}

// WeeklyReportRecipients are the supervisors and admins who opted in to
// the weekly summary email, by id.
func (s *Store) WeeklyReportRecipients(ctx context.Context) ([]int64, error) {
	return scanIDs(s.Reader.QueryContext(ctx, `SELECT id FROM users WHERE weekly_report = $1 AND role IN ('admin','supervisor') ORDER BY id`, true))
}

// WeeklyReportSent reports whether the summary of week already went to the user.
func (s *Store) WeeklyReportSent(ctx context.Context, userID int64, week string) (bool, error) {
	var n int
	err := s.Reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM weekly_report_sends WHERE user_id = $1 AND week = $2`, userID, week).Scan(&n)
	return n > 0, translate(err)
}

// MarkWeeklyReportSent records that the summary of week went to the user;
// recording it twice is harmless.
func (s *Store) MarkWeeklyReportSent(ctx context.Context, userID int64, week string, at time.Time) error {
	_, err := s.Writer.ExecContext(ctx, `INSERT INTO weekly_report_sends (user_id, week, sent_at) VALUES ($1, $2, $3)
 ON CONFLICT (user_id, week) DO NOTHING`, userID, week, Millis(at))
	return translate(err)
}
