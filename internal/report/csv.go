package report

import (
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/parley-hq/parley/internal/model"
)

func num(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func optID(v *int64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatInt(*v, 10)
}

// flushEvery is how many rows the export buffers before it flushes, so a
// large export reaches the client as it is read and memory stays flat.
const flushEvery = 500

func writeConversationsCSV(ctx context.Context, s *Service, actor model.Actor, q Query, w io.Writer) error {
	cw := csv.NewWriter(w)
	// Checked before the header, so a refused export writes nothing.
	if err := s.check(actor, &q); err != nil {
		return err
	}
	if err := cw.Write(ConversationColumns); err != nil {
		return err
	}
	n := 0
	rec := make([]string, len(ConversationColumns))
	err := s.conversations(ctx, actor, q, func(r ConversationRow) error {
		rating := ""
		if r.CSATRating != nil {
			rating = strconv.Itoa(*r.CSATRating)
		}
		rec = append(rec[:0], strconv.FormatInt(r.ID, 10), strconv.FormatInt(r.InboxID, 10), r.Channel, optID(r.TeamID),
			optID(r.AssigneeID), r.CustomerType, r.Status, r.CreatedAt.Format(time.RFC3339), optID(r.MergedIntoID), r.Tags,
			num(r.FirstResponseSeconds), num(r.FirstResponseBusinessSeconds), strconv.FormatInt(r.Responses, 10),
			strconv.FormatInt(r.Resolutions, 10), strconv.FormatInt(r.Reopens, 10), strconv.FormatInt(r.AgentReplies, 10),
			num(r.LastResolutionSeconds), num(r.LastResolutionBusinessSeconds), rating)
		if err := cw.Write(rec); err != nil {
			return err
		}
		if n++; n%flushEvery == 0 {
			cw.Flush()
			return cw.Error()
		}
		return nil
	})
	cw.Flush()
	if err != nil {
		return err
	}
	return cw.Error()
}

// SummaryColumns are the header of the aggregates CSV.
var SummaryColumns = []string{"group_key", "group", "metric", "statistic", "current", "previous"}

// metricRows flattens metrics into (metric, statistic, value) rows in a
// fixed order.
func metricRows(m Metrics) [][3]string {
	var out [][3]string
	st := func(name string, s Stat) {
		out = append(out, [3]string{name, "count", strconv.FormatInt(s.Count, 10)},
			[3]string{name, "average", num(s.Average)}, [3]string{name, "median", num(s.Median)}, [3]string{name, "p90", num(s.P90)})
	}
	st(string(MetricFirstResponseTime), m.FirstResponseTime)
	st(string(MetricNextResponseTime), m.NextResponseTime)
	st(string(MetricResolutionTime), m.ResolutionTime)
	st(string(MetricRepliesPerResolution), m.RepliesPerResolution)
	out = append(out, [3]string{string(MetricReopenRate), "rate", num(m.ReopenRate.Value)},
		[3]string{"csat", "sent", strconv.FormatInt(m.CSAT.Sent, 10)},
		[3]string{"csat", "answered", strconv.FormatInt(m.CSAT.Answered, 10)},
		[3]string{"csat", "response_rate", num(m.CSAT.ResponseRate)},
		[3]string{"csat", "average", num(m.CSAT.Average)})
	for i, n := range m.CSAT.Distribution {
		out = append(out, [3]string{"csat", "rating_" + strconv.Itoa(i+1), strconv.FormatInt(n, 10)})
	}
	for _, t := range []string{"first_response", "next_response", "resolution"} {
		out = append(out, [3]string{"sla_" + t, "compliance", num(m.SLA[t].Compliance)})
	}
	out = append(out, [3]string{"volume", "new", strconv.FormatInt(m.Volume.New, 10)},
		[3]string{"volume", "resolved", strconv.FormatInt(m.Volume.Resolved, 10)},
		[3]string{"volume", "reopened", strconv.FormatInt(m.Volume.Reopened, 10)},
		[3]string{"volume", "merged", strconv.FormatInt(m.Volume.Merged, 10)})
	return out
}

func writeSummaryCSV(w io.Writer, s Summary) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(SummaryColumns); err != nil {
		return err
	}
	write := func(key, label string, cur, prev Metrics) error {
		c, p := metricRows(cur), metricRows(prev)
		for i := range c {
			if err := cw.Write([]string{key, label, c[i][0], c[i][1], c[i][2], p[i][2]}); err != nil {
				return err
			}
		}
		return nil
	}
	if err := write("", "All", s.Current, s.Previous); err != nil {
		return err
	}
	for _, g := range slices.Clone(s.Groups) {
		if err := write(g.Key, g.Label, g.Current, g.Previous); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
