package dataset

import (
	"math"
	"math/rand/v2"
	"slices"
)

// fate is how people left a conversation; the jobs the service runs
// (auto-resolve, auto-close) then move it on with time.
type fate uint8

const (
	fateNew      fate = iota // nobody has answered yet
	fateOpen                 // being worked on
	fatePending              // an agent asked the customer something
	fateResolved             // an agent resolved it
	fateClosed               // an agent closed it outright
	fateSpam                 // closed unanswered: spam, duplicates
)

// Random streams, one per phase, so that changing one phase's draws
// leaves the others' alone.
const (
	streamSchedule = iota + 1
	streamContacts
	streamConversations
)

// schedule is the first pass over all conversations: when each starts,
// who writes it, how it ends, and how many messages it has. Knowing every
// count up front lets the total come out exact.
type schedule struct {
	at      []int64 // creation, ms, ascending
	contact []int32 // contact slot; ids are given in order of first contact
	fate    []fate
	msgs    []int32
}

// Hours of the day (UTC) and days of the week weigh arrivals: a European
// and American customer base writes in the day and less at weekends.
var (
	hourWeight    = [24]float64{.25, .2, .15, .12, .12, .15, .25, .45, .7, .85, .95, 1, 1, 1, 1, .95, .95, .9, .8, .7, .6, .5, .4, .3}
	weekdayWeight = [7]float64{.45, 1, 1, 1, 1, .95, .55} // Sunday first
)

// growth makes the end of the span 1+growth times as busy as its start.
const growth = 1.5

// day is a day in milliseconds, the unit of every stored time.
const day = int64(24 * 60 * 60 * 1000)

func newSchedule(opts Options) *schedule {
	r := rand.New(rand.NewPCG(opts.Seed, streamSchedule))
	n := opts.Conversations
	now := opts.Now.UnixMilli()
	span := int64(opts.Days) * day
	start := now - span
	s := &schedule{at: make([]int64, n), contact: make([]int32, n), fate: make([]fate, n), msgs: make([]int32, n)}
	for i := range s.at {
		for {
			// Inverse of the linearly growing density's CDF.
			u := r.Float64()
			x := (math.Sqrt(1+2*growth*u*(1+growth/2)) - 1) / growth
			t := start + int64(x*float64(span))
			d := t / day
			if t >= now-2*60_000 || r.Float64() >= weekdayWeight[(d+4)%7]*hourWeight[t%day/3_600_000] {
				continue
			}
			s.at[i] = t
			break
		}
	}
	slices.Sort(s.at)

	// Few contacts write often, most a few times: slot = C·u^1.5.
	c := float64(opts.Contacts)
	for i := range s.contact {
		s.contact[i] = int32(min(c-1, c*math.Pow(r.Float64(), 1.5)))
	}

	m := float64(opts.Messages)
	maxMsgs := int32(max(2, 6*opts.Messages))
	var total int64
	for i, t := range s.at {
		ageH := float64(now-t) / 3_600_000
		f := pickFate(r, ageH)
		s.fate[i] = f
		var k int32
		switch f {
		case fateNew:
			k = 1
			if r.IntN(4) == 0 {
				k = 2
			}
		case fateSpam:
			k = 1
		default:
			// Log-normal around the average: most threads are short, a few long.
			k = int32(math.Round(m * math.Exp(0.7*r.NormFloat64()-0.245)))
			k = min(max(k, 2), maxMsgs)
			if ageH < 48 {
				k = min(k, 2+int32(ageH*1.5))
			}
		}
		s.msgs[i] = k
		total += int64(k)
	}

	// Bring the total to exactly conversations × messages by adding or
	// removing messages in older, finished threads.
	diff := int64(n)*int64(opts.Messages) - total
	for tries := 20*abs(diff) + 1000; diff != 0 && tries > 0; tries-- {
		i := r.IntN(n)
		if s.fate[i] == fateNew || s.fate[i] == fateSpam || now-s.at[i] < 2*day {
			continue
		}
		switch {
		case diff > 0 && s.msgs[i] < maxMsgs:
			s.msgs[i]++
			diff--
		case diff < 0 && s.msgs[i] > 2:
			s.msgs[i]--
			diff++
		}
	}
	return s
}

// pickFate draws how a conversation of the given age was left. Young ones
// are still being worked on; old ones have almost all been finished, except
// a small backlog nobody got to.
func pickFate(r *rand.Rand, ageH float64) fate {
	var w [6]float64
	switch {
	case ageH < 24:
		w = [6]float64{40, 34, 12, 10, 2, 2}
	case ageH < 7*24:
		w = [6]float64{4, 18, 28, 40, 7, 3}
	default:
		w = [6]float64{0.05, 0.4, 14, 71.55, 11, 3}
	}
	return fate(weighted(r, w[:]))
}

// weighted picks an index with probability proportional to its weight.
func weighted(r *rand.Rand, w []float64) int {
	var sum float64
	for _, x := range w {
		sum += x
	}
	u := r.Float64() * sum
	for i, x := range w {
		if u < x {
			return i
		}
		u -= x
	}
	return len(w) - 1
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
