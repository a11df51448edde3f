package httpapi_test

import (
	"fmt"
	"net/http"
)

// The live dashboard and the weekly-summary opt-in (docs/reports.md, "In
// the web app"): rows for the error and permission tables.

func reportWebBadRows(f *fixture) []badReq {
	return []badReq{
		{name: "live dashboard parameter", method: "GET", path: api + "/reports/live?status=open", status: 400, field: "status"},
		{name: "live dashboard as an agent", as: "agentA", method: "GET", path: api + "/reports/live", status: http.StatusForbidden},
		{name: "live dashboard without a caller", as: "nobody", method: "GET", path: api + "/reports/live", status: http.StatusUnauthorized},
		{name: "weekly report for an agent", method: "PATCH", path: fmt.Sprintf(api+"/users/%d", f.agentA.UserID),
			body: map[string]any{"weekly_report": true}, status: 400, field: "weekly_report"},
		{name: "agent opts in to the weekly report", as: "agentA", method: "PATCH", path: fmt.Sprintf(api+"/users/%d", f.agentA.UserID),
			body: map[string]any{"weekly_report": true}, status: 400, field: "weekly_report"},
		{name: "weekly report not a boolean", method: "PATCH", path: fmt.Sprintf(api+"/users/%d", f.agentA.UserID),
			body: map[string]any{"weekly_report": "yes"}, status: 400, field: "weekly_report"},
	}
}

func reportWebPermRows() []permRow {
	return []permRow{
		{name: "GET live dashboard", req: fixed("GET", api+"/reports/live", nil), want: [4]int{s200, s200, s403, s403}},
	}
}
