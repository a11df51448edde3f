package email_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/app"
	"github.com/parley-hq/parley/internal/testutil"
)

// The child process of TestIMAPFetchSIGKILL: it opens Parley on the
// parent's database and fetches the inbox, until the parent kills it.
const childEnv = "PARLEY_TEST_FETCH_CHILD"

func TestHelperFetchProcess(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("run by TestIMAPFetchSIGKILL")
	}
	inbox, err := strconv.ParseInt(os.Getenv("PARLEY_CHILD_INBOX"), 10, 64)
	testutil.NoErr(t, err)
	a, err := app.Open(context.Background(), app.Config{DataDir: os.Getenv("PARLEY_CHILD_DATA"), DatabaseURL: os.Getenv("PARLEY_CHILD_DB")})
	testutil.NoErr(t, err)
	defer a.Close()
	n, err := a.Email.FetchOnce(context.Background(), inbox)
	testutil.NoErr(t, err)
	fmt.Fprintf(os.Stderr, "stored %d\n", n)
}

// threadMail is message step of thread th in the kill test's mailbox:
// every thread has four messages, sent one round of replies after
// another, so a thread's replies are thousands of UIDs apart (and in other
// chunks, other processes) from its start. The third message changes the
// subject; threading must follow In-Reply-To and References.
func threadMail(th, step int) []byte {
	id := func(s int) string { return fmt.Sprintf("t%d.s%d@customers.test", th, s) }
	subject := fmt.Sprintf("Order %d has not arrived", th)
	switch step {
	case 1:
		subject = "Re: " + subject
	case 2:
		subject = fmt.Sprintf("Still waiting for order %d!", th)
	case 3:
		subject = fmt.Sprintf("Re: Still waiting for order %d!", th)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "From: Customer %d <c%d@customers.test>\r\nTo: %s\r\nSubject: %s\r\n", th%700, th%700, inboxAddress, subject)
	fmt.Fprintf(&b, "Date: Mon, 2 Mar 2026 10:%02d:00 +0000\r\nMessage-ID: <%s>\r\n", step, id(step))
	if step > 0 {
		refs := make([]string, step)
		for s := range step {
			refs[s] = "<" + id(s) + ">"
		}
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nReferences: %s\r\n", id(step-1), strings.Join(refs, " "))
	}
	fmt.Fprintf(&b, "Content-Type: text/plain; charset=utf-8\r\n\r\nMessage %d of thread %d.\r\n", step, th)
	return []byte(b.String())
}

// TestIMAPFetchSIGKILL fetches 10,000 messages in a child process that is
// killed with SIGKILL part-way, several times, and rerun: at every kill
// the stored messages are exactly those up to the committed IMAP position,
// and in the end each message is stored once, with its body, in its
// thread's one conversation, and the position is at the last UID.
func TestIMAPFetchSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("fetches 10,000 messages per database")
	}
	const threads, steps = 2500, 4
	const total = threads * steps
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		srv := startIMAP(t)
		inbox := emailInbox(t, e, srv.settings())
		for step := range steps {
			for th := range threads {
				srv.deliver(t, threadMail(th, step))
			}
		}
		rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 5))
		// Kill points: somewhere in each of three stretches of the fetch.
		var killAt []int
		for _, r := range [][2]int{{300, 2500}, {3500, 6000}, {7000, 9500}} {
			killAt = append(killAt, r[0]+rng.IntN(r[1]-r[0]))
		}
		stored := func() (msgs, last int) {
			t.Helper()
			testutil.NoErr(t, e.Store.Reader.QueryRowContext(testutil.Ctx(), `SELECT COUNT(*) FROM email_messages e
 JOIN messages m ON m.id = e.message_id WHERE e.inbox_id = $1 AND m.body LIKE 'Message %'`, inbox).Scan(&msgs))
			err := e.Store.Reader.QueryRowContext(testutil.Ctx(), `SELECT last_uid FROM imap_positions WHERE inbox_id = $1`, inbox).Scan(&last)
			if err != nil {
				last = 0
			}
			return msgs, last
		}
		run := func(killAfter int) (killed bool) {
			t.Helper()
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperFetchProcess$", "-test.v")
			cmd.Env = append(os.Environ(), childEnv+"=1", "PARLEY_CHILD_INBOX="+strconv.FormatInt(inbox, 10),
				"PARLEY_CHILD_DATA="+e.Config.DataDir, "PARLEY_CHILD_DB="+e.Config.DatabaseURL)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			testutil.NoErr(t, cmd.Start())
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			tick := time.NewTicker(5 * time.Millisecond)
			defer tick.Stop()
			deadline := time.After(5 * time.Minute)
			for {
				select {
				case err := <-done:
					if err != nil {
						t.Fatalf("fetch process failed: %v\n%s", err, out.String())
					}
					return false
				case <-deadline:
					_ = cmd.Process.Kill()
					t.Fatalf("fetch process did not finish\n%s", out.String())
				case <-tick.C:
					if killAfter == 0 {
						continue
					}
					if n, _ := stored(); n >= killAfter {
						testutil.NoErr(t, cmd.Process.Signal(syscall.SIGKILL))
						err := <-done
						if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
							t.Fatalf("fetch process ended before the kill (%v)\n%s", err, out.String())
						}
						return true
					}
				}
			}
		}
		for _, at := range killAt {
			if !run(at) {
				t.Fatalf("the fetch finished before the kill at %d messages", at)
			}
			msgs, last := stored()
			t.Logf("killed after %d messages: %d stored, position %d", at, msgs, last)
			// Messages and position commit together, one message per UID:
			// what is stored is exactly what the position covers.
			if msgs != last || msgs < at || msgs >= total {
				t.Fatalf("after a kill at %d: %d messages stored but position %d", at, msgs, last)
			}
		}
		run(0)

		rows, err := e.Store.Reader.QueryContext(testutil.Ctx(), `SELECT e.message_key, m.conversation_id, m.body FROM email_messages e
 JOIN messages m ON m.id = e.message_id WHERE e.inbox_id = $1 ORDER BY m.id`, inbox)
		testutil.NoErr(t, err)
		defer rows.Close()
		seen := map[string]bool{}
		convOf := map[int]int64{}   // thread → conversation
		threadOf := map[int64]int{} // conversation → thread
		nextStep := map[int64]int{} // conversation → next step expected
		for rows.Next() {
			var key, body string
			var conv int64
			testutil.NoErr(t, rows.Scan(&key, &conv, &body))
			if seen[key] {
				t.Fatalf("%s stored twice", key)
			}
			seen[key] = true
			var th, step int
			if _, err := fmt.Sscanf(key, "t%d.s%d@customers.test", &th, &step); err != nil {
				t.Fatalf("unexpected message key %q", key)
			}
			if want := fmt.Sprintf("Message %d of thread %d.", step, th); body != want {
				t.Fatalf("%s: body %q, want %q", key, body, want)
			}
			if c, ok := convOf[th]; ok && c != conv {
				t.Fatalf("%s landed in conversation %d, its thread is in %d", key, conv, c)
			}
			if other, ok := threadOf[conv]; ok && other != th {
				t.Fatalf("threads %d and %d share conversation %d", th, other, conv)
			}
			convOf[th], threadOf[conv] = conv, th
			if nextStep[conv] != step {
				t.Fatalf("%s stored out of order in its conversation", key)
			}
			nextStep[conv]++
		}
		testutil.NoErr(t, rows.Err())
		if len(seen) != total || len(convOf) != threads {
			t.Fatalf("%d messages in %d conversations; want %d in %d", len(seen), len(convOf), total, threads)
		}
		var convs int
		testutil.NoErr(t, e.Store.Reader.QueryRowContext(testutil.Ctx(), `SELECT COUNT(*) FROM conversations WHERE inbox_id = $1`, inbox).Scan(&convs))
		if convs != threads {
			t.Fatalf("%d conversations, want %d", convs, threads)
		}
		if msgs, last := stored(); msgs != total || last != total {
			t.Fatalf("at the end: %d messages, position %d; want %d", msgs, last, total)
		}
	})
}
