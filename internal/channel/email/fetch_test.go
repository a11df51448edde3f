package email_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/parley-hq/parley/internal/channel/email"
	"github.com/parley-hq/parley/internal/testutil"
)

// imapServer is an in-process go-imap server with one user and INBOX.
type imapServer struct {
	user *imapmemserver.User
	port int
}

func startIMAP(t *testing.T) *imapServer {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("support", "secret")
	testutil.NoErr(t, user.Create("INBOX", nil))
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}, imap.CapIdle: {}},
		InsecureAuth: true,
		Logger:       quietLogger{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	testutil.NoErr(t, err)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return &imapServer{user: user, port: ln.Addr().(*net.TCPAddr).Port}
}

type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

type literal struct {
	*bytes.Reader
}

func (s *imapServer) deliver(t *testing.T, raw []byte) {
	t.Helper()
	_, err := s.user.Append("INBOX", literal{bytes.NewReader(raw)}, &imap.AppendOptions{})
	testutil.NoErr(t, err)
}

func (s *imapServer) settings() string {
	return fmt.Sprintf(`{"address":"support@acme.test","imap":{"host":"127.0.0.1","port":%d,"tls":"none","username":"support","password":"secret"}}`, s.port)
}

func countMessages(t *testing.T, e *testutil.Env, inbox int64) (total, distinct int) {
	t.Helper()
	rows, err := e.Store.Reader.QueryContext(testutil.Ctx(), `SELECT COUNT(*), COUNT(DISTINCT e.message_key) FROM email_messages e
 JOIN messages m ON m.id = e.message_id WHERE e.inbox_id = $1 AND m.body <> ''`, inbox)
	testutil.NoErr(t, err)
	defer rows.Close()
	rows.Next()
	testutil.NoErr(t, rows.Scan(&total, &distinct))
	return total, distinct
}

// TestIMAPFetchKilledAndRerun interrupts fetches at random points (inside
// transactions too) and runs them again: in the end every message is
// stored exactly once, with its body.
func TestIMAPFetchKilledAndRerun(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		srv := startIMAP(t)
		inbox := emailInbox(t, e, srv.settings())
		const n = 60
		for i := range n {
			srv.deliver(t, mail{from: fmt.Sprintf("c%d@example.com", i%7), to: inboxAddress, subject: fmt.Sprintf("Question %d", i),
				id: fmt.Sprintf("q%d@example.com", i), body: fmt.Sprintf("Body %d", i)}.raw())
		}
		rng := rand.New(rand.NewPCG(1, 2))
		kills := 0
		for {
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(5+rng.IntN(60)+20*kills)*time.Millisecond) // growing, so a slow machine still finishes
			_, err := e.Email.FetchOnce(ctx, inbox)
			cancel()
			if err == nil {
				break
			}
			kills++
			if kills > 500 {
				t.Fatalf("never finished: %v", err)
			}
		}
		if total, distinct := countMessages(t, e, inbox); total != n || distinct != n {
			t.Fatalf("after %d kills: %d messages, %d distinct; want %d", kills, total, distinct, n)
		}
		t.Logf("%d interrupted fetches before one completed", kills)

		// New mail later: only it is fetched, and mail that can never be
		// stored (no sender at all) is passed over instead of blocking it.
		srv.deliver(t, []byte("Subject: no sender\r\nMessage-ID: <nosender@x>\r\n\r\nbody\r\n"))
		srv.deliver(t, mail{from: "late@example.com", to: inboxAddress, subject: "Late", id: "late@example.com", body: "Late"}.raw())
		got, err := e.Email.FetchOnce(testutil.Ctx(), inbox)
		testutil.NoErr(t, err)
		if total, _ := countMessages(t, e, inbox); got != 1 || total != n+1 {
			t.Fatalf("second fetch stored %d, total %d", got, total)
		}
		// The position was forgotten (a new UIDVALIDITY, say): all is read
		// again, and nothing is stored twice.
		_, err = e.Store.Writer.ExecContext(testutil.Ctx(), `DELETE FROM imap_positions`)
		testutil.NoErr(t, err)
		got, err = e.Email.FetchOnce(testutil.Ctx(), inbox)
		testutil.NoErr(t, err)
		if total, _ := countMessages(t, e, inbox); got != 0 || total != n+1 {
			t.Fatalf("refetch stored %d, total %d", got, total)
		}
	})
}

// TestIMAPIdle runs the fetchers as serve does and sees new mail arrive
// through IDLE well before the poll interval.
func TestIMAPIdle(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		srv := startIMAP(t)
		inbox := emailInbox(t, e, srv.settings())
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); e.Email.RunFetchersWith(ctx, emailFetchOptions()) }()
		t.Cleanup(func() { cancel(); <-done })
		time.Sleep(300 * time.Millisecond) // connected and idling
		srv.deliver(t, mail{from: "idle@example.com", to: inboxAddress, subject: "Hello", id: "idle1@example.com", body: "Hi"}.raw())
		deadline := time.Now().Add(10 * time.Second)
		for {
			if total, _ := countMessages(t, e, inbox); total == 1 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("new mail was not fetched through IDLE")
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// emailFetchOptions polls rarely, so only IDLE can explain a quick fetch.
func emailFetchOptions() email.FetchOptions {
	return email.FetchOptions{Rescan: 100 * time.Millisecond, Poll: time.Hour}
}
