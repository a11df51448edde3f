package web_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
)

// browser starts a headless Chromium for one test, or skips when there is
// none (failing instead under CI=true, where .ci/run installs it).
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("PARLEY_CHROMIUM")
	if path == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but no Chromium found; .ci/run installs the chromium package")
		}
		t.Skip("browser tests skipped: install Chromium (apt-get install chromium) to run them")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(1400, 900))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// workspace is a running Parley with an admin, an agent and conversations.
type workspace struct {
	e      *testutil.Env
	url    string
	admin  model.Actor
	agent  model.Actor
	inbox  int64
	convID int64
}

func newWorkspace(t *testing.T) *workspace {
	t.Helper()
	e := testutil.Open(t, "sqlite")
	e.Clock.Set(time.Now()) // session cookies expire relative to the clock
	w := &workspace{e: e}
	w.admin = e.User(t, "admin@example.com", model.RoleAdmin)
	w.agent = e.User(t, "agent@example.com", model.RoleAgent)
	w.inbox = e.Inbox(t, "Support", model.ChannelAPI, w.agent)
	for i, subject := range []string{"Refund for order 1001", "Login trouble", "Invoice address"} {
		c, err := e.Conversations.Create(context.Background(), w.admin, conversation.CreateRequest{InboxID: w.inbox,
			Contact: contact.Ref{Email: []string{"jo@example.com", "sam@example.com", "kim@example.com"}[i]},
			Subject: subject, Message: conversation.MessageRequest{Body: "Hello, about " + subject, Direction: "incoming"}})
		testutil.NoErr(t, err)
		e.Clock.Advance(time.Second)
		w.convID = c.ID
	}
	e.StartRealtime(t)
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	w.url = srv.URL
	return w
}

func signIn(t *testing.T, ctx context.Context, w *workspace, email string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(w.url+"/login"),
		chromedp.WaitVisible(`input[name=email]`),
		chromedp.SendKeys(`input[name=email]`, email),
		chromedp.SendKeys(`input[name=password]`, "password123"),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`#rows`),
	)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
}

// read runs one valued action or fails the test.
func read[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// do runs steps in order or fails the test.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func TestSignInAndWorkAConversationFromTheKeyboard(t *testing.T) {
	w := newWorkspace(t)
	ctx := browser(t)
	signIn(t, ctx, w, "agent@example.com")
	rowCount := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#rows .row').length`))
	// j moves to the first row, Enter opens it.
	do(t, ctx, chromedp.KeyEvent("j"), chromedp.KeyEvent("\r"), chromedp.WaitVisible(`#compose-body`))
	pane := read(t, ctx, chromedp.Text(`.conv-head h1`))
	// r focuses the reply box; Ctrl+Enter sends.
	do(t, ctx,
		chromedp.KeyEvent("r"),
		chromedp.SendKeys(`#compose-body`, "We have refunded you today."),
		chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.WaitVisible(`//div[contains(@class,"msg-outgoing")]//div[contains(., "We have refunded you today.")]`),
	)
	// The first reply opened the conversation, and the timeline says so.
	do(t, ctx, chromedp.WaitVisible(`//div[contains(@class,"activity")][contains(., "changed the status from new to open")]`))
	if rowCount != 3 {
		t.Errorf("the agent sees %d conversations, want 3", rowCount)
	}
	if !strings.Contains(pane, "Invoice address") {
		t.Errorf("j, Enter opened %q, want the newest conversation first", pane)
	}
	c, err := w.e.Conversations.Get(context.Background(), w.admin, w.convID)
	testutil.NoErr(t, err)
	if c.Status != model.StatusOpen || c.MessageCount != 2 {
		t.Fatalf("after replying in the browser: status %s, %d messages", c.Status, c.MessageCount)
	}
	// Esc leaves the composer; e then resolves from the keyboard.
	do(t, ctx, chromedp.KeyEvent(kb.Escape), chromedp.KeyEvent("e"), chromedp.WaitVisible(`//div[contains(@class,"activity")][contains(., "from open to resolved")]`))
}

func TestLiveUpdatesAndCollisionWarning(t *testing.T) {
	w := newWorkspace(t)
	ctx := browser(t)
	signIn(t, ctx, w, "agent@example.com")
	do(t, ctx,
		chromedp.Click(`a[data-open="`+strconv.FormatInt(w.convID, 10)+`"]`),
		chromedp.WaitVisible(`#compose-body`),
		chromedp.SendKeys(`#compose-body`, "Draft that must survive"),
	)
	// A new conversation from a customer appears in the list without reload.
	start := time.Now()
	_, err := w.e.Conversations.Create(context.Background(), w.admin, conversation.CreateRequest{InboxID: w.inbox,
		Contact: contact.Ref{Email: "new@example.com"}, Subject: "Brand new question",
		Message: conversation.MessageRequest{Body: "Hi there", Direction: "incoming"}})
	testutil.NoErr(t, err)
	do(t, ctx, chromedp.WaitVisible(`//span[contains(@class,"subject")][contains(., "Brand new question")]`))
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the new conversation took %v to appear", d)
	}
	// Someone else replies while our agent is typing: the reply appears in
	// the open conversation and the draft stays as it was.
	_, err = w.e.Conversations.AddMessage(context.Background(), w.admin, w.convID, conversation.MessageRequest{Body: "Admin answered already"})
	testutil.NoErr(t, err)
	do(t, ctx, chromedp.WaitVisible(`//div[contains(@class,"msg-body")][contains(., "Admin answered already")]`))
	if draft := read(t, ctx, chromedp.Value(`#compose-body`)); draft != "Draft that must survive" {
		t.Fatalf("the live update changed the draft to %q", draft)
	}
	// Sending a reply written before that message warns first. The pane
	// already refreshed, so set "last seen" back to before the other reply.
	do(t, ctx,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[string](`document.querySelector('.conversation').dataset.lastMessage = '1'`)(ctx, tg)
			return err
		}),
		chromedp.Click(`#composer button[data-then=""]`),
		chromedp.WaitVisible(`#collision`),
	)
	warning := read(t, ctx, chromedp.Text(`#collision`))
	if !strings.Contains(warning, "arrived while you were writing") {
		t.Fatalf("warning = %q", warning)
	}
	msgs, err := w.e.Conversations.Messages(context.Background(), w.admin, w.convID, 0, 50)
	testutil.NoErr(t, err)
	if len(msgs) != 2 {
		t.Fatalf("the warned reply went out anyway: %d messages", len(msgs))
	}
	do(t, ctx,
		chromedp.Click(`//div[@id="collision"]/button`),
		chromedp.WaitVisible(`//div[contains(@class,"msg-body")][contains(., "Draft that must survive")]`),
	)
}
