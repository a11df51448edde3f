package chat

import (
	"sync"
)

// StartsPerMinute bounds the new chats one address may start a minute, so
// a script cannot fill the contact list.
const StartsPerMinute = 30

// startLimiter counts new sessions per address per minute, per process.
type startLimiter struct {
	mu     sync.Mutex
	minute int64
	counts map[string]int
}

// AllowStart reports whether addr may start another chat now.
func (s *Service) AllowStart(addr string) bool {
	l := &s.limiter
	l.mu.Lock()
	defer l.mu.Unlock()
	if m := s.now().Unix() / 60; m != l.minute || l.counts == nil {
		l.minute, l.counts = m, map[string]int{}
	}
	l.counts[addr]++
	return l.counts[addr] <= StartsPerMinute
}
