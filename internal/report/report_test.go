package report_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/report"
	"github.com/parley-hq/parley/internal/sla"
	"github.com/parley-hq/parley/internal/store"
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

// world is the hand-built scenario of TestScenario, driven through the
// real services on a settable clock.
type world struct {
	e                *testutil.Env
	admin, sup       model.Actor
	ann, bob         model.Actor
	adminTok, supTok string
	agentTok         string
	inboxA, inboxB   int64
	team             int64
	c1, c2, c3       int64
	c4, c5           int64
}

func (w *world) set(s string) { w.e.Clock.Set(at(s)) }

func (w *world) create(t *testing.T, inbox int64, who contact.Ref) int64 {
	t.Helper()
	c, err := w.e.Conversations.Create(ctx, w.admin, conversation.CreateRequest{InboxID: inbox, Contact: who,
		Subject: "Help", Message: conversation.MessageRequest{Body: "Hello?", Direction: "incoming"}})
	testutil.NoErr(t, err)
	return c.ID
}

func (w *world) say(t *testing.T, id int64, actor model.Actor, dir, kind string) {
	t.Helper()
	_, err := w.e.Conversations.AddMessage(ctx, actor, id, conversation.MessageRequest{Body: "text", Direction: dir, Kind: kind})
	testutil.NoErr(t, err)
}

func (w *world) patch(t *testing.T, id int64, actor model.Actor, p conversation.Patch) {
	t.Helper()
	_, err := w.e.Conversations.Update(ctx, actor, id, p)
	testutil.NoErr(t, err)
}

func (w *world) resolve(t *testing.T, id int64, actor model.Actor) {
	t.Helper()
	st := model.StatusResolved
	w.patch(t, id, actor, conversation.Patch{Status: &st})
}

func (w *world) assign(t *testing.T, id int64, to model.Actor) {
	t.Helper()
	w.patch(t, id, w.admin, conversation.Patch{AssigneeID: model.Nullable[int64]{Set: true, Value: to.UserID}})
}

func (w *world) get(t *testing.T, tok, path string, out any) {
	t.Helper()
	r := w.e.Call(t, tok, "GET", path, nil)
	if r.Status != 200 {
		t.Fatalf("GET %s = %d %s", path, r.Status, r.Body)
	}
	if out != nil {
		r.Decode(t, out)
	}
}

// build plays the scenario. Times are UTC; Berlin is UTC+1 in March
// before the 29th. Inbox A (api) has no business hours; inbox B (phone)
// is open Monday to Friday 09:00–17:00 Berlin, i.e. 08:00–16:00 UTC.
func build(t *testing.T, e *testutil.Env) *world {
	w := &world{e: e}
	w.admin = e.User(t, "admin@example.com", model.RoleAdmin)
	w.sup = e.User(t, "sup@example.com", model.RoleSupervisor)
	w.ann = e.User(t, "ann@example.com", model.RoleAgent)
	w.bob = e.User(t, "bob@example.com", model.RoleAgent)
	w.adminTok, w.supTok, w.agentTok = e.Token(t, w.admin), e.Token(t, w.sup), e.Token(t, w.ann)
	w.inboxA = e.Inbox(t, "A", model.ChannelAPI, w.ann, w.bob)
	w.inboxB = e.Inbox(t, "B", model.ChannelPhone, w.ann, w.bob)
	call := func(method, path string, body any) {
		t.Helper()
		if r := e.Call(t, w.adminTok, method, path, body); r.Status >= 300 {
			t.Fatalf("%s %s = %d %s", method, path, r.Status, r.Body)
		}
	}
	week := map[string]any{}
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday"} {
		week[d] = []map[string]string{{"start": "09:00", "end": "17:00"}}
	}
	call("POST", "/api/v1/business-hours", map[string]any{"name": "Berlin", "time_zone": "Europe/Berlin", "week": week,
		"inbox_ids": []int64{w.inboxB}})
	call("PATCH", fmt.Sprintf("/api/v1/inboxes/%d/automation", w.inboxA), map[string]any{"csat_enabled": true})
	call("POST", "/api/v1/sla-policies", map[string]any{"name": "A first reply", "first_response": "45m",
		"conditions": map[string]any{"inbox_ids": []int64{w.inboxA}}})
	team, err := e.Accounts.CreateTeam(ctx, w.admin, account.TeamCreateRequest{Name: "Tier 1"})
	testutil.NoErr(t, err)
	w.team = team.ID
	vip, err := e.Contacts.Create(ctx, w.admin, contact.CreateRequest{Name: "Vera", Type: "vip", Email: "vera@example.com"})
	testutil.NoErr(t, err)
	lead, err := e.Contacts.Create(ctx, w.admin, contact.CreateRequest{Name: "Leo", Type: "lead", Email: "leo@example.com"})
	testutil.NoErr(t, err)
	jo := contact.Ref{Email: "jo@example.com", Name: "Jo"}

	// C5, the previous period: answered in 30 min, resolved after 1 h;
	// its survey is never answered.
	w.set("2026-02-27T10:00:00Z")
	w.c5 = w.create(t, w.inboxA, jo)
	w.assign(t, w.c5, w.ann)
	w.set("2026-02-27T10:30:00Z")
	w.say(t, w.c5, w.ann, "outgoing", "reply")
	w.set("2026-02-27T11:00:00Z")
	w.resolve(t, w.c5, w.ann)

	// C4 arrives at 00:30 Berlin on Monday, 23:30 UTC on Sunday: inside
	// a Berlin week, outside a UTC one. Ann answers in 30 min; it stays
	// open and unassigned.
	w.set("2026-03-01T23:30:00Z")
	w.c4 = w.create(t, w.inboxA, jo)
	w.set("2026-03-02T00:00:00Z")
	w.say(t, w.c4, w.ann, "outgoing", "reply")

	// C1: a note and an automatic reply are not answers; the first
	// response takes 60 min (breaching the 45 min SLA), the next one runs
	// from the first of two customer messages.
	w.set("2026-03-02T09:00:00Z")
	w.c1 = w.create(t, w.inboxA, jo)
	w.set("2026-03-02T09:05:00Z")
	w.assign(t, w.c1, w.ann)
	w.set("2026-03-02T09:10:00Z")
	w.say(t, w.c1, w.ann, "outgoing", "note")
	w.set("2026-03-02T09:30:00Z")
	w.say(t, w.c1, model.System, "outgoing", "reply")
	w.set("2026-03-02T09:45:00Z")
	// What the breach job would do at the due time (jobs do not run here).
	view, err := e.SLA.ConversationSLA(ctx, w.admin, w.c1)
	testutil.NoErr(t, err)
	fired := false
	for _, c := range view.Clocks {
		if c.Target == "first_response" && c.DueAt != nil && c.DueAt.Equal(at("2026-03-02T09:45:00Z")) {
			_, err = e.SLA.Fire(ctx, sla.FireArgs{ConversationID: w.c1, Target: c.Target, Cycle: c.Cycle, Fires: "breached",
				At: store.Millis(*c.DueAt)})
			testutil.NoErr(t, err)
			fired = true
		}
	}
	if !fired {
		t.Fatalf("C1 has no first-response clock due at 09:45: %+v", view.Clocks)
	}
	w.set("2026-03-02T10:00:00Z")
	w.say(t, w.c1, w.ann, "outgoing", "reply")
	w.set("2026-03-02T11:00:00Z")
	w.say(t, w.c1, w.ann, "incoming", "reply")
	w.set("2026-03-02T11:20:00Z")
	w.say(t, w.c1, w.ann, "incoming", "reply")
	w.set("2026-03-02T12:00:00Z")
	w.say(t, w.c1, w.bob, "outgoing", "reply")
	w.set("2026-03-02T12:30:00Z")
	w.resolve(t, w.c1, w.ann) // 3.5 h, 2 replies; the survey goes out
	_, err = e.Conversations.AddTags(ctx, w.ann, w.c1, []string{"billing"})
	testutil.NoErr(t, err)

	// C2 in business hours: 16:30 Berlin Monday, answered 09:30 Tuesday
	// (17 h, of which 1 business hour), resolved at 10:00 (17.5 h, 1.5).
	w.set("2026-03-02T15:30:00Z")
	w.c2 = w.create(t, w.inboxB, contact.Ref{ID: vip.ID})
	w.assign(t, w.c2, w.bob)
	w.patch(t, w.c2, w.admin, conversation.Patch{TeamID: model.Nullable[int64]{Set: true, Value: w.team}})
	_, err = e.Conversations.AddTags(ctx, w.bob, w.c2, []string{"billing", "vip-care"})
	testutil.NoErr(t, err)

	// The customer answers C1's survey: 4 of 5.
	w.set("2026-03-02T18:00:00Z")
	msgs, err := e.Conversations.Messages(ctx, w.admin, w.c1, 0, 100)
	testutil.NoErr(t, err)
	token := ""
	for _, m := range msgs {
		if mm := regexp.MustCompile(`/csat/(\S+)`).FindStringSubmatch(m.Body); mm != nil {
			token = mm[1]
		}
	}
	if token == "" {
		t.Fatal("no survey link in C1")
	}
	_, err = e.Conversations.AnswerSurvey(ctx, token, 4, "fine")
	testutil.NoErr(t, err)

	w.set("2026-03-03T08:00:00Z")
	w.say(t, w.c1, w.ann, "incoming", "reply") // reopens C1
	w.set("2026-03-03T08:20:00Z")
	w.say(t, w.c1, w.ann, "outgoing", "reply") // next response: 20 min
	w.set("2026-03-03T08:30:00Z")
	w.say(t, w.c2, w.bob, "outgoing", "reply")
	w.set("2026-03-03T09:00:00Z")
	w.resolve(t, w.c2, w.bob)
	w.set("2026-03-03T10:00:00Z")
	w.resolve(t, w.c1, w.ann) // 2 h from the reopening, 1 reply

	// C3 (a lead) is merged into the resolved C1 half an hour later: it
	// counts as new and merged, and reopens nothing.
	w.set("2026-03-03T12:00:00Z")
	w.c3 = w.create(t, w.inboxA, contact.Ref{ID: lead.ID})
	w.set("2026-03-03T12:30:00Z")
	_, err = e.Conversations.Merge(ctx, w.admin, w.c3, w.c1)
	testutil.NoErr(t, err)
	return w
}

func near(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil || math.Abs(*got-want) > 1e-6 {
		t.Errorf("%s = %v, want %v", what, show(got), want)
	}
}

func show(p *float64) string {
	if p == nil {
		return "nil"
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

func wantStat(t *testing.T, what string, s report.Stat, count int64, avg, med, p90 float64) {
	t.Helper()
	if s.Count != count {
		t.Errorf("%s count = %d, want %d", what, s.Count, count)
	}
	near(t, what+" average", s.Average, avg)
	near(t, what+" median", s.Median, med)
	near(t, what+" p90", s.P90, p90)
}

const berlinWeek = "from=2026-03-02&to=2026-03-06&tz=Europe/Berlin"

func TestScenario(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		w := build(t, e)

		var s report.Summary
		w.get(t, w.supTok, "/api/v1/reports/summary?"+berlinWeek, &s)
		if !s.Period.From.Equal(at("2026-03-01T23:00:00Z")) || !s.Period.To.Equal(at("2026-03-06T23:00:00Z")) ||
			!s.PreviousPeriod.From.Equal(at("2026-02-24T23:00:00Z")) {
			t.Fatalf("periods %+v %+v", s.Period, s.PreviousPeriod)
		}
		cur, prev := s.Current, s.Previous
		// First responses: C4 30 min, C1 60 min, C2 17 h.
		wantStat(t, "first response", cur.FirstResponseTime, 3, (1800+3600+61200)/3.0, 3600, 61200)
		wantStat(t, "previous first response", prev.FirstResponseTime, 1, 1800, 1800, 1800)
		// Next responses: C1 60 min (from 11:00, not 11:20) and 20 min.
		wantStat(t, "next response", cur.NextResponseTime, 2, 2400, 2400, 3600)
		// Resolutions: C1 3.5 h, C1 again 2 h from its reopening, C2 17.5 h.
		wantStat(t, "resolution", cur.ResolutionTime, 3, (12600+7200+63000)/3.0, 12600, 63000)
		wantStat(t, "previous resolution", prev.ResolutionTime, 1, 3600, 3600, 3600)
		wantStat(t, "replies per resolution", cur.RepliesPerResolution, 3, 4/3.0, 1, 2)
		if r := cur.ReopenRate; r.Numerator != 1 || r.Denominator != 3 {
			t.Errorf("reopen rate %+v", r)
		}
		near(t, "reopen rate", cur.ReopenRate.Value, 1/3.0)
		near(t, "previous reopen rate", prev.ReopenRate.Value, 0)
		if v := cur.Volume; v != (report.Volume{New: 4, Resolved: 3, Reopened: 1, Merged: 1}) {
			t.Errorf("volume %+v", v)
		}
		if v := prev.Volume; v != (report.Volume{New: 1, Resolved: 1}) {
			t.Errorf("previous volume %+v", v)
		}
		if c := cur.CSAT; c.Sent != 1 || c.Answered != 1 || c.Distribution != [5]int64{0, 0, 0, 1, 0} {
			t.Errorf("csat %+v", c)
		}
		near(t, "csat average", cur.CSAT.Average, 4)
		near(t, "csat response rate", cur.CSAT.ResponseRate, 1)
		if c := prev.CSAT; c.Sent != 1 || c.Answered != 0 || c.Average != nil {
			t.Errorf("previous csat %+v", c)
		}
		near(t, "previous csat response rate", prev.CSAT.ResponseRate, 0)
		if fr := cur.SLA["first_response"]; fr.Met != 1 || fr.Breached != 1 {
			t.Errorf("sla %+v", cur.SLA)
		}
		near(t, "sla compliance", ptr(cur.SLA["first_response"].Compliance), 0.5)
		near(t, "previous sla compliance", ptr(prev.SLA["first_response"].Compliance), 1)

		// Business hours: C2 counts 1 h and 1.5 h; inbox A has none, so
		// its times count 24/7, never 0.
		w.get(t, w.supTok, "/api/v1/reports/summary?hours=business&"+berlinWeek, &s)
		wantStat(t, "business first response", s.Current.FirstResponseTime, 3, (1800+3600+3600)/3.0, 3600, 3600)
		wantStat(t, "business resolution", s.Current.ResolutionTime, 3, (5400+12600+7200)/3.0, 7200, 12600)

		// By agent: responses to who replied, resolutions to the assignee.
		w.get(t, w.supTok, "/api/v1/reports/summary?group_by=agent&"+berlinWeek, &s)
		groups := map[string]report.Group{}
		for _, g := range s.Groups {
			groups[g.Label] = g
		}
		ann, bob, none := groups["ann@example.com"], groups["bob@example.com"], groups["Unassigned"]
		if ann.Key != strconv.FormatInt(w.ann.UserID, 10) || s.Groups[len(s.Groups)-1].Key != "" {
			t.Fatalf("groups %+v", s.Groups)
		}
		wantStat(t, "ann first response", ann.Current.FirstResponseTime, 2, 2700, 2700, 3600)
		wantStat(t, "ann next response", ann.Current.NextResponseTime, 1, 1200, 1200, 1200)
		wantStat(t, "ann resolution", ann.Current.ResolutionTime, 2, 9900, 9900, 12600)
		wantStat(t, "bob first response", bob.Current.FirstResponseTime, 1, 61200, 61200, 61200)
		wantStat(t, "bob next response", bob.Current.NextResponseTime, 1, 3600, 3600, 3600)
		near(t, "ann csat", ann.Current.CSAT.Average, 4)
		if none.Current.Volume.New != 2 || ann.Current.Volume.New != 1 || bob.Current.Volume.New != 1 {
			t.Errorf("new by agent: none %d ann %d bob %d", none.Current.Volume.New, ann.Current.Volume.New, bob.Current.Volume.New)
		}
		wantStat(t, "ann previous resolution", ann.Previous.ResolutionTime, 1, 3600, 3600, 3600)

		// By tag: a conversation counts under each of its tags, once in the total.
		w.get(t, w.supTok, "/api/v1/reports/summary?group_by=tag&"+berlinWeek, &s)
		newByTag := map[string]int64{}
		for _, g := range s.Groups {
			newByTag[g.Label] = g.Current.Volume.New
		}
		if fmt.Sprint(newByTag) != "map[No tag:2 billing:2 vip-care:1]" || s.Current.Volume.New != 4 {
			t.Errorf("new by tag %v, total %d", newByTag, s.Current.Volume.New)
		}
		w.get(t, w.supTok, "/api/v1/reports/summary?group_by=customer_type&"+berlinWeek, &s)
		for _, g := range s.Groups {
			want := map[string]int64{"customer": 2, "vip": 1, "lead": 1}[g.Key]
			if g.Current.Volume.New != want {
				t.Errorf("customer type %s new = %d, want %d", g.Key, g.Current.Volume.New, want)
			}
		}
		w.get(t, w.supTok, "/api/v1/reports/summary?group_by=team&tag=vip-care&"+berlinWeek, &s)
		if len(s.Groups) != 1 || s.Groups[0].Label != "Tier 1" || s.Current.ResolutionTime.Count != 1 {
			t.Errorf("team filtered by tag: %+v", s.Groups)
		}

		// The same week in UTC leaves out C4, created at 23:30 on Sunday.
		w.get(t, w.supTok, "/api/v1/reports/summary?from=2026-03-02&to=2026-03-06&tz=UTC", &s)
		if s.Current.Volume.New != 3 {
			t.Errorf("UTC new = %d, want 3", s.Current.Volume.New)
		}

		// Series by Berlin day: backlog C4+C2, then C4 alone.
		var series report.Series
		w.get(t, w.supTok, "/api/v1/reports/series?"+berlinWeek, &series)
		var got []string
		for _, p := range series.Points {
			got = append(got, fmt.Sprintf("%s n%d r%d o%d m%d b%d", p.Start.Format("01-02T15"), p.New, p.Resolved, p.Reopened, p.Merged, p.Backlog))
		}
		want := []string{"03-02T00 n3 r1 o0 m0 b2", "03-03T00 n1 r2 o1 m1 b1", "03-04T00 n0 r0 o0 m0 b1",
			"03-05T00 n0 r0 o0 m0 b1", "03-06T00 n0 r0 o0 m0 b1"}
		if !slices.Equal(got, want) {
			t.Errorf("series\n got %v\nwant %v", got, want)
		}

		var busy report.BusiestHours
		w.get(t, w.supTok, "/api/v1/reports/busiest-hours?"+berlinWeek, &busy)
		if busy.Counts[1][0] != 1 || busy.Counts[1][10] != 1 || busy.Counts[1][16] != 1 || busy.Counts[2][13] != 1 || busy.Max != 1 {
			t.Errorf("busiest hours %v", busy.Counts)
		}

		drill := func(q string) []int64 {
			t.Helper()
			var d report.Drill
			w.get(t, w.supTok, "/api/v1/reports/conversations?"+berlinWeek+"&"+q, &d)
			return d.ConversationIDs
		}
		for q, want := range map[string][]int64{
			"metric=resolution_time":     {w.c1, w.c2},
			"metric=reopen_rate":         {w.c1},
			"metric=merged":              {w.c3},
			"metric=sla":                 {w.c1},
			"metric=new&period=previous": {w.c5},
			"metric=first_response_time&group_by=agent&group=" + strconv.FormatInt(w.ann.UserID, 10): {w.c1, w.c4},
			"metric=new&group_by=agent&group=": {w.c3, w.c4},
		} {
			if got := drill(q); !slices.Equal(got, sorted(want)) {
				t.Errorf("drill %s = %v, want %v", q, got, sorted(want))
			}
		}

		// One row per conversation created in the week, ascending by id.
		r := e.Call(t, w.supTok, "GET", "/api/v1/reports/conversations.csv?"+berlinWeek, nil)
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("csv %d %s", r.Status, r.Body)
		}
		rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
		testutil.NoErr(t, err)
		if len(rows) != 5 || !slices.Equal(rows[0], report.ConversationColumns) {
			t.Fatalf("csv rows %v", rows)
		}
		var order []string
		for _, row := range rows[1:] {
			order = append(order, row[0])
		}
		if fmt.Sprint(order) != fmt.Sprint([]int64{w.c4, w.c1, w.c2, w.c3}) {
			t.Errorf("csv order %v", order)
		}
		c1 := map[string]string{}
		for i, col := range rows[0] {
			c1[col] = rows[2][i]
		}
		if c1["first_response_seconds"] != "3600" || c1["resolutions"] != "2" || c1["reopens"] != "1" ||
			c1["agent_replies"] != "3" || c1["last_resolution_seconds"] != "7200" || c1["csat_rating"] != "4" ||
			c1["tags"] != "billing" || c1["responses"] != "3" {
			t.Errorf("csv C1 %v", c1)
		}
		c2 := map[string]string{}
		for i, col := range rows[0] {
			c2[col] = rows[3][i]
		}
		if c2["first_response_business_seconds"] != "3600" || c2["last_resolution_business_seconds"] != "5400" ||
			c2["customer_type"] != "vip" || c2["channel"] != "phone" {
			t.Errorf("csv C2 %v", c2)
		}

		r = e.Call(t, w.supTok, "GET", "/api/v1/reports/summary.csv?group_by=agent&"+berlinWeek, nil)
		if r.Status != 200 || !strings.Contains(string(r.Body), "first_response_time,median,3600,1800") {
			t.Errorf("summary csv %d %s", r.Status, r.Body)
		}

		// Agents may not read reports.
		if r := e.Call(t, w.agentTok, "GET", "/api/v1/reports/summary?"+berlinWeek, nil); r.Status != 403 {
			t.Errorf("agent summary = %d", r.Status)
		}

		var dash report.Dashboard
		w.get(t, w.adminTok, "/api/v1/reports/dashboard", &dash)
		if dash.ByStatus["open"] != 1 || len(dash.Agents) != 4 {
			t.Errorf("dashboard %+v", dash)
		}
	})
}

func toJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	testutil.NoErr(t, err)
	return string(b)
}

func ptr(p *float64) *float64 { return p }

func sorted(v []int64) []int64 { v = slices.Clone(v); slices.Sort(v); return v }

// Rebuilding every fact from the event log gives exactly the rows the
// commands kept, and so the same report.
func TestRebuildEqualsIncremental(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		w := build(t, e)
		// More history: a split, an unmerge, a closed one followed up.
		w.set("2026-03-04T10:00:00Z")
		_, err := e.Conversations.Unmerge(ctx, w.admin, w.c3)
		testutil.NoErr(t, err)
		w.set("2026-03-04T11:00:00Z")
		w.say(t, w.c3, w.bob, "outgoing", "reply")
		closed := model.StatusClosed
		w.patch(t, w.c4, w.ann, conversation.Patch{Status: &closed})
		w.set("2026-03-04T12:00:00Z")
		w.say(t, w.c4, w.ann, "incoming", "reply") // a follow-up conversation

		before := dump(t, e)
		var s1, s2 report.Summary
		w.get(t, w.supTok, "/api/v1/reports/summary?group_by=agent&"+berlinWeek, &s1)
		n, err := e.Reports.Rebuild(ctx)
		testutil.NoErr(t, err)
		if n != 6 {
			t.Errorf("rebuild read %d conversations, want 6", n)
		}
		after := dump(t, e)
		if before != after {
			t.Fatalf("rebuilt facts differ\nincremental:\n%s\nrebuilt:\n%s", before, after)
		}
		w.get(t, w.supTok, "/api/v1/reports/summary?group_by=agent&"+berlinWeek, &s2)
		if j1, j2 := toJSON(t, s1), toJSON(t, s2); j1 != j2 {
			t.Fatal("the report changed after a rebuild")
		}
		if !strings.Contains(before, "unmerged") || !strings.Contains(before, "resolution") {
			t.Fatalf("scenario facts missing kinds:\n%s", before)
		}
	})
}

// dump lists every fact row, sorted.
func dump(t *testing.T, e *testutil.Env) string {
	t.Helper()
	var lines []string
	err := e.Store.ScanReportFacts(ctx, 0, math.MaxInt64, store.ReportFilter{}, false, func(f store.ReportFact) error {
		v := func(p *int64) string {
			if p == nil {
				return "-"
			}
			return strconv.FormatInt(*p, 10)
		}
		lines = append(lines, fmt.Sprintf("%d %s %d at=%d cal=%s bus=%s v=%s f=%d %s agent=%s team=%s %d %s %s", f.ConversationID, f.Kind, f.Seq, f.At,
			v(f.CalendarMS), v(f.BusinessMS), v(f.Value), f.Flag, f.Target, v(f.AgentID), v(f.TeamID), f.InboxID, f.Channel, f.CustomerType))
		return nil
	})
	testutil.NoErr(t, err)
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// Bad queries are the caller's errors, named by field.
func TestParseQuery(t *testing.T) {
	now := at("2026-03-10T12:00:00Z")
	for _, tc := range []struct {
		q, field string
	}{
		{"from=2026-13-01&to=2026-03-02", "from"},
		{"from=2026-03-05&to=2026-03-01", "to"},
		{"from=2024-01-01&to=2026-01-01", "to"},
		{"from=2026-03-01&to=2026-03-02&tz=Mars/Olympus", "tz"},
		{"from=2026-03-01&to=2026-03-02&group_by=planet", "group_by"},
		{"from=2026-03-01&to=2026-03-02&hours=some", "hours"},
		{"from=2026-03-01", "from"},
		{"from=2026-03-01&to=2026-03-02&inbox_id=x", "inbox_id"},
		{"from=2026-03-01&to=2026-03-02&channel=fax", "channel"},
		{"from=2026-01-01&to=2026-03-02&interval=hour", "interval"},
	} {
		v, _ := url.ParseQuery(tc.q)
		_, err := report.ParseQuery(v, now)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Kind != apperr.KindInvalid || ae.Fields[tc.field] == "" {
			t.Errorf("%s: err %v, want one naming %s", tc.q, err, tc.field)
		}
	}
	q, err := report.ParseQuery(url.Values{}, now)
	testutil.NoErr(t, err)
	if q.To.Sub(q.From) != 30*24*time.Hour || !q.To.Equal(at("2026-03-11T00:00:00Z")) {
		t.Errorf("default range %v – %v", q.From, q.To)
	}
}
