package store

import (
	"context"
	"time"
)

// ReserveIdempotencyKey claims a user's key for a write about to run, so
// that concurrent retries cannot all run it. It reports false when the key
// is taken: answered already, or claimed by a write still running. A claim
// made before staleBefore is taken to be abandoned (its process died) and
// is taken over.
func (s *Store) ReserveIdempotencyKey(ctx context.Context, userID int64, key, method, path string, now, staleBefore time.Time) (bool, error) {
	res, err := s.Writer.ExecContext(ctx, `INSERT INTO idempotency_keys (user_id, key, method, path, status, body, created_at)
 VALUES ($1, $2, $3, $4, 0, '', $5)
 ON CONFLICT (user_id, key) DO UPDATE SET method = excluded.method, path = excluded.path, created_at = excluded.created_at
 WHERE idempotency_keys.status = 0 AND idempotency_keys.created_at < $6`,
		userID, key, method, path, Millis(now), Millis(staleBefore))
	if err != nil {
		return false, translate(err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// CompleteIdempotencyKey stores the answer to a claimed key, for replay.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, userID int64, key string, status int, body []byte) error {
	_, err := s.Writer.ExecContext(ctx, `UPDATE idempotency_keys SET status = $3, body = $4 WHERE user_id = $1 AND key = $2`,
		userID, key, status, string(body))
	return translate(err)
}

// ReleaseIdempotencyKey drops a claim whose write failed, so that the
// client may fix its request and retry with the same key.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, userID int64, key string) error {
	_, err := s.Writer.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status = 0`, userID, key)
	return translate(err)
}
