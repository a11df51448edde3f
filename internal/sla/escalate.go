package sla

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// EscalatedTag marks conversations that were escalated.
const EscalatedTag = "escalated"

// MaxNoteLength bounds handoff and escalation notes.
const MaxNoteLength = 5000

// Handoff is what the next owner needs to know.
type Handoff struct {
	WhatCustomerNeeds string `json:"what_customer_needs"`
	WhatWasTried      string `json:"what_was_tried"`
	NextStep          string `json:"next_step"`
}

func (h *Handoff) empty() bool {
	return h == nil || (h.WhatCustomerNeeds == "" && h.WhatWasTried == "" && h.NextStep == "")
}

// EscalateRequest escalates or hands off a conversation: to a team and/or
// a person, optionally at a new priority, with a note for the next owner
// (a single text, or the three handoff questions).
type EscalateRequest struct {
	Note     string   `json:"note"`
	Handoff  *Handoff `json:"handoff"`
	ToTeamID *int64   `json:"to_team_id"`
	ToUserID *int64   `json:"to_user_id"`
	Priority string   `json:"priority"`
}

// escalation is one escalation to carry out, manual or automatic.
type escalation struct {
	action  Action
	trigger string // "manual", "handoff", "sla.warning", "sla.breached"
	note    string
	handoff *Handoff
	target  string
	policy  string
}

func (r *EscalateRequest) validate(handoff bool) error {
	fields := map[string]string{}
	r.Note = strings.TrimSpace(r.Note)
	if r.Handoff != nil {
		r.Handoff.WhatCustomerNeeds = strings.TrimSpace(r.Handoff.WhatCustomerNeeds)
		r.Handoff.WhatWasTried = strings.TrimSpace(r.Handoff.WhatWasTried)
		r.Handoff.NextStep = strings.TrimSpace(r.Handoff.NextStep)
	}
	total := len(r.Note)
	if r.Handoff != nil {
		total += len(r.Handoff.WhatCustomerNeeds) + len(r.Handoff.WhatWasTried) + len(r.Handoff.NextStep)
	}
	switch {
	case r.Note == "" && r.Handoff.empty():
		fields["note"] = "write a note for the next owner, or fill in handoff: what_customer_needs, what_was_tried, next_step"
	case total > MaxNoteLength:
		fields["note"] = fmt.Sprintf("notes are at most %d bytes in all", MaxNoteLength)
	case !utf8.ValidString(r.Note):
		fields["note"] = "must be valid UTF-8"
	}
	if r.ToTeamID != nil && *r.ToTeamID <= 0 {
		fields["to_team_id"] = "must be a team id"
	}
	if r.ToUserID != nil && *r.ToUserID <= 0 {
		fields["to_user_id"] = "must be a user id"
	}
	if r.Priority != "" && r.Priority != "raise" {
		if _, ok := model.ParsePriority(r.Priority); !ok {
			fields["priority"] = "must be low, normal, high, urgent or raise"
		}
	}
	if handoff && r.ToTeamID == nil && r.ToUserID == nil {
		fields["to_user_id"] = "a handoff needs to_user_id or to_team_id"
	}
	if len(fields) > 0 {
		return apperr.Invalid("the escalation is not valid", fields)
	}
	return nil
}

// Escalate raises a conversation to a team or person (typically a
// supervisor), with a note, the "escalated" tag and notifications.
func (s *Service) Escalate(ctx context.Context, actor model.Actor, id int64, req EscalateRequest) (model.Conversation, error) {
	return s.reassign(ctx, actor, id, req, "manual")
}

// Handoff hands a conversation to a team or person with a note that the
// timeline keeps; the former owner follows it from then on.
func (s *Service) Handoff(ctx context.Context, actor model.Actor, id int64, req EscalateRequest) (model.Conversation, error) {
	return s.reassign(ctx, actor, id, req, "handoff")
}

func (s *Service) reassign(ctx context.Context, actor model.Actor, id int64, req EscalateRequest, trigger string) (model.Conversation, error) {
	if err := req.validate(trigger == "handoff"); err != nil {
		return model.Conversation{}, err
	}
	a := Action{AssigneeID: req.ToUserID, TeamID: req.ToTeamID, Priority: req.Priority, NotifyAssignee: true, Email: true}
	if trigger == "manual" {
		a.Tags = []string{EscalatedTag}
		a.NotifyTeam = req.ToUserID == nil
	}
	return s.conversations.Within(ctx, actor, id, func(ctx context.Context, w *conversation.Writer, c *model.Conversation) error {
		return s.escalate(ctx, w, c, escalation{action: a, trigger: trigger, note: req.Note, handoff: req.Handoff})
	})
}

// escalate carries out an escalation on c within the command's transaction.
func (s *Service) escalate(ctx context.Context, w *conversation.Writer, c *model.Conversation, e escalation) error {
	former := c.AssigneeID
	var patch conversation.Patch
	if e.action.TeamID != nil {
		patch.TeamID = model.Nullable[int64]{Set: true, Value: *e.action.TeamID}
	}
	if e.action.AssigneeID != nil && strings.HasPrefix(e.trigger, "sla.") {
		// A rule written before the person left the inbox must not stop the
		// breach from being recorded: it escalates without reassigning.
		if ok, err := mayBeAssigned(ctx, w, c.InboxID, *e.action.AssigneeID); err != nil {
			return err
		} else if !ok {
			s.logger.Warn("SLA escalation skips an assignee who cannot see the inbox", "conversation_id", c.ID, "user_id", *e.action.AssigneeID)
			e.action.AssigneeID = nil
		}
	}
	if e.action.AssigneeID != nil {
		patch.AssigneeID = model.Nullable[int64]{Set: true, Value: *e.action.AssigneeID}
	} else if e.action.TeamID != nil && (c.TeamID == nil || *c.TeamID != *e.action.TeamID) {
		// Handed to a team: the team picks it up, not the former owner.
		patch.AssigneeID = model.Nullable[int64]{Set: true, Null: true}
	}
	priority := c.Priority
	switch e.action.Priority {
	case "":
	case "raise":
		priority = min(c.Priority+1, model.PriorityUrgent)
	default:
		priority, _ = model.ParsePriority(e.action.Priority)
	}
	if priority != c.Priority {
		name := priority.String()
		patch.Priority = &name
	}
	after := map[string]any{"trigger": e.trigger, "from_assignee_id": former, "to_user_id": e.action.AssigneeID,
		"to_team_id": e.action.TeamID, "priority": priority}
	if e.note != "" {
		after["note"] = e.note
	}
	if !e.handoff.empty() {
		after["handoff"] = e.handoff
	}
	if e.target != "" {
		after["target"], after["policy"] = e.target, e.policy
	}
	action := "conversation.escalated"
	if e.trigger == "handoff" {
		action = "conversation.handed_off"
	}
	if err := w.Event(ctx, c.ID, action, nil, after); err != nil {
		return err
	}
	if patch.TeamID.Set || patch.AssigneeID.Set || patch.Priority != nil {
		if err := w.Apply(ctx, c, patch); err != nil {
			return err
		}
	}
	if len(e.action.Tags) > 0 {
		if err := w.AddTags(ctx, c, e.action.Tags); err != nil {
			return err
		}
	}
	// The former owner keeps an eye on it and hears when it resolves.
	if former != nil && !sameID(former, c.AssigneeID) {
		if err := s.follow(ctx, w, c.ID, *former); err != nil {
			return err
		}
	}
	recipients := append([]int64{}, e.action.NotifyUserIDs...)
	if e.action.NotifyAssignee && c.AssigneeID != nil {
		recipients = append(recipients, *c.AssigneeID)
	}
	if e.action.NotifyTeam && c.TeamID != nil {
		members, err := w.Tx().TeamMemberIDs(ctx, *c.TeamID)
		if err != nil {
			return err
		}
		recipients = append(recipients, members...)
	}
	title := fmt.Sprintf("#%d escalated to you", c.ID)
	switch e.trigger {
	case "handoff":
		title = fmt.Sprintf("#%d handed off to you", c.ID)
	case "sla.warning":
		title = fmt.Sprintf("#%d: %s due soon", c.ID, strings.ReplaceAll(e.target, "_", " "))
	case "sla.breached":
		title = fmt.Sprintf("#%d: %s target breached", c.ID, strings.ReplaceAll(e.target, "_", " "))
	}
	body := e.note
	if !e.handoff.empty() {
		body = strings.TrimSpace(fmt.Sprintf("%s\nWhat the customer needs: %s\nWhat was tried: %s\nNext step: %s",
			e.note, e.handoff.WhatCustomerNeeds, e.handoff.WhatWasTried, e.handoff.NextStep))
	}
	return s.notify(ctx, w, c, recipients, strings.TrimPrefix(e.trigger, "sla."), title, body, e.action.Email)
}

// follow makes a user follow a conversation, recording it once.
func (s *Service) follow(ctx context.Context, w *conversation.Writer, convID, userID int64) error {
	added, err := w.Tx().AddFollower(ctx, convID, userID, w.Now())
	if err != nil || !added {
		if errors.Is(err, store.ErrReference) {
			return apperr.Field("user_id", "no such user")
		}
		return err
	}
	return w.Event(ctx, convID, "follower.added", nil, map[string]any{"user_id": userID})
}

// FollowRequest names who is to follow; nobody named means the caller.
type FollowRequest struct {
	UserID *int64 `json:"user_id"`
}

// Follow makes the caller (or, for supervisors and admins, anyone who can
// see the conversation) follow it.
func (s *Service) Follow(ctx context.Context, actor model.Actor, id int64, req FollowRequest) ([]store.Follower, error) {
	userID := actor.UserID
	if req.UserID != nil {
		userID = *req.UserID
	}
	if userID <= 0 {
		return nil, apperr.Field("user_id", "must be a user id")
	}
	if userID != actor.UserID && !actor.Role.SeesAll() {
		return nil, apperr.Forbidden("agents may follow conversations themselves, not make others follow them")
	}
	_, err := s.conversations.Within(ctx, actor, id, func(ctx context.Context, w *conversation.Writer, c *model.Conversation) error {
		u, err := w.Tx().UserByID(ctx, userID)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.Field("user_id", "no such user")
		} else if err != nil {
			return err
		}
		if !u.Role.SeesAll() {
			if ok, err := w.Tx().IsInboxMember(ctx, c.InboxID, userID); err != nil {
				return err
			} else if !ok {
				return apperr.Field("user_id", "that user cannot see this conversation's inbox")
			}
		}
		return s.follow(ctx, w, c.ID, userID)
	})
	if err != nil {
		return nil, err
	}
	return s.store.Followers(ctx, id)
}

// Unfollow stops a user following a conversation.
func (s *Service) Unfollow(ctx context.Context, actor model.Actor, id, userID int64) error {
	if _, err := s.conversations.Get(ctx, actor, id); err != nil {
		return err
	}
	if userID != actor.UserID && !actor.Role.SeesAll() {
		return apperr.Forbidden("agents may stop following themselves only")
	}
	removed := false
	_, err := s.conversations.Within(ctx, actor, id, func(ctx context.Context, w *conversation.Writer, c *model.Conversation) error {
		var err error
		if removed, err = w.Tx().RemoveFollower(ctx, c.ID, userID); err != nil || !removed {
			return err
		}
		return w.Event(ctx, c.ID, "follower.removed", nil, map[string]any{"user_id": userID})
	})
	if err == nil && !removed {
		return apperr.NotFound("follower")
	}
	return err
}

// Followers lists who follows a conversation the caller may see.
func (s *Service) Followers(ctx context.Context, actor model.Actor, id int64) ([]store.Follower, error) {
	if _, err := s.conversations.Get(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.store.Followers(ctx, id)
}

// notifyFollowers tells everyone following c that it was resolved.
func (s *Service) notifyFollowers(ctx context.Context, w *conversation.Writer, c model.Conversation) error {
	fs, err := w.Tx().Followers(ctx, c.ID)
	if err != nil || len(fs) == 0 {
		return err
	}
	ids := make([]int64, 0, len(fs))
	for _, f := range fs {
		if f.UserID != w.Actor().UserID {
			ids = append(ids, f.UserID)
		}
	}
	return s.notify(ctx, w, &c, ids, "resolved", fmt.Sprintf("#%d was resolved", c.ID), c.Subject, true)
}

// mayBeAssigned reports whether a user exists and may see the inbox.
func mayBeAssigned(ctx context.Context, w *conversation.Writer, inboxID, userID int64) (bool, error) {
	u, err := w.Tx().UserByID(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if u.Role.SeesAll() {
		return true, nil
	}
	return w.Tx().IsInboxMember(ctx, inboxID, userID)
}
