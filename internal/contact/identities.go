package contact

import (
	"context"
	"errors"
	"fmt"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// IdentityCreateRequest is a new identity for a contact.
type IdentityCreateRequest struct {
	Kind  model.IdentityKind `json:"kind"`
	Value string             `json:"value"`
}

// Identities lists a contact's identities, oldest first.
func (s *Service) Identities(ctx context.Context, actor model.Actor, id int64) ([]model.Identity, error) {
	c, err := s.Get(ctx, actor, id)
	return c.Identities, err
}

// AddIdentity gives a contact another email, phone or external id; new
// messages from it land on this contact from then on.
func (s *Service) AddIdentity(ctx context.Context, actor model.Actor, id int64, req IdentityCreateRequest) (model.Contact, error) {
	fields := map[string]string{}
	var ids []model.Identity
	switch req.Kind {
	case model.IdentityEmail:
		ids = identities(req.Value, "", "", fields, "")
	case model.IdentityPhone:
		ids = identities("", req.Value, "", fields, "")
	case model.IdentityExternal:
		ids = identities("", "", req.Value, fields, "")
	default:
		fields["kind"] = "must be email, phone or external"
	}
	if len(fields) == 0 && len(ids) == 0 {
		fields["value"] = "is required"
	}
	for k, v := range fields {
		if k != "kind" {
			delete(fields, k)
			fields["value"] = v
		}
	}
	if len(fields) > 0 {
		return model.Contact{}, apperr.Invalid("the identity is not valid", fields)
	}
	ident := ids[0]
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
		if err := tx.AddIdentity(ctx, id, ident); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return &apperr.Error{Kind: apperr.KindConflict, Message: "a contact already has " + string(ident.Kind) + " " + ident.Value,
					Fields: map[string]string{"value": "belongs to a contact already"}}
			}
			return err
		}
		return nil
	})
	if err != nil {
		return model.Contact{}, err
	}
	return s.store.ContactByID(ctx, id)
}

// RemoveIdentity takes an identity off a contact. The last identity stays:
// without one no channel could reach the contact or recognise their next
// message, which would start a new contact instead.
func (s *Service) RemoveIdentity(ctx context.Context, actor model.Actor, id, identityID int64) (model.Contact, error) {
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
		owner, err := tx.IdentityOwner(ctx, identityID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && owner != id) {
			return apperr.NotFound("identity")
		} else if err != nil {
			return err
		}
		if n, err := tx.CountIdentities(ctx, id); err != nil {
			return err
		} else if n <= 1 {
			return apperr.Conflict(fmt.Sprintf("identity %d is contact %d's only one; add another before removing it", identityID, id))
		}
		return tx.DeleteIdentity(ctx, id, identityID)
	})
	if err != nil {
		return model.Contact{}, err
	}
	return s.store.ContactByID(ctx, id)
}
