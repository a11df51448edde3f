package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/parley-hq/parley/internal/model"
)

// Templates, macros, automation rules, inbox routing settings and CSAT
// surveys (issue #6).

const templateColumns = `id, name, body, scope, owner_id, team_id, folder, usage_count, last_used_at, created_at, updated_at`

func scanTemplate(row interface{ Scan(...any) error }) (model.Template, error) {
	var tp model.Template
	var team, used sql.NullInt64
	var created, updated int64
	err := row.Scan(&tp.ID, &tp.Name, &tp.Body, &tp.Scope, &tp.OwnerID, &team, &tp.Folder, &tp.UsageCount, &used, &created, &updated)
	tp.TeamID, tp.LastUsedAt = int64Ptr(team), timePtr(used)
	tp.CreatedAt, tp.UpdatedAt = FromMillis(created), FromMillis(updated)
	return tp, translate(err)
}

// TemplateByID reads one template.
func (s *Store) TemplateByID(ctx context.Context, id int64) (model.Template, error) {
	return scanTemplate(s.Reader.QueryRowContext(ctx, `SELECT `+templateColumns+` FROM templates WHERE id = $1`, id))
}

// TemplateByID reads one template inside the transaction.
func (t *Tx) TemplateByID(ctx context.Context, id int64) (model.Template, error) {
	return scanTemplate(t.tx.QueryRowContext(ctx, `SELECT `+templateColumns+` FROM templates WHERE id = $1`, id))
}

// ListTemplates returns the templates a user may use: everyone's, their
// teams' (every team's when allTeams) and their own, by folder and name.
func (s *Store) ListTemplates(ctx context.Context, userID int64, allTeams bool) ([]model.Template, error) {
	teamClause := `team_id IN (SELECT team_id FROM team_members WHERE user_id = $1)`
	if allTeams {
		teamClause = `TRUE`
	}
	rows, err := s.Reader.QueryContext(ctx, `SELECT `+templateColumns+` FROM templates
 WHERE scope = 'everyone' OR (scope = 'personal' AND owner_id = $1) OR (scope = 'team' AND `+teamClause+`)
 ORDER BY folder, name, id`, userID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []model.Template{}
	for rows.Next() {
		tp, err := scanTemplate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, tp)
	}
	return out, translate(rows.Err())
}

// CreateTemplate inserts a template and returns its id.
func (t *Tx) CreateTemplate(ctx context.Context, tp model.Template) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO templates (name, body, scope, owner_id, team_id, folder, created_at, updated_at)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`, tp.Name, tp.Body, tp.Scope, tp.OwnerID, nullInt(tp.TeamID), tp.Folder, Millis(tp.CreatedAt)).Scan(&id)
	return id, translate(err)
}

// SaveTemplate writes a template's editable fields.
func (t *Tx) SaveTemplate(ctx context.Context, tp model.Template) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE templates SET name = $2, body = $3, scope = $4, team_id = $5, folder = $6, updated_at = $7 WHERE id = $1`,
		tp.ID, tp.Name, tp.Body, tp.Scope, nullInt(tp.TeamID), tp.Folder, Millis(tp.UpdatedAt))
	return translate(err)
}

// DeleteTemplate removes a template.
func (t *Tx) DeleteTemplate(ctx context.Context, id int64) error {
	t.memo.inboxAutomation = nil // an acknowledgement may name it
	_, err := t.tx.ExecContext(ctx, `DELETE FROM templates WHERE id = $1`, id)
	return translate(err)
}

// CountTemplateUse records that a template was sent once more.
func (t *Tx) CountTemplateUse(ctx context.Context, id int64, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE templates SET usage_count = usage_count + 1, last_used_at = $2 WHERE id = $1`, id, Millis(now))
	return translate(err)
}

const macroColumns = `id, name, template_id, actions, usage_count, created_by, created_at, updated_at`

func scanMacro(row interface{ Scan(...any) error }) (model.Macro, error) {
	var m model.Macro
	var tpl, by sql.NullInt64
	var actions string
	var created, updated int64
	err := row.Scan(&m.ID, &m.Name, &tpl, &actions, &m.UsageCount, &by, &created, &updated)
	m.TemplateID, m.CreatedBy = int64Ptr(tpl), int64Ptr(by)
	m.Actions = json.RawMessage(actions)
	m.CreatedAt, m.UpdatedAt = FromMillis(created), FromMillis(updated)
	return m, translate(err)
}

// MacroByID reads one macro.
func (s *Store) MacroByID(ctx context.Context, id int64) (model.Macro, error) {
	return scanMacro(s.Reader.QueryRowContext(ctx, `SELECT `+macroColumns+` FROM macros WHERE id = $1`, id))
}

// MacroByID reads one macro inside the transaction.
func (t *Tx) MacroByID(ctx context.Context, id int64) (model.Macro, error) {
	return scanMacro(t.tx.QueryRowContext(ctx, `SELECT `+macroColumns+` FROM macros WHERE id = $1`, id))
}

// ListMacros returns every macro by name.
func (s *Store) ListMacros(ctx context.Context) ([]model.Macro, error) {
	rows, err := s.Reader.QueryContext(ctx, `SELECT `+macroColumns+` FROM macros ORDER BY name, id`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []model.Macro{}
	for rows.Next() {
		m, err := scanMacro(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, translate(rows.Err())
}

// CreateMacro inserts a macro and returns its id.
func (t *Tx) CreateMacro(ctx context.Context, m model.Macro) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO macros (name, template_id, actions, created_by, created_at, updated_at)
 VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`, m.Name, nullInt(m.TemplateID), string(m.Actions), nullInt(m.CreatedBy), Millis(m.CreatedAt)).Scan(&id)
	return id, translate(err)
}

// SaveMacro writes a macro's editable fields.
func (t *Tx) SaveMacro(ctx context.Context, m model.Macro) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE macros SET name = $2, template_id = $3, actions = $4, updated_at = $5 WHERE id = $1`,
		m.ID, m.Name, nullInt(m.TemplateID), string(m.Actions), Millis(m.UpdatedAt))
	return translate(err)
}

// DeleteMacro removes a macro.
func (t *Tx) DeleteMacro(ctx context.Context, id int64) error {
	_, err := t.tx.ExecContext(ctx, `DELETE FROM macros WHERE id = $1`, id)
	return translate(err)
}

// CountMacroUse records that a macro was applied once more.
func (t *Tx) CountMacroUse(ctx context.Context, id int64) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE macros SET usage_count = usage_count + 1 WHERE id = $1`, id)
	return translate(err)
}

const ruleColumns = `id, name, position, enabled, trigger, trigger_after_ms, conditions, actions, webhook_secret, created_at, updated_at`

func scanRule(row interface{ Scan(...any) error }) (model.AutomationRule, error) {
	var r model.AutomationRule
	var enabled int
	var after, created, updated int64
	var conds, actions string
	err := row.Scan(&r.ID, &r.Name, &r.Position, &enabled, &r.Trigger, &after, &conds, &actions, &r.WebhookSecret, &created, &updated)
	r.Enabled = enabled != 0
	r.TriggerAfter = time.Duration(after) * time.Millisecond
	r.Conditions, r.Actions = json.RawMessage(conds), json.RawMessage(actions)
	r.CreatedAt, r.UpdatedAt = FromMillis(created), FromMillis(updated)
	return r, translate(err)
}

// RuleByID reads one automation rule.
func (s *Store) RuleByID(ctx context.Context, id int64) (model.AutomationRule, error) {
	return scanRule(s.Reader.QueryRowContext(ctx, `SELECT `+ruleColumns+` FROM automation_rules WHERE id = $1`, id))
}

// ListRules returns every automation rule in evaluation order.
func (s *Store) ListRules(ctx context.Context) ([]model.AutomationRule, error) {
	return listRules(ctx, s.Reader)
}

// ListRules reads the rules inside the transaction.
func (t *Tx) ListRules(ctx context.Context) ([]model.AutomationRule, error) {
	return listRules(ctx, t.tx)
}

func listRules(ctx context.Context, q querier) ([]model.AutomationRule, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+ruleColumns+` FROM automation_rules ORDER BY position, id`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []model.AutomationRule{}
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, translate(rows.Err())
}

// RulesVersion is a stamp that changes whenever any rule is created,
// changed or deleted, so each node can tell its compiled cache is stale.
func (t *Tx) RulesVersion(ctx context.Context) (string, error) {
	if v := t.memo.rulesVersion; v != nil {
		return *v, nil
	}
	var n, maxUpdated, sumID int64
	err := t.q().QueryRowContext(ctx, rulesVersionSQL).Scan(&n, &maxUpdated, &sumID)
	b, _ := json.Marshal([]int64{n, maxUpdated, sumID})
	if err != nil {
		return "", translate(err)
	}
	v := string(b)
	t.memo.rulesVersion = &v
	return v, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CreateRule inserts a rule and returns its id.
func (t *Tx) CreateRule(ctx context.Context, r model.AutomationRule) (int64, error) {
	t.memo.rulesVersion = nil
	var id int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO automation_rules (name, position, enabled, trigger, trigger_after_ms, conditions, actions, webhook_secret, created_at, updated_at)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`, r.Name, r.Position, boolInt(r.Enabled), r.Trigger, r.TriggerAfter.Milliseconds(),
		string(r.Conditions), string(r.Actions), r.WebhookSecret, Millis(r.CreatedAt)).Scan(&id)
	return id, translate(err)
}

// SaveRule writes a rule's editable fields.
func (t *Tx) SaveRule(ctx context.Context, r model.AutomationRule) error {
	t.memo.rulesVersion = nil
	_, err := t.tx.ExecContext(ctx, `UPDATE automation_rules SET name = $2, position = $3, enabled = $4, trigger = $5, trigger_after_ms = $6,
 conditions = $7, actions = $8, updated_at = $9 WHERE id = $1`, r.ID, r.Name, r.Position, boolInt(r.Enabled), r.Trigger, r.TriggerAfter.Milliseconds(),
		string(r.Conditions), string(r.Actions), Millis(r.UpdatedAt))
	return translate(err)
}

// DeleteRule removes a rule.
func (t *Tx) DeleteRule(ctx context.Context, id int64) error {
	t.memo.rulesVersion = nil
	_, err := t.tx.ExecContext(ctx, `DELETE FROM automation_rules WHERE id = $1`, id)
	return translate(err)
}

func scanInboxAutomation(row interface{ Scan(...any) error }, inboxID int64) (model.InboxAutomation, error) {
	ia := model.InboxAutomation{InboxID: inboxID, AssignMode: model.AssignNone}
	var reassign int64
	var csat int
	var ack, last sql.NullInt64
	err := row.Scan(&ia.AssignMode, &reassign, &ack, &csat, &last)
	if err == sql.ErrNoRows {
		ia.ReassignAfter = "0s"
		return ia, nil
	}
	ia.ReassignAfterDur = time.Duration(reassign) * time.Millisecond
	ia.ReassignAfter = ia.ReassignAfterDur.String()
	ia.AckTemplateID, ia.LastAssignedUserID = int64Ptr(ack), int64Ptr(last)
	ia.CSATEnabled = csat != 0
	return ia, translate(err)
}

const rulesVersionSQL = `SELECT COUNT(*), COALESCE(MAX(updated_at), 0), COALESCE(SUM(id), 0) FROM automation_rules`

const inboxAutomationSQL = `SELECT assign_mode, reassign_after_ms, ack_template_id, csat_enabled, last_assigned_user_id FROM inbox_automation WHERE inbox_id = $1`

// InboxAutomation reads an inbox's routing settings (all off when unset).
func (s *Store) InboxAutomation(ctx context.Context, inboxID int64) (model.InboxAutomation, error) {
	return scanInboxAutomation(s.Reader.QueryRowContext(ctx, inboxAutomationSQL, inboxID), inboxID)
}

// InboxAutomation reads an inbox's routing settings inside the transaction.
func (t *Tx) InboxAutomation(ctx context.Context, inboxID int64) (model.InboxAutomation, error) {
	if ia, ok := t.memo.inboxAutomation[inboxID]; ok {
		return ia, nil
	}
	ia, err := scanInboxAutomation(t.q().QueryRowContext(ctx, inboxAutomationSQL, inboxID), inboxID)
	if err != nil {
		return ia, err
	}
	if t.memo.inboxAutomation == nil {
		t.memo.inboxAutomation = map[int64]model.InboxAutomation{}
	}
	t.memo.inboxAutomation[inboxID] = ia
	return ia, nil
}

// SaveInboxAutomation writes an inbox's routing settings.
func (t *Tx) SaveInboxAutomation(ctx context.Context, ia model.InboxAutomation) error {
	delete(t.memo.inboxAutomation, ia.InboxID)
	_, err := t.tx.ExecContext(ctx, `INSERT INTO inbox_automation (inbox_id, assign_mode, reassign_after_ms, ack_template_id, csat_enabled)
 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (inbox_id) DO UPDATE SET assign_mode = $2, reassign_after_ms = $3, ack_template_id = $4, csat_enabled = $5`,
		ia.InboxID, ia.AssignMode, ia.ReassignAfterDur.Milliseconds(), nullInt(ia.AckTemplateID), boolInt(ia.CSATEnabled))
	return translate(err)
}

// SetLastAssigned remembers whom round robin picked last in an inbox.
func (t *Tx) SetLastAssigned(ctx context.Context, inboxID, userID int64) error {
	delete(t.memo.inboxAutomation, inboxID)
	_, err := t.tx.ExecContext(ctx, `UPDATE inbox_automation SET last_assigned_user_id = $2 WHERE inbox_id = $1`, inboxID, userID)
	return translate(err)
}

// AssignCandidate is an available inbox member and their open workload.
type AssignCandidate struct {
	UserID   int64
	Capacity int
	Load     int
}

// AssignCandidates lists an inbox's available members with how many
// new, open or pending conversations each has, by user id.
func (t *Tx) AssignCandidates(ctx context.Context, inboxID int64) ([]AssignCandidate, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT u.id, u.capacity,
 (SELECT COUNT(*) FROM conversations c WHERE c.assignee_id = u.id AND c.status IN ('new','open','pending'))
 FROM inbox_members m JOIN users u ON u.id = m.user_id WHERE m.inbox_id = $1 AND u.available = $2 ORDER BY u.id`, inboxID, true)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []AssignCandidate
	for rows.Next() {
		var c AssignCandidate
		if err := rows.Scan(&c.UserID, &c.Capacity, &c.Load); err != nil {
			return nil, translate(err)
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// ActiveAssignedTo lists the new, open or pending conversations a user holds.
func (s *Store) ActiveAssignedTo(ctx context.Context, userID int64) ([]int64, error) {
	return scanIDs(s.Reader.QueryContext(ctx, `SELECT id FROM conversations WHERE assignee_id = $1 AND status IN ('new','open','pending') ORDER BY id`, userID))
}

// CreateSurvey records a CSAT survey for a conversation; it reports false
// when the conversation already has one (one answer per conversation).
func (t *Tx) CreateSurvey(ctx context.Context, convID int64, tokenHash string, assignee *int64, now time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO csat_responses (conversation_id, token_hash, assignee_id, sent_at) VALUES ($1, $2, $3, $4)
 ON CONFLICT (conversation_id) DO NOTHING`, convID, tokenHash, nullInt(assignee), Millis(now))
	if err != nil {
		return false, translate(err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// SetSurveyMessage records which message carried a conversation's survey.
func (t *Tx) SetSurveyMessage(ctx context.Context, convID, messageID int64) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE csat_responses SET message_id = $2 WHERE conversation_id = $1`, convID, messageID)
	return translate(err)
}

const surveyColumns = `id, conversation_id, message_id, rating, comment, assignee_id, sent_at, answered_at, changed_at`

func scanSurvey(row interface{ Scan(...any) error }) (model.CSATResponse, error) {
	var r model.CSATResponse
	var msg, rating, assignee, answered, changed sql.NullInt64
	var sent int64
	err := row.Scan(&r.ID, &r.ConversationID, &msg, &rating, &r.Comment, &assignee, &sent, &answered, &changed)
	if rating.Valid {
		v := int(rating.Int64)
		r.Rating = &v
	}
	r.MessageID, r.ChangedAt = int64Ptr(msg), timePtr(changed)
	r.AssigneeID, r.AnsweredAt, r.SentAt = int64Ptr(assignee), timePtr(answered), FromMillis(sent)
	return r, translate(err)
}

// SurveyByIDTx reads a survey inside the transaction, locking its row on
// PostgreSQL so two answers at once are applied one after the other.
func (t *Tx) SurveyByIDTx(ctx context.Context, id int64) (model.CSATResponse, error) {
	q := `SELECT ` + surveyColumns + ` FROM csat_responses WHERE id = $1`
	if t.dialect == Postgres {
		q += ` FOR UPDATE`
	}
	return scanSurvey(t.tx.QueryRowContext(ctx, q, id))
}

// ChangeSurveyAnswer replaces an answer given at or after since; it
// reports false when there is none that recent.
func (t *Tx) ChangeSurveyAnswer(ctx context.Context, id int64, rating int, comment string, since, now time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `UPDATE csat_responses SET rating = $2, comment = $3, changed_at = $5 WHERE id = $1 AND answered_at >= $4`,
		id, rating, comment, Millis(since), Millis(now))
	if err != nil {
		return false, translate(err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// SurveyByTokenHash finds the survey a link's token belongs to.
func (s *Store) SurveyByTokenHash(ctx context.Context, hash string) (model.CSATResponse, error) {
	return scanSurvey(s.Reader.QueryRowContext(ctx, `SELECT `+surveyColumns+` FROM csat_responses WHERE token_hash = $1`, hash))
}

// SurveyByConversation reads a conversation's survey.
func (s *Store) SurveyByConversation(ctx context.Context, convID int64) (model.CSATResponse, error) {
	return scanSurvey(s.Reader.QueryRowContext(ctx, `SELECT `+surveyColumns+` FROM csat_responses WHERE conversation_id = $1`, convID))
}

// AnswerSurvey stores the answer once; it reports false if already answered.
func (t *Tx) AnswerSurvey(ctx context.Context, id int64, rating int, comment string, now time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `UPDATE csat_responses SET rating = $2, comment = $3, answered_at = $4 WHERE id = $1 AND answered_at IS NULL`,
		id, rating, comment, Millis(now))
	if err != nil {
		return false, translate(err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// Savepoint marks a point inside the transaction to roll back to alone.
// Automation runs each rule under one, so a rule that cannot apply is
// undone without undoing the change that triggered it.
func (t *Tx) Savepoint(ctx context.Context) error {
	_, err := t.tx.ExecContext(ctx, `SAVEPOINT parley_rule`)
	return translate(err)
}

// NextSavepoint releases the savepoint Savepoint opened and opens the next,
// in one round trip on PostgreSQL (a batch does this once per item).
func (t *Tx) NextSavepoint(ctx context.Context) error {
	if t.dialect == Postgres {
		_, err := t.tx.ExecContext(ctx, `RELEASE SAVEPOINT parley_rule; SAVEPOINT parley_rule`)
		return translate(err)
	}
	if err := t.ReleaseSavepoint(ctx); err != nil {
		return err
	}
	return t.Savepoint(ctx)
}

// RollbackToSavepoint undoes everything since Savepoint.
func (t *Tx) RollbackToSavepoint(ctx context.Context) error {
	_, err := t.tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT parley_rule`)
	t.memo = txMemo{}
	if err == nil {
		err = t.ReleaseSavepoint(ctx)
	}
	return translate(err)
}

// ReleaseSavepoint keeps everything since Savepoint.
func (t *Tx) ReleaseSavepoint(ctx context.Context) error {
	_, err := t.tx.ExecContext(ctx, `RELEASE SAVEPOINT parley_rule`)
	return translate(err)
}
