package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/search"
)

// Markers that snippets put around matched words; chosen because no
// message text contains them, so escaping the rest is safe.
const (
	markOpen  = "\x02"
	markClose = "\x03"
)

// How a keyword search runs. Scoring every match before the filters and
// the LIMIT cost seconds for a common word at a million conversations (13 s
// for "order" in 1.7 million messages), so a search first counts its
// matches, cheaply and only up to a bound, and then either
//   - collects every matching conversation and filters and sorts those
//     (few matches: searchCandidates), or
//   - walks the conversations in the list's order, through the same
//     indexes as a list without search, reading each one's messages and
//     testing them in Go (many matches: searchWalk; with that many, a page
//     fills after a few hundred conversations). Probing the full-text
//     index per conversation instead took 30-50 µs a message on SQLite.
//
// Both are exact: every conversation in all history that matches is found,
// in the list's order. Excluded words are tested in Go in every mode.
// Ranking by relevance is the one bounded case: it scores the newest
// RelevanceWindow matches of each kind (docs/triage.md).
type searchMode int

const (
	searchCandidates searchMode = iota
	searchWalk
	searchRanked
)

// SearchTuning bounds the work of a keyword search.
type SearchTuning struct {
	// CandidateLimit is how many matching rows a search collects at most;
	// above it, walking the list is cheaper.
	CandidateLimit int
	// RelevanceWindow is how many of the newest matches of each kind
	// (messages, subjects, contacts) the relevance sort scores.
	RelevanceWindow int
	// LookupLimit is up to how many collected matches SQLite looks up
	// each matching conversation; with more it walks the list in its
	// order and tests each conversation against the matches.
	LookupLimit int
}

// DefaultSearchTuning was measured on the 1,000,000-conversation bench
// dataset (docs/benchmarks.md).
var DefaultSearchTuning = SearchTuning{CandidateLimit: 75000, RelevanceWindow: 10000, LookupLimit: 2000}

// PostgresSearchTuning collects fewer matches: PostgreSQL reads each
// matching message from the table (GIN has no index-only scans), so 50,000
// matches cost seconds where SQLite's conversation-keyed index costs tens
// of milliseconds (docs/benchmarks.md).
var PostgresSearchTuning = SearchTuning{CandidateLimit: 20000, RelevanceWindow: 10000, LookupLimit: 2000}

// planSearch picks how f's search runs.
func (s *Store) planSearch(ctx context.Context, f *ConversationFilter) error {
	if f.Search == nil {
		return nil
	}
	if f.Sort == "relevance" {
		f.searchMode = searchRanked
		return nil
	}
	pos := f.Search.Positive()
	if s.Dialect == Postgres {
		// PostgreSQL must read each matching row from the table to count
		// it (GIN has no index-only scans), so its planner's estimates,
		// from the tsvector statistics, decide instead. Messages are
		// bounded from each word's estimate, as on SQLite: the planner
		// multiplies the words' frequencies, which for words said together
		// ("cancel subscription": 3,000 estimated, 80,000 found) sent
		// searches to collect far more than CandidateLimit.
		estimate, err := s.boundMatches(pos, func(w search.Term) (int, error) { return s.pgWordEstimate(ctx, w) })
		if err != nil {
			return err
		}
		tq := "to_tsquery('simple', $1)"
		var plan string
		if err := s.Reader.QueryRowContext(ctx, `EXPLAIN (FORMAT JSON) SELECT 1 FROM conversations WHERE search @@ `+tq+`
 UNION ALL SELECT 1 FROM contacts ct JOIN conversations c ON c.contact_id = ct.id WHERE ct.search @@ `+tq, pos.TSQuery()).Scan(&plan); err != nil {
			return translate(err)
		}
		rows, err := planRows(plan)
		if err != nil {
			return err
		}
		f.searchMode = searchCandidates
		if float64(estimate)+rows > float64(s.Search.CandidateLimit) {
			f.searchMode = searchWalk
		}
		return nil
	}
	// Messages and subjects are bounded from their words' counts;
	// contacts are few, so their conversations are counted.
	estimate, err := s.estimateMatches(ctx, pos)
	if err != nil {
		return err
	}
	total := estimate
	if total <= s.Search.CandidateLimit {
		var n int
		if err := s.Reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM contacts_fts JOIN conversations c ON c.contact_id = contacts_fts.rowid
 WHERE contacts_fts MATCH $1 LIMIT $2) x`, pos.FTS5(), s.Search.CandidateLimit+1-total).Scan(&n); err != nil {
			return translate(err)
		}
		total += n
	}
	f.searchCount = total
	f.searchMode = searchCandidates
	if total > s.Search.CandidateLimit {
		f.searchMode = searchWalk
	}
	return nil
}

// estimateMatches bounds from above how many messages and subjects match
// q, from how many rows of each index hold each word: a term matches at
// most the rows of its rarest word, a clause at most the sum of its terms,
// and the query at most its rarest clause. Word counts stop at the
// candidate limit and are kept for a while (wordCounts), so a search for a
// word seen recently reads no matches to plan.
func (s *Store) estimateMatches(ctx context.Context, q search.Query) (int, error) {
	total := 0
	for _, index := range []string{"message_words", "conversations_fts"} {
		n, err := s.boundMatches(q, func(w search.Term) (int, error) { return s.wordRows(ctx, index, w) })
		if err != nil {
			return 0, err
		}
		if n > s.Search.CandidateLimit && wordsIn(q) > 1 {
			// Words that are common alone may be rare together (a phrase,
			// words that must share a message): count the query itself.
			exact, err := s.countRows(ctx, index, wordKey{index: index, word: "query:" + q.FTS5()}, q)
			if err != nil {
				return 0, err
			}
			n = min(n, exact)
		}
		total += n
	}
	return total, nil
}

// wordsIn counts the words of q's terms.
func wordsIn(q search.Query) int {
	n := 0
	for _, clause := range q.All {
		for _, term := range clause {
			n += len(term.Words)
		}
	}
	return n
}

// boundMatches bounds from above how many rows match q, given how many
// hold each word: a term matches at most the rows of its rarest word, a
// clause at most the sum of its terms, and the query at most its rarest
// clause.
func (s *Store) boundMatches(q search.Query, rowsOf func(search.Term) (int, error)) (int, error) {
	best := -1
	for _, clause := range q.All {
		sum := 0
		for _, term := range clause {
			rarest := -1
			for i, w := range term.Words {
				n, err := rowsOf(search.Term{Words: []string{w}, Prefix: term.Prefix && i == len(term.Words)-1})
				if err != nil {
					return 0, err
				}
				if rarest < 0 || n < rarest {
					rarest = n
				}
			}
			sum += max(rarest, 0)
		}
		if best < 0 || sum < best {
			best = sum
		}
	}
	return max(best, 0), nil
}

// pgWordEstimate is PostgreSQL's estimate of how many messages hold a word
// (or, a prefix, a word it starts), kept a while like SQLite's counts.
func (s *Store) pgWordEstimate(ctx context.Context, w search.Term) (int, error) {
	key := wordKey{index: "postgres messages", word: w.Words[0], prefix: w.Prefix}
	if n, ok := s.words.get(key, time.Now()); ok {
		return n, nil
	}
	var plan string
	one := search.Query{All: []search.Clause{{w}}}
	if err := s.Reader.QueryRowContext(ctx, `EXPLAIN (FORMAT JSON) SELECT 1 FROM messages WHERE search @@ to_tsquery('simple', $1)`,
		one.TSQuery()).Scan(&plan); err != nil {
		return 0, translate(err)
	}
	rows, err := planRows(plan)
	if err != nil {
		return 0, err
	}
	n := int(min(rows, 1e9))
	s.words.put(key, n, time.Now())
	return n, nil
}

// planRows reads the estimated rows of an EXPLAIN (FORMAT JSON).
func planRows(plan string) (float64, error) {
	var explained []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		}
	}
	if err := json.Unmarshal([]byte(plan), &explained); err != nil || len(explained) == 0 {
		return 0, fmt.Errorf("reading the search estimate: %v", err)
	}
	return explained[0].Plan.Rows, nil
}

// wordRows counts the rows of an index holding a word (or, a prefix, a
// word it starts), up to one more than the candidate limit.
func (s *Store) wordRows(ctx context.Context, index string, w search.Term) (int, error) {
	return s.countRows(ctx, index, wordKey{index: index, word: w.Words[0], prefix: w.Prefix}, search.Query{All: []search.Clause{{w}}})
}

// countRows counts the rows of an index matching q, up to one more than
// the candidate limit, and keeps the count under key.
func (s *Store) countRows(ctx context.Context, index string, key wordKey, q search.Query) (int, error) {
	key.limit = s.Search.CandidateLimit + 1
	if n, ok := s.words.get(key, time.Now()); ok {
		return n, nil
	}
	var n int
	err := s.Reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM `+index+` WHERE `+index+` MATCH $1 LIMIT $2) x`, q.FTS5(), key.limit).Scan(&n)
	if err != nil {
		return 0, translate(err)
	}
	s.words.put(key, n, time.Now())
	return n, nil
}

// wordCounts keeps how many rows hold each word, for planning only: a
// count a few minutes old picks the same way to search as an exact one.
type wordCounts struct {
	mu      sync.Mutex
	entries map[wordKey]wordCount
}

type wordKey struct {
	index, word string
	prefix      bool
	limit       int
}

type wordCount struct {
	n  int
	at time.Time
}

// wordCountsKeepFor is how long a word's count is used.
const wordCountsKeepFor = 10 * time.Minute

func (c *wordCounts) get(k wordKey, now time.Time) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || now.Sub(e.at) > wordCountsKeepFor || now.Before(e.at) {
		return 0, false
	}
	return e.n, true
}

func (c *wordCounts) put(k wordKey, n int, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) > 100000 {
		c.entries = map[wordKey]wordCount{}
	}
	c.entries[k] = wordCount{n: n, at: now}
}

// searchSQL returns what a search adds to the list query: a WITH clause,
// the FROM clause's start (the candidates drive the join), extra select
// columns, and conditions on c. A walk adds nothing: its conversations are
// tested in Go (walkMatches), as are exclusions in every mode.
func (s *Store) searchSQL(f ConversationFilter, arg func(any) string) (with, from, selectExtra string, where []string) {
	from = " FROM conversations c"
	if f.searchMode == searchWalk {
		return with, from, selectExtra, nil
	}
	var p string
	if pos := f.Search.Positive(); s.Dialect == Postgres {
		p = "to_tsquery('simple', " + arg(pos.TSQuery()) + ")"
	} else {
		p = arg(pos.FTS5())
	}
	if f.searchMode == searchRanked {
		with = s.rankedCTE(p)
		from = " FROM best b CROSS JOIN conversations c"
		return with, from, "b.rank_key, b.mid, ", []string{"c.id = b.cid"}
	}
	if s.Dialect == SQLite && f.searchCount > s.Search.LookupLimit {
		// Thousands of candidates: walk the list in its order and test
		// each conversation against them, which stops at the page's end.
		// SQLite builds one index of the candidates for IN (which also
		// drops repeats, so UNION ALL); the + keeps it from looking each
		// candidate up instead.
		return with, from, selectExtra, []string{"+c.id IN (" + strings.Join(s.hitSources(p), " UNION ALL ") + ")"}
	}
	with = `WITH cand AS MATERIALIZED (` + strings.Join(s.hitSources(p), " UNION ") + `) `
	// CROSS JOIN keeps the candidates as SQLite's outer loop; the sort
	// index would otherwise be walked end to end.
	return with, " FROM cand CROSS JOIN conversations c", selectExtra, []string{"c.id = cand.cid"}
}

// walkChunk is how many conversations a walk reads at first. On
// PostgreSQL later chunks are sized from the matches seen so far, up to
// walkChunkMax: each chunk is two round trips and two plans (~2-3 ms), which
// for a word in 1% of conversations (5,000 walked for a page of 50) cost
// more than the tests themselves (docs/benchmarks.md). At 4,096 the test's
// estimated cost passed jit_above_cost, and compiling it took 25 ms.
const (
	walkChunk    = 256
	walkChunkMax = 1024
)

// nextWalkChunk sizes a walk's next chunk: enough, at the density of
// matches seen so far, for what is still wanted, with a fifth more; twice
// the tested count when nothing matched yet.
func nextWalkChunk(tested, matched, wanted int) int {
	n := 2 * tested
	if matched > 0 {
		n = wanted * tested / matched * 6 / 5
	}
	return min(max(n, walkChunk), walkChunkMax)
}

// needsWalk reports whether f's search tests conversations in Go: a walk,
// or any search with excluded words.
func (f ConversationFilter) needsWalk() bool {
	if f.Search == nil {
		return false
	}
	_, excluded := f.Search.Excluded()
	return f.searchMode == searchWalk || excluded
}

// walkMatches reads the conversations f selects, in its order, a chunk at a
// time, and returns the ids of the first want of them that match f's search
// (a message, the subject or the contact) and have no excluded word.
// Candidate and ranked streams hold only matches already; of those it
// tests only the exclusions. Messages are tested in the database, a chunk
// at a time (messagesMatching); subjects and contacts, read with the chunk,
// in Go.
func (s *Store) walkMatches(ctx context.Context, f ConversationFilter, want int) ([]int64, error) {
	col := sortColumns[f.Sort]
	if f.searchMode == searchRanked {
		col = "b.rank_key"
	}
	positiveQuery := f.Search.Positive()
	positive := positiveQuery.Matcher()
	excludedQuery, hasExcluded := f.Search.Excluded()
	excluded := excludedQuery.Matcher()
	var out []int64
	stream := f
	stream.Limit = walkChunk
	tested := 0
	for len(out) < want {
		q, args, err := s.listQuery(stream, "c.id, "+col+", c.subject, COALESCE((SELECT search_text FROM contacts WHERE id = c.contact_id), '')", true)
		if err != nil {
			return nil, err
		}
		rows, err := s.Reader.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, translate(err)
		}
		var ids, keys []int64
		docs := map[int64][2]string{}
		for rows.Next() {
			var id, key int64
			var subject, contact string
			if err := rows.Scan(&id, &key, &subject, &contact); err != nil {
				rows.Close()
				return nil, translate(err)
			}
			ids, keys = append(ids, id), append(keys, key)
			docs[id] = [2]string{subject, contact}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
		if len(ids) == 0 {
			break
		}
		var found, hidden map[int64]bool
		if f.searchMode == searchWalk {
			if found, err = s.messagesMatching(ctx, positiveQuery, ids); err != nil {
				return nil, err
			}
		}
		if hasExcluded {
			if hidden, err = s.messagesMatching(ctx, excludedQuery, ids); err != nil {
				return nil, err
			}
		}
		for _, id := range ids {
			doc := docs[id]
			if f.searchMode == searchWalk && !found[id] && !positive.Match(doc[0]) && !positive.Match(doc[1]) {
				continue
			}
			if hasExcluded && (hidden[id] || excluded.Match(doc[0]) || excluded.Match(doc[1])) {
				continue
			}
			if out = append(out, id); len(out) == want {
				break
			}
		}
		if len(ids) < stream.Limit {
			break
		}
		stream.After = &Cursor{Sort: f.Sort, Value: keys[len(keys)-1], ID: ids[len(ids)-1]}
		tested += len(ids)
		if s.Dialect == Postgres {
			stream.Limit = nextWalkChunk(tested, len(out), want-len(out))
		}
	}
	return out, nil
}

// messagesMatching returns which of the conversations have a message
// matching q, asking the full-text index about each conversation. On
// SQLite a conversation's messages are one rowid range of message_words
// (one seek per word); on PostgreSQL its set of words (conversation_words)
// is tested, and only if it has the words are its messages read through
// the conversation index and their stored tsvectors tested.
func (s *Store) messagesMatching(ctx context.Context, q search.Query, conversations []int64) (map[int64]bool, error) {
	if s.Dialect == SQLite && q.HasPrefix() {
		// FTS5 expands a prefix over the whole index on every query
		// (seconds per conversation at a million); the bodies are cheaper.
		m := q.Matcher()
		found := map[int64]bool{}
		err := s.messageBodies(ctx, conversations, func(cid, _ int64, body string) {
			if !found[cid] && m.Match(body) {
				found[cid] = true
			}
		})
		return found, err
	}
	args := make([]any, 1, len(conversations)+1)
	ph := make([]string, len(conversations))
	for i, id := range conversations {
		args = append(args, id)
		ph[i] = fmt.Sprintf("(CAST($%d AS BIGINT))", i+2)
	}
	var sqlText string
	if s.Dialect == Postgres {
		// The conversation's set of words first (one narrow row, a tenth
		// of the cost of its messages): most conversations a walk passes
		// lack a word. It is a superset, so a pass still reads the
		// messages; an unknown set (no row, or NULL: too large) passes.
		// CASE fixes the order, which the planner would pick by cost.
		// OFFSET 0 keeps the EXISTS a probe per conversation: without it,
		// for a chunk of thousands the planner hashes every matching
		// message of the whole table instead (60,000 rows for "doorbell").
		args[0] = q.TSQuery()
		args = append(args, q.WordsTSQuery())
		sqlText = fmt.Sprintf(`SELECT v.cid FROM (VALUES `+strings.Join(ph, ",")+`) v(cid) WHERE CASE
 WHEN (SELECT w.words @@ to_tsquery('simple', $%d) FROM conversation_words w WHERE w.conversation_id = v.cid) IS FALSE THEN FALSE
 ELSE EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = v.cid AND m.search @@ to_tsquery('simple', $1) OFFSET 0) END`, len(args))
	} else {
		args[0] = q.FTS5()
		sqlText = `SELECT v.column1 FROM (VALUES ` + strings.Join(ph, ",") + `) v WHERE EXISTS (
 SELECT 1 FROM message_words WHERE message_words MATCH $1 AND rowid BETWEEN (v.column1 << 32) AND ((v.column1 << 32) | 4294967295))`
	}
	rows, err := s.Reader.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	found := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err)
		}
		found[id] = true
	}
	return found, translate(rows.Err())
}

// messageBodies calls fn with the conversation id, message id and body of
// every message of the conversations, newest first.
func (s *Store) messageBodies(ctx context.Context, conversations []int64, fn func(conversationID, messageID int64, body string)) error {
	args := make([]any, len(conversations))
	ph := make([]string, len(conversations))
	for i, id := range conversations {
		args[i] = id
		ph[i] = fmt.Sprintf("$%d", i+1)
	}
	rows, err := s.Reader.QueryContext(ctx, `SELECT conversation_id, id, body FROM messages WHERE conversation_id IN (`+strings.Join(ph, ",")+`) ORDER BY id DESC`, args...)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var cid, mid int64
		var body string
		if err := rows.Scan(&cid, &mid, &body); err != nil {
			return translate(err)
		}
		fn(cid, mid, body)
	}
	return translate(rows.Err())
}

// hitSources select the ids (cid) of conversations whose messages, subject
// or contact match p.
func (s *Store) hitSources(p string) []string {
	if s.Dialect == Postgres {
		return []string{
			`SELECT m.conversation_id AS cid FROM messages m WHERE m.search @@ ` + p,
			`SELECT id AS cid FROM conversations WHERE search @@ ` + p,
			`SELECT c2.id AS cid FROM contacts ct2 JOIN conversations c2 ON c2.contact_id = ct2.id WHERE ct2.search @@ ` + p,
		}
	}
	return []string{
		// A message_words rowid carries its conversation: no lookups.
		`SELECT rowid >> 32 AS cid FROM message_words WHERE message_words MATCH ` + p,
		`SELECT rowid AS cid FROM conversations_fts WHERE conversations_fts MATCH ` + p,
		`SELECT c2.id AS cid FROM contacts_fts CROSS JOIN conversations c2 WHERE c2.contact_id = contacts_fts.rowid AND contacts_fts MATCH ` + p,
	}
}

// rankedCTE scores the newest RelevanceWindow matches of each kind and
// gives "best": one row per conversation with cid, rank_key (higher is
// better, an integer so keyset cursors compare exactly) and mid, its best
// scoring message if a message matched. Subject hits weigh double.
func (s *Store) rankedCTE(p string) string {
	w := fmt.Sprint(s.Search.RelevanceWindow)
	if s.Dialect == Postgres {
		return `WITH hits AS (
  SELECT * FROM (SELECT m.conversation_id AS cid, ts_rank(m.search, ` + p + `) AS score, m.id AS mid FROM messages m WHERE m.search @@ ` + p + ` ORDER BY m.id DESC LIMIT ` + w + `) h1
  UNION ALL SELECT * FROM (SELECT c2.id, 2 * ts_rank(c2.search, ` + p + `), CAST(NULL AS BIGINT) FROM conversations c2 WHERE c2.search @@ ` + p + ` ORDER BY c2.id DESC LIMIT ` + w + `) h2
  UNION ALL SELECT * FROM (SELECT c2.id, ts_rank(ct2.search, ` + p + `), CAST(NULL AS BIGINT) FROM contacts ct2 JOIN conversations c2 ON c2.contact_id = ct2.id WHERE ct2.search @@ ` + p + ` ORDER BY c2.id DESC LIMIT ` + w + `) h3
 ),
 msg AS (SELECT DISTINCT ON (cid) cid, mid FROM hits WHERE mid IS NOT NULL ORDER BY cid, score DESC, mid DESC),
 best AS MATERIALIZED (SELECT h.cid, CAST(MAX(h.score) * 1000000 AS BIGINT) AS rank_key, MAX(msg.mid) AS mid
  FROM hits h LEFT JOIN msg ON msg.cid = h.cid GROUP BY h.cid) `
	}
	// SQLite takes a bare column of a MAX() aggregate from the row that
	// has the maximum, so msg.mid is the best scoring message.
	return `WITH hits AS (
  SELECT m.conversation_id AS cid, f.score, m.id AS mid FROM (SELECT rowid >> 32 AS cid, rowid & 4294967295 AS low, -bm25(message_words) AS score
    FROM message_words WHERE message_words MATCH ` + p + ` ORDER BY rowid DESC LIMIT ` + w + `) f
   CROSS JOIN messages m WHERE m.conversation_id = f.cid AND (m.id & 4294967295) = f.low
  UNION ALL SELECT * FROM (SELECT rowid, -2 * bm25(conversations_fts), NULL FROM conversations_fts WHERE conversations_fts MATCH ` + p + ` ORDER BY rowid DESC LIMIT ` + w + `)
  UNION ALL SELECT c2.id, f.score, NULL FROM (SELECT rowid, -bm25(contacts_fts) AS score FROM contacts_fts WHERE contacts_fts MATCH ` + p + ` ORDER BY rowid DESC LIMIT ` + w + `) f
   CROSS JOIN conversations c2 WHERE c2.contact_id = f.rowid
 ),
 msg AS (SELECT cid, mid, MAX(score) AS score FROM hits WHERE mid IS NOT NULL GROUP BY cid),
 best AS MATERIALIZED (SELECT h.cid, CAST(MAX(h.score) * 1000000 AS INTEGER) AS rank_key, MAX(msg.mid) AS mid
  FROM hits h LEFT JOIN msg ON msg.cid = h.cid GROUP BY h.cid) `
}

// attachMatches gives each found conversation its match: the matching
// message (the best scoring one when ranked, else the newest) and a
// highlighted excerpt of it, or of the subject or contact when only those
// match. Excerpts are cut in Go from the few conversations of a page, so
// both databases show the same ones.
func (s *Store) attachMatches(ctx context.Context, q search.Query, cs []model.Conversation, ranked bool) error {
	if len(cs) == 0 {
		return nil
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	type message struct {
		id   int64
		body string
	}
	messages := map[int64][]message{}
	if err := s.messageBodies(ctx, ids, func(cid, mid int64, body string) {
		messages[cid] = append(messages[cid], message{mid, body})
	}); err != nil {
		return err
	}
	m := q.Positive().Matcher()
	for i := range cs {
		c := &cs[i]
		if c.Match == nil || !ranked {
			c.Match = &model.Match{}
		}
		snippet := ""
		for _, msg := range messages[c.ID] {
			if c.Match.MessageID != nil && *c.Match.MessageID != msg.id {
				continue
			}
			if text, ok := m.Snippet(msg.body, markOpen, markClose, snippetWords); ok {
				c.Match.MessageID = &msg.id
				snippet = text
				break
			}
		}
		if snippet == "" {
			c.Match.MessageID = nil
			if text, ok := m.Snippet(c.Subject, markOpen, markClose, snippetWords); ok {
				snippet = text
			} else {
				snippet = c.Preview
			}
		}
		c.Match.Snippet = highlight(snippet)
	}
	return nil
}

// snippetWords is about how many words an excerpt shows.
const snippetWords = 24

// highlight escapes text for HTML and turns the markers into <mark>.
func highlight(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	return strings.NewReplacer(markOpen, "<mark>", markClose, "</mark>").Replace(html.EscapeString(text))
}

// ConversationWords returns the set of words PostgreSQL keeps for a
// conversation's messages (conversation_words), sorted, and whether one is
// kept; SQLite keeps none. For checks: that a merge, split or erasure left
// the set matching the messages (an erased customer's words must go).
func (s *Store) ConversationWords(ctx context.Context, conversationID int64) ([]string, bool, error) {
	if s.Dialect != Postgres {
		return nil, false, nil
	}
	var text sql.NullString
	err := s.Reader.QueryRowContext(ctx, `SELECT array_to_string(tsvector_to_array(words), ' ') FROM conversation_words WHERE conversation_id = $1`,
		conversationID).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !text.Valid {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, translate(err)
	}
	words := strings.Fields(text.String)
	slices.Sort(words)
	return words, true, nil
}
