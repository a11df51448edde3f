// Package contact manages customers and the identities (email addresses,
// phone numbers, external ids) by which every channel recognises them.
package contact

import (
	"context"
	"encoding/json"
	"errors"
	"net/mail"
	"strings"
	"time"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// Service holds the contact commands.
type Service struct {
	store *store.Store
	now   func() time.Time
	// committed hears of conversation events this service writes.
	committed func(eventIDs []int64)
}

// New returns a contact service; committed, if not nil, is told of the
// conversation events a merge writes, after commit.
func New(st *store.Store, now func() time.Time, committed func([]int64)) *Service {
	if committed == nil {
		committed = func([]int64) {}
	}
	return &Service{store: st, now: now, committed: committed}
}

// Ref names a contact: by id, or by an identity to find or create.
type Ref struct {
	ID         int64  `json:"id"`
	Email      string `json:"email"`
	Phone      string `json:"phone"`
	ExternalID string `json:"external_id"`
	Name       string `json:"name"`
}

// CreateRequest is a new contact.
type CreateRequest struct {
	Name       string            `json:"name"`
	Type       model.ContactType `json:"type"`
	Email      string            `json:"email"`
	Phone      string            `json:"phone"`
	ExternalID string            `json:"external_id"`
	Attributes json.RawMessage   `json:"attributes"`
}

// Patch changes a contact; absent fields stay as they are.
type Patch struct {
	Name       *string            `json:"name"`
	Type       *model.ContactType `json:"type"`
	Attributes json.RawMessage    `json:"attributes"`
	// AddIdentities gives the contact more addresses or numbers.
	AddIdentities []model.Identity `json:"add_identities"`
}

// NormalizeEmail checks an address and lower-cases it.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s, "@") {
		return "", errors.New("must be a plain email address like jo@example.com")
	}
	return strings.ToLower(s), nil
}

// NormalizePhone keeps a leading + and the digits.
func NormalizePhone(s string) (string, error) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.':
		default:
			return "", errors.New("must be a phone number of digits, optionally starting with +")
		}
	}
	digits := strings.TrimPrefix(b.String(), "+")
	if len(digits) < 5 || len(digits) > 16 {
		return "", errors.New("must have 5 to 16 digits")
	}
	return b.String(), nil
}

func identities(email, phone, external string, fields map[string]string, prefix string) []model.Identity {
	var out []model.Identity
	if email != "" {
		if e, err := NormalizeEmail(email); err != nil {
			fields[prefix+"email"] = err.Error()
		} else {
			out = append(out, model.Identity{Kind: model.IdentityEmail, Value: e})
		}
	}
	if phone != "" {
		if p, err := NormalizePhone(phone); err != nil {
			fields[prefix+"phone"] = err.Error()
		} else {
			out = append(out, model.Identity{Kind: model.IdentityPhone, Value: p})
		}
	}
	if external != "" {
		if len(external) > 200 {
			fields[prefix+"external_id"] = "must be at most 200 characters"
		} else {
			out = append(out, model.Identity{Kind: model.IdentityExternal, Value: external})
		}
	}
	return out
}

func validAttributes(raw json.RawMessage) bool {
	var m map[string]any
	return json.Unmarshal(raw, &m) == nil && m != nil
}

// Create adds a contact with its identities.
func (s *Service) Create(ctx context.Context, actor model.Actor, req CreateRequest) (model.Contact, error) {
	fields := map[string]string{}
	req.Name = strings.TrimSpace(req.Name)
	if len(req.Name) > 200 {
		fields["name"] = "must be at most 200 characters"
	}
	if req.Type == "" {
		req.Type = model.ContactCustomer
	} else if !req.Type.Valid() {
		fields["type"] = "must be one of customer, vip, lead, partner"
	}
	if len(req.Attributes) == 0 {
		req.Attributes = json.RawMessage("{}")
	} else if !validAttributes(req.Attributes) {
		fields["attributes"] = "must be a JSON object"
	}
	ids := identities(req.Email, req.Phone, req.ExternalID, fields, "")
	if req.Name == "" && len(ids) == 0 && len(fields) == 0 {
		fields["name"] = "a contact needs a name, an email, a phone or an external_id"
	}
	if len(fields) > 0 {
		return model.Contact{}, apperr.Invalid("the contact is not valid", fields)
	}
	if req.Name == "" {
		req.Name = nameFrom(ids[0])
	}
	var id int64
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		id, err = tx.CreateContact(ctx, model.Contact{Name: req.Name, Type: req.Type, Attributes: req.Attributes, CreatedAt: s.now()})
		if err != nil {
			return err
		}
		for _, ident := range ids {
			if err := tx.AddIdentity(ctx, id, ident); err != nil {
				return identityErr(err, ident)
			}
		}
		return nil
	})
	if err != nil {
		return model.Contact{}, err
	}
	return s.store.ContactByID(ctx, id)
}

// identityField names the request field each identity kind comes from.
var identityField = map[model.IdentityKind]string{model.IdentityEmail: "email", model.IdentityPhone: "phone", model.IdentityExternal: "external_id"}

func identityErr(err error, ident model.Identity) error {
	if errors.Is(err, store.ErrConflict) {
		return &apperr.Error{Kind: apperr.KindConflict, Message: "another contact already has " + string(ident.Kind) + " " + ident.Value,
			Fields: map[string]string{identityField[ident.Kind]: "belongs to another contact"}}
	}
	return err
}

func nameFrom(ident model.Identity) string {
	if ident.Kind == model.IdentityEmail {
		return strings.SplitN(ident.Value, "@", 2)[0]
	}
	return ident.Value
}

// Get reads a contact.
func (s *Service) Get(ctx context.Context, actor model.Actor, id int64) (model.Contact, error) {
	c, err := s.store.ContactByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return c, apperr.NotFound("contact")
	}
	return c, err
}

// List returns contacts matching q (name or identity) and type.
func (s *Service) List(ctx context.Context, actor model.Actor, f store.ContactFilter) ([]model.Contact, error) {
	if f.Type != "" && !f.Type.Valid() {
		return nil, apperr.Field("type", "must be one of customer, vip, lead, partner")
	}
	return s.store.ListContacts(ctx, f)
}

// Update applies a patch to a contact.
func (s *Service) Update(ctx context.Context, actor model.Actor, id int64, p Patch) (model.Contact, error) {
	fields := map[string]string{}
	if p.Name != nil {
		*p.Name = strings.TrimSpace(*p.Name)
		if *p.Name == "" || len(*p.Name) > 200 {
			fields["name"] = "must be 1 to 200 characters"
		}
	}
	if p.Type != nil && !p.Type.Valid() {
		fields["type"] = "must be one of customer, vip, lead, partner"
	}
	if len(p.Attributes) > 0 && !validAttributes(p.Attributes) {
		fields["attributes"] = "must be a JSON object"
	}
	var add []model.Identity
	for _, ident := range p.AddIdentities {
		switch ident.Kind {
		case model.IdentityEmail:
			add = append(add, identities(ident.Value, "", "", fields, "add_identities.")...)
		case model.IdentityPhone:
			add = append(add, identities("", ident.Value, "", fields, "add_identities.")...)
		case model.IdentityExternal:
			add = append(add, identities("", "", ident.Value, fields, "add_identities.")...)
		default:
			fields["add_identities.kind"] = "must be email, phone or external"
		}
	}
	if len(fields) > 0 {
		return model.Contact{}, apperr.Invalid("the change is not valid", fields)
	}
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.ContactByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("contact")
		} else if err != nil {
			return err
		}
		if p.Name != nil {
			c.Name = *p.Name
		}
		if p.Type != nil {
			c.Type = *p.Type
		}
		if len(p.Attributes) > 0 {
			c.Attributes = mergeAttributes(c.Attributes, p.Attributes)
		}
		c.UpdatedAt = s.now()
		if err := tx.SaveContact(ctx, c); err != nil {
			return err
		}
		for _, ident := range add {
			owner, err := tx.ContactIDByIdentity(ctx, ident.Kind, ident.Value)
			if err == nil && owner == id {
				continue
			}
			if err := tx.AddIdentity(ctx, id, ident); err != nil {
				return identityErr(err, ident)
			}
		}
		return nil
	})
	if err != nil {
		return model.Contact{}, err
	}
	return s.store.ContactByID(ctx, id)
}

// mergeAttributes sets the patch's keys over the old ones; a null value removes a key.
func mergeAttributes(old, patch json.RawMessage) json.RawMessage {
	m := map[string]any{}
	_ = json.Unmarshal(old, &m)
	var p map[string]any
	_ = json.Unmarshal(patch, &p)
	for k, v := range p {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, _ := json.Marshal(m)
	return b
}

// Merge moves other's identities and conversations into id and deletes other.
func (s *Service) Merge(ctx context.Context, actor model.Actor, id, otherID int64) (model.Contact, error) {
	if otherID == 0 {
		return model.Contact{}, apperr.Field("other_id", "is required")
	}
	if otherID == id {
		return model.Contact{}, apperr.Field("other_id", "cannot merge a contact into itself")
	}
	var events []int64
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		events = events[:0]
		for _, cid := range []int64{id, otherID} {
			if _, err := tx.ContactByID(ctx, cid); errors.Is(err, store.ErrNotFound) {
				return apperr.NotFound("contact")
			} else if err != nil {
				return err
			}
		}
		// Each moved conversation records the move in its own timeline.
		moved, err := tx.ConversationIDsOfContact(ctx, otherID)
		if err != nil {
			return err
		}
		now := s.now()
		for _, convID := range moved {
			eid, err := tx.CreateEvent(ctx, store.EventInsert{ConversationID: convID, Actor: actor, Action: "contact.changed",
				Before: map[string]any{"contact_id": otherID}, After: map[string]any{"contact_id": id, "reason": "contacts merged"}, Now: now})
			if err != nil {
				return err
			}
			events = append(events, eid)
		}
		return tx.MergeContacts(ctx, id, otherID, now)
	})
	if err != nil {
		return model.Contact{}, err
	}
	s.committed(events)
	return s.store.ContactByID(ctx, id)
}

// Resolve finds the contact a Ref names, creating it from its identity when
// no contact has that identity yet. It runs inside the caller's transaction.
func Resolve(ctx context.Context, tx *store.Tx, ref Ref, now time.Time) (int64, error) {
	if ref.ID != 0 {
		if _, err := tx.ContactByID(ctx, ref.ID); errors.Is(err, store.ErrNotFound) {
			return 0, apperr.Field("contact.id", "no such contact")
		} else if err != nil {
			return 0, err
		}
		return ref.ID, nil
	}
	fields := map[string]string{}
	ids := identities(ref.Email, ref.Phone, ref.ExternalID, fields, "contact.")
	if len(fields) > 0 {
		return 0, apperr.Invalid("the contact is not valid", fields)
	}
	if len(ids) == 0 {
		return 0, apperr.Field("contact", "needs an id, email, phone or external_id")
	}
	for _, ident := range ids {
		id, err := tx.ContactIDByIdentity(ctx, ident.Kind, ident.Value)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return 0, err
		}
	}
	name := strings.TrimSpace(ref.Name)
	if name == "" {
		name = nameFrom(ids[0])
	}
	if len(name) > 200 {
		return 0, apperr.Field("contact.name", "must be at most 200 characters")
	}
	id, err := tx.CreateContact(ctx, model.Contact{Name: name, Type: model.ContactCustomer, CreatedAt: now})
	if err != nil {
		return 0, err
	}
	for _, ident := range ids {
		if err := tx.AddIdentity(ctx, id, ident); err != nil {
			return 0, identityErr(err, ident)
		}
	}
	return id, nil
}
