package conversation

import (
	"context"
	"errors"

	"github.com/riverqueue/river"

	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// AutoResolveArgs resolves a conversation left pending. StatusChangedAt
// identifies the pending spell that scheduled it: if the conversation has
// moved since, the job finds a different stamp and does nothing.
type AutoResolveArgs struct {
	ConversationID  int64 `json:"conversation_id"`
	StatusChangedAt int64 `json:"status_changed_at"`
}

// Kind names the job in River.
func (AutoResolveArgs) Kind() string { return "conversation.auto_resolve" }

// AutoCloseArgs closes a conversation that stayed resolved.
type AutoCloseArgs struct {
	ConversationID  int64 `json:"conversation_id"`
	StatusChangedAt int64 `json:"status_changed_at"`
}

// Kind names the job in River.
func (AutoCloseArgs) Kind() string { return "conversation.auto_close" }

// WakeArgs ends a snooze. SnoozedUntil tells a current snooze from one
// that was changed or cleared after this job was scheduled.
type WakeArgs struct {
	ConversationID int64 `json:"conversation_id"`
	SnoozedUntil   int64 `json:"snoozed_until"`
}

// Kind names the job in River.
func (WakeArgs) Kind() string { return "conversation.wake" }

// RegisterWorkers adds the conversation jobs' workers.
func (s *Service) RegisterWorkers(w *river.Workers) {
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[AutoResolveArgs]) error {
		return s.AutoTransition(ctx, j.Args.ConversationID, model.StatusPending, j.Args.StatusChangedAt, ActAutoResolve)
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[AutoCloseArgs]) error {
		return s.AutoTransition(ctx, j.Args.ConversationID, model.StatusResolved, j.Args.StatusChangedAt, ActAutoClose)
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[WakeArgs]) error {
		return s.Wake(ctx, j.Args.ConversationID, j.Args.SnoozedUntil)
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[BulkArgs]) error {
		return s.workBulk(ctx, j.Args.OperationID)
	}))
}

// AutoTransition applies a timed action if the conversation is still in the
// status (and the same spell of it) that scheduled it.
func (s *Service) AutoTransition(ctx context.Context, id int64, from model.Status, stamp int64, action Action) error {
	return s.run(ctx, model.System, func(o *op) error {
		c, err := o.tx.ConversationByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil // deleted since; nothing to do
		} else if err != nil {
			return err
		}
		if c.Status != from || store.Millis(c.StatusChangedAt) != stamp {
			return nil
		}
		inbox, err := o.tx.InboxByID(ctx, c.InboxID)
		if err != nil {
			return err
		}
		if err := o.setStatus(ctx, &c, inbox, action); err != nil {
			return err
		}
		return o.tx.SaveConversation(ctx, c)
	})
}

// Wake ends a snooze that is still the one the job was scheduled for, and
// brings the conversation back to the top of activity-sorted lists.
func (s *Service) Wake(ctx context.Context, id int64, snoozedUntil int64) error {
	return s.run(ctx, model.System, func(o *op) error {
		c, err := o.tx.ConversationByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if c.SnoozedUntil == nil || store.Millis(*c.SnoozedUntil) != snoozedUntil {
			return nil
		}
		if err := o.setSnooze(ctx, &c, nil, "snooze ended"); err != nil {
			return err
		}
		c.LastActivityAt = o.now
		return o.tx.SaveConversation(ctx, c)
	})
}
