package demo_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/demo"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
)

// conv is the part of a listed conversation the tests look at.
type conv struct {
	ID                     int64        `json:"id"`
	InboxID                int64        `json:"inbox_id"`
	Subject                string       `json:"subject"`
	Status                 model.Status `json:"status"`
	Priority               string       `json:"priority"`
	AssigneeID             *int64       `json:"assignee_id"`
	Tags                   []string     `json:"tags"`
	SnoozedUntil           *time.Time   `json:"snoozed_until"`
	PreviousConversationID *int64       `json:"previous_conversation_id"`
	MessageCount           int          `json:"message_count"`
	StatusChangedAt        time.Time    `json:"status_changed_at"`
}

// list pages through GET /api/v1/conversations as the token's user sees it.
func list(t *testing.T, e *testutil.Env, token, query string) []conv {
	t.Helper()
	var all []conv
	cursor := ""
	for {
		path := "/api/v1/conversations?limit=200&sort=created" + query
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := e.Call(t, token, http.MethodGet, path, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
		var page struct {
			Items      []conv `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		r.Decode(t, &page)
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all
		}
		cursor = page.NextCursor
	}
}

func TestSeed(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		ctx := testutil.Ctx()
		login, err := demo.Seed(ctx, e.App)
		testutil.NoErr(t, err)
		if login == nil || login.Email != demo.AdminEmail || login.Token == "" {
			t.Fatalf("login = %+v, want the demo admin with a token", login)
		}
		if _, err := e.Accounts.Login(ctx, login.Email, login.Password, "192.0.2.1"); err != nil {
			t.Fatalf("the printed password does not sign in: %v", err)
		}

		all := list(t, e, login.Token, "")
		if len(all) < 250 {
			t.Fatalf("the admin sees %d conversations, want about 300", len(all))
		}
		now := e.Clock.Now()
		byStatus := map[model.Status]int{}
		priorities := map[string]int{}
		followUps, snoozed, assigned, tagged := 0, 0, 0, 0
		for _, c := range all {
			byStatus[c.Status]++
			priorities[c.Priority]++
			if c.MessageCount == 0 {
				t.Errorf("#%d %q has no messages", c.ID, c.Subject)
			}
			if c.PreviousConversationID != nil {
				followUps++
			}
			if c.AssigneeID != nil {
				assigned++
			}
			if len(c.Tags) > 0 {
				tagged++
			}
			// Whatever the job queue still holds must lie in the future,
			// or starting the server would rewrite the demo at once.
			age := now.Sub(c.StatusChangedAt)
			switch {
			case c.StatusChangedAt.After(now):
				t.Errorf("#%d changed status in the future (%s)", c.ID, c.StatusChangedAt)
			case c.Status == model.StatusPending && age >= 4*24*time.Hour:
				t.Errorf("#%d has been pending for %s; it would auto-resolve on start", c.ID, age)
			case c.Status == model.StatusResolved && age >= 3*24*time.Hour:
				t.Errorf("#%d has been resolved for %s; it would auto-close on start", c.ID, age)
			}
			if c.SnoozedUntil != nil {
				snoozed++
				if !c.SnoozedUntil.After(now) {
					t.Errorf("#%d is snoozed until %s, which has passed", c.ID, c.SnoozedUntil)
				}
			}
		}
		for _, st := range []model.Status{model.StatusNew, model.StatusOpen, model.StatusPending, model.StatusResolved, model.StatusClosed} {
			if byStatus[st] == 0 {
				t.Errorf("no %s conversations; by status: %v", st, byStatus)
			}
		}
		for _, p := range []string{"low", "normal", "high", "urgent"} {
			if priorities[p] == 0 {
				t.Errorf("no %s-priority conversations: %v", p, priorities)
			}
		}
		if snoozed == 0 || followUps == 0 || assigned < len(all)/2 || tagged < len(all)/2 {
			t.Errorf("snoozed %d, follow-ups %d, assigned %d, tagged %d of %d", snoozed, followUps, assigned, tagged, len(all))
		}
		if got := list(t, e, login.Token, "&snoozed=true"); len(got) != snoozed {
			t.Errorf("the snoozed view shows %d, want %d", len(got), snoozed)
		}

		// The timeline tells the story: at least one conversation was
		// reopened by the customer, and timers closed old ones.
		adminUser, err := e.Accounts.UserByEmail(ctx, demo.AdminEmail)
		testutil.NoErr(t, err)
		admin := model.Actor{UserID: adminUser.ID, Role: adminUser.Role, Name: adminUser.Name}
		reopened, autoClosed := 0, 0
		for _, c := range all {
			events, err := e.Conversations.Events(ctx, admin, c.ID, 0, 200)
			testutil.NoErr(t, err)
			if len(events) < 2 {
				t.Errorf("#%d has %d events", c.ID, len(events))
			}
			for _, ev := range events {
				if ev.Action != "status.changed" {
					continue
				}
				var before, after struct{ Status, Reason string }
				testutil.NoErr(t, json.Unmarshal(ev.Before, &before))
				testutil.NoErr(t, json.Unmarshal(ev.After, &after))
				switch {
				case before.Status == "resolved" && after.Status == "open" && after.Reason == "customer_message":
					reopened++
				case after.Status == "closed" && after.Reason == "auto_close":
					autoClosed++
				}
			}
		}
		if reopened == 0 || autoClosed == 0 {
			t.Errorf("reopened %d, auto-closed %d; want some of each", reopened, autoClosed)
		}

		// Jonas belongs to two inboxes and sees only their conversations.
		jonas, err := e.Accounts.UserByEmail(ctx, demo.LimitedAgentEmail)
		testutil.NoErr(t, err)
		if _, err := e.Accounts.Login(ctx, jonas.Email, demo.Password, "192.0.2.1"); err != nil {
			t.Fatalf("agents share the demo password: %v", err)
		}
		jonasActor := model.Actor{UserID: jonas.ID, Role: jonas.Role, Name: jonas.Name}
		inboxes, err := e.Accounts.ListInboxes(ctx, jonasActor)
		testutil.NoErr(t, err)
		if len(inboxes) != 2 {
			t.Fatalf("Jonas sees %d inboxes, want 2", len(inboxes))
		}
		mine := map[int64]bool{inboxes[0].ID: true, inboxes[1].ID: true}
		seen := list(t, e, e.Token(t, jonasActor), "")
		if len(seen) == 0 || len(seen) >= len(all) {
			t.Fatalf("Jonas sees %d conversations, the admin %d; want fewer but some", len(seen), len(all))
		}
		for _, c := range seen {
			if !mine[c.InboxID] {
				t.Errorf("Jonas sees #%d of inbox %d, which he is not in", c.ID, c.InboxID)
			}
		}

		// A restart seeds nothing more and prints a fresh, working login.
		users, err := e.Store.CountUsers(ctx)
		testutil.NoErr(t, err)
		again, err := demo.Seed(ctx, e.App)
		testutil.NoErr(t, err)
		if again == nil || again.Email != login.Email || again.Password != login.Password || again.Token == login.Token {
			t.Fatalf("second seed login = %+v, want the same email and password with a new token", again)
		}
		if n := len(list(t, e, again.Token, "")); n != len(all) {
			t.Errorf("after a second seed there are %d conversations, want %d", n, len(all))
		}
		if n, _ := e.Store.CountUsers(ctx); n != users {
			t.Errorf("after a second seed there are %d users, want %d", n, users)
		}
	})
}

func TestSeedLeavesOtherHelpdesksAlone(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		owner := e.User(t, "owner@example.com", model.RoleAdmin)
		login, err := demo.Seed(testutil.Ctx(), e.App)
		testutil.NoErr(t, err)
		if login != nil {
			t.Fatalf("seeded a database that has users: %+v", login)
		}
		if n := len(list(t, e, e.Token(t, owner), "")); n != 0 {
			t.Errorf("%d conversations appeared", n)
		}
	})
}

func TestSeedIsTheSameEveryTime(t *testing.T) {
	story := func() string {
		e := testutil.Open(t, "sqlite")
		login, err := demo.Seed(testutil.Ctx(), e.App)
		testutil.NoErr(t, err)
		out := ""
		for _, c := range list(t, e, login.Token, "") {
			out += fmt.Sprintf("%d %s %s %s %d %v\n", c.ID, c.Status, c.Priority, c.Subject, c.MessageCount, c.Tags)
		}
		return out
	}
	if a, b := story(), story(); a != b {
		t.Errorf("two seeds differ:\n%s\n---\n%s", a, b)
	}
}
