package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
	"github.com/parley-hq/parley/internal/testutil"
)

// The dashboard is refreshed by every supervisor every few seconds, so
// each of its statements must read the index made for it, never walk the
// table nor every unresolved conversation. The table is shaped like the
// bench dataset in miniature (almost everything closed, a few unresolved,
// some waiting, some with SLA due times) and analysed, so PostgreSQL plans
// as it would with real statistics.
func TestDashboardPlansUseIndexes(t *testing.T) {
	want := map[string]string{
		"count open":    "conversations_status_priority_assignee",
		"waiting list":  "conversations_waiting_unresolved",
		"waiting count": "conversations_waiting_unresolved",
		"risk list":     "conversations_sla_due",
		"risk count":    "conversations_sla_due",
	}
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		ctx := context.Background()
		admin := e.User(t, "admin@example.com", model.RoleAdmin)
		inbox := e.Inbox(t, "API", model.ChannelAPI)
		c, err := e.Conversations.Create(ctx, admin, conversation.CreateRequest{InboxID: inbox, Contact: contact.Ref{Email: "a@example.com"},
			Subject: "seed", Message: conversation.MessageRequest{Body: "hi", Direction: "incoming"}})
		testutil.NoErr(t, err)
		now := store.Millis(e.Clock.Now())
		// 30,000 conversations: 1 in 100 unresolved, of those half waiting and
		// a fifth with an SLA due time. Closed ones may keep a waiting_since
		// (resolved without a reply) but never an SLA due time: the SLA
		// service stops every clock when a conversation resolves.
		_, err = e.Store.Writer.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000)
 INSERT INTO conversations (inbox_id, contact_id, subject, status, priority, assignee_id, created_at, updated_at, last_activity_at, status_changed_at, waiting_since, sla_due_at)
 SELECT $1, $2, 'x', CASE WHEN i % 100 = 0 THEN 'open' ELSE 'closed' END, i % 4, NULL, CAST($3 AS BIGINT) - i, $3, $3, $3,
  CASE WHEN i % 200 = 0 OR i % 100 <> 0 THEN CAST($3 AS BIGINT) - i * 1000 END,
  CASE WHEN i % 500 = 0 THEN CAST($3 AS BIGINT) + i * 10 END
 FROM n`, inbox, c.Contact.ID, now)
		testutil.NoErr(t, err)
		_, err = e.Store.Writer.ExecContext(ctx, "ANALYZE")
		testutil.NoErr(t, err)
		for name, q := range e.Store.DashboardStatements(now) {
			explain := "EXPLAIN QUERY PLAN "
			if e.Dialect == "postgres" {
				explain = "EXPLAIN "
			}
			rows, err := e.Store.Reader.QueryContext(ctx, explain+q.SQL, q.Args...)
			testutil.NoErr(t, err)
			var plan []string
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				testutil.NoErr(t, rows.Scan(ptrs...))
				switch v := vals[len(vals)-1].(type) {
				case string:
					plan = append(plan, v)
				case []byte:
					plan = append(plan, string(v))
				}
			}
			rows.Close()
			text := strings.Join(plan, "\n")
			if !strings.Contains(text, want[name]) || strings.Contains(text, "Seq Scan") || strings.Contains(text, "SCAN conversations") {
				t.Errorf("%s: want a read of %s, plan:\n%s", name, want[name], text)
			}
		}
	})
}
