package httpapi

import "net/http"

// reportsLive is GET /api/v1/reports/live: the live dashboard's numbers,
// the same the web page shows (supervisors and admins only).
func (a *api) reportsLive(w http.ResponseWriter, r *http.Request) {
	if err := onlyParams(r); err != nil {
		writeError(w, r, err)
		return
	}
	d, err := a.Dashboard.Live(r.Context(), principal(r).Actor())
	respond(w, r, http.StatusOK, d, err)
}
