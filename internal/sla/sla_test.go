package sla_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/sla"
	"github.com/parley-hq/parley/internal/store"
	"github.com/parley-hq/parley/internal/testutil"
)

var ctx = context.Background()

type fixture struct {
	e          *testutil.Env
	admin      model.Actor
	agent      model.Actor
	supervisor model.Actor
	token      string
	inbox      int64
}

func setup(t *testing.T, e *testutil.Env) *fixture {
	t.Helper()
	f := &fixture{e: e}
	f.admin = e.User(t, "admin@example.com", model.RoleAdmin)
	f.agent = e.User(t, "agent@example.com", model.RoleAgent)
	f.supervisor = e.User(t, "sup@example.com", model.RoleSupervisor)
	f.inbox = e.Inbox(t, "API", model.ChannelAPI, f.agent)
	f.token = e.Token(t, f.admin)
	return f
}

// call sends an admin API request and decodes the answer into out.
func (f *fixture) call(t *testing.T, method, path string, body, out any) {
	t.Helper()
	r := f.e.Call(t, f.token, method, path, body)
	if r.Status >= 300 {
		t.Fatalf("%s %s = %d %s", method, path, r.Status, r.Body)
	}
	if out != nil {
		r.Decode(t, out)
	}
}

func (f *fixture) policy(t *testing.T, body map[string]any) sla.Policy {
	t.Helper()
	var p sla.Policy
	f.call(t, "POST", "/api/v1/sla-policies", body, &p)
	return p
}

func (f *fixture) create(t *testing.T) model.Conversation {
	t.Helper()
	c, err := f.e.Conversations.Create(ctx, f.agent, conversation.CreateRequest{InboxID: f.inbox,
		Contact: contact.Ref{Email: "jo@example.com", Name: "Jo"}, Subject: "Where is my order?",
		Message: conversation.MessageRequest{Body: "It has been two weeks.", Direction: "incoming"}})
	testutil.NoErr(t, err)
	return c
}

func (f *fixture) say(t *testing.T, id int64, actor model.Actor, dir string) {
	t.Helper()
	_, err := f.e.Conversations.AddMessage(ctx, actor, id, conversation.MessageRequest{Body: "hello", Direction: dir})
	testutil.NoErr(t, err)
}

func (f *fixture) clocks(t *testing.T, id int64) map[string]sla.Clock {
	t.Helper()
	st, err := f.e.SLA.ConversationSLA(ctx, f.admin, id)
	testutil.NoErr(t, err)
	out := map[string]sla.Clock{}
	for _, c := range st.Clocks {
		out[c.Target] = c
	}
	return out
}

func (f *fixture) actions(t *testing.T, id int64, action string) []model.Event {
	t.Helper()
	ev, err := f.e.Conversations.Events(ctx, f.admin, id, 0, 500)
	testutil.NoErr(t, err)
	var out []model.Event
	for _, e := range ev {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func wantDue(t *testing.T, c sla.Clock, want string) {
	t.Helper()
	if c.DueAt == nil || !c.DueAt.Equal(at(want)) {
		t.Fatalf("%s due %v (state %s), want %s", c.Target, c.DueAt, c.State, want)
	}
}

// Due times count business hours: over a weekend, a holiday and a DST change.
func TestDueInBusinessHours(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		var hours sla.BusinessHours
		week := map[string]any{}
		for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday"} {
			week[d] = []map[string]string{{"start": "09:00", "end": "17:00"}}
		}
		f.call(t, "POST", "/api/v1/business-hours", map[string]any{"name": "Berlin office", "time_zone": "Europe/Berlin",
			"week": week, "holidays": []string{"2026-04-03"}, "inbox_ids": []int64{f.inbox}}, &hours)
		if len(hours.InboxIDs) != 1 || hours.InboxIDs[0] != f.inbox {
			t.Fatalf("inbox_ids = %v", hours.InboxIDs)
		}
		f.policy(t, map[string]any{"name": "Standard", "first_response": "2h",
			"resolution": map[string]string{"normal": "16h", "urgent": "4h"}, "business_hours_id": hours.ID})

		// Friday 16:00 CET, the weekend Berlin springs forward.
		e.Clock.Set(at("2026-03-27T15:00:00Z"))
		c := f.create(t)
		cl := f.clocks(t, c.ID)
		wantDue(t, cl[sla.FirstResponse], "2026-03-30T08:00:00Z") // Monday 10:00 CEST
		wantDue(t, cl[sla.Resolution], "2026-03-31T14:00:00Z")    // 1h Fri + 8h Mon + 7h Tue → Tue 16:00 CEST
		got, _ := e.Conversations.Get(ctx, f.admin, c.ID)
		if got.SLADueAt == nil || !got.SLADueAt.Equal(at("2026-03-30T08:00:00Z")) || got.SLAPolicyID == nil {
			t.Fatalf("conversation sla_due_at = %v policy %v", got.SLADueAt, got.SLAPolicyID)
		}

		// Thursday 16:00 CEST before Good Friday (a holiday here).
		e.Clock.Set(at("2026-04-02T14:00:00Z"))
		c2 := f.create(t)
		wantDue(t, f.clocks(t, c2.ID)[sla.FirstResponse], "2026-04-06T08:00:00Z") // Monday 10:00 CEST

		// Raising the priority re-targets the running resolution clock.
		urgent := "urgent"
		_, err := e.Conversations.Update(ctx, f.agent, c.ID, conversation.Patch{Priority: &urgent})
		testutil.NoErr(t, err)
		// Still on the clock of April 2nd: 4h from Friday 16:00 CET is
		// 1h Friday + 3h Monday (12:00 CEST), counted from its start.
		wantDue(t, f.clocks(t, c.ID)[sla.Resolution], "2026-03-30T10:00:00Z")

		// The list sorts by the nearest due time, conversations without one
		// last, and its cursor pages across them one by one.
		c3 := f.create(t)
		resolved := model.StatusResolved
		_, err = e.Conversations.Update(ctx, f.agent, c3.ID, conversation.Patch{Status: &resolved})
		testutil.NoErr(t, err)
		var got3 []int64
		cursor := ""
		for range 4 {
			var page struct {
				Items      []model.Conversation `json:"items"`
				NextCursor string               `json:"next_cursor"`
			}
			f.call(t, "GET", "/api/v1/conversations?status=new,open,resolved&sort=sla_due&limit=1&cursor="+cursor, nil, &page)
			got3 = append(got3, ids(page.Items)...)
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if fmt.Sprint(got3) != fmt.Sprint([]int64{c.ID, c2.ID, c3.ID}) {
			t.Fatalf("sla_due pages = %v, want %d, %d, then %d without a due time", got3, c.ID, c2.ID, c3.ID)
		}
	})
}

func ids(cs []model.Conversation) []int64 {
	var out []int64
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// Pending pauses the clock with its remaining time; a reply resumes it.
func TestPauseAndResume(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		f.policy(t, map[string]any{"name": "Calendar", "resolution": "4h", "pause_on_pending": true, "pause_on_snooze": true})
		t0 := e.Clock.Now()
		c := f.create(t)
		wantDue(t, f.clocks(t, c.ID)[sla.Resolution], t0.Add(4*time.Hour).Format(time.RFC3339))

		e.Clock.Advance(time.Hour)
		pending := model.StatusPending
		_, err := e.Conversations.Update(ctx, f.agent, c.ID, conversation.Patch{Status: &pending})
		testutil.NoErr(t, err)
		cl := f.clocks(t, c.ID)[sla.Resolution]
		if cl.State != "paused" || cl.DueAt != nil || cl.RemainingMS == nil || *cl.RemainingMS != (3*time.Hour).Milliseconds() {
			t.Fatalf("after pending: %+v", cl)
		}
		if got, _ := e.Conversations.Get(ctx, f.admin, c.ID); got.SLADueAt != nil {
			t.Fatalf("a paused conversation has sla_due_at %v", got.SLADueAt)
		}

		e.Clock.Advance(10 * time.Hour)
		f.say(t, c.ID, f.admin, "incoming") // the customer answers: open again
		resumed := e.Clock.Now()
		wantDue(t, f.clocks(t, c.ID)[sla.Resolution], resumed.Add(3*time.Hour).Format(time.RFC3339))

		// Snoozing pauses as well; waking resumes with what was left.
		e.Clock.Advance(30 * time.Minute)
		_, err = e.Conversations.Update(ctx, f.agent, c.ID, conversation.Patch{SnoozedUntil: model.Nullable[time.Time]{Set: true, Value: e.Clock.Now().Add(time.Hour)}})
		testutil.NoErr(t, err)
		if cl := f.clocks(t, c.ID)[sla.Resolution]; cl.State != "paused" || *cl.RemainingMS != (150*time.Minute).Milliseconds() {
			t.Fatalf("after snooze: %+v", cl)
		}
	})
}

// First response, then a next-response spell per customer message after a reply.
func TestFirstAndNextResponse(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		f.policy(t, map[string]any{"name": "Chat", "first_response": "1h", "next_response": "30m"})
		c := f.create(t)
		if _, ok := f.clocks(t, c.ID)[sla.NextResponse]; ok {
			t.Fatal("a next-response clock runs before the first reply")
		}
		e.Clock.Advance(10 * time.Minute)
		f.say(t, c.ID, f.agent, "outgoing")
		if cl := f.clocks(t, c.ID)[sla.FirstResponse]; cl.Outcome != "met" || len(f.actions(t, c.ID, "sla.met")) != 1 {
			t.Fatalf("first response after reply: %+v", cl)
		}
		for cycle := range 2 {
			e.Clock.Advance(5 * time.Minute)
			f.say(t, c.ID, f.admin, "incoming")
			cl := f.clocks(t, c.ID)[sla.NextResponse]
			if cl.Cycle != int64(cycle) || cl.State != "running" {
				t.Fatalf("cycle %d: %+v", cycle, cl)
			}
			wantDue(t, cl, e.Clock.Now().Add(30*time.Minute).Format(time.RFC3339))
			e.Clock.Advance(time.Minute)
			f.say(t, c.ID, f.agent, "outgoing")
			if cl := f.clocks(t, c.ID)[sla.NextResponse]; cl.Outcome != "met" {
				t.Fatalf("cycle %d after reply: %+v", cycle, cl)
			}
		}
		if n := len(f.actions(t, c.ID, "sla.met")); n != 3 {
			t.Fatalf("%d sla.met events, want 3", n)
		}
	})
}

// A breach is recorded once, whoever fires it and however often: two
// nodes at once, then the durable jobs after a crash.
func TestBreachExactlyOnceAcrossRestart(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		team, err := e.Accounts.CreateTeam(ctx, model.System, account.TeamCreateRequest{Name: "Tier 2"})
		testutil.NoErr(t, err)
		_, err = e.Accounts.AddTeamMember(ctx, model.System, team.ID, f.supervisor.UserID)
		testutil.NoErr(t, err)
		// The rule names someone who has since no access to the inbox: the
		// breach must still be recorded, and the rest of the escalation done.
		outsider := e.User(t, "gone@example.com", model.RoleAgent)
		f.policy(t, map[string]any{"name": "Urgent", "first_response": "1h", "warn_before": "15m",
			"escalation": map[string]any{"on_breach": map[string]any{"team_id": team.ID, "priority": "raise", "assignee_id": outsider.UserID,
				"tags": []string{"sla-breached"}, "notify_team": true, "email": true}}})
		c := f.create(t)
		cl := f.clocks(t, c.ID)[sla.FirstResponse]
		if cl.WarnAt == nil || !cl.WarnAt.Equal(cl.DueAt.Add(-15*time.Minute)) {
			t.Fatalf("warn_at %v for due %v", cl.WarnAt, cl.DueAt)
		}

		// Not yet due: a job that ran early (a node with a fast clock) waits.
		early, err := e.SLA.Fire(ctx, sla.FireArgs{ConversationID: c.ID, Target: sla.FirstResponse, Fires: "breached", At: store.Millis(*cl.DueAt)})
		testutil.NoErr(t, err)
		if early != time.Hour {
			t.Fatalf("early fire waits %s, want 1h", early)
		}

		e.Clock.Advance(2 * time.Hour)
		twin := e.Twin(t)
		var wg sync.WaitGroup
		for _, node := range []*testutil.Env{e, twin, e, twin} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := node.SLA.Fire(ctx, sla.FireArgs{ConversationID: c.ID, Target: sla.FirstResponse, Fires: "breached", At: store.Millis(*cl.DueAt)})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()

		// Crash, come back, and let the queue run the scheduled jobs.
		e.Restart(t)
		e.StartJobs(t)
		waitFor(t, func() bool { return len(f.actions(t, c.ID, "sla.warning")) == 1 }, "the warning job")
		var outcomes []store.SLAOutcome
		waitFor(t, func() bool {
			st, err := e.SLA.ConversationSLA(ctx, f.admin, c.ID)
			outcomes = st.Outcomes
			return err == nil && len(outcomes) == 2
		}, "warning and breach outcomes")
		waitFor(t, func() bool {
			ns, _ := e.Store.ListNotifications(ctx, f.supervisor.UserID, 10)
			return len(ns) == 1 && ns[0].EmailStatus == "skipped"
		}, "the supervisor's notification, its email skipped for want of SMTP")
		time.Sleep(300 * time.Millisecond) // give any duplicate a chance to show
		if n := len(f.actions(t, c.ID, "sla.breached")); n != 1 {
			t.Fatalf("%d sla.breached events, want exactly 1", n)
		}
		if n := len(f.actions(t, c.ID, "conversation.escalated")); n != 1 {
			t.Fatalf("%d escalations, want 1", n)
		}
		got, _ := e.Conversations.Get(ctx, f.admin, c.ID)
		if got.Priority != model.PriorityHigh || got.TeamID == nil || *got.TeamID != team.ID || !contains(got.Tags, "sla-breached") || got.AssigneeID != nil {
			t.Fatalf("after breach: priority %s team %v tags %v", got.Priority, got.TeamID, got.Tags)
		}
		// Still unanswered: the breached target keeps the conversation at the top of sla_due.
		if got.SLADueAt == nil || !got.SLADueAt.Equal(*cl.DueAt) {
			t.Fatalf("sla_due_at after breach = %v, want %v", got.SLADueAt, cl.DueAt)
		}
		// The late reply ends the spell as breached, not met.
		f.say(t, c.ID, f.agent, "outgoing")
		if cl := f.clocks(t, c.ID)[sla.FirstResponse]; cl.Outcome != "breached" || len(f.actions(t, c.ID, "sla.met")) != 0 {
			t.Fatalf("after the late reply: %+v", cl)
		}
	})
}

// A manual escalation with a handoff note reassigns, keeps the note in the
// timeline, and the former owner follows and hears of the resolution.
func TestEscalateAndHandoff(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		c := f.create(t)
		_, err := e.Conversations.Update(ctx, f.agent, c.ID, conversation.Patch{AssigneeID: model.Nullable[int64]{Set: true, Value: f.agent.UserID}})
		testutil.NoErr(t, err)
		agentToken := e.Token(t, f.agent)
		r := e.Call(t, agentToken, "POST", fmt.Sprintf("/api/v1/conversations/%d/escalate", c.ID), map[string]any{
			"to_user_id": f.supervisor.UserID, "priority": "urgent",
			"handoff": map[string]string{"what_customer_needs": "A refund", "what_was_tried": "Resent the label", "next_step": "Approve the refund"}})
		if r.Status != 200 {
			t.Fatalf("escalate = %d %s", r.Status, r.Body)
		}
		got, _ := e.Conversations.Get(ctx, f.admin, c.ID)
		if got.AssigneeID == nil || *got.AssigneeID != f.supervisor.UserID || got.Priority != model.PriorityUrgent || !contains(got.Tags, sla.EscalatedTag) {
			t.Fatalf("after escalation: %+v", got)
		}
		ev := f.actions(t, c.ID, "conversation.escalated")
		if len(ev) != 1 || !containsStr(string(ev[0].After), `"what_was_tried":"Resent the label"`) {
			t.Fatalf("escalation events = %v", ev)
		}
		fs, err := e.SLA.Followers(ctx, f.admin, c.ID)
		testutil.NoErr(t, err)
		if len(fs) != 1 || fs[0].UserID != f.agent.UserID {
			t.Fatalf("followers = %+v", fs)
		}
		// A handoff without anyone to hand to is refused.
		if r := e.Call(t, agentToken, "POST", fmt.Sprintf("/api/v1/conversations/%d/handoff", c.ID), map[string]any{"note": "over to you"}); r.Status != 400 {
			t.Fatalf("handoff without a recipient = %d", r.Status)
		}
		resolved := model.StatusResolved
		_, err = e.Conversations.Update(ctx, f.supervisor, c.ID, conversation.Patch{Status: &resolved})
		testutil.NoErr(t, err)
		ns, err := e.Store.ListNotifications(ctx, f.agent.UserID, 10)
		testutil.NoErr(t, err)
		if len(ns) != 1 || ns[0].Kind != "resolved" {
			t.Fatalf("former owner's notifications = %+v", ns)
		}
		// The bell: one unread; marking it read by id, then again (a no-op).
		var bell struct {
			Items []struct {
				ID     int64   `json:"id"`
				Title  string  `json:"title"`
				ReadAt *string `json:"read_at"`
			} `json:"items"`
			Unread int `json:"unread"`
		}
		e.Call(t, agentToken, "GET", "/api/v1/notifications", nil).Decode(t, &bell)
		if bell.Unread != 1 || len(bell.Items) != 1 || !strings.Contains(bell.Items[0].Title, "resolved") {
			t.Fatalf("the former owner's bell = %+v", bell)
		}
		for _, want := range []string{`{"marked":1,"unread":0}`, `{"marked":0,"unread":0}`} {
			r := e.Call(t, agentToken, "POST", "/api/v1/notifications/read", map[string]any{"ids": []int64{bell.Items[0].ID}})
			if r.Status != 200 || strings.TrimSpace(string(r.Body)) != want {
				t.Fatalf("mark read = %d %s, want %s", r.Status, r.Body, want)
			}
		}
		// Someone else's id is refused and marks nothing of theirs.
		supToken := e.Token(t, f.supervisor)
		if r := e.Call(t, supToken, "POST", "/api/v1/notifications/read", map[string]any{"ids": []int64{bell.Items[0].ID}}); r.Status != 404 {
			t.Fatalf("marking another's notification = %d %s", r.Status, r.Body)
		}
		var sup struct{ Unread int }
		e.Call(t, supToken, "GET", "/api/v1/notifications", nil).Decode(t, &sup)
		if sup.Unread == 0 {
			t.Fatal("the supervisor was not notified of the escalation to them")
		}
		if r := e.Call(t, supToken, "POST", "/api/v1/notifications/read", map[string]any{"all": true}); r.Status != 200 ||
			strings.TrimSpace(string(r.Body)) != fmt.Sprintf(`{"marked":%d,"unread":0}`, sup.Unread) {
			t.Fatalf("mark all read = %d %s", r.Status, r.Body)
		}
	})
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func containsStr(s, sub string) bool { return strings.Contains(s, sub) }

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

// An automatic reply (a rule answering each customer message from a
// template, the satisfaction survey) is no agent's answer: the
// next-response clock keeps running until a person replies, and a
// conversation resolved while the customer waits ends it cancelled, not
// met, even though the survey went out in the same step.
func TestAutomaticReplyDoesNotMeetNextResponse(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		f.policy(t, map[string]any{"name": "Replies", "next_response": "4h"})
		var tpl struct{ ID int64 }
		f.call(t, "POST", "/api/v1/templates", map[string]any{"name": "Got it", "scope": "everyone", "body": "Thanks, we read every message."}, &tpl)
		f.call(t, "POST", "/api/v1/automation-rules", map[string]any{"name": "Auto answer", "when": "customer_message",
			"then": []any{map[string]any{"type": "reply_template", "value": tpl.ID}}}, nil)
		c := f.create(t)
		f.say(t, c.ID, f.agent, "outgoing")
		f.say(t, c.ID, f.agent, "incoming")
		msgs, err := e.Conversations.Messages(ctx, f.admin, c.ID, 0, 100)
		testutil.NoErr(t, err)
		if last := msgs[len(msgs)-1]; last.SenderType != model.SenderSystem || !strings.Contains(last.Body, "we read every message") {
			t.Fatalf("the rule did not answer: %+v", last)
		}
		if cl := f.clocks(t, c.ID)[sla.NextResponse]; cl.State != "running" || cl.Outcome != "" {
			t.Fatalf("after the automatic reply the next-response clock is %+v", cl)
		}
		f.say(t, c.ID, f.agent, "outgoing")
		if cl := f.clocks(t, c.ID)[sla.NextResponse]; cl.Outcome != "met" {
			t.Fatalf("after the agent's reply: %+v", cl)
		}

		// A rule that answers and resolves at once, while the customer waits.
		f.call(t, "PATCH", fmt.Sprintf("/api/v1/inboxes/%d/automation", f.inbox), map[string]any{"csat_enabled": true}, nil)
		f.call(t, "POST", "/api/v1/automation-rules", map[string]any{"name": "Unsubscribe", "when": "customer_message",
			"if":   map[string]any{"field": "body", "op": "contains", "value": "unsubscribe"},
			"then": []any{map[string]any{"type": "reply_template", "value": tpl.ID}, map[string]any{"type": "set_status", "value": "resolved"}}}, nil)
		_, err = e.Conversations.AddMessage(ctx, f.agent, c.ID, conversation.MessageRequest{Body: "Please unsubscribe me", Direction: "incoming"})
		testutil.NoErr(t, err)
		if got, _ := e.Conversations.Get(ctx, f.admin, c.ID); got.Status != model.StatusResolved {
			t.Fatalf("the rule did not resolve: %s", got.Status)
		}
		msgs, err = e.Conversations.Messages(ctx, f.admin, c.ID, 0, 100)
		testutil.NoErr(t, err)
		if last := msgs[len(msgs)-1]; last.SenderType != model.SenderSystem || !strings.Contains(last.Body, "/csat/") {
			t.Fatalf("no survey: %+v", last)
		}
		var met int
		testutil.NoErr(t, e.Store.Reader.QueryRow(`SELECT COUNT(*) FROM sla_outcomes WHERE conversation_id = $1 AND target = 'next_response' AND kind = 'met'`, c.ID).Scan(&met))
		if met != 1 {
			t.Fatalf("next-response targets met: %d, want only the agent's one", met)
		}
	})
}

// An escalation that notifies by email sends the mail through the SMTP
// server of an email inbox, and the notification shows it sent.
func TestBreachNotifiesByEmail(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		mail, port := testutil.StartMailSink(t)
		_, err := e.Accounts.CreateInbox(ctx, model.System, account.InboxCreateRequest{Name: "Mail", Channel: model.ChannelEmail,
			Settings: []byte(fmt.Sprintf(`{"address":"help@acme.test","smtp":{"host":"127.0.0.1","port":%d,"tls":"none"}}`, port))})
		testutil.NoErr(t, err)
		team, err := e.Accounts.CreateTeam(ctx, model.System, account.TeamCreateRequest{Name: "Tier 2"})
		testutil.NoErr(t, err)
		_, err = e.Accounts.AddTeamMember(ctx, model.System, team.ID, f.supervisor.UserID)
		testutil.NoErr(t, err)
		f.policy(t, map[string]any{"name": "Urgent", "first_response": "1h",
			"escalation": map[string]any{"on_breach": map[string]any{"team_id": team.ID, "notify_team": true, "email": true}}})
		c := f.create(t)
		e.Clock.Advance(2 * time.Hour)
		e.StartJobs(t)
		waitFor(t, func() bool {
			ns, _ := e.Store.ListNotifications(ctx, f.supervisor.UserID, 10)
			return len(ns) == 1 && ns[0].EmailStatus == "sent"
		}, "the supervisor's notification, its email sent")
		got := mail.Mails()
		if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != "sup@example.com" {
			t.Fatalf("mails sent: %+v", got)
		}
		if raw := string(got[0].Raw); !strings.Contains(raw, fmt.Sprintf("Conversation #%d", c.ID)) || !strings.Contains(raw, "From: ") {
			t.Errorf("the mail reads:\n%s", raw)
		}
	})
}
