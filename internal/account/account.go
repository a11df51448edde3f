// Package account manages who works in Parley: users and their roles,
// teams, inboxes and memberships, API tokens, and browser sessions.
package account

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// SessionLifetime is how long a browser stays signed in.
const SessionLifetime = 14 * 24 * time.Hour

// Service holds the account commands.
type Service struct {
	store  *store.Store
	now    func() time.Time
	login  *limiter
	tokens *tokenCache
	// OnUnavailable, if set, runs in the transaction that makes a user
	// unavailable (auto-assignment hands their conversations on).
	OnUnavailable func(ctx context.Context, tx *store.Tx, userID int64) error
	// settingsCheck validates a channel's inbox settings (SetSettingsCheck).
	settingsCheck map[model.Channel]func(json.RawMessage) map[string]string
}

// SetSettingsCheck registers how a channel's inbox settings are validated:
// the function returns the problems by field, none when they are fine.
func (s *Service) SetSettingsCheck(ch model.Channel, check func(json.RawMessage) map[string]string) {
	if s.settingsCheck == nil {
		s.settingsCheck = map[model.Channel]func(json.RawMessage) map[string]string{}
	}
	s.settingsCheck[ch] = check
}

func (s *Service) checkSettings(ch model.Channel, raw json.RawMessage, fields map[string]string) {
	if check := s.settingsCheck[ch]; check != nil && isObject(raw) {
		for k, v := range check(raw) {
			fields[k] = v
		}
	}
}

// New returns an account service.
func New(st *store.Store, now func() time.Time) *Service {
	return &Service{store: st, now: now, login: newLimiter(10, 5*time.Minute), tokens: newTokenCache()}
}

func requireRole(actor model.Actor, roles ...model.Role) error {
	for _, r := range roles {
		if actor.Role == r {
			return nil
		}
	}
	return apperr.Forbidden("your role (" + string(actor.Role) + ") may not do this")
}

func notFound(err error, what string) error {
	if errors.Is(err, store.ErrNotFound) {
		return apperr.NotFound(what)
	}
	return err
}

// UserCreateRequest is a new user.
type UserCreateRequest struct {
	Email    string     `json:"email"`
	Name     string     `json:"name"`
	Role     model.Role `json:"role"`
	Password string     `json:"password"`
	Capacity int        `json:"capacity"`
}

// UserPatch changes a user; absent fields stay as they are.
type UserPatch struct {
	Name      *string     `json:"name"`
	Role      *model.Role `json:"role"`
	Available *bool       `json:"available"`
	Capacity  *int        `json:"capacity"`
	// WeeklyReport opts in to (or out of) the weekly summary email; only
	// supervisors and admins may opt in.
	WeeklyReport *bool   `json:"weekly_report"`
	Password     *string `json:"password"`
	// CurrentPassword is needed to change one's own password, so a stolen
	// session or token cannot take the account over.
	CurrentPassword *string `json:"current_password"`
}

func validatePassword(p string, fields map[string]string) {
	if len(p) < 8 || len(p) > 200 {
		fields["password"] = "must be 8 to 200 characters"
	}
}

// CreateUser adds a user; only admins may.
func (s *Service) CreateUser(ctx context.Context, actor model.Actor, req UserCreateRequest) (model.User, error) {
	if err := requireRole(actor, model.RoleAdmin); err != nil {
		return model.User{}, err
	}
	fields := map[string]string{}
	email, err := contact.NormalizeEmail(req.Email)
	if err != nil {
		fields["email"] = err.Error()
	}
	req.Name = strings.TrimSpace(req.Name)
	if req.Name == "" || len(req.Name) > 200 {
		fields["name"] = "must be 1 to 200 characters"
	}
	if !req.Role.Valid() {
		fields["role"] = "must be admin, supervisor or agent"
	}
	if req.Password != "" {
		validatePassword(req.Password, fields)
	}
	if req.Capacity < 0 || req.Capacity > 1000 {
		fields["capacity"] = "must be from 0 (no limit) to 1000"
	}
	if len(fields) > 0 {
		return model.User{}, apperr.Invalid("the user is not valid", fields)
	}
	u := model.User{Email: email, Name: req.Name, Role: req.Role, Available: true, Capacity: req.Capacity, CreatedAt: s.now()}
	if req.Password != "" {
		u.PasswordHash = HashPassword(req.Password)
	}
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		id, err := tx.CreateUser(ctx, u)
		if errors.Is(err, store.ErrConflict) {
			return &apperr.Error{Kind: apperr.KindConflict, Message: "a user with that email exists", Fields: map[string]string{"email": "is taken"}}
		}
		u.ID = id
		return err
	})
	if err != nil {
		return model.User{}, err
	}
	return s.store.UserByID(ctx, u.ID)
}

// GetUser reads a user.
func (s *Service) GetUser(ctx context.Context, actor model.Actor, id int64) (model.User, error) {
	u, err := s.store.UserByID(ctx, id)
	return u, notFound(err, "user")
}

// ListUsers lists users by id.
func (s *Service) ListUsers(ctx context.Context, actor model.Actor, afterID int64, limit int) ([]model.User, error) {
	return s.store.ListUsers(ctx, afterID, limit)
}

// UpdateUser changes a user. Admins may change anything; others may change
// their own name, availability and password.
func (s *Service) UpdateUser(ctx context.Context, actor model.Actor, id int64, p UserPatch) (model.User, error) {
	if actor.Role != model.RoleAdmin {
		if actor.UserID != id {
			return model.User{}, apperr.Forbidden("only admins may change other users")
		}
		if p.Role != nil || p.Capacity != nil {
			return model.User{}, apperr.Forbidden("only admins may change roles and capacity")
		}
	}
	fields := map[string]string{}
	if p.Name != nil {
		*p.Name = strings.TrimSpace(*p.Name)
		if *p.Name == "" || len(*p.Name) > 200 {
			fields["name"] = "must be 1 to 200 characters"
		}
	}
	if p.Role != nil && !p.Role.Valid() {
		fields["role"] = "must be admin, supervisor or agent"
	}
	if p.Capacity != nil && (*p.Capacity < 0 || *p.Capacity > 1000) {
		fields["capacity"] = "must be from 0 (no limit) to 1000"
	}
	if p.Password != nil {
		validatePassword(*p.Password, fields)
		if actor.UserID == id && p.CurrentPassword == nil {
			fields["current_password"] = "is required to change your own password"
		}
	}
	if len(fields) > 0 {
		return model.User{}, apperr.Invalid("the change is not valid", fields)
	}
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByID(ctx, id)
		if err != nil {
			return notFound(err, "user")
		}
		if p.Name != nil {
			u.Name = *p.Name
		}
		if p.Role != nil && *p.Role != u.Role && u.Role == model.RoleAdmin {
			admins, err := tx.CountAdmins(ctx)
			if err != nil {
				return err
			}
			if admins <= 1 {
				return apperr.Conflict("this is the last admin; make someone else an admin first")
			}
		}
		if p.Role != nil {
			u.Role = *p.Role
		}
		if p.Available != nil && !*p.Available && u.Available && s.OnUnavailable != nil {
			if err := s.OnUnavailable(ctx, tx, u.ID); err != nil {
				return err
			}
		}
		if p.Available != nil {
			u.Available = *p.Available
		}
		if p.Capacity != nil {
			u.Capacity = *p.Capacity
		}
		if p.WeeklyReport != nil {
			u.WeeklyReport = *p.WeeklyReport
		}
		if u.WeeklyReport && !u.Role.SeesAll() {
			if p.WeeklyReport != nil {
				return apperr.Invalid("the change is not valid", map[string]string{"weekly_report": "is for supervisors and admins"})
			}
			u.WeeklyReport = false // demoted to agent: the summary stops
		}
		if p.Password != nil {
			if actor.UserID == id && (u.PasswordHash == "" || !CheckPassword(u.PasswordHash, *p.CurrentPassword)) {
				return &apperr.Error{Kind: apperr.KindForbidden, Message: "the current password is wrong",
					Fields: map[string]string{"current_password": "is wrong"}}
			}
			u.PasswordHash = HashPassword(*p.Password)
		}
		u.UpdatedAt = s.now()
		return tx.SaveUser(ctx, u)
	})
	s.tokens.forgetUser(id)
	if err != nil {
		return model.User{}, err
	}
	return s.store.UserByID(ctx, id)
}

// CreateToken issues an API token for a user and returns the secret, which
// is shown once and stored only as a hash. Users may make their own;
// admins may make anyone's.
func (s *Service) CreateToken(ctx context.Context, actor model.Actor, userID int64, name string) (string, model.APIToken, error) {
	if actor.UserID != userID && actor.Role != model.RoleAdmin {
		return "", model.APIToken{}, apperr.Forbidden("only admins may make tokens for other users")
	}
	name = strings.TrimSpace(name)
	if len(name) > 100 {
		return "", model.APIToken{}, apperr.Field("name", "must be at most 100 characters")
	}
	secret := NewSecret("pk_")
	tok := model.APIToken{UserID: userID, Name: name, CreatedAt: s.now().UTC().Truncate(time.Millisecond)}
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.UserByID(ctx, userID); err != nil {
			return notFound(err, "user")
		}
		id, err := tx.CreateAPIToken(ctx, userID, name, HashSecret(secret), tok.CreatedAt)
		tok.ID = id
		return err
	})
	return secret, tok, err
}

// UserByEmail finds a user for the command line, which acts as the system.
func (s *Service) UserByEmail(ctx context.Context, email string) (model.User, error) {
	u, err := s.store.UserByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	return u, notFound(err, "user")
}

// Principal is an authenticated caller.
type Principal struct {
	User model.User
	// CSRFToken is set when the caller came with a session cookie.
	CSRFToken string
}

// Actor is the principal as the services see it.
func (p Principal) Actor() model.Actor {
	return model.Actor{UserID: p.User.ID, Role: p.User.Role, Name: p.User.Name}
}

// AuthenticateToken resolves a bearer token.
func (s *Service) AuthenticateToken(ctx context.Context, secret string) (Principal, error) {
	hash := HashSecret(secret)
	// The cache's clock is the real one: it bounds staleness in real time.
	if u, ok := s.tokens.get(hash, time.Now()); ok {
		return Principal{User: u}, nil
	}
	tu, err := s.store.UserByTokenHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, apperr.Unauthenticated("the API token is not valid")
	} else if err != nil {
		return Principal{}, err
	}
	s.tokens.put(hash, tu.User, time.Now())
	return Principal{User: tu.User}, nil
}

// AuthenticateSession resolves a session cookie.
func (s *Service) AuthenticateSession(ctx context.Context, secret string) (Principal, error) {
	tu, err := s.store.UserBySessionHash(ctx, HashSecret(secret), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, apperr.Unauthenticated("the session has ended; sign in again")
	} else if err != nil {
		return Principal{}, err
	}
	return Principal{User: tu.User, CSRFToken: tu.CSRFToken}, nil
}

// Session is a new sign-in: the cookie secret and its CSRF token.
type Session struct {
	Secret    string
	CSRFToken string
	ExpiresAt time.Time
	User      model.User
}

// Login checks a password and opens a session. Failed attempts are
// limited per email and per client address.
func (s *Service) Login(ctx context.Context, email, password, clientAddr string) (Session, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	now := s.now()
	emailKey, addrKey := "email:"+email, "addr:"+clientAddr
	if s.login.blocked(emailKey, now) || s.login.blocked(addrKey, now) {
		return Session{}, apperr.RateLimited("too many sign-in attempts; wait a few minutes")
	}
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Session{}, err
	}
	if err != nil || u.PasswordHash == "" || !CheckPassword(u.PasswordHash, password) {
		// Only failures count, so colleagues behind one office address
		// signing in at the start of a shift are never locked out.
		s.login.fail(emailKey, now)
		s.login.fail(addrKey, now)
		return Session{}, apperr.Unauthenticated("wrong email or password")
	}
	sess := Session{Secret: NewSecret("ps_"), CSRFToken: NewSecret(""), ExpiresAt: now.Add(SessionLifetime), User: u}
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		return tx.CreateSession(ctx, u.ID, HashSecret(sess.Secret), sess.CSRFToken, now, sess.ExpiresAt)
	})
	return sess, err
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, secret string) error {
	return s.store.InTx(ctx, func(tx *store.Tx) error {
		return tx.DeleteSession(ctx, HashSecret(secret), s.now())
	})
}

// TeamCreateRequest is a new team.
type TeamCreateRequest struct {
	Name string `json:"name"`
}

// CreateTeam adds a team; admins and supervisors may.
func (s *Service) CreateTeam(ctx context.Context, actor model.Actor, req TeamCreateRequest) (model.Team, error) {
	if err := requireRole(actor, model.RoleAdmin, model.RoleSupervisor); err != nil {
		return model.Team{}, err
	}
	name := strings.TrimSpace(req.Name)
	if name == "" || len(name) > 100 {
		return model.Team{}, apperr.Field("name", "must be 1 to 100 characters")
	}
	var id int64
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		id, err = tx.CreateTeam(ctx, name, s.now())
		if errors.Is(err, store.ErrConflict) {
			return &apperr.Error{Kind: apperr.KindConflict, Message: "a team with that name exists", Fields: map[string]string{"name": "is taken"}}
		}
		return err
	})
	if err != nil {
		return model.Team{}, err
	}
	return s.store.TeamByID(ctx, id)
}

// ListTeams lists every team.
func (s *Service) ListTeams(ctx context.Context, actor model.Actor) ([]model.Team, error) {
	return s.store.ListTeams(ctx)
}

// GetTeam reads a team.
func (s *Service) GetTeam(ctx context.Context, actor model.Actor, id int64) (model.Team, error) {
	t, err := s.store.TeamByID(ctx, id)
	return t, notFound(err, "team")
}

// AddTeamMember puts a user in a team.
func (s *Service) AddTeamMember(ctx context.Context, actor model.Actor, teamID, userID int64) (model.Team, error) {
	if err := requireRole(actor, model.RoleAdmin, model.RoleSupervisor); err != nil {
		return model.Team{}, err
	}
	if userID <= 0 {
		return model.Team{}, apperr.Field("user_id", "is required")
	}
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		if ok, err := tx.TeamExists(ctx, teamID); err != nil {
			return err
		} else if !ok {
			return apperr.NotFound("team")
		}
		if _, err := tx.UserByID(ctx, userID); errors.Is(err, store.ErrNotFound) {
			return apperr.Field("user_id", "no such user")
		} else if err != nil {
			return err
		}
		return tx.AddTeamMember(ctx, teamID, userID)
	})
	if err != nil {
		return model.Team{}, err
	}
	return s.store.TeamByID(ctx, teamID)
}

// RemoveTeamMember takes a user out of a team.
func (s *Service) RemoveTeamMember(ctx context.Context, actor model.Actor, teamID, userID int64) (model.Team, error) {
	if err := requireRole(actor, model.RoleAdmin, model.RoleSupervisor); err != nil {
		return model.Team{}, err
	}
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		if ok, err := tx.TeamExists(ctx, teamID); err != nil {
			return err
		} else if !ok {
			return apperr.NotFound("team")
		}
		removed, err := tx.RemoveTeamMember(ctx, teamID, userID)
		if err == nil && !removed {
			return apperr.NotFound("member")
		}
		return err
	})
	if err != nil {
		return model.Team{}, err
	}
	return s.store.TeamByID(ctx, teamID)
}

// InboxCreateRequest is a new inbox. Durations are Go durations ("120h").
type InboxCreateRequest struct {
	Name             string          `json:"name"`
	Channel          model.Channel   `json:"channel"`
	Settings         json.RawMessage `json:"settings"`
	AutoResolveAfter string          `json:"auto_resolve_after"`
	AutoCloseAfter   string          `json:"auto_close_after"`
	ReopenWindow     string          `json:"reopen_window"`
}

// InboxPatch changes an inbox.
type InboxPatch struct {
	Name             *string         `json:"name"`
	Settings         json.RawMessage `json:"settings"`
	AutoResolveAfter *string         `json:"auto_resolve_after"`
	AutoCloseAfter   *string         `json:"auto_close_after"`
	ReopenWindow     *string         `json:"reopen_window"`
}

// InboxView is an inbox as the API shows it, durations in words.
type InboxView struct {
	model.Inbox
	AutoResolveAfter string `json:"auto_resolve_after"`
	AutoCloseAfter   string `json:"auto_close_after"`
	ReopenWindow     string `json:"reopen_window"`
}

// viewInboxFor renders an inbox for an actor: channel settings (which hold
// mail server credentials) are for admins only.
func viewInboxFor(actor model.Actor, in model.Inbox) InboxView {
	if actor.Role != model.RoleAdmin {
		in.Settings = json.RawMessage("{}")
	}
	return ViewInbox(in)
}

// ViewInbox renders an inbox for the API.
func ViewInbox(in model.Inbox) InboxView {
	if in.MemberIDs == nil {
		in.MemberIDs = []int64{}
	}
	return InboxView{Inbox: in, AutoResolveAfter: in.AutoResolveAfter.String(), AutoCloseAfter: in.AutoCloseAfter.String(), ReopenWindow: in.ReopenWindow.String()}
}

func parseDuration(field, s string, def time.Duration, fields map[string]string) time.Duration {
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Second || d > 365*24*time.Hour {
		fields[field] = `must be a duration from 1s to 8760h, like "120h"`
	}
	return d
}

// CreateInbox adds an inbox; only admins may.
func (s *Service) CreateInbox(ctx context.Context, actor model.Actor, req InboxCreateRequest) (InboxView, error) {
	if err := requireRole(actor, model.RoleAdmin); err != nil {
		return InboxView{}, err
	}
	fields := map[string]string{}
	in := model.Inbox{Name: strings.TrimSpace(req.Name), Channel: req.Channel, Settings: req.Settings, CreatedAt: s.now()}
	if in.Name == "" || len(in.Name) > 100 {
		fields["name"] = "must be 1 to 100 characters"
	}
	if !in.Channel.Valid() {
		fields["channel"] = "must be email, chat, api or phone"
	}
	if len(in.Settings) == 0 || string(in.Settings) == "null" {
		in.Settings = json.RawMessage("{}")
	} else if !isObject(in.Settings) {
		fields["settings"] = "must be a JSON object"
	}
	in.AutoResolveAfter = parseDuration("auto_resolve_after", req.AutoResolveAfter, model.DefaultAutoResolveAfter, fields)
	in.AutoCloseAfter = parseDuration("auto_close_after", req.AutoCloseAfter, model.DefaultAutoCloseAfter, fields)
	in.ReopenWindow = parseDuration("reopen_window", req.ReopenWindow, model.DefaultReopenWindow, fields)
	s.checkSettings(in.Channel, in.Settings, fields)
	if len(fields) > 0 {
		return InboxView{}, apperr.Invalid("the inbox is not valid", fields)
	}
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		id, err := tx.CreateInbox(ctx, in)
		in.ID = id
		return err
	})
	if err != nil {
		return InboxView{}, err
	}
	return s.GetInbox(ctx, actor, in.ID)
}

func isObject(raw json.RawMessage) bool {
	var m map[string]any
	return json.Unmarshal(raw, &m) == nil && m != nil
}

// UpdateInbox changes an inbox; only admins may.
func (s *Service) UpdateInbox(ctx context.Context, actor model.Actor, id int64, p InboxPatch) (InboxView, error) {
	if err := requireRole(actor, model.RoleAdmin); err != nil {
		return InboxView{}, err
	}
	fields := map[string]string{}
	if p.Name != nil && (strings.TrimSpace(*p.Name) == "" || len(*p.Name) > 100) {
		fields["name"] = "must be 1 to 100 characters"
	}
	if len(p.Settings) > 0 && !isObject(p.Settings) {
		fields["settings"] = "must be a JSON object"
	}
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		in, err := tx.InboxByID(ctx, id)
		if err != nil {
			return notFound(err, "inbox")
		}
		if p.Name != nil {
			in.Name = strings.TrimSpace(*p.Name)
		}
		if len(p.Settings) > 0 {
			in.Settings = p.Settings
			s.checkSettings(in.Channel, in.Settings, fields)
		}
		if p.AutoResolveAfter != nil {
			in.AutoResolveAfter = parseDuration("auto_resolve_after", *p.AutoResolveAfter, 0, fields)
		}
		if p.AutoCloseAfter != nil {
			in.AutoCloseAfter = parseDuration("auto_close_after", *p.AutoCloseAfter, 0, fields)
		}
		if p.ReopenWindow != nil {
			in.ReopenWindow = parseDuration("reopen_window", *p.ReopenWindow, 0, fields)
		}
		if len(fields) > 0 {
			return apperr.Invalid("the change is not valid", fields)
		}
		return tx.SaveInbox(ctx, in)
	})
	if err != nil {
		return InboxView{}, err
	}
	return s.GetInbox(ctx, actor, id)
}

// GetInbox reads an inbox the actor belongs to (or any, for admins and supervisors).
func (s *Service) GetInbox(ctx context.Context, actor model.Actor, id int64) (InboxView, error) {
	in, err := s.store.InboxByID(ctx, id)
	if err != nil {
		return InboxView{}, notFound(err, "inbox")
	}
	if !actor.Role.SeesAll() {
		member := false
		for _, m := range in.MemberIDs {
			member = member || m == actor.UserID
		}
		if !member {
			return InboxView{}, apperr.NotFound("inbox")
		}
	}
	return viewInboxFor(actor, in), nil
}

// ListInboxes lists the inboxes the actor may see.
func (s *Service) ListInboxes(ctx context.Context, actor model.Actor) ([]InboxView, error) {
	var visibleTo int64
	if !actor.Role.SeesAll() {
		visibleTo = actor.UserID
	}
	list, err := s.store.ListInboxes(ctx, visibleTo)
	if err != nil {
		return nil, err
	}
	out := make([]InboxView, len(list))
	for i, in := range list {
		out[i] = viewInboxFor(actor, in)
	}
	return out, nil
}

// AddInboxMember lets a user see an inbox's conversations; admins only.
func (s *Service) AddInboxMember(ctx context.Context, actor model.Actor, inboxID, userID int64) (InboxView, error) {
	return s.changeInboxMember(ctx, actor, inboxID, userID, true)
}

// RemoveInboxMember takes a user out of an inbox; admins only.
func (s *Service) RemoveInboxMember(ctx context.Context, actor model.Actor, inboxID, userID int64) (InboxView, error) {
	return s.changeInboxMember(ctx, actor, inboxID, userID, false)
}

func (s *Service) changeInboxMember(ctx context.Context, actor model.Actor, inboxID, userID int64, add bool) (InboxView, error) {
	if err := requireRole(actor, model.RoleAdmin); err != nil {
		return InboxView{}, err
	}
	if userID <= 0 {
		return InboxView{}, apperr.Field("user_id", "is required")
	}
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.InboxByID(ctx, inboxID); err != nil {
			return notFound(err, "inbox")
		}
		if !add {
			// The user is named by the path: one who is not a member (or
			// does not exist) is a membership that is not there, as for teams.
			removed, err := tx.RemoveInboxMember(ctx, inboxID, userID)
			if err == nil && !removed {
				return apperr.NotFound("member")
			}
			return err
		}
		if _, err := tx.UserByID(ctx, userID); errors.Is(err, store.ErrNotFound) {
			return apperr.Field("user_id", "no such user")
		} else if err != nil {
			return err
		}
		return tx.AddInboxMember(ctx, inboxID, userID)
	})
	if err != nil {
		return InboxView{}, err
	}
	return s.GetInbox(ctx, actor, inboxID)
}

// SetupFirstAdmin creates the first admin of an empty install. It refuses
// once any user exists, so the one-time setup page cannot be replayed.
func (s *Service) SetupFirstAdmin(ctx context.Context, req UserCreateRequest) (model.User, error) {
	n, err := s.store.CountUsers(ctx)
	if err != nil {
		return model.User{}, err
	}
	if n > 0 {
		return model.User{}, apperr.Conflict("Parley is already set up; sign in instead")
	}
	if req.Password == "" {
		return model.User{}, apperr.Field("password", "must be 8 to 200 characters")
	}
	req.Role = model.RoleAdmin
	return s.CreateUser(ctx, model.System, req)
}

// NeedsSetup reports whether the install has no users yet.
func (s *Service) NeedsSetup(ctx context.Context) (bool, error) {
	n, err := s.store.CountUsers(ctx)
	return n == 0, err
}
