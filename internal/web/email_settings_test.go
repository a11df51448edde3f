package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/channel/email"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
)

func TestEmailSettingsPage(t *testing.T) {
	bg := context.Background()
	e := testutil.Open(t, "sqlite")
	e.Clock.Set(time.Now())
	e.User(t, "admin@example.com", model.RoleAdmin)
	e.User(t, "agent@example.com", model.RoleAgent)
	in, err := e.Accounts.CreateInbox(bg, model.System, account.InboxCreateRequest{Name: "Mail", Channel: model.ChannelEmail,
		Settings: []byte(`{"address":"old@acme.test","imap":{"host":"imap.acme.test","password":"keep-me","poll_seconds":30},"chat_color":"red"}`)})
	testutil.NoErr(t, err)
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	as := func(who string) account.Session {
		s, err := e.Accounts.Login(bg, who, "password123", "test")
		testutil.NoErr(t, err)
		return s
	}
	do := func(s account.Session, method, path string, form url.Values) (int, string) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: "parley_session", Value: s.Secret})
		res, err := client.Do(req)
		testutil.NoErr(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	admin, agent := as("admin@example.com"), as("agent@example.com")

	status, page := do(admin, "GET", "/settings/email", nil)
	if status != 200 || !strings.Contains(page, `value="old@acme.test"`) || !strings.Contains(page, "saved; type to change") || strings.Contains(page, "keep-me") {
		t.Fatalf("settings page %d:\n%s", status, page)
	}
	if status, _ := do(agent, "GET", "/settings/email", nil); status != http.StatusForbidden {
		t.Fatalf("agent sees the settings page: %d", status)
	}
	form := url.Values{"csrf": {admin.CSRFToken}, "address": {"help@acme.test"}, "from_name": {"Acme Help"}, "imap_host": {"imap.acme.test"},
		"imap_port": {"993"}, "imap_tls": {"tls"}, "imap_username": {"help"}, "smtp_host": {"smtp.acme.test"}, "smtp_port": {"587"}, "smtp_tls": {"starttls"}}
	path := "/settings/email/" + strconv.FormatInt(in.ID, 10)
	if status, _ := do(agent, "POST", path, url.Values{"csrf": {agent.CSRFToken}, "address": {"x@acme.test"}}); status != http.StatusForbidden {
		t.Fatalf("agent saved settings: %d", status)
	}
	if status, _ := do(admin, "POST", path, url.Values{"address": {"x@acme.test"}}); status != http.StatusForbidden {
		t.Fatalf("saved without a CSRF token: %d", status)
	}
	bad := url.Values{"csrf": {admin.CSRFToken}, "address": {"not an address"}, "smtp_host": {"smtp.acme.test"}, "smtp_tls": {"ssl3"}}
	if status, page := do(admin, "POST", path, bad); status != http.StatusUnprocessableEntity || !strings.Contains(page, "settings.smtp.tls") {
		t.Fatalf("bad settings: %d\n%s", status, page)
	}
	if status, _ := do(admin, "POST", path, form); status != http.StatusSeeOther {
		t.Fatalf("save: %d", status)
	}
	saved, err := e.Store.InboxByID(bg, in.ID)
	testutil.NoErr(t, err)
	s, err := email.ParseSettings(saved.Settings)
	testutil.NoErr(t, err)
	if s.Address != "help@acme.test" || s.FromName != "Acme Help" || s.IMAP.Password != "keep-me" || s.IMAP.PollSeconds != 30 ||
		s.IMAP.Username != "help" || s.SMTP.Port != 587 || !strings.Contains(string(saved.Settings), `"chat_color":"red"`) {
		t.Fatalf("saved settings %s", saved.Settings)
	}
}
