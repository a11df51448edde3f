package conversation

import (
	"fmt"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
)

// Action is something that may move a conversation between statuses.
type Action string

// The actions of the state machine.
const (
	// ActOpen is an agent opening the conversation explicitly.
	ActOpen Action = "open"
	// ActPend is an agent setting it to wait on the customer.
	ActPend Action = "pend"
	// ActResolve is an agent marking it done.
	ActResolve Action = "resolve"
	// ActClose is an agent archiving it.
	ActClose Action = "close"
	// ActAgentReply is an agent's reply reaching the customer.
	ActAgentReply Action = "agent_reply"
	// ActNote is an internal note.
	ActNote Action = "note"
	// ActCustomerMessage is a message from the customer.
	ActCustomerMessage Action = "customer_message"
	// ActAutoResolve is the job that resolves a pending conversation left unanswered.
	ActAutoResolve Action = "auto_resolve"
	// ActAutoClose is the job that closes a resolved conversation.
	ActAutoClose Action = "auto_close"
	// ActEdit is any change of fields other than status (priority, tags, …).
	ActEdit Action = "edit"
)

// Actions lists every action, for exhaustive tests.
var Actions = []Action{ActOpen, ActPend, ActResolve, ActClose, ActAgentReply, ActNote,
	ActCustomerMessage, ActAutoResolve, ActAutoClose, ActEdit}

// Statuses lists every status, for exhaustive tests.
var Statuses = []model.Status{model.StatusNew, model.StatusOpen, model.StatusPending, model.StatusResolved, model.StatusClosed}

// transitions is the whole state machine: for each status, the status each
// action leads to. A missing pair is an illegal transition, explained by
// refusals. A customer message to a closed conversation is legal but does
// not change it: the service starts a new conversation linked to it.
var transitions = map[model.Status]map[Action]model.Status{
	model.StatusNew: {
		ActOpen:            model.StatusOpen,
		ActPend:            model.StatusPending,
		ActResolve:         model.StatusResolved,
		ActClose:           model.StatusClosed,
		ActAgentReply:      model.StatusOpen,
		ActNote:            model.StatusNew,
		ActCustomerMessage: model.StatusNew,
		ActEdit:            model.StatusNew,
	},
	model.StatusOpen: {
		ActOpen:            model.StatusOpen,
		ActPend:            model.StatusPending,
		ActResolve:         model.StatusResolved,
		ActClose:           model.StatusClosed,
		ActAgentReply:      model.StatusOpen,
		ActNote:            model.StatusOpen,
		ActCustomerMessage: model.StatusOpen,
		ActEdit:            model.StatusOpen,
	},
	model.StatusPending: {
		ActOpen:            model.StatusOpen,
		ActPend:            model.StatusPending,
		ActResolve:         model.StatusResolved,
		ActClose:           model.StatusClosed,
		ActAgentReply:      model.StatusPending,
		ActNote:            model.StatusPending,
		ActCustomerMessage: model.StatusOpen,
		ActAutoResolve:     model.StatusResolved,
		ActEdit:            model.StatusPending,
	},
	model.StatusResolved: {
		ActOpen:            model.StatusOpen,
		ActPend:            model.StatusPending,
		ActResolve:         model.StatusResolved,
		ActClose:           model.StatusClosed,
		ActAgentReply:      model.StatusResolved,
		ActNote:            model.StatusResolved,
		ActCustomerMessage: model.StatusOpen,
		ActAutoClose:       model.StatusClosed,
		ActEdit:            model.StatusResolved,
	},
	model.StatusClosed: {
		ActClose:           model.StatusClosed,
		ActCustomerMessage: model.StatusClosed,
	},
}

// refusals says why an illegal pair is refused, in words for the caller.
func refusal(from model.Status, a Action) string {
	switch {
	case from == model.StatusClosed:
		return "the conversation is closed, and closed conversations are read-only; a new customer message starts a new conversation"
	case a == ActAutoResolve:
		return fmt.Sprintf("only pending conversations resolve themselves; this one is %s", from)
	case a == ActAutoClose:
		return fmt.Sprintf("only resolved conversations close themselves; this one is %s", from)
	}
	return fmt.Sprintf("cannot %s a %s conversation", a, from)
}

// Next returns the status that action a leads to from status from, or a
// conflict error that says why the move is not allowed.
func Next(from model.Status, a Action) (model.Status, error) {
	if to, ok := transitions[from][a]; ok {
		return to, nil
	}
	return from, apperr.Conflict(refusal(from, a))
}

// actionForStatus maps a requested status to the action that reaches it.
// "new" cannot be requested: a conversation is new only until someone acts.
func actionForStatus(to model.Status) (Action, error) {
	switch to {
	case model.StatusOpen:
		return ActOpen, nil
	case model.StatusPending:
		return ActPend, nil
	case model.StatusResolved:
		return ActResolve, nil
	case model.StatusClosed:
		return ActClose, nil
	case model.StatusNew:
		return "", apperr.Conflict("a conversation cannot be set back to new; set it to open instead")
	}
	return "", apperr.Field("status", "must be one of new, open, pending, resolved, closed")
}

// snoozable reports whether a conversation in status s may be snoozed.
func snoozable(s model.Status) bool {
	return s == model.StatusOpen || s == model.StatusPending
}
