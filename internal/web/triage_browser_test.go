package web_test

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
	"github.com/parley-hq/parley/internal/view"
)

// choose picks a value in a select (or types one into a field) the way a
// change by hand does: the value changes, then a change event fires.
func choose(css, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(() => {
		const el = document.querySelector(` + strconv.Quote(css) + `);
		if (!el) throw new Error('no ' + ` + strconv.Quote(css) + `);
		if (el.tagName === 'SELECT' && ![...el.options].some(o => o.value === ` + strconv.Quote(value) + `)) throw new Error('no option ' + ` + strconv.Quote(value) + `);
		el.value = ` + strconv.Quote(value) + `;
		el.dispatchEvent(new Event('change', { bubbles: true }));
	})()`)
}

// dialogs accepts every confirm() in a tab and keeps what each asked.
type dialogs struct {
	mu   sync.Mutex
	msgs []string
}

func acceptDialogs(ctx context.Context) *dialogs {
	d := &dialogs{}
	evs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range evs {
			if err != nil {
				return
			}
			d.mu.Lock()
			d.msgs = append(d.msgs, ev.Message)
			d.mu.Unlock()
			if _, err := chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true}); err != nil {
				return
			}
		}
	}()
	return d
}

func (d *dialogs) asked() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.msgs)
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

// rowIDs lists the rows on screen, top to bottom.
func rowIDs(t *testing.T, ctx context.Context) string {
	t.Helper()
	return read(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#rows .row')].map(r => r.dataset.id).join(',')`))
}

func TestSaveAViewFromFiltersAndUseIt(t *testing.T) {
	w := newWorkspace(t)
	urgent := "urgent"
	_, err := w.e.Conversations.Update(context.Background(), w.admin, w.convs[0], conversation.Patch{Priority: &urgent})
	testutil.NoErr(t, err)
	// The agent may share with their own team only.
	mine, err := w.e.Accounts.CreateTeam(context.Background(), w.admin, account.TeamCreateRequest{Name: "Billing"})
	testutil.NoErr(t, err)
	_, err = w.e.Accounts.AddTeamMember(context.Background(), w.admin, mine.ID, w.agent.UserID)
	testutil.NoErr(t, err)
	theirs, err := w.e.Accounts.CreateTeam(context.Background(), w.admin, account.TeamCreateRequest{Name: "Sales"})
	testutil.NoErr(t, err)
	ctx := browser(t)
	d := acceptDialogs(ctx)
	signIn(t, ctx, w, "agent@example.com")

	// f opens the filters; urgent and newest first narrow the list.
	do(t, ctx, press("f"), chromedp.WaitVisible(`#filters`),
		choose(`#filters [data-key="priority"]`, "urgent"),
		chromedp.WaitNotPresent(chromedp.CSS(`#rows .row[data-id="`+id(w.convs[1])+`"]`)),
		choose(`#sort`, "-created"),
	)
	if got := rowIDs(t, ctx); got != id(w.convs[0]) {
		t.Fatalf("priority=urgent lists %s, want %d", got, w.convs[0])
	}
	loc := read(t, ctx, chromedp.Location())
	if !strings.Contains(loc, "priority=urgent") || !strings.Contains(loc, "sort=-created") {
		t.Errorf("the filters are not in the address: %s", loc)
	}
	if n := read(t, ctx, chromedp.Evaluate[string](`document.getElementById('filters-count').textContent`)); n != " · 2" { // status (All's active ones) and priority
		t.Errorf("the Filters button counts %q", n)
	}
	// An agent may keep the view or share it with a team of theirs, not with everyone.
	if got := read(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#save-view [name=visibility] option')].map(o => o.value).join(',')`)); got != "private,team:"+id(mine.ID) {
		t.Errorf("an agent in team %d (not %d) may share with %s", mine.ID, theirs.ID, got)
	}
	do(t, ctx, click(`#save-view-open`), chromedp.WaitVisible(`#save-view [name=name]`),
		chromedp.SendKeys(`#save-view [name=name]`, "Urgent ones"),
		click(`#save-view button.primary`),
		chromedp.WaitNotVisible(`#save-view`),
		chromedp.WaitVisible(`//ul[contains(@class,"views")]//a[contains(@class,"active")][contains(., "Urgent ones")]`),
	)
	views, err := w.e.Views.List(context.Background(), w.agent, true)
	testutil.NoErr(t, err)
	if len(views) != 1 {
		t.Fatalf("%d views saved, want 1", len(views))
	}
	v := views[0]
	wantKeys := map[string][]string{"status": {"new", "open", "pending"}, "snoozed": {"false"}, "priority": {"urgent"}}
	if b, _ := json.Marshal(v.Filter.Keys); string(b) != mustJSON(wantKeys) || len(v.Filter.Any) != 0 {
		t.Errorf("the view's filter is %s, want %s", b, mustJSON(wantKeys))
	}
	if v.Name != "Urgent ones" || v.Sort != "-created" || v.Visibility != view.Private || v.OwnerID != w.agent.UserID || v.Count == nil || *v.Count != 1 {
		t.Errorf("saved view %+v", v)
	}
	// The list is the view now, and the sidebar counts it.
	vkey := `[data-count="view-` + id(v.ID) + `"]`
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`#rows .row[data-id="`+id(w.convs[0])+`"]`)))
	if c := textOf(t, ctx, vkey); c != "1" {
		t.Errorf("the view's count shows %q, want 1", c)
	}
	if loc := read(t, ctx, chromedp.Location()); !strings.Contains(loc, "view="+id(v.ID)) || strings.Contains(loc, "priority") {
		t.Errorf("after saving, the address is %s", loc)
	}

	// A conversation that becomes urgent elsewhere shows in the count and
	// the list live.
	_, err = w.e.Conversations.Update(context.Background(), w.admin, w.convs[2], conversation.Patch{Priority: &urgent})
	testutil.NoErr(t, err)
	within(t, ctx, 3*time.Second, "the view's count follows",
		chromedp.WaitVisible(`//span[@data-count="view-`+id(v.ID)+`"][.="2"]`),
		chromedp.WaitVisible(chromedp.CSS(`#rows .row[data-id="`+id(w.convs[2])+`"]`)))

	// Another folder and back: clicking the view applies it again.
	do(t, ctx, click(`a[data-folder="all"]`), chromedp.WaitVisible(chromedp.CSS(`#rows .row[data-id="`+id(w.convs[1])+`"]`)),
		click(`a[data-folder="view-`+id(v.ID)+`"]`), chromedp.WaitNotPresent(chromedp.CSS(`#rows .row[data-id="`+id(w.convs[1])+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[data-folder="view-`+id(v.ID)+`"].active`)))
	if got := rowIDs(t, ctx); got != id(w.convs[2])+","+id(w.convs[0]) {
		t.Errorf("the view lists %s, want newest created first", got)
	}

	// Rename, then a second view to move above it, then delete.
	do(t, ctx, click(`.view-edit[data-view="`+id(v.ID)+`"]`), chromedp.WaitVisible(`#edit-view [name=name]`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#edit-view [name=name]').select()`), chromedp.SendKeys(chromedp.CSS(`#edit-view [name=name]`), "Hot"),
		click(`#edit-view button.primary`), chromedp.WaitNotVisible(`#edit-view`),
		chromedp.WaitVisible(`//ul[contains(@class,"views")]//a[contains(., "Hot")]`))
	other, err := w.e.Views.Create(context.Background(), w.agent, view.Request{Name: "Unassigned VIPs",
		Filter: &conversation.FilterSpec{Keys: map[string][]string{"assignee": {"none"}, "contact_type": {"vip"}}}})
	testutil.NoErr(t, err)
	viewOrder := `[...document.querySelectorAll('.views li')].map(li => li.querySelector('.label').textContent).join(',')`
	do(t, ctx, click(`a[data-folder="all"]`), chromedp.WaitVisible(`//ul[contains(@class,"views")]//a[contains(., "Unassigned VIPs")]`))
	if got := read(t, ctx, chromedp.Evaluate[string](viewOrder)); got != "Hot,Unassigned VIPs" {
		t.Fatalf("views in the sidebar: %s", got)
	}
	do(t, ctx, click(`.view-edit[data-view="`+id(other.ID)+`"]`), chromedp.WaitVisible(`#edit-view`), click(`#edit-view [data-move="-1"]`),
		chromedp.WaitVisible(`//ul[contains(@class,"views")]/li[1]//a[contains(., "Unassigned VIPs")]`))
	views, err = w.e.Views.List(context.Background(), w.agent, false)
	testutil.NoErr(t, err)
	if len(views) != 2 || views[0].ID != other.ID || views[1].Name != "Hot" {
		t.Errorf("after moving up, the views are %+v", views)
	}
	do(t, ctx, click(`#delete-view`), chromedp.WaitNotVisible(`#edit-view`),
		chromedp.WaitNotPresent(`//ul[contains(@class,"views")]//a[contains(., "Unassigned VIPs")]`))
	if asked := d.asked(); len(asked) != 1 || !strings.Contains(asked[0], "Delete the view “Unassigned VIPs”") {
		t.Errorf("confirmations: %q", asked)
	}
	if _, err := w.e.Views.Get(context.Background(), w.agent, other.ID); err == nil {
		t.Error("the deleted view is still there")
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestSaveViewOffersEveryoneToAdmins(t *testing.T) {
	w := newWorkspace(t)
	ctx := browser(t)
	signIn(t, ctx, w, "admin@example.com")
	do(t, ctx, click(`#save-view-open`), chromedp.WaitVisible(`#save-view [name=name]`),
		chromedp.SendKeys(`#save-view [name=name]`, "Everything open"),
		choose(`#save-view [name=visibility]`, "everyone"),
		click(`#save-view button.primary`),
		chromedp.WaitVisible(`//ul[contains(@class,"views")]//a[contains(@class,"active")][contains(., "Everything open")]`))
	views, err := w.e.Views.List(context.Background(), w.agent, true)
	testutil.NoErr(t, err)
	if len(views) != 1 || views[0].Visibility != view.Everyone || views[0].Count == nil || *views[0].Count != 3 {
		t.Fatalf("the agent sees the shared views %+v", views)
	}
}

func TestBulkChangeAllMatchingWithProgressAndUndo(t *testing.T) {
	w := newWorkspace(t)
	bg := context.Background()
	// More conversations than a request changes at once, so the change
	// runs as a job with progress: 520 low-priority ones, one closed.
	const n = 520
	var low []int64
	start := time.Now()
	for i := range n {
		c, err := w.e.Conversations.Create(bg, w.admin, conversation.CreateRequest{InboxID: w.inbox, Priority: "low",
			Contact: contact.Ref{Email: "bulk" + strconv.Itoa(i%40) + "@example.com"}, Subject: "Outage " + strconv.Itoa(i),
			Message: conversation.MessageRequest{Body: "It is down", Direction: "incoming"}})
		testutil.NoErr(t, err)
		low = append(low, c.ID)
	}
	closed := model.StatusClosed
	_, err := w.e.Conversations.Update(bg, w.admin, low[0], conversation.Patch{Status: &closed})
	testutil.NoErr(t, err)
	t.Logf("made %d conversations in %v", n, time.Since(start))
	w.e.StartJobs(t)

	ctx := browser(t)
	signIn(t, ctx, w, "agent@example.com")
	do(t, ctx, click(`#filters-toggle`), chromedp.WaitVisible(`#filters`),
		choose(`#filters [data-key="status"]`, ""),
		choose(`#filters [data-key="priority"]`, "low"),
		chromedp.WaitNotPresent(chromedp.CSS(`#rows .row[data-id="`+id(w.convs[2])+`"]`)),
		// The filters have the keyboard until Esc.
		chromedp.KeyEvent(kb.Escape), press("j"), press("x"),
		chromedp.WaitVisible(`//button[@id="bulk-all"][.="Select all 520 matching"]`),
		click(`#bulk-all`),
		chromedp.WaitVisible(`//span[@id="bulk-count"][.="All 520 matching selected"]`),
	)
	if n := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#rows .pick:not(:checked)').length`)); n != 0 {
		t.Errorf("%d rows on screen look unselected with all matching selected", n)
	}
	// Record whether a progress bar shows while the job runs.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.progressSeen = false;
		new MutationObserver(() => { if (document.querySelector('#bulk-result progress')) window.progressSeen = true; })
			.observe(document.getElementById('bulk-result'), { childList: true, subtree: true }); null`))
	do(t, ctx,
		chromedp.SetValue(chromedp.CSS(`#bulk-assignee`), id(w.agent2.UserID)),
		click(`#bulk-apply`),
		chromedp.WaitVisible(`//div[@id="bulk-result"][contains(., "Bulk change done for 520 conversations: 519 updated, 1 skipped.")]`),
	)
	if !read(t, ctx, chromedp.Evaluate[bool](`window.progressSeen`)) {
		t.Error("no progress bar showed while the bulk job ran")
	}
	if s := textOf(t, ctx, `#bulk-result li`); !strings.Contains(s, "#"+id(low[0])) || !strings.Contains(s, "closed") {
		t.Errorf("the skip reason shows %q", s)
	}
	assigned := func(ids []int64) (yes int) {
		for _, cid := range ids {
			if c := w.conversation(t, cid); c.AssigneeID != nil && *c.AssigneeID == w.agent2.UserID {
				yes++
			}
		}
		return yes
	}
	if got := assigned(low[1:]); got != n-1 {
		t.Errorf("%d of %d matching conversations were assigned", got, n-1)
	}
	if got := assigned(slices.Concat(w.convs, low[:1])); got != 0 {
		t.Errorf("%d conversations outside the filter (or closed) were assigned", got)
	}
	if evs := w.events(t, low[7], "assignee.changed"); len(evs) != 1 || evs[0].ActorID == nil || *evs[0].ActorID != w.agent.UserID {
		t.Errorf("assignment events of one: %+v", evs)
	}
	do(t, ctx, chromedp.WaitVisible(`//li[@data-id="`+id(low[n-1])+`"]//span[@class="assignee"][.="bea@example.com"]`))

	// Undo puts every one back, with its own progress and summary.
	do(t, ctx, click(`#bulk-undo`),
		chromedp.WaitVisible(`//div[@id="bulk-result"][contains(., "Undo done for 519 conversations: 519 restored.")]`),
		chromedp.WaitNotPresent(`#bulk-undo`),
		chromedp.WaitNotPresent(`//li[@data-id="`+id(low[n-1])+`"]//span[@class="assignee"]`))
	if got := assigned(low); got != 0 {
		t.Errorf("after undo %d conversations are still assigned", got)
	}
	if evs := w.events(t, low[7], "assignee.changed"); len(evs) != 2 || !strings.Contains(string(evs[1].After), `"assignee_id":null`) {
		t.Errorf("assignment events after undo: %+v", evs)
	}
}

func TestMergeASuggestedDuplicateThenUnmerge(t *testing.T) {
	w := newWorkspace(t)
	bg := context.Background()
	target := w.convs[0] // "Refund for order 1001" from jo@example.com
	dup, err := w.e.Conversations.Create(bg, w.admin, conversation.CreateRequest{InboxID: w.inbox,
		Contact: contact.Ref{Email: "jo@example.com"}, Subject: "Re: Refund for order 1001",
		Message: conversation.MessageRequest{Body: "Any news on my refund?", Direction: "incoming"}})
	testutil.NoErr(t, err)
	_, err = w.e.Conversations.AddTags(bg, w.admin, dup.ID, []string{"refund"})
	testutil.NoErr(t, err)

	ctx := browser(t)
	d := acceptDialogs(ctx)
	signIn(t, ctx, w, "agent@example.com")
	open(t, ctx, target)
	do(t, ctx, chromedp.WaitVisible(`//aside[contains(@class,"profile")]//h3[.="Possible duplicates"]`))
	if s := textOf(t, ctx, `.duplicates li`); !strings.Contains(s, "#"+id(dup.ID)+" Re: Refund for order 1001") {
		t.Errorf("the suggested duplicate shows %q", s)
	}
	do(t, ctx, click(`.merge-here[data-id="`+id(dup.ID)+`"]`),
		activity("merged #"+id(dup.ID)+" into this conversation, with its 1 message and tags refund"),
		message("Any news on my refund?"),
		chromedp.WaitNotPresent(`.duplicates`))
	if asked := d.asked(); len(asked) != 1 || !strings.HasPrefix(asked[0], "Merge #"+id(dup.ID)+" into #"+id(target)+"?") {
		t.Errorf("confirmations: %q", asked)
	}
	src := w.conversation(t, dup.ID)
	if src.MergedIntoID == nil || *src.MergedIntoID != target || src.Status != model.StatusClosed {
		t.Fatalf("after merging, the duplicate is %+v", src)
	}
	if msgs := w.messages(t, target); len(msgs) != 2 || msgs[1].Body != "Any news on my refund?" {
		t.Fatalf("the target holds %+v", msgs)
	}
	if tags := w.conversation(t, target).Tags; !slices.Contains(tags, "refund") {
		t.Errorf("the target's tags %v lack the duplicate's", tags)
	}

	// The activity line links to the merged-away conversation, which says
	// where it went and can be unmerged.
	do(t, ctx, click(`#timeline .activity a[data-open="`+id(dup.ID)+`"]`),
		chromedp.WaitVisible(chromedp.CSS(`.conversation[data-id="`+id(dup.ID)+`"] #merged-banner`)))
	if b := textOf(t, ctx, `#merged-banner`); !strings.Contains(b, "Merged into #"+id(target)) {
		t.Errorf("the banner says %q", b)
	}
	do(t, ctx, activity("merged this conversation into #"+id(target)+", which now has its 1 message"))
	if n := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#composer, .controls, #merge-toggle').length`)); n != 0 {
		t.Errorf("a merged-away conversation offers %d ways to change it", n)
	}
	do(t, ctx, click(`#unmerge`),
		chromedp.WaitNotPresent(`#merged-banner`),
		chromedp.WaitVisible(chromedp.CSS(`.conversation[data-id="`+id(dup.ID)+`"] ~ #composer #compose-body`)),
		message("Any news on my refund?"),
		activity("unmerged this conversation from #"+id(target)+"; its 1 message came back"))
	src = w.conversation(t, dup.ID)
	if src.MergedIntoID != nil || src.Status != model.StatusNew || !slices.Equal(src.Tags, []string{"refund"}) {
		t.Fatalf("after unmerging, the duplicate is %+v", src)
	}
	if msgs := w.messages(t, target); len(msgs) != 1 {
		t.Fatalf("after unmerging the target holds %d messages", len(msgs))
	}
	if tags := w.conversation(t, target).Tags; slices.Contains(tags, "refund") {
		t.Errorf("the tag the merge added stayed on the target: %v", tags)
	}

	// "Merge into…" merges the open conversation into one named by number,
	// and opens that one.
	do(t, ctx, click(`#merge-toggle`), chromedp.WaitVisible(`#merge-into`), chromedp.SendKeys(`#merge-into`, id(target)+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`.conversation[data-id="`+id(target)+`"]`)),
		message("Any news on my refund?"))
	if src := w.conversation(t, dup.ID); src.MergedIntoID == nil || *src.MergedIntoID != target {
		t.Fatalf("Merge into… left the conversation %+v", src)
	}
	if loc := read(t, ctx, chromedp.Location()); !strings.Contains(loc, "open="+id(target)) {
		t.Errorf("after Merge into… the address is %s", loc)
	}
}

func TestSplitAMessageIntoANewConversation(t *testing.T) {
	w := newWorkspace(t)
	bg := context.Background()
	orig := w.convs[0]
	second, err := w.e.Conversations.AddMessage(bg, w.admin, orig, conversation.MessageRequest{Body: "Also, my login fails.", Direction: "incoming"})
	testutil.NoErr(t, err)
	ctx := browser(t)
	signIn(t, ctx, w, "agent@example.com")
	open(t, ctx, orig)
	if n := read(t, ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('.split-pick')].filter(c => c.offsetParent).length`)); n != 0 {
		t.Errorf("%d message checkboxes show before Split", n)
	}
	do(t, ctx, click(`#split-toggle`), chromedp.WaitVisible(`#split-bar`),
		click(`.split-pick[value="`+id(second.ID)+`"]`),
		click(`#split-apply`),
		chromedp.WaitNotPresent(chromedp.CSS(`.conversation[data-id="`+id(orig)+`"]`)),
		chromedp.WaitVisible(`#compose-body`),
		message("Also, my login fails."))
	newID := atoi(read(t, ctx, chromedp.Evaluate[string](`document.querySelector('.conversation').dataset.id`)))
	do(t, ctx, activity("split this conversation off #"+id(orig)+", with 1 message"))
	if n := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#timeline .msg').length`)); n != 1 {
		t.Errorf("the new conversation shows %d messages", n)
	}
	if loc := read(t, ctx, chromedp.Location()); !strings.Contains(loc, "open="+strconv.Itoa(newID)) {
		t.Errorf("after splitting the address is %s", loc)
	}
	nc := w.conversation(t, int64(newID))
	oc := w.conversation(t, orig)
	if nc.Contact.ID != oc.Contact.ID || nc.Subject != oc.Subject || nc.ID == orig {
		t.Fatalf("the new conversation %+v, from %+v", nc, oc)
	}
	if msgs := w.messages(t, int64(newID)); len(msgs) != 1 || msgs[0].ID != second.ID {
		t.Fatalf("the new conversation holds %+v", msgs)
	}
	if msgs := w.messages(t, orig); len(msgs) != 1 || msgs[0].Body != "Hello, about Refund for order 1001" {
		t.Fatalf("the original holds %+v", msgs)
	}
	// The original links to the new one in its timeline.
	do(t, ctx, click(`#timeline .activity a[data-open="`+id(orig)+`"]`),
		chromedp.WaitVisible(chromedp.CSS(`.conversation[data-id="`+id(orig)+`"]`)),
		activity("split 1 message out into #"+strconv.Itoa(newID)))
}

func TestSearchOpensAResultAtItsMessage(t *testing.T) {
	w := newWorkspace(t)
	bg := context.Background()
	long := w.convs[1]
	filler := strings.Repeat("Some lines about something else entirely.\n", 6)
	var match int64
	for i := range 24 {
		body := filler
		if i == 2 {
			body = "The zebra crossing sign fell over.\n" + filler
		}
		m, err := w.e.Conversations.AddMessage(bg, w.admin, long, conversation.MessageRequest{Body: body, Direction: "incoming"})
		testutil.NoErr(t, err)
		if i == 2 {
			match = m.ID
		}
	}
	ctx := browser(t)
	signIn(t, ctx, w, "agent@example.com")
	do(t, ctx, press("/"), chromedp.SendKeys(`#search`, "zebra"+kb.Enter),
		chromedp.WaitNotPresent(chromedp.CSS(`#rows .row[data-id="`+id(w.convs[0])+`"]`)))
	if got := rowIDs(t, ctx); got != id(long) {
		t.Fatalf("the search lists %s, want %d", got, long)
	}
	if m := textOf(t, ctx, `#rows .snippet mark`); !strings.EqualFold(m, "zebra") {
		t.Errorf("the snippet marks %q", m)
	}
	// The service's own answer: the match is that message.
	f, err := w.e.Conversations.ParseFilter(bg, w.agent, url.Values{"q": {"zebra"}})
	testutil.NoErr(t, err)
	res, err := w.e.Conversations.List(bg, w.agent, f)
	testutil.NoErr(t, err)
	if len(res.Items) != 1 || res.Items[0].Match == nil || res.Items[0].Match.MessageID == nil || *res.Items[0].Match.MessageID != match {
		t.Fatalf("the search service answers %+v", res.Items)
	}

	// Opened from the keyboard, the conversation shows the matching
	// message, highlighted, rather than its newest one.
	do(t, ctx, chromedp.KeyEvent(kb.Escape), press("j"), press("\r"),
		chromedp.WaitVisible(chromedp.CSS(`#m-`+id(match)+`.found`)))
	const inView = `((el) => {
		const tl = document.getElementById('timeline');
		if (!el) return false;
		const r = el.getBoundingClientRect(), v = tl.getBoundingClientRect();
		return r.top >= v.top - 1 && r.top < v.bottom;
	})`
	if !read(t, ctx, chromedp.Evaluate[bool](inView+`(document.getElementById('m-`+id(match)+`'))`)) {
		t.Error("the matching message is not in view")
	}
	if read(t, ctx, chromedp.Evaluate[bool](inView+`([...document.querySelectorAll('#timeline .msg')].at(-1))`)) {
		t.Error("the conversation opened at its end, not at the match")
	}
	if n := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#timeline .msg.found').length`)); n != 1 {
		t.Errorf("%d messages highlighted", n)
	}
	// A live update keeps the highlight.
	_, err = w.e.Conversations.AddMessage(bg, w.admin, long, conversation.MessageRequest{Body: "Another note", Kind: "note"})
	testutil.NoErr(t, err)
	do(t, ctx, message("Another note"))
	if !read(t, ctx, chromedp.Evaluate[bool](`document.getElementById('m-`+id(match)+`').classList.contains('found')`)) {
		t.Error("a live update took the highlight away")
	}
	// A reload of the same address opens it at the match again.
	do(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#m-`+id(match)+`.found`)))
	if !read(t, ctx, chromedp.Evaluate[bool](inView+`(document.getElementById('m-`+id(match)+`'))`)) {
		t.Error("after a reload the matching message is not in view")
	}
}
