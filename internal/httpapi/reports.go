package httpapi

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/report"
)

// Reports (docs/reports.md): supervisors and admins only.

// reportParams are the query parameters every report reads.
var reportParams = []string{"from", "to", "tz", "hours", "group_by", "interval", "inbox_id", "team_id", "agent_id", "channel", "tag", "customer_type"}

func (a *api) reportRoutes(r chi.Router) {
	r.Get("/reports/summary", a.reportSummary)
	r.Get("/reports/summary.csv", a.reportSummaryCSV)
	r.Get("/reports/series", a.reportSeries)
	r.Get("/reports/busiest-hours", a.reportBusiest)
	r.Get("/reports/conversations", a.reportDrill)
	r.Get("/reports/conversations.csv", a.reportConversationsCSV)
	// The live dashboard has two names: reports/live (the web app's) and
	// reports/dashboard; one handler answers both.
	r.Get("/reports/dashboard", a.reportsLive)
}

// reportQuery checks the caller and the parameters, in that order, so an
// agent learns only that reports are not theirs.
func (a *api) reportQuery(r *http.Request, extra ...string) (report.Query, model.Actor, error) {
	actor := principal(r).Actor()
	if err := report.CanRead(actor); err != nil {
		return report.Query{}, actor, err
	}
	if err := onlyParams(r, append(extra, reportParams...)...); err != nil {
		return report.Query{}, actor, err
	}
	q, err := report.ParseQuery(r.URL.Query(), a.Now())
	return q, actor, err
}

func (a *api) reportSummary(w http.ResponseWriter, r *http.Request) {
	q, actor, err := a.reportQuery(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	s, err := a.Reports.Summary(r.Context(), actor, q)
	respond(w, r, http.StatusOK, s, err)
}

func (a *api) reportSummaryCSV(w http.ResponseWriter, r *http.Request) {
	q, actor, err := a.reportQuery(r)
	if err == nil {
		var s report.Summary
		if s, err = a.Reports.Summary(r.Context(), actor, q); err == nil {
			csvHeaders(w, "report-summary.csv")
			err = report.WriteSummaryCSV(w, s)
		}
	}
	if err != nil && w.Header().Get("Content-Type") == "" {
		writeError(w, r, err)
	}
}

func (a *api) reportSeries(w http.ResponseWriter, r *http.Request) {
	q, actor, err := a.reportQuery(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	s, err := a.Reports.Series(r.Context(), actor, q)
	respond(w, r, http.StatusOK, s, err)
}

func (a *api) reportBusiest(w http.ResponseWriter, r *http.Request) {
	q, actor, err := a.reportQuery(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	s, err := a.Reports.BusiestHours(r.Context(), actor, q)
	respond(w, r, http.StatusOK, s, err)
}

// reportDrill lists the conversations behind a number: metric (required),
// group (a group key of group_by), period=previous, cursor and limit.
func (a *api) reportDrill(w http.ResponseWriter, r *http.Request) {
	q, actor, err := a.reportQuery(r, "metric", "group", "period", "cursor", "limit")
	if err != nil {
		writeError(w, r, err)
		return
	}
	v := r.URL.Query()
	dq := report.DrillQuery{Query: q, Metric: report.Metric(v.Get("metric"))}
	fields := map[string]string{}
	if dq.Metric == "" {
		fields["metric"] = "is required"
	}
	if v.Has("group") {
		g := v.Get("group")
		dq.GroupKey = &g
		if q.GroupBy == report.GroupNone {
			fields["group"] = "needs group_by"
		}
	}
	switch v.Get("period") {
	case "", "current":
	case "previous":
		dq.Previous = true
	default:
		fields["period"] = "must be current or previous"
	}
	if c := v.Get("cursor"); c != "" {
		if dq.After, err = strconv.ParseInt(c, 10, 64); err != nil || dq.After < 0 {
			fields["cursor"] = "must be the next_after of the previous page"
		}
	}
	if l := v.Get("limit"); l != "" {
		if dq.Limit, err = strconv.Atoi(l); err != nil || dq.Limit < 1 || dq.Limit > report.MaxDrillRows {
			fields["limit"] = "must be from 1 to " + strconv.Itoa(report.MaxDrillRows)
		}
	}
	if len(fields) > 0 {
		writeError(w, r, apperr.Invalid("the drill-down is not valid", fields))
		return
	}
	d, err := a.Reports.Drill(r.Context(), actor, dq)
	respond(w, r, http.StatusOK, d, err)
}

func (a *api) reportConversationsCSV(w http.ResponseWriter, r *http.Request) {
	q, actor, err := a.reportQuery(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	csvHeaders(w, "conversations.csv")
	// Rows stream as they are read; an error after the first byte can
	// only cut the file short, which the missing last line shows.
	if err := a.Reports.WriteConversationsCSV(r.Context(), actor, q, w); err != nil {
		a.Logger.ErrorContext(r.Context(), "conversations export failed", "err", err)
	}
}

func csvHeaders(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
}
