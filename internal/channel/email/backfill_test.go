package email_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/parley-hq/parley/internal/automation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/template"
	"github.com/parley-hq/parley/internal/testutil"
)

// weekMail is one message the mail server received while Parley was off.
type weekMail struct {
	ago        time.Duration // before the fetch
	from, subj string
	id, parent string // Message-IDs; parent is the message it answers
	auto       bool
	body       string
}

func (m weekMail) raw(at time.Time, refs []string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n", m.from, inboxAddress, m.subj, at.Format(time.RFC1123Z), m.id)
	if m.parent != "" {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", m.parent, strings.Join(refs, "> <"))
	}
	if m.auto {
		b.WriteString("Auto-Submitted: auto-replied\r\n")
	}
	fmt.Fprintf(&b, "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", m.body)
	return []byte(b.String())
}

// TestIMAPWeekOfflineBackfill: the mailbox gathered a week of mail while
// Parley was not running. When the fetchers start, every message is
// fetched, in the order the server received it, threads across days and
// subject changes, and only mail from the last day is acknowledged: a
// customer who wrote a week ago gets no "we got your message" today.
func TestIMAPWeekOfflineBackfill(t *testing.T) {
	day := 24 * time.Hour
	week := []weekMail{
		{ago: 7 * day, from: "alice@example.com", subj: "Refund for order 1", id: "a1@example.com", body: "Alice 1: I want a refund."},
		{ago: 6 * day, from: "bob@example.com", subj: "Login broken", id: "b1@example.com", body: "Bob 1: I cannot log in."},
		{ago: 5 * day, from: "alice@example.com", subj: "Re: Refund for order 1", id: "a2@example.com", parent: "a1@example.com", body: "Alice 2: any news?"},
		{ago: 4 * day, from: "carol@example.com", subj: "Invoice", id: "c1@example.com", body: "Carol 1: invoice please."},
		{ago: 3 * day, from: "bob@example.com", subj: "Re: Login broken", id: "b2@example.com", parent: "b1@example.com", body: "Bob 2: still broken."},
		{ago: 2 * day, from: "alice@example.com", subj: "Still no refund!", id: "a3@example.com", parent: "a2@example.com", body: "Alice 3: hello??"},
		{ago: 25 * time.Hour, from: "erin@example.com", subj: "Address change", id: "e1@example.com", body: "Erin 1: new address."},
		{ago: 23 * time.Hour, from: "frank@example.com", subj: "Gift card", id: "f1@example.com", body: "Frank 1: gift card?"},
		{ago: 3 * time.Hour, from: "dave@example.com", subj: "Quick question", id: "d1@example.com", body: "Dave 1: opening hours?"},
		{ago: 2 * time.Hour, from: "carol@example.com", subj: "Re: Invoice", id: "c2@example.com", parent: "c1@example.com", body: "Carol 2: thanks!"},
		{ago: time.Hour, from: "gina@example.com", subj: "Out of office", id: "g1@example.com", auto: true, body: "Gina 1: I am away."},
	}
	// Conversations by their first message: the bodies in order, and
	// whether the acknowledgement is due.
	want := []struct {
		bodies []string
		acked  bool
	}{
		{[]string{"Alice 1: I want a refund.", "Alice 2: any news?", "Alice 3: hello??"}, false},
		{[]string{"Bob 1: I cannot log in.", "Bob 2: still broken."}, false},
		{[]string{"Carol 1: invoice please.", "Carol 2: thanks!"}, false},
		{[]string{"Erin 1: new address."}, false},
		{[]string{"Frank 1: gift card?"}, true},
		{[]string{"Dave 1: opening hours?"}, true},
		{[]string{"Gina 1: I am away."}, false}, // auto-submitted: never answered automatically
	}
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		srv := startIMAP(t)
		inbox := emailInbox(t, e, srv.settings())
		admin := e.User(t, "admin@parley.test", model.RoleAdmin)
		ack, err := e.Templates.Create(testutil.Ctx(), admin, template.Request{Name: ptr("Ack"), Body: ptr("Thanks, we got your message."), Scope: ptr("everyone")})
		testutil.NoErr(t, err)
		_, err = e.Automation.UpdateInboxSettings(testutil.Ctx(), admin, inbox,
			automation.InboxSettingsRequest{AckTemplateID: model.Nullable[int64]{Set: true, Value: ack.ID}})
		testutil.NoErr(t, err)

		now := e.Clock.Now()
		refs := map[string][]string{}
		for _, m := range week {
			at := now.Add(-m.ago)
			refs[m.id] = append(append([]string{}, refs[m.parent]...), m.id)
			r := refs[m.parent]
			_, err := srv.user.Append("INBOX", literal{bytes.NewReader(m.raw(at, r))}, &imap.AppendOptions{Time: at})
			testutil.NoErr(t, err)
		}

		// Parley starts: the fetchers pick the inbox up and backfill.
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); e.Email.RunFetchersWith(ctx, emailFetchOptions()) }()
		t.Cleanup(func() { cancel(); <-done })
		deadline := time.Now().Add(30 * time.Second)
		for {
			if total, _ := countMessages(t, e, inbox); total == len(week) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the week of mail was not fetched")
			}
			time.Sleep(50 * time.Millisecond)
		}

		rows, err := e.Store.Reader.QueryContext(testutil.Ctx(), `SELECT id FROM conversations WHERE inbox_id = $1 ORDER BY id`, inbox)
		testutil.NoErr(t, err)
		var convs []int64
		for rows.Next() {
			var id int64
			testutil.NoErr(t, rows.Scan(&id))
			convs = append(convs, id)
		}
		testutil.NoErr(t, rows.Close())
		if len(convs) != len(want) {
			t.Fatalf("%d conversations, want %d", len(convs), len(want))
		}
		for i, id := range convs {
			var bodies []string
			acked := false
			for _, m := range messages(t, e, id) {
				if m.Direction == model.Incoming {
					bodies = append(bodies, m.Body)
				} else if m.SenderType == model.SenderSystem && m.Body == "Thanks, we got your message." {
					acked = true
				}
			}
			if fmt.Sprint(bodies) != fmt.Sprint(want[i].bodies) {
				t.Errorf("conversation %d: %q, want %q", i+1, bodies, want[i].bodies)
			}
			if acked != want[i].acked {
				t.Errorf("conversation %d (%s): acknowledged %v, want %v", i+1, want[i].bodies[0], acked, want[i].acked)
			}
		}
		var last int
		testutil.NoErr(t, e.Store.Reader.QueryRowContext(testutil.Ctx(), `SELECT last_uid FROM imap_positions WHERE inbox_id = $1`, inbox).Scan(&last))
		if last != len(week) {
			t.Fatalf("position %d, want %d", last, len(week))
		}
	})
}

func ptr[T any](v T) *T { return &v }
