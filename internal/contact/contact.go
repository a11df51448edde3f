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
	// sources make up the journey timeline.
	sources []TimelineSource
	// blobs deletes an erased contact's files (SetBlobs).
	blobs BlobDeleter
}

// New returns a contact service; committed, if not nil, is told of the
// conversation events a merge writes, after commit.
func New(st *store.Store, now func() time.Time, committed func([]int64)) *Service {
	if committed == nil {
		committed = func([]int64) {}
	}
	s := &Service{store: st, now: now, committed: committed}
	s.sources = []TimelineSource{conversationSource{st}, noteSource{st}}
	return s
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
	ProfileFields
}

// Patch changes a contact; absent fields stay as they are.
type Patch struct {
	Name       *string            `json:"name"`
	Type       *model.ContactType `json:"type"`
	Attributes json.RawMessage    `json:"attributes"`
	ProfileFields
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
	var attrs map[string]any
	if len(req.Attributes) > 0 {
		var ok bool
		if attrs, ok = parseAttributes(req.Attributes); !ok {
			fields["attributes"] = "must be a JSON object"
		}
	}
	req.ProfileFields.validate(fields)
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
		defs, err := tx.AttributeDefs(ctx)
		if err != nil {
			return err
		}
		checkAttributes(attrs, defs, fields)
		if len(fields) > 0 {
			return apperr.Invalid("the contact is not valid", fields)
		}
		c := model.Contact{Name: req.Name, Type: req.Type, Attributes: setAttributes(json.RawMessage("{}"), attrs), CreatedAt: s.now()}
		req.ProfileFields.apply(&c)
		id, err = tx.CreateContact(ctx, c)
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
	var attrs map[string]any
	if len(p.Attributes) > 0 {
		var ok bool
		if attrs, ok = parseAttributes(p.Attributes); !ok {
			fields["attributes"] = "must be a JSON object"
		}
	}
	p.ProfileFields.validate(fields)
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
		if err := mergedAway(c); err != nil {
			return err
		}
		defs, err := tx.AttributeDefs(ctx)
		if err != nil {
			return err
		}
		checkAttributes(attrs, defs, fields)
		if len(fields) > 0 {
			return apperr.Invalid("the change is not valid", fields)
		}
		p.ProfileFields.apply(&c)
		if p.Name != nil {
			c.Name = *p.Name
		}
		if p.Type != nil {
			c.Type = *p.Type
		}
		if attrs != nil {
			c.Attributes = setAttributes(c.Attributes, attrs)
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

// Resolve finds the contact a Ref names, creating it from its identity when
// no contact has that identity yet. It runs inside the caller's transaction.
func Resolve(ctx context.Context, tx *store.Tx, ref Ref, now time.Time) (int64, error) {
	if ref.ID != 0 {
		c, err := tx.ContactByID(ctx, ref.ID)
		if errors.Is(err, store.ErrNotFound) {
			return 0, apperr.Field("contact.id", "no such contact")
		} else if err != nil {
			return 0, err
		}
		// A merged-away contact's conversations now live on its survivor.
		for hops := 0; c.MergedIntoID != nil && hops < 100; hops++ {
			if c, err = tx.ContactByID(ctx, *c.MergedIntoID); err != nil {
				return 0, err
			}
		}
		return c.ID, nil
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
