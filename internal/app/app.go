// Package app is Parley's composition root: it builds the store, the job
// queue, the services and the HTTP handler from one Config, and nothing
// else in the program reaches for globals.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/automation"
	"github.com/parley-hq/parley/internal/blob"
	"github.com/parley-hq/parley/internal/channel"
	"github.com/parley-hq/parley/internal/channel/apichannel"
	"github.com/parley-hq/parley/internal/channel/chat"
	"github.com/parley-hq/parley/internal/channel/email"
	"github.com/parley-hq/parley/internal/channel/phone"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/csat"
	"github.com/parley-hq/parley/internal/dashboard"
	"github.com/parley-hq/parley/internal/digest"
	"github.com/parley-hq/parley/internal/httpapi"
	"github.com/parley-hq/parley/internal/jobs"
	"github.com/parley-hq/parley/internal/macro"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/realtime"
	"github.com/parley-hq/parley/internal/report"
	"github.com/parley-hq/parley/internal/sla"
	"github.com/parley-hq/parley/internal/store"
	"github.com/parley-hq/parley/internal/template"
	"github.com/parley-hq/parley/internal/view"
	"github.com/parley-hq/parley/internal/web"
)

// Config is everything Parley is started with.
type Config struct {
	Addr        string
	DataDir     string
	DatabaseURL string
	Demo        bool
	Logger      *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// JobPollInterval is how often idle nodes look for due jobs.
	JobPollInterval time.Duration
	// SMTPAddr, if set, is where Parley's own SMTP listener takes mail
	// for email inboxes.
	SMTPAddr string
	// PublicURL is where customers reach this server (links in CSAT
	// surveys), like "https://help.example.com".
	PublicURL string
	// AllowPrivateWebhooks lets automation webhooks reach loopback and
	// private addresses (tests, self-hosted receivers).
	AllowPrivateWebhooks bool
	// WeeklyReportAt ("monday 08:00") and WeeklyReportTZ (IANA name) say
	// when the weekly summary email goes out; empty: Monday 08:00 UTC.
	WeeklyReportAt string
	WeeklyReportTZ string
}

// App is a built Parley.
type App struct {
	Config        Config
	Store         *store.Store
	Jobs          *jobs.Queue
	Accounts      *account.Service
	Contacts      *contact.Service
	Conversations *conversation.Service
	Views         *view.Service
	Templates     *template.Service
	Macros        *macro.Service
	Automation    *automation.Service
	SLA           *sla.Service
	Reports       *report.Service
	Hub           *realtime.Hub
	Blobs         *blob.Store
	Email         *email.Channel
	Webhooks      *channel.Webhooks
	APIChannel    *apichannel.Service
	Phone         *phone.Service
	Chat          *chat.Service
	Dashboard     *dashboard.Service
	Digest        *digest.Service
	// SetupCode guards the first-run page of an empty install; empty once
	// users exist.
	SetupCode string
	Handler   http.Handler
}

// Open connects to the database, applies migrations and builds the services.
func Open(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	st, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	q, err := jobs.New(ctx, st, jobs.Options{Logger: cfg.Logger, PollInterval: cfg.JobPollInterval})
	if err != nil {
		st.Close()
		return nil, err
	}
	a := &App{Config: cfg, Store: st, Jobs: q}
	a.Accounts = account.New(st, cfg.Now)
	a.Hub = realtime.NewHub(st, cfg.Logger)
	a.Contacts = contact.New(st, cfg.Now, a.Hub.Announce)
	a.Conversations = conversation.New(st, q, cfg.Now, a.Hub.Announce)
	a.Conversations.RegisterWorkers(q.Workers)
	a.Views = view.New(st, a.Conversations, cfg.Now)
	if a.Blobs, err = blob.New(filepath.Join(dataDirOr(cfg.DataDir), "blobs")); err != nil {
		st.Close()
		return nil, err
	}
	a.Contacts.SetBlobs(a.Blobs)
	a.Email = email.New(st, a.Conversations, a.Blobs, q, cfg.Now, cfg.Logger)
	a.Email.RegisterWorkers(q.Workers)
	a.SLA = sla.New(st, a.Conversations, q, cfg.Now, cfg.Logger)
	a.SLA.SetMailer(func(ctx context.Context, to, subject, text, key string) error {
		err := a.Email.SendNotice(ctx, email.Notice{To: to, Subject: subject, Text: text, Key: key})
		if errors.Is(err, email.ErrNoSender) {
			return sla.ErrNoMailServer
		}
		return err
	})
	a.SLA.RegisterWorkers(q.Workers)
	// Report facts are kept in each command's transaction, after the SLA
	// clocks, so that outcomes the clocks record are counted at once.
	a.Reports = report.New(st, cfg.Now)
	a.Conversations.SetFacts(a.Reports)
	if cfg.PublicURL == "" && cfg.Addr != "" {
		cfg.PublicURL = "http://" + cfg.Addr
	}
	// Automation asks the SLA service whether an inbox is within its
	// business hours.
	hours := a.SLA
	a.Templates = template.New(st, a.Conversations, hours, cfg.Now)
	a.Macros = macro.New(st, cfg.Now)
	a.Automation = automation.New(st, cfg.Now)
	a.Conversations.SetAutomation(conversation.AutomationDeps{Rules: a.Automation, Templates: a.Templates, Hours: hours,
		PublicURL: cfg.PublicURL, AllowPrivateWebhooks: cfg.AllowPrivateWebhooks})
	a.Conversations.RegisterAutomationWorkers(q.Workers)
	a.Accounts.OnUnavailable = a.Conversations.UserUnavailableTx
	a.Webhooks = channel.NewWebhooks(st, q, q.Workers, cfg.Now)
	a.APIChannel = apichannel.New(st, a.Conversations, a.Webhooks, cfg.Now)
	a.Phone = phone.New(st, a.Conversations, cfg.Now)
	a.Chat = chat.New(st, a.Conversations, a.Email, a.Blobs, cfg.Now)
	a.Accounts.SetSettingsCheck(model.ChannelEmail, email.CheckSettings)
	a.Dashboard = dashboard.New(st, cfg.Now)
	schedule, err := digest.ParseSchedule(cfg.WeeklyReportAt, cfg.WeeklyReportTZ)
	if err != nil {
		st.Close()
		return nil, err
	}
	a.Digest = digest.New(st, q, a.Reports, a.Dashboard, a.Email, schedule, cfg.Now, cfg.Logger)
	if err := a.Digest.Register(q.Workers); err != nil {
		st.Close()
		return nil, err
	}
	a.Accounts.SetSettingsCheck(model.ChannelChat, chat.CheckSettings)

	if need, err := a.Accounts.NeedsSetup(ctx); err != nil {
		st.Close()
		return nil, err
	} else if need && !cfg.Demo {
		a.SetupCode = account.NewSecret("")[:10]
	}
	webApp, err := web.New(web.Deps{Store: st, Accounts: a.Accounts, Contacts: a.Contacts, Conversations: a.Conversations,
		Views: a.Views, Email: a.Email, Now: cfg.Now, Logger: cfg.Logger, SetupCode: a.SetupCode, SLA: a.SLA,
		Dashboard: a.Dashboard, Reports: a.Reports})
	if err != nil {
		st.Close()
		return nil, err
	}

	r := chi.NewRouter()
	r.Use(httpapi.Recover)
	httpapi.Routes(r, httpapi.Deps{Store: st, Accounts: a.Accounts, Contacts: a.Contacts, Conversations: a.Conversations, Views: a.Views, Hub: a.Hub, Email: a.Email, Now: cfg.Now, Logger: cfg.Logger,
		Templates: a.Templates, Macros: a.Macros, Automation: a.Automation,
		APIChannel: a.APIChannel, Phone: a.Phone, Webhooks: a.Webhooks, Chat: a.Chat, SLA: a.SLA, Reports: a.Reports,
		Dashboard: a.Dashboard})
	csat.Routes(r, a.Conversations, cfg.Now)
	webApp.Routes(r)
	a.Handler = r
	return a, nil
}

// Close releases the database.
func (a *App) Close() error { return a.Store.Close() }

// Serve runs the job queue and the HTTP server until ctx ends, then shuts
// both down gracefully. ready, if not nil, receives the bound address.
func (a *App) Serve(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return err
	}
	if err := a.Jobs.Start(ctx); err != nil {
		ln.Close()
		return fmt.Errorf("start jobs: %w", err)
	}
	go a.Hub.Run(ctx)
	stopMail, err := a.startMail(ctx)
	if err != nil {
		ln.Close()
		return err
	}
	defer stopMail()
	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	srv.RegisterOnShutdown(a.Hub.Close)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdown)
	if jerr := a.Jobs.Stop(shutdown); jerr != nil && !errors.Is(jerr, context.Canceled) {
		err = errors.Join(err, jerr)
	}
	return err
}

func dataDirOr(dir string) string {
	if dir == "" {
		return "parley-data"
	}
	return dir
}

// startMail starts the SMTP listener (with --smtp-addr) and the IMAP
// fetchers; the returned func stops both.
func (a *App) startMail(ctx context.Context) (func(), error) {
	var stops []func()
	if a.Config.SMTPAddr != "" {
		ln, err := net.Listen("tcp", a.Config.SMTPAddr)
		if err != nil {
			return nil, fmt.Errorf("smtp listener: %w", err)
		}
		l := a.Email.NewListener()
		go func() {
			if err := l.Serve(ln); err != nil {
				a.Config.Logger.Error("smtp listener stopped", "error", err)
			}
		}()
		a.Config.Logger.Info("smtp listener", "addr", ln.Addr().String())
		stops = append(stops, func() {
			c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = l.Close(c)
		})
	}
	fctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); a.Email.RunFetchers(fctx) }()
	stops = append(stops, func() { cancel(); <-done })
	return func() {
		for _, stop := range stops {
			stop()
		}
	}, nil
}
