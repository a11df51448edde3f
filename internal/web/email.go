package web

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/channel/email"
	"github.com/parley-hq/parley/internal/model"
)

// emailFrameStyle is the only style the mail frame carries besides the
// customer's sanitised inline styles.
const emailFrameStyle = `body{font:14px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;overflow-wrap:anywhere}
img{max-width:100%;height:auto}img[data-remote-src]{display:inline-block;min-width:16px;min-height:16px;background:#eef}
details[data-parley-quoted]>summary{color:#667;cursor:pointer;font-size:12px;margin:.5em 0}
blockquote{margin:0 0 0 .5em;padding-left:.8em;border-left:2px solid #ccd;color:#445}table{max-width:100%}`

// messageHTML serves a mail's sanitised HTML as its own small document for
// a sandboxed iframe in the timeline: its CSP allows no script at all, and
// remote images only once the agent asked for them (?remote=1).
func (a *App) messageHTML(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		http.NotFound(w, r)
		return
	}
	remote := r.URL.Query().Get("remote") == "1"
	body, err := a.Email.MessageHTML(r.Context(), principal(r).Actor(), id, remote)
	if apperr.KindOf(err) == apperr.KindNotFound {
		http.NotFound(w, r)
		return
	} else if err != nil {
		a.Logger.ErrorContext(r.Context(), "message html", "message", id, "err", err)
		http.Error(w, "something went wrong on our side; it has been logged", http.StatusInternalServerError)
		return
	}
	img := "'self' data:"
	if remote {
		img += " https: http:"
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Security-Policy", "default-src 'none'; img-src "+img+"; style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'")
	fmt.Fprintf(w, "<!doctype html><html><head><meta charset=\"utf-8\"><base target=\"_blank\"><style>%s</style></head><body>%s</body></html>", emailFrameStyle, body)
}

// humanSize writes a byte count the way file managers do.
func humanSize(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.0f KB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
}

type emailInboxForm struct {
	ID           int64
	Name         string
	S            email.Settings
	MaxMB        int64
	IMAPPassword bool
	SMTPPassword bool
	Errors       map[string]string
}

type emailSettingsPage struct {
	Title    string
	CSRF     string
	Saved    bool
	TLSModes []string
	Inboxes  []emailInboxForm
}

func (a *App) emailSettingsData(r *http.Request) (*emailSettingsPage, error) {
	p := principal(r)
	list, err := a.Accounts.ListInboxes(r.Context(), p.Actor())
	if err != nil {
		return nil, err
	}
	d := &emailSettingsPage{Title: "Email settings", CSRF: p.CSRFToken, Saved: r.URL.Query().Get("saved") == "1",
		TLSModes: []string{"tls", "starttls", "none"}}
	for _, in := range list {
		if in.Channel != model.ChannelEmail {
			continue
		}
		s, _ := email.ParseSettings(in.Settings)
		d.Inboxes = append(d.Inboxes, emailInboxForm{ID: in.ID, Name: in.Name, S: s, MaxMB: s.MaxAttachmentBytes >> 20,
			IMAPPassword: s.IMAP != nil && s.IMAP.Password != "", SMTPPassword: s.SMTP != nil && s.SMTP.Password != ""})
	}
	return d, nil
}

// emailSettingsPage lets admins connect email inboxes: address, IMAP and
// SMTP. Saved passwords are never sent back to the browser.
func (a *App) emailSettingsPage(w http.ResponseWriter, r *http.Request) {
	if principal(r).User.Role != model.RoleAdmin {
		http.Error(w, "only admins change email settings", http.StatusForbidden)
		return
	}
	d, err := a.emailSettingsData(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.render(w, r, "email_settings", "layout", http.StatusOK, d)
}

func (a *App) emailSettingsSave(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(p.CSRFToken)) != 1 {
		http.Error(w, "missing or wrong CSRF token", http.StatusForbidden)
		return
	}
	if p.User.Role != model.RoleAdmin {
		http.Error(w, "only admins change email settings", http.StatusForbidden)
		return
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	in, err := a.Accounts.GetInbox(r.Context(), p.Actor(), id)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	// Keep settings this form does not show (other channels' keys, poll
	// interval) and the saved passwords unless new ones were typed.
	var all map[string]any
	_ = json.Unmarshal(in.Settings, &all)
	if all == nil {
		all = map[string]any{}
	}
	old, _ := email.ParseSettings(in.Settings)
	f := r.PostFormValue
	num := func(k string) int { n, _ := strconv.Atoi(strings.TrimSpace(f(k))); return n }
	s := email.Settings{Address: strings.TrimSpace(f("address")), FromName: strings.TrimSpace(f("from_name"))}
	if mb := num("max_attachment_mb"); mb > 0 {
		s.MaxAttachmentBytes = int64(mb) << 20
	}
	if host := strings.TrimSpace(f("imap_host")); host != "" {
		s.IMAP = &email.IMAPSettings{Host: host, Port: num("imap_port"), TLS: f("imap_tls"), Username: f("imap_username"),
			Password: f("imap_password"), Mailbox: strings.TrimSpace(f("imap_mailbox"))}
		if s.IMAP.Password == "" && old.IMAP != nil {
			s.IMAP.Password = old.IMAP.Password
		}
		if old.IMAP != nil {
			s.IMAP.PollSeconds = old.IMAP.PollSeconds
		}
	}
	if host := strings.TrimSpace(f("smtp_host")); host != "" {
		s.SMTP = &email.SMTPSettings{Host: host, Port: num("smtp_port"), TLS: f("smtp_tls"), Username: f("smtp_username"), Password: f("smtp_password")}
		if s.SMTP.Password == "" && old.SMTP != nil {
			s.SMTP.Password = old.SMTP.Password
		}
	}
	if errs := s.Validate(); len(errs) > 0 {
		d, err := a.emailSettingsData(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		for i := range d.Inboxes {
			if d.Inboxes[i].ID == id {
				d.Inboxes[i].S, d.Inboxes[i].Errors = s, errs
			}
		}
		a.render(w, r, "email_settings", "layout", http.StatusUnprocessableEntity, d)
		return
	}
	b, _ := json.Marshal(s)
	var fresh map[string]any
	_ = json.Unmarshal(b, &fresh)
	for _, k := range []string{"address", "from_name", "max_attachment_bytes", "imap", "smtp"} {
		delete(all, k)
		if v, ok := fresh[k]; ok {
			all[k] = v
		}
	}
	merged, _ := json.Marshal(all)
	if _, err := a.Accounts.UpdateInbox(r.Context(), p.Actor(), id, account.InboxPatch{Settings: merged}); err != nil {
		a.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings/email?saved=1", http.StatusSeeOther)
}
