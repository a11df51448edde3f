package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/sla"
)

// slaSettingsData feeds the admin pages for business hours and SLA policies.
type slaSettingsData struct {
	Title     string
	Me        model.User
	CSRF      string
	Section   string
	Admin     bool
	Hours     []sla.BusinessHours
	Policies  []sla.Policy
	HoursName map[int64]string
	Inboxes   []account.InboxView
	Teams     []model.Team
	Users     []model.User
	Weekdays  []string
}

func (a *App) slaSettingsPage(section string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		p := principal(r)
		actor := p.Actor()
		d := slaSettingsData{Title: "Settings", Me: p.User, CSRF: p.CSRFToken, Section: section, Admin: actor.Role == model.RoleAdmin,
			HoursName: map[int64]string{}, Weekdays: []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}}
		var err error
		if d.Hours, err = a.SLA.ListBusinessHours(ctx, actor); err != nil {
			a.fail(w, r, err)
			return
		}
		for _, h := range d.Hours {
			d.HoursName[h.ID] = h.Name
		}
		if d.Policies, err = a.SLA.ListPolicies(ctx, actor); err != nil {
			a.fail(w, r, err)
			return
		}
		if d.Inboxes, err = a.Accounts.ListInboxes(ctx, actor); err != nil {
			a.fail(w, r, err)
			return
		}
		if d.Teams, err = a.Accounts.ListTeams(ctx, actor); err != nil {
			a.fail(w, r, err)
			return
		}
		if d.Users, err = a.Accounts.ListUsers(ctx, actor, 0, 200); err != nil {
			a.fail(w, r, err)
			return
		}
		a.render(w, r, "sla_settings", "layout", http.StatusOK, d)
	}
}

// targetText shows a policy target as an admin wrote it.
func targetText(t sla.Targets) string {
	if !t.Any() {
		return "—"
	}
	if t[0] == t[1] && t[1] == t[2] && t[2] == t[3] {
		return sla.FormatDuration(t[0])
	}
	var parts []string
	for p := model.PriorityUrgent; p >= model.PriorityLow; p-- {
		if d := t[p]; d > 0 {
			parts = append(parts, p.String()+" "+sla.FormatDuration(d))
		}
	}
	return strings.Join(parts, ", ")
}

// weekText summarises a week of intervals: "monday 09:00–17:00; …".
func weekText(h sla.BusinessHours) string {
	var parts []string
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		var spans []string
		for _, iv := range h.Week[d] {
			spans = append(spans, iv.Start+"–"+iv.End)
		}
		if len(spans) > 0 {
			parts = append(parts, d[:3]+" "+strings.Join(spans, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

// slaDue says how long is left (or how overdue) at now, for the first
// paint; the browser keeps counting from data-due.
func slaDue(due *time.Time, now time.Time) string {
	if due == nil {
		return ""
	}
	d := due.Sub(now)
	if d < 0 {
		return "overdue " + shortDuration(-d)
	}
	return "due in " + shortDuration(d)
}

func shortDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh %dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd %dh", int(d.Hours()/24), int(d.Hours())%24)
}

// describeSLA words the SLA, escalation and follower events of the
// timeline; "" for any other event.
func describeSLA(e model.Event, before, after map[string]any, d *inboxData) string {
	who := e.ActorName
	str := func(key string) string { s, _ := after[key].(string); return s }
	target := strings.ReplaceAll(str("target"), "_", " ")
	user := func(key string) string {
		v, ok := after[key].(float64)
		if !ok {
			return ""
		}
		if n := d.UserNames[int64(v)]; n != "" {
			return n
		}
		return "#" + strconv.FormatInt(int64(v), 10)
	}
	switch e.Action {
	case "sla.applied":
		return "SLA policy “" + str("name") + "” applies"
	case "sla.removed":
		return "No SLA policy applies any more"
	case "sla.warning":
		return "SLA warning: the " + target + " target is due soon"
	case "sla.breached":
		return "SLA breached: the " + target + " target was missed"
	case "sla.met":
		return "SLA met: " + target + " in time"
	case "follower.added":
		return user("user_id") + " follows this conversation"
	case "follower.removed":
		return user("user_id") + " stopped following"
	case "notification.sent":
		return "Notified: " + str("title")
	case "conversation.escalated", "conversation.handed_off":
		verb := " escalated it"
		if e.Action == "conversation.handed_off" {
			verb = " handed it off"
		}
		if t := str("trigger"); strings.HasPrefix(t, "sla.") {
			who, verb = "SLA policy “"+str("policy")+"”", " escalated it ("+strings.TrimPrefix(t, "sla.")+")"
		}
		text := who + verb
		if to := user("to_user_id"); to != "" {
			text += " to " + to
		} else if v, ok := after["to_team_id"].(float64); ok {
			text += " to team " + d.TeamNames[int64(v)]
		}
		if n := str("note"); n != "" {
			text += ": “" + n + "”"
		}
		if h, ok := after["handoff"].(map[string]any); ok {
			for _, kv := range [][2]string{{"what_customer_needs", "The customer needs"}, {"what_was_tried", "Tried"}, {"next_step", "Next step"}} {
				if v, _ := h[kv[0]].(string); v != "" {
					text += " · " + kv[1] + ": " + v
				}
			}
		}
		return text
	}
	return ""
}
