package main

// The IMAP half of the email suite: an in-process go-imap server (the
// in-memory backend) holds n realistic messages (benchMail: replies
// threaded by In-Reply-To, one in four with a PDF), and Parley, opened in
// this process on a fresh SQLite directory or PostgreSQL database, fetches
// them all in one FetchOnce, as a fetcher does after a restart. The IMAP
// server shares the process (and so the CPU figure) with Parley.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/pprof"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/app"
	"github.com/parley-hq/parley/internal/model"
)

type imapResult struct {
	db       string
	elapsed  time.Duration
	stored   int
	threaded int
	cpu      cpuShare
	err      error
}

type imapLiteral struct{ *bytes.Reader }

type quietIMAPLog struct{}

func (quietIMAPLog) Printf(string, ...any) {}

// startBenchIMAP serves n messages on a loopback port until ctx ends.
func startBenchIMAP(ctx context.Context, n int) (int, error) {
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("support", "secret")
	if err := user.Create("INBOX", nil); err != nil {
		return 0, err
	}
	mem.AddUser(user)
	for i := range n {
		raw := benchMail(i, 16)
		if _, err := user.Append("INBOX", imapLiteral{bytes.NewReader([]byte(raw))}, &imap.AppendOptions{}); err != nil {
			return 0, err
		}
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}, imap.CapIdle: {}},
		InsecureAuth: true,
		Logger:       quietIMAPLog{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	go srv.Serve(ln)
	context.AfterFunc(ctx, func() { srv.Close() })
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func runIMAPOne(ctx context.Context, o options, tmp, db string, n int) (r imapResult) {
	r.db = db
	cfg := app.Config{DataDir: fmt.Sprintf("%s/%s-imap", tmp, db), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		r.err = err
		return r
	}
	if db == "postgres" {
		pg, err := createPostgres(ctx, o.pgURL)
		if err != nil {
			r.err = err
			return r
		}
		defer pg.Drop()
		cfg.DatabaseURL = pg.URL
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	port, err := startBenchIMAP(sctx, n)
	if err != nil {
		r.err = err
		return r
	}
	a, err := app.Open(ctx, cfg)
	if err != nil {
		r.err = err
		return r
	}
	defer a.Close()
	settings := fmt.Sprintf(`{"address":"support@bench.test","imap":{"host":"127.0.0.1","port":%d,"tls":"none","username":"support","password":"secret"}}`, port)
	in, err := a.Accounts.CreateInbox(ctx, model.System, account.InboxCreateRequest{Name: "Bench IMAP", Channel: model.ChannelEmail, Settings: []byte(settings)})
	if err != nil {
		r.err = err
		return r
	}
	if o.imapProfile != "" {
		f, err := os.Create(fmt.Sprintf("%s.%s", o.imapProfile, db))
		if err != nil {
			r.err = err
			return r
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			r.err = err
			return r
		}
		defer pprof.StopCPUProfile()
	}
	mark := markCPU(os.Getpid())
	start := time.Now()
	r.stored, r.err = a.Email.FetchOnce(ctx, in.ID)
	r.elapsed = time.Since(start)
	r.cpu = mark.since()
	var convs, inDB int
	_ = a.Store.Reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM conversations`).Scan(&convs)
	_ = a.Store.Reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM email_messages WHERE direction = 'incoming'`).Scan(&inDB)
	r.threaded = inDB - convs
	if r.err == nil && (r.stored != n || inDB != n) {
		r.err = fmt.Errorf("fetched %d, %d in the database; want %d", r.stored, inDB, n)
	}
	return r
}

func printIMAPResults(results []imapResult, n int) {
	fmt.Printf("\nInbound email fetched by IMAP from an in-process server (same process): %d messages in one fetch (1 in 3 a reply threaded by In-Reply-To, 1 in 4 with a 20 KB PDF)\n\n", n)
	fmt.Println("| database | messages/s | elapsed | stored | threaded into an earlier conversation | CPU cores: parley+IMAP server / PostgreSQL / other |")
	fmt.Println("|---|---|---|---|---|---|")
	for _, r := range results {
		if r.err != nil {
			fmt.Printf("| %s | failed: %v | | | | |\n", r.db, r.err)
			continue
		}
		other := r.cpu.all - r.cpu.bench - r.cpu.postgres
		fmt.Printf("| %s | %.0f | %s | %d | %d | %.2f / %.2f / %.2f |\n", r.db, float64(r.stored)/r.elapsed.Seconds(), r.elapsed.Round(10*time.Millisecond),
			r.stored, r.threaded, r.cpu.cores(r.cpu.bench), r.cpu.cores(r.cpu.postgres), r.cpu.cores(other))
	}
}
