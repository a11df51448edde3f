package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/parley-hq/parley/internal/search"
	"strings"
	"time"

	"github.com/parley-hq/parley/internal/model"
)

const conversationColumnsOnly = `c.id, c.inbox_id, i.channel, c.contact_id, ct.name, ct.type,
 (SELECT ci.value FROM contact_identities ci WHERE ci.contact_id = c.contact_id AND ci.kind = 'email' ORDER BY ci.id LIMIT 1),
 c.subject, c.status, c.priority, c.assignee_id, c.team_id, c.snoozed_until, c.previous_conversation_id,
 c.message_count, c.preview, c.created_at, c.updated_at, c.last_activity_at, c.status_changed_at,
 c.first_response_at, c.resolved_at, c.closed_at, c.waiting_since, c.merged_into_id,
 c.sla_policy_id, c.sla_due_at`

const conversationFrom = `
 FROM conversations c
 JOIN inboxes i ON i.id = c.inbox_id
 JOIN contacts ct ON ct.id = c.contact_id`

const conversationColumns = conversationColumnsOnly + conversationFrom

// scanConversation scans conversationColumns, then extra.
func scanConversation(row interface{ Scan(...any) error }, extra ...any) (model.Conversation, error) {
	var c model.Conversation
	var email sql.NullString
	var assignee, team, snoozed, prev, firstResp, resolved, closed, waiting, merged, slaPolicy, slaDue sql.NullInt64
	var created, updated, activity, statusChanged int64
	err := row.Scan(append([]any{&c.ID, &c.InboxID, &c.Channel, &c.Contact.ID, &c.Contact.Name, &c.Contact.Type, &email,
		&c.Subject, &c.Status, &c.Priority, &assignee, &team, &snoozed, &prev,
		&c.MessageCount, &c.Preview, &created, &updated, &activity, &statusChanged,
		&firstResp, &resolved, &closed, &waiting, &merged, &slaPolicy, &slaDue}, extra...)...)
	if err != nil {
		return c, translate(err)
	}
	c.Contact.Email = email.String
	c.AssigneeID, c.TeamID, c.PreviousConversationID = int64Ptr(assignee), int64Ptr(team), int64Ptr(prev)
	c.SnoozedUntil, c.FirstResponseAt, c.ResolvedAt = timePtr(snoozed), timePtr(firstResp), timePtr(resolved)
	c.ClosedAt, c.WaitingSince, c.MergedIntoID = timePtr(closed), timePtr(waiting), int64Ptr(merged)
	c.SLAPolicyID, c.SLADueAt = int64Ptr(slaPolicy), timePtr(slaDue)
	c.CreatedAt, c.UpdatedAt = FromMillis(created), FromMillis(updated)
	c.LastActivityAt, c.StatusChangedAt = FromMillis(activity), FromMillis(statusChanged)
	c.Tags = []string{}
	return c, nil
}

func getConversation(ctx context.Context, q querier, id int64) (model.Conversation, error) {
	return queryConversation(ctx, q, conversationByIDSQL, id)
}

// queryConversation reads the conversation a statement shaped like
// conversationByIDSQL (one row per tag) selects.
func queryConversation(ctx context.Context, q querier, query string, args ...any) (model.Conversation, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return model.Conversation{}, translate(err)
	}
	defer rows.Close()
	var c model.Conversation
	var tags []string
	for n := 0; rows.Next(); n++ {
		var tag sql.NullString
		row, err := scanConversation(rows, &tag)
		if err != nil {
			return model.Conversation{}, err
		}
		if n == 0 {
			c = row
		}
		if tag.Valid {
			tags = append(tags, tag.String)
		}
	}
	if err := rows.Err(); err != nil {
		return model.Conversation{}, translate(err)
	}
	if c.ID == 0 {
		return c, ErrNotFound
	}
	if tags != nil {
		c.Tags = tags
	}
	return c, nil
}

// ConversationByID reads one conversation with its contact and tags.
func (s *Store) ConversationByID(ctx context.Context, id int64) (model.Conversation, error) {
	return getConversation(ctx, s.reader(), id)
}

// ConversationByID reads one conversation inside the transaction.
func (t *Tx) ConversationByID(ctx context.Context, id int64) (model.Conversation, error) {
	return getConversation(ctx, t.q(), id)
}

// ConversationInsert is what a new conversation starts with.
type ConversationInsert struct {
	InboxID                int64
	ContactID              int64
	Subject                string
	Status                 model.Status
	Priority               model.Priority
	PreviousConversationID *int64
	Now                    time.Time
}

// CreateConversation inserts a conversation and returns its id.
func (t *Tx) CreateConversation(ctx context.Context, in ConversationInsert) (int64, error) {
	now := Millis(in.Now)
	var id int64
	err := t.q().QueryRowContext(ctx, createConversationSQL,
		in.InboxID, in.ContactID, in.Subject, in.Status, in.Priority, nullInt(in.PreviousConversationID), now).Scan(&id)
	return id, translate(err)
}

const createConversationSQL = `INSERT INTO conversations
 (inbox_id, contact_id, subject, status, priority, previous_conversation_id, created_at, updated_at, last_activity_at, status_changed_at)
 VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7, $7) RETURNING id`

// SaveConversation writes every mutable field of c back.
func (t *Tx) SaveConversation(ctx context.Context, c model.Conversation) error {
	_, err := t.q().ExecContext(ctx, saveConversationSQL,
		c.ID, c.Subject, c.Status, c.Priority, nullInt(c.AssigneeID), nullInt(c.TeamID), nullMillis(c.SnoozedUntil),
		c.MessageCount, c.Preview, Millis(c.UpdatedAt), Millis(c.LastActivityAt), Millis(c.StatusChangedAt),
		nullMillis(c.FirstResponseAt), nullMillis(c.ResolvedAt), nullMillis(c.ClosedAt), nullMillis(c.WaitingSince), c.Contact.ID)
	return translate(err)
}

// SaveConversationActivity writes what adding a message changes: status,
// snooze, counts, preview and times. Subject, priority, assignee, team and
// contact are left as stored.
func (t *Tx) SaveConversationActivity(ctx context.Context, c model.Conversation) error {
	_, err := t.q().ExecContext(ctx, saveActivitySQL,
		c.ID, c.Status, nullMillis(c.SnoozedUntil), c.MessageCount, c.Preview, Millis(c.UpdatedAt), Millis(c.LastActivityAt),
		Millis(c.StatusChangedAt), nullMillis(c.FirstResponseAt), nullMillis(c.ResolvedAt), nullMillis(c.ClosedAt), nullMillis(c.WaitingSince))
	return translate(err)
}

// Conditions narrow a conversation list; all set fields must hold.
type Conditions struct {
	Statuses     []model.Status
	AssigneeID   int64 // 0 means any
	Unassigned   bool
	Assigned     bool
	TeamID       int64
	InboxID      int64
	Tags         []string // all of them
	TagsAny      []string // at least one
	TagsNone     []string // none of them
	Priorities   []model.Priority
	Channels     []model.Channel
	ContactID    int64
	ContactTypes []model.ContactType
	Snoozed      *bool
	// Unread keeps conversations with (or, false, without) a customer
	// message no agent has answered yet.
	Unread                        *bool
	CreatedAfter, CreatedBefore   *time.Time
	ActivityAfter, ActivityBefore *time.Time
}

// ConversationFilter selects and orders conversations for a list.
type ConversationFilter struct {
	// VisibleTo limits the list to inboxes the user belongs to; 0 means all.
	VisibleTo int64
	Conditions
	// And are more condition sets that must all hold too (from a saved
	// view or a JSON filter).
	And []Conditions
	// AnyOf are OR groups: of each, one of its condition sets must hold
	// (a view's "any" and a JSON filter's "any" each add one).
	AnyOf [][]Conditions
	// Search, when set, keeps conversations whose messages, subject or
	// contact match, and makes "relevance" a sort.
	Search *search.Query
	Sort   string // a key of sortColumns, or relevance
	Desc   bool
	After  *Cursor
	Limit  int
	Now    time.Time
	// tagIDs are the named tags' ids, looked up before the query: given a
	// tag id, PostgreSQL's planner can use the tag's statistics, which a
	// join on the name hides (2 s against 60 ms at a million conversations).
	tagIDs map[string]int64
	// searchMode is how Search runs, picked by planSearch, and
	// searchCount how many matches it counted (SQLite; up to the bound).
	searchMode  searchMode
	searchCount int
	// ids, when not nil, limits the list to these conversations.
	ids []int64
}

// reads reports whether any of the filter's condition sets satisfies uses.
func (f ConversationFilter) reads(uses func(Conditions) bool) bool {
	if uses(f.Conditions) {
		return true
	}
	for _, c := range f.And {
		if uses(c) {
			return true
		}
	}
	for _, group := range f.AnyOf {
		for _, c := range group {
			if uses(c) {
				return true
			}
		}
	}
	return false
}

// prepareFilter does the lookups a filter's query needs first.
func (s *Store) prepareFilter(ctx context.Context, f *ConversationFilter) error {
	if err := s.resolveTags(ctx, f); err != nil {
		return err
	}
	return s.planSearch(ctx, f)
}

// resolveTags looks up the ids of every tag the filter names.
func (s *Store) resolveTags(ctx context.Context, f *ConversationFilter) error {
	var names []any
	add := func(c Conditions) {
		for _, list := range [][]string{c.Tags, c.TagsAny, c.TagsNone} {
			for _, n := range list {
				names = append(names, n)
			}
		}
	}
	add(f.Conditions)
	for _, c := range f.And {
		add(c)
	}
	for _, group := range f.AnyOf {
		for _, c := range group {
			add(c)
		}
	}
	f.tagIDs = map[string]int64{}
	if len(names) == 0 {
		return nil
	}
	ph := make([]string, len(names))
	for i := range names {
		ph[i] = fmt.Sprintf("$%d", i+1)
	}
	rows, err := s.Reader.QueryContext(ctx, `SELECT name, id FROM tags WHERE name IN (`+strings.Join(ph, ",")+`)`, names...)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var id int64
		if err := rows.Scan(&name, &id); err != nil {
			return translate(err)
		}
		f.tagIDs[name] = id
	}
	return translate(rows.Err())
}

// Cursor is a keyset position: the sort value and id of the last row seen.
type Cursor struct {
	Sort  string `json:"s"`
	Value int64  `json:"v"`
	ID    int64  `json:"i"`
}

// sortColumns are the sortable expressions. Waiting puts conversations
// nobody is waiting on last; customer type ranks vip, customer, partner,
// lead; unassigned sorts first by assignee.
var sortColumns = map[string]string{
	"last_activity": "c.last_activity_at",
	"created":       "c.created_at",
	"priority":      "c.priority",
	"waiting":       "COALESCE(c.waiting_since, 9223372036854775807)",
	"customer_type": "(CASE ct.type WHEN 'vip' THEN 3 WHEN 'customer' THEN 2 WHEN 'partner' THEN 1 ELSE 0 END)",
	"assignee":      "COALESCE(c.assignee_id, 0)",
	"sla_due":       "COALESCE(c.sla_due_at, 9223372036854775807)",
}

// SortKey returns the value of the sort column of c, for the next cursor.
func SortKey(sort string, c model.Conversation) int64 {
	switch sort {
	case "created":
		return Millis(c.CreatedAt)
	case "priority":
		return int64(c.Priority)
	case "relevance":
		if c.Match != nil {
			return c.Match.Rank
		}
		return 0
	case "waiting":
		if c.WaitingSince == nil {
			return 9223372036854775807
		}
		return Millis(*c.WaitingSince)
	case "customer_type":
		return map[model.ContactType]int64{model.ContactVIP: 3, model.ContactCustomer: 2, model.ContactPartner: 1}[c.Contact.Type]
	case "assignee":
		if c.AssigneeID == nil {
			return 0
		}
		return *c.AssigneeID
	case "sla_due":
		if c.SLADueAt == nil {
			return 9223372036854775807
		}
		return Millis(*c.SLADueAt)
	default:
		return Millis(c.LastActivityAt)
	}
}

// listQuery builds the list's SQL. With columns set, it selects those
// instead of whole conversations, in the list's order if ordered.
func (s *Store) listQuery(f ConversationFilter, columns string, ordered bool) (string, []any, error) {
	col, ok := sortColumns[f.Sort]
	if f.Sort == "relevance" && f.Search != nil {
		col, ok = "b.rank_key", true
	}
	if !ok {
		return "", nil, fmt.Errorf("unknown sort %q", f.Sort)
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	with, from, selectExtra := "", " FROM conversations c", ""
	if f.Search != nil {
		var searchWhere []string
		with, from, selectExtra, searchWhere = s.searchSQL(f, arg)
		where = append(where, searchWhere...)
	}
	if f.ids != nil {
		ph := make([]string, len(f.ids))
		for i, id := range f.ids {
			ph[i] = arg(id)
		}
		if len(ph) == 0 {
			ph = []string{"NULL"}
		}
		where = append(where, "c.id IN ("+strings.Join(ph, ",")+")")
	}
	if f.VisibleTo != 0 {
		where = append(where, "c.inbox_id IN (SELECT inbox_id FROM inbox_members WHERE user_id = "+arg(f.VisibleTo)+")")
	}
	where = append(where, f.Conditions.clauses(arg, f.Now, f.tagIDs)...)
	for _, c := range f.And {
		where = append(where, c.clauses(arg, f.Now, f.tagIDs)...)
	}
	for _, anyOf := range f.AnyOf {
		var groups []string
		for _, g := range anyOf {
			cl := g.clauses(arg, f.Now, f.tagIDs)
			if len(cl) == 0 {
				cl = []string{"1 = 1"}
			}
			groups = append(groups, "("+strings.Join(cl, " AND ")+")")
		}
		if len(groups) > 0 {
			where = append(where, "("+strings.Join(groups, " OR ")+")")
		}
	}
	op := ">"
	dir := "ASC"
	if f.Desc {
		op, dir = "<", "DESC"
	}
	if f.After != nil {
		where = append(where, "("+col+", c.id) "+op+" ("+arg(f.After.Value)+", "+arg(f.After.ID)+")")
	}
	if columns != "" {
		// A count needs the conditions, not the columns, and a join only
		// where a condition reads it: each join is a lookup per row.
		if f.reads(func(c Conditions) bool { return len(c.Channels) > 0 }) {
			from += " JOIN inboxes i ON i.id = c.inbox_id"
		}
		if f.reads(func(c Conditions) bool { return len(c.ContactTypes) > 0 }) {
			from += " JOIN contacts ct ON ct.id = c.contact_id"
		}
		q := with + `SELECT ` + columns + from
		if len(where) > 0 {
			q += " WHERE " + strings.Join(where, " AND ")
		}
		if ordered {
			q += " ORDER BY " + col + " " + dir + ", c.id " + dir
		}
		return q + " LIMIT " + arg(f.Limit), args, nil
	}
	q := with + `SELECT ` + selectExtra + strings.Replace(conversationColumns, " FROM conversations c", from, 1)
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY " + col + " " + dir + ", c.id " + dir + " LIMIT " + arg(f.Limit)
	return q, args, nil
}

// ListConversations returns one page of conversations in keyset order.
func (s *Store) ListConversations(ctx context.Context, f ConversationFilter) ([]model.Conversation, error) {
	if err := s.prepareFilter(ctx, &f); err != nil {
		return nil, err
	}
	if f.needsWalk() {
		ids, err := s.walkMatches(ctx, f, f.Limit)
		if err != nil {
			return nil, err
		}
		// The page is known; read its rows. Only ranking needs the search
		// again, for the scores.
		f.ids, f.After = append([]int64{}, ids...), nil // none found is an empty list, not "no limit"
		if f.searchMode != searchRanked {
			f.searchMode = searchWalk
		}
	}
	q, args, err := s.listQuery(f, "", true)
	if err != nil {
		return nil, err
	}
	rows, err := s.Reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []model.Conversation
	for rows.Next() {
		var c model.Conversation
		if f.searchMode == searchRanked {
			var rank int64
			var mid sql.NullInt64
			c, err = scanConversation(prefixed{rows, []any{&rank, &mid}})
			c.Match = &model.Match{Rank: rank, MessageID: int64Ptr(mid)}
		} else {
			c, err = scanConversation(rows)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	rows.Close()
	if err := s.attachTags(ctx, out); err != nil {
		return nil, err
	}
	if f.Search != nil {
		if err := s.attachMatches(ctx, *f.Search, out, f.searchMode == searchRanked); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// clauses renders the conditions as SQL, binding values through arg.
func (c Conditions) clauses(arg func(any) string, now time.Time, tagIDs map[string]int64) []string {
	var where []string
	list := func(vals []any) string {
		ph := make([]string, len(vals))
		for i, v := range vals {
			ph[i] = arg(v)
		}
		return strings.Join(ph, ",")
	}
	tagIn := func(tags []string) string {
		vals := make([]any, len(tags))
		if tagIDs != nil {
			// An unknown tag is id 0, which no tag has.
			for i, t := range tags {
				vals[i] = tagIDs[t]
			}
			return "SELECT 1 FROM conversation_tags x WHERE x.conversation_id = c.id AND x.tag_id IN (" + list(vals) + ")"
		}
		for i, t := range tags {
			vals[i] = t
		}
		return "SELECT 1 FROM conversation_tags x JOIN tags tg ON tg.id = x.tag_id WHERE x.conversation_id = c.id AND tg.name IN (" + list(vals) + ")"
	}
	if len(c.Statuses) > 0 {
		vals := make([]any, len(c.Statuses))
		for i, v := range c.Statuses {
			vals[i] = string(v)
		}
		where = append(where, "c.status IN ("+list(vals)+")")
	}
	if c.AssigneeID != 0 {
		where = append(where, "c.assignee_id = "+arg(c.AssigneeID))
	}
	if c.Unassigned {
		where = append(where, "c.assignee_id IS NULL")
	}
	if c.Assigned {
		where = append(where, "c.assignee_id IS NOT NULL")
	}
	if c.TeamID != 0 {
		where = append(where, "c.team_id = "+arg(c.TeamID))
	}
	if c.InboxID != 0 {
		where = append(where, "c.inbox_id = "+arg(c.InboxID))
	}
	for _, tag := range c.Tags {
		where = append(where, "EXISTS ("+tagIn([]string{tag})+")")
	}
	if len(c.TagsAny) > 0 {
		where = append(where, "EXISTS ("+tagIn(c.TagsAny)+")")
	}
	if len(c.TagsNone) > 0 {
		where = append(where, "NOT EXISTS ("+tagIn(c.TagsNone)+")")
	}
	if len(c.Priorities) > 0 {
		vals := make([]any, len(c.Priorities))
		for i, v := range c.Priorities {
			vals[i] = int(v)
		}
		where = append(where, "c.priority IN ("+list(vals)+")")
	}
	if len(c.Channels) > 0 {
		vals := make([]any, len(c.Channels))
		for i, v := range c.Channels {
			vals[i] = string(v)
		}
		where = append(where, "i.channel IN ("+list(vals)+")")
	}
	if c.ContactID != 0 {
		where = append(where, "c.contact_id = "+arg(c.ContactID))
	}
	if len(c.ContactTypes) > 0 {
		vals := make([]any, len(c.ContactTypes))
		for i, v := range c.ContactTypes {
			vals[i] = string(v)
		}
		where = append(where, "ct.type IN ("+list(vals)+")")
	}
	if c.Snoozed != nil {
		if *c.Snoozed {
			where = append(where, "c.snoozed_until > "+arg(Millis(now)))
		} else {
			where = append(where, "(c.snoozed_until IS NULL OR c.snoozed_until <= "+arg(Millis(now))+")")
		}
	}
	if c.Unread != nil {
		if *c.Unread {
			where = append(where, "c.waiting_since IS NOT NULL")
		} else {
			where = append(where, "c.waiting_since IS NULL")
		}
	}
	for _, r := range []struct {
		t  *time.Time
		op string
	}{{c.CreatedAfter, "c.created_at >= "}, {c.CreatedBefore, "c.created_at < "}, {c.ActivityAfter, "c.last_activity_at >= "}, {c.ActivityBefore, "c.last_activity_at < "}} {
		if r.t != nil {
			where = append(where, r.op+arg(Millis(*r.t)))
		}
	}
	return where
}

// prefixed scans extra leading columns before a row's usual ones.
type prefixed struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (p prefixed) Scan(dest ...any) error { return p.row.Scan(append(p.extra, dest...)...) }

func (s *Store) attachTags(ctx context.Context, cs []model.Conversation) error {
	if len(cs) == 0 {
		return nil
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	tags, err := tagsFor(ctx, s.Reader, ids)
	if err != nil {
		return err
	}
	for i := range cs {
		if t := tags[cs[i].ID]; t != nil {
			cs[i].Tags = t
		}
	}
	return nil
}

// tagsSQL selects the tags of n conversations.
func tagsSQL(n int) string {
	ph := make([]string, n)
	for i := range ph {
		ph[i] = fmt.Sprintf("$%d", i+1)
	}
	return `SELECT x.conversation_id, t.name FROM conversation_tags x JOIN tags t ON t.id = x.tag_id
 WHERE x.conversation_id IN (` + strings.Join(ph, ",") + `) ORDER BY t.name`
}

func tagsFor(ctx context.Context, q querier, ids []int64) (map[int64][]string, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.QueryContext(ctx, tagsSQL(len(ids)), args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := map[int64][]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, translate(err)
		}
		out[id] = append(out[id], name)
	}
	return out, translate(rows.Err())
}

// EnsureTag returns the id of the named tag, creating it if needed.
// An existing tag is only read: an upsert would lock its row until the
// transaction ends, so every conversation tagged at once would wait for the
// one before (a bulk tagging on PostgreSQL ran one at a time).
func (t *Tx) EnsureTag(ctx context.Context, name string) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `SELECT id FROM tags WHERE name = $1`, name).Scan(&id)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return id, translate(err)
	}
	err = t.tx.QueryRowContext(ctx, `INSERT INTO tags (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id`, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		// Another transaction made it first; it has committed by now.
		err = t.tx.QueryRowContext(ctx, `SELECT id FROM tags WHERE name = $1`, name).Scan(&id)
	}
	return id, translate(err)
}

// AddConversationTag tags a conversation; it reports whether the tag is new there.
func (t *Tx) AddConversationTag(ctx context.Context, conversationID, tagID int64) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `INSERT INTO conversation_tags (conversation_id, tag_id) VALUES ($1, $2)
 ON CONFLICT DO NOTHING`, conversationID, tagID)
	if err != nil {
		return false, translate(err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// RemoveConversationTag untags a conversation; it reports whether the tag was there.
func (t *Tx) RemoveConversationTag(ctx context.Context, conversationID int64, name string) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM conversation_tags WHERE conversation_id = $1
 AND tag_id = (SELECT id FROM tags WHERE name = $2)`, conversationID, name)
	if err != nil {
		return false, translate(err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ListTags returns every tag with the number of conversations carrying it;
// with visibleTo set, only conversations of the user's inboxes count.
func (s *Store) ListTags(ctx context.Context, visibleTo int64) ([]model.Tag, error) {
	count := `(SELECT COUNT(*) FROM conversation_tags x WHERE x.tag_id = t.id)`
	var args []any
	if visibleTo != 0 {
		count = `(SELECT COUNT(*) FROM conversation_tags x JOIN conversations c ON c.id = x.conversation_id
 WHERE x.tag_id = t.id AND c.inbox_id IN (SELECT inbox_id FROM inbox_members WHERE user_id = $1))`
		args = append(args, visibleTo)
	}
	rows, err := s.Reader.QueryContext(ctx, `SELECT t.id, t.name, `+count+` FROM tags t ORDER BY t.name`, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []model.Tag{}
	for rows.Next() {
		var tg model.Tag
		if err := rows.Scan(&tg.ID, &tg.Name, &tg.Count); err != nil {
			return nil, translate(err)
		}
		out = append(out, tg)
	}
	return out, translate(rows.Err())
}

// MessageInsert is a new message.
type MessageInsert struct {
	ConversationID int64
	Kind           model.MessageKind
	Direction      model.Direction
	SenderType     model.SenderType
	SenderID       *int64
	Body           string
	Now            time.Time
}

// CreateMessage inserts a message and returns it.
func (t *Tx) CreateMessage(ctx context.Context, in MessageInsert) (model.Message, error) {
	var id int64
	err := t.q().QueryRowContext(ctx, createMessageSQL,
		in.ConversationID, in.Kind, in.Direction, in.SenderType, nullInt(in.SenderID), in.Body, Millis(in.Now)).Scan(&id)
	if err != nil {
		return model.Message{}, translate(err)
	}
	return model.Message{ID: id, ConversationID: in.ConversationID, Kind: in.Kind, Direction: in.Direction,
		SenderType: in.SenderType, SenderID: in.SenderID, Body: in.Body, CreatedAt: FromMillis(Millis(in.Now))}, nil
}

// ListMessages returns a conversation's messages after the given id, oldest first.
func (s *Store) ListMessages(ctx context.Context, conversationID, afterID int64, limit int) ([]model.Message, error) {
	rows, err := s.reader().QueryContext(ctx, listMessagesSQL, conversationID, afterID, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []model.Message{}
	for rows.Next() {
		var m model.Message
		var sender sql.NullInt64
		var created int64
		if err := rows.Scan(&m.ID, &m.ConversationID, &m.Kind, &m.Direction, &m.SenderType, &sender, &m.SenderName, &m.Body, &created); err != nil {
			return nil, translate(err)
		}
		m.SenderID = int64Ptr(sender)
		m.CreatedAt = FromMillis(created)
		out = append(out, m)
	}
	return out, translate(rows.Err())
}

// EventInsert is one change to record.
type EventInsert struct {
	ConversationID int64
	Actor          model.Actor
	Action         string
	Before, After  any
	Now            time.Time
}

// CreateEvent records a change to a conversation.
func (t *Tx) CreateEvent(ctx context.Context, in EventInsert) (int64, error) {
	actorType := model.SenderUser
	var actorID any = in.Actor.UserID
	if in.Actor.IsSystem() {
		actorType, actorID = model.SenderSystem, nil
	}
	before, err := jsonOrNull(in.Before)
	if err != nil {
		return 0, err
	}
	after, err := jsonOrNull(in.After)
	if err != nil {
		return 0, err
	}
	var id int64
	err = t.q().QueryRowContext(ctx, createEventSQL,
		in.ConversationID, actorType, actorID, in.Action, before, after, Millis(in.Now)).Scan(&id)
	return id, translate(err)
}

func jsonOrNull(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode event: %w", err)
	}
	return string(b), nil
}

// ListEvents returns a conversation's events after the given id, oldest first.
func (s *Store) ListEvents(ctx context.Context, conversationID, afterID int64, limit int) ([]model.Event, error) {
	events, err := scanInboxEvents(s.Reader.QueryContext(ctx, inboxEventSelect+`
 WHERE e.conversation_id = $1 AND e.id > $2 ORDER BY e.id LIMIT $3`, conversationID, afterID, limit))
	if err != nil {
		return nil, err
	}
	out := make([]model.Event, len(events))
	for i, e := range events {
		out[i] = e.Event
	}
	return out, nil
}

// InboxEvent is an event with the inbox of its conversation, which decides
// who may see it.
type InboxEvent struct {
	model.Event
	InboxID int64 `json:"inbox_id"`
}

const inboxEventSelect = `SELECT e.id, e.conversation_id, e.actor_type, e.actor_id,
 COALESCE(CASE e.actor_type WHEN 'user' THEN u.name ELSE 'Parley' END, ''), e.action, e.before, e.after, e.created_at, c.inbox_id
 FROM conversation_events e
 JOIN conversations c ON c.id = e.conversation_id
 LEFT JOIN users u ON e.actor_type = 'user' AND u.id = e.actor_id`

func scanInboxEvents(rows *sql.Rows, err error) ([]InboxEvent, error) {
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []InboxEvent
	for rows.Next() {
		var e InboxEvent
		var actor sql.NullInt64
		var before, after sql.NullString
		var created int64
		if err := rows.Scan(&e.ID, &e.ConversationID, &e.ActorType, &actor, &e.ActorName, &e.Action, &before, &after, &created, &e.InboxID); err != nil {
			return nil, translate(err)
		}
		e.ActorID = int64Ptr(actor)
		if before.Valid {
			e.Before = json.RawMessage(before.String)
		}
		if after.Valid {
			e.After = json.RawMessage(after.String)
		}
		e.CreatedAt = FromMillis(created)
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

// EventsByIDs reads the given events, oldest first.
func (s *Store) EventsByIDs(ctx context.Context, ids []int64) ([]InboxEvent, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i] = fmt.Sprintf("$%d", i+1)
		args[i] = id
	}
	return scanInboxEvents(s.Reader.QueryContext(ctx, inboxEventSelect+` WHERE e.id IN (`+strings.Join(ph, ",")+`) ORDER BY e.id`, args...))
}

// EventsAfter reads events after an id across all conversations, oldest
// first; with visibleTo set, only those of the user's inboxes.
func (s *Store) EventsAfter(ctx context.Context, afterID, visibleTo int64, limit int) ([]InboxEvent, error) {
	if visibleTo == 0 {
		return scanInboxEvents(s.Reader.QueryContext(ctx, inboxEventSelect+` WHERE e.id > $1 ORDER BY e.id LIMIT $2`, afterID, limit))
	}
	return scanInboxEvents(s.Reader.QueryContext(ctx, inboxEventSelect+` WHERE e.id > $1
 AND c.inbox_id IN (SELECT inbox_id FROM inbox_members WHERE user_id = $2) ORDER BY e.id LIMIT $3`, afterID, visibleTo, limit))
}

// InboxIDsOf lists the inboxes a user belongs to.
func (s *Store) InboxIDsOf(ctx context.Context, userID int64) ([]int64, error) {
	return scanIDs(s.Reader.QueryContext(ctx, `SELECT inbox_id FROM inbox_members WHERE user_id = $1`, userID))
}

// FolderCounts are the live counts of the inbox sidebar.
type FolderCounts struct {
	Mine, Unassigned, All, Snoozed int
	ByInbox                        map[int64]int
	ByTeam                         map[int64]int
	ByStatus                       map[model.Status]int
}

// CountFolders counts the active (new, open, pending and not snoozed)
// conversations per folder, and every conversation per status, within
// what the user may see (visibleTo 0 = everything).
func (s *Store) CountFolders(ctx context.Context, userID, visibleTo int64, now time.Time) (FolderCounts, error) {
	fc := FolderCounts{ByInbox: map[int64]int{}, ByTeam: map[int64]int{}, ByStatus: map[model.Status]int{}}
	scope, args := "", []any{Millis(now)}
	if visibleTo != 0 {
		scope = " AND inbox_id IN (SELECT inbox_id FROM inbox_members WHERE user_id = $2)"
		args = append(args, visibleTo)
	}
	rows, err := s.Reader.QueryContext(ctx, `SELECT inbox_id, COALESCE(team_id, 0), COALESCE(assignee_id, 0),
 CASE WHEN snoozed_until > $1 THEN 1 ELSE 0 END, COUNT(*)
 FROM conversations WHERE status IN ('new','open','pending')`+scope+`
 GROUP BY inbox_id, COALESCE(team_id, 0), COALESCE(assignee_id, 0), CASE WHEN snoozed_until > $1 THEN 1 ELSE 0 END`, args...)
	if err != nil {
		return fc, translate(err)
	}
	for rows.Next() {
		var inbox, team, assignee int64
		var snoozed, n int
		if err := rows.Scan(&inbox, &team, &assignee, &snoozed, &n); err != nil {
			rows.Close()
			return fc, translate(err)
		}
		if snoozed == 1 {
			fc.Snoozed += n
			continue
		}
		fc.All += n
		fc.ByInbox[inbox] += n
		if team != 0 {
			fc.ByTeam[team] += n
		}
		switch assignee {
		case 0:
			fc.Unassigned += n
		case userID:
			fc.Mine += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fc, translate(err)
	}
	// Per status, count at most StatusCountLimit+1 rows through the status
	// index: resolved and closed grow without end, and a sidebar that
	// counted them all would cost a full scan on every page view.
	scope = ""
	if visibleTo != 0 {
		scope = " AND inbox_id IN (SELECT inbox_id FROM inbox_members WHERE user_id = $3)"
	}
	for _, st := range []model.Status{model.StatusNew, model.StatusOpen, model.StatusPending, model.StatusResolved, model.StatusClosed} {
		args := []any{string(st), StatusCountLimit + 1}
		if visibleTo != 0 {
			args = append(args, visibleTo)
		}
		var n int
		if err := s.Reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM conversations WHERE status = $1`+scope+` LIMIT $2) x`, args...).Scan(&n); err != nil {
			return fc, translate(err)
		}
		fc.ByStatus[st] = n
	}
	return fc, nil
}

// StatusCountLimit is where the sidebar's per-status counts stop ("1000+").
const StatusCountLimit = 1000

// CountMessagesSince counts a conversation's messages after afterID that
// the given user did not write: what a collision warning is about.
func (t *Tx) CountMessagesSince(ctx context.Context, conversationID, afterID, userID int64) (int, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages WHERE conversation_id = $1 AND id > $2
 AND NOT (sender_type = 'user' AND sender_id = $3)`, conversationID, afterID, userID).Scan(&n)
	return n, translate(err)
}

// likePattern makes a case-insensitive substring pattern of user input,
// escaping LIKE's wildcards so "%" matches a percent sign, not everything.
func likePattern(q string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(q)) + "%"
}
