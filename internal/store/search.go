package store

import (
	"context"
	"fmt"
	"html"
	"strings"

	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/search"
)

// Markers that snippets put around matched words; chosen because no
// message text contains them, so escaping the rest is safe.
const (
	markOpen  = "\x02"
	markClose = "\x03"
)

// searchCTE returns the WITH clause that ranks conversations for a query.
// "best" has one row per matching conversation: cid, rank_key (higher is
// better, an integer so keyset cursors compare exactly) and mid, the best
// scoring matching message if a message matched. Subject hits weigh
// double. Excluded words leave out whole conversations.
func (s *Store) searchCTE(q search.Query, arg func(any) string) string {
	excluded, hasExcluded := q.Excluded()
	if s.Dialect == Postgres {
		hits := func(name, tq string) string {
			return name + ` AS (
  SELECT m.conversation_id AS cid, ts_rank(m.search, ` + tq + `) AS score, m.id AS mid FROM messages m WHERE m.search @@ ` + tq + `
  UNION ALL SELECT c.id, 2 * ts_rank(c.search, ` + tq + `), NULL FROM conversations c WHERE c.search @@ ` + tq + `
  UNION ALL SELECT c.id, ts_rank(ct.search, ` + tq + `), NULL FROM contacts ct JOIN conversations c ON c.contact_id = ct.id WHERE ct.search @@ ` + tq + `
 )`
		}
		with := `WITH ` + hits("hits", "to_tsquery('simple', "+arg(q.Positive().TSQuery())+")")
		exclude := ""
		if hasExcluded {
			with += `, ` + hits("excl", "to_tsquery('simple', "+arg(excluded.TSQuery())+")")
			exclude = ` WHERE cid NOT IN (SELECT cid FROM excl)`
		}
		return with + `,
 msg AS (SELECT DISTINCT ON (cid) cid, mid FROM hits WHERE mid IS NOT NULL ORDER BY cid, score DESC, mid DESC),
 best AS (SELECT h.cid, CAST(MAX(h.score) * 1000000 AS BIGINT) AS rank_key, MAX(msg.mid) AS mid
  FROM hits h LEFT JOIN msg ON msg.cid = h.cid` + strings.Replace(exclude, "cid", "h.cid", 1) + ` GROUP BY h.cid) `
	}
	hits := func(name, p string) string {
		return name + ` AS (
  SELECT m.conversation_id AS cid, -bm25(messages_fts) AS score, m.id AS mid FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid WHERE messages_fts MATCH ` + p + `
  UNION ALL SELECT conversations_fts.rowid, -2 * bm25(conversations_fts), NULL FROM conversations_fts WHERE conversations_fts MATCH ` + p + `
  UNION ALL SELECT c.id, -bm25(contacts_fts), NULL FROM contacts_fts JOIN conversations c ON c.contact_id = contacts_fts.rowid WHERE contacts_fts MATCH ` + p + `
 )`
	}
	with := `WITH ` + hits("hits", arg(q.Positive().FTS5()))
	exclude := ""
	if hasExcluded {
		with += `, ` + hits("excl", arg(excluded.FTS5()))
		exclude = ` WHERE h.cid NOT IN (SELECT cid FROM excl)`
	}
	// SQLite takes a bare column of a MAX() aggregate from the row that
	// has the maximum, so msg.mid is the best scoring message.
	return with + `,
 msg AS (SELECT cid, mid, MAX(score) AS score FROM hits WHERE mid IS NOT NULL GROUP BY cid),
 best AS (SELECT h.cid, CAST(MAX(h.score) * 1000000 AS INTEGER) AS rank_key, MAX(msg.mid) AS mid
  FROM hits h LEFT JOIN msg ON msg.cid = h.cid` + exclude + ` GROUP BY h.cid) `
}

// attachSnippets gives each matched conversation a highlighted excerpt of
// its best matching message (or of its preview when the subject or the
// contact matched).
func (s *Store) attachSnippets(ctx context.Context, q search.Query, cs []model.Conversation) error {
	var ids []int64
	for _, c := range cs {
		if c.Match != nil && c.Match.MessageID != nil {
			ids = append(ids, *c.Match.MessageID)
		}
	}
	snippets := map[int64]string{}
	if len(ids) > 0 {
		args := []any{}
		ph := make([]string, len(ids))
		for i, id := range ids {
			args = append(args, id)
			ph[i] = fmt.Sprintf("$%d", i+2)
		}
		var query string
		if s.Dialect == Postgres {
			query = `SELECT id, ts_headline('simple', body, to_tsquery('simple', $1), 'StartSel=` + markOpen + `, StopSel=` + markClose +
				`, MaxWords=24, MinWords=10, MaxFragments=2, FragmentDelimiter=" … "') FROM messages WHERE id IN (` + strings.Join(ph, ",") + `)`
			args = append([]any{q.TSQuery()}, args...)
		} else {
			query = `SELECT rowid, snippet(messages_fts, 0, '` + markOpen + `', '` + markClose + `', '…', 16) FROM messages_fts
 WHERE messages_fts MATCH $1 AND rowid IN (` + strings.Join(ph, ",") + `)`
			args = append([]any{q.FTS5()}, args...)
		}
		rows, err := s.Reader.QueryContext(ctx, query, args...)
		if err != nil {
			return translate(err)
		}
		for rows.Next() {
			var id int64
			var snip string
			if err := rows.Scan(&id, &snip); err != nil {
				rows.Close()
				return translate(err)
			}
			snippets[id] = snip
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return translate(err)
		}
	}
	for i := range cs {
		m := cs[i].Match
		if m == nil {
			continue
		}
		text := cs[i].Preview
		if m.MessageID != nil {
			if snip, ok := snippets[*m.MessageID]; ok {
				text = snip
			}
		}
		m.Snippet = highlight(text)
	}
	return nil
}

// highlight escapes text for HTML and turns the markers into <mark>.
func highlight(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	return strings.NewReplacer(markOpen, "<mark>", markClose, "</mark>").Replace(html.EscapeString(text))
}
