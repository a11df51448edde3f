package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/automation"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
	"github.com/parley-hq/parley/internal/testutil"
)

// inWidget is a JS path to an element inside the chat widget's shadow root.
func inWidget(css string) chromedp.JSPath {
	return chromedp.JSPath(`document.querySelector("#parley-chat")?.shadowRoot?.querySelector(` + strconv.Quote(css) + `)`)
}

// widgetMessage is a JS path to the widget's message containing text.
func widgetMessage(class, text string) chromedp.JSPath {
	return chromedp.JSPath(`[...(document.querySelector("#parley-chat")?.shadowRoot?.querySelectorAll(".msg.` + class + `") ?? [])].find(m => m.textContent.includes(` + strconv.Quote(text) + `))`)
}

// TestAVisitorChatsWithAnAgentFromAThirdPartyPage embeds the widget in a
// page of another origin with a strict Content-Security-Policy, starts a
// chat there, answers it from the web app, and checks that the visitor
// sees the agent typing and the answer live, and the history after a reload.
func TestAVisitorChatsWithAnAgentFromAThirdPartyPage(t *testing.T) {
	e := testutil.Open(t, "sqlite")
	e.Clock.Set(time.Now())
	w := &workspace{e: e}
	w.admin = e.User(t, "admin@example.com", model.RoleAdmin)
	w.agent = e.User(t, "agent@example.com", model.RoleAgent)
	name := "Ana Agent"
	_, err := e.Accounts.UpdateUser(testutil.Ctx(), model.System, w.agent.UserID, account.UserPatch{Name: &name})
	testutil.NoErr(t, err)
	in, err := e.Accounts.CreateInbox(testutil.Ctx(), model.System, account.InboxCreateRequest{Name: "Acme chat", Channel: model.ChannelChat,
		Settings: []byte(`{"secret":"chat-secret-0123456789","widget_key":"acme-site","greeting":"Hi! Ask us anything."}`)})
	testutil.NoErr(t, err)
	_, err = e.Accounts.AddInboxMember(testutil.Ctx(), model.System, in.ID, w.agent.UserID)
	testutil.NoErr(t, err)
	e.StartRealtime(t)
	parley := httptest.NewServer(e.Handler)
	t.Cleanup(parley.Close)
	w.url = parley.URL

	// The shop is another origin and allows scripts and connections only
	// to Parley: no inline script, no inline style.
	shop := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Security-Policy", "default-src 'none'; script-src "+parley.URL+"; connect-src "+parley.URL+"; style-src 'self'; img-src 'self'")
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(rw, `<!doctype html><html><head><title>Acme shop</title></head><body><h1>Acme shop</h1>
<script src="%s/widget.js" data-inbox-key="acme-site" async></script></body></html>`, parley.URL)
	}))
	t.Cleanup(shop.Close)

	// The agent signs in first; the visitor is a second tab of the same
	// browser (its own origin, so nothing is shared), which saves starting
	// a second Chromium on a busy machine.
	agent := browser(t)
	signIn(t, agent, w, "agent@example.com")
	visitor, closeTab := chromedp.NewContext(agent)
	t.Cleanup(closeTab)
	do(t, visitor) // opens the tab, so its console can be watched
	pe := &pageErrors{}
	go pe.watch(visitor)
	t.Cleanup(func() { pe.check(t) })
	do(t, visitor,
		chromedp.Navigate(shop.URL),
		chromedp.WaitVisible(inWidget(".launcher")),
	)
	// Styled despite the page's CSP: the widget's own stylesheet applies.
	if pos := read(t, visitor, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("#parley-chat").shadowRoot.querySelector(".launcher")).position`)); pos != "fixed" {
		t.Fatalf("the launcher is positioned %q, want fixed: the widget's styles did not apply", pos)
	}
	do(t, visitor,
		chromedp.Click(inWidget(".launcher")),
		chromedp.WaitVisible(inWidget(`form.prechat input[name="name"]`)),
		chromedp.SendKeys(inWidget(`form.prechat input[name="name"]`), "Vera Visitor"),
		chromedp.SendKeys(inWidget(`form.prechat input[name="email"]`), "vera@example.com"),
		chromedp.Click(inWidget(`form.prechat button`)),
		chromedp.WaitVisible(inWidget(`form.compose textarea`)),
		chromedp.SendKeys(inWidget(`form.compose textarea`), "Has my order 1001 shipped?\r"),
		chromedp.WaitVisible(widgetMessage("visitor", "Has my order 1001 shipped?")),
	)

	var convID int64
	deadline := time.Now().Add(5 * time.Second)
	for convID == 0 && time.Now().Before(deadline) {
		list, err := e.Store.ListConversations(testutil.Ctx(), store.ConversationFilter{Conditions: store.Conditions{InboxID: in.ID}, Sort: "created", Limit: 5, Now: e.Clock.Now()})
		testutil.NoErr(t, err)
		if len(list) == 1 {
			convID = list[0].ID
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if convID == 0 {
		t.Fatal("the visitor's message made no conversation")
	}
	if c := w.conversation(t, convID); c.Contact.Name != "Vera Visitor" || c.Channel != model.ChannelChat {
		t.Fatalf("conversation %+v", c)
	}

	open(t, agent, convID)
	do(t, agent, message("Has my order 1001 shipped?"))
	do(t, visitor, chromedp.SendKeys(inWidget(`form.compose textarea`), "It was due on Monday"))
	within(t, agent, 3*time.Second, "the agent sees the visitor typing",
		chromedp.WaitVisible(`//div[@id="presence"][contains(., "Vera Visitor is typing")]`))
	do(t, agent, press("r"), chromedp.SendKeys(`#compose-body`, "Yes, it left our warehouse"))
	within(t, visitor, 3*time.Second, "the visitor sees the agent typing",
		chromedp.WaitVisible(chromedp.JSPath(`[document.querySelector("#parley-chat").shadowRoot.querySelector(".typing")].find(n => n.textContent.includes("Ana Agent is typing"))`)))
	do(t, agent, chromedp.SendKeys(`#compose-body`, " this morning."), chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	const reply = "Yes, it left our warehouse this morning."
	within(t, visitor, 3*time.Second, "the visitor sees the answer live", chromedp.WaitVisible(widgetMessage("agent", reply)))
	if got := read(t, visitor, chromedp.Evaluate[string](`document.querySelector("#parley-chat").shadowRoot.querySelector(".msg.agent .author").textContent`)); got != name {
		t.Errorf("the answer is signed %q, want the agent's name %q", got, name)
	}

	// A returning visitor finds the conversation where they left it.
	do(t, visitor,
		chromedp.Reload(),
		chromedp.WaitVisible(inWidget(".launcher")),
		chromedp.Click(inWidget(".launcher")),
		chromedp.WaitVisible(widgetMessage("agent", reply)),
		chromedp.WaitVisible(widgetMessage("visitor", "Has my order 1001 shipped?")),
	)
	if n := read(t, visitor, chromedp.Evaluate[int](`document.querySelector("#parley-chat").shadowRoot.querySelectorAll(".msg").length`)); n != 2 {
		t.Errorf("after a reload the widget shows %d messages, want 2", n)
	}

	// Files both ways: the visitor attaches a photo, the agent sees it in
	// the timeline; the agent attaches an invoice, the visitor downloads it.
	dir := t.TempDir()
	photo, invoice := filepath.Join(dir, "parcel.png"), filepath.Join(dir, "invoice.pdf")
	testutil.NoErr(t, os.WriteFile(photo, []byte("PNG a photo of the parcel"), 0o600))
	testutil.NoErr(t, os.WriteFile(invoice, []byte("%PDF-1.4 the invoice"), 0o600))
	do(t, visitor,
		chromedp.SetUploadFiles(inWidget(`form.compose input[type="file"]`), []string{photo}),
		chromedp.WaitVisible(chromedp.JSPath(`[document.querySelector("#parley-chat").shadowRoot.querySelector(".chosen")].find(n => n.textContent.includes("parcel.png"))`)),
		chromedp.SendKeys(inWidget(`form.compose textarea`), "The box arrived crushed\r"),
		chromedp.WaitVisible(chromedp.JSPath(`[...document.querySelector("#parley-chat").shadowRoot.querySelectorAll(".msg.visitor a.file")].find(a => a.textContent.includes("parcel.png"))`)),
	)
	within(t, agent, 5*time.Second, "the agent sees the visitor's file",
		chromedp.WaitVisible(`//div[contains(@class,"msg")][contains(., "The box arrived crushed")]//ul[@class="attachments"]//a[.="parcel.png"]`))
	href := read(t, agent, chromedp.Evaluate[string](`[...document.querySelectorAll('.attachments a')].find(a => a.textContent === 'parcel.png').getAttribute('href')`))
	got := read(t, agent, chromedp.Evaluate[string](`fetch(`+strconv.Quote(href)+`).then(r => r.text().then(b => r.status + ' ' + r.headers.get('X-Content-Type-Options') + ' ' + b))`, chromedp.EvalAwaitPromise))
	if got != "200 nosniff PNG a photo of the parcel" {
		t.Errorf("the agent downloads %q", got)
	}
	do(t, agent,
		press("r"),
		chromedp.SetUploadFiles(`#compose-files`, []string{invoice}),
		chromedp.WaitVisible(`//span[@id="compose-file-names"][contains(., "invoice.pdf")]`),
		chromedp.SendKeys(`#compose-body`, "Sorry! Here is the invoice for the refund."),
		chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
	)
	invoiceLink := chromedp.JSPath(`[...document.querySelector("#parley-chat").shadowRoot.querySelectorAll(".msg.agent a.file")].find(a => a.textContent.includes("invoice.pdf"))`)
	within(t, visitor, 5*time.Second, "the visitor sees the agent's file", chromedp.WaitVisible(invoiceLink))
	do(t, visitor, chromedp.Click(invoiceLink))
	within(t, visitor, 5*time.Second, "the visitor downloads the agent's file",
		chromedp.WaitVisible(chromedp.JSPath(`[...document.querySelector("#parley-chat").shadowRoot.querySelectorAll('a.file[data-saved="true"]')].find(a => a.textContent.includes("invoice.pdf"))`)))

	// Resolved with CSAT on: the survey arrives live with rating buttons;
	// one click rates, a comment follows.
	_, err = e.Automation.UpdateInboxSettings(testutil.Ctx(), w.admin, in.ID, automation.InboxSettingsRequest{CSATEnabled: ptr(true)})
	testutil.NoErr(t, err)
	resolved := model.StatusResolved
	_, err = e.Conversations.Update(testutil.Ctx(), w.agent, convID, conversation.Patch{Status: &resolved})
	testutil.NoErr(t, err)
	within(t, visitor, 5*time.Second, "the visitor sees the survey with its buttons",
		chromedp.WaitVisible(widgetMessage("agent", "How did we do?")),
		chromedp.WaitVisible(inWidget(`.survey button[data-rating="4"]`)))
	do(t, visitor,
		chromedp.Click(inWidget(`.survey button[data-rating="4"]`)),
		chromedp.WaitVisible(inWidget(`.survey .thanks`)),
		chromedp.SendKeys(inWidget(`.survey input[name="comment"]`), "Fast and friendly"),
		chromedp.Click(inWidget(`.survey form button`)),
		chromedp.WaitVisible(chromedp.JSPath(`[document.querySelector("#parley-chat").shadowRoot.querySelector(".survey .thanks")].find(n => n.textContent.includes("Fast and friendly"))`)),
	)
	if got := read(t, visitor, chromedp.Evaluate[string](`document.querySelector("#parley-chat").shadowRoot.querySelector('.survey button[aria-pressed="true"]').textContent`)); got != "4" {
		t.Errorf("the pressed rating is %q, want 4", got)
	}
	sv, err := e.Conversations.ConversationSurvey(testutil.Ctx(), w.admin, convID)
	testutil.NoErr(t, err)
	if sv.Rating == nil || *sv.Rating != 4 || sv.Comment != "Fast and friendly" {
		t.Fatalf("survey after rating in the widget: %+v", sv)
	}
	if c := w.conversation(t, convID); c.Status != model.StatusResolved {
		t.Fatalf("rating reopened the conversation: %s", c.Status)
	}
}

// TestAnAgentLogsACallFromTheConversation logs a call-back by hand from the
// side panel and sees it in the timeline, and the conversation answered.
func TestAnAgentLogsACallFromTheConversation(t *testing.T) {
	w := newWorkspace(t)
	ctx := browser(t)
	signIn(t, ctx, w, "agent@example.com")
	open(t, ctx, w.convID)
	do(t, ctx,
		click(`.log-call summary`),
		chromedp.WaitVisible(`#call-form select[name="outcome"]`),
		choose(`#call-form select[name="outcome"]`, "answered"),
		chromedp.SetValue(`#call-form input[name="minutes"]`, "4.5"),
		chromedp.SendKeys(`#call-form textarea[name="notes"]`, "Walked the customer through the refund"),
		click(`#call-form button`),
	)
	within(t, ctx, 5*time.Second, "the call shows in the timeline",
		chromedp.WaitVisible(`//div[contains(@class,"call ")][contains(., "Outbound call · 4:30 · logged by agent@example.com")][contains(., "Walked the customer through the refund")]`))
	calls, err := w.e.Conversations.Calls(testutil.Ctx(), w.admin, w.convID)
	testutil.NoErr(t, err)
	if len(calls) != 1 || calls[0].DurationSeconds != 270 || calls[0].UserID == nil || *calls[0].UserID != w.agent.UserID {
		t.Fatalf("calls %+v", calls)
	}
	if c := w.conversation(t, w.convID); c.FirstResponseAt == nil || c.Status != model.StatusOpen {
		t.Fatalf("after an answered call-back: status %s, first response %v", c.Status, c.FirstResponseAt)
	}
}
