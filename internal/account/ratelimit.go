package account

import (
	"sync"
	"time"
)

// limiter allows a fixed number of failed attempts per key in a sliding
// window; successes do not count, so a team behind one address can sign in.
// It is per process: behind a load balancer each node counts on its own,
// which still bounds guessing to nodes × limit per window.
type limiter struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	hits   map[string][]time.Time
}

func newLimiter(limit int, window time.Duration) *limiter {
	return &limiter{limit: limit, window: window, hits: map[string][]time.Time{}}
}

// blocked reports whether key has used up its attempts in the window.
func (l *limiter) blocked(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recent(key, now)) >= l.limit
}

// fail records a failed attempt for key.
func (l *limiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.hits) > 10_000 {
		l.sweep(now)
	}
	l.hits[key] = append(l.recent(key, now), now)
}

// recent drops key's attempts older than the window and returns the rest.
// The caller holds l.mu.
func (l *limiter) recent(key string, now time.Time) []time.Time {
	kept := l.hits[key][:0]
	for _, t := range l.hits[key] {
		if now.Sub(t) < l.window {
			kept = append(kept, t)
		}
	}
	if len(kept) == 0 {
		delete(l.hits, key)
		return nil
	}
	l.hits[key] = kept
	return kept
}

func (l *limiter) sweep(now time.Time) {
	for k, ts := range l.hits {
		if len(ts) == 0 || now.Sub(ts[len(ts)-1]) >= l.window {
			delete(l.hits, k)
		}
	}
}
