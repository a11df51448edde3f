package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
)

const api = "/api/v1"

// fixture is a small helpdesk most tests start from. Inbox A (email) and
// inbox P (phone) have agent A as member; inbox B (api) has agent B. So for
// A's conversations, agent A is the member and agent B the non-member.
// convA is new and tagged billing, convB open, closed closed.
type fixture struct {
	e                            *testutil.Env
	admin, sup, agentA, agentB   model.Actor
	adminTok, supTok, aTok, bTok string
	inboxA, inboxB, inboxP       int64
	team                         int64
	convA, convB, convP, closed  int64
	alice, bob                   int64 // contacts of convA and convB
	// mergeable and splittable (with splitMsg, its second message) are
	// spare conversations of inbox A for merge and split.
	mergeable, splittable, splitMsg int64
	view                            int64 // the admin's private view
	// attrDef is a choice attribute "tier" (gold, silver); aliceIdentity is
	// Alice's one identity.
	attrDef, aliceIdentity int64
	aliceEmail             string
	userSeq, convSeq       int
	tpl, macro, rule       int64 // a shared template, a macro, a rule
	hours, policy          int64 // business hours and an SLA policy (slaSpares)
}

func newFixture(t *testing.T, e *testutil.Env) *fixture {
	t.Helper()
	f := &fixture{e: e}
	f.admin = e.User(t, "admin@parley.test", model.RoleAdmin)
	f.sup = e.User(t, "sup@parley.test", model.RoleSupervisor)
	f.agentA = e.User(t, "agent.a@parley.test", model.RoleAgent)
	f.agentB = e.User(t, "agent.b@parley.test", model.RoleAgent)
	f.adminTok, f.supTok = e.Token(t, f.admin), e.Token(t, f.sup)
	f.aTok, f.bTok = e.Token(t, f.agentA), e.Token(t, f.agentB)
	f.inboxA = e.Inbox(t, "Support", model.ChannelEmail, f.agentA)
	f.inboxB = e.Inbox(t, "Integrations", model.ChannelAPI, f.agentB)
	f.inboxP = e.Inbox(t, "Phone", model.ChannelPhone, f.agentA)

	var team struct{ ID int64 }
	f.call(t, f.adminTok, "POST", api+"/teams", map[string]any{"name": "Tier 1"}, http.StatusCreated).Decode(t, &team)
	f.team = team.ID
	f.call(t, f.adminTok, "POST", fmt.Sprintf(api+"/teams/%d/members", f.team), map[string]any{"user_id": f.agentA.UserID}, http.StatusOK)

	f.aliceEmail = "alice@example.com"
	c := f.conversation(t, f.inboxA, f.aliceEmail, "Refund please")
	f.convA, f.alice = c.ID, c.Contact.ID
	c = f.conversation(t, f.inboxB, "bob@example.com", "API question")
	f.convB, f.bob = c.ID, c.Contact.ID
	f.convP = f.conversation(t, f.inboxP, "carol@example.com", "Call back").ID
	f.closed = f.conversation(t, f.inboxA, "dave@example.com", "Old thread").ID
	f.call(t, f.adminTok, "PATCH", convPath(f.closed), map[string]any{"status": "closed"}, http.StatusOK)
	f.call(t, f.adminTok, "PATCH", convPath(f.convB), map[string]any{"status": "open"}, http.StatusOK)
	f.call(t, f.adminTok, "POST", convPath(f.convA)+"/tags", map[string]any{"tags": []string{"billing"}}, http.StatusOK)
	return f
}

// addSpares makes the spare conversations that merge and split use.
func (f *fixture) addSpares(t *testing.T) {
	t.Helper()
	var v struct{ ID int64 }
	f.call(t, f.adminTok, "POST", api+"/views", map[string]any{"name": "Mine", "filter": map[string]any{"status": []string{"open"}}}, http.StatusCreated).Decode(t, &v)
	f.view = v.ID
	f.mergeable = f.conversation(t, f.inboxA, "erin@example.com", "Duplicate").ID
	f.splittable = f.conversation(t, f.inboxA, "finn@example.com", "Two questions").ID
	var m struct{ ID int64 }
	f.call(t, f.adminTok, "POST", convPath(f.splittable)+"/messages", map[string]any{"body": "Second question", "direction": "incoming"}, http.StatusCreated).Decode(t, &m)
	f.splitMsg = m.ID
	var d struct{ ID int64 }
	f.call(t, f.adminTok, "POST", api+"/contact-attributes", map[string]any{"key": "tier", "label": "Tier", "type": "choice", "choices": []string{"gold", "silver"}}, http.StatusCreated).Decode(t, &d)
	f.attrDef = d.ID
	var ids struct{ Items []struct{ ID int64 } }
	f.call(t, f.adminTok, "GET", fmt.Sprintf(api+"/contacts/%d/identities", f.alice), nil, http.StatusOK).Decode(t, &ids)
	f.aliceIdentity = ids.Items[0].ID
	f.addAutomationSpares(t)
	f.slaSpares(t)
}

// conv is a conversation as the API shows it (model.Conversation cannot
// read its own priority back).
type conv struct {
	ID      int64  `json:"id"`
	InboxID int64  `json:"inbox_id"`
	Channel string `json:"channel"`
	Contact struct {
		ID int64 `json:"id"`
	} `json:"contact"`
	Subject        string    `json:"subject"`
	Status         string    `json:"status"`
	Priority       string    `json:"priority"`
	AssigneeID     *int64    `json:"assignee_id"`
	TeamID         *int64    `json:"team_id"`
	Tags           []string  `json:"tags"`
	MessageCount   int       `json:"message_count"`
	CreatedAt      time.Time `json:"created_at"`
	LastActivityAt time.Time `json:"last_activity_at"`
}

// conversation starts a conversation as the admin with a customer's first message.
func (f *fixture) conversation(t *testing.T, inbox int64, email, subject string) conv {
	t.Helper()
	var c conv
	f.call(t, f.adminTok, "POST", api+"/conversations", map[string]any{
		"inbox_id": inbox, "contact": map[string]any{"email": email}, "subject": subject,
		"message": map[string]any{"body": "Hello, " + subject, "direction": "incoming"},
	}, http.StatusCreated).Decode(t, &c)
	return c
}

// freshConv is a new conversation in inbox A for a test that changes it.
func (f *fixture) freshConv(t *testing.T) int64 {
	t.Helper()
	f.convSeq++
	return f.conversation(t, f.inboxA, fmt.Sprintf("fresh%d@example.com", f.convSeq), "Fresh").ID
}

// freshUser is a new agent that belongs to nothing.
func (f *fixture) freshUser(t *testing.T) int64 {
	t.Helper()
	f.userSeq++
	return f.e.User(t, fmt.Sprintf("fresh%d@parley.test", f.userSeq), model.RoleAgent).UserID
}

// call sends a request and fails the test unless it answers want.
func (f *fixture) call(t *testing.T, tok, method, path string, body any, want int, headers ...string) testutil.Response {
	t.Helper()
	r := f.e.Call(t, tok, method, path, body, headers...)
	if r.Status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

func convPath(id int64) string { return fmt.Sprintf(api+"/conversations/%d", id) }

// errorShape is the one error body of API.md; nothing else may appear.
type errorShape struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// checkError asserts status, code and the exact error shape; field, when
// not empty, must be named in error.fields.
func checkError(t *testing.T, r testutil.Response, status int, code, field string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status %d, want %d: %s", r.Status, status, r.Body)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	dec := json.NewDecoder(strings.NewReader(string(r.Body)))
	dec.DisallowUnknownFields()
	var b errorShape
	if err := dec.Decode(&b); err != nil {
		t.Errorf("error body is not the one error shape (%v): %s", err, r.Body)
		return
	}
	if b.Error.Code != code {
		t.Errorf("error.code %q, want %q: %s", b.Error.Code, code, r.Body)
	}
	if b.Error.Message == "" {
		t.Errorf("error.message is empty: %s", r.Body)
	}
	if field != "" {
		if _, ok := b.Error.Fields[field]; !ok {
			t.Errorf("error.fields has no %q: %s", field, r.Body)
		}
	}
}

// codeFor is the error code API.md gives each status.
var codeFor = map[int]string{
	http.StatusBadRequest:            "validation_failed",
	http.StatusUnauthorized:          "unauthenticated",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not_found",
	http.StatusConflict:              "conflict",
	http.StatusRequestEntityTooLarge: "too_large",
	http.StatusTooManyRequests:       "rate_limited",
}

// stateTables is everything a request could change, River's job table
// included (jobs are side effects too).
var stateTables = []string{"users", "teams", "team_members", "inboxes", "inbox_members", "contacts",
	"contact_identities", "conversations", "messages", "tags", "conversation_tags", "conversation_events",
	"api_tokens", "sessions", "idempotency_keys", "river_job", "views", "conversation_merges", "conversation_merge_messages", "bulk_operations", "bulk_changes",
	"contact_attribute_defs", "contact_notes", "contact_merges", "contact_erasures",
	"templates", "macros", "automation_rules", "inbox_automation", "csat_responses",
	"channel_keys", "channel_deliveries", "calls", "chat_visitors",
	"business_hours", "sla_policies", "sla_clocks", "sla_outcomes", "conversation_followers", "notifications", "report_facts", "weekly_report_sends"}

// dbState dumps every row of every table, so "changed nothing" is checked
// on the database itself rather than on what the API chooses to show.
func dbState(t *testing.T, e *testutil.Env) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, table := range stateTables {
		rows, err := e.Store.Reader.Query("SELECT * FROM " + table)
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("dump %s: %v", table, err)
			}
			var b strings.Builder
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, "%s=%v ", cols[i], v)
			}
			lines = append(lines, b.String())
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		rows.Close()
		sort.Strings(lines)
		out[table] = lines
	}
	return out
}

// stateDiff describes how two dumps differ, or is "" when they are equal.
func stateDiff(before, after map[string][]string) string {
	var b strings.Builder
	for _, table := range stateTables {
		if slices.Equal(before[table], after[table]) {
			continue
		}
		fmt.Fprintf(&b, "\n  table %s changed:", table)
		for _, l := range after[table] {
			if !slices.Contains(before[table], l) {
				fmt.Fprintf(&b, "\n    + %s", l)
			}
		}
		for _, l := range before[table] {
			if !slices.Contains(after[table], l) {
				fmt.Fprintf(&b, "\n    - %s", l)
			}
		}
	}
	return b.String()
}

// listIDs reads the ids of a list response's items.
func listIDs(t *testing.T, r testutil.Response) ([]int64, string) {
	t.Helper()
	var l struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	r.Decode(t, &l)
	ids := make([]int64, len(l.Items))
	for i, it := range l.Items {
		ids[i] = it.ID
	}
	return ids, l.NextCursor
}

// routeOf names the route pattern a request lands on, "" for none.
func routeOf(e *testutil.Env, method, path string) string {
	mux, ok := e.Handler.(*chi.Mux)
	if !ok {
		return ""
	}
	u, _ := url.Parse(path)
	p := mux.Find(chi.NewRouteContext(), method, u.EscapedPath())
	if p == "" {
		return ""
	}
	return method + " " + p
}

// apiRoutes lists every API route the router serves, as "METHOD pattern".
func apiRoutes(t *testing.T, e *testutil.Env) []string {
	t.Helper()
	mux, ok := e.Handler.(*chi.Mux)
	if !ok {
		t.Fatalf("the handler is a %T, not a chi router", e.Handler)
	}
	var out []string
	err := chi.Walk(mux, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.HasPrefix(route, api+"/") {
			out = append(out, method+" "+route)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// checkCovered fails when a route of the router is missing from covered,
// so a new endpoint cannot slip past the tables.
func checkCovered(t *testing.T, e *testutil.Env, what string, covered map[string]bool) {
	t.Helper()
	for _, r := range apiRoutes(t, e) {
		if !covered[r] {
			t.Errorf("%s: no scenario for %s", what, r)
		}
	}
}

// sharedView is a new view the admin shares with everyone.
func (f *fixture) sharedView(t *testing.T) int64 {
	t.Helper()
	var v struct{ ID int64 }
	f.call(t, f.adminTok, "POST", api+"/views", map[string]any{"name": "Shared", "filter": map[string]any{}, "visibility": "everyone"}, http.StatusCreated).Decode(t, &v)
	return v.ID
}
