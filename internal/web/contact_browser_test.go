package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
)

func (w *workspace) contact(t *testing.T, id int64) model.Contact {
	t.Helper()
	c, err := w.e.Contacts.Get(context.Background(), w.admin, id)
	testutil.NoErr(t, err)
	return c
}

// TestAdminDefinesAnAttributeAndEditsAProfile: an admin adds a choice
// attribute in settings, opens a customer's profile from the conversation
// sidebar, is told plainly about a bad time zone (nothing saved), then
// saves the profile, a note and another identity.
func TestAdminDefinesAnAttributeAndEditsAProfile(t *testing.T) {
	w := newWorkspace(t)
	ctx := browser(t)
	signIn(t, ctx, w, "admin@example.com")
	do(t, ctx,
		chromedp.Navigate(w.url+"/settings/contact-attributes"),
		chromedp.WaitVisible(`#attr-form`),
		chromedp.SetValue(`#attr-form input[name=key]`, "plan"),
		chromedp.SetValue(`#attr-form input[name=label]`, "Plan"),
		choose(`#attr-form select[name=type]`, "choice"),
		chromedp.SetValue(`#attr-form input[name=choices]`, "free, pro"),
		click(`#attr-form button`),
		chromedp.WaitVisible(`//table[@id="attr-defs"]//tr[contains(., "plan")][contains(., "free, pro")]`),
	)

	do(t, ctx, chromedp.Navigate(w.url+"/inbox"), chromedp.WaitVisible(`#rows`))
	open(t, ctx, w.convID)
	contactID := w.conversation(t, w.convID).Contact.ID
	do(t, ctx, click(`.profile a.contact-link`), chromedp.WaitVisible(`#profile-form`))
	if got := textOf(t, ctx, `#contact-name`); got != "kim" {
		t.Fatalf("profile of %q, want kim", got)
	}
	if got := textOf(t, ctx, `#journey`); !strings.Contains(got, "Invoice address") {
		t.Errorf("journey does not show the conversation: %q", got)
	}

	do(t, ctx,
		chromedp.SetValue(`#profile-form input[name=name]`, "Kim Lee"),
		chromedp.SetValue(`#profile-form input[name=company]`, "Acme"),
		choose(`#profile-form select[name=lifecycle_stage]`, "trial"),
		choose(`#profile-form select[data-attr=plan]`, "pro"),
		chromedp.SetValue(`#profile-form input[name=time_zone]`, "Mars/Olympus"),
		click(`#profile-save`),
		chromedp.WaitVisible(`//div[@id="page-error"][contains(., "time_zone")]`),
	)
	if c := w.contact(t, contactID); c.Company != "" || c.Name != "kim" {
		t.Fatalf("a refused save changed the contact: %+v", c)
	}

	do(t, ctx,
		chromedp.SetValue(`#profile-form input[name=time_zone]`, "Europe/Lisbon"),
		click(`#profile-save`),
		chromedp.WaitVisible(`//span[@id="contact-company"][contains(., "Acme")]`),
	)
	c := w.contact(t, contactID)
	if c.Name != "Kim Lee" || c.Company != "Acme" || c.LifecycleStage != model.StageTrial || c.TimeZone != "Europe/Lisbon" || string(c.Attributes) != `{"plan":"pro"}` {
		t.Errorf("saved profile = %+v %s", c, c.Attributes)
	}
	if got := valueOf(t, ctx, `#profile-form select[data-attr=plan]`); got != "pro" {
		t.Errorf("plan shows %q after the reload", got)
	}
	if got := textOf(t, ctx, `#contact-stage`); got != "trial" {
		t.Errorf("stage badge %q", got)
	}

	do(t, ctx,
		chromedp.SetValue(`#note-form textarea`, "Prefers email before noon"),
		click(`#note-form button`),
		chromedp.WaitVisible(`//ul[@id="notes"]/li[contains(., "Prefers email before noon")][contains(., "admin@example.com")]`),
		choose(`#identity-form select[name=kind]`, "phone"),
		chromedp.SetValue(`#identity-form input[name=value]`, "+351 912 345 678"),
		click(`#identity-form button`),
		chromedp.WaitVisible(`//ul[@id="identities"]/li[contains(., "+351912345678")]`),
	)
	if got := textOf(t, ctx, `#journey`); !strings.Contains(got, "Prefers email before noon") {
		t.Errorf("journey does not show the note: %q", got)
	}
}

// TestMergeASuggestedDuplicateContactThenUndo: an agent merges the contact
// the profile suggests (same address with a +tag), sees both identities and
// both conversations on one profile, then undoes it from the merged-away
// contact's page and gets both contacts back.
func TestMergeASuggestedDuplicateContactThenUndo(t *testing.T) {
	w := newWorkspace(t)
	ctx := browser(t)
	bg := context.Background()
	jo := w.conversation(t, w.convs[0]).Contact.ID
	work, err := w.e.Conversations.Create(bg, w.admin, conversation.CreateRequest{InboxID: w.inbox,
		Contact: contact.Ref{Email: "jo+work@example.com", Name: "Jo at work"}, Subject: "Team plan",
		Message: conversation.MessageRequest{Body: "We want five seats", Direction: "incoming"}})
	testutil.NoErr(t, err)
	other := work.Contact.ID

	signIn(t, ctx, w, "agent@example.com")
	do(t, ctx,
		chromedp.Navigate(w.url+"/contacts/"+id(jo)),
		chromedp.WaitVisible(`#duplicates li[data-duplicate="`+id(other)+`"]`),
		click(`button.merge-contact[data-other="`+id(other)+`"]`),
		chromedp.WaitVisible(`#merges li[data-merge="`+id(other)+`"]`),
	)
	if got := textOf(t, ctx, `#identities`); !strings.Contains(got, "jo@example.com") || !strings.Contains(got, "jo+work@example.com") {
		t.Errorf("identities after merge: %q", got)
	}
	if got := textOf(t, ctx, `#journey`); !strings.Contains(got, "Team plan") || !strings.Contains(got, "Refund for order 1001") {
		t.Errorf("journey after merge: %q", got)
	}
	if c := w.contact(t, other); c.MergedIntoID == nil || *c.MergedIntoID != jo {
		t.Fatalf("merged-away contact: %+v", c)
	}

	do(t, ctx,
		click(`#merges a[href="/contacts/`+id(other)+`"]`),
		chromedp.WaitVisible(`#unmerge-self`),
	)
	if got := textOf(t, ctx, `.banner.merged`); !strings.Contains(got, "merged into jo") {
		t.Errorf("banner %q", got)
	}
	do(t, ctx,
		click(`#unmerge-self`),
		chromedp.WaitVisible(`//ul[@id="identities"]/li[contains(., "jo+work@example.com")]`),
		chromedp.WaitNotPresent(`.banner.merged`),
	)
	if c := w.contact(t, other); c.MergedIntoID != nil || len(c.Identities) != 1 {
		t.Errorf("after unmerge: %+v", c)
	}
	if c := w.conversation(t, work.ID); c.Contact.ID != other {
		t.Errorf("the moved conversation is on %d, want %d", c.Contact.ID, other)
	}
	do(t, ctx, chromedp.Navigate(w.url+"/contacts/"+id(jo)), chromedp.WaitVisible(`#duplicates li[data-duplicate="`+id(other)+`"]`))
	if got := textOf(t, ctx, `#journey`); strings.Contains(got, "Team plan") {
		t.Errorf("journey after unmerge still shows the other's conversation: %q", got)
	}
}

// TestAdminExportsAndErasesAContact: on a customer's profile an admin
// downloads the export (the link answers the contact's data as a JSON
// attachment), then erases the customer through the dialog, which stays
// shut to anything but the word ERASE and a reason; the page then shows
// the anonymised contact and the record.
func TestAdminExportsAndErasesAContact(t *testing.T) {
	w := newWorkspace(t)
	contactID := w.conversation(t, w.convID).Contact.ID
	ctx := browser(t)
	signIn(t, ctx, w, "admin@example.com")
	do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/contacts/%d", w.url, contactID)), chromedp.WaitVisible(`#export-contact`))
	got := read(t, ctx, chromedp.Evaluate[string](`fetch(document.getElementById('export-contact').href).then(r => r.json().then(d =>
		r.status + ' ' + r.headers.get('content-disposition') + ' ' + d.contact.identities[0].value + ' ' + d.conversations[0].messages[0].body))`, chromedp.EvalAwaitPromise))
	want := fmt.Sprintf(`200 attachment; filename="contact-%d-export.json" kim@example.com Hello, about Invoice address`, contactID)
	if got != want {
		t.Errorf("export link answers %q, want %q", got, want)
	}

	do(t, ctx, click(`#erase-open`), chromedp.WaitVisible(`#erase-dialog`),
		chromedp.SendKeys(`#erase-form [name=reason]`, "Asked by email on 2026-03-01"),
		chromedp.SendKeys(`#erase-form [name=confirm]`, "erase"))
	if on := read(t, ctx, chromedp.Evaluate[bool](`!document.getElementById('erase-confirm').disabled`)); on {
		t.Fatal("the erase button is enabled without the word ERASE")
	}
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('#erase-form [name=confirm]').value = ''`),
		chromedp.SendKeys(`#erase-form [name=confirm]`, "ERASE"),
		click(`#erase-confirm`),
		chromedp.WaitVisible(`#erased-banner`))
	if got := textOf(t, ctx, `#contact-name`); got != fmt.Sprintf("Erased contact #%d", contactID) {
		t.Errorf("name after erasure %q", got)
	}
	if got := textOf(t, ctx, `#erased-banner`); !strings.Contains(got, "Asked by email on 2026-03-01") || !strings.Contains(got, "1 messages") {
		t.Errorf("banner %q", got)
	}
	if got := textOf(t, ctx, `#identities`); strings.Contains(got, "kim@example.com") {
		t.Errorf("identities still show the address: %q", got)
	}
	if n := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#erase-open, #profile-save, #identity-form, #note-form, #merge-form').length`)); n != 0 {
		t.Errorf("an erased contact still offers %d ways to change it", n)
	}
	if msgs := w.messages(t, w.convID); msgs[0].Body != "[erased]" {
		t.Errorf("the customer's message is %q", msgs[0].Body)
	}
	if len(w.events(t, w.convID, "contact.erased")) != 1 {
		t.Error("no contact.erased event on the conversation")
	}
}

// TestAgentIsNotOfferedExportOrErasure: an agent's view of a profile has
// neither button (the API refuses them too).
func TestAgentIsNotOfferedExportOrErasure(t *testing.T) {
	w := newWorkspace(t)
	contactID := w.conversation(t, w.convID).Contact.ID
	ctx := browser(t)
	signIn(t, ctx, w, "agent@example.com")
	do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/contacts/%d", w.url, contactID)), chromedp.WaitVisible(`#profile-form`))
	if n := read(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#export-contact, #erase-open').length`)); n != 0 {
		t.Errorf("an agent sees %d export/erase controls", n)
	}
}
