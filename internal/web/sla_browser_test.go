package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/sla"
	"github.com/parley-hq/parley/internal/testutil"
)

// An agent sorts by SLA due, sees a live countdown that turns red once the
// target is missed, and escalates with a handoff note the timeline keeps.
func TestSLACountdownAndEscalate(t *testing.T) {
	w := newWorkspace(t)
	bg := context.Background()
	name := "First reply in an hour"
	_, err := w.e.SLA.CreatePolicy(bg, w.admin, sla.PolicyRequest{Name: &name, FirstResponse: &sla.Targets{time.Hour, time.Hour, time.Hour, time.Hour}})
	testutil.NoErr(t, err)
	newConv := func(subject string) int64 {
		c, err := w.e.Conversations.Create(bg, w.admin, conversation.CreateRequest{InboxID: w.inbox,
			Contact: contact.Ref{Email: strings.ToLower(strings.Fields(subject)[0]) + "@example.com"}, Subject: subject,
			Message: conversation.MessageRequest{Body: "Please help: " + subject, Direction: "incoming"}})
		testutil.NoErr(t, err)
		return c.ID
	}
	now := w.e.Clock.Now()
	w.e.Clock.Set(now.Add(-2 * time.Hour))
	late := newConv("Overdue parcel")
	w.e.Clock.Set(now)
	soon := newConv("Damaged box")
	_, err = w.e.Conversations.Update(bg, w.admin, soon, conversation.Patch{AssigneeID: model.Nullable[int64]{Set: true, Value: w.agent.UserID}})
	testutil.NoErr(t, err)

	ctx := browser(t)
	signIn(t, ctx, w, "agent@example.com")
	// The list is swapped in when the sort changes: wait for the new order.
	do(t, ctx, choose(`#sort`, "sla_due"), chromedp.WaitVisible(`#rows .row:first-child[data-id="`+id(late)+`"]`))
	if got := rowIDs(t, ctx); !strings.HasPrefix(got, id(late)+","+id(soon)+",") {
		t.Fatalf("rows sorted by SLA due = %s, want %d then %d first", got, late, soon)
	}

	open(t, ctx, late)
	overdue := textOf(t, ctx, `#sla-countdown`)
	red := read(t, ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('#sla-countdown')).backgroundColor`))
	if !strings.HasPrefix(overdue, "SLA overdue 1h") || red != "rgb(198, 40, 40)" {
		t.Fatalf("overdue countdown = %q on %s", overdue, red)
	}

	open(t, ctx, soon)
	first := textOf(t, ctx, `#sla-countdown`)
	if !strings.HasPrefix(first, "SLA due in 59m") {
		t.Fatalf("countdown = %q, want about an hour left", first)
	}
	time.Sleep(1500 * time.Millisecond)
	if again := textOf(t, ctx, `#sla-countdown`); again == first {
		t.Fatalf("the countdown stands still at %q", again)
	}

	do(t, ctx,
		click(`#escalate-open`),
		chromedp.WaitVisible(`#escalate-form`),
		choose(`#escalate-form select[name=to_user_id]`, id(w.admin.UserID)),
		choose(`#escalate-form select[name=priority]`, "urgent"),
		chromedp.SendKeys(`#escalate-form textarea[name=what_customer_needs]`, "A replacement box"),
		chromedp.SendKeys(`#escalate-form textarea[name=what_was_tried]`, "Photos requested"),
		chromedp.SendKeys(`#escalate-form textarea[name=next_step]`, "Approve the replacement"),
		click(`#escalate-form button.primary`),
		activity("escalated it to admin@example.com"),
		activity("Next step: Approve the replacement"),
	)
	c := w.conversation(t, soon)
	if c.AssigneeID == nil || *c.AssigneeID != w.admin.UserID || c.Priority != model.PriorityUrgent {
		t.Fatalf("after escalating: assignee %v priority %s", c.AssigneeID, c.Priority)
	}
	fs, err := w.e.SLA.Followers(bg, w.admin, soon)
	testutil.NoErr(t, err)
	if len(fs) != 1 || fs[0].UserID != w.agent.UserID {
		t.Fatalf("followers = %+v, want the agent who handed it over", fs)
	}
}

// An admin sets up business hours and an SLA policy in the settings pages.
func TestSLASettingsPages(t *testing.T) {
	w := newWorkspace(t)
	ctx := browser(t)
	signIn(t, ctx, w, "admin@example.com")
	do(t, ctx,
		chromedp.Navigate(w.url+"/settings/business-hours"),
		chromedp.WaitVisible(`#hours-form`),
		chromedp.SendKeys(`#hours-form input[name=name]`, "Berlin office"),
		chromedp.SendKeys(`#hours-form input[name=time_zone]`, "Europe/Berlin"),
		chromedp.SendKeys(`#hours-form textarea[name=holidays]`, "2026-12-25"),
		click(`#hours-form input[name=inbox][value="`+id(w.inbox)+`"]`),
		click(`#hours-form button.primary`),
		chromedp.WaitVisible(`//table[@id="hours-table"]//td[contains(., "Berlin office")]`),
	)
	week := textOf(t, ctx, `#hours-table tbody tr td:nth-child(3)`)
	if week != "mon 09:00–17:00; tue 09:00–17:00; wed 09:00–17:00; thu 09:00–17:00; fri 09:00–17:00" {
		t.Fatalf("week shown as %q", week)
	}
	// A bad zone is refused with the reason, and nothing is created.
	do(t, ctx,
		chromedp.SendKeys(`#hours-form input[name=name]`, "Nowhere"),
		chromedp.SendKeys(`#hours-form input[name=time_zone]`, "Mars/Olympus"),
		click(`#hours-form button.primary`),
		chromedp.WaitVisible(`#settings-error`),
	)
	if msg := textOf(t, ctx, `#settings-error`); !strings.Contains(msg, "time_zone: unknown time zone") {
		t.Fatalf("error shown: %q", msg)
	}

	do(t, ctx,
		chromedp.Navigate(w.url+"/settings/sla-policies"),
		chromedp.WaitVisible(`#policy-form`),
		chromedp.SendKeys(`#policy-form input[name=name]`, "Standard"),
		chromedp.SendKeys(`#policy-form input[name="first_response.urgent"]`, "30m"),
		chromedp.SendKeys(`#policy-form input[name="first_response.normal"]`, "4h"),
		chromedp.SendKeys(`#policy-form input[name=resolution]`, "2d"),
		chromedp.SendKeys(`#policy-form input[name=warn_before]`, "20%"),
		choose(`#policy-form select[name=business_hours_id]`, "1"),
		click(`#policy-form button.primary`),
		chromedp.WaitVisible(`//table[@id="policies-table"]//td[contains(., "Standard")]`),
	)
	row := textOf(t, ctx, `#policies-table tbody tr`)
	for _, want := range []string{"urgent 30m, normal 4h", "2d", "Berlin office", "20%"} {
		if !strings.Contains(row, want) {
			t.Fatalf("policy row %q lacks %q", row, want)
		}
	}
}
