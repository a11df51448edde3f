// Package view manages saved views: a named filter and sort, private to
// its owner, shared with a team, or shared with everyone, ordered in the
// sidebar and shown with a live count.
package view

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// CountLimit is where view counts stop counting ("1000+"), so twenty
// views cost twenty bounded queries however many conversations match.
const CountLimit = 1000

// The visibilities.
const (
	Private  = "private"
	Team     = "team"
	Everyone = "everyone"
)

// View is a saved view as the API shows it.
type View struct {
	ID         int64                   `json:"id"`
	Name       string                  `json:"name"`
	OwnerID    int64                   `json:"owner_id"`
	Visibility string                  `json:"visibility"`
	TeamID     *int64                  `json:"team_id"`
	Filter     conversation.FilterSpec `json:"filter"`
	Sort       string                  `json:"sort"`
	Position   int                     `json:"position"`
	// Count is how many conversations the view shows the caller, up to
	// CountLimit; CountCapped says the real number is larger.
	Count       *int      `json:"count,omitempty"`
	CountCapped bool      `json:"count_capped,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Request creates a view; every field is needed but position and team_id.
type Request struct {
	Name       string                   `json:"name"`
	Filter     *conversation.FilterSpec `json:"filter"`
	Sort       string                   `json:"sort"`
	Visibility string                   `json:"visibility"`
	TeamID     *int64                   `json:"team_id"`
	Position   *int                     `json:"position"`
}

// Patch changes a view; absent fields stay as they are.
type Patch struct {
	Name       *string                  `json:"name"`
	Filter     *conversation.FilterSpec `json:"filter"`
	Sort       *string                  `json:"sort"`
	Visibility *string                  `json:"visibility"`
	TeamID     model.Nullable[int64]    `json:"team_id"`
	Position   *int                     `json:"position"`
}

// Service holds the view commands.
type Service struct {
	store         *store.Store
	conversations *conversation.Service
	now           func() time.Time
	counts        *countCache
}

// New returns a view service and lets the conversation list take view=ID.
func New(st *store.Store, conversations *conversation.Service, now func() time.Time) *Service {
	s := &Service{store: st, conversations: conversations, now: now, counts: newCountCache()}
	conversations.SetViews(s)
	return s
}

func toView(v store.View) (View, error) {
	out := View{ID: v.ID, Name: v.Name, OwnerID: v.OwnerID, Visibility: v.Visibility, TeamID: v.TeamID, Sort: v.Sort,
		Position: v.Position, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
	return out, json.Unmarshal([]byte(v.Filter), &out.Filter)
}

// mayUse reports whether the actor sees the view.
func (s *Service) mayUse(ctx context.Context, actor model.Actor, v store.View) (bool, error) {
	switch v.Visibility {
	case Everyone:
		return true, nil
	case Team:
		if actor.Role.SeesAll() {
			return true, nil
		}
		return s.store.IsTeamMember(ctx, *v.TeamID, actor.UserID)
	}
	return v.OwnerID == actor.UserID, nil
}

// mayEdit: owners edit their views; admins and supervisors edit shared ones.
func mayEdit(actor model.Actor, v store.View) bool {
	return v.OwnerID == actor.UserID || (v.Visibility != Private && actor.Role.SeesAll())
}

// checkSharing says whether the actor may give a view this visibility.
func (s *Service) checkSharing(ctx context.Context, tx *store.Tx, actor model.Actor, visibility string, teamID *int64) error {
	switch visibility {
	case Private:
		if teamID != nil {
			return apperr.Field("team_id", "only team views have a team")
		}
	case Team:
		if teamID == nil {
			return apperr.Field("team_id", "a team view needs a team")
		}
		ok, err := tx.TeamExists(ctx, *teamID)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.Field("team_id", "no such team")
		}
		if !actor.Role.SeesAll() {
			member, err := tx.IsTeamMember(ctx, *teamID, actor.UserID)
			if err != nil {
				return err
			}
			if !member {
				return apperr.Forbidden("you can share views only with teams you belong to")
			}
		}
	case Everyone:
		if teamID != nil {
			return apperr.Field("team_id", "only team views have a team")
		}
		if !actor.Role.SeesAll() {
			return apperr.Forbidden("only admins and supervisors share views with everyone")
		}
	default:
		return apperr.Field("visibility", "must be private, team or everyone")
	}
	return nil
}

func validName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", apperr.Field("name", "must be 1 to 100 characters")
	}
	return name, nil
}

// Create saves a new view.
func (s *Service) Create(ctx context.Context, actor model.Actor, req Request) (View, error) {
	name, err := validName(req.Name)
	if err != nil {
		return View{}, err
	}
	if req.Filter == nil {
		return View{}, apperr.Field("filter", "is required (an object of list keys, like {\"status\": [\"open\"]})")
	}
	if err := s.conversations.ValidateSpec(*req.Filter, req.Sort); err != nil {
		return View{}, err
	}
	if req.Visibility == "" {
		req.Visibility = Private
	}
	filter, err := json.Marshal(req.Filter)
	if err != nil {
		return View{}, err
	}
	v := store.View{Name: name, OwnerID: actor.UserID, Visibility: req.Visibility, TeamID: req.TeamID, Filter: string(filter),
		Sort: req.Sort, CreatedAt: s.now()}
	if req.Position != nil {
		v.Position = *req.Position
	}
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		if err := s.checkSharing(ctx, tx, actor, v.Visibility, v.TeamID); err != nil {
			return err
		}
		id, err := tx.CreateView(ctx, v)
		v.ID = id
		return err
	})
	if err != nil {
		return View{}, err
	}
	return s.Get(ctx, actor, v.ID)
}

// Get reads a view the actor may use.
func (s *Service) Get(ctx context.Context, actor model.Actor, id int64) (View, error) {
	v, err := s.store.ViewByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return View{}, apperr.NotFound("view")
	} else if err != nil {
		return View{}, err
	}
	ok, err := s.mayUse(ctx, actor, v)
	if err != nil {
		return View{}, err
	}
	if !ok {
		return View{}, apperr.NotFound("view")
	}
	return toView(v)
}

// List returns the views the actor may use, in sidebar order, each with
// its count when counts is set.
func (s *Service) List(ctx context.Context, actor model.Actor, counts bool) ([]View, error) {
	return s.list(ctx, actor, counts, false)
}

// ListRecounted is List with every count counted afresh, none kept from
// before (a sidebar's "refresh").
func (s *Service) ListRecounted(ctx context.Context, actor model.Actor) ([]View, error) {
	return s.list(ctx, actor, true, true)
}

func (s *Service) list(ctx context.Context, actor model.Actor, counts, recount bool) ([]View, error) {
	rows, err := s.store.ListViews(ctx, actor.UserID, actor.Role.SeesAll())
	if err != nil {
		return nil, err
	}
	out := make([]View, 0, len(rows))
	for _, r := range rows {
		v, err := toView(r)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if !counts {
		return out, nil
	}
	lastEvent, err := s.store.LastEventID(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	// Counts are independent reads: a few at a time use both cores and
	// the reader pool instead of one after another.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(countParallelism)
	for i := range out {
		k := keyFor(actor, out[i])
		if e, ok := s.counts.get(k, lastEvent, now); ok && !recount {
			out[i].Count, out[i].CountCapped = &e.n, e.capped
			continue
		}
		g.Go(func() error {
			started := time.Now()
			if err := s.count(gctx, actor, &out[i]); err != nil || out[i].Count == nil {
				return err
			}
			s.counts.put(k, countEntry{n: *out[i].Count, capped: out[i].CountCapped, lastEvent: lastEvent, countedAt: now,
				cost: time.Since(started)})
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// countParallelism is how many view counts run at once.
const countParallelism = 4

func (s *Service) count(ctx context.Context, actor model.Actor, v *View) error {
	f, err := s.conversations.ParseFilter(ctx, actor, map[string][]string{"view": {itoa(v.ID)}})
	if err != nil {
		// A view whose filter no longer parses (a deleted team, say)
		// shows no count rather than breaking the sidebar.
		if apperr.KindOf(err) == apperr.KindInvalid {
			return nil
		}
		return err
	}
	n, capped, err := s.store.CountConversations(ctx, f, CountLimit)
	if err != nil {
		return err
	}
	v.Count, v.CountCapped = &n, capped
	return nil
}

// Update changes a view.
func (s *Service) Update(ctx context.Context, actor model.Actor, id int64, p Patch) (View, error) {
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		v, err := s.editable(ctx, tx, actor, id, "change")
		if err != nil {
			return err
		}
		if p.Name != nil {
			if v.Name, err = validName(*p.Name); err != nil {
				return err
			}
		}
		spec, sort := conversation.FilterSpec{}, v.Sort
		if err := json.Unmarshal([]byte(v.Filter), &spec); err != nil {
			return err
		}
		if p.Filter != nil {
			spec = *p.Filter
		}
		if p.Sort != nil {
			sort = *p.Sort
		}
		if err := s.conversations.ValidateSpec(spec, sort); err != nil {
			return err
		}
		b, err := json.Marshal(spec)
		if err != nil {
			return err
		}
		v.Filter, v.Sort = string(b), sort
		if p.Visibility != nil || p.TeamID.Set {
			if p.Visibility != nil {
				v.Visibility = *p.Visibility
			}
			if p.TeamID.Set {
				v.TeamID = p.TeamID.Ptr()
			}
			if err := s.checkSharing(ctx, tx, actor, v.Visibility, v.TeamID); err != nil {
				return err
			}
		}
		if p.Position != nil {
			v.Position = *p.Position
		}
		v.UpdatedAt = s.now()
		return tx.SaveView(ctx, v)
	})
	if err != nil {
		return View{}, err
	}
	return s.Get(ctx, actor, id)
}

// Delete removes a view.
func (s *Service) Delete(ctx context.Context, actor model.Actor, id int64) error {
	return s.store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.editable(ctx, tx, actor, id, "delete"); err != nil {
			return err
		}
		return tx.DeleteView(ctx, id)
	})
}

// editable loads a view the actor may see (others are not found) and may
// change (others are forbidden, saying what verb was refused).
func (s *Service) editable(ctx context.Context, tx *store.Tx, actor model.Actor, id int64, verb string) (store.View, error) {
	v, err := tx.ViewByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return v, apperr.NotFound("view")
	} else if err != nil {
		return v, err
	}
	if ok, err := s.mayUse(ctx, actor, v); err != nil {
		return v, err
	} else if !ok {
		return v, apperr.NotFound("view")
	}
	if !mayEdit(actor, v) {
		return v, apperr.Forbidden("only the owner, or an admin or supervisor for a shared view, may " + verb + " it")
	}
	return v, nil
}

// ViewFilter gives the conversation list a view's filter and sort.
func (s *Service) ViewFilter(ctx context.Context, actor model.Actor, id int64) (conversation.FilterSpec, string, error) {
	v, err := s.Get(ctx, actor, id)
	if err != nil {
		return conversation.FilterSpec{}, "", err
	}
	return v.Filter, v.Sort, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
