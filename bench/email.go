package main

// The email suite (issue 5): `go run ./bench -suite email` first fetches
// n messages by IMAP (email_imap.go), then starts `parley
// serve --smtp-addr` on a fresh SQLite data directory and a fresh
// PostgreSQL database, creates an email inbox, and delivers mail to it over
// SMTP from concurrent connections, as MTAs would. A message counts when
// the listener has answered 250, which it does only after the message is
// committed; the count in the database is checked at the end.

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/parley-hq/parley/internal/store"
)

type emailResult struct {
	db       string
	sent     stats
	stored   int
	threaded int
	cpu      cpuShare
	rss      int64
	err      error
}

func runEmailSuite(o options) int {
	dbs := []string{"sqlite", "postgres"}
	if o.db == "sqlite" || o.db == "postgres" {
		dbs = []string{o.db}
	}
	n := o.n
	if n == 20000 { // the default suite's default: mail is heavier
		n = 5000
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tmp, err := os.MkdirTemp("", "parley-bench-email-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	defer func() {
		if !o.keepFiles {
			os.RemoveAll(tmp)
		}
	}()
	printMachine()
	code := 0
	if strings.Contains(o.emailParts, "imap") {
		var results []imapResult
		for _, db := range dbs {
			fmt.Fprintf(os.Stderr, "IMAP fetch of %d messages on %s …\n", n, db)
			r := runIMAPOne(ctx, o, tmp, db, n)
			if r.err != nil {
				fmt.Fprintf(os.Stderr, "bench email imap %s: %v\n", db, r.err)
				code = 1
			}
			results = append(results, r)
		}
		printIMAPResults(results, n)
	}
	if !strings.Contains(o.emailParts, "smtp") {
		return code
	}
	bin := o.bin
	if bin == "" {
		fmt.Fprintln(os.Stderr, "building parley …")
		if bin, err = buildParley(ctx, tmp); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return 1
		}
	}
	fmt.Printf("parley binary: %s\n", buildInfo(ctx, bin))
	var results []emailResult
	for _, db := range dbs {
		r := runEmailOne(ctx, o, bin, tmp, db, n)
		if r.err != nil {
			fmt.Fprintf(os.Stderr, "bench email %s: %v\n", db, r.err)
			code = 1
		}
		results = append(results, r)
	}
	fmt.Printf("\nInbound email through the SMTP listener: %d messages, %d SMTP connections (1 in 3 a reply threaded by In-Reply-To, 1 in 4 with a 20 KB PDF)\n\n", n, o.clients)
	fmt.Println("| database | messages/s | ack p50 | ack p99 | stored | threaded into an earlier conversation | CPU cores: server / bench / PostgreSQL / other | server RSS |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		if r.err != nil {
			fmt.Printf("| %s | failed: %v | | | | | | |\n", r.db, r.err)
			continue
		}
		fmt.Printf("| %s | %.0f | %s | %s | %d | %d | %s | %d MiB |\n", r.db, r.sent.Rate(), r.sent.P50.Round(100*time.Microsecond),
			r.sent.P99.Round(100*time.Microsecond), r.stored, r.threaded, r.cpu, r.rss>>20)
	}
	return code
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func runEmailOne(ctx context.Context, o options, bin, tmp, db string, n int) (r emailResult) {
	r.db = db
	s, token, drop, err := freshServer(ctx, bin, tmp, db, o.pgURL, "bench@parley.test")
	if err != nil {
		r.err = err
		return r
	}
	defer drop()
	smtpAddr, err := freePort()
	if err != nil {
		r.err = err
		return r
	}
	s.extraArgs = []string{"--smtp-addr", smtpAddr}
	if err := s.start(ctx); err != nil {
		r.err = err
		return r
	}
	defer s.stop()
	c := newClient(s.Addr, token, 4)
	if err := c.json(ctx, "POST", "/api/v1/inboxes", map[string]any{"name": "Bench mail", "channel": "email",
		"settings": map[string]any{"address": "support@bench.test"}}, 201, nil); err != nil {
		r.err = err
		return r
	}

	// Each worker keeps one SMTP connection and sends its share in order,
	// so a reply always follows the message it answers.
	workers := o.clients
	var mu sync.Mutex
	var times []time.Duration
	var failures int
	var firstErr error
	mark := markCPU(s.Pid)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client, err := smtp.Dial(smtpAddr)
			if err != nil {
				mu.Lock()
				failures, firstErr = failures+1, err
				mu.Unlock()
				return
			}
			defer client.Close()
			for i := w; i < n; i += workers {
				raw := benchMail(i, workers)
				t0 := time.Now()
				err := client.SendMail(fmt.Sprintf("c%d@customers.test", i%500), []string{"support@bench.test"}, strings.NewReader(raw))
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					failures++
					if firstErr == nil {
						firstErr = err
					}
				} else {
					times = append(times, d)
				}
				mu.Unlock()
				if ctx.Err() != nil {
					return
				}
			}
			_ = client.Quit()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	r.cpu = mark.since()
	r.sent = summarize(times)
	r.sent.Elapsed = elapsed
	r.rss, _, _ = memory(s.Pid)
	if failures > 0 {
		r.err = fmt.Errorf("%d messages refused; first: %v", failures, firstErr)
	}
	st, err := store.Open(ctx, s.database, s.data)
	if err != nil {
		r.err = err
		return r
	}
	defer st.Close()
	_ = st.Reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM email_messages WHERE direction = 'incoming'`).Scan(&r.stored)
	var convs int
	_ = st.Reader.QueryRowContext(ctx, `SELECT COUNT(*) FROM conversations`).Scan(&convs)
	r.threaded = r.stored - convs
	if r.stored != n && r.err == nil {
		r.err = fmt.Errorf("%d messages acknowledged, %d stored", len(times), r.stored)
	}
	return r
}

var benchPDF = strings.Repeat("JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K", 20000/64)

// benchMail is message i: every third one answers the message three before
// it from the same sender (In-Reply-To), every fourth carries a PDF.
func benchMail(i, workers int) string {
	var b strings.Builder
	from := fmt.Sprintf("c%d@customers.test", i%500)
	fmt.Fprintf(&b, "From: Customer %d <%s>\r\nTo: support@bench.test\r\nSubject: Order %d question\r\n", i%500, from, i)
	fmt.Fprintf(&b, "Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <bench-%d@customers.test>\r\nMIME-Version: 1.0\r\n", i)
	if i%3 == 2 && i >= workers {
		fmt.Fprintf(&b, "In-Reply-To: <bench-%d@customers.test>\r\n", i-workers)
	}
	text := fmt.Sprintf("Hello,\r\n\r\nmy order %d has not arrived yet. Could you check where it is? I paid with a card ending %04d.\r\n\r\nThanks,\r\nCustomer %d\r\n", i, i%10000, i%500)
	if i%4 != 0 {
		fmt.Fprintf(&b, "Content-Type: text/plain; charset=utf-8\r\n\r\n%s", text)
		return b.String()
	}
	b.WriteString("Content-Type: multipart/mixed; boundary=bb\r\n\r\n--bb\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(text)
	fmt.Fprintf(&b, "--bb\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=receipt-%d.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n", i)
	for j := 0; j < len(benchPDF); j += 76 {
		b.WriteString(benchPDF[j:min(j+76, len(benchPDF))] + "\r\n")
	}
	b.WriteString("--bb--\r\n")
	return b.String()
}
