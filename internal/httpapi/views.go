package httpapi

import (
	"net/http"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/view"
)

func (a *api) listViews(w http.ResponseWriter, r *http.Request) {
	if err := onlyParams(r, "counts"); err != nil {
		writeError(w, r, err)
		return
	}
	counts := true
	switch r.URL.Query().Get("counts") {
	case "", "true":
	case "false":
		counts = false
	default:
		writeError(w, r, apperr.Field("counts", "must be true or false"))
		return
	}
	views, err := a.Views.List(r.Context(), principal(r).Actor(), counts)
	respond(w, r, http.StatusOK, list[view.View]{Items: views}, err)
}

func (a *api) deleteView(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "view")
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := a.Views.Delete(r.Context(), principal(r).Actor(), id); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
