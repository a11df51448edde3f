package httpapi_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/httpapi"
	"github.com/parley-hq/parley/internal/page"
	"github.com/parley-hq/parley/internal/store"
	"github.com/parley-hq/parley/internal/testutil"
)

// badReq is one request that must fail with status (and its code), name
// field in error.fields when field is set, and change nothing at all.
type badReq struct {
	name   string
	as     string // "" (admin), "agentA", "agentB" or "nobody"
	method string
	path   string
	body   any
	status int
	code   string // defaults to the code API.md gives status
	field  string
}

// bodyEndpoint is a route that reads a JSON body; ok is a valid body, which
// must succeed once the bad rows are done, so that they are known to fail
// for what they name and not for a wrong path.
type bodyEndpoint struct {
	method, path string
	ok           any
}

// idEndpoint is a route whose path names something: pattern has {x} where
// the id goes, and body is valid, so the id is the only thing wrong.
type idEndpoint struct {
	method, pattern string
	body            any
}

// TestBadInput sends every endpoint malformed, mistyped, unknown, missing,
// oversized and invisible input, and checks each answer is the one error
// shape with the right 4xx, and that the database is exactly as before.
func TestBadInput(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := newFixture(t, e)
		f.addSpares(t)
		rows, bodies := badRows(f)
		covered := map[string]bool{}
		tokens := map[string]string{"": f.adminTok, "agentA": f.aTok, "agentB": f.bTok, "nobody": ""}
		before := dbState(t, e)
		for _, row := range rows {
			t.Run(row.name, func(t *testing.T) {
				if r := routeOf(e, row.method, row.path); r != "" {
					covered[r] = true
				}
				resp := e.Call(t, tokens[row.as], row.method, row.path, row.body)
				code := row.code
				if code == "" {
					code = codeFor[row.status]
				}
				checkError(t, resp, row.status, code, row.field)
				after := dbState(t, e)
				if d := stateDiff(before, after); d != "" {
					t.Errorf("%s %s answered %d but changed the database:%s", row.method, row.path, resp.Status, d)
					before = after
				}
			})
		}
		checkCovered(t, e, "bad input", covered)
		for _, ep := range bodies {
			if r := e.Call(t, f.adminTok, ep.method, ep.path, ep.ok); r.Status >= 300 {
				t.Errorf("%s %s with a valid body: %d %s", ep.method, ep.path, r.Status, r.Body)
			}
		}
	})
}

func badRows(f *fixture) ([]badReq, []bodyEndpoint) {
	a, b, p := convPath(f.convA), convPath(f.convB), convPath(f.closed)
	contact := fmt.Sprintf(api+"/contacts/%d", f.alice)
	team := fmt.Sprintf(api+"/teams/%d", f.team)
	inbox := fmt.Sprintf(api+"/inboxes/%d", f.inboxA)
	attr := fmt.Sprintf(api+"/contact-attributes/%d", f.attrDef)
	future := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
	msg := func(body string) map[string]any { return map[string]any{"body": body} }
	newConv := func(change func(m map[string]any)) map[string]any {
		m := map[string]any{"inbox_id": f.inboxA, "contact": map[string]any{"email": "new@example.com"},
			"subject": "Hi", "message": map[string]any{"body": "Hello"}}
		if change != nil {
			change(m)
		}
		return m
	}
	long := func(n int) string { return strings.Repeat("x", n) }

	var rows []badReq

	// Every route that reads a body gets the same abuse.
	bodies := []bodyEndpoint{
		{"POST", api + "/auth/login", map[string]any{"email": "admin@parley.test", "password": "password123"}},
		{"POST", api + "/me/tokens", map[string]any{"name": "cli"}},
		{"POST", api + "/users", map[string]any{"email": "u@x.io", "name": "U", "role": "agent"}},
		{"PATCH", fmt.Sprintf(api+"/users/%d", f.agentA.UserID), map[string]any{"name": "A"}},
		{"POST", api + "/teams", map[string]any{"name": "T2"}},
		{"POST", team + "/members", map[string]any{"user_id": f.agentB.UserID}},
		{"POST", api + "/inboxes", map[string]any{"name": "I", "channel": "chat"}},
		{"PATCH", inbox, map[string]any{"name": "I"}},
		{"POST", inbox + "/members", map[string]any{"user_id": f.agentB.UserID}},
		{"POST", api + "/contacts", map[string]any{"name": "C"}},
		{"PATCH", contact, map[string]any{"name": "C"}},
		{"POST", contact + "/merge", map[string]any{"other_id": f.bob}},
		{"POST", api + "/conversations", newConv(nil)},
		{"PATCH", a, map[string]any{"priority": "high"}},
		{"POST", a + "/tags", map[string]any{"tags": []string{"vip"}}},
		{"POST", a + "/messages", msg("Thanks")},
		{"POST", api + "/conversations/bulk", map[string]any{"ids": []int64{f.convA}, "set": map[string]any{"priority": "high"}}},
		{"POST", a + "/presence", map[string]any{"state": "viewing"}},
		{"POST", convPath(f.mergeable) + "/merge", map[string]any{"into_id": f.convP}},
		{"POST", convPath(f.splittable) + "/split", map[string]any{"message_ids": []int64{f.splitMsg}}},
		{"POST", api + "/views", map[string]any{"name": "V", "filter": map[string]any{"status": []string{"new"}}}},
		{"PATCH", fmt.Sprintf(api+"/views/%d", f.view), map[string]any{"name": "W"}},
		{"POST", contact + "/notes", map[string]any{"body": "Prefers email"}},
		{"POST", contact + "/identities", map[string]any{"kind": "external", "value": "crm-1"}},
		{"POST", api + "/contact-attributes", map[string]any{"key": "seats", "label": "Seats", "type": "number"}},
		{"PATCH", attr, map[string]any{"label": "Level"}},
		{"POST", a + "/calls", map[string]any{"direction": "outbound", "outcome": "answered", "duration_seconds": 60}},
		{"POST", api + "/business-hours", map[string]any{"name": "Nights", "time_zone": "UTC", "week": officeWeek()}},
		{"PATCH", fmt.Sprintf(api+"/business-hours/%d", f.hours), map[string]any{"name": "Office hours"}},
		{"POST", api + "/sla-policies", map[string]any{"name": "Gold", "first_response": "1h"}},
		{"PATCH", fmt.Sprintf(api+"/sla-policies/%d", f.policy), map[string]any{"name": "Silver"}},
		{"POST", a + "/escalate", map[string]any{"note": "Needs a supervisor", "to_team_id": f.team}},
		{"POST", a + "/handoff", map[string]any{"note": "Over to you", "to_user_id": f.sup.UserID}},
		{"POST", a + "/followers", map[string]any{}},
	}
	bodies = append(bodies, automationBodies(f)...)
	// Last: its valid call erases Alice, after which her other routes refuse.
	bodies = append(bodies, bodyEndpoint{"POST", contact + "/erase", map[string]any{"reason": "Customer request"}})
	huge := `{"name":"` + strings.Repeat("a", 1<<20) + `"}`
	for _, ep := range bodies {
		at := ep.method + " " + ep.path
		rows = append(rows,
			badReq{name: at + " malformed JSON", method: ep.method, path: ep.path, body: `{"name":`, status: 400},
			badReq{name: at + " not JSON", method: ep.method, path: ep.path, body: `name=x`, status: 400},
			badReq{name: at + " a list", method: ep.method, path: ep.path, body: `[1,2]`, status: 400},
			badReq{name: at + " null", method: ep.method, path: ep.path, body: `null`, status: 400},
			badReq{name: at + " empty", method: ep.method, path: ep.path, body: ``, status: 400},
			badReq{name: at + " two values", method: ep.method, path: ep.path, body: `{} {}`, status: 400},
			badReq{name: at + " trailing garbage", method: ep.method, path: ep.path, body: `{} x`, status: 400},
			badReq{name: at + " unknown field", method: ep.method, path: ep.path, body: `{"bogus":1}`, status: 400, field: "bogus"},
			badReq{name: at + " over 1 MiB", method: ep.method, path: ep.path, body: huge, status: 413},
		)
	}

	// Every route with an id in its path: unknown and malformed ids are 404.
	ids := []idEndpoint{
		{"GET", api + "/users/{x}", nil},
		{"PATCH", api + "/users/{x}", map[string]any{"name": "N"}},
		{"GET", api + "/teams/{x}", nil},
		{"POST", api + "/teams/{x}/members", map[string]any{"user_id": f.agentB.UserID}},
		{"DELETE", api + "/teams/{x}/members/" + fmt.Sprint(f.agentA.UserID), nil},
		{"DELETE", team + "/members/{x}", nil},
		{"GET", api + "/inboxes/{x}", nil},
		{"PATCH", api + "/inboxes/{x}", map[string]any{"name": "N"}},
		{"POST", api + "/inboxes/{x}/members", map[string]any{"user_id": f.agentB.UserID}},
		{"DELETE", api + "/inboxes/{x}/members/" + fmt.Sprint(f.agentA.UserID), nil},
		{"DELETE", inbox + "/members/{x}", nil},
		{"GET", api + "/contacts/{x}", nil},
		{"PATCH", api + "/contacts/{x}", map[string]any{"name": "N"}},
		{"GET", api + "/contacts/{x}/conversations", nil},
		{"POST", api + "/contacts/{x}/merge", map[string]any{"other_id": f.bob}},
		{"GET", api + "/conversations/{x}", nil},
		{"PATCH", api + "/conversations/{x}", map[string]any{"priority": "high"}},
		{"POST", api + "/conversations/{x}/tags", map[string]any{"tags": []string{"vip"}}},
		{"DELETE", api + "/conversations/{x}/tags/billing", nil},
		{"GET", api + "/conversations/{x}/messages", nil},
		{"POST", api + "/conversations/{x}/messages", msg("Thanks")},
		{"GET", api + "/conversations/{x}/events", nil},
		{"POST", api + "/conversations/{x}/presence", map[string]any{"state": "viewing"}},
		{"POST", api + "/conversations/{x}/merge", map[string]any{"into_id": f.convP}},
		{"POST", api + "/conversations/{x}/unmerge", nil},
		{"POST", api + "/conversations/{x}/split", map[string]any{"message_ids": []int64{1}}},
		{"GET", api + "/views/{x}", nil},
		{"GET", api + "/conversations/bulk/{x}", nil},
		{"GET", api + "/conversations/{x}/duplicates", nil},
		{"POST", api + "/conversations/bulk/{x}/undo", nil},
		{"PATCH", api + "/views/{x}", map[string]any{"name": "N"}},
		{"DELETE", api + "/views/{x}", nil},
		{"POST", api + "/contacts/{x}/unmerge", nil},
		{"GET", api + "/contacts/{x}/merges", nil},
		{"GET", api + "/contacts/{x}/duplicates", nil},
		{"GET", api + "/contacts/{x}/timeline", nil},
		{"GET", api + "/contacts/{x}/notes", nil},
		{"POST", api + "/contacts/{x}/notes", map[string]any{"body": "N"}},
		{"GET", api + "/contacts/{x}/identities", nil},
		{"POST", api + "/contacts/{x}/identities", map[string]any{"kind": "external", "value": "crm-2"}},
		{"DELETE", api + "/contacts/{x}/identities/" + fmt.Sprint(f.aliceIdentity), nil},
		{"DELETE", contact + "/identities/{x}", nil},
		{"GET", api + "/contacts/{x}/export", nil},
		{"POST", api + "/contacts/{x}/erase", map[string]any{"reason": "Customer request"}},
		{"GET", api + "/contacts/{x}/erasure", nil},
		{"PATCH", api + "/contact-attributes/{x}", map[string]any{"label": "L"}},
		{"DELETE", api + "/contact-attributes/{x}", nil},
		{"GET", api + "/attachments/{x}", nil},
		{"GET", api + "/inboxes/{x}/deliveries", nil},
		{"POST", api + "/inboxes/{x}/deliveries/1/retry", nil},
		{"POST", inbox + "/deliveries/{x}/retry", nil},
		{"GET", api + "/conversations/{x}/calls", nil},
		{"POST", api + "/conversations/{x}/calls", map[string]any{"direction": "inbound", "outcome": "missed"}},
		{"GET", api + "/business-hours/{x}", nil},
		{"PATCH", api + "/business-hours/{x}", map[string]any{"name": "N"}},
		{"DELETE", api + "/business-hours/{x}", nil},
		{"GET", api + "/sla-policies/{x}", nil},
		{"PATCH", api + "/sla-policies/{x}", map[string]any{"name": "N"}},
		{"DELETE", api + "/sla-policies/{x}", nil},
		{"GET", api + "/conversations/{x}/sla", nil},
		{"POST", api + "/conversations/{x}/escalate", map[string]any{"note": "N", "priority": "high"}},
		{"POST", api + "/conversations/{x}/handoff", map[string]any{"note": "N", "to_team_id": f.team}},
		{"GET", api + "/conversations/{x}/followers", nil},
		{"POST", api + "/conversations/{x}/followers", map[string]any{}},
		{"DELETE", api + "/conversations/{x}/followers/" + fmt.Sprint(f.admin.UserID), nil},
		{"DELETE", a + "/followers/{x}", nil},
		{"POST", api + "/notifications/{x}/read", nil},
	}
	ids = append(ids, automationIDs(f)...)
	for _, ep := range ids {
		for _, id := range []string{"999999", "abc", "0", "-1", "99999999999999999999"} {
			path := strings.Replace(ep.pattern, "{x}", id, 1)
			rows = append(rows, badReq{name: ep.method + " " + path, method: ep.method, path: path, body: ep.body, status: 404})
		}
		// A conversation of an inbox the agent is not in does not exist for them.
		if strings.HasPrefix(ep.pattern, api+"/conversations/{x}") {
			path := strings.Replace(ep.pattern, "{x}", fmt.Sprint(f.convA), 1)
			rows = append(rows, badReq{name: ep.method + " " + path + " of another inbox", as: "agentB",
				method: ep.method, path: path, body: ep.body, status: 404})
		}
	}

	badCursor := page.Encode(map[string]int{"id": -4})
	// The cursor of a well-formed sort, with a value no row can have.
	wildPriority := page.Encode(store.Cursor{Sort: "priority", Value: 99999, ID: 1})
	otherSort := page.Encode(store.Cursor{Sort: "created", Value: 1, ID: 1})

	rows = append(rows, []badReq{
		// Routes without input fail only without a caller.
		{name: "me without a caller", as: "nobody", method: "GET", path: api + "/me", status: 401},
		{name: "logout without a caller", as: "nobody", method: "POST", path: api + "/auth/logout", status: 401},

		// Routing.
		{name: "unknown endpoint", method: "GET", path: api + "/nothing-here", status: 404},
		{name: "wrong method", method: "PUT", path: a, body: `{}`, status: 405, code: "method_not_allowed"},

		// Login: type errors and text no database column can hold.
		{name: "login email not a string", as: "nobody", method: "POST", path: api + "/auth/login", body: `{"email":1,"password":"x"}`, status: 400, field: "email"},
		{name: "login email with NUL", as: "nobody", method: "POST", path: api + "/auth/login", body: `{"email":"a\u0000@x.io","password":"x"}`, status: 400},
		{name: "login missing password", as: "nobody", method: "POST", path: api + "/auth/login", body: `{"email":"admin@parley.test"}`, status: 401},

		// Tokens.
		{name: "token name not a string", method: "POST", path: api + "/me/tokens", body: `{"name":5}`, status: 400, field: "name"},
		{name: "token name too long", method: "POST", path: api + "/me/tokens", body: map[string]any{"name": long(101)}, status: 400, field: "name"},

		// Users.
		{name: "user missing email", method: "POST", path: api + "/users", body: map[string]any{"name": "U", "role": "agent"}, status: 400, field: "email"},
		{name: "user bad email", method: "POST", path: api + "/users", body: map[string]any{"email": "nope", "name": "U", "role": "agent"}, status: 400, field: "email"},
		{name: "user missing name", method: "POST", path: api + "/users", body: map[string]any{"email": "u@x.io", "role": "agent"}, status: 400, field: "name"},
		{name: "user missing role", method: "POST", path: api + "/users", body: map[string]any{"email": "u@x.io", "name": "U"}, status: 400, field: "role"},
		{name: "user unknown role", method: "POST", path: api + "/users", body: map[string]any{"email": "u@x.io", "name": "U", "role": "owner"}, status: 400, field: "role"},
		{name: "user role not a string", method: "POST", path: api + "/users", body: `{"email":"u@x.io","name":"U","role":1}`, status: 400, field: "role"},
		{name: "user short password", method: "POST", path: api + "/users", body: map[string]any{"email": "u@x.io", "name": "U", "role": "agent", "password": "short"}, status: 400, field: "password"},
		{name: "user negative capacity", method: "POST", path: api + "/users", body: map[string]any{"email": "u@x.io", "name": "U", "role": "agent", "capacity": -1}, status: 400, field: "capacity"},
		{name: "user capacity not a number", method: "POST", path: api + "/users", body: `{"email":"u@x.io","name":"U","role":"agent","capacity":"lots"}`, status: 400, field: "capacity"},
		{name: "user email taken", method: "POST", path: api + "/users", body: map[string]any{"email": "Agent.A@parley.test", "name": "U", "role": "agent"}, status: 409, field: "email"},
		{name: "user name with NUL", method: "POST", path: api + "/users", body: `{"email":"u@x.io","name":"U\u0000","role":"agent"}`, status: 400},
		{name: "patch user unknown role", method: "PATCH", path: fmt.Sprintf(api+"/users/%d", f.agentA.UserID), body: map[string]any{"role": "god"}, status: 400, field: "role"},
		{name: "patch user empty name", method: "PATCH", path: fmt.Sprintf(api+"/users/%d", f.agentA.UserID), body: map[string]any{"name": "  "}, status: 400, field: "name"},
		{name: "patch user capacity too big", method: "PATCH", path: fmt.Sprintf(api+"/users/%d", f.agentA.UserID), body: map[string]any{"capacity": 1001}, status: 400, field: "capacity"},
		{name: "patch user available not a bool", method: "PATCH", path: fmt.Sprintf(api+"/users/%d", f.agentA.UserID), body: `{"available":"yes"}`, status: 400, field: "available"},
		{name: "patch user short password", method: "PATCH", path: fmt.Sprintf(api+"/users/%d", f.agentA.UserID), body: map[string]any{"password": "short"}, status: 400, field: "password"},
		{name: "patch user email is read-only", method: "PATCH", path: fmt.Sprintf(api+"/users/%d", f.agentA.UserID), body: map[string]any{"email": "x@y.z"}, status: 400, field: "email"},
		{name: "patch user name ok but role bad", method: "PATCH", path: fmt.Sprintf(api+"/users/%d", f.agentA.UserID), body: map[string]any{"name": "Renamed", "role": "god"}, status: 400, field: "role"},
		{name: "users limit 0", method: "GET", path: api + "/users?limit=0", status: 400, field: "limit"},
		{name: "users limit 201", method: "GET", path: api + "/users?limit=201", status: 400, field: "limit"},
		{name: "users limit not a number", method: "GET", path: api + "/users?limit=ten", status: 400, field: "limit"},
		{name: "users cursor garbage", method: "GET", path: api + "/users?cursor=%21%21", status: 400, field: "cursor"},
		{name: "users cursor negative id", method: "GET", path: api + "/users?cursor=" + badCursor, status: 400, field: "cursor"},
		{name: "users unknown filter", method: "GET", path: api + "/users?role=agent", status: 400, field: "role"},

		// Teams.
		{name: "team missing name", method: "POST", path: api + "/teams", body: `{}`, status: 400, field: "name"},
		{name: "team name too long", method: "POST", path: api + "/teams", body: map[string]any{"name": long(101)}, status: 400, field: "name"},
		{name: "team name not a string", method: "POST", path: api + "/teams", body: `{"name":["x"]}`, status: 400, field: "name"},
		{name: "team name taken", method: "POST", path: api + "/teams", body: map[string]any{"name": "Tier 1"}, status: 409, field: "name"},
		{name: "team name with NUL", method: "POST", path: api + "/teams", body: `{"name":"T\u0000"}`, status: 400},
		{name: "team member missing user_id", method: "POST", path: team + "/members", body: `{}`, status: 400, field: "user_id"},
		{name: "team member user_id not a number", method: "POST", path: team + "/members", body: `{"user_id":"7"}`, status: 400, field: "user_id"},
		{name: "team member unknown user", method: "POST", path: team + "/members", body: map[string]any{"user_id": 999999}, status: 400, field: "user_id"},
		{name: "team remove non-member", method: "DELETE", path: fmt.Sprintf("%s/members/%d", team, f.agentB.UserID), status: 404},
		{name: "teams unknown filter", method: "GET", path: api + "/teams?name=x", status: 400, field: "name"},

		// Inboxes.
		{name: "inbox unknown channel", method: "POST", path: api + "/inboxes", body: map[string]any{"name": "I", "channel": "fax"}, status: 400, field: "channel"},
		{name: "inbox missing channel", method: "POST", path: api + "/inboxes", body: map[string]any{"name": "I"}, status: 400, field: "channel"},
		{name: "inbox channel not a string", method: "POST", path: api + "/inboxes", body: `{"name":"I","channel":2}`, status: 400, field: "channel"},
		{name: "inbox missing name", method: "POST", path: api + "/inboxes", body: map[string]any{"channel": "chat"}, status: 400, field: "name"},
		{name: "inbox settings not an object", method: "POST", path: api + "/inboxes", body: `{"name":"I","channel":"chat","settings":[1]}`, status: 400, field: "settings"},
		{name: "inbox bad duration", method: "POST", path: api + "/inboxes", body: map[string]any{"name": "I", "channel": "chat", "auto_resolve_after": "soon"}, status: 400, field: "auto_resolve_after"},
		{name: "inbox zero duration", method: "POST", path: api + "/inboxes", body: map[string]any{"name": "I", "channel": "chat", "reopen_window": "0s"}, status: 400, field: "reopen_window"},
		{name: "patch inbox empty name", method: "PATCH", path: inbox, body: map[string]any{"name": " "}, status: 400, field: "name"},
		{name: "patch inbox settings null", method: "PATCH", path: inbox, body: `{"settings":null}`, status: 400, field: "settings"},
		{name: "patch inbox channel is fixed", method: "PATCH", path: inbox, body: map[string]any{"channel": "chat"}, status: 400, field: "channel"},
		{name: "patch inbox name ok but duration bad", method: "PATCH", path: inbox, body: map[string]any{"name": "Renamed", "auto_close_after": "forever"}, status: 400, field: "auto_close_after"},
		{name: "inbox member missing user_id", method: "POST", path: inbox + "/members", body: `{}`, status: 400, field: "user_id"},
		{name: "inbox member unknown user", method: "POST", path: inbox + "/members", body: map[string]any{"user_id": 999999}, status: 400, field: "user_id"},
		{name: "inbox remove non-member", method: "DELETE", path: fmt.Sprintf("%s/members/%d", inbox, f.agentB.UserID), status: 404},
		{name: "inboxes unknown filter", method: "GET", path: api + "/inboxes?channel=email", status: 400, field: "channel"},

		// Contacts.
		{name: "contact unknown type", method: "POST", path: api + "/contacts", body: map[string]any{"name": "C", "type": "alien"}, status: 400, field: "type"},
		{name: "contact type not a string", method: "POST", path: api + "/contacts", body: `{"name":"C","type":true}`, status: 400, field: "type"},
		{name: "contact bad email", method: "POST", path: api + "/contacts", body: map[string]any{"email": "not-an-email"}, status: 400, field: "email"},
		{name: "contact bad phone", method: "POST", path: api + "/contacts", body: map[string]any{"phone": "call me"}, status: 400, field: "phone"},
		{name: "contact attributes not an object", method: "POST", path: api + "/contacts", body: `{"name":"C","attributes":"x"}`, status: 400, field: "attributes"},
		{name: "contact with nothing", method: "POST", path: api + "/contacts", body: `{}`, status: 400, field: "name"},
		{name: "contact email taken", method: "POST", path: api + "/contacts", body: map[string]any{"email": f.aliceEmail}, status: 409, field: "email"},
		{name: "contact external id with NUL", method: "POST", path: api + "/contacts", body: `{"name":"C","external_id":"\u0000"}`, status: 400},
		{name: "patch contact unknown type", method: "PATCH", path: contact, body: map[string]any{"type": "alien"}, status: 400, field: "type"},
		{name: "patch contact empty name", method: "PATCH", path: contact, body: map[string]any{"name": ""}, status: 400, field: "name"},
		{name: "patch contact unknown identity kind", method: "PATCH", path: contact, body: map[string]any{"add_identities": []any{map[string]any{"kind": "fax", "value": "1"}}}, status: 400, field: "add_identities.kind"},
		{name: "patch contact bad identity email", method: "PATCH", path: contact, body: map[string]any{"add_identities": []any{map[string]any{"kind": "email", "value": "nope"}}}, status: 400, field: "add_identities.email"},
		// The rename must not survive the identity conflict.
		{name: "patch contact rename with taken email", method: "PATCH", path: contact, body: map[string]any{"name": "Alice B", "add_identities": []any{map[string]any{"kind": "email", "value": "bob@example.com"}}}, status: 409, field: "email"},
		{name: "merge missing other_id", method: "POST", path: contact + "/merge", body: `{}`, status: 400, field: "other_id"},
		{name: "merge into itself", method: "POST", path: contact + "/merge", body: map[string]any{"other_id": f.alice}, status: 400, field: "other_id"},
		{name: "merge other_id not a number", method: "POST", path: contact + "/merge", body: `{"other_id":"2"}`, status: 400, field: "other_id"},
		{name: "merge unknown other", method: "POST", path: contact + "/merge", body: map[string]any{"other_id": 999999}, status: 404},
		{name: "contacts unknown type", method: "GET", path: api + "/contacts?type=alien", status: 400, field: "type"},
		{name: "contacts limit 0", method: "GET", path: api + "/contacts?limit=0", status: 400, field: "limit"},
		{name: "contacts cursor garbage", method: "GET", path: api + "/contacts?cursor=xyz", status: 400, field: "cursor"},
		{name: "contacts unknown filter", method: "GET", path: api + "/contacts?email=a@b.c", status: 400, field: "email"},
		{name: "contacts query with NUL", method: "GET", path: api + "/contacts?q=%00", status: 400},
		{name: "contact conversations bad status", method: "GET", path: contact + "/conversations?status=archived", status: 400, field: "status"},
		{name: "contact conversations unknown filter", method: "GET", path: contact + "/conversations?bogus=1", status: 400, field: "bogus"},
		{name: "contact conversations bad cursor", method: "GET", path: contact + "/conversations?cursor=%25", status: 400, field: "cursor"},

		// Customer profiles (contacts.md).
		{name: "patch contact unknown attribute", method: "PATCH", path: contact, body: map[string]any{"attributes": map[string]any{"nope": "x"}}, status: 400, field: "attributes.nope"},
		{name: "patch contact attribute wrong type", method: "PATCH", path: contact, body: map[string]any{"attributes": map[string]any{"tier": 3}}, status: 400, field: "attributes.tier"},
		{name: "patch contact attribute not a choice", method: "PATCH", path: contact, body: map[string]any{"attributes": map[string]any{"tier": "bronze"}}, status: 400, field: "attributes.tier"},
		{name: "patch contact good and bad attribute", method: "PATCH", path: contact, body: map[string]any{"name": "Renamed", "attributes": map[string]any{"tier": "gold", "nope": 1}}, status: 400, field: "attributes.nope"},
		{name: "patch contact bad time zone", method: "PATCH", path: contact, body: map[string]any{"time_zone": "Mars/Olympus_Mons"}, status: 400, field: "time_zone"},
		{name: "patch contact Local time zone", method: "PATCH", path: contact, body: map[string]any{"time_zone": "Local"}, status: 400, field: "time_zone"},
		{name: "patch contact time zone path", method: "PATCH", path: contact, body: map[string]any{"time_zone": "../../etc/passwd"}, status: 400, field: "time_zone"},
		{name: "patch contact bad language", method: "PATCH", path: contact, body: map[string]any{"language": "english please"}, status: 400, field: "language"},
		{name: "patch contact bad lifecycle stage", method: "PATCH", path: contact, body: map[string]any{"lifecycle_stage": "prospect"}, status: 400, field: "lifecycle_stage"},
		{name: "patch contact bad preferred channel", method: "PATCH", path: contact, body: map[string]any{"preferred_channel": "fax"}, status: 400, field: "preferred_channel"},
		{name: "patch contact do_not_contact not a boolean", method: "PATCH", path: contact, body: `{"do_not_contact":"yes"}`, status: 400, field: "do_not_contact"},
		{name: "patch contact company too long", method: "PATCH", path: contact, body: map[string]any{"company": long(201)}, status: 400, field: "company"},
		{name: "create contact unknown attribute", method: "POST", path: api + "/contacts", body: map[string]any{"name": "C", "attributes": map[string]any{"nope": 1}}, status: 400, field: "attributes.nope"},
		{name: "create contact bad time zone", method: "POST", path: api + "/contacts", body: map[string]any{"name": "C", "time_zone": "Europe/Atlantis"}, status: 400, field: "time_zone"},
		{name: "unmerge a contact never merged", method: "POST", path: contact + "/unmerge", status: 409},
		{name: "note without a body", method: "POST", path: contact + "/notes", body: map[string]any{"body": "  "}, status: 400, field: "body"},
		{name: "note too long", method: "POST", path: contact + "/notes", body: map[string]any{"body": long(10001)}, status: 400, field: "body"},
		{name: "notes bad cursor", method: "GET", path: contact + "/notes?cursor=xyz", status: 400, field: "cursor"},
		{name: "notes unknown parameter", method: "GET", path: contact + "/notes?author=1", status: 400, field: "author"},
		{name: "identity unknown kind", method: "POST", path: contact + "/identities", body: map[string]any{"kind": "fax", "value": "1"}, status: 400, field: "kind"},
		{name: "identity bad email", method: "POST", path: contact + "/identities", body: map[string]any{"kind": "email", "value": "nope"}, status: 400, field: "value"},
		{name: "identity without a value", method: "POST", path: contact + "/identities", body: map[string]any{"kind": "phone"}, status: 400, field: "value"},
		{name: "identity of another contact", method: "POST", path: contact + "/identities", body: map[string]any{"kind": "email", "value": "bob@example.com"}, status: 409, field: "value"},
		{name: "remove the last identity", method: "DELETE", path: fmt.Sprintf("%s/identities/%d", contact, f.aliceIdentity), status: 409},
		{name: "remove another contact's identity", method: "DELETE", path: fmt.Sprintf(api+"/contacts/%d/identities/%d", f.bob, f.aliceIdentity), status: 404},
		{name: "timeline bad cursor", method: "GET", path: contact + "/timeline?cursor=xyz", status: 400, field: "cursor"},
		{name: "timeline cursor of another list", method: "GET", path: contact + "/timeline?cursor=" + page.Encode(map[string]int{"id": 4}), status: 400, field: "cursor"},
		{name: "timeline limit 0", method: "GET", path: contact + "/timeline?limit=0", status: 400, field: "limit"},
		{name: "timeline unknown parameter", method: "GET", path: contact + "/timeline?kind=call", status: 400, field: "kind"},
		{name: "export unknown parameter", method: "GET", path: contact + "/export?format=csv", status: 400, field: "format"},
		{name: "export by an agent", as: "agentA", method: "GET", path: contact + "/export", status: 403},
		{name: "erase without a reason", method: "POST", path: contact + "/erase", body: map[string]any{}, status: 400, field: "reason"},
		{name: "erase with a blank reason", method: "POST", path: contact + "/erase", body: map[string]any{"reason": "   "}, status: 400, field: "reason"},
		{name: "erase with a reason too long", method: "POST", path: contact + "/erase", body: map[string]any{"reason": long(1001)}, status: 400, field: "reason"},
		{name: "erase by an agent", as: "agentA", method: "POST", path: contact + "/erase", body: map[string]any{"reason": "Customer request"}, status: 403},
		{name: "erasure of a contact never erased", method: "GET", path: contact + "/erasure", status: 404},
		{name: "attribute bad key", method: "POST", path: api + "/contact-attributes", body: map[string]any{"key": "Plan!", "label": "Plan", "type": "text"}, status: 400, field: "key"},
		{name: "attribute bad type", method: "POST", path: api + "/contact-attributes", body: map[string]any{"key": "color", "label": "Color", "type": "color"}, status: 400, field: "type"},
		{name: "attribute without label", method: "POST", path: api + "/contact-attributes", body: map[string]any{"key": "color", "type": "text"}, status: 400, field: "label"},
		{name: "choice attribute without choices", method: "POST", path: api + "/contact-attributes", body: map[string]any{"key": "color", "label": "Color", "type": "choice"}, status: 400, field: "choices"},
		{name: "choice attribute repeating a choice", method: "POST", path: api + "/contact-attributes", body: map[string]any{"key": "color", "label": "Color", "type": "choice", "choices": []string{"red", "red"}}, status: 400, field: "choices"},
		{name: "text attribute with choices", method: "POST", path: api + "/contact-attributes", body: map[string]any{"key": "color", "label": "Color", "type": "text", "choices": []string{"red"}}, status: 400, field: "choices"},
		{name: "attribute key taken", method: "POST", path: api + "/contact-attributes", body: map[string]any{"key": "tier", "label": "Tier", "type": "text"}, status: 409, field: "key"},
		{name: "attribute by an agent", as: "agentA", method: "POST", path: api + "/contact-attributes", body: map[string]any{"key": "color", "label": "Color", "type": "text"}, status: 403},
		{name: "attribute patch empty label", method: "PATCH", path: attr, body: map[string]any{"label": ""}, status: 400, field: "label"},
		{name: "attribute patch no choices", method: "PATCH", path: attr, body: map[string]any{"choices": []string{}}, status: 400, field: "choices"},
		{name: "attribute patch type", method: "PATCH", path: attr, body: map[string]any{"type": "text"}, status: 400, field: "type"},
		{name: "attribute delete by an agent", as: "agentA", method: "DELETE", path: attr, status: 403},
		{name: "attributes unknown parameter", method: "GET", path: api + "/contact-attributes?type=text", status: 400, field: "type"},

		// Tags.
		{name: "tags unknown filter", method: "GET", path: api + "/tags?q=bill", status: 400, field: "q"},

		// Changing one's own password needs the current one.
		{name: "own password without the current one", as: "agentA", method: "PATCH", path: fmt.Sprintf(api+"/users/%d", f.agentA.UserID), body: map[string]any{"password": "newpassword1"}, status: 400, field: "current_password"},
		{name: "own password with a wrong current one", as: "agentA", method: "PATCH", path: fmt.Sprintf(api+"/users/%d", f.agentA.UserID), body: map[string]any{"password": "newpassword1", "current_password": "nope"}, status: 403, field: "current_password"},

		// Saved views.
		{name: "views counts not a boolean", method: "GET", path: api + "/views?counts=maybe", status: 400, field: "counts"},
		{name: "views unknown parameter", method: "GET", path: api + "/views?team=1", status: 400, field: "team"},
		{name: "view without a filter", method: "POST", path: api + "/views", body: map[string]any{"name": "V"}, status: 400, field: "filter"},
		{name: "view without a name", method: "POST", path: api + "/views", body: map[string]any{"filter": map[string]any{}}, status: 400, field: "name"},
		{name: "view unknown filter key", method: "POST", path: api + "/views", body: map[string]any{"name": "V", "filter": map[string]any{"colour": []string{"red"}}}, status: 400, field: "filter.colour"},
		{name: "view filter value not a list", method: "POST", path: api + "/views", body: `{"name":"V","filter":{"status":"open"}}`, status: 400},
		{name: "view bad status in filter", method: "POST", path: api + "/views", body: map[string]any{"name": "V", "filter": map[string]any{"status": []string{"archived"}}}, status: 400, field: "filter.status"},
		{name: "view bad group key", method: "POST", path: api + "/views", body: map[string]any{"name": "V", "filter": map[string]any{"any": []any{map[string]any{"size": []string{"xl"}}}}}, status: 400, field: "filter.any[0].size"},
		{name: "view unknown sort", method: "POST", path: api + "/views", body: map[string]any{"name": "V", "filter": map[string]any{}, "sort": "size"}, status: 400, field: "sort"},
		{name: "view unknown visibility", method: "POST", path: api + "/views", body: map[string]any{"name": "V", "filter": map[string]any{}, "visibility": "public"}, status: 400, field: "visibility"},
		{name: "team view without a team", method: "POST", path: api + "/views", body: map[string]any{"name": "V", "filter": map[string]any{}, "visibility": "team"}, status: 400, field: "team_id"},
		{name: "team view of an unknown team", method: "POST", path: api + "/views", body: map[string]any{"name": "V", "filter": map[string]any{}, "visibility": "team", "team_id": 9999}, status: 400, field: "team_id"},
		{name: "agent shares a view with everyone", as: "agentA", method: "POST", path: api + "/views", body: map[string]any{"name": "V", "filter": map[string]any{}, "visibility": "everyone"}, status: 403},
		{name: "another user's private view", as: "agentA", method: "GET", path: fmt.Sprintf(api+"/views/%d", f.view), status: 404},
		{name: "list by another user's private view", as: "agentA", method: "GET", path: fmt.Sprintf(api+"/conversations?view=%d", f.view), status: 400, field: "view"},
		{name: "list by a malformed view id", method: "GET", path: api + "/conversations?view=abc", status: 400, field: "view"},
		{name: "list filter not JSON", method: "GET", path: api + "/conversations?filter=%7Bstatus", status: 400, field: "filter"},

		// Creating conversations.
		{name: "conversation missing inbox", method: "POST", path: api + "/conversations", body: newConv(func(m map[string]any) { delete(m, "inbox_id") }), status: 400, field: "inbox_id"},
		{name: "conversation unknown inbox", method: "POST", path: api + "/conversations", body: newConv(func(m map[string]any) { m["inbox_id"] = 999999 }), status: 400, field: "inbox_id"},
		{name: "conversation inbox_id not a number", method: "POST", path: api + "/conversations", body: newConv(func(m map[string]any) { m["inbox_id"] = "1" }), status: 400, field: "inbox_id"},
		{name: "conversation missing contact", method: "POST", path: api + "/conversations", body: newConv(func(m map[string]any) { delete(m, "contact") }), status: 400, field: "contact"},
		{name: "conversation bad contact email", method: "POST", path: api + "/conversations", body: newConv(func(m map[string]any) { m["contact"] = map[string]any{"email": "nope"} }), status: 400, field: "contact.email"},
		{name: "conversation unknown contact id", method: "POST", path: api + "/conversations", body: newConv(func(m map[string]any) { m["contact"] = map[string]any{"id": 999999} }), status: 400, field: "contact.id"},
		{name: "conversation contact unknown field", method: "POST", path: api + "/conversations", body: newConv(func(m map[string]any) { m["contact"] = map[string]any{"mail": "a@b.c"} }), status: 400, field: "mail"},
		{name: "conversation unknown priority", method: "POST", path: api + "/conversations", body: newConv(func(m map[string]any) { m["priority"] = "meh" }), status: 400, field: "priority"},
		{name: "conversation subject too long", method: "POST", path: api + "/conversations", body: newConv(func(m map[string]any) { m["subject"] = long(501) }), status: 400, field: "subject"},
		{name: "conversation missing message", method: "POST", path: api + "/conversations", body: newConv(func(m map[string]any) { delete(m, "message") }), status: 400, field: "message.body"},
		{name: "conversation unknown message kind", method: "POST", path: api + "/conversations", body: newConv(func(m map[string]any) { m["message"] = map[string]any{"body": "x", "kind": "memo"} }), status: 400, field: "message.kind"},
		{name: "conversation starting with a note", method: "POST", path: api + "/conversations", body: newConv(func(m map[string]any) { m["message"] = map[string]any{"body": "x", "kind": "note"} }), status: 400, field: "message.kind"},
		{name: "conversation unknown direction", method: "POST", path: api + "/conversations", body: newConv(func(m map[string]any) { m["message"] = map[string]any{"body": "x", "direction": "sideways"} }), status: 400, field: "message.direction"},
		{name: "conversation message body with NUL", method: "POST", path: api + "/conversations", body: `{"inbox_id":1,"contact":{"email":"n@x.io"},"message":{"body":"a\u0000b"}}`, status: 400},
		// The customer must not be created when the conversation is refused.
		{name: "conversation in an inbox the agent is not in", as: "agentB", method: "POST", path: api + "/conversations", body: newConv(nil), status: 400, field: "inbox_id"},
		{name: "conversation incoming by hand in email inbox", as: "agentA", method: "POST", path: api + "/conversations", body: newConv(func(m map[string]any) { m["message"] = map[string]any{"body": "x", "direction": "incoming"} }), status: 403},

		// Changing conversations: each refusal leaves every field as it was.
		{name: "patch conversation unknown status", method: "PATCH", path: a, body: map[string]any{"status": "archived"}, status: 400, field: "status"},
		{name: "patch conversation status not a string", method: "PATCH", path: a, body: `{"status":1}`, status: 400, field: "status"},
		{name: "patch conversation unknown priority", method: "PATCH", path: a, body: map[string]any{"priority": "meh"}, status: 400, field: "priority"},
		{name: "patch conversation priority not a string", method: "PATCH", path: a, body: `{"priority":3}`, status: 400, field: "priority"},
		{name: "patch conversation assignee not a number", method: "PATCH", path: a, body: `{"assignee_id":"me"}`, status: 400, field: "assignee_id"},
		{name: "patch conversation assignee 0", method: "PATCH", path: a, body: map[string]any{"assignee_id": 0}, status: 400, field: "assignee_id"},
		{name: "patch conversation unknown assignee", method: "PATCH", path: a, body: map[string]any{"subject": "Changed", "priority": "urgent", "assignee_id": 999999}, status: 400, field: "assignee_id"},
		{name: "patch conversation assignee outside the inbox", method: "PATCH", path: a, body: map[string]any{"priority": "urgent", "assignee_id": f.agentB.UserID}, status: 400, field: "assignee_id"},
		{name: "patch conversation unknown team", method: "PATCH", path: a, body: map[string]any{"subject": "Changed", "team_id": 999999}, status: 400, field: "team_id"},
		{name: "patch conversation snooze in the past", method: "PATCH", path: a, body: map[string]any{"snoozed_until": "2020-01-01T00:00:00Z"}, status: 400, field: "snoozed_until"},
		{name: "patch conversation snooze not a time", method: "PATCH", path: a, body: map[string]any{"snoozed_until": "tomorrow"}, status: 400},
		{name: "patch conversation subject too long", method: "PATCH", path: a, body: map[string]any{"subject": long(501)}, status: 400, field: "subject"},
		{name: "patch conversation subject with NUL", method: "PATCH", path: a, body: `{"subject":"a\u0000b"}`, status: 400},
		{name: "patch conversation nothing to change", method: "PATCH", path: a, body: `{}`, status: 400},
		{name: "patch conversation back to new", method: "PATCH", path: b, body: map[string]any{"priority": "urgent", "status": "new"}, status: 409},
		{name: "patch conversation resolve and snooze", method: "PATCH", path: a, body: map[string]any{"priority": "urgent", "status": "resolved", "snoozed_until": future}, status: 409},
		{name: "patch closed conversation", method: "PATCH", path: p, body: map[string]any{"priority": "urgent"}, status: 409},
		{name: "reopen closed conversation", method: "PATCH", path: p, body: map[string]any{"status": "open"}, status: 409},

		// Tags on conversations.
		{name: "tags missing", method: "POST", path: a + "/tags", body: `{}`, status: 400, field: "tags"},
		{name: "tags empty", method: "POST", path: a + "/tags", body: map[string]any{"tags": []string{}}, status: 400, field: "tags"},
		{name: "tags not a list", method: "POST", path: a + "/tags", body: map[string]any{"tags": "vip"}, status: 400, field: "tags"},
		{name: "tag with a comma", method: "POST", path: a + "/tags", body: map[string]any{"tags": []string{"ok", "a,b"}}, status: 400, field: "tags"},
		{name: "tag too long", method: "POST", path: a + "/tags", body: map[string]any{"tags": []string{long(51)}}, status: 400, field: "tags"},
		{name: "too many tags", method: "POST", path: a + "/tags", body: map[string]any{"tags": strings.Split(strings.Repeat("t,", 50)+"t", ",")}, status: 400, field: "tags"},
		{name: "tag with NUL", method: "POST", path: a + "/tags", body: `{"tags":["a\u0000b"]}`, status: 400},
		{name: "tag a closed conversation", method: "POST", path: p + "/tags", body: map[string]any{"tags": []string{"vip"}}, status: 409},
		{name: "remove a tag it does not have", method: "DELETE", path: a + "/tags/vip", status: 404},
		{name: "remove a malformed tag", method: "DELETE", path: a + "/tags/a,b", status: 400, field: "tag"},
		{name: "remove a NUL tag", method: "DELETE", path: a + "/tags/%00", status: 400},
		{name: "untag a closed conversation", method: "DELETE", path: p + "/tags/billing", status: 409},

		// Messages and events.
		{name: "message empty body", method: "POST", path: a + "/messages", body: msg("  "), status: 400, field: "body"},
		{name: "message body too long", method: "POST", path: a + "/messages", body: msg(long(100_001)), status: 400, field: "body"},
		{name: "message body not a string", method: "POST", path: a + "/messages", body: `{"body":42}`, status: 400, field: "body"},
		{name: "message unknown kind", method: "POST", path: a + "/messages", body: map[string]any{"body": "x", "kind": "memo"}, status: 400, field: "kind"},
		{name: "message unknown direction", method: "POST", path: a + "/messages", body: map[string]any{"body": "x", "direction": "sideways"}, status: 400, field: "direction"},
		{name: "incoming note", method: "POST", path: a + "/messages", body: map[string]any{"body": "x", "kind": "note", "direction": "incoming"}, status: 400, field: "kind"},
		{name: "message sets status new", method: "POST", path: a + "/messages", body: map[string]any{"body": "x", "status": "new"}, status: 400, field: "status"},
		{name: "customer message sets status", method: "POST", path: b + "/messages", body: map[string]any{"body": "x", "direction": "incoming", "status": "open"}, status: 400, field: "status"},
		{name: "message with template", method: "POST", path: a + "/messages", body: map[string]any{"template_id": 99999}, status: 400, field: "template_id"},
		{name: "message body with NUL", method: "POST", path: a + "/messages", body: `{"body":"a\u0000b"}`, status: 400},
		{name: "message on closed conversation", method: "POST", path: p + "/messages", body: msg("x"), status: 409},
		{name: "incoming by hand in email inbox", as: "agentA", method: "POST", path: a + "/messages", body: map[string]any{"body": "x", "direction": "incoming"}, status: 403},
		{name: "messages limit 0", method: "GET", path: a + "/messages?limit=0", status: 400, field: "limit"},
		{name: "messages cursor garbage", method: "GET", path: a + "/messages?cursor=nope", status: 400, field: "cursor"},
		{name: "messages unknown filter", method: "GET", path: a + "/messages?kind=note", status: 400, field: "kind"},
		{name: "events limit too big", method: "GET", path: a + "/events?limit=1000", status: 400, field: "limit"},
		{name: "events cursor negative id", method: "GET", path: a + "/events?cursor=" + badCursor, status: 400, field: "cursor"},
		{name: "events unknown filter", method: "GET", path: a + "/events?action=x", status: 400, field: "action"},

		// Collision control: a reply over a message the author has not seen.
		{name: "message over an unseen message", method: "POST", path: a + "/messages", body: map[string]any{"body": "x", "last_seen_message_id": 0}, status: 409, field: "last_seen_message_id"},
		{name: "message last seen not a number", method: "POST", path: a + "/messages", body: `{"body":"x","last_seen_message_id":"1"}`, status: 400, field: "last_seen_message_id"},
		{name: "presence unknown state", method: "POST", path: a + "/presence", body: map[string]any{"state": "asleep"}, status: 400, field: "state"},
		{name: "presence missing state", method: "POST", path: a + "/presence", body: `{}`, status: 400, field: "state"},

		// Merge, unmerge and split refuse what cannot be undone or makes no sense.
		{name: "merge into itself", method: "POST", path: a + "/merge", body: map[string]any{"into_id": f.convA}, status: 400, field: "into_id"},
		{name: "merge without a target", method: "POST", path: a + "/merge", body: `{}`, status: 400, field: "into_id"},
		{name: "merge into an unknown conversation", method: "POST", path: a + "/merge", body: map[string]any{"into_id": 999999}, status: 400, field: "into_id"},
		{name: "merge into another inbox's conversation", as: "agentA", method: "POST", path: a + "/merge", body: map[string]any{"into_id": f.convB}, status: 400, field: "into_id"},
		{name: "merge into a closed conversation", method: "POST", path: a + "/merge", body: map[string]any{"into_id": f.closed}, status: 409},
		{name: "merge into_id not a number", method: "POST", path: a + "/merge", body: `{"into_id":"2"}`, status: 400, field: "into_id"},
		{name: "unmerge what was never merged", method: "POST", path: a + "/unmerge", status: 409},
		{name: "split nothing", method: "POST", path: a + "/split", body: map[string]any{"message_ids": []int64{}}, status: 400, field: "message_ids"},
		{name: "split every message out", method: "POST", path: a + "/split", body: map[string]any{"message_ids": []int64{1}}, status: 400, field: "message_ids"},
		{name: "split a message of another conversation", method: "POST", path: a + "/split", body: map[string]any{"message_ids": []int64{999999}}, status: 400, field: "message_ids"},
		{name: "split too many", method: "POST", path: a + "/split", body: map[string]any{"message_ids": make([]int64, 501)}, status: 400, field: "message_ids"},
		{name: "split a closed conversation", method: "POST", path: convPath(f.closed) + "/split", body: map[string]any{"message_ids": []int64{1}}, status: 409},

		// Bulk changes refuse the whole request when the request is wrong.
		{name: "bulk missing ids", method: "POST", path: api + "/conversations/bulk", body: map[string]any{"set": map[string]any{"priority": "high"}}, status: 400, field: "ids"},
		{name: "bulk empty ids", method: "POST", path: api + "/conversations/bulk", body: map[string]any{"ids": []int64{}, "set": map[string]any{"priority": "high"}}, status: 400, field: "ids"},
		{name: "bulk too many ids", method: "POST", path: api + "/conversations/bulk", body: map[string]any{"ids": make([]int64, 501), "set": map[string]any{"priority": "high"}}, status: 400, field: "ids"},
		{name: "bulk ids not numbers", method: "POST", path: api + "/conversations/bulk", body: `{"ids":["1"],"set":{"priority":"high"}}`, status: 400, field: "ids"},
		{name: "bulk by a bad filter", method: "POST", path: api + "/conversations/bulk", body: map[string]any{"filter": map[string]any{"colour": []string{"red"}}, "set": map[string]any{"priority": "high"}}, status: 400, field: "filter.colour"},
		{name: "bulk by a filter matching nothing", method: "POST", path: api + "/conversations/bulk", body: map[string]any{"filter": map[string]any{"tag": []string{"nosuchtag"}}, "set": map[string]any{"priority": "high"}}, status: 400, field: "filter"},
		{name: "bulk by ids and a filter", method: "POST", path: api + "/conversations/bulk", body: map[string]any{"ids": []int64{f.convA}, "filter": map[string]any{}, "set": map[string]any{"priority": "high"}}, status: 400, field: "filter"},
		{name: "duplicates with a parameter", method: "GET", path: a + "/duplicates?limit=5", status: 400, field: "limit"},
		{name: "bulk operation of someone else", as: "agentA", method: "GET", path: api + "/conversations/bulk/1", status: 404},
		{name: "undo a bulk operation that does not exist", method: "POST", path: api + "/conversations/bulk/999999/undo", status: 404},
		{name: "bulk nothing to change", method: "POST", path: api + "/conversations/bulk", body: map[string]any{"ids": []int64{f.convA}}, status: 400},
		{name: "bulk unknown status", method: "POST", path: api + "/conversations/bulk", body: map[string]any{"ids": []int64{f.convA}, "set": map[string]any{"status": "archived"}}, status: 400, field: "set.status"},
		{name: "bulk unknown priority", method: "POST", path: api + "/conversations/bulk", body: map[string]any{"ids": []int64{f.convA}, "set": map[string]any{"priority": "meh"}}, status: 400, field: "set.priority"},
		{name: "bulk subject", method: "POST", path: api + "/conversations/bulk", body: map[string]any{"ids": []int64{f.convA}, "set": map[string]any{"subject": "x"}}, status: 400, field: "set.subject"},
		{name: "bulk set unknown field", method: "POST", path: api + "/conversations/bulk", body: map[string]any{"ids": []int64{f.convA}, "set": map[string]any{"colour": "red"}}, status: 400, field: "colour"},
		{name: "bulk malformed add tag", method: "POST", path: api + "/conversations/bulk", body: map[string]any{"ids": []int64{f.convA}, "add_tags": []string{"a,b"}}, status: 400, field: "add_tags"},
		{name: "bulk malformed remove tag", method: "POST", path: api + "/conversations/bulk", body: map[string]any{"ids": []int64{f.convA}, "remove_tags": []string{" "}}, status: 400, field: "remove_tags"},
		{name: "bulk tag with NUL", method: "POST", path: api + "/conversations/bulk", body: `{"ids":[1],"add_tags":["a\u0000"]}`, status: 400},

		// The event stream answers errors before it starts streaming.
		{name: "stream bad last_event_id", method: "GET", path: api + "/events/stream?last_event_id=abc", status: 400, field: "last_event_id"},
		{name: "stream negative last_event_id", method: "GET", path: api + "/events/stream?last_event_id=-1", status: 400, field: "last_event_id"},

		// The conversation list.
		{name: "list unknown status", method: "GET", path: api + "/conversations?status=open,archived", status: 400, field: "status"},
		{name: "list bad assignee", method: "GET", path: api + "/conversations?assignee=bob", status: 400, field: "assignee"},
		{name: "list assignee twice", method: "GET", path: api + "/conversations?assignee=me&assignee=none", status: 400, field: "assignee"},
		{name: "list bad team", method: "GET", path: api + "/conversations?team=x", status: 400, field: "team"},
		{name: "list inbox 0", method: "GET", path: api + "/conversations?inbox=0", status: 400, field: "inbox"},
		{name: "list bad contact", method: "GET", path: api + "/conversations?contact=-3", status: 400, field: "contact"},
		{name: "list malformed tag", method: "GET", path: api + "/conversations?tag=" + strings.Repeat("x", 51), status: 400, field: "tag"},
		{name: "list NUL tag", method: "GET", path: api + "/conversations?tag=%00", status: 400},
		{name: "list unknown priority", method: "GET", path: api + "/conversations?priority=high,meh", status: 400, field: "priority"},
		{name: "list unknown channel", method: "GET", path: api + "/conversations?channel=fax", status: 400, field: "channel"},
		{name: "list bad snoozed", method: "GET", path: api + "/conversations?snoozed=maybe", status: 400, field: "snoozed"},
		{name: "list query too long", method: "GET", path: api + "/conversations?q=" + long(201), status: 400, field: "q"},
		{name: "list query with NUL", method: "GET", path: api + "/conversations?q=%00", status: 400},
		{name: "list unknown view", method: "GET", path: api + "/conversations?view=9999", status: 400, field: "view"},
		{name: "list unknown sort", method: "GET", path: api + "/conversations?sort=subject", status: 400, field: "sort"},
		{name: "list limit 0", method: "GET", path: api + "/conversations?limit=0", status: 400, field: "limit"},
		{name: "list limit 201", method: "GET", path: api + "/conversations?limit=201", status: 400, field: "limit"},
		{name: "list limit negative", method: "GET", path: api + "/conversations?limit=-1", status: 400, field: "limit"},
		{name: "list cursor garbage", method: "GET", path: api + "/conversations?cursor=***", status: 400, field: "cursor"},
		{name: "list cursor not JSON", method: "GET", path: api + "/conversations?cursor=" + page.Encode("x"), status: 400, field: "cursor"},
		{name: "list cursor of another sort", method: "GET", path: api + "/conversations?cursor=" + otherSort, status: 400, field: "cursor"},
		{name: "list cursor with impossible priority", method: "GET", path: api + "/conversations?sort=priority&cursor=" + wildPriority, status: 400, field: "cursor"},
		{name: "list unknown filter", method: "GET", path: api + "/conversations?state=open", status: 400, field: "state"},
		{name: "list several errors", method: "GET", path: api + "/conversations?status=x&limit=0&bogus=1", status: 400, field: "bogus"},

		// Calls logged by hand and the delivery log.
		{name: "call unknown direction", method: "POST", path: a + "/calls", body: map[string]any{"direction": "sideways", "outcome": "answered"}, status: 400, field: "direction"},
		{name: "call unknown outcome", method: "POST", path: a + "/calls", body: map[string]any{"direction": "inbound", "outcome": "great"}, status: 400, field: "outcome"},
		{name: "call negative duration", method: "POST", path: a + "/calls", body: map[string]any{"direction": "inbound", "outcome": "answered", "duration_seconds": -5}, status: 400, field: "duration_seconds"},
		{name: "call duration not a number", method: "POST", path: a + "/calls", body: `{"direction":"inbound","outcome":"answered","duration_seconds":"60"}`, status: 400, field: "duration_seconds"},
		{name: "call javascript recording", method: "POST", path: a + "/calls", body: map[string]any{"direction": "inbound", "outcome": "voicemail", "recording_url": "javascript:alert(1)"}, status: 400, field: "recording_url"},
		{name: "call notes too long", method: "POST", path: a + "/calls", body: map[string]any{"direction": "inbound", "outcome": "answered", "notes": long(10_001)}, status: 400, field: "notes"},
		{name: "call on a closed conversation", method: "POST", path: convPath(f.closed) + "/calls", body: map[string]any{"direction": "inbound", "outcome": "answered"}, status: 409},
		{name: "deliveries unknown parameter", method: "GET", path: fmt.Sprintf(api+"/inboxes/%d/deliveries?status=failed", f.inboxB), status: 400, field: "status"},
		{name: "deliveries limit 0", method: "GET", path: fmt.Sprintf(api+"/inboxes/%d/deliveries?limit=0", f.inboxB), status: 400, field: "limit"},
		{name: "deliveries bad cursor", method: "GET", path: fmt.Sprintf(api+"/inboxes/%d/deliveries?cursor=***", f.inboxB), status: 400, field: "cursor"},
		{name: "deliveries as an agent", as: "agentB", method: "GET", path: fmt.Sprintf(api+"/inboxes/%d/deliveries", f.inboxB), status: 403},
	}...)
	rows = append(rows, automationBadRows(f)...)
	rows = append(rows, slaBadRows(f)...)
	rows = append(rows, reportBadRows()...)
	rows = append(rows, reportWebBadRows(f)...)
	return rows, bodies
}

// TestBadInputMessages checks that errors say which field is wrong in words
// a person can act on, not in Go's vocabulary.
func TestBadInputMessages(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := newFixture(t, e)
		for _, c := range []struct {
			name, method, path string
			body               any
			field, reason      string
		}{
			{"wrong type", "PATCH", convPath(f.convA), `{"assignee_id":"x"}`, "assignee_id", "must be a number"},
			{"enum type", "POST", api + "/users", `{"role":7}`, "role", "must be a string"},
			{"list type", "POST", convPath(f.convA) + "/tags", `{"tags":"x"}`, "tags", "must be a list"},
			{"unknown field", "POST", api + "/contacts", `{"nmae":"x"}`, "nmae", "is not a known field"},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := e.Call(t, f.adminTok, c.method, c.path, c.body)
				var b errorShape
				r.Decode(t, &b)
				if got := b.Error.Fields[c.field]; got != c.reason {
					t.Errorf("fields.%s = %q, want %q (%s)", c.field, got, c.reason, r.Body)
				}
				if strings.Contains(b.Error.Message, "json:") || strings.Contains(b.Error.Message, "Go ") {
					t.Errorf("message leaks decoder internals: %q", b.Error.Message)
				}
			})
		}
	})
}

// TestPanicIsOneShape: a handler that panics answers a bare 500 in the one
// error shape, without the panic's text.
func TestPanicIsOneShape(t *testing.T) {
	// The panic is logged by design; keep it out of the test output.
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.DiscardHandler))
	h := httpapi.Recover(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("secret detail") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", api+"/me", nil))
	r := testutil.Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	checkError(t, r, http.StatusInternalServerError, "internal", "")
	if strings.Contains(string(r.Body), "secret") {
		t.Errorf("the 500 shows the panic: %s", r.Body)
	}
}
