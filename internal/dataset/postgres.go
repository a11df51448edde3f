package dataset

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/parley-hq/parley/internal/store"
)

// loadedTables are the tables the generator fills with explicit ids (their
// identity sequences must move past them) and whose plain indexes it
// builds after the load rather than row by row.
var loadedTables = []string{"contacts", "contact_identities", "conversations", "conversation_tags", "messages", "conversation_events"}

// loadPostgres copies the batches in through one connection, in one
// transaction: a failure rolls everything back, index drops included.
// It returns the time spent building indexes and vacuuming.
func loadPostgres(ctx context.Context, st *store.Store, batches <-chan *batch, log *slog.Logger) (time.Duration, error) {
	conn, err := st.Writer.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var index time.Duration
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		// Building a GIN index over ten million tsvectors wants memory; the
		// commit need not wait for the disk on a benchmark database.
		if _, err := pc.Exec(ctx, `SET synchronous_commit = off; SET maintenance_work_mem = '1GB'`); err != nil {
			return err
		}
		defer pc.Exec(context.WithoutCancel(ctx), `RESET synchronous_commit; RESET maintenance_work_mem`)
		// Foreign keys are checked by a trigger per row, a quarter of the
		// load's time. The generator's rows are consistent by construction
		// (the tests check every reference), so a superuser skips the
		// checks; anyone else loads with them.
		// That also stops the triggers that keep conversation_words, which
		// is filled in one pass after the load instead (fillWords).
		fillWords := false
		if _, err := pc.Exec(ctx, `SET session_replication_role = replica`); err == nil {
			fillWords = true
			defer pc.Exec(context.WithoutCancel(ctx), `RESET session_replication_role`)
		} else {
			log.Info("checking foreign keys row by row", "reason", err)
		}

		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(context.WithoutCancel(ctx))

		// Plain (non-unique) indexes are built once at the end, from their
		// definitions as PostgreSQL reports them; unique ones and primary
		// keys stay, as constraints depend on them.
		rows, err := tx.Query(ctx, `SELECT c.relname, pg_get_indexdef(c.oid)
 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
 WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY($1) AND NOT i.indisunique
 ORDER BY c.relname`, loadedTables)
		if err != nil {
			return err
		}
		type pgIndex struct{ name, def string }
		indexes, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pgIndex, error) {
			var ix pgIndex
			return ix, r.Scan(&ix.name, &ix.def)
		})
		if err != nil {
			return fmt.Errorf("read indexes: %w", err)
		}
		for _, ix := range indexes {
			if _, err := tx.Exec(ctx, `DROP INDEX `+pgx.Identifier{ix.name}.Sanitize()); err != nil {
				return fmt.Errorf("drop index %s: %w", ix.name, err)
			}
		}

		for b := range batches {
			for _, t := range b.tables() {
				if t.n == 0 {
					continue
				}
				v := make([]any, len(t.cols))
				_, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromSlice(t.n, func(i int) ([]any, error) {
					t.row(i, v)
					return v, nil
				}))
				if err != nil {
					return fmt.Errorf("copy into %s: %w", t.name, err)
				}
			}
		}
		if err := ctx.Err(); err != nil {
			return err // the producer failed; roll back
		}

		started := time.Now()
		for _, ix := range indexes {
			log.Info("building index", "index", ix.name)
			if _, err := tx.Exec(ctx, ix.def); err != nil {
				return fmt.Errorf("create index %s: %w", ix.name, err)
			}
		}
		if fillWords {
			// Each conversation's words, from its messages in one grouped
			// pass (the migration's aggregate: stripped, NULL when too big).
			log.Info("filling conversation_words")
			if _, err := tx.Exec(ctx, `INSERT INTO conversation_words (conversation_id, words)
 SELECT m.conversation_id, conversation_words_agg(m.search, octet_length(m.body)) FROM messages m GROUP BY m.conversation_id
 ON CONFLICT (conversation_id) DO UPDATE SET words = excluded.words`); err != nil {
				return fmt.Errorf("fill conversation_words: %w", err)
			}
		}
		for _, t := range loadedTables {
			if t == "conversation_tags" {
				continue // no id of its own
			}
			if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), m) FROM (SELECT MAX(id) AS m FROM `+
				pgx.Identifier{t}.Sanitize()+`) x WHERE m IS NOT NULL`, t); err != nil {
				return fmt.Errorf("move the id sequence of %s: %w", t, err)
			}
		}
		if err := tx.Commit(ctx); err != nil {
			return err
		}
		// Leave nothing for autovacuum to do in the middle of a benchmark:
		// visibility maps set and planner statistics fresh.
		log.Info("vacuuming")
		for _, t := range append(loadedTables, "conversation_words") {
			if _, err := pc.Exec(ctx, `VACUUM (ANALYZE) `+pgx.Identifier{t}.Sanitize()); err != nil {
				return fmt.Errorf("vacuum %s: %w", t, err)
			}
		}
		index = time.Since(started)
		return nil
	})
	return index, err
}
