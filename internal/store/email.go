package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/parley-hq/parley/internal/model"
)

// The email channel's statements on the intake path, prepared once per
// connection on SQLite (prepared.go).
const (
	createEmailMessageSQL = `INSERT INTO email_messages (inbox_id, message_key, message_id, direction, from_addr, to_addrs,
 subject, html, quoted, remote_images, auto, auto_reason, raw_blob, delivery_status, delivery_error, created_at)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`
	emailKeySeenSQL = `SELECT COUNT(*) FROM email_messages
 WHERE message_key = $1 AND (inbox_id = $2 OR direction = 'outgoing')`
	createAttachmentSQL = `INSERT INTO email_attachments (message_id, filename, content_type, content_id, inline, size, blob_key, created_at)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	saveIMAPPositionSQL = `INSERT INTO imap_positions (inbox_id, mailbox, uid_validity, last_uid, updated_at) VALUES ($1, $2, $3, $4, $5)
 ON CONFLICT (inbox_id) DO UPDATE SET mailbox = excluded.mailbox, uid_validity = excluded.uid_validity, updated_at = excluded.updated_at,
 last_uid = CASE WHEN imap_positions.uid_validity = excluded.uid_validity AND imap_positions.mailbox = excluded.mailbox
   AND imap_positions.last_uid > excluded.last_uid THEN imap_positions.last_uid ELSE excluded.last_uid END`
)

var emailHotWrites = []string{createEmailMessageSQL, emailKeySeenSQL, createAttachmentSQL, saveIMAPPositionSQL,
	// and what every inbound message runs besides: a new conversation, its
	// contact, and the automation checks.
	createConversationSQL, contactByIdentitySQL, rulesVersionSQL, inboxAutomationSQL}

// EmailMessageInsert is the mail-specific part of a new message.
type EmailMessageInsert struct {
	InboxID      int64
	MessageKey   string
	MessageID    int64
	Direction    model.Direction
	From, To     string
	Subject      string
	HTML, Quoted string
	RemoteImages int
	Auto         bool
	AutoReason   string
	RawBlob      string
	// DeliveryStatus is "queued" for outgoing mail, empty for incoming.
	DeliveryStatus string
	DeliveryError  string
	Now            time.Time
}

// CreateEmailMessage records a message's mail part. A second message with
// the same key in the same inbox is ErrConflict: that is what makes intake
// exactly-once.
func (t *Tx) CreateEmailMessage(ctx context.Context, in EmailMessageInsert) error {
	var status any
	if in.DeliveryStatus != "" {
		status = in.DeliveryStatus
	}
	_, err := t.q().ExecContext(ctx, createEmailMessageSQL,
		in.InboxID, in.MessageKey, in.MessageID, in.Direction, in.From, in.To, in.Subject, in.HTML, in.Quoted,
		in.RemoteImages, in.Auto, in.AutoReason, in.RawBlob, status, in.DeliveryError, Millis(in.Now))
	return translate(err)
}

// EmailKeySeen reports whether the inbox already holds a message with this
// key, or Parley itself sent a message with it from any inbox (our own mail
// coming back).
func (t *Tx) EmailKeySeen(ctx context.Context, inboxID int64, key string) (bool, error) {
	var n int
	err := t.q().QueryRowContext(ctx, emailKeySeenSQL, key, inboxID).Scan(&n)
	return n > 0, translate(err)
}

// ConversationByMessageKeys finds the conversation of the newest message in
// the inbox whose key is among keys (In-Reply-To and References). Messages
// moved by a split take their threading with them, because the
// conversation is read through the message.
func (t *Tx) ConversationByMessageKeys(ctx context.Context, inboxID int64, keys []string) (int64, error) {
	if len(keys) == 0 {
		return 0, ErrNotFound
	}
	if len(keys) > 100 {
		keys = keys[len(keys)-100:]
	}
	args := []any{inboxID}
	marks := make([]string, len(keys))
	for i, k := range keys {
		args = append(args, k)
		marks[i] = "$" + itoa(i+2)
	}
	var id int64
	err := t.tx.QueryRowContext(ctx, `SELECT m.conversation_id FROM email_messages e JOIN messages m ON m.id = e.message_id
 WHERE e.inbox_id = $1 AND e.message_key IN (`+strings.Join(marks, ",")+`) ORDER BY e.id DESC LIMIT 1`, args...).Scan(&id)
	return id, translate(err)
}

// MailedAbout reports whether the inbox has sent mail in a conversation
// that may belong to another inbox (a chat answered by email).
func (t *Tx) MailedAbout(ctx context.Context, inboxID, conversationID int64) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM email_messages e JOIN messages m ON m.id = e.message_id
 WHERE e.inbox_id = $1 AND m.conversation_id = $2 AND e.direction = $3`, inboxID, conversationID, model.Outgoing).Scan(&n)
	return n > 0, translate(err)
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// CreateAttachment records a file that came with a message.
func (t *Tx) CreateAttachment(ctx context.Context, a model.Attachment, now time.Time) error {
	_, err := t.q().ExecContext(ctx, createAttachmentSQL, a.MessageID, a.Filename, a.ContentType, a.ContentID, a.Inline, a.Size, a.BlobKey, Millis(now))
	return translate(err)
}

// EmailRow is a message's mail part as stored.
type EmailRow struct {
	model.EmailDetails
	InboxID    int64
	MessageKey string
	Direction  model.Direction
	HTML       string
	Auto       bool
	Delivery   *model.Delivery
}

const emailRowColumns = `e.message_id, e.inbox_id, e.message_key, e.direction, e.from_addr, e.to_addrs, e.subject, e.html, e.quoted,
 e.remote_images, e.auto, e.auto_reason, e.delivery_status, e.delivery_error, e.delivery_attempts, e.delivered_at`

func scanEmailRow(row interface{ Scan(...any) error }) (int64, EmailRow, error) {
	var r EmailRow
	var msgID int64
	var status sql.NullString
	var delivered sql.NullInt64
	var errText string
	var attempts int
	err := row.Scan(&msgID, &r.InboxID, &r.MessageKey, &r.Direction, &r.From, &r.To, &r.Subject, &r.HTML, &r.Quoted,
		&r.RemoteImages, &r.Auto, &r.AutoReason, &status, &errText, &attempts, &delivered)
	if err != nil {
		return 0, r, translate(err)
	}
	r.MessageID = r.MessageKey
	r.HasHTML = r.HTML != ""
	if status.Valid {
		r.Delivery = &model.Delivery{Status: status.String, Error: errText, Attempts: attempts, DeliveredAt: timePtr(delivered)}
	}
	r.Attachments = []model.Attachment{}
	return msgID, r, nil
}

// EmailRows returns the mail parts of the given messages, with their
// attachments, by message id.
func (s *Store) EmailRows(ctx context.Context, messageIDs []int64) (map[int64]*EmailRow, error) {
	out := map[int64]*EmailRow{}
	if len(messageIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(messageIDs))
	marks := make([]string, len(messageIDs))
	for i, id := range messageIDs {
		args[i] = id
		marks[i] = "$" + itoa(i+1)
	}
	in := strings.Join(marks, ",")
	rows, err := s.Reader.QueryContext(ctx, `SELECT `+emailRowColumns+` FROM email_messages e WHERE e.message_id IN (`+in+`)`, args...)
	if err != nil {
		return nil, translate(err)
	}
	for rows.Next() {
		id, r, err := scanEmailRow(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out[id] = &r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	rows, err = s.Reader.QueryContext(ctx, `SELECT `+attachmentColumns+` FROM email_attachments a WHERE a.message_id IN (`+in+`) ORDER BY a.id`, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, err
		}
		if r := out[a.MessageID]; r != nil {
			r.Attachments = append(r.Attachments, a)
		}
	}
	return out, translate(rows.Err())
}

// EmailRowByMessage returns one message's mail part.
func (s *Store) EmailRowByMessage(ctx context.Context, messageID int64) (EmailRow, error) {
	rows, err := s.EmailRows(ctx, []int64{messageID})
	if err != nil {
		return EmailRow{}, err
	}
	r := rows[messageID]
	if r == nil {
		return EmailRow{}, ErrNotFound
	}
	return *r, nil
}

const attachmentColumns = `a.id, a.message_id, a.filename, a.content_type, a.content_id, a.inline, a.size, a.blob_key`

func scanAttachment(row interface{ Scan(...any) error }) (model.Attachment, error) {
	var a model.Attachment
	err := row.Scan(&a.ID, &a.MessageID, &a.Filename, &a.ContentType, &a.ContentID, &a.Inline, &a.Size, &a.BlobKey)
	a.Stored = a.BlobKey != ""
	return a, translate(err)
}

// AttachmentByID returns an attachment with the conversation and inbox of
// its message, which decide who may download it.
func (s *Store) AttachmentByID(ctx context.Context, id int64) (model.Attachment, int64, int64, error) {
	var convID, inboxID int64
	var a model.Attachment
	row := s.Reader.QueryRowContext(ctx, `SELECT `+attachmentColumns+`, m.conversation_id, c.inbox_id
 FROM email_attachments a JOIN messages m ON m.id = a.message_id JOIN conversations c ON c.id = m.conversation_id WHERE a.id = $1`, id)
	err := row.Scan(&a.ID, &a.MessageID, &a.Filename, &a.ContentType, &a.ContentID, &a.Inline, &a.Size, &a.BlobKey, &convID, &inboxID)
	a.Stored = a.BlobKey != ""
	return a, convID, inboxID, translate(err)
}

// AttachmentsOf returns the attachments of messages, by message, oldest
// first.
func (s *Store) AttachmentsOf(ctx context.Context, messageIDs []int64) (map[int64][]model.Attachment, error) {
	out := map[int64][]model.Attachment{}
	if len(messageIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(messageIDs))
	marks := make([]string, len(messageIDs))
	for i, id := range messageIDs {
		args[i] = id
		marks[i] = "$" + itoa(i+1)
	}
	rows, err := s.Reader.QueryContext(ctx, `SELECT `+attachmentColumns+` FROM email_attachments a WHERE a.message_id IN (`+strings.Join(marks, ",")+`) ORDER BY a.id`, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, err
		}
		out[a.MessageID] = append(out[a.MessageID], a)
	}
	return out, translate(rows.Err())
}

// MessageConversation returns the conversation a message belongs to.
func (s *Store) MessageConversation(ctx context.Context, messageID int64) (int64, error) {
	var id int64
	err := s.Reader.QueryRowContext(ctx, `SELECT conversation_id FROM messages WHERE id = $1`, messageID).Scan(&id)
	return id, translate(err)
}

// ThreadKeys returns the Message-IDs of a conversation's mail, oldest first,
// for the References header of a reply.
func (s *Store) ThreadKeys(ctx context.Context, conversationID int64) ([]string, error) {
	rows, err := s.Reader.QueryContext(ctx, `SELECT e.message_key FROM email_messages e JOIN messages m ON m.id = e.message_id
 WHERE m.conversation_id = $1 AND e.message_key NOT LIKE 'sha256:%' ORDER BY e.id`, conversationID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, translate(err)
		}
		out = append(out, k)
	}
	return out, translate(rows.Err())
}

const setDeliverySQL = `UPDATE email_messages SET delivery_status = $2, delivery_error = $3, delivery_attempts = $4, delivered_at = $5
 WHERE message_id = $1`

// SetDelivery records how an attempt to send a message went.
func (s *Store) SetDelivery(ctx context.Context, messageID int64, status, errText string, attempts int, at *time.Time) error {
	_, err := s.Writer.ExecContext(ctx, setDeliverySQL, messageID, status, errText, attempts, nullMillis(at))
	return translate(err)
}

// SetDelivery records a message's final delivery status, in the
// transaction of the event that announces it.
func (t *Tx) SetDelivery(ctx context.Context, messageID int64, status, errText string, attempts int, at *time.Time) error {
	_, err := t.tx.ExecContext(ctx, setDeliverySQL, messageID, status, errText, attempts, nullMillis(at))
	return translate(err)
}

// MessageByID returns one message.
func (s *Store) MessageByID(ctx context.Context, id int64) (model.Message, error) {
	var m model.Message
	var sender sql.NullInt64
	var created int64
	err := s.Reader.QueryRowContext(ctx, `SELECT id, conversation_id, kind, direction, sender_type, sender_id, body, created_at
 FROM messages WHERE id = $1`, id).Scan(&m.ID, &m.ConversationID, &m.Kind, &m.Direction, &m.SenderType, &sender, &m.Body, &created)
	m.SenderID = int64Ptr(sender)
	m.CreatedAt = FromMillis(created)
	return m, translate(err)
}

// MessageWithSender returns one message with its sender's name, as
// ListMessages gives it.
func (s *Store) MessageWithSender(ctx context.Context, id int64) (model.Message, error) {
	var m model.Message
	var sender sql.NullInt64
	var created int64
	err := s.Reader.QueryRowContext(ctx, `SELECT m.id, m.conversation_id, m.kind, m.direction, m.sender_type, m.sender_id,
 COALESCE(CASE m.sender_type WHEN 'user' THEN u.name WHEN 'contact' THEN ct.name ELSE 'Parley' END, ''), m.body, m.created_at
 FROM messages m
 LEFT JOIN users u ON m.sender_type = 'user' AND u.id = m.sender_id
 LEFT JOIN contacts ct ON m.sender_type = 'contact' AND ct.id = m.sender_id
 WHERE m.id = $1`, id).Scan(&m.ID, &m.ConversationID, &m.Kind, &m.Direction, &m.SenderType, &sender, &m.SenderName, &m.Body, &created)
	m.SenderID = int64Ptr(sender)
	m.CreatedAt = FromMillis(created)
	return m, translate(err)
}

// IMAPPosition is how far an inbox's mailbox has been read.
type IMAPPosition struct {
	Mailbox     string
	UIDValidity uint32
	LastUID     uint32
}

// IMAPPosition reads an inbox's position; ErrNotFound before the first fetch.
func (s *Store) IMAPPosition(ctx context.Context, inboxID int64) (IMAPPosition, error) {
	var p IMAPPosition
	var validity, last int64
	err := s.Writer.QueryRowContext(ctx, `SELECT mailbox, uid_validity, last_uid FROM imap_positions WHERE inbox_id = $1`, inboxID).
		Scan(&p.Mailbox, &validity, &last)
	p.UIDValidity, p.LastUID = uint32(validity), uint32(last)
	return p, translate(err)
}

// SaveIMAPPosition moves an inbox's position, inside the transaction that
// stores the message it covers. It never moves backwards within one
// UIDVALIDITY, so an out-of-order commit cannot make a message be fetched
// again.
func (t *Tx) SaveIMAPPosition(ctx context.Context, inboxID int64, p IMAPPosition, now time.Time) error {
	_, err := t.q().ExecContext(ctx, saveIMAPPositionSQL,
		inboxID, p.Mailbox, int64(p.UIDValidity), int64(p.LastUID), Millis(now))
	return translate(err)
}

// AcquireEmailLease makes holder the one node polling an inbox until
// expires, if nobody else holds an unexpired lease. Renewing one's own
// lease always succeeds.
func (s *Store) AcquireEmailLease(ctx context.Context, inboxID int64, holder string, now, expires time.Time) (bool, error) {
	res, err := s.Writer.ExecContext(ctx, `INSERT INTO email_leases (inbox_id, holder, expires_at) VALUES ($1, $2, $3)
 ON CONFLICT (inbox_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
 WHERE email_leases.holder = excluded.holder OR email_leases.expires_at < $4`, inboxID, holder, Millis(expires), Millis(now))
	if err != nil {
		return false, translate(err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseEmailLease gives up a lease so another node may take over at once.
func (s *Store) ReleaseEmailLease(ctx context.Context, inboxID int64, holder string) error {
	_, err := s.Writer.ExecContext(ctx, `DELETE FROM email_leases WHERE inbox_id = $1 AND holder = $2`, inboxID, holder)
	return translate(err)
}

// ListEmailInboxes returns every email inbox.
func (s *Store) ListEmailInboxes(ctx context.Context) ([]model.Inbox, error) {
	all, err := s.ListInboxes(ctx, 0)
	if err != nil {
		return nil, err
	}
	var out []model.Inbox
	for _, in := range all {
		if in.Channel == model.ChannelEmail {
			out = append(out, in)
		}
	}
	return out, nil
}

// IsErrNotFound is errors.Is(err, ErrNotFound), for callers outside the store.
func IsErrNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
