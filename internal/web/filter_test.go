package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
	"github.com/parley-hq/parley/internal/view"
)

// The list as one JSON filter (what "Save view" saves and "Select all N
// matching" sends to the bulk API) selects exactly what the list shows,
// for plain keys, views, and views narrowed further.
func TestListAsOneFilterMatchesTheList(t *testing.T) {
	bg := context.Background()
	e := testutil.Open(t, "sqlite")
	e.Clock.Set(time.Now())
	agent := e.User(t, "agent@example.com", model.RoleAgent)
	inbox := e.Inbox(t, "Support", model.ChannelAPI, agent)
	mk := func(email, priority string, status model.Status, tags ...string) {
		c, err := e.Conversations.Create(bg, agent, conversation.CreateRequest{InboxID: inbox, Priority: priority,
			Contact: contact.Ref{Email: email}, Subject: "About my " + priority + " refund",
			Message: conversation.MessageRequest{Body: "Hello", Direction: "incoming"}})
		testutil.NoErr(t, err)
		if len(tags) > 0 {
			_, err = e.Conversations.AddTags(bg, agent, c.ID, tags)
			testutil.NoErr(t, err)
		}
		if status != model.StatusNew {
			_, err = e.Conversations.Update(bg, agent, c.ID, conversation.Patch{Status: &status})
			testutil.NoErr(t, err)
		}
		e.Clock.Advance(time.Second)
	}
	for i, p := range []string{"low", "normal", "high", "urgent"} {
		for j, st := range []model.Status{model.StatusNew, model.StatusOpen, model.StatusPending, model.StatusResolved} {
			var tags []string
			if (i+j)%2 == 0 {
				tags = append(tags, "refund")
			}
			mk([]string{"a@example.com", "b@example.com"}[j%2], p, st, tags...)
		}
	}
	spec := func(js string) *conversation.FilterSpec {
		var s conversation.FilterSpec
		testutil.NoErr(t, json.Unmarshal([]byte(js), &s))
		return &s
	}
	ors, err := e.Views.Create(bg, agent, view.Request{Name: "ors", Sort: "-priority",
		Filter: spec(`{"status":["new","open"],"any":[{"tag":["refund"]},{"priority":["urgent"]}]}`)})
	testutil.NoErr(t, err)
	plain, err := e.Views.Create(bg, agent, view.Request{Name: "plain", Filter: spec(`{"status":["new","open","pending"],"q":["refund"]}`)})
	testutil.NoErr(t, err)

	sess, err := e.Accounts.Login(bg, "agent@example.com", "password123", "127.0.0.1")
	testutil.NoErr(t, err)
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	asList := func(query string) (f *conversation.FilterSpec, sort string, count int) {
		t.Helper()
		resp := get(t, srv.URL+"/inbox/filter?"+query+"&count=1", sess.Secret)
		defer resp.Body.Close()
		var out struct {
			Filter *conversation.FilterSpec
			Sort   string
			Count  *int
			Error  string
		}
		testutil.NoErr(t, json.NewDecoder(resp.Body).Decode(&out))
		if resp.StatusCode != 200 || out.Error != "" || out.Count == nil {
			t.Fatalf("%s: %d %+v", query, resp.StatusCode, out)
		}
		return out.Filter, out.Sort, *out.Count
	}
	ids := func(q url.Values) []int64 {
		t.Helper()
		q.Set("limit", "200")
		f, err := e.Conversations.ParseFilter(bg, agent, q)
		testutil.NoErr(t, err)
		p, err := e.Conversations.List(bg, agent, f)
		testutil.NoErr(t, err)
		var out []int64
		for _, c := range p.Items {
			out = append(out, c.ID)
		}
		slices.Sort(out)
		return out
	}
	itoa := func(n int64) string { return id(n) }
	for _, c := range []struct {
		query, sort string
		sayable     bool
	}{
		{"", "", true}, // the default list: the active ones
		{"priority=urgent,high&status=open", "", true},
		{"tag=refund&assignee=none&sort=created", "created", true},
		{"q=refund&status=new,pending", "", true},
		{"view=" + itoa(ors.ID), "-priority", true},
		{"view=" + itoa(ors.ID) + "&priority=low,normal&sort=created", "created", true},
		{"view=" + itoa(ors.ID) + "&status=open", "-priority", false}, // a second status condition beside the view's OR groups
		{"view=" + itoa(plain.ID) + "&status=open,pending", "", true},
		{"view=" + itoa(plain.ID) + "&q=urgent", "", true},
	} {
		q, err := url.ParseQuery(c.query)
		testutil.NoErr(t, err)
		if len(q) == 0 {
			q, _ = url.ParseQuery("status=new,open,pending&snoozed=false")
		}
		want := ids(q)
		f, sort, count := asList(c.query)
		if count != len(want) {
			t.Errorf("%q: counted %d, the list shows %d", c.query, count, len(want))
		}
		if sort != c.sort {
			t.Errorf("%q: sort %q, want %q", c.query, sort, c.sort)
		}
		if (f != nil) != c.sayable {
			t.Errorf("%q: filter %+v, want one: %v", c.query, f, c.sayable)
			continue
		}
		if f == nil {
			continue
		}
		b, _ := json.Marshal(f)
		if got := ids(url.Values{"filter": {string(b)}}); !slices.Equal(got, want) {
			t.Errorf("%q as %s selects %v, the list %v", c.query, b, got, want)
		}
		if len(want) == 0 {
			t.Errorf("%q: a case that selects nothing proves little", c.query)
		}
	}
}

// get fetches a page of the web app with a session.
func get(t *testing.T, url, session string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	testutil.NoErr(t, err)
	req.AddCookie(&http.Cookie{Name: "parley_session", Value: session})
	resp, err := http.DefaultClient.Do(req)
	testutil.NoErr(t, err)
	return resp
}

// The sidebar counts a view up to 1,000 and then says "1000+".
func TestSidebarViewCountsStopAt1000(t *testing.T) {
	bg := context.Background()
	e := testutil.Open(t, "sqlite")
	e.Clock.Set(time.Now())
	agent := e.User(t, "agent@example.com", model.RoleAgent)
	inbox := e.Inbox(t, "Support", model.ChannelAPI, agent)
	for i := range 1001 {
		_, err := e.Conversations.Create(bg, agent, conversation.CreateRequest{InboxID: inbox, Priority: []string{"high", "low"}[i%2],
			Contact: contact.Ref{Email: "c" + id(int64(i%50)) + "@example.com"}, Message: conversation.MessageRequest{Body: "Hello", Direction: "incoming"}})
		testutil.NoErr(t, err)
	}
	all, err := e.Views.Create(bg, agent, view.Request{Name: "Everything", Filter: &conversation.FilterSpec{}})
	testutil.NoErr(t, err)
	high, err := e.Views.Create(bg, agent, view.Request{Name: "High", Filter: &conversation.FilterSpec{Keys: map[string][]string{"priority": {"high"}}}})
	testutil.NoErr(t, err)
	sess, err := e.Accounts.Login(bg, "agent@example.com", "password123", "127.0.0.1")
	testutil.NoErr(t, err)
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	resp := get(t, srv.URL+"/inbox/sidebar?view="+id(all.ID), sess.Secret)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	testutil.NoErr(t, err)
	html := string(b)
	for _, want := range []string{`data-count="view-` + id(all.ID) + `">1000+<`, `data-count="view-` + id(high.ID) + `">501<`,
		`data-folder="view-` + id(all.ID) + `" class="active"`} {
		if !strings.Contains(html, want) {
			t.Errorf("the sidebar lacks %s", want)
		}
	}
}
