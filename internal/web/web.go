// Package web is the agents' web app: server-rendered pages and fragments
// (html/template) plus small first-party ES modules, all embedded in the
// binary. Reads render here; every change goes through the JSON API from
// the browser, so the web app and integrations share one door.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/channel/email"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/dashboard"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/report"
	"github.com/parley-hq/parley/internal/sla"
	"github.com/parley-hq/parley/internal/store"
	"github.com/parley-hq/parley/internal/view"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Deps are what the web app reads through.
type Deps struct {
	Store         *store.Store
	Accounts      *account.Service
	Contacts      *contact.Service
	Conversations *conversation.Service
	Views         *view.Service
	Email         *email.Channel
	SLA           *sla.Service
	Dashboard     *dashboard.Service
	Reports       *report.Service
	Now           func() time.Time
	Logger        *slog.Logger
	// SetupCode guards the first-run page; serve prints it.
	SetupCode string
}

// App serves the web app.
type App struct {
	Deps
	pages  map[string]*template.Template
	assets map[string]string // file name → content hash, for cache-busting URLs
}

// New parses every template up front, so a broken one stops the start
// instead of the first request that needs it.
func New(d Deps) (*App, error) {
	a := &App{Deps: d, pages: map[string]*template.Template{}, assets: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.assets[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"asset":    a.assetURL,
		"ago":      ago,
		"initials": initials,
		"clock":    func(t time.Time) string { return t.UTC().Format("2 Jan 15:04") },
		"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"deref": func(p *int64) int64 {
			if p == nil {
				return 0
			}
			return *p
		},
		"json": toJSON,
		// snippet trusts search snippets: the store escapes them and adds only <mark>.
		"snippet":    func(s string) template.HTML { return template.HTML(s) },
		"query":      queryString,
		"priorities": func() []string { return []string{"low", "normal", "high", "urgent"} },
		"entry": func(e model.TimelineEntry, inboxes map[int64]string) journeyEntry {
			return journeyEntry{E: e, Inboxes: inboxes}
		},
		"size":      humanSize,
		"callTitle": callTitle,
		"slaDue":    func(due *time.Time) string { return slaDue(due, a.Now()) },
		"isoPtr": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.UTC().Format(time.RFC3339)
		},
		"overdue":    func(due *time.Time) bool { return due != nil && due.Before(a.Now()) },
		"targetText": targetText,
		"list":       func(xs ...string) []string { return xs },
		"weekText":   weekText,
		"inboxLink":  inboxLink,
		"idStr":      idStr,
		"str":        func(v any) string { return fmt.Sprint(v) },
	}
	for _, page := range []string{"login", "setup", "inbox", "contact", "attributes", "email_settings", "settings", "sla_settings", "dashboard", "reports", "report_drill"} {
		t, err := template.New(page).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/parts.html", "templates/"+page+".html")
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", page, err)
		}
		a.pages[page] = t
	}
	return a, nil
}

func (a *App) assetURL(name string) string {
	return "/static/" + name + "?v=" + a.assets[name]
}

// Routes mounts the web app on r.
func (a *App) Routes(r chi.Router) {
	static, _ := fs.Sub(staticFS, "static")
	files := http.FileServerFS(static)
	r.Get("/static/*", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("v") != "" {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		http.StripPrefix("/static/", files).ServeHTTP(w, r)
	})
	r.Get("/", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/inbox", http.StatusSeeOther) })
	r.Get("/login", a.loginPage)
	r.Post("/login", a.loginSubmit)
	r.Post("/logout", a.logout)
	r.Get("/setup", a.setupPage)
	r.Post("/setup", a.setupSubmit)
	r.Group(func(r chi.Router) {
		r.Use(a.requireSession)
		r.Get("/inbox", a.inboxPage)
		r.Get("/inbox/list", a.listFragment)
		r.Get("/inbox/sidebar", a.sidebarFragment)
		r.Get("/inbox/filter", a.filterJSON)
		r.Get("/inbox/conversations/{id}", a.paneFragment)
		r.Get("/contacts/{id}", a.contactPage)
		r.Get("/contacts/{id}/journey", a.journeyFragment)
		r.Get("/settings/contact-attributes", a.attributesPage)
		r.Get("/inbox/messages/{id}/html", a.messageHTML)
		r.Get("/settings/email", a.emailSettingsPage)
		r.Post("/settings/email/{id}", a.emailSettingsSave)
		r.Get("/settings/automation", a.settingsPage)
		r.Get("/settings/business-hours", a.slaSettingsPage("business-hours"))
		r.Get("/settings/sla-policies", a.slaSettingsPage("sla-policies"))
		r.Get("/dashboard", a.dashboardPage)
		r.Get("/dashboard/live", a.dashboardFragment)
		r.Get("/reports", a.reportsPage)
		r.Get("/reports/conversations", a.reportConversationsPage)
	})
}

// render executes a page (or one of its named fragments) into a buffer
// first, so a template error never leaves half a page on the wire.
func (a *App) render(w http.ResponseWriter, r *http.Request, page, name string, status int, data any) {
	var buf bytes.Buffer
	if err := a.pages[page].ExecuteTemplate(&buf, name, data); err != nil {
		a.Logger.ErrorContext(r.Context(), "render", "page", page, "template", name, "err", err)
		http.Error(w, "something went wrong on our side; it has been logged", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// queryString puts a list query into a link as query keys. html/template
// would percent-encode a plain string there ("a=1&b=2" → "a%3d1%26b%3d2"),
// breaking every folder and row link; parsing and re-encoding the query
// first makes it safe to pass through as a URL.
func queryString(q string) template.URL {
	v, err := url.ParseQuery(q)
	if err != nil {
		return ""
	}
	return template.URL(v.Encode())
}

func ago(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "now"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	case d < 30*24*time.Hour:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
	return t.UTC().Format("2 Jan 2006")
}

func initials(name string) string {
	var out []rune
	for _, f := range strings.Fields(name) {
		for _, r := range f {
			out = append(out, r)
			break
		}
		if len(out) == 2 {
			break
		}
	}
	return strings.ToUpper(string(out))
}
