package view

import (
	"testing"
	"time"
)

// The rules for serving a kept count, with the clock in the test's hands.
func TestCountCacheRules(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	k := countKey{view: 1}
	cheap := countEntry{n: 7, lastEvent: 10, countedAt: t0, cost: time.Millisecond}
	costly := countEntry{n: 7, lastEvent: 10, countedAt: t0, cost: 80 * time.Millisecond}
	cases := []struct {
		name      string
		entry     countEntry
		lastEvent int64
		at        time.Duration
		served    bool
	}{
		{"nothing changed", cheap, 10, 10 * time.Second, true},
		{"nothing changed, too old", cheap, 10, countKeepFor, false},
		{"changed, cheap to count", cheap, 11, 100 * time.Millisecond, false},
		{"changed a little, costly, within the fresh window", costly, 11, countFreshFor - time.Millisecond, false},
		{"changed a lot, costly, within the fresh window", costly, 10 + busyChanges, countFreshFor - time.Millisecond, true},
		{"changed a lot, costly, after the fresh window", costly, 10 + busyChanges, countFreshFor, false},
		{"clock went back", costly, 10, -time.Second, false},
	}
	for _, c := range cases {
		cc := newCountCache()
		cc.put(k, c.entry)
		if _, ok := cc.get(k, c.lastEvent, t0.Add(c.at)); ok != c.served {
			t.Errorf("%s: served %v, want %v", c.name, ok, c.served)
		}
		if _, ok := cc.get(countKey{view: 2}, c.lastEvent, t0); ok {
			t.Errorf("%s: another view's count was served", c.name)
		}
	}
}
