// Package dashboard answers "what is happening now" for supervisors: the
// unresolved conversations by status and priority, who has waited
// longest, which SLAs are breached or about to be, and each agent's
// availability and load. Every number is read live from indexes that hold
// only the unresolved conversations (store/dashboard.go), so a dashboard
// refreshed by every supervisor every few seconds stays cheap however
// long the history grows.
package dashboard

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/report"
	"github.com/parley-hq/parley/internal/store"
)

// Limits of the dashboard's lists.
const (
	// ListSize is how many conversations each list shows.
	ListSize = 10
	// RiskWindow is how far ahead an SLA due time counts as at risk.
	RiskWindow = time.Hour
)

// Statuses are the unresolved statuses, in the order a page shows them.
var Statuses = []string{"new", "open", "pending"}

// Priorities are the priorities, most urgent first.
var Priorities = []string{"urgent", "high", "normal", "low"}

// Live is the dashboard: report.Dashboard (the contract the reports
// package publishes) plus the totals the page links to.
type Live struct {
	report.Dashboard
	// Open is every unresolved conversation.
	Open int64 `json:"open"`
	// ByStatusPriority[status][priority] counts unresolved conversations.
	ByStatusPriority map[string]map[string]int64 `json:"by_status_priority"`
	// Unassigned counts unresolved conversations with no assignee.
	Unassigned int64 `json:"unassigned"`
	// Waiting counts unresolved conversations with an unanswered
	// customer message; WaitingLongest lists the first of them.
	Waiting int64 `json:"waiting"`
	// SLABreached counts those past their SLA due time, SLADueSoon those
	// due within RiskWindow; SLAAtRisk lists the first of both.
	SLABreached int64 `json:"sla_breached"`
	SLADueSoon  int64 `json:"sla_due_soon"`
	// AgentsAvailable counts the available users of Agents.
	AgentsAvailable int `json:"agents_available"`
}

// Service reads the dashboard.
type Service struct {
	store *store.Store
	now   func() time.Time
}

// New returns the dashboard service.
func New(st *store.Store, now func() time.Time) *Service { return &Service{store: st, now: now} }

// Live reads the dashboard now. Only supervisors and admins may: the
// dashboard shows every inbox and every colleague's load, which an agent
// (who sees only their inboxes) may not (docs/reports.md).
func (s *Service) Live(ctx context.Context, actor model.Actor) (Live, error) {
	if err := report.CanRead(actor); err != nil {
		return Live{}, err
	}
	now := s.now().UTC()
	d := Live{Dashboard: report.Dashboard{At: now, ByStatus: map[string]int64{}, ByPriority: map[string]int64{}},
		ByStatusPriority: map[string]map[string]int64{}}
	for _, st := range Statuses {
		d.ByStatus[st] = 0
		d.ByStatusPriority[st] = map[string]int64{}
		for _, p := range Priorities {
			d.ByStatusPriority[st][p] = 0
		}
	}
	for _, p := range Priorities {
		d.ByPriority[p] = 0
	}
	counts, err := s.store.CountOpen(ctx)
	if err != nil {
		return Live{}, err
	}
	load := map[int64]int64{}
	for _, c := range counts {
		p := model.Priority(c.Priority).String()
		d.Open += c.N
		d.ByStatus[c.Status] += c.N
		d.ByPriority[p] += c.N
		d.ByStatusPriority[c.Status][p] += c.N
		if c.AssigneeID == 0 {
			d.Unassigned += c.N
		} else {
			load[c.AssigneeID] += c.N
		}
	}
	waiting, n, err := s.store.WaitingLongest(ctx, ListSize)
	if err != nil {
		return Live{}, err
	}
	d.WaitingLongest, d.Waiting = rows(waiting), n
	risk, breached, soon, err := s.store.SLAAtRisk(ctx, now, now.Add(RiskWindow), ListSize)
	if err != nil {
		return Live{}, err
	}
	d.SLAAtRisk, d.SLABreached, d.SLADueSoon = rows(risk), breached, soon
	d.Agents = []report.AgentLoad{}
	for after := int64(0); ; {
		users, err := s.store.ListUsers(ctx, after, 500)
		if err != nil {
			return Live{}, err
		}
		for _, u := range users {
			d.Agents = append(d.Agents, report.AgentLoad{ID: u.ID, Name: u.Name, Available: u.Available, Capacity: u.Capacity, Open: load[u.ID]})
			if u.Available {
				d.AgentsAvailable++
			}
		}
		if len(users) < 500 {
			break
		}
		after = users[len(users)-1].ID
	}
	// The busiest first: "who is overloaded" reads from the top.
	slices.SortStableFunc(d.Agents, func(a, b report.AgentLoad) int {
		return cmp.Or(cmp.Compare(b.Open, a.Open), cmp.Compare(a.Name, b.Name))
	})
	return d, nil
}

func rows(rs []store.DashboardRow) []report.Waiting {
	out := make([]report.Waiting, 0, len(rs))
	for _, r := range rs {
		out = append(out, report.Waiting{ID: r.ID, Subject: r.Subject, Status: r.Status, AssigneeID: r.AssigneeID,
			Since: r.WaitingSince, DueAt: r.SLADueAt})
	}
	return out
}
