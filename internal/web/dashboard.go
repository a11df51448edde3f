package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/dashboard"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/web/chart"
)

// dashboardData feeds the live dashboard page and its refreshed fragment.
type dashboardData struct {
	Title      string
	Me         model.User
	CSRF       string
	Section    string
	D          dashboard.Live
	Names      map[int64]string
	Statuses   []string
	Priorities []string
	Chart      template.HTML
}

// unresolvedQuery is the conversation list's filter for the dashboard's
// numbers: every unresolved conversation, snoozed or not, as counted.
const unresolvedQuery = "status=new,open,pending"

// forbidden answers a page the user's role may not open with a plain 403.
func (a *App) forbidden(w http.ResponseWriter, r *http.Request, err error) bool {
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Kind == apperr.KindForbidden {
		http.Error(w, ae.Message, http.StatusForbidden)
		return true
	}
	return false
}

func (a *App) dashboardData(r *http.Request) (dashboardData, error) {
	p := principal(r)
	d := dashboardData{Title: "Dashboard", Me: p.User, CSRF: p.CSRFToken, Section: "dashboard",
		Statuses: dashboard.Statuses, Priorities: dashboard.Priorities, Names: map[int64]string{}}
	var err error
	if d.D, err = a.Dashboard.Live(r.Context(), p.Actor()); err != nil {
		return d, err
	}
	for _, ag := range d.D.Agents {
		d.Names[ag.ID] = ag.Name
	}
	bar := chart.Bar{Title: "Unresolved conversations by status and priority",
		Desc:       "For each status (new, open, pending), one bar per priority; each bar links to those conversations.",
		Categories: d.Statuses, Height: 220}
	for _, pr := range d.Priorities {
		s := chart.Series{Name: pr}
		for _, st := range d.Statuses {
			s.Values = append(s.Values, float64(d.D.ByStatusPriority[st][pr]))
			s.Hrefs = append(s.Hrefs, "/inbox?"+url.Values{"status": {st}, "priority": {pr}}.Encode())
		}
		bar.Series = append(bar.Series, s)
	}
	d.Chart = bar.SVG()
	return d, nil
}

// dashboardPage is GET /dashboard: the live state for supervisors and
// admins; agents get a 403 (docs/reports.md says why).
func (a *App) dashboardPage(w http.ResponseWriter, r *http.Request) {
	d, err := a.dashboardData(r)
	if err != nil {
		if !a.forbidden(w, r, err) {
			a.fail(w, r, err)
		}
		return
	}
	a.render(w, r, "dashboard", "layout", http.StatusOK, d)
}

// dashboardFragment is GET /dashboard/live: the page's numbers alone, which
// dashboard.js swaps in when the event stream says something changed.
func (a *App) dashboardFragment(w http.ResponseWriter, r *http.Request) {
	d, err := a.dashboardData(r)
	if err != nil {
		if !a.forbidden(w, r, err) {
			a.fail(w, r, err)
		}
		return
	}
	a.render(w, r, "dashboard", "live", http.StatusOK, d)
}

// inboxLink builds a conversation-list link from key/value pairs.
func inboxLink(kv ...string) template.URL {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return template.URL("/inbox?" + v.Encode())
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }
