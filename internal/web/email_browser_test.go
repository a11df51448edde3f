package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
)

const htmlMail = "From: Ana Souza <ana@example.com>\r\nTo: support@acme.test\r\nSubject: Broken kettle\r\nMessage-ID: <k1@example.com>\r\n" +
	"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=mix\r\n\r\n" +
	"--mix\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
	`<p>The <b>lid</b> broke.</p><script>parent.document.title='pwned'</script><img src="https://tracker.example/p.gif" alt="tracker">` +
	`<div class="gmail_quote">On Monday you wrote:<blockquote>Thanks for your order</blockquote></div>` + "\r\n" +
	"--mix\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=receipt.pdf\r\n\r\n%PDF-1.4 receipt\r\n--mix--\r\n"

// TestReadAnHTMLEmailWithAnAttachment: an agent reads a customer's HTML
// mail in the timeline: formatted, scripts gone, the quote folded, the
// tracking image blocked until asked for, the attachment listed.
func TestReadAnHTMLEmailWithAnAttachment(t *testing.T) {
	w := newWorkspace(t)
	in, err := w.e.Accounts.CreateInbox(context.Background(), model.System, account.InboxCreateRequest{Name: "Mail", Channel: model.ChannelEmail,
		Settings: []byte(`{"address":"support@acme.test"}`)})
	testutil.NoErr(t, err)
	_, err = w.e.Accounts.AddInboxMember(context.Background(), model.System, in.ID, w.agent.UserID)
	testutil.NoErr(t, err)
	_, msg, err := w.e.Email.Ingest(context.Background(), in.ID, []byte(htmlMail), nil)
	testutil.NoErr(t, err)

	ctx := browser(t)
	signIn(t, ctx, w, "agent@example.com")
	open(t, ctx, msg.ConversationID)
	frame := `iframe.msg-html`
	inFrame := func(js string) string {
		t.Helper()
		return read(t, ctx, chromedp.Evaluate[string](`(() => { const d = document.querySelector('`+frame+`')?.contentDocument; return d && d.body ? String(`+js+`) : ''; })()`))
	}
	deadline := time.Now().Add(10 * time.Second)
	for inFrame(`d.body.innerText`) == "" {
		if time.Now().After(deadline) {
			t.Fatal("the mail's HTML never showed")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := inFrame(`d.querySelector('b')?.innerText`); got != "lid" {
		t.Errorf("bold text shows %q, want lid", got)
	}
	if got := inFrame(`d.querySelectorAll('script').length`); got != "0" {
		t.Errorf("%s scripts in the mail", got)
	}
	if title := read(t, ctx, chromedp.Evaluate[string](`document.title`)); title == "pwned" {
		t.Error("the mail's script ran")
	}
	if got := inFrame(`d.querySelector('details[data-parley-quoted]')?.open`); got != "false" {
		t.Errorf("the quote is not folded: open=%q", got)
	}
	if got := inFrame(`d.body.innerText.includes('Thanks for your order')`); got != "false" {
		t.Error("the folded quote shows")
	}
	if got := inFrame(`d.querySelector('img[alt=tracker]').getAttribute('src')`); got != "null" {
		t.Errorf("the remote image loads before anyone asked: src=%s", got)
	}
	link := textOf(t, ctx, `.attachments a`)
	href := read(t, ctx, chromedp.Evaluate[string](`document.querySelector('.attachments a')?.getAttribute('href') ?? ''`))
	if link != "receipt.pdf" || !strings.HasPrefix(href, "/api/v1/attachments/") {
		t.Errorf("attachment link %q -> %q", link, href)
	}
	// The download answers as a file for this agent.
	status := read(t, ctx, chromedp.Evaluate[string](`fetch('`+href+`').then(r => r.status + ' ' + r.headers.get('content-disposition') + ' ' + r.headers.get('x-content-type-options'))`, chromedp.EvalAwaitPromise))
	if status != "200 attachment; filename=receipt.pdf nosniff" {
		t.Errorf("download answered %q", status)
	}
	// Asking for remote images loads them.
	do(t, ctx, click(`button.show-remote`))
	deadline = time.Now().Add(10 * time.Second)
	for inFrame(`d.querySelector('img[alt=tracker]')?.getAttribute('src')`) != "https://tracker.example/p.gif" {
		if time.Now().After(deadline) {
			t.Fatal("remote image still blocked after Show remote images")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
