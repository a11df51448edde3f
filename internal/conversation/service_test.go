package conversation_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
)

var ctx = context.Background()

type fixture struct {
	e      *testutil.Env
	admin  model.Actor
	agent  model.Actor
	inbox  int64
	convID int64
}

// setup makes an api inbox with one agent and one customer conversation.
func setup(t *testing.T, e *testutil.Env) *fixture {
	t.Helper()
	f := &fixture{e: e}
	f.admin = e.User(t, "admin@example.com", model.RoleAdmin)
	f.agent = e.User(t, "agent@example.com", model.RoleAgent)
	f.inbox = e.Inbox(t, "API", model.ChannelAPI, f.agent)
	c, err := e.Conversations.Create(ctx, f.agent, conversation.CreateRequest{InboxID: f.inbox,
		Contact: contact.Ref{Email: "jo@example.com", Name: "Jo"}, Subject: "Where is my order?",
		Message: conversation.MessageRequest{Body: "It has been two weeks.", Direction: "incoming"}})
	testutil.NoErr(t, err)
	f.convID = c.ID
	return f
}

func (f *fixture) get(t *testing.T) model.Conversation {
	t.Helper()
	c, err := f.e.Conversations.Get(ctx, f.admin, f.convID)
	testutil.NoErr(t, err)
	return c
}

func (f *fixture) events(t *testing.T, id int64) []model.Event {
	t.Helper()
	ev, err := f.e.Conversations.Events(ctx, f.admin, id, 0, 200)
	testutil.NoErr(t, err)
	return ev
}

func (f *fixture) say(t *testing.T, actor model.Actor, dir, body string) model.Message {
	t.Helper()
	m, err := f.e.Conversations.AddMessage(ctx, actor, f.convID, conversation.MessageRequest{Body: body, Direction: dir})
	testutil.NoErr(t, err)
	return m
}

func (f *fixture) setStatus(t *testing.T, st model.Status) {
	t.Helper()
	_, err := f.e.Conversations.Update(ctx, f.agent, f.convID, conversation.Patch{Status: &st})
	testutil.NoErr(t, err)
}

// scheduledJobs lists the River jobs of a kind for a conversation: when each is due.
func scheduledJobs(t *testing.T, e *testutil.Env, kind string, convID int64) []time.Time {
	t.Helper()
	args := "args"
	if e.Dialect == "sqlite" {
		args = "json(args)" // River keeps args as binary JSONB there
	}
	rows, err := e.Store.Reader.QueryContext(ctx, `SELECT `+args+`, scheduled_at FROM river_job WHERE kind = $1 ORDER BY id`, kind)
	testutil.NoErr(t, err)
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var args []byte
		var at time.Time
		testutil.NoErr(t, rows.Scan(&args, &at))
		var a struct {
			ConversationID int64 `json:"conversation_id"`
		}
		testutil.NoErr(t, json.Unmarshal(args, &a))
		if a.ConversationID == convID {
			out = append(out, at.UTC())
		}
	}
	return out
}

func TestLifecycle(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		start := e.Clock.Now()
		c := f.get(t)
		if c.Status != model.StatusNew || c.WaitingSince == nil || !c.WaitingSince.Equal(start) {
			t.Fatalf("a customer's first message: status %s waiting_since %v", c.Status, c.WaitingSince)
		}

		e.Clock.Advance(10 * time.Minute)
		f.say(t, f.agent, "outgoing", "Let me check with the warehouse.")
		c = f.get(t)
		if c.Status != model.StatusOpen || c.FirstResponseAt == nil || !c.FirstResponseAt.Equal(start.Add(10*time.Minute)) || c.WaitingSince != nil {
			t.Fatalf("after the first reply: status %s first_response_at %v waiting_since %v", c.Status, c.FirstResponseAt, c.WaitingSince)
		}

		e.Clock.Advance(time.Minute)
		f.setStatus(t, model.StatusPending)
		pendingAt := e.Clock.Now()
		due := scheduledJobs(t, e, "conversation.auto_resolve", f.convID)
		if len(due) != 1 || !due[0].Equal(pendingAt.Add(model.DefaultAutoResolveAfter)) {
			t.Fatalf("pending should schedule one auto-resolve 5 days on, got %v", due)
		}

		e.Clock.Advance(time.Hour)
		f.say(t, f.admin, "incoming", "Any news?")
		if c = f.get(t); c.Status != model.StatusOpen {
			t.Fatalf("a customer reply to a pending conversation: status %s, want open", c.Status)
		}

		f.setStatus(t, model.StatusResolved)
		resolvedAt := e.Clock.Now()
		due = scheduledJobs(t, e, "conversation.auto_close", f.convID)
		if len(due) != 1 || !due[0].Equal(resolvedAt.Add(model.DefaultAutoCloseAfter)) {
			t.Fatalf("resolved should schedule one auto-close 4 days on, got %v", due)
		}

		// Within the 7-day reopen window a customer reply reopens it.
		e.Clock.Advance(6 * 24 * time.Hour)
		f.say(t, f.admin, "incoming", "It arrived broken.")
		if c = f.get(t); c.Status != model.StatusOpen || c.ResolvedAt == nil {
			t.Fatalf("reply within the window: status %s", c.Status)
		}
		ev := f.events(t, f.convID)
		last := ev[len(ev)-1]
		if last.Action != "status.changed" || string(last.Before) != `{"status":"resolved"}` {
			t.Fatalf("the reopening should be the last event, got %s %s→%s", last.Action, last.Before, last.After)
		}
	})
}

func TestCustomerMessageAfterWindowStartsLinkedConversation(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  model.Status
		advance time.Duration
	}{
		{"resolved past the reopen window", model.StatusResolved, 8 * 24 * time.Hour},
		{"closed", model.StatusClosed, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testutil.Each(t, func(t *testing.T, e *testutil.Env) {
				f := setup(t, e)
				f.setStatus(t, tc.status)
				e.Clock.Advance(tc.advance)
				m := f.say(t, f.admin, "incoming", "Me again, new problem.")
				if m.ConversationID == f.convID {
					t.Fatalf("the message landed in the old %s conversation", tc.status)
				}
				old := f.get(t)
				if old.Status != tc.status || old.MessageCount != 1 {
					t.Fatalf("the old conversation changed: %s with %d messages", old.Status, old.MessageCount)
				}
				next, err := e.Conversations.Get(ctx, f.admin, m.ConversationID)
				testutil.NoErr(t, err)
				if next.PreviousConversationID == nil || *next.PreviousConversationID != f.convID ||
					next.Status != model.StatusNew || next.Contact.ID != old.Contact.ID || next.Subject != old.Subject {
					t.Fatalf("new conversation %+v is not linked to #%d", next, f.convID)
				}
				ev := f.events(t, f.convID)
				if ev[len(ev)-1].Action != "conversation.followed_up" {
					t.Fatalf("the old conversation's timeline should point to the new one, got %s", ev[len(ev)-1].Action)
				}
			})
		})
	}
}

func TestClosedIsReadOnly(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		f.setStatus(t, model.StatusClosed)
		before := len(f.events(t, f.convID))
		high := "high"
		open := model.StatusOpen
		attempts := map[string]error{}
		_, attempts["reply"] = e.Conversations.AddMessage(ctx, f.agent, f.convID, conversation.MessageRequest{Body: "hi"})
		_, attempts["note"] = e.Conversations.AddMessage(ctx, f.agent, f.convID, conversation.MessageRequest{Body: "hi", Kind: "note"})
		_, attempts["priority"] = e.Conversations.Update(ctx, f.agent, f.convID, conversation.Patch{Priority: &high})
		_, attempts["reopen"] = e.Conversations.Update(ctx, f.agent, f.convID, conversation.Patch{Status: &open})
		_, attempts["tag"] = e.Conversations.AddTags(ctx, f.agent, f.convID, []string{"late"})
		for what, err := range attempts {
			if apperr.KindOf(err) != apperr.KindConflict {
				t.Errorf("%s on a closed conversation: %v, want conflict", what, err)
			}
		}
		if after := len(f.events(t, f.convID)); after != before {
			t.Fatalf("refused changes wrote %d events", after-before)
		}
	})
}

func TestPatchIsAllOrNothing(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		outsider := e.User(t, "outsider@example.com", model.RoleAgent)
		before := len(f.events(t, f.convID))
		urgent := "urgent"
		_, err := e.Conversations.Update(ctx, f.agent, f.convID, conversation.Patch{Priority: &urgent,
			AssigneeID: model.Nullable[int64]{Set: true, Value: outsider.UserID}})
		if apperr.KindOf(err) != apperr.KindInvalid {
			t.Fatalf("assigning to a non-member: %v, want validation error", err)
		}
		c := f.get(t)
		if c.Priority != model.PriorityNormal || c.AssigneeID != nil {
			t.Fatalf("half a change was kept: priority %s assignee %v", c.Priority, c.AssigneeID)
		}
		if after := len(f.events(t, f.convID)); after != before {
			t.Fatalf("a refused patch wrote %d events", after-before)
		}
	})
}

func TestEveryChangeIsAnEvent(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		team, err := e.Accounts.CreateTeam(ctx, f.admin, account.TeamCreateRequest{Name: "Billing"})
		testutil.NoErr(t, err)
		f.say(t, f.agent, "outgoing", "Looking into it.")
		skip := len(f.events(t, f.convID))

		high, subject := "high", "Order #1234 late"
		until := e.Clock.Now().Add(2 * time.Hour)
		_, err = e.Conversations.Update(ctx, f.agent, f.convID, conversation.Patch{
			Priority: &high, Subject: &subject,
			AssigneeID:   model.Nullable[int64]{Set: true, Value: f.agent.UserID},
			TeamID:       model.Nullable[int64]{Set: true, Value: team.ID},
			SnoozedUntil: model.Nullable[time.Time]{Set: true, Value: until},
		})
		testutil.NoErr(t, err)
		_, err = e.Conversations.AddTags(ctx, f.agent, f.convID, []string{"Shipping", "late"})
		testutil.NoErr(t, err)
		_, err = e.Conversations.RemoveTag(ctx, f.agent, f.convID, "late")
		testutil.NoErr(t, err)
		_, err = e.Conversations.Update(ctx, f.agent, f.convID, conversation.Patch{AssigneeID: model.Nullable[int64]{Set: true, Null: true}})
		testutil.NoErr(t, err)

		type change struct{ action, before, after string }
		want := []change{
			{"subject.changed", `{"subject":"Where is my order?"}`, `{"subject":"Order #1234 late"}`},
			{"priority.changed", `{"priority":"normal"}`, `{"priority":"high"}`},
			{"assignee.changed", `{"assignee_id":null}`, `{"assignee_id":2}`},
			{"team.changed", `{"team_id":null}`, `{"team_id":1}`},
			{"snooze.changed", `{"snoozed_until":null}`, `{"snoozed_until":"2026-03-02T11:00:00Z"}`},
			{"tags.added", ``, `{"tags":["shipping","late"]}`},
			{"tags.removed", ``, `{"tags":["late"]}`},
			{"assignee.changed", `{"assignee_id":2}`, `{"assignee_id":null}`},
		}
		got := f.events(t, f.convID)[skip:]
		if len(got) != len(want) {
			t.Fatalf("got %d events, want %d: %+v", len(got), len(want), got)
		}
		for i, w := range want {
			g := got[i]
			if g.Action != w.action || string(g.Before) != w.before || string(g.After) != w.after {
				t.Errorf("event %d = %s %s → %s, want %s %s → %s", i, g.Action, g.Before, g.After, w.action, w.before, w.after)
			}
			if g.ActorID == nil || *g.ActorID != f.agent.UserID || g.ActorName != f.agent.Name {
				t.Errorf("event %d actor = %v %q, want the agent", i, g.ActorID, g.ActorName)
			}
		}
		c := f.get(t)
		if c.SnoozedUntil == nil || !c.SnoozedUntil.Equal(until) || len(c.Tags) != 1 || c.Tags[0] != "shipping" {
			t.Fatalf("conversation after the changes: snoozed %v tags %v", c.SnoozedUntil, c.Tags)
		}
	})
}

func TestJobsRunAndSurviveRestart(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		// Scheduled against the test clock (March 2026), so River finds
		// every job due at once; what matters is that it was stored.
		f.setStatus(t, model.StatusPending)
		until := e.Clock.Now().Add(time.Hour)
		second, err := e.Conversations.Create(ctx, f.agent, conversation.CreateRequest{InboxID: f.inbox,
			Contact: contact.Ref{Email: "sam@example.com"}, Message: conversation.MessageRequest{Body: "Hello", Direction: "incoming"}})
		testutil.NoErr(t, err)
		f.e.Clock.Advance(time.Minute)
		open := model.StatusOpen
		_, err = e.Conversations.Update(ctx, f.agent, second.ID, conversation.Patch{Status: &open,
			SnoozedUntil: model.Nullable[time.Time]{Set: true, Value: until}})
		testutil.NoErr(t, err)

		// Nothing ran before the "crash": the queue was never started.
		e.Restart(t)
		e.StartJobs(t)

		waitFor(t, func() bool {
			c, err := e.Conversations.Get(ctx, f.admin, f.convID)
			return err == nil && c.Status == model.StatusClosed
		}, "the pending conversation to resolve itself and then close itself")
		waitFor(t, func() bool {
			c, err := e.Conversations.Get(ctx, f.admin, second.ID)
			return err == nil && c.SnoozedUntil == nil
		}, "the snoozed conversation to wake")

		var actions []string
		for _, ev := range f.events(t, f.convID) {
			if ev.Action == "status.changed" && ev.ActorType == model.SenderSystem {
				actions = append(actions, string(ev.After))
			}
		}
		want := []string{`{"reason":"auto_resolve","status":"resolved"}`, `{"reason":"auto_close","status":"closed"}`}
		if len(actions) != 2 || actions[0] != want[0] || actions[1] != want[1] {
			t.Fatalf("system status changes = %v, want %v", actions, want)
		}
	})
}

func TestStaleJobsDoNothing(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		f.setStatus(t, model.StatusPending)
		stamp := f.get(t).StatusChangedAt.UnixMilli()
		e.Clock.Advance(time.Minute)
		f.say(t, f.admin, "incoming", "Actually, one more thing")
		e.Clock.Advance(time.Minute)
		f.setStatus(t, model.StatusPending)
		before := len(f.events(t, f.convID))
		// The first pending spell's job fires late: the conversation has
		// been pending again since, so it must not resolve it early.
		testutil.NoErr(t, e.Conversations.AutoTransition(ctx, f.convID, model.StatusPending, stamp, conversation.ActAutoResolve))
		if c := f.get(t); c.Status != model.StatusPending || len(f.events(t, f.convID)) != before {
			t.Fatalf("a stale auto-resolve changed the conversation: %s", c.Status)
		}
	})
}

func waitFor(t *testing.T, ok func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}
