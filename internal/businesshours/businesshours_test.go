package businesshours

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/apperr"
)

func weekdays(ivs ...Interval) map[string][]Interval {
	w := map[string][]Interval{}
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday"} {
		w[d] = ivs
	}
	return w
}

func allWeek() map[string][]Interval {
	w := map[string][]Interval{}
	for _, d := range WeekdayNames {
		w[d] = []Interval{{"00:00", "24:00"}}
	}
	return w
}

func mustCompile(t *testing.T, s Schedule) *Calendar {
	t.Helper()
	c, err := Compile(s)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return c
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

var (
	nineToFive = []Interval{{"09:00", "17:00"}}
	berlin     = Schedule{TimeZone: "Europe/Berlin", Week: weekdays(nineToFive...), Holidays: []string{"2026-12-25"}}
	newYork    = Schedule{TimeZone: "America/New_York", Week: weekdays(nineToFive...)}
	lunch      = Schedule{TimeZone: "UTC", Week: weekdays(Interval{"09:00", "12:00"}, Interval{"13:00", "17:00"})}
	berlin247  = Schedule{TimeZone: "Europe/Berlin", Week: allWeek()}
	// Sunday 01:00–04:00 straddles both of Berlin's changes (2026-03-29
	// 02:00→03:00 and 2026-10-25 03:00→02:00).
	berlinNight = Schedule{TimeZone: "Europe/Berlin", Week: map[string][]Interval{"sunday": {{"01:00", "04:00"}}}}
)

// Every expected instant below was worked out by hand from the zone rules;
// the comment gives the local reading.
func TestAdd(t *testing.T) {
	cases := []struct {
		name  string
		sched Schedule
		from  string
		add   time.Duration
		want  string
	}{
		{"within the day", berlin, "2026-03-02T09:00:00Z" /* Mon 10:00 CET */, 2 * time.Hour, "2026-03-02T11:00:00Z"},
		{"before opening starts at nine", berlin, "2026-03-02T05:00:00Z" /* Mon 06:00 */, 30 * time.Minute, "2026-03-02T08:30:00Z"},
		{"over the night", berlin, "2026-03-02T15:00:00Z" /* Mon 16:00 */, 2 * time.Hour, "2026-03-03T09:00:00Z" /* Tue 10:00 */},
		{"ends exactly at closing", berlin, "2026-03-02T08:00:00Z" /* Mon 09:00 */, 8 * time.Hour, "2026-03-02T16:00:00Z"},
		{"a working week", berlin, "2026-03-02T08:00:00Z", 40 * time.Hour, "2026-03-06T16:00:00Z" /* Fri 17:00 */},
		{"over a weekend", berlin, "2026-03-06T15:00:00Z" /* Fri 16:00 */, 2 * time.Hour, "2026-03-09T09:00:00Z" /* Mon 10:00 */},
		{"from a Saturday", berlin, "2026-03-07T12:00:00Z", time.Hour, "2026-03-09T09:00:00Z" /* Mon 10:00 */},
		{"over the spring-forward weekend", berlin, "2026-03-27T15:00:00Z" /* Fri 16:00 CET */, 2 * time.Hour, "2026-03-30T08:00:00Z" /* Mon 10:00 CEST */},
		{"over the fall-back weekend", berlin, "2026-10-23T14:00:00Z" /* Fri 16:00 CEST */, 2 * time.Hour, "2026-10-26T09:00:00Z" /* Mon 10:00 CET */},
		{"over a holiday", berlin, "2026-12-24T15:00:00Z" /* Thu 16:00 */, 2 * time.Hour, "2026-12-28T09:00:00Z" /* Mon 10:00, Fri 25th closed */},
		{"new york spring forward", newYork, "2026-03-06T21:30:00Z" /* Fri 16:30 EST */, time.Hour, "2026-03-09T13:30:00Z" /* Mon 09:30 EDT */},
		{"new york fall back", newYork, "2026-10-30T20:30:00Z" /* Fri 16:30 EDT */, time.Hour, "2026-11-02T14:30:00Z" /* Mon 09:30 EST */},
		{"over lunch", lunch, "2026-03-02T11:30:00Z", time.Hour, "2026-03-02T13:30:00Z"},
		{"during lunch", lunch, "2026-03-02T12:15:00Z", 10 * time.Minute, "2026-03-02T13:10:00Z"},
		{"round the clock across spring forward", berlin247, "2026-03-28T11:00:00Z" /* Sat 12:00 CET */, 24 * time.Hour, "2026-03-29T11:00:00Z" /* Sun 13:00 CEST */},
		{"round the clock across fall back", berlin247, "2026-10-24T10:00:00Z" /* Sat 12:00 CEST */, 24 * time.Hour, "2026-10-25T10:00:00Z" /* Sun 11:00 CET */},
		{"night shift loses an hour in spring", berlinNight, "2026-03-29T00:00:00Z" /* Sun 01:00 CET */, 2 * time.Hour, "2026-03-29T02:00:00Z" /* 04:00 CEST: the shift is over */},
		{"night shift's third hour is a week on in spring", berlinNight, "2026-03-29T00:00:00Z", 3 * time.Hour, "2026-04-05T00:00:00Z" /* next Sun 02:00 CEST */},
		{"night shift gains an hour in autumn", berlinNight, "2026-10-24T23:00:00Z" /* Sun 01:00 CEST */, 4 * time.Hour, "2026-10-25T03:00:00Z" /* 04:00 CET */},
		{"zero", berlin, "2026-03-07T12:00:00Z", 0, "2026-03-07T12:00:00Z"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustCompile(t, tc.sched)
			got := c.Add(utc(tc.from), tc.add)
			if !got.Equal(utc(tc.want)) {
				t.Fatalf("Add(%s, %s) = %s (%s), want %s", tc.from, tc.add, got.UTC().Format(time.RFC3339), got.In(c.Location()), tc.want)
			}
		})
	}
}

func TestBetween(t *testing.T) {
	cases := []struct {
		name     string
		sched    Schedule
		from, to string
		want     time.Duration
	}{
		{"same day", berlin, "2026-03-02T09:00:00Z", "2026-03-02T11:30:00Z", 150 * time.Minute},
		{"over a weekend", berlin, "2026-03-06T15:00:00Z", "2026-03-09T09:00:00Z", 2 * time.Hour},
		{"over the spring-forward weekend", berlin, "2026-03-27T15:00:00Z", "2026-03-30T08:00:00Z", 2 * time.Hour},
		{"over a holiday", berlin, "2026-12-24T15:00:00Z", "2026-12-28T09:00:00Z", 2 * time.Hour},
		{"inside a closed stretch", berlin, "2026-03-07T01:00:00Z", "2026-03-08T23:00:00Z", 0},
		{"backwards", berlin, "2026-03-02T11:00:00Z", "2026-03-02T09:00:00Z", 0},
		{"round the clock spring Sunday is 23 hours", berlin247, "2026-03-28T23:00:00Z" /* Sun 00:00 CET */, "2026-03-29T22:00:00Z" /* Mon 00:00 CEST */, 23 * time.Hour},
		{"round the clock autumn Sunday is 25 hours", berlin247, "2026-10-24T22:00:00Z" /* Sun 00:00 CEST */, "2026-10-25T23:00:00Z" /* Mon 00:00 CET */, 25 * time.Hour},
		{"night shift in spring", berlinNight, "2026-03-28T00:00:00Z", "2026-03-30T00:00:00Z", 2 * time.Hour},
		{"night shift in autumn", berlinNight, "2026-10-24T00:00:00Z", "2026-10-26T00:00:00Z", 4 * time.Hour},
		{"new york over spring forward", newYork, "2026-03-06T21:30:00Z", "2026-03-09T13:30:00Z", time.Hour},
		{"lunch does not count", lunch, "2026-03-02T11:00:00Z", "2026-03-02T14:00:00Z", 2 * time.Hour},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustCompile(t, tc.sched)
			if got := c.Between(utc(tc.from), utc(tc.to)); got != tc.want {
				t.Fatalf("Between = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestIsOpen(t *testing.T) {
	c := mustCompile(t, berlin)
	cases := []struct {
		at   string
		want bool
	}{
		{"2026-03-02T08:00:00Z", true},  // Mon 09:00 CET: opening minute
		{"2026-03-02T07:59:00Z", false}, // Mon 08:59
		{"2026-03-02T16:00:00Z", false}, // Mon 17:00: closed at closing time
		{"2026-03-30T07:30:00Z", true},  // Mon 09:30 CEST (would be 08:30 in winter)
		{"2026-03-30T15:30:00Z", false}, // Mon 17:30 CEST
		{"2026-03-07T12:00:00Z", false}, // Saturday
		{"2026-12-25T10:00:00Z", false}, // holiday
	}
	for _, tc := range cases {
		if got := c.IsOpen(utc(tc.at)); got != tc.want {
			t.Errorf("IsOpen(%s) = %v, want %v", tc.at, got, tc.want)
		}
	}
	var always *Calendar
	if !always.IsOpen(utc("2026-03-07T12:00:00Z")) || always.Add(utc("2026-03-07T12:00:00Z"), time.Hour) != utc("2026-03-07T13:00:00Z") {
		t.Fatal("a nil calendar must count calendar hours")
	}
}

// Adding and measuring are inverses, whatever the start.
func TestAddThenBetween(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range []Schedule{berlin, newYork, lunch, berlin247, berlinNight} {
		c := mustCompile(t, s)
		for range 500 {
			from := utc("2026-01-01T00:00:00Z").Add(time.Duration(r.Int64N(int64(365 * 24 * time.Hour))))
			d := time.Duration(r.Int64N(int64(60*time.Hour))) / time.Minute * time.Minute
			to := c.Add(from, d)
			if got := c.Between(from, to); got != d {
				t.Fatalf("%s: Between(%s, Add(%s, %s)=%s) = %s", s.TimeZone, from, from, d, to, got)
			}
		}
	}
}

func TestBadSchedules(t *testing.T) {
	cases := []struct {
		name  string
		sched Schedule
		field string
	}{
		{"unknown zone", Schedule{TimeZone: "Europe/Atlantis", Week: weekdays(nineToFive...)}, "time_zone"},
		{"no zone", Schedule{Week: weekdays(nineToFive...)}, "time_zone"},
		{"overlap", Schedule{TimeZone: "UTC", Week: map[string][]Interval{"monday": {{"09:00", "13:00"}, {"12:00", "17:00"}}}}, "week.monday"},
		{"end before start", Schedule{TimeZone: "UTC", Week: map[string][]Interval{"monday": {{"17:00", "09:00"}}}}, "week.monday[0].end"},
		{"empty interval", Schedule{TimeZone: "UTC", Week: map[string][]Interval{"monday": {{"09:00", "09:00"}}}}, "week.monday[0].end"},
		{"bad time", Schedule{TimeZone: "UTC", Week: map[string][]Interval{"monday": {{"9am", "17:00"}}}}, "week.monday[0].start"},
		{"past midnight", Schedule{TimeZone: "UTC", Week: map[string][]Interval{"monday": {{"09:00", "24:30"}}}}, "week.monday[0].end"},
		{"unknown day", Schedule{TimeZone: "UTC", Week: map[string][]Interval{"funday": nineToFive}}, "week.funday"},
		{"never open", Schedule{TimeZone: "UTC"}, "week"},
		{"bad holiday", Schedule{TimeZone: "UTC", Week: weekdays(nineToFive...), Holidays: []string{"2026-02-30"}}, "holidays[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile(tc.sched)
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Kind != apperr.KindInvalid {
				t.Fatalf("Compile = %v, want a validation error", err)
			}
			if _, ok := ae.Fields[tc.field]; !ok {
				t.Fatalf("fields = %v, want one on %s", ae.Fields, tc.field)
			}
		})
	}
}
