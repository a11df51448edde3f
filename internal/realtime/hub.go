// Package realtime carries committed conversation events to the agents'
// live streams. Services announce event ids after commit; the hub reads
// each batch once and fans it out to every subscriber on this node. With
// PostgreSQL, announcements travel between nodes by LISTEN/NOTIFY, so an
// event raised on one node reaches streams connected to any other; the
// node that raised it delivers to its own streams at once, without the
// round trip through the database (each notice names its node, and a
// node skips its own when they come back).
package realtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parley-hq/parley/internal/store"
)

// The PostgreSQL notification channels: committed event ids, and
// presence (who is viewing or typing), which is never stored.
const (
	Channel         = "parley_events"
	PresenceChannel = "parley_presence"
)

// Presence says that an agent is viewing or typing in a conversation, or
// has left it. It is ephemeral: streams show it, nothing stores it.
type Presence struct {
	ConversationID int64     `json:"conversation_id"`
	InboxID        int64     `json:"inbox_id"`
	UserID         int64     `json:"user_id"`
	Name           string    `json:"name"`
	State          string    `json:"state"`
	At             time.Time `json:"at"`
}

// Hub fans events out to subscribers.
type Hub struct {
	store  *store.Store
	logger *slog.Logger
	// node names this process in its notices, so it can skip its own.
	node string

	mu      sync.Mutex
	subs    map[*Subscription]struct{}
	pending []int64
	wake    chan struct{}
	// outgoing holds ids delivered here and still to NOTIFY to the other
	// nodes; a goroutine of its own sends them, off the local path.
	outgoing   []int64
	wakeNotify chan struct{}
	closing    chan struct{}
	once       sync.Once
	// ready is closed once this node receives announcements: at once on
	// SQLite, after the first LISTEN on PostgreSQL.
	ready     chan struct{}
	readyOnce sync.Once
}

// Subscription receives batches of events until cancelled. A subscriber
// that falls behind loses batches and is told to resync (Lagged), which a
// stream does by replaying from the event log.
type Subscription struct {
	C chan []store.InboxEvent
	// Presence receives presence notices; a full channel drops them, as
	// the next heartbeat repeats them anyway.
	Presence chan Presence
	lagged   chan struct{}
}

// Lagged is closed when the subscription has dropped a batch.
func (s *Subscription) Lagged() <-chan struct{} { return s.lagged }

// NewHub returns a hub on the store.
func NewHub(st *store.Store, logger *slog.Logger) *Hub {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &Hub{store: st, logger: logger, node: hex.EncodeToString(b[:]), subs: map[*Subscription]struct{}{}, wake: make(chan struct{}, 1), wakeNotify: make(chan struct{}, 1), closing: make(chan struct{}), ready: make(chan struct{})}
}

// Close tells every stream to end, so a graceful shutdown does not wait
// for connections that never finish on their own.
func (h *Hub) Close() { h.once.Do(func() { close(h.closing) }) }

// Closing is closed when the hub is shutting down.
func (h *Hub) Closing() <-chan struct{} { return h.closing }

// Ready is closed once the hub receives announcements.
func (h *Hub) Ready() <-chan struct{} { return h.ready }

// Subscribe starts receiving; call the returned func to stop.
func (h *Hub) Subscribe() (*Subscription, func()) {
	s := &Subscription{C: make(chan []store.InboxEvent, 64), Presence: make(chan Presence, 64), lagged: make(chan struct{})}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s, func() {
		h.mu.Lock()
		delete(h.subs, s)
		h.mu.Unlock()
	}
}

// Announce is called after a commit with the new event ids. It only
// queues them, so a write request never waits for fan-out; Run sends them
// on in batches.
func (h *Hub) Announce(ids []int64) {
	if len(ids) == 0 {
		return
	}
	h.mu.Lock()
	h.pending = append(h.pending, ids...)
	h.mu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// Run sends announced events on until ctx ends: straight to this node's
// subscribers and, on PostgreSQL, by NOTIFY to the other nodes, whose
// LISTEN connections deliver them there. Delivering here first matters:
// the NOTIFY round trip (a statement on the shared pool, the server's
// notification queue, the listener's own read of the events, one notice
// at a time) was most of a chat reply's latency on PostgreSQL.
func (h *Hub) Run(ctx context.Context) {
	if h.store.Dialect == store.Postgres {
		go h.listen(ctx)
		go h.notifier(ctx)
	} else {
		h.readyOnce.Do(func() { close(h.ready) })
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.wake:
		}
		h.mu.Lock()
		ids := h.pending
		h.pending = nil
		h.mu.Unlock()
		h.deliver(ctx, ids)
		if h.store.Dialect == store.Postgres {
			h.mu.Lock()
			h.outgoing = append(h.outgoing, ids...)
			h.mu.Unlock()
			select {
			case h.wakeNotify <- struct{}{}:
			default:
			}
		}
	}
}

// notifier tells the other nodes, in batches, what this one delivered.
func (h *Hub) notifier(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.wakeNotify:
		}
		h.mu.Lock()
		ids := h.outgoing
		h.outgoing = nil
		h.mu.Unlock()
		h.notify(ctx, ids)
	}
}

// notify sends ids in payloads under PostgreSQL's 8000-byte limit, each
// "node|id,id,…".
func (h *Hub) notify(ctx context.Context, ids []int64) {
	for len(ids) > 0 {
		n := min(len(ids), 400)
		parts := make([]string, n)
		for i, id := range ids[:n] {
			parts[i] = strconv.FormatInt(id, 10)
		}
		ids = ids[n:]
		if _, err := h.store.Writer.ExecContext(ctx, `SELECT pg_notify($1, $2)`, Channel, h.node+"|"+strings.Join(parts, ",")); err != nil {
			// Streams resync from the event log on reconnect: a lost
			// notice delays an update but never loses it.
			h.logger.Warn("realtime notify failed", "err", err)
		}
	}
}

func (h *Hub) deliver(ctx context.Context, ids []int64) {
	h.mu.Lock()
	n := len(h.subs)
	h.mu.Unlock()
	if n == 0 {
		return
	}
	events, err := h.store.EventsByIDs(ctx, ids)
	if err != nil {
		h.logger.Warn("realtime read events", "err", err)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		select {
		case s.C <- events:
		default:
			select {
			case <-s.lagged:
			default:
				close(s.lagged)
			}
		}
	}
}

// PublishPresence tells every node's streams about an agent's presence.
func (h *Hub) PublishPresence(ctx context.Context, p Presence) error {
	h.deliverPresence(p)
	if h.store.Dialect == store.Postgres {
		b, err := json.Marshal(p)
		if err != nil {
			return err
		}
		_, err = h.store.Writer.ExecContext(ctx, `SELECT pg_notify($1, $2)`, PresenceChannel, h.node+"|"+string(b))
		return err
	}
	return nil
}

func (h *Hub) deliverPresence(p Presence) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		select {
		case s.Presence <- p:
		default:
		}
	}
}

// listen relays PostgreSQL notifications to this node's subscribers until
// ctx ends, reconnecting after failures.
func (h *Hub) listen(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := h.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		h.logger.Warn("realtime listener lost its connection; reconnecting", "err", err)
		time.Sleep(backoff)
		backoff = min(backoff*2, 5*time.Second)
	}
}

func (h *Hub) listenOnce(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, h.store.URL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+Channel+"; LISTEN "+PresenceChannel); err != nil {
		return err
	}
	h.readyOnce.Do(func() { close(h.ready) })
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		from, payload, ok := strings.Cut(n.Payload, "|")
		if !ok {
			payload = n.Payload // a node from before notices were named
		} else if from == h.node {
			continue // delivered here when it was announced
		}
		if n.Channel == PresenceChannel {
			var p Presence
			if json.Unmarshal([]byte(payload), &p) == nil {
				h.deliverPresence(p)
			}
			continue
		}
		var ids []int64
		for _, p := range strings.Split(payload, ",") {
			if id, err := strconv.ParseInt(p, 10, 64); err == nil {
				ids = append(ids, id)
			}
		}
		h.deliver(ctx, ids)
	}
}
