package automation

import (
	"context"
	"errors"
	"time"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// InboxSettingsRequest changes an inbox's routing and follow-up settings;
// absent fields stay as they are.
type InboxSettingsRequest struct {
	AssignMode    *string               `json:"assign_mode"`
	ReassignAfter *string               `json:"reassign_after"`
	AckTemplateID model.Nullable[int64] `json:"ack_template_id,omitzero"`
	CSATEnabled   *bool                 `json:"csat_enabled"`
}

// InboxSettings reads an inbox's routing settings (all off until set).
func (s *Service) InboxSettings(ctx context.Context, actor model.Actor, inboxID int64) (model.InboxAutomation, error) {
	if _, err := s.store.InboxByID(ctx, inboxID); errors.Is(err, store.ErrNotFound) {
		return model.InboxAutomation{}, apperr.NotFound("inbox")
	} else if err != nil {
		return model.InboxAutomation{}, err
	}
	if !actor.Role.SeesAll() {
		if ok, err := s.store.IsInboxMember(ctx, inboxID, actor.UserID); err != nil || !ok {
			return model.InboxAutomation{}, errors.Join(err, apperr.NotFound("inbox"))
		}
	}
	return s.store.InboxAutomation(ctx, inboxID)
}

// UpdateInboxSettings changes an inbox's routing settings; admins only.
func (s *Service) UpdateInboxSettings(ctx context.Context, actor model.Actor, inboxID int64, req InboxSettingsRequest) (model.InboxAutomation, error) {
	ia, err := s.InboxSettings(ctx, actor, inboxID)
	if err != nil {
		return ia, err
	}
	if actor.Role != model.RoleAdmin {
		return ia, apperr.Forbidden("only admins change an inbox's routing")
	}
	fields := map[string]string{}
	if req.AssignMode != nil {
		switch *req.AssignMode {
		case model.AssignNone, model.AssignRoundRobin, model.AssignLeastLoaded:
			ia.AssignMode = *req.AssignMode
		default:
			fields["assign_mode"] = "must be none, round_robin or least_loaded"
		}
	}
	if req.ReassignAfter != nil {
		d, err := time.ParseDuration(*req.ReassignAfter)
		if *req.ReassignAfter == "" {
			d, err = 0, nil
		}
		if err != nil || (d != 0 && d < time.Minute) || d > 30*24*time.Hour {
			fields["reassign_after"] = `must be "0s" (never) or a duration from 1m to 720h, like "30m"`
		}
		ia.ReassignAfterDur = d
	}
	if req.AckTemplateID.Set {
		ia.AckTemplateID = req.AckTemplateID.Ptr()
		if ia.AckTemplateID != nil {
			tp, err := s.store.TemplateByID(ctx, *ia.AckTemplateID)
			if err != nil || tp.Scope == model.ScopePersonal {
				fields["ack_template_id"] = "no such shared template (team or everyone)"
			}
		}
	}
	if req.CSATEnabled != nil {
		ia.CSATEnabled = *req.CSATEnabled
	}
	if len(fields) > 0 {
		return ia, apperr.Invalid("the settings are not valid", fields)
	}
	if err := s.store.InTx(ctx, func(tx *store.Tx) error { return tx.SaveInboxAutomation(ctx, ia) }); err != nil {
		return ia, err
	}
	return s.store.InboxAutomation(ctx, inboxID)
}
