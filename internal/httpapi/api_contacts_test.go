package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
	"github.com/parley-hq/parley/internal/testutil"
)

func contactPath(id int64) string { return fmt.Sprintf(api+"/contacts/%d", id) }

// defineAttributes gives the fixture's helpdesk one attribute of each type.
func (f *fixture) defineAttributes(t *testing.T) {
	t.Helper()
	for _, d := range []map[string]any{
		{"key": "plan", "label": "Plan", "type": "choice", "choices": []string{"free", "pro"}},
		{"key": "seats", "label": "Seats", "type": "number"},
		{"key": "renewal", "label": "Renewal", "type": "date"},
		{"key": "beta", "label": "Beta tester", "type": "boolean"},
		{"key": "city", "label": "City", "type": "text"},
	} {
		f.call(t, f.adminTok, "POST", api+"/contact-attributes", d, http.StatusCreated)
	}
}

func getContact(t *testing.T, f *fixture, id int64) model.Contact {
	t.Helper()
	var c model.Contact
	f.call(t, f.adminTok, "GET", contactPath(id), nil, http.StatusOK).Decode(t, &c)
	return c
}

func TestContactProfileFields(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := newFixture(t, e)
		f.defineAttributes(t)
		var c model.Contact
		f.call(t, f.aTok, "PATCH", contactPath(f.alice), map[string]any{
			"name": "Alice Martin", "type": "vip", "company": " Acme ", "lifecycle_stage": "trial", "language": "pt-BR",
			"time_zone": "America/Sao_Paulo", "preferred_channel": "chat", "do_not_contact": true,
			"attributes": map[string]any{"plan": "pro", "seats": 12, "renewal": "2027-01-31", "beta": true, "city": "Lisbon"},
		}, http.StatusOK).Decode(t, &c)
		got := getContact(t, f, f.alice)
		if got.Name != "Alice Martin" || got.Type != model.ContactVIP || got.Company != "Acme" || got.LifecycleStage != model.StageTrial ||
			got.Language != "pt-BR" || got.TimeZone != "America/Sao_Paulo" || got.PreferredChannel != model.ChannelChat || !got.DoNotContact {
			t.Errorf("profile not saved: %+v", got)
		}
		if string(got.Attributes) != `{"beta":true,"city":"Lisbon","plan":"pro","renewal":"2027-01-31","seats":12}` {
			t.Errorf("attributes = %s", got.Attributes)
		}
		// Clearing: "" unsets a field, null removes an attribute; the rest stays.
		f.call(t, f.aTok, "PATCH", contactPath(f.alice), map[string]any{"time_zone": "", "do_not_contact": false,
			"attributes": map[string]any{"beta": nil, "seats": 13.5}}, http.StatusOK)
		got = getContact(t, f, f.alice)
		if got.TimeZone != "" || got.DoNotContact || got.Company != "Acme" {
			t.Errorf("after clearing: %+v", got)
		}
		if string(got.Attributes) != `{"city":"Lisbon","plan":"pro","renewal":"2027-01-31","seats":13.5}` {
			t.Errorf("attributes after clearing = %s", got.Attributes)
		}
		// Editing a definition changes what later values may be.
		var defs struct{ Items []model.AttributeDef }
		f.call(t, f.aTok, "GET", api+"/contact-attributes", nil, http.StatusOK).Decode(t, &defs)
		if len(defs.Items) != 5 || defs.Items[0].Key != "plan" || !slices.Equal(defs.Items[0].Choices, []string{"free", "pro"}) {
			t.Fatalf("definitions = %+v", defs.Items)
		}
		f.call(t, f.adminTok, "PATCH", fmt.Sprintf(api+"/contact-attributes/%d", defs.Items[0].ID), map[string]any{"choices": []string{"free", "pro", "enterprise"}}, http.StatusOK)
		f.call(t, f.aTok, "PATCH", contactPath(f.alice), map[string]any{"attributes": map[string]any{"plan": "enterprise"}}, http.StatusOK)
		// A deleted definition's value stays until cleared; new values are refused.
		f.call(t, f.adminTok, "DELETE", fmt.Sprintf(api+"/contact-attributes/%d", defs.Items[1].ID), nil, http.StatusNoContent)
		r := e.Call(t, f.aTok, "PATCH", contactPath(f.alice), map[string]any{"attributes": map[string]any{"seats": 1}})
		checkError(t, r, http.StatusBadRequest, "validation_failed", "attributes.seats")
		f.call(t, f.aTok, "PATCH", contactPath(f.alice), map[string]any{"attributes": map[string]any{"seats": nil}}, http.StatusOK)
		if got := getContact(t, f, f.alice); string(got.Attributes) != `{"city":"Lisbon","plan":"enterprise","renewal":"2027-01-31"}` {
			t.Errorf("attributes after deleting seats = %s", got.Attributes)
		}
		// Contacts are found by company too.
		var list struct{ Items []model.Contact }
		f.call(t, f.bTok, "GET", api+"/contacts?q=acm", nil, http.StatusOK).Decode(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != f.alice {
			t.Errorf("search by company = %+v", list.Items)
		}
	})
}

func TestContactNotesAndIdentities(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := newFixture(t, e)
		for i, tok := range []string{f.aTok, f.bTok, f.aTok} {
			f.call(t, tok, "POST", contactPath(f.alice)+"/notes", map[string]any{"body": fmt.Sprintf("note %d", i)}, http.StatusCreated)
		}
		var page struct {
			Items      []model.ContactNote
			NextCursor string `json:"next_cursor"`
		}
		f.call(t, f.bTok, "GET", contactPath(f.alice)+"/notes?limit=2", nil, http.StatusOK).Decode(t, &page)
		if len(page.Items) != 2 || page.Items[0].Body != "note 2" || page.Items[1].AuthorName != "agent.b@parley.test" || page.NextCursor == "" {
			t.Fatalf("first page of notes = %+v", page)
		}
		f.call(t, f.bTok, "GET", contactPath(f.alice)+"/notes?limit=2&cursor="+page.NextCursor, nil, http.StatusOK).Decode(t, &page)
		if len(page.Items) != 1 || page.Items[0].Body != "note 0" || page.NextCursor != "" {
			t.Fatalf("second page of notes = %+v", page)
		}

		// Identities: add a phone, and a message from it lands on Alice.
		var c model.Contact
		f.call(t, f.aTok, "POST", contactPath(f.alice)+"/identities", map[string]any{"kind": "phone", "value": "+1 (555) 010-4477"}, http.StatusCreated).Decode(t, &c)
		if len(c.Identities) != 2 || c.Identities[1].Value != "+15550104477" || c.Identities[1].ID == 0 {
			t.Fatalf("identities after adding = %+v", c.Identities)
		}
		var cv conv
		f.call(t, f.adminTok, "POST", api+"/conversations", map[string]any{"inbox_id": f.inboxP, "contact": map[string]any{"phone": "+15550104477"},
			"subject": "Called", "message": map[string]any{"body": "Call me", "direction": "incoming"}}, http.StatusCreated).Decode(t, &cv)
		if cv.Contact.ID != f.alice {
			t.Errorf("message from the new phone landed on contact %d, not Alice %d", cv.Contact.ID, f.alice)
		}
		var ids struct{ Items []model.Identity }
		f.call(t, f.bTok, "GET", contactPath(f.alice)+"/identities", nil, http.StatusOK).Decode(t, &ids)
		if len(ids.Items) != 2 {
			t.Fatalf("identities = %+v", ids.Items)
		}
		email, phone := ids.Items[0].ID, ids.Items[1].ID
		f.call(t, f.aTok, "DELETE", fmt.Sprintf("%s/identities/%d", contactPath(f.alice), email), nil, http.StatusOK).Decode(t, &c)
		if len(c.Identities) != 1 || c.Identities[0].ID != phone {
			t.Fatalf("identities after removing the email = %+v", c.Identities)
		}
		// The last one stays.
		r := e.Call(t, f.aTok, "DELETE", fmt.Sprintf("%s/identities/%d", contactPath(f.alice), phone), nil)
		checkError(t, r, http.StatusConflict, "conflict", "")
		if got := getContact(t, f, f.alice); len(got.Identities) != 1 {
			t.Errorf("the refused removal changed identities: %+v", got.Identities)
		}
	})
}

type timelinePage struct {
	Items      []model.TimelineEntry `json:"items"`
	NextCursor string                `json:"next_cursor"`
}

func TestContactTimeline(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := newFixture(t, e)
		// Alice writes in inbox A (convA), then by API in inbox B, then an
		// agent notes something, then she calls (inbox P) while another note
		// is written in the same millisecond.
		e.Clock.Advance(time.Minute)
		var cb conv
		f.call(t, f.adminTok, "POST", api+"/conversations", map[string]any{"inbox_id": f.inboxB, "contact": map[string]any{"id": f.alice},
			"subject": "Webhook", "message": map[string]any{"body": "Hi", "direction": "incoming"}}, http.StatusCreated).Decode(t, &cb)
		e.Clock.Advance(time.Minute)
		f.call(t, f.aTok, "POST", contactPath(f.alice)+"/notes", map[string]any{"body": "Prefers mornings"}, http.StatusCreated)
		e.Clock.Advance(time.Minute)
		extra := f.conversation(t, f.inboxP, f.aliceEmail, "Voicemail")
		f.call(t, f.bTok, "POST", contactPath(f.alice)+"/notes", map[string]any{"body": "Left a voicemail"}, http.StatusCreated)

		walk := func(tok string, limit int) []string {
			var out []string
			cursor := ""
			for range 10 {
				var p timelinePage
				f.call(t, tok, "GET", fmt.Sprintf("%s/timeline?limit=%d&cursor=%s", contactPath(f.alice), limit, cursor), nil, http.StatusOK).Decode(t, &p)
				for _, it := range p.Items {
					out = append(out, fmt.Sprintf("%s:%d:%s", it.Kind, it.Ref, it.Channel))
				}
				if cursor = p.NextCursor; cursor == "" {
					return out
				}
			}
			t.Fatal("timeline pages never end")
			return nil
		}
		all := []string{fmt.Sprintf("conversation:%d:phone", extra.ID), "note:2:", "note:1:", fmt.Sprintf("conversation:%d:api", cb.ID), fmt.Sprintf("conversation:%d:email", f.convA)}
		for _, c := range []struct {
			name  string
			tok   string
			limit int
			want  []string
		}{
			{"admin, one page", f.adminTok, 50, all},
			{"admin, one entry a page", f.adminTok, 1, all},
			{"supervisor, two a page", f.supTok, 2, all},
			{"admin, three a page", f.adminTok, 3, all},
			{"agent of inboxes A and P sees no API conversation", f.aTok, 1, []string{all[0], all[1], all[2], all[4]}},
			{"agent of inbox B sees only it", f.bTok, 50, []string{all[1], all[2], all[3]}},
		} {
			t.Run(c.name, func(t *testing.T) {
				if got := walk(c.tok, c.limit); !slices.Equal(got, c.want) {
					t.Errorf("timeline = %v, want %v", got, c.want)
				}
			})
		}
	})
}

func TestContactDuplicates(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := newFixture(t, e)
		mk := func(body map[string]any) int64 {
			var c model.Contact
			f.call(t, f.adminTok, "POST", api+"/contacts", body, http.StatusCreated).Decode(t, &c)
			return c.ID
		}
		jo := mk(map[string]any{"name": "Jo", "email": "jo.smith@gmail.com", "phone": "+44 7700 900123"})
		joPlus := mk(map[string]any{"name": "Jo S", "email": "JoSmith+shop@googlemail.com"})
		joPhone := mk(map[string]any{"name": "Jo phone", "phone": "07700-900-123"})
		other := mk(map[string]any{"name": "Other Jo", "email": "jo.smith@example.com"})
		notGmailDots := mk(map[string]any{"name": "Dotless", "email": "josmith@example.com"})
		mk(map[string]any{"name": "Unrelated", "phone": "+1 555 0100"})
		var d struct{ Items []store.Duplicate }
		f.call(t, f.bTok, "GET", contactPath(jo)+"/duplicates", nil, http.StatusOK).Decode(t, &d)
		var got []int64
		for _, it := range d.Items {
			got = append(got, it.Contact.ID)
		}
		if !slices.Equal(got, []int64{joPlus, joPhone}) {
			t.Errorf("duplicates of Jo = %v, want %v", got, []int64{joPlus, joPhone})
		}
		f.call(t, f.bTok, "GET", contactPath(other)+"/duplicates", nil, http.StatusOK).Decode(t, &d)
		if len(d.Items) != 0 {
			t.Errorf("outside Gmail, dots matter: %+v (dotless is %d)", d.Items, notGmailDots)
		}
		// After a merge the merged-away contact is no longer suggested.
		f.call(t, f.aTok, "POST", contactPath(jo)+"/merge", map[string]any{"other_id": joPhone}, http.StatusOK)
		f.call(t, f.bTok, "GET", contactPath(joPlus)+"/duplicates", nil, http.StatusOK).Decode(t, &d)
		if len(d.Items) != 1 || d.Items[0].Contact.ID != jo {
			t.Errorf("duplicates of Jo S after the merge = %+v", d.Items)
		}
	})
}

// contactRows dumps what a contact merge touches, for comparing exactly.
func contactRows(t *testing.T, e *testutil.Env) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id, name, type, attributes, company, lifecycle_stage, language, time_zone, preferred_channel, do_not_contact, merged_into_id, created_at, updated_at, search_text FROM contacts ORDER BY id`,
		`SELECT id, contact_id, kind, value, match_key FROM contact_identities ORDER BY id`,
		`SELECT id, contact_id, author_id, body FROM contact_notes ORDER BY id`,
		`SELECT id, contact_id FROM conversations ORDER BY id`,
	} {
		rows, err := e.Store.Reader.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, "%s=%v ", cols[i], v)
			}
			b.WriteString("\n")
		}
		rows.Close()
	}
	return b.String()
}

func TestContactMergeAndUnmerge(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := newFixture(t, e)
		f.defineAttributes(t)
		f.call(t, f.aTok, "PATCH", contactPath(f.alice), map[string]any{"company": "Acme", "attributes": map[string]any{"plan": "pro"}}, http.StatusOK)
		f.call(t, f.aTok, "POST", contactPath(f.alice)+"/notes", map[string]any{"body": "Alice's own note"}, http.StatusCreated)
		work := f.conversation(t, f.inboxA, "alice.m@work.example", "From work")
		other := work.Contact.ID
		f.call(t, f.aTok, "PATCH", contactPath(other), map[string]any{"company": "Globex", "language": "fr", "time_zone": "Europe/Paris",
			"attributes": map[string]any{"plan": "free", "city": "Paris"}}, http.StatusOK)
		f.call(t, f.aTok, "POST", contactPath(other)+"/notes", map[string]any{"body": "Work contact"}, http.StatusCreated)
		before := contactRows(t, e)

		var kept model.Contact
		f.call(t, f.aTok, "POST", contactPath(f.alice)+"/merge", map[string]any{"other_id": other}, http.StatusOK).Decode(t, &kept)
		if len(kept.Identities) != 2 || kept.Company != "Acme" || kept.Language != "fr" || kept.TimeZone != "Europe/Paris" ||
			string(kept.Attributes) != `{"city":"Paris","plan":"pro"}` {
			t.Errorf("kept contact after merge: %+v attrs %s", kept, kept.Attributes)
		}
		gone := getContact(t, f, other)
		if gone.MergedIntoID == nil || *gone.MergedIntoID != f.alice || len(gone.Identities) != 0 {
			t.Errorf("merged-away contact: %+v", gone)
		}
		var notes struct{ Items []model.ContactNote }
		f.call(t, f.aTok, "GET", contactPath(f.alice)+"/notes", nil, http.StatusOK).Decode(t, &notes)
		if len(notes.Items) != 2 {
			t.Errorf("notes after merge: %+v", notes.Items)
		}
		var list struct{ Items []model.Contact }
		f.call(t, f.aTok, "GET", api+"/contacts?q=alice", nil, http.StatusOK).Decode(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != f.alice {
			t.Errorf("contact list after merge: %+v", list.Items)
		}
		var merges struct{ Items []model.ContactMerge }
		f.call(t, f.aTok, "GET", contactPath(f.alice)+"/merges", nil, http.StatusOK).Decode(t, &merges)
		if len(merges.Items) != 1 || merges.Items[0].OtherID != other || !slices.Equal(merges.Items[0].Moved.Conversations, []int64{work.ID}) {
			t.Errorf("merges = %+v", merges.Items)
		}
		// A merged-away contact takes no changes; a message from its old address lands on the survivor.
		checkError(t, e.Call(t, f.aTok, "PATCH", contactPath(other), map[string]any{"name": "X"}), http.StatusConflict, "conflict", "")
		after := f.conversation(t, f.inboxA, "alice.m@work.example", "After the merge")
		if after.Contact.ID != f.alice {
			t.Errorf("new message from a merged identity went to %d", after.Contact.ID)
		}
		f.call(t, f.adminTok, "PATCH", convPath(after.ID), map[string]any{"status": "open"}, http.StatusOK)

		var back model.Contact
		f.call(t, f.bTok, "POST", contactPath(other)+"/unmerge", nil, http.StatusOK).Decode(t, &back)
		if back.MergedIntoID != nil || len(back.Identities) != 1 {
			t.Errorf("unmerged contact: %+v", back)
		}
		// Both contacts are exactly as before, except the kept one's
		// updated_at; the conversation that arrived after the merge stays.
		want := strings.Replace(before, fmt.Sprintf("id=%d contact_id=%d \n", after.ID, f.alice), "", 1)
		got := strings.Replace(contactRows(t, e), fmt.Sprintf("id=%d contact_id=%d \n", after.ID, f.alice), "", 1)
		if got == contactRows(t, e) {
			t.Errorf("the conversation that arrived after the merge is not on the kept contact:\n%s", got)
		}
		if d := lineDiff(stripUpdated(want, f.alice), stripUpdated(got, f.alice)); d != "" {
			t.Errorf("unmerge did not restore both contacts exactly:%s", d)
		}
		// Undone once, there is nothing left to undo.
		checkError(t, e.Call(t, f.aTok, "POST", contactPath(other)+"/unmerge", nil), http.StatusConflict, "conflict", "")
		f.call(t, f.aTok, "GET", contactPath(f.alice)+"/merges", nil, http.StatusOK).Decode(t, &merges)
		if len(merges.Items) != 0 {
			t.Errorf("merges after unmerge = %+v", merges.Items)
		}
		// Each moved conversation's history tells of the merge and its undoing.
		var events struct {
			Items []struct {
				Action string         `json:"action"`
				After  map[string]any `json:"after"`
			}
		}
		f.call(t, f.adminTok, "GET", convPath(work.ID)+"/events", nil, http.StatusOK).Decode(t, &events)
		var reasons []string
		for _, ev := range events.Items {
			if ev.Action == "contact.changed" {
				reasons = append(reasons, fmt.Sprint(ev.After["reason"]))
			}
		}
		if !slices.Equal(reasons, []string{"contacts merged", "contact merge undone"}) {
			t.Errorf("contact events of the moved conversation = %v", reasons)
		}
	})
}

// TestContactMergeChain refuses to unmerge into a contact that has itself
// been merged away, and undoes the chain from the end.
func TestContactMergeChain(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := newFixture(t, e)
		a := f.conversation(t, f.inboxA, "a@chain.example", "A").Contact.ID
		b := f.conversation(t, f.inboxA, "b@chain.example", "B").Contact.ID
		c := f.conversation(t, f.inboxA, "c@chain.example", "C").Contact.ID
		before := contactRows(t, e)
		f.call(t, f.aTok, "POST", contactPath(b)+"/merge", map[string]any{"other_id": a}, http.StatusOK)
		f.call(t, f.aTok, "POST", contactPath(c)+"/merge", map[string]any{"other_id": b}, http.StatusOK)
		if got := getContact(t, f, c); len(got.Identities) != 3 {
			t.Fatalf("c after the chain: %+v", got.Identities)
		}
		checkError(t, e.Call(t, f.aTok, "POST", contactPath(a)+"/unmerge", nil), http.StatusConflict, "conflict", "")
		checkError(t, e.Call(t, f.aTok, "POST", contactPath(a)+"/merge", map[string]any{"other_id": c}), http.StatusConflict, "conflict", "")
		f.call(t, f.aTok, "POST", contactPath(b)+"/unmerge", nil, http.StatusOK)
		f.call(t, f.aTok, "POST", contactPath(a)+"/unmerge", nil, http.StatusOK)
		if d := lineDiff(stripUpdated(before, b, c), stripUpdated(contactRows(t, e), b, c)); d != "" {
			t.Errorf("undoing the chain did not restore the contacts:%s", d)
		}
	})
}

// stripUpdated blanks the updated_at of the given contacts' rows.
func stripUpdated(dump string, ids ...int64) string {
	lines := strings.Split(dump, "\n")
	for i, l := range lines {
		for _, id := range ids {
			if strings.HasPrefix(l, fmt.Sprintf("id=%d name=", id)) {
				if j := strings.Index(l, "updated_at="); j >= 0 {
					k := strings.Index(l[j:], " ")
					lines[i] = l[:j] + l[j+k:]
				}
			}
		}
	}
	return strings.Join(lines, "\n")
}

func lineDiff(want, got string) string {
	var b strings.Builder
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for _, l := range w {
		if !slices.Contains(g, l) {
			fmt.Fprintf(&b, "\n- %s", l)
		}
	}
	for _, l := range g {
		if !slices.Contains(w, l) {
			fmt.Fprintf(&b, "\n+ %s", l)
		}
	}
	return b.String()
}

// TestNewConversationForAMergedAwayContact: naming a merged-away contact by
// id starts the conversation on the contact it was merged into.
func TestNewConversationForAMergedAwayContact(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := newFixture(t, e)
		f.call(t, f.aTok, "POST", contactPath(f.alice)+"/merge", map[string]any{"other_id": f.bob}, http.StatusOK)
		var c conv
		f.call(t, f.adminTok, "POST", api+"/conversations", map[string]any{"inbox_id": f.inboxB, "contact": map[string]any{"id": f.bob},
			"subject": "Again", "message": map[string]any{"body": "Hi", "direction": "incoming"}}, http.StatusCreated).Decode(t, &c)
		if c.Contact.ID != f.alice {
			t.Errorf("conversation for merged-away contact %d landed on %d, want %d", f.bob, c.Contact.ID, f.alice)
		}
	})
}
