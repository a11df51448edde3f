package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"
)

// BusinessHours is a stored schedule; week and holidays are JSON.
type BusinessHours struct {
	ID        int64
	Name      string
	TimeZone  string
	Week      string
	Holidays  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

const businessHoursColumns = `id, name, time_zone, week, holidays, created_at, updated_at`

func scanBusinessHours(row interface{ Scan(...any) error }) (BusinessHours, error) {
	var b BusinessHours
	var created, updated int64
	err := row.Scan(&b.ID, &b.Name, &b.TimeZone, &b.Week, &b.Holidays, &created, &updated)
	b.CreatedAt, b.UpdatedAt = FromMillis(created), FromMillis(updated)
	return b, translate(err)
}

func listBusinessHours(ctx context.Context, q querier) ([]BusinessHours, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+businessHoursColumns+` FROM business_hours ORDER BY name, id`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []BusinessHours{}
	for rows.Next() {
		b, err := scanBusinessHours(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, translate(rows.Err())
}

// ListBusinessHours returns every schedule by name.
func (s *Store) ListBusinessHours(ctx context.Context) ([]BusinessHours, error) {
	return listBusinessHours(ctx, s.Reader)
}

// ListBusinessHours returns every schedule inside the transaction.
func (t *Tx) ListBusinessHours(ctx context.Context) ([]BusinessHours, error) {
	return listBusinessHours(ctx, t.tx)
}

// BusinessHoursByID reads one schedule.
func (s *Store) BusinessHoursByID(ctx context.Context, id int64) (BusinessHours, error) {
	return scanBusinessHours(s.Reader.QueryRowContext(ctx, `SELECT `+businessHoursColumns+` FROM business_hours WHERE id = $1`, id))
}

// BusinessHoursByID reads one schedule inside the transaction.
func (t *Tx) BusinessHoursByID(ctx context.Context, id int64) (BusinessHours, error) {
	return scanBusinessHours(t.tx.QueryRowContext(ctx, `SELECT `+businessHoursColumns+` FROM business_hours WHERE id = $1`, id))
}

// CreateBusinessHours inserts a schedule and returns its id.
func (t *Tx) CreateBusinessHours(ctx context.Context, b BusinessHours) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO business_hours (name, time_zone, week, holidays, created_at, updated_at)
 VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`, b.Name, b.TimeZone, b.Week, b.Holidays, Millis(b.UpdatedAt)).Scan(&id)
	return id, translate(err)
}

// UpdateBusinessHours writes a schedule back.
func (t *Tx) UpdateBusinessHours(ctx context.Context, b BusinessHours) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE business_hours SET name = $2, time_zone = $3, week = $4, holidays = $5, updated_at = $6 WHERE id = $1`,
		b.ID, b.Name, b.TimeZone, b.Week, b.Holidays, Millis(b.UpdatedAt))
	return translate(err)
}

// DeleteBusinessHours removes a schedule; ErrReference while an inbox,
// team or policy still uses it.
func (t *Tx) DeleteBusinessHours(ctx context.Context, id int64) error {
	t.memo.hoursInboxes, t.memo.hoursTeams = nil, nil
	res, err := t.tx.ExecContext(ctx, `DELETE FROM business_hours WHERE id = $1`, id)
	if err != nil {
		return translate(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// SetBusinessHoursOf assigns a schedule (or none) to an inbox or a team;
// table is "inboxes" or "teams".
func (t *Tx) SetBusinessHoursOf(ctx context.Context, table string, id int64, hoursID *int64) error {
	t.memo.hoursInboxes, t.memo.hoursTeams = nil, nil
	if table != "inboxes" && table != "teams" {
		panic("SetBusinessHoursOf: " + table)
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE `+table+` SET business_hours_id = $2 WHERE id = $1`, id, nullInt(hoursID))
	if err != nil {
		return translate(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// BusinessHoursAssignments maps inbox and team ids to their schedule ids.
func (s *Store) BusinessHoursAssignments(ctx context.Context) (inboxes, teams map[int64]int64, err error) {
	return businessHoursAssignments(ctx, s.Reader)
}

// BusinessHoursAssignments reads the assignments inside a transaction: a
// command that needs them must not wait for a second connection while it
// holds one (on PostgreSQL, where reads share the pool, 32 such commands
// at once held every connection and waited forever).
// The maps are shared with later calls in the transaction: read them only.
func (t *Tx) BusinessHoursAssignments(ctx context.Context) (inboxes, teams map[int64]int64, err error) {
	if t.memo.hoursInboxes != nil {
		return t.memo.hoursInboxes, t.memo.hoursTeams, nil
	}
	inboxes, teams, err = businessHoursAssignments(ctx, t.tx)
	if err == nil {
		t.memo.hoursInboxes, t.memo.hoursTeams = inboxes, teams
	}
	return inboxes, teams, err
}

func businessHoursAssignments(ctx context.Context, s interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}) (inboxes, teams map[int64]int64, err error) {
	inboxes, teams = map[int64]int64{}, map[int64]int64{}
	// One statement for both tables: commands read this on every trigger.
	rows, err := s.QueryContext(ctx, `SELECT 0, id, business_hours_id FROM inboxes WHERE business_hours_id IS NOT NULL
 UNION ALL SELECT 1, id, business_hours_id FROM teams WHERE business_hours_id IS NOT NULL`)
	if err != nil {
		return nil, nil, translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var team int
		var id, h int64
		if err := rows.Scan(&team, &id, &h); err != nil {
			return nil, nil, translate(err)
		}
		if team == 1 {
			teams[id] = h
		} else {
			inboxes[id] = h
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, translate(err)
	}
	return inboxes, teams, nil
}

// SLAPolicy is a stored policy; targets, conditions and escalation are JSON.
type SLAPolicy struct {
	ID              int64
	Name            string
	Position        int
	FirstResponse   string
	NextResponse    string
	Resolution      string
	BusinessHoursID *int64
	Conditions      string
	PauseOnPending  bool
	PauseOnSnooze   bool
	WarnBefore      string
	Escalation      string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

const slaPolicyColumns = `id, name, position, first_response, next_response, resolution, business_hours_id, conditions,
 pause_on_pending, pause_on_snooze, warn_before, escalation, created_at, updated_at`

func scanSLAPolicy(row interface{ Scan(...any) error }) (SLAPolicy, error) {
	var p SLAPolicy
	var hours sql.NullInt64
	var created, updated int64
	err := row.Scan(&p.ID, &p.Name, &p.Position, &p.FirstResponse, &p.NextResponse, &p.Resolution, &hours, &p.Conditions,
		&p.PauseOnPending, &p.PauseOnSnooze, &p.WarnBefore, &p.Escalation, &created, &updated)
	p.BusinessHoursID = int64Ptr(hours)
	p.CreatedAt, p.UpdatedAt = FromMillis(created), FromMillis(updated)
	return p, translate(err)
}

func listSLAPolicies(ctx context.Context, q querier) ([]SLAPolicy, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+slaPolicyColumns+` FROM sla_policies ORDER BY position, id`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []SLAPolicy{}
	for rows.Next() {
		p, err := scanSLAPolicy(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, translate(rows.Err())
}

// ListSLAPolicies returns the policies in the order they are tried.
func (s *Store) ListSLAPolicies(ctx context.Context) ([]SLAPolicy, error) {
	return listSLAPolicies(ctx, s.Reader)
}

// ListSLAPolicies returns the policies inside the transaction.
func (t *Tx) ListSLAPolicies(ctx context.Context) ([]SLAPolicy, error) {
	return listSLAPolicies(ctx, t.tx)
}

// SLAPolicyByID reads one policy inside the transaction.
func (t *Tx) SLAPolicyByID(ctx context.Context, id int64) (SLAPolicy, error) {
	return scanSLAPolicy(t.tx.QueryRowContext(ctx, `SELECT `+slaPolicyColumns+` FROM sla_policies WHERE id = $1`, id))
}

// SLAPolicyByID reads one policy.
func (s *Store) SLAPolicyByID(ctx context.Context, id int64) (SLAPolicy, error) {
	return scanSLAPolicy(s.Reader.QueryRowContext(ctx, `SELECT `+slaPolicyColumns+` FROM sla_policies WHERE id = $1`, id))
}

// CreateSLAPolicy inserts a policy and returns its id.
func (t *Tx) CreateSLAPolicy(ctx context.Context, p SLAPolicy) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO sla_policies (name, position, first_response, next_response, resolution,
 business_hours_id, conditions, pause_on_pending, pause_on_snooze, warn_before, escalation, created_at, updated_at)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
		p.Name, p.Position, p.FirstResponse, p.NextResponse, p.Resolution, nullInt(p.BusinessHoursID), p.Conditions,
		p.PauseOnPending, p.PauseOnSnooze, p.WarnBefore, p.Escalation, Millis(p.UpdatedAt)).Scan(&id)
	return id, translate(err)
}

// UpdateSLAPolicy writes a policy back.
func (t *Tx) UpdateSLAPolicy(ctx context.Context, p SLAPolicy) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE sla_policies SET name = $2, position = $3, first_response = $4, next_response = $5,
 resolution = $6, business_hours_id = $7, conditions = $8, pause_on_pending = $9, pause_on_snooze = $10, warn_before = $11,
 escalation = $12, updated_at = $13 WHERE id = $1`,
		p.ID, p.Name, p.Position, p.FirstResponse, p.NextResponse, p.Resolution, nullInt(p.BusinessHoursID), p.Conditions,
		p.PauseOnPending, p.PauseOnSnooze, p.WarnBefore, p.Escalation, Millis(p.UpdatedAt))
	return translate(err)
}

// DeleteSLAPolicy removes a policy and stops the clocks running under it:
// its conversations keep their recorded outcomes and lose their due times.
func (t *Tx) DeleteSLAPolicy(ctx context.Context, id int64, now time.Time) error {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM sla_policies WHERE id = $1`, id)
	if err != nil {
		return translate(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if _, err := t.tx.ExecContext(ctx, `UPDATE sla_clocks SET state = 'done', outcome = 'cancelled', stopped_at = $2,
 due_at = NULL, warn_at = NULL, running_since = NULL WHERE policy_id = $1 AND state <> 'done'`, id, Millis(now)); err != nil {
		return translate(err)
	}
	_, err = t.tx.ExecContext(ctx, `UPDATE conversations SET sla_policy_id = NULL, sla_due_at = NULL WHERE sla_policy_id = $1`, id)
	return translate(err)
}

// SLAClock is one conversation target's clock (see migration 0011).
type SLAClock struct {
	ConversationID int64
	Target         string
	Cycle          int64
	PolicyID       int64
	State          string
	StartedAt      time.Time
	TargetMS       int64
	ElapsedMS      int64
	RunningSince   *time.Time
	DueAt          *time.Time
	WarnAt         *time.Time
	WarnedAt       *time.Time
	BreachedAt     *time.Time
	StoppedAt      *time.Time
	Outcome        string
}

const slaClockColumns = `conversation_id, target, cycle, policy_id, state, started_at, target_ms, elapsed_ms, running_since,
 due_at, warn_at, warned_at, breached_at, stopped_at, outcome`

func scanSLAClock(row interface{ Scan(...any) error }) (SLAClock, error) {
	var c SLAClock
	var started int64
	var running, due, warn, warned, breached, stopped sql.NullInt64
	err := row.Scan(&c.ConversationID, &c.Target, &c.Cycle, &c.PolicyID, &c.State, &started, &c.TargetMS, &c.ElapsedMS,
		&running, &due, &warn, &warned, &breached, &stopped, &c.Outcome)
	c.StartedAt = FromMillis(started)
	c.RunningSince, c.DueAt, c.WarnAt = timePtr(running), timePtr(due), timePtr(warn)
	c.WarnedAt, c.BreachedAt, c.StoppedAt = timePtr(warned), timePtr(breached), timePtr(stopped)
	return c, translate(err)
}

func slaClocks(ctx context.Context, q querier, conversationID int64) ([]SLAClock, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+slaClockColumns+` FROM sla_clocks WHERE conversation_id = $1 ORDER BY target`, conversationID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []SLAClock{}
	for rows.Next() {
		c, err := scanSLAClock(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// SLAClocks returns a conversation's clocks.
func (s *Store) SLAClocks(ctx context.Context, conversationID int64) ([]SLAClock, error) {
	return slaClocks(ctx, s.Reader, conversationID)
}

// SLAClocks returns a conversation's clocks inside the transaction.
func (t *Tx) SLAClocks(ctx context.Context, conversationID int64) ([]SLAClock, error) {
	return slaClocks(ctx, t.tx, conversationID)
}

// SaveSLAClock inserts or replaces a conversation target's clock.
func (t *Tx) SaveSLAClock(ctx context.Context, c SLAClock) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO sla_clocks (`+slaClockColumns+`)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
 ON CONFLICT (conversation_id, target) DO UPDATE SET cycle = excluded.cycle, policy_id = excluded.policy_id,
 state = excluded.state, started_at = excluded.started_at, target_ms = excluded.target_ms, elapsed_ms = excluded.elapsed_ms,
 running_since = excluded.running_since, due_at = excluded.due_at, warn_at = excluded.warn_at, warned_at = excluded.warned_at,
 breached_at = excluded.breached_at, stopped_at = excluded.stopped_at, outcome = excluded.outcome`,
		c.ConversationID, c.Target, c.Cycle, c.PolicyID, c.State, Millis(c.StartedAt), c.TargetMS, c.ElapsedMS,
		nullMillis(c.RunningSince), nullMillis(c.DueAt), nullMillis(c.WarnAt), nullMillis(c.WarnedAt), nullMillis(c.BreachedAt),
		nullMillis(c.StoppedAt), c.Outcome)
	return translate(err)
}

// MarkSLAClock stamps warned_at or breached_at (column) on a clock that is
// still running the same spell with the same due (or warning) time, and
// reports whether it did: a stale or repeated job changes nothing. On
// PostgreSQL the row lock makes a racing second node see the stamp.
func (t *Tx) MarkSLAClock(ctx context.Context, conversationID int64, target string, cycle int64, column string, at, stamp time.Time) (bool, error) {
	var cond string
	switch column {
	case "warned_at":
		cond = "warn_at = $5"
	case "breached_at":
		cond = "due_at = $5"
	default:
		panic("MarkSLAClock: " + column)
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE sla_clocks SET `+column+` = $4
 WHERE conversation_id = $1 AND target = $2 AND cycle = $3 AND state = 'running' AND `+column+` IS NULL AND `+cond,
		conversationID, target, cycle, Millis(at), Millis(stamp))
	if err != nil {
		return false, translate(err)
	}
	n, err := res.RowsAffected()
	return n == 1, translate(err)
}

// SLAOutcome is one recorded warning, breach or met target.
type SLAOutcome struct {
	ID             int64     `json:"id"`
	ConversationID int64     `json:"conversation_id"`
	Target         string    `json:"target"`
	Cycle          int64     `json:"cycle"`
	Kind           string    `json:"kind"`
	PolicyID       int64     `json:"policy_id"`
	DueAt          time.Time `json:"due_at"`
	CreatedAt      time.Time `json:"created_at"`
}

// RecordSLAOutcome inserts an outcome unless that spell already has one of
// that kind, and reports whether it did.
func (t *Tx) RecordSLAOutcome(ctx context.Context, o SLAOutcome) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO sla_outcomes (conversation_id, target, cycle, kind, policy_id, due_at, created_at)
 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (conversation_id, target, cycle, kind) DO NOTHING`,
		o.ConversationID, o.Target, o.Cycle, o.Kind, o.PolicyID, Millis(o.DueAt), Millis(o.CreatedAt))
	if err != nil {
		return false, translate(err)
	}
	n, err := res.RowsAffected()
	return n == 1, translate(err)
}

// SLAOutcomes lists a conversation's outcomes, oldest first.
func (s *Store) SLAOutcomes(ctx context.Context, conversationID int64) ([]SLAOutcome, error) {
	rows, err := s.Reader.QueryContext(ctx, `SELECT id, conversation_id, target, cycle, kind, policy_id, due_at, created_at
 FROM sla_outcomes WHERE conversation_id = $1 ORDER BY id`, conversationID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []SLAOutcome{}
	for rows.Next() {
		var o SLAOutcome
		var due, created int64
		if err := rows.Scan(&o.ID, &o.ConversationID, &o.Target, &o.Cycle, &o.Kind, &o.PolicyID, &due, &created); err != nil {
			return nil, translate(err)
		}
		o.DueAt, o.CreatedAt = FromMillis(due), FromMillis(created)
		out = append(out, o)
	}
	return out, translate(rows.Err())
}

// SetConversationSLA writes the conversation's policy and nearest due time.
func (t *Tx) SetConversationSLA(ctx context.Context, id int64, policyID *int64, dueAt *time.Time) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE conversations SET sla_policy_id = $2, sla_due_at = $3 WHERE id = $1`,
		id, nullInt(policyID), nullMillis(dueAt))
	return translate(err)
}

// AddFollower makes a user follow a conversation; false if they already did.
func (t *Tx) AddFollower(ctx context.Context, conversationID, userID int64, now time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO conversation_followers (conversation_id, user_id, created_at)
 VALUES ($1, $2, $3) ON CONFLICT (conversation_id, user_id) DO NOTHING`, conversationID, userID, Millis(now))
	if err != nil {
		return false, translate(err)
	}
	n, err := res.RowsAffected()
	return n == 1, translate(err)
}

// RemoveFollower stops a user following; false if they did not.
func (t *Tx) RemoveFollower(ctx context.Context, conversationID, userID int64) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM conversation_followers WHERE conversation_id = $1 AND user_id = $2`, conversationID, userID)
	if err != nil {
		return false, translate(err)
	}
	n, err := res.RowsAffected()
	return n == 1, translate(err)
}

// Follower is a user following a conversation.
type Follower struct {
	UserID    int64     `json:"user_id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
}

func followers(ctx context.Context, q querier, conversationID int64) ([]Follower, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.name, u.email, f.created_at FROM conversation_followers f
 JOIN users u ON u.id = f.user_id WHERE f.conversation_id = $1 ORDER BY f.created_at, u.id`, conversationID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []Follower{}
	for rows.Next() {
		var f Follower
		var created int64
		if err := rows.Scan(&f.UserID, &f.Name, &f.Email, &created); err != nil {
			return nil, translate(err)
		}
		f.CreatedAt = FromMillis(created)
		out = append(out, f)
	}
	return out, translate(rows.Err())
}

// Followers lists who follows a conversation.
func (s *Store) Followers(ctx context.Context, conversationID int64) ([]Follower, error) {
	return followers(ctx, s.Reader, conversationID)
}

// Followers lists who follows a conversation, inside the transaction.
func (t *Tx) Followers(ctx context.Context, conversationID int64) ([]Follower, error) {
	return followers(ctx, t.tx, conversationID)
}

// Notification is a message to one user about a conversation.
type Notification struct {
	ID             int64      `json:"id"`
	UserID         int64      `json:"user_id"`
	ConversationID *int64     `json:"conversation_id"`
	Kind           string     `json:"kind"`
	Title          string     `json:"title"`
	Body           string     `json:"body"`
	EmailStatus    string     `json:"email_status"`
	EmailNote      string     `json:"email_note"`
	CreatedAt      time.Time  `json:"created_at"`
	ReadAt         *time.Time `json:"read_at"`
}

// CreateNotification inserts a notification and returns its id.
func (t *Tx) CreateNotification(ctx context.Context, n Notification) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO notifications (user_id, conversation_id, kind, title, body, email_status, email_note, created_at)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, n.UserID, nullInt(n.ConversationID), n.Kind, n.Title, n.Body,
		n.EmailStatus, n.EmailNote, Millis(n.CreatedAt)).Scan(&id)
	return id, translate(err)
}

// SetNotificationEmail records what became of a notification's email.
func (s *Store) SetNotificationEmail(ctx context.Context, id int64, status, note string) error {
	_, err := s.Writer.ExecContext(ctx, `UPDATE notifications SET email_status = $2, email_note = $3 WHERE id = $1`, id, status, note)
	return translate(err)
}

// NotificationByID reads one notification.
func (s *Store) NotificationByID(ctx context.Context, id int64) (Notification, error) {
	var n Notification
	var conv, read sql.NullInt64
	var created int64
	err := s.Reader.QueryRowContext(ctx, `SELECT id, user_id, conversation_id, kind, title, body, email_status, email_note, created_at, read_at
 FROM notifications WHERE id = $1`, id).Scan(&n.ID, &n.UserID, &conv, &n.Kind, &n.Title, &n.Body, &n.EmailStatus, &n.EmailNote, &created, &read)
	n.ConversationID, n.CreatedAt, n.ReadAt = int64Ptr(conv), FromMillis(created), timePtr(read)
	return n, translate(err)
}

// ListNotifications returns a user's newest notifications.
func (s *Store) ListNotifications(ctx context.Context, userID int64, limit int) ([]Notification, error) {
	rows, err := s.Reader.QueryContext(ctx, `SELECT id, user_id, conversation_id, kind, title, body, email_status, email_note, created_at, read_at
 FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT $2`, userID, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []Notification{}
	for rows.Next() {
		var n Notification
		var conv, read sql.NullInt64
		var created int64
		if err := rows.Scan(&n.ID, &n.UserID, &conv, &n.Kind, &n.Title, &n.Body, &n.EmailStatus, &n.EmailNote, &created, &read); err != nil {
			return nil, translate(err)
		}
		n.ConversationID, n.CreatedAt, n.ReadAt = int64Ptr(conv), FromMillis(created), timePtr(read)
		out = append(out, n)
	}
	return out, translate(rows.Err())
}

// MarkNotificationRead marks a user's notification read.
func (s *Store) MarkNotificationRead(ctx context.Context, userID, id int64, now time.Time) error {
	res, err := s.Writer.ExecContext(ctx, `UPDATE notifications SET read_at = COALESCE(read_at, $3) WHERE id = $1 AND user_id = $2`, id, userID, Millis(now))
	if err != nil {
		return translate(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// TeamMemberIDs lists a team's members inside the transaction.
func (t *Tx) TeamMemberIDs(ctx context.Context, teamID int64) ([]int64, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT user_id FROM team_members WHERE team_id = $1 ORDER BY user_id`, teamID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err)
		}
		out = append(out, id)
	}
	return out, translate(rows.Err())
}

// ExecUnassignHours clears schedule id from every row of table ("inboxes"
// or "teams") that has it.
func (t *Tx) ExecUnassignHours(ctx context.Context, table string, id int64) (int64, error) {
	if table != "inboxes" && table != "teams" {
		panic("ExecUnassignHours: " + table)
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE `+table+` SET business_hours_id = NULL WHERE business_hours_id = $1`, id)
	if err != nil {
		return 0, translate(err)
	}
	return res.RowsAffected()
}

// UnreadNotifications counts a user's unread notifications (the bell's number).
func (s *Store) UnreadNotifications(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.Reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, userID).Scan(&n)
	return n, translate(err)
}

// MarkNotificationsRead marks a user's notifications read: those in ids, or
// every unread one when ids is nil. Either all of ids are the user's and all
// are marked, or none is and ErrNotFound is returned. It returns how many
// changed from unread to read.
func (s *Store) MarkNotificationsRead(ctx context.Context, userID int64, ids []int64, now time.Time) (int, error) {
	var changed int
	err := s.InTx(ctx, func(tx *Tx) error {
		if ids == nil {
			res, err := tx.tx.ExecContext(ctx, `UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL`, userID, Millis(now))
			if err != nil {
				return translate(err)
			}
			n, _ := res.RowsAffected()
			changed = int(n)
			return nil
		}
		list := func(from int) string {
			ph := make([]string, len(ids))
			for i := range ids {
				ph[i] = "$" + strconv.Itoa(i+from)
			}
			return `(` + strings.Join(ph, ",") + `)`
		}
		args := []any{userID}
		for _, id := range ids {
			args = append(args, id)
		}
		var found int
		if err := tx.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND id IN `+list(2), args...).Scan(&found); err != nil {
			return translate(err)
		}
		if found < len(ids) {
			return ErrNotFound
		}
		args = append([]any{userID, Millis(now)}, args[1:]...)
		res, err := tx.tx.ExecContext(ctx, `UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL AND id IN `+list(3), args...)
		if err != nil {
			return translate(err)
		}
		n, _ := res.RowsAffected()
		changed = int(n)
		return nil
	})
	return changed, err
}
