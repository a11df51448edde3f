package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/parley-hq/parley/internal/model"
)

// Channel key kinds (channel_keys.kind).
const (
	KeySignature = "signature"
	KeyMessage   = "message"
	KeyCall      = "call"
	KeyThread    = "thread"
)

// ClaimChannelKey records a key the channel has now seen; it reports false,
// changing nothing, when the key was seen before.
func (t *Tx) ClaimChannelKey(ctx context.Context, inboxID int64, kind, key string, targetID int64, now time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO channel_keys (inbox_id, kind, key, target_id, created_at) VALUES ($1, $2, $3, $4, $5)
 ON CONFLICT DO NOTHING`, inboxID, kind, key, targetID, Millis(now))
	if err != nil {
		return false, translate(err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// SetChannelKey points a key at a target, replacing what it pointed at.
func (t *Tx) SetChannelKey(ctx context.Context, inboxID int64, kind, key string, targetID int64, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO channel_keys (inbox_id, kind, key, target_id, created_at) VALUES ($1, $2, $3, $4, $5)
 ON CONFLICT (inbox_id, kind, key) DO UPDATE SET target_id = excluded.target_id`, inboxID, kind, key, targetID, Millis(now))
	return translate(err)
}

// ChannelKey returns the target a key stands for.
func (t *Tx) ChannelKey(ctx context.Context, inboxID int64, kind, key string) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `SELECT target_id FROM channel_keys WHERE inbox_id = $1 AND kind = $2 AND key = $3`, inboxID, kind, key).Scan(&id)
	return id, translate(err)
}

// DeleteChannelKeys forgets keys of a kind seen before a time, such as
// signatures older than any timestamp still accepted.
func (s *Store) DeleteChannelKeys(ctx context.Context, kind string, before time.Time) error {
	_, err := s.Writer.ExecContext(ctx, `DELETE FROM channel_keys WHERE kind = $1 AND created_at < $2`, kind, Millis(before))
	return translate(err)
}

// LatestConversationOf returns the contact's newest conversation in an
// inbox that has not been merged away; closed ones count only with
// includeClosed.
func (t *Tx) LatestConversationOf(ctx context.Context, inboxID, contactID int64, includeClosed bool) (model.Conversation, error) {
	return latestConversationOf(ctx, t.tx, inboxID, contactID, includeClosed)
}

// LatestConversationOf reads like Tx.LatestConversationOf, outside a transaction.
func (s *Store) LatestConversationOf(ctx context.Context, inboxID, contactID int64, includeClosed bool) (model.Conversation, error) {
	return latestConversationOf(ctx, s.Reader, inboxID, contactID, includeClosed)
}

func latestConversationOf(ctx context.Context, q querier, inboxID, contactID int64, includeClosed bool) (model.Conversation, error) {
	where := ` AND status <> 'closed'`
	if includeClosed {
		where = ""
	}
	// One statement: the id lookup as a subquery of the conversation's read.
	return queryConversation(ctx, q, conversationWithTags+` WHERE c.id = (SELECT id FROM conversations WHERE inbox_id = $1 AND contact_id = $2 AND merged_into_id IS NULL`+where+`
 ORDER BY id DESC LIMIT 1) ORDER BY t.name`, inboxID, contactID)
}

// Delivery is one message leaving by a channel, and how its attempts went.
type Delivery struct {
	ID             int64      `json:"id"`
	InboxID        int64      `json:"inbox_id"`
	ConversationID int64      `json:"conversation_id"`
	MessageID      int64      `json:"message_id"`
	Kind           string     `json:"kind"`
	Target         string     `json:"target"`
	Payload        string     `json:"-"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	LastStatus     int        `json:"last_status_code"`
	LastError      string     `json:"last_error"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	DeliveredAt    *time.Time `json:"delivered_at"`
}

const deliveryColumns = `id, inbox_id, conversation_id, message_id, kind, target, payload, status, attempts, last_status, last_error, created_at, updated_at, delivered_at`

func scanDelivery(row interface{ Scan(...any) error }) (Delivery, error) {
	var d Delivery
	var created, updated int64
	var delivered sql.NullInt64
	err := row.Scan(&d.ID, &d.InboxID, &d.ConversationID, &d.MessageID, &d.Kind, &d.Target, &d.Payload, &d.Status,
		&d.Attempts, &d.LastStatus, &d.LastError, &created, &updated, &delivered)
	d.CreatedAt, d.UpdatedAt, d.DeliveredAt = FromMillis(created), FromMillis(updated), timePtr(delivered)
	return d, translate(err)
}

// CreateDelivery logs a pending delivery and returns its id.
func (t *Tx) CreateDelivery(ctx context.Context, d Delivery) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO channel_deliveries (inbox_id, conversation_id, message_id, kind, target, payload, status, created_at, updated_at)
 VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7) RETURNING id`, d.InboxID, d.ConversationID, d.MessageID, d.Kind, d.Target, d.Payload, Millis(d.CreatedAt)).Scan(&id)
	return id, translate(err)
}

// DeliveryByID reads one delivery.
func (s *Store) DeliveryByID(ctx context.Context, id int64) (Delivery, error) {
	return scanDelivery(s.Writer.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM channel_deliveries WHERE id = $1`, id))
}

// DeliveryByID reads one delivery inside the transaction.
func (t *Tx) DeliveryByID(ctx context.Context, id int64) (Delivery, error) {
	return scanDelivery(t.tx.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM channel_deliveries WHERE id = $1`, id))
}

// ListDeliveries returns an inbox's deliveries, newest first, before the
// given id (0: from the newest).
func (s *Store) ListDeliveries(ctx context.Context, inboxID, beforeID int64, limit int) ([]Delivery, error) {
	if beforeID <= 0 {
		beforeID = 1<<62 - 1
	}
	rows, err := s.Reader.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM channel_deliveries WHERE inbox_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
		inboxID, beforeID, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, translate(rows.Err())
}

// RecordDeliveryAttempt counts an attempt and its outcome.
func (s *Store) RecordDeliveryAttempt(ctx context.Context, id int64, status string, code int, errText string, now time.Time) error {
	var delivered any
	if status == "delivered" {
		delivered = Millis(now)
	}
	_, err := s.Writer.ExecContext(ctx, `UPDATE channel_deliveries SET attempts = attempts + 1, status = $2, last_status = $3, last_error = $4,
 updated_at = $5, delivered_at = COALESCE($6, delivered_at) WHERE id = $1`, id, status, code, errText, Millis(now), delivered)
	return translate(err)
}

// FailDelivery marks a delivery failed without an attempt, saying why.
func (t *Tx) FailDelivery(ctx context.Context, id int64, reason string, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE channel_deliveries SET status = 'failed', last_error = $2, updated_at = $3 WHERE id = $1`, id, reason, Millis(now))
	return translate(err)
}

// SetDeliveryStatus sets a delivery's status without counting an attempt.
func (t *Tx) SetDeliveryStatus(ctx context.Context, id int64, status string, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE channel_deliveries SET status = $2, updated_at = $3 WHERE id = $1`, id, status, Millis(now))
	return translate(err)
}

// CallInsert is a call to record.
type CallInsert struct {
	InboxID         int64
	ConversationID  int64
	Direction       string
	Outcome         string
	Caller, Callee  string
	DurationSeconds int
	RecordingURL    string
	Transcript      string
	Notes           string
	UserID          *int64
	ExternalID      string
	StartedAt       time.Time
	Now             time.Time
}

// CreateCall inserts a call and returns its id.
func (t *Tx) CreateCall(ctx context.Context, c CallInsert) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO calls (inbox_id, conversation_id, direction, outcome, caller, callee, duration_seconds,
 recording_url, transcript, notes, user_id, external_id, started_at, created_at)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		c.InboxID, c.ConversationID, c.Direction, c.Outcome, c.Caller, c.Callee, c.DurationSeconds, c.RecordingURL, c.Transcript,
		c.Notes, nullInt(c.UserID), c.ExternalID, Millis(c.StartedAt), Millis(c.Now)).Scan(&id)
	return id, translate(err)
}

// ListCalls returns a conversation's calls, oldest first.
func (s *Store) ListCalls(ctx context.Context, conversationID int64) ([]model.Call, error) {
	rows, err := s.Reader.QueryContext(ctx, `SELECT c.id, c.inbox_id, c.conversation_id, c.direction, c.outcome, c.caller, c.callee,
 c.duration_seconds, c.recording_url, c.transcript, c.notes, c.user_id, COALESCE(u.name, ''), c.external_id, c.started_at, c.created_at
 FROM calls c LEFT JOIN users u ON u.id = c.user_id WHERE c.conversation_id = $1 ORDER BY c.started_at, c.id`, conversationID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []model.Call{}
	for rows.Next() {
		var c model.Call
		var user sql.NullInt64
		var started, created int64
		if err := rows.Scan(&c.ID, &c.InboxID, &c.ConversationID, &c.Direction, &c.Outcome, &c.Caller, &c.Callee, &c.DurationSeconds,
			&c.RecordingURL, &c.Transcript, &c.Notes, &user, &c.UserName, &c.ExternalID, &started, &created); err != nil {
			return nil, translate(err)
		}
		c.UserID, c.StartedAt, c.CreatedAt = int64Ptr(user), FromMillis(started), FromMillis(created)
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// Visitor is a live-chat widget session.
type Visitor struct {
	ID        int64
	InboxID   int64
	Identity  string
	Email     string
	CreatedAt time.Time
}

// CreateVisitor stores a new widget session by its token's hash.
func (t *Tx) CreateVisitor(ctx context.Context, inboxID int64, tokenHash, identity string, now time.Time) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO chat_visitors (inbox_id, token_hash, identity, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $4) RETURNING id`,
		inboxID, tokenHash, identity, Millis(now)).Scan(&id)
	return id, translate(err)
}

// SetVisitorIdentity changes the identity a visitor chats as, and the
// email address they left for answers.
func (t *Tx) SetVisitorIdentity(ctx context.Context, id int64, identity, email string) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE chat_visitors SET identity = $2, email = $3 WHERE id = $1`, id, identity, email)
	return translate(err)
}

// VisitorByTokenHash finds a widget session by its token's hash.
func (s *Store) VisitorByTokenHash(ctx context.Context, hash string) (Visitor, error) {
	var v Visitor
	var created int64
	err := s.Reader.QueryRowContext(ctx, `SELECT id, inbox_id, identity, email, created_at FROM chat_visitors WHERE token_hash = $1`,
		hash).Scan(&v.ID, &v.InboxID, &v.Identity, &v.Email, &created)
	v.CreatedAt = FromMillis(created)
	return v, translate(err)
}

// TouchVisitor records that a visitor is on the page now.
func (s *Store) TouchVisitor(ctx context.Context, id int64, now time.Time) error {
	_, err := s.Writer.ExecContext(ctx, `UPDATE chat_visitors SET last_seen_at = $2 WHERE id = $1`, id, Millis(now))
	return translate(err)
}

// TouchVisitor records, in a transaction, that a visitor is on the page now.
func (t *Tx) TouchVisitor(ctx context.Context, id int64, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE chat_visitors SET last_seen_at = $2 WHERE id = $1`, id, Millis(now))
	return translate(err)
}

// VisitorPresence is when a contact's widget sessions in an inbox were
// last seen, and the newest email address they left.
func (t *Tx) VisitorPresence(ctx context.Context, inboxID, contactID int64) (lastSeen time.Time, email string, err error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT v.last_seen_at, v.email FROM chat_visitors v
 JOIN contact_identities ci ON ci.kind = 'external' AND ci.value = v.identity
 WHERE ci.contact_id = $1 AND v.inbox_id = $2 ORDER BY v.last_seen_at`, contactID, inboxID)
	if err != nil {
		return lastSeen, "", translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var seen int64
		var e string
		if err := rows.Scan(&seen, &e); err != nil {
			return lastSeen, "", translate(err)
		}
		lastSeen = FromMillis(seen)
		if e != "" {
			email = e
		}
	}
	return lastSeen, email, translate(rows.Err())
}

// CountAvailableMembers counts an inbox's members who are available.
func (s *Store) CountAvailableMembers(ctx context.Context, inboxID int64) (int, error) {
	var n int
	err := s.Reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM inbox_members m JOIN users u ON u.id = m.user_id
 WHERE m.inbox_id = $1 AND u.available = $2`, inboxID, true).Scan(&n)
	return n, translate(err)
}

// ConversationIDsOf returns a contact's newest conversations in an inbox
// that were not merged away, newest first.
func (s *Store) ConversationIDsOf(ctx context.Context, inboxID, contactID int64, limit int) ([]int64, error) {
	return scanIDs(s.Reader.QueryContext(ctx, `SELECT id FROM conversations WHERE inbox_id = $1 AND contact_id = $2 AND merged_into_id IS NULL
 ORDER BY id DESC LIMIT $3`, inboxID, contactID, limit))
}

// ContactIDByIdentity finds the contact that owns an identity, outside a transaction.
func (s *Store) ContactIDByIdentity(ctx context.Context, kind model.IdentityKind, value string) (int64, error) {
	var id int64
	err := s.Reader.QueryRowContext(ctx, `SELECT contact_id FROM contact_identities WHERE kind = $1 AND value = $2`, kind, value).Scan(&id)
	return id, translate(err)
}

// MessageByID reads one message (without its sender's name).
func (t *Tx) MessageByID(ctx context.Context, id int64) (model.Message, error) {
	var m model.Message
	var sender sql.NullInt64
	var created int64
	err := t.tx.QueryRowContext(ctx, `SELECT id, conversation_id, kind, direction, sender_type, sender_id, body, created_at FROM messages WHERE id = $1`, id).
		Scan(&m.ID, &m.ConversationID, &m.Kind, &m.Direction, &m.SenderType, &sender, &m.Body, &created)
	m.SenderID, m.CreatedAt = int64Ptr(sender), FromMillis(created)
	return m, translate(err)
}

// CallConversationID returns the conversation a call is in.
func (t *Tx) CallConversationID(ctx context.Context, callID int64) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `SELECT conversation_id FROM calls WHERE id = $1`, callID).Scan(&id)
	return id, translate(err)
}

// ThreadKeyOf returns the external thread id that maps to a conversation.
func (t *Tx) ThreadKeyOf(ctx context.Context, inboxID, conversationID int64) (string, error) {
	var key string
	err := t.tx.QueryRowContext(ctx, `SELECT key FROM channel_keys WHERE inbox_id = $1 AND kind = 'thread' AND target_id = $2 ORDER BY created_at DESC LIMIT 1`,
		inboxID, conversationID).Scan(&key)
	return key, translate(err)
}
