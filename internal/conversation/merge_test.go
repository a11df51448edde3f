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

func bodies(t *testing.T, e *testutil.Env, actor model.Actor, id int64) []string {
	t.Helper()
	msgs, err := e.Conversations.Messages(ctx, actor, id, 0, 200)
	testutil.NoErr(t, err)
	var out []string
	for _, m := range msgs {
		out = append(out, m.Body)
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMergeAndUnmergeRestoreEverything(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e) // #1: "It has been two weeks." from jo
		e.Clock.Advance(time.Minute)
		second, err := e.Conversations.Create(ctx, f.agent, conversation.CreateRequest{InboxID: f.inbox,
			Contact: contact.Ref{Email: "jo@example.com"}, Subject: "Order late again?",
			Message: conversation.MessageRequest{Body: "Did you see my first mail?", Direction: "incoming"}})
		testutil.NoErr(t, err)
		_, err = e.Conversations.AddTags(ctx, f.agent, second.ID, []string{"duplicate"})
		testutil.NoErr(t, err)
		e.Clock.Advance(time.Minute)
		f.say(t, f.agent, "outgoing", "Checking now.") // reply in #1
		high := "high"
		_, err = e.Conversations.Update(ctx, f.agent, second.ID, conversation.Patch{Priority: &high})
		testutil.NoErr(t, err)
		before, err := e.Conversations.Get(ctx, f.admin, second.ID)
		testutil.NoErr(t, err)

		// Merge #2 into #1: the target shows all three messages in time order.
		e.Clock.Advance(time.Minute)
		merged, err := e.Conversations.Merge(ctx, f.agent, second.ID, f.convID)
		testutil.NoErr(t, err)
		want := []string{"It has been two weeks.", "Did you see my first mail?", "Checking now."}
		if got := bodies(t, e, f.admin, f.convID); !equal(got, want) {
			t.Fatalf("target messages = %q, want %q", got, want)
		}
		if merged.MessageCount != 3 || len(merged.Tags) != 1 || merged.Tags[0] != "duplicate" {
			t.Fatalf("target after merge: %d messages, tags %v", merged.MessageCount, merged.Tags)
		}
		away, err := e.Conversations.Get(ctx, f.admin, second.ID)
		testutil.NoErr(t, err)
		if away.MergedIntoID == nil || *away.MergedIntoID != f.convID || away.Status != model.StatusClosed || away.MessageCount != 0 {
			t.Fatalf("merged-away conversation: %+v", away)
		}
		// It is read-only for agents, but a customer reply to it lands in the target.
		if _, err := e.Conversations.AddMessage(ctx, f.agent, second.ID, conversation.MessageRequest{Body: "hi"}); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("replying in a merged-away conversation: %v, want conflict", err)
		}
		e.Clock.Advance(time.Minute)
		m, err := e.Conversations.AddMessage(ctx, f.admin, second.ID, conversation.MessageRequest{Body: "Replying to my old thread", Direction: "incoming"})
		testutil.NoErr(t, err)
		if m.ConversationID != f.convID {
			t.Fatalf("a customer reply to the merged-away thread landed in #%d, want #%d", m.ConversationID, f.convID)
		}

		// Unmerge: #2 is exactly as it was; the reply since the merge stays in #1.
		e.Clock.Advance(time.Minute)
		restored, err := e.Conversations.Unmerge(ctx, f.agent, second.ID)
		testutil.NoErr(t, err)
		if restored.Status != before.Status || restored.Priority != before.Priority || restored.MessageCount != before.MessageCount ||
			restored.Preview != before.Preview || restored.MergedIntoID != nil || !equal(restored.Tags, before.Tags) ||
			!restored.LastActivityAt.Equal(before.LastActivityAt) || !sameTimePtr(restored.WaitingSince, before.WaitingSince) {
			t.Fatalf("unmerge did not restore #2:\n got %+v\nwant %+v", restored, before)
		}
		if got := bodies(t, e, f.admin, second.ID); !equal(got, []string{"Did you see my first mail?"}) {
			t.Fatalf("#2 messages after unmerge = %q", got)
		}
		want = []string{"It has been two weeks.", "Checking now.", "Replying to my old thread"}
		if got := bodies(t, e, f.admin, f.convID); !equal(got, want) {
			t.Fatalf("#1 messages after unmerge = %q, want %q", got, want)
		}
		target := f.get(t)
		if len(target.Tags) != 0 || target.MessageCount != 3 {
			t.Fatalf("#1 after unmerge: tags %v, %d messages", target.Tags, target.MessageCount)
		}
		// Unmerging twice, or what was never merged, is refused.
		if _, err := e.Conversations.Unmerge(ctx, f.agent, second.ID); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("second unmerge: %v, want conflict", err)
		}
		if _, err := e.Conversations.Unmerge(ctx, f.agent, f.convID); apperr.KindOf(err) != apperr.KindConflict {
			t.Fatalf("unmerging a never-merged conversation: %v, want conflict", err)
		}
	})
}

func sameTimePtr(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

func TestMergeRefusals(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		other := e.Inbox(t, "Private", model.ChannelAPI)
		hidden, err := e.Conversations.Create(ctx, f.admin, conversation.CreateRequest{InboxID: other,
			Contact: contact.Ref{Email: "x@example.com"}, Message: conversation.MessageRequest{Body: "secret", Direction: "incoming"}})
		testutil.NoErr(t, err)
		eventsBefore := len(f.events(t, f.convID))
		cases := []struct {
			name string
			into int64
			kind apperr.Kind
		}{
			{"into itself", f.convID, apperr.KindInvalid},
			{"into nothing", 0, apperr.KindInvalid},
			{"into a conversation the agent cannot see", hidden.ID, apperr.KindInvalid},
			{"into one that does not exist", 9999, apperr.KindInvalid},
		}
		for _, c := range cases {
			if _, err := e.Conversations.Merge(ctx, f.agent, f.convID, c.into); apperr.KindOf(err) != c.kind {
				t.Errorf("merge %s: %v, want kind %v", c.name, err, c.kind)
			}
		}
		if _, err := e.Conversations.Merge(ctx, f.agent, hidden.ID, f.convID); apperr.KindOf(err) != apperr.KindNotFound {
			t.Errorf("merging a conversation the agent cannot see: %v, want not found", err)
		}
		if n := len(f.events(t, f.convID)); n != eventsBefore {
			t.Fatalf("refused merges wrote %d events", n-eventsBefore)
		}
	})
}

func TestSplitAndMergeBack(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		e.Clock.Advance(time.Minute)
		f.say(t, f.agent, "outgoing", "Your order ships tomorrow.")
		e.Clock.Advance(time.Minute)
		second := f.say(t, f.admin, "incoming", "Also: my invoice has the wrong address.")
		e.Clock.Advance(time.Minute)

		all, err := e.Conversations.Messages(ctx, f.admin, f.convID, 0, 50)
		testutil.NoErr(t, err)
		var ids []int64
		for _, m := range all {
			ids = append(ids, m.ID)
		}
		if _, err := e.Conversations.Split(ctx, f.agent, f.convID, ids); apperr.KindOf(err) != apperr.KindInvalid {
			t.Fatalf("splitting every message out: %v, want validation error", err)
		}
		if _, err := e.Conversations.Split(ctx, f.agent, f.convID, []int64{second.ID, 424242}); apperr.KindOf(err) != apperr.KindInvalid {
			t.Fatalf("splitting a message of another conversation: %v, want validation error", err)
		}

		split, err := e.Conversations.Split(ctx, f.agent, f.convID, []int64{second.ID})
		testutil.NoErr(t, err)
		if split.Contact.ID != f.get(t).Contact.ID || split.Status != model.StatusNew || split.MessageCount != 1 || split.WaitingSince == nil {
			t.Fatalf("split conversation: %+v", split)
		}
		if got := bodies(t, e, f.admin, split.ID); !equal(got, []string{"Also: my invoice has the wrong address."}) {
			t.Fatalf("split messages = %q", got)
		}
		orig := f.get(t)
		if orig.MessageCount != 2 || orig.WaitingSince != nil {
			t.Fatalf("original after split: %d messages, waiting since %v", orig.MessageCount, orig.WaitingSince)
		}
		ev := f.events(t, f.convID)
		if last := ev[len(ev)-1]; last.Action != "conversation.split" {
			t.Fatalf("the original's timeline should end with the split, got %s", last.Action)
		}
		// Undo by merging back.
		_, err = e.Conversations.Merge(ctx, f.agent, split.ID, f.convID)
		testutil.NoErr(t, err)
		want := []string{"It has been two weeks.", "Your order ships tomorrow.", "Also: my invoice has the wrong address."}
		if got := bodies(t, e, f.admin, f.convID); !equal(got, want) {
			t.Fatalf("after merging back = %q, want %q", got, want)
		}
	})
}

func TestDuplicateSuggestions(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e) // jo: "Where is my order?"
		mk := func(email, subject string, advance time.Duration) int64 {
			e.Clock.Advance(advance)
			c, err := e.Conversations.Create(ctx, f.agent, conversation.CreateRequest{InboxID: f.inbox,
				Contact: contact.Ref{Email: email}, Subject: subject, Message: conversation.MessageRequest{Body: "Hi", Direction: "incoming"}})
			testutil.NoErr(t, err)
			return c.ID
		}
		likely := mk("jo@example.com", "Re: where is my order", time.Hour)
		mk("jo@example.com", "Password reset", time.Hour)           // another topic
		mk("sam@example.com", "Where is my order?", time.Hour)      // another customer
		mk("jo@example.com", "Where is my order?", 10*24*time.Hour) // too much later
		got, err := e.Conversations.Duplicates(ctx, f.agent, f.convID)
		testutil.NoErr(t, err)
		if len(got) != 1 || got[0].ID != likely {
			var ids []int64
			for _, d := range got {
				ids = append(ids, d.ID)
			}
			t.Fatalf("duplicates of #%d = %v, want [%d]", f.convID, ids, likely)
		}
	})
}
