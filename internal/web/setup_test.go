package web_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/testutil"
)

// TestFirstRunSetup: an empty install sends visitors to the setup page,
// which needs the code serve printed, creates the first admin, signs them
// in, and is gone afterwards.
func TestFirstRunSetup(t *testing.T) {
	e := testutil.Open(t, "sqlite")
	e.Clock.Set(time.Now())
	if e.SetupCode == "" {
		t.Fatal("an empty install has no setup code")
	}
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	ctx := browser(t)

	fill := func(code string) {
		do(t, ctx,
			chromedp.Navigate(srv.URL+"/login"),
			chromedp.WaitVisible(`input[name=code]`), // /login redirects to /setup
			chromedp.SendKeys(`input[name=code]`, code),
			chromedp.SendKeys(`input[name=name]`, "Ada Admin"),
			chromedp.SendKeys(`input[name=email]`, "ada@example.com"),
			chromedp.SendKeys(`input[name=password]`, "correct horse"),
			click(`button[type=submit]`),
		)
	}
	fill("not-the-code")
	do(t, ctx, chromedp.WaitVisible(`p.error`))
	if msg := textOf(t, ctx, "p.error"); !strings.Contains(msg, "setup code is not right") {
		t.Fatalf("a wrong code says %q", msg)
	}
	if need, _ := e.Accounts.NeedsSetup(context.Background()); !need {
		t.Fatal("a wrong code created a user")
	}

	fill(e.SetupCode)
	do(t, ctx, chromedp.WaitVisible(`#rows`))
	if me := textOf(t, ctx, ".me"); !strings.Contains(me, "Ada Admin") {
		t.Fatalf("after setup the inbox shows %q, want the new admin signed in", me)
	}
	u, err := e.Accounts.UserByEmail(context.Background(), "ada@example.com")
	testutil.NoErr(t, err)
	if u.Role != "admin" || !account.CheckPassword(u.PasswordHash, "correct horse") {
		t.Fatalf("the first user: role %s", u.Role)
	}

	// The page is gone once someone has set Parley up.
	do(t, ctx, chromedp.Navigate(srv.URL+"/setup"), chromedp.WaitVisible(`input[name=email]`))
	if url := read(t, ctx, chromedp.Evaluate[string](`location.pathname`)); url != "/login" && url != "/inbox" {
		t.Fatalf("/setup after setup went to %s", url)
	}
	if n := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('input[name=code]').length`)); n != 0 {
		t.Fatal("the setup form is still offered after setup")
	}
}
