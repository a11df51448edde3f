package automation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
)

// Compiled is a rule turned into closures, ready to evaluate.
type Compiled struct {
	ID      int64
	Name    string
	Enabled bool
	Trigger string
	After   time.Duration
	Changes conversation.Changes
	secret  string
	cond    func(*eval) bool
	// statuses the rule's top-level conditions allow (nil: any), for
	// the loop check.
	statuses []model.Status
}

// eval is one evaluation's facts, with the lower-cased texts computed
// at most once however many rules look at them.
type eval struct {
	f       *conversation.Facts
	subject *string
	body    *string
}

func newEval(f *conversation.Facts) *eval { return &eval{f: f} }

func (e *eval) lowerSubject() string {
	if e.subject == nil {
		s := strings.ToLower(e.f.Conversation.Subject)
		e.subject = &s
	}
	return *e.subject
}

func (e *eval) lowerBody() string {
	if e.body == nil {
		s := ""
		if e.f.Trigger.Message != nil {
			s = strings.ToLower(e.f.Trigger.Message.Body)
		}
		e.body = &s
	}
	return *e.body
}

// Limits on a rule's condition tree.
const (
	maxConditions = 100
	maxDepth      = 6
)

// Condition is one node of an "if" tree: a group (all or any) or a test.
type Condition struct {
	All   []json.RawMessage `json:"all,omitempty"`
	Any   []json.RawMessage `json:"any,omitempty"`
	Field string            `json:"field,omitempty"`
	Op    string            `json:"op,omitempty"`
	Value json.RawMessage   `json:"value,omitempty"`
}

type compiler struct {
	count int
}

func invalid(path, msg string) error {
	return apperr.Field(path, msg)
}

// Compile validates a stored rule and turns it into closures.
func Compile(r model.AutomationRule) (*Compiled, error) {
	c := &Compiled{ID: r.ID, Name: r.Name, Enabled: r.Enabled, Trigger: r.Trigger, After: r.TriggerAfter, secret: r.WebhookSecret}
	cp := &compiler{}
	if t := bytes.TrimSpace(r.Conditions); len(t) > 0 && string(t) != "{}" && string(t) != "null" {
		cond, err := cp.node(r.Conditions, "if", 0)
		if err != nil {
			return nil, err
		}
		c.cond = cond
		c.statuses = topStatuses(r.Conditions)
	}
	var actions []Action
	if err := json.Unmarshal(r.Actions, &actions); err != nil {
		return nil, invalid("then", "must be a list of {type, value}")
	}
	if len(actions) == 0 || len(actions) > 20 {
		return nil, invalid("then", "send 1 to 20 actions")
	}
	for i, a := range actions {
		if err := addAction(&c.Changes, a, fmt.Sprintf("then[%d]", i)); err != nil {
			return nil, err
		}
	}
	fields := map[string]string{}
	c.Changes.Validate("then.", fields)
	if len(fields) > 0 {
		return nil, apperr.Invalid("the rule's actions are not valid", fields)
	}
	return c, nil
}

func addAction(ch *conversation.Changes, a Action, path string) error {
	str := func() (string, error) {
		var s string
		if err := json.Unmarshal(a.Value, &s); err != nil || strings.TrimSpace(s) == "" {
			return "", invalid(path+".value", "must be a non-empty string")
		}
		return strings.TrimSpace(s), nil
	}
	id := func(nullable bool) (model.Nullable[int64], error) {
		var n model.Nullable[int64]
		if err := json.Unmarshal(a.Value, &n); err != nil || len(a.Value) == 0 {
			return n, invalid(path+".value", "must be an id")
		}
		n.Set = true
		if (n.Null && !nullable) || (!n.Null && n.Value <= 0) {
			return n, invalid(path+".value", "must be an id")
		}
		return n, nil
	}
	switch a.Type {
	case "assign_user":
		n, err := id(true)
		ch.AssigneeID = n
		return err
	case "assign_team":
		n, err := id(true)
		ch.TeamID = n
		return err
	case "reply_template":
		n, err := id(false)
		ch.ReplyTemplateID = &n.Value
		return err
	case "add_tag", "remove_tag":
		s, err := str()
		if a.Type == "add_tag" {
			ch.AddTags = append(ch.AddTags, s)
		} else {
			ch.RemoveTags = append(ch.RemoveTags, s)
		}
		return err
	case "set_priority":
		s, err := str()
		ch.Priority = &s
		return err
	case "set_status":
		s, err := str()
		st := model.Status(s)
		ch.Status = &st
		return err
	case "add_note":
		s, err := str()
		ch.Note = s
		return err
	case "webhook":
		s, err := str()
		ch.Webhook = s
		return err
	case "snooze":
		s, err := str()
		ch.SnoozeFor = s
		return err
	}
	return invalid(path+".type", "must be one of "+strings.Join(actionTypes, ", "))
}

// Fields a condition may test, with the operators each takes.
var fieldOps = map[string][]string{
	"status":                {"is", "is_not", "in", "not_in"},
	"priority":              {"is", "is_not", "in", "not_in", "at_least", "at_most"},
	"inbox":                 {"is", "is_not", "in", "not_in"},
	"team":                  {"is", "is_not", "in", "not_in", "is_set", "not_set"},
	"assignee":              {"is", "is_not", "in", "not_in", "is_set", "not_set"},
	"channel":               {"is", "is_not", "in", "not_in"},
	"contact_type":          {"is", "is_not", "in", "not_in"},
	"tags":                  {"contains", "not_contains", "any_of", "none_of"},
	"subject":               {"contains", "not_contains"},
	"body":                  {"contains", "not_contains"},
	"within_business_hours": {"is"},
}

func (cp *compiler) node(raw json.RawMessage, path string, depth int) (func(*eval) bool, error) {
	if depth > maxDepth {
		return nil, invalid(path, fmt.Sprintf("conditions nest at most %d deep", maxDepth))
	}
	cp.count++
	if cp.count > maxConditions {
		return nil, invalid("if", fmt.Sprintf("at most %d conditions", maxConditions))
	}
	var c Condition
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, invalid(path, "must be {all: [...]}, {any: [...]} or {field, op, value}")
	}
	switch {
	case c.All != nil || c.Any != nil:
		if (c.All != nil && c.Any != nil) || c.Field != "" {
			return nil, invalid(path, "a group has either all or any, and no field")
		}
		list, key := c.All, "all"
		if c.Any != nil {
			list, key = c.Any, "any"
		}
		if len(list) == 0 {
			return nil, invalid(path+"."+key, "must hold at least one condition")
		}
		subs := make([]func(*eval) bool, len(list))
		for i, r := range list {
			f, err := cp.node(r, fmt.Sprintf("%s.%s[%d]", path, key, i), depth+1)
			if err != nil {
				return nil, err
			}
			subs[i] = f
		}
		if key == "all" {
			return func(e *eval) bool {
				for _, f := range subs {
					if !f(e) {
						return false
					}
				}
				return true
			}, nil
		}
		return func(e *eval) bool {
			for _, f := range subs {
				if f(e) {
					return true
				}
			}
			return false
		}, nil
	}
	return leaf(c, path)
}

func leaf(c Condition, path string) (func(*eval) bool, error) {
	ops, ok := fieldOps[c.Field]
	if !ok {
		keys := make([]string, 0, len(fieldOps))
		for k := range fieldOps {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return nil, invalid(path+".field", "must be one of "+strings.Join(keys, ", "))
	}
	if !slices.Contains(ops, c.Op) {
		return nil, invalid(path+".op", c.Field+" takes "+strings.Join(ops, ", "))
	}
	vpath := path + ".value"
	negate := c.Op == "is_not" || c.Op == "not_in" || c.Op == "not_contains" || c.Op == "none_of"
	not := func(f func(*eval) bool) func(*eval) bool {
		if negate {
			return func(e *eval) bool { return !f(e) }
		}
		return f
	}
	// strings reads the value as one string or a list of them.
	strs := func(lower bool) ([]string, error) {
		var one string
		var list []string
		if err := json.Unmarshal(c.Value, &one); err == nil {
			list = []string{one}
		} else if err := json.Unmarshal(c.Value, &list); err != nil {
			return nil, invalid(vpath, "must be a string or a list of strings")
		}
		if len(list) == 0 {
			return nil, invalid(vpath, "must not be empty")
		}
		for i := range list {
			list[i] = strings.TrimSpace(list[i])
			if lower {
				list[i] = strings.ToLower(list[i])
			}
			if list[i] == "" {
				return nil, invalid(vpath, "must not hold an empty string")
			}
		}
		return list, nil
	}
	ids := func() ([]int64, error) {
		var one int64
		var list []int64
		if err := json.Unmarshal(c.Value, &one); err == nil {
			list = []int64{one}
		} else if err := json.Unmarshal(c.Value, &list); err != nil || len(list) == 0 {
			return nil, invalid(vpath, "must be an id or a list of ids")
		}
		return list, nil
	}
	switch c.Field {
	case "status", "channel", "contact_type":
		vals, err := strs(true)
		if err != nil {
			return nil, err
		}
		for _, v := range vals {
			if (c.Field == "status" && !model.Status(v).Valid()) || (c.Field == "channel" && !model.Channel(v).Valid()) ||
				(c.Field == "contact_type" && !model.ContactType(v).Valid()) {
				return nil, invalid(vpath, fmt.Sprintf("%q is not a %s", v, strings.ReplaceAll(c.Field, "_", " ")))
			}
		}
		get := map[string]func(*eval) string{
			"status":       func(e *eval) string { return string(e.f.Conversation.Status) },
			"channel":      func(e *eval) string { return string(e.f.Conversation.Channel) },
			"contact_type": func(e *eval) string { return string(e.f.Conversation.Contact.Type) },
		}[c.Field]
		return not(func(e *eval) bool { return slices.Contains(vals, get(e)) }), nil
	case "priority":
		vals, err := strs(true)
		if err != nil {
			return nil, err
		}
		ps := make([]model.Priority, len(vals))
		for i, v := range vals {
			p, ok := model.ParsePriority(v)
			if !ok {
				return nil, invalid(vpath, fmt.Sprintf("%q is not a priority (low, normal, high, urgent)", v))
			}
			ps[i] = p
		}
		switch c.Op {
		case "at_least":
			return func(e *eval) bool { return e.f.Conversation.Priority >= ps[0] }, nil
		case "at_most":
			return func(e *eval) bool { return e.f.Conversation.Priority <= ps[0] }, nil
		}
		return not(func(e *eval) bool { return slices.Contains(ps, e.f.Conversation.Priority) }), nil
	case "inbox", "team", "assignee":
		get := map[string]func(*eval) *int64{
			"inbox":    func(e *eval) *int64 { return &e.f.Conversation.InboxID },
			"team":     func(e *eval) *int64 { return e.f.Conversation.TeamID },
			"assignee": func(e *eval) *int64 { return e.f.Conversation.AssigneeID },
		}[c.Field]
		switch c.Op {
		case "is_set":
			return func(e *eval) bool { return get(e) != nil }, nil
		case "not_set":
			return func(e *eval) bool { return get(e) == nil }, nil
		}
		vals, err := ids()
		if err != nil {
			return nil, err
		}
		return not(func(e *eval) bool { v := get(e); return v != nil && slices.Contains(vals, *v) }), nil
	case "tags":
		vals, err := strs(true)
		if err != nil {
			return nil, err
		}
		if c.Op == "contains" || c.Op == "not_contains" {
			return not(func(e *eval) bool {
				for _, v := range vals {
					if !slices.Contains(e.f.Conversation.Tags, v) {
						return false
					}
				}
				return true
			}), nil
		}
		return not(func(e *eval) bool {
			for _, v := range vals {
				if slices.Contains(e.f.Conversation.Tags, v) {
					return true
				}
			}
			return false
		}), nil
	case "subject", "body":
		words, err := strs(true)
		if err != nil {
			return nil, err
		}
		text := (*eval).lowerSubject
		if c.Field == "body" {
			text = (*eval).lowerBody
		}
		// Any of the keywords matches, as in a help desk's "contains any".
		return not(func(e *eval) bool {
			t := text(e)
			for _, w := range words {
				if strings.Contains(t, w) {
					return true
				}
			}
			return false
		}), nil
	case "within_business_hours":
		var want bool
		if err := json.Unmarshal(c.Value, &want); err != nil {
			return nil, invalid(vpath, "must be true or false")
		}
		return func(e *eval) bool { return e.f.WithinBusinessHours == want }, nil
	}
	return nil, invalid(path+".field", "unknown field")
}

// topStatuses reads the statuses a condition tree requires at its top
// level (a status test alone or inside a top-level all); nil means any.
func topStatuses(raw json.RawMessage) []model.Status {
	var c Condition
	if json.Unmarshal(raw, &c) != nil {
		return nil
	}
	tests := []Condition{c}
	if c.All != nil {
		tests = nil
		for _, r := range c.All {
			var x Condition
			if json.Unmarshal(r, &x) == nil {
				tests = append(tests, x)
			}
		}
	}
	var allowed []model.Status
	for _, t := range tests {
		if t.Field != "status" {
			continue
		}
		var vals []string
		var one string
		if json.Unmarshal(t.Value, &one) == nil {
			vals = []string{one}
		} else {
			_ = json.Unmarshal(t.Value, &vals)
		}
		in := map[model.Status]bool{}
		for _, v := range vals {
			in[model.Status(strings.ToLower(v))] = true
		}
		var set []model.Status
		for _, s := range conversation.Statuses {
			if in[s] == (t.Op == "is" || t.Op == "in") {
				set = append(set, s)
			}
		}
		if allowed == nil {
			allowed = set
		} else {
			allowed = slices.DeleteFunc(allowed, func(s model.Status) bool { return !slices.Contains(set, s) })
		}
	}
	return allowed
}

func (c *Compiled) statusMayBe(s model.Status) bool {
	return c.statuses == nil || slices.Contains(c.statuses, s)
}
