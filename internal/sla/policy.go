// Package sla keeps response-time promises: business hours, SLA policies
// and the clocks each conversation runs under them (first response, next
// response, resolution), with warnings, breaches, escalation, handoff notes
// and followers. Clocks move inside the conversation service's own
// transactions (Sync) and fire from durable jobs at their exact due time.
package sla

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
)

// The targets a policy may set.
const (
	FirstResponse = "first_response"
	NextResponse  = "next_response"
	Resolution    = "resolution"
)

// TargetNames lists the targets in the order they are shown.
var TargetNames = []string{FirstResponse, NextResponse, Resolution}

// Targets is one target's duration per priority (low, normal, high,
// urgent); zero means no target for that priority. In JSON it is null,
// one duration for every priority ("4h"), or an object by priority
// ({"urgent": "30m", "high": "2h"}).
type Targets [4]time.Duration

// Any reports whether some priority has a target.
func (t Targets) Any() bool { return t != Targets{} }

// For returns the target for a priority (zero: none).
func (t Targets) For(p model.Priority) time.Duration {
	if p < 0 || int(p) >= len(t) {
		return 0
	}
	return t[p]
}

// MarshalJSON writes null, one duration, or an object by priority.
func (t Targets) MarshalJSON() ([]byte, error) {
	if !t.Any() {
		return []byte("null"), nil
	}
	if t[0] == t[1] && t[1] == t[2] && t[2] == t[3] {
		return json.Marshal(FormatDuration(t[0]))
	}
	m := map[string]string{}
	for p, d := range t {
		if d > 0 {
			m[model.Priority(p).String()] = FormatDuration(d)
		}
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads null, a duration, or an object by priority.
func (t *Targets) UnmarshalJSON(b []byte) error {
	*t = Targets{}
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		d, err := ParseDuration(one)
		if err != nil {
			return err
		}
		*t = Targets{d, d, d, d}
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf(`give a duration such as "4h", or an object by priority such as {"urgent": "30m", "normal": "4h"}`)
	}
	for k, v := range m {
		p, ok := model.ParsePriority(k)
		if !ok {
			return fmt.Errorf("unknown priority %q: use low, normal, high, urgent", k)
		}
		d, err := ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		t[p] = d
	}
	return nil
}

// MaxTarget bounds a target: a year of working time is already absurd.
const MaxTarget = 366 * 24 * time.Hour

// ParseDuration reads "90m", "1h30m", "4h" or "2d" (days of 24 hours);
// it must be at least a minute and whole minutes.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q is not a duration such as 30m, 4h or 2d", s)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%q is not a duration such as 30m, 4h or 2d", s)
		}
	}
	if d < time.Minute || d%time.Minute != 0 || d > MaxTarget {
		return 0, fmt.Errorf("%q: durations are whole minutes, from 1m to 366d", s)
	}
	return d, nil
}

// FormatDuration writes a duration the way ParseDuration reads it.
func FormatDuration(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	s := strings.TrimSuffix(d.String(), "0s") // "1h30m0s" → "1h30m"
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Conditions choose the conversations a policy applies to: every key given
// must hold, and within a key any value may match. None at all: every
// conversation.
type Conditions struct {
	InboxIDs     []int64  `json:"inbox_ids,omitempty"`
	TeamIDs      []int64  `json:"team_ids,omitempty"`
	Tags         []string `json:"tags,omitempty"`
	ContactTypes []string `json:"contact_types,omitempty"`
	Channels     []string `json:"channels,omitempty"`
}

// Match reports whether a conversation meets the conditions.
func (c Conditions) Match(conv model.Conversation) bool {
	if len(c.InboxIDs) > 0 && !slices.Contains(c.InboxIDs, conv.InboxID) {
		return false
	}
	if len(c.TeamIDs) > 0 && (conv.TeamID == nil || !slices.Contains(c.TeamIDs, *conv.TeamID)) {
		return false
	}
	if len(c.Tags) > 0 && !slices.ContainsFunc(c.Tags, func(t string) bool { return slices.Contains(conv.Tags, t) }) {
		return false
	}
	if len(c.ContactTypes) > 0 && !slices.Contains(c.ContactTypes, string(conv.Contact.Type)) {
		return false
	}
	if len(c.Channels) > 0 && !slices.Contains(c.Channels, string(conv.Channel)) {
		return false
	}
	return true
}

// Action is what an escalation does to a conversation. Every field is
// optional; notifications always appear in the app, and also go by email
// when Email is set.
type Action struct {
	// AssigneeID reassigns, typically to a supervisor.
	AssigneeID *int64 `json:"assignee_id,omitempty"`
	TeamID     *int64 `json:"team_id,omitempty"`
	// Priority is a priority name, or "raise" for one step up.
	Priority       string   `json:"priority,omitempty"`
	Tags           []string `json:"tags,omitempty"`
	NotifyUserIDs  []int64  `json:"notify_user_ids,omitempty"`
	NotifyAssignee bool     `json:"notify_assignee,omitempty"`
	NotifyTeam     bool     `json:"notify_team,omitempty"`
	Email          bool     `json:"email,omitempty"`
}

func (a *Action) empty() bool {
	return a == nil || (a.AssigneeID == nil && a.TeamID == nil && a.Priority == "" && len(a.Tags) == 0 &&
		len(a.NotifyUserIDs) == 0 && !a.NotifyAssignee && !a.NotifyTeam)
}

// Escalation holds a policy's automatic escalation rules: what happens
// when a target's warning fires, and when it is breached.
type Escalation struct {
	OnWarning *Action `json:"on_warning,omitempty"`
	OnBreach  *Action `json:"on_breach,omitempty"`
}

// Policy is an SLA policy as the API shows it.
type Policy struct {
	ID            int64   `json:"id"`
	Name          string  `json:"name"`
	Position      int     `json:"position"`
	FirstResponse Targets `json:"first_response"`
	NextResponse  Targets `json:"next_response"`
	Resolution    Targets `json:"resolution"`
	// BusinessHoursID names the schedule the targets count in; nil
	// counts calendar hours.
	BusinessHoursID *int64     `json:"business_hours_id"`
	Conditions      Conditions `json:"conditions"`
	PauseOnPending  bool       `json:"pause_on_pending"`
	PauseOnSnooze   bool       `json:"pause_on_snooze"`
	// WarnBefore is "15m" (working time before the due time) or "20%"
	// (of the target); empty for no warning.
	WarnBefore string     `json:"warn_before"`
	Escalation Escalation `json:"escalation"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// Target returns the policy's targets of one kind.
func (p *Policy) Target(name string) Targets {
	switch name {
	case FirstResponse:
		return p.FirstResponse
	case NextResponse:
		return p.NextResponse
	default:
		return p.Resolution
	}
}

// warnFor returns how long before the due time a target of length d warns.
func (p *Policy) warnFor(d time.Duration) time.Duration {
	w := strings.TrimSpace(p.WarnBefore)
	if w == "" {
		return 0
	}
	if pct, ok := strings.CutSuffix(w, "%"); ok {
		n, _ := strconv.Atoi(pct)
		return (d * time.Duration(n) / 100).Truncate(time.Second)
	}
	v, _ := ParseDuration(w)
	return v
}

func validWarn(w string) string {
	w = strings.TrimSpace(w)
	if w == "" {
		return ""
	}
	if pct, ok := strings.CutSuffix(w, "%"); ok {
		if n, err := strconv.Atoi(pct); err != nil || n < 1 || n > 99 {
			return "a percentage of the target from 1% to 99%"
		}
		return ""
	}
	if _, err := ParseDuration(w); err != nil {
		return `a duration such as "15m" or a percentage such as "20%"`
	}
	return ""
}

// validConditions checks the condition values that need no database.
func validConditions(c Conditions, fields map[string]string) {
	for _, t := range c.ContactTypes {
		if !model.ContactType(t).Valid() {
			fields["conditions.contact_types"] = "must be customer, vip, lead or partner"
		}
	}
	for _, ch := range c.Channels {
		if !model.Channel(ch).Valid() {
			fields["conditions.channels"] = "must be email, chat, api or phone"
		}
	}
	for i, t := range c.Tags {
		n, err := conversation.NormalizeTag(t)
		if err != nil {
			fields["conditions.tags"] = err.Error()
			continue
		}
		c.Tags[i] = n
	}
	for _, id := range c.InboxIDs {
		if id <= 0 {
			fields["conditions.inbox_ids"] = "must be inbox ids"
		}
	}
	for _, id := range c.TeamIDs {
		if id <= 0 {
			fields["conditions.team_ids"] = "must be team ids"
		}
	}
}

func validAction(a *Action, key string, fields map[string]string) {
	if a == nil {
		return
	}
	if a.Priority != "" && a.Priority != "raise" {
		if _, ok := model.ParsePriority(a.Priority); !ok {
			fields[key+".priority"] = "must be low, normal, high, urgent or raise"
		}
	}
	for i, t := range a.Tags {
		n, err := conversation.NormalizeTag(t)
		if err != nil {
			fields[key+".tags"] = err.Error()
			continue
		}
		a.Tags[i] = n
	}
	if a.AssigneeID != nil && *a.AssigneeID <= 0 {
		fields[key+".assignee_id"] = "must be a user id"
	}
	if a.TeamID != nil && *a.TeamID <= 0 {
		fields[key+".team_id"] = "must be a team id"
	}
}
