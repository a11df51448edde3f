package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/parley-hq/parley/internal/model"
)

// Merge is one merge of a conversation into another, as unmerge needs it.
type Merge struct {
	ID             int64
	SourceID       int64
	TargetID       int64
	SourceSnapshot json.RawMessage
	AddedTags      []string
	CreatedAt      time.Time
}

// SetMergedInto marks a conversation merged into another, or not (nil).
func (t *Tx) SetMergedInto(ctx context.Context, id int64, into *int64) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE conversations SET merged_into_id = $2 WHERE id = $1`, id, nullInt(into))
	return translate(err)
}

// CreateMerge records a merge and the messages it moved.
func (t *Tx) CreateMerge(ctx context.Context, m Merge, actorID int64, messageIDs []int64) (int64, error) {
	tags, err := json.Marshal(m.AddedTags)
	if err != nil {
		return 0, err
	}
	var actor any = actorID
	if actorID == 0 {
		actor = nil
	}
	var id int64
	err = t.tx.QueryRowContext(ctx, `INSERT INTO conversation_merges (source_id, target_id, actor_id, source_snapshot, added_tags, created_at)
 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, m.SourceID, m.TargetID, actor, string(m.SourceSnapshot), string(tags), Millis(m.CreatedAt)).Scan(&id)
	if err != nil {
		return 0, translate(err)
	}
	for _, mid := range messageIDs {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO conversation_merge_messages (merge_id, message_id) VALUES ($1, $2)`, id, mid); err != nil {
			return 0, translate(err)
		}
	}
	return id, nil
}

// LatestMerge returns the newest merge of source that has not been undone.
func (t *Tx) LatestMerge(ctx context.Context, sourceID int64) (Merge, error) {
	var m Merge
	var snapshot, tags string
	var created int64
	err := t.tx.QueryRowContext(ctx, `SELECT id, source_id, target_id, source_snapshot, added_tags, created_at
 FROM conversation_merges WHERE source_id = $1 AND undone_at IS NULL ORDER BY id DESC LIMIT 1`, sourceID).
		Scan(&m.ID, &m.SourceID, &m.TargetID, &snapshot, &tags, &created)
	if err != nil {
		return m, translate(err)
	}
	m.SourceSnapshot = json.RawMessage(snapshot)
	m.CreatedAt = FromMillis(created)
	if err := json.Unmarshal([]byte(tags), &m.AddedTags); err != nil {
		return m, fmt.Errorf("merge %d tags: %w", m.ID, err)
	}
	return m, nil
}

// MergeMessageIDs lists the messages a merge moved.
func (t *Tx) MergeMessageIDs(ctx context.Context, mergeID int64) ([]int64, error) {
	return scanIDs(t.tx.QueryContext(ctx, `SELECT message_id FROM conversation_merge_messages WHERE merge_id = $1 ORDER BY message_id`, mergeID))
}

// MarkMergeUndone closes a merge record after an unmerge.
func (t *Tx) MarkMergeUndone(ctx context.Context, mergeID int64, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE conversation_merges SET undone_at = $2 WHERE id = $1`, mergeID, Millis(now))
	return translate(err)
}

// MessageIDsOf lists a conversation's message ids.
func (t *Tx) MessageIDsOf(ctx context.Context, conversationID int64) ([]int64, error) {
	return scanIDs(t.tx.QueryContext(ctx, `SELECT id FROM messages WHERE conversation_id = $1 ORDER BY id`, conversationID))
}

// MoveMessages moves the given messages to another conversation.
func (t *Tx) MoveMessages(ctx context.Context, ids []int64, to int64) error {
	for len(ids) > 0 {
		n := min(len(ids), 500)
		ph := make([]string, n)
		args := []any{to}
		for i, id := range ids[:n] {
			ph[i] = fmt.Sprintf("$%d", i+2)
			args = append(args, id)
		}
		if _, err := t.tx.ExecContext(ctx, `UPDATE messages SET conversation_id = $1 WHERE id IN (`+strings.Join(ph, ",")+`)`, args...); err != nil {
			return translate(err)
		}
		ids = ids[n:]
	}
	return nil
}

// MessageStats are the conversation fields derived from its messages.
type MessageStats struct {
	Count int
	// LastAt is the newest message's time; zero when there is none.
	LastAt time.Time
	// Preview is the newest reply's body (notes are not previewed).
	Preview string
	// FirstCustomerAt is the oldest incoming message's time, if any.
	FirstCustomerAt *time.Time
	// UnansweredSince is the oldest incoming message after the last
	// outgoing reply, if any: what waiting_since should be.
	UnansweredSince *time.Time
	HasOutgoing     bool
}

// MessageStats recomputes what a conversation's messages say about it,
// after messages moved in or out.
func (t *Tx) MessageStats(ctx context.Context, conversationID int64) (MessageStats, error) {
	var st MessageStats
	rows, err := t.tx.QueryContext(ctx, `SELECT kind, direction, body, created_at FROM messages
 WHERE conversation_id = $1 ORDER BY created_at, id`, conversationID)
	if err != nil {
		return st, translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind model.MessageKind
		var dir model.Direction
		var body string
		var created int64
		if err := rows.Scan(&kind, &dir, &body, &created); err != nil {
			return st, translate(err)
		}
		at := FromMillis(created)
		st.Count++
		st.LastAt = at
		if kind != model.KindReply {
			continue
		}
		st.Preview = body
		switch dir {
		case model.Incoming:
			if st.FirstCustomerAt == nil {
				st.FirstCustomerAt = &at
			}
			if st.UnansweredSince == nil {
				st.UnansweredSince = &at
			}
		case model.Outgoing:
			st.HasOutgoing = true
			st.UnansweredSince = nil
		}
	}
	return st, translate(rows.Err())
}

// CountMessagesIn counts how many of ids belong to the conversation.
func (t *Tx) CountMessagesIn(ctx context.Context, conversationID int64, ids []int64) (int, error) {
	ph := make([]string, len(ids))
	args := []any{conversationID}
	for i, id := range ids {
		ph[i] = fmt.Sprintf("$%d", i+2)
		args = append(args, id)
	}
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages WHERE conversation_id = $1 AND id IN (`+strings.Join(ph, ",")+`)`, args...).Scan(&n)
	return n, translate(err)
}
