package template

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// Service manages templates and renders them for conversations.
type Service struct {
	store         *store.Store
	conversations *conversation.Service
	hours         conversation.BusinessHours
	now           func() time.Time
}

// New returns the template service. hours answers inbox.within_business_hours.
func New(st *store.Store, conversations *conversation.Service, hours conversation.BusinessHours, now func() time.Time) *Service {
	if hours == nil {
		hours = conversation.AlwaysOpen{}
	}
	return &Service{store: st, conversations: conversations, hours: hours, now: now}
}

// Request creates or (with absent fields left alone) changes a template.
type Request struct {
	Name   *string               `json:"name"`
	Body   *string               `json:"body"`
	Scope  *string               `json:"scope"`
	TeamID model.Nullable[int64] `json:"team_id,omitzero"`
	Folder *string               `json:"folder"`
}

// PreviewRequest names the conversation to render a template for.
type PreviewRequest struct {
	ConversationID int64 `json:"conversation_id"`
}

// canUse reports whether actor may see and send tp.
func canUse(ctx context.Context, tx interface {
	IsTeamMember(context.Context, int64, int64) (bool, error)
}, actor model.Actor, tp model.Template) (bool, error) {
	switch tp.Scope {
	case model.ScopeEveryone:
		return true, nil
	case model.ScopePersonal:
		return tp.OwnerID == actor.UserID, nil
	}
	if actor.Role.SeesAll() || tp.TeamID == nil {
		return true, nil
	}
	return tx.IsTeamMember(ctx, *tp.TeamID, actor.UserID)
}

// canEdit: the owner edits personal templates; managers edit shared ones,
// and members edit their team's.
func canEdit(ctx context.Context, st *store.Store, actor model.Actor, tp model.Template) (bool, error) {
	if tp.Scope == model.ScopePersonal {
		return tp.OwnerID == actor.UserID, nil
	}
	if actor.Role.SeesAll() {
		return true, nil
	}
	if tp.Scope == model.ScopeTeam && tp.TeamID != nil {
		return st.IsTeamMember(ctx, *tp.TeamID, actor.UserID)
	}
	return false, nil
}

func (s *Service) visible(ctx context.Context, actor model.Actor, id int64) (model.Template, error) {
	tp, err := s.store.TemplateByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return tp, apperr.NotFound("template")
	} else if err != nil {
		return tp, err
	}
	ok, err := canUse(ctx, s.store, actor, tp)
	if err != nil {
		return tp, err
	}
	if !ok {
		return tp, apperr.NotFound("template")
	}
	return tp, nil
}

// Get reads a template the actor may use.
func (s *Service) Get(ctx context.Context, actor model.Actor, id int64) (model.Template, error) {
	return s.visible(ctx, actor, id)
}

// List returns the templates the actor may use, by folder and name.
func (s *Service) List(ctx context.Context, actor model.Actor) ([]model.Template, error) {
	return s.store.ListTemplates(ctx, actor.UserID, actor.Role.SeesAll())
}

// validate applies req to tp, checking each field.
func (s *Service) validate(ctx context.Context, actor model.Actor, tp *model.Template, req Request) error {
	fields := map[string]string{}
	if req.Name != nil {
		tp.Name = strings.TrimSpace(*req.Name)
	}
	if tp.Name == "" || utf8.RuneCountInString(tp.Name) > 100 {
		fields["name"] = "must be 1 to 100 characters"
	}
	if req.Body != nil {
		tp.Body = strings.TrimSpace(*req.Body)
	}
	switch {
	case tp.Body == "":
		fields["body"] = "is required"
	case len(tp.Body) > MaxOutput:
		fields["body"] = "must be at most 100000 bytes"
	default:
		if err := Check(tp.Body); err != nil {
			fields["body"] = err.Error()
		}
	}
	if req.Scope != nil {
		tp.Scope = *req.Scope
	}
	if req.Folder != nil {
		tp.Folder = strings.TrimSpace(*req.Folder)
		if utf8.RuneCountInString(tp.Folder) > 100 {
			fields["folder"] = "must be at most 100 characters"
		}
	}
	if req.TeamID.Set {
		tp.TeamID = req.TeamID.Ptr()
	}
	switch tp.Scope {
	case model.ScopePersonal, model.ScopeEveryone:
		tp.TeamID = nil
	case model.ScopeTeam:
		if tp.TeamID == nil {
			fields["team_id"] = "is required for a team template"
		}
	default:
		fields["scope"] = "must be personal, team or everyone"
	}
	if len(fields) > 0 {
		return apperr.Invalid("the template is not valid", fields)
	}
	switch tp.Scope {
	case model.ScopeEveryone:
		if !actor.Role.SeesAll() {
			return apperr.Forbidden("only admins and supervisors share templates with everyone")
		}
	case model.ScopeTeam:
		if _, err := s.store.TeamByID(ctx, *tp.TeamID); errors.Is(err, store.ErrNotFound) {
			return apperr.Field("team_id", "no such team")
		} else if err != nil {
			return err
		}
		if !actor.Role.SeesAll() {
			if ok, err := s.store.IsTeamMember(ctx, *tp.TeamID, actor.UserID); err != nil {
				return err
			} else if !ok {
				return apperr.Forbidden("you can share templates only with your own teams")
			}
		}
	}
	return nil
}

// Create adds a template owned by the actor.
func (s *Service) Create(ctx context.Context, actor model.Actor, req Request) (model.Template, error) {
	now := s.now()
	tp := model.Template{Scope: model.ScopePersonal, OwnerID: actor.UserID, CreatedAt: now, UpdatedAt: now}
	if actor.IsSystem() {
		return tp, apperr.Forbidden("templates belong to a user")
	}
	if err := s.validate(ctx, actor, &tp, req); err != nil {
		return tp, err
	}
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		id, err := tx.CreateTemplate(ctx, tp)
		tp.ID = id
		return err
	})
	if err != nil {
		return tp, err
	}
	return s.store.TemplateByID(ctx, tp.ID)
}

// Update changes a template the actor may edit.
func (s *Service) Update(ctx context.Context, actor model.Actor, id int64, req Request) (model.Template, error) {
	tp, err := s.editable(ctx, actor, id)
	if err != nil {
		return tp, err
	}
	if err := s.validate(ctx, actor, &tp, req); err != nil {
		return tp, err
	}
	tp.UpdatedAt = s.now()
	if err := s.store.InTx(ctx, func(tx *store.Tx) error { return tx.SaveTemplate(ctx, tp) }); err != nil {
		return tp, err
	}
	return s.store.TemplateByID(ctx, id)
}

func (s *Service) editable(ctx context.Context, actor model.Actor, id int64) (model.Template, error) {
	tp, err := s.visible(ctx, actor, id)
	if err != nil {
		return tp, err
	}
	ok, err := canEdit(ctx, s.store, actor, tp)
	if err != nil {
		return tp, err
	}
	if !ok {
		return tp, apperr.Forbidden("you may use this template but not change it")
	}
	return tp, nil
}

// Delete removes a template the actor may edit.
func (s *Service) Delete(ctx context.Context, actor model.Actor, id int64) error {
	if _, err := s.editable(ctx, actor, id); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteTemplate(ctx, id) })
}

// Preview renders a template with a conversation's real values and lists
// the variables that would go out blank.
func (s *Service) Preview(ctx context.Context, actor model.Actor, id int64, req PreviewRequest) (Result, error) {
	tp, err := s.visible(ctx, actor, id)
	if err != nil {
		return Result{}, err
	}
	if req.ConversationID <= 0 {
		return Result{}, apperr.Field("conversation_id", "is required")
	}
	c, err := s.conversations.Get(ctx, actor, req.ConversationID)
	if apperr.KindOf(err) == apperr.KindNotFound {
		return Result{}, apperr.Field("conversation_id", "no such conversation")
	} else if err != nil {
		return Result{}, err
	}
	var res Result
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		vars, err := s.Vars(ctx, tx, actor, c)
		if err != nil {
			return err
		}
		res, err = Render(tp.Body, vars)
		if err != nil {
			return apperr.Field("body", err.Error())
		}
		return nil
	})
	return res, err
}

// RenderTx renders template id for c inside a conversation command. The
// actor must be able to use the template (automation uses any); strict
// refuses a render that would leave a variable blank.
func (s *Service) RenderTx(ctx context.Context, tx *store.Tx, actor model.Actor, id int64, c model.Conversation, strict bool) (string, error) {
	tp, err := tx.TemplateByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return "", apperr.Field("template_id", "no such template")
	} else if err != nil {
		return "", err
	}
	if !actor.IsSystem() {
		if ok, err := canUse(ctx, tx, actor, tp); err != nil {
			return "", err
		} else if !ok {
			return "", apperr.Field("template_id", "no such template")
		}
	}
	vars, err := s.Vars(ctx, tx, actor, c)
	if err != nil {
		return "", err
	}
	res, err := Render(tp.Body, vars)
	if err != nil {
		return "", apperr.Field("template_id", err.Error())
	}
	if strict && len(res.Missing) > 0 {
		return "", apperr.Field("template_id", "these variables have no value here and no default: "+strings.Join(res.Missing, ", "))
	}
	if res.Body == "" {
		return "", apperr.Field("template_id", "the template renders to nothing for this conversation")
	}
	return res.Body, nil
}

// Vars are the values a template sees for conversation c sent by actor.
// The agent is the actor, or the assignee when automation sends it.
func (s *Service) Vars(ctx context.Context, tx *store.Tx, actor model.Actor, c model.Conversation) (map[string]any, error) {
	ct, err := tx.ContactByID(ctx, c.Contact.ID)
	if err != nil {
		return nil, err
	}
	attrs := map[string]any{}
	if len(ct.Attributes) > 0 {
		_ = json.Unmarshal(ct.Attributes, &attrs)
	}
	agentName := actor.Name
	if actor.IsSystem() {
		agentName = ""
		if c.AssigneeID != nil {
			if u, err := tx.UserByID(ctx, *c.AssigneeID); err == nil {
				agentName = u.Name
			}
		}
	} else if u, err := tx.UserByID(ctx, actor.UserID); err == nil {
		agentName = u.Name
	}
	inbox, err := tx.InboxByID(ctx, c.InboxID)
	if err != nil {
		return nil, err
	}
	within, err := conversation.WithinHours(ctx, s.hours, tx, c.InboxID, s.now())
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"contact":      map[string]any{"name": ct.Name, "first_name": FirstName(ct.Name), "email": ct.Email, "attributes": attrs},
		"agent":        map[string]any{"name": agentName, "first_name": FirstName(agentName)},
		"conversation": map[string]any{"number": c.ID, "subject": c.Subject},
		"inbox":        map[string]any{"name": inbox.Name, "within_business_hours": within},
	}, nil
}
