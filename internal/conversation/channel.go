package conversation

import (
	"context"
	"errors"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// Inbound is a customer's message arriving by a channel adapter.
type Inbound struct {
	InboxID int64
	// Contact names the sender by an identity; ContactID, when set, is a
	// contact the channel already knows (a chat visitor).
	Contact   contact.Ref
	ContactID int64
	Subject   string
	Body      string
	// MessageKey is the channel's id of the message: a second delivery
	// of the same key returns the first message and changes nothing.
	MessageKey string
	// ThreadKey is the channel's id of the conversation: messages with the
	// same key land together. Without one, a message joins the sender's
	// latest conversation in the inbox that is not closed.
	ThreadKey string
	// Files are the message's attachments, already in the blob store.
	Files []model.Attachment
	// Also, if set, writes the channel's own rows (a chat visitor's last
	// seen time) in the message's transaction: one commit, not two.
	Also func(ctx context.Context, tx *store.Tx) error
}

// Received is where an inbound message went.
type Received struct {
	Message      model.Message
	Conversation model.Conversation
	// Duplicate is set when the message key had been seen before.
	Duplicate bool
}

// ReceiveKeyed records a customer's message from a channel that names its
// messages and threads (API, chat): it finds or makes the contact and the
// conversation, then adds the message as any customer message is added
// (reopening, following up a closed conversation). Email threads by its
// own headers through Receive (inbound.go).
func (s *Service) ReceiveKeyed(ctx context.Context, in Inbound) (Received, error) {
	req := MessageRequest{Body: in.Body, Direction: "incoming", Files: in.Files}
	fields := map[string]string{}
	validateMessage(&req, fields, "")
	if len(in.Subject) > MaxSubjectLength {
		fields["subject"] = "must be at most 500 characters"
	}
	if len(fields) > 0 {
		return Received{}, apperr.Invalid("the message is not valid", fields)
	}
	var out Received
	err := s.run(ctx, model.System, func(o *op) error {
		out = Received{}
		inbox, err := o.tx.InboxByID(ctx, in.InboxID)
		if err != nil {
			return inboxNotFound(err)
		}
		if in.MessageKey != "" {
			id, err := o.tx.ChannelKey(ctx, inbox.ID, store.KeyMessage, in.MessageKey)
			if err == nil {
				out.Duplicate = true
				if out.Message, err = o.tx.MessageByID(ctx, id); err != nil {
					return err
				}
				out.Conversation, err = o.tx.ConversationByID(ctx, out.Message.ConversationID)
				return err
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		contactID := in.ContactID
		if contactID == 0 {
			if contactID, err = contact.Resolve(ctx, o.tx, in.Contact, o.now); err != nil {
				return err
			}
		}
		c, found, err := o.conversationFor(ctx, inbox.ID, contactID, in.ThreadKey)
		if err != nil {
			return err
		}
		if !found {
			subject := in.Subject
			if subject == "" {
				subject = preview(req.Body)
			}
			if subject == "" && len(in.Files) > 0 {
				subject = preview(in.Files[0].Filename)
			}
			if c, err = o.create(ctx, store.ConversationInsert{InboxID: inbox.ID, ContactID: contactID, Subject: subject,
				Status: model.StatusNew, Priority: model.PriorityNormal}, nil); err != nil {
				return err
			}
		}
		msg, c, err := o.addMessage(ctx, &c, inbox, model.KindReply, model.Incoming, req.Body)
		if err != nil {
			return err
		}
		if err := o.attach(ctx, msg, in.Files); err != nil {
			return err
		}
		if in.ThreadKey != "" {
			if err := o.tx.SetChannelKey(ctx, inbox.ID, store.KeyThread, in.ThreadKey, c.ID, o.now); err != nil {
				return err
			}
		}
		if in.MessageKey != "" {
			claimed, err := o.tx.ClaimChannelKey(ctx, inbox.ID, store.KeyMessage, in.MessageKey, msg.ID, o.now)
			if err != nil {
				return err
			}
			if !claimed {
				// Another delivery of the same message committed first.
				return apperr.Conflict("this message is being recorded by another request; retry to get its result")
			}
		}
		if in.Also != nil {
			if err := in.Also(ctx, o.tx); err != nil {
				return err
			}
		}
		out.Message, out.Conversation = msg, c
		o.fresh = &c
		return nil
	})
	return out, err
}

// conversationFor finds the conversation an inbound message or call joins:
// the thread's, or the contact's latest one in the inbox that is not closed.
func (o *op) conversationFor(ctx context.Context, inboxID, contactID int64, threadKey string) (model.Conversation, bool, error) {
	if threadKey != "" {
		id, err := o.tx.ChannelKey(ctx, inboxID, store.KeyThread, threadKey)
		if errors.Is(err, store.ErrNotFound) {
			return model.Conversation{}, false, nil
		} else if err != nil {
			return model.Conversation{}, false, err
		}
		c, err := o.tx.ConversationByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return c, false, nil
		}
		return c, err == nil, err
	}
	c, err := o.tx.LatestConversationOf(ctx, inboxID, contactID, false)
	if errors.Is(err, store.ErrNotFound) {
		return c, false, nil
	}
	return c, err == nil, err
}

func inboxNotFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return apperr.NotFound("inbox")
	}
	return err
}
