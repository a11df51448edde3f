// Package testutil gives tests a fresh, migrated Parley on every configured
// database, and small builders and an HTTP client to drive it. Tests use
// real SQLite files and a real PostgreSQL server, never mocks.
package testutil

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/parley-hq/parley/internal/app"
)

// PostgresEnv names the variable that points the suite at a PostgreSQL
// server; each test gets its own database there.
const PostgresEnv = "PARLEY_TEST_POSTGRES"

// Clock is a settable clock for tests.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Env is one Parley under test.
type Env struct {
	*app.App
	Dialect string
	Clock   *Clock
	cfg     app.Config
}

// Each runs fn once per database: SQLite always, PostgreSQL when
// PARLEY_TEST_POSTGRES names a server. Under CI=true a missing PostgreSQL
// fails the test instead of skipping it.
func Each(t *testing.T, fn func(t *testing.T, e *Env)) {
	t.Helper()
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			fn(t, Open(t, dialect))
		})
	}
}

// Open builds a fresh Parley on the named dialect, closed when t ends.
func Open(t *testing.T, dialect string) *Env {
	t.Helper()
	// PublicURL: links sent to customers (CSAT) are absolute, as in production.
	cfg := app.Config{DataDir: t.TempDir(), JobPollInterval: 50 * time.Millisecond, PublicURL: "http://parley.test"}
	if dialect == "postgres" {
		cfg.DatabaseURL = freshPostgres(t)
	}
	clock := NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	cfg.Now = clock.Now
	e := &Env{Dialect: dialect, Clock: clock, cfg: cfg}
	e.open(t)
	return e
}

func (e *Env) open(t *testing.T) {
	t.Helper()
	a, err := app.Open(context.Background(), e.cfg)
	if err != nil {
		t.Fatalf("open %s: %v", e.Dialect, err)
	}
	t.Cleanup(func() { a.Close() })
	e.App = a
}

// Restart closes this Parley as a crash would leave it (no graceful
// hand-over of anything in memory) and opens a new one on the same database.
func (e *Env) Restart(t *testing.T) {
	t.Helper()
	if err := e.App.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	e.open(t)
}

// Twin opens a second Parley on the same database, as a second node
// behind a load balancer would be.
func (e *Env) Twin(t *testing.T) *Env {
	t.Helper()
	twin := &Env{Dialect: e.Dialect, Clock: e.Clock, cfg: e.cfg}
	twin.open(t)
	return twin
}

// StartRealtime runs the realtime hub until the test ends.
func (e *Env) StartRealtime(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	go e.Hub.Run(ctx)
	t.Cleanup(cancel)
}

// StartJobs runs the job queue until the test ends.
func (e *Env) StartJobs(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	if err := e.Jobs.Start(ctx); err != nil {
		t.Fatalf("start jobs: %v", err)
	}
	q := e.Jobs
	t.Cleanup(func() {
		stop, done := context.WithTimeout(context.Background(), 5*time.Second)
		defer done()
		_ = q.Stop(stop)
		cancel()
	})
}

// PostgresURL returns the configured server URL, skipping (or, under CI,
// failing) the test when there is none.
func PostgresURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is not set: the PostgreSQL pass must run in CI", PostgresEnv)
		}
		t.Skipf("PostgreSQL pass skipped: set %s=postgres://user@host:5432/postgres to run it", PostgresEnv)
	}
	return base
}

// freshPostgres creates an empty database for one test and drops it after.
func freshPostgres(t *testing.T) string {
	t.Helper()
	base := PostgresURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "parley_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database (is PostgreSQL at %s up?): %v", base, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Ctx is a context for test calls.
func Ctx() context.Context { return context.Background() }

// NoErr fails the test on err.
func NoErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
