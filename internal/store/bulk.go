package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"
)

// BulkOperation is a stored bulk action and its progress.
type BulkOperation struct {
	ID         int64
	ActorID    int64
	Kind       string // change or undo
	UndoOf     *int64
	Request    json.RawMessage
	IDs        []int64
	Total      int
	Processed  int
	Updated    []int64
	Skipped    json.RawMessage
	Status     string // running or done
	Undone     bool
	CreatedAt  time.Time
	FinishedAt *time.Time
}

const bulkColumns = `id, actor_id, kind, undo_of, request, ids, total, processed, updated, skipped, status, undone, created_at, finished_at`

func scanBulk(row interface{ Scan(...any) error }) (BulkOperation, error) {
	var b BulkOperation
	var undoOf, finished sql.NullInt64
	var request, ids, updated, skipped string
	var created int64
	err := row.Scan(&b.ID, &b.ActorID, &b.Kind, &undoOf, &request, &ids, &b.Total, &b.Processed, &updated, &skipped, &b.Status, &b.Undone, &created, &finished)
	if err != nil {
		return b, translate(err)
	}
	b.UndoOf, b.FinishedAt, b.CreatedAt = int64Ptr(undoOf), timePtr(finished), FromMillis(created)
	b.Request, b.Skipped = json.RawMessage(request), json.RawMessage(skipped)
	if err := json.Unmarshal([]byte(ids), &b.IDs); err != nil {
		return b, err
	}
	return b, json.Unmarshal([]byte(updated), &b.Updated)
}

// CreateBulkOperation stores a new bulk operation and returns its id.
func (t *Tx) CreateBulkOperation(ctx context.Context, b BulkOperation) (int64, error) {
	ids, err := json.Marshal(b.IDs)
	if err != nil {
		return 0, err
	}
	var id int64
	err = t.tx.QueryRowContext(ctx, `INSERT INTO bulk_operations (actor_id, kind, undo_of, request, ids, total, status, created_at)
 VALUES ($1, $2, $3, $4, $5, $6, 'running', $7) RETURNING id`, b.ActorID, b.Kind, nullInt(b.UndoOf), string(b.Request), string(ids), len(b.IDs), Millis(b.CreatedAt)).Scan(&id)
	return id, translate(err)
}

// BulkOperationByID reads a bulk operation.
func (s *Store) BulkOperationByID(ctx context.Context, id int64) (BulkOperation, error) {
	return scanBulk(s.Writer.QueryRowContext(ctx, `SELECT `+bulkColumns+` FROM bulk_operations WHERE id = $1`, id))
}

// BulkOperationByID reads a bulk operation inside the transaction.
func (t *Tx) BulkOperationByID(ctx context.Context, id int64) (BulkOperation, error) {
	return scanBulk(t.tx.QueryRowContext(ctx, `SELECT `+bulkColumns+` FROM bulk_operations WHERE id = $1`, id))
}

// LatestBulkOperation returns the actor's newest change operation.
func (t *Tx) LatestBulkOperation(ctx context.Context, actorID int64) (BulkOperation, error) {
	return scanBulk(t.tx.QueryRowContext(ctx, `SELECT `+bulkColumns+` FROM bulk_operations
 WHERE actor_id = $1 AND kind = 'change' ORDER BY id DESC LIMIT 1`, actorID))
}

// SaveBulkProgress records how far an operation got.
func (t *Tx) SaveBulkProgress(ctx context.Context, b BulkOperation) error {
	updated, err := json.Marshal(b.Updated)
	if err != nil {
		return err
	}
	var finished any
	if b.FinishedAt != nil {
		finished = Millis(*b.FinishedAt)
	}
	_, err = t.tx.ExecContext(ctx, `UPDATE bulk_operations SET processed = $2, updated = $3, skipped = $4, status = $5, undone = $6, finished_at = $7 WHERE id = $1`,
		b.ID, b.Processed, string(updated), string(b.Skipped), b.Status, b.Undone, finished)
	return translate(err)
}

// SaveBulkChange keeps a conversation's state from before an operation.
func (t *Tx) SaveBulkChange(ctx context.Context, operationID, conversationID int64, before json.RawMessage) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO bulk_changes (operation_id, conversation_id, before) VALUES ($1, $2, $3)
 ON CONFLICT DO NOTHING`, operationID, conversationID, string(before))
	return translate(err)
}

// BulkChange reads what a conversation was before an operation.
func (t *Tx) BulkChange(ctx context.Context, operationID, conversationID int64) (json.RawMessage, error) {
	var before string
	err := t.tx.QueryRowContext(ctx, `SELECT before FROM bulk_changes WHERE operation_id = $1 AND conversation_id = $2`, operationID, conversationID).Scan(&before)
	return json.RawMessage(before), translate(err)
}

// MatchingIDs lists the ids of every conversation a filter matches, up
// to limit+1 so callers can tell a set that is too large.
func (s *Store) MatchingIDs(ctx context.Context, f ConversationFilter, limit int) ([]int64, error) {
	f.Limit = limit + 1
	f.After = nil
	if err := s.prepareFilter(ctx, &f); err != nil {
		return nil, err
	}
	if f.needsWalk() {
		return s.walkMatches(ctx, f, limit+1)
	}
	q, args, err := s.listQuery(f, "c.id", false)
	if err != nil {
		return nil, err
	}
	return scanIDs(s.Reader.QueryContext(ctx, q, args...))
}
