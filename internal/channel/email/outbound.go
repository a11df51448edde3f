package email

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/riverqueue/river"

	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// SendArgs is the durable job that sends one agent reply by SMTP.
type SendArgs struct {
	MessageID int64 `json:"message_id"`
}

// Kind names the job in River.
func (SendArgs) Kind() string { return "email.send" }

// sendAttempts is how often a reply is tried before it is marked failed;
// River's backoff (attempt^4 seconds) spreads them over about an hour.
const sendAttempts = 8

// enqueueReply records an agent's reply as queued mail with its own
// Message-ID and inserts the send job, in the reply's transaction.
func (c *Channel) enqueueReply(ctx context.Context, tx *store.Tx, conv model.Conversation, inbox model.Inbox, msg model.Message) error {
	s, err := ParseSettings(inbox.Settings)
	if err != nil {
		return err
	}
	if s.SMTP == nil || s.SMTP.Host == "" {
		// Sending is not set up for this inbox (the demo's, or one being
		// prepared): the reply is recorded, and nothing claims to send it.
		return nil
	}
	return c.queue(ctx, tx, inbox.ID, s, conv, msg, conv.Contact.Email)
}

// QueueFrom sends msg, an agent's reply in another channel's conversation
// (a chat whose visitor has left), as mail from the email inbox
// emailInboxID to the address to. It runs in the reply's transaction and
// works like an email reply: a durable job with retries, the status on the
// message, and threading headers and a reply address of that email inbox,
// so the customer's answer by mail lands back in the same conversation.
func (c *Channel) QueueFrom(ctx context.Context, tx *store.Tx, emailInboxID int64, conv model.Conversation, msg model.Message, to string) error {
	inbox, err := tx.InboxByID(ctx, emailInboxID)
	if err != nil && !store.IsErrNotFound(err) {
		return err
	}
	s, _ := ParseSettings(inbox.Settings)
	problem := ""
	switch {
	case err != nil || inbox.Channel != model.ChannelEmail:
		problem = ErrNoMailInbox.Error()
	case s.Address == "":
		problem = "the email inbox has no address to send from"
	case s.SMTP == nil || s.SMTP.Host == "":
		problem = errNotConfigured.Error()
	}
	if problem != "" {
		if inbox.Channel != model.ChannelEmail {
			return ErrNoMailInbox // no email inbox to record the mail in: the caller logs it
		}
		// Say so on the message rather than pretend it was sent.
		return tx.CreateEmailMessage(ctx, store.EmailMessageInsert{InboxID: inbox.ID, MessageKey: c.newMessageID(s.Address, msg.ID),
			MessageID: msg.ID, Direction: model.Outgoing, From: s.Address, To: to, Subject: ReplySubject(conv.Subject, conv.ID),
			DeliveryStatus: "failed", DeliveryError: problem, Now: msg.CreatedAt})
	}
	return c.queue(ctx, tx, inbox.ID, s, conv, msg, to)
}

// queue records the reply as outgoing mail of inbox inboxID and inserts
// its send job.
func (c *Channel) queue(ctx context.Context, tx *store.Tx, inboxID int64, s Settings, conv model.Conversation, msg model.Message, to string) error {
	in := store.EmailMessageInsert{InboxID: inboxID, MessageKey: c.newMessageID(s.Address, msg.ID), MessageID: msg.ID,
		Direction: model.Outgoing, From: s.Address, To: to, Subject: ReplySubject(conv.Subject, conv.ID),
		DeliveryStatus: "queued", Now: msg.CreatedAt}
	if to == "" {
		// Nothing to send to: say so on the message rather than retry.
		in.DeliveryStatus, in.DeliveryError = "failed", "the contact has no email address"
		return tx.CreateEmailMessage(ctx, in)
	}
	if err := tx.CreateEmailMessage(ctx, in); err != nil {
		return err
	}
	return c.jobs.InsertTx(ctx, tx, SendArgs{MessageID: msg.ID}, &river.InsertOpts{MaxAttempts: sendAttempts})
}

func (c *Channel) newMessageID(address string, msgID int64) string {
	_, domain, ok := strings.Cut(address, "@")
	if !ok || domain == "" {
		domain = c.Hostname
	}
	var r [6]byte
	_, _ = rand.Read(r[:])
	return fmt.Sprintf("parley.%d.%s@%s", msgID, hex.EncodeToString(r[:]), domain)
}

// ReplySubject is the subject of mail about a conversation: "Re: " once,
// and the [#id] token that threads a reply even when its headers are lost.
func ReplySubject(subject string, convID int64) string {
	subject = strings.TrimSpace(subject)
	if subject == "" {
		subject = "Your request"
	}
	token := fmt.Sprintf("[#%d]", convID)
	if !strings.Contains(subject, token) {
		subject += " " + token
	}
	lower := strings.ToLower(subject)
	if !strings.HasPrefix(lower, "re:") && !strings.HasPrefix(lower, "aw:") && !strings.HasPrefix(lower, "sv:") {
		subject = "Re: " + subject
	}
	return subject
}

// RegisterWorkers adds the send job's worker.
func (c *Channel) RegisterWorkers(w *river.Workers) {
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[SendArgs]) error {
		return c.send(ctx, j.Args.MessageID, j.Attempt, j.MaxAttempts)
	}))
}

// permanentError is an SMTP refusal that retrying will not change.
func permanentError(err error) bool {
	var se *smtp.SMTPError
	return errors.As(err, &se) && se.Code >= 500
}

func (c *Channel) send(ctx context.Context, messageID int64, attempt, maxAttempts int) error {
	row, err := c.store.EmailRowByMessage(ctx, messageID)
	if store.IsErrNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if row.Delivery != nil && row.Delivery.Status == "sent" {
		return nil
	}
	err = c.deliver(ctx, messageID, row)
	if err == nil {
		now := c.now().UTC()
		return c.finalDelivery(ctx, messageID, "sent", "", attempt, &now)
	}
	final := attempt >= maxAttempts || permanentError(err) || errors.Is(err, errNotConfigured)
	c.log.Warn("sending a reply failed", "message_id", messageID, "attempt", attempt, "final", final, "error", err)
	if final {
		if serr := c.finalDelivery(ctx, messageID, "failed", err.Error(), attempt, nil); serr != nil {
			return serr
		}
		return river.JobCancel(err)
	}
	if serr := c.store.SetDelivery(ctx, messageID, "queued", err.Error(), attempt, nil); serr != nil {
		return serr
	}
	return err
}

// finalDelivery stores a reply's final status with an event on its
// conversation's timeline, so agents watching it see the outcome live.
func (c *Channel) finalDelivery(ctx context.Context, messageID int64, status, errText string, attempts int, at *time.Time) error {
	convID, err := c.store.MessageConversation(ctx, messageID)
	if err != nil {
		return err
	}
	after := map[string]any{"message_id": messageID, "status": status}
	if errText != "" {
		after["error"] = errText
	}
	return c.conv.RecordChannelEvent(ctx, convID, "email.delivery", after, func(ctx context.Context, tx *store.Tx) error {
		return tx.SetDelivery(ctx, messageID, status, errText, attempts, at)
	})
}

// ErrNoMailInbox is QueueFrom's answer when the inbox it is given is not
// an email inbox.
var ErrNoMailInbox = errors.New("the chat inbox's email_inbox_id does not name an email inbox")

var errNotConfigured = errors.New("the inbox has no SMTP server configured")

func (c *Channel) deliver(ctx context.Context, messageID int64, row store.EmailRow) error {
	msg, err := c.store.MessageByID(ctx, messageID)
	if err != nil {
		return err
	}
	conv, err := c.store.ConversationByID(ctx, msg.ConversationID)
	if err != nil {
		return err
	}
	inbox, err := c.store.InboxByID(ctx, row.InboxID)
	if err != nil {
		return err
	}
	s, err := ParseSettings(inbox.Settings)
	if err != nil {
		return err
	}
	if s.SMTP == nil || s.SMTP.Host == "" {
		return errNotConfigured
	}
	thread, err := c.store.ThreadKeys(ctx, conv.ID)
	if err != nil {
		return err
	}
	var refs []string
	for _, k := range thread {
		if k != row.MessageKey {
			refs = append(refs, k)
		}
	}
	raw := c.compose(s, conv, msg, row, refs)
	return c.smtpSend(ctx, s, row.From, []string{row.To}, raw)
}

// compose writes the reply as a plain-text mail carrying what customers'
// clients thread by: Message-ID, In-Reply-To, References, the [#id]
// subject token and a Reply-To that names the conversation.
func (c *Channel) compose(s Settings, conv model.Conversation, msg model.Message, row store.EmailRow, refs []string) []byte {
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	from := s.Address
	if s.FromName != "" {
		from = mime.QEncoding.Encode("utf-8", s.FromName) + " <" + s.Address + ">"
	}
	h("From", from)
	h("To", row.To)
	h("Reply-To", ReplyAddress(s.Address, conv.ID))
	h("Subject", mime.QEncoding.Encode("utf-8", row.Subject))
	h("Date", msg.CreatedAt.Format(time.RFC1123Z))
	h("Message-ID", "<"+row.MessageKey+">")
	if len(refs) > 0 {
		h("In-Reply-To", "<"+refs[len(refs)-1]+">")
		if len(refs) > 20 {
			refs = append(refs[:1], refs[len(refs)-19:]...)
		}
		h("References", "<"+strings.Join(refs, "> <")+">")
	}
	h("X-Parley-Conversation", strconv.FormatInt(conv.ID, 10))
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(strings.ReplaceAll(msg.Body, "\n", "\r\n")))
	_ = qp.Close()
	b.WriteString("\r\n")
	return b.Bytes()
}

func (c *Channel) smtpSend(ctx context.Context, s Settings, from string, to []string, raw []byte) error {
	port := s.SMTP.Port
	tlsMode := s.SMTP.TLS
	if tlsMode == "" {
		tlsMode = "starttls"
	}
	if port == 0 {
		port = map[string]int{"tls": 465, "starttls": 587, "none": 25}[tlsMode]
	}
	addr := net.JoinHostPort(s.SMTP.Host, strconv.Itoa(port))
	dialer := &net.Dialer{Timeout: c.dialTimeout}
	conn, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	tlsConfig := &tls.Config{ServerName: s.SMTP.Host, MinVersion: tls.VersionTLS12}
	var client *smtp.Client
	switch tlsMode {
	case "tls":
		client = smtp.NewClient(tls.Client(conn, tlsConfig))
	case "starttls":
		if client, err = smtp.NewClientStartTLS(conn, tlsConfig); err != nil {
			conn.Close()
			return err
		}
	default:
		client = smtp.NewClient(conn)
	}
	defer client.Close()
	if err := client.Hello(c.Hostname); err != nil {
		return err
	}
	if s.SMTP.Username != "" {
		if err := client.Auth(sasl.NewPlainClient("", s.SMTP.Username, s.SMTP.Password)); err != nil {
			return err
		}
	}
	if err := client.SendMail(from, to, bytes.NewReader(raw)); err != nil {
		return err
	}
	return client.Quit()
}
