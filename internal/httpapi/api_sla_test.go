package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/parley-hq/parley/internal/store"
	"github.com/parley-hq/parley/internal/testutil"
)

// SLA routes: business hours, policies, escalation, followers and
// notifications, for the bad-input and permission tables.

func officeWeek() map[string]any {
	week := map[string]any{}
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday"} {
		week[d] = []map[string]string{{"start": "09:00", "end": "17:00"}}
	}
	return week
}

// slaSpares makes the fixture's business hours and SLA policy.
func (f *fixture) slaSpares(t *testing.T) {
	t.Helper()
	var h, p struct{ ID int64 }
	f.call(t, f.adminTok, "POST", api+"/business-hours", map[string]any{"name": "Office", "time_zone": "Europe/Berlin", "week": officeWeek()}, http.StatusCreated).Decode(t, &h)
	f.hours = h.ID
	f.call(t, f.adminTok, "POST", api+"/sla-policies", map[string]any{"name": "Standard", "resolution": "8h", "business_hours_id": h.ID}, http.StatusCreated).Decode(t, &p)
	f.policy = p.ID
}

func slaBadRows(f *fixture) []badReq {
	a := convPath(f.convA)
	bh := api + "/business-hours"
	pol := api + "/sla-policies"
	hours := func(change func(m map[string]any)) map[string]any {
		m := map[string]any{"name": "X", "time_zone": "UTC", "week": officeWeek()}
		change(m)
		return m
	}
	policy := func(change func(m map[string]any)) map[string]any {
		m := map[string]any{"name": "X", "first_response": "1h"}
		change(m)
		return m
	}
	return []badReq{
		{name: "business hours unknown parameter", method: "GET", path: bh + "?zone=UTC", status: 400, field: "zone"},
		{name: "policies unknown parameter", method: "GET", path: pol + "?inbox=1", status: 400, field: "inbox"},
		{name: "notifications unknown parameter", method: "GET", path: api + "/notifications?unread=true", status: 400, field: "unread"},
		{name: "notifications read nothing", method: "POST", path: api + "/notifications/read", body: map[string]any{}, status: 400, field: "ids"},
		{name: "notifications read ids and all", method: "POST", path: api + "/notifications/read", body: map[string]any{"ids": []int{1}, "all": true}, status: 400, field: "ids"},
		{name: "notifications read bad id", method: "POST", path: api + "/notifications/read", body: map[string]any{"ids": []int{0}}, status: 400, field: "ids"},
		{name: "notifications read ids not a list", method: "POST", path: api + "/notifications/read", body: map[string]any{"ids": "all"}, status: 400, field: "ids"},
		{name: "notifications read unknown field", method: "POST", path: api + "/notifications/read", body: map[string]any{"every": true}, status: 400, field: "every"},
		{name: "notifications read unknown id", method: "POST", path: api + "/notifications/read", body: map[string]any{"ids": []int{999999}}, status: 404},
		{name: "business hours unknown zone", method: "POST", path: bh, body: hours(func(m map[string]any) { m["time_zone"] = "Mars/Olympus" }), status: 400, field: "time_zone"},
		{name: "business hours overlapping", method: "POST", path: bh, body: hours(func(m map[string]any) {
			m["week"] = map[string]any{"monday": []map[string]string{{"start": "09:00", "end": "13:00"}, {"start": "12:00", "end": "17:00"}}}
		}), status: 400, field: "week.monday"},
		{name: "business hours end before start", method: "POST", path: bh, body: hours(func(m map[string]any) {
			m["week"] = map[string]any{"monday": []map[string]string{{"start": "17:00", "end": "09:00"}}}
		}), status: 400, field: "week.monday[0].end"},
		{name: "business hours unknown day", method: "POST", path: bh, body: hours(func(m map[string]any) {
			m["week"] = map[string]any{"caturday": []map[string]string{{"start": "09:00", "end": "17:00"}}}
		}), status: 400, field: "week.caturday"},
		{name: "business hours bad holiday", method: "POST", path: bh, body: hours(func(m map[string]any) { m["holidays"] = []string{"25/12/2026"} }), status: 400, field: "holidays[0]"},
		{name: "business hours without a name", method: "POST", path: bh, body: hours(func(m map[string]any) { delete(m, "name") }), status: 400, field: "name"},
		{name: "business hours name taken", method: "POST", path: bh, body: hours(func(m map[string]any) { m["name"] = "Office" }), status: 400, field: "name"},
		{name: "business hours unknown inbox", method: "POST", path: bh, body: hours(func(m map[string]any) { m["inbox_ids"] = []int64{999999} }), status: 400, field: "inbox_ids"},
		{name: "business hours by an agent", as: "agentA", method: "POST", path: bh, body: hours(func(map[string]any) {}), status: 403},
		{name: "business hours in use by a policy", method: "DELETE", path: fmt.Sprintf(bh+"/%d", f.hours), status: 409},
		{name: "policy without targets", method: "POST", path: pol, body: policy(func(m map[string]any) { delete(m, "first_response") }), status: 400, field: "first_response"},
		{name: "policy bad duration", method: "POST", path: pol, body: policy(func(m map[string]any) { m["first_response"] = "soon" }), status: 400},
		{name: "policy seconds", method: "POST", path: pol, body: policy(func(m map[string]any) { m["first_response"] = "90s" }), status: 400},
		{name: "policy unknown priority", method: "POST", path: pol, body: policy(func(m map[string]any) { m["resolution"] = map[string]string{"critical": "1h"} }), status: 400},
		{name: "policy unknown business hours", method: "POST", path: pol, body: policy(func(m map[string]any) { m["business_hours_id"] = 999999 }), status: 400, field: "business_hours_id"},
		{name: "policy bad warning", method: "POST", path: pol, body: policy(func(m map[string]any) { m["warn_before"] = "150%" }), status: 400, field: "warn_before"},
		{name: "policy bad channel", method: "POST", path: pol, body: policy(func(m map[string]any) { m["conditions"] = map[string]any{"channels": []string{"fax"}} }), status: 400, field: "conditions.channels"},
		{name: "policy unknown inbox", method: "POST", path: pol, body: policy(func(m map[string]any) { m["conditions"] = map[string]any{"inbox_ids": []int64{999999}} }), status: 400, field: "conditions.inbox_ids"},
		{name: "policy bad escalation priority", method: "POST", path: pol, body: policy(func(m map[string]any) {
			m["escalation"] = map[string]any{"on_breach": map[string]any{"priority": "panic"}}
		}), status: 400, field: "escalation.on_breach.priority"},
		{name: "policy escalation to unknown team", method: "POST", path: pol, body: policy(func(m map[string]any) {
			m["escalation"] = map[string]any{"on_warning": map[string]any{"team_id": 999999}}
		}), status: 400, field: "escalation.on_warning.team_id"},
		{name: "policy name taken", method: "POST", path: pol, body: policy(func(m map[string]any) { m["name"] = "Standard" }), status: 400, field: "name"},
		{name: "escalate without a note", method: "POST", path: a + "/escalate", body: map[string]any{"to_team_id": f.team}, status: 400, field: "note"},
		{name: "escalate bad priority", method: "POST", path: a + "/escalate", body: map[string]any{"note": "N", "priority": "panic"}, status: 400, field: "priority"},
		{name: "escalate to unknown team", method: "POST", path: a + "/escalate", body: map[string]any{"note": "N", "to_team_id": 999999}, status: 400, field: "team_id"},
		{name: "escalate to someone outside the inbox", method: "POST", path: a + "/escalate", body: map[string]any{"note": "N", "to_user_id": f.agentB.UserID}, status: 400, field: "assignee_id"},
		{name: "escalate a closed conversation", method: "POST", path: convPath(f.closed) + "/escalate", body: map[string]any{"note": "N", "priority": "high"}, status: 409},
		{name: "handoff to nobody", method: "POST", path: a + "/handoff", body: map[string]any{"handoff": map[string]string{"next_step": "Call back"}}, status: 400, field: "to_user_id"},
		{name: "follow as an unknown user", method: "POST", path: a + "/followers", body: map[string]any{"user_id": 999999}, status: 400, field: "user_id"},
		{name: "follow as someone outside the inbox", method: "POST", path: a + "/followers", body: map[string]any{"user_id": f.agentB.UserID}, status: 400, field: "user_id"},
		{name: "agent makes another follow", as: "agentA", method: "POST", path: a + "/followers", body: map[string]any{"user_id": f.admin.UserID}, status: 403},
	}
}

func slaPermRows(f *fixture) []permRow {
	everyone := [4]int{s200, s200, s200, s200}
	seesInbox := [4]int{s200, s200, s200, s404}
	adminOnly := [4]int{s200, s403, s403, s403}
	n := 0
	unique := func(who role) string { n++; return fmt.Sprintf("%s-%d", roleNames[who], n) }
	freshHours := func(t *testing.T, f *fixture) int64 {
		var h struct{ ID int64 }
		f.call(t, f.adminTok, "POST", api+"/business-hours", map[string]any{"name": "H " + unique(admin), "time_zone": "UTC", "week": officeWeek()}, s201).Decode(t, &h)
		return h.ID
	}
	freshPolicy := func(t *testing.T, f *fixture) int64 {
		var p struct{ ID int64 }
		f.call(t, f.adminTok, "POST", api+"/sla-policies", map[string]any{"name": "P " + unique(admin), "first_response": "1h",
			"conditions": map[string]any{"tags": []string{"never-used"}}}, s201).Decode(t, &p)
		return p.ID
	}
	return []permRow{
		// Business hours and SLA policies: everyone reads them, admins shape them.
		{name: "GET business hours", req: fixed("GET", api+"/business-hours", nil), want: everyone},
		{name: "POST business hours", want: [4]int{s201, s403, s403, s403}, req: func(_ *testing.T, _ *fixture, who role) (string, string, any) {
			return "POST", api + "/business-hours", map[string]any{"name": "Hours " + unique(who), "time_zone": "America/New_York", "week": officeWeek()}
		}},
		{name: "GET one business hours", want: everyone, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "GET", fmt.Sprintf(api+"/business-hours/%d", freshHours(t, f)), nil
		}},
		{name: "PATCH business hours", want: adminOnly, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "PATCH", fmt.Sprintf(api+"/business-hours/%d", freshHours(t, f)), map[string]any{"holidays": []string{"2026-12-25"}}
		}},
		{name: "DELETE business hours", want: [4]int{s204, s403, s403, s403}, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "DELETE", fmt.Sprintf(api+"/business-hours/%d", freshHours(t, f)), nil
		}},
		{name: "GET SLA policies", req: fixed("GET", api+"/sla-policies", nil), want: everyone},
		{name: "POST SLA policy", want: [4]int{s201, s403, s403, s403}, req: func(_ *testing.T, _ *fixture, who role) (string, string, any) {
			return "POST", api + "/sla-policies", map[string]any{"name": "Policy " + unique(who), "resolution": map[string]string{"urgent": "2h"},
				"conditions": map[string]any{"tags": []string{"never-used"}}}
		}},
		{name: "GET SLA policy", want: everyone, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "GET", fmt.Sprintf(api+"/sla-policies/%d", freshPolicy(t, f)), nil
		}},
		{name: "PATCH SLA policy", want: adminOnly, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "PATCH", fmt.Sprintf(api+"/sla-policies/%d", freshPolicy(t, f)), map[string]any{"warn_before": "20%"}
		}},
		{name: "DELETE SLA policy", want: [4]int{s204, s403, s403, s403}, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "DELETE", fmt.Sprintf(api+"/sla-policies/%d", freshPolicy(t, f)), nil
		}},

		// A conversation's SLA, escalation and followers: whoever sees it.
		{name: "GET conversation SLA", req: fixed("GET", convPath(f.convA)+"/sla", nil), want: seesInbox},
		{name: "POST escalate", want: seesInbox, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "POST", convPath(f.freshConv(t)) + "/escalate", map[string]any{"note": "Angry customer", "priority": "urgent"}
		}},
		{name: "POST handoff", want: seesInbox, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "POST", convPath(f.freshConv(t)) + "/handoff", map[string]any{"handoff": map[string]string{"next_step": "Refund"}, "to_team_id": f.team}
		}},
		{name: "GET followers", req: fixed("GET", convPath(f.convA)+"/followers", nil), want: seesInbox},
		{name: "POST follow", want: seesInbox, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "POST", convPath(f.freshConv(t)) + "/followers", map[string]any{}
		}},
		{name: "DELETE own follow", want: [4]int{s204, s204, s204, s404}, req: func(t *testing.T, f *fixture, who role) (string, string, any) {
			c := convPath(f.freshConv(t))
			if who != nonMember {
				f.call(t, f.adminTok, "POST", c+"/followers", map[string]any{"user_id": f.userID(who)}, s200)
			}
			return "DELETE", fmt.Sprintf("%s/followers/%d", c, f.userID(who)), nil
		}},

		// Notifications are one's own.
		{name: "GET notifications", req: fixed("GET", api+"/notifications", nil), want: everyone},
		{name: "POST notification read", want: [4]int{s200, s200, s200, s404}, req: func(t *testing.T, f *fixture, who role) (string, string, any) {
			to := f.userID(who)
			if who == nonMember {
				to = f.agentA.UserID // someone else's
			}
			f.call(t, f.adminTok, "POST", convPath(f.freshConv(t))+"/handoff", map[string]any{"note": "Yours", "to_user_id": to}, s200)
			ns, err := f.e.Store.ListNotifications(context.Background(), to, 1)
			testutil.NoErr(t, err)
			return "POST", fmt.Sprintf(api+"/notifications/%d/read", ns[0].ID), nil
		}},
		{name: "POST notifications read all", want: everyone, req: func(t *testing.T, f *fixture, who role) (string, string, any) {
			// A notification about no conversation: anyone may get one.
			err := f.e.Store.InTx(context.Background(), func(tx *store.Tx) error {
				_, err := tx.CreateNotification(context.Background(), store.Notification{UserID: f.userID(who), Kind: "manual", Title: "Hello",
					EmailStatus: "skipped", CreatedAt: f.e.Clock.Now()})
				return err
			})
			testutil.NoErr(t, err)
			return "POST", api + "/notifications/read", map[string]any{"all": true}
		}},
		{name: "POST notifications read ids", want: [4]int{s200, s200, s200, s404}, req: func(t *testing.T, f *fixture, who role) (string, string, any) {
			to := f.userID(who)
			if who == nonMember {
				to = f.agentA.UserID // someone else's: nothing is marked
			}
			f.call(t, f.adminTok, "POST", convPath(f.freshConv(t))+"/handoff", map[string]any{"note": "Yours", "to_user_id": to}, s200)
			ns, err := f.e.Store.ListNotifications(context.Background(), to, 1)
			testutil.NoErr(t, err)
			return "POST", api + "/notifications/read", map[string]any{"ids": []int64{ns[0].ID}}
		}},
	}
}
