package web

import (
	"fmt"

	"github.com/parley-hq/parley/internal/model"
)

// describeAutomation words the events of templates, macros, rules,
// routing and CSAT (issue #6); "" for any other event.
func describeAutomation(e model.Event, who string, after map[string]any, d *inboxData) string {
	str := func(key string) string { s, _ := after[key].(string); return s }
	switch e.Action {
	case "automation.rule_ran":
		return "Automation: rule “" + str("name") + "” ran (" + str("trigger") + ")"
	case "automation.rule_failed":
		return "Automation: rule “" + str("name") + "” could not apply: " + str("error")
	case "automation.loop_stopped":
		return "Automation: stopped rules that kept setting each other off"
	case "automation.acknowledgement_failed":
		return "Automation: the acknowledgement could not be sent: " + str("error")
	case "macro.applied":
		return who + " applied the macro “" + str("name") + "”"
	case "assignment.auto":
		id, _ := after["assignee_id"].(float64)
		name := d.UserNames[int64(id)]
		if name == "" {
			name = fmt.Sprintf("#%d", int64(id))
		}
		return "Auto-assigned to " + name + " (" + str("reason") + ")"
	case "assignment.skipped":
		return "Not auto-assigned: " + str("reason")
	case "csat.sent":
		return "Satisfaction survey sent to the customer"
	case "csat.answered", "csat.changed":
		r, _ := after["rating"].(float64)
		text := fmt.Sprintf("The customer rated this conversation %d out of 5", int(r))
		if e.Action == "csat.changed" {
			text = fmt.Sprintf("The customer changed their rating to %d out of 5", int(r))
		}
		if c := str("comment"); c != "" {
			text += ": “" + c + "”"
		}
		return text
	}
	return ""
}
