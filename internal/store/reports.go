package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// Report facts (migration 0013, docs/reports.md). The report package
// derives the rows; this file only reads their inputs and writes them.

// ReportConversation is one conversation as report facts see it, with
// the dimensions every fact of it carries.
type ReportConversation struct {
	ID              int64
	InboxID         int64
	Channel         string
	TeamID          *int64
	AssigneeID      *int64
	CustomerType    string
	CreatedAt       int64
	BusinessHoursID *int64
	Messages        []ReportMessage
	Events          []ReportEvent
	Survey          *ReportSurvey
	Outcomes        []ReportOutcome
}

// ReportMessage is a message without its body.
type ReportMessage struct {
	ID         int64
	At         int64
	Kind       string
	Direction  string
	SenderType string
	SenderID   *int64
}

// ReportEvent is an event that changes what reports count.
type ReportEvent struct {
	ID        int64
	At        int64
	ActorType string
	ActorID   *int64
	Action    string
	Before    string
	After     string
}

// reportActions are the events report facts read; the rest (notes'
// message.created, tags, priority, …) change no fact.
const reportActions = `('status.changed','assignee.changed','assignment.auto','conversation.created','conversation.merged','conversation.unmerged')`

// ReportSurvey is a conversation's CSAT survey.
type ReportSurvey struct {
	AssigneeID *int64
	SentAt     int64
	Rating     *int64
}

// ReportOutcome is an SLA target met or breached.
type ReportOutcome struct {
	ID     int64
	Target string
	Met    bool
	At     int64
}

// ReportFact is one row of report_facts.
type ReportFact struct {
	ConversationID int64
	Kind           string
	Seq            int64
	At             int64
	CalendarMS     *int64
	BusinessMS     *int64
	Value          *int64
	Flag           int64
	Target         string
	AgentID        *int64
	TeamID         *int64
	InboxID        int64
	Channel        string
	CustomerType   string
	// Tag is set only by a scan grouped by tag (one row per tag, "" for
	// none); it is not stored.
	Tag string
}

// The facts hook's queries, prepared on SQLite (prepared.go): the hook
// runs in every command, so parsing them each time would cost as much as
// running them.
const (
	reportConversationsSQL = `SELECT c.id, c.inbox_id, i.channel, c.team_id, c.assignee_id, ct.type, c.created_at, i.business_hours_id
 FROM conversations c JOIN inboxes i ON i.id = c.inbox_id JOIN contacts ct ON ct.id = c.contact_id
 WHERE c.id BETWEEN $1 AND $2 ORDER BY c.id`
	reportMessagesSQL = `SELECT conversation_id, id, created_at, kind, direction, sender_type, sender_id FROM messages
 WHERE conversation_id BETWEEN $1 AND $2 ORDER BY conversation_id, created_at, id`
	reportEventsSQL = `SELECT conversation_id, id, created_at, actor_type, actor_id, action, COALESCE(before, ''), COALESCE(after, '')
 FROM conversation_events WHERE conversation_id BETWEEN $1 AND $2 AND action IN ` + reportActions + `
 ORDER BY conversation_id, id`
	reportSurveysSQL = `SELECT conversation_id, assignee_id, sent_at, rating FROM csat_responses
 WHERE conversation_id BETWEEN $1 AND $2`
	reportOutcomesSQL = `SELECT conversation_id, id, target, kind, created_at FROM sla_outcomes
 WHERE conversation_id BETWEEN $1 AND $2 AND kind IN ('met','breached') ORDER BY conversation_id, id`
	reportFactsOfSQL    = `SELECT ` + reportFactColumns + ` FROM report_facts WHERE conversation_id BETWEEN $1 AND $2`
	reportDeleteFactSQL = `DELETE FROM report_facts WHERE conversation_id = $1 AND kind = $2 AND seq = $3`
	reportInsertFactSQL = `INSERT INTO report_facts (` + reportFactColumns + `) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`
)

// reportHotWrites are prepared on the writer.
var reportHotWrites = []string{reportConversationsSQL, reportMessagesSQL, reportEventsSQL, reportSurveysSQL, reportOutcomesSQL,
	reportFactsOfSQL, reportDeleteFactSQL, reportInsertFactSQL}

// ReportInputs reads what the facts of conversations lo..hi derive from,
// ascending by id.
func (t *Tx) ReportInputs(ctx context.Context, lo, hi int64) ([]ReportConversation, error) {
	q := t.q()
	rows, err := q.QueryContext(ctx, reportConversationsSQL, lo, hi)
	if err != nil {
		return nil, translate(err)
	}
	var out []ReportConversation
	index := map[int64]int{}
	for rows.Next() {
		var c ReportConversation
		var team, assignee, bh sql.NullInt64
		if err := rows.Scan(&c.ID, &c.InboxID, &c.Channel, &team, &assignee, &c.CustomerType, &c.CreatedAt, &bh); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		c.TeamID, c.AssigneeID, c.BusinessHoursID = int64Ptr(team), int64Ptr(assignee), int64Ptr(bh)
		index[c.ID] = len(out)
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, translate(err)
	}
	each := func(query string, scan func(rows *sql.Rows) error) error {
		rows, err := q.QueryContext(ctx, query, lo, hi)
		if err != nil {
			return translate(err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return translate(rows.Err())
	}
	// pick finds a row's conversation; one created since the first query
	// (impossible inside the transaction) would land in a throwaway.
	pick := func(id int64) *ReportConversation {
		if i, ok := index[id]; ok {
			return &out[i]
		}
		return &ReportConversation{}
	}
	err = each(reportMessagesSQL, func(rows *sql.Rows) error {
		var m ReportMessage
		var cid int64
		var sender sql.NullInt64
		if err := rows.Scan(&cid, &m.ID, &m.At, &m.Kind, &m.Direction, &m.SenderType, &sender); err != nil {
			return translate(err)
		}
		m.SenderID = int64Ptr(sender)
		c := pick(cid)
		c.Messages = append(c.Messages, m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each(reportEventsSQL, func(rows *sql.Rows) error {
		var e ReportEvent
		var cid int64
		var actor sql.NullInt64
		if err := rows.Scan(&cid, &e.ID, &e.At, &e.ActorType, &actor, &e.Action, &e.Before, &e.After); err != nil {
			return translate(err)
		}
		e.ActorID = int64Ptr(actor)
		c := pick(cid)
		c.Events = append(c.Events, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each(reportSurveysSQL, func(rows *sql.Rows) error {
		var s ReportSurvey
		var cid int64
		var assignee, rating sql.NullInt64
		if err := rows.Scan(&cid, &assignee, &s.SentAt, &rating); err != nil {
			return translate(err)
		}
		s.AssigneeID, s.Rating = int64Ptr(assignee), int64Ptr(rating)
		pick(cid).Survey = &s
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each(reportOutcomesSQL, func(rows *sql.Rows) error {
		var o ReportOutcome
		var cid int64
		var kind string
		if err := rows.Scan(&cid, &o.ID, &o.Target, &kind, &o.At); err != nil {
			return translate(err)
		}
		o.Met = kind == "met"
		c := pick(cid)
		c.Outcomes = append(c.Outcomes, o)
		return nil
	})
	return out, err
}

const reportFactColumns = `conversation_id, kind, seq, at, calendar_ms, business_ms, value, flag, target, agent_id, team_id, inbox_id, channel, customer_type`

// factsOf reads the stored facts of conversations lo..hi.
func (t *Tx) factsOf(ctx context.Context, lo, hi int64) ([]ReportFact, error) {
	rows, err := t.q().QueryContext(ctx, reportFactsOfSQL, lo, hi)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []ReportFact
	for rows.Next() {
		f, err := scanFact(rows, false)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, translate(rows.Err())
}

func scanFact(rows *sql.Rows, withTag bool) (ReportFact, error) {
	var f ReportFact
	var cal, bus, val, agent, team sql.NullInt64
	dest := []any{&f.ConversationID, &f.Kind, &f.Seq, &f.At, &cal, &bus, &val, &f.Flag, &f.Target, &agent, &team, &f.InboxID, &f.Channel, &f.CustomerType}
	if withTag {
		dest = append(dest, &f.Tag)
	}
	if err := rows.Scan(dest...); err != nil {
		return f, translate(err)
	}
	f.CalendarMS, f.BusinessMS, f.Value, f.AgentID, f.TeamID = int64Ptr(cal), int64Ptr(bus), int64Ptr(val), int64Ptr(agent), int64Ptr(team)
	return f, nil
}

type factKey struct {
	conv int64
	kind string
	seq  int64
}

// ReplaceReportFacts makes the stored facts of conversations lo..hi equal
// to facts, touching only the rows that differ (a new message usually
// changes one row, not all of them).
func (t *Tx) ReplaceReportFacts(ctx context.Context, lo, hi int64, facts []ReportFact) error {
	old, err := t.factsOf(ctx, lo, hi)
	if err != nil {
		return err
	}
	have := make(map[factKey]ReportFact, len(old))
	for _, f := range old {
		have[factKey{f.ConversationID, f.Kind, f.Seq}] = f
	}
	var insert []ReportFact
	for _, f := range facts {
		k := factKey{f.ConversationID, f.Kind, f.Seq}
		if h, ok := have[k]; ok {
			delete(have, k)
			if sameFact(h, f) {
				continue
			}
			if err := t.deleteFact(ctx, k); err != nil {
				return err
			}
		}
		insert = append(insert, f)
	}
	for k := range have {
		if err := t.deleteFact(ctx, k); err != nil {
			return err
		}
	}
	return t.InsertReportFacts(ctx, insert)
}

func (t *Tx) deleteFact(ctx context.Context, k factKey) error {
	_, err := t.q().ExecContext(ctx, reportDeleteFactSQL, k.conv, k.kind, k.seq)
	return translate(err)
}

func sameFact(a, b ReportFact) bool {
	eq := func(x, y *int64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.At == b.At && eq(a.CalendarMS, b.CalendarMS) && eq(a.BusinessMS, b.BusinessMS) && eq(a.Value, b.Value) &&
		a.Flag == b.Flag && a.Target == b.Target && eq(a.AgentID, b.AgentID) && eq(a.TeamID, b.TeamID) &&
		a.InboxID == b.InboxID && a.Channel == b.Channel && a.CustomerType == b.CustomerType
}

// InsertReportFacts inserts facts, many rows per statement.
func (t *Tx) InsertReportFacts(ctx context.Context, facts []ReportFact) error {
	const per = 14
	const batch = 60 // 840 parameters, under SQLite's limit
	for len(facts) > 0 {
		if len(facts) < 4 || t.dialect == SQLite {
			// One prepared statement per row: SQLite runs it in-process,
			// and a statement with hundreds of numbered parameters costs it
			// more to bind (a lookup per name) than the rows cost to
			// write. On PostgreSQL only the hook's usual few rows go so;
			// a rebuild's batches go many to a statement, one round trip.
			for _, f := range facts {
				if _, err := t.q().ExecContext(ctx, reportInsertFactSQL, f.ConversationID, f.Kind, f.Seq, f.At, nullInt(f.CalendarMS),
					nullInt(f.BusinessMS), nullInt(f.Value), f.Flag, f.Target, nullInt(f.AgentID), nullInt(f.TeamID), f.InboxID,
					f.Channel, f.CustomerType); err != nil {
					return fmt.Errorf("insert report fact: %w", translate(err))
				}
			}
			return nil
		}
		n := min(batch, len(facts))
		var b strings.Builder
		b.WriteString(`INSERT INTO report_facts (` + reportFactColumns + `) VALUES `)
		args := make([]any, 0, n*per)
		for i, f := range facts[:n] {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("(")
			for j := range per {
				if j > 0 {
					b.WriteString(",")
				}
				b.WriteString("$" + strconv.Itoa(i*per+j+1))
			}
			b.WriteString(")")
			args = append(args, f.ConversationID, f.Kind, f.Seq, f.At, nullInt(f.CalendarMS), nullInt(f.BusinessMS), nullInt(f.Value),
				f.Flag, f.Target, nullInt(f.AgentID), nullInt(f.TeamID), f.InboxID, f.Channel, f.CustomerType)
		}
		if _, err := t.tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("insert report facts: %w", translate(err))
		}
		facts = facts[n:]
	}
	return nil
}

// DeleteReportFacts removes the facts of conversations lo..hi.
func (t *Tx) DeleteReportFacts(ctx context.Context, lo, hi int64) error {
	_, err := t.tx.ExecContext(ctx, `DELETE FROM report_facts WHERE conversation_id BETWEEN $1 AND $2`, lo, hi)
	return translate(err)
}

// ConversationIDBounds returns the lowest and highest conversation ids (0, 0
// when there are none).
func (s *Store) ConversationIDBounds(ctx context.Context) (lo, hi int64, err error) {
	err = s.Reader.QueryRowContext(ctx, `SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), 0) FROM conversations`).Scan(&lo, &hi)
	return lo, hi, translate(err)
}

// ReportFilter narrows a scan of facts or conversations; empty lists do not
// filter.
type ReportFilter struct {
	InboxIDs      []int64
	TeamIDs       []int64
	AgentIDs      []int64
	Channels      []string
	Tags          []string
	CustomerTypes []string
	// Kinds limits a fact scan to these kinds.
	Kinds []string
}

// filterSQL appends the filter's conditions on alias (report_facts or
// conversations c joined to inboxes i and contacts ct) to where.
func (f ReportFilter) sql(where []string, args []any, col func(string) string) ([]string, []any) {
	in := func(column string, n int, arg func(int) any) {
		if n == 0 {
			return
		}
		ph := make([]string, n)
		for i := range n {
			args = append(args, arg(i))
			ph[i] = "$" + strconv.Itoa(len(args))
		}
		where = append(where, column+" IN ("+strings.Join(ph, ",")+")")
	}
	in(col("inbox_id"), len(f.InboxIDs), func(i int) any { return f.InboxIDs[i] })
	in(col("team_id"), len(f.TeamIDs), func(i int) any { return f.TeamIDs[i] })
	in(col("agent_id"), len(f.AgentIDs), func(i int) any { return f.AgentIDs[i] })
	in(col("channel"), len(f.Channels), func(i int) any { return f.Channels[i] })
	in(col("customer_type"), len(f.CustomerTypes), func(i int) any { return f.CustomerTypes[i] })
	in(col("kind"), len(f.Kinds), func(i int) any { return f.Kinds[i] })
	if len(f.Tags) > 0 {
		ph := make([]string, len(f.Tags))
		for i, t := range f.Tags {
			args = append(args, t)
			ph[i] = "$" + strconv.Itoa(len(args))
		}
		where = append(where, `EXISTS (SELECT 1 FROM conversation_tags xt JOIN tags tt ON tt.id = xt.tag_id
 WHERE xt.conversation_id = `+col("conversation_id")+` AND tt.name IN (`+strings.Join(ph, ",")+`))`)
	}
	return where, args
}

// ScanReportFacts calls fn with every fact counted in [from, to) (Unix
// milliseconds) that passes the filter, in time order. byTag yields a
// fact once per tag of its conversation (Tag set; once with "" if none).
func (s *Store) ScanReportFacts(ctx context.Context, from, to int64, f ReportFilter, byTag bool, fn func(ReportFact) error) error {
	where, args := f.sql([]string{"f.at >= $1", "f.at < $2"}, []any{from, to}, func(c string) string { return "f." + c })
	cols := "f.conversation_id, f.kind, f.seq, f.at, f.calendar_ms, f.business_ms, f.value, f.flag, f.target, f.agent_id, f.team_id, f.inbox_id, f.channel, f.customer_type"
	query := `SELECT ` + cols + ` FROM report_facts f WHERE ` + strings.Join(where, " AND ") + ` ORDER BY f.at`
	if byTag {
		query = `SELECT ` + cols + `, COALESCE(t.name, '') FROM report_facts f
 LEFT JOIN conversation_tags x ON x.conversation_id = f.conversation_id LEFT JOIN tags t ON t.id = x.tag_id
 WHERE ` + strings.Join(where, " AND ") + ` ORDER BY f.at, f.conversation_id, f.kind, f.seq`
	}
	rows, err := s.Reader.QueryContext(ctx, query, args...)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		fact, err := scanFact(rows, byTag)
		if err != nil {
			return err
		}
		if err := fn(fact); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}

// ReportBacklogBefore is the number of unresolved conversations at the
// instant before (Unix ms) among those the filter selects: conversations
// and reopenings in, resolutions and merges of unresolved ones out.
func (s *Store) ReportBacklogBefore(ctx context.Context, before int64, f ReportFilter) (int64, error) {
	f.Kinds = nil
	where, args := f.sql([]string{"f.at < $1", "f.kind IN ('new','reopened','resolution','merged','unmerged')"}, []any{before},
		func(c string) string { return "f." + c })
	var n int64
	err := s.Reader.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE f.kind WHEN 'new' THEN 1 WHEN 'reopened' THEN 1
 WHEN 'resolution' THEN -1 WHEN 'merged' THEN -f.flag ELSE f.flag END), 0)
 FROM report_facts f WHERE `+strings.Join(where, " AND "), args...).Scan(&n)
	return n, translate(err)
}

// ReportConversationRow is one conversation of the per-conversation export.
type ReportConversationRow struct {
	ID                 int64
	InboxID            int64
	Channel            string
	TeamID             *int64
	AssigneeID         *int64
	CustomerType       string
	Status             string
	CreatedAt          int64
	MergedIntoID       *int64
	Tags               string
	FirstResponseMS    *int64
	FirstResponseBHMS  *int64
	Responses          int64
	Resolutions        int64
	Reopens            int64
	AgentReplies       int64
	LastResolutionMS   *int64
	LastResolutionBHMS *int64
	CSATRating         *int64
}

// ReportConversationRows streams the conversations created in [from, to)
// that pass the filter (on their current inbox, team, assignee, channel,
// tags and contact type), ascending by id, with their facts. The facts
// come from a second cursor over report_facts in key order, merged with
// the first, so a row costs no lookup of its own and memory stays flat.
func (s *Store) ReportConversationRows(ctx context.Context, from, to int64, f ReportFilter, fn func(ReportConversationRow) error) error {
	f.Kinds = nil
	col := func(c string) string {
		switch c {
		case "agent_id":
			return "c.assignee_id"
		case "channel":
			return "i.channel"
		case "customer_type":
			return "ct.type"
		case "conversation_id":
			return "c.id"
		}
		return "c." + c
	}
	where, args := f.sql([]string{"c.created_at >= $1", "c.created_at < $2"}, []any{from, to}, col)
	var lo, hi sql.NullInt64
	if err := s.Reader.QueryRowContext(ctx, `SELECT MIN(id), MAX(id) FROM conversations WHERE created_at >= $1 AND created_at < $2`,
		from, to).Scan(&lo, &hi); err != nil || !lo.Valid {
		return translate(err)
	}
	agg := "group_concat(t.name, ',')"
	if s.Dialect == Postgres {
		agg = "string_agg(t.name, ',' ORDER BY t.name)"
	}
	rows, err := s.Reader.QueryContext(ctx, `SELECT c.id, c.inbox_id, i.channel, c.team_id, c.assignee_id, ct.type, c.status, c.created_at, c.merged_into_id,
 COALESCE((SELECT `+agg+` FROM conversation_tags x JOIN tags t ON t.id = x.tag_id WHERE x.conversation_id = c.id), '')
 FROM conversations c JOIN inboxes i ON i.id = c.inbox_id JOIN contacts ct ON ct.id = c.contact_id
 WHERE `+strings.Join(where, " AND ")+` ORDER BY c.id`, args...)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	facts, err := s.Reader.QueryContext(ctx, `SELECT conversation_id, kind, seq, calendar_ms, business_ms, value FROM report_facts
 WHERE conversation_id BETWEEN $1 AND $2 AND kind IN ('new','first_response','next_response','resolution','reopened','csat')
 ORDER BY conversation_id, kind, seq`, lo.Int64, hi.Int64)
	if err != nil {
		return translate(err)
	}
	defer facts.Close()
	type fact struct {
		conv, seq     int64
		kind          string
		cal, bus, val sql.NullInt64
	}
	var next *fact
	read := func() error {
		next = nil
		if !facts.Next() {
			return translate(facts.Err())
		}
		var x fact
		if err := facts.Scan(&x.conv, &x.kind, &x.seq, &x.cal, &x.bus, &x.val); err != nil {
			return translate(err)
		}
		next = &x
		return nil
	}
	if err := read(); err != nil {
		return err
	}
	for rows.Next() {
		var r ReportConversationRow
		var team, assignee, merged sql.NullInt64
		if err := rows.Scan(&r.ID, &r.InboxID, &r.Channel, &team, &assignee, &r.CustomerType, &r.Status, &r.CreatedAt, &merged, &r.Tags); err != nil {
			return translate(err)
		}
		r.TeamID, r.AssigneeID, r.MergedIntoID = int64Ptr(team), int64Ptr(assignee), int64Ptr(merged)
		for next != nil && next.conv < r.ID {
			if err := read(); err != nil {
				return err
			}
		}
		for next != nil && next.conv == r.ID {
			switch next.kind {
			case "new":
				r.AgentReplies = next.val.Int64
			case "first_response":
				r.Responses++
				r.FirstResponseMS, r.FirstResponseBHMS = int64Ptr(next.cal), int64Ptr(next.bus)
			case "next_response":
				r.Responses++
			case "resolution":
				r.Resolutions++ // in seq order: the last one read is the latest
				r.LastResolutionMS, r.LastResolutionBHMS = int64Ptr(next.cal), int64Ptr(next.bus)
			case "reopened":
				r.Reopens++
			case "csat":
				r.CSATRating = int64Ptr(next.val)
			}
			if err := read(); err != nil {
				return err
			}
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}

// ReportNames maps the ids of users, teams or inboxes to their names, for
// a report's group labels.
func (s *Store) ReportNames(ctx context.Context, of string) (map[int64]string, error) {
	table := map[string]string{"agent": "users", "team": "teams", "inbox": "inboxes"}[of]
	if table == "" {
		return nil, fmt.Errorf("report names of %q", of)
	}
	rows, err := s.Reader.QueryContext(ctx, `SELECT id, name FROM `+table)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, translate(err)
		}
		out[id] = name
	}
	return out, translate(rows.Err())
}

// ReportMetricRow is a fact as the summary reads it: only what the
// aggregation needs, so that a scan of a million facts moves less.
type ReportMetricRow struct {
	Kind   string
	At     int64
	MS     sql.NullInt64 // calendar or business duration, as asked
	Value  sql.NullInt64
	Flag   int64
	Target string
	// Group is the breakdown's key as text ("" for none).
	Group string
	// ConversationID and Seq identify the fact when grouped by tag.
	ConversationID, Seq int64
}

// reportGroupColumn is the SQL text of a breakdown's key.
var reportGroupColumn = map[string]string{
	"":              "''",
	"agent":         "COALESCE(CAST(f.agent_id AS TEXT), '')",
	"team":          "COALESCE(CAST(f.team_id AS TEXT), '')",
	"inbox":         "CAST(f.inbox_id AS TEXT)",
	"channel":       "f.channel",
	"customer_type": "f.customer_type",
	"tag":           "COALESCE(t.name, '')",
}

// ScanReportMetrics calls fn with every fact counted in [from, to) that
// passes the filter, in time order, reading business durations when
// business is set and the key of the group breakdown (one row per tag
// when grouped by tag).
func (s *Store) ScanReportMetrics(ctx context.Context, from, to int64, f ReportFilter, business bool, group string, fn func(*ReportMetricRow) error) error {
	key, ok := reportGroupColumn[group]
	if !ok {
		return fmt.Errorf("report group %q", group)
	}
	where, args := f.sql([]string{"f.at >= $1", "f.at < $2"}, []any{from, to}, func(c string) string { return "f." + c })
	dur := "f.calendar_ms"
	if business {
		dur = "f.business_ms"
	}
	query := `SELECT f.kind, f.at, ` + dur + `, f.value, f.flag, f.target, ` + key + `, f.conversation_id, f.seq FROM report_facts f`
	order := ` ORDER BY f.at`
	if group == "tag" {
		query += ` LEFT JOIN conversation_tags x ON x.conversation_id = f.conversation_id LEFT JOIN tags t ON t.id = x.tag_id`
		order = ` ORDER BY f.at, f.conversation_id, f.kind, f.seq`
	}
	rows, err := s.Reader.QueryContext(ctx, query+` WHERE `+strings.Join(where, " AND ")+order, args...)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	var r ReportMetricRow
	for rows.Next() {
		if err := rows.Scan(&r.Kind, &r.At, &r.MS, &r.Value, &r.Flag, &r.Target, &r.Group, &r.ConversationID, &r.Seq); err != nil {
			return translate(err)
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}

// VacuumReportFacts refreshes PostgreSQL's statistics and visibility map
// of report_facts after a rebuild, so that report scans read the index
// alone (an index-only scan needs the visibility map). SQLite needs nothing.
func (s *Store) VacuumReportFacts(ctx context.Context) error {
	if s.Dialect != Postgres {
		return nil
	}
	_, err := s.Writer.ExecContext(ctx, `VACUUM (ANALYZE) report_facts`)
	return translate(err)
}
