package contact

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// AttributeDefCreateRequest defines a new custom attribute.
type AttributeDefCreateRequest struct {
	Key     string              `json:"key"`
	Label   string              `json:"label"`
	Type    model.AttributeType `json:"type"`
	Choices []string            `json:"choices"`
}

// AttributeDefPatch changes a definition's label or choices; its key and
// type stay, since values already stored were checked against them.
type AttributeDefPatch struct {
	Label   *string   `json:"label"`
	Choices *[]string `json:"choices"`
}

var attributeKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

func checkLabel(label string, fields map[string]string) string {
	label = strings.TrimSpace(label)
	if label == "" || len(label) > 100 {
		fields["label"] = "must be 1 to 100 characters"
	}
	return label
}

func checkChoices(t model.AttributeType, choices []string, fields map[string]string) []string {
	if t != model.AttrChoice {
		if len(choices) > 0 {
			fields["choices"] = "are only for attributes of type choice"
		}
		return []string{}
	}
	if len(choices) == 0 || len(choices) > 100 {
		fields["choices"] = "a choice attribute needs 1 to 100 choices"
		return nil
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(choices))
	for _, c := range choices {
		c = strings.TrimSpace(c)
		switch {
		case c == "" || len(c) > 100:
			fields["choices"] = "each choice must be 1 to 100 characters"
		case seen[c]:
			fields["choices"] = "must not repeat " + c
		}
		seen[c] = true
		out = append(out, c)
	}
	return out
}

func requireAdmin(actor model.Actor) error {
	if actor.Role != model.RoleAdmin {
		return apperr.Forbidden("only admins define contact attributes")
	}
	return nil
}

// Attributes lists the custom attribute definitions.
func (s *Service) Attributes(ctx context.Context, actor model.Actor) ([]model.AttributeDef, error) {
	return s.store.ListAttributeDefs(ctx)
}

// CreateAttribute defines a custom attribute (admins only).
func (s *Service) CreateAttribute(ctx context.Context, actor model.Actor, req AttributeDefCreateRequest) (model.AttributeDef, error) {
	if err := requireAdmin(actor); err != nil {
		return model.AttributeDef{}, err
	}
	fields := map[string]string{}
	if !attributeKey.MatchString(req.Key) {
		fields["key"] = "must be 1 to 40 lower-case letters, digits or _, starting with a letter"
	}
	d := model.AttributeDef{Key: req.Key, Label: checkLabel(req.Label, fields), Type: req.Type, CreatedAt: s.now()}
	if !req.Type.Valid() {
		fields["type"] = "must be one of text, number, date, boolean, choice"
	} else {
		d.Choices = checkChoices(req.Type, req.Choices, fields)
	}
	if len(fields) > 0 {
		return d, apperr.Invalid("the attribute is not valid", fields)
	}
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		d.ID, err = tx.CreateAttributeDef(ctx, d)
		if errors.Is(err, store.ErrConflict) {
			return &apperr.Error{Kind: apperr.KindConflict, Message: "an attribute with key " + d.Key + " already exists",
				Fields: map[string]string{"key": "is taken"}}
		}
		return err
	})
	return d, err
}

// UpdateAttribute changes a definition's label or choices (admins only).
// Values already stored are kept even if a choice they hold is removed.
func (s *Service) UpdateAttribute(ctx context.Context, actor model.Actor, id int64, p AttributeDefPatch) (model.AttributeDef, error) {
	if err := requireAdmin(actor); err != nil {
		return model.AttributeDef{}, err
	}
	var d model.AttributeDef
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		d, err = tx.AttributeDefByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("contact attribute")
		} else if err != nil {
			return err
		}
		fields := map[string]string{}
		if p.Label != nil {
			d.Label = checkLabel(*p.Label, fields)
		}
		if p.Choices != nil {
			d.Choices = checkChoices(d.Type, *p.Choices, fields)
		}
		if len(fields) > 0 {
			return apperr.Invalid("the change is not valid", fields)
		}
		return tx.SaveAttributeDef(ctx, d)
	})
	return d, err
}

// DeleteAttribute removes a definition (admins only). Contacts keep their
// values, shown as undefined, until someone clears them.
func (s *Service) DeleteAttribute(ctx context.Context, actor model.Actor, id int64) (model.AttributeDef, error) {
	if err := requireAdmin(actor); err != nil {
		return model.AttributeDef{}, err
	}
	var d model.AttributeDef
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		d, err = tx.AttributeDefByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("contact attribute")
		} else if err != nil {
			return err
		}
		return tx.DeleteAttributeDef(ctx, id)
	})
	return d, err
}
