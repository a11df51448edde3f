package dataset_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/dataset"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
)

// small is a dataset that runs in a few seconds; thirty days rather than
// two years, so that every status turns up among 2,000 conversations.
func small(e *testutil.Env) dataset.Options {
	return dataset.Options{Conversations: 2000, Messages: 10, Days: 30, Seed: 7, Now: e.Clock.Now(), Jobs: e.Jobs}
}

func count(t *testing.T, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(testutil.Ctx(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// schema lists every table, index, trigger and constraint with its
// definition, to show that the load leaves the schema as it found it.
func schema(t *testing.T, e *testutil.Env) string {
	t.Helper()
	q := `SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_master ORDER BY type, name`
	if e.Dialect == "postgres" {
		q = `SELECT 'index ' || indexname || ': ' || indexdef FROM pg_indexes WHERE schemaname = current_schema()
 UNION ALL SELECT 'constraint ' || conname || ': ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
 UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = current_schema()::regnamespace)
 UNION ALL SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || COALESCE(generation_expression, '')
  FROM information_schema.columns WHERE table_schema = current_schema()
 ORDER BY 1`
	}
	rows, err := e.Store.Reader.QueryContext(testutil.Ctx(), q)
	testutil.NoErr(t, err)
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		testutil.NoErr(t, rows.Scan(&line))
		b.WriteString(line + "\n")
	}
	testutil.NoErr(t, rows.Err())
	return b.String()
}

func TestGenerate(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		ctx := testutil.Ctx()
		db := e.Store.Reader
		before := schema(t, e)
		opts := small(e)
		st, err := dataset.Generate(ctx, e.Store, opts)
		testutil.NoErr(t, err)
		t.Logf("%s: %+v", e.Dialect, st)

		if after := schema(t, e); after != before {
			t.Fatalf("the schema changed:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		if st.Conversations != 2000 || st.Messages != 20000 {
			t.Fatalf("generated %d conversations and %d messages, want 2000 and 20000", st.Conversations, st.Messages)
		}
		for table, want := range map[string]int{"conversations": st.Conversations, "messages": st.Messages,
			"conversation_events": st.Events, "contacts": st.Contacts, "contact_identities": st.Identities,
			"conversation_tags": st.ConversationTags, "users": 20, "teams": 4, "inboxes": 6} {
			if n := count(t, db, `SELECT COUNT(*) FROM `+table); n != want {
				t.Errorf("%s has %d rows, want %d", table, n, want)
			}
		}

		// What the conversation list shows agrees with the messages.
		if n := count(t, db, `SELECT COUNT(*) FROM conversations c WHERE message_count <> (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id)`); n != 0 {
			t.Errorf("%d conversations have a message_count that is not their number of messages", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM conversations c WHERE last_activity_at <> (SELECT MAX(created_at) FROM messages m WHERE m.conversation_id = c.id)`); n != 0 {
			t.Errorf("%d conversations have a last_activity_at that is not their newest message", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM conversations c WHERE created_at <> (SELECT MIN(created_at) FROM messages m WHERE m.conversation_id = c.id)
 OR updated_at < last_activity_at OR status_changed_at < created_at OR first_response_at < created_at`); n != 0 {
			t.Errorf("%d conversations have times out of order", n)
		}
		// PostgreSQL's set of words of each conversation (searched before
		// its messages) holds exactly its messages' words.
		if e.Dialect == "postgres" {
			if n := count(t, db, `SELECT COUNT(*) FROM conversations c WHERE NOT EXISTS (SELECT 1 FROM conversation_words w WHERE w.conversation_id = c.id
 AND w.words = (SELECT strip(to_tsvector('simple', regexp_replace(string_agg(m.body, ' '), '[^[:alnum:]]+', ' ', 'g'))) FROM messages m WHERE m.conversation_id = c.id))`); n != 0 {
				t.Errorf("%d conversations have no set of words, or one that is not their messages' words", n)
			}
		}
		// The newest message is never in the future, and snoozes are.
		now := opts.Now.UnixMilli()
		if n := count(t, db, `SELECT COUNT(*) FROM messages WHERE created_at > $1`, now); n != 0 {
			t.Errorf("%d messages are in the future", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM conversations WHERE snoozed_until IS NOT NULL AND (snoozed_until <= $1 OR status NOT IN ('open', 'pending'))`, now); n != 0 {
			t.Errorf("%d conversations are snoozed in the past or in a status that cannot be snoozed", n)
		}
		// Waiting means the customer wrote last (notes aside), unanswered,
		// in a conversation not yet resolved or closed.
		if n := count(t, db, `SELECT COUNT(*) FROM conversations c WHERE (waiting_since IS NOT NULL) <>
 (c.status NOT IN ('resolved', 'closed') AND (SELECT direction FROM messages m WHERE m.conversation_id = c.id AND m.kind = 'reply' ORDER BY m.created_at DESC, m.id DESC LIMIT 1) = 'incoming')`); n != 0 {
			t.Errorf("%d conversations have a waiting_since that disagrees with who wrote last", n)
		}
		// Every conversation's status and status_changed_at are those of
		// its last status event, and it has its creation event.
		if n := count(t, db, `SELECT COUNT(*) FROM conversations c WHERE NOT EXISTS (SELECT 1 FROM conversation_events e WHERE e.conversation_id = c.id AND e.action = 'conversation.created')`); n != 0 {
			t.Errorf("%d conversations have no creation event", n)
		}
		rows, err := db.QueryContext(ctx, `SELECT c.id, c.status, c.status_changed_at, e.after, e.created_at FROM conversations c
 LEFT JOIN conversation_events e ON e.id = (SELECT MAX(id) FROM conversation_events x WHERE x.conversation_id = c.id AND x.action = 'status.changed')`)
		testutil.NoErr(t, err)
		for rows.Next() {
			var id, changed int64
			var status string
			var after sql.NullString
			var at sql.NullInt64
			testutil.NoErr(t, rows.Scan(&id, &status, &changed, &after, &at))
			switch {
			case !after.Valid && (status != "new" || count(t, db, `SELECT created_at FROM conversations WHERE id = $1`, id) != int(changed)):
				t.Errorf("conversation %d is %s without a status event", id, status)
			case after.Valid && (!strings.Contains(after.String, `"status":"`+status+`"`) || at.Int64 != changed):
				t.Errorf("conversation %d is %s since %d, but its last status event says %s at %d", id, status, changed, after.String, at.Int64)
			}
		}
		testutil.NoErr(t, rows.Err())
		rows.Close()

		// A mix of statuses with every one present, and most finished.
		for _, s := range conversation.Statuses {
			if st.ByStatus[s] == 0 {
				t.Errorf("no %s conversation in %v", s, st.ByStatus)
			}
			if n := count(t, db, `SELECT COUNT(*) FROM conversations WHERE status = $1`, string(s)); n != st.ByStatus[s] {
				t.Errorf("%d %s conversations, stats say %d", n, s, st.ByStatus[s])
			}
		}
		if done := st.ByStatus[model.StatusClosed] + st.ByStatus[model.StatusResolved]; done < st.Conversations/2 {
			t.Errorf("only %d of %d conversations are resolved or closed", done, st.Conversations)
		}
		if st.Snoozed == 0 || st.Jobs == 0 {
			t.Errorf("snoozed %d, jobs %d: want some of each", st.Snoozed, st.Jobs)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
 WHERE m.sender_type = 'contact' AND m.sender_id <> c.contact_id`); n != 0 {
			t.Errorf("%d customer messages are not from the conversation's contact", n)
		}
		// The load skips foreign-key checks, so check every reference here.
		for _, ref := range [][3]string{
			{"contact_identities", "contact_id", "contacts"},
			{"conversations", "inbox_id", "inboxes"}, {"conversations", "contact_id", "contacts"},
			{"conversations", "assignee_id", "users"}, {"conversations", "team_id", "teams"},
			{"conversations", "previous_conversation_id", "conversations"},
			{"messages", "conversation_id", "conversations"},
			{"conversation_tags", "conversation_id", "conversations"}, {"conversation_tags", "tag_id", "tags"},
			{"conversation_events", "conversation_id", "conversations"},
		} {
			if n := count(t, db, `SELECT COUNT(*) FROM `+ref[0]+` x WHERE x.`+ref[1]+` IS NOT NULL
 AND NOT EXISTS (SELECT 1 FROM `+ref[2]+` p WHERE p.id = x.`+ref[1]+`)`); n != 0 {
				t.Errorf("%d rows of %s have a %s that points nowhere", n, ref[0], ref[1])
			}
		}
		if e.Dialect == "sqlite" {
			if n := count(t, db, `SELECT COUNT(*) FROM pragma_foreign_key_check`); n != 0 {
				t.Errorf("SQLite finds %d broken foreign keys", n)
			}
		}

		// Through the service, as the benchmarks will use it.
		admin, err := e.Accounts.UserByEmail(ctx, dataset.AdminEmail)
		testutil.NoErr(t, err)
		actor := model.Actor{UserID: admin.ID, Role: admin.Role, Name: admin.Name}
		list := func(q map[string][]string) conversation.Page {
			t.Helper()
			f, err := e.Conversations.ParseFilter(ctx, actor, q)
			testutil.NoErr(t, err)
			p, err := e.Conversations.List(ctx, actor, f)
			testutil.NoErr(t, err)
			return p
		}
		var order string
		testutil.NoErr(t, db.QueryRowContext(ctx, `SELECT body FROM messages WHERE body LIKE '%order %' ORDER BY id LIMIT 1`).Scan(&order))
		number := strings.Fields(order[strings.Index(order, "order ")+len("order "):])[0]
		number = strings.Trim(number, ".,()?")
		for _, q := range []string{"refund", "wifi", number} {
			p := list(map[string][]string{"q": {q}})
			if len(p.Items) == 0 {
				t.Errorf("search for %q found nothing", q)
			} else if p.Items[0].Match == nil || !strings.Contains(strings.ToLower(p.Items[0].Match.Snippet+p.Items[0].Subject+p.Items[0].Preview), strings.ToLower(q)) {
				t.Logf("search for %q: first hit %d, snippet %q", q, p.Items[0].ID, p.Items[0].Match.Snippet)
			}
		}
		p := list(map[string][]string{"status": {"closed"}, "q": {"refund"}})
		if len(p.Items) == 0 {
			t.Error("no closed conversation mentions a refund")
		}
		p = list(map[string][]string{"status": {"closed"}, "tag": {"shipping"}, "sort": {"-last_activity"}})
		if len(p.Items) == 0 {
			t.Error("no closed conversation tagged shipping")
		}

		// The helpdesk keeps working: ids continue (PostgreSQL sequences),
		// and new messages are found (SQLite triggers back in place).
		inbox := count(t, db, `SELECT MIN(id) FROM inboxes`)
		c, err := e.Conversations.Create(ctx, model.System, conversation.CreateRequest{InboxID: int64(inbox),
			Contact: contact.Ref{Email: "quentin.zebulon@example.com", Name: "Quentin Zebulon"}, Subject: "Zanzibar lamp",
			Message: conversation.MessageRequest{Body: "My quixotic lamp hums.", Direction: "incoming"}})
		testutil.NoErr(t, err)
		if c.ID != int64(st.Conversations)+1 {
			t.Errorf("new conversation got id %d, want %d", c.ID, st.Conversations+1)
		}
		if p := list(map[string][]string{"q": {"quixotic"}}); len(p.Items) != 1 || p.Items[0].ID != c.ID {
			t.Errorf("search for a new message's word found %v", p.Items)
		}
		if p := list(map[string][]string{"q": {"zanzibar"}}); len(p.Items) != 1 {
			t.Errorf("search for a new subject's word found %d", len(p.Items))
		}
		if p := list(map[string][]string{"q": {"zebulon"}}); len(p.Items) != 1 {
			t.Errorf("search for a new contact's name found %d", len(p.Items))
		}

		// A second run is refused.
		if _, err := dataset.Generate(ctx, e.Store, opts); err == nil || !strings.Contains(err.Error(), "already has") {
			t.Errorf("a second run on the same database: %v", err)
		}
	})
}

// digest hashes everything generated that a reader would see.
func digest(t *testing.T, db *sql.DB) string {
	t.Helper()
	h := sha256.New()
	for _, q := range []string{
		`SELECT id || '|' || name || '|' || type || '|' || attributes || '|' || created_at FROM contacts ORDER BY id`,
		`SELECT id || '|' || contact_id || '|' || value FROM contact_identities ORDER BY id`,
		`SELECT id || '|' || inbox_id || '|' || contact_id || '|' || subject || '|' || status || '|' || priority || '|' || COALESCE(assignee_id, 0) || '|' ||
		 COALESCE(team_id, 0) || '|' || preview || '|' || last_activity_at || '|' || COALESCE(waiting_since, 0) FROM conversations ORDER BY id`,
		`SELECT id || '|' || conversation_id || '|' || sender_type || '|' || body || '|' || created_at FROM messages ORDER BY id`,
		`SELECT id || '|' || conversation_id || '|' || action || '|' || COALESCE(after, '') || '|' || created_at FROM conversation_events ORDER BY id`,
		`SELECT conversation_id || '|' || tag_id FROM conversation_tags ORDER BY conversation_id, tag_id`,
	} {
		rows, err := db.QueryContext(testutil.Ctx(), q)
		testutil.NoErr(t, err)
		for rows.Next() {
			var line string
			testutil.NoErr(t, rows.Scan(&line))
			fmt.Fprintln(h, line)
		}
		testutil.NoErr(t, rows.Err())
		rows.Close()
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Both databases get the same dataset, so their benchmarks compare.
func TestGenerateIsTheSameOnBothDatabases(t *testing.T) {
	digests := map[string]string{}
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		opts := small(e)
		opts.Conversations = 500
		_, err := dataset.Generate(testutil.Ctx(), e.Store, opts)
		testutil.NoErr(t, err)
		digests[e.Dialect] = digest(t, e.Store.Reader)
	})
	if pg, ok := digests["postgres"]; ok && pg != digests["sqlite"] {
		t.Error("SQLite and PostgreSQL got different datasets from the same options")
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	run := func(seed uint64) string {
		e := testutil.Open(t, "sqlite")
		opts := small(e)
		opts.Conversations, opts.Seed = 500, seed
		_, err := dataset.Generate(testutil.Ctx(), e.Store, opts)
		testutil.NoErr(t, err)
		return digest(t, e.Store.Reader)
	}
	a, b, c := run(3), run(3), run(4)
	if a != b {
		t.Error("the same seed gave two different datasets")
	}
	if a == c {
		t.Error("two seeds gave the same dataset")
	}
}

func TestGenerateRejectsBadOptions(t *testing.T) {
	e := testutil.Open(t, "sqlite")
	for _, o := range []dataset.Options{{Conversations: 0, Messages: 10}, {Conversations: 10, Messages: 0}, {Conversations: 10, Messages: 10, Days: -1}} {
		if _, err := dataset.Generate(testutil.Ctx(), e.Store, o); err == nil {
			t.Errorf("%+v was accepted", o)
		}
	}
	if n := count(t, e.Store.Reader, `SELECT COUNT(*) FROM users`); n != 0 {
		t.Errorf("refused options still created %d users", n)
	}
}

// The load stops cleanly when its context ends: the schema is whole, and
// on PostgreSQL no conversation is left behind.
func TestGenerateCancelled(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		before := schema(t, e)
		ctx, cancel := context.WithTimeout(testutil.Ctx(), time.Second)
		defer cancel()
		opts := small(e)
		opts.Conversations = 200_000
		st, err := dataset.Generate(ctx, e.Store, opts)
		if err == nil {
			t.Fatal("a cancelled load succeeded")
		}
		t.Logf("stopped after %d conversations: %v", st.Conversations, err)
		if after := schema(t, e); after != before {
			t.Fatalf("the schema changed:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		if e.Dialect == "postgres" {
			if n := count(t, e.Store.Reader, `SELECT COUNT(*) FROM messages`); n != 0 {
				t.Errorf("a cancelled load left %d messages", n)
			}
		}
	})
}
