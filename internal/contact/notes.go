package contact

import (
	"context"
	"errors"
	"strings"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// NoteCreateRequest is a new note on a contact.
type NoteCreateRequest struct {
	Body string `json:"body"`
}

// AddNote writes an agent's note on a contact, signed by the actor.
func (s *Service) AddNote(ctx context.Context, actor model.Actor, id int64, req NoteCreateRequest) (model.ContactNote, error) {
	body := strings.TrimSpace(req.Body)
	if body == "" || len(body) > 10000 {
		return model.ContactNote{}, apperr.Field("body", "must be 1 to 10000 characters")
	}
	var noteID int64
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.ContactByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("contact")
		} else if err != nil {
			return err
		}
		if err := mergedAway(c); err != nil {
			return err
		}
		n := model.ContactNote{ContactID: id, Body: body, CreatedAt: s.now()}
		if !actor.IsSystem() {
			n.AuthorID = &actor.UserID
		}
		noteID, err = tx.CreateContactNote(ctx, n)
		return err
	})
	if err != nil {
		return model.ContactNote{}, err
	}
	return s.store.ContactNoteByID(ctx, noteID)
}

// Notes lists a contact's notes, newest first, before the note beforeID.
func (s *Service) Notes(ctx context.Context, actor model.Actor, id, beforeID int64, limit int) ([]model.ContactNote, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.store.ListContactNotes(ctx, id, beforeID, limit)
}
