package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/store"
	"github.com/parley-hq/parley/internal/testutil"
)

// TestIdempotencyKey checks that a retried write returns the first result
// and changes nothing, and that a key cannot be reused for another request.
func TestIdempotencyKey(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := newFixture(t, e)
		messages := convPath(f.convA) + "/messages"
		count := func(t *testing.T, path string) int {
			ids, _ := listIDs(t, f.call(t, f.adminTok, "GET", path+"?limit=200", nil, http.StatusOK))
			return len(ids)
		}
		key := func(k string) []string { return []string{"Idempotency-Key", k} }

		t.Run("a retry replays the first answer", func(t *testing.T) {
			msgs, events := count(t, messages), count(t, convPath(f.convA)+"/events")
			first := f.call(t, f.aTok, "POST", messages, map[string]any{"body": "Refund sent"}, http.StatusCreated, key("reply-1")...)
			before := dbState(t, e)
			for i := 0; i < 3; i++ {
				again := f.call(t, f.aTok, "POST", messages, map[string]any{"body": "Refund sent"}, http.StatusCreated, key("reply-1")...)
				if string(again.Body) != string(first.Body) {
					t.Errorf("retry %d answered %s, first answer was %s", i, again.Body, first.Body)
				}
				if again.Header.Get("Idempotent-Replayed") != "true" {
					t.Errorf("retry %d is not marked Idempotent-Replayed", i)
				}
			}
			if d := stateDiff(before, dbState(t, e)); d != "" {
				t.Errorf("retries changed the database:%s", d)
			}
			if got := count(t, messages); got != msgs+1 {
				t.Errorf("%d messages, want %d", got, msgs+1)
			}
			// The reply opened the conversation: one message.created and one status.changed.
			if got := count(t, convPath(f.convA)+"/events"); got != events+2 {
				t.Errorf("%d events, want %d", got, events+2)
			}
		})

		t.Run("the same key with another body still replays", func(t *testing.T) {
			first := f.call(t, f.aTok, "POST", messages, map[string]any{"body": "First"}, http.StatusCreated, key("reply-2")...)
			before := dbState(t, e)
			again := f.call(t, f.aTok, "POST", messages, map[string]any{"body": "Second"}, http.StatusCreated, key("reply-2")...)
			if string(again.Body) != string(first.Body) || stateDiff(before, dbState(t, e)) != "" {
				t.Errorf("a retry with another body was not replayed: %s", again.Body)
			}
		})

		t.Run("a key used on another path is a conflict", func(t *testing.T) {
			f.call(t, f.aTok, "POST", messages, map[string]any{"body": "Hello"}, http.StatusCreated, key("reply-3")...)
			before := dbState(t, e)
			for _, c := range []struct {
				method, path string
				body         any
			}{
				{"POST", convPath(f.convP) + "/messages", map[string]any{"body": "Hello"}},
				{"POST", api + "/contacts", map[string]any{"email": "idem@example.com"}},
				{"PATCH", convPath(f.convA), map[string]any{"priority": "high"}},
			} {
				checkError(t, e.Call(t, f.aTok, c.method, c.path, c.body, key("reply-3")...), http.StatusConflict, "conflict", "")
			}
			if d := stateDiff(before, dbState(t, e)); d != "" {
				t.Errorf("a reused key changed the database:%s", d)
			}
		})

		t.Run("keys belong to their user", func(t *testing.T) {
			msgs := count(t, messages)
			a := f.call(t, f.aTok, "POST", messages, map[string]any{"body": "From A"}, http.StatusCreated, key("shared")...)
			s := f.call(t, f.supTok, "POST", messages, map[string]any{"body": "From S"}, http.StatusCreated, key("shared")...)
			if string(a.Body) == string(s.Body) || count(t, messages) != msgs+2 {
				t.Errorf("one user's key replayed another's answer")
			}
		})

		t.Run("a failed attempt is not remembered", func(t *testing.T) {
			checkError(t, e.Call(t, f.aTok, "POST", messages, map[string]any{"body": " "}, key("fix-me")...), http.StatusBadRequest, "validation_failed", "body")
			r := f.call(t, f.aTok, "POST", messages, map[string]any{"body": "Fixed"}, http.StatusCreated, key("fix-me")...)
			if r.Header.Get("Idempotent-Replayed") != "" || !strings.Contains(string(r.Body), "Fixed") {
				t.Errorf("the fixed request was not run: %s", r.Body)
			}
		})

		t.Run("a key of over 200 characters is refused", func(t *testing.T) {
			before := dbState(t, e)
			checkError(t, e.Call(t, f.aTok, "POST", messages, map[string]any{"body": "x"}, key(strings.Repeat("k", 201))...), http.StatusBadRequest, "validation_failed", "")
			if d := stateDiff(before, dbState(t, e)); d != "" {
				t.Errorf("changed the database:%s", d)
			}
		})

		// A client that times out and retries at once races its own first
		// attempt: still exactly one message, and every success the same answer.
		t.Run("concurrent retries write once", func(t *testing.T) {
			msgs := count(t, messages)
			const n = 8
			var wg sync.WaitGroup
			resps := make([]testutil.Response, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					resps[i] = e.Call(t, f.aTok, "POST", messages, map[string]any{"body": "Once"}, key("race")...)
				}()
			}
			wg.Wait()
			var body string
			for i, r := range resps {
				switch r.Status {
				case http.StatusCreated:
					if body != "" && string(r.Body) != body {
						t.Errorf("attempt %d answered %s, another %s", i, r.Body, body)
					}
					body = string(r.Body)
				case http.StatusConflict:
					checkError(t, r, http.StatusConflict, "conflict", "")
				default:
					t.Errorf("attempt %d: %d %s", i, r.Status, r.Body)
				}
			}
			if got := count(t, messages); got != msgs+1 {
				t.Errorf("%d concurrent retries wrote %d messages, want 1", n, got-msgs)
			}
		})

		// A claim whose request never answered (its process died) blocks the
		// key only for a minute, then a retry runs.
		t.Run("an abandoned claim is taken over", func(t *testing.T) {
			claim := func(k string, age time.Duration) {
				_, err := e.Store.Writer.Exec(`INSERT INTO idempotency_keys (user_id, key, method, path, status, body, created_at)
 VALUES ($1, $2, 'POST', $3, 0, '', $4)`, f.agentA.UserID, k, messages, store.Millis(e.Clock.Now().Add(-age)))
				testutil.NoErr(t, err)
			}
			claim("running", 10*time.Second)
			checkError(t, e.Call(t, f.aTok, "POST", messages, map[string]any{"body": "x"}, key("running")...), http.StatusConflict, "conflict", "")
			claim("abandoned", 2*time.Minute)
			f.call(t, f.aTok, "POST", messages, map[string]any{"body": "x"}, http.StatusCreated, key("abandoned")...)
		})

		t.Run("reads ignore the key", func(t *testing.T) {
			for i := 0; i < 2; i++ {
				r := f.call(t, f.aTok, "GET", fmt.Sprintf(api+"/conversations/%d", f.convA), nil, http.StatusOK, key("read")...)
				if r.Header.Get("Idempotent-Replayed") != "" {
					t.Errorf("a read was replayed")
				}
			}
		})
	})
}
