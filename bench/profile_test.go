package main

// In-process Go benchmarks of the paths `go run ./bench` measures over a
// real subprocess, for profiling:
//
//	go test ./bench -run '^$' -bench CreateMessage -cpuprofile /tmp/cpu.out
//	go tool pprof -top /tmp/cpu.out
//
// They run on SQLite; set PARLEY_BENCH_POSTGRES to a postgres:// URL of a
// server where a database may be created to run them on PostgreSQL instead.
// They are never run by `go test` without -bench.

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/app"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
)

type benchEnv struct {
	app   *app.App
	srv   *httptest.Server
	c     *client
	token string
	convs []int64
}

func openBench(b *testing.B, convs int) *benchEnv {
	b.Helper()
	ctx := context.Background()
	cfg := app.Config{DataDir: b.TempDir()}
	if u := os.Getenv("PARLEY_BENCH_POSTGRES"); u != "" {
		pg, err := createPostgres(ctx, u)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = pg.Drop() })
		cfg.DatabaseURL = pg.URL
	}
	a, err := app.Open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	u, err := a.Accounts.CreateUser(ctx, model.System, account.UserCreateRequest{Email: "bench@example.com", Name: "Bench", Role: model.RoleAdmin})
	if err != nil {
		b.Fatal(err)
	}
	token, _, err := a.Accounts.CreateToken(ctx, model.System, u.ID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	b.Cleanup(srv.Close)
	e := &benchEnv{app: a, srv: srv, token: token, c: newClient(srv.Listener.Addr().String(), token, 16)}
	var inbox struct {
		ID int64 `json:"id"`
	}
	if err := e.c.json(ctx, "POST", "/api/v1/inboxes", map[string]any{"name": "Bench API", "channel": "api"}, 201, &inbox); err != nil {
		b.Fatal(err)
	}
	for i := range convs {
		var conv struct {
			ID int64 `json:"id"`
		}
		if err := e.c.json(ctx, "POST", "/api/v1/conversations", map[string]any{
			"inbox_id": inbox.ID,
			"contact":  map[string]any{"email": fmt.Sprintf("customer%d@example.com", i)},
			"subject":  "Order has not arrived",
			"message":  map[string]any{"body": "Hello, where is my order?", "direction": "incoming"},
		}, 201, &conv); err != nil {
			b.Fatal(err)
		}
		e.convs = append(e.convs, conv.ID)
	}
	return e
}

// BenchmarkCreateMessage posts messages over HTTP from 16 goroutines
// (8 per GOMAXPROCS on the 2-core machine), like the bench's load phase.
func BenchmarkCreateMessage(b *testing.B) {
	e := openBench(b, 200)
	body := []byte(`{"body":"Thanks for waiting. Your parcel left on Monday and should reach you within two working days.","direction":"outgoing"}`)
	var seq int64
	b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			i := int(atomic.AddInt64(&seq, 1))
			id := e.convs[i%len(e.convs)]
			st, rb, err := e.c.do(ctx, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", id), body, true)
			if err := expect(st, rb, err, 201); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkAddMessage calls the service directly, without HTTP, one at a time.
func BenchmarkAddMessage(b *testing.B) {
	e := openBench(b, 200)
	ctx := context.Background()
	p, err := e.app.Accounts.AuthenticateToken(ctx, e.token)
	if err != nil {
		b.Fatal(err)
	}
	actor := p.Actor()
	b.ResetTimer()
	for i := range b.N {
		if _, err := e.app.Conversations.AddMessage(ctx, actor, e.convs[i%len(e.convs)], conversation.MessageRequest{Body: "Thanks for waiting. Your parcel left on Monday.", Direction: "outgoing"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthenticateToken resolves a bearer token in process.
func BenchmarkAuthenticateToken(b *testing.B) {
	e := openBench(b, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ResetTimer()
	for range b.N {
		if _, err := e.app.Accounts.AuthenticateToken(ctx, e.token); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthHTTP compares the same authenticated route with and
// without a token, sequentially over one keep-alive connection.
func BenchmarkAuthHTTP(b *testing.B) {
	e := openBench(b, 0)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		auth bool
		want int
	}{{"no-token", false, 401}, {"token", true, 404}} {
		b.Run(tc.name, func(b *testing.B) {
			for range b.N {
				st, rb, err := e.c.do(ctx, "GET", "/api/v1/conversations/0", nil, tc.auth)
				if err := expect(st, rb, err, tc.want); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
