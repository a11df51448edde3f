// Package conversation is the one door through which every change to a
// conversation passes: each command checks permission, applies the state
// machine (state.go), and writes the change and its event in one
// transaction, with any follow-up job enqueued in that same transaction.
package conversation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// Enqueuer inserts durable jobs inside a transaction.
type Enqueuer interface {
	InsertTx(ctx context.Context, tx *store.Tx, args river.JobArgs, opts *river.InsertOpts) error
}

// Service holds the conversation commands.
type Service struct {
	store *store.Store
	jobs  Enqueuer
	now   func() time.Time
	// committed is told the ids of events after their transaction commits.
	committed func(eventIDs []int64)
	views     ViewSource
	// outbound sends agents' replies out, per channel (inbound.go).
	outbound map[model.Channel]OutboundFunc
	details  []DetailsFunc
	// auto holds the rules, templates and business hours (automation.go).
	auto AutomationDeps
	// clocks, if set, hears of every command's changes inside its
	// transaction (hook.go).
	clocks Clocks
	// facts, if set, rewrites derived rows of every conversation a
	// command wrote an event on, last in its transaction (hook.go).
	facts FactsHook
}

// New returns a conversation service. now is the clock (tests and the demo
// move it); committed, if not nil, hears of every event after commit.
func New(st *store.Store, jobs Enqueuer, now func() time.Time, committed func([]int64)) *Service {
	if committed == nil {
		committed = func([]int64) {}
	}
	return &Service{store: st, jobs: jobs, now: now, committed: committed}
}

// Limits on what a request may carry.
const (
	MaxBodyLength    = 100_000
	MaxSubjectLength = 500
	MaxTagLength     = 50
	maxPreview       = 160
)

// CreateRequest starts a conversation with its first message.
type CreateRequest struct {
	InboxID  int64          `json:"inbox_id"`
	Contact  contact.Ref    `json:"contact"`
	Subject  string         `json:"subject"`
	Priority string         `json:"priority"`
	Message  MessageRequest `json:"message"`
}

// MessageRequest is a reply or note to add.
type MessageRequest struct {
	Body       string `json:"body"`
	Kind       string `json:"kind"`
	Direction  string `json:"direction"`
	TemplateID *int64 `json:"template_id"`
	Status     string `json:"status"`
	// LastSeenMessageID is the newest message the author had seen; if
	// someone else has written since, the reply is refused with a conflict
	// so the author can review first (collision control).
	LastSeenMessageID *int64 `json:"last_seen_message_id"`
	// Auto marks an incoming message as auto-submitted (an out-of-office
	// reply, a bounce): automation never replies to it.
	Auto bool `json:"auto"`
	// Files are attachments already in the blob store (the caller puts
	// them there first: content-addressed, so a failed command leaves at
	// worst an unreferenced file). With files, the body may be empty.
	Files []model.Attachment `json:"-"`
}

// MaxFiles bounds the attachments of one message.
const MaxFiles = 10

// Patch changes a conversation; absent fields stay as they are.
type Patch struct {
	Status       *model.Status             `json:"status"`
	Priority     *string                   `json:"priority"`
	AssigneeID   model.Nullable[int64]     `json:"assignee_id,omitzero"`
	TeamID       model.Nullable[int64]     `json:"team_id,omitzero"`
	SnoozedUntil model.Nullable[time.Time] `json:"snoozed_until,omitzero"`
	Subject      *string                   `json:"subject"`
	// SnoozedUntilReply snoozes until the customer replies (true) instead
	// of until a time; snoozed_until then reads 9999-12-31T23:59:59Z.
	SnoozedUntilReply *bool `json:"snoozed_until_reply,omitempty"`
}

// op is one command's working state: its transaction, clock and the events
// it has written, published once the transaction commits.
type op struct {
	s      *Service
	tx     *store.Tx
	actor  model.Actor
	now    time.Time
	events []int64
	auto   autoState
	// changed lists, per conversation in first-touched order, the
	// actions this command recorded, for the clocks hook.
	changed []Changed
	// touched lists, per conversation, every action of this command,
	// quiet ones included, for the facts hook.
	touched []Changed
	// fresh is the conversation as the command just saved it, for the
	// rules that run next to use instead of reading it back (a round trip
	// each on PostgreSQL, several per intake message). Any event recorded
	// after it was set may have changed the conversation, so event clears it.
	fresh *model.Conversation
}

func (s *Service) run(ctx context.Context, actor model.Actor, fn func(o *op) error) error {
	var o *op
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		o = &op{s: s, tx: tx, actor: actor, now: s.now().UTC().Truncate(time.Millisecond)}
		if err := fn(o); err != nil {
			return err
		}
		// Rules run first, so the clocks see what they changed too.
		if err := o.automate(ctx); err != nil {
			return err
		}
		if err := o.syncClocks(ctx); err != nil {
			return err
		}
		return o.syncFacts(ctx)
	})
	if err == nil && len(o.events) > 0 {
		s.committed(o.events)
	}
	return err
}

func (o *op) event(ctx context.Context, convID int64, action string, before, after any) error {
	o.fresh = nil
	id, err := o.tx.CreateEvent(ctx, store.EventInsert{ConversationID: convID, Actor: o.actor, Action: action, Before: before, After: after, Now: o.now})
	if err == nil {
		o.events = append(o.events, id)
		o.noteChange(convID, action, after)
		i := slices.IndexFunc(o.touched, func(c Changed) bool { return c.ConversationID == convID })
		if i < 0 {
			o.touched = append(o.touched, Changed{ConversationID: convID})
			i = len(o.touched) - 1
		}
		o.touched[i].Actions = append(o.touched[i].Actions, action)
		if m, ok := after.(map[string]any); ok && action == "message.created" &&
			m["kind"] == model.KindReply && m["direction"] == model.Outgoing {
			o.touched[i].AgentReplied = true
		}
	}
	return err
}

// canSee reports whether the actor may see conversations of the inbox.
func (o *op) canSee(ctx context.Context, inboxID int64) (bool, error) {
	if o.actor.Role.SeesAll() {
		return true, nil
	}
	return o.tx.IsInboxMember(ctx, inboxID, o.actor.UserID)
}

// load reads a conversation the actor may see; any other is "not found".
func (o *op) load(ctx context.Context, id int64) (model.Conversation, error) {
	c, err := o.tx.ConversationByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return c, apperr.NotFound("conversation")
	} else if err != nil {
		return c, err
	}
	ok, err := o.canSee(ctx, c.InboxID)
	if err != nil {
		return c, err
	}
	if !ok {
		return c, apperr.NotFound("conversation")
	}
	return c, nil
}

// Get reads a conversation the actor may see.
func (s *Service) Get(ctx context.Context, actor model.Actor, id int64) (model.Conversation, error) {
	c, err := s.store.ConversationByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return c, apperr.NotFound("conversation")
	} else if err != nil {
		return c, err
	}
	if !actor.Role.SeesAll() {
		ok, err := s.store.IsInboxMember(ctx, c.InboxID, actor.UserID)
		if err != nil {
			return c, err
		}
		if !ok {
			return c, apperr.NotFound("conversation")
		}
	}
	return c, nil
}

func validateMessage(req *MessageRequest, fields map[string]string, prefix string) (model.MessageKind, model.Direction) {
	kind := model.KindReply
	switch req.Kind {
	case "", "reply":
	case "note":
		kind = model.KindNote
	default:
		fields[prefix+"kind"] = "must be reply or note"
	}
	dir := model.Outgoing
	switch req.Direction {
	case "", "outgoing":
	case "incoming":
		dir = model.Incoming
	default:
		fields[prefix+"direction"] = "must be incoming or outgoing"
	}
	if kind == model.KindNote && dir == model.Incoming {
		fields[prefix+"kind"] = "a note is internal and cannot come from the customer"
	}
	if req.TemplateID != nil && (*req.TemplateID <= 0 || kind == model.KindNote || dir == model.Incoming) {
		fields[prefix+"template_id"] = "must be a template id, for an outgoing reply"
	}
	if len(req.Files) > MaxFiles {
		fields[prefix+"file"] = "at most 10 files a message"
	}
	req.Body = strings.TrimSpace(req.Body)
	switch {
	case req.Body == "" && req.TemplateID != nil:
		// The template is rendered for the conversation when it is sent.
	case req.Body == "" && len(req.Files) > 0:
		// A file on its own says enough.
	case req.Body == "":
		fields[prefix+"body"] = "is required"
	case len(req.Body) > MaxBodyLength:
		fields[prefix+"body"] = "must be at most 100000 bytes"
	case !utf8.ValidString(req.Body):
		fields[prefix+"body"] = "must be valid UTF-8"
	}
	return kind, dir
}

// mayWriteIncoming: recording a customer's message by hand is for channels
// whose messages arrive through integrations (api, phone), and for admins.
func mayWriteIncoming(actor model.Actor, ch model.Channel) error {
	if actor.Role == model.RoleAdmin || ch == model.ChannelAPI || ch == model.ChannelPhone {
		return nil
	}
	return apperr.Forbidden("incoming messages can be recorded by hand only in api and phone inboxes, or by an admin")
}

// Create starts a conversation with its first message.
func (s *Service) Create(ctx context.Context, actor model.Actor, req CreateRequest) (model.Conversation, error) {
	fields := map[string]string{}
	if req.InboxID <= 0 {
		fields["inbox_id"] = "is required"
	}
	req.Subject = strings.TrimSpace(req.Subject)
	if len(req.Subject) > MaxSubjectLength {
		fields["subject"] = "must be at most 500 characters"
	}
	priority := model.PriorityNormal
	if req.Priority != "" {
		p, ok := model.ParsePriority(req.Priority)
		if !ok {
			fields["priority"] = "must be one of low, normal, high, urgent"
		}
		priority = p
	}
	kind, dir := validateMessage(&req.Message, fields, "message.")
	if req.Message.TemplateID != nil {
		fields["message.template_id"] = "templates fill in a conversation's values: start the conversation, then reply with the template"
	}
	if kind == model.KindNote {
		fields["message.kind"] = "a conversation starts with a reply, not a note"
	}
	if len(fields) > 0 {
		return model.Conversation{}, apperr.Invalid("the conversation is not valid", fields)
	}
	var id int64
	err := s.run(ctx, actor, func(o *op) error {
		inbox, err := o.tx.InboxByID(ctx, req.InboxID)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.Field("inbox_id", "no such inbox")
		} else if err != nil {
			return err
		}
		if ok, err := o.canSee(ctx, inbox.ID); err != nil {
			return err
		} else if !ok {
			return apperr.Field("inbox_id", "no such inbox")
		}
		if dir == model.Incoming {
			if err := mayWriteIncoming(actor, inbox.Channel); err != nil {
				return err
			}
		}
		contactID, err := contact.Resolve(ctx, o.tx, req.Contact, o.now)
		if err != nil {
			return err
		}
		c, err := o.create(ctx, store.ConversationInsert{InboxID: inbox.ID, ContactID: contactID, Subject: req.Subject,
			Status: model.StatusNew, Priority: priority}, nil)
		if err != nil {
			return err
		}
		id = c.ID
		o.auto.msgAuto = req.Message.Auto
		_, _, err = o.addMessage(ctx, &c, inbox, kind, dir, req.Message.Body)
		return err
	})
	if err != nil {
		return model.Conversation{}, err
	}
	return s.store.ConversationByID(ctx, id)
}

func (o *op) create(ctx context.Context, in store.ConversationInsert, previous *model.Conversation) (model.Conversation, error) {
	in.Now = o.now
	if previous != nil {
		in.PreviousConversationID = &previous.ID
	}
	id, err := o.tx.CreateConversation(ctx, in)
	if err != nil {
		if errors.Is(err, store.ErrReference) {
			return model.Conversation{}, apperr.Invalid("the conversation refers to something that does not exist", nil)
		}
		return model.Conversation{}, err
	}
	after := map[string]any{"status": in.Status, "inbox_id": in.InboxID, "contact_id": in.ContactID, "subject": in.Subject,
		"priority": in.Priority}
	if previous != nil {
		after["previous_conversation_id"] = previous.ID
	}
	if err := o.event(ctx, id, "conversation.created", nil, after); err != nil {
		return model.Conversation{}, err
	}
	o.trigger(Trigger{Event: TriggerCreated, ConversationID: id})
	if previous != nil {
		if err := o.event(ctx, previous.ID, "conversation.followed_up", nil, map[string]any{"conversation_id": id}); err != nil {
			return model.Conversation{}, err
		}
	}
	return o.tx.ConversationByID(ctx, id)
}

// AddMessage adds a reply or note. A customer message to a closed
// conversation (or to a resolved one past the inbox's reopen window) starts
// a new conversation linked to the old one; the message says where it went.
func (s *Service) AddMessage(ctx context.Context, actor model.Actor, convID int64, req MessageRequest) (model.Message, error) {
	fields := map[string]string{}
	kind, dir := validateMessage(&req, fields, "")
	var then *model.Status
	if req.Status != "" {
		st := model.Status(req.Status)
		if st != model.StatusOpen && st != model.StatusPending && st != model.StatusResolved {
			fields["status"] = "must be open, pending or resolved"
		}
		if dir == model.Incoming {
			fields["status"] = "only an agent's message can set the status"
		}
		then = &st
	}
	if len(fields) > 0 {
		return model.Message{}, apperr.Invalid("the message is not valid", fields)
	}
	var msg model.Message
	err := s.run(ctx, actor, func(o *op) error {
		c, err := o.load(ctx, convID)
		if err != nil {
			return err
		}
		inbox, err := o.tx.InboxByID(ctx, c.InboxID)
		if err != nil {
			return err
		}
		if dir == model.Incoming {
			if err := mayWriteIncoming(actor, inbox.Channel); err != nil {
				return err
			}
		}
		if len(req.Files) > 0 && kind == model.KindReply && dir == model.Outgoing && inbox.Channel != model.ChannelChat {
			// Email, API and phone replies leave as text: a file would
			// look sent and never arrive.
			return apperr.Field("file", "files go out with replies in chat inboxes only; attach them to a note here")
		}
		if req.LastSeenMessageID != nil {
			n, err := o.tx.CountMessagesSince(ctx, c.ID, *req.LastSeenMessageID, actor.UserID)
			if err != nil {
				return err
			}
			if n > 0 {
				return &apperr.Error{Kind: apperr.KindConflict,
					Message: fmt.Sprintf("%d new message(s) arrived while you were writing; review them, then send again", n),
					Fields:  map[string]string{"last_seen_message_id": "is no longer the newest message"}}
			}
		}
		if req.Body == "" && req.TemplateID != nil {
			if o.s.auto.Templates == nil {
				return apperr.Field("template_id", "templates are not available")
			}
			if req.Body, err = o.s.auto.Templates.RenderTx(ctx, o.tx, actor, *req.TemplateID, c, true); err != nil {
				return err
			}
		}
		o.auto.msgAuto = req.Auto
		msg, c, err = o.addMessage(ctx, &c, inbox, kind, dir, req.Body)
		if err != nil {
			return err
		}
		if err := o.attach(ctx, msg, req.Files); err != nil {
			return err
		}
		if req.TemplateID != nil {
			if err := o.tx.CountTemplateUse(ctx, *req.TemplateID, o.now); err != nil {
				return err
			}
		}
		if then != nil {
			action, err := actionForStatus(*then)
			if err != nil {
				return err
			}
			if err := o.setStatus(ctx, &c, inbox, action); err != nil {
				return err
			}
			return o.tx.SaveConversation(ctx, c)
		}
		return nil
	})
	return msg, err
}

// addMessage writes a message and its effects on the conversation, and
// returns the conversation as it now is (a new one for a follow-up).
func (o *op) addMessage(ctx context.Context, c *model.Conversation, inbox model.Inbox, kind model.MessageKind, dir model.Direction, body string) (model.Message, model.Conversation, error) {
	action := ActAgentReply
	switch {
	case kind == model.KindNote:
		action = ActNote
	case o.actor.IsSystem() && dir == model.Outgoing:
		// An automatic reply (acknowledgement, survey, rule) is no agent's
		// answer: it neither opens the conversation nor stops its clocks.
		action = ActNote
	case dir == model.Incoming:
		action = ActCustomerMessage
	}
	// A customer writing to a merged-away thread reaches its target.
	for hops := 0; action == ActCustomerMessage && c.MergedIntoID != nil && hops < 16; hops++ {
		next, err := o.tx.ConversationByID(ctx, *c.MergedIntoID)
		if err != nil {
			return model.Message{}, *c, err
		}
		c = &next
		if inbox.ID != c.InboxID {
			if inbox, err = o.tx.InboxByID(ctx, c.InboxID); err != nil {
				return model.Message{}, *c, err
			}
		}
	}
	if _, err := Next(c.Status, action); err != nil {
		return model.Message{}, *c, err
	}
	if action == ActCustomerMessage && (c.Status == model.StatusClosed ||
		(c.Status == model.StatusResolved && c.ResolvedAt != nil && o.now.Sub(*c.ResolvedAt) > inbox.ReopenWindow)) {
		next, err := o.create(ctx, store.ConversationInsert{InboxID: c.InboxID, ContactID: c.Contact.ID, Subject: c.Subject,
			Status: model.StatusNew, Priority: c.Priority}, c)
		if err != nil {
			return model.Message{}, *c, err
		}
		c = &next
	}

	senderType, senderID := model.SenderUser, &o.actor.UserID
	if dir == model.Incoming {
		senderType, senderID = model.SenderContact, &c.Contact.ID
	} else if o.actor.IsSystem() {
		senderType, senderID = model.SenderSystem, nil
	}
	msg, err := o.tx.CreateMessage(ctx, store.MessageInsert{ConversationID: c.ID, Kind: kind, Direction: dir,
		SenderType: senderType, SenderID: senderID, Body: body, Now: o.now})
	if err != nil {
		return msg, *c, err
	}
	msg.SenderName = o.actor.Name
	if senderType == model.SenderContact {
		msg.SenderName = c.Contact.Name
	}
	if err := o.event(ctx, c.ID, "message.created", nil, map[string]any{"message_id": msg.ID, "kind": kind, "direction": dir}); err != nil {
		return msg, *c, err
	}
	if err := o.deliver(ctx, *c, inbox, msg); err != nil {
		return msg, *c, err
	}
	o.messageAdded(c, msg)
	c.MessageCount++
	c.LastActivityAt, c.UpdatedAt = o.now, o.now
	if kind == model.KindReply {
		c.Preview = preview(body)
	}
	switch action {
	case ActCustomerMessage:
		if c.WaitingSince == nil {
			c.WaitingSince = &o.now
		}
		if c.SnoozedUntil != nil {
			if err := o.setSnooze(ctx, c, nil, "customer replied"); err != nil {
				return msg, *c, err
			}
		}
	case ActAgentReply:
		if c.WaitingSince != nil && c.FirstResponseAt == nil {
			c.FirstResponseAt = &o.now
		}
		c.WaitingSince = nil
	}
	if err := o.setStatus(ctx, c, inbox, action); err != nil {
		return msg, *c, err
	}
	if err := o.tx.SaveConversationActivity(ctx, *c); err != nil {
		return msg, *c, err
	}
	return msg, *c, nil
}

// attach records a message's files.
func (o *op) attach(ctx context.Context, msg model.Message, files []model.Attachment) error {
	for _, f := range files {
		f.MessageID = msg.ID
		if err := o.tx.CreateAttachment(ctx, f, msg.CreatedAt); err != nil {
			return err
		}
	}
	return nil
}

func preview(body string) string {
	body = strings.Join(strings.Fields(body), " ")
	if utf8.RuneCountInString(body) <= maxPreview {
		return body
	}
	r := []rune(body)
	return string(r[:maxPreview-1]) + "…"
}

// setStatus applies action to c's status, records the change and schedules
// what the new status waits for. It does not save c.
func (o *op) setStatus(ctx context.Context, c *model.Conversation, inbox model.Inbox, action Action) error {
	to, err := Next(c.Status, action)
	if err != nil {
		return err
	}
	if to == c.Status {
		return nil
	}
	before := c.Status
	c.Status, c.StatusChangedAt, c.UpdatedAt = to, o.now, o.now
	switch to {
	case model.StatusResolved:
		c.ResolvedAt = &o.now
	case model.StatusClosed:
		c.ClosedAt = &o.now
	}
	// Done is done: nobody is left waiting on a resolved or closed
	// conversation, answered or not; a customer message starts the clock again.
	if to == model.StatusResolved || to == model.StatusClosed {
		c.WaitingSince = nil
	}
	after := map[string]any{"status": to, "reason": string(action)}
	if err := o.event(ctx, c.ID, "status.changed", map[string]any{"status": before}, after); err != nil {
		return err
	}
	o.trigger(Trigger{Event: TriggerStatusChanged, ConversationID: c.ID})
	if !snoozable(to) && c.SnoozedUntil != nil {
		if err := o.setSnooze(ctx, c, nil, "status changed"); err != nil {
			return err
		}
	}
	stamp := store.Millis(c.StatusChangedAt)
	switch to {
	case model.StatusPending:
		return o.s.jobs.InsertTx(ctx, o.tx, AutoResolveArgs{ConversationID: c.ID, StatusChangedAt: stamp},
			&river.InsertOpts{ScheduledAt: o.now.Add(inbox.AutoResolveAfter)})
	case model.StatusResolved:
		return o.s.jobs.InsertTx(ctx, o.tx, AutoCloseArgs{ConversationID: c.ID, StatusChangedAt: stamp},
			&river.InsertOpts{ScheduledAt: o.now.Add(inbox.AutoCloseAfter)})
	}
	return nil
}

// setSnooze sets or clears snoozed_until, records it, and schedules the
// wake-up. It does not save c.
func (o *op) setSnooze(ctx context.Context, c *model.Conversation, until *time.Time, reason string) error {
	before := map[string]any{"snoozed_until": c.SnoozedUntil}
	c.SnoozedUntil, c.UpdatedAt = until, o.now
	after := map[string]any{"snoozed_until": until}
	if reason != "" {
		after["reason"] = reason
	}
	if err := o.event(ctx, c.ID, "snooze.changed", before, after); err != nil {
		return err
	}
	if until == nil || until.Equal(SnoozeUntilReply) {
		return nil // until the customer replies: their message ends it
	}
	return o.s.jobs.InsertTx(ctx, o.tx, WakeArgs{ConversationID: c.ID, SnoozedUntil: store.Millis(*until)},
		&river.InsertOpts{ScheduledAt: *until})
}

// validatePatch checks a patch's values and returns its parsed priority.
func (s *Service) validatePatch(p *Patch, requireChange bool) (model.Priority, error) {
	fields := map[string]string{}
	var priority model.Priority
	if p.Priority != nil {
		var ok bool
		if priority, ok = model.ParsePriority(*p.Priority); !ok {
			fields["priority"] = "must be one of low, normal, high, urgent"
		}
	}
	if p.Status != nil && !p.Status.Valid() {
		fields["status"] = "must be one of new, open, pending, resolved, closed"
	}
	if p.Subject != nil {
		*p.Subject = strings.TrimSpace(*p.Subject)
		if len(*p.Subject) > MaxSubjectLength {
			fields["subject"] = "must be at most 500 characters"
		}
	}
	if p.AssigneeID.Set && !p.AssigneeID.Null && p.AssigneeID.Value <= 0 {
		fields["assignee_id"] = "must be a user id or null"
	}
	if p.TeamID.Set && !p.TeamID.Null && p.TeamID.Value <= 0 {
		fields["team_id"] = "must be a team id or null"
	}
	if p.SnoozedUntil.Set && !p.SnoozedUntil.Null && !p.SnoozedUntil.Value.After(s.now()) {
		fields["snoozed_until"] = "must be in the future"
	}
	if p.SnoozedUntilReply != nil {
		if p.SnoozedUntil.Set {
			fields["snoozed_until_reply"] = "send either snoozed_until or snoozed_until_reply"
		} else if *p.SnoozedUntilReply {
			p.SnoozedUntil = model.Nullable[time.Time]{Set: true, Value: SnoozeUntilReply}
		} else {
			p.SnoozedUntil = model.Nullable[time.Time]{Set: true, Null: true}
		}
	}
	if len(fields) > 0 {
		return priority, apperr.Invalid("the change is not valid", fields)
	}
	if requireChange && !p.editsFields() && p.Status == nil {
		return priority, apperr.Invalid("nothing to change: send at least one of status, priority, assignee_id, team_id, snoozed_until, subject", nil)
	}
	return priority, nil
}

func (p Patch) editsFields() bool {
	return p.Priority != nil || p.Subject != nil || p.AssigneeID.Set || p.TeamID.Set || p.SnoozedUntil.Set
}

// Update applies a patch: each changed field is one event, all in one transaction.
func (s *Service) Update(ctx context.Context, actor model.Actor, id int64, p Patch) (model.Conversation, error) {
	priority, err := s.validatePatch(&p, true)
	if err != nil {
		return model.Conversation{}, err
	}
	err = s.run(ctx, actor, func(o *op) error {
		c, err := o.load(ctx, id)
		if err != nil {
			return err
		}
		if err := o.applyPatch(ctx, &c, p, priority); err != nil {
			return err
		}
		c.UpdatedAt = o.now
		return o.tx.SaveConversation(ctx, c)
	})
	if err != nil {
		return model.Conversation{}, err
	}
	return s.store.ConversationByID(ctx, id)
}

// applyPatch applies a validated patch to c, writing one event per change.
// It does not save c.
func (o *op) applyPatch(ctx context.Context, c *model.Conversation, p Patch, priority model.Priority) error {
	inbox, err := o.tx.InboxByID(ctx, c.InboxID)
	if err != nil {
		return err
	}
	if p.editsFields() {
		if _, err := Next(c.Status, ActEdit); err != nil {
			return err
		}
	}
	if p.Subject != nil && *p.Subject != c.Subject {
		if err := o.event(ctx, c.ID, "subject.changed", map[string]any{"subject": c.Subject}, map[string]any{"subject": *p.Subject}); err != nil {
			return err
		}
		c.Subject = *p.Subject
	}
	if p.Priority != nil && priority != c.Priority {
		if err := o.event(ctx, c.ID, "priority.changed", map[string]any{"priority": c.Priority}, map[string]any{"priority": priority}); err != nil {
			return err
		}
		c.Priority = priority
	}
	if p.AssigneeID.Set && !sameID(c.AssigneeID, p.AssigneeID.Ptr()) {
		if !p.AssigneeID.Null {
			if err := o.checkAssignee(ctx, inbox.ID, p.AssigneeID.Value); err != nil {
				return err
			}
		}
		if err := o.event(ctx, c.ID, "assignee.changed", map[string]any{"assignee_id": c.AssigneeID}, map[string]any{"assignee_id": p.AssigneeID.Ptr()}); err != nil {
			return err
		}
		c.AssigneeID = p.AssigneeID.Ptr()
	}
	if p.TeamID.Set && !sameID(c.TeamID, p.TeamID.Ptr()) {
		if !p.TeamID.Null {
			if ok, err := o.tx.TeamExists(ctx, p.TeamID.Value); err != nil {
				return err
			} else if !ok {
				return apperr.Field("team_id", "no such team")
			}
		}
		if err := o.event(ctx, c.ID, "team.changed", map[string]any{"team_id": c.TeamID}, map[string]any{"team_id": p.TeamID.Ptr()}); err != nil {
			return err
		}
		c.TeamID = p.TeamID.Ptr()
	}
	if p.Status != nil {
		action, err := actionForStatus(*p.Status)
		if err != nil {
			if *p.Status != c.Status {
				return err
			}
		} else if err := o.setStatus(ctx, c, inbox, action); err != nil {
			return err
		}
	}
	if p.SnoozedUntil.Set {
		until := p.SnoozedUntil.Ptr()
		if until != nil {
			t := until.UTC().Truncate(time.Millisecond)
			until = &t
			if !snoozable(c.Status) {
				return apperr.Conflict("only open or pending conversations can be snoozed; this one is " + string(c.Status))
			}
		}
		if !sameTime(c.SnoozedUntil, until) {
			if err := o.setSnooze(ctx, c, until, ""); err != nil {
				return err
			}
		}
	}
	return nil
}

func (o *op) checkAssignee(ctx context.Context, inboxID, userID int64) error {
	u, err := o.tx.UserByID(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return apperr.Field("assignee_id", "no such user")
	} else if err != nil {
		return err
	}
	if u.Role.SeesAll() {
		return nil
	}
	ok, err := o.tx.IsInboxMember(ctx, inboxID, userID)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Field("assignee_id", "that user is not a member of the conversation's inbox")
	}
	return nil
}

func sameID(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// NormalizeTag trims and lower-cases a tag name, or says what is wrong with it.
func NormalizeTag(name string) (string, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" || utf8.RuneCountInString(name) > MaxTagLength || strings.ContainsAny(name, ",\n\r\t") {
		return "", errors.New("tags are 1 to 50 characters, without commas or line breaks")
	}
	return name, nil
}

func normalizeTags(tags []string) ([]string, error) {
	if len(tags) == 0 || len(tags) > 50 {
		return nil, apperr.Field("tags", "send 1 to 50 tags")
	}
	names := make([]string, 0, len(tags))
	for _, t := range tags {
		n, err := NormalizeTag(t)
		if err != nil {
			return nil, apperr.Field("tags", err.Error())
		}
		names = append(names, n)
	}
	return names, nil
}

// AddTags tags a conversation; tags it already has are left alone.
func (s *Service) AddTags(ctx context.Context, actor model.Actor, id int64, tags []string) (model.Conversation, error) {
	names, err := normalizeTags(tags)
	if err != nil {
		return model.Conversation{}, err
	}
	err = s.run(ctx, actor, func(o *op) error {
		c, err := o.load(ctx, id)
		if err != nil {
			return err
		}
		if err := o.addTags(ctx, &c, names); err != nil {
			return err
		}
		return o.tx.SaveConversation(ctx, c)
	})
	if err != nil {
		return model.Conversation{}, err
	}
	return s.store.ConversationByID(ctx, id)
}

func (o *op) addTags(ctx context.Context, c *model.Conversation, names []string) error {
	if _, err := Next(c.Status, ActEdit); err != nil {
		return err
	}
	var added []string
	for _, n := range names {
		tagID, err := o.tx.EnsureTag(ctx, n)
		if err != nil {
			return err
		}
		isNew, err := o.tx.AddConversationTag(ctx, c.ID, tagID)
		if err != nil {
			return err
		}
		if isNew {
			added = append(added, n)
		}
	}
	if len(added) == 0 {
		return nil
	}
	c.UpdatedAt = o.now
	return o.event(ctx, c.ID, "tags.added", nil, map[string]any{"tags": added})
}

// RemoveTag untags a conversation.
func (s *Service) RemoveTag(ctx context.Context, actor model.Actor, id int64, tag string) (model.Conversation, error) {
	name, err := NormalizeTag(tag)
	if err != nil {
		return model.Conversation{}, apperr.Field("tag", err.Error())
	}
	err = s.run(ctx, actor, func(o *op) error {
		c, err := o.load(ctx, id)
		if err != nil {
			return err
		}
		removed, err := o.removeTags(ctx, &c, []string{name})
		if err != nil {
			return err
		}
		if len(removed) == 0 {
			return apperr.NotFound("tag " + name + " on this conversation")
		}
		return o.tx.SaveConversation(ctx, c)
	})
	if err != nil {
		return model.Conversation{}, err
	}
	return s.store.ConversationByID(ctx, id)
}

// removeTags untags c and reports which of names it carried.
func (o *op) removeTags(ctx context.Context, c *model.Conversation, names []string) ([]string, error) {
	if _, err := Next(c.Status, ActEdit); err != nil {
		return nil, err
	}
	var removed []string
	for _, n := range names {
		ok, err := o.tx.RemoveConversationTag(ctx, c.ID, n)
		if err != nil {
			return nil, err
		}
		if ok {
			removed = append(removed, n)
		}
	}
	if len(removed) == 0 {
		return nil, nil
	}
	c.UpdatedAt = o.now
	return removed, o.event(ctx, c.ID, "tags.removed", nil, map[string]any{"tags": removed})
}

// Messages lists a conversation's messages, oldest first.
func (s *Service) Messages(ctx context.Context, actor model.Actor, id, afterID int64, limit int) ([]model.Message, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return nil, err
	}
	msgs, err := s.store.ListMessages(ctx, id, afterID, limit)
	return s.withDetails(ctx, msgs, err)
}

// Events lists a conversation's recorded changes, oldest first.
func (s *Service) Events(ctx context.Context, actor model.Actor, id, afterID int64, limit int) ([]model.Event, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.store.ListEvents(ctx, id, afterID, limit)
}
