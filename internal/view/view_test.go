package view_test

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
	"github.com/parley-hq/parley/internal/view"
)

var ctx = context.Background()

func spec(t *testing.T, js string) *conversation.FilterSpec {
	t.Helper()
	var s conversation.FilterSpec
	if err := json.Unmarshal([]byte(js), &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

type data struct {
	e                                   *testutil.Env
	admin, agent, outsider              model.Actor
	team                                int64
	urgentRefund, vipNew, plain, hidden int64
}

func newData(t *testing.T, e *testutil.Env) *data {
	t.Helper()
	d := &data{e: e}
	d.admin = e.User(t, "admin@example.com", model.RoleAdmin)
	d.agent = e.User(t, "agent@example.com", model.RoleAgent)
	d.outsider = e.User(t, "outsider@example.com", model.RoleAgent)
	team, err := e.Accounts.CreateTeam(ctx, d.admin, account.TeamCreateRequest{Name: "Billing"})
	testutil.NoErr(t, err)
	d.team = team.ID
	_, err = e.Accounts.AddTeamMember(ctx, d.admin, d.team, d.agent.UserID)
	testutil.NoErr(t, err)
	inbox := e.Inbox(t, "Support", model.ChannelAPI, d.agent)
	private := e.Inbox(t, "Private", model.ChannelEmail)
	mk := func(inbox int64, email, priority string, tags ...string) int64 {
		c, err := e.Conversations.Create(ctx, d.admin, conversation.CreateRequest{InboxID: inbox, Priority: priority,
			Contact: contact.Ref{Email: email}, Message: conversation.MessageRequest{Body: "Hello", Direction: "incoming"}})
		testutil.NoErr(t, err)
		if len(tags) > 0 {
			_, err = e.Conversations.AddTags(ctx, d.admin, c.ID, tags)
			testutil.NoErr(t, err)
		}
		e.Clock.Advance(time.Minute)
		return c.ID
	}
	d.urgentRefund = mk(inbox, "a@example.com", "urgent", "refund")
	d.vipNew = mk(inbox, "vip@example.com", "normal")
	vip, err := e.Conversations.Get(ctx, d.admin, d.vipNew)
	testutil.NoErr(t, err)
	vipType := model.ContactVIP
	_, err = e.Contacts.Update(ctx, d.admin, vip.Contact.ID, contact.Patch{Type: &vipType})
	testutil.NoErr(t, err)
	d.plain = mk(inbox, "b@example.com", "low", "spam")
	d.hidden = mk(private, "c@example.com", "urgent", "refund")
	return d
}

func (d *data) list(t *testing.T, actor model.Actor, q url.Values) []int64 {
	t.Helper()
	f, err := d.e.Conversations.ParseFilter(ctx, actor, q)
	testutil.NoErr(t, err)
	p, err := d.e.Conversations.List(ctx, actor, f)
	testutil.NoErr(t, err)
	var out []int64
	for _, c := range p.Items {
		out = append(out, c.ID)
	}
	slices.Sort(out)
	return out
}

func TestFiltersAndGroups(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		d := newData(t, e)
		cases := []struct {
			query string
			want  []int64
		}{
			{"tag_any=refund,spam", []int64{d.urgentRefund, d.plain}},
			{"tag_none=refund", []int64{d.vipNew, d.plain}},
			{"contact_type=vip", []int64{d.vipNew}},
			{"unread=true&priority=urgent,low", []int64{d.urgentRefund, d.plain}},
			{"created_before=2026-03-02T09:01:30Z", []int64{d.urgentRefund, d.vipNew}},
			{"assignee=anyone", nil},
			{`filter={"any":[{"tag":["refund"]},{"contact_type":["vip"]}]}`, []int64{d.urgentRefund, d.vipNew}},
			{`filter={"priority":["urgent","normal"],"any":[{"tag":["spam"]},{"contact_type":["vip"]}]}`, []int64{d.vipNew}},
		}
		for _, c := range cases {
			q, err := url.ParseQuery(c.query)
			testutil.NoErr(t, err)
			if got := d.list(t, d.agent, q); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", c.query, got, c.want)
			}
		}
		// customer_type sorts VIPs first.
		q := url.Values{"sort": {"-customer_type"}}
		f, err := e.Conversations.ParseFilter(ctx, d.agent, q)
		testutil.NoErr(t, err)
		p, err := e.Conversations.List(ctx, d.agent, f)
		testutil.NoErr(t, err)
		if p.Items[0].ID != d.vipNew {
			t.Errorf("sort=-customer_type starts with #%d, want the VIP's #%d", p.Items[0].ID, d.vipNew)
		}
		for _, bad := range []string{`filter={"status":"open"}`, `filter={"colour":["red"]}`, `filter={"any":[{"q":["x"]}]}`,
			"created_after=yesterday", "unread=maybe", "sort=-shoe_size", "contact_type=alien"} {
			q, _ := url.ParseQuery(bad)
			if _, err := e.Conversations.ParseFilter(ctx, d.agent, q); apperr.KindOf(err) != apperr.KindInvalid {
				t.Errorf("%s: %v, want a validation error", bad, err)
			}
		}
	})
}

func TestViewsAreScopedCountedAndUsable(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		d := newData(t, e)
		mine, err := e.Views.Create(ctx, d.agent, view.Request{Name: "Urgent refunds", Filter: spec(t, `{"tag":["refund"],"priority":["urgent"]}`)})
		testutil.NoErr(t, err)
		teamView, err := e.Views.Create(ctx, d.agent, view.Request{Name: "VIPs", Visibility: view.Team, TeamID: &d.team,
			Filter: spec(t, `{"contact_type":["vip"]}`), Sort: "-created", Position: new(int)})
		testutil.NoErr(t, err)
		everyone, err := e.Views.Create(ctx, d.admin, view.Request{Name: "All refunds", Visibility: view.Everyone, Filter: spec(t, `{"tag":["refund"]}`)})
		testutil.NoErr(t, err)

		// Agents may not share with everyone, or with teams they are not in.
		if _, err := e.Views.Create(ctx, d.outsider, view.Request{Name: "x", Visibility: view.Everyone, Filter: spec(t, `{}`)}); apperr.KindOf(err) != apperr.KindForbidden {
			t.Errorf("agent sharing with everyone: %v", err)
		}
		if _, err := e.Views.Create(ctx, d.outsider, view.Request{Name: "x", Visibility: view.Team, TeamID: &d.team, Filter: spec(t, `{}`)}); apperr.KindOf(err) != apperr.KindForbidden {
			t.Errorf("sharing with a team one is not in: %v", err)
		}

		// Each sees their own, their teams' and everyone's views, with counts
		// of what they may see: the admin's "All refunds" counts 2, the agent's 1.
		names := func(vs []view.View) (out []string, counts map[string]int) {
			counts = map[string]int{}
			for _, v := range vs {
				out = append(out, v.Name)
				if v.Count != nil {
					counts[v.Name] = *v.Count
				}
			}
			return
		}
		agentViews, err := e.Views.List(ctx, d.agent, true)
		testutil.NoErr(t, err)
		got, counts := names(agentViews)
		if !slices.Equal(got, []string{"Urgent refunds", "VIPs", "All refunds"}) || counts["All refunds"] != 1 || counts["VIPs"] != 1 || counts["Urgent refunds"] != 1 {
			t.Errorf("agent's views %v counts %v", got, counts)
		}
		outsiderViews, err := e.Views.List(ctx, d.outsider, true)
		testutil.NoErr(t, err)
		if got, counts := names(outsiderViews); !slices.Equal(got, []string{"All refunds"}) || counts["All refunds"] != 0 {
			t.Errorf("outsider's views %v counts %v", got, counts)
		}
		adminViews, err := e.Views.List(ctx, d.admin, true)
		testutil.NoErr(t, err)
		if _, counts := names(adminViews); counts["All refunds"] != 2 {
			t.Errorf("admin's count of All refunds = %d, want 2", counts["All refunds"])
		}
		// A channel condition counts through the inbox: the refunds in the
		// API inbox, not the one in the email inbox.
		_, err = e.Views.Create(ctx, d.admin, view.Request{Name: "API refunds", Filter: spec(t, `{"tag":["refund"],"channel":["api"]}`)})
		testutil.NoErr(t, err)
		adminViews, err = e.Views.List(ctx, d.admin, true)
		testutil.NoErr(t, err)
		if _, counts := names(adminViews); counts["API refunds"] != 1 {
			t.Errorf("admin's count of API refunds = %d, want 1", counts["API refunds"])
		}
		if _, err := e.Views.Get(ctx, d.outsider, mine.ID); apperr.KindOf(err) != apperr.KindNotFound {
			t.Errorf("another agent's private view: %v", err)
		}

		// view=ID lists the view's conversations and can be narrowed further.
		if got := d.list(t, d.agent, url.Values{"view": {itoa(teamView.ID)}}); !slices.Equal(got, []int64{d.vipNew}) {
			t.Errorf("view=%d: %v", teamView.ID, got)
		}
		if got := d.list(t, d.agent, url.Values{"view": {itoa(everyone.ID)}, "status": {"resolved"}}); len(got) != 0 {
			t.Errorf("narrowed view: %v", got)
		}
		// A view's OR groups and a filter='s OR groups must both hold, not
		// merge into one OR: (refund or VIP) and (low or normal).
		ors, err := e.Views.Create(ctx, d.agent, view.Request{Name: "Refunds or VIPs", Filter: spec(t, `{"any":[{"tag":["refund"]},{"contact_type":["vip"]}]}`)})
		testutil.NoErr(t, err)
		if got := d.list(t, d.agent, url.Values{"view": {itoa(ors.ID)}, "filter": {`{"any":[{"priority":["low"]},{"priority":["normal"]}]}`}}); !slices.Equal(got, []int64{d.vipNew}) {
			t.Errorf("a view's any and a filter's any: %v, want [%d]", got, d.vipNew)
		}
		testutil.NoErr(t, e.Views.Delete(ctx, d.agent, ors.ID))
		q := url.Values{"view": {itoa(mine.ID)}}
		if _, err := e.Conversations.ParseFilter(ctx, d.outsider, q); apperr.KindOf(err) != apperr.KindInvalid {
			t.Errorf("using another agent's private view: %v", err)
		}

		// Reorder, rename, and delete; only owners (or managers for shared) may.
		pos := -1
		name := "Refunds (urgent)"
		if _, err := e.Views.Update(ctx, d.agent, mine.ID, view.Patch{Position: &pos, Name: &name}); err != nil {
			t.Fatal(err)
		}
		agentViews, _ = e.Views.List(ctx, d.agent, false)
		if agentViews[0].Name != name || agentViews[0].Count != nil {
			t.Errorf("after moving up: first is %q (count %v)", agentViews[0].Name, agentViews[0].Count)
		}
		if err := e.Views.Delete(ctx, d.agent, everyone.ID); apperr.KindOf(err) != apperr.KindForbidden {
			t.Errorf("agent deleting the admin's shared view: %v", err)
		}
		if err := e.Views.Delete(ctx, d.agent, mine.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Views.Get(ctx, d.agent, mine.ID); apperr.KindOf(err) != apperr.KindNotFound {
			t.Errorf("deleted view: %v", err)
		}
	})
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// The sidebar keeps counts between loads; a change to a conversation must
// still show at once when counting is cheap, as it is on a small helpdesk.
func TestViewCountsFollowChanges(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		d := newData(t, e)
		v, err := e.Views.Create(ctx, d.admin, view.Request{Name: "Urgent", Filter: spec(t, `{"priority":["urgent"]}`)})
		testutil.NoErr(t, err)
		count := func() int {
			t.Helper()
			vs, err := e.Views.List(ctx, d.admin, true)
			testutil.NoErr(t, err)
			for _, x := range vs {
				if x.ID == v.ID && x.Count != nil {
					return *x.Count
				}
			}
			t.Fatal("no count for the view")
			return 0
		}
		if n := count(); n != 2 {
			t.Fatalf("urgent: %d, want 2", n)
		}
		if n := count(); n != 2 {
			t.Fatalf("urgent, asked again: %d, want 2", n)
		}
		normal := "normal"
		_, err = e.Conversations.Update(ctx, d.admin, d.urgentRefund, conversation.Patch{Priority: &normal})
		testutil.NoErr(t, err)
		if n := count(); n != 1 {
			t.Errorf("urgent after one became normal: %d, want 1", n)
		}
		// Editing the view counts it anew.
		_, err = e.Views.Update(ctx, d.admin, v.ID, view.Patch{Filter: spec(t, `{"priority":["low"]}`)})
		testutil.NoErr(t, err)
		if n := count(); n != 1 {
			t.Errorf("low: %d, want 1", n)
		}
	})
}
