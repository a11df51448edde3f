package conversation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// MaxSplitMessages bounds one split request.
const MaxSplitMessages = 500

// Merge moves every message of conversation id into intoID, which then
// shows them all in time order. The merged-away conversation is closed,
// read-only and points to the target; customer replies to it land in the
// target. Unmerge puts everything back.
func (s *Service) Merge(ctx context.Context, actor model.Actor, id, intoID int64) (model.Conversation, error) {
	if intoID <= 0 {
		return model.Conversation{}, apperr.Field("into_id", "is required")
	}
	if intoID == id {
		return model.Conversation{}, apperr.Field("into_id", "cannot merge a conversation into itself")
	}
	err := s.run(ctx, actor, func(o *op) error {
		src, err := o.load(ctx, id)
		if err != nil {
			return err
		}
		tgt, err := o.load(ctx, intoID)
		if apperr.KindOf(err) == apperr.KindNotFound {
			return apperr.Field("into_id", "no such conversation")
		} else if err != nil {
			return err
		}
		switch {
		case src.MergedIntoID != nil:
			return apperr.Conflict(fmt.Sprintf("#%d is already merged into #%d", src.ID, *src.MergedIntoID))
		case tgt.MergedIntoID != nil:
			return apperr.Conflict(fmt.Sprintf("#%d was merged into #%d; merge into that one instead", tgt.ID, *tgt.MergedIntoID))
		case src.Status == model.StatusClosed:
			return apperr.Conflict(fmt.Sprintf("#%d is closed, and closed conversations are read-only", src.ID))
		case tgt.Status == model.StatusClosed:
			return apperr.Conflict(fmt.Sprintf("#%d is closed, and closed conversations are read-only", tgt.ID))
		}
		snapshot, err := json.Marshal(src)
		if err != nil {
			return err
		}
		moved, err := o.tx.MessageIDsOf(ctx, src.ID)
		if err != nil {
			return err
		}
		if err := o.tx.MoveMessages(ctx, moved, tgt.ID); err != nil {
			return err
		}
		var added []string
		for _, tag := range src.Tags {
			if slices.Contains(tgt.Tags, tag) {
				continue
			}
			added = append(added, tag)
		}
		if len(added) > 0 {
			if err := o.addTags(ctx, &tgt, added); err != nil {
				return err
			}
		}
		if _, err := o.tx.CreateMerge(ctx, store.Merge{SourceID: src.ID, TargetID: tgt.ID, SourceSnapshot: snapshot,
			AddedTags: added, CreatedAt: o.now}, actor.UserID, moved); err != nil {
			return err
		}

		before := map[string]any{"status": src.Status}
		src.Status, src.StatusChangedAt, src.ClosedAt, src.UpdatedAt = model.StatusClosed, o.now, &o.now, o.now
		src.SnoozedUntil, src.WaitingSince = nil, nil
		if err := o.refreshStats(ctx, &src); err != nil {
			return err
		}
		if err := o.tx.SaveConversation(ctx, src); err != nil {
			return err
		}
		if err := o.tx.SetMergedInto(ctx, src.ID, &tgt.ID); err != nil {
			return err
		}
		if err := o.event(ctx, src.ID, "conversation.merged", before,
			map[string]any{"status": model.StatusClosed, "into_id": tgt.ID, "messages": len(moved)}); err != nil {
			return err
		}

		waiting := tgt.WaitingSince
		if err := o.refreshStats(ctx, &tgt); err != nil {
			return err
		}
		tgt.WaitingSince = earliest(waiting, tgt.WaitingSince)
		tgt.UpdatedAt = o.now
		if err := o.event(ctx, tgt.ID, "conversation.merged_in", nil,
			map[string]any{"from_id": src.ID, "messages": len(moved), "tags": added}); err != nil {
			return err
		}
		return o.tx.SaveConversation(ctx, tgt)
	})
	if err != nil {
		return model.Conversation{}, err
	}
	return s.store.ConversationByID(ctx, intoID)
}

// Unmerge undoes the latest merge of conversation id: its own messages go
// back, it returns to exactly the state it had, and the tags the merge
// added to the target are taken off again. Messages that arrived in the
// target since the merge stay there.
func (s *Service) Unmerge(ctx context.Context, actor model.Actor, id int64) (model.Conversation, error) {
	err := s.run(ctx, actor, func(o *op) error {
		src, err := o.load(ctx, id)
		if err != nil {
			return err
		}
		m, err := o.tx.LatestMerge(ctx, src.ID)
		if errors.Is(err, store.ErrNotFound) || src.MergedIntoID == nil {
			return apperr.Conflict(fmt.Sprintf("#%d is not merged into anything, so there is nothing to unmerge", src.ID))
		} else if err != nil {
			return err
		}
		tgt, err := o.load(ctx, m.TargetID)
		if err != nil {
			return err
		}
		var was model.Conversation
		if err := json.Unmarshal(m.SourceSnapshot, &was); err != nil {
			return fmt.Errorf("merge %d snapshot: %w", m.ID, err)
		}
		ids, err := o.tx.MergeMessageIDs(ctx, m.ID)
		if err != nil {
			return err
		}
		if err := o.tx.MoveMessages(ctx, ids, src.ID); err != nil {
			return err
		}
		// The source comes back as it was, apart from its contact, which a
		// contact merge may have changed since.
		was.Contact = src.Contact
		was.UpdatedAt = o.now
		if was.SnoozedUntil != nil && !was.SnoozedUntil.After(o.now) {
			was.SnoozedUntil = nil
		}
		if err := o.tx.SaveConversation(ctx, was); err != nil {
			return err
		}
		if err := o.tx.SetMergedInto(ctx, src.ID, nil); err != nil {
			return err
		}
		if err := o.tx.MarkMergeUndone(ctx, m.ID, o.now); err != nil {
			return err
		}
		if err := o.event(ctx, src.ID, "conversation.unmerged", map[string]any{"status": src.Status, "into_id": tgt.ID},
			map[string]any{"status": was.Status, "messages": len(ids)}); err != nil {
			return err
		}
		if err := o.rescheduleTimers(ctx, was); err != nil {
			return err
		}

		var stillThere []string
		for _, tag := range m.AddedTags {
			if slices.Contains(tgt.Tags, tag) {
				stillThere = append(stillThere, tag)
			}
		}
		if len(stillThere) > 0 && tgt.Status != model.StatusClosed {
			if _, err := o.removeTags(ctx, &tgt, stillThere); err != nil {
				return err
			}
		}
		if err := o.refreshStats(ctx, &tgt); err != nil {
			return err
		}
		tgt.UpdatedAt = o.now
		if err := o.event(ctx, tgt.ID, "conversation.unmerged_out", nil, map[string]any{"from_id": src.ID, "messages": len(ids)}); err != nil {
			return err
		}
		return o.tx.SaveConversation(ctx, tgt)
	})
	if err != nil {
		return model.Conversation{}, err
	}
	return s.store.ConversationByID(ctx, id)
}

// rescheduleTimers re-enqueues the timed job a restored status waits for.
// A job scheduled before the merge for the same spell may still fire; both
// carry the same stamp, so whichever runs second finds nothing to do.
func (o *op) rescheduleTimers(ctx context.Context, c model.Conversation) error {
	inbox, err := o.tx.InboxByID(ctx, c.InboxID)
	if err != nil {
		return err
	}
	stamp := store.Millis(c.StatusChangedAt)
	switch c.Status {
	case model.StatusPending:
		if err := o.s.jobs.InsertTx(ctx, o.tx, AutoResolveArgs{ConversationID: c.ID, StatusChangedAt: stamp},
			&river.InsertOpts{ScheduledAt: c.StatusChangedAt.Add(inbox.AutoResolveAfter)}); err != nil {
			return err
		}
	case model.StatusResolved:
		if err := o.s.jobs.InsertTx(ctx, o.tx, AutoCloseArgs{ConversationID: c.ID, StatusChangedAt: stamp},
			&river.InsertOpts{ScheduledAt: c.StatusChangedAt.Add(inbox.AutoCloseAfter)}); err != nil {
			return err
		}
	}
	if c.SnoozedUntil != nil {
		return o.s.jobs.InsertTx(ctx, o.tx, WakeArgs{ConversationID: c.ID, SnoozedUntil: store.Millis(*c.SnoozedUntil)},
			&river.InsertOpts{ScheduledAt: *c.SnoozedUntil})
	}
	return nil
}

// refreshStats recomputes the fields a conversation derives from its
// messages, after messages moved in or out.
func (o *op) refreshStats(ctx context.Context, c *model.Conversation) error {
	st, err := o.tx.MessageStats(ctx, c.ID)
	if err != nil {
		return err
	}
	c.MessageCount = st.Count
	c.Preview = preview(st.Preview)
	if !st.LastAt.IsZero() && st.LastAt.After(c.LastActivityAt) {
		c.LastActivityAt = st.LastAt
	}
	if c.Status != model.StatusClosed {
		c.WaitingSince = st.UnansweredSince
	}
	return nil
}

func earliest(a, b *time.Time) *time.Time {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case a.Before(*b):
		return a
	}
	return b
}

// Split moves the given messages into a new conversation with the same
// contact, inbox and subject, linked both ways in the timelines, so each
// issue can be assigned and resolved on its own. Merging the new one back
// undoes it.
func (s *Service) Split(ctx context.Context, actor model.Actor, id int64, messageIDs []int64) (model.Conversation, error) {
	if len(messageIDs) == 0 || len(messageIDs) > MaxSplitMessages {
		return model.Conversation{}, apperr.Field("message_ids", "send 1 to 500 message ids")
	}
	ids := slices.Clone(messageIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var newID int64
	err := s.run(ctx, actor, func(o *op) error {
		c, err := o.load(ctx, id)
		if err != nil {
			return err
		}
		if _, err := Next(c.Status, ActEdit); err != nil {
			return err
		}
		in, err := o.tx.CountMessagesIn(ctx, c.ID, ids)
		if err != nil {
			return err
		}
		if in != len(ids) {
			return apperr.Field("message_ids", "every message must belong to this conversation")
		}
		if in == c.MessageCount {
			return apperr.Field("message_ids", "cannot split every message out; leave at least one behind")
		}
		next, err := o.create(ctx, store.ConversationInsert{InboxID: c.InboxID, ContactID: c.Contact.ID, Subject: c.Subject,
			Status: model.StatusNew, Priority: c.Priority}, nil)
		if err != nil {
			return err
		}
		newID = next.ID
		if err := o.tx.MoveMessages(ctx, ids, next.ID); err != nil {
			return err
		}
		if err := o.refreshStats(ctx, &next); err != nil {
			return err
		}
		st, err := o.tx.MessageStats(ctx, next.ID)
		if err != nil {
			return err
		}
		if st.HasOutgoing {
			next.Status = model.StatusOpen
		}
		next.LastActivityAt, next.UpdatedAt = o.now, o.now
		if err := o.event(ctx, next.ID, "conversation.split_from", nil, map[string]any{"from_id": c.ID, "message_ids": ids, "status": next.Status}); err != nil {
			return err
		}
		if err := o.tx.SaveConversation(ctx, next); err != nil {
			return err
		}
		if err := o.refreshStats(ctx, &c); err != nil {
			return err
		}
		c.UpdatedAt = o.now
		if err := o.event(ctx, c.ID, "conversation.split", nil, map[string]any{"into_id": next.ID, "message_ids": ids}); err != nil {
			return err
		}
		return o.tx.SaveConversation(ctx, c)
	})
	if err != nil {
		return model.Conversation{}, err
	}
	return s.store.ConversationByID(ctx, newID)
}
