package conversation

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// InboundRequest is a customer's message arriving through a channel
// adapter (email, chat, API). The adapter's hooks run inside the one
// transaction that stores the message, so its own rows (a Message-ID, a
// mailbox position) commit or roll back together with the conversation.
type InboundRequest struct {
	InboxID int64
	Contact contact.Ref
	Subject string
	Body    string
	// Thread, if set, names the conversation the message continues, or 0
	// to start a new one. It may return ErrSkip to store nothing.
	Thread func(ctx context.Context, tx *store.Tx, contactID int64) (int64, error)
	// Record, if set, writes the adapter's rows for the stored message.
	Record func(ctx context.Context, tx *store.Tx, msg model.Message) error
	// NoAutoReply keeps automation from answering the message (no
	// acknowledgement, no rule's reply): it is auto-submitted (a bounce, an
	// out-of-office), or old mail fetched late, whose sender an instant
	// "we got your message" would only confuse. Rules still route it.
	NoAutoReply bool
}

// ErrSkip, returned by an InboundRequest hook, ends intake without storing
// anything and without an error (a duplicate, our own mail coming back).
var ErrSkip = errors.New("skipped")

// truncateRunes shortens s to at most n bytes on a character boundary.
func truncateRunes(s string, n int, suffix string) string {
	if len(s) <= n {
		return s
	}
	s = s[:n-len(suffix)]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + suffix
}

// Receive stores a customer's message from a channel: it finds or creates
// the contact, threads the message (or starts a conversation), and runs the
// adapter's hooks, all in one transaction. Mail longer than a message may
// be is cut, never refused: the customer wrote it.
func (s *Service) Receive(ctx context.Context, req InboundRequest) (model.Message, error) {
	var msg model.Message
	err := s.run(ctx, model.System, func(o *op) error {
		var err error
		msg, err = o.receive(ctx, req)
		return err
	})
	return msg, err
}

// BatchResult is what ReceiveBatch did with one request: the stored message,
// or Err (ErrSkip, or a typed invalid-input error) when it stored nothing.
type BatchResult struct {
	Message model.Message
	Err     error
}

// ReceiveBatch stores many inbound messages in one write transaction, as
// if each were its own command: each runs under a savepoint with its
// automation and clocks, so one that is skipped or invalid is undone alone
// (its BatchResult.Err says why) and the others commit. also, if set, runs
// last in the same transaction (a mailbox position covering them all). An
// internal error (the database) fails the whole batch and stores nothing.
func (s *Service) ReceiveBatch(ctx context.Context, reqs []InboundRequest, also func(ctx context.Context, tx *store.Tx) error) ([]BatchResult, error) {
	out := make([]BatchResult, len(reqs))
	err := s.run(ctx, model.System, func(o *op) error {
		clear(out)
		// Each message's savepoint stays open until the next message's
		// replaces it (one round trip instead of two on PostgreSQL). A
		// savepoint rolled back to is still open, so this holds after a
		// skipped message too.
		open := false
		for i, req := range reqs {
			next := o.tx.Savepoint
			if open {
				next = o.tx.NextSavepoint
			}
			if err := next(ctx); err != nil {
				return err
			}
			open = true
			events := len(o.events)
			msg, err := o.receive(ctx, req)
			if err == nil {
				// Run now what run would run at the end, so this message's
				// automation sees only its own triggers and can be undone
				// with it.
				if err = o.automate(ctx); err == nil {
					err = o.syncClocks(ctx)
				}
			}
			o.auto, o.changed, o.fresh = autoState{}, nil, nil
			if err == nil {
				out[i].Message = msg
				continue
			}
			if !errors.Is(err, ErrSkip) && apperr.KindOf(err) == apperr.KindInternal {
				return err
			}
			if rerr := o.tx.RollbackToSavepoint(ctx); rerr != nil {
				return rerr
			}
			o.events, o.fresh = o.events[:events], nil
			out[i].Err = err
		}
		if open {
			if err := o.tx.ReleaseSavepoint(ctx); err != nil {
				return err
			}
		}
		if also != nil {
			return also(ctx, o.tx)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (o *op) receive(ctx context.Context, req InboundRequest) (model.Message, error) {
	body := strings.TrimSpace(req.Body)
	if body == "" {
		body = "(no text)"
	}
	body = truncateRunes(body, MaxBodyLength, "\n…")
	subject := truncateRunes(strings.TrimSpace(req.Subject), MaxSubjectLength, "…")
	inbox, err := o.tx.InboxByID(ctx, req.InboxID)
	if errors.Is(err, store.ErrNotFound) {
		return model.Message{}, apperr.Field("inbox_id", "no such inbox")
	} else if err != nil {
		return model.Message{}, err
	}
	contactID, err := contact.Resolve(ctx, o.tx, req.Contact, o.now)
	if err != nil {
		return model.Message{}, err
	}
	var convID int64
	if req.Thread != nil {
		if convID, err = req.Thread(ctx, o.tx, contactID); err != nil {
			return model.Message{}, err
		}
	}
	var c model.Conversation
	if convID != 0 {
		if c, err = o.tx.ConversationByID(ctx, convID); err != nil {
			return model.Message{}, err
		}
	} else {
		c, err = o.create(ctx, store.ConversationInsert{InboxID: inbox.ID, ContactID: contactID, Subject: subject,
			Status: model.StatusNew, Priority: model.PriorityNormal}, nil)
		if err != nil {
			return model.Message{}, err
		}
	}
	o.auto.msgAuto = req.NoAutoReply
	msg, _, err := o.addMessage(ctx, &c, inbox, model.KindReply, model.Incoming, body)
	if err != nil {
		return model.Message{}, err
	}
	if req.Record != nil {
		if err := req.Record(ctx, o.tx, msg); err != nil {
			return msg, err
		}
	}
	o.fresh = &c
	return msg, nil
}

// OutboundFunc hands an agent's reply to its channel inside the
// transaction that stores it, typically by inserting a delivery job.
type OutboundFunc func(ctx context.Context, tx *store.Tx, c model.Conversation, inbox model.Inbox, msg model.Message) error

// SetOutbound registers how replies in a channel's inboxes leave Parley.
func (s *Service) SetOutbound(ch model.Channel, fn OutboundFunc) {
	if s.outbound == nil {
		s.outbound = map[model.Channel]OutboundFunc{}
	}
	s.outbound[ch] = fn
}

func (o *op) deliver(ctx context.Context, c model.Conversation, inbox model.Inbox, msg model.Message) error {
	if fn := o.s.outbound[inbox.Channel]; fn != nil && msg.Kind == model.KindReply && msg.Direction == model.Outgoing {
		return fn(ctx, o.tx, c, inbox, msg)
	}
	return nil
}

// DetailsFunc adds channel details (mail HTML, attachments, delivery
// status) to messages being listed.
type DetailsFunc func(ctx context.Context, msgs []model.Message) error

// SetDetails registers a DetailsFunc; each registered one runs on every
// list of messages.
func (s *Service) SetDetails(fn DetailsFunc) { s.details = append(s.details, fn) }

func (s *Service) withDetails(ctx context.Context, msgs []model.Message, err error) ([]model.Message, error) {
	if err != nil {
		return msgs, err
	}
	for _, fn := range s.details {
		if err := fn(ctx, msgs); err != nil {
			return nil, err
		}
	}
	return msgs, nil
}

// RecordChannelEvent records something a channel did for a conversation
// (a reply delivered, say) as an event on its timeline, with the channel's
// own rows written by also in the same transaction. It changes nothing
// else on the conversation.
func (s *Service) RecordChannelEvent(ctx context.Context, convID int64, action string, after map[string]any,
	also func(ctx context.Context, tx *store.Tx) error) error {
	return s.run(ctx, model.System, func(o *op) error {
		if _, err := o.tx.ConversationByID(ctx, convID); err != nil {
			return err
		}
		if also != nil {
			if err := also(ctx, o.tx); err != nil {
				return err
			}
		}
		return o.event(ctx, convID, action, nil, after)
	})
}
