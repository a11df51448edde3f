package email_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
)

func startListener(t *testing.T, e *testutil.Env) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	testutil.NoErr(t, err)
	l := e.Email.NewListener()
	go l.Serve(ln)
	t.Cleanup(func() { l.Close(testutil.Ctx()) })
	return ln.Addr().String()
}

func TestSMTPListener(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		agent := e.User(t, "agent@acme.test", model.RoleAgent)
		outsider := e.User(t, "outsider@acme.test", model.RoleAgent)
		inbox := emailInbox(t, e, "", agent)
		addr := startListener(t, e)
		raw, _ := os.ReadFile("testdata/gmail_inline_image.eml")

		// A recipient no inbox has is refused at RCPT, before any data.
		err := sendMail(addr, "dmitri.orlov@gmail.com", []string{"nobody@acme.test"}, bytes.NewReader(raw))
		var se *smtp.SMTPError
		if !errors.As(err, &se) || se.Code != 550 {
			t.Fatalf("unknown recipient: %v", err)
		}
		// The inbox address, with a +tag too, is accepted; sent twice, stored once.
		for range 2 {
			testutil.NoErr(t, sendMail(addr, "dmitri.orlov@gmail.com", []string{"Support+x@acme.test"}, bytes.NewReader(raw)))
		}
		var list struct{ Items []model.Conversation }
		e.Call(t, e.Token(t, agent), "GET", fmt.Sprintf("/api/v1/conversations?inbox=%d", inbox), nil).Decode(t, &list)
		if len(list.Items) != 1 {
			t.Fatalf("%d conversations, want 1", len(list.Items))
		}
		m := messages(t, e, list.Items[0].ID)
		if len(m) != 1 || m[0].Email == nil || len(m[0].Email.Attachments) != 1 {
			t.Fatalf("messages %+v", m)
		}
		att := m[0].Email.Attachments[0]
		if !bytes.Contains([]byte(m[0].Email.HTML), []byte(`src="`+att.URL+`"`)) {
			t.Fatalf("inline image not pointed at its download: %s", m[0].Email.HTML)
		}

		// The download: for members only, never rendered by the browser.
		res := e.Call(t, e.Token(t, agent), "GET", att.URL, nil)
		if res.Status != http.StatusOK || res.Header.Get("X-Content-Type-Options") != "nosniff" ||
			res.Header.Get("Content-Disposition") != `attachment; filename=screenshot.png` || res.Header.Get("Content-Type") != "image/png" ||
			!bytes.HasPrefix(res.Body, []byte("\x89PNG")) {
			t.Fatalf("download: %d %v %q", res.Status, res.Header, res.Body[:min(20, len(res.Body))])
		}
		if res := e.Call(t, e.Token(t, outsider), "GET", att.URL, nil); res.Status != http.StatusNotFound {
			t.Fatalf("outsider download: %d", res.Status)
		}
	})
}

// sendMail speaks plain SMTP to addr, as an MTA relaying to an MX would.
func sendMail(addr, from string, to []string, r io.Reader) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SendMail(from, to, r); err != nil {
		return err
	}
	return c.Quit()
}
