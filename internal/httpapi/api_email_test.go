package httpapi_test

import (
	"fmt"
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
