package contact

import (
	"context"
	"sort"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/page"
	"github.com/parley-hq/parley/internal/store"
)

// TimelineSource adds entries of one kind to contacts' journey timelines:
// conversations and notes here, calls or anything else a channel records
// elsewhere (register with AddTimelineSource). Entries must come newest
// first, after the cursor in timeline order (store.TimelineCursor), and
// only those the actor may see.
type TimelineSource interface {
	Kind() string
	Entries(ctx context.Context, actor model.Actor, contactID int64, after *store.TimelineCursor, limit int) ([]model.TimelineEntry, error)
}

// AddTimelineSource adds a kind of entry to every contact's timeline.
func (s *Service) AddTimelineSource(src TimelineSource) {
	s.sources = append(s.sources, src)
}

type conversationSource struct{ store *store.Store }

func (conversationSource) Kind() string { return "conversation" }

// Entries keeps agents to conversations of their inboxes, as every
// conversation read does.
func (c conversationSource) Entries(ctx context.Context, actor model.Actor, contactID int64, after *store.TimelineCursor, limit int) ([]model.TimelineEntry, error) {
	var visibleTo int64
	if !actor.Role.SeesAll() {
		visibleTo = actor.UserID
	}
	return c.store.ConversationTimeline(ctx, contactID, visibleTo, after, limit)
}

type noteSource struct{ store *store.Store }

func (noteSource) Kind() string { return "note" }

func (n noteSource) Entries(ctx context.Context, _ model.Actor, contactID int64, after *store.TimelineCursor, limit int) ([]model.TimelineEntry, error) {
	return n.store.NoteTimeline(ctx, contactID, after, limit)
}

// TimelinePage is one page of a contact's journey.
type TimelinePage struct {
	Items      []model.TimelineEntry `json:"items"`
	NextCursor string                `json:"next_cursor"`
}

// Timeline returns the contact's journey newest first: every source's
// entries merged in timeline order (time, then kind, then ref).
func (s *Service) Timeline(ctx context.Context, actor model.Actor, id int64, cursor string, limit int) (TimelinePage, error) {
	var after *store.TimelineCursor
	if cursor != "" {
		after = &store.TimelineCursor{}
		if err := page.Decode(cursor, after); err != nil {
			return TimelinePage{}, err
		}
		if after.Kind == "" || after.Ref <= 0 {
			return TimelinePage{}, apperr.Field("cursor", "is not a cursor this server gave out")
		}
	}
	if _, err := s.Get(ctx, actor, id); err != nil {
		return TimelinePage{}, err
	}
	var all []model.TimelineEntry
	more := false
	for _, src := range s.sources {
		got, err := src.Entries(ctx, actor, id, after, limit)
		if err != nil {
			return TimelinePage{}, err
		}
		more = more || len(got) == limit
		all = append(all, got...)
	}
	sort.SliceStable(all, func(i, j int) bool { return timelineBefore(all[i], all[j]) })
	if len(all) > limit {
		all, more = all[:limit], true
	}
	p := TimelinePage{Items: all}
	if p.Items == nil {
		p.Items = []model.TimelineEntry{}
	}
	if more && len(all) > 0 {
		last := all[len(all)-1]
		p.NextCursor = page.Encode(store.TimelineCursor{At: store.Millis(last.At), Kind: last.Kind, Ref: last.Ref})
	}
	return p, nil
}

// timelineBefore orders entries newest first, then by kind, then newest ref.
func timelineBefore(a, b model.TimelineEntry) bool {
	at, bt := store.Millis(a.At), store.Millis(b.At)
	if at != bt {
		return at > bt
	}
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	return a.Ref > b.Ref
}

// Duplicates suggests contacts that are probably the same person: another
// contact with the same email (ignoring +tags, and dots at Gmail) or the
// same phone number (by its last nine digits, ignoring formatting).
func (s *Service) Duplicates(ctx context.Context, actor model.Actor, id int64) ([]store.Duplicate, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.store.DuplicateContacts(ctx, id, 20)
}
