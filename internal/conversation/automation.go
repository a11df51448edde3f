package conversation

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// The triggers ("when") that automation rules listen for.
const (
	TriggerCreated         = "conversation_created"
	TriggerCustomerMessage = "customer_message"
	TriggerStatusChanged   = "status_changed"
	TriggerNoReply         = "no_reply_for"
	TriggerSLAWarning      = "sla_warning"
	TriggerSLABreached     = "sla_breached"
)

// Triggers lists every trigger name.
var Triggers = []string{TriggerCreated, TriggerCustomerMessage, TriggerStatusChanged, TriggerNoReply, TriggerSLAWarning, TriggerSLABreached}

// MaxAutomationDepth bounds how many rounds of rules one command may set
// off: the user's change is round 0, the changes its rules make are round
// 1, and so on. Each rule also runs at most once per conversation per
// command, so two rules that undo each other stop after one turn each.
const MaxAutomationDepth = 3

// Automation is the actor of every change a rule makes.
var Automation = model.Actor{Role: model.RoleAdmin, Name: "Automation"}

// Trigger is one happening that rules may react to.
type Trigger struct {
	Event          string
	ConversationID int64
	// Message is the customer's message (conversation_created, customer_message).
	Message *model.Message
	// Auto marks an auto-submitted message (an auto-reply, a bounce): rules
	// still run on it, but nothing replies to it.
	Auto bool
	// RuleID limits a no_reply_for trigger to the rule that scheduled it.
	RuleID int64
}

// Facts is what a rule's conditions are evaluated against.
type Facts struct {
	Trigger             Trigger
	Conversation        model.Conversation
	WithinBusinessHours bool
}

// RuleMatch is a rule whose conditions held, with the actions to apply.
type RuleMatch struct {
	ID            int64
	Name          string
	Changes       Changes
	WebhookSecret string
}

// DelayedRule is a no_reply_for rule and its delay.
type DelayedRule struct {
	ID    int64
	After time.Duration
}

// RuleEngine evaluates automation rules (internal/automation).
type RuleEngine interface {
	Match(ctx context.Context, tx *store.Tx, f Facts) ([]RuleMatch, error)
	NoReplyRules(ctx context.Context, tx *store.Tx) ([]DelayedRule, error)
}

// Templates renders a template for a conversation (internal/template).
// strict refuses a render with a variable left blank.
type Templates interface {
	RenderTx(ctx context.Context, tx *store.Tx, actor model.Actor, templateID int64, c model.Conversation, strict bool) (string, error)
}

// BusinessHours says whether an inbox is within its business hours at a
// moment. It is the seam for the business-hours package: until an inbox
// has hours, it is always open.
type BusinessHours interface {
	WithinBusinessHours(ctx context.Context, inboxID int64, at time.Time) (bool, error)
}

// BusinessHoursTx is BusinessHours that can read in the command's own
// transaction; commands use it when the implementation offers it, so they
// never wait for a second connection while holding one (on PostgreSQL,
// where reads share the pool, 32 commands at once each waiting for a
// connection to read business hours froze the server).
type BusinessHoursTx interface {
	WithinBusinessHoursTx(ctx context.Context, tx *store.Tx, inboxID int64, at time.Time) (bool, error)
}

// WithinHours asks hours, in tx when it can read there.
func WithinHours(ctx context.Context, hours BusinessHours, tx *store.Tx, inboxID int64, at time.Time) (bool, error) {
	if h, ok := hours.(BusinessHoursTx); ok && tx != nil {
		return h.WithinBusinessHoursTx(ctx, tx, inboxID, at)
	}
	return hours.WithinBusinessHours(ctx, inboxID, at)
}

// AlwaysOpen is the business hours of an inbox that has none.
type AlwaysOpen struct{}

// WithinBusinessHours is always true.
func (AlwaysOpen) WithinBusinessHours(context.Context, int64, time.Time) (bool, error) {
	return true, nil
}

// AutomationDeps are the services automation needs; any may be nil.
type AutomationDeps struct {
	Rules     RuleEngine
	Templates Templates
	Hours     BusinessHours
	// PublicURL prefixes links sent to customers (the CSAT survey).
	PublicURL string
	// AllowPrivateWebhooks lets webhooks reach loopback and private addresses.
	AllowPrivateWebhooks bool
}

// SetAutomation wires rules, templates and business hours in.
func (s *Service) SetAutomation(d AutomationDeps) {
	if d.Hours == nil {
		d.Hours = AlwaysOpen{}
	}
	d.PublicURL = strings.TrimRight(d.PublicURL, "/")
	s.auto = d
}

// autoState is one command's pending triggers and the rules already run.
type autoState struct {
	queue []Trigger
	ran   map[[2]int64]bool // (conversation, rule)
	// msgAuto marks the message being added as auto-submitted.
	msgAuto bool
	rule    *RuleMatch
}

func (o *op) trigger(t Trigger) { o.auto.queue = append(o.auto.queue, t) }

// messageAdded attaches a customer's message to the conversation_created
// trigger of its conversation, or fires customer_message.
func (o *op) messageAdded(c *model.Conversation, msg model.Message) {
	if msg.Direction != model.Incoming {
		return
	}
	for i := range o.auto.queue {
		t := &o.auto.queue[i]
		if t.Event == TriggerCreated && t.ConversationID == c.ID && t.Message == nil {
			t.Message, t.Auto = &msg, o.auto.msgAuto
			return
		}
	}
	o.trigger(Trigger{Event: TriggerCustomerMessage, ConversationID: c.ID, Message: &msg, Auto: o.auto.msgAuto})
}

// automate runs the rules for the command's triggers, round by round, in
// the command's transaction: a rule run commits with its cause or not at
// all, so no crash can lose one.
func (o *op) automate(ctx context.Context) error {
	for round := 0; len(o.auto.queue) > 0; round++ {
		batch := o.auto.queue
		o.auto.queue = nil
		if round > MaxAutomationDepth {
			seen := map[int64]bool{}
			for _, t := range batch {
				if !seen[t.ConversationID] {
					seen[t.ConversationID] = true
					if err := o.asActor(Automation, func() error {
						return o.event(ctx, t.ConversationID, "automation.loop_stopped", nil, map[string]any{"trigger": t.Event, "depth": round})
					}); err != nil {
						return err
					}
				}
			}
			return nil
		}
		for _, t := range batch {
			if err := o.runTrigger(ctx, t); err != nil {
				return err
			}
		}
	}
	return nil
}

func (o *op) asActor(a model.Actor, fn func() error) error {
	prev := o.actor
	o.actor = a
	defer func() { o.actor = prev }()
	return fn()
}

func (o *op) runTrigger(ctx context.Context, t Trigger) error {
	var c model.Conversation
	var err error
	if o.fresh != nil && o.fresh.ID == t.ConversationID {
		c = *o.fresh
		c.Tags = slices.Clone(c.Tags)
	} else if c, err = o.tx.ConversationByID(ctx, t.ConversationID); errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	events := len(o.events)
	hours := o.s.auto.Hours
	if hours == nil {
		hours = AlwaysOpen{}
	}
	within, err := WithinHours(ctx, hours, o.tx, c.InboxID, o.now)
	if err != nil {
		return err
	}
	if o.s.auto.Rules != nil {
		matches, err := o.s.auto.Rules.Match(ctx, o.tx, Facts{Trigger: t, Conversation: c, WithinBusinessHours: within})
		if err != nil {
			return err
		}
		for _, m := range matches {
			if err := o.runRule(ctx, t, m); err != nil {
				return err
			}
		}
	}
	ia, err := o.tx.InboxAutomation(ctx, c.InboxID)
	if err != nil {
		return err
	}
	switch t.Event {
	case TriggerCreated:
		if t.Message == nil {
			return nil // started by an agent: nobody to route to or acknowledge
		}
		// Only a rule that ran (and so recorded an event) can have changed it.
		if len(o.events) != events {
			if c, err = o.tx.ConversationByID(ctx, c.ID); err != nil {
				return err
			}
		}
		if c.AssigneeID == nil && ia.AssignMode != model.AssignNone {
			if err := o.asActor(Automation, func() error { return o.autoAssign(ctx, &c, ia, 0, "new conversation") }); err != nil {
				return err
			}
		}
		if ia.AckTemplateID != nil && !t.Auto {
			err := o.asActor(Automation, func() error {
				if err := o.replyFromTemplate(ctx, &c, mustInbox(ctx, o, c.InboxID), *ia.AckTemplateID, false); err != nil {
					return err
				}
				return o.tx.SaveConversation(ctx, c)
			})
			if apperr.KindOf(err) != apperr.KindInternal {
				err = o.asActor(Automation, func() error {
					return o.event(ctx, c.ID, "automation.acknowledgement_failed", nil, map[string]any{"error": err.Error()})
				})
			}
			if err != nil {
				return err
			}
		}
		return o.scheduleNoReply(ctx, c)
	case TriggerCustomerMessage:
		return o.scheduleNoReply(ctx, c)
	case TriggerStatusChanged:
		if c.Status == model.StatusResolved && ia.CSATEnabled {
			return o.sendSurvey(ctx, c)
		}
	}
	return nil
}

func mustInbox(ctx context.Context, o *op, id int64) model.Inbox {
	in, _ := o.tx.InboxByID(ctx, id)
	return in
}

// runRule applies one matched rule under a savepoint: a rule whose action
// cannot apply (an assignee who left the inbox, a closed conversation) is
// rolled back alone and recorded as failed; the change that triggered it
// and the other rules still happen.
func (o *op) runRule(ctx context.Context, t Trigger, m RuleMatch) error {
	if o.auto.ran == nil {
		o.auto.ran = map[[2]int64]bool{}
	}
	key := [2]int64{t.ConversationID, m.ID}
	if o.auto.ran[key] {
		return nil
	}
	o.auto.ran[key] = true
	if t.Auto {
		m.Changes.ReplyTemplateID = nil // auto-replies and bounces never get a reply
	}
	events, queued := len(o.events), len(o.auto.queue)
	if err := o.tx.Savepoint(ctx); err != nil {
		return err
	}
	o.auto.rule = &m
	err := o.asActor(Automation, func() error {
		c, err := o.tx.ConversationByID(ctx, t.ConversationID)
		if err != nil {
			return err
		}
		if err := o.apply(ctx, &c, m.Changes, false); err != nil {
			return err
		}
		if err := o.tx.SaveConversation(ctx, c); err != nil {
			return err
		}
		return o.event(ctx, c.ID, "automation.rule_ran", nil, map[string]any{"rule_id": m.ID, "name": m.Name, "trigger": t.Event, "by": "automation"})
	})
	o.auto.rule = nil
	if err == nil {
		return o.tx.ReleaseSavepoint(ctx)
	}
	if apperr.KindOf(err) == apperr.KindInternal {
		return err
	}
	if rerr := o.tx.RollbackToSavepoint(ctx); rerr != nil {
		return rerr
	}
	o.events, o.auto.queue = o.events[:events], o.auto.queue[:queued]
	return o.asActor(Automation, func() error {
		return o.event(ctx, t.ConversationID, "automation.rule_failed", nil, map[string]any{"rule_id": m.ID, "name": m.Name, "trigger": t.Event, "error": err.Error(), "by": "automation"})
	})
}

// scheduleNoReply starts the no_reply_for clocks of a waiting customer.
func (o *op) scheduleNoReply(ctx context.Context, c model.Conversation) error {
	if o.s.auto.Rules == nil || c.WaitingSince == nil {
		return nil
	}
	rules, err := o.s.auto.Rules.NoReplyRules(ctx, o.tx)
	if err != nil {
		return err
	}
	for _, r := range rules {
		args := NoReplyArgs{ConversationID: c.ID, RuleID: r.ID, WaitingSince: store.Millis(*c.WaitingSince)}
		if err := o.s.jobs.InsertTx(ctx, o.tx, args, &river.InsertOpts{ScheduledAt: c.WaitingSince.Add(r.After),
			UniqueOpts: river.UniqueOpts{ByArgs: true}}); err != nil {
			return err
		}
	}
	return nil
}

// autoAssign gives c to an available inbox member within capacity, by the
// inbox's mode, other than exclude. It does not save c.
func (o *op) autoAssign(ctx context.Context, c *model.Conversation, ia model.InboxAutomation, exclude int64, reason string) error {
	cands, err := o.tx.AssignCandidates(ctx, c.InboxID)
	if err != nil {
		return err
	}
	cands = slices.DeleteFunc(cands, func(a store.AssignCandidate) bool {
		return a.UserID == exclude || (a.Capacity > 0 && a.Load >= a.Capacity)
	})
	if len(cands) == 0 {
		return o.event(ctx, c.ID, "assignment.skipped", nil, map[string]any{"reason": "no available agent within capacity", "mode": ia.AssignMode})
	}
	pick := cands[0]
	switch ia.AssignMode {
	case model.AssignLeastLoaded:
		for _, a := range cands[1:] {
			if a.Load < pick.Load {
				pick = a
			}
		}
	default: // round robin: the next member after the last one picked
		if ia.LastAssignedUserID != nil {
			for _, a := range cands {
				if a.UserID > *ia.LastAssignedUserID {
					pick = a
					break
				}
			}
		}
	}
	if err := o.applyPatch(ctx, c, Patch{AssigneeID: model.Nullable[int64]{Set: true, Value: pick.UserID}}, 0); err != nil {
		return err
	}
	if err := o.event(ctx, c.ID, "assignment.auto", nil, map[string]any{"assignee_id": pick.UserID, "mode": ia.AssignMode, "reason": reason}); err != nil {
		return err
	}
	if err := o.tx.SetLastAssigned(ctx, c.InboxID, pick.UserID); err != nil {
		return err
	}
	if ia.ReassignAfterDur > 0 {
		args := ReassignArgs{ConversationID: c.ID, AssigneeID: pick.UserID, AssignedAt: store.Millis(o.now)}
		if err := o.s.jobs.InsertTx(ctx, o.tx, args, &river.InsertOpts{ScheduledAt: o.now.Add(ia.ReassignAfterDur)}); err != nil {
			return err
		}
	}
	c.UpdatedAt = o.now
	return o.tx.SaveConversation(ctx, *c)
}

// NewSurveyToken returns a CSAT link token and the hash stored for it.
func NewSurveyToken() (token, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashSurveyToken(token)
}

// HashSurveyToken is how a survey token is stored and looked up.
func HashSurveyToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// sendSurvey records c's CSAT survey (once per conversation) and sends it
// to the customer as an automatic message (sender: system, so it is no
// agent's reply: no first response, no SLA clock, not in reply counts),
// which the inbox's channel delivers like any other. By email it carries
// five one-click rating links; in chat the widget shows rating buttons
// under it (the survey remembers the message); elsewhere, one link.
func (o *op) sendSurvey(ctx context.Context, c model.Conversation) error {
	token, hash := NewSurveyToken()
	created, err := o.tx.CreateSurvey(ctx, c.ID, hash, c.AssigneeID, o.now)
	if err != nil || !created {
		return err
	}
	return o.asActor(model.System, func() error {
		if err := o.event(ctx, c.ID, "csat.sent", nil, nil); err != nil {
			return err
		}
		inbox, err := o.tx.InboxByID(ctx, c.InboxID)
		if err != nil {
			return err
		}
		msg, _, err := o.addMessage(ctx, &c, inbox, model.KindReply, model.Outgoing, SurveyBody(inbox.Channel, o.s.auto.PublicURL+"/csat/"+token))
		if err != nil {
			return err
		}
		return o.tx.SetSurveyMessage(ctx, c.ID, msg.ID)
	})
}

// SurveyRatings are the answers a survey offers, best first, with the
// words shown beside each.
var SurveyRatings = []struct {
	Rating int
	Label  string
}{{5, "Great"}, {4, "Good"}, {3, "OK"}, {2, "Not good"}, {1, "Bad"}}

// SurveyBody is the survey message for a channel; link is the survey page.
func SurveyBody(channel model.Channel, link string) string {
	switch channel {
	case model.ChannelEmail:
		var b strings.Builder
		b.WriteString("How did we do? Rate this conversation with one click:\n\n")
		for _, r := range SurveyRatings {
			fmt.Fprintf(&b, "%d – %s: %s?rating=%d\n", r.Rating, r.Label, link, r.Rating)
		}
		b.WriteString("\nYou can add a comment after choosing.")
		return b.String()
	case model.ChannelChat:
		return "How did we do? Rate this conversation from 1 to 5 below."
	}
	return fmt.Sprintf("How did we do? Rate this conversation from 1 to 5, it takes one click: %s", link)
}

// Fire runs the rules for a trigger that happens outside a command, such
// as an SLA warning or breach (the SLA package calls this).
func (s *Service) Fire(ctx context.Context, convID int64, event string) error {
	if !slices.Contains(Triggers, event) {
		return fmt.Errorf("unknown trigger %q", event)
	}
	return s.run(ctx, model.System, func(o *op) error {
		o.trigger(Trigger{Event: event, ConversationID: convID})
		return nil
	})
}

// UserUnavailableTx schedules, in the caller's transaction, the handing on
// of a user's open conversations in auto-assigning inboxes.
func (s *Service) UserUnavailableTx(ctx context.Context, tx *store.Tx, userID int64) error {
	return s.jobs.InsertTx(ctx, tx, ReassignUserArgs{UserID: userID}, nil)
}

// NoReplyArgs fires a no_reply_for rule if the customer is still waiting
// since the same message.
type NoReplyArgs struct {
	ConversationID int64 `json:"conversation_id"`
	RuleID         int64 `json:"rule_id"`
	WaitingSince   int64 `json:"waiting_since"`
}

// Kind names the job in River.
func (NoReplyArgs) Kind() string { return "automation.no_reply" }

// ReassignArgs hands a conversation on if its auto-assignee has not
// answered since being given it.
type ReassignArgs struct {
	ConversationID int64 `json:"conversation_id"`
	AssigneeID     int64 `json:"assignee_id"`
	AssignedAt     int64 `json:"assigned_at"`
}

// Kind names the job in River.
func (ReassignArgs) Kind() string { return "automation.reassign" }

// ReassignUserArgs hands on the open conversations of a user who became unavailable.
type ReassignUserArgs struct {
	UserID int64 `json:"user_id"`
}

// Kind names the job in River.
func (ReassignUserArgs) Kind() string { return "automation.reassign_user" }

// RegisterAutomationWorkers adds the automation jobs' workers.
func (s *Service) RegisterAutomationWorkers(w *river.Workers) {
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[NoReplyArgs]) error {
		return s.NoReply(ctx, j.Args)
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[ReassignArgs]) error {
		return s.ReassignUnanswered(ctx, j.Args)
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[ReassignUserArgs]) error {
		return s.ReassignUser(ctx, j.Args.UserID)
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[WebhookArgs]) error {
		return s.deliverWebhook(ctx, j.Args)
	}))
}

// NoReply fires a no_reply_for rule if the customer still waits (the job's work).
func (s *Service) NoReply(ctx context.Context, a NoReplyArgs) error {
	return s.run(ctx, model.System, func(o *op) error {
		c, err := o.tx.ConversationByID(ctx, a.ConversationID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if c.WaitingSince == nil || store.Millis(*c.WaitingSince) != a.WaitingSince {
			return nil // answered since
		}
		o.trigger(Trigger{Event: TriggerNoReply, ConversationID: c.ID, RuleID: a.RuleID})
		return nil
	})
}

// ReassignUnanswered hands a conversation on if its assignee has not answered (the job's work).
func (s *Service) ReassignUnanswered(ctx context.Context, a ReassignArgs) error {
	return s.run(ctx, Automation, func(o *op) error {
		c, err := o.tx.ConversationByID(ctx, a.ConversationID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if c.AssigneeID == nil || *c.AssigneeID != a.AssigneeID || c.WaitingSince == nil ||
			store.Millis(*c.WaitingSince) > a.AssignedAt || (c.Status != model.StatusNew && c.Status != model.StatusOpen) {
			return nil // answered, handed on or settled since
		}
		ia, err := o.tx.InboxAutomation(ctx, c.InboxID)
		if err != nil || ia.AssignMode == model.AssignNone {
			return err
		}
		return o.autoAssign(ctx, &c, ia, a.AssigneeID, "no answer in time")
	})
}

// ReassignUser hands on an unavailable user's conversations (the job's work).
func (s *Service) ReassignUser(ctx context.Context, userID int64) error {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil || u.Available {
		return nil // gone, or back already
	}
	ids, err := s.store.ActiveAssignedTo(ctx, userID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		err := s.run(ctx, Automation, func(o *op) error {
			c, err := o.tx.ConversationByID(ctx, id)
			if err != nil || c.AssigneeID == nil || *c.AssigneeID != userID {
				return err
			}
			ia, err := o.tx.InboxAutomation(ctx, c.InboxID)
			if err != nil || ia.AssignMode == model.AssignNone {
				return err
			}
			if err := o.autoAssign(ctx, &c, ia, userID, "assignee became unavailable"); err != nil {
				return err
			}
			if c.AssigneeID != nil && *c.AssigneeID == userID {
				// Nobody else can take it: back to the unassigned queue.
				if err := o.applyPatch(ctx, &c, Patch{AssigneeID: model.Nullable[int64]{Set: true, Null: true}}, 0); err != nil {
					return err
				}
				return o.tx.SaveConversation(ctx, c)
			}
			return nil
		})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}
