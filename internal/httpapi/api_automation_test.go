package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"
)

// Route-coverage rows for templates, macros, automation rules, inbox
// routing and CSAT (issue #6), appended to the shared tables.

// addAutomationSpares makes a shared template, a macro and a rule.
func (f *fixture) addAutomationSpares(t *testing.T) {
	t.Helper()
	f.tpl = f.sharedTemplate(t)
	f.macro = f.newMacro(t)
	f.rule = f.newRule(t)
}

func (f *fixture) sharedTemplate(t *testing.T) int64 {
	t.Helper()
	var v struct{ ID int64 }
	f.call(t, f.adminTok, "POST", api+"/templates", map[string]any{"name": "Hello", "body": "Hi {{ contact.first_name | default: \"there\" }}", "scope": "everyone"}, http.StatusCreated).Decode(t, &v)
	return v.ID
}

func (f *fixture) newMacro(t *testing.T) int64 {
	t.Helper()
	var v struct{ ID int64 }
	f.call(t, f.adminTok, "POST", api+"/macros", map[string]any{"name": "Escalate", "actions": map[string]any{"priority": "urgent", "add_tags": []string{"escalated"}}}, http.StatusCreated).Decode(t, &v)
	return v.ID
}

func (f *fixture) newRule(t *testing.T) int64 {
	t.Helper()
	var v struct{ ID int64 }
	f.call(t, f.adminTok, "POST", api+"/automation-rules", map[string]any{"name": "Tag VIPs", "when": "customer_message",
		"if": map[string]any{"field": "contact_type", "op": "is", "value": "vip"}, "then": []any{map[string]any{"type": "add_tag", "value": "vip"}}}, http.StatusCreated).Decode(t, &v)
	return v.ID
}

// surveyed is a resolved conversation of inbox A with a CSAT survey.
func (f *fixture) surveyed(t *testing.T) int64 {
	t.Helper()
	f.call(t, f.adminTok, "PATCH", fmt.Sprintf(api+"/inboxes/%d/automation", f.inboxA), map[string]any{"csat_enabled": true}, http.StatusOK)
	id := f.freshConv(t)
	f.call(t, f.adminTok, "PATCH", convPath(id), map[string]any{"status": "resolved"}, http.StatusOK)
	return id
}

func automationBodies(f *fixture) []bodyEndpoint {
	return []bodyEndpoint{
		{"POST", api + "/templates", map[string]any{"name": "T", "body": "Hello"}},
		{"PATCH", fmt.Sprintf(api+"/templates/%d", f.tpl), map[string]any{"name": "T2"}},
		{"POST", fmt.Sprintf(api+"/templates/%d/preview", f.tpl), map[string]any{"conversation_id": f.convA}},
		{"POST", api + "/macros", map[string]any{"name": "M", "actions": map[string]any{"status": "open"}}},
		{"PATCH", fmt.Sprintf(api+"/macros/%d", f.macro), map[string]any{"name": "M2"}},
		{"POST", api + "/automation-rules", map[string]any{"name": "R", "when": "conversation_created", "then": []any{map[string]any{"type": "add_tag", "value": "x"}}}},
		{"PATCH", fmt.Sprintf(api+"/automation-rules/%d", f.rule), map[string]any{"name": "R2"}},
		{"PATCH", fmt.Sprintf(api+"/inboxes/%d/automation", f.inboxA), map[string]any{"assign_mode": "round_robin"}},
	}
}

func automationIDs(f *fixture) []idEndpoint {
	return []idEndpoint{
		{"GET", api + "/templates/{x}", nil},
		{"PATCH", api + "/templates/{x}", map[string]any{"name": "N"}},
		{"DELETE", api + "/templates/{x}", nil},
		{"POST", api + "/templates/{x}/preview", map[string]any{"conversation_id": f.convA}},
		{"GET", api + "/macros/{x}", nil},
		{"PATCH", api + "/macros/{x}", map[string]any{"name": "N"}},
		{"DELETE", api + "/macros/{x}", nil},
		{"POST", api + "/conversations/{x}/macros/" + fmt.Sprint(f.macro), nil},
		{"POST", convPath(f.convA) + "/macros/{x}", nil},
		{"GET", api + "/conversations/{x}/csat", nil},
		{"GET", api + "/automation-rules/{x}", nil},
		{"PATCH", api + "/automation-rules/{x}", map[string]any{"name": "N"}},
		{"DELETE", api + "/automation-rules/{x}", nil},
		{"GET", api + "/inboxes/{x}/automation", nil},
		{"PATCH", api + "/inboxes/{x}/automation", map[string]any{"csat_enabled": true}},
	}
}

func automationBadRows(f *fixture) []badReq {
	tpl := fmt.Sprintf(api+"/templates/%d", f.tpl)
	return []badReq{
		{name: "template without a body", method: "POST", path: api + "/templates", body: map[string]any{"name": "T"}, status: 400, field: "body"},
		{name: "template that includes a file", method: "POST", path: api + "/templates", body: map[string]any{"name": "T", "body": `{% include "x" %}`}, status: 400, field: "body"},
		{name: "template of an unknown scope", method: "POST", path: api + "/templates", body: map[string]any{"name": "T", "body": "x", "scope": "world"}, status: 400, field: "scope"},
		{name: "team template without a team", method: "POST", path: api + "/templates", body: map[string]any{"name": "T", "body": "x", "scope": "team"}, status: 400, field: "team_id"},
		{name: "preview without a conversation", method: "POST", path: tpl + "/preview", body: map[string]any{}, status: 400, field: "conversation_id"},
		{name: "preview of another inbox's conversation", as: "agentB", method: "POST", path: tpl + "/preview", body: map[string]any{"conversation_id": f.convA}, status: 400, field: "conversation_id"},
		{name: "reply from an unknown template", method: "POST", path: convPath(f.convA) + "/messages", body: map[string]any{"template_id": 99999}, status: 400, field: "template_id"},
		{name: "macro with a bad status", method: "POST", path: api + "/macros", body: map[string]any{"name": "M", "actions": map[string]any{"status": "gone"}}, status: 400, field: "actions.status"},
		{name: "macro with a webhook", method: "POST", path: api + "/macros", body: map[string]any{"name": "M", "actions": map[string]any{"webhook": "https://example.com"}}, status: 400, field: "actions.webhook"},
		{name: "bulk with an unknown macro", method: "POST", path: api + "/conversations/bulk", body: map[string]any{"ids": []int64{f.convA}, "macro_id": 99999}, status: 400, field: "macro_id"},
		{name: "rule with an unknown trigger", method: "POST", path: api + "/automation-rules", body: map[string]any{"name": "R", "when": "never", "then": []any{map[string]any{"type": "add_tag", "value": "x"}}}, status: 400, field: "when"},
		{name: "rule with a bad condition", method: "POST", path: api + "/automation-rules", body: map[string]any{"name": "R", "when": "customer_message", "if": map[string]any{"field": "status", "op": "above", "value": "open"}, "then": []any{map[string]any{"type": "add_tag", "value": "x"}}}, status: 400, field: "if.op"},
		{name: "rule without actions", method: "POST", path: api + "/automation-rules", body: map[string]any{"name": "R", "when": "customer_message", "then": []any{}}, status: 400, field: "then"},
		{name: "inbox routing of an unknown mode", method: "PATCH", path: fmt.Sprintf(api+"/inboxes/%d/automation", f.inboxA), body: map[string]any{"assign_mode": "lottery"}, status: 400, field: "assign_mode"},
		{name: "templates unknown parameter", method: "GET", path: api + "/templates?scope=team", status: 400, field: "scope"},
		{name: "macros unknown parameter", method: "GET", path: api + "/macros?q=x", status: 400, field: "q"},
		{name: "rules unknown parameter", method: "GET", path: api + "/automation-rules?enabled=1", status: 400, field: "enabled"},
		{name: "snooze both ways", method: "PATCH", path: convPath(f.convA), body: map[string]any{"snoozed_until_reply": true, "snoozed_until": "2030-01-01T00:00:00Z"}, status: 400, field: "snoozed_until_reply"},
	}
}

func automationPermRows(f *fixture, unique func(role) string) []permRow {
	everyone := [4]int{s200, s200, s200, s200}
	managers := [4]int{s200, s200, s403, s403}
	adminOnly := [4]int{s200, s403, s403, s403}
	seesInbox := [4]int{s200, s200, s200, s404}
	all := []role{admin, supervisor, member, nonMember}
	return []permRow{
		{name: "GET templates", req: fixed("GET", api+"/templates", nil), want: everyone},
		{name: "POST personal template", want: [4]int{s201, s201, s201, s201}, req: func(_ *testing.T, _ *fixture, who role) (string, string, any) {
			return "POST", api + "/templates", map[string]any{"name": "Mine " + unique(who), "body": "Hi"}
		}},
		{name: "POST shared template", want: [4]int{s201, s201, s403, s403}, req: func(_ *testing.T, _ *fixture, who role) (string, string, any) {
			return "POST", api + "/templates", map[string]any{"name": "All " + unique(who), "body": "Hi", "scope": "everyone"}
		}},
		{name: "GET shared template", want: everyone, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "GET", fmt.Sprintf(api+"/templates/%d", f.sharedTemplate(t)), nil
		}},
		{name: "PATCH shared template", want: managers, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "PATCH", fmt.Sprintf(api+"/templates/%d", f.sharedTemplate(t)), map[string]any{"name": "Renamed"}
		}},
		{name: "DELETE shared template", want: [4]int{s204, s204, s403, s403}, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "DELETE", fmt.Sprintf(api+"/templates/%d", f.sharedTemplate(t)), nil
		}},
		{name: "POST template preview", want: [4]int{s200, s200, s200, s400}, same: all, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "POST", fmt.Sprintf(api+"/templates/%d/preview", f.sharedTemplate(t)), map[string]any{"conversation_id": f.convA}
		}},
		{name: "GET macros", req: fixed("GET", api+"/macros", nil), want: everyone},
		{name: "POST macro", want: [4]int{s201, s201, s403, s403}, req: func(_ *testing.T, _ *fixture, who role) (string, string, any) {
			return "POST", api + "/macros", map[string]any{"name": "M " + unique(who), "actions": map[string]any{"priority": "high"}}
		}},
		{name: "GET macro", want: everyone, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "GET", fmt.Sprintf(api+"/macros/%d", f.newMacro(t)), nil
		}},
		{name: "PATCH macro", want: managers, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "PATCH", fmt.Sprintf(api+"/macros/%d", f.newMacro(t)), map[string]any{"name": "Renamed"}
		}},
		{name: "DELETE macro", want: [4]int{s204, s204, s403, s403}, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "DELETE", fmt.Sprintf(api+"/macros/%d", f.newMacro(t)), nil
		}},
		{name: "POST apply macro", want: seesInbox, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "POST", fmt.Sprintf("%s/macros/%d", convPath(f.freshConv(t)), f.newMacro(t)), nil
		}},
		{name: "GET conversation csat", want: seesInbox, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "GET", convPath(f.surveyed(t)) + "/csat", nil
		}},
		{name: "GET automation rules", req: fixed("GET", api+"/automation-rules", nil), want: managers},
		{name: "POST automation rule", want: [4]int{s201, s403, s403, s403}, req: func(_ *testing.T, _ *fixture, who role) (string, string, any) {
			return "POST", api + "/automation-rules", map[string]any{"name": "R " + unique(who), "when": "customer_message", "then": []any{map[string]any{"type": "add_tag", "value": "x"}}}
		}},
		{name: "GET automation rule", want: managers, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "GET", fmt.Sprintf(api+"/automation-rules/%d", f.newRule(t)), nil
		}},
		{name: "PATCH automation rule", want: adminOnly, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "PATCH", fmt.Sprintf(api+"/automation-rules/%d", f.newRule(t)), map[string]any{"enabled": false}
		}},
		{name: "DELETE automation rule", want: [4]int{s204, s403, s403, s403}, req: func(t *testing.T, f *fixture, _ role) (string, string, any) {
			return "DELETE", fmt.Sprintf(api+"/automation-rules/%d", f.newRule(t)), nil
		}},
		{name: "GET inbox automation", req: fixed("GET", fmt.Sprintf(api+"/inboxes/%d/automation", f.inboxA), nil), want: seesInbox},
		{name: "PATCH inbox automation", want: [4]int{s200, s403, s403, s404}, req: func(_ *testing.T, f *fixture, who role) (string, string, any) {
			return "PATCH", fmt.Sprintf(api+"/inboxes/%d/automation", f.inboxA), map[string]any{"reassign_after": fmt.Sprintf("%dm", 10+len(unique(who)))}
		}},
	}
}
