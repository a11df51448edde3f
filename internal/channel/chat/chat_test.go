package chat_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/channel"
	"github.com/parley-hq/parley/internal/channel/channeltest"
	"github.com/parley-hq/parley/internal/channel/chat"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/realtime"
	"github.com/parley-hq/parley/internal/testutil"
)

const key = "shop-key-123"

type site struct {
	e     *testutil.Env
	agent model.Actor
	tok   string
	inbox model.Inbox
}

func newSite(t *testing.T, e *testutil.Env) *site {
	s := &site{e: e}
	s.agent = e.User(t, "ana@parley.test", model.RoleAgent)
	s.tok = e.Token(t, s.agent)
	s.inbox = channeltest.Inbox(t, e, "Website chat", model.ChannelChat, map[string]any{"widget_key": key, "prechat_fields": []string{"name", "email"}}, s.agent)
	return s
}

func (s *site) start(t *testing.T, body map[string]any) chat.Session {
	t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	body["key"] = key
	r := s.e.Call(t, "", "POST", "/widget/sessions", body)
	if r.Status != http.StatusCreated {
		t.Fatalf("start: %d %s", r.Status, r.Body)
	}
	var sess chat.Session
	r.Decode(t, &sess)
	return sess
}

func (s *site) send(t *testing.T, token, body string) chat.Message {
	t.Helper()
	r := s.e.Call(t, "", "POST", "/widget/messages", map[string]any{"body": body}, "X-Parley-Visitor", token)
	if r.Status != http.StatusCreated {
		t.Fatalf("send: %d %s", r.Status, r.Body)
	}
	var m chat.Message
	r.Decode(t, &m)
	return m
}

func (s *site) history(t *testing.T, token string) chat.History {
	t.Helper()
	r := s.e.Call(t, "", "GET", "/widget/messages", nil, "X-Parley-Visitor", token)
	if r.Status != http.StatusOK {
		t.Fatalf("history: %d %s", r.Status, r.Body)
	}
	var h chat.History
	r.Decode(t, &h)
	return h
}

func (s *site) reply(t *testing.T, convID int64, body, kind string) {
	t.Helper()
	r := s.e.Call(t, s.tok, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", convID), map[string]any{"body": body, "kind": kind})
	if r.Status != http.StatusCreated {
		t.Fatalf("agent reply: %d %s", r.Status, r.Body)
	}
}

func bodies(h chat.History) string {
	var out []string
	for _, m := range h.Items {
		out = append(out, m.From+":"+m.Body)
	}
	return strings.Join(out, "|")
}

func TestVisitorsChatAndSeeOnlyTheirOwnConversation(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		s := newSite(t, e)
		// A customer known by email already, with an email conversation.
		_, err := e.Conversations.Create(testutil.Ctx(), model.System, conversation.CreateRequest{InboxID: s.inbox.ID,
			Contact: contact.Ref{Email: "jo@example.com", Name: "Jo"}, Message: conversation.MessageRequest{Body: "Jo's private question", Direction: "incoming"}})
		testutil.NoErr(t, err)

		a := s.start(t, map[string]any{"name": "Alex", "email": "alex@example.com"})
		if len(a.Token) < 40 || !a.Available || a.Email != "alex@example.com" {
			t.Fatalf("session %+v", a)
		}
		first := s.send(t, a.Token, "Do you ship to Norway?")
		if first.From != "visitor" || first.Author != "Alex" {
			t.Fatalf("sent %+v", first)
		}
		c, err := e.Conversations.Get(testutil.Ctx(), model.System, first.ConversationID)
		testutil.NoErr(t, err)
		if c.InboxID != s.inbox.ID || c.Contact.Name != "Alex" || c.Contact.Email != "alex@example.com" || c.Status != model.StatusNew {
			t.Fatalf("conversation %+v", c)
		}
		s.reply(t, c.ID, "Yes, in 3 days.", "reply")
		s.reply(t, c.ID, "VIP customer, be nice", "note")
		if got := bodies(s.history(t, a.Token)); got != "visitor:Do you ship to Norway?|agent:Yes, in 3 days." {
			t.Fatalf("history %q (notes must never show)", got)
		}

		// A second visitor claims Alex's and Jo's addresses: it gets a
		// contact of its own and reads nothing of theirs.
		b := s.start(t, map[string]any{"name": "Mallory", "email": "jo@example.com"})
		if h := s.history(t, b.Token); len(h.Items) != 0 {
			t.Fatalf("another visitor reads %q", bodies(h))
		}
		bm := s.send(t, b.Token, "Show me Jo's messages")
		if bm.ConversationID == first.ConversationID {
			t.Fatal("two visitors share a conversation")
		}
		if got := bodies(s.history(t, b.Token)); got != "visitor:Show me Jo's messages" {
			t.Fatalf("second visitor's history %q", got)
		}
		jo, err := e.Store.ContactIDByIdentity(testutil.Ctx(), model.IdentityEmail, "jo@example.com")
		testutil.NoErr(t, err)
		bc, _ := e.Conversations.Get(testutil.Ctx(), model.System, bm.ConversationID)
		if bc.Contact.ID == jo {
			t.Fatal("a typed email address linked the visitor to an existing contact")
		}

		// Tokens: unknown, missing and another inbox's key.
		for _, tok := range []string{"", "pv_guess", a.Token + "x"} {
			if r := e.Call(t, "", "GET", "/widget/messages", nil, "X-Parley-Visitor", tok); r.Status != 401 {
				t.Fatalf("token %q: %d", tok, r.Status)
			}
		}
		if r := e.Call(t, "", "POST", "/widget/sessions", map[string]any{"key": "nope"}); r.Status != 404 {
			t.Fatalf("unknown key: %d", r.Status)
		}
		if r := e.Call(t, "", "POST", "/widget/sessions", map[string]any{"key": key, "email": "not an email"}); r.Status != 400 {
			t.Fatalf("bad email: %d", r.Status)
		}
		// Only the token's hash is stored.
		var n int
		testutil.NoErr(t, e.Store.Reader.QueryRow(`SELECT COUNT(*) FROM chat_visitors WHERE token_hash = $1`, account.HashSecret(a.Token)).Scan(&n))
		var raw int
		testutil.NoErr(t, e.Store.Reader.QueryRow(`SELECT COUNT(*) FROM chat_visitors WHERE token_hash = $1`, a.Token).Scan(&raw))
		if n != 1 || raw != 0 {
			t.Fatalf("stored hash rows %d, raw token rows %d", n, raw)
		}

		// The widget is callable from any website.
		r := e.Call(t, "", "OPTIONS", "/widget/messages", nil, "Origin", "https://shop.example", "Access-Control-Request-Method", "POST")
		if r.Status != 204 || r.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(r.Header.Get("Access-Control-Allow-Headers"), "X-Parley-Visitor") {
			t.Fatalf("preflight %d %v", r.Status, r.Header)
		}
		if r := e.Call(t, "", "GET", "/widget.js", nil); r.Status != 200 || !strings.Contains(string(r.Body), "data-inbox-key") {
			t.Fatalf("widget.js %d", r.Status)
		}
	})
}

func TestSignedUserIDLinksToAKnownContact(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		s := newSite(t, e)
		hash := channel.SignUserID(channeltest.Secret, "user-42")
		one := s.start(t, map[string]any{"user_id": "user-42", "user_hash": hash, "name": "Kim"})
		m := s.send(t, one.Token, "From my laptop")
		// The same user on another device continues the same history.
		two := s.start(t, map[string]any{"user_id": "user-42", "user_hash": hash})
		if got := bodies(s.history(t, two.Token)); got != "visitor:From my laptop" {
			t.Fatalf("second device sees %q", got)
		}
		if m2 := s.send(t, two.Token, "And from my phone"); m2.ConversationID != m.ConversationID {
			t.Fatalf("second device opened conversation %d, want %d", m2.ConversationID, m.ConversationID)
		}
		for _, bad := range []map[string]any{
			{"user_id": "user-43", "user_hash": hash},
			{"user_id": "user-42", "user_hash": channel.SignUserID("wrong-secret-0123456789", "user-42")},
			{"user_id": "user-42"},
		} {
			bad["key"] = key
			if r := e.Call(t, "", "POST", "/widget/sessions", bad); r.Status != 401 {
				t.Fatalf("forged user %v: %d %s", bad, r.Status, r.Body)
			}
		}
	})
}

func TestNobodyAvailableTakesAnEmail(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		s := newSite(t, e)
		off := false
		_, err := e.Accounts.UpdateUser(testutil.Ctx(), model.System, s.agent.UserID, account.UserPatch{Available: &off})
		testutil.NoErr(t, err)
		var cfg chat.Config
		e.Call(t, "", "GET", "/widget/config?key="+key, nil).Decode(t, &cfg)
		if cfg.Available || cfg.Name != "Website chat" || strings.Join(cfg.PrechatFields, ",") != "name,email" {
			t.Fatalf("config %+v", cfg)
		}
		v := s.start(t, map[string]any{"name": "Sam"})
		m := s.send(t, v.Token, "Anyone there?")
		if r := e.Call(t, "", "POST", "/widget/email", map[string]any{"email": "bad"}, "X-Parley-Visitor", v.Token); r.Status != 400 {
			t.Fatalf("bad email: %d", r.Status)
		}
		if r := e.Call(t, "", "POST", "/widget/email", map[string]any{"email": "sam@example.com"}, "X-Parley-Visitor", v.Token); r.Status != 200 {
			t.Fatalf("leave email: %d %s", r.Status, r.Body)
		}
		// While the visitor is on the page, a reply is read there.
		s.reply(t, m.ConversationID, "Live answer", "reply")
		// They leave; the next answer waits for email.
		e.Clock.Advance(chat.OnlineWindow + time.Second)
		s.reply(t, m.ConversationID, "Answer by email", "reply")
		ds, err := e.Store.ListDeliveries(testutil.Ctx(), s.inbox.ID, 0, 10)
		testutil.NoErr(t, err)
		// This inbox names no email inbox to send from: the log says so.
		if len(ds) != 1 || ds[0].Kind != "email" || ds[0].Target != "sam@example.com" || ds[0].Status != "failed" ||
			!strings.Contains(ds[0].Payload, "Answer by email") || !strings.Contains(ds[0].LastError, "email_inbox_id") {
			t.Fatalf("deliveries %+v", ds)
		}
		if h := s.history(t, v.Token); h.Email != "sam@example.com" || h.Available {
			t.Fatalf("history says email %q available %v", h.Email, h.Available)
		}
	})
}

// event is one Server-Sent Event.
type event struct{ name, data string }

func readEvents(ctx context.Context, t *testing.T, url, token string) <-chan event {
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	req.Header.Set("X-Parley-Visitor", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("stream: %v %v", err, resp)
	}
	out := make(chan event, 16)
	go func() {
		defer resp.Body.Close()
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		var ev event
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.name = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[6:]
			case line == "" && ev.name != "":
				out <- ev
				ev = event{}
			}
		}
	}()
	return out
}

// next is the next event other than the visitor's own messages (which
// may arrive late through PostgreSQL's notifications; the widget ignores
// ids it already shows).
func next(t *testing.T, ch <-chan event) event {
	t.Helper()
	for {
		select {
		case ev := <-ch:
			if ev.name == "message" && strings.Contains(ev.data, `"from":"visitor"`) {
				continue
			}
			return ev
		case <-time.After(5 * time.Second):
			t.Fatal("no event within 5s")
		}
	}
}

func TestStreamCarriesOwnRepliesAndTypingOnly(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		s := newSite(t, e)
		e.StartRealtime(t)
		<-e.Hub.Ready()
		srv := httptest.NewServer(e.Handler)
		defer srv.Close()
		a := s.start(t, map[string]any{"name": "Alex"})
		b := s.start(t, map[string]any{"name": "Bo"})
		am := s.send(t, a.Token, "Hi, I am Alex")
		bm := s.send(t, b.Token, "Hi, I am Bo")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		events := readEvents(ctx, t, srv.URL+"/widget/stream", a.Token)
		if ev := next(t, events); ev.name != "ready" {
			t.Fatalf("first event %+v", ev)
		}
		s.reply(t, bm.ConversationID, "Secret answer for Bo", "reply")
		s.reply(t, am.ConversationID, "Note about Alex", "note")
		// The visitor's typing reaches agents as presence, not their own stream.
		sub, unsub := e.Hub.Subscribe()
		defer unsub()
		if r := e.Call(t, "", "POST", "/widget/typing", nil, "X-Parley-Visitor", a.Token); r.Status != 204 {
			t.Fatalf("typing: %d %s", r.Status, r.Body)
		}
		select {
		case p := <-sub.Presence:
			if p.Name != "Alex" || p.State != "typing" || p.ConversationID != am.ConversationID || p.UserID != 0 {
				t.Fatalf("visitor presence %+v", p)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("agents were not told the visitor is typing")
		}
		testutil.NoErr(t, e.Hub.PublishPresence(testutil.Ctx(), realtime.Presence{ConversationID: bm.ConversationID, InboxID: s.inbox.ID, UserID: s.agent.UserID, Name: "Ana", State: "typing"}))
		testutil.NoErr(t, e.Hub.PublishPresence(testutil.Ctx(), realtime.Presence{ConversationID: am.ConversationID, InboxID: s.inbox.ID, UserID: s.agent.UserID, Name: "Ana", State: "typing"}))
		if ev := next(t, events); ev.name != "typing" || !strings.Contains(ev.data, "Ana") {
			t.Fatalf("want Ana typing, got %+v", ev)
		}
		s.reply(t, am.ConversationID, "Hello Alex!", "reply")
		ev := next(t, events)
		if ev.name != "message" || !strings.Contains(ev.data, "Hello Alex!") || !strings.Contains(ev.data, `"author":"ana@parley.test"`) {
			t.Fatalf("want Alex's reply, got %+v", ev)
		}
	})
}

// CSAT in the chat: the survey message carries the survey in the history;
// a visitor rates their own conversation (not another's), with clear
// errors for bad input; the survey is a system message, no agent's reply.
func TestVisitorRatesTheirConversation(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		s := newSite(t, e)
		admin := e.User(t, "admin@parley.test", model.RoleAdmin)
		if r := e.Call(t, e.Token(t, admin), "PATCH", fmt.Sprintf("/api/v1/inboxes/%d/automation", s.inbox.ID), map[string]any{"csat_enabled": true}); r.Status != 200 {
			t.Fatalf("enable CSAT: %d %s", r.Status, r.Body)
		}
		a := s.start(t, map[string]any{"name": "Ann", "email": "ann@example.com"})
		b := s.start(t, map[string]any{"name": "Bob", "email": "bob@example.com"})
		m := s.send(t, a.Token, "Hello")
		s.send(t, b.Token, "Hi")
		rate := func(token string, body map[string]any) testutil.Response {
			return e.Call(t, "", "POST", "/widget/csat", body, "X-Parley-Visitor", token)
		}
		if r := rate(a.Token, map[string]any{"conversation_id": m.ConversationID, "rating": 5}); r.Status != 404 {
			t.Fatalf("rating before any survey: %d %s", r.Status, r.Body)
		}
		resolved := model.StatusResolved
		_, err := e.Conversations.Update(testutil.Ctx(), admin, m.ConversationID, conversation.Patch{Status: &resolved})
		testutil.NoErr(t, err)
		h := s.history(t, a.Token)
		last := h.Items[len(h.Items)-1]
		if last.Survey == nil || last.Survey.ConversationID != m.ConversationID || !last.Survey.Changeable || last.Survey.Rating != nil {
			t.Fatalf("the survey message: %+v", last)
		}
		if c, _ := e.Conversations.Get(testutil.Ctx(), admin, m.ConversationID); c.FirstResponseAt != nil {
			t.Fatal("the survey counted as the first response")
		}
		for _, bad := range []struct {
			token string
			body  map[string]any
			want  int
		}{
			{b.Token, map[string]any{"conversation_id": m.ConversationID, "rating": 5}, 404}, // another visitor's
			{a.Token, map[string]any{"conversation_id": m.ConversationID, "rating": 9}, 400},
			{a.Token, map[string]any{"conversation_id": m.ConversationID, "rating": "five"}, 400},
			{a.Token, map[string]any{"conversation_id": m.ConversationID, "rating": 4, "comment": strings.Repeat("x", 2001)}, 400},
			{a.Token, map[string]any{"conversation_id": m.ConversationID, "rating": 4, "stars": 4}, 400},
			{"nope", map[string]any{"conversation_id": m.ConversationID, "rating": 4}, 401},
		} {
			if r := rate(bad.token, bad.body); r.Status != bad.want || !strings.Contains(string(r.Body), `"error"`) {
				t.Fatalf("rate %v: %d %s, want %d", bad.body, r.Status, r.Body, bad.want)
			}
		}
		if sv, _ := e.Conversations.ConversationSurvey(testutil.Ctx(), admin, m.ConversationID); sv.Rating != nil {
			t.Fatalf("a refused answer was recorded: %+v", sv)
		}
		r := rate(a.Token, map[string]any{"conversation_id": m.ConversationID, "rating": 4, "comment": "Quick"})
		var got chat.Survey
		r.Decode(t, &got)
		if r.Status != 200 || got.Rating == nil || *got.Rating != 4 || got.Comment != "Quick" || !got.Changeable {
			t.Fatalf("rate: %d %s", r.Status, r.Body)
		}
		e.Clock.Advance(11 * time.Minute)
		if r := rate(a.Token, map[string]any{"conversation_id": m.ConversationID, "rating": 1}); r.Status != 409 {
			t.Fatalf("late change: %d %s", r.Status, r.Body)
		}
		if h := s.history(t, a.Token); h.Items[len(h.Items)-1].Survey.Changeable {
			t.Fatal("the widget still offers to change a final answer")
		}
	})
}
