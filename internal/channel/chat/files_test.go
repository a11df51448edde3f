package chat_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/parley-hq/parley/internal/channel/channeltest"
	"github.com/parley-hq/parley/internal/channel/chat"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
)

type part struct{ name, filename, contentType, data string }

// form builds a multipart/form-data body.
func form(parts ...part) ([]byte, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		if p.filename != "" {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, p.name, p.filename))
			h.Set("Content-Type", p.contentType)
		} else {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, p.name))
		}
		pw, _ := w.CreatePart(h)
		pw.Write([]byte(p.data))
	}
	w.Close()
	return b.Bytes(), w.FormDataContentType()
}

func TestFilesGoBothWaysAndOnlyToTheirReaders(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		agent := e.User(t, "ana@parley.test", model.RoleAgent)
		tok := e.Token(t, agent)
		outsider := e.Token(t, e.User(t, "olga@parley.test", model.RoleAgent)) // not a member of the chat inbox
		s := &site{e: e, agent: agent, tok: tok}
		s.inbox = channeltest.Inbox(t, e, "Website chat", model.ChannelChat, map[string]any{"widget_key": key, "max_attachment_bytes": 2048}, agent)
		vera := s.start(t, map[string]any{"name": "Vera"})
		bo := s.start(t, map[string]any{"name": "Bo"})
		bo1 := s.send(t, bo.Token, "Hi from Bo")

		photo := "\x89PNG fake image <script>alert(1)</script>"
		body, ct := form(part{name: "body", data: "Here is the broken part"}, part{name: "file", filename: "../../etc/photo.png", contentType: "image/png", data: photo})
		r := e.Call(t, "", "POST", "/widget/messages", body, "X-Parley-Visitor", vera.Token, "Content-Type", ct)
		if r.Status != http.StatusCreated {
			t.Fatalf("visitor upload: %d %s", r.Status, r.Body)
		}
		var sent chat.Message
		r.Decode(t, &sent)
		if sent.Body != "Here is the broken part" || len(sent.Attachments) != 1 || sent.Attachments[0].Filename != "photo.png" ||
			sent.Attachments[0].Size != int64(len(photo)) || sent.Attachments[0].URL != chat.FileURL(sent.Attachments[0].ID) {
			t.Fatalf("sent %+v", sent)
		}
		fileID := sent.Attachments[0].ID

		// The agent sees it on the message and downloads it, never rendered.
		var page struct{ Items []model.Message }
		e.Call(t, tok, "GET", fmt.Sprintf("/api/v1/conversations/%d/messages", sent.ConversationID), nil).Decode(t, &page)
		last := page.Items[len(page.Items)-1]
		if len(last.Attachments) != 1 || last.Attachments[0].URL != fmt.Sprintf("/api/v1/attachments/%d", fileID) {
			t.Fatalf("agent sees %+v", last)
		}
		dl := e.Call(t, tok, "GET", last.Attachments[0].URL, nil)
		if dl.Status != 200 || string(dl.Body) != photo || dl.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("agent download: %d %v", dl.Status, dl.Header)
		}
		if r := e.Call(t, outsider, "GET", last.Attachments[0].URL, nil); r.Status != 404 {
			t.Fatalf("an agent outside the inbox downloads: %d", r.Status)
		}
		// The visitor downloads their own file; another visitor cannot.
		if r := e.Call(t, "", "GET", chat.FileURL(fileID), nil, "X-Parley-Visitor", vera.Token); r.Status != 200 || string(r.Body) != photo ||
			r.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(r.Header.Get("Content-Disposition"), "photo.png") {
			t.Fatalf("visitor download: %d %v", r.Status, r.Header)
		}
		if r := e.Call(t, "", "GET", chat.FileURL(fileID), nil, "X-Parley-Visitor", bo.Token); r.Status != 404 {
			t.Fatalf("another visitor downloads: %d", r.Status)
		}
		if r := e.Call(t, "", "GET", chat.FileURL(fileID), nil); r.Status != 401 {
			t.Fatalf("no token: %d", r.Status)
		}

		// The agent answers with a file from the composer (multipart): the
		// visitor sees it; a file on an internal note never reaches them.
		body, ct = form(part{name: "body", data: "Your invoice"}, part{name: "file", filename: "invoice.pdf", contentType: "application/pdf", data: "%PDF-1.4 invoice"})
		r = e.Call(t, tok, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", sent.ConversationID), body, "Content-Type", ct)
		if r.Status != http.StatusCreated {
			t.Fatalf("agent upload: %d %s", r.Status, r.Body)
		}
		body, ct = form(part{name: "kind", data: "note"}, part{name: "file", filename: "internal.txt", contentType: "text/plain", data: "for agents"})
		r = e.Call(t, tok, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", sent.ConversationID), body, "Content-Type", ct)
		if r.Status != http.StatusCreated {
			t.Fatalf("agent note upload: %d %s", r.Status, r.Body)
		}
		var note model.Message
		r.Decode(t, &note)
		h := s.history(t, vera.Token)
		got := h.Items[len(h.Items)-1]
		if got.From != "agent" || got.Body != "Your invoice" || len(got.Attachments) != 1 || got.Attachments[0].Filename != "invoice.pdf" {
			t.Fatalf("visitor sees %+v", h.Items)
		}
		if r := e.Call(t, "", "GET", got.Attachments[0].URL, nil, "X-Parley-Visitor", vera.Token); r.Status != 200 || string(r.Body) != "%PDF-1.4 invoice" {
			t.Fatalf("visitor downloads the agent's file: %d", r.Status)
		}
		var noteFile int64
		e.Call(t, tok, "GET", fmt.Sprintf("/api/v1/conversations/%d/messages", sent.ConversationID), nil).Decode(t, &page)
		for _, m := range page.Items {
			if m.ID == note.ID && len(m.Attachments) == 1 {
				noteFile = m.Attachments[0].ID
			}
		}
		if noteFile == 0 {
			t.Fatal("the note's file is not on the note")
		}
		if r := e.Call(t, "", "GET", chat.FileURL(noteFile), nil, "X-Parley-Visitor", vera.Token); r.Status != 404 {
			t.Fatalf("the visitor downloads an internal note's file: %d", r.Status)
		}

		// Bad uploads are refused whole, and store nothing.
		before := len(s.history(t, vera.Token).Items)
		big := strings.Repeat("x", 2049)
		for _, bad := range []struct {
			name  string
			parts []part
			want  int
		}{
			{"too big", []part{{name: "file", filename: "big.bin", contentType: "application/octet-stream", data: big}}, 413},
			{"no file", []part{{name: "body", data: "just text"}}, 400},
			{"empty file", []part{{name: "file", filename: "empty.txt", contentType: "text/plain", data: ""}}, 400},
			{"unknown field", []part{{name: "status", data: "resolved"}, {name: "file", filename: "a.txt", contentType: "text/plain", data: "a"}}, 400},
		} {
			body, ct := form(bad.parts...)
			if r := e.Call(t, "", "POST", "/widget/messages", body, "X-Parley-Visitor", vera.Token, "Content-Type", ct); r.Status != bad.want ||
				!strings.Contains(string(r.Body), `"error"`) {
				t.Errorf("%s: %d %s", bad.name, r.Status, r.Body)
			}
		}
		if r := e.Call(t, "", "POST", "/widget/messages", "--x\r\nbroken", "X-Parley-Visitor", vera.Token, "Content-Type", "multipart/form-data; boundary=x"); r.Status != 400 {
			t.Errorf("broken form: %d %s", r.Status, r.Body)
		}
		body, ct = form(part{name: "file", filename: "a.txt", contentType: "text/plain", data: "a"})
		if r := e.Call(t, "", "POST", "/widget/messages", body, "X-Parley-Visitor", "pv_not-a-token", "Content-Type", ct); r.Status != 401 {
			t.Errorf("unknown visitor uploads: %d", r.Status)
		}
		body, ct = form(part{name: "file", filename: "big.bin", contentType: "application/octet-stream", data: big})
		if r := e.Call(t, tok, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", sent.ConversationID), body, "Content-Type", ct); r.Status != 413 {
			t.Errorf("agent uploads too big: %d %s", r.Status, r.Body)
		}
		body, ct = form(part{name: "file", filename: "a.txt", contentType: "text/plain", data: "a"})
		if r := e.Call(t, outsider, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", bo1.ConversationID), body, "Content-Type", ct); r.Status != 404 {
			t.Errorf("agent outside the inbox uploads: %d %s", r.Status, r.Body)
		}
		// Outside chat a reply's file would never reach the customer: it is
		// refused; a note may carry one.
		apiInbox := channeltest.Inbox(t, e, "Bridge", model.ChannelAPI, nil, agent)
		other, err := e.Conversations.Create(testutil.Ctx(), model.System, conversation.CreateRequest{InboxID: apiInbox.ID,
			Contact: contact.Ref{Email: "kim@example.com"}, Subject: "Hi", Message: conversation.MessageRequest{Body: "Hi", Direction: "incoming"}})
		testutil.NoErr(t, err)
		body, ct = form(part{name: "body", data: "See attached"}, part{name: "file", filename: "a.txt", contentType: "text/plain", data: "a"})
		if r := e.Call(t, tok, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", other.ID), body, "Content-Type", ct); r.Status != 400 ||
			!strings.Contains(string(r.Body), "chat inboxes only") {
			t.Errorf("a file on an API inbox's reply: %d %s", r.Status, r.Body)
		}
		body, ct = form(part{name: "kind", data: "note"}, part{name: "file", filename: "a.txt", contentType: "text/plain", data: "a"})
		if r := e.Call(t, tok, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", other.ID), body, "Content-Type", ct); r.Status != 201 {
			t.Errorf("a file on an API inbox's note: %d %s", r.Status, r.Body)
		}
		if after := len(s.history(t, vera.Token).Items); after != before {
			t.Fatalf("refused uploads left %d messages", after-before)
		}
	})
}
