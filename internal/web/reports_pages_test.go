package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
)

// The reports pages answer bad input with the form and what to fix (400,
// never 500), and agents with 403.
func TestReportPagesRefuseBadInputAndAgents(t *testing.T) {
	bg := context.Background()
	e := testutil.Open(t, "sqlite")
	e.Clock.Set(time.Now())
	e.User(t, "sup@example.com", model.RoleSupervisor)
	e.User(t, "agent@example.com", model.RoleAgent)
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	as := func(who string) account.Session {
		s, err := e.Accounts.Login(bg, who, "password123", "test")
		testutil.NoErr(t, err)
		return s
	}
	get := func(s account.Session, path string) (int, string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.AddCookie(&http.Cookie{Name: "parley_session", Value: s.Secret})
		res, err := http.DefaultClient.Do(req)
		testutil.NoErr(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	sup, agent := as("sup@example.com"), as("agent@example.com")
	for _, c := range []struct {
		path, want string
		status     int
	}{
		{"/reports?from=yesterday&to=2026-03-02", "from: must be a date", 400},
		{"/reports?from=2026-03-05&to=2026-03-01", "to: must be after from", 400},
		{"/reports?group_by=planet", "group_by: must be one of", 400},
		{"/reports?tz=Mars/Olympus", "tz: must be an IANA time zone", 400},
		{"/reports/conversations?metric=happiness", "This drill-down link is not valid", 400},
		{"/reports/conversations?metric=new&cursor=x", "This drill-down link is not valid", 400},
		{"/reports?group_by=tag&tag=%3Cscript%3Ex%3C%2Fscript%3E", `value="&lt;script&gt;x&lt;/script&gt;"`, 200},
		{"/reports/conversations?metric=new", "No conversations stand behind this number.", 200},
	} {
		status, page := get(sup, c.path)
		if status != c.status || !strings.Contains(page, c.want) {
			t.Errorf("%s: %d, want %d with %q", c.path, status, c.status, c.want)
		}
	}
	for _, path := range []string{"/reports", "/reports/conversations?metric=new", "/dashboard", "/dashboard/live"} {
		if status, page := get(agent, path); status != 403 || !strings.Contains(page, "supervisors and admins") {
			t.Errorf("agent %s: %d %q", path, status, page)
		}
	}
}
