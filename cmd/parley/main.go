// Command parley runs the Parley helpdesk: the server, migrations and
// administration, all in one binary.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/app"
	"github.com/parley-hq/parley/internal/dataset"
	"github.com/parley-hq/parley/internal/demo"
	"github.com/parley-hq/parley/internal/model"
)

const usage = `parley — an open-source helpdesk

Usage:
  parley serve [--addr 127.0.0.1:8080] [--data ./parley-data] [--database URL] [--demo] [--smtp-addr :2525]
  parley migrate [--data DIR] [--database URL]
  parley admin create-user --email E --name N --role admin|supervisor|agent --password-stdin
  parley admin create-token --email E [--name LABEL]
  parley admin rebuild-reports [--data DIR] [--database URL]
  parley generate [--data DIR] [--database URL] [--conversations 1000000] [--messages 10] [--seed 1]

Every flag has a PARLEY_* environment twin (PARLEY_ADDR, PARLEY_DATA,
PARLEY_DATABASE_URL, PARLEY_DEMO).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "parley:", err)
		os.Exit(1)
	}
}

// dbFlags are the flags every command that opens the database shares.
type dbFlags struct {
	data, database string
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func (d *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.data, "data", env("PARLEY_DATA", "./parley-data"), "data directory (SQLite file, attachments)")
	fs.StringVar(&d.database, "database", env("PARLEY_DATABASE_URL", ""), "postgres://… to use PostgreSQL; empty for SQLite in the data dir")
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return errors.New("no command given")
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(logger)
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, logger)
	case "migrate":
		var d dbFlags
		fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
		d.register(fs)
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		a, err := app.Open(ctx, app.Config{DataDir: d.data, DatabaseURL: d.database, Logger: logger})
		if err != nil {
			return err
		}
		defer a.Close()
		fmt.Fprintln(stdout, "migrations applied")
		return nil
	case "admin":
		if len(args) < 2 {
			return errors.New("admin needs a command: create-user, create-token or rebuild-reports")
		}
		return admin(ctx, args[1], args[2:], stdin, stdout, logger)
	case "generate":
		return generate(ctx, args[1:], stdout, logger)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q; run parley help", args[0])
}

func serve(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger) error {
	var d dbFlags
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	d.register(fs)
	addr := fs.String("addr", env("PARLEY_ADDR", "127.0.0.1:8080"), "address to listen on")
	smtpAddr := fs.String("smtp-addr", env("PARLEY_SMTP_ADDR", ""), "address for Parley's own SMTP listener (mail for email inboxes), e.g. :2525")
	publicURL := fs.String("public-url", env("PARLEY_PUBLIC_URL", ""), "where customers reach this server, for links in CSAT surveys (https://help.example.com)")
	weeklyAt := fs.String("weekly-report-at", env("PARLEY_WEEKLY_REPORT_AT", "monday 08:00"), "when the weekly summary email goes out to supervisors who opted in")
	weeklyTZ := fs.String("weekly-report-tz", env("PARLEY_WEEKLY_REPORT_TZ", "UTC"), "time zone of -weekly-report-at and of the week it reports (IANA name)")
	demoFlag := fs.Bool("demo", env("PARLEY_DEMO", "") == "true" || env("PARLEY_DEMO", "") == "1", "fill an empty database with a demo helpdesk")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := app.Open(ctx, app.Config{Addr: *addr, DataDir: d.data, DatabaseURL: d.database, Demo: *demoFlag, Logger: logger,
		SMTPAddr: *smtpAddr, PublicURL: *publicURL,
		WeeklyReportAt: *weeklyAt, WeeklyReportTZ: *weeklyTZ})
	if err != nil {
		return err
	}
	defer a.Close()
	var login *demo.Login
	if *demoFlag {
		login, err = demo.Seed(ctx, a)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return a.Serve(ctx, func(bound string) {
		fmt.Fprintf(stdout, "Parley is listening on http://%s\n", bound)
		if a.SetupCode != "" {
			fmt.Fprintf(stdout, "First run: open http://%s/setup and enter the setup code %s to create the first admin\n", bound, a.SetupCode)
		}
		if login != nil {
			fmt.Fprintf(stdout, "Demo login: %s / %s  (API token: %s)\n", login.Email, login.Password, login.Token)
		}
	})
}

func admin(ctx context.Context, cmd string, args []string, stdin io.Reader, stdout io.Writer, logger *slog.Logger) error {
	var d dbFlags
	fs := flag.NewFlagSet("admin "+cmd, flag.ContinueOnError)
	d.register(fs)
	email := fs.String("email", "", "the user's email")
	switch cmd {
	case "create-user":
		name := fs.String("name", "", "the user's name")
		role := fs.String("role", "agent", "admin, supervisor or agent")
		pwStdin := fs.Bool("password-stdin", false, "read the password from standard input")
		if err := fs.Parse(args); err != nil {
			return err
		}
		password := ""
		if *pwStdin {
			line, err := bufio.NewReader(stdin).ReadString('\n')
			if err != nil && !errors.Is(err, io.EOF) {
				return err
			}
			password = strings.TrimRight(line, "\r\n")
		}
		a, err := app.Open(ctx, app.Config{DataDir: d.data, DatabaseURL: d.database, Logger: logger})
		if err != nil {
			return err
		}
		defer a.Close()
		u, err := a.Accounts.CreateUser(ctx, model.System, account.UserCreateRequest{Email: *email, Name: *name, Role: model.Role(*role), Password: password})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created %s %s (id %d)\n", u.Role, u.Email, u.ID)
		return nil
	case "create-token":
		label := fs.String("name", "", "a label for the token")
		if err := fs.Parse(args); err != nil {
			return err
		}
		a, err := app.Open(ctx, app.Config{DataDir: d.data, DatabaseURL: d.database, Logger: logger})
		if err != nil {
			return err
		}
		defer a.Close()
		u, err := a.Accounts.UserByEmail(ctx, *email)
		if err != nil {
			return err
		}
		secret, _, err := a.Accounts.CreateToken(ctx, model.System, u.ID, *label)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, secret)
		return nil
	case "rebuild-reports":
		// Derives every report fact again from the event log: after a
		// restore, a change of business hours, or a bulk import.
		if err := fs.Parse(args); err != nil {
			return err
		}
		a, err := app.Open(ctx, app.Config{DataDir: d.data, DatabaseURL: d.database, Logger: logger})
		if err != nil {
			return err
		}
		defer a.Close()
		started := time.Now()
		n, err := a.Reports.Rebuild(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rebuilt the report facts of %d conversations in %s\n", n, time.Since(started).Round(time.Millisecond))
		return nil
	}
	return fmt.Errorf("unknown admin command %q; use create-user, create-token or rebuild-reports", cmd)
}

// generate fills a freshly migrated database with a benchmark dataset.
func generate(ctx context.Context, args []string, stdout io.Writer, logger *slog.Logger) error {
	var d dbFlags
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	d.register(fs)
	conversations := fs.Int("conversations", 1_000_000, "conversations to generate")
	messages := fs.Int("messages", 10, "average messages per conversation")
	seed := fs.Uint64("seed", 1, "random seed; the same seed gives the same dataset")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := app.Open(ctx, app.Config{DataDir: d.data, DatabaseURL: d.database, Logger: logger})
	if err != nil {
		return err
	}
	defer a.Close()
	st, err := dataset.Generate(ctx, a.Store, dataset.Options{Conversations: *conversations, Messages: *messages,
		Seed: *seed, Jobs: a.Jobs, Logger: logger, Reports: a.Reports})
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	fmt.Fprintf(stdout, "generated %d conversations, %d messages, %d events, %d contacts and %d users in %s (rows %s, indexes %s, report facts %s)\n",
		st.Conversations, st.Messages, st.Events, st.Contacts, st.Users, st.Total.Round(time.Second), st.Load.Round(time.Second), st.Index.Round(time.Second),
		st.Reports.Round(time.Second))
	fmt.Fprintf(stdout, "statuses: %v; snoozed %d; %d jobs scheduled\n", st.ByStatus, st.Snoozed, st.Jobs)
	fmt.Fprintf(stdout, "users have no password; get an API token with: parley admin create-token --email %s\n", dataset.AdminEmail)
	return nil
}
