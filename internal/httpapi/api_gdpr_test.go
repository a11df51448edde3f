package httpapi_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/blob"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
	"github.com/parley-hq/parley/internal/testutil"
)

// zelda is a customer with one of each kind of data Parley keeps: a
// profile with an attribute, three identities, a note, an email with a
// file, a phone conversation with a call, a CSAT comment, and an agent's
// reply. Words only she wrote are rare enough to search for.
type zelda struct {
	id, mailConv, phoneConv int64
	blobKey                 string
}

// secrets are the strings no trace of which may survive an erasure.
var zeldaSecrets = []string{"zelda", "quixot", "xylophonic", "quokkafish", "zanzibar", "7700900111", "crm-zq-77", "passport.pdf", "mornings", "lisbon"}

func (f *fixture) zelda(t *testing.T) zelda {
	t.Helper()
	ctx := testutil.Ctx()
	var z zelda
	var c model.Contact
	f.call(t, f.adminTok, "POST", api+"/contacts", map[string]any{"name": "Zelda Quixote", "email": "zelda@example.org",
		"phone": "+44 7700 900111", "external_id": "crm-zq-77", "company": "Quixotic Ltd", "attributes": map[string]any{"city": "Lisbon"}},
		http.StatusCreated).Decode(t, &c)
	z.id = c.ID
	f.call(t, f.aTok, "POST", contactPath(z.id)+"/notes", map[string]any{"body": "Zelda prefers mornings"}, http.StatusCreated)

	raw := "From: Zelda Quixote <zelda@example.org>\r\nTo: support@acme.test\r\nSubject: Xylophonic invoice\r\nMessage-ID: <zq-1@example.org>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nMy xylophonic invoice is wrong, see my passport.\r\n" +
		"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=passport.pdf\r\n\r\n%PDF-1.4 zelda " + t.Name() + "\r\n--b--\r\n"
	_, msg, err := f.e.Email.Ingest(ctx, f.inboxA, []byte(raw), nil)
	testutil.NoErr(t, err)
	z.mailConv = msg.ConversationID
	mc, err := f.e.Store.ConversationByID(ctx, z.mailConv)
	testutil.NoErr(t, err)
	if mc.Contact.ID != z.id {
		t.Fatalf("the mail landed on contact %d, not %d", mc.Contact.ID, z.id)
	}
	f.call(t, f.aTok, "POST", convPath(z.mailConv)+"/messages", map[string]any{"body": "Thanks, unicornreply: we are fixing it."}, http.StatusCreated)
	testutil.NoErr(t, f.e.Store.Reader.QueryRow(`SELECT a.blob_key FROM email_attachments a JOIN messages m ON m.id = a.message_id WHERE m.conversation_id = $1`,
		z.mailConv).Scan(&z.blobKey))

	var pc conv
	f.call(t, f.adminTok, "POST", api+"/conversations", map[string]any{"inbox_id": f.inboxP, "contact": map[string]any{"id": z.id},
		"subject": "Callback", "message": map[string]any{"body": "Please call me about the quokkafish", "direction": "incoming"}}, http.StatusCreated,
		"Idempotency-Key", "zq-phone").Decode(t, &pc)
	z.phoneConv = pc.ID
	f.call(t, f.aTok, "POST", convPath(z.phoneConv)+"/calls", map[string]any{"direction": "inbound", "outcome": "answered", "duration_seconds": 90,
		"caller": "+447700900111", "transcript": "Zelda: the quokkafish is late", "notes": "Promised a call back"}, http.StatusCreated)
	testutil.NoErr(t, f.e.Store.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.CreateSurvey(ctx, z.phoneConv, "survey-"+t.Name(), nil, time.Now())
		return err
	}))
	s, err := f.e.Store.SurveyByConversation(ctx, z.phoneConv)
	testutil.NoErr(t, err)
	testutil.NoErr(t, f.e.Store.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.AnswerSurvey(ctx, s.ID, 2, "Too slow, like a zanzibar snail", time.Now())
		return err
	}))
	return z
}

type exportDoc struct {
	Format     string           `json:"format"`
	Contact    model.Contact    `json:"contact"`
	Identities []model.Identity `json:"identities"`
	Notes      []model.ContactNote
	Erasure    *model.ContactErasure
	Convs      []struct {
		ID       int64 `json:"id"`
		Subject  string
		Messages []contact.ExportMessage
		Calls    []model.Call
		CSAT     *model.CSATResponse
	} `json:"conversations"`
}

func (f *fixture) export(t *testing.T, tok string, id int64) (exportDoc, string) {
	t.Helper()
	r := f.call(t, tok, "GET", contactPath(id)+"/export", nil, http.StatusOK)
	if cd := r.Header.Get("Content-Disposition"); !strings.Contains(cd, fmt.Sprintf(`filename="contact-%d-export.json"`, id)) {
		t.Errorf("Content-Disposition = %q", cd)
	}
	var d exportDoc
	r.Decode(t, &d)
	return d, string(r.Body)
}

func TestContactExport(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := newFixture(t, e)
		f.defineAttributes(t)
		z := f.zelda(t)
		for _, tok := range []string{f.adminTok, f.supTok} {
			d, _ := f.export(t, tok, z.id)
			if d.Format != contact.ExportFormat || d.Contact.Name != "Zelda Quixote" || d.Contact.Company != "Quixotic Ltd" ||
				string(d.Contact.Attributes) != `{"city":"Lisbon"}` || d.Erasure != nil {
				t.Errorf("profile: %+v", d.Contact)
			}
			if len(d.Identities) != 3 || len(d.Notes) != 1 || d.Notes[0].Body != "Zelda prefers mornings" {
				t.Errorf("identities %+v, notes %+v", d.Identities, d.Notes)
			}
			if len(d.Convs) != 2 || d.Convs[0].ID != z.mailConv || d.Convs[1].ID != z.phoneConv {
				t.Fatalf("conversations: %+v", d.Convs)
			}
			mail := d.Convs[0]
			if len(mail.Messages) != 2 || mail.Messages[0].Direction != model.Incoming || !strings.Contains(mail.Messages[0].Body, "xylophonic invoice") ||
				mail.Messages[0].Email == nil || mail.Messages[0].Email.From == "" ||
				mail.Messages[1].Direction != model.Outgoing || !strings.Contains(mail.Messages[1].Body, "unicornreply") || mail.Messages[1].CreatedAt.IsZero() {
				t.Errorf("mail messages: %+v", mail.Messages)
			}
			if a := mail.Messages[0].Attachments; len(a) != 1 || a[0].Filename != "passport.pdf" || a[0].Size == 0 || a[0].URL != fmt.Sprintf(api+"/attachments/%d", a[0].ID) {
				t.Errorf("attachments: %+v", a)
			} else {
				f.call(t, tok, "GET", a[0].URL, nil, http.StatusOK)
			}
			phone := d.Convs[1]
			if len(phone.Calls) != 1 || !strings.Contains(phone.Calls[0].Transcript, "quokkafish") || phone.Calls[0].Caller != "+447700900111" {
				t.Errorf("calls: %+v", phone.Calls)
			}
			if phone.CSAT == nil || phone.CSAT.Comment != "Too slow, like a zanzibar snail" || phone.CSAT.Rating == nil || *phone.CSAT.Rating != 2 {
				t.Errorf("csat: %+v", phone.CSAT)
			}
		}
		for _, tok := range []string{f.aTok, f.bTok} {
			checkError(t, e.Call(t, tok, "GET", contactPath(z.id)+"/export", nil), http.StatusForbidden, "forbidden", "")
		}
		checkError(t, e.Call(t, f.adminTok, "GET", contactPath(999999)+"/export", nil), http.StatusNotFound, "not_found", "")
	})
}

func TestContactErase(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := newFixture(t, e)
		f.defineAttributes(t)
		z := f.zelda(t)
		ctx := testutil.Ctx()
		search := func(q string) []int64 {
			ids, _ := listIDs(t, f.call(t, f.adminTok, "GET", api+"/conversations?q="+q, nil, http.StatusOK))
			return ids
		}
		// Search finds her by her words and by her name (the contact index).
		for q, n := range map[string]int{"xylophonic": 1, "quokkafish": 1, "passport": 1, "unicornreply": 1, "Zelda": 2, "Quixote": 2} {
			if got := search(q); len(got) != n {
				t.Fatalf("before erasure, search %q found %v, want %d conversations", q, got, n)
			}
		}
		var before string
		testutil.NoErr(t, e.Store.Reader.QueryRow(`SELECT body FROM idempotency_keys WHERE key = 'zq-phone'`).Scan(&before))
		if !strings.Contains(before, "Zelda") {
			t.Fatalf("the kept idempotent answer does not name the contact: %s", before)
		}
		reason := map[string]any{"reason": "Erasure request by email, 2026-03-01"}
		for _, tok := range []string{f.supTok, f.aTok} {
			checkError(t, e.Call(t, tok, "POST", contactPath(z.id)+"/erase", reason), http.StatusForbidden, "forbidden", "")
		}
		checkError(t, e.Call(t, f.adminTok, "POST", contactPath(z.id)+"/erase", map[string]any{"reason": "  "}), http.StatusBadRequest, "validation_failed", "reason")
		checkError(t, e.Call(t, f.adminTok, "POST", contactPath(999999)+"/erase", reason), http.StatusNotFound, "not_found", "")

		var rec model.ContactErasure
		f.call(t, f.adminTok, "POST", contactPath(z.id)+"/erase", reason, http.StatusOK).Decode(t, &rec)
		want := model.ErasureCounts{Conversations: 2, Messages: 2, Attachments: 1, Identities: 3, Notes: 1, Calls: 1, CSATComments: 1}
		if rec.ContactID != z.id || rec.Reason != "Erasure request by email, 2026-03-01" || rec.ActorID == nil || *rec.ActorID != f.admin.UserID ||
			rec.Counts != want || rec.CreatedAt.IsZero() {
			t.Errorf("erasure record = %+v, counts want %+v", rec, want)
		}

		// Nothing the customer gave or wrote can be read or found again.
		c := getContact(t, f, z.id)
		if c.Name != fmt.Sprintf("Erased contact #%d", z.id) || c.Company != "" || string(c.Attributes) != "{}" || len(c.Identities) != 0 ||
			c.ErasedAt == nil || !c.DoNotContact {
			t.Errorf("erased contact = %+v", c)
		}
		_, body := f.export(t, f.adminTok, z.id)
		reads := map[string]string{"export": body}
		for _, p := range []string{contactPath(z.id), contactPath(z.id) + "/timeline", contactPath(z.id) + "/notes", contactPath(z.id) + "/identities",
			contactPath(z.id) + "/conversations", api + "/contacts?limit=200", convPath(z.mailConv), convPath(z.mailConv) + "/messages",
			convPath(z.phoneConv) + "/messages", convPath(z.phoneConv) + "/calls", convPath(z.mailConv) + "/events", api + "/conversations?limit=200"} {
			reads[p] = string(f.call(t, f.adminTok, "GET", p, nil, http.StatusOK).Body)
		}
		var kept string
		testutil.NoErr(t, e.Store.Reader.QueryRow(`SELECT COALESCE(MAX(body), '') FROM idempotency_keys`).Scan(&kept))
		reads["idempotency answers"] = kept
		for what, text := range reads {
			for _, s := range zeldaSecrets {
				if strings.Contains(strings.ToLower(text), s) {
					t.Errorf("%s still shows %q: %s", what, s, text)
				}
			}
		}
		for _, q := range []string{"xylophonic", "quokkafish", "Zelda", "Quixote", "passport"} {
			if got := search(q); len(got) != 0 {
				t.Errorf("after erasure, search %q still finds %v", q, got)
			}
		}
		for _, q := range []string{"zelda", "quixotic", "crm-zq-77", "7700900111"} {
			if ids, _ := listIDs(t, f.call(t, f.adminTok, "GET", api+"/contacts?q="+q, nil, http.StatusOK)); len(ids) != 0 {
				t.Errorf("contact search %q finds %v", q, ids)
			}
		}
		// The agent's reply stays, and is still found; the conversations stay on the contact.
		if got := search("unicornreply"); len(got) != 1 || got[0] != z.mailConv {
			t.Errorf("search for the agent's reply finds %v", got)
		}
		var msgs struct{ Items []model.Message }
		f.call(t, f.adminTok, "GET", convPath(z.mailConv)+"/messages", nil, http.StatusOK).Decode(t, &msgs)
		if len(msgs.Items) != 2 || msgs.Items[0].Body != "[erased]" || !strings.Contains(msgs.Items[1].Body, "unicornreply") {
			t.Errorf("messages after erasure: %+v", msgs.Items)
		}
		var cv conv
		f.call(t, f.adminTok, "GET", convPath(z.phoneConv), nil, http.StatusOK).Decode(t, &cv)
		if cv.Contact.ID != z.id {
			t.Errorf("the conversation moved to contact %d", cv.Contact.ID)
		}
		// The file is gone from disk.
		if _, err := e.Blobs.Open(z.blobKey); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("the attachment's file is still there: %v", err)
		}

		// Recorded: an event on each conversation, and the record itself.
		for _, id := range []int64{z.mailConv, z.phoneConv} {
			var ev struct{ Items []model.Event }
			f.call(t, f.adminTok, "GET", convPath(id)+"/events?limit=200", nil, http.StatusOK).Decode(t, &ev)
			last := ev.Items[len(ev.Items)-1]
			if last.Action != "contact.erased" || !strings.Contains(string(last.After), fmt.Sprintf(`"erasure_id":%d`, rec.ID)) {
				t.Errorf("conversation %d's last event = %+v", id, last)
			}
		}
		var got model.ContactErasure
		f.call(t, f.aTok, "GET", contactPath(z.id)+"/erasure", nil, http.StatusOK).Decode(t, &got)
		if got.ID != rec.ID || got.Counts != want || got.Reason != rec.Reason {
			t.Errorf("GET erasure = %+v", got)
		}
		// It cannot be undone, nor the record changed or removed.
		checkError(t, e.Call(t, f.adminTok, "POST", contactPath(z.id)+"/erase", reason), http.StatusConflict, "conflict", "")
		checkError(t, e.Call(t, f.adminTok, "PATCH", contactPath(z.id), map[string]any{"name": "Zelda"}), http.StatusConflict, "conflict", "")
		checkError(t, e.Call(t, f.adminTok, "POST", contactPath(z.id)+"/identities", map[string]any{"kind": "email", "value": "zelda@example.org"}), http.StatusConflict, "conflict", "")
		for _, q := range []string{`UPDATE contact_erasures SET reason = 'x'`, `DELETE FROM contact_erasures`} {
			if _, err := e.Store.Writer.ExecContext(ctx, q); err == nil {
				t.Errorf("%s succeeded", q)
			}
		}
		// Her next mail starts a new contact: the old one knows her no more.
		raw := "From: zelda@example.org\r\nTo: support@acme.test\r\nSubject: Again\r\nMessage-ID: <zq-2@example.org>\r\n\r\nHello again\r\n"
		_, nm, err := e.Email.Ingest(ctx, f.inboxA, []byte(raw), nil)
		testutil.NoErr(t, err)
		next, err := e.Store.ConversationByID(ctx, nm.ConversationID)
		testutil.NoErr(t, err)
		if next.Contact.ID == z.id {
			t.Errorf("a new mail from the erased address landed on the erased contact")
		}
	})
}

// Erasing the contact others were merged into erases them too and makes
// those merges final; a merged-away contact cannot be erased by itself.
func TestContactEraseMerged(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := newFixture(t, e)
		var keep, other model.Contact
		f.call(t, f.adminTok, "POST", api+"/contacts", map[string]any{"name": "Kim Keep", "email": "kim@example.net"}, http.StatusCreated).Decode(t, &keep)
		f.call(t, f.adminTok, "POST", api+"/contacts", map[string]any{"name": "Kim Other", "email": "kim.other@example.net", "company": "Kimco"}, http.StatusCreated).Decode(t, &other)
		f.call(t, f.adminTok, "POST", api+"/conversations", map[string]any{"inbox_id": f.inboxA, "contact": map[string]any{"id": other.ID},
			"subject": "Hi", "message": map[string]any{"body": "Ahoy from the wombatgram", "direction": "incoming"}}, http.StatusCreated)
		f.call(t, f.adminTok, "POST", contactPath(keep.ID)+"/merge", map[string]any{"other_id": other.ID}, http.StatusOK)
		reason := map[string]any{"reason": "Customer request"}
		checkError(t, e.Call(t, f.adminTok, "POST", contactPath(other.ID)+"/erase", reason), http.StatusConflict, "conflict", "")

		var rec model.ContactErasure
		f.call(t, f.adminTok, "POST", contactPath(keep.ID)+"/erase", reason, http.StatusOK).Decode(t, &rec)
		if rec.Counts.MergedContacts != 1 || rec.Counts.Messages != 1 || rec.Counts.Identities != 2 {
			t.Errorf("counts = %+v", rec.Counts)
		}
		o := getContact(t, f, other.ID)
		if o.Name != fmt.Sprintf("Erased contact #%d", other.ID) || o.Company != "" || o.ErasedAt == nil {
			t.Errorf("merged-away contact after erasure: %+v", o)
		}
		checkError(t, e.Call(t, f.adminTok, "POST", contactPath(other.ID)+"/unmerge", nil), http.StatusConflict, "conflict", "")
		var merges struct{ Items []model.ContactMerge }
		f.call(t, f.adminTok, "GET", contactPath(keep.ID)+"/merges", nil, http.StatusOK).Decode(t, &merges)
		if len(merges.Items) != 0 {
			t.Errorf("merges still undoable: %+v", merges.Items)
		}
		if ids, _ := listIDs(t, f.call(t, f.adminTok, "GET", api+"/conversations?q=wombatgram", nil, http.StatusOK)); len(ids) != 0 {
			t.Errorf("search still finds %v", ids)
		}
		var moved string
		testutil.NoErr(t, e.Store.Reader.QueryRow(`SELECT moved FROM contact_merges WHERE other_id = $1`, other.ID).Scan(&moved))
		if strings.Contains(moved, "Kimco") || strings.Contains(moved, "kim") {
			t.Errorf("the merge record still holds %s", moved)
		}
	})
}
