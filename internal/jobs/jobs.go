// Package jobs sets up River, the durable job queue, on whichever database
// the store uses. Jobs are inserted in the same transaction as the change
// that causes them, so a committed change never loses its side effects and
// a rolled-back one never has any.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/parley-hq/parley/internal/store"
)

// Queue wraps a River client. Workers are registered on Workers before Start.
type Queue struct {
	Workers *river.Workers
	client  *river.Client[*sql.Tx]
	driver  riverdriver.Driver[*sql.Tx]
}

// Options tune the queue; zero values take sensible defaults.
type Options struct {
	// Workers is how many jobs run at once on this node.
	Workers int
	// PollInterval is how often a node looks for due jobs when no
	// notification arrives (always, on SQLite).
	PollInterval time.Duration
	Logger       *slog.Logger
}

// New builds a queue on the store's writer pool and migrates River's tables.
func New(ctx context.Context, st *store.Store, opts Options) (*Queue, error) {
	var driver riverdriver.Driver[*sql.Tx]
	switch st.Dialect {
	case store.SQLite:
		driver = riversqlite.New(st.Writer)
	default:
		driver = riverdatabasesql.New(st.Writer)
	}
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: quiet(opts.Logger)})
	if err != nil {
		return nil, err
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fmt.Errorf("migrate river: %w", err)
	}
	if opts.Workers == 0 {
		opts.Workers = 10
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = time.Second
	}
	workers := river.NewWorkers()
	client, err := river.NewClient(driver, &river.Config{
		Workers: workers,
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: opts.Workers},
			ReadyQueue: {MaxWorkers: max(opts.Workers, readyWorkers), FetchPollInterval: min(readyPoll, opts.PollInterval)}},
		FetchPollInterval: opts.PollInterval,
		// River refuses a poll interval shorter than its fetch cooldown
		// (100ms by default), so a fast poll brings the cooldown down with it.
		FetchCooldown: min(100*time.Millisecond, opts.PollInterval),
		Logger:        quiet(opts.Logger),
		JobTimeout:    time.Minute,
	})
	if err != nil {
		return nil, err
	}
	return &Queue{Workers: workers, client: client, driver: driver}, nil
}

// quiet keeps River's routine info lines (migrations, start, stop) out of
// the server log; its warnings and errors still come through.
func quiet(l *slog.Logger) *slog.Logger {
	if l == nil {
		l = slog.Default()
	}
	return slog.New(warnOnly{l.Handler()}).With("component", "river")
}

type warnOnly struct{ slog.Handler }

func (h warnOnly) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= slog.LevelWarn && h.Handler.Enabled(ctx, level)
}

func (h warnOnly) WithAttrs(attrs []slog.Attr) slog.Handler {
	return warnOnly{h.Handler.WithAttrs(attrs)}
}
func (h warnOnly) WithGroup(name string) slog.Handler { return warnOnly{h.Handler.WithGroup(name)} }

// Start begins working jobs until Stop.
func (q *Queue) Start(ctx context.Context) error { return q.client.Start(ctx) }

// Stop lets running jobs finish (up to ctx) and stops fetching new ones.
func (q *Queue) Stop(ctx context.Context) error { return q.client.Stop(ctx) }

// InsertTx enqueues a job inside the caller's transaction.
func (q *Queue) InsertTx(ctx context.Context, tx *store.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	_, err := q.client.InsertTx(ctx, tx.SQL(), args, opts)
	return err
}

// Client exposes River for tests and administration.
func (q *Queue) Client() *river.Client[*sql.Tx] { return q.client }

// ReadyQueue is the queue for jobs that must run at an exact moment
// (SLA due times). It is polled more often than the default queue.
const ReadyQueue = "sla"

// readyPoll is how often each node looks for due jobs of ReadyQueue: it
// bounds how late such a job can start.
const readyPoll = 200 * time.Millisecond

// readyWorkers lets a burst of deadlines (many clocks due in the same
// second) run side by side: each job is short and mostly waits on commit.
const readyWorkers = 30

// Insert enqueues a job on its own (for work that is not part of a
// change, such as a periodic job fanning out).
func (q *Queue) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	_, err := q.client.Insert(ctx, args, opts)
	return err
}

// AddPeriodic schedules a periodic job. River runs the schedule on the
// elected leader only, so many nodes enqueue it once.
func (q *Queue) AddPeriodic(j *river.PeriodicJob) error {
	_, err := q.client.PeriodicJobs().AddSafely(j)
	return err
}
