package contact

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// BlobDeleter removes stored files; the blob store implements it.
type BlobDeleter interface {
	Delete(key string) error
}

// SetBlobs gives the service the file store, so an erasure can delete
// the files the erased contact sent. Without it the rows go and the
// files stay unreferenced.
func (s *Service) SetBlobs(b BlobDeleter) { s.blobs = b }

// EraseRequest is an erasure's justification, kept in the record.
type EraseRequest struct {
	Reason string `json:"reason"`
}

// Erase removes a contact's personal data for good (docs/contacts.md,
// "Erasure"): in one transaction the profile is anonymised, identities
// and notes are deleted, what the contact wrote is replaced by
// "[erased]", the erasure is recorded, and each of their conversations
// gets a contact.erased event. Their files are deleted after commit.
// Only admins may erase.
func (s *Service) Erase(ctx context.Context, actor model.Actor, id int64, req EraseRequest) (model.ContactErasure, error) {
	if actor.Role != model.RoleAdmin {
		return model.ContactErasure{}, apperr.Forbidden("only admins erase contacts")
	}
	reason := strings.TrimSpace(req.Reason)
	if reason == "" || len(reason) > 1000 {
		return model.ContactErasure{}, apperr.Field("reason", "must be 1 to 1000 characters: say why (a customer's request, its date and reference)")
	}
	var events []int64
	var blobKeys []string
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		events = events[:0]
		c, err := tx.ContactByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("contact")
		} else if err != nil {
			return err
		}
		if c.ErasedAt != nil {
			return apperr.Conflict(fmt.Sprintf("contact %d was already erased", id))
		}
		if c.MergedIntoID != nil {
			return apperr.Conflict(fmt.Sprintf("contact %d was merged into contact %d: erase contact %d (which erases this one too), or undo the merge first",
				id, *c.MergedIntoID, *c.MergedIntoID))
		}
		// Contacts merged into this one are the same person: erased with it.
		group := []int64{id}
		for i := 0; i < len(group) && len(group) < 10000; i++ {
			more, err := tx.MergedAwayInto(ctx, group[i])
			if err != nil {
				return err
			}
			group = append(group, more...)
		}
		now := s.now()
		done, err := tx.EraseContactData(ctx, group, func(cid int64) string { return fmt.Sprintf("Erased contact #%d", cid) }, now)
		if err != nil {
			return err
		}
		blobKeys = done.BlobKeys
		rec := model.ContactErasure{ContactID: id, Reason: reason, Counts: done.Counts, CreatedAt: now}
		if !actor.IsSystem() {
			rec.ActorID = &actor.UserID
		}
		erasureID, err := tx.CreateContactErasure(ctx, rec)
		if errors.Is(err, store.ErrConflict) {
			return apperr.Conflict(fmt.Sprintf("contact %d was already erased", id))
		} else if err != nil {
			return err
		}
		// The reason stays in the record only: it may name the requester.
		for _, convID := range done.Conversations {
			eid, err := tx.CreateEvent(ctx, store.EventInsert{ConversationID: convID, Actor: actor, Action: "contact.erased",
				After: map[string]any{"contact_id": id, "erasure_id": erasureID}, Now: now})
			if err != nil {
				return err
			}
			events = append(events, eid)
		}
		return nil
	})
	if err != nil {
		return model.ContactErasure{}, err
	}
	s.committed(events)
	s.deleteBlobs(ctx, blobKeys)
	return s.store.ContactErasureOf(ctx, id)
}

// deleteBlobs removes the erased contact's files once no row refers to
// them (the same file may have come from someone else too). It runs
// after commit: a file deleted for a transaction that rolled back could
// not be brought back. A failure leaves a file no row points to, which
// nothing can serve.
func (s *Service) deleteBlobs(ctx context.Context, keys []string) {
	if s.blobs == nil {
		return
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		if used, err := s.store.BlobInUse(ctx, k); err != nil || used {
			continue
		}
		_ = s.blobs.Delete(k)
	}
}

// Erasure returns the record of a contact's erasure.
func (s *Service) Erasure(ctx context.Context, actor model.Actor, id int64) (model.ContactErasure, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return model.ContactErasure{}, err
	}
	r, err := s.store.ContactErasureOf(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return r, apperr.NotFound("erasure")
	}
	return r, err
}
