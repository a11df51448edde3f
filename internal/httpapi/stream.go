package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/store"
)

// replayBatch bounds one read of the event log while catching up.
const replayBatch = 500

// streamEvents is GET /api/v1/events/stream: Server-Sent Events of every
// conversation event the caller may see, live after commit. A client that
// reconnects with Last-Event-ID (or ?last_event_id=) first gets what it
// missed from the event log, so a dropped connection loses nothing.
func (a *api) streamEvents(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok || a.Hub == nil {
		writeError(w, r, fmt.Errorf("streaming unsupported"))
		return
	}
	last := r.Header.Get("Last-Event-ID")
	if last == "" {
		last = r.URL.Query().Get("last_event_id")
	}
	var lastID int64
	if last != "" {
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			writeError(w, r, apperr.Field("last_event_id", "must be an event id"))
			return
		}
		lastID = n
	}
	actor := principal(r).Actor()
	ctx := r.Context()

	// Subscribe before replaying, so nothing committed in between is missed;
	// ids already replayed are skipped when they arrive live.
	sub, cancel := a.Hub.Subscribe()
	defer cancel()

	scope := &streamScope{api: a, userID: actor.UserID, all: actor.Role.SeesAll()}
	if err := scope.refresh(ctx); err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")

	sent := map[int64]bool{}
	send := func(e store.InboxEvent) error {
		if sent[e.ID] || !scope.sees(e.InboxID) {
			return nil
		}
		sent[e.ID] = true
		lastID = max(lastID, e.ID)
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "id: %d\nevent: conversation\ndata: %s\n\n", e.ID, b)
		return err
	}
	replay := func(from int64) error {
		var visibleTo int64
		if !scope.all {
			visibleTo = scope.userID
		}
		for {
			events, err := a.Store.EventsAfter(ctx, from, visibleTo, replayBatch)
			if err != nil {
				return err
			}
			for _, e := range events {
				if err := send(e); err != nil {
					return err
				}
				from = e.ID
			}
			if len(events) < replayBatch {
				flusher.Flush()
				return nil
			}
		}
	}
	if lastID > 0 {
		if err := replay(lastID); err != nil {
			return
		}
	}
	flusher.Flush()

	heartbeat := time.NewTicker(25 * time.Second)
	defer heartbeat.Stop()
	rescope := time.NewTicker(30 * time.Second)
	defer rescope.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.Hub.Closing():
			return
		case batch := <-sub.C:
			for _, e := range batch {
				if err := send(e); err != nil {
					return
				}
			}
			flusher.Flush()
		case p := <-sub.Presence:
			if p.UserID == actor.UserID || !scope.sees(p.InboxID) {
				continue
			}
			b, err := json.Marshal(p)
			if err != nil {
				return
			}
			if _, err := fmt.Fprintf(w, "event: presence\ndata: %s\n\n", b); err != nil {
				return
			}
			flusher.Flush()
		case <-sub.Lagged():
			// This stream fell behind the hub; catch up from the log.
			cancel()
			sub, cancel = a.Hub.Subscribe()
			if err := replay(lastID); err != nil {
				return
			}
		case <-heartbeat.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return
			}
			flusher.Flush()
		case <-rescope.C:
			_ = scope.refresh(ctx)
		}
		if len(sent) > 10_000 {
			sent = map[int64]bool{}
		}
	}
}

// streamScope is the set of inboxes a stream's user may see, refreshed
// now and then so a new membership takes effect without reconnecting.
type streamScope struct {
	api    *api
	userID int64
	all    bool
	inbox  map[int64]bool
}

func (s *streamScope) refresh(ctx context.Context) error {
	if s.all {
		return nil
	}
	ids, err := s.api.Store.InboxIDsOf(ctx, s.userID)
	if err != nil {
		return err
	}
	m := make(map[int64]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	s.inbox = m
	return nil
}

func (s *streamScope) sees(inboxID int64) bool { return s.all || s.inbox[inboxID] }
