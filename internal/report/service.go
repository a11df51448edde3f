package report

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// Service answers report queries from the fact tables.
type Service struct {
	store *store.Store
	now   func() time.Time
}

// New returns a report service; now is the clock (tests move it).
func New(st *store.Store, now func() time.Time) *Service {
	return &Service{store: st, now: now}
}

// errNotYet marks a method whose body is still being written.
var errNotYet = errors.New("report: not implemented yet")

// CanRead reports whether the actor may read reports: admins and
// supervisors may; agents may not (as in Zendesk and Help Scout, where
// reports are a manager's tool and an agent's view of colleagues' numbers
// is opt-in). The error is a Forbidden apperr.
func CanRead(actor model.Actor) error {
	if actor.Role.SeesAll() {
		return nil
	}
	return apperr.Forbidden("reports are for supervisors and admins")
}

// Summary computes every metric for q's period and the previous period of
// equal length, grouped by q.GroupBy when set.
func (s *Service) Summary(ctx context.Context, actor model.Actor, q Query) (Summary, error) {
	return Summary{}, errNotYet
}

// Series computes volume and backlog per q.Interval bucket in q.Location.
func (s *Service) Series(ctx context.Context, actor model.Actor, q Query) (Series, error) {
	return Series{}, errNotYet
}

// BusiestHours counts conversations created per weekday and hour.
func (s *Service) BusiestHours(ctx context.Context, actor model.Actor, q Query) (BusiestHours, error) {
	return BusiestHours{}, errNotYet
}

// Drill lists the conversations behind one number of Summary.
func (s *Service) Drill(ctx context.Context, actor model.Actor, q DrillQuery) (Drill, error) {
	return Drill{}, errNotYet
}

// Conversations streams one row per conversation created in q's period
// (filters apply; GroupBy does not), ascending by id, to fn; memory stays
// flat however many rows there are.
func (s *Service) Conversations(ctx context.Context, actor model.Actor, q Query, fn func(ConversationRow) error) error {
	return errNotYet
}

// WriteConversationsCSV streams the per-conversation export as CSV with a
// ConversationColumns header.
func (s *Service) WriteConversationsCSV(ctx context.Context, actor model.Actor, q Query, w io.Writer) error {
	return errNotYet
}

// WriteSummaryCSV writes a summary's aggregates as CSV: one row per group
// (or one "all" row) and metric statistic, current and previous side by side.
func WriteSummaryCSV(w io.Writer, s Summary) error {
	return errNotYet
}

// Rebuild recomputes every fact row from the event log and the stored
// facts (messages, surveys, SLA outcomes), replacing what is there; it
// returns how many conversations it read.
func (s *Service) Rebuild(ctx context.Context) (int, error) {
	return 0, errNotYet
}

// Dashboard reads the live state: counts by status and priority, who has
// waited longest, SLA at risk, agents and their load.
func (s *Service) Dashboard(ctx context.Context, actor model.Actor) (Dashboard, error) {
	return Dashboard{}, errNotYet
}
