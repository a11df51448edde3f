// Package digest sends the weekly summary email to the supervisors and
// admins who opted in (users.weekly_report): last week's report numbers
// beside the week before, and the live state of the helpdesk. A River
// periodic job (run by one elected node) fans out one job per recipient
// and week, unique by its arguments, and each records what it sent, so a
// restart, a retry or a second node never sends the same week twice.
package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/parley-hq/parley/internal/channel/email"
	"github.com/parley-hq/parley/internal/dashboard"
	"github.com/parley-hq/parley/internal/jobs"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/report"
	"github.com/parley-hq/parley/internal/store"
)

// Schedule is when the weekly summary goes out: a weekday and a time of
// day in a time zone.
type Schedule struct {
	Weekday  time.Weekday
	Hour     int
	Minute   int
	Location *time.Location
}

// DefaultSchedule is Monday 08:00 UTC.
var DefaultSchedule = Schedule{Weekday: time.Monday, Hour: 8, Location: time.UTC}

// ParseSchedule reads "monday 08:00" and an IANA zone name ("" is UTC).
func ParseSchedule(at, tz string) (Schedule, error) {
	s := DefaultSchedule
	if tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil || tz == "Local" {
			return s, fmt.Errorf("weekly report time zone %q: want an IANA name such as Europe/Berlin", tz)
		}
		s.Location = loc
	}
	if at == "" {
		return s, nil
	}
	day, clock, ok := strings.Cut(strings.ToLower(strings.TrimSpace(at)), " ")
	found := false
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if day == name || day == name[:3] {
			s.Weekday, found = d, true
		}
	}
	t, err := time.Parse("15:04", strings.TrimSpace(clock))
	if !ok || !found || err != nil {
		return s, fmt.Errorf("weekly report time %q: want a weekday and a time, such as \"monday 08:00\"", at)
	}
	s.Hour, s.Minute = t.Hour(), t.Minute()
	return s, nil
}

// Next is the first send time after t (River's PeriodicSchedule).
func (s Schedule) Next(t time.Time) time.Time {
	last := s.Last(t)
	next := time.Date(last.Year(), last.Month(), last.Day()+7, s.Hour, s.Minute, 0, 0, s.Location)
	return next
}

// Last is the latest send time at or before t. Dates are built in the
// zone, so a daylight-saving change keeps the wall-clock time.
func (s Schedule) Last(t time.Time) time.Time {
	l := t.In(s.Location)
	back := (int(l.Weekday()) - int(s.Weekday) + 7) % 7
	at := time.Date(l.Year(), l.Month(), l.Day()-back, s.Hour, s.Minute, 0, 0, s.Location)
	if at.After(t) {
		at = time.Date(l.Year(), l.Month(), l.Day()-back-7, s.Hour, s.Minute, 0, 0, s.Location)
	}
	return at
}

// Period is the week a send at sendAt reports: the seven days ending at
// the start of the send day, in the schedule's zone (for a Monday send,
// Monday to Sunday of the week before).
func (s Schedule) Period(sendAt time.Time) (from, to time.Time) {
	l := sendAt.In(s.Location)
	to = time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, s.Location)
	return to.AddDate(0, 0, -7), to
}

// CatchUp is how late a missed send still goes out: a node that was down
// at the send time sends when it comes back the same day, not days later.
const CatchUp = 24 * time.Hour

// WeekArgs fans out one week's summary to every recipient.
type WeekArgs struct {
	// Week is the first day of the reported period, "2006-01-02".
	Week string `json:"week"`
}

// Kind names the job in River.
func (WeekArgs) Kind() string { return "report.weekly" }

// SendArgs sends one week's summary to one user.
type SendArgs struct {
	UserID int64  `json:"user_id"`
	Week   string `json:"week"`
}

// Kind names the job in River.
func (SendArgs) Kind() string { return "report.weekly_send" }

// unique makes River keep one job per week (and per user and week) in
// any state, so a second node, a restart or a retried fan-out inserts none.
var unique = river.UniqueOpts{ByArgs: true}

// Service sends the weekly summaries.
type Service struct {
	store     *store.Store
	jobs      *jobs.Queue
	reports   *report.Service
	dashboard *dashboard.Service
	email     *email.Channel
	schedule  Schedule
	now       func() time.Time
	log       *slog.Logger
}

// New builds the service; Register adds its workers and periodic job.
func New(st *store.Store, q *jobs.Queue, reports *report.Service, dash *dashboard.Service, mail *email.Channel,
	schedule Schedule, now func() time.Time, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{store: st, jobs: q, reports: reports, dashboard: dash, email: mail, schedule: schedule, now: now,
		log: log.With("component", "weekly-report")}
}

// Register adds the workers and the weekly periodic job. It runs on start
// too, so a send missed while every node was down goes out on return
// (within CatchUp).
func (s *Service) Register(w *river.Workers) error {
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[WeekArgs]) error {
		return s.FanOut(ctx, j.Args.Week)
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[SendArgs]) error {
		return s.Send(ctx, j.Args.UserID, j.Args.Week)
	}))
	return s.jobs.AddPeriodic(river.NewPeriodicJob(s.schedule, func() (river.JobArgs, *river.InsertOpts) {
		week, ok := s.Due(s.now())
		if !ok {
			return nil, nil
		}
		return WeekArgs{Week: week}, &river.InsertOpts{UniqueOpts: unique}
	}, &river.PeriodicJobOpts{ID: "report.weekly", RunOnStart: true}))
}

// Due names the week whose summary is due at now, if one is (the last
// send time passed less than CatchUp ago).
func (s *Service) Due(now time.Time) (string, bool) {
	last := s.schedule.Last(now)
	if now.Sub(last) > CatchUp {
		return "", false
	}
	from, _ := s.schedule.Period(last)
	return from.Format(time.DateOnly), true
}

// FanOut queues one send per opted-in supervisor and admin.
func (s *Service) FanOut(ctx context.Context, week string) error {
	ids, err := s.store.WeeklyReportRecipients(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.jobs.Insert(ctx, SendArgs{UserID: id, Week: week}, &river.InsertOpts{UniqueOpts: unique, MaxAttempts: 6}); err != nil {
			return err
		}
	}
	return nil
}

// Send mails one week's summary to one user, unless it already went or
// the user opted out (or lost the role) since.
func (s *Service) Send(ctx context.Context, userID int64, week string) error {
	u, err := s.store.UserByID(ctx, userID)
	if store.IsErrNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if !u.WeeklyReport || !u.Role.SeesAll() {
		return nil
	}
	if sent, err := s.store.WeeklyReportSent(ctx, userID, week); err != nil || sent {
		return err
	}
	from, err := time.ParseInLocation(time.DateOnly, week, s.schedule.Location)
	if err != nil {
		return river.JobCancel(fmt.Errorf("week %q: %w", week, err))
	}
	text, err := s.Compose(ctx, u, from, from.AddDate(0, 0, 7))
	if err != nil {
		return err
	}
	err = s.email.SendNotice(ctx, email.Notice{To: u.Email, Subject: "Parley weekly summary: " + periodText(from, from.AddDate(0, 0, 7)),
		Text: text, Key: fmt.Sprintf("weekly.%s.%d", week, u.ID)})
	if errors.Is(err, email.ErrNoSender) {
		s.log.Warn("weekly summary not sent: no email inbox has an SMTP server", "user_id", u.ID, "week", week)
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	return s.store.MarkWeeklyReportSent(ctx, u.ID, week, s.now())
}

func periodText(from, to time.Time) string {
	return from.Format("2 Jan") + " – " + to.AddDate(0, 0, -1).Format("2 Jan 2006")
}

// Compose writes the summary as plain text: the week's numbers beside the
// week before (from the reports), then the helpdesk now (the dashboard).
func (s *Service) Compose(ctx context.Context, u model.User, from, to time.Time) (string, error) {
	actor := model.Actor{UserID: u.ID, Role: u.Role, Name: u.Name}
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s,\n\nhere is your helpdesk's week, %s (%s), beside the week before.\n\n", u.Name, periodText(from, to), s.schedule.Location)
	q := report.Query{From: from, To: to, Location: s.schedule.Location}
	sum, err := s.reports.Summary(ctx, actor, q)
	if err != nil {
		// The live numbers still help; the reports page shows the week once
		// the report can be computed.
		s.log.Warn("weekly summary without last week's report", "user_id", u.ID, "err", err)
		b.WriteString("Last week's report could not be computed; see the reports page.\n")
	} else {
		c, p := sum.Current, sum.Previous
		line := func(label, now, before string) {
			fmt.Fprintf(&b, "  %-28s %12s   (week before: %s)\n", label, now, before)
		}
		line("New conversations", count(c.Volume.New), count(p.Volume.New))
		line("Resolved", count(c.Volume.Resolved), count(p.Volume.Resolved))
		line("Reopened", count(c.Volume.Reopened), count(p.Volume.Reopened))
		line("First response, median", duration(c.FirstResponseTime.Median), duration(p.FirstResponseTime.Median))
		line("First response, 90th pct", duration(c.FirstResponseTime.P90), duration(p.FirstResponseTime.P90))
		line("Resolution time, median", duration(c.ResolutionTime.Median), duration(p.ResolutionTime.Median))
		line("CSAT, average of 5", ratio(c.CSAT.Average, 1), ratio(p.CSAT.Average, 1))
		for _, t := range []string{"first_response", "next_response", "resolution"} {
			if cur, ok := c.SLA[t]; ok && cur.Met+cur.Breached > 0 {
				line("SLA "+strings.ReplaceAll(t, "_", " ")+" met", percent(cur.Compliance), percent(p.SLA[t].Compliance))
			}
		}
	}
	d, err := s.dashboard.Live(ctx, actor)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "\nRight now:\n  Unresolved conversations: %d (%d unassigned)\n  Waiting for a reply: %d\n  SLA breached: %d, due within the hour: %d\n",
		d.Open, d.Unassigned, d.Waiting, d.SLABreached, d.SLADueSoon)
	b.WriteString("\nYou get this email because you turned on the weekly summary on Parley's reports page; turn it off there.\n")
	return b.String(), nil
}

func count(n int64) string { return fmt.Sprint(n) }

func duration(sec *float64) string {
	if sec == nil {
		return "—"
	}
	d := time.Duration(math.Round(*sec)) * time.Second
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh %dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd %dh", int(d.Hours()/24), int(d.Hours())%24)
}

func ratio(v *float64, prec int) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.*f", prec, *v)
}

func percent(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", *v*100)
}
