// Package automation keeps automation rules (when → if → then) and
// evaluates them for the conversation service. Rules are compiled once into
// closures and cached per node; a cheap version stamp read in the
// evaluating transaction tells a node its cache is stale, so a change on
// one node applies on every node at its next evaluation.
package automation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// Service manages rules and is the conversation service's RuleEngine.
type Service struct {
	store *store.Store
	now   func() time.Time

	mu       sync.RWMutex
	version  string
	compiled []*Compiled
}

// New returns the automation service.
func New(st *store.Store, now func() time.Time) *Service { return &Service{store: st, now: now} }

// Action is one step of a rule's "then".
type Action struct {
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value,omitempty"`
}

// The action types.
var actionTypes = []string{"assign_user", "assign_team", "add_tag", "remove_tag", "set_priority", "set_status",
	"reply_template", "add_note", "webhook", "snooze"}

// Request creates or changes a rule; absent fields stay as they are.
type Request struct {
	Name     *string          `json:"name"`
	Position *int             `json:"position"`
	Enabled  *bool            `json:"enabled"`
	When     *string          `json:"when"`
	After    *string          `json:"after"`
	If       *json.RawMessage `json:"if"`
	Then     *[]Action        `json:"then"`
}

// Rule is a rule as the API shows it.
type Rule struct {
	ID       int64           `json:"id"`
	Name     string          `json:"name"`
	Position int             `json:"position"`
	Enabled  bool            `json:"enabled"`
	When     string          `json:"when"`
	After    string          `json:"after,omitempty"`
	If       json.RawMessage `json:"if"`
	Then     json.RawMessage `json:"then"`
	// WebhookSecret signs this rule's webhook calls (X-Parley-Signature).
	WebhookSecret string    `json:"webhook_secret,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func view(r model.AutomationRule) Rule {
	v := Rule{ID: r.ID, Name: r.Name, Position: r.Position, Enabled: r.Enabled, When: r.Trigger, If: r.Conditions, Then: r.Actions,
		WebhookSecret: r.WebhookSecret, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if r.TriggerAfter > 0 {
		v.After = r.TriggerAfter.String()
	}
	return v
}

func requireAdmin(actor model.Actor) error {
	if actor.Role != model.RoleAdmin {
		return apperr.Forbidden("only admins manage automation rules")
	}
	return nil
}

func requireManager(actor model.Actor) error {
	if !actor.Role.SeesAll() {
		return apperr.Forbidden("only admins and supervisors see automation rules")
	}
	return nil
}

// List returns every rule in evaluation order.
func (s *Service) List(ctx context.Context, actor model.Actor) ([]Rule, error) {
	if err := requireManager(actor); err != nil {
		return nil, err
	}
	rules, err := s.store.ListRules(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Rule, len(rules))
	for i, r := range rules {
		out[i] = view(r)
	}
	return out, nil
}

// Get reads one rule.
func (s *Service) Get(ctx context.Context, actor model.Actor, id int64) (Rule, error) {
	if err := requireManager(actor); err != nil {
		return Rule{}, err
	}
	r, err := s.store.RuleByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Rule{}, apperr.NotFound("automation rule")
	} else if err != nil {
		return Rule{}, err
	}
	return view(r), nil
}

// Create adds a rule.
func (s *Service) Create(ctx context.Context, actor model.Actor, req Request) (Rule, error) {
	if err := requireAdmin(actor); err != nil {
		return Rule{}, err
	}
	now := s.now()
	r := model.AutomationRule{Enabled: true, Conditions: json.RawMessage(`{}`), CreatedAt: now, UpdatedAt: now}
	var id int64
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		if req.Position == nil {
			rules, err := tx.ListRules(ctx)
			if err != nil {
				return err
			}
			for _, x := range rules {
				r.Position = max(r.Position, x.Position+1)
			}
		}
		if err := s.validate(ctx, tx, &r, req); err != nil {
			return err
		}
		var err error
		id, err = tx.CreateRule(ctx, r)
		return err
	})
	s.invalidate()
	if err != nil {
		return Rule{}, err
	}
	return s.Get(ctx, actor, id)
}

// Update changes a rule.
func (s *Service) Update(ctx context.Context, actor model.Actor, id int64, req Request) (Rule, error) {
	if err := requireAdmin(actor); err != nil {
		return Rule{}, err
	}
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		r, err := s.store.RuleByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("automation rule")
		} else if err != nil {
			return err
		}
		if err := s.validate(ctx, tx, &r, req); err != nil {
			return err
		}
		r.UpdatedAt = s.now()
		return tx.SaveRule(ctx, r)
	})
	s.invalidate()
	if err != nil {
		return Rule{}, err
	}
	return s.Get(ctx, actor, id)
}

// Delete removes a rule.
func (s *Service) Delete(ctx context.Context, actor model.Actor, id int64) error {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return err
	}
	if err := requireAdmin(actor); err != nil {
		return err
	}
	err := s.store.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteRule(ctx, id) })
	s.invalidate()
	return err
}

func (s *Service) invalidate() {
	s.mu.Lock()
	s.version, s.compiled = "", nil
	s.mu.Unlock()
}

// validate applies req to r, compiling it to prove it sound, and checks
// that the enabled rules together cannot loop.
func (s *Service) validate(ctx context.Context, tx *store.Tx, r *model.AutomationRule, req Request) error {
	fields := map[string]string{}
	if req.Name != nil {
		r.Name = strings.TrimSpace(*req.Name)
	}
	if r.Name == "" || utf8.RuneCountInString(r.Name) > 100 {
		fields["name"] = "must be 1 to 100 characters"
	}
	if req.Position != nil {
		if *req.Position < 0 || *req.Position > 1_000_000 {
			fields["position"] = "must be from 0 to 1000000"
		}
		r.Position = *req.Position
	}
	if req.Enabled != nil {
		r.Enabled = *req.Enabled
	}
	if req.When != nil {
		r.Trigger = *req.When
	}
	if !slices.Contains(conversation.Triggers, r.Trigger) {
		fields["when"] = "must be one of " + strings.Join(conversation.Triggers, ", ")
	}
	if req.After != nil {
		d, err := time.ParseDuration(*req.After)
		if *req.After == "" {
			d, err = 0, nil
		}
		if err != nil || d < 0 || d > 365*24*time.Hour {
			fields["after"] = `must be a duration up to 8760h, like "2h"`
		}
		r.TriggerAfter = d
	}
	if r.Trigger == conversation.TriggerNoReply && r.TriggerAfter < time.Minute {
		fields["after"] = `no_reply_for needs "after", a duration of at least 1m, like "2h"`
	} else if r.Trigger != conversation.TriggerNoReply && r.TriggerAfter != 0 {
		fields["after"] = "only no_reply_for rules wait"
	}
	if req.If != nil {
		r.Conditions = *req.If
		if len(r.Conditions) == 0 || string(r.Conditions) == "null" {
			r.Conditions = json.RawMessage(`{}`)
		}
	}
	if req.Then != nil {
		b, _ := json.Marshal(*req.Then)
		r.Actions = b
	}
	if len(r.Actions) == 0 {
		fields["then"] = "is required: at least one action"
	}
	if len(fields) > 0 {
		return apperr.Invalid("the rule is not valid", fields)
	}
	c, err := Compile(*r)
	if err != nil {
		return err
	}
	if err := s.checkReferences(ctx, tx, c.Changes); err != nil {
		return err
	}
	if c.Changes.Webhook != "" && r.WebhookSecret == "" {
		r.WebhookSecret = account.NewSecret("whsec_")
	}
	if !r.Enabled {
		return nil
	}
	rules, err := tx.ListRules(ctx)
	if err != nil {
		return err
	}
	all := []*Compiled{c}
	for _, x := range rules {
		if x.ID == r.ID || !x.Enabled {
			continue
		}
		if xc, err := Compile(x); err == nil {
			all = append(all, xc)
		}
	}
	if cycle := findCycle(all); cycle != nil {
		return apperr.Field("then", "these rules would undo each other in a loop: "+strings.Join(cycle, " → ")+"; change a condition so one of them stops")
	}
	return nil
}

func (s *Service) checkReferences(ctx context.Context, tx *store.Tx, ch conversation.Changes) error {
	if ch.AssigneeID.Set && !ch.AssigneeID.Null {
		if _, err := tx.UserByID(ctx, ch.AssigneeID.Value); err != nil {
			return apperr.Field("then", fmt.Sprintf("assign_user: no user %d", ch.AssigneeID.Value))
		}
	}
	if ch.TeamID.Set && !ch.TeamID.Null {
		if ok, err := tx.TeamExists(ctx, ch.TeamID.Value); err != nil {
			return err
		} else if !ok {
			return apperr.Field("then", fmt.Sprintf("assign_team: no team %d", ch.TeamID.Value))
		}
	}
	if ch.ReplyTemplateID != nil {
		tp, err := tx.TemplateByID(ctx, *ch.ReplyTemplateID)
		if err != nil || tp.Scope == model.ScopePersonal {
			return apperr.Field("then", fmt.Sprintf("reply_template: no shared template %d", *ch.ReplyTemplateID))
		}
	}
	return nil
}

// findCycle looks for status_changed rules that set statuses which set
// each other off (A: pending → open, B: open → pending). It returns the
// names along one cycle, or nil.
func findCycle(rules []*Compiled) []string {
	var sc []*Compiled
	for _, r := range rules {
		if r.Trigger == conversation.TriggerStatusChanged && r.Changes.Status != nil {
			sc = append(sc, r)
		}
	}
	edges := func(a *Compiled) []*Compiled {
		var out []*Compiled
		for _, b := range sc {
			if b != a && b.statusMayBe(*a.Changes.Status) && *b.Changes.Status != *a.Changes.Status {
				out = append(out, b)
			}
		}
		return out
	}
	state := map[*Compiled]int{} // 1 visiting, 2 done
	var path []*Compiled
	var found []string
	var visit func(r *Compiled) bool
	visit = func(r *Compiled) bool {
		state[r] = 1
		path = append(path, r)
		for _, n := range edges(r) {
			if state[n] == 1 {
				i := slices.Index(path, n)
				for _, p := range path[i:] {
					found = append(found, p.Name)
				}
				found = append(found, n.Name)
				return true
			}
			if state[n] == 0 && visit(n) {
				return true
			}
		}
		path = path[:len(path)-1]
		state[r] = 2
		return false
	}
	for _, r := range sc {
		if state[r] == 0 && visit(r) {
			return found
		}
	}
	return nil
}

// Match is the conversation service's RuleEngine: the enabled rules for
// the trigger whose conditions hold, in order.
func (s *Service) Match(ctx context.Context, tx *store.Tx, f conversation.Facts) ([]conversation.RuleMatch, error) {
	rules, err := s.load(ctx, tx)
	if err != nil {
		return nil, err
	}
	return MatchCompiled(rules, &f), nil
}

// MatchCompiled evaluates compiled rules against facts.
func MatchCompiled(rules []*Compiled, f *conversation.Facts) []conversation.RuleMatch {
	var out []conversation.RuleMatch
	ev := newEval(f)
	for _, r := range rules {
		if !r.Enabled || r.Trigger != f.Trigger.Event || (f.Trigger.RuleID != 0 && f.Trigger.RuleID != r.ID) {
			continue
		}
		if r.cond == nil || r.cond(ev) {
			out = append(out, conversation.RuleMatch{ID: r.ID, Name: r.Name, Changes: r.Changes, WebhookSecret: r.secret})
		}
	}
	return out
}

// NoReplyRules lists the enabled no_reply_for rules and their delays.
func (s *Service) NoReplyRules(ctx context.Context, tx *store.Tx) ([]conversation.DelayedRule, error) {
	rules, err := s.load(ctx, tx)
	if err != nil {
		return nil, err
	}
	var out []conversation.DelayedRule
	for _, r := range rules {
		if r.Enabled && r.Trigger == conversation.TriggerNoReply {
			out = append(out, conversation.DelayedRule{ID: r.ID, After: r.After})
		}
	}
	return out, nil
}

// load returns the compiled rules, recompiling when any rule changed.
func (s *Service) load(ctx context.Context, tx *store.Tx) ([]*Compiled, error) {
	v, err := tx.RulesVersion(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	if s.version == v {
		c := s.compiled
		s.mu.RUnlock()
		return c, nil
	}
	s.mu.RUnlock()
	rules, err := tx.ListRules(ctx)
	if err != nil {
		return nil, err
	}
	compiled := make([]*Compiled, 0, len(rules))
	for _, r := range rules {
		c, err := Compile(r)
		if err != nil {
			continue // stored rules were valid when saved; skip one that no longer is
		}
		compiled = append(compiled, c)
	}
	s.mu.Lock()
	s.version, s.compiled = v, compiled
	s.mu.Unlock()
	return compiled, nil
}
