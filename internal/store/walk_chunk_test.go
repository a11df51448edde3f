package store

import "testing"

// A walk's chunks grow to what the matches seen so far say is needed,
// never below the first chunk or above the bound.
func TestNextWalkChunk(t *testing.T) {
	for _, c := range []struct{ tested, matched, wanted, want int }{
		{256, 0, 50, 512},           // nothing yet: twice as many
		{1024, 0, 50, walkChunkMax}, // bounded
		{256, 40, 10, walkChunk},    // nearly full: the first chunk's size
		{2048, 80, 20, 614},         // 4% seen, 20 more: 512 and a fifth
		{768, 8, 42, walkChunkMax},  // 1% seen, 42 more: 4,838, bounded
	} {
		if got := nextWalkChunk(c.tested, c.matched, c.wanted); got != c.want {
			t.Errorf("nextWalkChunk(%d, %d, %d) = %d, want %d", c.tested, c.matched, c.wanted, got, c.want)
		}
	}
}
