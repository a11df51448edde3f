package web

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
	"github.com/parley-hq/parley/internal/view"
)

// Cookie names.
const (
	sessionCookie = "parley_session"
	formCSRF      = "parley_form_csrf"
)

type principalKey struct{}

func principal(r *http.Request) account.Principal {
	p, _ := r.Context().Value(principalKey{}).(account.Principal)
	return p
}

// requireSession lets signed-in agents through and sends others to the
// sign-in page (or answers 401 to fragment requests made by scripts).
func (a *App) requireSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err == nil && c.Value != "" {
			p, err := a.Accounts.AuthenticateSession(r.Context(), c.Value)
			if err == nil {
				next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
				return
			}
		}
		if r.URL.Path != "/inbox" && !pageToSignInFor(r.URL.Path) {
			http.Error(w, "sign in again", http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	})
}

// formToken returns the double-submit token for the sign-in and setup
// forms (there is no session yet to hold one), setting its cookie.
func formToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(formCSRF); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	tok := account.NewSecret("")
	http.SetCookie(w, &http.Cookie{Name: formCSRF, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	return tok
}

func formTokenOK(r *http.Request) bool {
	c, err := r.Cookie(formCSRF)
	return err == nil && c.Value != "" && subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) == 1
}

type formPage struct {
	Title, CSRF, Error, Email, Name, Next, Code string
}

// safeNext keeps redirects after sign-in on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/inbox"
	}
	return next
}

func (a *App) loginPage(w http.ResponseWriter, r *http.Request) {
	if need, err := a.Accounts.NeedsSetup(r.Context()); err == nil && need {
		http.Redirect(w, r, "/setup", http.StatusSeeOther)
		return
	}
	a.render(w, r, "login", "layout", http.StatusOK, formPage{Title: "Sign in", CSRF: formToken(w, r), Next: safeNext(r.URL.Query().Get("next"))})
}

func (a *App) loginSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	page := formPage{Title: "Sign in", CSRF: formToken(w, r), Email: r.PostFormValue("email"), Next: safeNext(r.PostFormValue("next"))}
	if !formTokenOK(r) {
		page.Error = "The form expired. Please try again."
		a.render(w, r, "login", "layout", http.StatusForbidden, page)
		return
	}
	sess, err := a.Accounts.Login(r.Context(), page.Email, r.PostFormValue("password"), clientAddr(r))
	if err != nil {
		status := http.StatusUnauthorized
		page.Error = "Wrong email or password."
		if apperr.KindOf(err) == apperr.KindRateLimited {
			status, page.Error = http.StatusTooManyRequests, "Too many attempts. Wait a few minutes and try again."
		} else if apperr.KindOf(err) == apperr.KindInternal {
			a.Logger.ErrorContext(r.Context(), "login", "err", err)
			status, page.Error = http.StatusInternalServerError, "Something went wrong on our side."
		}
		a.render(w, r, "login", "layout", status, page)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess.Secret, Path: "/", Expires: sess.ExpiresAt,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	http.Redirect(w, r, page.Next, http.StatusSeeOther)
}

func (a *App) logout(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(sessionCookie)
	if err == nil {
		p, err := a.Accounts.AuthenticateSession(r.Context(), c.Value)
		if err != nil || subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(p.CSRFToken)) != 1 {
			http.Error(w, "missing or wrong CSRF token", http.StatusForbidden)
			return
		}
		if err := a.Accounts.Logout(r.Context(), c.Value); err != nil {
			a.Logger.ErrorContext(r.Context(), "logout", "err", err)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (a *App) setupPage(w http.ResponseWriter, r *http.Request) {
	if need, err := a.Accounts.NeedsSetup(r.Context()); err != nil || !need {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	a.render(w, r, "setup", "layout", http.StatusOK, formPage{Title: "Set up Parley", CSRF: formToken(w, r)})
}

func (a *App) setupSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	page := formPage{Title: "Set up Parley", CSRF: formToken(w, r), Email: r.PostFormValue("email"), Name: r.PostFormValue("name")}
	switch {
	case !formTokenOK(r):
		page.Error = "The form expired. Please try again."
	case a.SetupCode == "" || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(r.PostFormValue("code"))), []byte(a.SetupCode)) != 1:
		page.Error = "That setup code is not right. It is printed by parley serve when it starts on an empty database."
	}
	if page.Error != "" {
		a.render(w, r, "setup", "layout", http.StatusForbidden, page)
		return
	}
	_, err := a.Accounts.SetupFirstAdmin(r.Context(), account.UserCreateRequest{Email: page.Email, Name: page.Name, Password: r.PostFormValue("password")})
	if err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) {
			a.Logger.ErrorContext(r.Context(), "setup", "err", err)
			http.Error(w, "something went wrong on our side", http.StatusInternalServerError)
			return
		}
		page.Error = ae.Message
		for f, why := range ae.Fields {
			page.Error = f + " " + why
		}
		a.render(w, r, "setup", "layout", http.StatusBadRequest, page)
		return
	}
	sess, err := a.Accounts.Login(r.Context(), page.Email, r.PostFormValue("password"), clientAddr(r))
	if err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess.Secret, Path: "/", Expires: sess.ExpiresAt,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	http.Redirect(w, r, "/inbox", http.StatusSeeOther)
}

// folder is one sidebar entry: a preset list query with its live count.
type folder struct {
	Key, Label, Query string
	Channel           string // inboxes only
	Count             int
	ShowCount         bool
	// Saved views only: the view, whether the count stopped at the limit
	// ("1000+"), and whether the agent may rename, move or delete it.
	ViewID     int64
	Position   int
	Capped     bool
	Editable   bool
	Visibility string
}

type inboxData struct {
	Title     string
	Me        model.User
	CSRF      string
	Query     string
	Folders   []folder
	Views     []folder
	Teams     []folder
	Inboxes   []folder
	Statuses  []folder
	Active    string
	List      conversation.Page
	ListError string
	Search    string
	Sort      string
	Users     []model.User
	TeamList  []model.Team
	// ShareTeams are the teams the agent may share a view with; managers
	// (admins and supervisors) may also share with everyone.
	ShareTeams []model.Team
	Manager    bool
	UserNames  map[int64]string
	TeamNames  map[int64]string
	Pane       *paneData
}

const activeStatuses = "status=new,open,pending&snoozed=false"

// listQuery is the request's list filter: the API's own keys, minus the
// web app's "open" and "folder", defaulting to the active conversations.
func listQuery(r *http.Request) url.Values { return listQueryOf(r.URL.Query()) }

func listQueryOf(q url.Values) url.Values {
	q.Del("open")
	q.Del("folder")
	if len(q) == 0 {
		q, _ = url.ParseQuery(activeStatuses)
	}
	return q
}

// savedViews are the sidebar's views with their counts (each bounded,
// so twenty views stay cheap at any size).
func (a *App) savedViews(ctx context.Context, actor model.Actor) ([]folder, error) {
	vs, err := a.Views.List(ctx, actor, true)
	if err != nil {
		return nil, err
	}
	out := make([]folder, 0, len(vs))
	for _, v := range vs {
		id := strconv.FormatInt(v.ID, 10)
		f := folder{Key: "view-" + id, Label: v.Name, Query: "view=" + id, ViewID: v.ID, Position: v.Position,
			Capped: v.CountCapped, Visibility: v.Visibility,
			Editable: v.OwnerID == actor.UserID || (v.Visibility != view.Private && actor.Role.SeesAll())}
		if v.Count != nil {
			f.Count, f.ShowCount = *v.Count, true
		}
		out = append(out, f)
	}
	return out, nil
}

func (a *App) sidebar(ctx context.Context, p account.Principal, active string) (folders, teams, inboxes, statuses []folder, err error) {
	actor := p.Actor()
	var visibleTo int64
	if !actor.Role.SeesAll() {
		visibleTo = actor.UserID
	}
	counts, err := a.Store.CountFolders(ctx, actor.UserID, visibleTo, a.Now())
	if err != nil {
		return
	}
	folders = []folder{
		{Key: "mine", Label: "Mine", Query: "assignee=me&" + activeStatuses, Count: counts.Mine, ShowCount: true},
		{Key: "unassigned", Label: "Unassigned", Query: "assignee=none&" + activeStatuses, Count: counts.Unassigned, ShowCount: true},
		{Key: "all", Label: "All", Query: activeStatuses, Count: counts.All, ShowCount: true},
		{Key: "snoozed", Label: "Snoozed", Query: "snoozed=true", Count: counts.Snoozed, ShowCount: true},
	}
	tl, err := a.Accounts.ListTeams(ctx, actor)
	if err != nil {
		return
	}
	for _, t := range tl {
		teams = append(teams, folder{Key: "team-" + strconv.FormatInt(t.ID, 10), Label: t.Name,
			Query: "team=" + strconv.FormatInt(t.ID, 10) + "&" + activeStatuses, Count: counts.ByTeam[t.ID], ShowCount: true})
	}
	il, err := a.Accounts.ListInboxes(ctx, actor)
	if err != nil {
		return
	}
	for _, in := range il {
		inboxes = append(inboxes, folder{Key: "inbox-" + strconv.FormatInt(in.ID, 10), Label: in.Name, Channel: string(in.Channel),
			Query: "inbox=" + strconv.FormatInt(in.ID, 10) + "&" + activeStatuses, Count: counts.ByInbox[in.ID], ShowCount: true})
	}
	for _, st := range conversation.Statuses {
		statuses = append(statuses, folder{Key: "status-" + string(st), Label: string(st), Query: "status=" + string(st),
			Count: min(counts.ByStatus[st], store.StatusCountLimit), Capped: counts.ByStatus[st] > store.StatusCountLimit, ShowCount: true})
	}
	return
}

// The parts of the inbox page a request needs; a fragment renders only
// its own, so opening a conversation does not also count the folders and
// query the list.
const (
	withSidebar = 1 << iota
	withList
)

func (a *App) inboxData(r *http.Request, parts int) (*inboxData, error) {
	ctx := r.Context()
	p := principal(r)
	q := listQuery(r)
	d := &inboxData{Title: "Inbox", Me: p.User, CSRF: p.CSRFToken, Query: q.Encode(), Search: q.Get("q"), Sort: q.Get("sort"),
		Active: r.URL.Query().Get("folder")}
	var err error
	if parts&withSidebar != 0 {
		if d.Folders, d.Teams, d.Inboxes, d.Statuses, err = a.sidebar(ctx, p, d.Active); err != nil {
			return nil, err
		}
		if d.Views, err = a.savedViews(ctx, p.Actor()); err != nil {
			return nil, err
		}
	} else {
		for _, st := range conversation.Statuses { // the status control's choices
			d.Statuses = append(d.Statuses, folder{Key: "status-" + string(st), Label: string(st)})
		}
	}
	// A view stays highlighted while filters narrow it further.
	if v := q.Get("view"); d.Active == "" && v != "" {
		d.Active = "view-" + v
	}
	if d.Active == "" {
		for _, group := range [][]folder{d.Folders, d.Teams, d.Inboxes, d.Statuses} {
			for _, f := range group {
				if same, _ := url.ParseQuery(f.Query); same.Encode() == d.Query {
					d.Active = f.Key
				}
			}
		}
	}
	d.List = conversation.Page{Items: []model.Conversation{}}
	if parts&withList != 0 {
		f, err := a.Conversations.ParseFilter(ctx, p.Actor(), q)
		if err != nil {
			d.ListError = err.Error()
		} else if d.List, err = a.Conversations.List(ctx, p.Actor(), f); err != nil {
			return nil, err
		}
	}
	if d.Users, err = a.Accounts.ListUsers(ctx, p.Actor(), 0, 200); err != nil {
		return nil, err
	}
	if d.TeamList, err = a.Accounts.ListTeams(ctx, p.Actor()); err != nil {
		return nil, err
	}
	d.Manager = p.User.Role.SeesAll()
	for _, t := range d.TeamList {
		if d.Manager || slices.Contains(t.MemberIDs, p.User.ID) {
			d.ShareTeams = append(d.ShareTeams, t)
		}
	}
	d.UserNames, d.TeamNames = map[int64]string{}, map[int64]string{}
	for _, u := range d.Users {
		d.UserNames[u.ID] = u.Name
	}
	for _, t := range d.TeamList {
		d.TeamNames[t.ID] = t.Name
	}
	return d, nil
}

func (a *App) inboxPage(w http.ResponseWriter, r *http.Request) {
	d, err := a.inboxData(r, withSidebar|withList)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if open := r.URL.Query().Get("open"); open != "" {
		id, _ := strconv.ParseInt(open, 10, 64)
		if d.Pane, err = a.pane(r, id, d); err != nil && apperr.KindOf(err) != apperr.KindNotFound {
			a.fail(w, r, err)
			return
		}
	}
	a.render(w, r, "inbox", "layout", http.StatusOK, d)
}

func (a *App) listFragment(w http.ResponseWriter, r *http.Request) {
	d, err := a.inboxData(r, withList)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.render(w, r, "inbox", "list", http.StatusOK, d)
}

func (a *App) sidebarFragment(w http.ResponseWriter, r *http.Request) {
	d, err := a.inboxData(r, withSidebar)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.render(w, r, "inbox", "sidebar", http.StatusOK, d)
}

func (a *App) paneFragment(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	d, err := a.inboxData(r, 0)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if d.Pane, err = a.pane(r, id, d); err != nil {
		if apperr.KindOf(err) == apperr.KindNotFound {
			http.Error(w, "conversation not found", http.StatusNotFound)
			return
		}
		a.fail(w, r, err)
		return
	}
	a.render(w, r, "inbox", "pane", http.StatusOK, d)
}

func (a *App) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the browser went away (a reload, a newer request); nothing failed
	}
	a.Logger.ErrorContext(r.Context(), "web request failed", "path", r.URL.Path, "err", err)
	http.Error(w, "something went wrong on our side; it has been logged", http.StatusInternalServerError)
}

// timelineItem is a message or an activity line, in time order.
type timelineItem struct {
	Message *model.Message
	Event   *model.Event
	Text    string
	// An activity line that names another conversation links to it:
	// Text is then Pre, the link to #Ref, and Post.
	Pre, Post string
	Ref       int64
	// Call is set on a call.recorded event: the timeline shows the call.
	Call *model.Call
}

type paneData struct {
	Conversation  model.Conversation
	Contact       model.Contact
	Timeline      []timelineItem
	Previous      []model.Conversation
	Duplicates    []conversation.Duplicate
	LastMessageID int64
	Attributes    map[string]any
}

func (a *App) pane(r *http.Request, id int64, d *inboxData) (*paneData, error) {
	ctx := r.Context()
	actor := principal(r).Actor()
	c, err := a.Conversations.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	msgs, err := a.Conversations.Messages(ctx, actor, id, 0, 500)
	if err != nil {
		return nil, err
	}
	events, err := a.Conversations.Events(ctx, actor, id, 0, 500)
	if err != nil {
		return nil, err
	}
	ct, err := a.Contacts.Get(ctx, actor, c.Contact.ID)
	if err != nil {
		return nil, err
	}
	p := &paneData{Conversation: c, Contact: ct}
	_ = json.Unmarshal(ct.Attributes, &p.Attributes)
	for i := range msgs {
		p.Timeline = append(p.Timeline, timelineItem{Message: &msgs[i]})
		p.LastMessageID = msgs[i].ID
	}
	calls, err := a.Conversations.Calls(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	callByID := map[int64]*model.Call{}
	for i := range calls {
		callByID[calls[i].ID] = &calls[i]
	}
	for i := range events {
		if events[i].Action == "message.created" {
			continue
		}
		item := timelineItem{Event: &events[i], Text: describe(events[i], d)}
		if events[i].Action == "call.recorded" {
			item.Call = callByID[callID(events[i])]
		}
		if ref := linked(events[i]); ref != 0 {
			mark := "#" + strconv.FormatInt(ref, 10)
			if i := strings.Index(item.Text, mark); i >= 0 {
				item.Pre, item.Ref, item.Post = item.Text[:i], ref, item.Text[i+len(mark):]
			}
		}
		p.Timeline = append(p.Timeline, item)
	}
	// In time order; at the same millisecond the conversation's start comes
	// first and a message before the status change it caused.
	sort.SliceStable(p.Timeline, func(i, j int) bool {
		a, b := p.Timeline[i], p.Timeline[j]
		if a.at() != b.at() {
			return a.at() < b.at()
		}
		return a.rank() < b.rank()
	})
	prev, err := a.Store.ListConversations(ctx, store.ConversationFilter{Conditions: store.Conditions{ContactID: ct.ID}, Sort: "created", Desc: true, Limit: 20,
		VisibleTo: visibleTo(actor), Now: a.Now()})
	if err != nil {
		return nil, err
	}
	for _, pc := range prev {
		if pc.ID != c.ID {
			p.Previous = append(p.Previous, pc)
		}
	}
	if c.MergedIntoID == nil && c.Status != model.StatusClosed {
		if p.Duplicates, err = a.Conversations.Duplicates(ctx, actor, id); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func visibleTo(actor model.Actor) int64 {
	if actor.Role.SeesAll() {
		return 0
	}
	return actor.UserID
}

func (t timelineItem) rank() int {
	switch {
	case t.Event != nil && t.Event.Action == "conversation.created":
		return 0
	case t.Message != nil:
		return 1
	}
	return 2
}

func (t timelineItem) at() int64 {
	if t.Message != nil {
		return t.Message.CreatedAt.UnixMilli()
	}
	return t.Event.CreatedAt.UnixMilli()
}

// describe says in words what an event changed.
func describe(e model.Event, d *inboxData) string {
	var before, after map[string]any
	_ = json.Unmarshal(e.Before, &before)
	_ = json.Unmarshal(e.After, &after)
	who := e.ActorName
	name := func(m map[string]any, key string, names map[int64]string, none string) string {
		v, ok := m[key].(float64)
		if !ok {
			return none
		}
		if n := names[int64(v)]; n != "" {
			return n
		}
		return "#" + strconv.FormatInt(int64(v), 10)
	}
	str := func(m map[string]any, key string) string { s, _ := m[key].(string); return s }
	switch e.Action {
	case "conversation.created":
		if prev, ok := after["previous_conversation_id"].(float64); ok {
			return "Conversation started as a follow-up to #" + strconv.FormatInt(int64(prev), 10)
		}
		return "Conversation started"
	case "conversation.followed_up":
		return "The customer wrote again after this was closed: continued in #" + name(after, "conversation_id", nil, "?")[1:]
	case "status.changed":
		return who + " changed the status from " + str(before, "status") + " to " + str(after, "status")
	case "priority.changed":
		return who + " set the priority to " + str(after, "priority")
	case "assignee.changed":
		return who + " assigned it to " + name(after, "assignee_id", d.UserNames, "nobody")
	case "team.changed":
		return who + " moved it to team " + name(after, "team_id", d.TeamNames, "none")
	case "subject.changed":
		return who + " renamed it to “" + str(after, "subject") + "”"
	case "snooze.changed":
		if until := str(after, "snoozed_until"); strings.HasPrefix(until, "9999-") {
			return who + " snoozed it until the customer replies"
		} else if until != "" {
			return who + " snoozed it until " + until
		}
		if reason := str(after, "reason"); reason != "" {
			return "Snooze ended: " + reason
		}
		return who + " ended the snooze"
	case "conversation.merged":
		return who + " merged this conversation into " + ref(after, "into_id") + ", which now has its " + messages(after)
	case "conversation.merged_in":
		text := who + " merged " + ref(after, "from_id") + " into this conversation, with its " + messages(after)
		if tags := strs(after["tags"]); len(tags) > 0 {
			text += " and tags " + strings.Join(tags, ", ")
		}
		return text
	case "conversation.unmerged":
		return who + " unmerged this conversation from " + ref(before, "into_id") + "; its " + messages(after) + " came back"
	case "conversation.unmerged_out":
		return who + " unmerged " + ref(after, "from_id") + "; its " + messages(after) + " went back to it"
	case "conversation.split":
		return who + " split " + count(len(strs(after["message_ids"])), "message") + " out into " + ref(after, "into_id")
	case "email.delivery":
		if after["status"] == "sent" {
			return "Reply sent by email"
		}
		reason, _ := after["error"].(string)
		return "Reply not delivered by email: " + reason
	case "conversation.split_from":
		return who + " split this conversation off " + ref(after, "from_id") + ", with " + count(len(strs(after["message_ids"])), "message")
	case "call.recorded":
		return who + " recorded a call"
	case "tags.added", "tags.removed":
		tags, _ := after["tags"].([]any)
		var names []string
		for _, t := range tags {
			if s, ok := t.(string); ok {
				names = append(names, s)
			}
		}
		verb := "tagged it"
		if e.Action == "tags.removed" {
			verb = "removed the tag"
		}
		return who + " " + verb + " " + strings.Join(names, ", ")
	}
	if text := describeAutomation(e, who, after, d); text != "" {
		return text
	}
	if text := describeSLA(e, before, after, d); text != "" {
		return text
	}
	return who + " " + e.Action
}

// linked is the other conversation an event names, if any.
func linked(e model.Event) int64 {
	var before, after map[string]any
	_ = json.Unmarshal(e.Before, &before)
	_ = json.Unmarshal(e.After, &after)
	key, m := "", after
	switch e.Action {
	case "conversation.merged", "conversation.split":
		key = "into_id"
	case "conversation.merged_in", "conversation.unmerged_out", "conversation.split_from":
		key = "from_id"
	case "conversation.unmerged":
		key, m = "into_id", before
	case "conversation.followed_up":
		key = "conversation_id"
	case "conversation.created":
		key = "previous_conversation_id"
	}
	v, _ := m[key].(float64)
	return int64(v)
}

func ref(m map[string]any, key string) string {
	v, _ := m[key].(float64)
	return "#" + strconv.FormatInt(int64(v), 10)
}

// messages says how many messages an event moved.
func messages(m map[string]any) string {
	v, _ := m["messages"].(float64)
	return count(int(v), "message")
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// strs reads a JSON list as strings (numbers too, as ids).
func strs(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		switch x := x.(type) {
		case string:
			out = append(out, x)
		case float64:
			out = append(out, strconv.FormatInt(int64(x), 10))
		}
	}
	return out
}

func toJSON(v any) template.JS {
	b, _ := json.Marshal(v)
	return template.JS(b)
}

func clientAddr(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return host
}
