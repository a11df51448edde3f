package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Prepared statements for the hottest queries, on SQLite only.
//
// modernc.org/sqlite keeps no statement cache, so a query run through
// database/sql without a prepared statement is parsed and planned again on
// every call. Profiling `go run ./bench` showed that this was about 40% of
// the time the single writer connection spent adding a message, and more
// than half of the time of a token lookup (docs/benchmarks.md). pgx caches
// prepared statements per connection by itself, so PostgreSQL needs none.
//
// The statements are prepared once, after migrations, on each pool;
// database/sql prepares them again lazily on every other connection of the
// pool, and a transaction reuses its connection's copy (Tx.StmtContext).
// Any query not listed runs as before.

// Query texts shared by the statements below and their call sites.
const (
	userByTokenHashSQL = `SELECT t.id, u.id, u.email, u.name, u.role, u.password_hash, u.available, u.capacity, u.weekly_report, u.created_at, u.updated_at
 FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`
	// conversationByIDSQL reads a conversation with its tags, one row per
	// tag (one row with a NULL tag when it has none): one round trip, not two.
	conversationByIDSQL  = conversationWithTags + ` WHERE c.id = $1 ORDER BY t.name`
	conversationWithTags = `SELECT ` + conversationColumnsOnly + `, t.name` + conversationFrom + `
 LEFT JOIN conversation_tags x ON x.conversation_id = c.id
 LEFT JOIN tags t ON t.id = x.tag_id`
	inboxByIDSQL        = `SELECT ` + inboxColumns + ` FROM inboxes WHERE id = $1`
	saveConversationSQL = `UPDATE conversations SET subject = $2, status = $3, priority = $4,
 assignee_id = $5, team_id = $6, snoozed_until = $7, message_count = $8, preview = $9, updated_at = $10,
 last_activity_at = $11, status_changed_at = $12, first_response_at = $13, resolved_at = $14, closed_at = $15,
 waiting_since = $16, contact_id = $17 WHERE id = $1`
	// saveActivitySQL writes only what a new message changes. SQLite
	// rewrites every index holding a column named in SET, changed or not,
	// so leaving out priority, assignee, team and contact spares three
	// index updates per message.
	saveActivitySQL = `UPDATE conversations SET status = $2, snoozed_until = $3, message_count = $4, preview = $5,
 updated_at = $6, last_activity_at = $7, status_changed_at = $8, first_response_at = $9, resolved_at = $10,
 closed_at = $11, waiting_since = $12 WHERE id = $1`
	createMessageSQL = `INSERT INTO messages (conversation_id, kind, direction, sender_type, sender_id, body, created_at)
 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`
	listMessagesSQL = `SELECT m.id, m.conversation_id, m.kind, m.direction, m.sender_type, m.sender_id,
 COALESCE(CASE m.sender_type WHEN 'user' THEN u.name WHEN 'contact' THEN ct.name ELSE 'Parley' END, ''), m.body, m.created_at
 FROM messages m
 JOIN conversations c ON c.id = m.conversation_id
 LEFT JOIN users u ON m.sender_type = 'user' AND u.id = m.sender_id
 LEFT JOIN contacts ct ON m.sender_type = 'contact' AND ct.id = m.sender_id
 WHERE m.conversation_id = $1
 AND (m.created_at, m.id) > (COALESCE((SELECT created_at FROM messages WHERE id = $2), -1), $2)
 ORDER BY m.created_at, m.id LIMIT $3`
	createEventSQL = `INSERT INTO conversation_events (conversation_id, actor_type, actor_id, action, before, after, created_at)
 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`
)

// hotWrites run in write transactions: adding a message and what it reads.
var hotWrites = append([]string{conversationByIDSQL, inboxByIDSQL, createMessageSQL, createEventSQL, saveConversationSQL, saveActivitySQL},
	append(emailHotWrites, reportHotWrites...)...)

// hotReads run on the reader pool: authentication and reading a conversation.
var hotReads = []string{userByTokenHashSQL, conversationByIDSQL, inboxByIDSQL, listMessagesSQL}

type preparedSet struct {
	writer, reader map[string]*sql.Stmt
}

func (p *preparedSet) close() {
	for _, m := range []map[string]*sql.Stmt{p.writer, p.reader} {
		for _, st := range m {
			st.Close()
		}
	}
}

// prepareHot prepares the hot statements on SQLite. It runs after
// migrations (the tables must exist) and outside any transaction (the
// writer pool's one connection must be free).
func (s *Store) prepareHot(ctx context.Context) error {
	if s.Dialect != SQLite || s.prepared.Load() != nil {
		return nil
	}
	p := &preparedSet{writer: map[string]*sql.Stmt{}, reader: map[string]*sql.Stmt{}}
	for _, pool := range []struct {
		db      *sql.DB
		queries []string
		into    map[string]*sql.Stmt
	}{{s.Writer, hotWrites, p.writer}, {s.Reader, hotReads, p.reader}} {
		for _, q := range pool.queries {
			st, err := pool.db.PrepareContext(ctx, q)
			if err != nil {
				p.close()
				return fmt.Errorf("prepare %q: %w", strings.Join(strings.Fields(q), " "), err)
			}
			pool.into[q] = st
		}
	}
	if !s.prepared.CompareAndSwap(nil, p) {
		p.close()
	}
	return nil
}

// reader is the reader pool, using its prepared statements.
func (s *Store) reader() querier {
	p := s.prepared.Load()
	if p == nil {
		return s.Reader
	}
	return preparedQuerier{db: s.Reader, stmts: p.reader}
}

// q is the transaction, using the writer's prepared statements.
func (t *Tx) q() querier {
	if t.stmts == nil {
		return t.tx
	}
	return preparedQuerier{tx: t.tx, stmts: t.stmts}
}

// preparedQuerier runs a query through its prepared statement when it has
// one, and as it is otherwise. Exactly one of db and tx is set.
type preparedQuerier struct {
	db    *sql.DB
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

func (q preparedQuerier) stmt(ctx context.Context, query string) *sql.Stmt {
	st := q.stmts[query]
	if st != nil && q.tx != nil {
		st = q.tx.StmtContext(ctx, st)
	}
	return st
}

func (q preparedQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	if q.tx != nil {
		return q.tx.ExecContext(ctx, query, args...)
	}
	return q.db.ExecContext(ctx, query, args...)
}

func (q preparedQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	if q.tx != nil {
		return q.tx.QueryContext(ctx, query, args...)
	}
	return q.db.QueryContext(ctx, query, args...)
}

func (q preparedQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	if q.tx != nil {
		return q.tx.QueryRowContext(ctx, query, args...)
	}
	return q.db.QueryRowContext(ctx, query, args...)
}
