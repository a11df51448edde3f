// Package chat is the live-chat channel: a script any website embeds with
// one tag (widget.js) opens a chat with the inbox's agents. Visitors hold
// an unguessable token (only its hash is stored); a website may vouch for
// a signed-in user with an HMAC of their id, linking the chat to a known
// contact. A visitor reads only their own contact's conversations.
package chat

import (
	"context"
	"crypto/hmac"
	_ "embed"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/blob"
	"github.com/parley-hq/parley/internal/channel"
	"github.com/parley-hq/parley/internal/channel/email"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// WidgetJS is the script websites embed.
//
//go:embed static/widget.js
var WidgetJS []byte

// OnlineWindow is how recently a visitor's widget must have been seen for
// an agent's reply to count as read live; otherwise, with an email address
// known, the reply is queued to go by email.
const OnlineWindow = 45 * time.Second

// Service holds the widget's commands.
type Service struct {
	store   *store.Store
	conv    *conversation.Service
	now     func() time.Time
	limiter startLimiter
	mail    Mailer
	blobs   *blob.Store
}

// New returns the chat channel and hooks it to agent replies in chat inboxes.
// Answers to visitors who left go out by mail through mail; files live in
// blobs.
func New(st *store.Store, conv *conversation.Service, mail Mailer, blobs *blob.Store, now func() time.Time) *Service {
	s := &Service{store: st, conv: conv, now: now, mail: mail, blobs: blobs}
	conv.SetOutbound(model.ChannelChat, s.onReply)
	conv.SetDetails(s.details)
	return s
}

// InboxByKey finds the chat inbox whose settings carry the widget key.
func (s *Service) InboxByKey(ctx context.Context, key string) (model.Inbox, channel.Settings, error) {
	if key == "" {
		return model.Inbox{}, channel.Settings{}, apperr.Field("key", "is required: the data-inbox-key of the script tag")
	}
	inboxes, err := s.store.ListInboxes(ctx, 0)
	if err != nil {
		return model.Inbox{}, channel.Settings{}, err
	}
	for _, in := range inboxes {
		if in.Channel != model.ChannelChat {
			continue
		}
		if st := channel.SettingsOf(in); st.WidgetKey != "" && st.WidgetKey == key {
			return in, st, nil
		}
	}
	return model.Inbox{}, channel.Settings{}, apperr.NotFound("chat inbox with this key")
}

// Config is what the widget shows before a chat starts.
type Config struct {
	Name          string   `json:"name"`
	Greeting      string   `json:"greeting"`
	PrechatFields []string `json:"prechat_fields"`
	// Available says whether any agent of the inbox is available now.
	Available bool `json:"available"`
}

// DefaultPrechatFields are asked for when the inbox does not say.
var DefaultPrechatFields = []string{"name", "email"}

// Config reads the widget's settings for a key.
func (s *Service) Config(ctx context.Context, key string) (Config, error) {
	in, st, err := s.InboxByKey(ctx, key)
	if err != nil {
		return Config{}, err
	}
	fields := []string{}
	for _, f := range st.PrechatFields {
		if f == "name" || f == "email" || f == "phone" {
			fields = append(fields, f)
		}
	}
	if st.PrechatFields == nil {
		fields = DefaultPrechatFields
	}
	greeting := st.Greeting
	if greeting == "" {
		greeting = "Hi! How can we help?"
	}
	avail, err := s.available(ctx, in.ID)
	return Config{Name: in.Name, Greeting: greeting, PrechatFields: fields, Available: avail}, err
}

func (s *Service) available(ctx context.Context, inboxID int64) (bool, error) {
	n, err := s.store.CountAvailableMembers(ctx, inboxID)
	return n > 0, err
}

// StartRequest begins a chat session: the pre-chat form, and optionally a
// website user id signed with the inbox's secret.
type StartRequest struct {
	Key      string `json:"key"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	Phone    string `json:"phone"`
	UserID   string `json:"user_id"`
	UserHash string `json:"user_hash"`
}

// Session is a started chat; Token is shown once and kept by the browser.
type Session struct {
	Token     string `json:"token"`
	Name      string `json:"name"`
	Available bool   `json:"available"`
	// Email is where answers go when nobody is available.
	Email string `json:"email"`
}

// Start creates a visitor session.
func (s *Service) Start(ctx context.Context, req StartRequest) (Session, error) {
	in, st, err := s.InboxByKey(ctx, req.Key)
	if err != nil {
		return Session{}, err
	}
	fields := map[string]string{}
	req.Name = strings.TrimSpace(req.Name)
	if len(req.Name) > 200 || !utf8.ValidString(req.Name) {
		fields["name"] = "must be at most 200 characters"
	}
	if req.Email != "" {
		if req.Email, err = contact.NormalizeEmail(req.Email); err != nil {
			fields["email"] = err.Error()
		}
	}
	if req.Phone != "" {
		if req.Phone, err = contact.NormalizePhone(req.Phone); err != nil {
			fields["phone"] = err.Error()
		}
	}
	if len(req.UserID) > 100 {
		fields["user_id"] = "must be at most 100 characters"
	}
	if len(fields) > 0 {
		return Session{}, apperr.Invalid("the chat cannot start", fields)
	}
	prefix := "chat:" + strconv.FormatInt(in.ID, 10) + ":"
	identity := prefix + "v:" + account.NewSecret("")[:22]
	if req.UserID != "" || req.UserHash != "" {
		if len(st.Secret) < channel.MinSecretLength ||
			!hmac.Equal([]byte(strings.ToLower(req.UserHash)), []byte(channel.SignUserID(st.Secret, req.UserID))) {
			return Session{}, apperr.Unauthenticated("user_hash is not the HMAC-SHA256 of user_id with the inbox's secret")
		}
		identity = prefix + "u:" + req.UserID
	}
	token := account.NewSecret("pv_")
	name := req.Name
	if name == "" {
		name = "Visitor"
	}
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		contactID, err := contact.Resolve(ctx, tx, contact.Ref{ExternalID: identity, Name: name}, s.now())
		if err != nil {
			return err
		}
		if _, err := tx.CreateVisitor(ctx, in.ID, account.HashSecret(token), identity, s.now()); err != nil {
			return err
		}
		// An address typed into a form proves nothing: it joins the
		// contact only when no one else has it, so a visitor can never
		// claim someone else's history. Agents merge contacts by hand.
		for _, ident := range []model.Identity{{Kind: model.IdentityEmail, Value: req.Email}, {Kind: model.IdentityPhone, Value: req.Phone}} {
			if ident.Value == "" {
				continue
			}
			if _, err := tx.ContactIDByIdentity(ctx, ident.Kind, ident.Value); errors.Is(err, store.ErrNotFound) {
				if err := tx.AddIdentity(ctx, contactID, ident); err != nil {
					return err
				}
			} else if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Session{}, err
	}
	v, err := s.store.VisitorByTokenHash(ctx, account.HashSecret(token))
	if err != nil {
		return Session{}, err
	}
	if req.Email != "" {
		if err := s.setEmail(ctx, v, req.Email); err != nil {
			return Session{}, err
		}
	}
	avail, err := s.available(ctx, in.ID)
	return Session{Token: token, Name: name, Available: avail, Email: req.Email}, err
}

// Visitor is an authenticated widget session.
type Visitor struct {
	store.Visitor
	ContactID int64
}

// Authenticate finds the session a visitor token belongs to.
func (s *Service) Authenticate(ctx context.Context, token string) (Visitor, error) {
	if token == "" {
		return Visitor{}, apperr.Unauthenticated("send the visitor token in the X-Parley-Visitor header")
	}
	v, err := s.store.VisitorByTokenHash(ctx, account.HashSecret(token))
	if errors.Is(err, store.ErrNotFound) {
		return Visitor{}, apperr.Unauthenticated("unknown visitor token; start a new chat")
	} else if err != nil {
		return Visitor{}, err
	}
	id, err := s.store.ContactIDByIdentity(ctx, model.IdentityExternal, v.Identity)
	if errors.Is(err, store.ErrNotFound) {
		return Visitor{}, apperr.Unauthenticated("this chat's contact was erased; start a new chat")
	}
	return Visitor{Visitor: v, ContactID: id}, err
}

// Message is a chat message as the visitor sees it.
type Message struct {
	ID             int64     `json:"id"`
	ConversationID int64     `json:"conversation_id"`
	From           string    `json:"from"` // "visitor" or "agent"
	Author         string    `json:"author"`
	Body           string    `json:"body"`
	CreatedAt      time.Time `json:"created_at"`
	Attachments    []File    `json:"attachments"`
	// Survey is set on the message that asks for a rating: the widget
	// shows rating buttons under it.
	Survey *Survey `json:"survey,omitempty"`
}

// Survey is a conversation's CSAT survey as the widget shows it.
type Survey struct {
	ConversationID int64  `json:"conversation_id"`
	Rating         *int   `json:"rating"`
	Comment        string `json:"comment"`
	// Changeable says the answer may still be given or changed.
	Changeable bool `json:"changeable"`
}

func widgetMessage(m model.Message, files []model.Attachment) Message {
	from := "agent"
	if m.Direction == model.Incoming {
		from = "visitor"
	}
	return Message{ID: m.ID, ConversationID: m.ConversationID, From: from, Author: m.SenderName, Body: m.Body, CreatedAt: m.CreatedAt,
		Attachments: widgetFiles(files)}
}

// survey reads a conversation's survey for the widget (nil: none sent).
func (s *Service) survey(ctx context.Context, conversationID int64) (*model.CSATResponse, *Survey, error) {
	r, err := s.conv.SurveyOf(ctx, conversationID)
	if err != nil || r == nil {
		return nil, nil, err
	}
	return r, &Survey{ConversationID: conversationID, Rating: r.Rating, Comment: r.Comment,
		Changeable: r.AnsweredAt == nil || s.now().Before(r.AnsweredAt.Add(model.CSATChangeWindow))}, nil
}

// RateRequest is a visitor's answer to a conversation's survey.
type RateRequest struct {
	ConversationID int64  `json:"conversation_id"`
	Rating         int    `json:"rating"`
	Comment        string `json:"comment"`
}

// Rate records a visitor's rating (and comment) of one of their
// conversations; the rules are the survey link's (docs/automation.md).
func (s *Service) Rate(ctx context.Context, v Visitor, req RateRequest) (Survey, error) {
	ok, err := s.Owns(ctx, v, req.ConversationID)
	if err != nil {
		return Survey{}, err
	}
	if !ok {
		return Survey{}, apperr.NotFound("conversation")
	}
	if _, err := s.conv.AnswerSurveyOf(ctx, req.ConversationID, req.Rating, req.Comment); err != nil {
		return Survey{}, err
	}
	_, out, err := s.survey(ctx, req.ConversationID)
	if err == nil && out == nil {
		err = apperr.NotFound("survey for this conversation")
	}
	if err != nil {
		return Survey{}, err
	}
	return *out, nil
}

// historyConversations bounds how far back a returning visitor sees.
const historyConversations = 5

// History is what a returning visitor's widget shows.
type History struct {
	Items     []Message `json:"items"`
	Email     string    `json:"email"`
	Available bool      `json:"available"`
}

// History returns the visitor's replies, oldest first: the messages of
// their contact's latest conversations in this inbox, never internal notes.
func (s *Service) History(ctx context.Context, v Visitor) (History, error) {
	h := History{Items: []Message{}, Email: v.Email}
	ids, err := s.store.ConversationIDsOf(ctx, v.InboxID, v.ContactID, historyConversations)
	if err != nil {
		return h, err
	}
	var replies []model.Message
	surveys := map[int64]*Survey{}
	for i := len(ids) - 1; i >= 0; i-- {
		msgs, err := s.store.ListMessages(ctx, ids[i], 0, 500)
		if err != nil {
			return h, err
		}
		r, sv, err := s.survey(ctx, ids[i])
		if err != nil {
			return h, err
		}
		if r != nil && r.MessageID != nil {
			surveys[*r.MessageID] = sv
		}
		for _, m := range msgs {
			if m.Kind == model.KindReply {
				replies = append(replies, m)
			}
		}
	}
	msgIDs := make([]int64, len(replies))
	for i, m := range replies {
		msgIDs[i] = m.ID
	}
	files, err := s.store.AttachmentsOf(ctx, msgIDs)
	if err != nil {
		return h, err
	}
	for _, m := range replies {
		wm := widgetMessage(m, files[m.ID])
		wm.Survey = surveys[m.ID]
		h.Items = append(h.Items, wm)
	}
	h.Available, err = s.available(ctx, v.InboxID)
	return h, err
}

// Owns reports whether a conversation is one the visitor may read.
func (s *Service) Owns(ctx context.Context, v Visitor, conversationID int64) (bool, error) {
	c, err := s.store.ConversationByID(ctx, conversationID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil && c.InboxID == v.InboxID && c.Contact.ID == v.ContactID, err
}

// MessageByID reads one message for the stream, if the visitor may see it.
func (s *Service) MessageByID(ctx context.Context, v Visitor, conversationID, messageID int64) (Message, bool, error) {
	m, err := s.store.MessageWithSender(ctx, messageID)
	if store.IsErrNotFound(err) {
		return Message{}, false, nil
	} else if err != nil {
		return Message{}, false, err
	}
	if m.ConversationID != conversationID || m.Kind != model.KindReply {
		return Message{}, false, nil
	}
	files, err := s.store.AttachmentsOf(ctx, []int64{messageID})
	if err != nil {
		return Message{}, false, err
	}
	wm := widgetMessage(m, files[messageID])
	r, sv, err := s.survey(ctx, conversationID)
	if err != nil {
		return Message{}, false, err
	}
	if r != nil && r.MessageID != nil && *r.MessageID == m.ID {
		wm.Survey = sv
	}
	return wm, true, nil
}

// SendRequest is a visitor's message.
type SendRequest struct {
	Body string `json:"body"`
	// ClientID is the widget's id of the message: a resend after a lost
	// answer does not post it twice.
	ClientID string `json:"client_id"`
	// Files are attached files (PutFile), sent as multipart/form-data.
	Files []model.Attachment `json:"-"`
}

// Send records a visitor's message.
func (s *Service) Send(ctx context.Context, v Visitor, req SendRequest) (Message, error) {
	if len(req.ClientID) > 100 {
		return Message{}, apperr.Field("client_id", "must be at most 100 characters")
	}
	key := ""
	if req.ClientID != "" {
		key = "chat:" + strconv.FormatInt(v.ID, 10) + ":" + req.ClientID
	}
	// The visitor is seen in the message's own transaction: a commit of its
	// own was a second WAL flush per message on PostgreSQL.
	touch := func(ctx context.Context, tx *store.Tx) error { return tx.TouchVisitor(ctx, v.ID, s.now()) }
	got, err := s.conv.ReceiveKeyed(ctx, conversation.Inbound{InboxID: v.InboxID, ContactID: v.ContactID, Body: req.Body, MessageKey: key, Files: req.Files, Also: touch})
	if err != nil {
		return Message{}, err
	}
	if got.Duplicate {
		// The first delivery's transaction saw the visitor; this one wrote nothing.
		if err := s.store.TouchVisitor(ctx, v.ID, s.now()); err != nil {
			return Message{}, err
		}
	}
	m := got.Message
	if m.SenderName == "" {
		m.SenderName = got.Conversation.Contact.Name
	}
	if !got.Duplicate && len(req.Files) == 0 {
		return widgetMessage(m, nil), nil // a new message without files has none to read back
	}
	files, err := s.store.AttachmentsOf(ctx, []int64{m.ID})
	return widgetMessage(m, files[m.ID]), err
}

// EmailRequest leaves an address for answers when nobody is available.
type EmailRequest struct {
	Email string `json:"email"`
}

// LeaveEmail records where the visitor wants answers by email.
func (s *Service) LeaveEmail(ctx context.Context, v Visitor, req EmailRequest) (Session, error) {
	email, err := contact.NormalizeEmail(req.Email)
	if err != nil {
		return Session{}, apperr.Field("email", err.Error())
	}
	if err := s.setEmail(ctx, v.Visitor, email); err != nil {
		return Session{}, err
	}
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ContactIDByIdentity(ctx, model.IdentityEmail, email); errors.Is(err, store.ErrNotFound) {
			return tx.AddIdentity(ctx, v.ContactID, model.Identity{Kind: model.IdentityEmail, Value: email})
		} else {
			return err
		}
	})
	if err != nil {
		return Session{}, err
	}
	avail, err := s.available(ctx, v.InboxID)
	return Session{Available: avail, Email: email}, err
}

func (s *Service) setEmail(ctx context.Context, v store.Visitor, email string) error {
	return s.store.InTx(ctx, func(tx *store.Tx) error { return tx.SetVisitorIdentity(ctx, v.ID, v.Identity, email) })
}

// Typing returns where the visitor's typing shows: their latest open
// conversation in the inbox and their name; ok is false when they have
// none yet (the first message makes it).
func (s *Service) Typing(ctx context.Context, v Visitor) (conversationID int64, name string, ok bool, err error) {
	c, err := s.store.LatestConversationOf(ctx, v.InboxID, v.ContactID, false)
	if errors.Is(err, store.ErrNotFound) {
		return 0, "", false, nil
	} else if err != nil {
		return 0, "", false, err
	}
	return c.ID, c.Contact.Name, true, nil
}

// Touch records that the visitor's widget is open now.
func (s *Service) Touch(ctx context.Context, v Visitor) error {
	return s.store.TouchVisitor(ctx, v.ID, s.now())
}

// Mailer sends a chat answer as mail from an email inbox, in the answer's
// transaction (the email channel's QueueFrom).
type Mailer interface {
	QueueFrom(ctx context.Context, tx *store.Tx, emailInboxID int64, conv model.Conversation, msg model.Message, to string) error
}

// onReply sends an agent's reply by email when the visitor is not on the
// page to read it: none of their widget sessions was seen within
// OnlineWindow, and they left an address. The mail leaves from the email
// inbox the chat inbox names (email_inbox_id), as a durable job whose
// status shows on the message; a chat inbox without one records the
// answer as a failed email delivery in its delivery log, saying why.
func (s *Service) onReply(ctx context.Context, tx *store.Tx, c model.Conversation, inbox model.Inbox, msg model.Message) error {
	lastSeen, addr, err := tx.VisitorPresence(ctx, inbox.ID, c.Contact.ID)
	if err != nil {
		return err
	}
	if addr == "" {
		addr = c.Contact.Email
	}
	if addr == "" || msg.CreatedAt.Sub(lastSeen) < OnlineWindow {
		return nil
	}
	st := channel.SettingsOf(inbox)
	problem := "the chat inbox has no email_inbox_id to send answers from"
	if st.EmailInboxID != 0 && s.mail != nil {
		err := s.mail.QueueFrom(ctx, tx, st.EmailInboxID, c, msg, addr)
		if !errors.Is(err, email.ErrNoMailInbox) {
			return err
		}
		problem = err.Error()
	}
	payload, err := json.Marshal(map[string]any{"to": addr, "subject": "Re: " + c.Subject, "body": msg.Body,
		"from_name": msg.SenderName, "conversation_id": c.ID, "message_id": msg.ID})
	if err != nil {
		return err
	}
	id, err := tx.CreateDelivery(ctx, store.Delivery{InboxID: inbox.ID, ConversationID: c.ID, MessageID: msg.ID, Kind: "email",
		Target: addr, Payload: string(payload), CreatedAt: msg.CreatedAt})
	if err != nil {
		return err
	}
	return tx.FailDelivery(ctx, id, problem, msg.CreatedAt)
}

// MaxAttachmentLimit is the highest max_attachment_bytes an admin may set.
const MaxAttachmentLimit = 50 << 20

// CheckSettings validates a chat inbox's settings for the inbox service:
// problems by field, none when they are fine.
func CheckSettings(raw json.RawMessage) map[string]string {
	var st channel.Settings
	if err := json.Unmarshal(raw, &st); err != nil {
		return map[string]string{"settings": "must be {widget_key, secret, greeting, prechat_fields, email_inbox_id, max_attachment_bytes} with those types"}
	}
	fields := map[string]string{}
	if st.EmailInboxID < 0 {
		fields["settings.email_inbox_id"] = "must be the id of an email inbox"
	}
	if st.MaxAttachmentBytes < 0 || st.MaxAttachmentBytes > MaxAttachmentLimit {
		fields["settings.max_attachment_bytes"] = "must be between 1 and 52428800 (50 MB); 0 means the default, 10 MB"
	}
	return fields
}
