package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrationFS embed.FS

// Migrate applies every embedded migration not yet applied. On PostgreSQL an
// advisory lock makes concurrent nodes wait for each other, so two processes
// starting at once never apply the same file twice. On SQLite it then
// prepares the statements of the hot paths (prepared.go).
func (s *Store) Migrate(ctx context.Context) error {
	dir := "migrations/" + string(s.Dialect)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)

	err = s.InTx(ctx, func(tx *Tx) error {
		if s.Dialect == Postgres {
			if _, err := tx.tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7270697)`); err != nil {
				return fmt.Errorf("migration lock: %w", err)
			}
		}
		if _, err := tx.tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		applied := map[int64]bool{}
		rows, err := tx.tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var v int64
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return err
			}
			applied[v] = true
		}
		rows.Close()
		for _, name := range names {
			version, err := strconv.ParseInt(strings.SplitN(name, "_", 2)[0], 10, 64)
			if err != nil {
				return fmt.Errorf("migration %s: name must start with a number", name)
			}
			if applied[version] {
				continue
			}
			body, err := fs.ReadFile(migrationFS, dir+"/"+name)
			if err != nil {
				return err
			}
			if _, err := tx.tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", name, err)
			}
			if _, err := tx.tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, version, time.Now().UnixMilli()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.prepareHot(ctx)
}
