package httpapi

import (
	"net/http"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/page"
)

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type loginResponse struct {
	User      model.User `json:"user"`
	CSRFToken string     `json:"csrf_token"`
}

func (a *api) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := decode(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	sess, err := a.Accounts.Login(r.Context(), req.Email, req.Password, clientAddr(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	SetSessionCookie(w, r, sess)
	writeJSON(w, http.StatusOK, loginResponse{User: sess.User, CSRFToken: sess.CSRFToken})
}

// SetSessionCookie hands a new session to the browser.
func SetSessionCookie(w http.ResponseWriter, r *http.Request, sess account.Session) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: sess.Secret, Path: "/", Expires: sess.ExpiresAt,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
}

func (a *api) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if err := a.Accounts.Logout(r.Context(), c.Value); err != nil {
			writeError(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	w.WriteHeader(http.StatusNoContent)
}

type meResponse struct {
	model.User
	InboxIDs  []int64 `json:"inbox_ids"`
	TeamIDs   []int64 `json:"team_ids"`
	CSRFToken string  `json:"csrf_token,omitempty"`
}

func (a *api) me(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	resp := meResponse{User: p.User, CSRFToken: p.CSRFToken, InboxIDs: []int64{}, TeamIDs: []int64{}}
	inboxes, err := a.Accounts.ListInboxes(r.Context(), model.Actor{UserID: p.User.ID, Role: model.RoleAgent})
	if err != nil {
		writeError(w, r, err)
		return
	}
	for _, in := range inboxes {
		resp.InboxIDs = append(resp.InboxIDs, in.ID)
	}
	teams, err := a.Accounts.ListTeams(r.Context(), p.Actor())
	if err != nil {
		writeError(w, r, err)
		return
	}
	for _, t := range teams {
		for _, m := range t.MemberIDs {
			if m == p.User.ID {
				resp.TeamIDs = append(resp.TeamIDs, t.ID)
			}
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

type tokenRequest struct {
	Name string `json:"name"`
}

type tokenResponse struct {
	model.APIToken
	Token string `json:"token"`
}

func (a *api) createOwnToken(w http.ResponseWriter, r *http.Request) {
	var req tokenRequest
	if err := decode(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	p := principal(r)
	secret, tok, err := a.Accounts.CreateToken(r.Context(), p.Actor(), p.User.ID, req.Name)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, tokenResponse{APIToken: tok, Token: secret})
}

func (a *api) listUsers(w http.ResponseWriter, r *http.Request) {
	limit, after, err := idPage(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	users, err := a.Accounts.ListUsers(r.Context(), principal(r).Actor(), after, limit)
	if err != nil {
		writeError(w, r, err)
		return
	}
	next := ""
	if len(users) > 0 {
		next = page.NextID(users[len(users)-1].ID, len(users), limit)
	}
	writeJSON(w, http.StatusOK, list[model.User]{Items: users, NextCursor: next})
}

func (a *api) listTeams(w http.ResponseWriter, r *http.Request) {
	if err := onlyParams(r); err != nil {
		writeError(w, r, err)
		return
	}
	teams, err := a.Accounts.ListTeams(r.Context(), principal(r).Actor())
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[model.Team]{Items: teams})
}

type memberRequest struct {
	UserID int64 `json:"user_id"`
}

func (a *api) addTeamMember(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "team")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var req memberRequest
	if err := decode(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	t, err := a.Accounts.AddTeamMember(r.Context(), principal(r).Actor(), id, req.UserID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (a *api) removeTeamMember(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "team")
	if err != nil {
		writeError(w, r, err)
		return
	}
	userID, err := pathID(r, "user_id", "member")
	if err != nil {
		writeError(w, r, err)
		return
	}
	t, err := a.Accounts.RemoveTeamMember(r.Context(), principal(r).Actor(), id, userID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (a *api) listInboxes(w http.ResponseWriter, r *http.Request) {
	if err := onlyParams(r); err != nil {
		writeError(w, r, err)
		return
	}
	inboxes, err := a.Accounts.ListInboxes(r.Context(), principal(r).Actor())
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[account.InboxView]{Items: inboxes})
}

func (a *api) addInboxMember(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "inbox")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var req memberRequest
	if err := decode(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	in, err := a.Accounts.AddInboxMember(r.Context(), principal(r).Actor(), id, req.UserID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, in)
}

func (a *api) removeInboxMember(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "inbox")
	if err != nil {
		writeError(w, r, err)
		return
	}
	userID, err := pathID(r, "user_id", "member")
	if err != nil {
		writeError(w, r, err)
		return
	}
	in, err := a.Accounts.RemoveInboxMember(r.Context(), principal(r).Actor(), id, userID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, in)
}
