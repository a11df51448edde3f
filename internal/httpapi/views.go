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
	var views []view.View
	var err error
	switch r.URL.Query().Get("counts") {
	case "", "true":
		views, err = a.Views.List(r.Context(), principal(r).Actor(), true)
	case "false":
		views, err = a.Views.List(r.Context(), principal(r).Actor(), false)
	case "fresh":
		views, err = a.Views.ListRecounted(r.Context(), principal(r).Actor())
	default:
		writeError(w, r, apperr.Field("counts", "must be true, false or fresh"))
		return
	}
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
