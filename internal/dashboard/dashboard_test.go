package dashboard_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/dashboard"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
)

var ctx = context.Background()

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// scenario builds a small helpdesk by hand; every number the tests expect
// is counted from it in the comments.
type scenario struct {
	e                  *testutil.Env
	admin, sup, ana    model.Actor
	ben                model.Actor
	c1, c2, c3, c4, c5 int64
}

func build(t *testing.T, e *testutil.Env) *scenario {
	t.Helper()
	s := &scenario{e: e}
	s.admin = e.User(t, "admin@example.com", model.RoleAdmin)
	s.sup = e.User(t, "sup@example.com", model.RoleSupervisor)
	s.ana = e.User(t, "ana@example.com", model.RoleAgent)
	s.ben = e.User(t, "ben@example.com", model.RoleAgent)
	inbox := e.Inbox(t, "API", model.ChannelAPI, s.ana, s.ben)
	tok := e.Token(t, s.admin)
	for _, c := range []struct {
		id   int64
		body map[string]any
	}{
		{s.ana.UserID, map[string]any{"capacity": 3}},
		{s.ben.UserID, map[string]any{"available": false}},
	} {
		if r := e.Call(t, tok, "PATCH", fmt.Sprintf("/api/v1/users/%d", c.id), c.body); r.Status != 200 {
			t.Fatalf("patch user: %d %s", r.Status, r.Body)
		}
	}
	if r := e.Call(t, tok, "POST", "/api/v1/sla-policies", map[string]any{"name": "Std", "first_response": "2h"}); r.Status != 201 {
		t.Fatalf("policy: %d %s", r.Status, r.Body)
	}
	create := func(subject, priority string) int64 {
		c, err := e.Conversations.Create(ctx, s.admin, conversation.CreateRequest{InboxID: inbox,
			Contact: contact.Ref{Email: subject + "@example.com", Name: subject}, Subject: subject, Priority: priority,
			Message: conversation.MessageRequest{Body: "help", Direction: "incoming"}})
		testutil.NoErr(t, err)
		return c.ID
	}
	assign := func(id int64, to model.Actor) {
		_, err := e.Conversations.Update(ctx, s.admin, id, conversation.Patch{AssigneeID: model.Nullable[int64]{Set: true, Value: to.UserID}})
		testutil.NoErr(t, err)
	}
	reply := func(id int64, by model.Actor, status string) {
		_, err := e.Conversations.AddMessage(ctx, by, id, conversation.MessageRequest{Body: "on it", Status: status})
		testutil.NoErr(t, err)
	}
	e.Clock.Set(at("2026-03-02T09:00:00Z"))
	s.c1 = create("c1", "urgent") // new, waiting since 09:00, SLA due 11:00, unassigned
	e.Clock.Set(at("2026-03-02T09:30:00Z"))
	s.c2 = create("c2", "normal") // new, waiting since 09:30, SLA due 11:30, Ana
	assign(s.c2, s.ana)
	e.Clock.Set(at("2026-03-02T10:00:00Z"))
	s.c3 = create("c3", "high") // answered by Ana: open, not waiting, SLA met
	assign(s.c3, s.ana)
	reply(s.c3, s.ana, "")
	s.c4 = create("c4", "high") // resolved: not on the dashboard at all
	assign(s.c4, s.ana)
	reply(s.c4, s.ana, "resolved")
	e.Clock.Set(at("2026-03-02T10:15:00Z"))
	s.c5 = create("c5", "low") // answered, waiting on the customer: pending, Ben
	assign(s.c5, s.ben)
	reply(s.c5, s.ben, "pending")
	e.Clock.Set(at("2026-03-02T11:10:00Z")) // c1 is 10 minutes past due; c2 due in 20
	return s
}

func TestLiveNumbers(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		s := build(t, e)
		var d dashboard.Live
		r := e.Call(t, e.Token(t, s.sup), "GET", "/api/v1/reports/live", nil)
		if r.Status != 200 {
			t.Fatalf("live: %d %s", r.Status, r.Body)
		}
		r.Decode(t, &d)
		// Unresolved: c1, c2 (new), c3 (open), c5 (pending).
		if d.Open != 4 || d.ByStatus["new"] != 2 || d.ByStatus["open"] != 1 || d.ByStatus["pending"] != 1 {
			t.Errorf("by status = %v (open %d)", d.ByStatus, d.Open)
		}
		if d.ByPriority["urgent"] != 1 || d.ByPriority["normal"] != 1 || d.ByPriority["high"] != 1 || d.ByPriority["low"] != 1 {
			t.Errorf("by priority = %v", d.ByPriority)
		}
		if d.ByStatusPriority["new"]["urgent"] != 1 || d.ByStatusPriority["new"]["normal"] != 1 || d.ByStatusPriority["open"]["high"] != 1 ||
			d.ByStatusPriority["pending"]["low"] != 1 || d.ByStatusPriority["new"]["high"] != 0 {
			t.Errorf("by status and priority = %v", d.ByStatusPriority)
		}
		if d.Unassigned != 1 {
			t.Errorf("unassigned = %d, want 1 (c1)", d.Unassigned)
		}
		// Waiting: c1 since 09:00, then c2 since 09:30.
		if d.Waiting != 2 || len(d.WaitingLongest) != 2 || d.WaitingLongest[0].ID != s.c1 || d.WaitingLongest[1].ID != s.c2 ||
			!d.WaitingLongest[0].Since.Equal(at("2026-03-02T09:00:00Z")) {
			t.Errorf("waiting = %d %+v", d.Waiting, d.WaitingLongest)
		}
		// SLA: c1 breached at 11:00, c2 due 11:30 (within the hour).
		if d.SLABreached != 1 || d.SLADueSoon != 1 || len(d.SLAAtRisk) != 2 || d.SLAAtRisk[0].ID != s.c1 || d.SLAAtRisk[1].ID != s.c2 ||
			!d.SLAAtRisk[1].DueAt.Equal(at("2026-03-02T11:30:00Z")) {
			t.Errorf("sla = %d breached, %d soon, %+v", d.SLABreached, d.SLADueSoon, d.SLAAtRisk)
		}
		// Agents: Ana has c2 and c3 (c4 is resolved) of 3; Ben has c5 and is away.
		load := map[int64]int64{}
		for _, a := range d.Agents {
			load[a.ID] = a.Open
			if a.ID == s.ana.UserID && (a.Capacity != 3 || !a.Available) || a.ID == s.ben.UserID && a.Available {
				t.Errorf("agent %+v", a)
			}
		}
		if len(d.Agents) != 4 || load[s.ana.UserID] != 2 || load[s.ben.UserID] != 1 || d.Agents[0].ID != s.ana.UserID {
			t.Errorf("agents = %+v", d.Agents)
		}
		if d.AgentsAvailable != 3 {
			t.Errorf("available = %d, want 3 (all but Ben)", d.AgentsAvailable)
		}

		// An hour on, c2 is breached too; resolving c1 takes it off every list.
		e.Clock.Advance(time.Hour)
		_, err := e.Conversations.AddMessage(ctx, s.admin, s.c1, conversation.MessageRequest{Body: "done", Status: "resolved"})
		testutil.NoErr(t, err)
		d, err = e.Dashboard.Live(ctx, s.admin)
		testutil.NoErr(t, err)
		if d.Open != 3 || d.Waiting != 1 || d.SLABreached != 1 || d.SLADueSoon != 0 || d.SLAAtRisk[0].ID != s.c2 || d.Unassigned != 0 {
			t.Errorf("after resolving c1: open %d waiting %d breached %d soon %d %+v unassigned %d",
				d.Open, d.Waiting, d.SLABreached, d.SLADueSoon, d.SLAAtRisk, d.Unassigned)
		}
	})
}

// Agents see only their inboxes, so the dashboard (every inbox, every
// colleague's load) is for supervisors and admins.
func TestAgentsMayNotReadTheDashboard(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		agent := e.User(t, "a@example.com", model.RoleAgent)
		r := e.Call(t, e.Token(t, agent), "GET", "/api/v1/reports/live", nil)
		if r.Status != 403 || r.ErrorCode() != "forbidden" {
			t.Fatalf("agent: %d %s", r.Status, r.Body)
		}
		admin := e.User(t, "b@example.com", model.RoleAdmin)
		r = e.Call(t, e.Token(t, admin), "GET", "/api/v1/reports/live?status=open", nil)
		if r.Status != 400 {
			t.Fatalf("unknown parameter: %d %s", r.Status, r.Body)
		}
		// An empty helpdesk answers zeros and empty lists, not nulls.
		r = e.Call(t, e.Token(t, admin), "GET", "/api/v1/reports/live", nil)
		m := r.JSON(t)
		if r.Status != 200 || m["open"] != 0.0 || m["by_status"].(map[string]any)["new"] != 0.0 ||
			m["waiting_longest"] == nil || m["sla_at_risk"] == nil {
			t.Fatalf("empty: %d %s", r.Status, r.Body)
		}
	})
}
