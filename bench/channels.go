package main

// The channels suite (issue 5): `go run ./bench -suite channels` starts
// `parley serve` on a fresh SQLite data directory and a fresh PostgreSQL
// database and measures, for each:
//
//   - inbound API-channel messages per second: signed POSTs to
//     /channels/api/{inbox}/messages from -clients concurrent senders,
//     spread over -convs customers, each a new contact's message or a
//     reply in their conversation;
//   - webhook delivery latency: from the moment an agent's reply is posted
//     to the API until the inbox's callback (a receiver in this process)
//     has it, signed, through the durable job queue.
//
//	go run ./bench -suite channels -n 5000 -replies 300

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/parley-hq/parley/internal/channel"
)

var benchReplies = flag.Int("replies", 300, "channels: agent replies whose webhook delivery is timed")

const benchSecret = "bench-secret-0123456789abcdef"

func runChannels(o options) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tmp, err := os.MkdirTemp("", "parley-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	printMachine()
	bin := o.bin
	if bin == "" {
		fmt.Fprintln(os.Stderr, "building parley …")
		if bin, err = buildParley(ctx, tmp); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return 1
		}
	}
	fmt.Printf("parley binary: %s\n", buildInfo(ctx, bin))
	dbs := []string{"sqlite", "postgres"}
	if o.db != "both" {
		dbs = []string{o.db}
	}
	code := 0
	fmt.Printf("\n| database | inbound signed messages | msg/s | p50 | p99 | webhook deliveries | delivery p50 | p90 | p99 | max |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, db := range dbs {
		if err := channelsOne(ctx, o, bin, tmp, db); err != nil {
			fmt.Fprintf(os.Stderr, "bench %s: %v\n", db, err)
			code = 1
		}
	}
	return code
}

// receiver is the inbox's callback: it checks each webhook's signature and
// notes when each message arrived.
type receiver struct {
	mu      sync.Mutex
	arrived map[int64]time.Time
	bad     int
	notify  chan struct{}
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	body, _ := io.ReadAll(r.Body)
	ts, _ := strconv.ParseInt(r.Header.Get(channel.TimestampHeader), 10, 64)
	var p struct {
		Message struct {
			ID int64 `json:"id"`
		} `json:"message"`
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if r.Header.Get(channel.SignatureHeader) != channel.Sign(benchSecret, ts, body) || json.Unmarshal(body, &p) != nil {
		rc.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if _, seen := rc.arrived[p.Message.ID]; !seen {
		rc.arrived[p.Message.ID] = at
		select {
		case rc.notify <- struct{}{}:
		default:
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func channelsOne(ctx context.Context, o options, bin, tmp, db string) error {
	fmt.Fprintf(os.Stderr, "\n== %s ==\n", db)
	s, token, drop, err := freshServer(ctx, bin, tmp, db, o.pgURL, "bench-admin@example.com")
	if err != nil {
		return err
	}
	defer drop()
	if err := s.start(ctx); err != nil {
		return err
	}
	defer s.stop()
	c := newClient(s.Addr, token, o.clients)
	if err := waitReady(ctx, c); err != nil {
		return err
	}

	rc := &receiver{arrived: map[int64]time.Time{}, notify: make(chan struct{}, 1)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hook := &http.Server{Handler: rc}
	go hook.Serve(ln)
	defer hook.Close()

	var inbox struct {
		ID int64 `json:"id"`
	}
	err = c.json(ctx, "POST", "/api/v1/inboxes", map[string]any{"name": "Bench API", "channel": "api", "settings": map[string]any{
		"secret": benchSecret, "callback_url": "http://" + ln.Addr().String() + "/hook", "allow_private_addresses": true}}, 201, &inbox)
	if err != nil {
		return err
	}
	path := fmt.Sprintf("/channels/api/%d/messages", inbox.ID)

	// Inbound: each request signed when sent, as an integration does.
	fmt.Fprintf(os.Stderr, "inbound: %d signed messages with %d clients …\n", o.n, o.clients)
	convOf := make([]int64, o.convs)
	var convMu sync.Mutex
	in := parallel(ctx, o.n, o.clients, o.duration, func(ctx context.Context, i int) error {
		body, _ := json.Marshal(map[string]any{
			"sender":     map[string]any{"external_id": fmt.Sprintf("user-%d", i%o.convs), "name": fmt.Sprintf("User %d", i%o.convs)},
			"message_id": fmt.Sprintf("msg-%d", i),
			"body":       "Hi! I ordered the blue kettle last week and it has not arrived yet. Could you check the tracking for me?",
		})
		ts := time.Now().Unix()
		req, _ := http.NewRequestWithContext(ctx, "POST", c.base+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(channel.TimestampHeader, strconv.FormatInt(ts, 10))
		req.Header.Set(channel.SignatureHeader, channel.Sign(benchSecret, ts, body))
		resp, err := c.http.Do(req)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err := expect(resp.StatusCode, b, nil, 201); err != nil {
			return err
		}
		var res struct {
			ConversationID int64 `json:"conversation_id"`
		}
		_ = json.Unmarshal(b, &res)
		convMu.Lock()
		convOf[i%o.convs] = res.ConversationID
		convMu.Unlock()
		return nil
	})
	fmt.Fprintf(os.Stderr, "inbound: %d in %v = %.0f/s, %d errors %s\n", in.N, in.Elapsed.Round(time.Millisecond), in.Rate(), in.Errors, in.FirstError)

	// Outbound: replies one at a time, so each delivery's latency is its
	// own and not a queue's.
	n := *benchReplies
	fmt.Fprintf(os.Stderr, "webhooks: %d replies …\n", n)
	sent := map[int64]time.Time{}
	reply, _ := json.Marshal(map[string]string{"body": "Thanks for your patience! Your kettle is with the courier and arrives tomorrow."})
	for i := 0; i < n && ctx.Err() == nil; i++ {
		t0 := time.Now()
		st, b, err := c.do(ctx, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", convOf[i%o.convs]), reply, true)
		if err := expect(st, b, err, 201); err != nil {
			return err
		}
		var m struct {
			ID int64 `json:"id"`
		}
		_ = json.Unmarshal(b, &m)
		sent[m.ID] = t0
		// Wait for this one before the next.
		deadline := time.After(30 * time.Second)
		for {
			rc.mu.Lock()
			_, ok := rc.arrived[m.ID]
			rc.mu.Unlock()
			if ok {
				break
			}
			select {
			case <-rc.notify:
			case <-time.After(5 * time.Millisecond):
			case <-deadline:
				return fmt.Errorf("reply %d was not delivered within 30s", m.ID)
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	var lat []time.Duration
	rc.mu.Lock()
	for id, t0 := range sent {
		lat = append(lat, rc.arrived[id].Sub(t0))
	}
	bad := rc.bad
	rc.mu.Unlock()
	d := summarize(lat)
	fmt.Fprintf(os.Stderr, "webhooks: %d delivered, p50 %v p99 %v, %d badly signed\n", d.N, d.P50, d.P99, bad)
	fmt.Printf("| %s | %d (%d errors) | %.0f | %s | %s | %d | %s | %s | %s | %s |\n", db, in.N, in.Errors, in.Rate(), ms(in.P50), ms(in.P99),
		d.N, ms(d.P50), ms(d.P90), ms(d.P99), ms(d.Max))
	return nil
}
