package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
)

// sseEvent is one event read off a stream.
type sseEvent struct {
	ID   string
	Data struct {
		ID             int64  `json:"id"`
		ConversationID int64  `json:"conversation_id"`
		InboxID        int64  `json:"inbox_id"`
		Action         string `json:"action"`
	}
}

// openStream connects to the SSE endpoint and returns a channel of events.
func openStream(t *testing.T, baseURL, token, lastEventID string) <-chan sseEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", baseURL+"/api/v1/events/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("stream answered %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := make(chan sseEvent, 100)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "id: "):
				ev.ID = line[4:]
			case strings.HasPrefix(line, "data: "):
				_ = json.Unmarshal([]byte(line[6:]), &ev.Data)
			case line == "" && ev.ID != "":
				out <- ev
				ev = sseEvent{}
			}
		}
	}()
	return out
}

// collect reads events until one with the wanted action arrives for conv.
func waitAction(t *testing.T, ch <-chan sseEvent, convID int64, action string) sseEvent {
	t.Helper()
	timeout := time.After(3 * time.Second)
	for {
		select {
		case ev := <-ch:
			if ev.Data.ConversationID == convID && ev.Data.Action == action {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event for conversation %d within 3s", action, convID)
		}
	}
}

func noEventFor(t *testing.T, ch <-chan sseEvent, convID int64, within time.Duration) {
	t.Helper()
	timeout := time.After(within)
	for {
		select {
		case ev := <-ch:
			if ev.Data.ConversationID == convID {
				t.Fatalf("a stream got event %s of conversation %d it may not see", ev.Data.Action, convID)
			}
		case <-timeout:
			return
		}
	}
}

func TestStreamIsLiveScopedAndResumable(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		admin := e.User(t, "admin@example.com", model.RoleAdmin)
		member := e.User(t, "member@example.com", model.RoleAgent)
		outsider := e.User(t, "outsider@example.com", model.RoleAgent)
		inbox := e.Inbox(t, "API", model.ChannelAPI, member)
		e.StartRealtime(t)
		<-e.Hub.Ready()
		srv := httptest.NewServer(e.Handler)
		t.Cleanup(srv.Close)

		memberStream := openStream(t, srv.URL, e.Token(t, member), "")
		outsiderStream := openStream(t, srv.URL, e.Token(t, outsider), "")

		c, err := e.Conversations.Create(context.Background(), admin, conversation.CreateRequest{InboxID: inbox,
			Contact: contact.Ref{Email: "jo@example.com"}, Message: conversation.MessageRequest{Body: "Hello?", Direction: "incoming"}})
		testutil.NoErr(t, err)
		created := waitAction(t, memberStream, c.ID, "conversation.created")
		waitAction(t, memberStream, c.ID, "message.created")
		noEventFor(t, outsiderStream, c.ID, 300*time.Millisecond)

		// A reconnect with Last-Event-ID first replays what was missed.
		high := "high"
		_, err = e.Conversations.Update(context.Background(), admin, c.ID, conversation.Patch{Priority: &high})
		testutil.NoErr(t, err)
		resumed := openStream(t, srv.URL, e.Token(t, member), created.ID)
		waitAction(t, resumed, c.ID, "message.created")
		waitAction(t, resumed, c.ID, "priority.changed")
	})
}

// TestStreamAcrossNodes: on PostgreSQL, an event committed through one node
// reaches a stream connected to another node on the same database.
func TestStreamAcrossNodes(t *testing.T) {
	e := testutil.Open(t, "postgres")
	other := e.Twin(t)
	admin := e.User(t, "admin@example.com", model.RoleAdmin)
	inbox := e.Inbox(t, "API", model.ChannelAPI)
	e.StartRealtime(t)
	other.StartRealtime(t)
	<-e.Hub.Ready()
	<-other.Hub.Ready()
	srv := httptest.NewServer(other.Handler)
	t.Cleanup(srv.Close)
	stream := openStream(t, srv.URL, e.Token(t, admin), "")

	c, err := e.Conversations.Create(context.Background(), admin, conversation.CreateRequest{InboxID: inbox,
		Contact: contact.Ref{Phone: "+441234567890"}, Message: conversation.MessageRequest{Body: "Calling about my bill", Direction: "incoming"}})
	testutil.NoErr(t, err)
	waitAction(t, stream, c.ID, "conversation.created")
}
