package demo

import (
	"context"
	"encoding/json"

	"github.com/parley-hq/parley/internal/app"
	"github.com/parley-hq/parley/internal/automation"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/macro"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/template"
)

// seedAutomation gives the demo a few templates, macros and a rule, made
// after the conversations so the rule changes none of the seeded history.
func seedAutomation(ctx context.Context, a *app.App, admin model.Actor) error {
	everyone := model.ScopeEveryone
	ids := map[string]int64{}
	for _, t := range []struct{ name, folder, body string }{
		{"Greeting", "Openers", `Hi {{ contact.first_name | default: "there" }}, thanks for getting in touch about "{{ conversation.subject }}". {{ agent.first_name }} here, I'm looking into it now.`},
		{"Refund on its way", "Billing", `Hi {{ contact.first_name | default: "there" }}, your refund has been issued and should reach you in 3–5 working days. Reference: #{{ conversation.number }}.`},
		{"Anything else?", "Closing", `Is there anything else I can help you with, {{ contact.first_name | default: "there" }}? If not, I'll close this conversation. Best, {{ agent.name }}`},
	} {
		tp, err := a.Templates.Create(ctx, admin, template.Request{Name: &t.name, Folder: &t.folder, Body: &t.body, Scope: &everyone})
		if err != nil {
			return err
		}
		ids[t.name] = tp.ID
	}
	resolved, pending := model.StatusResolved, model.StatusPending
	for _, m := range []struct {
		name string
		tpl  string
		ch   conversation.Changes
	}{
		{"Refund issued and resolve", "Refund on its way", conversation.Changes{Status: &resolved, AddTags: []string{"refund"}}},
		{"Ask and wait for the customer", "Anything else?", conversation.Changes{Status: &pending}},
	} {
		name := m.name
		ch := m.ch
		if _, err := a.Macros.Create(ctx, admin, macro.Request{Name: &name, TemplateID: model.Nullable[int64]{Set: true, Value: ids[m.tpl]}, Actions: &ch}); err != nil {
			return err
		}
	}
	name, when := "Tag refund requests", conversation.TriggerCustomerMessage
	cond := json.RawMessage(`{"any": [{"field": "subject", "op": "contains", "value": ["refund", "chargeback"]}, {"field": "body", "op": "contains", "value": "money back"}]}`)
	then := []automation.Action{{Type: "add_tag", Value: json.RawMessage(`"refund"`)}}
	_, err := a.Automation.Create(ctx, admin, automation.Request{Name: &name, When: &when, If: &cond, Then: &then})
	return err
}
