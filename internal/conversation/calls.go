package conversation

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// CallRequest describes a phone call, logged by an agent or reported by a
// telephony provider.
type CallRequest struct {
	Direction       string     `json:"direction"`
	Outcome         string     `json:"outcome"`
	DurationSeconds int        `json:"duration_seconds"`
	Notes           string     `json:"notes"`
	Caller          string     `json:"caller"`
	Callee          string     `json:"callee"`
	RecordingURL    string     `json:"recording_url"`
	Transcript      string     `json:"transcript"`
	StartedAt       *time.Time `json:"started_at"`
}

// The call outcomes.
var callOutcomes = []string{"answered", "missed", "voicemail", "no_answer", "busy", "failed"}

func validateCall(req *CallRequest, fields map[string]string) {
	if req.Direction != "inbound" && req.Direction != "outbound" {
		fields["direction"] = "must be inbound or outbound"
	}
	ok := false
	for _, o := range callOutcomes {
		ok = ok || req.Outcome == o
	}
	if !ok {
		fields["outcome"] = "must be one of " + strings.Join(callOutcomes, ", ")
	}
	if req.DurationSeconds < 0 || req.DurationSeconds > 24*3600 {
		fields["duration_seconds"] = "must be 0 to 86400"
	}
	req.Notes = strings.TrimSpace(req.Notes)
	if len(req.Notes) > 10_000 || !utf8.ValidString(req.Notes) {
		fields["notes"] = "must be valid UTF-8, at most 10000 bytes"
	}
	if len(req.Transcript) > MaxBodyLength || !utf8.ValidString(req.Transcript) {
		fields["transcript"] = "must be valid UTF-8, at most 100000 bytes"
	}
	if len(req.Caller) > 50 {
		fields["caller"] = "must be at most 50 characters"
	}
	if len(req.Callee) > 50 {
		fields["callee"] = "must be at most 50 characters"
	}
	if req.RecordingURL != "" {
		u, err := url.Parse(req.RecordingURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(req.RecordingURL) > 2000 {
			fields["recording_url"] = "must be an http or https URL"
		}
	}
}

// LogCall records a call an agent made or took, by hand, in a conversation.
func (s *Service) LogCall(ctx context.Context, actor model.Actor, convID int64, req CallRequest) (model.Call, error) {
	fields := map[string]string{}
	validateCall(&req, fields)
	if len(fields) > 0 {
		return model.Call{}, apperr.Invalid("the call is not valid", fields)
	}
	var callID int64
	var c model.Conversation
	err := s.run(ctx, actor, func(o *op) error {
		var err error
		if c, err = o.load(ctx, convID); err != nil {
			return err
		}
		if c.MergedIntoID != nil {
			return apperr.Conflict("this conversation was merged into another; log the call there")
		}
		inbox, err := o.tx.InboxByID(ctx, c.InboxID)
		if err != nil {
			return err
		}
		callID, err = o.addCall(ctx, &c, inbox, req, "")
		return err
	})
	if err != nil {
		return model.Call{}, err
	}
	return s.call(ctx, c.ID, callID)
}

// InboundCall is a call reported by a telephony provider's webhook.
type InboundCall struct {
	InboxID int64
	// Contact is the customer's side of the call: the caller of an
	// inbound call, the callee of an outbound one.
	Contact    contact.Ref
	Call       CallRequest
	ExternalID string
}

// ReceiveCall records a provider's call in the customer's conversation: the
// latest one of the phone inbox that is not closed, or a new one. A missed
// call or voicemail leaves the customer waiting for a call-back.
func (s *Service) ReceiveCall(ctx context.Context, in InboundCall) (model.Call, bool, error) {
	fields := map[string]string{}
	validateCall(&in.Call, fields)
	if len(fields) > 0 {
		return model.Call{}, false, apperr.Invalid("the call is not valid", fields)
	}
	var callID, convID int64
	duplicate := false
	err := s.run(ctx, model.System, func(o *op) error {
		duplicate = false
		inbox, err := o.tx.InboxByID(ctx, in.InboxID)
		if err != nil {
			return inboxNotFound(err)
		}
		if in.ExternalID != "" {
			id, err := o.tx.ChannelKey(ctx, inbox.ID, store.KeyCall, in.ExternalID)
			if err == nil {
				duplicate, callID = true, id
				convID, err = o.tx.CallConversationID(ctx, id)
				return err
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		contactID, err := contact.Resolve(ctx, o.tx, in.Contact, o.now)
		if err != nil {
			return err
		}
		c, found, err := o.conversationFor(ctx, inbox.ID, contactID, "")
		if err != nil {
			return err
		}
		if found && c.Status == model.StatusResolved && c.ResolvedAt != nil && o.now.Sub(*c.ResolvedAt) > inbox.ReopenWindow {
			found = false
		}
		if !found {
			status := model.StatusOpen
			if waits(in.Call) {
				status = model.StatusNew
			}
			if c, err = o.create(ctx, store.ConversationInsert{InboxID: inbox.ID, ContactID: contactID, Subject: callSummary(in.Call),
				Status: status, Priority: model.PriorityNormal}, nil); err != nil {
				return err
			}
		}
		if callID, err = o.addCall(ctx, &c, inbox, in.Call, in.ExternalID); err != nil {
			return err
		}
		convID = c.ID
		if in.ExternalID != "" {
			if claimed, err := o.tx.ClaimChannelKey(ctx, inbox.ID, store.KeyCall, in.ExternalID, callID, o.now); err != nil {
				return err
			} else if !claimed {
				return apperr.Conflict("this call is being recorded by another request; retry to get its result")
			}
		}
		return nil
	})
	if err != nil {
		return model.Call{}, false, err
	}
	call, err := s.call(ctx, convID, callID)
	return call, duplicate, err
}

// waits reports whether a call leaves the customer waiting for a call-back.
func waits(req CallRequest) bool {
	return req.Direction == "inbound" && (req.Outcome == "missed" || req.Outcome == "voicemail")
}

func (s *Service) call(ctx context.Context, convID, callID int64) (model.Call, error) {
	calls, err := s.store.ListCalls(ctx, convID)
	if err != nil {
		return model.Call{}, err
	}
	for _, c := range calls {
		if c.ID == callID {
			return c, nil
		}
	}
	return model.Call{}, fmt.Errorf("call %d not in conversation %d", callID, convID)
}

// Calls lists a conversation's calls, oldest first.
func (s *Service) Calls(ctx context.Context, actor model.Actor, convID int64) ([]model.Call, error) {
	if _, err := s.Get(ctx, actor, convID); err != nil {
		return nil, err
	}
	return s.store.ListCalls(ctx, convID)
}

// addCall writes a call and its event, and moves the conversation as the
// call implies: a missed inbound call or voicemail is a customer waiting
// (reopening a resolved conversation), an answered outbound call is a
// response; anything else only records activity.
func (o *op) addCall(ctx context.Context, c *model.Conversation, inbox model.Inbox, req CallRequest, externalID string) (int64, error) {
	if _, err := Next(c.Status, ActEdit); err != nil {
		return 0, err
	}
	started := o.now
	if req.StartedAt != nil {
		started = req.StartedAt.UTC().Truncate(time.Millisecond)
	}
	var userID *int64
	if !o.actor.IsSystem() {
		userID = &o.actor.UserID
	}
	id, err := o.tx.CreateCall(ctx, store.CallInsert{InboxID: inbox.ID, ConversationID: c.ID, Direction: req.Direction, Outcome: req.Outcome,
		Caller: req.Caller, Callee: req.Callee, DurationSeconds: req.DurationSeconds, RecordingURL: req.RecordingURL,
		Transcript: req.Transcript, Notes: req.Notes, UserID: userID, ExternalID: externalID, StartedAt: started, Now: o.now})
	if err != nil {
		return 0, err
	}
	after := map[string]any{"call_id": id, "direction": req.Direction, "outcome": req.Outcome, "duration_seconds": req.DurationSeconds,
		"caller": req.Caller, "callee": req.Callee}
	for k, v := range map[string]string{"recording_url": req.RecordingURL, "notes": req.Notes, "transcript": preview(req.Transcript)} {
		if v != "" {
			after[k] = v
		}
	}
	if err := o.event(ctx, c.ID, "call.recorded", nil, after); err != nil {
		return 0, err
	}
	c.LastActivityAt, c.UpdatedAt = o.now, o.now
	if c.MessageCount == 0 {
		c.Preview = callSummary(req)
	}
	switch {
	case waits(req):
		if c.WaitingSince == nil {
			c.WaitingSince = &o.now
		}
		if err := o.setStatus(ctx, c, inbox, ActCustomerMessage); err != nil {
			return 0, err
		}
	case req.Direction == "outbound" && req.Outcome == "answered":
		if c.WaitingSince != nil && c.FirstResponseAt == nil {
			c.FirstResponseAt = &o.now
		}
		c.WaitingSince = nil
		if err := o.setStatus(ctx, c, inbox, ActAgentReply); err != nil {
			return 0, err
		}
	}
	return id, o.tx.SaveConversation(ctx, *c)
}

// callSummary says in a few words what a call was.
func callSummary(req CallRequest) string {
	who := req.Caller
	if req.Direction == "outbound" {
		who = req.Callee
	}
	var s string
	switch {
	case req.Outcome == "voicemail":
		s = "Voicemail"
	case req.Direction == "inbound" && req.Outcome == "missed":
		s = "Missed call"
	case req.Direction == "inbound":
		s = "Inbound call"
	default:
		s = "Outbound call"
	}
	if who != "" {
		if req.Direction == "inbound" {
			s += " from " + who
		} else {
			s += " to " + who
		}
	}
	if req.Outcome == "answered" || req.Outcome == "voicemail" {
		s += fmt.Sprintf(" (%d:%02d)", req.DurationSeconds/60, req.DurationSeconds%60)
	} else if req.Direction == "outbound" {
		s += " (" + strings.ReplaceAll(req.Outcome, "_", " ") + ")"
	}
	return s
}
