package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/parley-hq/parley/internal/testutil"
)

// emailAttachment stores a customer's mail with an attachment in inbox A
// and returns the attachment's id.
func (f *fixture) emailAttachment(t *testing.T) int64 {
	t.Helper()
	raw := "From: Ana <ana@example.com>\r\nTo: support@acme.test\r\nSubject: Receipt\r\nMessage-ID: <" + fmt.Sprint(t.Name()) +
		"@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nAttached.\r\n" +
		"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=receipt.pdf\r\n\r\n%PDF-1.4\r\n--b--\r\n"
	_, msg, err := f.e.Email.Ingest(testutil.Ctx(), f.inboxA, []byte(raw), nil)
	testutil.NoErr(t, err)
	rows, err := f.e.Store.EmailRows(testutil.Ctx(), []int64{msg.ID})
	testutil.NoErr(t, err)
	return rows[msg.ID].Attachments[0].ID
}

// An email inbox's settings are checked on the way in: wrong shapes and
// values are 400s naming the field, and nothing is saved.
func TestEmailInboxSettingsAreValidated(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := newFixture(t, e)
		rows := []struct {
			settings any
			field    string
		}{
			{map[string]any{"address": "not an address"}, "settings.address"},
			{map[string]any{"address": "a@b.test", "imap": map[string]any{"host": "imap.b.test", "tls": "ssl"}}, "settings.imap.tls"},
			{map[string]any{"smtp": map[string]any{"port": 587}}, "settings.smtp.host"},
			{map[string]any{"imap": "imap.b.test"}, "settings"},
		}
		for _, r := range rows {
			res := f.call(t, f.adminTok, "POST", "/api/v1/inboxes", map[string]any{"name": "Mail", "channel": "email", "settings": r.settings}, http.StatusBadRequest)
			if got := res.JSON(t)["error"].(map[string]any)["fields"].(map[string]any); got[r.field] == nil {
				t.Errorf("settings %v: fields %v, want %s", r.settings, got, r.field)
			}
			f.call(t, f.adminTok, "PATCH", fmt.Sprintf("/api/v1/inboxes/%d", f.inboxA), map[string]any{"settings": r.settings}, http.StatusBadRequest)
		}
		f.call(t, f.adminTok, "PATCH", fmt.Sprintf("/api/v1/inboxes/%d", f.inboxA), map[string]any{"settings": map[string]any{"address": "ok@b.test"}}, http.StatusOK)
		// Other channels' settings are theirs to define.
		f.call(t, f.adminTok, "POST", "/api/v1/inboxes", map[string]any{"name": "Chat", "channel": "chat", "settings": map[string]any{"imap": "x"}}, http.StatusCreated)
	})
}
