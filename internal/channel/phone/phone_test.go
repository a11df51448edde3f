package phone_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/channel/channeltest"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
)

type callResult struct {
	Call           model.Call `json:"call"`
	ConversationID int64      `json:"conversation_id"`
	Duplicate      bool       `json:"duplicate"`
}

func TestCallsLandInTheTimeline(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		agent := e.User(t, "agent@parley.test", model.RoleAgent)
		tok := e.Token(t, agent)
		in := channeltest.Inbox(t, e, "Phone line", model.ChannelPhone, nil, agent)
		path := fmt.Sprintf("/channels/phone/%d/calls", in.ID)
		report := func(id, dir, outcome string, extra map[string]any) callResult {
			t.Helper()
			body := map[string]any{"call_id": id, "direction": dir, "outcome": outcome, "from": "+1 (555) 010-2000", "to": "+15550100000"}
			if dir == "outbound" {
				body["from"], body["to"] = body["to"], body["from"]
			}
			for k, v := range extra {
				body[k] = v
			}
			e.Clock.Advance(time.Second)
			r := channeltest.Post(t, e, channeltest.Secret, path, body)
			if r.Status != http.StatusCreated && r.Status != http.StatusOK {
				t.Fatalf("report %s: %d %s", id, r.Status, r.Body)
			}
			var res callResult
			r.Decode(t, &res)
			return res
		}
		conv := func(id int64) model.Conversation {
			var c model.Conversation
			e.Call(t, tok, "GET", fmt.Sprintf("/api/v1/conversations/%d", id), nil).Decode(t, &c)
			return c
		}

		// A missed call opens a conversation waiting for a call-back.
		missed := report("c1", "inbound", "missed", map[string]any{"customer_name": "Rita Moreno"})
		c := conv(missed.ConversationID)
		if c.Status != model.StatusNew || c.WaitingSince == nil || c.Contact.Name != "Rita Moreno" || c.Subject != "Missed call from +1 (555) 010-2000" {
			t.Fatalf("after a missed call: %+v", c)
		}
		// The provider retries the same call: nothing new.
		again := report("c1", "inbound", "missed", nil)
		if !again.Duplicate || again.Call.ID != missed.Call.ID {
			t.Fatalf("redelivered call: %+v", again)
		}
		// A voicemail from the same number lands in the same conversation.
		vm := report("c2", "inbound", "voicemail", map[string]any{"duration_seconds": 42,
			"recording_url": "https://calls.example.com/rec/2.mp3", "transcript": "Hi, it's Rita, please call me back about my invoice."})
		if vm.ConversationID != missed.ConversationID || vm.Call.RecordingURL == "" || vm.Call.DurationSeconds != 42 {
			t.Fatalf("voicemail: %+v", vm)
		}
		// The agent calls back and logs it by hand: a response.
		r := e.Call(t, tok, "POST", fmt.Sprintf("/api/v1/conversations/%d/calls", c.ID),
			map[string]any{"direction": "outbound", "outcome": "answered", "duration_seconds": 300, "notes": "Explained the invoice"})
		if r.Status != http.StatusCreated {
			t.Fatalf("log call: %d %s", r.Status, r.Body)
		}
		c = conv(c.ID)
		if c.Status != model.StatusOpen || c.WaitingSince != nil || c.FirstResponseAt == nil {
			t.Fatalf("after the call-back: status %s waiting %v first response %v", c.Status, c.WaitingSince, c.FirstResponseAt)
		}
		var calls struct{ Items []model.Call }
		e.Call(t, tok, "GET", fmt.Sprintf("/api/v1/conversations/%d/calls", c.ID), nil).Decode(t, &calls)
		if len(calls.Items) != 3 || calls.Items[2].UserName != "agent@parley.test" || calls.Items[2].Notes != "Explained the invoice" {
			t.Fatalf("calls: %+v", calls.Items)
		}
		var events struct{ Items []model.Event }
		e.Call(t, tok, "GET", fmt.Sprintf("/api/v1/conversations/%d/events", c.ID), nil).Decode(t, &events)
		recorded := 0
		for _, ev := range events.Items {
			if ev.Action == "call.recorded" {
				recorded++
			}
		}
		if recorded != 3 {
			t.Fatalf("%d call.recorded events, want 3", recorded)
		}

		// Resolved, then an answered call from the same customer: still the
		// same conversation, not a new one; a missed one reopens it.
		e.Call(t, tok, "PATCH", fmt.Sprintf("/api/v1/conversations/%d", c.ID), map[string]any{"status": "resolved"})
		answered := report("c3", "inbound", "answered", map[string]any{"duration_seconds": 61})
		if answered.ConversationID != c.ID || conv(c.ID).Status != model.StatusResolved {
			t.Fatalf("answered call after resolve went to %d (status %s)", answered.ConversationID, conv(c.ID).Status)
		}
		report("c4", "inbound", "missed", nil)
		if st := conv(c.ID).Status; st != model.StatusOpen {
			t.Fatalf("missed call did not reopen the resolved conversation: %s", st)
		}

		// Closed: the next call starts a new conversation; an answered
		// outbound one starts open.
		e.Call(t, tok, "PATCH", fmt.Sprintf("/api/v1/conversations/%d", c.ID), map[string]any{"status": "closed"})
		out := report("c5", "outbound", "answered", map[string]any{"duration_seconds": 30})
		if out.ConversationID == c.ID || conv(out.ConversationID).Status != model.StatusOpen || conv(out.ConversationID).Contact.ID != c.Contact.ID {
			t.Fatalf("outbound call after close: %+v", conv(out.ConversationID))
		}
	})
}

func TestCallReportRefusals(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		in := channeltest.Inbox(t, e, "Phone line", model.ChannelPhone, nil)
		api := channeltest.Inbox(t, e, "API", model.ChannelAPI, nil)
		path := fmt.Sprintf("/channels/phone/%d/calls", in.ID)
		ok := map[string]any{"call_id": "x", "direction": "inbound", "outcome": "missed", "from": "+15550102000"}
		with := func(k string, v any) map[string]any {
			m := map[string]any{}
			for a, b := range ok {
				m[a] = b
			}
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
			return m
		}
		rows := []struct {
			name   string
			path   string
			body   any
			status int
			field  string
		}{
			{"no call id", path, with("call_id", nil), 400, "call_id"},
			{"bad direction", path, with("direction", "up"), 400, "direction"},
			{"bad outcome", path, with("outcome", "meh"), 400, "outcome"},
			{"no caller", path, with("from", nil), 400, "from"},
			{"caller not a number", path, with("from", "anonymous"), 400, "from"},
			{"recording not http", path, with("recording_url", "file:///etc/passwd"), 400, "recording_url"},
			{"huge duration", path, with("duration_seconds", 1e9), 400, "duration_seconds"},
			{"unknown field", path, with("colour", "red"), 400, "colour"},
			{"api inbox", fmt.Sprintf("/channels/phone/%d/calls", api.ID), ok, 404, ""},
		}
		for _, row := range rows {
			t.Run(row.name, func(t *testing.T) {
				e.Clock.Advance(time.Second)
				r := channeltest.Post(t, e, channeltest.Secret, row.path, row.body)
				if r.Status != row.status || (row.field != "" && !strings.Contains(string(r.Body), `"`+row.field+`"`)) {
					t.Fatalf("%d %s, want %d naming %q", r.Status, r.Body, row.status, row.field)
				}
			})
		}
		r := e.Call(t, "", "POST", path, ok)
		if r.Status != 401 {
			t.Fatalf("unsigned: %d", r.Status)
		}
	})
}
