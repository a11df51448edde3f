package automation_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
	"github.com/parley-hq/parley/internal/testutil"
)

const api = "/api/v1"

var ctx = testutil.Ctx()

type fixture struct {
	e               *testutil.Env
	admin, agent    model.Actor
	adminTok, agTok string
	inbox           int64
}

func setup(t *testing.T, e *testutil.Env) *fixture {
	f := &fixture{e: e}
	f.admin = e.User(t, "admin@parley.test", model.RoleAdmin)
	f.agent = e.User(t, "dana@parley.test", model.RoleAgent)
	_, err := e.Accounts.UpdateUser(ctx, model.System, f.agent.UserID, account.UserPatch{Name: ptr("Dana Scully")})
	testutil.NoErr(t, err)
	f.inbox = e.Inbox(t, "Support", model.ChannelAPI, f.agent)
	f.adminTok, f.agTok = e.Token(t, f.admin), e.Token(t, f.agent)
	return f
}

func ptr[T any](v T) *T { return &v }

// call sends a request and insists on the status.
func (f *fixture) call(t *testing.T, tok, method, path string, body any, want int) testutil.Response {
	t.Helper()
	r := f.e.Call(t, tok, method, path, body)
	if r.Status != want {
		t.Fatalf("%s %s = %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

// customer starts a conversation as the customer would.
func (f *fixture) customer(t *testing.T, name, email, subject, body string) model.Conversation {
	t.Helper()
	c, err := f.e.Conversations.Create(ctx, f.admin, conversation.CreateRequest{InboxID: f.inbox,
		Contact: contact.Ref{Name: name, Email: email}, Subject: subject,
		Message: conversation.MessageRequest{Body: body, Direction: "incoming"}})
	testutil.NoErr(t, err)
	got, err := f.e.Conversations.Get(ctx, f.admin, c.ID)
	testutil.NoErr(t, err)
	return got
}

func (f *fixture) events(t *testing.T, id int64) []model.Event {
	t.Helper()
	ev, err := f.e.Conversations.Events(ctx, f.admin, id, 0, 200)
	testutil.NoErr(t, err)
	return ev
}

func (f *fixture) messages(t *testing.T, id int64) []model.Message {
	t.Helper()
	m, err := f.e.Conversations.Messages(ctx, f.admin, id, 0, 200)
	testutil.NoErr(t, err)
	return m
}

func count(evs []model.Event, action string) int {
	n := 0
	for _, e := range evs {
		if e.Action == action {
			n++
		}
	}
	return n
}

func TestTemplatePreviewAndSend(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		c := f.customer(t, "Fox Mulder", "fox@example.com", "The truth", "Is it out there?")
		_, err := e.Contacts.CreateAttribute(ctx, f.admin, contact.AttributeDefCreateRequest{Key: "plan", Label: "Plan", Type: "text"})
		testutil.NoErr(t, err)
		_, err = e.Contacts.Update(ctx, f.admin, c.Contact.ID, contact.Patch{Attributes: json.RawMessage(`{"plan":"Gold"}`)})
		testutil.NoErr(t, err)

		var tp model.Template
		body := `Hi {{ contact.first_name }} ({{ contact.name }}, {{ contact.email }}, plan {{ contact.attributes.plan }}),
{{ agent.first_name }} / {{ agent.name }} here about #{{ conversation.number }} "{{ conversation.subject }}" in {{ inbox.name }}.
{% if inbox.within_business_hours %}We are open.{% else %}We are closed.{% endif %}`
		f.call(t, f.agTok, "POST", api+"/templates", map[string]any{"name": "Greeting", "body": body, "folder": "Openers"}, 201).Decode(t, &tp)
		if tp.Scope != "personal" || tp.OwnerID != f.agent.UserID || tp.Folder != "Openers" {
			t.Fatalf("template = %+v", tp)
		}
		var pv struct {
			Body    string
			Missing []string
		}
		f.call(t, f.agTok, "POST", fmt.Sprintf(api+"/templates/%d/preview", tp.ID), map[string]any{"conversation_id": c.ID}, 200).Decode(t, &pv)
		want := fmt.Sprintf(`Hi Fox (Fox Mulder, fox@example.com, plan Gold),
Dana / Dana Scully here about #%d "The truth" in Support.
We are open.`, c.ID)
		if pv.Body != want || len(pv.Missing) != 0 {
			t.Fatalf("preview = %q missing %v\nwant %q", pv.Body, pv.Missing, want)
		}

		// Sending by template_id renders for the conversation and counts the use.
		var msg model.Message
		f.call(t, f.agTok, "POST", fmt.Sprintf(api+"/conversations/%d/messages", c.ID), map[string]any{"template_id": tp.ID}, 201).Decode(t, &msg)
		if msg.Body != want {
			t.Fatalf("sent body = %q", msg.Body)
		}
		f.call(t, f.agTok, "GET", fmt.Sprintf(api+"/templates/%d", tp.ID), nil, 200).Decode(t, &tp)
		if tp.UsageCount != 1 || tp.LastUsedAt == nil {
			t.Fatalf("usage = %d %v", tp.UsageCount, tp.LastUsedAt)
		}

		// A variable with no value is flagged before sending, and refused when sent.
		var tp2 model.Template
		f.call(t, f.agTok, "POST", api+"/templates", map[string]any{"name": "Plan", "body": `Your tier: {{ contact.attributes.tier }}, {{ contact.first_name | default: "there" }}`}, 201).Decode(t, &tp2)
		f.call(t, f.agTok, "POST", fmt.Sprintf(api+"/templates/%d/preview", tp2.ID), map[string]any{"conversation_id": c.ID}, 200).Decode(t, &pv)
		if len(pv.Missing) != 1 || pv.Missing[0] != "contact.attributes.tier" {
			t.Fatalf("missing = %v", pv.Missing)
		}
		r := f.call(t, f.agTok, "POST", fmt.Sprintf(api+"/conversations/%d/messages", c.ID), map[string]any{"template_id": tp2.ID}, 400)
		if !strings.Contains(string(r.Body), "contact.attributes.tier") {
			t.Fatalf("refusal does not name the variable: %s", r.Body)
		}

		// A personal template is its owner's alone.
		f.call(t, f.adminTok, "GET", fmt.Sprintf(api+"/templates/%d", tp.ID), nil, 404)
		f.call(t, f.agTok, "POST", api+"/templates", map[string]any{"name": "All", "body": "x", "scope": "everyone"}, 403)
	})
}

func TestHostileTemplateInputIsInert(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		hostile := `<script>alert(1)</script>{{ agent.name }}{% include "/etc/passwd" %}`
		c := f.customer(t, hostile, "evil@example.com", "{{ 7 | times: 6 }}", "hi")
		var tp model.Template
		f.call(t, f.agTok, "POST", api+"/templates", map[string]any{"name": "Echo", "body": `Hello {{ contact.name }} re {{ conversation.subject }}`}, 201).Decode(t, &tp)
		var pv struct{ Body string }
		f.call(t, f.agTok, "POST", fmt.Sprintf(api+"/templates/%d/preview", tp.ID), map[string]any{"conversation_id": c.ID}, 200).Decode(t, &pv)
		want := "Hello " + hostile + " re {{ 7 | times: 6 }}"
		if pv.Body != want {
			t.Fatalf("hostile values were interpreted: %q, want %q", pv.Body, want)
		}
		// Templates cannot read files or loop without bound.
		for _, body := range []string{`{% include "/etc/passwd" %}`, `{% render "x" %}`, `{% for i in (1..100000000) %}x{% endfor %}`, `{% if contact.name %}unclosed`} {
			r := f.call(t, f.agTok, "POST", api+"/templates", map[string]any{"name": "Bad", "body": body}, 400)
			if r.ErrorCode() != "validation_failed" || !strings.Contains(string(r.Body), `"body"`) {
				t.Fatalf("%s: %s", body, r.Body)
			}
		}
		// The web app shows the reply as text.
		f.call(t, f.agTok, "POST", fmt.Sprintf(api+"/conversations/%d/messages", c.ID), map[string]any{"template_id": tp.ID}, 201)
		msgs := f.messages(t, c.ID)
		if got := msgs[len(msgs)-1].Body; got != want {
			t.Fatalf("stored body = %q", got)
		}
	})
}

func TestMacroAppliesInOneStep(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		c := f.customer(t, "Walter Skinner", "ws@example.com", "Refund", "I want my money back")
		c2 := f.customer(t, "Jeffrey Spender", "js@example.com", "Refund too", "Me too")
		var tp model.Template
		f.call(t, f.adminTok, "POST", api+"/templates", map[string]any{"name": "Refund done", "scope": "everyone",
			"body": `Hi {{ contact.first_name }}, your refund is on its way.`}, 201).Decode(t, &tp)
		var m model.Macro
		f.call(t, f.adminTok, "POST", api+"/macros", map[string]any{"name": "Refund and resolve", "template_id": tp.ID,
			"actions": map[string]any{"status": "resolved", "add_tags": []string{"Refund"}, "priority": "low", "assignee_id": f.agent.UserID}}, 201).Decode(t, &m)
		f.call(t, f.agTok, "POST", api+"/macros", map[string]any{"name": "x", "actions": map[string]any{"status": "open"}}, 403)
		f.call(t, f.adminTok, "POST", api+"/macros", map[string]any{"name": "empty"}, 400)

		var got model.Conversation
		f.call(t, f.agTok, "POST", fmt.Sprintf(api+"/conversations/%d/macros/%d", c.ID, m.ID), nil, 200).Decode(t, &got)
		if got.Status != model.StatusResolved || got.Priority != model.PriorityLow || got.AssigneeID == nil || len(got.Tags) != 1 || got.Tags[0] != "refund" {
			t.Fatalf("after macro: %+v", got)
		}
		msgs := f.messages(t, c.ID)
		if last := msgs[len(msgs)-1]; last.Body != "Hi Walter, your refund is on its way." || last.SenderID == nil || *last.SenderID != f.agent.UserID {
			t.Fatalf("macro reply = %+v", last)
		}
		if n := count(f.events(t, c.ID), "macro.applied"); n != 1 {
			t.Fatalf("macro.applied events = %d", n)
		}

		// In bulk, through the bulk endpoint.
		var op conversation.BulkOperation
		f.call(t, f.agTok, "POST", api+"/conversations/bulk", map[string]any{"ids": []int64{c2.ID}, "macro_id": m.ID}, 200).Decode(t, &op)
		if len(op.Updated) != 1 {
			t.Fatalf("bulk = %+v", op)
		}
		got2, _ := e.Conversations.Get(ctx, f.admin, c2.ID)
		if got2.Status != model.StatusResolved {
			t.Fatalf("bulk macro status = %s", got2.Status)
		}
		f.call(t, f.adminTok, "GET", fmt.Sprintf(api+"/macros/%d", m.ID), nil, 200).Decode(t, &m)
		if m.UsageCount != 2 {
			t.Fatalf("macro usage = %d", m.UsageCount)
		}
	})
}

func TestRulesRunOnCustomerMessage(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		team := f.call(t, f.adminTok, "POST", api+"/teams", map[string]any{"name": "Billing"}, 201).JSON(t)["id"].(float64)
		f.call(t, f.adminTok, "POST", api+"/automation-rules", map[string]any{
			"name": "Refunds to billing", "when": "conversation_created",
			"if": map[string]any{"all": []any{
				map[string]any{"field": "channel", "op": "is", "value": "api"},
				map[string]any{"any": []any{
					map[string]any{"field": "subject", "op": "contains", "value": []string{"refund", "chargeback"}},
					map[string]any{"field": "body", "op": "contains", "value": "money back"},
				}},
				map[string]any{"field": "within_business_hours", "op": "is", "value": true},
			}},
			"then": []any{map[string]any{"type": "assign_team", "value": team}, map[string]any{"type": "add_tag", "value": "billing"},
				map[string]any{"type": "set_priority", "value": "high"}, map[string]any{"type": "add_note", "value": "Routed by rule"}},
		}, 201)
		c := f.customer(t, "Alex Krycek", "ak@example.com", "Question", "I want my MONEY BACK")
		if c.TeamID == nil || int64(team) != *c.TeamID || c.Priority != model.PriorityHigh || len(c.Tags) != 1 {
			t.Fatalf("rule did not apply: %+v", c)
		}
		evs := f.events(t, c.ID)
		var ran *model.Event
		for i := range evs {
			if evs[i].Action == "automation.rule_ran" {
				ran = &evs[i]
			}
		}
		if ran == nil || !strings.Contains(string(ran.After), `"name":"Refunds to billing"`) || ran.ActorType != model.SenderSystem {
			t.Fatalf("no timeline record of the run: %+v", evs)
		}
		other := f.customer(t, "Marita", "m@example.com", "Hello", "Just saying hi")
		if other.TeamID != nil || len(other.Tags) != 0 {
			t.Fatalf("rule applied where it should not: %+v", other)
		}
	})
}

func TestRuleLoops(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		rule := func(name, from, to string) map[string]any {
			return map[string]any{"name": name, "when": "status_changed",
				"if":   map[string]any{"field": "status", "op": "is", "value": from},
				"then": []any{map[string]any{"type": "set_status", "value": to}}}
		}
		f.call(t, f.adminTok, "POST", api+"/automation-rules", rule("Reopen", "pending", "open"), 201)
		r := f.call(t, f.adminTok, "POST", api+"/automation-rules", rule("Park", "open", "pending"), 400)
		if !strings.Contains(string(r.Body), "loop") {
			t.Fatalf("cyclic rules: %s", r.Body)
		}
		// Should such rules exist anyway (written before this check), a
		// command still ends: each rule runs once, within the depth.
		testutil.NoErr(t, e.Store.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.CreateRule(ctx, model.AutomationRule{Name: "Park", Enabled: true, Trigger: "status_changed",
				Conditions: json.RawMessage(`{"field":"status","op":"is","value":"open"}`),
				Actions:    json.RawMessage(`[{"type":"set_status","value":"pending"}]`), CreatedAt: e.Clock.Now(), UpdatedAt: e.Clock.Now()})
			return err
		}))
		c := f.customer(t, "Monica", "mr@example.com", "Loop", "hello")
		f.call(t, f.agTok, "PATCH", fmt.Sprintf(api+"/conversations/%d", c.ID), map[string]any{"status": "pending"}, 200)
		evs := f.events(t, c.ID)
		if n := count(evs, "automation.rule_ran"); n != 2 {
			t.Fatalf("rule runs = %d, want each rule once", n)
		}
		// Invalid rules are refused.
		for _, bad := range []map[string]any{
			{"name": "x", "when": "sometime", "then": []any{map[string]any{"type": "add_tag", "value": "a"}}},
			{"name": "x", "when": "no_reply_for", "then": []any{map[string]any{"type": "add_tag", "value": "a"}}},
			{"name": "x", "when": "customer_message", "if": map[string]any{"field": "colour", "op": "is", "value": "red"}, "then": []any{map[string]any{"type": "add_tag", "value": "a"}}},
			{"name": "x", "when": "customer_message", "then": []any{map[string]any{"type": "launch", "value": "a"}}},
			{"name": "x", "when": "customer_message", "then": []any{map[string]any{"type": "assign_user", "value": 99999}}},
			{"name": "x", "when": "customer_message", "then": []any{map[string]any{"type": "webhook", "value": "ftp://x"}}},
		} {
			f.call(t, f.adminTok, "POST", api+"/automation-rules", bad, 400)
		}
	})
}
