package main

// The dashboard suite (issue 7, the web app's part): `go run ./bench -suite
// dashboard` generates -dashboard-n conversations on a fresh SQLite and a
// fresh PostgreSQL database (or opens a generated dataset with
// -data/-database) and times, through the real HTTP handler, the live
// dashboard's JSON (/api/v1/reports/live), its server-rendered fragment
// (/dashboard/live, what the page fetches on every change) and the reports
// page broken down by agent (/reports?group_by=agent: summary, series and
// busiest hours, rendered with their charts).

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"time"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/dataset"
	"github.com/parley-hq/parley/internal/model"
)

var dashboardN = flag.Int("dashboard-n", 20000, "dashboard: conversations to generate on each fresh database")

func runDashboardSuite(o options) int {
	ctx := context.Background()
	printMachine()
	dbs := []string{"sqlite", "postgres"}
	if o.suite.data != "" || o.suite.database != "" {
		dbs = []string{"dataset"}
	} else if o.db != "both" {
		dbs = []string{o.db}
	}
	code := 0
	for _, db := range dbs {
		if err := dashboardOne(ctx, o, db); err != nil {
			fmt.Fprintf(os.Stderr, "bench dashboard %s: %v\n", db, err)
			code = 1
		}
	}
	return code
}

func dashboardOne(ctx context.Context, o options, db string) error {
	fresh := db != "dataset"
	a, closeApp, err := openBenchApp(ctx, o, db, "dashboard")
	if err != nil {
		return err
	}
	defer closeApp()
	db = string(a.Store.Dialect)
	if fresh {
		fmt.Printf("\n%s: generating %d conversations …\n", db, *dashboardN)
		if _, err := dataset.Generate(ctx, a.Store, dataset.Options{Conversations: *dashboardN, Messages: 10, Seed: 1}); err != nil {
			return err
		}
		if _, err := a.Reports.Rebuild(ctx); err != nil {
			return err
		}
	}
	var total, open int64
	if err := a.Store.Reader.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN status IN ('new','open','pending') THEN 1 ELSE 0 END), 0) FROM conversations`).Scan(&total, &open); err != nil {
		return err
	}
	fmt.Printf("%s: %d conversations, %d unresolved\n", db, total, open)
	// The dataset's admin has no password; give it one to sign in with.
	u, err := a.Accounts.UserByEmail(ctx, dataset.AdminEmail)
	if err != nil {
		return err
	}
	pw := "bench-dashboard"
	if _, err := a.Accounts.UpdateUser(ctx, model.System, u.ID, account.UserPatch{Password: &pw}); err != nil {
		return err
	}
	sess, err := a.Accounts.Login(ctx, dataset.AdminEmail, pw, "bench")
	if err != nil {
		return fmt.Errorf("sign in as the dataset's admin: %w", err)
	}
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()
	get := func(path string) (time.Duration, error) {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+path, nil)
		req.AddCookie(&http.Cookie{Name: "parley_session", Value: sess.Secret})
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != 200 {
			return 0, fmt.Errorf("GET %s: %d", path, resp.StatusCode)
		}
		return time.Since(start), nil
	}
	rows := [][]string{{"request", "median", "max", "reps"}}
	const reps = 10
	for _, path := range []string{"/api/v1/reports/live", "/dashboard/live", "/reports?group_by=agent"} {
		if _, err := get(path); err != nil { // warm
			return err
		}
		var times []time.Duration
		for range reps {
			d, err := get(path)
			if err != nil {
				return err
			}
			times = append(times, d)
		}
		slices.Sort(times)
		rows = append(rows, []string{path, msOf(times[len(times)/2]), msOf(times[len(times)-1]), fmt.Sprint(reps)})
	}
	printRows(rows)
	return nil
}
