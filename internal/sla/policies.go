package sla

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// PolicyRequest creates a policy (name and one target at least) or, with
// any subset of fields, changes one.
type PolicyRequest struct {
	Name            *string               `json:"name"`
	Position        *int                  `json:"position"`
	FirstResponse   *Targets              `json:"first_response"`
	NextResponse    *Targets              `json:"next_response"`
	Resolution      *Targets              `json:"resolution"`
	BusinessHoursID model.Nullable[int64] `json:"business_hours_id,omitzero"`
	Conditions      *Conditions           `json:"conditions"`
	PauseOnPending  *bool                 `json:"pause_on_pending"`
	PauseOnSnooze   *bool                 `json:"pause_on_snooze"`
	WarnBefore      *string               `json:"warn_before"`
	Escalation      *Escalation           `json:"escalation"`
}

func toPolicy(r store.SLAPolicy) (Policy, error) {
	p := Policy{ID: r.ID, Name: r.Name, Position: r.Position, BusinessHoursID: r.BusinessHoursID,
		PauseOnPending: r.PauseOnPending, PauseOnSnooze: r.PauseOnSnooze, WarnBefore: r.WarnBefore,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	for _, x := range []struct {
		src string
		dst any
	}{{r.FirstResponse, &p.FirstResponse}, {r.NextResponse, &p.NextResponse}, {r.Resolution, &p.Resolution},
		{r.Conditions, &p.Conditions}, {r.Escalation, &p.Escalation}} {
		if err := json.Unmarshal([]byte(x.src), x.dst); err != nil {
			return p, fmt.Errorf("sla policy %d: %w", r.ID, err)
		}
	}
	return p, nil
}

func fromPolicy(p Policy) store.SLAPolicy {
	enc := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	return store.SLAPolicy{ID: p.ID, Name: p.Name, Position: p.Position, FirstResponse: enc(p.FirstResponse),
		NextResponse: enc(p.NextResponse), Resolution: enc(p.Resolution), BusinessHoursID: p.BusinessHoursID,
		Conditions: enc(p.Conditions), PauseOnPending: p.PauseOnPending, PauseOnSnooze: p.PauseOnSnooze,
		WarnBefore: strings.TrimSpace(p.WarnBefore), Escalation: enc(p.Escalation), CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

// policies returns every policy in the order they are tried.
func policies(ctx context.Context, list func(context.Context) ([]store.SLAPolicy, error)) ([]Policy, error) {
	rows, err := list(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Policy, 0, len(rows))
	for _, r := range rows {
		p, err := toPolicy(r)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// ListPolicies returns the policies in the order they are tried.
func (s *Service) ListPolicies(ctx context.Context, actor model.Actor) ([]Policy, error) {
	return policies(ctx, s.store.ListSLAPolicies)
}

// GetPolicy reads one policy.
func (s *Service) GetPolicy(ctx context.Context, actor model.Actor, id int64) (Policy, error) {
	r, err := s.store.SLAPolicyByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Policy{}, apperr.NotFound("SLA policy")
	} else if err != nil {
		return Policy{}, err
	}
	return toPolicy(r)
}

// CreatePolicy adds a policy, last in order unless a position is given.
// It applies to conversations as they next change.
func (s *Service) CreatePolicy(ctx context.Context, actor model.Actor, req PolicyRequest) (Policy, error) {
	if err := requireAdmin(actor); err != nil {
		return Policy{}, err
	}
	p := Policy{PauseOnPending: true, PauseOnSnooze: true, CreatedAt: s.now(), UpdatedAt: s.now()}
	if req.Name == nil {
		return Policy{}, apperr.Field("name", "is required")
	}
	var id int64
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		if req.Position == nil {
			all, err := tx.ListSLAPolicies(ctx)
			if err != nil {
				return err
			}
			for _, o := range all {
				p.Position = max(p.Position, o.Position+1)
			}
		}
		if err := s.applyPolicy(ctx, tx, &p, req); err != nil {
			return err
		}
		var err error
		id, err = tx.CreateSLAPolicy(ctx, fromPolicy(p))
		if errors.Is(err, store.ErrConflict) {
			return apperr.Field("name", "another policy has this name")
		}
		return err
	})
	s.forgetPolicies()
	if err != nil {
		return Policy{}, err
	}
	return s.GetPolicy(ctx, actor, id)
}

// UpdatePolicy changes a policy. Running clocks take the new targets when
// their conversation next changes.
func (s *Service) UpdatePolicy(ctx context.Context, actor model.Actor, id int64, req PolicyRequest) (Policy, error) {
	if err := requireAdmin(actor); err != nil {
		return Policy{}, err
	}
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		r, err := tx.SLAPolicyByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("SLA policy")
		} else if err != nil {
			return err
		}
		p, err := toPolicy(r)
		if err != nil {
			return err
		}
		p.UpdatedAt = s.now()
		if err := s.applyPolicy(ctx, tx, &p, req); err != nil {
			return err
		}
		err = tx.UpdateSLAPolicy(ctx, fromPolicy(p))
		if errors.Is(err, store.ErrConflict) {
			return apperr.Field("name", "another policy has this name")
		}
		return err
	})
	s.forgetPolicies()
	if err != nil {
		return Policy{}, err
	}
	return s.GetPolicy(ctx, actor, id)
}

// DeletePolicy removes a policy and stops its running clocks.
func (s *Service) DeletePolicy(ctx context.Context, actor model.Actor, id int64) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	defer s.forgetPolicies()
	return s.store.InTx(ctx, func(tx *store.Tx) error {
		err := tx.DeleteSLAPolicy(ctx, id, s.now())
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("SLA policy")
		}
		return err
	})
}

// applyPolicy validates the request onto p, checking referenced rows.
func (s *Service) applyPolicy(ctx context.Context, tx *store.Tx, p *Policy, req PolicyRequest) error {
	fields := map[string]string{}
	if req.Name != nil {
		p.Name = strings.TrimSpace(*req.Name)
		if p.Name == "" || len(p.Name) > 100 {
			fields["name"] = "must be 1 to 100 characters"
		}
	}
	if req.Position != nil {
		p.Position = *req.Position
		if p.Position < 0 || p.Position > 1_000_000 {
			fields["position"] = "must be from 0 to 1000000"
		}
	}
	if req.FirstResponse != nil {
		p.FirstResponse = *req.FirstResponse
	}
	if req.NextResponse != nil {
		p.NextResponse = *req.NextResponse
	}
	if req.Resolution != nil {
		p.Resolution = *req.Resolution
	}
	if !p.FirstResponse.Any() && !p.NextResponse.Any() && !p.Resolution.Any() {
		fields["first_response"] = "set at least one of first_response, next_response, resolution"
	}
	if req.BusinessHoursID.Set {
		p.BusinessHoursID = req.BusinessHoursID.Ptr()
		if p.BusinessHoursID != nil {
			if _, err := tx.BusinessHoursByID(ctx, *p.BusinessHoursID); errors.Is(err, store.ErrNotFound) {
				fields["business_hours_id"] = "no such business hours"
			} else if err != nil {
				return err
			}
		}
	}
	if req.Conditions != nil {
		p.Conditions = *req.Conditions
		validConditions(p.Conditions, fields)
		for _, id := range p.Conditions.InboxIDs {
			if _, err := tx.InboxByID(ctx, id); errors.Is(err, store.ErrNotFound) {
				fields["conditions.inbox_ids"] = fmt.Sprintf("no such inbox: %d", id)
			} else if err != nil {
				return err
			}
		}
		for _, id := range p.Conditions.TeamIDs {
			if ok, err := tx.TeamExists(ctx, id); err != nil {
				return err
			} else if !ok {
				fields["conditions.team_ids"] = fmt.Sprintf("no such team: %d", id)
			}
		}
	}
	if req.PauseOnPending != nil {
		p.PauseOnPending = *req.PauseOnPending
	}
	if req.PauseOnSnooze != nil {
		p.PauseOnSnooze = *req.PauseOnSnooze
	}
	if req.WarnBefore != nil {
		p.WarnBefore = strings.TrimSpace(*req.WarnBefore)
		if why := validWarn(p.WarnBefore); why != "" {
			fields["warn_before"] = "must be " + why
		}
	}
	if req.Escalation != nil {
		p.Escalation = *req.Escalation
		for key, a := range map[string]*Action{"escalation.on_warning": p.Escalation.OnWarning, "escalation.on_breach": p.Escalation.OnBreach} {
			validAction(a, key, fields)
			if a == nil {
				continue
			}
			if a.AssigneeID != nil && *a.AssigneeID > 0 {
				if _, err := tx.UserByID(ctx, *a.AssigneeID); errors.Is(err, store.ErrNotFound) {
					fields[key+".assignee_id"] = "no such user"
				} else if err != nil {
					return err
				}
			}
			if a.TeamID != nil && *a.TeamID > 0 {
				if ok, err := tx.TeamExists(ctx, *a.TeamID); err != nil {
					return err
				} else if !ok {
					fields[key+".team_id"] = "no such team"
				}
			}
			for _, u := range a.NotifyUserIDs {
				if _, err := tx.UserByID(ctx, u); errors.Is(err, store.ErrNotFound) {
					fields[key+".notify_user_ids"] = fmt.Sprintf("no such user: %d", u)
				} else if err != nil {
					return err
				}
			}
		}
	}
	if len(fields) > 0 {
		return apperr.Invalid("the SLA policy is not valid", fields)
	}
	return nil
}
