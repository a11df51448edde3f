package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/testutil"
)

// role is a column of the permission matrix. Member and non-member are
// agents relative to inbox A, where the matrix's conversations live.
type role int

const (
	admin role = iota
	supervisor
	member
	nonMember
)

var roleNames = [...]string{"admin", "supervisor", "agent-member", "agent-non-member"}

func (f *fixture) tok(who role) string {
	return [...]string{f.adminTok, f.supTok, f.aTok, f.bTok}[who]
}

func (f *fixture) userID(who role) int64 {
	return [...]int64{f.admin.UserID, f.sup.UserID, f.agentA.UserID, f.agentB.UserID}[who]
}

// permRow is one endpoint across the four roles. req may prepare state
// (a fresh conversation or user) so that the cells do not interfere.
type permRow struct {
	name string
	req  func(t *testing.T, f *fixture, who role) (method, path string, body any)
	want [4]int
	// same lists roles whose successful call must change nothing, for
	// writes that only announce (presence) or skip what is not visible (bulk).
	same []role
	// stream marks the SSE endpoint, which answers until the client leaves.
	stream bool
}

const (
	s200 = http.StatusOK
	s201 = http.StatusCreated
	s204 = http.StatusNoContent
	s400 = http.StatusBadRequest
	s403 = http.StatusForbidden
	s404 = http.StatusNotFound
)

func fixed(method, path string, body any) func(*testing.T, *fixture, role) (string, string, any) {
	return func(*testing.T, *fixture, role) (string, string, any) { return method, path, body }
}

// TestPermissionMatrix checks every endpoint for admin, supervisor, an agent
// in the conversation's inbox and an agent outside it. A refusal must change
// nothing; a successful write must change something.
func TestPermissionMatrix(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := newFixture(t, e)
		covered := map[string]bool{}
		for _, row := range permRows(f) {
			for who := admin; who <= nonMember; who++ {
				t.Run(row.name+"/"+roleNames[who], func(t *testing.T) {
					method, path, body := row.req(t, f, who)
					if r := routeOf(e, method, path); r != "" {
						covered[r] = true
					}
					want := row.want[who]
					if row.stream {
						if got := streamStatus(t, e, f.tok(who), path); got != want {
							t.Errorf("%s %s as %s: %d, want %d", method, path, roleNames[who], got, want)
						}
						return
					}
					write := method != "GET"
					var before map[string][]string
					if write {
						before = dbState(t, e)
					}
					r := e.Call(t, f.tok(who), method, path, body)
					if r.Status != want {
						t.Fatalf("%s %s as %s: %d, want %d: %s", method, path, roleNames[who], r.Status, want, r.Body)
					}
					if want >= 400 {
						checkError(t, r, want, codeFor[want], "")
					}
					if !write {
						return
					}
					d := stateDiff(before, dbState(t, e))
					switch {
					case (want >= 400 || slices.Contains(row.same, who)) && d != "":
						t.Errorf("%s %s as %s answered %d but changed the database:%s", method, path, roleNames[who], r.Status, d)
					case want < 400 && !slices.Contains(row.same, who) && d == "":
						t.Errorf("%s %s as %s answered %d but changed nothing", method, path, roleNames[who], r.Status)
					}
				})
			}
		}
		checkCovered(t, e, "permission matrix", covered)
	})
}

// streamStatus opens the event stream for a moment and reports its status.
func streamStatus(t *testing.T, e *testutil.Env, tok, path string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, "GET", path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)
	if rec.Code == http.StatusOK && !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/event-stream") {
		t.Errorf("stream answered 200 as %s", rec.Header().Get("Content-Type"))
	}
	return rec.Code
}

func permRows(f *fixture) []permRow {
	everyone := [4]int{s200, s200, s200, s200}
	seesInbox := [4]int{s200, s200, s200, s404}
	adminOnly := [4]int{s200, s403, s403, s403}
	managers := [4]int{s200, s200, s403, s403}
	n := 0
	unique := func(who role) string { n++; return fmt.Sprintf("%s-%d", roleNames[who], n) }
	a := convPath(f.convA)
	inboxA := fmt.Sprintf(api+"/inboxes/%d", f.inboxA)
	teamPath := fmt.Sprintf(api+"/teams/%d", f.team)
	alice := fmt.Sprintf(api+"/contacts/%d", f.alice)
	// onFresh acts on a new conversation of inbox A, so no cell sees another's change.
	onFresh := func(method, suffix string, body any) func(*testing.T, *fixture, role) (string, string, any) {
		return func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return method, convPath(f.freshConv(t)) + suffix, body
		}
	}
	newConv := func(inbox int64, direction string) func(*testing.T, *fixture, role) (string, string, any) {
		return func(_ *testing.T, _ *fixture, who role) (string, string, any) {
			return "POST", api + "/conversations", map[string]any{"inbox_id": inbox,
				"contact": map[string]any{"email": unique(who) + "@example.com"}, "subject": "Hi",
				"message": map[string]any{"body": "Hello", "direction": direction}}
		}
	}

	return append([]permRow{
		// Oneself. Everyone signs in with their own password.
		{name: "POST auth/login", want: everyone, req: func(_ *testing.T, _ *fixture, who role) (string, string, any) {
			email := [...]string{"admin@parley.test", "sup@parley.test", "agent.a@parley.test", "agent.b@parley.test"}[who]
			return "POST", api + "/auth/login", map[string]any{"email": email, "password": "password123"}
		}},
		{name: "GET me", req: fixed("GET", api+"/me", nil), want: everyone},
		{name: "POST me/tokens", req: fixed("POST", api+"/me/tokens", map[string]any{"name": "cli"}), want: [4]int{s201, s201, s201, s201}},
		// Logging out with a bearer token ends no session; it is allowed and harmless.
		{name: "POST auth/logout", req: fixed("POST", api+"/auth/logout", nil), want: [4]int{s204, s204, s204, s204}, same: []role{admin, supervisor, member, nonMember}},

		// Users: everyone may look colleagues up; only admins create or change others.
		{name: "GET users", req: fixed("GET", api+"/users", nil), want: everyone},
		{name: "POST users", want: [4]int{s201, s403, s403, s403}, req: func(_ *testing.T, _ *fixture, who role) (string, string, any) {
			return "POST", api + "/users", map[string]any{"email": unique(who) + "@parley.test", "name": "New", "role": "agent"}
		}},
		{name: "GET user", req: fixed("GET", fmt.Sprintf(api+"/users/%d", f.agentA.UserID), nil), want: everyone},
		{name: "PATCH another user", want: adminOnly, req: func(t *testing.T, f *fixture, who role) (string, string, any) {
			return "PATCH", fmt.Sprintf(api+"/users/%d", f.freshUser(t)), map[string]any{"name": "Renamed " + unique(who)}
		}},
		{name: "PATCH own name and availability", want: everyone, req: func(_ *testing.T, f *fixture, who role) (string, string, any) {
			return "PATCH", fmt.Sprintf(api+"/users/%d", f.userID(who)), map[string]any{"name": "Me " + unique(who), "available": false}
		}},
		// No one raises their own role; for the admin it is already admin.
		{name: "PATCH own role to admin", want: adminOnly, same: []role{admin}, req: func(_ *testing.T, f *fixture, who role) (string, string, any) {
			return "PATCH", fmt.Sprintf(api+"/users/%d", f.userID(who)), map[string]any{"role": "admin"}
		}},
		{name: "PATCH own capacity", want: adminOnly, req: func(_ *testing.T, f *fixture, who role) (string, string, any) {
			return "PATCH", fmt.Sprintf(api+"/users/%d", f.userID(who)), map[string]any{"capacity": 7}
		}},

		// Teams: admins and supervisors manage them.
		{name: "GET teams", req: fixed("GET", api+"/teams", nil), want: everyone},
		{name: "POST teams", want: [4]int{s201, s201, s403, s403}, req: func(_ *testing.T, _ *fixture, who role) (string, string, any) {
			return "POST", api + "/teams", map[string]any{"name": "Team " + unique(who)}
		}},
		{name: "GET team", req: fixed("GET", teamPath, nil), want: everyone},
		{name: "POST team member", want: managers, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "POST", teamPath + "/members", map[string]any{"user_id": f.freshUser(t)}
		}},
		{name: "DELETE team member", want: managers, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			u := f.freshUser(t)
			f.call(t, f.adminTok, "POST", teamPath+"/members", map[string]any{"user_id": u}, s200)
			return "DELETE", fmt.Sprintf("%s/members/%d", teamPath, u), nil
		}},

		// Inboxes: only admins shape them; agents see only their own.
		{name: "GET inboxes", req: fixed("GET", api+"/inboxes", nil), want: everyone},
		{name: "POST inboxes", want: [4]int{s201, s403, s403, s403}, req: func(_ *testing.T, _ *fixture, who role) (string, string, any) {
			return "POST", api + "/inboxes", map[string]any{"name": "Inbox " + unique(who), "channel": "chat"}
		}},
		{name: "GET inbox", req: fixed("GET", inboxA, nil), want: seesInbox},
		{name: "PATCH inbox", want: adminOnly, req: func(_ *testing.T, _ *fixture, who role) (string, string, any) {
			return "PATCH", inboxA, map[string]any{"settings": map[string]any{"signature": unique(who)}}
		}},
		{name: "POST inbox member", want: adminOnly, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "POST", inboxA + "/members", map[string]any{"user_id": f.freshUser(t)}
		}},
		{name: "DELETE inbox member", want: adminOnly, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			u := f.freshUser(t)
			f.call(t, f.adminTok, "POST", inboxA+"/members", map[string]any{"user_id": u}, s200)
			return "DELETE", fmt.Sprintf("%s/members/%d", inboxA, u), nil
		}},

		// Contacts are shared by the whole helpdesk.
		{name: "GET contacts", req: fixed("GET", api+"/contacts", nil), want: everyone},
		{name: "POST contacts", want: [4]int{s201, s201, s201, s201}, req: func(_ *testing.T, _ *fixture, who role) (string, string, any) {
			return "POST", api + "/contacts", map[string]any{"email": unique(who) + "@example.com"}
		}},
		{name: "GET contact", req: fixed("GET", alice, nil), want: everyone},
		{name: "PATCH contact", want: everyone, req: func(_ *testing.T, _ *fixture, who role) (string, string, any) {
			return "PATCH", alice, map[string]any{"company": unique(who)}
		}},
		{name: "GET contact conversations", req: fixed("GET", alice+"/conversations", nil), want: everyone},
		{name: "POST contact merge", want: everyone, req: func(t *testing.T, f *fixture, who role) (string, string, any) {
			var keep, other struct{ ID int64 }
			f.call(t, f.adminTok, "POST", api+"/contacts", map[string]any{"email": unique(who) + "@example.com"}, s201).Decode(t, &keep)
			f.call(t, f.adminTok, "POST", api+"/contacts", map[string]any{"email": unique(who) + "@example.com"}, s201).Decode(t, &other)
			return "POST", fmt.Sprintf(api+"/contacts/%d/merge", keep.ID), map[string]any{"other_id": other.ID}
		}},
		// Profiles (contacts.md): shared like contacts; the timeline shows
		// only conversations the caller may see; admins define attributes.
		{name: "POST contact unmerge", want: everyone, req: func(t *testing.T, f *fixture, who role) (string, string, any) {
			var keep, other struct{ ID int64 }
			f.call(t, f.adminTok, "POST", api+"/contacts", map[string]any{"email": unique(who) + "@example.com"}, s201).Decode(t, &keep)
			f.call(t, f.adminTok, "POST", api+"/contacts", map[string]any{"email": unique(who) + "@example.com"}, s201).Decode(t, &other)
			f.call(t, f.adminTok, "POST", fmt.Sprintf(api+"/contacts/%d/merge", keep.ID), map[string]any{"other_id": other.ID}, s200)
			return "POST", fmt.Sprintf(api+"/contacts/%d/unmerge", other.ID), nil
		}},
		{name: "GET contact merges", req: fixed("GET", alice+"/merges", nil), want: everyone},
		{name: "GET contact duplicates", req: fixed("GET", alice+"/duplicates", nil), want: everyone},
		{name: "GET contact timeline", req: fixed("GET", alice+"/timeline", nil), want: everyone},
		{name: "GET contact notes", req: fixed("GET", alice+"/notes", nil), want: everyone},
		{name: "POST contact note", req: fixed("POST", alice+"/notes", map[string]any{"body": "Called back"}), want: [4]int{s201, s201, s201, s201}},
		{name: "GET contact identities", req: fixed("GET", alice+"/identities", nil), want: everyone},
		{name: "POST contact identity", want: [4]int{s201, s201, s201, s201}, req: func(_ *testing.T, _ *fixture, who role) (string, string, any) {
			return "POST", alice + "/identities", map[string]any{"kind": "external", "value": unique(who)}
		}},
		{name: "DELETE contact identity", want: everyone, req: func(t *testing.T, f *fixture, who role) (string, string, any) {
			var c struct {
				ID         int64
				Identities []struct{ ID int64 }
			}
			f.call(t, f.adminTok, "POST", api+"/contacts", map[string]any{"email": unique(who) + "@example.com", "phone": "+4470000" + fmt.Sprint(10000+n)}, s201).Decode(t, &c)
			return "DELETE", fmt.Sprintf(api+"/contacts/%d/identities/%d", c.ID, c.Identities[1].ID), nil
		}},
		// GDPR (contacts.md): admins and supervisors export; only admins
		// erase; the erasure record is shared like the contact.
		{name: "GET contact export", req: fixed("GET", alice+"/export", nil), want: [4]int{s200, s200, s403, s403}},
		{name: "POST contact erase", want: [4]int{s200, s403, s403, s403}, req: func(t *testing.T, f *fixture, who role) (string, string, any) {
			var c struct{ ID int64 }
			f.call(t, f.adminTok, "POST", api+"/contacts", map[string]any{"email": unique(who) + "@example.com"}, s201).Decode(t, &c)
			return "POST", fmt.Sprintf(api+"/contacts/%d/erase", c.ID), map[string]any{"reason": "Customer request"}
		}},
		{name: "GET contact erasure", want: everyone, req: func(t *testing.T, f *fixture, who role) (string, string, any) {
			var c struct{ ID int64 }
			f.call(t, f.adminTok, "POST", api+"/contacts", map[string]any{"email": unique(who) + "@example.com"}, s201).Decode(t, &c)
			f.call(t, f.adminTok, "POST", fmt.Sprintf(api+"/contacts/%d/erase", c.ID), map[string]any{"reason": "Customer request"}, s200)
			return "GET", fmt.Sprintf(api+"/contacts/%d/erasure", c.ID), nil
		}},
		{name: "GET contact attributes", req: fixed("GET", api+"/contact-attributes", nil), want: everyone},
		{name: "POST contact attribute", want: [4]int{s201, s403, s403, s403}, req: func(_ *testing.T, _ *fixture, who role) (string, string, any) {
			return "POST", api + "/contact-attributes", map[string]any{"key": strings.ReplaceAll(unique(who), "-", "_"), "label": "L", "type": "text"}
		}},
		{name: "PATCH contact attribute", want: adminOnly, req: func(t *testing.T, f *fixture, who role) (string, string, any) {
			var d struct{ ID int64 }
			f.call(t, f.adminTok, "POST", api+"/contact-attributes", map[string]any{"key": strings.ReplaceAll(unique(who), "-", "_"), "label": "L", "type": "text"}, s201).Decode(t, &d)
			return "PATCH", fmt.Sprintf(api+"/contact-attributes/%d", d.ID), map[string]any{"label": "Renamed"}
		}},
		{name: "DELETE contact attribute", want: [4]int{s204, s403, s403, s403}, req: func(t *testing.T, f *fixture, who role) (string, string, any) {
			var d struct{ ID int64 }
			f.call(t, f.adminTok, "POST", api+"/contact-attributes", map[string]any{"key": strings.ReplaceAll(unique(who), "-", "_"), "label": "L", "type": "text"}, s201).Decode(t, &d)
			return "DELETE", fmt.Sprintf(api+"/contact-attributes/%d", d.ID), nil
		}},
		{name: "GET tags", req: fixed("GET", api+"/tags", nil), want: everyone},

		// Views: anyone keeps private views; managers share with everyone.
		{name: "GET views", req: fixed("GET", api+"/views", nil), want: everyone},
		{name: "POST private view", req: fixed("POST", api+"/views", map[string]any{"name": "Mine", "filter": map[string]any{"status": []string{"open"}}}), want: [4]int{s201, s201, s201, s201}},
		{name: "POST shared view", req: fixed("POST", api+"/views", map[string]any{"name": "All", "filter": map[string]any{}, "visibility": "everyone"}), want: [4]int{s201, s201, s403, s403}},
		{name: "GET shared view", req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "GET", fmt.Sprintf(api+"/views/%d", f.sharedView(t)), nil
		}, want: everyone},
		{name: "PATCH shared view", req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "PATCH", fmt.Sprintf(api+"/views/%d", f.sharedView(t)), map[string]any{"name": "Renamed"}
		}, want: [4]int{s200, s200, s403, s403}},
		{name: "DELETE shared view", req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "DELETE", fmt.Sprintf(api+"/views/%d", f.sharedView(t)), nil
		}, want: [4]int{s204, s204, s403, s403}},

		// Conversations: an inbox's outsiders are told it does not exist.
		{name: "GET conversations", req: fixed("GET", api+"/conversations", nil), want: everyone},
		{name: "POST conversation", req: newConv(f.inboxA, "outgoing"), want: [4]int{s201, s201, s201, s400}},
		{name: "POST conversation incoming, email inbox", req: newConv(f.inboxA, "incoming"), want: [4]int{s201, s403, s403, s400}},
		{name: "POST conversation incoming, phone inbox", req: newConv(f.inboxP, "incoming"), want: [4]int{s201, s201, s201, s400}},
		// Bulk skips what the caller cannot see, and says so, instead of failing.
		{name: "POST conversations bulk", want: everyone, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "POST", api + "/conversations/bulk", map[string]any{"ids": []int64{f.freshConv(t)}, "set": map[string]any{"priority": "high"}}
		}},
		{name: "GET own bulk operation", want: everyone, req: func(t *testing.T, f *fixture, who role) (string, string, any) {
			var op struct{ ID int64 }
			f.call(t, f.tok(who), "POST", api+"/conversations/bulk", map[string]any{"ids": []int64{f.freshConv(t)}, "set": map[string]any{"priority": "high"}}, s200).Decode(t, &op)
			return "GET", fmt.Sprintf(api+"/conversations/bulk/%d", op.ID), nil
		}},
		// Undo reverses one's own last bulk action; one that changed nothing has nothing to undo.
		{name: "POST undo own bulk", want: [4]int{s200, s200, s200, http.StatusConflict}, req: func(t *testing.T, f *fixture, who role) (string, string, any) {
			var op struct{ ID int64 }
			f.call(t, f.tok(who), "POST", api+"/conversations/bulk", map[string]any{"ids": []int64{f.freshConv(t)}, "set": map[string]any{"priority": "urgent"}}, s200).Decode(t, &op)
			return "POST", fmt.Sprintf(api+"/conversations/bulk/%d/undo", op.ID), nil
		}},
		{name: "GET conversation", req: fixed("GET", a, nil), want: seesInbox},
		{name: "GET duplicates", req: fixed("GET", a+"/duplicates", nil), want: seesInbox},
		{name: "PATCH conversation", req: onFresh("PATCH", "", map[string]any{"priority": "high", "status": "pending"}), want: seesInbox},
		{name: "PATCH conversation assign to self", want: seesInbox, req: func(t *testing.T, f *fixture, who role) (string, string, any) {
			return "PATCH", convPath(f.freshConv(t)), map[string]any{"assignee_id": f.userID(who)}
		}},
		{name: "POST conversation tags", req: onFresh("POST", "/tags", map[string]any{"tags": []string{"vip"}}), want: seesInbox},
		{name: "DELETE conversation tag", want: seesInbox, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			c := convPath(f.freshConv(t))
			f.call(t, f.adminTok, "POST", c+"/tags", map[string]any{"tags": []string{"vip"}}, s200)
			return "DELETE", c + "/tags/vip", nil
		}},
		{name: "GET messages", req: fixed("GET", a+"/messages", nil), want: seesInbox},
		{name: "GET attachment", want: seesInbox, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "GET", fmt.Sprintf(api+"/attachments/%d", f.emailAttachment(t)), nil
		}},
		{name: "POST reply", req: onFresh("POST", "/messages", map[string]any{"body": "On it"}), want: [4]int{s201, s201, s201, s404}},
		{name: "POST note", req: onFresh("POST", "/messages", map[string]any{"body": "Internal", "kind": "note"}), want: [4]int{s201, s201, s201, s404}},
		// Writing as the customer by hand: admins anywhere, others only in api and phone inboxes.
		{name: "POST incoming message, email inbox", req: onFresh("POST", "/messages", map[string]any{"body": "From customer", "direction": "incoming"}), want: [4]int{s201, s403, s403, s404}},
		{name: "POST incoming message, phone inbox", want: [4]int{s201, s201, s201, s404}, req: func(t *testing.T, f *fixture, who role) (string, string, any) {
			c := f.conversation(t, f.inboxP, unique(who)+"@example.com", "Call")
			return "POST", convPath(c.ID) + "/messages", map[string]any{"body": "Caller said", "direction": "incoming"}
		}},
		{name: "GET events", req: fixed("GET", a+"/events", nil), want: seesInbox},
		{name: "POST merge", want: seesInbox, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "POST", convPath(f.freshConv(t)) + "/merge", map[string]any{"into_id": f.freshConv(t)}
		}},
		{name: "POST unmerge", want: seesInbox, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			src := f.freshConv(t)
			f.call(t, f.adminTok, "POST", convPath(src)+"/merge", map[string]any{"into_id": f.freshConv(t)}, s200)
			return "POST", convPath(src) + "/unmerge", nil
		}},
		{name: "POST split", want: [4]int{s201, s201, s201, s404}, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			c := convPath(f.freshConv(t))
			var m struct{ ID int64 }
			f.call(t, f.adminTok, "POST", c+"/messages", map[string]any{"body": "Second question", "direction": "incoming"}, s201).Decode(t, &m)
			return "POST", c + "/split", map[string]any{"message_ids": []int64{m.ID}}
		}},
		{name: "POST presence", req: fixed("POST", a+"/presence", map[string]any{"state": "viewing"}), want: [4]int{s204, s204, s204, s404}, same: []role{admin, supervisor, member}},
		{name: "GET events stream", req: fixed("GET", api+"/events/stream", nil), want: everyone, stream: true},
		{name: "GET calls", req: fixed("GET", a+"/calls", nil), want: seesInbox},
		{name: "POST call", req: onFresh("POST", "/calls", map[string]any{"direction": "outbound", "outcome": "answered", "duration_seconds": 90, "notes": "Called back"}), want: [4]int{s201, s201, s201, s404}},
		{name: "GET deliveries", req: fixed("GET", fmt.Sprintf(api+"/inboxes/%d/deliveries", f.inboxB), nil), want: adminOnly},
		{name: "POST delivery retry", want: [4]int{http.StatusAccepted, s403, s403, s403}, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			f.call(t, f.adminTok, "POST", convPath(f.convB)+"/messages", map[string]any{"body": "Reply to the integration"}, s201)
			var log struct{ Items []struct{ ID int64 } }
			f.call(t, f.adminTok, "GET", fmt.Sprintf(api+"/inboxes/%d/deliveries", f.inboxB), nil, s200).Decode(t, &log)
			return "POST", fmt.Sprintf(api+"/inboxes/%d/deliveries/%d/retry", f.inboxB, log.Items[0].ID), nil
		}},
	}, append(append(automationPermRows(f, unique), slaPermRows(f)...), append(reportPermRows(), reportWebPermRows()...)...)...)
}

// TestVisibility checks what each role sees in lists: an agent outside an
// inbox sees none of its conversations anywhere, and membership changes that.
func TestVisibility(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := newFixture(t, e)
		all := []int64{f.convA, f.convB, f.convP, f.closed}
		inA := []int64{f.convA, f.convP, f.closed}
		alice := fmt.Sprintf(api+"/contacts/%d/conversations", f.alice)
		for _, c := range []struct {
			name string
			who  role
			path string
			want []int64
		}{
			{"admin sees every conversation", admin, api + "/conversations", all},
			{"supervisor sees every conversation", supervisor, api + "/conversations", all},
			{"member sees their inboxes' conversations", member, api + "/conversations", inA},
			{"non-member sees only their inbox", nonMember, api + "/conversations", []int64{f.convB}},
			{"non-member filtering by the other inbox", nonMember, fmt.Sprintf(api+"/conversations?inbox=%d", f.inboxA), nil},
			{"non-member filtering by the other inbox's contact", nonMember, fmt.Sprintf(api+"/conversations?contact=%d", f.alice), nil},
			{"non-member filtering by its tag", nonMember, api + "/conversations?tag=billing", nil},
			{"member sees the contact's conversations", member, alice, []int64{f.convA}},
			{"non-member sees none of the contact's conversations", nonMember, alice, nil},
			{"supervisor sees the contact's conversations", supervisor, alice, []int64{f.convA}},
			{"member sees their inboxes", member, api + "/inboxes", []int64{f.inboxA, f.inboxP}},
			{"non-member sees their inbox", nonMember, api + "/inboxes", []int64{f.inboxB}},
			{"supervisor sees every inbox", supervisor, api + "/inboxes", []int64{f.inboxA, f.inboxB, f.inboxP}},
		} {
			t.Run(c.name, func(t *testing.T) {
				got, _ := listIDs(t, f.call(t, f.tok(c.who), "GET", c.path, nil, s200))
				slices.Sort(got)
				want := slices.Clone(c.want)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("%s as %s: ids %v, want %v", c.path, roleNames[c.who], got, want)
				}
			})
		}

		t.Run("me lists own inboxes and teams", func(t *testing.T) {
			var me struct {
				ID       int64   `json:"id"`
				InboxIDs []int64 `json:"inbox_ids"`
				TeamIDs  []int64 `json:"team_ids"`
			}
			f.call(t, f.aTok, "GET", api+"/me", nil, s200).Decode(t, &me)
			if me.ID != f.agentA.UserID || !slices.Equal(me.InboxIDs, []int64{f.inboxA, f.inboxP}) || !slices.Equal(me.TeamIDs, []int64{f.team}) {
				t.Errorf("me = %+v", me)
			}
		})

		t.Run("bulk skips what the agent cannot see", func(t *testing.T) {
			var res struct {
				Updated []int64 `json:"updated"`
				Skipped []struct {
					ID   int64  `json:"id"`
					Code string `json:"code"`
				} `json:"skipped"`
			}
			f.call(t, f.bTok, "POST", api+"/conversations/bulk", map[string]any{"ids": []int64{f.convA, f.convB},
				"set": map[string]any{"priority": "urgent"}}, s200).Decode(t, &res)
			if !slices.Equal(res.Updated, []int64{f.convB}) || len(res.Skipped) != 1 || res.Skipped[0].ID != f.convA || res.Skipped[0].Code != "not_found" {
				t.Errorf("bulk result %+v", res)
			}
			var c conv
			f.call(t, f.adminTok, "GET", convPath(f.convA), nil, s200).Decode(t, &c)
			if c.Priority != "normal" {
				t.Errorf("the invisible conversation was changed: priority %s", c.Priority)
			}
		})

		t.Run("membership grants and revokes sight", func(t *testing.T) {
			path := convPath(f.convA)
			f.call(t, f.bTok, "GET", path, nil, s404)
			f.call(t, f.adminTok, "POST", fmt.Sprintf(api+"/inboxes/%d/members", f.inboxA), map[string]any{"user_id": f.agentB.UserID}, s200)
			f.call(t, f.bTok, "GET", path, nil, s200)
			f.call(t, f.adminTok, "DELETE", fmt.Sprintf(api+"/inboxes/%d/members/%d", f.inboxA, f.agentB.UserID), nil, s200)
			f.call(t, f.bTok, "GET", path, nil, s404)
		})
	})
}
