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

// An admin sets up business hours (different hours per weekday, edited
// after saving) and an SLA policy counted in them, with a warning
// escalation, entirely in the settings pages; a new conversation then shows
// the countdown the policy sets.
func TestSLASettingsPages(t *testing.T) {
	w := newWorkspace(t)
	ctx := browser(t)
	signIn(t, ctx, w, "admin@example.com")
	do(t, ctx,
		chromedp.Navigate(w.url+"/settings/business-hours"),
		chromedp.WaitVisible(`#hours-form`),
		chromedp.SendKeys(`#hours-form input[name=name]`, "Berlin office"),
		chromedp.SendKeys(`#hours-form input[name=time_zone]`, "Europe/Berlin"),
		chromedp.SetValue(`#hours-form input[name="week.monday"]`, "09:00-12:30, 13:30-17:00"),
		chromedp.SetValue(`#hours-form input[name="week.friday"]`, "09:00-15:00"),
		chromedp.SendKeys(`#hours-form textarea[name=holidays]`, "2026-12-25"),
		click(`#hours-form input[name=inbox][value="`+id(w.inbox)+`"]`),
		click(`#hours-form button.primary`),
		chromedp.WaitVisible(`//table[@id="hours-table"]//td[contains(., "Berlin office")]`),
	)
	week := textOf(t, ctx, `#hours-table tbody tr td:nth-child(3)`)
	if week != "mon 09:00–12:30, 13:30–17:00; tue 09:00–17:00; wed 09:00–17:00; thu 09:00–17:00; fri 09:00–15:00" {
		t.Fatalf("week shown as %q", week)
	}
	// Overlapping intervals and a bad zone are refused with the reason, and
	// nothing is created.
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
		chromedp.SetValue(`#hours-form input[name=time_zone]`, "UTC"),
		chromedp.SetValue(`#hours-form input[name="week.tuesday"]`, "09:00-13:00, 12:00-17:00"),
		click(`#hours-form button.primary`),
		chromedp.WaitVisible(`//div[@id="settings-error" and contains(., "week.tuesday")]`),
	)
	if n := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#hours-table tbody tr').length`)); n != 1 {
		t.Fatalf("%d schedules listed after refused ones, want 1", n)
	}

	// Editing: the saved schedule comes back into the form, and a change
	// (round the clock, in UTC, open on Saturday too) is saved in place.
	do(t, ctx,
		chromedp.Navigate(w.url+"/settings/business-hours"),
		click(`#hours-table button[data-edit]`),
		chromedp.WaitVisible(`//h2[@id="hours-form-title" and contains(., "Edit")]`),
	)
	if got := valueOf(t, ctx, `#hours-form input[name="week.monday"]`); got != "09:00-12:30, 13:30-17:00" {
		t.Fatalf("monday loaded into the form as %q", got)
	}
	var days []chromedp.Action[chromedp.Void]
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		days = append(days, chromedp.SetValue(`#hours-form input[name="week.`+d+`"]`, "00:00-24:00"))
	}
	do(t, ctx, days...)
	do(t, ctx,
		chromedp.SetValue(`#hours-form input[name=name]`, "Round the clock"),
		chromedp.SetValue(`#hours-form input[name=time_zone]`, "UTC"),
		click(`#hours-form button.primary`),
		chromedp.WaitVisible(`//table[@id="hours-table"]//td[contains(., "Round the clock")]`),
	)
	h, err := w.e.SLA.ListBusinessHours(context.Background(), w.admin)
	testutil.NoErr(t, err)
	if len(h) != 1 || h[0].TimeZone != "UTC" || len(h[0].Week["sunday"]) != 1 || len(h[0].InboxIDs) != 1 {
		t.Fatalf("business hours after editing: %+v", h)
	}

	do(t, ctx,
		chromedp.Navigate(w.url+"/settings/sla-policies"),
		chromedp.WaitVisible(`#policy-form`),
		chromedp.SendKeys(`#policy-form input[name=name]`, "Standard"),
		chromedp.SendKeys(`#policy-form input[name="first_response.urgent"]`, "30m"),
		chromedp.SendKeys(`#policy-form input[name="first_response.normal"]`, "4h"),
		chromedp.SendKeys(`#policy-form input[name=resolution]`, "2d"),
		chromedp.SendKeys(`#policy-form input[name=warn_before]`, "20%"),
		choose(`#policy-form select[name=business_hours_id]`, id(h[0].ID)),
		choose(`#policy-form select[name=warning_assignee]`, id(w.admin.UserID)),
		click(`#policy-form input[name=warning_notify_assignee]`),
		chromedp.SendKeys(`#policy-form input[name=breach_tags]`, "sla-breached, late"),
		click(`#policy-form button.primary`),
		chromedp.WaitVisible(`//table[@id="policies-table"]//td[contains(., "Standard")]`),
	)
	row := textOf(t, ctx, `#policies-table tbody tr`)
	for _, want := range []string{"urgent 30m, normal 4h", "2d", "Round the clock", "20%"} {
		if !strings.Contains(row, want) {
			t.Fatalf("policy row %q lacks %q", row, want)
		}
	}
	// Edit the policy: the normal target becomes 2h.
	do(t, ctx,
		click(`#policies-table button[data-edit]`),
		chromedp.WaitVisible(`//h2[@id="policy-form-title" and contains(., "Edit")]`),
	)
	if got := valueOf(t, ctx, `#policy-form select[name=warning_assignee]`); got != id(w.admin.UserID) {
		t.Fatalf("warning escalation loaded as assignee %q", got)
	}
	do(t, ctx,
		chromedp.SetValue(`#policy-form input[name="first_response.normal"]`, "2h"),
		click(`#policy-form button.primary`),
		chromedp.WaitVisible(`//table[@id="policies-table"]//td[contains(., "normal 2h")]`),
	)
	ps, err := w.e.SLA.ListPolicies(context.Background(), w.admin)
	testutil.NoErr(t, err)
	if len(ps) != 1 || ps[0].Escalation.OnWarning == nil || !ps[0].Escalation.OnWarning.NotifyAssignee ||
		ps[0].Escalation.OnBreach == nil || strings.Join(ps[0].Escalation.OnBreach.Tags, ",") != "sla-breached,late" {
		t.Fatalf("policies after editing: %+v", ps)
	}

	// A new conversation gets the policy: two hours to the first response.
	c, err := w.e.Conversations.Create(context.Background(), w.admin, conversation.CreateRequest{InboxID: w.inbox,
		Contact: contact.Ref{Email: "lee@example.com"}, Subject: "Where is my order",
		Message: conversation.MessageRequest{Body: "It has not arrived", Direction: "incoming"}})
	testutil.NoErr(t, err)
	do(t, ctx, chromedp.Navigate(w.url+"/inbox"), chromedp.WaitVisible(`#rows`))
	open(t, ctx, c.ID)
	if got := textOf(t, ctx, `#sla-countdown`); !strings.HasPrefix(got, "SLA due in 1h 59m") {
		t.Fatalf("countdown = %q, want the policy's two hours", got)
	}
}

// The bell: a handoff to the signed-in agent and the resolution of a
// conversation they handed over show up live as an unread count; opening
// one marks it read and opens the conversation; "Mark all read" clears it.
func TestNotificationsBell(t *testing.T) {
	w := newWorkspace(t)
	bg := context.Background()
	ctx := browser(t)
	signIn(t, ctx, w, "agent@example.com")
	if got := textOf(t, ctx, `#bell-count`); got != "" {
		t.Fatalf("a new agent's bell shows %q", got)
	}
	first, second := w.convs[0], w.convs[1]
	_, err := w.e.SLA.Handoff(bg, w.admin, first, sla.EscalateRequest{Note: "VIP, please call back", ToUserID: &w.agent.UserID})
	testutil.NoErr(t, err)
	within(t, ctx, 5*time.Second, "the bell counts the handoff", chromedp.WaitVisible(`//span[@id="bell-count"][.="1"]`))

	// The agent hands the second conversation over; when it is resolved,
	// they hear of it.
	_, err = w.e.Conversations.Update(bg, w.admin, second, conversation.Patch{AssigneeID: model.Nullable[int64]{Set: true, Value: w.agent.UserID}})
	testutil.NoErr(t, err)
	_, err = w.e.SLA.Handoff(bg, w.agent, second, sla.EscalateRequest{Note: "Bea knows billing", ToUserID: &w.agent2.UserID})
	testutil.NoErr(t, err)
	resolved := model.StatusResolved
	_, err = w.e.Conversations.Update(bg, w.agent2, second, conversation.Patch{Status: &resolved})
	testutil.NoErr(t, err)
	within(t, ctx, 5*time.Second, "the bell counts the resolution", chromedp.WaitVisible(`//span[@id="bell-count"][.="2"]`))

	do(t, ctx, click(`#bell`), chromedp.WaitVisible(`#bell-panel`))
	items := textOf(t, ctx, `#bell-list`)
	if !strings.Contains(items, "#"+id(second)+" was resolved") {
		t.Fatalf("bell list = %q, want the resolution", items)
	}
	// Opening the handoff's notification marks it read and opens its conversation.
	do(t, ctx,
		click(`#bell-list li.unread a[href="/inbox?open=`+id(first)+`"]`),
		chromedp.WaitVisible(`.conversation[data-id="`+id(first)+`"]`),
		chromedp.WaitVisible(`//span[@id="bell-count"][.="1"]`),
		click(`#bell`),
		chromedp.WaitVisible(`#bell-list li.unread`),
		click(`#bell-all`),
		chromedp.WaitNotPresent(`#bell-list li.unread`),
	)
	if got := read(t, ctx, chromedp.Evaluate[bool](`document.getElementById('bell-count').hidden`)); !got {
		t.Fatal("the count still shows after marking all read")
	}
	ns, err := w.e.Store.ListNotifications(bg, w.agent.UserID, 10)
	testutil.NoErr(t, err)
	for _, n := range ns {
		if n.ReadAt == nil {
			t.Fatalf("still unread after mark all read: %+v", n)
		}
	}
}
