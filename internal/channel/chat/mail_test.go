package chat_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/channel/channeltest"
	"github.com/parley-hq/parley/internal/channel/chat"
	"github.com/parley-hq/parley/internal/channel/email"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
)

// nextMail waits for the next mail the sink receives and parses it.
func nextMail(t *testing.T, box *testutil.MailSink) *email.Parsed {
	t.Helper()
	select {
	case m := <-box.Arrived():
		p, err := email.Parse(m.Raw, email.ParseOptions{})
		testutil.NoErr(t, err)
		return p
	case <-time.After(15 * time.Second):
		t.Fatal("no mail reached the SMTP server")
	}
	return nil
}

func waitStatus(t *testing.T, e *testutil.Env, convID, msgID int64, want string) model.Delivery {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		msgs, err := e.Conversations.Messages(testutil.Ctx(), model.System, convID, 0, 100)
		testutil.NoErr(t, err)
		for _, m := range msgs {
			if m.ID == msgID && m.Delivery != nil && m.Delivery.Status == want {
				return *m.Delivery
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %d never reached delivery status %s", msgID, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func inboundMail(from, to, subject, id, inReplyTo, body string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <%s>\r\n", from, to, subject, id)
	if inReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", inReplyTo, inReplyTo)
	}
	fmt.Fprintf(&b, "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", body)
	return []byte(b.String())
}

// A visitor who left the page gets the answer by mail from the email inbox
// the chat inbox names; their emailed answer lands back in the same chat,
// by its headers or, when a client drops them, by the reply address.
func TestAnswerToAVisitorWhoLeftGoesByEmailAndTheirAnswerThreadsBack(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		box, port := testutil.StartMailSink(t)
		agent := e.User(t, "ana@parley.test", model.RoleAgent)
		tok := e.Token(t, agent)
		settings, _ := json.Marshal(map[string]any{"address": "help@acme.test", "from_name": "Acme",
			"smtp": map[string]any{"host": "127.0.0.1", "port": port, "tls": "none"}})
		mailInbox, err := e.Accounts.CreateInbox(testutil.Ctx(), model.System, account.InboxCreateRequest{Name: "Mail", Channel: model.ChannelEmail, Settings: settings})
		testutil.NoErr(t, err)
		s := &site{e: e, agent: agent, tok: tok}
		s.inbox = channeltest.Inbox(t, e, "Website chat", model.ChannelChat, map[string]any{"widget_key": key, "email_inbox_id": mailInbox.ID}, agent)
		e.StartJobs(t)

		v := s.start(t, map[string]any{"name": "Sam", "email": "sam@example.com"})
		m := s.send(t, v.Token, "My order never came")
		s.reply(t, m.ConversationID, "Looking into it now", "reply") // read live: no mail
		e.Clock.Advance(chat.OnlineWindow + time.Second)
		s.reply(t, m.ConversationID, "Found it: it ships today.", "reply")

		got := nextMail(t, box)
		if got.FromEmail != "help@acme.test" || strings.Join(got.To, ",") != "sam@example.com" ||
			!strings.Contains(got.Text, "it ships today") || strings.Contains(got.Text, "Looking into it") ||
			!strings.Contains(got.Subject, fmt.Sprintf("[#%d]", m.ConversationID)) || got.MessageID == "" {
			t.Fatalf("mailed answer: from %q to %v subject %q text %q", got.FromEmail, got.To, got.Subject, got.Text)
		}
		msgs, err := e.Conversations.Messages(testutil.Ctx(), model.System, m.ConversationID, 0, 100)
		testutil.NoErr(t, err)
		answer := msgs[len(msgs)-1]
		if answer.Body != "Found it: it ships today." {
			t.Fatalf("last message %q", answer.Body)
		}
		waitStatus(t, e, m.ConversationID, answer.ID, "sent")
		if msgs[len(msgs)-2].Delivery != nil {
			t.Fatalf("the live answer claims a mail delivery: %+v", msgs[len(msgs)-2].Delivery)
		}
		select {
		case extra := <-box.Arrived():
			t.Fatalf("a second mail went out:\n%s", extra.Raw)
		case <-time.After(300 * time.Millisecond):
		}

		// Sam answers from their mail client: the chat continues, and the
		// widget shows it when Sam comes back.
		_, in, err := e.Email.Ingest(testutil.Ctx(), mailInbox.ID,
			inboundMail("Sam <sam@example.com>", "help@acme.test", "Re: "+got.Subject, "sam1@example.com", got.MessageID, "Thanks, got the tracking number."), nil)
		testutil.NoErr(t, err)
		if in.ConversationID != m.ConversationID {
			t.Fatalf("emailed answer landed in conversation %d, want %d", in.ConversationID, m.ConversationID)
		}
		// A client that drops the headers still threads by the reply address.
		_, in2, err := e.Email.Ingest(testutil.Ctx(), mailInbox.ID,
			inboundMail("sam@example.com", email.ReplyAddress("help@acme.test", m.ConversationID), "one more thing", "sam2@example.com", "", "Can you gift-wrap it?"), nil)
		testutil.NoErr(t, err)
		if in2.ConversationID != m.ConversationID {
			t.Fatalf("reply-address answer landed in conversation %d, want %d", in2.ConversationID, m.ConversationID)
		}
		h := s.history(t, v.Token)
		if got := bodies(h); !strings.HasSuffix(got, "|visitor:Thanks, got the tracking number.|visitor:Can you gift-wrap it?") {
			t.Fatalf("widget history %q", got)
		}
		// Someone else writing to the reply address opens a new conversation.
		_, other, err := e.Email.Ingest(testutil.Ctx(), mailInbox.ID,
			inboundMail("mallory@example.com", email.ReplyAddress("help@acme.test", m.ConversationID), "hi", "m1@example.com", "", "Let me in"), nil)
		testutil.NoErr(t, err)
		if other.ConversationID == m.ConversationID {
			t.Fatal("a stranger wrote into the chat through its reply address")
		}
	})
}

// A chat inbox naming an email inbox that cannot send says so on the
// message; one naming something else logs why in its delivery log.
func TestMailedAnswerFailuresShow(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		agent := e.User(t, "ana@parley.test", model.RoleAgent)
		tok := e.Token(t, agent)
		noSMTP, err := e.Accounts.CreateInbox(testutil.Ctx(), model.System, account.InboxCreateRequest{Name: "Mail", Channel: model.ChannelEmail, Settings: []byte(`{"address":"help@acme.test"}`)})
		testutil.NoErr(t, err)
		s := &site{e: e, agent: agent, tok: tok}
		s.inbox = channeltest.Inbox(t, e, "Website chat", model.ChannelChat, map[string]any{"widget_key": key, "email_inbox_id": noSMTP.ID}, agent)
		v := s.start(t, map[string]any{"name": "Sam", "email": "sam@example.com"})
		m := s.send(t, v.Token, "Hello?")
		e.Clock.Advance(chat.OnlineWindow + time.Second)
		s.reply(t, m.ConversationID, "Hello by mail", "reply")
		msgs, err := e.Conversations.Messages(testutil.Ctx(), model.System, m.ConversationID, 0, 100)
		testutil.NoErr(t, err)
		if d := msgs[len(msgs)-1].Delivery; d == nil || d.Status != "failed" || !strings.Contains(d.Error, "SMTP") {
			t.Fatalf("delivery on the message: %+v", d)
		}

		other := channeltest.Inbox(t, e, "Other chat", model.ChannelChat, map[string]any{"widget_key": "k2", "email_inbox_id": s.inbox.ID}, agent)
		r := e.Call(t, "", "POST", "/widget/sessions", map[string]any{"key": "k2", "email": "kim@example.com"})
		var sess chat.Session
		r.Decode(t, &sess)
		m2 := s.send(t, sess.Token, "Hi")
		e.Clock.Advance(chat.OnlineWindow + time.Second)
		s.reply(t, m2.ConversationID, "Answer", "reply")
		ds, err := e.Store.ListDeliveries(testutil.Ctx(), other.ID, 0, 10)
		testutil.NoErr(t, err)
		if len(ds) != 1 || ds[0].Status != "failed" || !strings.Contains(ds[0].LastError, "email_inbox_id does not name an email inbox") {
			t.Fatalf("deliveries %+v", ds)
		}
	})
}
