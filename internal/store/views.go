package store

import (
	"context"
	"database/sql"
	"time"
)

// View is a saved view as stored; its filter is JSON.
type View struct {
	ID         int64
	Name       string
	OwnerID    int64
	Visibility string
	TeamID     *int64
	Filter     string
	Sort       string
	Position   int
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

const viewColumns = `id, name, owner_id, visibility, team_id, filter, sort, position, created_at, updated_at`

func scanView(row interface{ Scan(...any) error }) (View, error) {
	var v View
	var team sql.NullInt64
	var created, updated int64
	err := row.Scan(&v.ID, &v.Name, &v.OwnerID, &v.Visibility, &team, &v.Filter, &v.Sort, &v.Position, &created, &updated)
	v.TeamID = int64Ptr(team)
	v.CreatedAt, v.UpdatedAt = FromMillis(created), FromMillis(updated)
	return v, translate(err)
}

// ViewByID reads one view.
func (s *Store) ViewByID(ctx context.Context, id int64) (View, error) {
	return scanView(s.Reader.QueryRowContext(ctx, `SELECT `+viewColumns+` FROM views WHERE id = $1`, id))
}

// ViewByID reads one view inside the transaction.
func (t *Tx) ViewByID(ctx context.Context, id int64) (View, error) {
	return scanView(t.tx.QueryRowContext(ctx, `SELECT `+viewColumns+` FROM views WHERE id = $1`, id))
}

// ListViews returns the views a user may see: their own, their teams',
// everyone's (all shared views when allShared), by position.
func (s *Store) ListViews(ctx context.Context, userID int64, allShared bool) ([]View, error) {
	teamClause := `team_id IN (SELECT team_id FROM team_members WHERE user_id = $1)`
	if allShared {
		teamClause = `visibility = 'team'`
	}
	rows, err := s.Reader.QueryContext(ctx, `SELECT `+viewColumns+` FROM views
 WHERE owner_id = $1 AND visibility = 'private' OR visibility = 'everyone' OR (visibility = 'team' AND `+teamClause+`)
 ORDER BY position, id`, userID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []View{}
	for rows.Next() {
		v, err := scanView(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, translate(rows.Err())
}

// CreateView inserts a view and returns its id.
func (t *Tx) CreateView(ctx context.Context, v View) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO views (name, owner_id, visibility, team_id, filter, sort, position, created_at, updated_at)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`, v.Name, v.OwnerID, v.Visibility, nullInt(v.TeamID), v.Filter, v.Sort, v.Position, Millis(v.CreatedAt)).Scan(&id)
	return id, translate(err)
}

// SaveView writes a view's mutable fields.
func (t *Tx) SaveView(ctx context.Context, v View) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE views SET name = $2, visibility = $3, team_id = $4, filter = $5, sort = $6, position = $7, updated_at = $8 WHERE id = $1`,
		v.ID, v.Name, v.Visibility, nullInt(v.TeamID), v.Filter, v.Sort, v.Position, Millis(v.UpdatedAt))
	return translate(err)
}

// DeleteView removes a view.
func (t *Tx) DeleteView(ctx context.Context, id int64) error {
	_, err := t.tx.ExecContext(ctx, `DELETE FROM views WHERE id = $1`, id)
	return translate(err)
}

// IsTeamMember reports whether the user is in the team.
func (t *Tx) IsTeamMember(ctx context.Context, teamID, userID int64) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM team_members WHERE team_id = $1 AND user_id = $2`, teamID, userID).Scan(&n)
	return n > 0, translate(err)
}

// IsTeamMember reports whether the user is in the team.
func (s *Store) IsTeamMember(ctx context.Context, teamID, userID int64) (bool, error) {
	var n int
	err := s.Reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM team_members WHERE team_id = $1 AND user_id = $2`, teamID, userID).Scan(&n)
	return n > 0, translate(err)
}

// CountConversations counts what a filter matches, up to limit: counting
// stops there, so a broad view costs no more than a narrow one. It
// reports the count and whether it stopped at the limit.
func (s *Store) CountConversations(ctx context.Context, f ConversationFilter, limit int) (int, bool, error) {
	f.Limit = limit + 1
	f.After = nil
	if err := s.prepareFilter(ctx, &f); err != nil {
		return 0, false, err
	}
	if f.needsWalk() {
		ids, err := s.walkMatches(ctx, f, limit+1)
		return min(len(ids), limit), len(ids) > limit, err
	}
	q, args, err := s.listQuery(f, "1", false)
	if err != nil {
		return 0, false, err
	}
	var n int
	if err := s.Reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+q+`) x`, args...).Scan(&n); err != nil {
		return 0, false, translate(err)
	}
	return min(n, limit), n > limit, nil
}

// LastEventID is the newest conversation event's id, 0 when there is none.
// Every change to a conversation writes an event, so an unchanged value
// means no conversation changed.
func (s *Store) LastEventID(ctx context.Context) (int64, error) {
	var id int64
	err := s.Reader.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM conversation_events`).Scan(&id)
	return id, translate(err)
}
