package httpapi_test

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/testutil"
)

// listData adds conversations to the fixture that differ in every listed
// key, with ties in each sort key so the id tiebreak is exercised.
type listData struct {
	*fixture
	c1, c2, c3, c4 int64
	all            []int64
}

func newListData(t *testing.T, e *testutil.Env) *listData {
	t.Helper()
	d := &listData{fixture: newFixture(t, e)}
	f := d.fixture
	patch := func(id int64, body map[string]any) {
		f.call(t, f.adminTok, "PATCH", convPath(id), body, http.StatusOK)
	}
	tag := func(id int64, tags ...string) {
		f.call(t, f.adminTok, "POST", convPath(id)+"/tags", map[string]any{"tags": tags}, http.StatusOK)
	}

	e.Clock.Advance(time.Minute)
	d.c1 = f.conversation(t, f.inboxA, f.aliceEmail, "Second order").ID
	patch(d.c1, map[string]any{"status": "pending", "priority": "high", "assignee_id": f.agentA.UserID, "team_id": f.team})
	tag(d.c1, "billing", "vip")

	// c2 is created in the same millisecond as c1: a created_at tie.
	d.c2 = f.conversation(t, f.inboxA, "erin@example.com", "Login trouble").ID
	patch(d.c2, map[string]any{"status": "open", "priority": "urgent", "assignee_id": f.admin.UserID})
	patch(d.c2, map[string]any{"snoozed_until": e.Clock.Now().Add(time.Hour)})
	tag(d.c2, "vip")

	e.Clock.Advance(time.Minute)
	d.c3 = f.conversation(t, f.inboxP, "frank@example.com", "Voicemail").ID
	patch(d.c3, map[string]any{"status": "resolved", "priority": "low", "assignee_id": f.agentA.UserID, "team_id": f.team})

	e.Clock.Advance(time.Minute)
	d.c4 = f.conversation(t, f.inboxB, "gina@example.com", "Webhook retries").ID
	patch(d.c4, map[string]any{"status": "pending", "priority": "high", "team_id": f.team})
	tag(d.c4, "billing")

	// Activity in another order than creation: convA and convB answered last,
	// in the same millisecond (a last_activity tie).
	e.Clock.Advance(time.Minute)
	f.call(t, f.adminTok, "POST", convPath(f.convA)+"/messages", map[string]any{"body": "Looking", "kind": "note"}, http.StatusCreated)
	f.call(t, f.adminTok, "POST", convPath(f.convB)+"/messages", map[string]any{"body": "Looking", "kind": "note"}, http.StatusCreated)
	d.all = []int64{f.convA, f.convB, f.convP, f.closed, d.c1, d.c2, d.c3, d.c4}
	return d
}

// visibleTo is the ids of all whose inbox the role may see.
func (d *listData) visibleTo(who role, convs map[int64]conv) []int64 {
	var out []int64
	for _, id := range d.all {
		in := convs[id].InboxID
		if who == admin || who == supervisor || (who == member && in != d.inboxB) || (who == nonMember && in == d.inboxB) {
			out = append(out, id)
		}
	}
	return out
}

var priorityRank = map[string]int{"low": 0, "normal": 1, "high": 2, "urgent": 3}

// TestListPagination walks GET /conversations two at a time in every sort
// for every role: each visible conversation comes exactly once, in order.
func TestListPagination(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		d := newListData(t, e)
		convs := map[int64]conv{}
		for _, id := range d.all {
			var c conv
			d.call(t, d.adminTok, "GET", convPath(id), nil, http.StatusOK).Decode(t, &c)
			convs[id] = c
		}
		sorts := []struct {
			name string
			key  func(c conv) int64
			desc bool
		}{
			{"last_activity", func(c conv) int64 { return c.LastActivityAt.UnixMilli() }, false},
			{"-last_activity", func(c conv) int64 { return c.LastActivityAt.UnixMilli() }, true},
			{"created", func(c conv) int64 { return c.CreatedAt.UnixMilli() }, false},
			{"-created", func(c conv) int64 { return c.CreatedAt.UnixMilli() }, true},
			{"priority", func(c conv) int64 { return int64(priorityRank[c.Priority]) }, false},
			{"-priority", func(c conv) int64 { return int64(priorityRank[c.Priority]) }, true},
			{"", func(c conv) int64 { return c.LastActivityAt.UnixMilli() }, true}, // the default
		}
		for _, s := range sorts {
			for who := admin; who <= nonMember; who++ {
				t.Run(fmt.Sprintf("sort=%s/%s", s.name, roleNames[who]), func(t *testing.T) {
					want := d.visibleTo(who, convs)
					slices.SortFunc(want, func(a, b int64) int {
						c := cmp.Or(cmp.Compare(s.key(convs[a]), s.key(convs[b])), cmp.Compare(a, b))
						if s.desc {
							return -c
						}
						return c
					})
					got := walk(t, d.fixture, d.tok(who), api+"/conversations?sort="+url.QueryEscape(s.name)+"&limit=2")
					if !slices.Equal(got, want) {
						t.Errorf("walked %v, want %v", got, want)
					}
				})
			}
		}

		t.Run("a cursor belongs to its sort", func(t *testing.T) {
			_, cur := listIDs(t, d.call(t, d.adminTok, "GET", api+"/conversations?sort=created&limit=2", nil, http.StatusOK))
			if cur == "" {
				t.Fatal("no next_cursor on a full page")
			}
			before := dbState(t, e)
			for _, sort := range []string{"-created", "priority", "last_activity", ""} {
				r := e.Call(t, d.adminTok, "GET", api+"/conversations?limit=2&sort="+sort+"&cursor="+url.QueryEscape(cur), nil)
				checkError(t, r, http.StatusBadRequest, "validation_failed", "cursor")
			}
			// Nor is another list's cursor a conversation cursor.
			_, userCur := listIDs(t, d.call(t, d.adminTok, "GET", api+"/users?limit=1", nil, http.StatusOK))
			checkError(t, e.Call(t, d.adminTok, "GET", api+"/conversations?cursor="+url.QueryEscape(userCur), nil), http.StatusBadRequest, "validation_failed", "cursor")
			if diff := stateDiff(before, dbState(t, e)); diff != "" {
				t.Errorf("changed the database:%s", diff)
			}
		})

		t.Run("filters keep their cursor", func(t *testing.T) {
			got := walk(t, d.fixture, d.adminTok, api+"/conversations?status=open,pending&sort=priority&limit=1")
			if want := []int64{d.convB, d.c1, d.c4, d.c2}; !slices.Equal(got, want) {
				t.Errorf("walked %v, want %v", got, want)
			}
		})
	})
}

// walk follows next_cursor from path to the end and returns every id seen.
func walk(t *testing.T, f *fixture, tok, path string) []int64 {
	t.Helper()
	var all []int64
	cursor := ""
	u, _ := url.Parse(path)
	limit, _ := strconv.Atoi(u.Query().Get("limit"))
	for pages := 0; ; pages++ {
		if pages > 50 {
			t.Fatalf("%s: more than 50 pages; the cursor does not advance", path)
		}
		p := path
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		ids, next := listIDs(t, f.call(t, tok, "GET", p, nil, http.StatusOK))
		if limit > 0 && len(ids) > limit {
			t.Fatalf("%s: a page of %d, over the limit", p, len(ids))
		}
		all = append(all, ids...)
		if next == "" {
			return all
		}
		if len(ids) == 0 {
			t.Fatalf("%s: an empty page with a next_cursor", p)
		}
		cursor = next
	}
}

// TestListFilters checks that each filter of GET /conversations (and of a
// contact's conversations) narrows the list to exactly what it names.
func TestListFilters(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		d := newListData(t, e)
		alice := fmt.Sprintf(api+"/contacts/%d/conversations", d.alice)
		list := api + "/conversations?"
		for _, c := range []struct {
			name string
			who  role
			path string
			want []int64
		}{
			{"no filter", admin, list, d.all},
			{"status", admin, list + "status=open", []int64{d.convB, d.c2}},
			{"status comma list", admin, list + "status=open,pending", []int64{d.convB, d.c1, d.c2, d.c4}},
			{"status repeated", admin, list + "status=open&status=pending", []int64{d.convB, d.c1, d.c2, d.c4}},
			{"status new", admin, list + "status=new", []int64{d.convA, d.convP}},
			{"status closed", admin, list + "status=closed", []int64{d.closed}},
			{"assignee me, agent", member, list + "assignee=me", []int64{d.c1, d.c3}},
			{"assignee me, admin", admin, list + "assignee=me", []int64{d.c2}},
			{"assignee none", admin, list + "assignee=none", []int64{d.convA, d.convB, d.convP, d.closed, d.c4}},
			{"assignee id", admin, list + fmt.Sprintf("assignee=%d", d.agentA.UserID), []int64{d.c1, d.c3}},
			{"assignee with nothing", admin, list + fmt.Sprintf("assignee=%d", d.sup.UserID), nil},
			{"team", admin, list + fmt.Sprintf("team=%d", d.team), []int64{d.c1, d.c3, d.c4}},
			{"team, agent of another inbox", nonMember, list + fmt.Sprintf("team=%d", d.team), []int64{d.c4}},
			{"inbox", admin, list + fmt.Sprintf("inbox=%d", d.inboxA), []int64{d.convA, d.closed, d.c1, d.c2}},
			{"tag", admin, list + "tag=billing", []int64{d.convA, d.c1, d.c4}},
			{"tag is case-insensitive", admin, list + "tag=Billing", []int64{d.convA, d.c1, d.c4}},
			{"tags must all match", admin, list + "tag=billing&tag=vip", []int64{d.c1}},
			{"unknown tag", admin, list + "tag=nothing", nil},
			{"tag, agent", member, list + "tag=billing", []int64{d.convA, d.c1}},
			{"priority", admin, list + "priority=high", []int64{d.c1, d.c4}},
			{"priority comma list", admin, list + "priority=high,urgent", []int64{d.c1, d.c2, d.c4}},
			{"priority low", admin, list + "priority=low", []int64{d.c3}},
			{"channel", admin, list + "channel=email", []int64{d.convA, d.closed, d.c1, d.c2}},
			{"channel comma list", admin, list + "channel=api,phone", []int64{d.convB, d.convP, d.c3, d.c4}},
			{"contact", admin, list + fmt.Sprintf("contact=%d", d.alice), []int64{d.convA, d.c1}},
			{"snoozed", admin, list + "snoozed=true", []int64{d.c2}},
			{"not snoozed", admin, list + "snoozed=false", []int64{d.convA, d.convB, d.convP, d.closed, d.c1, d.c3, d.c4}},
			{"keywords", admin, list + "q=refund", []int64{d.convA}},
			{"keywords match the contact", admin, list + "q=gina", []int64{d.c4}},
			{"filters combine", admin, list + fmt.Sprintf("status=pending&team=%d&tag=billing", d.team), []int64{d.c1, d.c4}},
			{"inbox and priority", admin, list + fmt.Sprintf("inbox=%d&priority=high,urgent", d.inboxA), []int64{d.c1, d.c2}},
			{"contact's conversations", admin, alice, []int64{d.convA, d.c1}},
			{"contact's conversations by status", admin, alice + "?status=pending", []int64{d.c1}},
			{"contact's conversations ignore another contact", admin, alice + fmt.Sprintf("?contact=%d", d.bob), []int64{d.convA, d.c1}},
		} {
			t.Run(c.name, func(t *testing.T) {
				got, _ := listIDs(t, d.call(t, d.tok(c.who), "GET", c.path, nil, http.StatusOK))
				slices.Sort(got)
				want := slices.Clone(c.want)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("%s as %s: %v, want %v", c.path, roleNames[c.who], got, want)
				}
			})
		}
	})
}

// TestIDListsPaginate walks the lists ordered by id two at a time.
func TestIDListsPaginate(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		d := newListData(t, e)
		for _, body := range []string{"One", "Two", "Three"} {
			d.call(t, d.adminTok, "POST", convPath(d.c2)+"/messages", map[string]any{"body": body}, http.StatusCreated)
		}
		for _, path := range []string{
			api + "/users?limit=2",
			api + "/contacts?limit=2",
			convPath(d.c2) + "/messages?limit=2",
			convPath(d.c2) + "/events?limit=2",
		} {
			t.Run(path, func(t *testing.T) {
				full, next := listIDs(t, d.call(t, d.adminTok, "GET", path[:len(path)-len("?limit=2")]+"?limit=200", nil, http.StatusOK))
				if next != "" || len(full) < 3 {
					t.Fatalf("setup: %d items, next %q", len(full), next)
				}
				if got := walk(t, d.fixture, d.adminTok, path); !slices.Equal(got, full) {
					t.Errorf("walked %v, want %v", got, full)
				}
			})
		}
	})
}
