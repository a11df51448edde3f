package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
	"github.com/parley-hq/parley/internal/testutil"
)

// A transaction keeps settings it has read, but never past its own write
// of them: what a command reads after changing a setting is the change.
func TestTxMemoForgetsOnWrite(t *testing.T) {
	ctx := context.Background()
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		agent := e.User(t, "agent@example.com", model.RoleAgent)
		inboxID := e.Inbox(t, "Support", model.ChannelAPI, agent)
		err := e.Store.InTx(ctx, func(tx *store.Tx) error {
			in, err := tx.InboxByID(ctx, inboxID)
			testutil.NoErr(t, err)
			in.Name = "Billing"
			testutil.NoErr(t, tx.SaveInbox(ctx, in))
			if again, _ := tx.InboxByID(ctx, inboxID); again.Name != "Billing" {
				t.Errorf("inbox name after save = %q, want Billing", again.Name)
			}

			v1, err := tx.RulesVersion(ctx)
			testutil.NoErr(t, err)
			_, err = tx.CreateRule(ctx, model.AutomationRule{Name: "r", Enabled: true, Trigger: conversation.TriggerCreated,
				Conditions: []byte(`{"all":[]}`), Actions: []byte(`{}`)})
			testutil.NoErr(t, err)
			if v2, _ := tx.RulesVersion(ctx); v2 == v1 {
				t.Errorf("rules version unchanged after a rule was created: %s", v2)
			}

			ia, err := tx.InboxAutomation(ctx, inboxID)
			testutil.NoErr(t, err)
			ia.AssignMode = model.AssignRoundRobin
			testutil.NoErr(t, tx.SaveInboxAutomation(ctx, ia))
			if got, _ := tx.InboxAutomation(ctx, inboxID); got.AssignMode != model.AssignRoundRobin {
				t.Errorf("assign mode after save = %q", got.AssignMode)
			}
			testutil.NoErr(t, tx.SetLastAssigned(ctx, inboxID, agent.UserID))
			if got, _ := tx.InboxAutomation(ctx, inboxID); got.LastAssignedUserID == nil || *got.LastAssignedUserID != agent.UserID {
				t.Errorf("last assigned after SetLastAssigned = %v, want %d", got.LastAssignedUserID, agent.UserID)
			}
			return nil
		})
		testutil.NoErr(t, err)
	})
}

// ConversationByID reads the row and its tags in one statement: tags sorted,
// none as an empty list, a missing id as not found.
func TestConversationByIDTags(t *testing.T) {
	ctx := context.Background()
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		agent := e.User(t, "agent@example.com", model.RoleAgent)
		inboxID := e.Inbox(t, "Support", model.ChannelAPI, agent)
		c, err := e.Conversations.Create(ctx, agent, conversation.CreateRequest{InboxID: inboxID,
			Contact: contact.Ref{Email: "jo@example.com", Name: "Jo"}, Subject: "Hello",
			Message: conversation.MessageRequest{Body: "Hi", Direction: "incoming"}})
		testutil.NoErr(t, err)
		got, err := e.Store.ConversationByID(ctx, c.ID)
		testutil.NoErr(t, err)
		if got.Tags == nil || len(got.Tags) != 0 || got.Contact.Email != "jo@example.com" || got.Subject != "Hello" {
			t.Errorf("untagged conversation = tags %#v, email %q, subject %q", got.Tags, got.Contact.Email, got.Subject)
		}
		_, err = e.Conversations.AddTags(ctx, agent, c.ID, []string{"vip", "billing", "refund"})
		testutil.NoErr(t, err)
		got, err = e.Store.ConversationByID(ctx, c.ID)
		testutil.NoErr(t, err)
		if want := []string{"billing", "refund", "vip"}; !slices.Equal(got.Tags, want) || got.MessageCount != 1 {
			t.Errorf("tags = %v (message count %d), want %v", got.Tags, got.MessageCount, want)
		}
		if _, err := e.Store.ConversationByID(ctx, c.ID+1000); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("missing conversation: err = %v, want ErrNotFound", err)
		}
	})
}
