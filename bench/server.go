package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to create and drop the bench database
)

// moduleRoot finds the directory holding go.mod, from the working directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found; run the benchmark from inside the repository")
		}
		dir = parent
	}
}

// buildParley compiles ./cmd/parley into dir and returns the binary's path.
func buildParley(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "parley")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/parley")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/parley: %w", err)
	}
	return bin, nil
}

// pgDatabase is a fresh PostgreSQL database made for one run.
type pgDatabase struct {
	admin *sql.DB
	name  string
	URL   string
}

// createPostgres makes a uniquely named database on the server adminURL names.
func createPostgres(ctx context.Context, adminURL string) (*pgDatabase, error) {
	db, err := sql.Open("pgx", adminURL)
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", redact(adminURL), err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "parley_bench_" + hex.EncodeToString(b[:])
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		db.Close()
		return nil, fmt.Errorf("create database: %w", err)
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		db.Close()
		return nil, err
	}
	u.Path = "/" + name
	return &pgDatabase{admin: db, name: name, URL: u.String()}, nil
}

// Drop removes the database, closing any connection still open to it.
func (p *pgDatabase) Drop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := p.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+p.name+" WITH (FORCE)")
	return errors.Join(err, p.admin.Close())
}

func redact(u string) string {
	if pu, err := url.Parse(u); err == nil {
		return pu.Redacted()
	}
	return "the PostgreSQL URL"
}

// server is one running `parley serve` subprocess.
type server struct {
	bin, data, database string
	cmd                 *exec.Cmd
	Addr                string
	Pid                 int
	logPath             string
	logDir              string // where serve.log goes; the data directory when empty
	exited              chan error
	extraArgs           []string // more serve flags (the email suite's --smtp-addr)
}

// dbArgs are the --data/--database flags every parley command shares.
func (s *server) dbArgs() []string {
	args := []string{"--data", s.data}
	if s.database != "" {
		args = append(args, "--database", s.database)
	}
	return args
}

// parley runs a parley admin command to completion and returns its output.
func (s *server) parley(ctx context.Context, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, s.bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("parley %s: %w\n%s", strings.Join(args[:2], " "), err, errb.String())
	}
	return out.String(), nil
}

// createAdmin makes the bench admin and returns an API token for it.
func (s *server) createAdmin(ctx context.Context, email string) (string, error) {
	args := append([]string{"admin", "create-user"}, s.dbArgs()...)
	args = append(args, "--email", email, "--name", "Bench Admin", "--role", "admin", "--password-stdin")
	if _, err := s.parley(ctx, "bench-password-123\n", args...); err != nil {
		return "", err
	}
	args = append([]string{"admin", "create-token"}, s.dbArgs()...)
	args = append(args, "--email", email, "--name", "bench")
	out, err := s.parley(ctx, "", args...)
	if err != nil {
		return "", err
	}
	token := strings.TrimSpace(out)
	if token == "" || strings.ContainsAny(token, " \n") {
		return "", fmt.Errorf("create-token printed %q, not a token", out)
	}
	return token, nil
}

// start runs `parley serve` on a free loopback port and waits until it
// prints the address it listens on.
func (s *server) start(ctx context.Context) error {
	args := append([]string{"serve"}, s.dbArgs()...)
	args = append(args, "--addr", "127.0.0.1:0")
	args = append(args, s.extraArgs...)
	s.cmd = exec.Command(s.bin, args...)
	// If the bench dies without cleaning up, the server goes with it.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	logDir := s.logDir
	if logDir == "" {
		logDir = s.data
	}
	s.logPath = filepath.Join(logDir, "serve.log")
	logf, err := os.Create(s.logPath)
	if err != nil {
		return err
	}
	s.cmd.Stderr = logf
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return err
	}
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	s.Pid = s.cmd.Process.Pid
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "Parley is listening on http://"); ok {
				addrc <- strings.TrimSpace(a)
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	s.exited = make(chan error, 1)
	go func() {
		err := s.cmd.Wait()
		logf.Close()
		s.exited <- err
	}()
	select {
	case s.Addr = <-addrc:
		return nil
	case err := <-s.exited:
		s.exited <- err
		return fmt.Errorf("parley serve exited before listening (%v); its log:\n%s", err, s.log())
	case <-time.After(60 * time.Second):
		s.stop()
		return fmt.Errorf("parley serve did not start within 60s; its log:\n%s", s.log())
	case <-ctx.Done():
		s.stop()
		return ctx.Err()
	}
}

func (s *server) log() string {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// stop asks the server to shut down gracefully, and kills it after 20s.
func (s *server) stop() error {
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.exited:
		s.exited <- err
		return err
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		err := <-s.exited
		s.exited <- err
		return fmt.Errorf("parley serve did not stop within 20s after SIGTERM; killed")
	}
}

// memory reads the resident set (VmRSS) and its peak (VmHWM) of a process, in bytes.
func memory(pid int) (rss, hwm int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		fields := strings.Fields(val) // "12345 kB"
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, 0, fmt.Errorf("unexpected %s line %q", key, sc.Text())
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, 0, err
		}
		if key == "VmRSS" {
			rss = kb * 1024
		} else {
			hwm = kb * 1024
		}
	}
	if rss == 0 || hwm == 0 {
		return 0, 0, fmt.Errorf("no VmRSS/VmHWM in /proc/%d/status", pid)
	}
	return rss, hwm, sc.Err()
}

// processCPU is the user and system CPU time a process has used so far,
// from /proc/<pid>/stat (in clock ticks of 1/100 s on Linux).
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces; fields are counted after its ")".
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	// After the name: state(3) … utime(14) stime(15), so indexes 11 and 12 here.
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	const ticksPerSecond = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticksPerSecond, nil
}

// selfCPU is the CPU time this process (the load generator) has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machineCPU is the CPU time all processes on the machine have used so far
// (every CPU's busy time from /proc/stat, without idle and iowait).
func machineCPU() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0
	}
	var busy int64
	for i, v := range f[1:] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		if i >= 8 { // guest time is already counted in user
			break
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		busy += n
	}
	return time.Duration(busy) * time.Second / 100
}

// postgresCPU is the CPU time every process named "postgres" has used so
// far: the database server's share of the work on the PostgreSQL pass.
// Processes that end in between are missed, which only ever lowers it.
func postgresCPU() time.Duration {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var total time.Duration
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			continue
		}
		if d, err := processCPU(pid); err == nil {
			total += d
		}
	}
	return total
}

// buildInfo names the commit the binary was built from, and whether the
// working tree had changes, from `go version -m`.
func buildInfo(ctx context.Context, bin string) string {
	out, err := exec.CommandContext(ctx, "go", "version", "-m", bin).Output()
	if err != nil {
		return "unknown build"
	}
	var rev, modified, goVersion string
	for i, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if i == 0 && len(f) >= 2 {
			goVersion = f[1]
		}
		if len(f) >= 2 && f[0] == "build" {
			if v, ok := strings.CutPrefix(f[1], "vcs.revision="); ok {
				rev = v
			}
			if v, ok := strings.CutPrefix(f[1], "vcs.modified="); ok {
				modified = v
			}
		}
	}
	if rev == "" {
		// GOFLAGS=-buildvcs=false leaves the binary without it; ask git.
		root, _ := moduleRoot()
		git := func(args ...string) string {
			cmd := exec.CommandContext(ctx, "git", append([]string{"--no-optional-locks"}, args...)...)
			cmd.Dir = root
			b, _ := cmd.Output()
			return strings.TrimSpace(string(b))
		}
		if rev = git("rev-parse", "HEAD"); rev == "" {
			return "built with " + goVersion + " (no VCS information)"
		}
		modified = fmt.Sprint(git("status", "--porcelain", "--untracked-files=no") != "")
	}
	s := "commit " + rev
	if modified == "true" {
		s += " plus uncommitted changes"
	}
	return s + ", built with " + goVersion
}

// cpuMark is where the CPU counters stood when a phase began.
type cpuMark struct {
	pid                          int
	at                           time.Time
	server, bench, postgres, all time.Duration
}

func markCPU(pid int) cpuMark {
	srv, _ := processCPU(pid)
	return cpuMark{pid: pid, at: time.Now(), server: srv, bench: selfCPU(), postgres: postgresCPU(), all: machineCPU()}
}

// cpuShare is who used the machine's CPUs during a phase.
type cpuShare struct {
	wall                         time.Duration
	server, bench, postgres, all time.Duration
}

func (m cpuMark) since() cpuShare {
	end := markCPU(m.pid)
	return cpuShare{wall: end.at.Sub(m.at), server: end.server - m.server, bench: end.bench - m.bench,
		postgres: end.postgres - m.postgres, all: end.all - m.all}
}

func (c cpuShare) cores(d time.Duration) float64 {
	if c.wall <= 0 {
		return 0
	}
	return d.Seconds() / c.wall.Seconds()
}

// String is the cores each party used on average: server / load generator / PostgreSQL / other.
func (c cpuShare) String() string {
	other := c.all - c.server - c.bench - c.postgres
	return fmt.Sprintf("%.2f / %.2f / %.2f / %.2f", c.cores(c.server), c.cores(c.bench), c.cores(c.postgres), c.cores(other))
}

// freshServer prepares a server on a new data directory under tmp (and, for
// PostgreSQL, a new database) with an admin whose API token it returns;
// the caller starts it. drop removes the database; call it when done.
func freshServer(ctx context.Context, bin, tmp, db, pgURL, adminEmail string) (s *server, token string, drop func(), err error) {
	drop = func() {}
	s = &server{bin: bin, data: fmt.Sprintf("%s/%s-data", tmp, db)}
	if err := os.MkdirAll(s.data, 0o700); err != nil {
		return nil, "", drop, err
	}
	if db == "postgres" {
		pg, err := createPostgres(ctx, pgURL)
		if err != nil {
			return nil, "", drop, err
		}
		drop = func() {
			if err := pg.Drop(); err != nil {
				fmt.Fprintf(os.Stderr, "bench: drop database %s: %v\n", pg.name, err)
			}
		}
		s.database = pg.URL
	}
	if token, err = s.createAdmin(ctx, adminEmail); err != nil {
		drop()
		return nil, "", func() {}, err
	}
	return s, token, drop, nil
}
