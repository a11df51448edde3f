package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
)

// A supervisor opens the reports page from the inbox, sees the charts and
// the table, breaks the numbers down by inbox, and clicks a number to
// reach the conversations behind it, and one of those to open it.
func TestSupervisorDrillsFromAReportToItsConversations(t *testing.T) {
	w := newWorkspace(t)
	sup := w.e.User(t, "sup@example.com", model.RoleSupervisor)
	ctx := browser(t)
	signIn(t, ctx, w, "sup@example.com")
	_ = sup
	do(t, ctx,
		click(`a[href="/reports"]`),
		chromedp.WaitVisible(`#summary`),
	)
	// Charts are drawn (not the no-data note): the volume line has points.
	if n := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('svg.chart.line:not(.chart-empty) circle.point').length`)); n == 0 {
		t.Fatal("the volume chart has no points")
	}
	if title := read(t, ctx, chromedp.Evaluate[string](`document.querySelector('svg.chart.line > title').textContent`)); title != "New and resolved per day" {
		t.Fatalf("chart title %q", title)
	}
	// The workspace has three new conversations this period, none before.
	row := textOf(t, ctx, `#summary tbody tr:first-child`)
	if !strings.HasPrefix(row, "New\t3\t0") {
		t.Fatalf("summary first row %q", row)
	}

	// Break down by inbox: one bar chart, one row for "Support".
	do(t, ctx,
		chromedp.SetValue(`#group-by`, "inbox"),
		click(`#report-form button`),
		chromedp.WaitVisible(`#groups`),
	)
	if got := textOf(t, ctx, `#groups tbody tr:first-child th`); got != "Support" {
		t.Fatalf("group row %q", got)
	}
	if n := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('svg.chart.bar rect.bar').length`)); n != 2 {
		t.Fatalf("bars = %d, want new and resolved for one inbox", n)
	}

	// The "3" new conversations of the Support row lead to those three.
	do(t, ctx,
		click(`#groups tbody tr:first-child td:first-of-type a`),
		chromedp.WaitVisible(`#drill`),
	)
	if h := textOf(t, ctx, `#drill-heading`); !strings.HasPrefix(h, "New conversations,") || !strings.HasSuffix(h, "inbox Support") {
		t.Fatalf("drill heading %q", h)
	}
	ids := read(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#drill tbody tr[data-id]')].map(r => r.dataset.id)`))
	if len(ids) != 3 {
		t.Fatalf("drill rows %v, want the 3 conversations", ids)
	}
	for _, id := range w.convs {
		if !strings.Contains(strings.Join(ids, ","), strconv.FormatInt(id, 10)) {
			t.Fatalf("conversation %d missing from %v", id, ids)
		}
	}
	do(t, ctx,
		click(`#drill tbody tr[data-id="`+strconv.FormatInt(w.convID, 10)+`"] th a`),
		chromedp.WaitVisible(`.conversation[data-id="`+strconv.FormatInt(w.convID, 10)+`"]`),
	)
}

// The dashboard follows the helpdesk live, and its numbers open the
// conversation list they count.
func TestDashboardUpdatesLiveAndLinksToTheList(t *testing.T) {
	w := newWorkspace(t)
	w.e.User(t, "sup@example.com", model.RoleSupervisor)
	ctx := browser(t)
	signIn(t, ctx, w, "sup@example.com")
	do(t, ctx,
		click(`a[href="/dashboard"]`),
		chromedp.WaitVisible(`#live [data-metric="open"]`),
		chromedp.WaitReady(`svg.chart.bar rect.bar`),
	)
	if got := textOf(t, ctx, `[data-metric="open"] .n`); got != "3" {
		t.Fatalf("open = %q, want 3", got)
	}
	// A new urgent conversation arrives: the page shows it within seconds.
	_, err := w.e.Conversations.Create(context.Background(), w.admin, conversation.CreateRequest{InboxID: w.inbox,
		Contact: contact.Ref{Email: "new@example.com"}, Subject: "Site down", Priority: "urgent",
		Message: conversation.MessageRequest{Body: "Nothing loads", Direction: "incoming"}})
	testutil.NoErr(t, err)
	within(t, ctx, 10*time.Second, "the new conversation counted",
		chromedp.WaitVisible(`//a[@data-metric="open"]/span[@class="n"][.="4"]`),
		chromedp.WaitVisible(`//table[@id="by-status"]//tr[th="new"]/td[1]/a[.="1"]`),
	)
	// The urgent-new cell opens the list filtered to exactly that.
	do(t, ctx,
		click(`#by-status tbody tr:first-child td:first-of-type a`),
		chromedp.WaitVisible(`#rows`),
	)
	subjects := textOf(t, ctx, `#rows`)
	if !strings.Contains(subjects, "Site down") || strings.Contains(subjects, "Login trouble") {
		t.Fatalf("list after the urgent/new link: %q", subjects)
	}
}

// A supervisor opts in to the weekly summary from the reports pages.
func TestWeeklySummaryOptIn(t *testing.T) {
	w := newWorkspace(t)
	sup := w.e.User(t, "sup@example.com", model.RoleSupervisor)
	ctx := browser(t)
	signIn(t, ctx, w, "sup@example.com")
	do(t, ctx,
		chromedp.Navigate(w.url+"/dashboard"),
		chromedp.WaitVisible(`#weekly-report`),
		click(`#weekly-report`),
		chromedp.WaitVisible(`//p[@id="live-status"][contains(., "weekly summary by email")]`),
	)
	u, err := w.e.Store.UserByID(context.Background(), sup.UserID)
	testutil.NoErr(t, err)
	if !u.WeeklyReport {
		t.Fatal("the opt-in was not saved")
	}
	// An agent cannot open the dashboard at all.
	actx := browser(t)
	signIn(t, actx, w, "agent@example.com")
	if n := read(t, actx, chromedp.Evaluate[int](`document.querySelectorAll('a[href="/dashboard"]').length`)); n != 0 {
		t.Fatal("agents see a dashboard link")
	}
}
