package main

// The chat suite (issue 5, live chat): `go run ./bench -suite chat` starts
// `parley serve` on a fresh SQLite data directory and a fresh PostgreSQL
// database (dropped after) and, for each, has -visitors widget visitors
// chat at once with -agents agents, -rounds exchanges each:
//
//   - a visitor posts a message to /widget/messages; the agents' event
//     stream (/api/v1/events/stream, what the web app listens to) times
//     visitor → agent;
//   - an agent answers through /api/v1/conversations/{id}/messages; the
//     visitor's widget stream (/widget/stream, what widget.js reads) times
//     agent reply → visitor, from just before the agent's POST to the
//     moment the event arrives.
//
// Each visitor's first -warmup exchanges (default 1) are not in the timed
// figures: the first message of every visitor starts a conversation, all of
// them at once on database connections not yet used (the first run of each
// statement on a PostgreSQL connection costs a round trip more); they are
// reported on their own line.
//
// Visitors come from several loopback addresses (127.0.0.2, .3, …) so the
// per-address limit on new chats (30 a minute) is not what is measured.
//
//	go run ./bench -suite chat -visitors 40 -agents 4 -rounds 10

import (
	"bufio"
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
	"strings"
	"sync"
	"syscall"
	"time"
)

var (
	chatVisitors = flag.Int("visitors", 40, "chat: concurrent widget visitors")
	chatAgents   = flag.Int("agents", 4, "chat: concurrent agents answering")
	chatRounds   = flag.Int("rounds", 10, "chat: exchanges (visitor message, agent reply) per visitor")
	chatWarmup   = flag.Int("warmup", 1, "chat: exchanges per visitor before the timed ones (the first starts the conversation on connections not yet used); reported apart")
)

func runChat(o options) int {
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
	fmt.Printf("%d visitors, %d agents, %d exchanges each\n", *chatVisitors, *chatAgents, *chatRounds)
	dbs := []string{"sqlite", "postgres"}
	if o.db != "both" {
		dbs = []string{o.db}
	}
	code := 0
	fmt.Printf("\n| database | replies | agent reply → visitor p50 | p90 | p99 | max | visitor → agent p50 | p99 | visitor POST p50 | agent POST p50 |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, db := range dbs {
		if err := chatOne(ctx, o, bin, tmp, db); err != nil {
			fmt.Fprintf(os.Stderr, "bench %s: %v\n", db, err)
			code = 1
		}
	}
	return code
}

// arrivals notes when each message id reached a stream.
type arrivals struct {
	mu    sync.Mutex
	at    map[int64]time.Time
	wait  map[int64]chan struct{}
	ended chan struct{}
	why   string
}

// end marks the stream closed: waiting for more is pointless.
func (a *arrivals) end(why string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.why = why
	close(a.ended)
}

func newArrivals() *arrivals {
	return &arrivals{at: map[int64]time.Time{}, wait: map[int64]chan struct{}{}, ended: make(chan struct{})}
}

func (a *arrivals) arrived(id int64, at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.at[id]; ok {
		return
	}
	a.at[id] = at
	if ch, ok := a.wait[id]; ok {
		close(ch)
		delete(a.wait, id)
	}
}

// await blocks until id arrived and returns when.
func (a *arrivals) await(ctx context.Context, id int64) (time.Time, error) {
	a.mu.Lock()
	if at, ok := a.at[id]; ok {
		a.mu.Unlock()
		return at, nil
	}
	ch, ok := a.wait[id]
	if !ok {
		ch = make(chan struct{})
		a.wait[id] = ch
	}
	a.mu.Unlock()
	select {
	case <-ch:
	case <-a.ended:
		a.mu.Lock()
		defer a.mu.Unlock()
		if at, ok := a.at[id]; ok {
			return at, nil
		}
		return time.Time{}, fmt.Errorf("message %d: %s", id, a.why)
	case <-time.After(30 * time.Second):
		return time.Time{}, fmt.Errorf("message %d did not arrive within 30s", id)
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.at[id], nil
}

// readSSE calls fn with each event's name and data until the stream ends.
func readSSE(body io.Reader, fn func(event, data string)) {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var event, data string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = line[7:]
		case strings.HasPrefix(line, "data: "):
			data += line[6:]
		case line == "":
			if event != "" {
				fn(event, data)
			}
			event, data = "", ""
		}
	}
}

// openStream starts an SSE request and returns its body once the server
// answered 200.
func openStream(ctx context.Context, hc *http.Client, url string, header map[string]string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return nil, fmt.Errorf("stream %s: %d %s", url, resp.StatusCode, b)
	}
	return resp.Body, nil
}

// visitorClient is an HTTP client whose connections come from a loopback
// address of its own.
func visitorClient(i int) *http.Client {
	local := &net.TCPAddr{IP: net.IPv4(127, 0, byte(1+i/250), byte(2+i%250))}
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, LocalAddr: local}).DialContext,
		MaxIdleConnsPerHost: 4,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr}
}

// stuck, if set, runs once when a request has waited 10 seconds (to dump
// the server's goroutines while it is stuck).
var stuck func()
var stuckOnce sync.Once

func postJSON(ctx context.Context, hc *http.Client, url string, header map[string]string, v any, want int, out any) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if stuck != nil {
		t := time.AfterFunc(10*time.Second, func() { stuckOnce.Do(stuck) })
		defer t.Stop()
	}
	body, _ := json.Marshal(v)
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("POST %s: %d %s", url, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

type chatJob struct {
	conversationID int64
	visitor        int
	done           chan chatReply
}

type chatReply struct {
	id   int64
	sent time.Time
	post time.Duration
	err  error
}

func chatOne(ctx context.Context, o options, bin, tmp, db string) error {
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
	c := newClient(s.Addr, token, *chatAgents+4)
	if err := waitReady(ctx, c); err != nil {
		return err
	}
	var me struct {
		ID int64 `json:"id"`
	}
	if err := c.json(ctx, "GET", "/api/v1/me", nil, 200, &me); err != nil {
		return err
	}
	var inbox struct {
		ID int64 `json:"id"`
	}
	if err := c.json(ctx, "POST", "/api/v1/inboxes", map[string]any{"name": "Bench chat", "channel": "chat", "settings": map[string]any{
		"widget_key": "bench-chat", "secret": benchSecret, "prechat_fields": []string{"name"}}}, 201, &inbox); err != nil {
		return err
	}
	if err := c.json(ctx, "POST", fmt.Sprintf("/api/v1/inboxes/%d/members", inbox.ID), map[string]any{"user_id": me.ID}, 200, nil); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if dump := os.Getenv("PARLEY_BENCH_DUMP"); dump != "" {
		stuck = func() {
			_ = s.cmd.Process.Signal(syscall.SIGQUIT)
			time.Sleep(2 * time.Second)
			full, _ := os.ReadFile(s.logPath)
			_ = os.WriteFile(dump, full, 0o600)
		}
	}

	// The agents' screen: the web app's event stream.
	toAgent := newArrivals()
	agentStream, err := openStream(ctx, c.http, c.base+"/api/v1/events/stream", map[string]string{"Authorization": "Bearer " + token})
	if err != nil {
		return err
	}
	go func() {
		defer toAgent.end("the agents' event stream ended")
		readSSE(agentStream, func(event, data string) {
			at := time.Now()
			var e struct {
				Action string `json:"action"`
				After  struct {
					MessageID int64 `json:"message_id"`
				} `json:"after"`
			}
			if event == "conversation" && json.Unmarshal([]byte(data), &e) == nil && e.Action == "message.created" {
				toAgent.arrived(e.After.MessageID, at)
			}
		})
	}()

	// Agents answer whatever visitors wrote, -agents at a time.
	jobs := make(chan chatJob)
	reply, _ := json.Marshal(map[string]string{"body": "Thanks! Your parcel is with the courier and arrives tomorrow before noon."})
	for range *chatAgents {
		go func() {
			for j := range jobs {
				t0 := time.Now()
				st, b, err := c.do(ctx, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", j.conversationID), reply, true)
				post := time.Since(t0)
				if err == nil {
					err = expect(st, b, nil, 201)
				}
				var m struct {
					ID int64 `json:"id"`
				}
				_ = json.Unmarshal(b, &m)
				j.done <- chatReply{id: m.ID, sent: t0, post: post, err: err}
			}
		}()
	}

	type result struct {
		toVisitor, toAgent, visitorPost, agentPost []time.Duration
		warmToAgent                                []time.Duration // the untimed first exchanges, reported apart
		err                                        error
	}
	results := make(chan result, *chatVisitors)
	fmt.Fprintf(os.Stderr, "chat: %d visitors × %d exchanges with %d agents …\n", *chatVisitors, *chatRounds, *chatAgents)
	start := time.Now()
	for v := range *chatVisitors {
		go func() {
			var r result
			defer func() { results <- r }()
			hc := visitorClient(v)
			var sess struct {
				Token string `json:"token"`
			}
			if r.err = postJSON(ctx, hc, c.base+"/widget/sessions", nil, map[string]any{"key": "bench-chat", "name": fmt.Sprintf("Visitor %d", v)}, 201, &sess); r.err != nil {
				return
			}
			hdr := map[string]string{"X-Parley-Visitor": sess.Token}
			body, err := openStream(ctx, hc, c.base+"/widget/stream", hdr)
			if err != nil {
				r.err = err
				return
			}
			defer body.Close()
			mine := newArrivals()
			ready := make(chan struct{})
			go func() {
				defer mine.end(fmt.Sprintf("visitor %d's widget stream ended (the server closes a lagging stream; widget.js reconnects and rereads its history)", v))
				readSSE(body, func(event, data string) {
					at := time.Now()
					switch event {
					case "ready":
						close(ready)
					case "message":
						var m struct {
							ID int64 `json:"id"`
						}
						if json.Unmarshal([]byte(data), &m) == nil {
							mine.arrived(m.ID, at)
						}
					}
				})
			}()
			select {
			case <-ready:
			case <-time.After(30 * time.Second):
				r.err = fmt.Errorf("visitor %d: no ready event", v)
				return
			}
			done := make(chan chatReply, 1)
			for i := range *chatWarmup + *chatRounds {
				timed := i >= *chatWarmup
				var m struct {
					ID             int64 `json:"id"`
					ConversationID int64 `json:"conversation_id"`
				}
				t0 := time.Now()
				if r.err = postJSON(ctx, hc, c.base+"/widget/messages", hdr, map[string]any{"body": fmt.Sprintf("Question %d: where is my parcel?", i),
					"client_id": fmt.Sprintf("v%d-%d", v, i)}, 201, &m); r.err != nil {
					return
				}
				posted := time.Since(t0)
				at, err := toAgent.await(ctx, m.ID)
				if err != nil {
					r.err = fmt.Errorf("visitor → agent: %w", err)
					return
				}
				if !timed {
					r.warmToAgent = append(r.warmToAgent, at.Sub(t0))
				} else {
					r.visitorPost = append(r.visitorPost, posted)
					r.toAgent = append(r.toAgent, at.Sub(t0))
				}
				jobs <- chatJob{conversationID: m.ConversationID, visitor: v, done: done}
				rep := <-done
				if rep.err != nil {
					r.err = rep.err
					return
				}
				got, err := mine.await(ctx, rep.id)
				if err != nil {
					r.err = fmt.Errorf("agent reply → visitor %d: %w", v, err)
					return
				}
				if timed {
					r.agentPost = append(r.agentPost, rep.post)
					r.toVisitor = append(r.toVisitor, got.Sub(rep.sent))
				}
			}
		}()
	}
	var all result
	for range *chatVisitors {
		r := <-results
		all.toVisitor = append(all.toVisitor, r.toVisitor...)
		all.toAgent = append(all.toAgent, r.toAgent...)
		all.visitorPost = append(all.visitorPost, r.visitorPost...)
		all.agentPost = append(all.agentPost, r.agentPost...)
		all.warmToAgent = append(all.warmToAgent, r.warmToAgent...)
		if r.err != nil && all.err == nil {
			all.err = r.err
		}
	}
	close(jobs)
	elapsed := time.Since(start)
	if all.err != nil {
		return all.err
	}
	tv, ta, vp, ap := summarize(all.toVisitor), summarize(all.toAgent), summarize(all.visitorPost), summarize(all.agentPost)
	fmt.Fprintf(os.Stderr, "chat: %d replies in %v; reply → visitor p50 %v p99 %v; visitor → agent p50 %v p99 %v; agent POST p99 %v, visitor POST p99 %v\n",
		tv.N, elapsed.Round(time.Millisecond), tv.P50, tv.P99, ta.P50, ta.P99, ap.P99, vp.P99)
	// The delivery alone: each reply's arrival minus its POST's answer.
	var after []time.Duration
	for i := range all.toVisitor {
		after = append(after, max(0, all.toVisitor[i]-all.agentPost[i]))
	}
	dv := summarize(after)
	if len(all.warmToAgent) > 0 {
		w := summarize(all.warmToAgent)
		fmt.Fprintf(os.Stderr, "chat: the %d untimed first exchanges (new conversations, all at once): visitor → agent p50 %v p99 %v\n", w.N, w.P50, w.P99)
	}
	fmt.Fprintf(os.Stderr, "chat: after the agent's POST answered, the visitor had it in p50 %v p90 %v p99 %v\n", dv.P50, dv.P90, dv.P99)
	fmt.Printf("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", db, tv.N, ms(tv.P50), ms(tv.P90), ms(tv.P99), ms(tv.Max),
		ms(ta.P50), ms(ta.P99), ms(vp.P50), ms(ap.P50))
	return nil
}
