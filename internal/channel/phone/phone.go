// Package phone is the phone channel: a telephony provider (or a small
// bridge in front of one) reports calls to a signed webhook, and each call
// lands in the customer's conversation timeline, found by phone number.
package phone

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/channel/apichannel"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// Service receives the phone channel's call reports.
type Service struct {
	store  *store.Store
	conv   *conversation.Service
	now    func() time.Time
	claims atomic.Int64
}

// New returns the phone channel.
func New(st *store.Store, conv *conversation.Service, now func() time.Time) *Service {
	return &Service{store: st, conv: conv, now: now}
}

// CallReport is the body of POST /channels/phone/{inbox}/calls.
type CallReport struct {
	// CallID is the provider's id of the call; a redelivery changes nothing.
	CallID          string     `json:"call_id"`
	Direction       string     `json:"direction"`
	Outcome         string     `json:"outcome"`
	From            string     `json:"from"`
	To              string     `json:"to"`
	CustomerName    string     `json:"customer_name"`
	DurationSeconds int        `json:"duration_seconds"`
	RecordingURL    string     `json:"recording_url"`
	Transcript      string     `json:"transcript"`
	StartedAt       *time.Time `json:"started_at"`
}

// CallResult says where a reported call went.
type CallResult struct {
	Call           model.Call `json:"call"`
	ConversationID int64      `json:"conversation_id"`
	Duplicate      bool       `json:"duplicate"`
}

// Receive records a signed call report.
func (s *Service) Receive(ctx context.Context, inboxID int64, timestamp, signature string, body []byte) (CallResult, error) {
	inbox, err := apichannel.Inbox(ctx, s.store, inboxID, model.ChannelPhone)
	if err != nil {
		return CallResult{}, err
	}
	if err := apichannel.Authenticate(ctx, s.store, inbox, timestamp, signature, body, s.now(), &s.claims); err != nil {
		return CallResult{}, err
	}
	var rep CallReport
	if err := apichannel.DecodeStrict(body, &rep); err != nil {
		return CallResult{}, err
	}
	fields := map[string]string{}
	if rep.CallID == "" || len(rep.CallID) > apichannel.MaxExternalID {
		fields["call_id"] = "is required (your id of the call, so a redelivery is recognised), at most 150 characters"
	}
	customer, customerField := rep.From, "from"
	if rep.Direction == "outbound" {
		customer, customerField = rep.To, "to"
	}
	phone, err := contact.NormalizePhone(customer)
	if err != nil {
		fields[customerField] = "the customer's number " + err.Error()
	}
	if len(fields) > 0 {
		return CallResult{}, apperr.Invalid("the call is not valid", fields)
	}
	call, dup, err := s.conv.ReceiveCall(ctx, conversation.InboundCall{
		InboxID:    inbox.ID,
		Contact:    contact.Ref{Phone: phone, Name: strings.TrimSpace(rep.CustomerName)},
		ExternalID: rep.CallID,
		Call: conversation.CallRequest{Direction: rep.Direction, Outcome: rep.Outcome, DurationSeconds: rep.DurationSeconds,
			Caller: rep.From, Callee: rep.To, RecordingURL: rep.RecordingURL, Transcript: rep.Transcript, StartedAt: rep.StartedAt},
	})
	if err != nil {
		return CallResult{}, err
	}
	return CallResult{Call: call, ConversationID: call.ConversationID, Duplicate: dup}, nil
}
