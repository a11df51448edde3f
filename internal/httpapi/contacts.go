package httpapi

import (
	"net/http"

	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/page"
	"github.com/parley-hq/parley/internal/store"
)

// Customer profiles: identities, notes, the journey timeline, duplicates,
// unmerge and custom attribute definitions (docs/contacts.md).

func (a *api) contactIdentities(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "contact")
	if err != nil {
		writeError(w, r, err)
		return
	}
	ids, err := a.Contacts.Identities(r.Context(), principal(r).Actor(), id)
	respond(w, r, http.StatusOK, list[model.Identity]{Items: ids}, err)
}

func (a *api) removeContactIdentity(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "contact")
	if err != nil {
		writeError(w, r, err)
		return
	}
	identityID, err := pathID(r, "identity_id", "identity")
	if err != nil {
		writeError(w, r, err)
		return
	}
	c, err := a.Contacts.RemoveIdentity(r.Context(), principal(r).Actor(), id, identityID)
	respond(w, r, http.StatusOK, c, err)
}

func (a *api) contactNotes(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "contact")
	if err != nil {
		writeError(w, r, err)
		return
	}
	limit, before, err := idPage(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	notes, err := a.Contacts.Notes(r.Context(), principal(r).Actor(), id, before, limit)
	if err != nil {
		writeError(w, r, err)
		return
	}
	next := ""
	if len(notes) > 0 {
		next = page.NextID(notes[len(notes)-1].ID, len(notes), limit)
	}
	writeJSON(w, http.StatusOK, list[model.ContactNote]{Items: notes, NextCursor: next})
}

func (a *api) contactTimeline(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "contact")
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := onlyParams(r, "limit", "cursor"); err != nil {
		writeError(w, r, err)
		return
	}
	limit, err := page.Limit(r.URL.Query().Get("limit"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	p, err := a.Contacts.Timeline(r.Context(), principal(r).Actor(), id, r.URL.Query().Get("cursor"), limit)
	respond(w, r, http.StatusOK, p, err)
}

func (a *api) contactDuplicates(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "contact")
	if err != nil {
		writeError(w, r, err)
		return
	}
	d, err := a.Contacts.Duplicates(r.Context(), principal(r).Actor(), id)
	respond(w, r, http.StatusOK, list[store.Duplicate]{Items: d}, err)
}

func (a *api) contactMerges(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "contact")
	if err != nil {
		writeError(w, r, err)
		return
	}
	m, err := a.Contacts.Merges(r.Context(), principal(r).Actor(), id)
	respond(w, r, http.StatusOK, list[model.ContactMerge]{Items: m}, err)
}

func (a *api) listContactAttributes(w http.ResponseWriter, r *http.Request) {
	if err := onlyParams(r); err != nil {
		writeError(w, r, err)
		return
	}
	d, err := a.Contacts.Attributes(r.Context(), principal(r).Actor())
	respond(w, r, http.StatusOK, list[model.AttributeDef]{Items: d}, err)
}

func (a *api) deleteContactAttribute(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "contact attribute")
	if err != nil {
		writeError(w, r, err)
		return
	}
	if _, err := a.Contacts.DeleteAttribute(r.Context(), principal(r).Actor(), id); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// exportContact streams a contact's data as one JSON download. Refusals
// (403, 404) come before the first byte; a failure after it aborts the
// response, so the client sees a broken download rather than a file that
// looks complete.
func (a *api) exportContact(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "contact")
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := onlyParams(r); err != nil {
		writeError(w, r, err)
		return
	}
	exp, err := a.Contacts.Export(r.Context(), principal(r).Actor(), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="`+exp.Filename()+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if err := exp.WriteTo(r.Context(), w); err != nil {
		a.Logger.ErrorContext(r.Context(), "contact export failed mid-way", "contact_id", id, "error", err)
		panic(http.ErrAbortHandler)
	}
}
