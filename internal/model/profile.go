package model

import (
	"encoding/json"
	"time"
)

// LifecycleStage is where a contact is in their relationship with the
// company; "" means not set.
type LifecycleStage string

// The lifecycle stages, in their usual order.
const (
	StageLead     LifecycleStage = "lead"
	StageTrial    LifecycleStage = "trial"
	StageCustomer LifecycleStage = "customer"
	StageChurned  LifecycleStage = "churned"
)

// Valid reports whether s is a known stage or unset.
func (s LifecycleStage) Valid() bool {
	return s == "" || s == StageLead || s == StageTrial || s == StageCustomer || s == StageChurned
}

// AttributeType is the kind of value a custom attribute holds.
type AttributeType string

// The attribute types.
const (
	AttrText    AttributeType = "text"
	AttrNumber  AttributeType = "number"
	AttrDate    AttributeType = "date"
	AttrBoolean AttributeType = "boolean"
	AttrChoice  AttributeType = "choice"
)

// Valid reports whether t is a known attribute type.
func (t AttributeType) Valid() bool {
	return t == AttrText || t == AttrNumber || t == AttrDate || t == AttrBoolean || t == AttrChoice
}

// AttributeDef is a custom contact attribute an admin has defined.
type AttributeDef struct {
	ID        int64         `json:"id"`
	Key       string        `json:"key"`
	Label     string        `json:"label"`
	Type      AttributeType `json:"type"`
	Choices   []string      `json:"choices"`
	CreatedAt time.Time     `json:"created_at"`
}

// ContactNote is an agent's note on a contact (not on a conversation).
type ContactNote struct {
	ID         int64     `json:"id"`
	ContactID  int64     `json:"contact_id"`
	AuthorID   *int64    `json:"author_id"`
	AuthorName string    `json:"author_name"`
	Body       string    `json:"body"`
	CreatedAt  time.Time `json:"created_at"`
}

// TimelineEntry is one item of a contact's journey: a conversation, and
// later calls or anything else a channel records. Kind says what it is;
// Ref is the id of the thing within its kind, and with At orders entries.
type TimelineEntry struct {
	Kind           string          `json:"kind"`
	Ref            int64           `json:"ref"`
	At             time.Time       `json:"at"`
	Channel        Channel         `json:"channel,omitempty"`
	ConversationID int64           `json:"conversation_id,omitempty"`
	InboxID        int64           `json:"inbox_id,omitempty"`
	Status         Status          `json:"status,omitempty"`
	Summary        string          `json:"summary"`
	Detail         json.RawMessage `json:"detail,omitempty"`
}

// ContactMerge is one merge of a contact into another, with what it moved.
type ContactMerge struct {
	ID        int64       `json:"id"`
	KeepID    int64       `json:"keep_id"`
	OtherID   int64       `json:"other_id"`
	OtherName string      `json:"other_name"`
	ActorID   *int64      `json:"actor_id"`
	Moved     MergeRecord `json:"moved"`
	CreatedAt time.Time   `json:"created_at"`
	UndoneAt  *time.Time  `json:"undone_at,omitempty"`
}

// MergeRecord is exactly what a contact merge moved, so unmerge can put it
// back: identity, conversation and note ids, the attribute keys and
// profile fields it filled in on the kept contact (with the values set).
type MergeRecord struct {
	Identities    []int64           `json:"identities"`
	Conversations []int64           `json:"conversations"`
	Notes         []int64           `json:"notes"`
	Attributes    map[string]any    `json:"attributes"`
	Fields        map[string]string `json:"fields"`
}
