package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/macro"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/template"
	"github.com/parley-hq/parley/internal/testutil"
)

func TestSlashTemplatePickerInsertsThePreview(t *testing.T) {
	w := newWorkspace(t)
	for _, tp := range []template.Request{
		{Name: ptr("Refund on its way"), Body: ptr(`Hi {{ contact.first_name | default: "there" }}, {{ agent.name }} here: refund for #{{ conversation.number }} sent.`), Scope: ptr("everyone")},
		{Name: ptr("Refund policy"), Body: ptr(`Your plan: {{ contact.attributes.plan }}`), Scope: ptr("everyone")},
		{Name: ptr("Goodbye"), Body: ptr(`Bye`), Scope: ptr("everyone")},
	} {
		_, err := w.e.Templates.Create(context.Background(), w.admin, tp)
		testutil.NoErr(t, err)
	}
	ctx := browser(t)
	signIn(t, ctx, w, "agent@example.com")
	open(t, ctx, w.convID)
	// "/ref" offers the two refund templates; ↓ Enter picks the second.
	do(t, ctx,
		chromedp.Click(`#compose-body`),
		chromedp.SendKeys(`#compose-body`, "/ref"),
		chromedp.WaitVisible(`#template-picker li[aria-selected="true"]`),
	)
	if got := textOf(t, ctx, `#template-picker`); !strings.Contains(got, "Refund on its way") || !strings.Contains(got, "Refund policy") || strings.Contains(got, "Goodbye") {
		t.Fatalf("picker offers %q", got)
	}
	do(t, ctx, chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent("\r"), chromedp.WaitVisible(`#template-missing`))
	if got := textOf(t, ctx, `#template-missing`); !strings.Contains(got, "contact.attributes.plan") {
		t.Fatalf("missing variables shown as %q", got)
	}
	// Start again with the first template: its preview has the real values.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById("compose-body").value = ""`), chromedp.SendKeys(`#compose-body`, "/refund"),
		chromedp.WaitVisible(`#template-picker`), chromedp.KeyEvent("\r"),
		chromedp.WaitNotPresent(`#template-picker`))
	want := "Hi kim, agent@example.com here: refund for #" + itoa(w.convID) + " sent."
	within(t, ctx, 5*time.Second, "the preview", chromedp.Poll[chromedp.Void](`document.getElementById("compose-body").value === `+quote(want)))
	if textOf(t, ctx, `#template-missing`) != "" {
		t.Fatalf("a complete template still warns")
	}
	do(t, ctx, chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierCtrl)), message(want))
	msgs := w.messages(t, w.convID)
	if last := msgs[len(msgs)-1]; last.Body != want {
		t.Fatalf("sent %q", last.Body)
	}
	tps, err := w.e.Templates.List(context.Background(), w.admin)
	testutil.NoErr(t, err)
	for _, tp := range tps {
		if tp.Name == "Refund on its way" && tp.UsageCount != 1 {
			t.Fatalf("usage = %d", tp.UsageCount)
		}
	}
}

func TestApplyAMacroFromTheConversation(t *testing.T) {
	w := newWorkspace(t)
	tp, err := w.e.Templates.Create(context.Background(), w.admin, template.Request{Name: ptr("Done"), Body: ptr("All sorted, {{ contact.first_name }}."), Scope: ptr("everyone")})
	testutil.NoErr(t, err)
	resolved := model.StatusResolved
	_, err = w.e.Macros.Create(context.Background(), w.admin, macro.Request{Name: ptr("Sort and resolve"),
		TemplateID: model.Nullable[int64]{Set: true, Value: tp.ID},
		Actions:    &conversation.Changes{Status: &resolved, AddTags: []string{"sorted"}}})
	testutil.NoErr(t, err)
	ctx := browser(t)
	signIn(t, ctx, w, "agent@example.com")
	open(t, ctx, w.convID)
	// The macro menu (shortcut m) fills itself when focused; picking one applies it.
	// Live updates may redraw the pane, so focus the menu as it now is until it has filled.
	within(t, ctx, 10*time.Second, "the macro menu", chromedp.Poll[chromedp.Void](`(() => {
		const el = document.getElementById("macro-select");
		if (!el) return false;
		el.focus();
		el.dispatchEvent(new FocusEvent("focusin", { bubbles: true }));
		return [...el.options].some(o => o.textContent === "Sort and resolve");
	})()`))
	do(t, ctx, chooseByText(`#macro-select`, "Sort and resolve"), message("All sorted, kim."), activity("resolved"))
	c := w.conversation(t, w.convID)
	if c.Status != model.StatusResolved || len(c.Tags) != 1 || c.Tags[0] != "sorted" {
		t.Fatalf("after the macro: %s %v", c.Status, c.Tags)
	}
}

func chooseByText(css, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(() => {
		const el = document.querySelector(` + quote(css) + `);
		const o = [...el.options].find(o => o.textContent === ` + quote(text) + `);
		el.value = o.value;
		el.dispatchEvent(new Event('change', { bubbles: true }));
	})()`)
}

func ptr[T any](v T) *T { return &v }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func quote(s string) string { return strconv.Quote(s) }

func TestAutomationSettingsPage(t *testing.T) {
	w := newWorkspace(t)
	ctx := browser(t)
	signIn(t, ctx, w, "admin@example.com")
	do(t, ctx, click(`a[href="/settings/automation"]`), chromedp.WaitVisible(`#template-form`),
		chromedp.WaitReady(`tr[data-inbox][data-loaded]`))
	// A shared template, then a macro that replies with it.
	do(t, ctx,
		chromedp.SendKeys(`#template-form [name=name]`, "Thanks"),
		chromedp.SendKeys(`#template-form [name=folder]`, "Closing"),
		choose(`#template-form [name=scope]`, "everyone"),
		chromedp.SendKeys(`#template-form [name=body]`, "Thanks, {{ contact.first_name }}!"),
		click(`#template-form button`),
		chromedp.WaitVisible(`//tbody[@id="templates"]//td[.="Thanks"]`),
		chromedp.WaitReady(`//select[@name="template_id"]/option[.="Thanks"]`),
		chromedp.SendKeys(`#macro-form [name=name]`, "Thank and resolve"),
		chooseByText(`#macro-form [name=template_id]`, "Thanks"),
		choose(`#macro-form [name=status]`, "resolved"),
		chromedp.SendKeys(`#macro-form [name=add_tags]`, "done, thanked"),
		click(`#macro-form button`),
		chromedp.WaitVisible(`//tbody[@id="macros"]//td[.="Thank and resolve"]`),
	)
	// A rule from JSON, and an inbox set to round robin with a 2-day auto-resolve.
	do(t, ctx,
		chromedp.SendKeys(`#rule-form [name=name]`, "Tag refunds"),
		click(`#rule-form button`),
		chromedp.WaitVisible(`//tbody[@id="rules"]//td[.="Tag refunds"]`),
		choose(`tr[data-inbox] [name=assign_mode]`, "round_robin"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('tr[data-inbox] [name=auto_resolve_after]').value = '48h'`),
		click(`tr[data-inbox] .save-inbox`),
		chromedp.WaitVisible(`//p[@id="settings-status"][.="Inbox settings saved"]`),
	)
	// Edit the rule: broken JSON is caught in the page, an unknown action by
	// the server (named), and a good change is saved in place.
	do(t, ctx,
		click(`#rules button[aria-label="Edit Tag refunds"]`),
		chromedp.WaitVisible(`//form[@id="rule-form"]/h3[.="Edit"]`),
		chromedp.SetValue(`#rule-form [name=then]`, `[{"type": "add_tag", "value": "refund"`),
		click(`#rule-form button.primary`),
		chromedp.WaitVisible(`//p[@id="settings-status" and contains(., "Then is not valid JSON")]`),
		chromedp.SetValue(`#rule-form [name=then]`, `[{"type": "launch_rocket", "value": 1}]`),
		click(`#rule-form button.primary`),
		chromedp.WaitVisible(`//p[@id="settings-status" and contains(., "then")]`),
	)
	if msg := textOf(t, ctx, `#settings-status`); !strings.Contains(msg, "launch_rocket") && !strings.Contains(msg, "type") {
		t.Fatalf("unknown action shown as %q", msg)
	}
	do(t, ctx,
		chromedp.SetValue(`#rule-form [name=then]`, `[{"type": "add_tag", "value": "refund"}, {"type": "set_priority", "value": "high"}]`),
		click(`#rule-form button.primary`),
		chromedp.WaitVisible(`//p[@id="settings-status"][.="Rule saved"]`),
	)
	// An agent made unavailable with a capacity of 3.
	agentRow := `tr[data-user="` + itoa(w.agent.UserID) + `"]`
	do(t, ctx,
		click(agentRow+` [name=available]`),
		chromedp.SetValue(agentRow+` [name=capacity]`, "3"),
		click(agentRow+` .save-user`),
		chromedp.WaitVisible(`//p[@id="settings-status"][.="Agent saved"]`),
	)
	u, err := w.e.Accounts.GetUser(context.Background(), w.admin, w.agent.UserID)
	testutil.NoErr(t, err)
	if u.Available || u.Capacity != 3 {
		t.Fatalf("agent after saving: available %v capacity %d", u.Available, u.Capacity)
	}
	ms, err := w.e.Macros.List(context.Background(), w.admin)
	testutil.NoErr(t, err)
	if len(ms) != 1 || ms[0].TemplateID == nil || !strings.Contains(string(ms[0].Actions), `"resolved"`) || !strings.Contains(string(ms[0].Actions), `"thanked"`) {
		t.Fatalf("macros = %+v", ms)
	}
	rules, err := w.e.Automation.List(context.Background(), w.admin)
	testutil.NoErr(t, err)
	if len(rules) != 1 || rules[0].When != "conversation_created" || !strings.Contains(string(rules[0].Then), "set_priority") {
		t.Fatalf("rules = %+v", rules)
	}
	ia, err := w.e.Automation.InboxSettings(context.Background(), w.admin, w.inbox)
	testutil.NoErr(t, err)
	in, err := w.e.Accounts.GetInbox(context.Background(), w.admin, w.inbox)
	testutil.NoErr(t, err)
	if ia.AssignMode != model.AssignRoundRobin || in.AutoResolveAfter != "48h0m0s" {
		t.Fatalf("inbox = %+v, auto-resolve %s", ia, in.AutoResolveAfter)
	}
}

// An agent marks themselves unavailable on the settings page; capacity
// stays an admin's to set.
func TestAgentSetsOwnAvailability(t *testing.T) {
	w := newWorkspace(t)
	ctx := browser(t)
	signIn(t, ctx, w, "agent@example.com")
	row := `tr[data-user="` + itoa(w.agent.UserID) + `"]`
	do(t, ctx,
		chromedp.Navigate(w.url+"/settings/automation"),
		chromedp.WaitVisible(row),
		click(row+` [name=available]`),
		click(row+` .save-user`),
		chromedp.WaitVisible(`//p[@id="settings-status"][.="Agent saved"]`),
	)
	if disabled := read(t, ctx, chromedp.Evaluate[bool](`document.querySelector('`+row+` [name=capacity]').disabled`)); !disabled {
		t.Fatal("an agent is offered to change capacity")
	}
	u, err := w.e.Accounts.GetUser(context.Background(), w.admin, w.agent.UserID)
	testutil.NoErr(t, err)
	if u.Available {
		t.Fatal("the agent is still available after saving")
	}
}
