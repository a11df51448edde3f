package web

import (
	"net/http"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/model"
)

// settingsData is the automation settings page: the shell the browser
// fills from the API (templates, macros, rules, inbox routing).
type settingsData struct {
	Title   string
	CSRF    string
	Me      model.User
	Teams   []model.Team
	Users   []model.User
	Inboxes []account.InboxView
}

func (a *App) settingsPage(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	actor := p.Actor()
	d := settingsData{Title: "Automation settings", CSRF: p.CSRFToken, Me: p.User}
	var err error
	if d.Teams, err = a.Accounts.ListTeams(r.Context(), actor); err != nil {
		a.fail(w, r, err)
		return
	}
	if d.Users, err = a.Accounts.ListUsers(r.Context(), actor, 0, 200); err != nil {
		a.fail(w, r, err)
		return
	}
	if d.Inboxes, err = a.Accounts.ListInboxes(r.Context(), actor); err != nil {
		a.fail(w, r, err)
		return
	}
	a.render(w, r, "settings", "layout", http.StatusOK, d)
}
