package sla

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/businesshours"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// Scheduler inserts a job, in the caller's transaction, to run at an
// exact moment (jobs.Queue.InsertAtTx).
type Scheduler interface {
	InsertAtTx(ctx context.Context, tx *store.Tx, args river.JobArgs, at time.Time) error
}

// Service holds business hours, policies, clocks and escalation.
type Service struct {
	store         *store.Store
	conversations *conversation.Service
	jobs          Scheduler
	now           func() time.Time
	logger        *slog.Logger
	mail          Mailer
	// calendars caches compiled schedules by id and update time.
	mu        sync.Mutex
	calendars map[calendarKey]*businesshours.Calendar
	// policyCache holds the policies for policyTTL, so that the clocks
	// hook costs most commands no query at all; this node's own policy
	// changes clear it at once, another node's show within policyTTL.
	policyCache []Policy
	policyAt    time.Time
}

// policyTTL is how long a node keeps the policy list.
const policyTTL = time.Second

// cachedPolicies returns the policies, from the cache when it is fresh.
// The TTL runs on the wall clock, not the service's (tests move that).
func (s *Service) cachedPolicies(ctx context.Context, tx *store.Tx) ([]Policy, error) {
	s.mu.Lock()
	ps, at := s.policyCache, s.policyAt
	s.mu.Unlock()
	if !at.IsZero() && time.Since(at) < policyTTL {
		return ps, nil
	}
	ps, err := policies(ctx, tx.ListSLAPolicies)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.policyCache, s.policyAt = ps, time.Now()
	s.mu.Unlock()
	return ps, nil
}

// forgetPolicies drops the cached list after this node changed a policy.
func (s *Service) forgetPolicies() {
	s.mu.Lock()
	s.policyCache, s.policyAt = nil, time.Time{}
	s.mu.Unlock()
}

type calendarKey struct {
	id      int64
	updated int64
}

// New returns the SLA service and hooks its clocks into every
// conversation command.
func New(st *store.Store, conversations *conversation.Service, jobs Scheduler, now func() time.Time, logger *slog.Logger) *Service {
	s := &Service{store: st, conversations: conversations, jobs: jobs, now: now, logger: logger,
		calendars: map[calendarKey]*businesshours.Calendar{}}
	conversations.SetClocks(s)
	return s
}

func requireAdmin(actor model.Actor) error {
	if actor.Role != model.RoleAdmin {
		return apperr.Forbidden("only admins may change business hours and SLA policies")
	}
	return nil
}

// BusinessHours is a schedule as the API shows it, with the inboxes and
// teams it is assigned to.
type BusinessHours struct {
	ID int64 `json:"id"`
	businesshours.Schedule
	Name      string    `json:"name"`
	InboxIDs  []int64   `json:"inbox_ids"`
	TeamIDs   []int64   `json:"team_ids"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// BusinessHoursRequest creates or (with any subset) changes a schedule.
// InboxIDs and TeamIDs, when given, are the full sets assigned to it.
type BusinessHoursRequest struct {
	Name     *string                             `json:"name"`
	TimeZone *string                             `json:"time_zone"`
	Week     map[string][]businesshours.Interval `json:"week"`
	Holidays []string                            `json:"holidays"`
	InboxIDs *[]int64                            `json:"inbox_ids"`
	TeamIDs  *[]int64                            `json:"team_ids"`
}

func toBusinessHours(b store.BusinessHours, inboxes, teams map[int64]int64) (BusinessHours, error) {
	out := BusinessHours{ID: b.ID, Name: b.Name, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt,
		InboxIDs: []int64{}, TeamIDs: []int64{}}
	out.TimeZone = b.TimeZone
	if err := json.Unmarshal([]byte(b.Week), &out.Week); err != nil {
		return out, fmt.Errorf("business hours %d week: %w", b.ID, err)
	}
	if err := json.Unmarshal([]byte(b.Holidays), &out.Holidays); err != nil {
		return out, fmt.Errorf("business hours %d holidays: %w", b.ID, err)
	}
	for id, h := range inboxes {
		if h == b.ID {
			out.InboxIDs = append(out.InboxIDs, id)
		}
	}
	for id, h := range teams {
		if h == b.ID {
			out.TeamIDs = append(out.TeamIDs, id)
		}
	}
	sortIDs(out.InboxIDs)
	sortIDs(out.TeamIDs)
	return out, nil
}

func sortIDs(ids []int64) {
	for i := 1; i < len(ids); i++ {
		for j := i; j > 0 && ids[j] < ids[j-1]; j-- {
			ids[j], ids[j-1] = ids[j-1], ids[j]
		}
	}
}

// ListBusinessHours returns every schedule.
func (s *Service) ListBusinessHours(ctx context.Context, actor model.Actor) ([]BusinessHours, error) {
	rows, err := s.store.ListBusinessHours(ctx)
	if err != nil {
		return nil, err
	}
	inboxes, teams, err := s.store.BusinessHoursAssignments(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]BusinessHours, 0, len(rows))
	for _, r := range rows {
		b, err := toBusinessHours(r, inboxes, teams)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// GetBusinessHours reads one schedule.
func (s *Service) GetBusinessHours(ctx context.Context, actor model.Actor, id int64) (BusinessHours, error) {
	r, err := s.store.BusinessHoursByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return BusinessHours{}, apperr.NotFound("business hours")
	} else if err != nil {
		return BusinessHours{}, err
	}
	inboxes, teams, err := s.store.BusinessHoursAssignments(ctx)
	if err != nil {
		return BusinessHours{}, err
	}
	return toBusinessHours(r, inboxes, teams)
}

// CreateBusinessHours adds a schedule.
func (s *Service) CreateBusinessHours(ctx context.Context, actor model.Actor, req BusinessHoursRequest) (BusinessHours, error) {
	if err := requireAdmin(actor); err != nil {
		return BusinessHours{}, err
	}
	if req.Name == nil || req.TimeZone == nil || req.Week == nil {
		fields := map[string]string{}
		for k, missing := range map[string]bool{"name": req.Name == nil, "time_zone": req.TimeZone == nil, "week": req.Week == nil} {
			if missing {
				fields[k] = "is required"
			}
		}
		return BusinessHours{}, apperr.Invalid("the business hours are not valid", fields)
	}
	var id int64
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		row := store.BusinessHours{UpdatedAt: s.now()}
		if err := applyHours(&row, req); err != nil {
			return err
		}
		var err error
		if id, err = tx.CreateBusinessHours(ctx, row); errors.Is(err, store.ErrConflict) {
			return apperr.Field("name", "another schedule has this name")
		} else if err != nil {
			return err
		}
		return assignHours(ctx, tx, id, req)
	})
	if err != nil {
		return BusinessHours{}, err
	}
	return s.GetBusinessHours(ctx, actor, id)
}

// UpdateBusinessHours changes a schedule. Clocks already running keep
// their due times until their conversation next changes.
func (s *Service) UpdateBusinessHours(ctx context.Context, actor model.Actor, id int64, req BusinessHoursRequest) (BusinessHours, error) {
	if err := requireAdmin(actor); err != nil {
		return BusinessHours{}, err
	}
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		row, err := tx.BusinessHoursByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("business hours")
		} else if err != nil {
			return err
		}
		row.UpdatedAt = s.now()
		if err := applyHours(&row, req); err != nil {
			return err
		}
		if err := tx.UpdateBusinessHours(ctx, row); errors.Is(err, store.ErrConflict) {
			return apperr.Field("name", "another schedule has this name")
		} else if err != nil {
			return err
		}
		return assignHours(ctx, tx, id, req)
	})
	if err != nil {
		return BusinessHours{}, err
	}
	return s.GetBusinessHours(ctx, actor, id)
}

// DeleteBusinessHours removes a schedule no policy uses; inboxes and teams
// that had it lose it.
func (s *Service) DeleteBusinessHours(ctx context.Context, actor model.Actor, id int64) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.BusinessHoursByID(ctx, id); errors.Is(err, store.ErrNotFound) {
			return apperr.NotFound("business hours")
		} else if err != nil {
			return err
		}
		if err := assignHours(ctx, tx, id, BusinessHoursRequest{InboxIDs: &[]int64{}, TeamIDs: &[]int64{}}); err != nil {
			return err
		}
		err := tx.DeleteBusinessHours(ctx, id)
		if errors.Is(err, store.ErrReference) {
			return apperr.Conflict("an SLA policy counts in these business hours; change the policy first")
		}
		return err
	})
}

// applyHours validates the request's schedule fields onto row.
func applyHours(row *store.BusinessHours, req BusinessHoursRequest) error {
	var sched businesshours.Schedule
	sched.TimeZone = row.TimeZone
	if row.Week != "" {
		_ = json.Unmarshal([]byte(row.Week), &sched.Week)
		_ = json.Unmarshal([]byte(row.Holidays), &sched.Holidays)
	}
	fields := map[string]string{}
	if req.Name != nil {
		row.Name = strings.TrimSpace(*req.Name)
		if row.Name == "" || len(row.Name) > 100 {
			fields["name"] = "must be 1 to 100 characters"
		}
	}
	if req.TimeZone != nil {
		sched.TimeZone = strings.TrimSpace(*req.TimeZone)
	}
	if req.Week != nil {
		sched.Week = req.Week
	}
	if req.Holidays != nil {
		sched.Holidays = req.Holidays
	}
	if sched.Holidays == nil {
		sched.Holidays = []string{}
	}
	if _, err := businesshours.Compile(sched); err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			for k, v := range ae.Fields {
				fields[k] = v
			}
		} else {
			return err
		}
	}
	if len(fields) > 0 {
		return apperr.Invalid("the business hours are not valid", fields)
	}
	week, _ := json.Marshal(sched.Week)
	holidays, _ := json.Marshal(sched.Holidays)
	row.TimeZone, row.Week, row.Holidays = sched.TimeZone, string(week), string(holidays)
	return nil
}

// assignHours makes the request's inboxes and teams (when given) exactly
// the ones using schedule id.
func assignHours(ctx context.Context, tx *store.Tx, id int64, req BusinessHoursRequest) error {
	for _, x := range []struct {
		table, field string
		ids          *[]int64
	}{{"inboxes", "inbox_ids", req.InboxIDs}, {"teams", "team_ids", req.TeamIDs}} {
		if x.ids == nil {
			continue
		}
		if _, err := tx.ExecUnassignHours(ctx, x.table, id); err != nil {
			return err
		}
		for _, target := range *x.ids {
			err := tx.SetBusinessHoursOf(ctx, x.table, target, &id)
			if errors.Is(err, store.ErrNotFound) {
				return apperr.Field(x.field, fmt.Sprintf("no such %s: %d", strings.TrimSuffix(strings.TrimSuffix(x.table, "es"), "s"), target))
			} else if err != nil {
				return err
			}
		}
	}
	return nil
}

// calendar returns the compiled schedule of a policy (nil: calendar hours).
// hoursReader reads schedules: a transaction, or the store's read pool.
type hoursReader interface {
	BusinessHoursByID(ctx context.Context, id int64) (store.BusinessHours, error)
}

func (s *Service) calendar(ctx context.Context, tx hoursReader, id *int64) (*businesshours.Calendar, error) {
	if id == nil {
		return nil, nil
	}
	row, err := tx.BusinessHoursByID(ctx, *id)
	if err != nil {
		return nil, fmt.Errorf("business hours %d: %w", *id, err)
	}
	key := calendarKey{row.ID, store.Millis(row.UpdatedAt)}
	s.mu.Lock()
	cal, ok := s.calendars[key]
	s.mu.Unlock()
	if ok {
		return cal, nil
	}
	var sched businesshours.Schedule
	sched.TimeZone = row.TimeZone
	if err := json.Unmarshal([]byte(row.Week), &sched.Week); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(row.Holidays), &sched.Holidays); err != nil {
		return nil, err
	}
	if cal, err = businesshours.Compile(sched); err != nil {
		return nil, fmt.Errorf("business hours %d no longer compile: %w", row.ID, err)
	}
	s.mu.Lock()
	s.calendars[key] = cal
	s.mu.Unlock()
	return cal, nil
}

// IsOpen reports whether an inbox's (or, when teamID is set and has one,
// the team's) business hours are open at t; true without any schedule.
// Automation and acknowledgements ask it.
func (s *Service) IsOpen(ctx context.Context, inboxID int64, teamID *int64, t time.Time) (bool, error) {
	return s.isOpen(ctx, s.store, inboxID, teamID, t)
}

// hoursSource reads assignments and schedules: the store's read pool, or
// the caller's transaction.
type hoursSource interface {
	hoursReader
	BusinessHoursAssignments(ctx context.Context) (inboxes, teams map[int64]int64, err error)
}

func (s *Service) isOpen(ctx context.Context, src hoursSource, inboxID int64, teamID *int64, t time.Time) (bool, error) {
	inboxes, teams, err := src.BusinessHoursAssignments(ctx)
	if err != nil {
		return false, err
	}
	id, ok := inboxes[inboxID]
	if teamID != nil {
		if tid, tok := teams[*teamID]; tok {
			id, ok = tid, true
		}
	}
	if !ok {
		return true, nil
	}
	cal, err := s.calendar(ctx, src, &id)
	if err != nil {
		return false, err
	}
	return cal.IsOpen(t), nil
}

// WithinBusinessHoursTx is WithinBusinessHours read in the caller's
// transaction, for commands: they hold a connection already and must not
// wait for another.
func (s *Service) WithinBusinessHoursTx(ctx context.Context, tx *store.Tx, inboxID int64, at time.Time) (bool, error) {
	return s.isOpen(ctx, tx, inboxID, nil, at)
}

// WithinBusinessHours reports whether an inbox's business hours are open
// at a time (always, for an inbox without hours): the automation's
// "within business hours" condition and acknowledgement variable.
func (s *Service) WithinBusinessHours(ctx context.Context, inboxID int64, at time.Time) (bool, error) {
	return s.IsOpen(ctx, inboxID, nil, at)
}
