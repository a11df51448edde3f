// Command bench measures Parley as its users run it: it builds the parley
// binary, starts `parley serve` on a fresh SQLite data directory and on a
// fresh PostgreSQL database, drives the REST API over loopback with a
// bounded number of requests, reads the server's memory from /proc, and
// prints one table. It cleans up after itself (temporary directory, bench
// database, server process).
//
//	go run ./bench                  # both databases, 20,000 messages each
//	go run ./bench -db sqlite -n 5000
//	go run ./bench -suite web -data DIR              # issue 3, on a generated dataset
//	go run ./bench -suite triage -database URL       # issue 4, on a generated dataset
//	go run ./bench -suite profiles -data DIR         # issue 5 profiles, on a generated dataset
//	go run ./bench -suite gdpr -data DIR             # issue 5 export and erasure (erases contacts: use a copy)
//	go run ./bench -suite sla                        # issue 6: SLA breach jobs at 100,000 running clocks
//	go run ./bench -suite reports [-data DIR]        # issue 7: reports over 90 days, CSV export, rebuild
//	go run ./bench -suite dashboard [-data DIR]      # issue 7: live dashboard and reports page through the web app
//	go run ./bench -suite email -n 5000              # issue 5: IMAP fetch and SMTP listener intake, fresh databases
//	go run ./bench -suite chat                       # issue 5 live chat: reply → widget latency under load
//
// The figures are measurements of one machine at one time, not pass/fail
// tests; docs/benchmarks.md records them with the machine they came from.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/store"
)

type options struct {
	db        string
	n         int
	clients   int
	convs     int
	reads     int
	authN     int
	duration  time.Duration
	settle    time.Duration
	pgURL     string
	keepFiles bool
	bin       string
	suite     suiteOptions
	// email suite: which parts run, and where the IMAP fetch's CPU profile goes.
	emailParts  string
	imapProfile string
}

func main() {
	var o options
	flag.StringVar(&o.db, "db", "both", "sqlite, postgres or both")
	flag.IntVar(&o.n, "n", 20000, "messages to create per database")
	flag.IntVar(&o.clients, "clients", 16, "concurrent HTTP clients for the load phases")
	flag.IntVar(&o.convs, "convs", 200, "conversations the messages are spread over")
	flag.IntVar(&o.reads, "reads", 5000, "conversation reads (conversation + 50 messages) per read phase")
	flag.IntVar(&o.authN, "auth-n", 5000, "requests of each kind in the authentication comparison")
	flag.DurationVar(&o.duration, "duration", 2*time.Minute, "time bound of each load phase")
	flag.DurationVar(&o.settle, "settle", 3*time.Second, "idle time after start before reading idle memory")
	flag.StringVar(&o.pgURL, "postgres", envOr("PARLEY_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL server to create the bench database on (env PARLEY_BENCH_POSTGRES)")
	flag.BoolVar(&o.keepFiles, "keep", false, "keep the temporary directory (server logs, SQLite file)")
	flag.StringVar(&o.bin, "bin", "", "use this parley binary instead of building ./cmd/parley (to compare two builds)")
	registerSuiteFlags(&o.suite)
	flag.StringVar(&o.emailParts, "email-parts", "imap,smtp", "email: imap (fetch from an in-process IMAP server), smtp (the listener), or both")
	flag.StringVar(&o.imapProfile, "imap-profile", "", "email: write the IMAP fetch's CPU profile to FILE.sqlite / FILE.postgres (go tool pprof)")
	var slaOpts slaOptions
	registerSLAFlags(&slaOpts)
	var reportOpts reportOptions
	registerReportFlags(&reportOpts)
	flag.Parse()
	if o.suite.name == "reports" {
		os.Exit(runReportsSuite(o, reportOpts))
	}
	if o.suite.name == "dashboard" {
		os.Exit(runDashboardSuite(o))
	}
	if o.suite.name == "sla" {
		os.Exit(runSLASuite(o, slaOpts))
	}
	if o.suite.name == "channels" {
		os.Exit(runChannels(o))
	}
	if o.suite.name == "chat" {
		os.Exit(runChat(o))
	}
	if o.suite.name != "default" {
		os.Exit(runSuite(o))
	}
	if o.n <= 0 || o.clients <= 0 || o.convs <= 0 || o.reads <= 0 || o.authN <= 0 {
		fatal(errors.New("-n, -clients, -convs, -reads and -auth-n must be positive"))
	}
	var dbs []string
	switch o.db {
	case "both":
		dbs = []string{"sqlite", "postgres"}
	case "sqlite", "postgres":
		dbs = []string{o.db}
	default:
		fatal(fmt.Errorf("-db %q: want sqlite, postgres or both", o.db))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	tmp, err := os.MkdirTemp("", "parley-bench-")
	if err != nil {
		fatal(err)
	}
	code := 0
	defer func() {
		if o.keepFiles {
			fmt.Fprintln(os.Stderr, "kept", tmp)
		} else {
			os.RemoveAll(tmp)
		}
		os.Exit(code)
	}()

	printMachine()
	bin := o.bin
	if bin == "" {
		fmt.Fprintln(os.Stderr, "building parley …")
		if bin, err = buildParley(ctx, tmp); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			code = 1
			return
		}
	}
	fmt.Printf("parley binary: %s\n", buildInfo(ctx, bin))
	var results []*result
	for _, db := range dbs {
		r, err := runOne(ctx, o, bin, tmp, db)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench %s: %v\n", db, err)
			code = 1
		}
		if r != nil {
			r.err = err
			results = append(results, r)
		}
		if ctx.Err() != nil {
			break
		}
	}
	printTable(o, results)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(2)
}

func printMachine() {
	model := "unknown"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	fmt.Printf("Parley benchmark, %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Printf("machine: %d CPUs (GOMAXPROCS %d), %s, %s %s/%s; load average at start: %s\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), model,
		runtime.Version(), runtime.GOOS, runtime.GOARCH, loadavg())
	if f := strings.Fields(loadavg()); len(f) > 0 {
		if l, err := strconv.ParseFloat(f[0], 64); err == nil && l >= 1 {
			fmt.Println("note: the load average is 1 or more: the \"other\" cores of each phase show whether other work overlapped it")
		}
	}
}

// loadavg is the 1-, 5- and 15-minute load average: other work on the
// machine skews every figure, so the table shows it.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// result is every figure of one database's run.
type result struct {
	err                  error // why the run stopped early, if it did
	db                   string
	idleRSS, idleHWM     int64
	setup                stats // conversation creation
	messages             stats
	peakRSSSampled       int64
	peakHWM              int64
	msgCPU               cpuShare // who used the CPUs during the message phase
	readCPU, readParCPU  cpuShare // … the one-client and many-client reads
	authCPU              cpuShare // … the authentication comparison
	loadBefore           string   // load average around the message phase
	loadAfter            string
	msgsPerConv          int
	readConv, readMsgs   stats // one client
	readPair             stats // one client, both requests
	readPairParallel     stats // clients
	health, noAuth, auth stats // one client, interleaved
	authDirect           stats // account.Service.AuthenticateToken in process
	finalRSS, finalHWM   int64
}

func runOne(ctx context.Context, o options, bin, tmp, db string) (*result, error) {
	fmt.Fprintf(os.Stderr, "\n== %s ==\n", db)
	s := &server{bin: bin, data: fmt.Sprintf("%s/%s-data", tmp, db)}
	if err := os.MkdirAll(s.data, 0o700); err != nil {
		return nil, err
	}
	if db == "postgres" {
		pg, err := createPostgres(ctx, o.pgURL)
		if err != nil {
			return nil, err
		}
		defer func() {
			if err := pg.Drop(); err != nil {
				fmt.Fprintf(os.Stderr, "bench: drop database %s: %v\n", pg.name, err)
			}
		}()
		s.database = pg.URL
		fmt.Fprintf(os.Stderr, "database %s\n", pg.name)
	}
	const email = "bench-admin@example.com"
	token, err := s.createAdmin(ctx, email)
	if err != nil {
		return nil, err
	}
	if err := s.start(ctx); err != nil {
		return nil, err
	}
	defer func() {
		if err := s.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "bench: stop server: %v\n", err)
		}
	}()
	fmt.Fprintf(os.Stderr, "parley serve pid %d on %s\n", s.Pid, s.Addr)
	r := &result{db: db}
	c := newClient(s.Addr, token, o.clients)

	// Ready, then idle memory.
	if err := waitReady(ctx, c); err != nil {
		return nil, err
	}
	if err := sleep(ctx, o.settle); err != nil {
		return nil, err
	}
	if r.idleRSS, r.idleHWM, err = memory(s.Pid); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "idle: VmRSS %s, VmHWM %s\n", mib(r.idleRSS), mib(r.idleHWM))

	// Dataset: one api inbox, o.convs conversations.
	var inbox struct {
		ID int64 `json:"id"`
	}
	if err := c.json(ctx, "POST", "/api/v1/inboxes", map[string]any{"name": "Bench API", "channel": "api"}, 201, &inbox); err != nil {
		return nil, err
	}
	convIDs := make([]int64, o.convs)
	r.setup = parallel(ctx, o.convs, o.clients, o.duration, func(ctx context.Context, i int) error {
		var conv struct {
			ID int64 `json:"id"`
		}
		err := c.json(ctx, "POST", "/api/v1/conversations", map[string]any{
			"inbox_id": inbox.ID,
			"contact":  map[string]any{"email": fmt.Sprintf("customer%d@example.com", i), "name": fmt.Sprintf("Customer %d", i)},
			"subject":  fmt.Sprintf("Order %d has not arrived", 1000+i),
			"message":  map[string]any{"body": "Hello, my order has not arrived yet. Could you check where it is?", "direction": "incoming"},
		}, 201, &conv)
		convIDs[i] = conv.ID
		return err
	})
	if r.setup.Errors > 0 || r.setup.N != o.convs {
		return r, fmt.Errorf("creating conversations: %d of %d made, %d errors (first: %s)", r.setup.N, o.convs, r.setup.Errors, r.setup.FirstError)
	}
	fmt.Fprintf(os.Stderr, "setup: %d conversations in %v (%.0f/s)\n", r.setup.N, r.setup.Elapsed.Round(time.Millisecond), r.setup.Rate())

	// Message creation under load, with memory sampled meanwhile.
	bodies := [2][]byte{}
	text := "Thanks for waiting. I have checked with the warehouse: your parcel left on Monday and should reach you within two working days. Here is the tracking number again so you can follow it."
	bodies[0], _ = json.Marshal(map[string]string{"body": text, "direction": "incoming"})
	bodies[1], _ = json.Marshal(map[string]string{"body": text, "direction": "outgoing"})
	r.loadBefore = loadavg()
	mark := markCPU(s.Pid)
	var peak atomic.Int64
	sampleCtx, stopSampling := context.WithCancel(ctx)
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if rss, _, err := memory(s.Pid); err == nil && rss > peak.Load() {
				peak.Store(rss)
			}
			select {
			case <-sampleCtx.Done():
				return
			case <-t.C:
			}
		}
	}()
	fmt.Fprintf(os.Stderr, "messages: %d with %d clients …\n", o.n, o.clients)
	r.messages = parallel(ctx, o.n, o.clients, o.duration, func(ctx context.Context, i int) error {
		id := convIDs[i%o.convs]
		st, b, err := c.do(ctx, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", id), bodies[(i/o.convs)%2], true)
		return expect(st, b, err, 201)
	})
	r.msgCPU = mark.since()
	r.loadAfter = loadavg()
	stopSampling()
	<-sampled
	r.peakRSSSampled = peak.Load()
	if _, r.peakHWM, err = memory(s.Pid); err != nil {
		return r, err
	}
	fmt.Fprintf(os.Stderr, "messages: %d in %v = %.0f/s, %d errors; peak VmRSS sampled %s, VmHWM %s\n",
		r.messages.N, r.messages.Elapsed.Round(time.Millisecond), r.messages.Rate(), r.messages.Errors, mib(r.peakRSSSampled), mib(r.peakHWM))
	if r.messages.Errors > 0 {
		fmt.Fprintf(os.Stderr, "first error: %s\n", r.messages.FirstError)
	}
	if ctx.Err() != nil {
		return r, ctx.Err()
	}

	// Reading a conversation with 50 messages. Only conversations that
	// have at least 50 messages are read.
	r.msgsPerConv = 1 + r.messages.N/o.convs
	if r.msgsPerConv < 50 {
		fmt.Fprintf(os.Stderr, "reads skipped: only about %d messages per conversation; raise -n or lower -convs\n", r.msgsPerConv)
	} else {
		if err := readPhase(ctx, o, c, s.Pid, convIDs, r); err != nil {
			return r, err
		}
	}

	// Authentication overhead: the same authenticated route without a
	// token (401 before any database work) and with one (token lookup,
	// then 404 for id 0 before any further database work), and /healthz
	// as the floor, interleaved on one connection.
	if err := authPhase(ctx, o, c, s.Pid, r); err != nil {
		return r, err
	}
	if err := authDirect(ctx, o, s, token, r); err != nil {
		return r, err
	}
	if r.finalRSS, r.finalHWM, err = memory(s.Pid); err != nil {
		return r, err
	}
	return r, nil
}

func waitReady(ctx context.Context, c *client) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, _, err := c.do(ctx, "GET", "/readyz", nil, false)
		if err == nil && st == 200 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("/readyz did not answer 200 within 30s (last: %d, %v)", st, err)
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

type messagePage struct {
	Items []json.RawMessage `json:"items"`
}

func readPhase(ctx context.Context, o options, c *client, pid int, convIDs []int64, r *result) error {
	getConv := func(ctx context.Context, id int64) error {
		st, b, err := c.do(ctx, "GET", fmt.Sprintf("/api/v1/conversations/%d", id), nil, true)
		return expect(st, b, err, 200)
	}
	getMsgs := func(ctx context.Context, id int64, check bool) error {
		st, b, err := c.do(ctx, "GET", fmt.Sprintf("/api/v1/conversations/%d/messages?limit=50", id), nil, true)
		if err := expect(st, b, err, 200); err != nil {
			return err
		}
		if check {
			var p messagePage
			if err := json.Unmarshal(b, &p); err != nil {
				return err
			}
			if len(p.Items) != 50 {
				return fmt.Errorf("conversation %d: %d messages in the page, want 50", id, len(p.Items))
			}
		}
		return nil
	}
	// Check every conversation's page once (and warm up).
	for _, id := range convIDs {
		if err := getMsgs(ctx, id, true); err != nil {
			return err
		}
		if err := getConv(ctx, id); err != nil {
			return err
		}
	}
	// One client: latency of each request and of the pair.
	var conv, msgs, pair []time.Duration
	mark := markCPU(pid)
	start := time.Now()
	for i := 0; i < o.reads && ctx.Err() == nil && time.Since(start) < o.duration; i++ {
		id := convIDs[i%len(convIDs)]
		t0 := time.Now()
		if err := getConv(ctx, id); err != nil {
			return err
		}
		t1 := time.Now()
		if err := getMsgs(ctx, id, false); err != nil {
			return err
		}
		t2 := time.Now()
		conv, msgs, pair = append(conv, t1.Sub(t0)), append(msgs, t2.Sub(t1)), append(pair, t2.Sub(t0))
	}
	elapsed := time.Since(start)
	r.readCPU = mark.since()
	r.readConv, r.readMsgs, r.readPair = summarize(conv), summarize(msgs), summarize(pair)
	r.readPair.Elapsed = elapsed
	fmt.Fprintf(os.Stderr, "reads, 1 client: conversation p50 %v p99 %v; messages p50 %v p99 %v; pair p50 %v p99 %v\n",
		r.readConv.P50, r.readConv.P99, r.readMsgs.P50, r.readMsgs.P99, r.readPair.P50, r.readPair.P99)
	// Many clients: throughput and latency of the pair.
	mark = markCPU(pid)
	r.readPairParallel = parallel(ctx, o.reads, o.clients, o.duration, func(ctx context.Context, i int) error {
		id := convIDs[i%len(convIDs)]
		if err := getConv(ctx, id); err != nil {
			return err
		}
		return getMsgs(ctx, id, false)
	})
	r.readParCPU = mark.since()
	fmt.Fprintf(os.Stderr, "reads, %d clients: %.0f pairs/s, pair p50 %v p99 %v, %d errors\n", o.clients,
		r.readPairParallel.Rate(), r.readPairParallel.P50, r.readPairParallel.P99, r.readPairParallel.Errors)
	if r.readPairParallel.Errors > 0 {
		return fmt.Errorf("reads: %s", r.readPairParallel.FirstError)
	}
	return nil
}

func authPhase(ctx context.Context, o options, c *client, pid int, r *result) error {
	type probe struct {
		path string
		auth bool
		want int
		ds   []time.Duration
	}
	probes := []*probe{
		{path: "/healthz", want: 200},
		{path: "/api/v1/conversations/0", want: 401},
		{path: "/api/v1/conversations/0", auth: true, want: 404},
	}
	warm := max(200, o.authN/10)
	var mark cpuMark
	for i := -warm; i < o.authN; i++ {
		if i == 0 {
			mark = markCPU(pid)
		}
		for k := range probes {
			// Rotate the order so that no kind always follows the same other.
			p := probes[(k+i+len(probes)*warm)%len(probes)]
			t0 := time.Now()
			st, b, err := c.do(ctx, "GET", p.path, nil, p.auth)
			d := time.Since(t0)
			if err := expect(st, b, err, p.want); err != nil {
				return fmt.Errorf("GET %s: %w", p.path, err)
			}
			if i >= 0 {
				p.ds = append(p.ds, d)
			}
		}
	}
	r.authCPU = mark.since()
	r.health, r.noAuth, r.auth = summarize(probes[0].ds), summarize(probes[1].ds), summarize(probes[2].ds)
	fmt.Fprintf(os.Stderr, "auth over HTTP: healthz p50 %v, no token p50 %v, token p50 %v\n", r.health.P50, r.noAuth.P50, r.auth.P50)
	return nil
}

// authDirect times account.Service.AuthenticateToken in this process,
// against the server's own database (SQLite in WAL mode allows readers in
// other processes; admin commands do the same while a server runs). It is
// the cost of the token check itself, without HTTP.
func authDirect(ctx context.Context, o options, s *server, token string, r *result) error {
	st, err := store.Open(ctx, s.database, s.data)
	if err != nil {
		return err
	}
	defer st.Close()
	// Migrate applies nothing here (the server has), but readies the store
	// as the server's is (on SQLite it prepares the hot statements).
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	accounts := account.New(st, time.Now)
	n := 4 * o.authN
	ds := make([]time.Duration, 0, n)
	for i := -n / 10; i < n && ctx.Err() == nil; i++ {
		t0 := time.Now()
		_, err := accounts.AuthenticateToken(ctx, token)
		d := time.Since(t0)
		if err != nil {
			return fmt.Errorf("AuthenticateToken: %w", err)
		}
		if i >= 0 {
			ds = append(ds, d)
		}
	}
	r.authDirect = summarize(ds)
	fmt.Fprintf(os.Stderr, "AuthenticateToken in process: p50 %v p99 %v mean %v\n", r.authDirect.P50, r.authDirect.P99, r.authDirect.Mean)
	return ctx.Err()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }
