// Package model holds the records that the store reads and writes and the
// services pass around. It has no behaviour beyond parsing its enumerations.
package model

import (
	"encoding/json"
	"fmt"
	"time"
)

// Role is what a user may do.
type Role string

// The roles, from most to least powerful.
const (
	RoleAdmin      Role = "admin"
	RoleSupervisor Role = "supervisor"
	RoleAgent      Role = "agent"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	return r == RoleAdmin || r == RoleSupervisor || r == RoleAgent
}

// SeesAll reports whether the role sees every inbox without membership.
func (r Role) SeesAll() bool { return r == RoleAdmin || r == RoleSupervisor }

// Actor is who performs a command: a signed-in user or the system itself
// (jobs, automation), which has UserID 0.
type Actor struct {
	UserID int64
	Role   Role
	Name   string
}

// System is the actor for changes that no person made.
var System = Actor{Role: RoleAdmin, Name: "Parley"}

// IsSystem reports whether the actor is Parley itself.
func (a Actor) IsSystem() bool { return a.UserID == 0 }

// User is an agent, supervisor or admin.
type User struct {
	ID        int64  `json:"id"`
	Email     string `json:"email"`
	Name      string `json:"name"`
	Role      Role   `json:"role"`
	Available bool   `json:"available"`
	Capacity  int    `json:"capacity"`
	// WeeklyReport opts a supervisor or admin in to the weekly summary email.
	WeeklyReport bool      `json:"weekly_report"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Team is a group of users that conversations can be routed to.
type Team struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	MemberIDs []int64   `json:"member_ids"`
	CreatedAt time.Time `json:"created_at"`
}

// Channel is how customers reach an inbox.
type Channel string

// The channels.
const (
	ChannelEmail Channel = "email"
	ChannelChat  Channel = "chat"
	ChannelAPI   Channel = "api"
	ChannelPhone Channel = "phone"
)

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool {
	return c == ChannelEmail || c == ChannelChat || c == ChannelAPI || c == ChannelPhone
}

// Inbox is where one channel's conversations arrive.
type Inbox struct {
	ID               int64           `json:"id"`
	Name             string          `json:"name"`
	Channel          Channel         `json:"channel"`
	Settings         json.RawMessage `json:"settings"`
	AutoResolveAfter time.Duration   `json:"-"`
	AutoCloseAfter   time.Duration   `json:"-"`
	ReopenWindow     time.Duration   `json:"-"`
	MemberIDs        []int64         `json:"member_ids"`
	CreatedAt        time.Time       `json:"created_at"`
}

// Default inbox timings, as the core issue sets them.
const (
	DefaultAutoResolveAfter = 5 * 24 * time.Hour
	DefaultAutoCloseAfter   = 4 * 24 * time.Hour
	DefaultReopenWindow     = 7 * 24 * time.Hour
)

// ContactType is a customer's segment.
type ContactType string

// The contact types.
const (
	ContactCustomer ContactType = "customer"
	ContactVIP      ContactType = "vip"
	ContactLead     ContactType = "lead"
	ContactPartner  ContactType = "partner"
)

// Valid reports whether t is a known contact type.
func (t ContactType) Valid() bool {
	return t == ContactCustomer || t == ContactVIP || t == ContactLead || t == ContactPartner
}

// IdentityKind is a way a contact can be recognised on a channel.
type IdentityKind string

// The identity kinds.
const (
	IdentityEmail    IdentityKind = "email"
	IdentityPhone    IdentityKind = "phone"
	IdentityExternal IdentityKind = "external"
)

// Identity is one address, number or external id of a contact.
type Identity struct {
	ID    int64        `json:"id,omitempty"`
	Kind  IdentityKind `json:"kind"`
	Value string       `json:"value"`
}

// Contact is a customer.
type Contact struct {
	ID         int64           `json:"id"`
	Name       string          `json:"name"`
	Type       ContactType     `json:"type"`
	Email      string          `json:"email,omitempty"`
	Phone      string          `json:"phone,omitempty"`
	Identities []Identity      `json:"identities"`
	Attributes json.RawMessage `json:"attributes"`
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
	// Profile fields (contacts.md); "" is not set.
	Company          string         `json:"company"`
	LifecycleStage   LifecycleStage `json:"lifecycle_stage"`
	Language         string         `json:"language"`
	TimeZone         string         `json:"time_zone"`
	PreferredChannel Channel        `json:"preferred_channel"`
	DoNotContact     bool           `json:"do_not_contact"`
	// MergedIntoID is set on a contact merged into another; unmerge clears it.
	MergedIntoID *int64 `json:"merged_into_id"`
	// ErasedAt is set once the contact's personal data was erased (GDPR).
	ErasedAt *time.Time `json:"erased_at"`
}

// ContactErasure records that a contact's personal data was erased: by
// whom, when, why, and how much. It is never changed or removed.
type ContactErasure struct {
	ID        int64         `json:"id"`
	ContactID int64         `json:"contact_id"`
	ActorID   *int64        `json:"actor_id"`
	ActorName string        `json:"actor_name,omitempty"`
	Reason    string        `json:"reason"`
	Counts    ErasureCounts `json:"counts"`
	CreatedAt time.Time     `json:"created_at"`
}

// ErasureCounts says how much an erasure removed or rewrote.
type ErasureCounts struct {
	Conversations  int `json:"conversations"`
	Messages       int `json:"messages"`
	Attachments    int `json:"attachments"`
	Identities     int `json:"identities"`
	Notes          int `json:"notes"`
	Calls          int `json:"calls"`
	CSATComments   int `json:"csat_comments"`
	MergedContacts int `json:"merged_contacts"`
}

// ContactSummary is the part of a contact that travels with its conversations.
type ContactSummary struct {
	ID    int64       `json:"id"`
	Name  string      `json:"name"`
	Type  ContactType `json:"type"`
	Email string      `json:"email,omitempty"`
}

// Status is a conversation's place in its life.
type Status string

// The statuses, in their usual order.
const (
	StatusNew      Status = "new"
	StatusOpen     Status = "open"
	StatusPending  Status = "pending"
	StatusResolved Status = "resolved"
	StatusClosed   Status = "closed"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case StatusNew, StatusOpen, StatusPending, StatusResolved, StatusClosed:
		return true
	}
	return false
}

// Priority is stored as a small integer so that it sorts.
type Priority int

// The priorities, lowest first.
const (
	PriorityLow Priority = iota
	PriorityNormal
	PriorityHigh
	PriorityUrgent
)

var priorityNames = [...]string{"low", "normal", "high", "urgent"}

func (p Priority) String() string {
	if p < 0 || int(p) >= len(priorityNames) {
		return "unknown"
	}
	return priorityNames[p]
}

// ParsePriority reads a priority name.
func ParsePriority(s string) (Priority, bool) {
	for i, n := range priorityNames {
		if n == s {
			return Priority(i), true
		}
	}
	return 0, false
}

// MarshalJSON writes the priority's name.
func (p Priority) MarshalJSON() ([]byte, error) { return json.Marshal(p.String()) }

// UnmarshalJSON reads a priority's name.
func (p *Priority) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err != nil {
		return err
	}
	v, ok := ParsePriority(name)
	if !ok {
		return fmt.Errorf("unknown priority %q", name)
	}
	*p = v
	return nil
}

// Conversation is one thread with a customer.
type Conversation struct {
	ID                     int64          `json:"id"`
	InboxID                int64          `json:"inbox_id"`
	Channel                Channel        `json:"channel"`
	Contact                ContactSummary `json:"contact"`
	Subject                string         `json:"subject"`
	Status                 Status         `json:"status"`
	Priority               Priority       `json:"priority"`
	AssigneeID             *int64         `json:"assignee_id"`
	TeamID                 *int64         `json:"team_id"`
	Tags                   []string       `json:"tags"`
	SnoozedUntil           *time.Time     `json:"snoozed_until"`
	PreviousConversationID *int64         `json:"previous_conversation_id"`
	// MergedIntoID is set on a conversation merged into another; it is
	// then read-only, and customer replies to it land in the target.
	MergedIntoID *int64 `json:"merged_into_id"`
	// Match is set in keyword search results.
	Match           *Match     `json:"match,omitempty"`
	MessageCount    int        `json:"message_count"`
	Preview         string     `json:"preview"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	LastActivityAt  time.Time  `json:"last_activity_at"`
	StatusChangedAt time.Time  `json:"status_changed_at"`
	FirstResponseAt *time.Time `json:"first_response_at"`
	ResolvedAt      *time.Time `json:"resolved_at"`
	ClosedAt        *time.Time `json:"closed_at"`
	// WaitingSince is when the oldest customer message that no agent has
	// answered yet arrived; nil when the ball is in the customer's court.
	WaitingSince *time.Time `json:"waiting_since"`
	// SLAPolicyID is the response-time policy the conversation runs under.
	SLAPolicyID *int64 `json:"sla_policy_id"`
	// SLADueAt is the nearest due time of its running targets (docs/sla.md).
	SLADueAt *time.Time `json:"sla_due_at"`
}

// MessageKind tells replies (seen by the customer) from internal notes.
type MessageKind string

// The message kinds.
const (
	KindReply MessageKind = "reply"
	KindNote  MessageKind = "note"
)

// Direction tells customer messages from agent messages.
type Direction string

// The directions.
const (
	Incoming Direction = "incoming"
	Outgoing Direction = "outgoing"
)

// SenderType says who wrote a message.
type SenderType string

// The sender types.
const (
	SenderContact SenderType = "contact"
	SenderUser    SenderType = "user"
	SenderSystem  SenderType = "system"
)

// Message is one reply or note in a conversation.
type Message struct {
	ID             int64       `json:"id"`
	ConversationID int64       `json:"conversation_id"`
	Kind           MessageKind `json:"kind"`
	Direction      Direction   `json:"direction"`
	SenderType     SenderType  `json:"sender_type"`
	SenderID       *int64      `json:"sender_id"`
	SenderName     string      `json:"sender_name"`
	Body           string      `json:"body"`
	CreatedAt      time.Time   `json:"created_at"`
	// Auto marks auto-replies, bounces and list mail: kept, but no
	// automation may answer them.
	Auto     bool          `json:"auto,omitempty"`
	Delivery *Delivery     `json:"delivery,omitempty"`
	Email    *EmailDetails `json:"email,omitempty"`
	// Attachments are the files of a message outside email (a chat's);
	// mail keeps its files in email.attachments.
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Event is one recorded change to a conversation.
type Event struct {
	ID             int64           `json:"id"`
	ConversationID int64           `json:"conversation_id"`
	ActorType      SenderType      `json:"actor_type"`
	ActorID        *int64          `json:"actor_id"`
	ActorName      string          `json:"actor_name"`
	Action         string          `json:"action"`
	Before         json.RawMessage `json:"before"`
	After          json.RawMessage `json:"after"`
	CreatedAt      time.Time       `json:"created_at"`
}

// Tag is a label on conversations.
type Tag struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// APIToken is a per-user bearer token; only its hash is stored.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// Session is a browser sign-in.
type Session struct {
	ID        int64
	UserID    int64
	CSRFToken string
	ExpiresAt time.Time
}

// Match is why a conversation is in keyword search results.
type Match struct {
	// Rank orders results by relevance, higher first.
	Rank int64 `json:"rank"`
	// MessageID is the best matching message, when a message matched
	// (rather than the subject or the contact).
	MessageID *int64 `json:"message_id"`
	// Snippet is an HTML-escaped excerpt with matches in <mark>.
	Snippet string `json:"snippet"`
}

// Delivery is how sending an outgoing message went: queued, sent or
// failed, with the last error.
type Delivery struct {
	Status      string     `json:"status"`
	Error       string     `json:"error,omitempty"`
	Attempts    int        `json:"attempts"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
}

// EmailDetails is the mail-specific part of a message in an email inbox.
type EmailDetails struct {
	MessageID string `json:"message_id"`
	From      string `json:"from"`
	To        string `json:"to,omitempty"`
	Subject   string `json:"subject"`
	// HTML is the sanitised HTML version, remote images blocked (their
	// address in data-remote-src) and inline images pointing at their
	// attachment downloads; empty for plain-text mail.
	HTML    string `json:"html,omitempty"`
	HasHTML bool   `json:"has_html"`
	// Quoted is the history and signature folded away below the text.
	Quoted       string       `json:"quoted,omitempty"`
	RemoteImages int          `json:"remote_images"`
	AutoReason   string       `json:"auto_reason,omitempty"`
	Attachments  []Attachment `json:"attachments"`
}

// Attachment is a file that came with a message. Stored is false when it
// was over the inbox's size limit and only its name and size were kept.
type Attachment struct {
	ID          int64  `json:"id"`
	MessageID   int64  `json:"message_id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	ContentID   string `json:"content_id,omitempty"`
	Inline      bool   `json:"inline"`
	Size        int64  `json:"size"`
	Stored      bool   `json:"stored"`
	URL         string `json:"url,omitempty"`
	BlobKey     string `json:"-"`
}

// Call is a phone call in a conversation's timeline.
type Call struct {
	ID              int64     `json:"id"`
	InboxID         int64     `json:"inbox_id"`
	ConversationID  int64     `json:"conversation_id"`
	Direction       string    `json:"direction"`
	Outcome         string    `json:"outcome"`
	Caller          string    `json:"caller"`
	Callee          string    `json:"callee"`
	DurationSeconds int       `json:"duration_seconds"`
	RecordingURL    string    `json:"recording_url"`
	Transcript      string    `json:"transcript"`
	Notes           string    `json:"notes"`
	UserID          *int64    `json:"user_id"`
	UserName        string    `json:"user_name,omitempty"`
	ExternalID      string    `json:"external_id,omitempty"`
	StartedAt       time.Time `json:"started_at"`
	CreatedAt       time.Time `json:"created_at"`
}
