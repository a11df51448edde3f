package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/parley-hq/parley/internal/model"
)

const userColumns = `id, email, name, role, password_hash, available, capacity, weekly_report, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (model.User, error) {
	var u model.User
	var created, updated int64
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &u.Available, &u.Capacity, &u.WeeklyReport, &created, &updated)
	u.CreatedAt, u.UpdatedAt = FromMillis(created), FromMillis(updated)
	return u, translate(err)
}

// UserByID reads one user.
func (s *Store) UserByID(ctx context.Context, id int64) (model.User, error) {
	return scanUser(s.Reader.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
}

// UserByID reads one user inside the transaction.
func (t *Tx) UserByID(ctx context.Context, id int64) (model.User, error) {
	return scanUser(t.tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
}

// UserByEmail reads one user by (lower-case) email.
func (s *Store) UserByEmail(ctx context.Context, email string) (model.User, error) {
	return scanUser(s.Reader.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, email))
}

// ListUsers returns users with ids above afterID, by id.
func (s *Store) ListUsers(ctx context.Context, afterID int64, limit int) ([]model.User, error) {
	rows, err := s.Reader.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE id > $1 ORDER BY id LIMIT $2`, afterID, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []model.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, translate(rows.Err())
}

// CreateUser inserts a user and returns its id.
func (t *Tx) CreateUser(ctx context.Context, u model.User) (int64, error) {
	var id int64
	now := Millis(u.CreatedAt)
	err := t.tx.QueryRowContext(ctx, `INSERT INTO users (email, name, role, password_hash, available, capacity, created_at, updated_at)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`, u.Email, u.Name, u.Role, u.PasswordHash, u.Available, u.Capacity, now).Scan(&id)
	return id, translate(err)
}

// SaveUser writes a user's mutable fields.
func (t *Tx) SaveUser(ctx context.Context, u model.User) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE users SET name = $2, role = $3, password_hash = $4, available = $5, capacity = $6, updated_at = $7, weekly_report = $8 WHERE id = $1`,
		u.ID, u.Name, u.Role, u.PasswordHash, u.Available, u.Capacity, Millis(u.UpdatedAt), u.WeeklyReport)
	return translate(err)
}

// CountUsers counts all users, to tell a fresh install from a used one.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.Reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, translate(err)
}

// TokenUser is the user behind a token or session, with the token's row id.
type TokenUser struct {
	TokenID int64
	User    model.User
	// CSRFToken is set for sessions only.
	CSRFToken string
	ExpiresAt time.Time
}

// UserByTokenHash resolves an API token hash to its user.
func (s *Store) UserByTokenHash(ctx context.Context, hash string) (TokenUser, error) {
	var tu TokenUser
	row := s.reader().QueryRowContext(ctx, userByTokenHashSQL, hash)
	var created, updated int64
	u := &tu.User
	err := row.Scan(&tu.TokenID, &u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &u.Available, &u.Capacity, &u.WeeklyReport, &created, &updated)
	u.CreatedAt, u.UpdatedAt = FromMillis(created), FromMillis(updated)
	return tu, translate(err)
}

// UserBySessionHash resolves a session cookie hash to its unexpired session.
func (s *Store) UserBySessionHash(ctx context.Context, hash string, now time.Time) (TokenUser, error) {
	var tu TokenUser
	row := s.Reader.QueryRowContext(ctx, `SELECT t.id, t.csrf_token, t.expires_at, u.id, u.email, u.name, u.role, u.password_hash, u.available, u.capacity, u.weekly_report, u.created_at, u.updated_at
 FROM sessions t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.expires_at > $2`, hash, Millis(now))
	var created, updated, expires int64
	u := &tu.User
	err := row.Scan(&tu.TokenID, &tu.CSRFToken, &expires, &u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &u.Available, &u.Capacity, &u.WeeklyReport, &created, &updated)
	u.CreatedAt, u.UpdatedAt, tu.ExpiresAt = FromMillis(created), FromMillis(updated), FromMillis(expires)
	return tu, translate(err)
}

// CreateAPIToken stores a token hash for a user.
func (t *Tx) CreateAPIToken(ctx context.Context, userID int64, name, hash string, now time.Time) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		userID, name, hash, Millis(now)).Scan(&id)
	return id, translate(err)
}

// CreateSession stores a browser session.
func (t *Tx) CreateSession(ctx context.Context, userID int64, hash, csrf string, now, expires time.Time) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO sessions (user_id, token_hash, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		userID, hash, csrf, Millis(now), Millis(expires))
	return translate(err)
}

// DeleteSession ends a browser session, and any expired ones with it.
func (t *Tx) DeleteSession(ctx context.Context, hash string, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1 OR expires_at <= $2`, hash, Millis(now))
	return translate(err)
}

// Idempotent is a stored response to a write with an Idempotency-Key.
type Idempotent struct {
	Method, Path string
	Status       int
	Body         []byte
}

// IdempotentResponse finds the stored response for a user's key.
func (s *Store) IdempotentResponse(ctx context.Context, userID int64, key string) (Idempotent, error) {
	var r Idempotent
	var body string
	err := s.Writer.QueryRowContext(ctx, `SELECT method, path, status, body FROM idempotency_keys WHERE user_id = $1 AND key = $2`, userID, key).
		Scan(&r.Method, &r.Path, &r.Status, &body)
	r.Body = []byte(body)
	return r, translate(err)
}

func scanIDs(rows *sql.Rows, err error) ([]int64, error) {
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err)
		}
		out = append(out, id)
	}
	return out, translate(rows.Err())
}

// CountAdmins counts admins, inside the transaction, so the last one
// cannot be demoted.
func (t *Tx) CountAdmins(ctx context.Context) (int, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = 'admin'`).Scan(&n)
	return n, translate(err)
}
