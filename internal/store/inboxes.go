package store

import (
	"context"
	"time"

	"github.com/parley-hq/parley/internal/model"
)

const inboxColumns = `id, name, channel, settings, auto_resolve_after_ms, auto_close_after_ms, reopen_window_ms, created_at`

func scanInbox(row interface{ Scan(...any) error }) (model.Inbox, error) {
	var in model.Inbox
	var settings string
	var resolve, closeAfter, reopen, created int64
	err := row.Scan(&in.ID, &in.Name, &in.Channel, &settings, &resolve, &closeAfter, &reopen, &created)
	in.Settings = []byte(settings)
	in.AutoResolveAfter = time.Duration(resolve) * time.Millisecond
	in.AutoCloseAfter = time.Duration(closeAfter) * time.Millisecond
	in.ReopenWindow = time.Duration(reopen) * time.Millisecond
	in.CreatedAt = FromMillis(created)
	return in, translate(err)
}

// InboxByID reads one inbox with its members.
func (s *Store) InboxByID(ctx context.Context, id int64) (model.Inbox, error) {
	in, err := scanInbox(s.reader().QueryRowContext(ctx, inboxByIDSQL, id))
	if err != nil {
		return in, err
	}
	in.MemberIDs, err = scanIDs(s.Reader.QueryContext(ctx, `SELECT user_id FROM inbox_members WHERE inbox_id = $1 ORDER BY user_id`, id))
	return in, err
}

// InboxByID reads one inbox (without members) inside the transaction.
func (t *Tx) InboxByID(ctx context.Context, id int64) (model.Inbox, error) {
	if in, ok := t.memo.inboxes[id]; ok {
		return in, nil
	}
	in, err := scanInbox(t.q().QueryRowContext(ctx, inboxByIDSQL, id))
	if err != nil {
		return in, err
	}
	if t.memo.inboxes == nil {
		t.memo.inboxes = map[int64]model.Inbox{}
	}
	t.memo.inboxes[id] = in
	return in, nil
}

// ListInboxes returns inboxes by id; with visibleTo set, only those the user belongs to.
func (s *Store) ListInboxes(ctx context.Context, visibleTo int64) ([]model.Inbox, error) {
	q := `SELECT ` + inboxColumns + ` FROM inboxes`
	var args []any
	if visibleTo != 0 {
		q += ` WHERE id IN (SELECT inbox_id FROM inbox_members WHERE user_id = $1)`
		args = append(args, visibleTo)
	}
	rows, err := s.Reader.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []model.Inbox{}
	for rows.Next() {
		in, err := scanInbox(rows)
		if err != nil {
			return nil, err
		}
		in.MemberIDs = []int64{}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	members, err := s.Reader.QueryContext(ctx, `SELECT inbox_id, user_id FROM inbox_members ORDER BY user_id`)
	if err != nil {
		return nil, translate(err)
	}
	defer members.Close()
	index := map[int64]int{}
	for i, in := range out {
		index[in.ID] = i
	}
	for members.Next() {
		var inboxID, userID int64
		if err := members.Scan(&inboxID, &userID); err != nil {
			return nil, translate(err)
		}
		if i, ok := index[inboxID]; ok {
			out[i].MemberIDs = append(out[i].MemberIDs, userID)
		}
	}
	return out, translate(members.Err())
}

// CreateInbox inserts an inbox and returns its id.
func (t *Tx) CreateInbox(ctx context.Context, in model.Inbox) (int64, error) {
	t.memo = txMemo{}
	var id int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO inboxes (name, channel, settings, auto_resolve_after_ms, auto_close_after_ms, reopen_window_ms, created_at)
 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, in.Name, in.Channel, string(in.Settings),
		in.AutoResolveAfter.Milliseconds(), in.AutoCloseAfter.Milliseconds(), in.ReopenWindow.Milliseconds(), Millis(in.CreatedAt)).Scan(&id)
	return id, translate(err)
}

// SaveInbox writes an inbox's mutable fields.
func (t *Tx) SaveInbox(ctx context.Context, in model.Inbox) error {
	t.memo = txMemo{}
	_, err := t.tx.ExecContext(ctx, `UPDATE inboxes SET name = $2, settings = $3, auto_resolve_after_ms = $4, auto_close_after_ms = $5, reopen_window_ms = $6 WHERE id = $1`,
		in.ID, in.Name, string(in.Settings), in.AutoResolveAfter.Milliseconds(), in.AutoCloseAfter.Milliseconds(), in.ReopenWindow.Milliseconds())
	return translate(err)
}

// AddInboxMember adds a user to an inbox; adding twice is not an error.
func (t *Tx) AddInboxMember(ctx context.Context, inboxID, userID int64) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO inbox_members (inbox_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, inboxID, userID)
	return translate(err)
}

// RemoveInboxMember removes a user from an inbox; it reports whether they were in it.
func (t *Tx) RemoveInboxMember(ctx context.Context, inboxID, userID int64) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM inbox_members WHERE inbox_id = $1 AND user_id = $2`, inboxID, userID)
	if err != nil {
		return false, translate(err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// IsInboxMember reports whether the user belongs to the inbox.
func (s *Store) IsInboxMember(ctx context.Context, inboxID, userID int64) (bool, error) {
	var n int
	err := s.Reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM inbox_members WHERE inbox_id = $1 AND user_id = $2`, inboxID, userID).Scan(&n)
	return n > 0, translate(err)
}

// IsInboxMember reports membership inside the transaction.
func (t *Tx) IsInboxMember(ctx context.Context, inboxID, userID int64) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM inbox_members WHERE inbox_id = $1 AND user_id = $2`, inboxID, userID).Scan(&n)
	return n > 0, translate(err)
}

// TeamByID reads one team with its members.
func (s *Store) TeamByID(ctx context.Context, id int64) (model.Team, error) {
	var tm model.Team
	var created int64
	err := s.Reader.QueryRowContext(ctx, `SELECT id, name, created_at FROM teams WHERE id = $1`, id).Scan(&tm.ID, &tm.Name, &created)
	if err != nil {
		return tm, translate(err)
	}
	tm.CreatedAt = FromMillis(created)
	tm.MemberIDs, err = scanIDs(s.Reader.QueryContext(ctx, `SELECT user_id FROM team_members WHERE team_id = $1 ORDER BY user_id`, id))
	return tm, err
}

// TeamExists reports whether a team exists, inside the transaction.
func (t *Tx) TeamExists(ctx context.Context, id int64) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM teams WHERE id = $1`, id).Scan(&n)
	return n > 0, translate(err)
}

// ListTeams returns every team with its members.
func (s *Store) ListTeams(ctx context.Context) ([]model.Team, error) {
	rows, err := s.Reader.QueryContext(ctx, `SELECT id, name, created_at FROM teams ORDER BY name`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []model.Team{}
	index := map[int64]int{}
	for rows.Next() {
		var tm model.Team
		var created int64
		if err := rows.Scan(&tm.ID, &tm.Name, &created); err != nil {
			return nil, translate(err)
		}
		tm.CreatedAt = FromMillis(created)
		tm.MemberIDs = []int64{}
		index[tm.ID] = len(out)
		out = append(out, tm)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	members, err := s.Reader.QueryContext(ctx, `SELECT team_id, user_id FROM team_members ORDER BY user_id`)
	if err != nil {
		return nil, translate(err)
	}
	defer members.Close()
	for members.Next() {
		var teamID, userID int64
		if err := members.Scan(&teamID, &userID); err != nil {
			return nil, translate(err)
		}
		if i, ok := index[teamID]; ok {
			out[i].MemberIDs = append(out[i].MemberIDs, userID)
		}
	}
	return out, translate(members.Err())
}

// CreateTeam inserts a team and returns its id.
func (t *Tx) CreateTeam(ctx context.Context, name string, now time.Time) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO teams (name, created_at) VALUES ($1, $2) RETURNING id`, name, Millis(now)).Scan(&id)
	return id, translate(err)
}

// AddTeamMember adds a user to a team; adding twice is not an error.
func (t *Tx) AddTeamMember(ctx context.Context, teamID, userID int64) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, teamID, userID)
	return translate(err)
}

// RemoveTeamMember removes a user from a team; it reports whether they were in it.
func (t *Tx) RemoveTeamMember(ctx context.Context, teamID, userID int64) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM team_members WHERE team_id = $1 AND user_id = $2`, teamID, userID)
	if err != nil {
		return false, translate(err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
