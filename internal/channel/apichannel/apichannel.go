// Package apichannel is the API channel: integrations (social networks,
// messaging apps, in-house tools) post signed customer messages to Parley,
// and agent replies go back to the inbox's callback URL as signed webhooks
// from durable jobs, logged so an admin can read and retry them.
package apichannel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/channel"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// Service receives the API channel's messages and delivers its replies.
type Service struct {
	store *store.Store
	conv  *conversation.Service
	now   func() time.Time
	hooks *channel.Webhooks
	// claims counts accepted signatures, to forget old ones now and then.
	claims atomic.Int64
}

// New returns the API channel and makes it deliver the replies of every
// api inbox.
func New(st *store.Store, conv *conversation.Service, hooks *channel.Webhooks, now func() time.Time) *Service {
	s := &Service{store: st, conv: conv, now: now, hooks: hooks}
	conv.SetOutbound(model.ChannelAPI, s.enqueue)
	return s
}

// Sender is who wrote an inbound message, in the integration's terms.
type Sender struct {
	ExternalID string `json:"external_id"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	Phone      string `json:"phone"`
}

// MessageRequest is the body of POST /channels/api/{inbox}/messages.
type MessageRequest struct {
	Sender Sender `json:"sender"`
	// MessageID is the integration's id of the message; a redelivery with
	// the same id changes nothing and answers the first result.
	MessageID string `json:"message_id"`
	// ConversationID, optional, is the integration's thread id: messages
	// with the same one share a conversation.
	ConversationID string `json:"conversation_id"`
	Subject        string `json:"subject"`
	Body           string `json:"body"`
}

// MessageResult says where an inbound message went.
type MessageResult struct {
	MessageID      int64 `json:"message_id"`
	ConversationID int64 `json:"conversation_id"`
	ContactID      int64 `json:"contact_id"`
	Duplicate      bool  `json:"duplicate"`
}

// MaxExternalID bounds the integration's ids.
const MaxExternalID = 150

// ExternalIdentity is the contact identity of an API inbox's sender:
// namespaced by inbox, so two integrations' user "42" are two people.
func ExternalIdentity(inboxID int64, externalID string) string {
	return "api:" + strconv.FormatInt(inboxID, 10) + ":" + externalID
}

// Inbox reads an inbox of the given channel; any other answers not found,
// so a URL cannot be pointed at an inbox of another kind.
func Inbox(ctx context.Context, st *store.Store, id int64, ch model.Channel) (model.Inbox, error) {
	in, err := st.InboxByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && in.Channel != ch) {
		return in, apperr.NotFound(string(ch) + " inbox")
	}
	return in, err
}

// Authenticate checks a signed request to an inbox and refuses a replay: a
// signature is accepted once. claims counts accepted signatures.
func Authenticate(ctx context.Context, st *store.Store, inbox model.Inbox, timestamp, signature string, body []byte, now time.Time, claims *atomic.Int64) error {
	digest, err := channel.Verify(channel.SettingsOf(inbox).Secret, timestamp, signature, body, now)
	if err != nil {
		return err
	}
	var fresh bool
	err = st.InTx(ctx, func(tx *store.Tx) error {
		var err error
		fresh, err = tx.ClaimChannelKey(ctx, inbox.ID, store.KeySignature, digest, 0, now)
		return err
	})
	if err != nil {
		return err
	}
	if !fresh {
		return apperr.Conflict("this signed request was already received (replay refused); sign a retry again with a new timestamp")
	}
	// Signatures older than the accepted skew cannot come back; forget
	// them now and then.
	if claims.Add(1)%500 == 1 {
		if err := st.DeleteChannelKeys(ctx, store.KeySignature, now.Add(-2*channel.MaxSkew)); err != nil {
			return err
		}
	}
	return nil
}

// DecodeStrict reads a JSON object body, refusing unknown fields.
func DecodeStrict(body []byte, v any) error {
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' {
		return apperr.Invalid("the body must be a JSON object", nil)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return apperr.Field(strings.Trim(name, `"`), "is not a known field")
		}
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return apperr.Field(typeErr.Field, "has the wrong type")
		}
		return apperr.Invalid("the body is not valid JSON", nil)
	}
	if dec.More() {
		return apperr.Invalid("the body has data after its JSON value", nil)
	}
	if bytes.Contains(body, []byte(`\u0000`)) {
		return apperr.Invalid(`the body holds a NUL character (\u0000), which no text may contain`, nil)
	}
	return nil
}

// Receive records a signed inbound message.
func (s *Service) Receive(ctx context.Context, inboxID int64, timestamp, signature string, body []byte) (MessageResult, error) {
	inbox, err := Inbox(ctx, s.store, inboxID, model.ChannelAPI)
	if err != nil {
		return MessageResult{}, err
	}
	now := s.now()
	if err := Authenticate(ctx, s.store, inbox, timestamp, signature, body, now, &s.claims); err != nil {
		return MessageResult{}, err
	}
	var req MessageRequest
	if err := DecodeStrict(body, &req); err != nil {
		return MessageResult{}, err
	}
	fields := map[string]string{}
	req.Sender.ExternalID = strings.TrimSpace(req.Sender.ExternalID)
	if req.Sender.ExternalID == "" || len(req.Sender.ExternalID) > MaxExternalID {
		fields["sender.external_id"] = "is required, at most 150 characters"
	}
	if req.MessageID == "" || len(req.MessageID) > MaxExternalID {
		fields["message_id"] = "is required (your id of the message, so a redelivery is recognised), at most 150 characters"
	}
	if len(req.ConversationID) > MaxExternalID {
		fields["conversation_id"] = "must be at most 150 characters"
	}
	if len(req.Sender.Name) > 200 {
		fields["sender.name"] = "must be at most 200 characters"
	}
	if len(fields) > 0 {
		return MessageResult{}, apperr.Invalid("the message is not valid", fields)
	}
	name := strings.TrimSpace(req.Sender.Name)
	if name == "" {
		name = req.Sender.ExternalID
	}
	got, err := s.conv.ReceiveKeyed(ctx, conversation.Inbound{
		InboxID: inbox.ID,
		Contact: contact.Ref{ExternalID: ExternalIdentity(inbox.ID, req.Sender.ExternalID), Name: name,
			Email: req.Sender.Email, Phone: req.Sender.Phone},
		Subject: strings.TrimSpace(req.Subject), Body: req.Body,
		MessageKey: req.MessageID, ThreadKey: req.ConversationID,
	})
	if err != nil {
		return MessageResult{}, err
	}
	return MessageResult{MessageID: got.Message.ID, ConversationID: got.Message.ConversationID,
		ContactID: got.Conversation.Contact.ID, Duplicate: got.Duplicate}, nil
}

// ReplyPayload is the JSON body of a reply webhook.
type ReplyPayload struct {
	Event        string `json:"event"`
	InboxID      int64  `json:"inbox_id"`
	Conversation struct {
		ID         int64  `json:"id"`
		ExternalID string `json:"external_id,omitempty"`
	} `json:"conversation"`
	Contact struct {
		ID         int64  `json:"id"`
		Name       string `json:"name"`
		ExternalID string `json:"external_id,omitempty"`
	} `json:"contact"`
	Message struct {
		ID         int64     `json:"id"`
		Body       string    `json:"body"`
		SenderName string    `json:"sender_name"`
		CreatedAt  time.Time `json:"created_at"`
	} `json:"message"`
}

// enqueue logs an agent reply's webhook and schedules its delivery, in the
// reply's transaction.
func (s *Service) enqueue(ctx context.Context, tx *store.Tx, c model.Conversation, inbox model.Inbox, msg model.Message) error {
	var p ReplyPayload
	p.Event, p.InboxID = "message.created", inbox.ID
	p.Conversation.ID = c.ID
	thread, err := tx.ThreadKeyOf(ctx, inbox.ID, c.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	p.Conversation.ExternalID = thread
	ct, err := tx.ContactByID(ctx, c.Contact.ID)
	if err != nil {
		return err
	}
	p.Contact.ID, p.Contact.Name = ct.ID, ct.Name
	prefix := ExternalIdentity(inbox.ID, "")
	for _, ident := range ct.Identities {
		if ident.Kind == model.IdentityExternal && strings.HasPrefix(ident.Value, prefix) {
			p.Contact.ExternalID = strings.TrimPrefix(ident.Value, prefix)
		}
	}
	p.Message.ID, p.Message.Body, p.Message.SenderName, p.Message.CreatedAt = msg.ID, msg.Body, msg.SenderName, msg.CreatedAt
	payload, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("reply payload: %w", err)
	}
	return s.hooks.Enqueue(ctx, tx, store.Delivery{InboxID: inbox.ID, ConversationID: c.ID, MessageID: msg.ID, Kind: "webhook",
		Target: channel.SettingsOf(inbox).CallbackURL, Payload: string(payload), CreatedAt: msg.CreatedAt})
}
