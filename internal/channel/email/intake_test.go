package email_test

import (
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/channel/email"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
)

const inboxAddress = "support@acme.test"

func emailInbox(t *testing.T, e *testutil.Env, settings string, members ...model.Actor) int64 {
	t.Helper()
	if settings == "" {
		settings = `{"address":"` + inboxAddress + `"}`
	}
	in, err := e.Accounts.CreateInbox(testutil.Ctx(), model.System, account.InboxCreateRequest{Name: "Support", Channel: model.ChannelEmail, Settings: []byte(settings)})
	testutil.NoErr(t, err)
	for _, m := range members {
		_, err := e.Accounts.AddInboxMember(testutil.Ctx(), model.System, in.ID, m.UserID)
		testutil.NoErr(t, err)
	}
	return in.ID
}

type mail struct {
	from, to, subject, id, inReplyTo, body string
}

func (m mail) raw() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n", m.from, m.to, m.subject)
	if m.id != "" {
		fmt.Fprintf(&b, "Message-ID: <%s>\r\n", m.id)
	}
	if m.inReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", m.inReplyTo, m.inReplyTo)
	}
	fmt.Fprintf(&b, "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", m.body)
	return []byte(b.String())
}

func ingest(t *testing.T, e *testutil.Env, inbox int64, raw []byte) (email.Outcome, model.Message) {
	t.Helper()
	out, msg, err := e.Email.Ingest(testutil.Ctx(), inbox, raw, nil)
	testutil.NoErr(t, err)
	return out, msg
}

func messages(t *testing.T, e *testutil.Env, convID int64) []model.Message {
	t.Helper()
	msgs, err := e.Conversations.Messages(testutil.Ctx(), model.System, convID, 0, 100)
	testutil.NoErr(t, err)
	return msgs
}

func TestIngestStoresEachMessageOnce(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		inbox := emailInbox(t, e, "")
		for _, name := range []string{"gmail_plain.eml", "broken_headers.eml"} {
			raw, err := os.ReadFile("testdata/" + name)
			testutil.NoErr(t, err)
			out, first := ingest(t, e, inbox, raw)
			if out != email.Stored {
				t.Fatalf("%s: first intake %s", name, out)
			}
			for range 2 {
				if out, _ := ingest(t, e, inbox, raw); out != email.Duplicate {
					t.Fatalf("%s: repeat intake %s, want duplicate", name, out)
				}
			}
			if msgs := messages(t, e, first.ConversationID); len(msgs) != 1 {
				t.Fatalf("%s: %d messages, want 1", name, len(msgs))
			}
		}
		// The same Message-ID in another inbox is another inbox's copy.
		other := emailInbox(t, e, `{"address":"sales@acme.test"}`)
		raw, _ := os.ReadFile("testdata/gmail_plain.eml")
		if out, _ := ingest(t, e, other, raw); out != email.Stored {
			t.Fatalf("other inbox: %s", out)
		}
	})
}

func TestIngestContentAndContact(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		inbox := emailInbox(t, e, `{"address":"support@acme.test","max_attachment_bytes":100000}`)
		raw, _ := os.ReadFile("testdata/huge_attachment.eml")
		_, msg := ingest(t, e, inbox, raw)
		c, err := e.Conversations.Get(testutil.Ctx(), model.System, msg.ConversationID)
		testutil.NoErr(t, err)
		if c.Subject != "Full server log" || c.Contact.Email != "uma@patel.example" || c.Contact.Name != "Uma Patel" || c.Status != model.StatusNew {
			t.Fatalf("conversation %+v", c)
		}
		m := messages(t, e, c.ID)[0]
		if m.Email == nil || len(m.Email.Attachments) != 2 {
			t.Fatalf("email details %+v", m.Email)
		}
		big, small := m.Email.Attachments[0], m.Email.Attachments[1]
		if big.Stored || big.URL != "" || big.Size != 300000 || !small.Stored || small.URL == "" {
			t.Fatalf("attachments %+v %+v", big, small)
		}

		raw, _ = os.ReadFile("testdata/autoreply_outlook.eml")
		_, auto := ingest(t, e, inbox, raw)
		if got := messages(t, e, auto.ConversationID); !got[len(got)-1].Auto || got[len(got)-1].Email.AutoReason == "" {
			t.Fatalf("auto-reply not marked: %+v", got[len(got)-1])
		}
	})
}

func TestThreading(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		// Jobs do not run here: replies stay queued, with their Message-IDs.
		inbox := emailInbox(t, e, `{"address":"support@acme.test","smtp":{"host":"127.0.0.1","port":1,"tls":"none"}}`)
		admin := e.User(t, "admin@acme.test", model.RoleAdmin)
		_, first := ingest(t, e, inbox, mail{from: "Ana <ana@example.com>", to: inboxAddress, subject: "Kettle broken", id: "a1@example.com", body: "It broke."}.raw())
		conv := first.ConversationID

		// An agent's reply gets its own Message-ID, which the customer's
		// client puts in In-Reply-To, whatever the subject says.
		_, err := e.Conversations.AddMessage(testutil.Ctx(), admin, conv, conversation.MessageRequest{Body: "Sorry to hear that."})
		testutil.NoErr(t, err)
		msgs := messages(t, e, conv)
		reply := msgs[len(msgs)-1]
		if reply.Email == nil || reply.Delivery == nil || reply.Delivery.Status != "queued" || !strings.HasPrefix(reply.Email.MessageID, "parley.") {
			t.Fatalf("outgoing reply: %+v %+v", reply.Email, reply.Delivery)
		}
		if reply.Email.Subject != "Re: Kettle broken [#"+fmt.Sprint(conv)+"]" {
			t.Fatalf("reply subject %q", reply.Email.Subject)
		}
		token := fmt.Sprintf("[#%d]", conv)
		other := emailInbox(t, e, `{"address":"sales@acme.test"}`)
		_ = other
		cases := []struct {
			name string
			m    mail
			same bool
		}{
			{"in-reply-to with a new subject", mail{from: "ana@example.com", to: inboxAddress, subject: "totally different", id: "a2@example.com", inReplyTo: reply.Email.MessageID, body: "Thanks"}, true},
			{"in-reply-to the customer's own first mail", mail{from: "ana@example.com", to: inboxAddress, subject: "again", id: "a3@example.com", inReplyTo: "a1@example.com", body: "More"}, true},
			{"subject token from the same contact", mail{from: "ana@example.com", to: inboxAddress, subject: "Re: " + token + " hello", id: "a4@example.com", body: "Token"}, true},
			{"reply address from the same contact", mail{from: "ana@example.com", to: email.ReplyAddress(inboxAddress, conv), subject: "hi", id: "a5@example.com", body: "Addr"}, true},
			{"subject token from someone else", mail{from: "mallory@example.com", to: inboxAddress, subject: "Re: " + token, id: "m1@example.com", body: "Let me in"}, false},
			{"no threading clue", mail{from: "ana@example.com", to: inboxAddress, subject: "Kettle broken", id: "a6@example.com", body: "New topic"}, false},
		}
		for _, tc := range cases {
			out, msg := ingest(t, e, inbox, tc.m.raw())
			if out != email.Stored {
				t.Fatalf("%s: %s", tc.name, out)
			}
			if (msg.ConversationID == conv) != tc.same {
				t.Errorf("%s: landed in %d, conversation is %d, want same=%v", tc.name, msg.ConversationID, conv, tc.same)
			}
		}

		// Our own outgoing mail coming back (a mailing list, a forwarding
		// loop) is ignored.
		own := mail{from: inboxAddress, to: inboxAddress, subject: "loop", id: reply.Email.MessageID, body: "echo"}
		if out, _ := ingest(t, e, inbox, own.raw()); out != email.Duplicate {
			t.Fatalf("own message came back: %s", out)
		}

		// A merged-away conversation routes to its target.
		_, target := ingest(t, e, inbox, mail{from: "ana@example.com", to: inboxAddress, subject: "Other", id: "b1@example.com", body: "Other"}.raw())
		_, err = e.Conversations.Merge(testutil.Ctx(), admin, conv, target.ConversationID)
		testutil.NoErr(t, err)
		_, late := ingest(t, e, inbox, mail{from: "ana@example.com", to: inboxAddress, subject: "Re: Kettle", id: "a7@example.com", inReplyTo: "a1@example.com", body: "Late"}.raw())
		if late.ConversationID != target.ConversationID {
			t.Fatalf("reply to merged conversation landed in %d, want %d", late.ConversationID, target.ConversationID)
		}
	})
}

// smtpSink is an in-process SMTP server that keeps what it receives, or
// refuses it while failing is set.
type smtpSink struct {
	got chan []byte
	// refuse, when set, is the SMTP code every recipient is refused with.
	refuse int
}

func (s *smtpSink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s}, nil }

type sinkSession struct{ s *smtpSink }

func (x *sinkSession) Reset()                               {}
func (x *sinkSession) Logout() error                        { return nil }
func (x *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (x *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if x.s.refuse != 0 {
		return &smtp.SMTPError{Code: x.s.refuse, Message: "mailbox unavailable"}
	}
	return nil
}
func (x *sinkSession) Data(r io.Reader) error {
	b, _ := io.ReadAll(r)
	x.s.got <- b
	return nil
}

func startSink(t *testing.T) (*smtpSink, int) {
	t.Helper()
	sink := &smtpSink{got: make(chan []byte, 10)}
	srv := smtp.NewServer(sink)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	testutil.NoErr(t, err)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return sink, ln.Addr().(*net.TCPAddr).Port
}

func TestRepliesGoOutBySMTP(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		sink, port := startSink(t)
		inbox := emailInbox(t, e, fmt.Sprintf(`{"address":"support@acme.test","from_name":"Acme Support","smtp":{"host":"127.0.0.1","port":%d,"tls":"none"}}`, port))
		admin := e.User(t, "admin@acme.test", model.RoleAdmin)
		_, first := ingest(t, e, inbox, mail{from: "Ana <ana@example.com>", to: inboxAddress, subject: "Kettle broken", id: "a1@example.com", body: "It broke."}.raw())
		e.StartJobs(t)
		msg, err := e.Conversations.AddMessage(testutil.Ctx(), admin, first.ConversationID, conversation.MessageRequest{Body: "We will send a new one — today."})
		testutil.NoErr(t, err)
		var sent []byte
		select {
		case sent = <-sink.got:
		case <-time.After(10 * time.Second):
			t.Fatal("no mail reached the SMTP server")
		}
		p, err := email.Parse(sent, email.ParseOptions{})
		testutil.NoErr(t, err)
		if p.InReplyTo[0] != "a1@example.com" || p.Subject != fmt.Sprintf("Re: Kettle broken [#%d]", first.ConversationID) ||
			!strings.Contains(p.Text, "new one — today") || p.FromEmail != inboxAddress || !strings.HasPrefix(p.MessageID, "parley.") {
			t.Fatalf("sent mail: %+v", p)
		}
		if !strings.Contains(string(sent), "Reply-To: "+email.ReplyAddress(inboxAddress, first.ConversationID)) {
			t.Fatalf("no reply address in:\n%s", sent)
		}
		waitDelivery(t, e, first.ConversationID, msg.ID, "sent")
		events, err := e.Conversations.Events(testutil.Ctx(), model.System, first.ConversationID, 0, 100)
		testutil.NoErr(t, err)
		if last := events[len(events)-1]; last.Action != "email.delivery" || !strings.Contains(string(last.After), `"status":"sent"`) {
			t.Fatalf("no delivery event on the timeline: %+v", last)
		}

		// The customer's answer threads by the headers we sent.
		_, answer := ingest(t, e, inbox, mail{from: "ana@example.com", to: inboxAddress, subject: "Re: whatever", id: "a2@example.com", inReplyTo: p.MessageID, body: "Great"}.raw())
		if answer.ConversationID != first.ConversationID {
			t.Fatalf("answer landed in %d", answer.ConversationID)
		}
	})
}

func TestReplyFailureShowsOnTheMessage(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		sink, port := startSink(t)
		sink.refuse = 550
		inbox := emailInbox(t, e, fmt.Sprintf(`{"address":"support@acme.test","smtp":{"host":"127.0.0.1","port":%d,"tls":"none"}}`, port))
		plain := emailInbox(t, e, `{"address":"sales@acme.test"}`) // no SMTP: replies are only recorded
		admin := e.User(t, "admin@acme.test", model.RoleAdmin)
		_, first := ingest(t, e, inbox, mail{from: "ana@example.com", to: inboxAddress, subject: "Hi", id: "a1@example.com", body: "Hi"}.raw())
		_, other := ingest(t, e, plain, mail{from: "ana@example.com", to: "sales@acme.test", subject: "Hi", id: "s1@example.com", body: "Hi"}.raw())
		e.StartJobs(t)
		msg, err := e.Conversations.AddMessage(testutil.Ctx(), admin, first.ConversationID, conversation.MessageRequest{Body: "Hello"})
		testutil.NoErr(t, err)
		d := waitDelivery(t, e, first.ConversationID, msg.ID, "failed")
		if !strings.Contains(d.Error, "550") || d.Attempts != 1 {
			t.Fatalf("a permanent refusal: %+v", d)
		}
		_, err = e.Conversations.AddMessage(testutil.Ctx(), admin, other.ConversationID, conversation.MessageRequest{Body: "Hello"})
		testutil.NoErr(t, err)
		if m := messages(t, e, other.ConversationID); m[len(m)-1].Delivery != nil {
			t.Fatalf("a reply in an inbox without SMTP claims a delivery: %+v", m[len(m)-1].Delivery)
		}
	})
}

func waitDelivery(t *testing.T, e *testutil.Env, convID, msgID int64, want string) model.Delivery {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, m := range messages(t, e, convID) {
			if m.ID == msgID && m.Delivery != nil && m.Delivery.Status == want {
				return *m.Delivery
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %d never reached delivery status %s: %+v", msgID, want, messages(t, e, convID))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
