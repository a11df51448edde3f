// Package businesshours is a pure calendar: when a team is at work, in its
// own time zone, so that response-time targets can count only working time.
// It knows nothing of the database; a Schedule is checked and compiled into a
// Calendar, whose arithmetic is correct across weekends, holidays, time
// zones and daylight-saving changes.
package businesshours

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // zones work even on hosts without /usr/share/zoneinfo

	"github.com/parley-hq/parley/internal/apperr"
)

// Interval is one stretch of working time within a day, as wall-clock
// times "HH:MM" in the schedule's zone; End may be "24:00" (midnight).
type Interval struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Schedule is the stored, human form of business hours.
type Schedule struct {
	// TimeZone is an IANA zone name such as "Europe/Berlin".
	TimeZone string `json:"time_zone"`
	// Week maps a weekday name ("monday" … "sunday") to its intervals;
	// a missing day is closed.
	Week map[string][]Interval `json:"week"`
	// Holidays are dates "YYYY-MM-DD" on which the team is closed all day.
	Holidays []string `json:"holidays"`
}

// Limits on what a schedule may hold.
const (
	MaxIntervalsPerDay = 12
	MaxHolidays        = 1000
)

// WeekdayNames are the keys of Schedule.Week, in time.Weekday order.
var WeekdayNames = [7]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// span is an interval in minutes since local midnight, [start, end).
type span struct{ start, end int }

// Calendar is a compiled schedule. A nil *Calendar counts every hour of
// every day (calendar hours), so callers need no special case.
type Calendar struct {
	loc      *time.Location
	days     [7][]span
	holidays map[civilDate]bool
}

type civilDate struct {
	y int
	m time.Month
	d int
}

func dateOf(t time.Time) civilDate {
	y, m, d := t.Date()
	return civilDate{y, m, d}
}

// Compile checks a schedule and builds its calendar. Every problem is
// reported at once, as a validation error naming the field.
func Compile(s Schedule) (*Calendar, error) {
	fields := map[string]string{}
	c := &Calendar{holidays: map[civilDate]bool{}}
	switch tz := strings.TrimSpace(s.TimeZone); {
	case tz == "":
		fields["time_zone"] = "is required: an IANA zone such as Europe/Berlin"
	case tz == "Local":
		fields["time_zone"] = "must name a zone, such as Europe/Berlin, not Local"
	default:
		loc, err := time.LoadLocation(tz)
		if err != nil {
			fields["time_zone"] = fmt.Sprintf("unknown time zone %q: use an IANA zone such as Europe/Berlin", tz)
		}
		c.loc = loc
	}
	open := 0
	for name, ivs := range s.Week {
		wd := slices.Index(WeekdayNames[:], name)
		key := "week." + name
		if wd < 0 {
			fields[key] = "unknown day: use monday … sunday"
			continue
		}
		if len(ivs) > MaxIntervalsPerDay {
			fields[key] = fmt.Sprintf("at most %d intervals a day", MaxIntervalsPerDay)
			continue
		}
		spans := make([]span, 0, len(ivs))
		for i, iv := range ivs {
			k := fmt.Sprintf("%s[%d]", key, i)
			a, okA := parseClock(iv.Start)
			b, okB := parseClock(iv.End)
			switch {
			case !okA || a == 24*60:
				fields[k+".start"] = "must be a time HH:MM from 00:00 to 23:59"
			case !okB:
				fields[k+".end"] = "must be a time HH:MM from 00:01 to 24:00"
			case b <= a:
				fields[k+".end"] = "must be after start (" + iv.Start + ")"
			default:
				spans = append(spans, span{a, b})
			}
		}
		slices.SortFunc(spans, func(x, y span) int { return x.start - y.start })
		for i := 1; i < len(spans); i++ {
			if spans[i].start < spans[i-1].end {
				fields[key] = fmt.Sprintf("intervals overlap: %s–%s and %s–%s",
					formatClock(spans[i-1].start), formatClock(spans[i-1].end), formatClock(spans[i].start), formatClock(spans[i].end))
			}
		}
		c.days[wd] = spans
		open += len(spans)
	}
	if open == 0 && len(fields) == 0 {
		fields["week"] = "needs at least one interval on at least one day"
	}
	if len(s.Holidays) > MaxHolidays {
		fields["holidays"] = fmt.Sprintf("at most %d holidays", MaxHolidays)
	}
	for i, h := range s.Holidays {
		d, err := time.Parse(time.DateOnly, strings.TrimSpace(h))
		if err != nil {
			fields[fmt.Sprintf("holidays[%d]", i)] = "must be a date YYYY-MM-DD"
			continue
		}
		c.holidays[dateOf(d)] = true
	}
	if len(fields) > 0 {
		return nil, apperr.Invalid("the business hours are not valid", fields)
	}
	return c, nil
}

func parseClock(s string) (int, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, false
	}
	return hh*60 + mm, true
}

func formatClock(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// Location is the calendar's zone (UTC for calendar hours).
func (c *Calendar) Location() *time.Location {
	if c == nil {
		return time.UTC
	}
	return c.loc
}

// windows returns the open instants of the local day starting on date,
// in order. Wall times are placed with time.Date, so a day that loses or
// gains an hour to daylight saving has that much less or more working time
// when an interval spans the change.
func (c *Calendar) windows(date civilDate) [][2]time.Time {
	if c.holidays[date] {
		return nil
	}
	midnight := time.Date(date.y, date.m, date.d, 0, 0, 0, 0, c.loc)
	spans := c.days[midnight.Weekday()]
	out := make([][2]time.Time, 0, len(spans))
	for _, s := range spans {
		a := time.Date(date.y, date.m, date.d, s.start/60, s.start%60, 0, 0, c.loc)
		b := time.Date(date.y, date.m, date.d, s.end/60, s.end%60, 0, 0, c.loc)
		if b.After(a) {
			out = append(out, [2]time.Time{a, b})
		}
	}
	return out
}

func nextDate(d civilDate) civilDate {
	return dateOf(time.Date(d.y, d.m, d.d+1, 12, 0, 0, 0, time.UTC))
}

// maxDays bounds every walk through the calendar; a valid schedule has
// working time every week, so only absurd holiday lists come near it.
const maxDays = 20 * 366

// IsOpen reports whether t falls within working time.
func (c *Calendar) IsOpen(t time.Time) bool {
	if c == nil {
		return true
	}
	t = t.In(c.loc)
	for _, w := range c.windows(dateOf(t)) {
		if !t.Before(w[0]) && t.Before(w[1]) {
			return true
		}
	}
	return false
}

// Add returns the instant at which d of working time has passed after t.
// Time outside working hours does not count; from a closed moment the count
// starts at the next opening. Adding zero returns t.
func (c *Calendar) Add(t time.Time, d time.Duration) time.Time {
	if c == nil || d <= 0 {
		return t.Add(max(d, 0))
	}
	local := t.In(c.loc)
	date := dateOf(local)
	for range maxDays {
		for _, w := range c.windows(date) {
			if !w[1].After(local) {
				continue
			}
			start := w[0]
			if local.After(start) {
				start = local
			}
			if avail := w[1].Sub(start); d <= avail {
				return start.Add(d).In(t.Location())
			} else {
				d -= avail
			}
		}
		date = nextDate(date)
	}
	return t.Add(time.Duration(maxDays) * 24 * time.Hour)
}

// Between returns the working time from a to b; zero when b is not after a.
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	if c == nil {
		return b.Sub(a)
	}
	a, b = a.In(c.loc), b.In(c.loc)
	var total time.Duration
	last := dateOf(b)
	for date, n := dateOf(a), 0; n < maxDays; date, n = nextDate(date), n+1 {
		for _, w := range c.windows(date) {
			lo, hi := w[0], w[1]
			if a.After(lo) {
				lo = a
			}
			if b.Before(hi) {
				hi = b
			}
			if hi.After(lo) {
				total += hi.Sub(lo)
			}
		}
		if date == last {
			break
		}
	}
	return total
}
