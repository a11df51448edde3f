// Package store is Parley's only door to the database. It speaks portable SQL
// with $N placeholders to SQLite (modernc.org/sqlite) and PostgreSQL (pgx),
// and translates driver errors into ErrNotFound and ErrConflict.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/parley-hq/parley/internal/model"
)

// Dialect names the database behind a Store.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Errors the store returns, free of any driver's vocabulary.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	// ErrReference means a row points at another that does not exist.
	ErrReference = errors.New("reference to a missing row")
)

// Store holds the connection pools. On SQLite, Writer has exactly one
// connection (SQLite allows one writer at a time, and queueing in Go is
// cheaper than SQLITE_BUSY retries) and Reader is a read-only pool; on
// PostgreSQL both are the same pool.
type Store struct {
	Dialect Dialect
	Writer  *sql.DB
	Reader  *sql.DB
	// URL is the PostgreSQL URL, kept for LISTEN connections.
	URL string
	// prepared holds the hot statements once Migrate has prepared them.
	prepared atomic.Pointer[preparedSet]
	// Search tunes how keyword searches run (search.go); tests lower the
	// bounds to take each path on a small database.
	Search SearchTuning
	// words keeps word counts for planning searches (SQLite).
	words wordCounts
}

// Open connects to the database named by databaseURL, or to the SQLite file
// parley.db under dataDir when databaseURL is empty.
func Open(ctx context.Context, databaseURL, dataDir string) (*Store, error) {
	if strings.HasPrefix(databaseURL, "postgres://") || strings.HasPrefix(databaseURL, "postgresql://") {
		return openPostgres(ctx, databaseURL)
	}
	path := databaseURL
	switch {
	case strings.HasPrefix(path, "sqlite://"):
		path = strings.TrimPrefix(path, "sqlite://")
	case strings.HasPrefix(path, "file:"):
		path = strings.TrimPrefix(path, "file:")
	case path == "":
		if dataDir == "" {
			dataDir = "parley-data"
		}
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
		path = filepath.Join(dataDir, "parley.db")
	default:
		return nil, fmt.Errorf("database URL %q: want postgres://… or sqlite://path", databaseURL)
	}
	return openSQLite(ctx, path)
}

func openSQLite(ctx context.Context, path string) (*Store, error) {
	pragmas := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	writer, err := sql.Open("sqlite", "file:"+url.PathEscape(path)+"?"+pragmas+"&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	if err := writer.PingContext(ctx); err != nil {
		writer.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	reader, err := sql.Open("sqlite", "file:"+url.PathEscape(path)+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		writer.Close()
		return nil, err
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	reader.SetConnMaxIdleTime(0)
	reader.SetConnMaxLifetime(0)
	return &Store{Dialect: SQLite, Writer: writer, Reader: reader, Search: DefaultSearchTuning}, nil
}

func openPostgres(ctx context.Context, databaseURL string) (*Store, error) {
	db, err := sql.Open("pgx", databaseURL)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	// Reads outside a transaction have a pool of their own, as on SQLite:
	// when every write connection is busy, reads (event streams, lists)
	// would otherwise queue behind the writes.
	reader, err := sql.Open("pgx", databaseURL)
	if err != nil {
		db.Close()
		return nil, err
	}
	reader.SetMaxOpenConns(16)
	reader.SetMaxIdleConns(16)
	reader.SetConnMaxIdleTime(5 * time.Minute)
	return &Store{Dialect: Postgres, Writer: db, Reader: reader, URL: databaseURL, Search: PostgresSearchTuning}, nil
}

// Close closes the pools.
func (s *Store) Close() error {
	if p := s.prepared.Swap(nil); p != nil {
		p.close()
	}
	err := s.Writer.Close()
	if s.Reader != s.Writer {
		err = errors.Join(err, s.Reader.Close())
	}
	return err
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.Reader.PingContext(ctx) }

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is one write transaction. Every method of a Tx runs inside it.
type Tx struct {
	tx      *sql.Tx
	dialect Dialect
	// afterCommit runs once the transaction has committed.
	afterCommit []func()
	// stmts are the writer's prepared hot statements (SQLite only).
	stmts map[string]*sql.Stmt
	// memo keeps settings a command reads again and again (an intake batch
	// reads them once per message), which the commands themselves never
	// write: on PostgreSQL each read is a round trip. A Tx method that
	// writes one of them forgets it, as does a rollback to a savepoint.
	memo txMemo
}

type txMemo struct {
	rulesVersion *string
	hoursInboxes map[int64]int64
	hoursTeams   map[int64]int64
	inboxes      map[int64]model.Inbox
	// inboxAutomation holds last_assigned_user_id too: SetLastAssigned forgets it.
	inboxAutomation map[int64]model.InboxAutomation
}

// SQL exposes the transaction for River, which enqueues jobs in it.
func (t *Tx) SQL() *sql.Tx { return t.tx }

// AfterCommit registers fn to run after a successful commit, for work that
// must not be seen before the change is durable (realtime fan-out).
func (t *Tx) AfterCommit(fn func()) { t.afterCommit = append(t.afterCommit, fn) }

// InTx runs fn in a write transaction, committing when it returns nil.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := s.Writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", translate(err))
	}
	tx := &Tx{tx: sqlTx, dialect: s.Dialect}
	if p := s.prepared.Load(); p != nil {
		tx.stmts = p.writer
	}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", translate(err))
	}
	for _, f := range tx.afterCommit {
		f()
	}
	return nil
}

// translate maps driver errors to the store's sentinels.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", ErrConflict, err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("%w: %v", ErrReference, err)
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return fmt.Errorf("%w: %v", ErrConflict, err)
		case "23503":
			return fmt.Errorf("%w: %v", ErrReference, err)
		}
	}
	return err
}

// Millis converts a time to the stored form.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// FromMillis converts a stored time back, in UTC.
func FromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func nullMillis(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

func timePtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := FromMillis(v.Int64)
	return &t
}

func int64Ptr(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	n := v.Int64
	return &n
}

func nullInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}
