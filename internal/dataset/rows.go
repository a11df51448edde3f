package dataset

import (
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// Rows as they are written. A zero id or time, or an empty JSON text,
// stands for NULL.

type contactRow struct {
	id                            int64
	name, typ, attributes, search string
	created                       int64
}

type identityRow struct {
	id, contact int64
	kind, value string
}

type conversationRow struct {
	id, inbox, contact                       int64
	subject, status                          string
	priority                                 int64
	assignee, team, snoozed, previous        int64
	messages                                 int64
	preview                                  string
	created, updated, activity, changed      int64
	firstResponse, resolved, closed, waiting int64
}

type tagRow struct{ conversation, tag int64 }

type messageRow struct {
	id, conversation            int64
	kind, direction, senderType string
	sender                      int64
	body                        string
	created                     int64
}

type eventRow struct {
	id, conversation      int64
	actorType             string
	actor                 int64
	action, before, after string
	created               int64
}

// batch is what one write transaction (SQLite) or one round of COPY
// (PostgreSQL) carries. Its tables are written in order, parents first.
type batch struct {
	contacts      []contactRow
	identities    []identityRow
	conversations []conversationRow
	tags          []tagRow
	messages      []messageRow
	events        []eventRow
}

func (b *batch) size() int {
	return len(b.contacts) + len(b.identities) + len(b.conversations) + len(b.tags) + len(b.messages) + len(b.events)
}

// table is one table's rows in a batch, for either loader.
type table struct {
	name string
	cols []string
	n    int
	// row puts row i's values in v, one per column.
	row func(i int, v []any)
}

func null(x int64) any {
	if x == 0 {
		return nil
	}
	return x
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (b *batch) tables() []table {
	return []table{
		{"contacts", []string{"id", "name", "type", "attributes", "search_text", "created_at", "updated_at"}, len(b.contacts),
			func(i int, v []any) {
				r := &b.contacts[i]
				v[0], v[1], v[2], v[3], v[4], v[5], v[6] = r.id, r.name, r.typ, r.attributes, r.search, r.created, r.created
			}},
		{"contact_identities", []string{"id", "contact_id", "kind", "value", "match_key"}, len(b.identities),
			func(i int, v []any) {
				r := &b.identities[i]
				v[0], v[1], v[2], v[3] = r.id, r.contact, r.kind, r.value
				// The key duplicate suggestions compare (docs/contacts.md).
				v[4] = store.MatchKey(model.Identity{Kind: model.IdentityKind(r.kind), Value: r.value})
			}},
		{"conversations", []string{"id", "inbox_id", "contact_id", "subject", "status", "priority", "assignee_id", "team_id",
			"snoozed_until", "previous_conversation_id", "message_count", "preview", "created_at", "updated_at",
			"last_activity_at", "status_changed_at", "first_response_at", "resolved_at", "closed_at", "waiting_since"}, len(b.conversations),
			func(i int, v []any) {
				r := &b.conversations[i]
				v[0], v[1], v[2], v[3], v[4], v[5] = r.id, r.inbox, r.contact, r.subject, r.status, r.priority
				v[6], v[7], v[8], v[9] = null(r.assignee), null(r.team), null(r.snoozed), null(r.previous)
				v[10], v[11], v[12], v[13], v[14], v[15] = r.messages, r.preview, r.created, r.updated, r.activity, r.changed
				v[16], v[17], v[18], v[19] = null(r.firstResponse), null(r.resolved), null(r.closed), null(r.waiting)
			}},
		{"conversation_tags", []string{"conversation_id", "tag_id"}, len(b.tags),
			func(i int, v []any) { v[0], v[1] = b.tags[i].conversation, b.tags[i].tag }},
		{"messages", []string{"id", "conversation_id", "kind", "direction", "sender_type", "sender_id", "body", "created_at"}, len(b.messages),
			func(i int, v []any) {
				r := &b.messages[i]
				v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7] = r.id, r.conversation, r.kind, r.direction, r.senderType, null(r.sender), r.body, r.created
			}},
		{"conversation_events", []string{"id", "conversation_id", "actor_type", "actor_id", "action", "before", "after", "created_at"}, len(b.events),
			func(i int, v []any) {
				r := &b.events[i]
				v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7] = r.id, r.conversation, r.actorType, null(r.actor), r.action, nullText(r.before), nullText(r.after), r.created
			}},
	}
}
