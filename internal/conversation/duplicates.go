package conversation

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/search"
	"github.com/parley-hq/parley/internal/store"
)

// duplicateWindow is how far apart two conversations may start and still
// look like one issue reported twice.
const duplicateWindow = 7 * 24 * time.Hour

// Duplicate is a conversation that looks like the same issue.
type Duplicate struct {
	model.Conversation
	// Similarity is the share of subject words the two have in common.
	Similarity float64 `json:"similarity"`
}

// Duplicates suggests conversations to merge with id: the same contact,
// still active, started within a week of each other, with similar
// subjects (or no subject), most similar first.
func (s *Service) Duplicates(ctx context.Context, actor model.Actor, id int64) ([]Duplicate, error) {
	c, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	out := []Duplicate{}
	if c.MergedIntoID != nil {
		return out, nil
	}
	f := store.ConversationFilter{Sort: "created", Desc: true, Limit: 50, Now: s.now()}
	f.ContactID = c.Contact.ID
	f.Statuses = []model.Status{model.StatusNew, model.StatusOpen, model.StatusPending}
	from, to := c.CreatedAt.Add(-duplicateWindow), c.CreatedAt.Add(duplicateWindow)
	f.CreatedAfter, f.CreatedBefore = &from, &to
	if !actor.Role.SeesAll() {
		f.VisibleTo = actor.UserID
	}
	candidates, err := s.store.ListConversations(ctx, f)
	if err != nil {
		return nil, err
	}
	for _, other := range candidates {
		if other.ID == c.ID || other.MergedIntoID != nil {
			continue
		}
		sim := similarity(c.Subject, other.Subject)
		if sim < 0.3 {
			continue
		}
		out = append(out, Duplicate{Conversation: other, Similarity: sim})
	}
	slices.SortStableFunc(out, func(a, b Duplicate) int {
		switch {
		case a.Similarity > b.Similarity:
			return -1
		case a.Similarity < b.Similarity:
			return 1
		}
		return 0
	})
	return out, nil
}

// similarity is the Jaccard index of two subjects' words, ignoring reply
// prefixes and short words; two empty subjects count as similar.
func similarity(a, b string) float64 {
	wa, wb := subjectWords(a), subjectWords(b)
	if len(wa) == 0 || len(wb) == 0 {
		if len(wa) == len(wb) {
			return 1
		}
		return 0.3
	}
	inter := 0
	for w := range wa {
		if wb[w] {
			inter++
		}
	}
	return float64(inter) / float64(len(wa)+len(wb)-inter)
}

func subjectWords(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range search.Words(s) {
		if len(w) < 3 || w == "re" || w == "fwd" || w == "the" || w == "and" {
			continue
		}
		out[strings.TrimSuffix(w, "s")] = true
	}
	return out
}
