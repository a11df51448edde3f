package report

import (
	"context"
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
	cals  calendars
}

// New returns a report service; now is the clock (tests move it).
func New(st *store.Store, now func() time.Time) *Service {
	return &Service{store: st, now: now}
}

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
	return s.summary(ctx, actor, q)
}

// Series computes volume and backlog per q.Interval bucket in q.Location.
func (s *Service) Series(ctx context.Context, actor model.Actor, q Query) (Series, error) {
	return s.series(ctx, actor, q)
}

// BusiestHours counts conversations created per weekday and hour.
func (s *Service) BusiestHours(ctx context.Context, actor model.Actor, q Query) (BusiestHours, error) {
	return s.busiest(ctx, actor, q)
}

// Drill lists the conversations behind one number of Summary.
func (s *Service) Drill(ctx context.Context, actor model.Actor, q DrillQuery) (Drill, error) {
	return s.drill(ctx, actor, q)
}

// Conversations streams one row per conversation created in q's period
// (filters apply; GroupBy does not), ascending by id, to fn; memory stays
// flat however many rows there are.
func (s *Service) Conversations(ctx context.Context, actor model.Actor, q Query, fn func(ConversationRow) error) error {
	return s.conversations(ctx, actor, q, fn)
}

// WriteConversationsCSV streams the per-conversation export as CSV with a
// ConversationColumns header.
func (s *Service) WriteConversationsCSV(ctx context.Context, actor model.Actor, q Query, w io.Writer) error {
	return writeConversationsCSV(ctx, s, actor, q, w)
}

// WriteSummaryCSV writes a summary's aggregates as CSV: one row per group
// (or one "all" row) and metric statistic, current and previous side by side.
func WriteSummaryCSV(w io.Writer, s Summary) error {
	return writeSummaryCSV(w, s)
}
