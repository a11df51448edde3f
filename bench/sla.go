package main

// The SLA suite (issue 6): `go run ./bench -suite sla` opens Parley in this
// process on a fresh SQLite database and a fresh PostgreSQL database, gives
// -sla-n conversations a running first-response clock each (its breach job
// waiting in River), makes -sla-fire of them fall due spread over
// -sla-window, starts the job queue, and measures how late each breach was
// recorded after its due time (the outcome row's created_at minus due_at).

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/app"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/jobs"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/sla"
	"github.com/parley-hq/parley/internal/store"
)

type slaOptions struct {
	n      int
	fire   int
	window time.Duration
	lead   time.Duration
}

func registerSLAFlags(s *slaOptions) {
	flag.IntVar(&s.n, "sla-n", 100000, "sla: conversations with a running SLA clock")
	flag.IntVar(&s.fire, "sla-fire", 5000, "sla: how many of them fall due during the run")
	flag.DurationVar(&s.window, "sla-window", time.Minute, "sla: the due times of those are spread over this long")
	flag.DurationVar(&s.lead, "sla-lead", 20*time.Second, "sla: the first falls due this long after the queue starts")
}

func runSLASuite(o options, so slaOptions) int {
	ctx := context.Background()
	printMachine()
	dbs := []string{"sqlite", "postgres"}
	if o.db != "both" {
		dbs = []string{o.db}
	}
	code := 0
	for _, db := range dbs {
		if err := slaOne(ctx, o, so, db); err != nil {
			fmt.Fprintf(os.Stderr, "bench sla %s: %v\n", db, err)
			code = 1
		}
	}
	return code
}

func slaOne(ctx context.Context, o options, so slaOptions, db string) error {
	tmp, err := os.MkdirTemp("", "parley-bench-sla-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	cfg := app.Config{DataDir: filepath.Join(tmp, "data"), Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if db == "postgres" {
		u, drop, err := slaDatabase(ctx, o.pgURL)
		if err != nil {
			return err
		}
		defer drop()
		cfg.DatabaseURL = u
	}
	a, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	hub, stopHub := context.WithCancel(ctx)
	defer stopHub()
	go a.Hub.Run(hub)

	// One real conversation made through the service gives the inbox,
	// contact and policy; the rest are copies written in bulk.
	admin, err := a.Accounts.CreateUser(ctx, model.System, account.UserCreateRequest{Email: "admin@bench.test", Name: "Admin", Role: model.RoleAdmin, Password: "password123"})
	if err != nil {
		return err
	}
	actor := model.Actor{UserID: admin.ID, Role: admin.Role, Name: admin.Name}
	inbox, err := a.Accounts.CreateInbox(ctx, actor, account.InboxCreateRequest{Name: "Support", Channel: model.ChannelAPI})
	if err != nil {
		return err
	}
	name := "Bench"
	target := 30 * 24 * time.Hour
	p, err := a.SLA.CreatePolicy(ctx, actor, sla.PolicyRequest{Name: &name, FirstResponse: &sla.Targets{target, target, target, target}})
	if err != nil {
		return err
	}
	first, err := a.Conversations.Create(ctx, actor, conversation.CreateRequest{InboxID: inbox.ID, Contact: contact.Ref{Email: "c@bench.test"},
		Subject: "Bench", Message: conversation.MessageRequest{Body: "Hello", Direction: "incoming"}})
	if err != nil {
		return err
	}

	fmt.Printf("\n%s: seeding %d conversations with running SLA clocks …\n", db, so.n)
	start := time.Now()
	var nextID int64
	if err := a.Store.Reader.QueryRowContext(ctx, `SELECT MAX(id) + 1 FROM conversations`).Scan(&nextID); err != nil {
		return err
	}
	// The clocks that fall due later first, then those that fall due
	// during the run, so that seeding time does not eat into the lead.
	later := time.Now().Add(time.Hour)
	rest := so.n - so.fire
	if err := slaSeed(ctx, a, first, p.ID, target, nextID, rest, func(i int) time.Time { return later.Add(time.Duration(i) * 20 * time.Second) }); err != nil {
		return err
	}
	firstDue := time.Now().Add(so.lead)
	if err := slaSeed(ctx, a, first, p.ID, target, nextID+int64(rest), so.fire, func(i int) time.Time {
		return firstDue.Add(so.window * time.Duration(i) / time.Duration(max(so.fire, 1)))
	}); err != nil {
		return err
	}
	fmt.Printf("%s: seeded in %s; %d fall due between +%s and +%s, the rest within 30 days\n", db,
		time.Since(start).Round(time.Millisecond), so.fire, time.Until(firstDue).Round(time.Second), time.Until(firstDue.Add(so.window)).Round(time.Second))

	if err := a.Jobs.Start(ctx); err != nil {
		return err
	}
	defer func() {
		stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Jobs.Stop(stop)
	}()
	deadline := firstDue.Add(so.window + 2*time.Minute)
	var n int
	for time.Now().Before(deadline) {
		if err := a.Store.Reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM sla_outcomes WHERE kind = 'breached'`).Scan(&n); err != nil {
			return err
		}
		if n >= so.fire && time.Now().After(firstDue.Add(so.window)) {
			break
		}
		time.Sleep(time.Second)
	}
	rows, err := a.Store.Reader.QueryContext(ctx, `SELECT created_at - due_at FROM sla_outcomes WHERE kind = 'breached'`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var lags []time.Duration
	for rows.Next() {
		var ms int64
		if err := rows.Scan(&ms); err != nil {
			return err
		}
		lags = append(lags, time.Duration(ms)*time.Millisecond)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var dup int
	if err := a.Store.Reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM conversation_events WHERE action = 'sla.breached'`).Scan(&dup); err != nil {
		return err
	}
	slices.Sort(lags)
	pct := func(q float64) time.Duration {
		if len(lags) == 0 {
			return 0
		}
		return lags[min(len(lags)-1, int(q*float64(len(lags))))]
	}
	over := 0
	for _, l := range lags {
		if l > time.Second {
			over++
		}
	}
	fmt.Printf("%s: %d of %d due breaches recorded (%d sla.breached events); lag after the due time: p50 %s, p90 %s, p99 %s, max %s; %d over 1 s\n",
		db, len(lags), so.fire, dup, pct(0.5), pct(0.9), pct(0.99), pct(1), over)
	return nil
}

// slaSeed writes count conversations copied from first, with ids from
// fromID, each with a running first-response clock due at dueOf(i) and its
// breach job, in batches. Each clock is as the service would have left it:
// started target before its due time, as if the customer had written then.
func slaSeed(ctx context.Context, a *app.App, first model.Conversation, policyID int64, target time.Duration, fromID int64, count int, dueOf func(int) time.Time) error {
	const batch = 1000
	for done := 0; done < count; done += batch {
		err := a.Store.InTx(ctx, func(tx *store.Tx) error {
			var conv, clocks []string
			var cargs, kargs []any
			var params []river.InsertManyParams
			for i := done; i < min(done+batch, count); i++ {
				id := fromID + int64(i)
				due := dueOf(i)
				dueMS := due.UnixMilli()
				startMS := dueMS - target.Milliseconds()
				k := len(cargs)
				conv = append(conv, fmt.Sprintf("($%d, $%d, $%d, 'Bench', 'new', 1, $%d, $%d, $%d, $%d, $%d, 1, 'Hello', $%d, $%d)",
					k+1, k+2, k+3, k+4, k+4, k+4, k+4, k+4, k+5, k+6))
				cargs = append(cargs, id, first.InboxID, first.Contact.ID, startMS, policyID, dueMS)
				k = len(kargs)
				clocks = append(clocks, fmt.Sprintf("($%d, 'first_response', 0, $%d, 'running', $%d, $%d, 0, $%d, $%d, '')", k+1, k+2, k+3, k+4, k+3, k+5))
				kargs = append(kargs, id, policyID, startMS, target.Milliseconds(), dueMS)
				params = append(params, river.InsertManyParams{Args: sla.FireArgs{ConversationID: id, Target: sla.FirstResponse, Fires: "breached", At: dueMS},
					InsertOpts: &river.InsertOpts{Queue: jobs.ReadyQueue, ScheduledAt: due}})
			}
			if _, err := tx.SQL().ExecContext(ctx, `INSERT INTO conversations (id, inbox_id, contact_id, subject, status, priority,
 created_at, updated_at, last_activity_at, status_changed_at, waiting_since, message_count, preview, sla_policy_id, sla_due_at) VALUES `+strings.Join(conv, ","), cargs...); err != nil {
				return err
			}
			if _, err := tx.SQL().ExecContext(ctx, `INSERT INTO sla_clocks (conversation_id, target, cycle, policy_id, state, started_at,
 target_ms, elapsed_ms, running_since, due_at, outcome) VALUES `+strings.Join(clocks, ","), kargs...); err != nil {
				return err
			}
			if _, err := a.Jobs.Client().InsertManyTx(ctx, tx.SQL(), params); err != nil {
				return err
			}
			// As jobs.Queue.InsertAtTx does one by one: ready for the fetch poll.
			_, err := tx.SQL().ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE queue = 'sla' AND state = 'scheduled'`)
			return err
		})
		if err != nil {
			return err
		}
	}
	if a.Store.Dialect == store.Postgres {
		_, err := a.Store.Writer.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('conversations', 'id'), (SELECT MAX(id) FROM conversations))`)
		return err
	}
	return nil
}

// slaDatabase creates a PostgreSQL database for one run and returns its URL
// and a function that drops it.
func slaDatabase(ctx context.Context, base string) (string, func(), error) {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "parley_bench_sla_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		admin.Close()
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), func() {
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	}, nil
}
