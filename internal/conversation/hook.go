package conversation

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// Changed is what one command did to one conversation.
type Changed struct {
	ConversationID int64
	// Actions are the event actions recorded, in order.
	Actions []string
	// AgentReplied says an agent's reply (not a note) was added.
	AgentReplied bool
}

// Has reports whether the command recorded the action.
func (c Changed) Has(action string) bool { return slices.Contains(c.Actions, action) }

// Clocks keeps timers derived from a conversation (response-time targets)
// in step with it. Sync runs inside every command's transaction, after the
// command's own changes, once per conversation the command touched, so a
// clock can never disagree with the change that moved it.
type Clocks interface {
	Sync(ctx context.Context, w *Writer, ch Changed) error
}

// FactsHook keeps rows derived from a conversation's whole history (report
// facts) in step with it. Sync runs last in every command's transaction,
// once, with every conversation the command wrote an event on and the
// actions it recorded (quiet ones included), so a report can never
// disagree with the change it counts.
type FactsHook interface {
	Sync(ctx context.Context, tx *store.Tx, changes []Changed) error
}

// SetFacts installs the facts hook.
func (s *Service) SetFacts(f FactsHook) { s.facts = f }

// syncFacts runs the facts hook.
func (o *op) syncFacts(ctx context.Context) error {
	if o.s.facts == nil || len(o.touched) == 0 {
		return nil
	}
	return o.s.facts.Sync(ctx, o.tx, o.touched)
}

// SetClocks installs the clocks hook.
func (s *Service) SetClocks(c Clocks) { s.clocks = c }

// Writer is a command's transaction as hooks and Within see it: they write
// events and jobs that commit (or roll back) with the command.
type Writer struct{ o *op }

// Tx is the command's transaction.
func (w *Writer) Tx() *store.Tx { return w.o.tx }

// Now is the command's clock reading.
func (w *Writer) Now() time.Time { return w.o.now }

// Conversation reads a conversation as the command's transaction sees it.
func (w *Writer) Conversation(ctx context.Context, id int64) (model.Conversation, error) {
	return w.o.tx.ConversationByID(ctx, id)
}

// Actor is who runs the command.
func (w *Writer) Actor() model.Actor { return w.o.actor }

// Event records a conversation event, announced after commit.
func (w *Writer) Event(ctx context.Context, convID int64, action string, before, after any) error {
	return w.o.event(ctx, convID, action, before, after)
}

// InsertJob enqueues a job in the command's transaction.
func (w *Writer) InsertJob(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	return w.o.s.jobs.InsertTx(ctx, w.o.tx, args, opts)
}

// Apply applies a patch to c as Update would, one event per change; the
// caller's Within saves c.
func (w *Writer) Apply(ctx context.Context, c *model.Conversation, p Patch) error {
	priority, err := w.o.s.validatePatch(&p, false)
	if err != nil {
		return err
	}
	return w.o.applyPatch(ctx, c, p, priority)
}

// AddTags tags c as AddTags would.
func (w *Writer) AddTags(ctx context.Context, c *model.Conversation, tags []string) error {
	names, err := normalizeTags(tags)
	if err != nil {
		return err
	}
	return w.o.addTags(ctx, c, names)
}

// Within runs fn as one command on the conversation the actor may see: fn
// changes c through w, and c is saved when fn returns nil having changed it.
func (s *Service) Within(ctx context.Context, actor model.Actor, id int64, fn func(ctx context.Context, w *Writer, c *model.Conversation) error) (model.Conversation, error) {
	err := s.run(ctx, actor, func(o *op) error {
		c, err := o.load(ctx, id)
		if err != nil {
			return err
		}
		before := c
		before.Tags = slices.Clone(c.Tags)
		if err := fn(ctx, &Writer{o: o}, &c); err != nil {
			return err
		}
		if reflect.DeepEqual(before, c) {
			return nil // only events were recorded: spare the row (and its indexes) a rewrite
		}
		c.UpdatedAt = o.now
		return o.tx.SaveConversation(ctx, c)
	})
	if err != nil {
		return model.Conversation{}, err
	}
	return s.store.ConversationByID(ctx, id)
}

// quietActions change nothing a clock depends on, so on their own they do
// not run the clocks hook (a breach being recorded must not re-time itself).
var quietActions = []string{"notification.sent", "follower.added", "follower.removed",
	"conversation.escalated", "conversation.handed_off", "csat.sent", "csat.answered", "csat.changed"}

func (o *op) noteChange(convID int64, action string, after any) {
	i := slices.IndexFunc(o.changed, func(c Changed) bool { return c.ConversationID == convID })
	if i < 0 && (strings.HasPrefix(action, "sla.") || slices.Contains(quietActions, action)) {
		return
	}
	if i < 0 {
		o.changed = append(o.changed, Changed{ConversationID: convID})
		i = len(o.changed) - 1
	}
	o.changed[i].Actions = append(o.changed[i].Actions, action)
	// Only a person's reply meets a response target: an automatic one
	// (acknowledgement, survey, rule reply) is sent by the system.
	if m, ok := after.(map[string]any); ok && action == "message.created" && !o.actor.IsSystem() &&
		m["kind"] == model.KindReply && m["direction"] == model.Outgoing {
		o.changed[i].AgentReplied = true
	}
}

// syncClocks runs the clocks hook for each conversation the command
// changed. Events the hook itself writes do not run it again.
func (o *op) syncClocks(ctx context.Context) error {
	if o.s.clocks == nil || len(o.changed) == 0 {
		return nil
	}
	changed := o.changed
	w := &Writer{o: o}
	for _, ch := range changed {
		if err := o.s.clocks.Sync(ctx, w, ch); err != nil {
			return err
		}
	}
	return nil
}
