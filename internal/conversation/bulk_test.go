package conversation_test

import (
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
)

func TestBulkByFilterRunsAsAJobAndUndoes(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		// 601 conversations tagged "wave" (more than one request does in
		// place), one of them closed, which refuses changes.
		const n = 601
		for i := 1; i < n; i++ {
			c, err := e.Conversations.Create(ctx, f.agent, conversation.CreateRequest{InboxID: f.inbox,
				Contact: contact.Ref{Email: "wave@example.com"}, Message: conversation.MessageRequest{Body: "Outage?", Direction: "incoming"}})
			testutil.NoErr(t, err)
			_, err = e.Conversations.AddTags(ctx, f.agent, c.ID, []string{"wave"})
			testutil.NoErr(t, err)
		}
		_, err := e.Conversations.AddTags(ctx, f.agent, f.convID, []string{"wave"})
		testutil.NoErr(t, err)
		f.setStatus(t, model.StatusClosed)

		spec := conversation.FilterSpec{Keys: map[string][]string{"tag": {"wave"}}}
		urgent := "urgent"
		op, err := e.Conversations.Bulk(ctx, f.agent, conversation.BulkRequest{Filter: &spec,
			Set: conversation.Patch{Priority: &urgent, AssigneeID: model.Nullable[int64]{Set: true, Value: f.agent.UserID}}, AddTags: []string{"outage"}})
		testutil.NoErr(t, err)
		if op.Status != "running" || op.Total != n {
			t.Fatalf("a %d-conversation bulk action: %+v, want a running job over all", n, op)
		}
		e.StartJobs(t)
		op = waitOp(t, e, f.agent, op.ID)
		if len(op.Updated) != n-1 || len(op.Skipped) != 1 || op.Skipped[0].ID != f.convID || op.Skipped[0].Code != "conflict" {
			t.Fatalf("summary: %d updated, skipped %+v", len(op.Updated), op.Skipped)
		}
		c, err := e.Conversations.Get(ctx, f.admin, op.Updated[0])
		testutil.NoErr(t, err)
		if c.Priority != model.PriorityUrgent || c.AssigneeID == nil || len(c.Tags) != 2 {
			t.Fatalf("a changed conversation: %+v", c)
		}
		ev := f.events(t, c.ID)
		if ev[len(ev)-1].Action != "tags.added" {
			t.Fatalf("each change has its events; the last is %s", ev[len(ev)-1].Action)
		}

		// Undo puts every changed conversation back as it was.
		undo, err := e.Conversations.UndoBulk(ctx, f.agent, op.ID)
		testutil.NoErr(t, err)
		undo = waitOp(t, e, f.agent, undo.ID)
		if len(undo.Updated) != n-1 {
			t.Fatalf("undo changed %d, want %d (skipped %+v)", len(undo.Updated), n-1, undo.Skipped)
		}
		c, err = e.Conversations.Get(ctx, f.admin, op.Updated[0])
		testutil.NoErr(t, err)
		if c.Priority != model.PriorityNormal || c.AssigneeID != nil || len(c.Tags) != 1 || c.Tags[0] != "wave" {
			t.Fatalf("after undo: priority %s assignee %v tags %v", c.Priority, c.AssigneeID, c.Tags)
		}
		if _, err := e.Conversations.UndoBulk(ctx, f.agent, op.ID); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("undoing twice: %v, want conflict", err)
		}
	})
}

func TestOnlyTheLastBulkActionUndoes(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		high, low := "high", "low"
		first, err := e.Conversations.Bulk(ctx, f.agent, conversation.BulkRequest{IDs: []int64{f.convID}, Set: conversation.Patch{Priority: &high}})
		testutil.NoErr(t, err)
		if first.Status != "done" || len(first.Updated) != 1 {
			t.Fatalf("a small bulk action is done at once: %+v", first)
		}
		_, err = e.Conversations.Bulk(ctx, f.agent, conversation.BulkRequest{IDs: []int64{f.convID}, Set: conversation.Patch{Priority: &low}})
		testutil.NoErr(t, err)
		if _, err := e.Conversations.UndoBulk(ctx, f.agent, first.ID); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("undoing an older bulk action: %v, want conflict", err)
		}
		if _, err := e.Conversations.UndoBulk(ctx, f.admin, first.ID); apperr.KindOf(err) != apperr.KindNotFound {
			t.Fatalf("undoing someone else's bulk action: %v, want not found", err)
		}
	})
}

func waitOp(t *testing.T, e *testutil.Env, actor model.Actor, id int64) conversation.BulkOperation {
	t.Helper()
	var op conversation.BulkOperation
	waitFor(t, func() bool {
		var err error
		op, err = e.Conversations.Operation(ctx, actor, id)
		return err == nil && op.Status == "done"
	}, "the bulk operation to finish")
	if op.Processed != op.Total {
		t.Fatalf("done at %d of %d", op.Processed, op.Total)
	}
	return op
}

func TestBulkUndoRestoresSnoozeAndLeavesNewOpen(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e) // #1 is new
		open := model.StatusOpen
		until := e.Clock.Now().Add(48 * time.Hour)
		op, err := e.Conversations.Bulk(ctx, f.agent, conversation.BulkRequest{IDs: []int64{f.convID}, Set: conversation.Patch{
			Status: &open, AssigneeID: model.Nullable[int64]{Set: true, Value: f.agent.UserID},
			SnoozedUntil: model.Nullable[time.Time]{Set: true, Value: until}}})
		testutil.NoErr(t, err)
		if c := f.get(t); c.Status != model.StatusOpen || c.SnoozedUntil == nil || c.AssigneeID == nil {
			t.Fatalf("after the bulk change: %+v", c)
		}
		undo, err := e.Conversations.UndoBulk(ctx, f.agent, op.ID)
		testutil.NoErr(t, err)
		if len(undo.Updated) != 1 {
			t.Fatalf("undo: %+v", undo)
		}
		c := f.get(t)
		if c.Status != model.StatusOpen || c.SnoozedUntil != nil || c.AssigneeID != nil {
			t.Fatalf("after undo: status %s (a conversation cannot go back to new), snoozed %v, assignee %v", c.Status, c.SnoozedUntil, c.AssigneeID)
		}
	})
}
