package dataset

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/parley-hq/parley/internal/store"
)

// SQLite keeps its search indexes (FTS5) in step through insert triggers.
// Fed one row at a time, FTS5 writes a small segment per transaction and
// keeps merging them; rebuilding each index once from its table at the end
// is faster. The load drops the insert triggers and puts back their exact
// text afterwards, so the schema ends as the migrations made it.
// message_words holds no text of its own (contentless), so it is filled
// from messages in its rowid order, the cheapest order for FTS5, and merged
// into one segment.
var ftsIndexes = []struct{ table, trigger, rebuild string }{
	{"message_words", "message_words_insert", `INSERT INTO message_words(rowid, body)
  SELECT (conversation_id << 32) | (id & 4294967295), body FROM messages ORDER BY conversation_id, id;
INSERT INTO message_words(message_words) VALUES ('optimize')`},
	{"conversations_fts", "conversations_fts_insert", `INSERT INTO conversations_fts(conversations_fts) VALUES ('rebuild')`},
	{"contacts_fts", "contacts_fts_insert", `INSERT INTO contacts_fts(contacts_fts) VALUES ('rebuild')`},
}

// loadSQLite writes the batches on the writer's one connection, one
// transaction each, and returns the time spent rebuilding the indexes.
func loadSQLite(ctx context.Context, st *store.Store, batches <-chan *batch, log *slog.Logger) (time.Duration, error) {
	conn, err := st.Writer.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	// A benchmark database need not survive a power cut while it is being
	// made: no fsync, a large page cache, and no foreign-key lookups for
	// rows the generator made consistent. Each setting is put back after.
	restore, err := sqlitePragmas(ctx, conn, map[string]string{"synchronous": "OFF", "cache_size": "-1048576", "foreign_keys": "OFF"})
	defer restore()
	if err != nil {
		return 0, err
	}

	triggers := make([]string, len(ftsIndexes))
	for i, f := range ftsIndexes {
		if err := conn.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = $1`, f.trigger).Scan(&triggers[i]); err != nil {
			return 0, fmt.Errorf("read trigger %s: %w", f.trigger, err)
		}
	}
	if err := inTx(ctx, conn, func(tx *sql.Tx) error {
		for _, f := range ftsIndexes {
			if _, err := tx.ExecContext(ctx, `DROP TRIGGER `+f.trigger); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return 0, fmt.Errorf("drop search triggers: %w", err)
	}
	restored := false
	defer func() {
		if restored {
			return
		}
		// The load failed: the data is incomplete, but the schema must not be.
		// A cancelled statement can leave its transaction open (the driver's
		// interrupt also stops database/sql's ROLLBACK); end it first, or
		// the triggers would be put back inside it and lost with it.
		bg := context.WithoutCancel(ctx)
		_, _ = conn.ExecContext(bg, `ROLLBACK`)
		for _, q := range triggers {
			if _, err := conn.ExecContext(bg, q); err != nil {
				log.Error("could not restore a search trigger; recreate the database", "err", err)
			}
		}
	}()

	for b := range batches {
		if err := inTx(ctx, conn, func(tx *sql.Tx) error {
			for _, t := range b.tables() {
				if err := insertRows(ctx, tx, t); err != nil {
					return fmt.Errorf("insert into %s: %w", t.name, err)
				}
			}
			return nil
		}); err != nil {
			return 0, err
		}
	}
	if err := ctx.Err(); err != nil {
		return 0, err // the producer failed; do not finish a partial load
	}

	started := time.Now()
	log.Info("building search indexes")
	if err := inTx(ctx, conn, func(tx *sql.Tx) error {
		for i, f := range ftsIndexes {
			if _, err := tx.ExecContext(ctx, f.rebuild); err != nil {
				return fmt.Errorf("rebuild %s: %w", f.table, err)
			}
			if _, err := tx.ExecContext(ctx, triggers[i]); err != nil {
				return fmt.Errorf("restore trigger %s: %w", f.trigger, err)
			}
		}
		return nil
	}); err != nil {
		return 0, err
	}
	restored = true
	// Leave no multi-gigabyte WAL behind for the benchmark to trip over.
	if _, err := conn.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return 0, err
	}
	return time.Since(started), nil
}

// sqlitePragmas sets connection pragmas and returns what puts the old
// values back.
func sqlitePragmas(ctx context.Context, conn *sql.Conn, set map[string]string) (func(), error) {
	var old []string
	restore := func() {
		bg := context.WithoutCancel(ctx)
		for _, q := range old {
			_, _ = conn.ExecContext(bg, q)
		}
	}
	for name, value := range set {
		var was string
		if err := conn.QueryRowContext(ctx, `PRAGMA `+name).Scan(&was); err != nil {
			return restore, fmt.Errorf("read pragma %s: %w", name, err)
		}
		if _, err := conn.ExecContext(ctx, `PRAGMA `+name+` = `+value); err != nil {
			return restore, fmt.Errorf("set pragma %s: %w", name, err)
		}
		old = append(old, `PRAGMA `+name+` = `+was)
	}
	return restore, nil
}

func inTx(ctx context.Context, conn *sql.Conn, fn func(tx *sql.Tx) error) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

// insertRows writes a table's rows with multi-row INSERTs: one statement
// per few hundred rows keeps the per-call cost of database/sql and the
// driver small next to SQLite's own work.
func insertRows(ctx context.Context, tx *sql.Tx, t table) error {
	if t.n == 0 {
		return nil
	}
	nc := len(t.cols)
	per := min(t.n, 500, 30000/nc)
	args := make([]any, per*nc)
	stmt, err := tx.PrepareContext(ctx, insertSQL(t, per))
	if err != nil {
		return err
	}
	defer stmt.Close()
	i := 0
	for ; i+per <= t.n; i += per {
		for j := range per {
			t.row(i+j, args[j*nc:(j+1)*nc])
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	if rest := t.n - i; rest > 0 {
		for j := range rest {
			t.row(i+j, args[j*nc:(j+1)*nc])
		}
		if _, err := tx.ExecContext(ctx, insertSQL(t, rest), args[:rest*nc]...); err != nil {
			return err
		}
	}
	return nil
}

func insertSQL(t table, rows int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(t.cols)), ",") + ")"
	return `INSERT INTO ` + t.name + ` (` + strings.Join(t.cols, ", ") + `) VALUES ` +
		strings.TrimSuffix(strings.Repeat(one+",", rows), ",")
}
