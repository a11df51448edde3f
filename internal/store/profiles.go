package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parley-hq/parley/internal/model"
)

// MatchKey reduces an identity to what duplicate suggestions compare:
// an email without its +tag (and, at Gmail, without dots, which Gmail
// ignores), a phone number by its last nine digits, so that "+1 555 123
// 4567" and "555-123-4567" match. Migration 0010 computes the same in SQL.
func MatchKey(ident model.Identity) string {
	switch ident.Kind {
	case model.IdentityPhone:
		d := strings.TrimPrefix(ident.Value, "+")
		if len(d) > 9 {
			d = d[len(d)-9:]
		}
		return d
	case model.IdentityEmail:
		local, domain, ok := strings.Cut(ident.Value, "@")
		if !ok {
			return ident.Value
		}
		if i := strings.IndexByte(local, '+'); i >= 0 {
			local = local[:i]
		}
		if domain == "gmail.com" || domain == "googlemail.com" {
			return strings.ReplaceAll(local, ".", "") + "@gmail.com"
		}
		return local + "@" + domain
	}
	return ident.Value
}

// IdentityOwner returns the contact an identity (by id) belongs to.
func (t *Tx) IdentityOwner(ctx context.Context, identityID int64) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `SELECT contact_id FROM contact_identities WHERE id = $1`, identityID).Scan(&id)
	return id, translate(err)
}

// CountIdentities counts a contact's identities.
func (t *Tx) CountIdentities(ctx context.Context, contactID int64) (int, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM contact_identities WHERE contact_id = $1`, contactID).Scan(&n)
	return n, translate(err)
}

// DeleteIdentity removes one identity of a contact.
func (t *Tx) DeleteIdentity(ctx context.Context, contactID, identityID int64) error {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM contact_identities WHERE id = $1 AND contact_id = $2`, identityID, contactID)
	if err != nil {
		return translate(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return t.refreshContactSearch(ctx, contactID)
}

// CreateContactNote adds a note to a contact.
func (t *Tx) CreateContactNote(ctx context.Context, n model.ContactNote) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO contact_notes (contact_id, author_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		n.ContactID, nullInt(n.AuthorID), n.Body, Millis(n.CreatedAt)).Scan(&id)
	return id, translate(err)
}

const noteColumns = `n.id, n.contact_id, n.author_id, COALESCE(u.name, ''), n.body, n.created_at`

func scanNotes(rows *sql.Rows, err error) ([]model.ContactNote, error) {
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []model.ContactNote{}
	for rows.Next() {
		var n model.ContactNote
		var author sql.NullInt64
		var created int64
		if err := rows.Scan(&n.ID, &n.ContactID, &author, &n.AuthorName, &n.Body, &created); err != nil {
			return nil, translate(err)
		}
		if author.Valid {
			n.AuthorID = &author.Int64
		}
		n.CreatedAt = FromMillis(created)
		out = append(out, n)
	}
	return out, translate(rows.Err())
}

// ContactNoteByID reads one note.
func (s *Store) ContactNoteByID(ctx context.Context, id int64) (model.ContactNote, error) {
	notes, err := scanNotes(s.Reader.QueryContext(ctx, `SELECT `+noteColumns+` FROM contact_notes n LEFT JOIN users u ON u.id = n.author_id WHERE n.id = $1`, id))
	if err != nil {
		return model.ContactNote{}, err
	}
	if len(notes) == 0 {
		return model.ContactNote{}, ErrNotFound
	}
	return notes[0], nil
}

// ListContactNotes returns a contact's notes newest first, those before
// beforeID (0: from the newest).
func (s *Store) ListContactNotes(ctx context.Context, contactID, beforeID int64, limit int) ([]model.ContactNote, error) {
	if beforeID == 0 {
		beforeID = 1 << 62
	}
	return scanNotes(s.Reader.QueryContext(ctx, `SELECT `+noteColumns+` FROM contact_notes n LEFT JOIN users u ON u.id = n.author_id
 WHERE n.contact_id = $1 AND n.id < $2 ORDER BY n.id DESC LIMIT $3`, contactID, beforeID, limit))
}

const attributeDefColumns = `id, key, label, type, choices, created_at`

func scanAttributeDefs(rows *sql.Rows, err error) ([]model.AttributeDef, error) {
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []model.AttributeDef{}
	for rows.Next() {
		var d model.AttributeDef
		var choices string
		var created int64
		if err := rows.Scan(&d.ID, &d.Key, &d.Label, &d.Type, &choices, &created); err != nil {
			return nil, translate(err)
		}
		if err := json.Unmarshal([]byte(choices), &d.Choices); err != nil {
			return nil, fmt.Errorf("attribute %s choices: %w", d.Key, err)
		}
		d.CreatedAt = FromMillis(created)
		out = append(out, d)
	}
	return out, translate(rows.Err())
}

// ListAttributeDefs returns every custom attribute definition, by id.
func (s *Store) ListAttributeDefs(ctx context.Context) ([]model.AttributeDef, error) {
	return scanAttributeDefs(s.Reader.QueryContext(ctx, `SELECT `+attributeDefColumns+` FROM contact_attribute_defs ORDER BY id`))
}

// AttributeDefs returns every definition inside the transaction, by key.
func (t *Tx) AttributeDefs(ctx context.Context) (map[string]model.AttributeDef, error) {
	list, err := scanAttributeDefs(t.tx.QueryContext(ctx, `SELECT `+attributeDefColumns+` FROM contact_attribute_defs ORDER BY id`))
	if err != nil {
		return nil, err
	}
	out := make(map[string]model.AttributeDef, len(list))
	for _, d := range list {
		out[d.Key] = d
	}
	return out, nil
}

// AttributeDefByID reads one definition.
func (t *Tx) AttributeDefByID(ctx context.Context, id int64) (model.AttributeDef, error) {
	list, err := scanAttributeDefs(t.tx.QueryContext(ctx, `SELECT `+attributeDefColumns+` FROM contact_attribute_defs WHERE id = $1`, id))
	if err != nil {
		return model.AttributeDef{}, err
	}
	if len(list) == 0 {
		return model.AttributeDef{}, ErrNotFound
	}
	return list[0], nil
}

// CreateAttributeDef adds a definition; ErrConflict if the key is taken.
func (t *Tx) CreateAttributeDef(ctx context.Context, d model.AttributeDef) (int64, error) {
	choices, err := json.Marshal(d.Choices)
	if err != nil {
		return 0, err
	}
	var id int64
	err = t.tx.QueryRowContext(ctx, `INSERT INTO contact_attribute_defs (key, label, type, choices, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		d.Key, d.Label, d.Type, string(choices), Millis(d.CreatedAt)).Scan(&id)
	return id, translate(err)
}

// SaveAttributeDef writes a definition's label and choices.
func (t *Tx) SaveAttributeDef(ctx context.Context, d model.AttributeDef) error {
	choices, err := json.Marshal(d.Choices)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(ctx, `UPDATE contact_attribute_defs SET label = $2, choices = $3 WHERE id = $1`, d.ID, d.Label, string(choices))
	return translate(err)
}

// DeleteAttributeDef removes a definition.
func (t *Tx) DeleteAttributeDef(ctx context.Context, id int64) error {
	_, err := t.tx.ExecContext(ctx, `DELETE FROM contact_attribute_defs WHERE id = $1`, id)
	return translate(err)
}

// ContactRowIDs lists the ids of a contact's rows in one of the tables a
// merge moves: contact_identities, conversations or contact_notes.
func (t *Tx) ContactRowIDs(ctx context.Context, table string, contactID int64) ([]int64, error) {
	if !movable[table] {
		return nil, fmt.Errorf("store: %s is not a table merges move", table)
	}
	return scanIDs(t.tx.QueryContext(ctx, `SELECT id FROM `+table+` WHERE contact_id = $1 ORDER BY id`, contactID))
}

// movable names the tables whose rows a contact merge moves; the names are
// put into SQL, so only these are accepted.
var movable = map[string]bool{"contact_identities": true, "conversations": true, "contact_notes": true}

// MoveContactRows gives the rows ids of table to contact to, where they
// still belong to from. It returns the ids it moved.
func (t *Tx) MoveContactRows(ctx context.Context, table string, ids []int64, from, to int64) ([]int64, error) {
	if !movable[table] {
		return nil, fmt.Errorf("store: %s is not a table merges move", table)
	}
	moved := []int64{}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := []any{to, from}
		ph := make([]string, len(chunk))
		for i, id := range chunk {
			args = append(args, id)
			ph[i] = fmt.Sprintf("$%d", i+3)
		}
		got, err := scanIDs(t.tx.QueryContext(ctx, `UPDATE `+table+` SET contact_id = $1 WHERE contact_id = $2 AND id IN (`+strings.Join(ph, ",")+`) RETURNING id`, args...))
		if err != nil {
			return nil, err
		}
		moved = append(moved, got...)
	}
	if table == "contact_identities" && len(moved) > 0 {
		for _, id := range []int64{from, to} {
			if err := t.refreshContactSearch(ctx, id); err != nil {
				return nil, err
			}
		}
	}
	return moved, nil
}

// SetContactMergedInto marks a contact merged into another, or not (nil).
// It leaves the rest of the row, updated_at included, exactly as it was, so
// an unmerge gives the contact back unchanged.
func (t *Tx) SetContactMergedInto(ctx context.Context, id int64, into *int64) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE contacts SET merged_into_id = $2 WHERE id = $1`, id, nullInt(into))
	return translate(err)
}

// CreateContactMerge records a merge and what it moved.
func (t *Tx) CreateContactMerge(ctx context.Context, m model.ContactMerge) (int64, error) {
	moved, err := json.Marshal(m.Moved)
	if err != nil {
		return 0, err
	}
	var id int64
	err = t.tx.QueryRowContext(ctx, `INSERT INTO contact_merges (keep_id, other_id, actor_id, moved, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		m.KeepID, m.OtherID, nullInt(m.ActorID), string(moved), Millis(m.CreatedAt)).Scan(&id)
	return id, translate(err)
}

const mergeColumns = `m.id, m.keep_id, m.other_id, c.name, m.actor_id, m.moved, m.created_at, m.undone_at`

func scanContactMerges(rows *sql.Rows, err error) ([]model.ContactMerge, error) {
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []model.ContactMerge{}
	for rows.Next() {
		var m model.ContactMerge
		var actor, undone sql.NullInt64
		var moved string
		var created int64
		if err := rows.Scan(&m.ID, &m.KeepID, &m.OtherID, &m.OtherName, &actor, &moved, &created, &undone); err != nil {
			return nil, translate(err)
		}
		if actor.Valid {
			m.ActorID = &actor.Int64
		}
		if undone.Valid {
			u := FromMillis(undone.Int64)
			m.UndoneAt = &u
		}
		m.CreatedAt = FromMillis(created)
		if err := json.Unmarshal([]byte(moved), &m.Moved); err != nil {
			return nil, fmt.Errorf("contact merge %d: %w", m.ID, err)
		}
		out = append(out, m)
	}
	return out, translate(rows.Err())
}

// ActiveContactMerge returns the merge, not undone nor made final, that
// merged other away.
func (t *Tx) ActiveContactMerge(ctx context.Context, otherID int64) (model.ContactMerge, error) {
	list, err := scanContactMerges(t.tx.QueryContext(ctx, `SELECT `+mergeColumns+` FROM contact_merges m JOIN contacts c ON c.id = m.other_id
 WHERE m.other_id = $1 AND m.undone_at IS NULL AND m.final_at IS NULL ORDER BY m.id DESC LIMIT 1`, otherID))
	if err != nil {
		return model.ContactMerge{}, err
	}
	if len(list) == 0 {
		return model.ContactMerge{}, ErrNotFound
	}
	return list[0], nil
}

// MergesInto lists the merges, not undone nor made final, that merged
// contacts into keep, newest first.
func (s *Store) MergesInto(ctx context.Context, keepID int64) ([]model.ContactMerge, error) {
	return scanContactMerges(s.Reader.QueryContext(ctx, `SELECT `+mergeColumns+` FROM contact_merges m JOIN contacts c ON c.id = m.other_id
 WHERE m.keep_id = $1 AND m.undone_at IS NULL AND m.final_at IS NULL ORDER BY m.id DESC`, keepID))
}

// MarkContactMergeUndone closes a merge record after an unmerge.
func (t *Tx) MarkContactMergeUndone(ctx context.Context, id int64, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE contact_merges SET undone_at = $2 WHERE id = $1`, id, Millis(now))
	return translate(err)
}

// Duplicate is a contact that shares a reduced email or phone with another.
type Duplicate struct {
	Contact model.Contact `json:"contact"`
	// Matches are the identities of the duplicate that matched.
	Matches []model.Identity `json:"matches"`
}

// DuplicateContacts finds contacts (not merged away) with an email or
// phone whose MatchKey equals one of contactID's. It looks each of the
// contact's keys up on its own, so every lookup is one index probe.
func (s *Store) DuplicateContacts(ctx context.Context, contactID int64, limit int) ([]Duplicate, error) {
	rows, err := s.Reader.QueryContext(ctx, `SELECT kind, match_key FROM contact_identities
 WHERE contact_id = $1 AND kind IN ('email', 'phone') AND match_key <> '' ORDER BY id`, contactID)
	if err != nil {
		return nil, translate(err)
	}
	var keys [][2]string
	for rows.Next() {
		var k [2]string
		if err := rows.Scan(&k[0], &k[1]); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	matches := map[int64][]model.Identity{}
	for _, k := range keys {
		rows, err := s.Reader.QueryContext(ctx, `SELECT i.contact_id, i.id, i.kind, i.value FROM contact_identities i JOIN contacts c ON c.id = i.contact_id
 WHERE i.kind = $1 AND i.match_key = $2 AND i.contact_id <> $3 AND c.merged_into_id IS NULL ORDER BY i.contact_id LIMIT $4`, k[0], k[1], contactID, limit)
		if err != nil {
			return nil, translate(err)
		}
		for rows.Next() {
			var cid int64
			var ident model.Identity
			if err := rows.Scan(&cid, &ident.ID, &ident.Kind, &ident.Value); err != nil {
				rows.Close()
				return nil, translate(err)
			}
			matches[cid] = append(matches[cid], ident)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
	}
	ids := make([]int64, 0, len(matches))
	for id := range matches {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := []Duplicate{}
	for _, id := range ids[:min(len(ids), limit)] {
		c, err := s.ContactByID(ctx, id)
		if err != nil {
			return nil, err
		}
		m := matches[id]
		slices.SortFunc(m, func(a, b model.Identity) int { return cmp.Compare(a.ID, b.ID) })
		out = append(out, Duplicate{Contact: c, Matches: m})
	}
	return out, nil
}

// TimelineCursor is the position after which a timeline page starts:
// entries are ordered by time (newest first), then kind, then ref.
type TimelineCursor struct {
	At   int64  `json:"at"`
	Kind string `json:"kind"`
	Ref  int64  `json:"ref"`
}

// timelineAfter is the WHERE condition, for a source of kind, that keeps
// the entries after c in timeline order; at and ref name its columns and
// n is the number of the first of the two placeholders it adds ($n, $n+1).
func timelineAfter(c *TimelineCursor, kind, at, ref string, n int) (string, []any) {
	if c == nil {
		return "1 = 1", nil
	}
	switch {
	case kind > c.Kind:
		return fmt.Sprintf("%s <= $%d", at, n), []any{c.At}
	case kind < c.Kind:
		return fmt.Sprintf("%s < $%d", at, n), []any{c.At}
	}
	return fmt.Sprintf("(%s < $%d OR (%s = $%d AND %s < $%d))", at, n, at, n, ref, n+1), []any{c.At, c.Ref}
}

// ConversationTimeline returns a contact's conversations as timeline
// entries, newest first, after the cursor; visibleTo (a user id, or 0 for
// everyone) keeps only conversations of inboxes that user belongs to.
// Merged-away conversations are left out: they live on in their target.
func (s *Store) ConversationTimeline(ctx context.Context, contactID, visibleTo int64, after *TimelineCursor, limit int) ([]model.TimelineEntry, error) {
	cond, args := timelineAfter(after, "conversation", "c.created_at", "c.id", 2)
	args = append([]any{contactID}, args...)
	scope := ""
	if visibleTo != 0 {
		args = append(args, visibleTo)
		scope = fmt.Sprintf(" AND c.inbox_id IN (SELECT inbox_id FROM inbox_members WHERE user_id = $%d)", len(args))
	}
	args = append(args, limit)
	rows, err := s.Reader.QueryContext(ctx, `SELECT c.id, c.created_at, i.channel, c.inbox_id, c.status, c.subject, c.preview, c.message_count, c.last_activity_at
 FROM conversations c JOIN inboxes i ON i.id = c.inbox_id
 WHERE c.contact_id = $1 AND c.merged_into_id IS NULL AND `+cond+scope+fmt.Sprintf(` ORDER BY c.created_at DESC, c.id DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []model.TimelineEntry{}
	for rows.Next() {
		var e model.TimelineEntry
		var created, last int64
		var subject, preview string
		var count int
		if err := rows.Scan(&e.Ref, &created, &e.Channel, &e.InboxID, &e.Status, &subject, &preview, &count, &last); err != nil {
			return nil, translate(err)
		}
		e.Kind, e.At, e.ConversationID = "conversation", FromMillis(created), e.Ref
		e.Summary = subject
		if e.Summary == "" {
			e.Summary = preview
		}
		e.Detail, _ = json.Marshal(map[string]any{"preview": preview, "message_count": count, "last_activity_at": FromMillis(last)})
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

// NoteTimeline returns a contact's notes as timeline entries, newest first.
func (s *Store) NoteTimeline(ctx context.Context, contactID int64, after *TimelineCursor, limit int) ([]model.TimelineEntry, error) {
	cond, args := timelineAfter(after, "note", "n.created_at", "n.id", 2)
	args = append([]any{contactID}, args...)
	args = append(args, limit)
	notes, err := scanNotes(s.Reader.QueryContext(ctx, `SELECT `+noteColumns+` FROM contact_notes n LEFT JOIN users u ON u.id = n.author_id
 WHERE n.contact_id = $1 AND `+cond+fmt.Sprintf(` ORDER BY n.created_at DESC, n.id DESC LIMIT $%d`, len(args)), args...))
	if err != nil {
		return nil, err
	}
	out := make([]model.TimelineEntry, len(notes))
	for i, n := range notes {
		out[i] = model.TimelineEntry{Kind: "note", Ref: n.ID, At: n.CreatedAt, Summary: n.Body}
		out[i].Detail, _ = json.Marshal(map[string]any{"author_id": n.AuthorID, "author_name": n.AuthorName})
	}
	return out, nil
}
