package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
)

// testTimeout bounds each browser: a test that hangs on a missing element
// fails after it instead of stalling the suite.
const testTimeout = 30 * time.Second

// browser starts a headless Chromium for one test at a 1280×800 laptop
// size, or skips when there is none (failing instead under CI=true, where
// .ci/run installs it). Every call starts its own browser process with its
// own profile, so two calls are two agents with their own cookies.
func browser(t *testing.T) context.Context { return browserSized(t, 1280, 800) }

func browserSized(t *testing.T, width, height int) context.Context {
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
		chromedp.Flag("hide-scrollbars", true), chromedp.WindowSize(width, height))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, testTimeout)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	// The window size includes no browser chrome in headless mode, but set
	// the viewport exactly so layout assertions do not depend on it.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		t.Fatalf("set viewport: %v", err)
	}
	pe := &pageErrors{}
	go pe.watch(ctx)
	t.Cleanup(func() { pe.check(t) }) // runs before the browser closes
	return context.WithValue(ctx, pageErrorsKey{}, pe)
}

// pageErrors collects uncaught exceptions and Content-Security-Policy
// violations in a tab; any of them fails the test.
type pageErrors struct {
	mu       sync.Mutex
	msgs     []string
	allowCSP bool
}

type pageErrorsKey struct{}

func (pe *pageErrors) watch(ctx context.Context) {
	for m, err := range chromedp.Console(ctx) {
		if err != nil {
			return
		}
		csp := strings.Contains(m.Text, "Content Security Policy")
		if !m.IsException() && !csp {
			continue
		}
		pe.mu.Lock()
		if !csp || !pe.allowCSP {
			pe.msgs = append(pe.msgs, fmt.Sprintf("%s %s (%s:%d)", m.Type, m.Text, m.URL, m.Line+1))
		}
		pe.mu.Unlock()
	}
}

func (pe *pageErrors) check(t *testing.T) {
	t.Helper()
	pe.mu.Lock()
	defer pe.mu.Unlock()
	for _, m := range pe.msgs {
		t.Errorf("the page reported: %s", m)
	}
}

// expectCSPViolations stops counting CSP violations in ctx's tab as
// errors, for a test that provokes one on purpose.
func expectCSPViolations(ctx context.Context) {
	pe := ctx.Value(pageErrorsKey{}).(*pageErrors)
	pe.mu.Lock()
	pe.allowCSP = true
	pe.mu.Unlock()
}

// workspace is a running Parley with an admin, two agents and three
// conversations in an inbox both agents work.
type workspace struct {
	e      *testutil.Env
	url    string
	admin  model.Actor
	agent  model.Actor
	agent2 model.Actor
	inbox  int64
	convs  []int64 // in creation order
	convID int64   // the newest, first in the list
}

func newWorkspace(t *testing.T) *workspace {
	t.Helper()
	e := testutil.Open(t, "sqlite")
	e.Clock.Set(time.Now()) // session cookies expire relative to the clock
	w := &workspace{e: e}
	w.admin = e.User(t, "admin@example.com", model.RoleAdmin)
	w.agent = e.User(t, "agent@example.com", model.RoleAgent)
	w.agent2 = e.User(t, "bea@example.com", model.RoleAgent)
	w.inbox = e.Inbox(t, "Support", model.ChannelAPI, w.agent, w.agent2)
	for i, subject := range []string{"Refund for order 1001", "Login trouble", "Invoice address"} {
		c, err := e.Conversations.Create(context.Background(), w.admin, conversation.CreateRequest{InboxID: w.inbox,
			Contact: contact.Ref{Email: []string{"jo@example.com", "sam@example.com", "kim@example.com"}[i]},
			Subject: subject, Message: conversation.MessageRequest{Body: "Hello, about " + subject, Direction: "incoming"}})
		testutil.NoErr(t, err)
		e.Clock.Advance(time.Second)
		w.convs = append(w.convs, c.ID)
		w.convID = c.ID
	}
	e.StartRealtime(t)
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	w.url = srv.URL
	return w
}

func (w *workspace) conversation(t *testing.T, id int64) model.Conversation {
	t.Helper()
	c, err := w.e.Conversations.Get(context.Background(), w.admin, id)
	testutil.NoErr(t, err)
	return c
}

func (w *workspace) messages(t *testing.T, id int64) []model.Message {
	t.Helper()
	msgs, err := w.e.Conversations.Messages(context.Background(), w.admin, id, 0, 100)
	testutil.NoErr(t, err)
	return msgs
}

func (w *workspace) events(t *testing.T, id int64, action string) []model.Event {
	t.Helper()
	all, err := w.e.Conversations.Events(context.Background(), w.admin, id, 0, 100)
	testutil.NoErr(t, err)
	var out []model.Event
	for _, ev := range all {
		if ev.Action == action {
			out = append(out, ev)
		}
	}
	return out
}

func signIn(t *testing.T, ctx context.Context, w *workspace, email string) {
	t.Helper()
	signInAs(t, ctx, w, email, "password123")
}

func signInAs(t *testing.T, ctx context.Context, w *workspace, email, password string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(w.url+"/login"),
		chromedp.WaitVisible(`input[name=email]`),
		chromedp.SendKeys(`input[name=email]`, email),
		chromedp.SendKeys(`input[name=password]`, password),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`#rows`),
		// The live stream is connected: nothing after this is missed.
		chromedp.WaitReady(chromedp.CSS(`body.live`)),
	)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
}

// open opens a conversation by clicking its row and waits for the composer.
func open(t *testing.T, ctx context.Context, id int64) {
	t.Helper()
	do(t, ctx,
		click(`#rows a[data-open="`+strconv.FormatInt(id, 10)+`"]`),
		chromedp.WaitVisible(chromedp.CSS(`.conversation[data-id="`+strconv.FormatInt(id, 10)+`"] ~ #composer #compose-body`)),
	)
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

// Live updates replace the list, the sidebar and the conversation while a
// test looks at them, so a node found a moment ago can be gone. Reads
// therefore run in the page in one step, and clicks find their target again
// when it was replaced between the lookup and the click.

// textOf is the visible text of the first element matching css ("" when none).
func textOf(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	return read(t, ctx, chromedp.Evaluate[string](`document.querySelector(`+strconv.Quote(css)+`)?.innerText ?? ''`))
}

// valueOf is the value of the first form field matching css.
func valueOf(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	return read(t, ctx, chromedp.Evaluate[string](`document.querySelector(`+strconv.Quote(css)+`)?.value ?? ''`))
}

// click clicks the first element matching css with the mouse.
func click(css string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		var err error
		for range 10 {
			if _, err = chromedp.Click(chromedp.CSS(css))(ctx, t); err == nil || ctx.Err() != nil {
				return err
			}
		}
		return fmt.Errorf("click %s: %w", css, err)
	})
}

// press types keys as a keyboard does: each a keyDown that carries its
// text, then a keyUp. Chromium then makes the character itself and, as for
// a real key, drops it when a handler cancelled the keydown: a shortcut
// like r does not also type "r" into the box it focuses. (KeyEvent sends
// the character as a separate event that nothing can cancel.)
func press(keys string, opts ...chromedp.KeyOption) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, r := range keys {
			var down, up *input.DispatchKeyEventParams
			var text, unmodified string
			for _, k := range kb.Encode(r) {
				for _, o := range opts {
					o(k)
				}
				switch k.Type {
				case kb.KeyDown:
					down = k
				case kb.KeyUp:
					up = k
				case kb.KeyChar:
					text, unmodified = k.Text, k.UnmodifiedText
				}
			}
			if down.Modifiers&^int64(chromedp.ModifierShift) == 0 {
				down.Text, down.UnmodifiedText = text, unmodified
			}
			for _, k := range []*input.DispatchKeyEventParams{down, up} {
				if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, *k); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// within runs steps with a deadline shorter than the test's, for things
// that must happen promptly rather than eventually.
func within(t *testing.T, ctx context.Context, d time.Duration, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s within %v: %v", what, d, err)
	}
}

// activity waits for a timeline line that contains text.
func activity(text string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(`//div[contains(@class,"activity")][contains(., "` + text + `")]`)
}

// message waits for a message body that contains text.
func message(text string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(`//div[contains(@class,"msg-body")][contains(., "` + text + `")]`)
}

func TestSignInAndWorkAConversationFromTheKeyboard(t *testing.T) {
	w := newWorkspace(t)
	ctx := browser(t)
	signIn(t, ctx, w, "agent@example.com")
	rowCount := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#rows .row').length`))
	// j moves to the first row, Enter opens it.
	do(t, ctx, press("j"), press("\r"), chromedp.WaitVisible(`#compose-body`))
	pane := textOf(t, ctx, `.conv-head h1`)
	// r focuses the reply box; Ctrl+Enter sends.
	do(t, ctx,
		press("r"),
		chromedp.SendKeys(`#compose-body`, "We have refunded you today."),
		chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.WaitVisible(`//div[contains(@class,"msg-outgoing")]//div[contains(., "We have refunded you today.")]`),
	)
	// The first reply opened the conversation, and the timeline says so.
	do(t, ctx, activity("changed the status from new to open"))
	if rowCount != 3 {
		t.Errorf("the agent sees %d conversations, want 3", rowCount)
	}
	if !strings.Contains(pane, "Invoice address") {
		t.Errorf("j, Enter opened %q, want the newest conversation first", pane)
	}
	c := w.conversation(t, w.convID)
	if c.Status != model.StatusOpen || c.MessageCount != 2 {
		t.Fatalf("after replying in the browser: status %s, %d messages", c.Status, c.MessageCount)
	}
	// Esc leaves the composer; e then resolves from the keyboard.
	do(t, ctx, chromedp.KeyEvent(kb.Escape), press("e"), activity("from open to resolved"))
	if c := w.conversation(t, w.convID); c.Status != model.StatusResolved {
		t.Fatalf("after e: status %s, want resolved", c.Status)
	}
}

func TestSetPendingFromTheKeyboardAndWithTheReply(t *testing.T) {
	w := newWorkspace(t)
	ctx := browser(t)
	signIn(t, ctx, w, "agent@example.com")

	// p on an open conversation sets it pending.
	_, err := w.e.Conversations.AddMessage(context.Background(), w.agent, w.convs[2], conversation.MessageRequest{Body: "Looking into it."})
	testutil.NoErr(t, err)
	do(t, ctx, press("j"), press("o"), chromedp.WaitVisible(`#compose-body`), message("Looking into it."))
	do(t, ctx, press("p"), activity("changed the status from open to pending"))
	if st := valueOf(t, ctx, `select[data-field="status"]`); st != "pending" {
		t.Errorf("after p the status control shows %q", st)
	}
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`#rows .row[data-id="`+strconv.FormatInt(w.convs[2], 10)+`"] .status-pending`)))
	if c := w.conversation(t, w.convs[2]); c.Status != model.StatusPending {
		t.Fatalf("after p: status %s, want pending", c.Status)
	}

	// "Send and set pending" replies and sets pending in one action.
	do(t, ctx, press("j"), press("\r"))
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`.conversation[data-id="`+strconv.FormatInt(w.convs[1], 10)+`"]`)))
	do(t, ctx,
		press("r"),
		chromedp.SendKeys(`#compose-body`, "Could you send us a screenshot?"),
		click(`#composer button[data-then="pending"]`),
		chromedp.WaitVisible(`//div[contains(@class,"msg-outgoing")]//div[contains(., "Could you send us a screenshot?")]`),
		activity("to pending"),
	)
	if v := valueOf(t, ctx, `#compose-body`); v != "" {
		t.Errorf("the composer still holds %q after sending", v)
	}
	c := w.conversation(t, w.convs[1])
	msgs := w.messages(t, w.convs[1])
	if c.Status != model.StatusPending || len(msgs) != 2 || msgs[1].Body != "Could you send us a screenshot?" || msgs[1].Kind != model.KindReply {
		t.Fatalf("after Send and set pending: status %s, messages %+v", c.Status, msgs)
	}
	// One status change, to pending; the reply did not leave it open.
	if evs := w.events(t, w.convs[1], "status.changed"); len(evs) == 0 || !strings.Contains(string(evs[len(evs)-1].After), `"pending"`) {
		t.Fatalf("status events after Send and set pending: %+v", evs)
	}
}

// twoAgents signs in the agent and a colleague in two separate browsers
// and opens the same conversation in both, the colleague first.
func twoAgents(t *testing.T, w *workspace, id int64) (a, b context.Context) {
	t.Helper()
	a, b = browser(t), browser(t)
	signIn(t, b, w, "bea@example.com")
	signIn(t, a, w, "agent@example.com")
	open(t, b, id)
	open(t, a, id)
	return a, b
}

func TestPresenceAndASecondAgentSeesTheReplyLive(t *testing.T) {
	w := newWorkspace(t)
	a, b := twoAgents(t, w, w.convID)

	// Each sees that the other is there, whoever came first, at once (not
	// at the next 10-second heartbeat).
	within(t, b, 3*time.Second, "the colleague sees the agent arrive",
		chromedp.WaitVisible(`//div[@id="presence"][contains(., "agent@example.com is viewing")]`))
	within(t, a, 3*time.Second, "the agent sees the colleague already there",
		chromedp.WaitVisible(`//div[@id="presence"][contains(., "bea@example.com is viewing")]`))
	// Typing shows as typing on the other side.
	do(t, a, press("r"), chromedp.SendKeys(`#compose-body`, "Your refund"))
	within(t, b, 3*time.Second, "the colleague sees the agent typing",
		chromedp.WaitVisible(`//div[@id="presence"][contains(., "agent@example.com is typing")]`))

	// Watch for the reply in the colleague's page with no polling delay:
	// the time it appears is taken in the page itself.
	const reply = "Your refund is on its way."
	do(t, b, chromedp.Evaluate[chromedp.Void](`window.seenAt = new Promise(done => {
		const seen = () => [...document.querySelectorAll('#timeline .msg-body')].some(m => m.textContent.includes(`+strconv.Quote(reply)+`));
		const obs = new MutationObserver(() => { if (seen()) { obs.disconnect(); done(Date.now()); } });
		obs.observe(document.getElementById('pane'), { childList: true, subtree: true, characterData: true });
	}); null`))
	do(t, a, chromedp.SendKeys(`#compose-body`, " is on its way."))
	sent := time.Now()
	do(t, a, chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	seenAt := read(t, b, chromedp.Evaluate[int64](`window.seenAt`, chromedp.EvalAwaitPromise))
	latency := time.UnixMilli(seenAt).Sub(sent)
	t.Logf("the colleague saw the reply %v after it was sent", latency)
	if latency >= time.Second {
		t.Errorf("the reply took %v to reach the colleague's browser, want under 1s", latency)
	}
	do(t, b, message(reply))
	// The list row moved on too, without reload.
	do(t, b, chromedp.WaitVisible(`//li[@data-id="`+strconv.FormatInt(w.convID, 10)+`"]//span[@class="snippet"][contains(., "`+reply+`")]`))
	msgs := w.messages(t, w.convID)
	if last := msgs[len(msgs)-1]; last.Body != reply || last.SenderID == nil || *last.SenderID != w.agent.UserID {
		t.Fatalf("last message %+v, want the agent's reply", last)
	}
	// Leaving the conversation clears the presence on the other side.
	do(t, a, chromedp.KeyEvent(kb.Escape), press("j"), press("\r"),
		chromedp.WaitVisible(chromedp.CSS(`.conversation[data-id="`+strconv.FormatInt(w.convs[1], 10)+`"]`)))
	within(t, b, 3*time.Second, "the agent's presence clears when they leave", chromedp.WaitNotPresent(chromedp.CSS(`#presence.active`)))
}

func TestCollisionWarningWhenTwoAgentsReplyAtOnce(t *testing.T) {
	w := newWorkspace(t)
	a, b := twoAgents(t, w, w.convID)

	// The agent starts a reply; meanwhile the colleague answers.
	do(t, a, press("r"), chromedp.SendKeys(`#compose-body`, "I will look into your invoice."))
	do(t, b,
		press("r"),
		chromedp.SendKeys(`#compose-body`, "Fixed your invoice address."),
		click(`#composer button[data-then=""]`),
		chromedp.WaitVisible(`//div[contains(@class,"msg-outgoing")]//div[contains(., "Fixed your invoice address.")]`),
	)
	// The colleague's reply appears in the agent's conversation, and the
	// draft is left alone.
	do(t, a, message("Fixed your invoice address."))
	if v := valueOf(t, a, `#compose-body`); v != "I will look into your invoice." {
		t.Fatalf("the live update changed the draft to %q", v)
	}
	// Sending warns instead of sending.
	do(t, a, click(`#composer button[data-then=""]`), chromedp.WaitVisible(`#collision`))
	if warning := textOf(t, a, `#collision`); !strings.Contains(warning, "1 new message(s) arrived while you were writing") ||
		!strings.Contains(warning, "Send anyway") {
		t.Fatalf("warning = %q", warning)
	}
	if msgs := w.messages(t, w.convID); len(msgs) != 2 {
		t.Fatalf("the warned reply went out anyway: %d messages", len(msgs))
	}
	if v := valueOf(t, a, `#compose-body`); v != "I will look into your invoice." {
		t.Fatalf("the warning lost the draft: %q", v)
	}
	// Having reviewed, the agent sends anyway.
	do(t, a,
		click(`#collision button`),
		chromedp.WaitVisible(`//div[contains(@class,"msg-outgoing")]//div[contains(., "I will look into your invoice.")]`),
		chromedp.WaitNotVisible(`#collision`),
	)
	msgs := w.messages(t, w.convID)
	if len(msgs) != 3 || msgs[1].Body != "Fixed your invoice address." || msgs[2].Body != "I will look into your invoice." {
		t.Fatalf("messages after the collision: %+v", msgs)
	}
	if msgs[1].SenderID == nil || *msgs[1].SenderID != w.agent2.UserID || *msgs[2].SenderID != w.agent.UserID {
		t.Fatalf("senders: %v, %v", msgs[1].SenderID, msgs[2].SenderID)
	}
	// And the colleague sees it live.
	do(t, b, message("I will look into your invoice."))
}

func TestLiveUpdatesKeepTheDraftAcrossReloads(t *testing.T) {
	w := newWorkspace(t)
	ctx := browser(t)
	signIn(t, ctx, w, "agent@example.com")
	open(t, ctx, w.convID)
	do(t, ctx, chromedp.SendKeys(`#compose-body`, "Draft that must survive"))
	// A new conversation from a customer appears in the list without reload.
	start := time.Now()
	_, err := w.e.Conversations.Create(context.Background(), w.admin, conversation.CreateRequest{InboxID: w.inbox,
		Contact: contact.Ref{Email: "new@example.com"}, Subject: "Brand new question",
		Message: conversation.MessageRequest{Body: "Hi there", Direction: "incoming"}})
	testutil.NoErr(t, err)
	do(t, ctx, chromedp.WaitVisible(`//span[contains(@class,"subject")][contains(., "Brand new question")]`))
	if d := time.Since(start); d > time.Second {
		t.Errorf("the new conversation took %v to appear", d)
	}
	// Someone else replies while our agent is typing: the reply appears in
	// the open conversation and the draft stays as it was.
	_, err = w.e.Conversations.AddMessage(context.Background(), w.admin, w.convID, conversation.MessageRequest{Body: "Admin answered already"})
	testutil.NoErr(t, err)
	do(t, ctx, message("Admin answered already"))
	if draft := valueOf(t, ctx, `#compose-body`); draft != "Draft that must survive" {
		t.Fatalf("the live update changed the draft to %q", draft)
	}
	// The draft survives a reload, and still counts as written before the
	// admin's answer: sending it warns.
	do(t, ctx, chromedp.Reload(), chromedp.WaitVisible(`#compose-body`), chromedp.WaitReady(chromedp.CSS(`body.live`)))
	if draft := valueOf(t, ctx, `#compose-body`); draft != "Draft that must survive" {
		t.Fatalf("after reload the draft is %q", draft)
	}
	do(t, ctx, click(`#composer button[data-then=""]`), chromedp.WaitVisible(`#collision`))
	if msgs := w.messages(t, w.convID); len(msgs) != 2 {
		t.Fatalf("the warned reply went out anyway: %d messages", len(msgs))
	}
	// A plain Send after reviewing goes out (the warning showed the news).
	do(t, ctx,
		click(`#composer button[data-then=""]`),
		chromedp.WaitVisible(`//div[contains(@class,"msg-outgoing")]//div[contains(., "Draft that must survive")]`),
	)
	if msgs := w.messages(t, w.convID); len(msgs) != 3 {
		t.Fatalf("after sending the reviewed draft: %d messages, want 3", len(msgs))
	}
	do(t, ctx, chromedp.Reload(), chromedp.WaitVisible(`#compose-body`))
	if draft := valueOf(t, ctx, `#compose-body`); draft != "" {
		t.Fatalf("the sent draft came back after reload: %q", draft)
	}
}

func TestBulkAssignFromTheList(t *testing.T) {
	w := newWorkspace(t)
	ctx := browser(t)
	signIn(t, ctx, w, "agent@example.com")
	// Rows, newest first: convs[2], convs[1], convs[0].
	// x selects the first, shift-x on the third selects the range, and the
	// checkbox of the second takes it out again.
	do(t, ctx,
		press("j"), press("x"),
		chromedp.WaitVisible(`//span[@id="bulk-count"][.="1 selected"]`),
		press("j"), press("j"), press("X"),
		chromedp.WaitVisible(`//span[@id="bulk-count"][.="3 selected"]`),
		click(`#rows .pick[data-id="`+strconv.FormatInt(w.convs[1], 10)+`"]`),
		chromedp.WaitVisible(`//span[@id="bulk-count"][.="2 selected"]`),
	)
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS(`#bulk-assignee`), strconv.FormatInt(w.agent2.UserID, 10)),
		click(`#bulk-apply`),
		chromedp.WaitVisible(`//div[@id="toast"][contains(., "2 updated")]`),
		chromedp.WaitNotVisible(`#bulkbar`),
	)
	for _, id := range []int64{w.convs[0], w.convs[2]} {
		do(t, ctx, chromedp.WaitVisible(`//li[@data-id="`+strconv.FormatInt(id, 10)+`"]//span[@class="assignee"][.="bea@example.com"]`))
		c := w.conversation(t, id)
		if c.AssigneeID == nil || *c.AssigneeID != w.agent2.UserID {
			t.Errorf("#%d assignee %v, want %d", id, c.AssigneeID, w.agent2.UserID)
		}
		evs := w.events(t, id, "assignee.changed")
		if len(evs) != 1 || !strings.Contains(string(evs[0].After), `"assignee_id":`+strconv.FormatInt(w.agent2.UserID, 10)) ||
			evs[0].ActorID == nil || *evs[0].ActorID != w.agent.UserID {
			t.Errorf("#%d assignment events %+v", id, evs)
		}
	}
	if c := w.conversation(t, w.convs[1]); c.AssigneeID != nil {
		t.Errorf("the deselected conversation was assigned to %d", *c.AssigneeID)
	}
	if n := len(w.events(t, w.convs[1], "assignee.changed")); n != 0 {
		t.Errorf("the deselected conversation has %d assignment events", n)
	}
	if n := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#rows .pick:checked, #rows .row.selected').length`)); n != 0 {
		t.Errorf("%d rows still look selected after applying", n)
	}
}

func TestShortcutOverlayAndFolderKeys(t *testing.T) {
	w := newWorkspace(t)
	_, err := w.e.Conversations.Update(context.Background(), w.admin, w.convs[0],
		conversation.Patch{AssigneeID: model.Nullable[int64]{Set: true, Value: w.agent.UserID}})
	testutil.NoErr(t, err)
	ctx := browser(t)
	signIn(t, ctx, w, "agent@example.com")

	do(t, ctx, press("?"), chromedp.WaitVisible(`#help`))
	help := textOf(t, ctx, `#help`)
	for _, want := range []string{"Keyboard shortcuts", "set pending", "go to All · Mine · Unassigned", "select a range"} {
		if !strings.Contains(help, want) {
			t.Errorf("the overlay lacks %q:\n%s", want, help)
		}
	}
	// Keys do not act behind the overlay; Esc closes it.
	do(t, ctx, press("j"), chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(`#help`))
	if n := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#rows .row.cursor').length`)); n != 0 {
		t.Errorf("j moved the list behind the overlay")
	}

	rowIDs := func() string {
		return read(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#rows .row')].map(r => r.dataset.id).join(',')`))
	}
	id := func(i int) string { return strconv.FormatInt(w.convs[i], 10) }
	// g m: Mine.
	do(t, ctx, press("g"), press("m"), chromedp.WaitVisible(chromedp.CSS(`a[data-folder="mine"].active`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#rows .row[data-id="`+id(2)+`"]`)))
	if got := rowIDs(); got != id(0) {
		t.Errorf("g m lists %s, want %s", got, id(0))
	}
	if loc := read(t, ctx, chromedp.Location()); !strings.Contains(loc, "assignee=me") {
		t.Errorf("g m went to %s", loc)
	}
	// g u: Unassigned.
	do(t, ctx, press("g"), press("u"), chromedp.WaitVisible(chromedp.CSS(`a[data-folder="unassigned"].active`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#rows .row[data-id="`+id(0)+`"]`)))
	if got := rowIDs(); got != id(2)+","+id(1) {
		t.Errorf("g u lists %s, want %s,%s", got, id(2), id(1))
	}
	if loc := read(t, ctx, chromedp.Location()); !strings.Contains(loc, "assignee=none") {
		t.Errorf("g u went to %s", loc)
	}
	// g i: everything again; and Back returns to Unassigned.
	do(t, ctx, press("g"), press("i"), chromedp.WaitVisible(chromedp.CSS(`a[data-folder="all"].active`)),
		chromedp.WaitVisible(chromedp.CSS(`#rows .row[data-id="`+id(0)+`"]`)))
	if got := rowIDs(); got != id(2)+","+id(1)+","+id(0) {
		t.Errorf("g i lists %s", got)
	}
	do(t, ctx, chromedp.NavigateBack(), chromedp.WaitVisible(chromedp.CSS(`a[data-folder="unassigned"].active`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#rows .row[data-id="`+id(0)+`"]`)))
	// The mouse reaches the overlay too.
	do(t, ctx, click(`#show-help`), chromedp.WaitVisible(`#help`), click(`#help button`), chromedp.WaitNotVisible(`#help`))
}

func TestCustomerContentIsShownAsText(t *testing.T) {
	w := newWorkspace(t)
	const evil = `<img src=x onerror=alert(1)><b>bold</b>`
	c, err := w.e.Conversations.Create(context.Background(), w.admin, conversation.CreateRequest{InboxID: w.inbox,
		Contact: contact.Ref{Email: "eve@example.com", Name: `Eve <i>Evil</i>`}, Subject: `Subject <script>alert(2)</script>`,
		Message: conversation.MessageRequest{Body: evil, Direction: "incoming"}})
	testutil.NoErr(t, err)
	ctx := browser(t)
	signIn(t, ctx, w, "agent@example.com")
	open(t, ctx, c.ID)

	body := textOf(t, ctx, `#timeline .msg-incoming .msg-body`)
	if body != evil {
		t.Errorf("the message shows %q, want the HTML as text %q", body, evil)
	}
	if h := textOf(t, ctx, `.conv-head h1`); !strings.Contains(h, `<script>alert(2)</script>`) {
		t.Errorf("the subject shows %q", h)
	}
	if p := textOf(t, ctx, `.profile h2`); p != `Eve <i>Evil</i>` {
		t.Errorf("the profile shows %q", p)
	}
	row := `#rows .row[data-id="` + strconv.FormatInt(c.ID, 10) + `"]`
	if s := textOf(t, ctx, row+` .snippet`); s != evil {
		t.Errorf("the list snippet shows %q", s)
	}
	// No element came out of customer content, and nothing ran.
	n := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll(
		'.msg-body *, #rows .snippet *, #rows .subject *, .conv-head h1 *, .profile h2 *, #pane img, #list img, #pane script').length`))
	if n != 0 {
		t.Errorf("customer content made %d elements", n)
	}
	// The escaped text also survives a live re-render of the pane and list.
	_, err = w.e.Conversations.AddMessage(context.Background(), w.admin, c.ID, conversation.MessageRequest{Body: "<b>second</b>", Direction: "incoming"})
	testutil.NoErr(t, err)
	do(t, ctx, message("<b>second</b>"))
	if n := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('.msg-body b, #rows b, #pane img, #list img').length`)); n != 0 {
		t.Errorf("after a live update customer content made %d elements", n)
	}
}

func TestContentSecurityPolicyAndNoInlineScripts(t *testing.T) {
	w := newWorkspace(t)
	ctx := browser(t)
	check := func(url string) {
		t.Helper()
		resp := read(t, ctx, chromedp.NavigateResponse(url))
		csp, _ := resp.Headers["Content-Security-Policy"].(string)
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: Content-Security-Policy %q lacks %q", url, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-") {
			t.Errorf("%s: Content-Security-Policy %q allows unsafe sources", url, csp)
		}
		inline := read(t, ctx, chromedp.Evaluate[[]string](`[
			...[...document.scripts].filter(s => !s.src).map(s => 'inline script: ' + s.textContent.slice(0, 40)),
			...[...document.querySelectorAll('*')].flatMap(el => [...el.attributes]
				.filter(a => a.name.startsWith('on') || /^\s*javascript:/i.test(a.value))
				.map(a => el.tagName + ' ' + a.name + '=' + a.value)),
			...[...document.querySelectorAll('[style]')].map(el => el.tagName + ' style=' + el.getAttribute('style')),
		]`))
		for _, s := range inline {
			t.Errorf("%s: %s", url, s)
		}
	}
	check(w.url + "/login")
	signIn(t, ctx, w, "agent@example.com")
	check(w.url + "/inbox")
	check(w.url + "/inbox?open=" + strconv.FormatInt(w.convID, 10))

	// The session cookie is out of scripts' reach and not sent cross-site.
	cookies, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{w.url}})
	testutil.NoErr(t, err)
	var session *network.Cookie
	for _, c := range cookies.Cookies {
		if c.Name == "parley_session" {
			session = c
		}
	}
	if session == nil || !session.HTTPOnly || session.SameSite != network.CookieSameSiteLax {
		t.Errorf("session cookie %+v, want HttpOnly and SameSite=Lax", session)
	}
	if jar := read(t, ctx, chromedp.Evaluate[string](`document.cookie`)); strings.Contains(jar, "parley_session") {
		t.Errorf("scripts can read the session cookie: %q", jar)
	}
	do(t, ctx, chromedp.WaitReady(chromedp.CSS(`body.live`)), chromedp.WaitVisible(`#compose-body`))

	// The browser enforces it: a script injected into the page does not run.
	expectCSPViolations(ctx)
	directive := read(t, ctx, chromedp.Evaluate[string](`new Promise(done => {
		document.addEventListener('securitypolicyviolation', e => done(e.effectiveDirective), { once: true });
		const s = document.createElement('script');
		s.textContent = 'window.injected = true';
		document.body.append(s);
	})`, chromedp.EvalAwaitPromise))
	if directive != "script-src-elem" {
		t.Errorf("the injected script violated %q, want script-src-elem", directive)
	}
	if ran := read(t, ctx, chromedp.Evaluate[bool](`window.injected === true`)); ran {
		t.Error("an inline script ran despite the policy")
	}
}

func TestLayoutFitsALaptopAndAPhone(t *testing.T) {
	w := newWorkspace(t)
	// A long unbroken subject and body must not push anything off screen.
	long := strings.Repeat("Verylongwordwithoutanyspaces", 8)
	c, err := w.e.Conversations.Create(context.Background(), w.admin, conversation.CreateRequest{InboxID: w.inbox,
		Contact: contact.Ref{Email: "a-rather-long-address-for-a-customer@example.com"}, Subject: long,
		Message: conversation.MessageRequest{Body: long, Direction: "incoming"}})
	testutil.NoErr(t, err)
	_, err = w.e.Conversations.AddTags(context.Background(), w.admin, c.ID, []string{"billing", "refund", "vip-follow-up", "hardware"})
	testutil.NoErr(t, err)

	// fits reports what sticks out of the viewport horizontally or is
	// hidden under another element.
	const fits = `(() => {
		const vw = document.documentElement.clientWidth, out = [];
		if (document.documentElement.scrollWidth > vw) out.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + vw);
		for (const sel of ['#compose-body', '#composer button[data-then="resolved"]', '.conv-head h1', '#rows .row', '.controls select[data-field="status"]']) {
			const el = document.querySelector(sel);
			if (!el) { out.push(sel + ' missing'); continue; }
			el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
			const r = el.getBoundingClientRect();
			if (r.width === 0 || r.height === 0) out.push(sel + ' has no size');
			if (r.left < 0 || r.right > vw + 1) out.push(sel + ' sticks out: ' + r.left + '..' + r.right + ' of ' + vw);
			const hit = document.elementFromPoint(r.left + Math.min(r.width / 2, 20), r.top + Math.min(r.height / 2, 10));
			if (hit && !el.contains(hit) && !hit.contains(el)) out.push(sel + ' is covered by ' + hit.tagName + '.' + hit.className);
		}
		return out;
	})()`

	laptop := browser(t)
	signIn(t, laptop, w, "agent@example.com")
	open(t, laptop, c.ID)
	for _, s := range read(t, laptop, chromedp.Evaluate[[]string](fits)) {
		t.Errorf("1280×800: %s", s)
	}
	// All three panes and the profile are side by side on a laptop.
	if vis := read(t, laptop, chromedp.Evaluate[string](`['.sidebar', '.list', '.conversation', '.profile']
		.map(s => document.querySelector(s).getBoundingClientRect()).map(r => Math.round(r.left)).join(',')`)); vis == "" {
		t.Error("no panes")
	} else if xs := strings.Split(vis, ","); !(atoi(xs[0]) < atoi(xs[1]) && atoi(xs[1]) < atoi(xs[2]) && atoi(xs[2]) < atoi(xs[3])) {
		t.Errorf("on a laptop the panes are not side by side: left edges %s", vis)
	}

	phone := browserSized(t, 390, 844)
	do(t, phone, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	signIn(t, phone, w, "agent@example.com")
	// The list fills the screen; opening a conversation shows it instead,
	// with a way back to the list.
	if wd := read(t, phone, chromedp.Evaluate[float64](`document.querySelector('.list').getBoundingClientRect().width`)); wd < 380 {
		t.Errorf("on a phone the list is %vpx wide", wd)
	}
	do(t, phone, click(`#rows a[data-open="`+strconv.FormatInt(c.ID, 10)+`"]`), chromedp.WaitVisible(`#compose-body`))
	for _, s := range read(t, phone, chromedp.Evaluate[[]string](strings.Replace(fits, `'#rows .row', `, ``, 1))) {
		t.Errorf("390×844: %s", s)
	}
	do(t, phone, click(`.back`), chromedp.WaitVisible(chromedp.CSS(`#rows .row`)), chromedp.WaitNotPresent(`#compose-body`))
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }
