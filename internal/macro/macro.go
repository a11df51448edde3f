// Package macro keeps macros: a template reply plus changes (status,
// assignee, team, tags, priority, snooze) that an agent applies in one
// step, to one conversation or in bulk, through the conversation service.
package macro

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

// Service manages macros.
type Service struct {
	store *store.Store
	now   func() time.Time
}

// New returns the macro service.
func New(st *store.Store, now func() time.Time) *Service { return &Service{store: st, now: now} }

// Request creates or changes a macro; absent fields stay as they are.
type Request struct {
	Name       *string               `json:"name"`
	TemplateID model.Nullable[int64] `json:"template_id,omitzero"`
	Actions    *conversation.Changes `json:"actions"`
}

func (s *Service) validate(ctx context.Context, m *model.Macro, req Request) error {
	fields := map[string]string{}
	if req.Name != nil {
		m.Name = strings.TrimSpace(*req.Name)
	}
	if m.Name == "" || utf8.RuneCountInString(m.Name) > 100 {
		fields["name"] = "must be 1 to 100 characters"
	}
	if req.TemplateID.Set {
		m.TemplateID = req.TemplateID.Ptr()
		if m.TemplateID != nil && *m.TemplateID <= 0 {
			fields["template_id"] = "must be a template id or null"
		}
	}
	if req.Actions != nil {
		a := *req.Actions
		a.Validate("actions.", fields)
		if a.Webhook != "" {
			fields["actions.webhook"] = "webhooks belong to automation rules"
		}
		if a.ReplyTemplateID != nil {
			fields["actions.reply_template_id"] = "set the macro's template_id instead"
		}
		b, _ := json.Marshal(a)
		m.Actions = b
	}
	if len(m.Actions) == 0 {
		m.Actions = json.RawMessage("{}")
	}
	if len(fields) == 0 && m.TemplateID == nil {
		var a conversation.Changes
		_ = json.Unmarshal(m.Actions, &a)
		if a.Empty() {
			fields["actions"] = "a macro needs a template or at least one action"
		}
	}
	if len(fields) > 0 {
		return apperr.Invalid("the macro is not valid", fields)
	}
	if m.TemplateID != nil {
		tp, err := s.store.TemplateByID(ctx, *m.TemplateID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && tp.Scope == model.ScopePersonal) {
			return apperr.Field("template_id", "no such shared template (a macro's template must be a team or everyone template)")
		} else if err != nil {
			return err
		}
	}
	return nil
}

func requireManager(actor model.Actor) error {
	if !actor.Role.SeesAll() {
		return apperr.Forbidden("only admins and supervisors manage macros")
	}
	return nil
}

// Create adds a macro.
func (s *Service) Create(ctx context.Context, actor model.Actor, req Request) (model.Macro, error) {
	if err := requireManager(actor); err != nil {
		return model.Macro{}, err
	}
	now := s.now()
	m := model.Macro{CreatedAt: now, UpdatedAt: now}
	if !actor.IsSystem() {
		m.CreatedBy = &actor.UserID
	}
	if err := s.validate(ctx, &m, req); err != nil {
		return m, err
	}
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		id, err := tx.CreateMacro(ctx, m)
		m.ID = id
		return err
	})
	if err != nil {
		return m, err
	}
	return s.store.MacroByID(ctx, m.ID)
}

// Get reads a macro.
func (s *Service) Get(ctx context.Context, _ model.Actor, id int64) (model.Macro, error) {
	m, err := s.store.MacroByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return m, apperr.NotFound("macro")
	}
	return m, err
}

// List returns every macro; everyone may apply them.
func (s *Service) List(ctx context.Context, _ model.Actor) ([]model.Macro, error) {
	return s.store.ListMacros(ctx)
}

// Update changes a macro.
func (s *Service) Update(ctx context.Context, actor model.Actor, id int64, req Request) (model.Macro, error) {
	if err := requireManager(actor); err != nil {
		return model.Macro{}, err
	}
	m, err := s.Get(ctx, actor, id)
	if err != nil {
		return m, err
	}
	if err := s.validate(ctx, &m, req); err != nil {
		return m, err
	}
	m.UpdatedAt = s.now()
	if err := s.store.InTx(ctx, func(tx *store.Tx) error { return tx.SaveMacro(ctx, m) }); err != nil {
		return m, err
	}
	return s.store.MacroByID(ctx, id)
}

// Delete removes a macro.
func (s *Service) Delete(ctx context.Context, actor model.Actor, id int64) error {
	if err := requireManager(actor); err != nil {
		return err
	}
	if _, err := s.Get(ctx, actor, id); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteMacro(ctx, id) })
}
