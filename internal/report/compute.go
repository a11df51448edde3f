package report

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// acc accumulates the facts of one group in one period.
type acc struct {
	first, next, resolution, replies []float64
	reopened                         int64
	csat                             CSAT
	ratingSum                        int64
	sla                              map[string]*SLATarget
	vol                              Volume
}

// add counts one fact: its kind, its duration in the report's hours, its
// value, flag and SLA target.
func (a *acc) add(r *store.ReportMetricRow) {
	dur := func() (float64, bool) { return float64(r.MS.Int64) / 1000, r.MS.Valid }
	switch r.Kind {
	case factNew:
		a.vol.New++
	case factFirstResponse:
		if d, ok := dur(); ok {
			a.first = append(a.first, d)
		}
	case factNextResponse:
		if d, ok := dur(); ok {
			a.next = append(a.next, d)
		}
	case factResolution:
		a.vol.Resolved++
		if d, ok := dur(); ok {
			a.resolution = append(a.resolution, d)
		}
		if r.Value.Valid {
			a.replies = append(a.replies, float64(r.Value.Int64))
		}
		a.reopened += r.Flag
	case factReopened:
		a.vol.Reopened++
	case factMerged:
		a.vol.Merged++
	case factCSAT:
		a.csat.Sent++
		if v := r.Value.Int64; r.Value.Valid && v >= 1 && v <= 5 {
			a.csat.Answered++
			a.csat.Distribution[v-1]++
			a.ratingSum += v
		}
	case factSLA:
		if a.sla == nil {
			a.sla = map[string]*SLATarget{}
		}
		t := a.sla[r.Target]
		if t == nil {
			t = &SLATarget{}
			a.sla[r.Target] = t
		}
		if r.Flag == 1 {
			t.Met++
		} else {
			t.Breached++
		}
	}
}

func ratio(n, d int64) *float64 {
	if d == 0 {
		return nil
	}
	v := float64(n) / float64(d)
	return &v
}

// stat is count, mean, median (the mean of the two middle values when the
// count is even) and 90th percentile (nearest rank: the smallest value
// with at least 90% of the values at or below it).
func stat(v []float64) Stat {
	s := Stat{Count: int64(len(v))}
	if len(v) == 0 {
		return s
	}
	slices.Sort(v)
	var sum float64
	for _, x := range v {
		sum += x
	}
	avg := sum / float64(len(v))
	n := len(v)
	med := v[n/2]
	if n%2 == 0 {
		med = (v[n/2-1] + v[n/2]) / 2
	}
	p90 := v[int(math.Ceil(0.9*float64(n)))-1]
	s.Average, s.Median, s.P90 = &avg, &med, &p90
	return s
}

func (a *acc) metrics() Metrics {
	m := Metrics{
		FirstResponseTime:    stat(a.first),
		NextResponseTime:     stat(a.next),
		ResolutionTime:       stat(a.resolution),
		RepliesPerResolution: stat(a.replies),
		ReopenRate:           Rate{Numerator: a.reopened, Denominator: a.vol.Resolved, Value: ratio(a.reopened, a.vol.Resolved)},
		CSAT:                 a.csat,
		SLA:                  map[string]SLATarget{},
		Volume:               a.vol,
	}
	m.CSAT.ResponseRate = ratio(m.CSAT.Answered, m.CSAT.Sent)
	m.CSAT.Satisfied = ratio(m.CSAT.Distribution[3]+m.CSAT.Distribution[4], m.CSAT.Answered)
	if m.CSAT.Answered > 0 {
		avg := float64(a.ratingSum) / float64(m.CSAT.Answered)
		m.CSAT.Average = &avg
	}
	for k, t := range a.sla {
		t.Compliance = ratio(t.Met, t.Met+t.Breached)
		m.SLA[k] = *t
	}
	return m
}

func (f Filter) store() store.ReportFilter {
	return store.ReportFilter{InboxIDs: f.InboxIDs, TeamIDs: f.TeamIDs, AgentIDs: f.AgentIDs, Channels: f.Channels,
		Tags: f.Tags, CustomerTypes: f.CustomerTypes}
}

// groupKey is the key of a fact under a breakdown.
func groupKey(g GroupBy, f store.ReportFact) string {
	id := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	switch g {
	case GroupAgent:
		return id(f.AgentID)
	case GroupTeam:
		return id(f.TeamID)
	case GroupInbox:
		return strconv.FormatInt(f.InboxID, 10)
	case GroupChannel:
		return f.Channel
	case GroupTag:
		return f.Tag
	case GroupCustomerType:
		return f.CustomerType
	}
	return ""
}

// scan runs fn over the facts of [from, to) under q's filters, each fact
// once per group (several times when grouped by tag) with first set on
// the fact's first row, so that totals count it once.
func (s *Service) scan(ctx context.Context, q Query, from, to time.Time, kinds []string, fn func(f store.ReportFact, first bool) error) error {
	f := q.Filter.store()
	f.Kinds = kinds
	byTag := q.GroupBy == GroupTag
	var last struct {
		conv int64
		kind string
		seq  int64
	}
	return s.store.ScanReportFacts(ctx, store.Millis(from), store.Millis(to), f, byTag, func(r store.ReportFact) error {
		first := !byTag || r.ConversationID != last.conv || r.Kind != last.kind || r.Seq != last.seq
		last.conv, last.kind, last.seq = r.ConversationID, r.Kind, r.Seq
		return fn(r, first)
	})
}

func (s *Service) check(actor model.Actor, q *Query) error {
	if err := CanRead(actor); err != nil {
		return err
	}
	return q.Validate()
}

func (s *Service) summary(ctx context.Context, actor model.Actor, q Query) (Summary, error) {
	if err := s.check(actor, &q); err != nil {
		return Summary{}, err
	}
	prev := q.Previous()
	var total [2]acc
	var groups [2]map[string]*acc
	// The two periods are read at once, on two connections: each is one
	// ordered range of the facts' time index.
	g, gctx := errgroup.WithContext(ctx)
	for p, period := range []Period{{q.From, q.To}, prev} {
		groups[p] = map[string]*acc{}
		g.Go(func() error {
			var last struct {
				conv, seq int64
				kind      string
			}
			return s.store.ScanReportMetrics(gctx, store.Millis(period.From), store.Millis(period.To), q.Filter.store(),
				q.Hours == HoursBusiness, string(q.GroupBy), func(r *store.ReportMetricRow) error {
					// Grouped by tag, a fact comes once per tag, in a row;
					// the total counts it once.
					if q.GroupBy != GroupTag || r.ConversationID != last.conv || r.Kind != last.kind || r.Seq != last.seq {
						total[p].add(r)
					}
					last.conv, last.kind, last.seq = r.ConversationID, r.Kind, r.Seq
					if q.GroupBy != GroupNone {
						a := groups[p][r.Group]
						if a == nil {
							a = &acc{}
							groups[p][r.Group] = a
						}
						a.add(r)
					}
					return nil
				})
		})
	}
	if err := g.Wait(); err != nil {
		return Summary{}, err
	}
	out := Summary{
		Period: Period{From: q.From, To: q.To}, PreviousPeriod: prev, TimeZone: q.Location.String(),
		Hours: q.Hours, GroupBy: q.GroupBy, Current: total[0].metrics(), Previous: total[1].metrics(),
	}
	if q.GroupBy == GroupNone {
		return out, nil
	}
	labels, err := s.labeler(ctx, q.GroupBy)
	if err != nil {
		return Summary{}, err
	}
	out.Groups = []Group{}
	keys := map[string]bool{}
	for p := range groups {
		for k := range groups[p] {
			keys[k] = true
		}
	}
	for k := range keys {
		cur, old := groups[0][k], groups[1][k]
		if cur == nil {
			cur = &acc{}
		}
		if old == nil {
			old = &acc{}
		}
		out.Groups = append(out.Groups, Group{Key: k, Label: labels(k), Current: cur.metrics(), Previous: old.metrics()})
	}
	slices.SortFunc(out.Groups, func(a, b Group) int {
		// The "none" group last, the rest by name.
		if (a.Key == "") != (b.Key == "") {
			if a.Key == "" {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(a.Label, b.Label), cmp.Compare(a.Key, b.Key))
	})
	return out, nil
}

// labeler names group keys for people.
func (s *Service) labeler(ctx context.Context, g GroupBy) (func(string) string, error) {
	none := map[GroupBy]string{GroupAgent: "Unassigned", GroupTeam: "No team", GroupTag: "No tag"}[g]
	var names map[int64]string
	if g == GroupAgent || g == GroupTeam || g == GroupInbox {
		var err error
		if names, err = s.store.ReportNames(ctx, string(g)); err != nil {
			return nil, err
		}
	}
	return func(k string) string {
		if k == "" {
			return none
		}
		if names != nil {
			id, _ := strconv.ParseInt(k, 10, 64)
			if n, ok := names[id]; ok {
				return n
			}
			return "#" + k
		}
		return k
	}, nil
}

// bucketStart is the start of the bucket holding t, in loc.
func bucketStart(t time.Time, interval string, loc *time.Location) time.Time {
	t = t.In(loc)
	switch interval {
	case "hour":
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), 0, 0, 0, loc)
	case "week":
		d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
		return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7)) // weeks start on Monday
	case "month":
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

func nextBucket(t time.Time, interval string, loc *time.Location) time.Time {
	switch interval {
	case "hour":
		return t.Add(time.Hour)
	case "week":
		return bucketStart(t.AddDate(0, 0, 7), interval, loc)
	case "month":
		return bucketStart(t.AddDate(0, 1, 0), interval, loc)
	}
	return bucketStart(t.AddDate(0, 0, 1), interval, loc)
}

func (s *Service) series(ctx context.Context, actor model.Actor, q Query) (Series, error) {
	if err := s.check(actor, &q); err != nil {
		return Series{}, err
	}
	q.GroupBy = GroupNone
	out := Series{Period: Period{From: q.From, To: q.To}, TimeZone: q.Location.String(), Interval: q.Interval, Points: []Point{}}
	for b := bucketStart(q.From, q.Interval, q.Location); b.Before(q.To); b = nextBucket(b, q.Interval, q.Location) {
		out.Points = append(out.Points, Point{Start: b})
	}
	backlog, err := s.store.ReportBacklogBefore(ctx, store.Millis(q.From), q.Filter.store())
	if err != nil {
		return out, err
	}
	i := 0
	deltas := make([]int64, len(out.Points))
	err = s.scan(ctx, q, q.From, q.To, []string{factNew, factResolution, factReopened, factMerged, factUnmerged},
		func(f store.ReportFact, _ bool) error {
			at := store.FromMillis(f.At)
			for i+1 < len(out.Points) && !at.Before(out.Points[i+1].Start) {
				i++
			}
			p := &out.Points[i]
			switch f.Kind {
			case factNew:
				p.New++
				deltas[i]++
			case factResolution:
				p.Resolved++
				deltas[i]--
			case factReopened:
				p.Reopened++
				deltas[i]++
			case factMerged:
				p.Merged++
				deltas[i] -= f.Flag
			case factUnmerged:
				deltas[i] += f.Flag
			}
			return nil
		})
	for j := range out.Points {
		backlog += deltas[j]
		out.Points[j].Backlog = backlog
	}
	return out, err
}

func (s *Service) busiest(ctx context.Context, actor model.Actor, q Query) (BusiestHours, error) {
	if err := s.check(actor, &q); err != nil {
		return BusiestHours{}, err
	}
	q.GroupBy = GroupNone
	out := BusiestHours{Period: Period{From: q.From, To: q.To}, TimeZone: q.Location.String()}
	err := s.scan(ctx, q, q.From, q.To, []string{factNew}, func(f store.ReportFact, _ bool) error {
		t := store.FromMillis(f.At).In(q.Location)
		out.Counts[t.Weekday()][t.Hour()]++
		out.Max = max(out.Max, out.Counts[t.Weekday()][t.Hour()])
		return nil
	})
	return out, err
}

// drillKinds maps a metric to the fact kind behind it, and which of those
// facts count (nil: all).
func drillKinds(m Metric) (string, func(store.ReportFact) bool, bool) {
	all := func(store.ReportFact) bool { return true }
	switch m {
	case MetricFirstResponseTime:
		return factFirstResponse, all, true
	case MetricNextResponseTime:
		return factNextResponse, all, true
	case MetricResolutionTime, MetricRepliesPerResolution, MetricResolved:
		return factResolution, all, true
	case MetricReopenRate:
		return factResolution, func(f store.ReportFact) bool { return f.Flag == 1 }, true
	case MetricCSAT:
		return factCSAT, func(f store.ReportFact) bool { return f.Value != nil }, true
	case MetricSLA:
		return factSLA, func(f store.ReportFact) bool { return f.Flag == 0 }, true
	case MetricNew:
		return factNew, all, true
	case MetricReopened:
		return factReopened, all, true
	case MetricMerged:
		return factMerged, all, true
	}
	return "", nil, false
}

func (s *Service) drill(ctx context.Context, actor model.Actor, q DrillQuery) (Drill, error) {
	if err := s.check(actor, &q.Query); err != nil {
		return Drill{}, err
	}
	kind, keep, ok := drillKinds(q.Metric)
	if !ok {
		return Drill{}, apperr.Field("metric", "must be one of first_response_time, next_response_time, resolution_time, replies_per_resolution, reopen_rate, csat, sla, new, resolved, reopened, merged")
	}
	if q.Limit <= 0 || q.Limit > MaxDrillRows {
		q.Limit = 100
	}
	if q.GroupKey != nil && q.GroupBy == GroupNone {
		return Drill{}, apperr.Field("group", "needs group_by")
	}
	from, to := q.From, q.To
	if q.Previous {
		p := q.Query.Previous()
		from, to = p.From, p.To
	}
	seen := map[int64]bool{}
	err := s.scan(ctx, q.Query, from, to, []string{kind}, func(f store.ReportFact, _ bool) error {
		if f.ConversationID > q.After && keep(f) && (q.GroupKey == nil || groupKey(q.GroupBy, f) == *q.GroupKey) {
			seen[f.ConversationID] = true
		}
		return nil
	})
	if err != nil {
		return Drill{}, err
	}
	ids := make([]int64, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := Drill{Metric: q.Metric, ConversationIDs: ids}
	if len(ids) > q.Limit {
		out.ConversationIDs = ids[:q.Limit]
		out.NextAfter = ids[q.Limit-1]
	}
	return out, nil
}

func seconds(ms *int64) *float64 {
	if ms == nil {
		return nil
	}
	v := float64(*ms) / 1000
	return &v
}

func (s *Service) conversations(ctx context.Context, actor model.Actor, q Query, fn func(ConversationRow) error) error {
	if err := s.check(actor, &q); err != nil {
		return err
	}
	return s.store.ReportConversationRows(ctx, store.Millis(q.From), store.Millis(q.To), q.Filter.store(), func(r store.ReportConversationRow) error {
		row := ConversationRow{ID: r.ID, InboxID: r.InboxID, Channel: r.Channel, TeamID: r.TeamID, AssigneeID: r.AssigneeID,
			CustomerType: r.CustomerType, Status: r.Status, CreatedAt: store.FromMillis(r.CreatedAt), MergedIntoID: r.MergedIntoID,
			Tags: r.Tags, FirstResponseSeconds: seconds(r.FirstResponseMS), FirstResponseBusinessSeconds: seconds(r.FirstResponseBHMS),
			Responses: r.Responses, Resolutions: r.Resolutions, Reopens: r.Reopens, AgentReplies: r.AgentReplies,
			LastResolutionSeconds: seconds(r.LastResolutionMS), LastResolutionBusinessSeconds: seconds(r.LastResolutionBHMS)}
		if r.CSATRating != nil {
			v := int(*r.CSATRating)
			row.CSATRating = &v
		}
		return fn(row)
	})
}
