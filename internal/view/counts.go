package view

import (
	"slices"
	"sync"
	"time"

	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
)

// countCache keeps view counts between sidebar loads. A sidebar asks for
// every view's count on each page and each live update, and at a million
// conversations a count that reads tags or contacts costs tens of
// milliseconds. A kept count is served while
//   - no conversation has changed since it was counted (the newest event
//     id is the same), so it is exact, or
//   - it cost more than cheapCount to count, is younger than freshFor, and
//     at least busyChanges events have happened since: while conversations
//     keep changing fast, each such view is counted at most once per
//     freshFor per node, however many agents load the sidebar. A cheap
//     count, or one after a few changes, is counted again at once, so a
//     small or quiet helpdesk always sees exact counts (a sidebar that
//     reloads after a change would otherwise keep the old one until the
//     next change),
//
// and never once it is older than keepFor: time alone changes some counts
// (a snooze ends) and so do changes that write no conversation event (a
// contact's type, inbox membership).
type countCache struct {
	mu       sync.Mutex
	entries  map[countKey]countEntry
	freshFor time.Duration
	keepFor  time.Duration
}

// countKey names one count: the view as last saved, and whose it is. Admins
// and supervisors see every conversation, so they share the counts of
// views that do not say "me".
type countKey struct {
	view, saved, user int64
}

type countEntry struct {
	n         int
	capped    bool
	lastEvent int64
	countedAt time.Time
	cost      time.Duration
}

// Defaults for the count cache (docs/triage.md).
const (
	countFreshFor = 2 * time.Second
	countKeepFor  = 30 * time.Second
	cheapCount    = 5 * time.Millisecond
	busyChanges   = 20
)

func newCountCache() *countCache {
	return &countCache{entries: map[countKey]countEntry{}, freshFor: countFreshFor, keepFor: countKeepFor}
}

func keyFor(actor model.Actor, v View) countKey {
	k := countKey{view: v.ID, saved: v.UpdatedAt.UnixNano(), user: actor.UserID}
	if actor.Role.SeesAll() && !mentionsMe(v.Filter) {
		k.user = 0
	}
	return k
}

// get returns a kept count that may still be shown.
func (c *countCache) get(k countKey, lastEvent int64, now time.Time) (countEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok {
		return e, false
	}
	age := now.Sub(e.countedAt)
	if age < 0 || age >= c.keepFor || (e.lastEvent != lastEvent && (age >= c.freshFor || e.cost < cheapCount || lastEvent-e.lastEvent < busyChanges)) {
		return e, false
	}
	return e, true
}

func (c *countCache) put(k countKey, e countEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) > 10000 {
		// Views edited or deleted leave entries behind; start over
		// rather than track them.
		clear(c.entries)
	}
	c.entries[k] = e
}

// mentionsMe reports whether a filter depends on who asks ("me").
func mentionsMe(f conversation.FilterSpec) bool {
	groups := append([]map[string][]string{f.Keys}, f.Any...)
	for _, g := range groups {
		for _, values := range g {
			if slices.Contains(values, "me") {
				return true
			}
		}
	}
	return false
}
