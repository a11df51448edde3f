package model

import (
	"encoding/json"
	"time"
)

// Template is a saved reply with Liquid variables.
type Template struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Body       string     `json:"body"`
	Scope      string     `json:"scope"`
	OwnerID    int64      `json:"owner_id"`
	TeamID     *int64     `json:"team_id"`
	Folder     string     `json:"folder"`
	UsageCount int        `json:"usage_count"`
	LastUsedAt *time.Time `json:"last_used_at"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// The template scopes.
const (
	ScopePersonal = "personal"
	ScopeTeam     = "team"
	ScopeEveryone = "everyone"
)

// Macro is a named set of changes, optionally with a template reply.
type Macro struct {
	ID         int64           `json:"id"`
	Name       string          `json:"name"`
	TemplateID *int64          `json:"template_id"`
	Actions    json.RawMessage `json:"actions"`
	UsageCount int             `json:"usage_count"`
	CreatedBy  *int64          `json:"created_by"`
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
}

// AutomationRule is a stored rule; its conditions and actions are JSON,
// validated and compiled by the automation package.
type AutomationRule struct {
	ID            int64           `json:"id"`
	Name          string          `json:"name"`
	Position      int             `json:"position"`
	Enabled       bool            `json:"enabled"`
	Trigger       string          `json:"when"`
	TriggerAfter  time.Duration   `json:"-"`
	Conditions    json.RawMessage `json:"if"`
	Actions       json.RawMessage `json:"then"`
	WebhookSecret string          `json:"-"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
}

// InboxAutomation is an inbox's routing and follow-up settings.
type InboxAutomation struct {
	InboxID            int64  `json:"inbox_id"`
	AssignMode         string `json:"assign_mode"`
	ReassignAfter      string `json:"reassign_after"`
	AckTemplateID      *int64 `json:"ack_template_id"`
	CSATEnabled        bool   `json:"csat_enabled"`
	LastAssignedUserID *int64 `json:"-"`
	// ReassignAfterDur is ReassignAfter parsed; 0 never reassigns.
	ReassignAfterDur time.Duration `json:"-"`
}

// The auto-assignment modes.
const (
	AssignNone        = "none"
	AssignRoundRobin  = "round_robin"
	AssignLeastLoaded = "least_loaded"
)

// CSATResponse is one conversation's satisfaction survey and its answer.
type CSATResponse struct {
	ID             int64 `json:"id"`
	ConversationID int64 `json:"conversation_id"`
	// MessageID is the message that carried the survey to the customer.
	MessageID  *int64     `json:"message_id"`
	Rating     *int       `json:"rating"`
	Comment    string     `json:"comment"`
	AssigneeID *int64     `json:"assignee_id"`
	SentAt     time.Time  `json:"sent_at"`
	AnsweredAt *time.Time `json:"answered_at"`
	// ChangedAt is the last change to the answer (within CSATChangeWindow
	// of AnsweredAt); nil if never changed.
	ChangedAt *time.Time `json:"changed_at"`
}

// CSATChangeWindow is how long after the first answer a customer may still
// change the rating or comment (a mis-click, a comment added afterwards).
const CSATChangeWindow = 10 * time.Minute
