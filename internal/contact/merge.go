package contact

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// mergeTables are what a merge moves from the other contact to the kept
// one, each recorded by id so that unmerge moves exactly those back.
var mergeTables = []string{"contact_identities", "conversations", "contact_notes"}

// Merge moves other's identities, conversations and notes into id, fills
// id's empty profile fields and missing attributes from other's, and marks
// other merged into id. Everything moved is recorded for Unmerge.
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
		keep, err := tx.ContactByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("contact")
		} else if err != nil {
			return err
		}
		other, err := tx.ContactByID(ctx, otherID)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("contact")
		} else if err != nil {
			return err
		}
		for _, c := range []model.Contact{keep, other} {
			if err := mergedAway(c); err != nil {
				return err
			}
		}
		now := s.now()
		rec := model.MergeRecord{Attributes: map[string]any{}, Fields: map[string]string{}}
		moved := map[string]*[]int64{"contact_identities": &rec.Identities, "conversations": &rec.Conversations, "contact_notes": &rec.Notes}
		for _, table := range mergeTables {
			ids, err := tx.ContactRowIDs(ctx, table, otherID)
			if err != nil {
				return err
			}
			if *moved[table], err = tx.MoveContactRows(ctx, table, ids, otherID, id); err != nil {
				return err
			}
		}
		// The kept contact's own values win; other's fill only the gaps.
		keepAttrs, otherAttrs := decodeObject(keep.Attributes), decodeObject(other.Attributes)
		for k, v := range otherAttrs {
			if _, ok := keepAttrs[k]; !ok {
				rec.Attributes[k] = v
			}
		}
		keep.Attributes = setAttributes(keep.Attributes, rec.Attributes)
		for name, f := range profileStrings(&keep) {
			if *f == "" {
				if v := *profileStrings(&other)[name]; v != "" {
					*f, rec.Fields[name] = v, v
				}
			}
		}
		keep.UpdatedAt = now
		if err := tx.SaveContact(ctx, keep); err != nil {
			return err
		}
		if err := tx.SetContactMergedInto(ctx, otherID, &id); err != nil {
			return err
		}
		var actorID *int64
		if !actor.IsSystem() {
			actorID = &actor.UserID
		}
		if _, err := tx.CreateContactMerge(ctx, model.ContactMerge{KeepID: id, OtherID: otherID, ActorID: actorID, Moved: rec, CreatedAt: now}); err != nil {
			return err
		}
		// Each moved conversation records the move in its own timeline.
		events, err = contactChanged(ctx, tx, actor, rec.Conversations, otherID, id, "contacts merged", now)
		return err
	})
	if err != nil {
		return model.Contact{}, err
	}
	s.committed(events)
	return s.store.ContactByID(ctx, id)
}

// Unmerge undoes the merge that merged id away: the identities,
// conversations and notes it moved go back to id (those still on the kept
// contact), the profile fields and attributes it filled in are cleared
// where nobody has changed them since, and id is a contact again.
// Conversations that arrived on the kept contact after the merge, even
// through an identity that goes back, stay where they arrived.
func (s *Service) Unmerge(ctx context.Context, actor model.Actor, id int64) (model.Contact, error) {
	var events []int64
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		events = events[:0]
		other, err := tx.ContactByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("contact")
		} else if err != nil {
			return err
		}
		if other.MergedIntoID == nil {
			return apperr.Conflict(fmt.Sprintf("contact %d was never merged into another (or was already unmerged)", id))
		}
		m, err := tx.ActiveContactMerge(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.Conflict(fmt.Sprintf("contact %d has no merge to undo", id))
		} else if err != nil {
			return err
		}
		keep, err := tx.ContactByID(ctx, m.KeepID)
		if err != nil {
			return err
		}
		if keep.MergedIntoID != nil {
			return apperr.Conflict(fmt.Sprintf("contact %d, which %d was merged into, was itself merged into contact %d; unmerge contact %d first",
				keep.ID, id, *keep.MergedIntoID, keep.ID))
		}
		now := s.now()
		back := map[string][]int64{"contact_identities": m.Moved.Identities, "conversations": m.Moved.Conversations, "contact_notes": m.Moved.Notes}
		var convs []int64
		for _, table := range mergeTables {
			got, err := tx.MoveContactRows(ctx, table, back[table], m.KeepID, id)
			if err != nil {
				return err
			}
			if table == "conversations" {
				convs = got
			}
		}
		attrs := decodeObject(keep.Attributes)
		clear := map[string]any{}
		for k, v := range m.Moved.Attributes {
			if cur, ok := attrs[k]; ok && reflect.DeepEqual(normalJSON(cur), normalJSON(v)) {
				clear[k] = nil
			}
		}
		keep.Attributes = setAttributes(keep.Attributes, clear)
		fields := profileStrings(&keep)
		for name, v := range m.Moved.Fields {
			if f, ok := fields[name]; ok && *f == v {
				*f = ""
			}
		}
		keep.UpdatedAt = now
		if err := tx.SaveContact(ctx, keep); err != nil {
			return err
		}
		if err := tx.SetContactMergedInto(ctx, id, nil); err != nil {
			return err
		}
		if err := tx.MarkContactMergeUndone(ctx, m.ID, now); err != nil {
			return err
		}
		events, err = contactChanged(ctx, tx, actor, convs, m.KeepID, id, "contact merge undone", now)
		return err
	})
	if err != nil {
		return model.Contact{}, err
	}
	s.committed(events)
	return s.store.ContactByID(ctx, id)
}

// Merges lists the merges into a contact that can still be undone.
func (s *Service) Merges(ctx context.Context, actor model.Actor, id int64) ([]model.ContactMerge, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.store.MergesInto(ctx, id)
}

func contactChanged(ctx context.Context, tx *store.Tx, actor model.Actor, convs []int64, from, to int64, reason string, now time.Time) ([]int64, error) {
	var events []int64
	for _, convID := range convs {
		eid, err := tx.CreateEvent(ctx, store.EventInsert{ConversationID: convID, Actor: actor, Action: "contact.changed",
			Before: map[string]any{"contact_id": from}, After: map[string]any{"contact_id": to, "reason": reason}, Now: now})
		if err != nil {
			return nil, err
		}
		events = append(events, eid)
	}
	return events, nil
}

// profileStrings names the text profile fields a merge may fill in.
func profileStrings(c *model.Contact) map[string]*string {
	return map[string]*string{
		"company":           &c.Company,
		"lifecycle_stage":   (*string)(&c.LifecycleStage),
		"language":          &c.Language,
		"time_zone":         &c.TimeZone,
		"preferred_channel": (*string)(&c.PreferredChannel),
	}
}

func decodeObject(raw json.RawMessage) map[string]any {
	m := map[string]any{}
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	_ = d.Decode(&m)
	return m
}

// normalJSON makes values decoded with and without UseNumber comparable.
func normalJSON(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}
