package conversation

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
)

// SnoozeUntilReply is the snoozed_until of a conversation snoozed until the
// customer replies: a customer message ends any snooze, and no wake-up job
// is scheduled for this far-off moment.
var SnoozeUntilReply = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// Changes are what a macro or an automation rule does to a
// conversation, applied in one transaction in this order: the template
// reply, the fields (priority, assignee, team, status), tags, snooze, note,
// webhook.
type Changes struct {
	Status     *model.Status         `json:"status,omitempty"`
	AssigneeID model.Nullable[int64] `json:"assignee_id,omitzero"`
	TeamID     model.Nullable[int64] `json:"team_id,omitzero"`
	AddTags    []string              `json:"add_tags,omitempty"`
	RemoveTags []string              `json:"remove_tags,omitempty"`
	Priority   *string               `json:"priority,omitempty"`
	// SnoozeFor is a duration ("4h") or "reply" (until the customer replies).
	SnoozeFor       string `json:"snooze_for,omitempty"`
	ReplyTemplateID *int64 `json:"reply_template_id,omitempty"`
	Note            string `json:"note,omitempty"`
	// Webhook is a URL that receives the conversation, signed, from a job.
	Webhook string `json:"webhook,omitempty"`
}

// Validate checks the actions' values and adds what is wrong to fields,
// each name under prefix.
func (a *Changes) Validate(prefix string, fields map[string]string) {
	if a.Status != nil && (!a.Status.Valid() || *a.Status == model.StatusNew) {
		fields[prefix+"status"] = "must be one of open, pending, resolved, closed"
	}
	if a.Priority != nil {
		if _, ok := model.ParsePriority(*a.Priority); !ok {
			fields[prefix+"priority"] = "must be one of low, normal, high, urgent"
		}
	}
	if a.AssigneeID.Set && !a.AssigneeID.Null && a.AssigneeID.Value <= 0 {
		fields[prefix+"assignee_id"] = "must be a user id or null"
	}
	if a.TeamID.Set && !a.TeamID.Null && a.TeamID.Value <= 0 {
		fields[prefix+"team_id"] = "must be a team id or null"
	}
	for i, list := range [][]string{a.AddTags, a.RemoveTags} {
		name := [...]string{"add_tags", "remove_tags"}[i]
		if len(list) > 50 {
			fields[prefix+name] = "at most 50 tags"
		}
		for j, t := range list {
			n, err := NormalizeTag(t)
			if err != nil {
				fields[prefix+name] = err.Error()
				break
			}
			list[j] = n
		}
	}
	if a.SnoozeFor != "" && a.SnoozeFor != "reply" {
		d, err := time.ParseDuration(a.SnoozeFor)
		if err != nil || d < time.Minute || d > 365*24*time.Hour {
			fields[prefix+"snooze_for"] = `must be "reply" or a duration from 1m to 8760h, like "4h"`
		}
	}
	if a.ReplyTemplateID != nil && *a.ReplyTemplateID <= 0 {
		fields[prefix+"reply_template_id"] = "must be a template id"
	}
	a.Note = strings.TrimSpace(a.Note)
	if len(a.Note) > MaxBodyLength {
		fields[prefix+"note"] = "must be at most 100000 bytes"
	}
	if a.Webhook != "" {
		if err := ValidWebhookURL(a.Webhook); err != nil {
			fields[prefix+"webhook"] = err.Error()
		}
	}
}

// Empty reports whether the actions change nothing.
func (a Changes) Empty() bool {
	return a.Status == nil && !a.AssigneeID.Set && !a.TeamID.Set && len(a.AddTags) == 0 && len(a.RemoveTags) == 0 &&
		a.Priority == nil && a.SnoozeFor == "" && a.ReplyTemplateID == nil && a.Note == "" && a.Webhook == ""
}

// ValidWebhookURL checks a webhook address is an absolute http(s) URL.
func ValidWebhookURL(u string) error {
	if len(u) > 2000 || !(strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")) || strings.ContainsAny(u, " \n\r\t") {
		return fmt.Errorf("must be an http:// or https:// URL")
	}
	return nil
}

// apply makes the actions' changes to c as the op's actor; strict refuses
// a template reply with a blank variable (a person is waiting to fix it),
// where automation sends it with the blank. It does not save c.
func (o *op) apply(ctx context.Context, c *model.Conversation, a Changes, strict bool) error {
	inbox, err := o.tx.InboxByID(ctx, c.InboxID)
	if err != nil {
		return err
	}
	if a.ReplyTemplateID != nil {
		if err := o.replyFromTemplate(ctx, c, inbox, *a.ReplyTemplateID, strict); err != nil {
			return err
		}
	}
	p := Patch{Status: a.Status, Priority: a.Priority, AssigneeID: a.AssigneeID, TeamID: a.TeamID}
	if p.editsFields() || p.Status != nil {
		priority, err := o.s.validatePatch(&p, false)
		if err != nil {
			return err
		}
		if err := o.applyPatch(ctx, c, p, priority); err != nil {
			return err
		}
	}
	if len(a.AddTags) > 0 {
		if err := o.addTags(ctx, c, a.AddTags); err != nil {
			return err
		}
	}
	if len(a.RemoveTags) > 0 {
		if _, err := o.removeTags(ctx, c, a.RemoveTags); err != nil {
			return err
		}
	}
	if a.SnoozeFor != "" {
		until := SnoozeUntilReply
		if a.SnoozeFor != "reply" {
			d, _ := time.ParseDuration(a.SnoozeFor)
			until = o.now.Add(d)
		}
		if !snoozable(c.Status) {
			return apperr.Conflict("only open or pending conversations can be snoozed; this one is " + string(c.Status))
		}
		if err := o.setSnooze(ctx, c, &until, ""); err != nil {
			return err
		}
	}
	if a.Note != "" {
		if _, next, err := o.addMessage(ctx, c, inbox, model.KindNote, model.Outgoing, a.Note); err != nil {
			return err
		} else {
			*c = next
		}
	}
	if a.Webhook != "" {
		if err := o.enqueueWebhook(ctx, *c, a.Webhook); err != nil {
			return err
		}
	}
	c.UpdatedAt = o.now
	return nil
}

// replyFromTemplate renders a template for c and sends it as a reply.
func (o *op) replyFromTemplate(ctx context.Context, c *model.Conversation, inbox model.Inbox, templateID int64, strict bool) error {
	if o.s.auto.Templates == nil {
		return apperr.Field("template_id", "templates are not available")
	}
	body, err := o.s.auto.Templates.RenderTx(ctx, o.tx, o.actor, templateID, *c, strict)
	if err != nil {
		return err
	}
	_, next, err := o.addMessage(ctx, c, inbox, model.KindReply, model.Outgoing, body)
	if err != nil {
		return err
	}
	*c = next
	return o.tx.CountTemplateUse(ctx, templateID, o.now)
}

// ApplyMacro applies a macro's template reply and actions to one
// conversation in one transaction, and counts its use.
func (s *Service) ApplyMacro(ctx context.Context, actor model.Actor, convID, macroID int64) (model.Conversation, error) {
	err := s.run(ctx, actor, func(o *op) error {
		return o.applyMacro(ctx, convID, macroID)
	})
	if err != nil {
		return model.Conversation{}, err
	}
	return s.store.ConversationByID(ctx, convID)
}

func (o *op) applyMacro(ctx context.Context, convID, macroID int64) error {
	m, err := o.tx.MacroByID(ctx, macroID)
	if err != nil {
		return apperr.NotFound("macro")
	}
	a, err := MacroChanges(m)
	if err != nil {
		return err
	}
	c, err := o.load(ctx, convID)
	if err != nil {
		return err
	}
	if err := o.applyMacroChanges(ctx, &c, m, a); err != nil {
		return err
	}
	return o.tx.SaveConversation(ctx, c)
}

// applyMacroTo applies a macro to a loaded conversation; it does not save c.
func (o *op) applyMacroTo(ctx context.Context, c *model.Conversation, macroID int64) error {
	m, err := o.tx.MacroByID(ctx, macroID)
	if err != nil {
		return apperr.NotFound("macro")
	}
	a, err := MacroChanges(m)
	if err != nil {
		return err
	}
	return o.applyMacroChanges(ctx, c, m, a)
}

func (o *op) applyMacroChanges(ctx context.Context, c *model.Conversation, m model.Macro, a Changes) error {
	if err := o.apply(ctx, c, a, true); err != nil {
		return err
	}
	if err := o.event(ctx, c.ID, "macro.applied", nil, map[string]any{"macro_id": m.ID, "name": m.Name}); err != nil {
		return err
	}
	return o.tx.CountMacroUse(ctx, m.ID)
}

// MacroChanges reads a stored macro's actions, with its template as the reply.
func MacroChanges(m model.Macro) (Changes, error) {
	var a Changes
	if len(m.Actions) > 0 {
		if err := json.Unmarshal(m.Actions, &a); err != nil {
			return a, fmt.Errorf("macro %d: %w", m.ID, err)
		}
	}
	if m.TemplateID != nil {
		a.ReplyTemplateID = m.TemplateID
	}
	return a, nil
}
