package sla

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/businesshours"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// FireArgs is the job that fires a clock's warning or breach at its exact
// moment. At stamps the due (or warning) time it was scheduled for: a clock
// that has moved since (paused, met, re-targeted) no longer has that time,
// and the job does nothing.
type FireArgs struct {
	ConversationID int64  `json:"conversation_id"`
	Target         string `json:"target"`
	Cycle          int64  `json:"cycle"`
	Fires          string `json:"fires"` // "warning" or "breached"
	At             int64  `json:"at"`
}

// Kind names the job in River.
func (FireArgs) Kind() string { return "sla.fire" }

// RegisterWorkers adds the SLA job workers.
func (s *Service) RegisterWorkers(w *river.Workers) {
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[FireArgs]) error {
		early, err := s.Fire(ctx, j.Args)
		if err != nil {
			return err
		}
		if early > 0 {
			// This node's clock is behind the one that scheduled the job.
			return river.JobSnooze(early)
		}
		return nil
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[EmailArgs]) error {
		return s.sendEmail(ctx, j.Args)
	}))
}

func terminal(st model.Status) bool { return st == model.StatusResolved || st == model.StatusClosed }

// matchPolicy returns the first policy, by position, whose conditions the
// conversation meets.
func matchPolicy(ps []Policy, c model.Conversation) *Policy {
	if c.MergedIntoID != nil {
		return nil
	}
	for i := range ps {
		if ps[i].Conditions.Match(c) {
			return &ps[i]
		}
	}
	return nil
}

// spell says whether a target's clock should run now and from when.
//   - first_response: from creation, for conversations a customer started,
//     until the first agent reply;
//   - next_response: from each customer message that waits on an agent,
//     after the first reply (or in a conversation an agent started);
//   - resolution: from creation (or reopening) until resolved.
func spell(target string, c model.Conversation, row *store.SLAClock, now time.Time) (time.Time, bool) {
	if terminal(c.Status) {
		return time.Time{}, false
	}
	startedWaiting := c.WaitingSince != nil && c.WaitingSince.Equal(c.CreatedAt) && c.FirstResponseAt == nil
	switch target {
	case FirstResponse:
		return c.CreatedAt, startedWaiting
	case NextResponse:
		if c.WaitingSince == nil || startedWaiting {
			return time.Time{}, false
		}
		return *c.WaitingSince, true
	default:
		switch {
		case row == nil:
			return c.CreatedAt, true
		case row.State != "done":
			return row.StartedAt, true
		}
		return now, true
	}
}

// Sync brings a conversation's clocks in step with it; the conversation
// service calls it inside every command's transaction.
//
// It reads the conversation only when it must: with no policy at all (no
// conversation then holds one: DeleteSLAPolicy clears them) and no status
// change, a command pays one small query for it.
func (s *Service) Sync(ctx context.Context, w *conversation.Writer, ch conversation.Changed) error {
	tx, now := w.Tx(), w.Now()
	var c model.Conversation
	loaded := false
	load := func() error {
		if loaded {
			return nil
		}
		var err error
		c, err = w.Conversation(ctx, ch.ConversationID)
		loaded = err == nil
		return err
	}
	if ch.Has("status.changed") {
		if err := load(); err != nil {
			return err
		}
		if c.Status == model.StatusResolved {
			if err := s.notifyFollowers(ctx, w, c); err != nil {
				return err
			}
		}
	}
	ps, err := s.cachedPolicies(ctx, tx)
	if err != nil {
		return err
	}
	if len(ps) == 0 {
		return nil
	}
	if err := load(); err != nil {
		return err
	}
	p := matchPolicy(ps, c)
	if !sameID(c.SLAPolicyID, policyID(p)) {
		before := map[string]any{"policy_id": c.SLAPolicyID}
		if p != nil {
			err = w.Event(ctx, c.ID, "sla.applied", before, map[string]any{"policy_id": p.ID, "name": p.Name})
		} else {
			err = w.Event(ctx, c.ID, "sla.removed", before, nil)
		}
		if err != nil {
			return err
		}
	}
	rows, err := tx.SLAClocks(ctx, c.ID)
	if err != nil {
		return err
	}
	byTarget := map[string]*store.SLAClock{}
	for i := range rows {
		byTarget[rows[i].Target] = &rows[i]
	}
	var cal *businesshours.Calendar
	if p != nil {
		if cal, err = s.calendar(ctx, tx, p.BusinessHoursID); err != nil {
			return err
		}
	}
	var nearest *time.Time
	for _, target := range TargetNames {
		row := byTarget[target]
		start, active := spell(target, c, row, now)
		var goal time.Duration
		if p != nil {
			goal = p.Target(target).For(c.Priority)
		}
		open := row != nil && row.State != "done"
		if open && (!active || !row.StartedAt.Equal(start) || goal == 0) {
			if err := s.stop(ctx, w, c, row, ch); err != nil {
				return err
			}
			open = false
		}
		if !active || goal == 0 {
			continue
		}
		if !open {
			if row != nil && row.StartedAt.Equal(start) {
				continue // this spell already ended (met, breached or cancelled)
			}
			cycle := int64(0)
			if row != nil {
				cycle = row.Cycle + 1
			}
			row = &store.SLAClock{ConversationID: c.ID, Target: target, Cycle: cycle, State: "running", StartedAt: start,
				ElapsedMS: cal.Between(start, now).Milliseconds(), RunningSince: &now}
		}
		changed, err := s.advance(row, p, cal, c, goal, now)
		if err != nil {
			return err
		}
		if changed {
			if err := tx.SaveSLAClock(ctx, *row); err != nil {
				return err
			}
			if err := s.schedule(ctx, w, row); err != nil {
				return err
			}
		}
		if row.DueAt != nil && (nearest == nil || row.DueAt.Before(*nearest)) {
			nearest = row.DueAt
		}
	}
	if !sameID(c.SLAPolicyID, policyID(p)) || !sameTime(c.SLADueAt, nearest) {
		return tx.SetConversationSLA(ctx, c.ID, policyID(p), nearest)
	}
	return nil
}

// advance applies the policy's target, pause rules and warning to an
// open clock, and reports whether anything changed.
func (s *Service) advance(row *store.SLAClock, p *Policy, cal *businesshours.Calendar, c model.Conversation, goal time.Duration, now time.Time) (bool, error) {
	before := *row
	row.PolicyID, row.TargetMS = p.ID, goal.Milliseconds()
	paused := (c.Status == model.StatusPending && p.PauseOnPending) || (c.SnoozedUntil != nil && p.PauseOnSnooze)
	switch {
	case row.State == "running" && paused:
		row.ElapsedMS += cal.Between(*row.RunningSince, now).Milliseconds()
		row.State, row.RunningSince = "paused", nil
	case row.State == "paused" && !paused:
		row.State, row.RunningSince = "running", &now
	}
	row.DueAt, row.WarnAt = nil, nil
	if row.State == "running" {
		remaining := time.Duration(row.TargetMS-row.ElapsedMS) * time.Millisecond
		due := *row.RunningSince
		if remaining > 0 {
			due = cal.Add(*row.RunningSince, remaining).UTC().Truncate(time.Millisecond)
		} else if before.DueAt != nil {
			due = *before.DueAt // already overdue: keep when it fell due
		}
		row.DueAt = &due
		if warn := p.warnFor(goal); warn > 0 && remaining > warn && row.WarnedAt == nil {
			at := cal.Add(*row.RunningSince, remaining-warn).UTC().Truncate(time.Millisecond)
			row.WarnAt = &at
		}
	}
	changed := before.State != row.State || before.PolicyID != row.PolicyID || before.TargetMS != row.TargetMS ||
		before.ElapsedMS != row.ElapsedMS || !sameTime(before.DueAt, row.DueAt) || !sameTime(before.WarnAt, row.WarnAt) ||
		!sameTime(before.RunningSince, row.RunningSince) || before.Cycle != row.Cycle || !before.StartedAt.Equal(row.StartedAt)
	return changed, nil
}

// schedule inserts the jobs that fire a running clock's warning and breach.
func (s *Service) schedule(ctx context.Context, w *conversation.Writer, row *store.SLAClock) error {
	if row.State != "running" {
		return nil
	}
	if row.WarnAt != nil && row.WarnedAt == nil {
		if err := s.jobs.InsertAtTx(ctx, w.Tx(), FireArgs{ConversationID: row.ConversationID, Target: row.Target, Cycle: row.Cycle,
			Fires: "warning", At: store.Millis(*row.WarnAt)}, *row.WarnAt); err != nil {
			return err
		}
	}
	if row.DueAt != nil && row.BreachedAt == nil {
		return s.jobs.InsertAtTx(ctx, w.Tx(), FireArgs{ConversationID: row.ConversationID, Target: row.Target, Cycle: row.Cycle,
			Fires: "breached", At: store.Millis(*row.DueAt)}, *row.DueAt)
	}
	return nil
}

// stop ends a clock's spell: met when the target's own event ended it in
// time, breached when it had already fallen due, cancelled otherwise (the
// conversation was resolved unanswered, or the policy no longer applies).
func (s *Service) stop(ctx context.Context, w *conversation.Writer, c model.Conversation, row *store.SLAClock, ch conversation.Changed) error {
	now := w.Now()
	met := false
	switch row.Target {
	case FirstResponse:
		met = c.FirstResponseAt != nil
	case NextResponse:
		met = ch.AgentReplied
	case Resolution:
		met = terminal(c.Status)
	}
	due := row.DueAt
	row.State, row.StoppedAt, row.RunningSince, row.DueAt, row.WarnAt = "done", &now, nil, nil, nil
	switch {
	case row.BreachedAt != nil:
		row.Outcome = "breached"
	case met:
		row.Outcome = "met"
	default:
		row.Outcome = "cancelled"
	}
	if err := w.Tx().SaveSLAClock(ctx, *row); err != nil {
		return err
	}
	if row.Outcome != "met" {
		return nil
	}
	dueAt := now
	if due != nil {
		dueAt = *due
	}
	recorded, err := w.Tx().RecordSLAOutcome(ctx, store.SLAOutcome{ConversationID: c.ID, Target: row.Target, Cycle: row.Cycle,
		Kind: "met", PolicyID: row.PolicyID, DueAt: dueAt, CreatedAt: now})
	if err != nil || !recorded {
		return err
	}
	return w.Event(ctx, c.ID, "sla.met", nil, map[string]any{"target": row.Target, "cycle": row.Cycle, "due_at": due, "policy_id": row.PolicyID})
}

// Fire records a clock's warning or breach if it is still due as the job
// was scheduled, exactly once, and runs the policy's escalation. It
// returns how long to wait when this node's clock has not reached the time.
func (s *Service) Fire(ctx context.Context, a FireArgs) (time.Duration, error) {
	at := store.FromMillis(a.At)
	if wait := at.Sub(s.now()); wait > 0 {
		return wait, nil
	}
	column := map[string]string{"warning": "warned_at", "breached": "breached_at"}[a.Fires]
	if column == "" {
		return 0, fmt.Errorf("sla.fire: unknown kind %q", a.Fires)
	}
	_, err := s.conversations.Within(ctx, model.System, a.ConversationID, func(ctx context.Context, w *conversation.Writer, c *model.Conversation) error {
		tx, now := w.Tx(), w.Now()
		marked, err := tx.MarkSLAClock(ctx, c.ID, a.Target, a.Cycle, column, now, at)
		if err != nil || !marked {
			return err
		}
		rows, err := tx.SLAClocks(ctx, c.ID)
		if err != nil {
			return err
		}
		var row store.SLAClock
		for _, r := range rows {
			if r.Target == a.Target {
				row = r
			}
		}
		recorded, err := tx.RecordSLAOutcome(ctx, store.SLAOutcome{ConversationID: c.ID, Target: a.Target, Cycle: a.Cycle,
			Kind: a.Fires, PolicyID: row.PolicyID, DueAt: at, CreatedAt: now})
		if err != nil || !recorded {
			return err
		}
		var due any = at
		if row.DueAt != nil {
			due = *row.DueAt
		}
		if err := w.Event(ctx, c.ID, "sla."+a.Fires, nil, map[string]any{"target": a.Target, "cycle": a.Cycle,
			"due_at": due, "policy_id": row.PolicyID}); err != nil {
			return err
		}
		pr, err := tx.SLAPolicyByID(ctx, row.PolicyID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		p, err := toPolicy(pr)
		if err != nil {
			return err
		}
		act := p.Escalation.OnBreach
		if a.Fires == "warning" {
			act = p.Escalation.OnWarning
		}
		if act.empty() {
			return nil
		}
		return s.escalate(ctx, w, c, escalation{action: *act, trigger: "sla." + a.Fires, target: a.Target, policy: p.Name})
	})
	if apperr.KindOf(err) == apperr.KindNotFound {
		return 0, nil // the conversation is gone
	}
	return 0, err
}

func policyID(p *Policy) *int64 {
	if p == nil {
		return nil
	}
	return &p.ID
}

func sameID(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}
