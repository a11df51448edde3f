package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/parley-hq/parley/internal/testutil"
)

// TestTwoProcessesShareEvents runs two real `parley serve` processes on one
// PostgreSQL database, as two nodes behind a load balancer: a conversation
// created through one reaches an event stream connected to the other.
func TestTwoProcessesShareEvents(t *testing.T) {
	base := testutil.PostgresURL(t)
	dbURL := freshDatabase(t, base)
	dir := t.TempDir()
	bin := filepath.Join(dir, "parley")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	run := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append(args, "--data", dir, "--database", dbURL)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("parley %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	run("", "migrate")
	run("a-long-password\n", "admin", "create-user", "--email", "ops@example.com", "--name", "Ops", "--role", "admin", "--password-stdin")
	token := strings.TrimSpace(run("", "admin", "create-token", "--email", "ops@example.com"))

	a, b := startNode(t, bin, dir, dbURL), startNode(t, bin, dir, dbURL)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", b+"/api/v1/events/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("stream on node B: %v %v", err, resp)
	}
	defer resp.Body.Close()
	events := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "data: ") {
				events <- line[6:]
			}
		}
	}()
	// Node B's LISTEN connection starts with it; give it a moment.
	time.Sleep(500 * time.Millisecond)

	post := func(path, body string) map[string]any {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, "POST", a+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		var m map[string]any
		b, _ := io.ReadAll(r.Body)
		if r.StatusCode >= 300 || json.Unmarshal(b, &m) != nil {
			t.Fatalf("POST %s on node A: %d %s", path, r.StatusCode, b)
		}
		return m
	}
	inbox := post("/api/v1/inboxes", `{"name":"API","channel":"api"}`)
	conv := post("/api/v1/conversations", `{"inbox_id":`+jsonNumber(inbox["id"])+`,"contact":{"email":"jo@example.com"},"message":{"body":"Hello from node A","direction":"incoming"}}`)
	want := jsonNumber(conv["id"])
	deadline := time.After(5 * time.Second)
	for {
		select {
		case data := <-events:
			var e struct {
				ConversationID json.Number `json:"conversation_id"`
				Action         string      `json:"action"`
			}
			if json.Unmarshal([]byte(data), &e) == nil && e.ConversationID.String() == want && e.Action == "conversation.created" {
				return
			}
		case <-deadline:
			t.Fatalf("node B's stream did not get conversation %s created on node A", want)
		}
	}
}

func jsonNumber(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// startNode starts `parley serve` on a free port and returns its base URL.
func startNode(t *testing.T, bin, dir, dbURL string) string {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", dir, "--database", dbURL)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "Parley is listening on "); ok {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return strings.TrimSpace(rest)
		}
	}
	t.Fatal("parley serve did not say where it listens")
	return ""
}

// freshDatabase creates an empty database for the test and drops it after.
func freshDatabase(t *testing.T, base string) string {
	t.Helper()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "parley_nodes_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err == nil {
			_, _ = db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			db.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
