package web_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/parley-hq/parley/internal/demo"
	"github.com/parley-hq/parley/internal/testutil"
)

// TestScreenshots writes the README's screenshots from the demo helpdesk.
// It runs only when PARLEY_SCREENSHOTS names the directory to write to, so
// the normal suite never rewrites them:
//
//	PARLEY_SCREENSHOTS=docs/screenshots go test ./internal/web -run TestScreenshots
//
// (the path is relative to the repository root). PARLEY_SCREENSHOTS_PHONE
// names a directory for the same pages at 390×844, to check the narrow
// layout; those are not committed.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("PARLEY_SCREENSHOTS")
	if dir == "" {
		t.Skip("set PARLEY_SCREENSHOTS=docs/screenshots to write the README's screenshots")
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", "..", dir) // tests run in internal/web
	}
	testutil.NoErr(t, os.MkdirAll(dir, 0o755))

	e := testutil.Open(t, "sqlite")
	e.Clock.Set(time.Now())
	login, err := demo.Seed(context.Background(), e.App)
	testutil.NoErr(t, err)
	e.StartRealtime(t)
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	w := &workspace{e: e, url: srv.URL}

	shoot := func(ctx context.Context, dir, name string) {
		t.Helper()
		do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.fonts.ready.then(() => null)`, chromedp.EvalAwaitPromise))
		// What is on the screen (the app fills the window; a phone page
		// would make a very long full-page image).
		png := read(t, ctx, chromedp.CaptureScreenshot())
		testutil.NoErr(t, os.WriteFile(filepath.Join(dir, name), png, 0o644))
		t.Logf("wrote %s", filepath.Join(dir, name))
	}
	pages := func(ctx context.Context, dir string) {
		t.Helper()
		signInAs(t, ctx, w, login.Email, login.Password)
		// Two conversations picked for a bulk change, the cursor on the third.
		do(t, ctx, chromedp.WaitVisible(`#rows .row`), press("j"), press("x"), press("j"), press("j"), press("x"), press("j"),
			chromedp.WaitVisible(`//span[@id="bulk-count"][.="2 selected"]`))
		shoot(ctx, dir, "inbox.png")
		do(t, ctx, click(`#bulk-clear`), chromedp.WaitNotVisible(`#bulkbar`))
		// A conversation near the top with a few messages and a note.
		id := read(t, ctx, chromedp.Evaluate[string](`(async () => {
			for (const r of [...document.querySelectorAll('#rows .row')].slice(0, 8)) {
				const html = await (await fetch('/inbox/conversations/' + r.dataset.id)).text();
				const d = new DOMParser().parseFromString(html, 'text/html');
				if (d.querySelectorAll('.msg').length >= 3 && d.querySelector('.msg-note')) return r.dataset.id;
			}
			return document.querySelector('#rows .row').dataset.id;
		})()`, chromedp.EvalAwaitPromise))
		do(t, ctx,
			click(`#rows a[data-open="`+id+`"]`),
			chromedp.WaitVisible(`#compose-body`),
			chromedp.SendKeys(`#compose-body`, "Thanks for the details! I have sent a replacement hub; it should arrive on Thursday."),
		)
		shoot(ctx, dir, "conversation.png")
		do(t, ctx, chromedp.KeyEvent(kb.Escape), press("?"), chromedp.WaitVisible(`#help`))
		shoot(ctx, dir, "shortcuts.png")
		// The customer's profile, from the conversation's sidebar.
		do(t, ctx, chromedp.KeyEvent(kb.Escape), click(`.profile a.contact-link`), chromedp.WaitVisible(`#profile-form`))
		shoot(ctx, dir, "contact.png")
		// The reports page broken down by agent, and the live dashboard.
		do(t, ctx, chromedp.Navigate(w.url+"/reports?group_by=agent"), chromedp.WaitVisible(`#summary`))
		shoot(ctx, dir, "reports.png")
		do(t, ctx, chromedp.Navigate(w.url+"/dashboard"), chromedp.WaitVisible(`#live .tiles`))
		shoot(ctx, dir, "dashboard.png")
		do(t, ctx, chromedp.Navigate(w.url+"/inbox"), chromedp.WaitVisible(`#rows`))
	}

	ctx := browserSized(t, 1440, 900)
	pages(ctx, dir)
	if phone := os.Getenv("PARLEY_SCREENSHOTS_PHONE"); phone != "" {
		testutil.NoErr(t, os.MkdirAll(phone, 0o755))
		pctx := browserSized(t, 390, 844)
		do(t, pctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
		pages(pctx, phone)
	}
}
