// Package dataset generates a large, realistic helpdesk for benchmarks: a
// team of agents, inboxes over every channel, contacts, and conversations
// spread over two years whose messages, events and summary columns agree
// with each other as if the conversation service had written them.
//
// It writes straight to the database (multi-row INSERTs on SQLite, COPY on
// PostgreSQL) and builds the search indexes once at the end, which is what
// makes a million conversations a matter of minutes.
package dataset

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"golang.org/x/sync/errgroup"

	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// Options shape the dataset. The same options (seed and Now included) give
// the same dataset.
type Options struct {
	Conversations int
	// Messages is the average number of messages per conversation; the
	// total is Conversations × Messages exactly when Messages is at least 2.
	Messages int
	// Contacts defaults to one per five conversations.
	Contacts int
	// Days is how far back the conversations go; 0 means two years.
	Days int
	Seed uint64
	// Now is the end of the dataset's time span; zero means the start of
	// the current day (UTC): recent enough that the newest conversations
	// are fresh when benchmarked, stable enough that runs on the same day,
	// on either database, give the same dataset.
	Now time.Time
	// Jobs, if set, schedules the jobs the service would have: auto-resolve
	// of pending, auto-close of resolved, and wake-up of snoozed
	// conversations.
	Jobs conversation.Enqueuer
	// Logger reports progress; nil is quiet.
	Logger *slog.Logger
	// Reports, if set, rebuilds the report facts from the generated
	// events at the end (the rows bypass the command path that keeps
	// them), so reports can be benchmarked on the dataset.
	Reports interface {
		Rebuild(ctx context.Context) (int, error)
	}
}

// Stats says what was generated and how long it took.
type Stats struct {
	Users, Teams, Inboxes, Tags int
	Contacts, Identities        int
	Conversations, Messages     int
	Events, ConversationTags    int
	Snoozed, Jobs               int
	ByStatus                    map[model.Status]int
	// Load is the time spent generating and writing rows; Index the time
	// spent building indexes and search indexes after (and vacuuming, on
	// PostgreSQL); Reports the report facts' rebuild; Total everything,
	// jobs included.
	Load, Index, Reports, Total time.Duration
}

func (o Options) withDefaults() (Options, error) {
	if o.Conversations < 1 {
		return o, errors.New("conversations must be at least 1")
	}
	if o.Messages < 1 || o.Messages > 1000 {
		return o, errors.New("messages per conversation must be between 1 and 1000")
	}
	if o.Contacts == 0 {
		o.Contacts = max(10, o.Conversations/5)
	}
	if o.Contacts < 1 {
		return o, errors.New("contacts must be at least 1")
	}
	if o.Days == 0 {
		o.Days = 730
	}
	if o.Days < 1 {
		return o, errors.New("days must be at least 1")
	}
	if o.Now.IsZero() {
		o.Now = time.Now().UTC().Truncate(24 * time.Hour)
	}
	o.Now = o.Now.UTC().Truncate(time.Millisecond)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// Generate fills a freshly migrated database with a dataset. It refuses a
// database that already has conversations, contacts, inboxes or teams.
// After a failure, start again on a fresh database: on SQLite the rows
// written so far stay; on PostgreSQL the load is one transaction, so only
// the users, teams, inboxes and tags created first do.
func Generate(ctx context.Context, st *store.Store, opts Options) (Stats, error) {
	started := time.Now()
	opts, err := opts.withDefaults()
	if err != nil {
		return Stats{}, err
	}
	if err := refuseNonEmpty(ctx, st); err != nil {
		return Stats{}, err
	}
	w, err := setup(ctx, st, opts)
	if err != nil {
		return Stats{}, fmt.Errorf("create users, teams and inboxes: %w", err)
	}
	stats := Stats{Users: len(w.users), Teams: len(w.teams), Inboxes: len(w.inboxes), Tags: len(w.tags),
		ByStatus: map[model.Status]int{}}
	opts.Logger.Info("planning", "conversations", opts.Conversations, "messages", opts.Conversations*opts.Messages, "contacts", opts.Contacts)
	s := newSchedule(opts)

	batches := make(chan *batch, 2)
	var jobs []job
	var index time.Duration
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(batches)
		p := newProducer(opts, w, s, batches)
		err := p.run(gctx)
		stats.Contacts, stats.Identities = p.contacts, p.identities
		stats.Conversations, stats.Messages, stats.Events = p.conversations, p.messages, p.events
		stats.ConversationTags, stats.Snoozed = p.convTags, p.snoozed
		for status, n := range p.byStatus {
			stats.ByStatus[status] = n
		}
		jobs = p.jobs
		return err
	})
	g.Go(func() error {
		var err error
		if st.Dialect == store.Postgres {
			index, err = loadPostgres(gctx, st, batches, opts.Logger)
		} else {
			index, err = loadSQLite(gctx, st, batches, opts.Logger)
		}
		return err
	})
	if err := g.Wait(); err != nil {
		return stats, err
	}
	stats.Load = time.Since(started) - index
	stats.Index = index
	if opts.Jobs != nil {
		if err := enqueue(ctx, st, opts.Jobs, jobs); err != nil {
			return stats, fmt.Errorf("schedule jobs: %w", err)
		}
		stats.Jobs = len(jobs)
	}
	if opts.Reports != nil {
		opts.Logger.Info("rebuilding report facts")
		t := time.Now()
		if _, err := opts.Reports.Rebuild(ctx); err != nil {
			return stats, fmt.Errorf("rebuild reports: %w", err)
		}
		stats.Reports = time.Since(t)
	}
	stats.Total = time.Since(started)
	return stats, nil
}

// refuseNonEmpty keeps the generator away from a helpdesk in use: its rows
// would mix with real ones, and its ids and names would collide.
func refuseNonEmpty(ctx context.Context, st *store.Store) error {
	for _, table := range []string{"conversations", "contacts", "inboxes", "teams"} {
		var n int
		if err := st.Reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM `+table+` LIMIT 1) x`).Scan(&n); err != nil {
			return fmt.Errorf("check %s: %w", table, err)
		}
		if n > 0 {
			return fmt.Errorf("the database already has %s: generate needs a freshly migrated database (a new --data directory or an empty PostgreSQL database)", table)
		}
	}
	return nil
}

// job is one scheduled job the service would have enqueued.
type job struct {
	args river.JobArgs
	at   time.Time
}

func enqueue(ctx context.Context, st *store.Store, q conversation.Enqueuer, jobs []job) error {
	const chunk = 2000
	for i := 0; i < len(jobs); i += chunk {
		part := jobs[i:min(i+chunk, len(jobs))]
		err := st.InTx(ctx, func(tx *store.Tx) error {
			for _, j := range part {
				if err := q.InsertTx(ctx, tx, j.args, &river.InsertOpts{ScheduledAt: j.at}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
