package apichannel_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/channel"
	"github.com/parley-hq/parley/internal/channel/channeltest"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
	"github.com/parley-hq/parley/internal/testutil"
)

func msgPath(inbox int64) string { return fmt.Sprintf("/channels/api/%d/messages", inbox) }

func message(sender, id, thread, body string) map[string]any {
	m := map[string]any{"sender": map[string]any{"external_id": sender, "name": "User " + sender}, "message_id": id, "body": body}
	if thread != "" {
		m["conversation_id"] = thread
	}
	return m
}

type result struct {
	MessageID      int64 `json:"message_id"`
	ConversationID int64 `json:"conversation_id"`
	ContactID      int64 `json:"contact_id"`
	Duplicate      bool  `json:"duplicate"`
}

func TestInboundMessages(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		admin := e.User(t, "admin@parley.test", model.RoleAdmin)
		tok := e.Token(t, admin)
		in := channeltest.Inbox(t, e, "Messenger", model.ChannelAPI, nil)
		other := channeltest.Inbox(t, e, "Telegram", model.ChannelAPI, nil)
		post := func(inbox int64, body any) testutil.Response {
			return channeltest.Post(t, e, channeltest.Secret, msgPath(inbox), body)
		}

		var first result
		r := post(in.ID, message("u42", "m1", "", "Hello from Messenger"))
		if r.Status != http.StatusCreated {
			t.Fatalf("first message: %d %s", r.Status, r.Body)
		}
		r.Decode(t, &first)

		// A redelivery (new signature, same message id) changes nothing.
		e.Clock.Advance(time.Second)
		var again result
		r = post(in.ID, message("u42", "m1", "", "Hello from Messenger"))
		if r.Status != http.StatusOK {
			t.Fatalf("redelivery: %d %s", r.Status, r.Body)
		}
		r.Decode(t, &again)
		if !again.Duplicate || again.MessageID != first.MessageID || again.ConversationID != first.ConversationID {
			t.Fatalf("redelivery answered %+v, want the first %+v as a duplicate", again, first)
		}

		// The same sender without a thread id joins the open conversation.
		e.Clock.Advance(time.Second)
		var second result
		post(in.ID, message("u42", "m2", "", "Are you there?")).Decode(t, &second)
		if second.ConversationID != first.ConversationID || second.ContactID != first.ContactID {
			t.Fatalf("second message went to %+v, want conversation %d", second, first.ConversationID)
		}

		// Thread ids key conversations.
		var t1, t2, t1b result
		post(in.ID, message("u42", "m3", "thread-a", "New topic")).Decode(t, &t1)
		post(in.ID, message("u42", "m4", "thread-b", "Another topic")).Decode(t, &t2)
		post(in.ID, message("u42", "m5", "thread-a", "More on the first")).Decode(t, &t1b)
		if t1.ConversationID == first.ConversationID || t1.ConversationID == t2.ConversationID || t1b.ConversationID != t1.ConversationID {
			t.Fatalf("threads: a=%d b=%d a again=%d (untreaded %d)", t1.ConversationID, t2.ConversationID, t1b.ConversationID, first.ConversationID)
		}

		// The same external id in another inbox is another person.
		var elsewhere result
		post(other.ID, message("u42", "m1", "", "Hi from Telegram")).Decode(t, &elsewhere)
		if elsewhere.ContactID == first.ContactID || elsewhere.Duplicate {
			t.Fatalf("another inbox's u42 became contact %d (first %d), duplicate=%v", elsewhere.ContactID, first.ContactID, elsewhere.Duplicate)
		}

		// What an agent sees.
		r = e.Call(t, tok, "GET", fmt.Sprintf("/api/v1/conversations/%d/messages", first.ConversationID), nil)
		var msgs struct{ Items []model.Message }
		r.Decode(t, &msgs)
		if len(msgs.Items) != 2 || msgs.Items[0].Body != "Hello from Messenger" || msgs.Items[0].SenderName != "User u42" || msgs.Items[0].Direction != model.Incoming {
			t.Fatalf("messages: %s", r.Body)
		}
		var ct model.Contact
		e.Call(t, tok, "GET", fmt.Sprintf("/api/v1/contacts/%d", first.ContactID), nil).Decode(t, &ct)
		if len(ct.Identities) != 1 || ct.Identities[0].Value != fmt.Sprintf("api:%d:u42", in.ID) {
			t.Fatalf("contact identities %+v", ct.Identities)
		}
	})
}

func TestInboundRefusals(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		in := channeltest.Inbox(t, e, "Messenger", model.ChannelAPI, nil)
		phone := channeltest.Inbox(t, e, "Phone", model.ChannelPhone, nil)
		noSecret := e.Inbox(t, "Unset", model.ChannelAPI)
		good := message("u1", "m1", "", "hi")
		raw, _ := json.Marshal(good)
		now := e.Clock.Now().Unix()
		ts := strconv.FormatInt(now, 10)
		signed := func(secret string, at int64, body []byte) []string {
			return []string{channel.TimestampHeader, strconv.FormatInt(at, 10), channel.SignatureHeader, channel.Sign(secret, at, body)}
		}
		rows := []struct {
			name    string
			path    string
			body    []byte
			headers []string
			status  int
		}{
			{"unsigned", msgPath(in.ID), raw, nil, 401},
			{"wrong secret", msgPath(in.ID), raw, signed("another-secret-0123456789", now, raw), 401},
			{"body changed after signing", msgPath(in.ID), []byte(strings.Replace(string(raw), "hi", "ho", 1)), signed(channeltest.Secret, now, raw), 401},
			{"timestamp too old", msgPath(in.ID), raw, signed(channeltest.Secret, now-301, raw), 401},
			{"timestamp in the future", msgPath(in.ID), raw, signed(channeltest.Secret, now+301, raw), 401},
			{"timestamp not a number", msgPath(in.ID), raw, []string{channel.TimestampHeader, "yesterday", channel.SignatureHeader, "sha256=00"}, 401},
			{"signature without prefix", msgPath(in.ID), raw, []string{channel.TimestampHeader, ts, channel.SignatureHeader, strings.TrimPrefix(channel.Sign(channeltest.Secret, now, raw), "sha256=")}, 401},
			{"inbox without a secret", msgPath(noSecret), raw, signed("", now, raw), 401},
			{"not an api inbox", msgPath(phone.ID), raw, signed(channeltest.Secret, now, raw), 404},
			{"no such inbox", msgPath(99999), raw, signed(channeltest.Secret, now, raw), 404},
			{"bad inbox id", "/channels/api/abc/messages", raw, signed(channeltest.Secret, now, raw), 404},
		}
		for _, row := range rows {
			t.Run(row.name, func(t *testing.T) {
				r := e.Call(t, "", "POST", row.path, row.body, row.headers...)
				if r.Status != row.status || r.ErrorCode() == "" {
					t.Fatalf("%d %s, want %d in the error shape", r.Status, r.Body, row.status)
				}
			})
		}
		bodies := []struct {
			name  string
			body  string
			field string
		}{
			{"not json", `hello`, ""},
			{"array", `[1]`, ""},
			{"unknown field", `{"sender":{"external_id":"u"},"message_id":"x","body":"b","extra":1}`, "extra"},
			{"no sender", `{"message_id":"x","body":"b"}`, "sender.external_id"},
			{"no message id", `{"sender":{"external_id":"u"},"body":"b"}`, "message_id"},
			{"empty body", `{"sender":{"external_id":"u"},"message_id":"x","body":"  "}`, "body"},
			{"nul", `{"sender":{"external_id":"u"},"message_id":"x","body":"a\u0000b"}`, ""},
			{"long external id", `{"sender":{"external_id":"` + strings.Repeat("u", 151) + `"},"message_id":"x","body":"b"}`, "sender.external_id"},
			{"wrong type", `{"sender":{"external_id":5},"message_id":"x","body":"b"}`, ""},
		}
		for i, b := range bodies {
			t.Run(b.name, func(t *testing.T) {
				e.Clock.Advance(time.Millisecond * time.Duration(1000+i))
				r := channeltest.Post(t, e, channeltest.Secret, msgPath(in.ID), []byte(b.body))
				if r.Status != 400 {
					t.Fatalf("%d %s, want 400", r.Status, r.Body)
				}
				if b.field != "" && !strings.Contains(string(r.Body), `"`+b.field+`"`) {
					t.Fatalf("%s does not name %s", r.Body, b.field)
				}
			})
		}
		// Nothing above was stored.
		list, err := e.Store.ListConversations(testutil.Ctx(), store.ConversationFilter{Sort: "created", Limit: 10, Now: e.Clock.Now()})
		testutil.NoErr(t, err)
		if len(list) != 0 {
			t.Fatalf("refused requests stored %d conversations", len(list))
		}

		// The exact same signed request twice: the second is a replay.
		headers := signed(channeltest.Secret, e.Clock.Now().Unix(), raw)
		if r := e.Call(t, "", "POST", msgPath(in.ID), raw, headers...); r.Status != 201 {
			t.Fatalf("first: %d %s", r.Status, r.Body)
		}
		if r := e.Call(t, "", "POST", msgPath(in.ID), raw, headers...); r.Status != 409 || r.ErrorCode() != "conflict" {
			t.Fatalf("replay: %d %s, want 409", r.Status, r.Body)
		}
	})
}

// receiver is a callback endpoint that checks signatures and can be told
// to fail.
type receiver struct {
	mu       sync.Mutex
	got      []map[string]any
	failures atomic.Int32
	badSig   atomic.Int32
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ts, _ := strconv.ParseInt(r.Header.Get(channel.TimestampHeader), 10, 64)
	if r.Header.Get(channel.SignatureHeader) != channel.Sign(channeltest.Secret, ts, body) || r.Header.Get(channel.DeliveryHeader) == "" {
		rc.badSig.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if rc.failures.Add(-1) >= 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	rc.mu.Lock()
	rc.got = append(rc.got, m)
	rc.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestReplyWebhooks(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		e.Webhooks.RetryBase = 20 * time.Millisecond
		rc := &receiver{}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		admin := e.User(t, "admin@parley.test", model.RoleAdmin)
		agent := e.User(t, "agent@parley.test", model.RoleAgent)
		adminTok, agentTok := e.Token(t, admin), e.Token(t, agent)
		in := channeltest.Inbox(t, e, "Messenger", model.ChannelAPI,
			map[string]any{"callback_url": srv.URL + "/hook", "allow_private_addresses": true}, agent)
		strict := channeltest.Inbox(t, e, "Strict", model.ChannelAPI, map[string]any{"callback_url": srv.URL + "/hook"}, agent)
		e.StartJobs(t)

		var got result
		channeltest.Post(t, e, channeltest.Secret, msgPath(in.ID), message("u7", "m1", "thr-1", "Where is my order?")).Decode(t, &got)

		// The receiver fails twice; the job retries until it succeeds.
		rc.failures.Store(2)
		r := e.Call(t, agentTok, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", got.ConversationID), map[string]any{"body": "On its way!"})
		if r.Status != 201 {
			t.Fatalf("reply: %d %s", r.Status, r.Body)
		}
		// A note is internal and is never sent.
		e.Call(t, agentTok, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", got.ConversationID), map[string]any{"body": "internal", "kind": "note"})
		waitFor(t, "the reply webhook", func() bool { return rc.count() == 1 })
		rc.mu.Lock()
		hook := rc.got[0]
		rc.mu.Unlock()
		msg := hook["message"].(map[string]any)
		conv := hook["conversation"].(map[string]any)
		ct := hook["contact"].(map[string]any)
		if hook["event"] != "message.created" || msg["body"] != "On its way!" || msg["sender_name"] != "agent@parley.test" ||
			conv["external_id"] != "thr-1" || ct["external_id"] != "u7" {
			t.Fatalf("webhook payload %v", hook)
		}

		var log struct {
			Items []store.Delivery `json:"items"`
		}
		deliveries := fmt.Sprintf("/api/v1/inboxes/%d/deliveries", in.ID)
		waitFor(t, "the delivery log", func() bool {
			e.Call(t, adminTok, "GET", deliveries, nil).Decode(t, &log)
			return len(log.Items) == 1 && log.Items[0].Status == "delivered"
		})
		if d := log.Items[0]; d.Attempts != 3 || d.LastStatus != 204 || d.DeliveredAt == nil {
			t.Fatalf("delivery %+v, want 3 attempts ending in 204", d)
		}
		if r := e.Call(t, agentTok, "GET", deliveries, nil); r.Status != 403 {
			t.Fatalf("agent reads deliveries: %d", r.Status)
		}

		// The admin resends it.
		r = e.Call(t, adminTok, "POST", fmt.Sprintf("%s/%d/retry", deliveries, log.Items[0].ID), nil)
		if r.Status != http.StatusAccepted {
			t.Fatalf("retry: %d %s", r.Status, r.Body)
		}
		waitFor(t, "the resent webhook", func() bool { return rc.count() == 2 })

		// Loopback is refused unless the inbox allows private addresses.
		var sg result
		channeltest.Post(t, e, channeltest.Secret, msgPath(strict.ID), message("u8", "m1", "", "hello")).Decode(t, &sg)
		e.Call(t, agentTok, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", sg.ConversationID), map[string]any{"body": "hi"})
		strictLog := fmt.Sprintf("/api/v1/inboxes/%d/deliveries", strict.ID)
		waitFor(t, "the refused attempt", func() bool {
			e.Call(t, adminTok, "GET", strictLog, nil).Decode(t, &log)
			return len(log.Items) == 1 && log.Items[0].Attempts >= 1
		})
		if d := log.Items[0]; d.Status == "delivered" || !strings.Contains(d.LastError, "private or loopback") {
			t.Fatalf("strict delivery %+v", d)
		}
		if rc.count() != 2 || rc.badSig.Load() != 0 {
			t.Fatalf("receiver got %d (bad signatures %d)", rc.count(), rc.badSig.Load())
		}
		// No callback URL yet: failed at once; retried after it is set.
		bare := channeltest.Inbox(t, e, "Bare", model.ChannelAPI, map[string]any{"allow_private_addresses": true}, agent)
		var br result
		channeltest.Post(t, e, channeltest.Secret, msgPath(bare.ID), message("u9", "m1", "", "hello")).Decode(t, &br)
		e.Call(t, agentTok, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", br.ConversationID), map[string]any{"body": "answer"})
		bareLog := fmt.Sprintf("/api/v1/inboxes/%d/deliveries", bare.ID)
		e.Call(t, adminTok, "GET", bareLog, nil).Decode(t, &log)
		if len(log.Items) != 1 || log.Items[0].Status != "failed" || log.Items[0].Attempts != 0 || log.Items[0].LastError != "the inbox has no callback_url" {
			t.Fatalf("delivery without a callback: %+v", log.Items)
		}
		r = e.Call(t, adminTok, "PATCH", fmt.Sprintf("/api/v1/inboxes/%d", bare.ID), map[string]any{"settings": map[string]any{
			"secret": channeltest.Secret, "callback_url": srv.URL + "/hook", "allow_private_addresses": true}})
		if r.Status != 200 {
			t.Fatalf("set callback: %d %s", r.Status, r.Body)
		}
		e.Call(t, adminTok, "POST", fmt.Sprintf("%s/%d/retry", bareLog, log.Items[0].ID), nil)
		waitFor(t, "the delivery after the callback was set", func() bool { return rc.count() == 3 })

		for _, bad := range []string{fmt.Sprintf("%s/%d/retry", strictLog, 99999), fmt.Sprintf("%s/%d/retry", deliveries, log.Items[0].ID)} {
			if r := e.Call(t, adminTok, "POST", bad, nil); r.Status != 404 {
				t.Fatalf("retry %s: %d", bad, r.Status)
			}
		}
	})
}
