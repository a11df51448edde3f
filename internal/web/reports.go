package web

import (
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/report"
	"github.com/parley-hq/parley/internal/web/chart"
)

// The reports page reads the same parameters as /api/v1/reports/… (from,
// to, tz, hours, group_by and the filters), so every link, CSV download
// and drill-down is the page's own query plus one or two keys.
var reportKeys = []string{"from", "to", "tz", "hours", "group_by", "interval", "inbox_id", "team_id", "agent_id", "channel", "tag", "customer_type"}

// figure is one number of the report: its value now and before, and the
// drill-down links to the conversations behind each.
type figure struct {
	Label    string
	Now      string
	Before   string
	Change   string
	Better   bool // the change is an improvement (green), else red
	Href     template.URL
	PrevHref template.URL
}

// groupRow is one row of the breakdown table.
type groupRow struct {
	Label   string
	Figures []figure
}

type reportsData struct {
	Title      string
	Me         model.User
	CSRF       string
	Section    string
	Error      string
	Fields     map[string]string
	Form       url.Values
	Query      report.Query
	From, To   string // the date inputs (To inclusive)
	Summary    report.Summary
	Figures    []figure
	Columns    []string
	Groups     []groupRow
	VolumeSVG  template.HTML
	BacklogSVG template.HTML
	GroupSVG   template.HTML
	HoursSVG   template.HTML
	Points     []report.Point
	CSVSummary template.URL
	CSVRows    template.URL
	GroupBys   []report.GroupBy
	Inboxes    []account.InboxView
	Teams      []model.Team
	Users      []model.User
}

// reportQuery keeps only the report keys of the request.
func reportQuery(r *http.Request) url.Values {
	in, out := r.URL.Query(), url.Values{}
	for _, k := range reportKeys {
		for _, v := range in[k] {
			if v != "" {
				out.Add(k, v)
			}
		}
	}
	return out
}

// with copies v and sets pairs of keys and values on the copy.
func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

// reportsPage is GET /reports: date range, filters and breakdown; charts
// beside tables; every number links to its conversations.
func (a *App) reportsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(r)
	actor := p.Actor()
	if err := report.CanRead(actor); err != nil {
		a.forbidden(w, r, err)
		return
	}
	form := reportQuery(r)
	d := reportsData{Title: "Reports", Me: p.User, CSRF: p.CSRFToken, Section: "reports", Form: form, GroupBys: report.GroupBys}
	var err error
	if d.Inboxes, err = a.Accounts.ListInboxes(ctx, actor); err != nil {
		a.fail(w, r, err)
		return
	}
	if d.Teams, err = a.Accounts.ListTeams(ctx, actor); err != nil {
		a.fail(w, r, err)
		return
	}
	if d.Users, err = a.Accounts.ListUsers(ctx, actor, 0, 200); err != nil {
		a.fail(w, r, err)
		return
	}
	q, err := report.ParseQuery(form, a.Now())
	if err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) {
			a.fail(w, r, err)
			return
		}
		// A bad range or filter is the user's to fix: show the form with why.
		d.Error, d.Fields = ae.Message, ae.Fields
		a.render(w, r, "reports", "layout", http.StatusBadRequest, d)
		return
	}
	d.Query = q
	d.From = q.From.In(q.Location).Format(time.DateOnly)
	d.To = q.To.In(q.Location).Add(-time.Nanosecond).Format(time.DateOnly)
	if d.Summary, err = a.Reports.Summary(ctx, actor, q); err != nil {
		a.fail(w, r, err)
		return
	}
	series, err := a.Reports.Series(ctx, actor, q)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	busiest, err := a.Reports.BusiestHours(ctx, actor, q)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	d.Figures = figures(d.Summary.Current, d.Summary.Previous, form, nil)
	for _, f := range d.Figures {
		d.Columns = append(d.Columns, f.Label)
	}
	d.CSVSummary = template.URL("/api/v1/reports/summary.csv?" + form.Encode())
	d.CSVRows = template.URL("/api/v1/reports/conversations.csv?" + form.Encode())
	d.Points = series.Points
	d.VolumeSVG, d.BacklogSVG = seriesCharts(series)
	d.HoursSVG = hoursChart(busiest, q.Location)
	if q.GroupBy != report.GroupNone {
		bar := chart.Bar{Title: "New and resolved by " + string(q.GroupBy),
			Desc: "For each " + string(q.GroupBy) + ", new and resolved conversations in the period; each bar links to them."}
		newS, resS := chart.Series{Name: "New"}, chart.Series{Name: "Resolved"}
		for _, g := range d.Summary.Groups {
			key := g.Key
			row := groupRow{Label: groupLabel(g), Figures: figures(g.Current, g.Previous, form, &key)}
			d.Groups = append(d.Groups, row)
			bar.Categories = append(bar.Categories, row.Label)
			newS.Values = append(newS.Values, float64(g.Current.Volume.New))
			resS.Values = append(resS.Values, float64(g.Current.Volume.Resolved))
			newS.Hrefs = append(newS.Hrefs, string(drillHref(form, report.MetricNew, &key, false)))
			resS.Hrefs = append(resS.Hrefs, string(drillHref(form, report.MetricResolved, &key, false)))
		}
		bar.Series = []chart.Series{newS, resS}
		d.GroupSVG = bar.SVG()
	}
	a.render(w, r, "reports", "layout", http.StatusOK, d)
}

func groupLabel(g report.Group) string {
	if g.Label != "" {
		return g.Label
	}
	if g.Key == "" {
		return "(none)"
	}
	return g.Key
}

// drillHref links a number to the conversations behind it.
func drillHref(form url.Values, m report.Metric, group *string, previous bool) template.URL {
	v := with(form, "metric", string(m))
	if group != nil {
		v.Set("group", *group)
	}
	if previous {
		v.Set("period", "previous")
	}
	return template.URL("/reports/conversations?" + v.Encode())
}

// figures are the headline numbers of one set of metrics, in page order.
func figures(cur, prev report.Metrics, form url.Values, group *string) []figure {
	var out []figure
	add := func(label string, m report.Metric, now, before *float64, format func(*float64) string, lowerIsBetter bool) {
		f := figure{Label: label, Now: format(now), Before: format(before),
			Href: drillHref(form, m, group, false), PrevHref: drillHref(form, m, group, true)}
		if now != nil && before != nil && *before != 0 {
			ch := (*now - *before) / math.Abs(*before) * 100
			f.Change = fmt.Sprintf("%+.0f%%", ch)
			f.Better = (ch < 0) == lowerIsBetter
			if ch == 0 {
				f.Change, f.Better = "±0%", true
			}
		}
		out = append(out, f)
	}
	n := func(v int64) *float64 { f := float64(v); return &f }
	add("New", report.MetricNew, n(cur.Volume.New), n(prev.Volume.New), countText, false)
	add("Resolved", report.MetricResolved, n(cur.Volume.Resolved), n(prev.Volume.Resolved), countText, false)
	add("Reopened", report.MetricReopened, n(cur.Volume.Reopened), n(prev.Volume.Reopened), countText, true)
	add("First response, median", report.MetricFirstResponseTime, cur.FirstResponseTime.Median, prev.FirstResponseTime.Median, durationText, true)
	add("First response, 90th pct", report.MetricFirstResponseTime, cur.FirstResponseTime.P90, prev.FirstResponseTime.P90, durationText, true)
	add("Next response, median", report.MetricNextResponseTime, cur.NextResponseTime.Median, prev.NextResponseTime.Median, durationText, true)
	add("Resolution, median", report.MetricResolutionTime, cur.ResolutionTime.Median, prev.ResolutionTime.Median, durationText, true)
	add("Replies per resolution", report.MetricRepliesPerResolution, cur.RepliesPerResolution.Average, prev.RepliesPerResolution.Average, oneDecimal, true)
	add("Reopen rate", report.MetricReopenRate, cur.ReopenRate.Value, prev.ReopenRate.Value, percentText, true)
	add("CSAT (of 5)", report.MetricCSAT, cur.CSAT.Average, prev.CSAT.Average, oneDecimal, false)
	var curSLA, prevSLA *float64
	if t, ok := cur.SLA["first_response"]; ok {
		curSLA = t.Compliance
	}
	if t, ok := prev.SLA["first_response"]; ok {
		prevSLA = t.Compliance
	}
	add("SLA first response met", report.MetricSLA, curSLA, prevSLA, percentText, false)
	return out
}

func countText(v *float64) string {
	if v == nil {
		return "—"
	}
	return strconv.FormatFloat(*v, 'f', 0, 64)
}

func oneDecimal(v *float64) string {
	if v == nil {
		return "—"
	}
	return strconv.FormatFloat(*v, 'f', 1, 64)
}

func percentText(v *float64) string {
	if v == nil {
		return "—"
	}
	return strconv.FormatFloat(*v*100, 'f', 0, 64) + "%"
}

// durationText shows seconds as a person reads a response time.
func durationText(v *float64) string {
	if v == nil {
		return "—"
	}
	return shortDuration(time.Duration(math.Round(*v)) * time.Second)
}

func seriesCharts(s report.Series) (volume, backlog template.HTML) {
	labels := make([]string, len(s.Points))
	var newV, resV, backV []float64
	format := "2 Jan"
	if s.Interval == "hour" {
		format = "2 Jan 15:04"
	} else if s.Interval == "month" {
		format = "Jan 2006"
	}
	for i, p := range s.Points {
		labels[i] = p.Start.Format(format)
		newV = append(newV, float64(p.New))
		resV = append(resV, float64(p.Resolved))
		backV = append(backV, float64(p.Backlog))
	}
	volume = chart.Line{Title: "New and resolved per " + s.Interval, Desc: "New and resolved conversations in each " + s.Interval + " of the period.",
		Labels: labels, Series: []chart.Series{{Name: "New", Values: newV}, {Name: "Resolved", Values: resV}}}.SVG()
	backlog = chart.Line{Title: "Backlog", Desc: "Unresolved conversations at the end of each " + s.Interval + ".",
		Labels: labels, Area: true, Series: []chart.Series{{Name: "Unresolved", Values: backV}}}.SVG()
	return
}

func hoursChart(b report.BusiestHours, loc *time.Location) template.HTML {
	h := chart.Heatmap{Title: "Busiest hours", Desc: "New conversations per weekday and hour, " + loc.String() + "."}
	for d := 0; d < 7; d++ {
		wd := (d + 1) % 7 // rows Monday…Sunday; Counts is indexed by time.Weekday
		for hr := 0; hr < 24; hr++ {
			h.Cells[d][hr] = float64(b.Counts[wd][hr])
		}
	}
	return h.SVG()
}

// drillData is the list of conversations behind one number.
type drillData struct {
	Title    string
	Me       model.User
	CSRF     string
	Section  string
	Heading  string
	Back     template.URL
	Items    []model.Conversation
	Missing  int
	NextHref template.URL
}

// reportConversationsPage is GET /reports/conversations: the drill-down,
// one page of the conversations behind a number of the reports page.
func (a *App) reportConversationsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(r)
	actor := p.Actor()
	if err := report.CanRead(actor); err != nil {
		a.forbidden(w, r, err)
		return
	}
	form := reportQuery(r)
	v := r.URL.Query()
	q, err := report.ParseQuery(form, a.Now())
	dq := report.DrillQuery{Query: q, Metric: report.Metric(v.Get("metric")), Previous: v.Get("period") == "previous", Limit: 50}
	if v.Has("group") {
		g := v.Get("group")
		dq.GroupKey = &g
	}
	if c := v.Get("cursor"); c != "" && err == nil {
		if dq.After, err = strconv.ParseInt(c, 10, 64); err != nil {
			err = apperr.Field("cursor", "must be the next page's cursor")
		}
	}
	var drill report.Drill
	if err == nil {
		drill, err = a.Reports.Drill(ctx, actor, dq)
	}
	if err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) && ae.Kind == apperr.KindInvalid {
			http.Error(w, "This drill-down link is not valid: "+ae.Message, http.StatusBadRequest)
			return
		}
		a.fail(w, r, err)
		return
	}
	d := drillData{Title: "Conversations behind a report", Me: p.User, CSRF: p.CSRFToken, Section: "reports",
		Back: template.URL("/reports?" + form.Encode())}
	period := report.Period{From: q.From, To: q.To}
	if dq.Previous {
		period = q.Previous()
	}
	d.Heading = fmt.Sprintf("%s, %s – %s", metricName(dq.Metric), period.From.In(q.Location).Format("2 Jan 2006"),
		period.To.In(q.Location).Add(-time.Nanosecond).Format("2 Jan 2006"))
	if dq.GroupKey != nil {
		d.Heading += " · " + string(q.GroupBy) + " " + a.groupName(r, q.GroupBy, *dq.GroupKey)
	}
	for _, id := range drill.ConversationIDs {
		c, err := a.Conversations.Get(ctx, actor, id)
		if err != nil {
			d.Missing++ // deleted since, or out of reach: counted, not hidden
			continue
		}
		d.Items = append(d.Items, c)
	}
	if drill.NextAfter != 0 {
		d.NextHref = template.URL("/reports/conversations?" + with(v, "cursor", strconv.FormatInt(drill.NextAfter, 10)).Encode())
	}
	a.render(w, r, "report_drill", "layout", http.StatusOK, d)
}

// groupName names a breakdown group for people: the user, team or inbox
// an id stands for; other keys (channel, tag, customer type) are names.
// A group that can no longer be read (deleted) keeps its key.
func (a *App) groupName(r *http.Request, by report.GroupBy, key string) string {
	if key == "" {
		return "(none)"
	}
	id, err := strconv.ParseInt(key, 10, 64)
	if err != nil {
		return key
	}
	ctx, actor := r.Context(), principal(r).Actor()
	switch by {
	case report.GroupAgent:
		if u, err := a.Accounts.GetUser(ctx, actor, id); err == nil {
			return u.Name
		}
	case report.GroupTeam:
		if t, err := a.Accounts.GetTeam(ctx, actor, id); err == nil {
			return t.Name
		}
	case report.GroupInbox:
		if in, err := a.Accounts.GetInbox(ctx, actor, id); err == nil {
			return in.Name
		}
	}
	return key
}

func metricName(m report.Metric) string {
	switch m {
	case report.MetricFirstResponseTime:
		return "First response time"
	case report.MetricNextResponseTime:
		return "Next response time"
	case report.MetricResolutionTime:
		return "Resolution time"
	case report.MetricRepliesPerResolution:
		return "Replies per resolution"
	case report.MetricReopenRate:
		return "Reopen rate"
	case report.MetricCSAT:
		return "CSAT"
	case report.MetricSLA:
		return "SLA"
	case report.MetricNew:
		return "New conversations"
	case report.MetricResolved:
		return "Resolved conversations"
	case report.MetricReopened:
		return "Reopened conversations"
	case report.MetricMerged:
		return "Merged conversations"
	}
	return string(m)
}
