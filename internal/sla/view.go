package sla

import (
	"context"
	"time"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

func notFound(what string) error { return apperr.NotFound(what) }

// Clock is one target's clock as the API shows it.
type Clock struct {
	Target      string     `json:"target"`
	Cycle       int64      `json:"cycle"`
	PolicyID    int64      `json:"policy_id"`
	State       string     `json:"state"`
	StartedAt   time.Time  `json:"started_at"`
	Goal        string     `json:"goal"`
	DueAt       *time.Time `json:"due_at"`
	WarnAt      *time.Time `json:"warn_at"`
	RemainingMS *int64     `json:"remaining_ms"`
	WarnedAt    *time.Time `json:"warned_at"`
	BreachedAt  *time.Time `json:"breached_at"`
	StoppedAt   *time.Time `json:"stopped_at"`
	Outcome     string     `json:"outcome"`
}

// Status is a conversation's SLA as the API shows it.
type Status struct {
	PolicyID *int64              `json:"policy_id"`
	Policy   string              `json:"policy"`
	DueAt    *time.Time          `json:"sla_due_at"`
	Clocks   []Clock             `json:"clocks"`
	Outcomes []store.SLAOutcome  `json:"outcomes"`
	Conv     *model.Conversation `json:"-"`
}

// ConversationSLA returns a conversation's policy, clocks and outcomes.
func (s *Service) ConversationSLA(ctx context.Context, actor model.Actor, id int64) (Status, error) {
	c, err := s.conversations.Get(ctx, actor, id)
	if err != nil {
		return Status{}, err
	}
	st := Status{PolicyID: c.SLAPolicyID, DueAt: c.SLADueAt, Clocks: []Clock{}, Conv: &c}
	if c.SLAPolicyID != nil {
		if p, err := s.store.SLAPolicyByID(ctx, *c.SLAPolicyID); err == nil {
			st.Policy = p.Name
		}
	}
	rows, err := s.store.SLAClocks(ctx, id)
	if err != nil {
		return st, err
	}
	for _, r := range rows {
		cl := Clock{Target: r.Target, Cycle: r.Cycle, PolicyID: r.PolicyID, State: r.State, StartedAt: r.StartedAt,
			Goal: FormatDuration(time.Duration(r.TargetMS) * time.Millisecond), DueAt: r.DueAt, WarnAt: r.WarnAt,
			WarnedAt: r.WarnedAt, BreachedAt: r.BreachedAt, StoppedAt: r.StoppedAt, Outcome: r.Outcome}
		if r.State == "paused" {
			rem := r.TargetMS - r.ElapsedMS
			cl.RemainingMS = &rem
		}
		st.Clocks = append(st.Clocks, cl)
	}
	if st.Outcomes, err = s.store.SLAOutcomes(ctx, id); err != nil {
		return st, err
	}
	return st, nil
}
