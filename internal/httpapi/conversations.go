package httpapi

import (
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/parley-hq/parley/internal/apperr"

	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/page"
	"github.com/parley-hq/parley/internal/realtime"
	"github.com/parley-hq/parley/internal/store"
)

func (a *api) listConversations(w http.ResponseWriter, r *http.Request) {
	actor := principal(r).Actor()
	f, err := a.Conversations.ParseFilter(r.Context(), actor, r.URL.Query())
	if err != nil {
		writeError(w, r, err)
		return
	}
	p, err := a.Conversations.List(r.Context(), actor, f)
	respond(w, r, http.StatusOK, p, err)
}

type tagsRequest struct {
	Tags []string `json:"tags"`
}

func (a *api) addTags(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "conversation")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var req tagsRequest
	if err := decode(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	c, err := a.Conversations.AddTags(r.Context(), principal(r).Actor(), id, req.Tags)
	respond(w, r, http.StatusOK, c, err)
}

func (a *api) removeTag(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "conversation")
	if err != nil {
		writeError(w, r, err)
		return
	}
	tag, err := url.PathUnescape(chi.URLParam(r, "tag"))
	if err != nil {
		writeError(w, r, apperr.NotFound("tag"))
		return
	}
	c, err := a.Conversations.RemoveTag(r.Context(), principal(r).Actor(), id, tag)
	respond(w, r, http.StatusOK, c, err)
}

func (a *api) listMessages(w http.ResponseWriter, r *http.Request) {
	id, after, limit, err := a.subList(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	msgs, err := a.Conversations.Messages(r.Context(), principal(r).Actor(), id, after, limit)
	if err != nil {
		writeError(w, r, err)
		return
	}
	next := ""
	if len(msgs) > 0 {
		next = page.NextID(msgs[len(msgs)-1].ID, len(msgs), limit)
	}
	writeJSON(w, http.StatusOK, list[model.Message]{Items: msgs, NextCursor: next})
}

func (a *api) listEvents(w http.ResponseWriter, r *http.Request) {
	id, after, limit, err := a.subList(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	events, err := a.Conversations.Events(r.Context(), principal(r).Actor(), id, after, limit)
	if err != nil {
		writeError(w, r, err)
		return
	}
	next := ""
	if len(events) > 0 {
		next = page.NextID(events[len(events)-1].ID, len(events), limit)
	}
	writeJSON(w, http.StatusOK, list[model.Event]{Items: events, NextCursor: next})
}

// subList reads the conversation id and the id-cursor paging of its messages or events.
func (a *api) subList(r *http.Request) (id, after int64, limit int, err error) {
	if id, err = pathID(r, "id", "conversation"); err != nil {
		return
	}
	if err = onlyParams(r, "limit", "cursor"); err != nil {
		return
	}
	if limit, err = page.Limit(r.URL.Query().Get("limit")); err != nil {
		return
	}
	after, err = page.AfterID(r.URL.Query().Get("cursor"))
	return
}

func (a *api) listTags(w http.ResponseWriter, r *http.Request) {
	if err := onlyParams(r); err != nil {
		writeError(w, r, err)
		return
	}
	var visibleTo int64
	if actor := principal(r).Actor(); !actor.Role.SeesAll() {
		visibleTo = actor.UserID
	}
	tags, err := a.Store.ListTags(r.Context(), visibleTo)
	respond(w, r, http.StatusOK, list[model.Tag]{Items: tags}, err)
}

func (a *api) listContacts(w http.ResponseWriter, r *http.Request) {
	if err := onlyParams(r, "q", "type", "limit", "cursor"); err != nil {
		writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	limit, err := page.Limit(q.Get("limit"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	after, err := page.AfterID(q.Get("cursor"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	cs, err := a.Contacts.List(r.Context(), principal(r).Actor(), store.ContactFilter{Query: q.Get("q"), Type: model.ContactType(q.Get("type")), AfterID: after, Limit: limit})
	if err != nil {
		writeError(w, r, err)
		return
	}
	next := ""
	if len(cs) > 0 {
		next = page.NextID(cs[len(cs)-1].ID, len(cs), limit)
	}
	writeJSON(w, http.StatusOK, list[model.Contact]{Items: cs, NextCursor: next})
}

type mergeContactRequest struct {
	OtherID int64 `json:"other_id"`
}

func (a *api) mergeContact(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "contact")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var req mergeContactRequest
	if err := decode(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	c, err := a.Contacts.Merge(r.Context(), principal(r).Actor(), id, req.OtherID)
	respond(w, r, http.StatusOK, c, err)
}

// contactConversations is the conversation list narrowed to one contact;
// it takes the same filters and is scoped the same way.
func (a *api) contactConversations(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "contact")
	if err != nil {
		writeError(w, r, err)
		return
	}
	actor := principal(r).Actor()
	if _, err := a.Contacts.Get(r.Context(), actor, id); err != nil {
		writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	q.Del("contact")
	f, err := a.Conversations.ParseFilter(r.Context(), actor, q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	f.ContactID = id
	p, err := a.Conversations.List(r.Context(), actor, f)
	respond(w, r, http.StatusOK, p, err)
}

func (a *api) bulkUpdate(w http.ResponseWriter, r *http.Request) {
	var req conversation.BulkRequest
	if err := decode(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	op, err := a.Conversations.Bulk(r.Context(), principal(r).Actor(), req)
	respond(w, r, bulkStatus(op), op, err)
}

// bulkStatus is 200 for an operation already done, 202 for one that
// continues as a job (poll GET /conversations/bulk/{id}).
func bulkStatus(op conversation.BulkOperation) int {
	if op.Status == "running" {
		return http.StatusAccepted
	}
	return http.StatusOK
}

func (a *api) undoBulk(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "bulk operation")
	if err != nil {
		writeError(w, r, err)
		return
	}
	op, err := a.Conversations.UndoBulk(r.Context(), principal(r).Actor(), id)
	respond(w, r, bulkStatus(op), op, err)
}

type presenceRequest struct {
	State string `json:"state"`
}

// presence announces that the caller is viewing, typing in or leaving a
// conversation, for collision control; it stores nothing.
func (a *api) presence(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "conversation")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var req presenceRequest
	if err := decode(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	if req.State != "viewing" && req.State != "typing" && req.State != "left" {
		writeError(w, r, apperr.Field("state", "must be viewing, typing or left"))
		return
	}
	actor := principal(r).Actor()
	c, err := a.Conversations.Get(r.Context(), actor, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	err = a.Hub.PublishPresence(r.Context(), realtime.Presence{ConversationID: c.ID, InboxID: c.InboxID,
		UserID: actor.UserID, Name: actor.Name, State: req.State, At: a.Now().UTC().Truncate(time.Millisecond)})
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type mergeRequest struct {
	IntoID int64 `json:"into_id"`
}

func (a *api) mergeConversation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "conversation")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var req mergeRequest
	if err := decode(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	c, err := a.Conversations.Merge(r.Context(), principal(r).Actor(), id, req.IntoID)
	respond(w, r, http.StatusOK, c, err)
}

type splitRequest struct {
	MessageIDs []int64 `json:"message_ids"`
}

func (a *api) splitConversation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "conversation")
	if err != nil {
		writeError(w, r, err)
		return
	}
	var req splitRequest
	if err := decode(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	c, err := a.Conversations.Split(r.Context(), principal(r).Actor(), id, req.MessageIDs)
	respond(w, r, http.StatusCreated, c, err)
}

func (a *api) duplicates(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "conversation")
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := onlyParams(r); err != nil {
		writeError(w, r, err)
		return
	}
	d, err := a.Conversations.Duplicates(r.Context(), principal(r).Actor(), id)
	respond(w, r, http.StatusOK, list[conversation.Duplicate]{Items: d}, err)
}
