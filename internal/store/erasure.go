package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/parley-hq/parley/internal/model"
)

// ErasedText replaces what an erased contact wrote.
const ErasedText = "[erased]"

// Erasure is what EraseContactData did: the counts for the record, the
// conversations that get a contact.erased event, and the blob keys whose
// rows are gone (the files are deleted after commit).
type Erasure struct {
	Counts        model.ErasureCounts
	Conversations []int64
	BlobKeys      []string
}

// forChunks runs fn over ids in chunks small enough for every driver's
// placeholder limit; ph is "$n,$n+1,…" numbered after the first `first`
// arguments, which the caller puts before the chunk's.
func forChunks(ids []int64, first int, fn func(ph string, chunk []any) error) error {
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		marks := make([]string, len(part))
		args := make([]any, len(part))
		for i, id := range part {
			marks[i] = fmt.Sprintf("$%d", first+i+1)
			args[i] = id
		}
		if err := fn(strings.Join(marks, ","), args); err != nil {
			return err
		}
	}
	return nil
}

// execChunks runs an UPDATE or DELETE whose condition is "IN (%s)" over
// ids, after the fixed arguments, and returns how many rows it touched.
func (t *Tx) execChunks(ctx context.Context, query string, ids []int64, fixed ...any) (int, error) {
	n := 0
	err := forChunks(ids, len(fixed), func(ph string, chunk []any) error {
		res, err := t.tx.ExecContext(ctx, fmt.Sprintf(query, ph), append(append([]any{}, fixed...), chunk...)...)
		if err != nil {
			return translate(err)
		}
		k, _ := res.RowsAffected()
		n += int(k)
		return nil
	})
	return n, err
}

// queryStrings collects the first column of a query over ids in chunks.
func (t *Tx) queryStrings(ctx context.Context, query string, ids []int64) ([]string, error) {
	var out []string
	err := forChunks(ids, 0, func(ph string, chunk []any) error {
		rows, err := t.tx.QueryContext(ctx, fmt.Sprintf(query, ph), chunk...)
		if err != nil {
			return translate(err)
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				return translate(err)
			}
			if s != "" {
				out = append(out, s)
			}
		}
		return translate(rows.Err())
	})
	return out, err
}

const mergedAwayIntoSQL = `SELECT id FROM contacts WHERE merged_into_id = $1 ORDER BY id`

// MergedAwayInto lists the contacts merged into id, directly.
func (t *Tx) MergedAwayInto(ctx context.Context, id int64) ([]int64, error) {
	return scanIDs(t.tx.QueryContext(ctx, mergedAwayIntoSQL, id))
}

// MergedAwayInto lists the contacts merged into id, directly.
func (s *Store) MergedAwayInto(ctx context.Context, id int64) ([]int64, error) {
	return scanIDs(s.Reader.QueryContext(ctx, mergedAwayIntoSQL, id))
}

// EraseContactData removes or rewrites everything that identifies the
// contacts of group (the erased contact and those merged into it) or that
// they wrote: profile, identities, notes, chat sessions; the text, mail
// parts and files of their incoming messages; subjects and previews of
// their conversations; call numbers, recordings and transcripts; CSAT
// comments; notification texts and queued deliveries about them. Agents'
// replies and notes stay. The contact rows stay, renamed, so that
// conversations and reports keep pointing at them. display is the name
// each contact takes, by id.
func (t *Tx) EraseContactData(ctx context.Context, group []int64, display func(id int64) string, now time.Time) (Erasure, error) {
	var e Erasure
	for _, cid := range group {
		convs, err := scanIDs(t.tx.QueryContext(ctx, `SELECT id FROM conversations WHERE contact_id = $1 ORDER BY id`, cid))
		if err != nil {
			return e, err
		}
		e.Conversations = append(e.Conversations, convs...)
		// What they wrote: incoming messages of their conversations, and
		// those a conversation merge moved into someone else's.
		var msgs []int64
		err = forChunks(convs, 0, func(ph string, chunk []any) error {
			ids, err := scanIDs(t.tx.QueryContext(ctx, `SELECT id FROM messages WHERE direction = 'incoming' AND conversation_id IN (`+ph+`)
 UNION SELECT m.id FROM conversation_merge_messages mm JOIN conversation_merges cm ON cm.id = mm.merge_id JOIN messages m ON m.id = mm.message_id
 WHERE m.direction = 'incoming' AND cm.source_id IN (`+ph+`)`, chunk...))
			msgs = append(msgs, ids...)
			return err
		})
		if err != nil {
			return e, err
		}
		keys, err := t.queryStrings(ctx, `SELECT blob_key FROM email_attachments WHERE message_id IN (%s)`, msgs)
		if err != nil {
			return e, err
		}
		raw, err := t.queryStrings(ctx, `SELECT raw_blob FROM email_messages WHERE message_id IN (%s)`, msgs)
		if err != nil {
			return e, err
		}
		e.BlobKeys = append(append(e.BlobKeys, keys...), raw...)
		n, err := t.execChunks(ctx, `DELETE FROM email_attachments WHERE message_id IN (%s)`, msgs)
		if err != nil {
			return e, err
		}
		e.Counts.Attachments += n
		if _, err := t.execChunks(ctx, `UPDATE email_messages SET from_addr = '', to_addrs = '', subject = '', html = '', quoted = '', raw_blob = ''
 WHERE message_id IN (%s)`, msgs); err != nil {
			return e, err
		}
		// The message body change reindexes search (SQLite triggers,
		// PostgreSQL's generated tsvector).
		if n, err = t.execChunks(ctx, `UPDATE messages SET body = $1 WHERE id IN (%s)`, msgs, ErasedText); err != nil {
			return e, err
		}
		e.Counts.Messages += n
		// Their address is on the replies sent to them too.
		if _, err := t.execChunks(ctx, `UPDATE email_messages SET to_addrs = '' WHERE message_id IN (SELECT id FROM messages WHERE conversation_id IN (%s))`, convs); err != nil {
			return e, err
		}
		if _, err := t.execChunks(ctx, `UPDATE conversations SET subject = $1, preview = $1 WHERE id IN (%s)`, convs, ErasedText); err != nil {
			return e, err
		}
		// Events and merge snapshots copied the subject (and a contact's
		// name or address) when they were written.
		if err := t.scrubJSON(ctx, `SELECT id, before, after FROM conversation_events WHERE conversation_id IN (%s)
 AND (before LIKE '%%"subject"%%' OR after LIKE '%%"subject"%%' OR before LIKE '%%"email"%%' OR after LIKE '%%"email"%%')`,
			`UPDATE conversation_events SET before = $2, after = $3 WHERE id = $1`, convs); err != nil {
			return e, err
		}
		if err := t.scrubJSON(ctx, `SELECT id, source_snapshot, '' FROM conversation_merges WHERE source_id IN (%s)`,
			`UPDATE conversation_merges SET source_snapshot = $2 WHERE id = $1`, convs); err != nil {
			return e, err
		}
		if n, err = t.execChunks(ctx, `UPDATE calls SET caller = '', callee = '', recording_url = '', transcript = '' WHERE conversation_id IN (%s)`, convs); err != nil {
			return e, err
		}
		e.Counts.Calls += n
		if n, err = t.execChunks(ctx, `UPDATE csat_responses SET comment = '' WHERE comment <> '' AND conversation_id IN (%s)`, convs); err != nil {
			return e, err
		}
		e.Counts.CSATComments += n
		if _, err := t.execChunks(ctx, `UPDATE notifications SET title = $1, body = '' WHERE conversation_id IN (%s)`, convs, "Erased contact"); err != nil {
			return e, err
		}
		// A reply still waiting to go out has nowhere to go any more.
		if _, err := t.execChunks(ctx, `UPDATE channel_deliveries SET target = '', payload = '{}',
 last_error = CASE WHEN status = 'pending' THEN 'contact erased' ELSE last_error END,
 status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END, updated_at = $1 WHERE conversation_id IN (%s)`, convs, Millis(now)); err != nil {
			return e, err
		}
		// Answers kept for Idempotency-Key replays may show the contact;
		// those naming them go (a retry with such a key runs again).
		values, err := scanStrings(t.tx.QueryContext(ctx, `SELECT value FROM contact_identities WHERE contact_id = $1
 UNION SELECT name FROM contacts WHERE id = $1`, cid))
		if err != nil {
			return e, err
		}
		for _, v := range values {
			if len(v) < 4 {
				continue // too short to name anyone; would match unrelated answers
			}
			if _, err := t.tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE LOWER(body) LIKE $1 ESCAPE '\'`, likePattern(v)); err != nil {
				return e, translate(err)
			}
		}
		if _, err := t.tx.ExecContext(ctx, `DELETE FROM chat_visitors WHERE identity IN (SELECT value FROM contact_identities WHERE contact_id = $1 AND kind = 'external')`, cid); err != nil {
			return e, translate(err)
		}
		res, err := t.tx.ExecContext(ctx, `DELETE FROM contact_identities WHERE contact_id = $1`, cid)
		if err != nil {
			return e, translate(err)
		}
		k, _ := res.RowsAffected()
		e.Counts.Identities += int(k)
		if res, err = t.tx.ExecContext(ctx, `DELETE FROM contact_notes WHERE contact_id = $1`, cid); err != nil {
			return e, translate(err)
		}
		k, _ = res.RowsAffected()
		e.Counts.Notes += int(k)
		// A merge's record of what it moved names identities, notes and
		// field values: it goes, and the merge can no longer be undone.
		if _, err := t.tx.ExecContext(ctx, `UPDATE contact_merges SET moved = '{}', final_at = $2
 WHERE (keep_id = $1 OR other_id = $1) AND undone_at IS NULL AND final_at IS NULL`, cid, Millis(now)); err != nil {
			return e, translate(err)
		}
		if _, err := t.tx.ExecContext(ctx, `UPDATE contacts SET name = $2, company = '', attributes = '{}', lifecycle_stage = '', language = '',
 time_zone = '', preferred_channel = '', do_not_contact = $3, erased_at = $4, updated_at = $4 WHERE id = $1`,
			cid, display(cid), true, Millis(now)); err != nil {
			return e, translate(err)
		}
		if err := t.refreshContactSearch(ctx, cid); err != nil {
			return e, err
		}
	}
	e.Counts.Conversations = len(e.Conversations)
	e.Counts.MergedContacts = len(group) - 1
	return e, nil
}

// CreateContactErasure records an erasure; ErrConflict if the contact
// was erased already.
func (t *Tx) CreateContactErasure(ctx context.Context, r model.ContactErasure) (int64, error) {
	counts, err := json.Marshal(r.Counts)
	if err != nil {
		return 0, err
	}
	var id int64
	err = t.tx.QueryRowContext(ctx, `INSERT INTO contact_erasures (contact_id, actor_id, reason, counts, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		r.ContactID, nullInt(r.ActorID), r.Reason, string(counts), Millis(r.CreatedAt)).Scan(&id)
	return id, translate(err)
}

// ContactErasureOf reads the erasure of a contact.
func (s *Store) ContactErasureOf(ctx context.Context, contactID int64) (model.ContactErasure, error) {
	var r model.ContactErasure
	var actor sql.NullInt64
	var counts string
	var created int64
	err := s.Reader.QueryRowContext(ctx, `SELECT e.id, e.contact_id, e.actor_id, COALESCE(u.name, ''), e.reason, e.counts, e.created_at
 FROM contact_erasures e LEFT JOIN users u ON u.id = e.actor_id WHERE e.contact_id = $1`, contactID).Scan(
		&r.ID, &r.ContactID, &actor, &r.ActorName, &r.Reason, &counts, &created)
	if err != nil {
		return r, translate(err)
	}
	r.ActorID, r.CreatedAt = int64Ptr(actor), FromMillis(created)
	if err := json.Unmarshal([]byte(counts), &r.Counts); err != nil {
		return r, fmt.Errorf("contact erasure %d: %w", r.ID, err)
	}
	return r, nil
}

// BlobInUse reports whether any row still refers to a blob: blobs are
// shared by content, so a file the erased contact sent may also be
// someone else's.
func (s *Store) BlobInUse(ctx context.Context, key string) (bool, error) {
	var n int
	err := s.Reader.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM email_attachments WHERE blob_key = $1) + (SELECT COUNT(*) FROM email_messages WHERE raw_blob = $1)`, key).Scan(&n)
	return n > 0, translate(err)
}

// ContactConversationIDs lists every conversation of a contact, merged-away
// ones included, oldest first.
func (s *Store) ContactConversationIDs(ctx context.Context, contactID int64) ([]int64, error) {
	return scanIDs(s.Reader.QueryContext(ctx, `SELECT id FROM conversations WHERE contact_id = $1 ORDER BY id`, contactID))
}

// AllContactNotes returns all of a contact's notes, oldest first.
func (s *Store) AllContactNotes(ctx context.Context, contactID int64) ([]model.ContactNote, error) {
	return scanNotes(s.Reader.QueryContext(ctx, `SELECT `+noteColumns+` FROM contact_notes n LEFT JOIN users u ON u.id = n.author_id
 WHERE n.contact_id = $1 ORDER BY n.id`, contactID))
}

// erasedKeys are the JSON keys whose text values an erasure replaces
// wherever they were copied: a conversation's subject and preview, a
// contact's name, address and number.
var erasedKeys = map[string]bool{"subject": true, "preview": true, "name": true, "email": true, "phone": true, "from": true, "to": true}

func scrubValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if _, isText := val.(string); isText && erasedKeys[k] && val != "" {
				x[k] = ErasedText
			} else {
				x[k] = scrubValue(val)
			}
		}
	case []any:
		for i := range x {
			x[i] = scrubValue(x[i])
		}
	}
	return v
}

// scrubJSON rewrites JSON text columns (one or two, read by sel as id,
// a, b over the chunked ids) with erasedKeys replaced, through upd ($1
// id, $2 a, $3 b; one column: $2 only).
func (t *Tx) scrubJSON(ctx context.Context, sel, upd string, ids []int64) error {
	type row struct {
		id   int64
		a, b sql.NullString
	}
	var rows []row
	err := forChunks(ids, 0, func(ph string, chunk []any) error {
		rs, err := t.tx.QueryContext(ctx, fmt.Sprintf(sel, ph), chunk...)
		if err != nil {
			return translate(err)
		}
		defer rs.Close()
		for rs.Next() {
			var r row
			if err := rs.Scan(&r.id, &r.a, &r.b); err != nil {
				return translate(err)
			}
			rows = append(rows, r)
		}
		return translate(rs.Err())
	})
	if err != nil {
		return err
	}
	scrub := func(s sql.NullString) any {
		if !s.Valid {
			return nil
		}
		var v any
		if json.Unmarshal([]byte(s.String), &v) != nil {
			return s.String
		}
		b, _ := json.Marshal(scrubValue(v))
		return string(b)
	}
	two := strings.Contains(upd, "$3")
	for _, r := range rows {
		args := []any{r.id, scrub(r.a)}
		if two {
			args = append(args, scrub(r.b))
		}
		if _, err := t.tx.ExecContext(ctx, upd, args...); err != nil {
			return translate(err)
		}
	}
	return nil
}

func scanStrings(rows *sql.Rows, err error) ([]string, error) {
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, translate(err)
		}
		out = append(out, v)
	}
	return out, translate(rows.Err())
}
