package main

// The reports suite (issue 7): `go run ./bench -suite reports` opens Parley
// in this process, on a fresh SQLite and a fresh PostgreSQL database filled
// by the dataset generator (-reports-n conversations over two years, report
// facts rebuilt at the end), or on an existing generated dataset
// (-data/-database). It times, through the real HTTP handler: the summary
// of the last 90 days with each breakdown, the series and busiest hours,
// and the per-conversation CSV export of up to -reports-csv rows (the
// heap's peak sampled while it streams); and the rebuild of every fact.

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/parley-hq/parley/internal/app"
	"github.com/parley-hq/parley/internal/dataset"
	"github.com/parley-hq/parley/internal/model"
	preport "github.com/parley-hq/parley/internal/report"
	"github.com/parley-hq/parley/internal/store"
)

type reportOptions struct {
	n       int
	csvRows int
	reps    int
	rebuild bool
}

func registerReportFlags(r *reportOptions) {
	flag.IntVar(&r.n, "reports-n", 20000, "reports: conversations to generate on each fresh database")
	flag.IntVar(&r.csvRows, "reports-csv", 100000, "reports: rows the CSV export aims at (fewer when the data has fewer)")
	flag.IntVar(&r.reps, "reports-reps", 5, "reports: timed repetitions of each summary")
	flag.BoolVar(&r.rebuild, "reports-rebuild", false, "reports: on an existing dataset, rebuild the facts first (always done on a fresh one)")
}

func runReportsSuite(o options, ro reportOptions) int {
	ctx := context.Background()
	printMachine()
	code := 0
	if o.suite.data != "" || o.suite.database != "" {
		if err := reportsOne(ctx, o, ro, "dataset"); err != nil {
			fmt.Fprintf(os.Stderr, "bench reports: %v\n", err)
			code = 1
		}
		return code
	}
	dbs := []string{"sqlite", "postgres"}
	if o.db != "both" {
		dbs = []string{o.db}
	}
	for _, db := range dbs {
		if err := reportsOne(ctx, o, ro, db); err != nil {
			fmt.Fprintf(os.Stderr, "bench reports %s: %v\n", db, err)
			code = 1
		}
	}
	return code
}

func reportsOne(ctx context.Context, o options, ro reportOptions, db string) error {
	fresh := db != "dataset"
	a, closeApp, err := openBenchApp(ctx, o, db, "reports")
	if err != nil {
		return err
	}
	defer closeApp()
	db = string(a.Store.Dialect)
	if fresh {
		fmt.Printf("\n%s: generating %d conversations …\n", db, ro.n)
		st, err := dataset.Generate(ctx, a.Store, dataset.Options{Conversations: ro.n, Messages: 10, Seed: 1})
		if err != nil {
			return err
		}
		fmt.Printf("%s: generated in %s\n", db, st.Total.Round(time.Millisecond))
	}
	if fresh || ro.rebuild {
		start := time.Now()
		n, err := a.Reports.Rebuild(ctx)
		if err != nil {
			return err
		}
		el := time.Since(start)
		fmt.Printf("%s: rebuild-reports: %d conversations in %s (%.0f conversations/s)\n", db, n, el.Round(time.Millisecond), float64(n)/el.Seconds())
	}
	var facts int64
	if err := a.Store.Reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM report_facts`).Scan(&facts); err != nil {
		return err
	}
	u, err := a.Accounts.UserByEmail(ctx, dataset.AdminEmail)
	if err != nil {
		return fmt.Errorf("the dataset's admin %s: %w", dataset.AdminEmail, err)
	}
	token, _, err := a.Accounts.CreateToken(ctx, model.System, u.ID, "bench reports")
	if err != nil {
		return err
	}
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()
	get := func(path string, sink io.Writer) (time.Duration, int, error) {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, 0, err
		}
		defer resp.Body.Close()
		if sink == nil {
			sink = io.Discard
		}
		if _, err := io.Copy(sink, resp.Body); err != nil {
			return 0, 0, err
		}
		if resp.StatusCode != 200 {
			return 0, resp.StatusCode, fmt.Errorf("GET %s: %d", path, resp.StatusCode)
		}
		return time.Since(start), resp.StatusCode, nil
	}

	// The newest conversation's day ends the range, so the last 90 days
	// hold data on a dataset generated earlier.
	var newest int64
	if err := a.Store.Reader.QueryRowContext(ctx, `SELECT COALESCE(MAX(created_at), 0) FROM conversations`).Scan(&newest); err != nil {
		return err
	}
	end := store.FromMillis(newest).AddDate(0, 0, 1).Truncate(24 * time.Hour)
	rng := "from=" + end.AddDate(0, 0, -90).Format(time.RFC3339) + "&to=" + end.Format(time.RFC3339)
	var in90 int64
	if err := a.Store.Reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM conversations WHERE created_at >= $1`,
		store.Millis(end.AddDate(0, 0, -90))).Scan(&in90); err != nil {
		return err
	}
	fmt.Printf("%s: %d report facts; %d conversations created in the 90 days\n", db, facts, in90)

	rows := [][]string{{"report (90 days)", "median", "max", "reps"}}
	for _, q := range []string{"summary", "summary?group_by=agent", "summary?group_by=team", "summary?group_by=inbox",
		"summary?group_by=channel", "summary?group_by=tag", "summary?group_by=customer_type", "summary?hours=business&group_by=agent",
		"series", "busiest-hours", "conversations?metric=resolution_time"} {
		path := "/api/v1/reports/" + q
		if strings.Contains(q, "?") {
			path += "&" + rng
		} else {
			path += "?" + rng
		}
		if _, _, err := get(path, nil); err != nil { // warm
			return err
		}
		var times []time.Duration
		for range ro.reps {
			d, _, err := get(path, nil)
			if err != nil {
				return err
			}
			times = append(times, d)
		}
		slices.Sort(times)
		rows = append(rows, []string{q, msOf(times[len(times)/2]), msOf(times[len(times)-1]), fmt.Sprint(ro.reps)})
	}
	printRows(rows)

	// The CSV export: a range holding about -reports-csv conversations.
	var from int64
	err = a.Store.Reader.QueryRowContext(ctx, `SELECT COALESCE(MIN(created_at), 0) FROM (SELECT created_at FROM conversations
 ORDER BY created_at DESC LIMIT $1) x`, ro.csvRows).Scan(&from)
	if err != nil {
		return err
	}
	// Within the longest range a report allows.
	from = max(from, store.Millis(end.Add(-preport.MaxRange)))
	path := "/api/v1/reports/conversations.csv?from=" + store.FromMillis(from).Format(time.RFC3339) + "&to=" + end.Format(time.RFC3339)
	var peak atomic.Uint64
	runtime.GC()
	var ms0 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	done := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()
	var lines lineCounter
	d, _, err := get(path, &lines)
	close(done)
	if err != nil {
		return err
	}
	fmt.Printf("%s: conversations.csv: %d rows, %.1f MB in %s; heap in use %.1f MB before, peak %.1f MB while streaming\n", db,
		lines.n-1, float64(lines.bytes)/1e6, d.Round(time.Millisecond), float64(ms0.HeapInuse)/1e6, float64(peak.Load())/1e6)
	return nil
}

// lineCounter counts the lines and bytes written to it.
type lineCounter struct{ n, bytes int }

func (l *lineCounter) Write(p []byte) (int, error) {
	l.bytes += len(p)
	for _, b := range p {
		if b == '\n' {
			l.n++
		}
	}
	return len(p), nil
}

func msOf(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func printRows(rows [][]string) {
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for _, r := range rows {
		fmt.Fprintf(w, "  %-40s %12s %12s %6s\n", r[0], r[1], r[2], r[3])
	}
}

// openBenchApp opens Parley in process for a suite: on the -data/-database
// dataset when db is "dataset", else on a fresh data directory (and, for
// "postgres", a fresh database); done closes it and removes what it made.
func openBenchApp(ctx context.Context, o options, db, suite string) (a *app.App, done func(), err error) {
	cfg := app.Config{Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	var cleanups []func()
	done = func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}
	if db == "dataset" {
		cfg.DataDir, cfg.DatabaseURL = o.suite.data, o.suite.database
	} else {
		tmp, err := os.MkdirTemp("", "parley-bench-"+suite+"-")
		if err != nil {
			return nil, done, err
		}
		cleanups = append(cleanups, func() { os.RemoveAll(tmp) })
		cfg.DataDir = filepath.Join(tmp, "data")
		if db == "postgres" {
			u, drop, err := slaDatabase(ctx, o.pgURL)
			if err != nil {
				done()
				return nil, func() {}, err
			}
			cleanups = append(cleanups, drop)
			cfg.DatabaseURL = u
		}
	}
	if a, err = app.Open(ctx, cfg); err != nil {
		done()
		return nil, func() {}, err
	}
	cleanups = append(cleanups, func() { a.Close() })
	return a, done, nil
}
