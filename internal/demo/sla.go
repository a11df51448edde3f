package demo

import (
	"context"
	"time"

	"github.com/parley-hq/parley/internal/businesshours"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/sla"
)

// makeSLA gives the demo office hours and a standard SLA policy before any
// conversation arrives, so every conversation runs its clocks and the web
// app shows countdowns (and, for old open ones, breaches).
func (s *seeder) makeSLA(ctx context.Context) error {
	week := map[string][]businesshours.Interval{}
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday"} {
		week[d] = []businesshours.Interval{{Start: "08:00", End: "18:00"}}
	}
	name, zone := "Office hours", "Europe/Berlin"
	hours, err := s.sla.CreateBusinessHours(ctx, s.admin, sla.BusinessHoursRequest{Name: &name, TimeZone: &zone, Week: week,
		Holidays: []string{"2026-12-25", "2026-12-26", "2027-01-01"}})
	if err != nil {
		return err
	}
	h := func(n time.Duration) time.Duration { return n * time.Hour }
	policy, warn := "Standard", "20%"
	_, err = s.sla.CreatePolicy(ctx, s.admin, sla.PolicyRequest{Name: &policy,
		FirstResponse:   &sla.Targets{h(8), h(4), h(2), h(1)},
		NextResponse:    &sla.Targets{h(10), h(8), h(4), h(2)},
		Resolution:      &sla.Targets{h(100), h(50), h(30), h(20)},
		BusinessHoursID: nullable(hours.ID), WarnBefore: &warn})
	return err
}

func nullable(id int64) model.Nullable[int64] { return model.Nullable[int64]{Set: true, Value: id} }
