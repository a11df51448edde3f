package main

// The web and triage suites: `go run ./bench -suite web|triage` runs
// `parley serve` on an existing dataset (made by `parley generate`) instead
// of a fresh database, and measures the figures of the web app (issue 3)
// and of triage at scale (issue 4). The default suite is unchanged.

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/parley-hq/parley/internal/store"
)

type suiteOptions struct {
	name        string
	data        string // --data of the dataset
	database    string // --database of the dataset (sqlite://… or postgres://…); empty: SQLite in data
	reqs        int    // timed requests per web figure
	sseConns    int
	sseRounds   int
	pages       int     // pages walked per filter in the triage list figure
	walks       int     // times each filter's pages are walked
	rate        float64 // messages/s arriving during the loaded list phase
	deepPage    int     // page of the OFFSET baseline's deep figure
	bulkSize    int     // conversations the bulk filter should match, about
	skipBulk    bool
	phases      string        // triage: comma list of list,load,baseline,search,views,bulk
	budget      time.Duration // triage: time bound of the search phase
	searchSort  string        // triage: sort of the search requests; empty for the API's default
	searchTerms string        // triage: comma list of search terms instead of the built-in list
}

func (s suiteOptions) phase(name string) bool {
	return s.phases == "" || strings.Contains(","+s.phases+",", ","+name+",")
}

func registerSuiteFlags(s *suiteOptions) {
	flag.StringVar(&s.name, "suite", "default", "default (fresh database, messages, reads, auth), web (issue 3) or triage (issue 4) on an existing dataset")
	flag.StringVar(&s.data, "data", "", "web/triage: the dataset's data directory (parley generate --data)")
	flag.StringVar(&s.database, "database", "", "web/triage: the dataset's database URL (sqlite:///path or postgres://…); empty for SQLite in -data")
	flag.IntVar(&s.reqs, "reqs", 1000, "web: timed requests per page figure")
	flag.IntVar(&s.sseConns, "sse-conns", 200, "web: event streams connected")
	flag.IntVar(&s.sseRounds, "sse-rounds", 50, "web: events raised, one at a time")
	flag.IntVar(&s.pages, "pages", 20, "triage: pages of 50 walked with the cursor per filter")
	flag.IntVar(&s.walks, "walks", 10, "triage: walks of those pages per filter and phase")
	flag.Float64Var(&s.rate, "rate", 100, "triage: messages per second posted during the loaded list phase")
	flag.IntVar(&s.deepPage, "deep-page", 1000, "triage: the deep page of the OFFSET baseline")
	flag.IntVar(&s.bulkSize, "bulk", 10000, "triage: about how many conversations the bulk update's filter matches")
	flag.BoolVar(&s.skipBulk, "skip-bulk", false, "triage: leave out the bulk update (the only phase that changes many rows)")
	flag.StringVar(&s.phases, "phases", "", "triage: run only these phases (comma list of list,load,baseline,search,views,bulk); empty for all")
	flag.StringVar(&s.searchSort, "search-sort", "", "triage: sort of the search requests (relevance, -last_activity, …); empty for the API's default")
	flag.StringVar(&s.searchTerms, "search-terms", "", "triage: comma list of search terms to time instead of the built-in list")
	flag.DurationVar(&s.budget, "search-budget", 5*time.Minute, "triage: time bound of the search phase (each request also times out after 60 s)")
}

// suiteEnv is a running server on an existing dataset, with an admin
// signed in both ways (token and session cookie).
type suiteEnv struct {
	s      *server
	c      *client
	token  string
	cookie string
	st     *store.Store // the same database, opened by the bench for picking and baseline SQL
	db     string       // sqlite or postgres
}

func runSuite(o options) int {
	so := o.suite
	if so.name == "email" {
		return runEmailSuite(o)
	}
	if so.name == "automation" {
		return runAutomation()
	}
	if so.name != "web" && so.name != "triage" && so.name != "profiles" && so.name != "gdpr" {
		fmt.Fprintf(os.Stderr, "bench: -suite %q: want default, web or triage\n", so.name)
		return 2
	}
	if so.data == "" && so.database == "" {
		fmt.Fprintln(os.Stderr, "bench: -suite web/triage needs -data DIR and/or -database URL of a generated dataset")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tmp, err := os.MkdirTemp("", "parley-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	defer func() {
		if o.keepFiles {
			fmt.Fprintln(os.Stderr, "kept", tmp)
		} else {
			os.RemoveAll(tmp)
		}
	}()
	printMachine()
	bin := o.bin
	if bin == "" {
		fmt.Fprintln(os.Stderr, "building parley …")
		if bin, err = buildParley(ctx, tmp); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return 1
		}
	}
	fmt.Printf("parley binary: %s\n", buildInfo(ctx, bin))
	e, err := startOnDataset(ctx, bin, tmp, so)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	defer func() {
		e.st.Close()
		if err := e.s.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "bench: stop server: %v\n", err)
		}
	}()
	if so.name == "web" {
		err = webSuite(ctx, so, e)
	} else if so.name == "profiles" {
		err = profilesSuite(ctx, so, e)
	} else if so.name == "gdpr" {
		err = gdprSuite(ctx, so, e)
	} else {
		err = triageSuite(ctx, so, e)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		fmt.Fprintf(os.Stderr, "server log (tail):\n%s\n", e.s.log())
		return 1
	}
	return 0
}

func startOnDataset(ctx context.Context, bin, tmp string, so suiteOptions) (*suiteEnv, error) {
	data := so.data
	if data == "" {
		data = filepath.Join(tmp, "data")
		if err := os.MkdirAll(data, 0o700); err != nil {
			return nil, err
		}
	}
	s := &server{bin: bin, data: data, database: so.database, logDir: tmp}
	db := "sqlite"
	if strings.HasPrefix(so.database, "postgres") {
		db = "postgres"
	}
	fmt.Printf("dataset: %s (%s)\n", describeDataset(so), db)
	// A user of our own, so the run needs no password of the dataset's.
	var b [4]byte
	_, _ = rand.Read(b[:])
	email := "bench-" + hex.EncodeToString(b[:]) + "@example.com"
	fmt.Fprintf(os.Stderr, "creating admin %s in the dataset …\n", email)
	token, err := s.createAdmin(ctx, email)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	if err := s.start(ctx); err != nil {
		return nil, err
	}
	c := newClient(s.Addr, token, 32)
	if err := waitReady(ctx, c); err != nil {
		s.stop()
		return nil, err
	}
	fmt.Printf("parley serve pid %d on %s, ready in %v; admin %s added to the dataset\n", s.Pid, s.Addr, time.Since(t0).Round(time.Millisecond), email)
	cookie, err := login(ctx, c, email, "bench-password-123")
	if err != nil {
		s.stop()
		return nil, err
	}
	st, err := store.Open(ctx, so.database, data)
	if err != nil {
		s.stop()
		return nil, err
	}
	return &suiteEnv{s: s, c: c, token: token, cookie: cookie, st: st, db: db}, nil
}

func describeDataset(so suiteOptions) string {
	if so.database != "" {
		return redact(so.database)
	}
	return "--data " + so.data
}

// login signs in through POST /api/v1/auth/login and returns the session cookie.
func login(ctx context.Context, c *client, email, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+"/api/v1/auth/login", strings.NewReader(string(body)))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("login: status %d: %s", resp.StatusCode, b)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == "parley_session" {
			return ck.Value, nil
		}
	}
	return "", errors.New("login: no parley_session cookie")
}

// page GETs path with the session cookie, as a browser does.
func (e *suiteEnv) page(ctx context.Context, path string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", e.c.base+path, nil)
	if err != nil {
		return 0, nil, err
	}
	req.AddCookie(&http.Cookie{Name: "parley_session", Value: e.cookie})
	resp, err := e.c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// timeN runs op warm times untimed, then n times timed, one at a time.
func timeN(ctx context.Context, warm, n int, op func(i int) error) (stats, error) {
	for i := 0; i < warm; i++ {
		if err := op(i); err != nil {
			return stats{}, err
		}
	}
	ds := make([]time.Duration, 0, n)
	start := time.Now()
	for i := 0; i < n && ctx.Err() == nil; i++ {
		t0 := time.Now()
		if err := op(warm + i); err != nil {
			return stats{}, err
		}
		ds = append(ds, time.Since(t0))
	}
	s := summarize(ds)
	s.Elapsed = time.Since(start)
	return s, ctx.Err()
}

func lat(s stats) string {
	return fmt.Sprintf("p50 %s, p90 %s, p99 %s, max %s (n=%d)", ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max), s.N)
}

func report(name string, s stats, cpu cpuShare, target string, met bool) {
	line := fmt.Sprintf("%-58s %s", name, lat(s))
	if target != "" {
		line += fmt.Sprintf("  target %s: %s", target, yes(met))
	}
	fmt.Println(line)
	fmt.Printf("%-58s %s (cores: server / load gen. / PostgreSQL / other), load average %s\n", "", cpu, loadavg())
}

// ids runs a query returning one integer column.
func (e *suiteEnv) ids(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := e.st.Reader.QueryContext(ctx, e.sql(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// sql turns ? placeholders into $n on PostgreSQL.
func (e *suiteEnv) sql(q string) string {
	if e.db != "postgres" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (e *suiteEnv) randomOrder() string {
	return "random()"
}

// ---------------------------------------------------------------- web

func webSuite(ctx context.Context, so suiteOptions, e *suiteEnv) error {
	var n int64
	if err := e.st.Reader.QueryRowContext(ctx, "SELECT COUNT(*) FROM conversations").Scan(&n); err != nil {
		return err
	}
	var m int64
	if err := e.st.Reader.QueryRowContext(ctx, "SELECT COUNT(*) FROM messages").Scan(&m); err != nil {
		return err
	}
	fmt.Printf("dataset holds %d conversations, %d messages\n\n", n, m)

	// JavaScript and CSS shipped: every file under internal/web/static.
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	files, _ := filepath.Glob(filepath.Join(root, "internal/web/static/*"))
	var total int64
	var parts []string
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil || fi.IsDir() {
			continue
		}
		total += fi.Size()
		parts = append(parts, fmt.Sprintf("%s %d", filepath.Base(f), fi.Size()))
	}
	// The same, as served: the inbox page's <script>/<link> targets.
	st, body, err := e.page(ctx, "/inbox")
	if err := expect(st, body, err, 200); err != nil {
		return fmt.Errorf("GET /inbox: %w", err)
	}
	var served int64
	var assets []string
	for _, a := range strings.Split(string(body), "\"") {
		if strings.HasPrefix(a, "/static/") {
			st, b, err := e.page(ctx, strings.ReplaceAll(a, "&amp;", "&"))
			if err := expect(st, b, err, 200); err != nil {
				return fmt.Errorf("GET %s: %w", a, err)
			}
			served += int64(len(b))
			assets = append(assets, fmt.Sprintf("%s %d", a, len(b)))
		}
	}
	fmt.Printf("%-58s %d bytes (%.1f KiB): %s  target < 150 KB: %s\n", "JS + CSS files in internal/web/static", total, float64(total)/1024,
		strings.Join(parts, ", "), yes(total < 150*1000))
	fmt.Printf("%-58s %d bytes, uncompressed: %s\n", "  the same as /inbox links and serves them", served, strings.Join(assets, ", "))
	fmt.Printf("%-58s %d bytes\n", "  HTML of GET /inbox", len(body))

	// Inbox page.
	mark := markCPU(e.s.Pid)
	s, err := timeN(ctx, 50, so.reqs, func(int) error {
		st, b, err := e.page(ctx, "/inbox")
		return expect(st, b, err, 200)
	})
	if err != nil {
		return fmt.Errorf("GET /inbox: %w", err)
	}
	report("GET /inbox (signed in, 1 client)", s, mark.since(), "p50 & p99 < 20 ms", s.P50 < 20*time.Millisecond && s.P99 < 20*time.Millisecond)

	// Its two halves, as the page's own fragments: where the time goes.
	for _, frag := range []string{"/inbox/sidebar", "/inbox/list"} {
		mark = markCPU(e.s.Pid)
		s, err := timeN(ctx, 20, so.reqs/2, func(int) error {
			st, b, err := e.page(ctx, frag)
			return expect(st, b, err, 200)
		})
		if err != nil {
			return fmt.Errorf("GET %s: %w", frag, err)
		}
		report("  GET "+frag+" (fragment alone)", s, mark.since(), "", false)
	}

	// Opening conversations: a random spread of them.
	convs, err := e.ids(ctx, "SELECT id FROM conversations ORDER BY "+e.randomOrder()+" LIMIT 500")
	if err != nil {
		return err
	}
	var sumMsgs float64
	for _, id := range convs[:min(100, len(convs))] {
		var k int64
		_ = e.st.Reader.QueryRowContext(ctx, e.sql("SELECT message_count FROM conversations WHERE id = ?"), id).Scan(&k)
		sumMsgs += float64(k)
	}
	fmt.Printf("%-58s %d random conversations (first 100: %.1f messages on average)\n", "conversations opened", len(convs), sumMsgs/float64(min(100, len(convs))))
	mark = markCPU(e.s.Pid)
	s, err = timeN(ctx, 50, so.reqs, func(i int) error {
		st, b, err := e.page(ctx, fmt.Sprintf("/inbox/conversations/%d", convs[i%len(convs)]))
		return expect(st, b, err, 200)
	})
	if err != nil {
		return fmt.Errorf("GET /inbox/conversations/{id}: %w", err)
	}
	report("GET /inbox/conversations/{id} (the pane, 1 client)", s, mark.since(), "p99 < 15 ms", s.P99 < 15*time.Millisecond)
	mark = markCPU(e.s.Pid)
	s, err = timeN(ctx, 20, so.reqs/2, func(i int) error {
		st, b, err := e.page(ctx, fmt.Sprintf("/inbox?open=%d", convs[(i*7)%len(convs)]))
		return expect(st, b, err, 200)
	})
	if err != nil {
		return fmt.Errorf("GET /inbox?open={id}: %w", err)
	}
	report("GET /inbox?open={id} (whole page with the pane)", s, mark.since(), "", false)

	// Events reaching connected agents.
	return sseBench(ctx, so, e)
}

type sseEvent struct {
	at   time.Time
	id   int64
	conv int64
}

func sseBench(ctx context.Context, so suiteOptions, e *suiteEnv) error {
	targets, err := e.ids(ctx, "SELECT id FROM conversations WHERE status IN ('open','pending') AND merged_into_id IS NULL ORDER BY id DESC LIMIT ?", so.sseRounds)
	if err != nil {
		// Older schemas without merged_into_id.
		targets, err = e.ids(ctx, "SELECT id FROM conversations WHERE status IN ('open','pending') ORDER BY id DESC LIMIT ?", so.sseRounds)
		if err != nil {
			return err
		}
	}
	if len(targets) == 0 {
		return errors.New("no open or pending conversation to post to")
	}
	tr := &http.Transport{DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext, MaxIdleConnsPerHost: so.sseConns, DisableCompression: true}
	hc := &http.Client{Transport: tr}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chans := make([]chan sseEvent, so.sseConns)
	var wg sync.WaitGroup
	ready := make(chan error, so.sseConns)
	for i := range chans {
		chans[i] = make(chan sseEvent, 1024)
		wg.Add(1)
		go func(ch chan sseEvent) {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(sctx, "GET", e.c.base+"/api/v1/events/stream", nil)
			req.Header.Set("Authorization", "Bearer "+e.token)
			resp, err := hc.Do(req)
			if err != nil {
				ready <- err
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 {
				ready <- fmt.Errorf("stream: status %d", resp.StatusCode)
				return
			}
			ready <- nil
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			for sc.Scan() {
				line := sc.Text()
				d, ok := strings.CutPrefix(line, "data: ")
				if !ok {
					continue
				}
				at := time.Now()
				var ev struct {
					ID             int64 `json:"id"`
					ConversationID int64 `json:"conversation_id"`
				}
				if json.Unmarshal([]byte(d), &ev) != nil {
					continue
				}
				select {
				case ch <- sseEvent{at: at, id: ev.ID, conv: ev.ConversationID}:
				default:
				}
			}
		}(chans[i])
	}
	for range chans {
		if err := <-ready; err != nil {
			return fmt.Errorf("connecting %d streams: %w", so.sseConns, err)
		}
	}
	fmt.Printf("%-58s %d (one admin token), server VmRSS now %s\n", "event streams connected", so.sseConns, rssOf(e.s.Pid))
	if err := sleep(ctx, time.Second); err != nil {
		return err
	}
	drain := func() {
		for _, ch := range chans {
			for len(ch) > 0 {
				<-ch
			}
		}
	}
	drain()
	body, _ := json.Marshal(map[string]string{"body": "Thanks, we are on it: the bench checks how fast this reaches every agent.", "direction": "outgoing"})
	var all, posts, lastOf []time.Duration
	missed := 0
	mark := markCPU(e.s.Pid)
	for r := 0; r < so.sseRounds && ctx.Err() == nil; r++ {
		conv := targets[r%len(targets)]
		t0 := time.Now()
		st, b, err := e.c.do(ctx, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", conv), body, true)
		posts = append(posts, time.Since(t0))
		if err := expect(st, b, err, 201); err != nil {
			return fmt.Errorf("post message: %w", err)
		}
		deadline := time.After(5 * time.Second)
		var slowest time.Duration
	streams:
		for _, ch := range chans {
			for {
				select {
				case ev := <-ch:
					if ev.conv != conv || ev.at.Before(t0) {
						continue
					}
					d := ev.at.Sub(t0)
					all = append(all, d)
					slowest = max(slowest, d)
					continue streams
				case <-deadline:
					missed++
					continue streams
				}
			}
		}
		lastOf = append(lastOf, slowest)
		_ = sleep(ctx, 200*time.Millisecond)
		drain()
	}
	cpu := mark.since()
	cancel()
	wg.Wait()
	s := summarize(all)
	report(fmt.Sprintf("event to %d streams (POST start → each stream)", so.sseConns), s, cpu, "p99 < 100 ms", s.P99 < 100*time.Millisecond && missed == 0)
	fmt.Printf("%-58s %d rounds, %d deliveries, %d missing after 5 s\n", "", len(lastOf), len(all), missed)
	fmt.Printf("%-58s %s\n", "  slowest stream of each round", lat(summarize(lastOf)))
	fmt.Printf("%-58s %s\n", "  the POST itself", lat(summarize(posts)))
	return nil
}

func rssOf(pid int) string {
	rss, _, err := memory(pid)
	if err != nil {
		return "?"
	}
	return mib(rss)
}

var _ = url.QueryEscape
