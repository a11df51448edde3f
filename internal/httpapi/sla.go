package httpapi

import (
	"context"
	"net/http"

	"github.com/parley-hq/parley/internal/model"
)

// Business hours, SLA policies, escalation, followers and notifications
// (docs/sla.md).

// listOf answers fn's slice as {"items": [...]}.
func listOf[T any](fn func(context.Context, model.Actor) ([]T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := onlyParams(r); err != nil {
			writeError(w, r, err)
			return
		}
		items, err := fn(r.Context(), principal(r).Actor())
		respond(w, r, http.StatusOK, list[T]{Items: items}, err)
	}
}

func (a *api) followers(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "conversation")
	if err != nil {
		writeError(w, r, err)
		return
	}
	items, err := a.SLA.Followers(r.Context(), principal(r).Actor(), id)
	respond(w, r, http.StatusOK, map[string]any{"items": items}, err)
}

func (a *api) unfollow(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "conversation")
	if err != nil {
		writeError(w, r, err)
		return
	}
	userID, err := pathID(r, "user_id", "follower")
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := a.SLA.Unfollow(r.Context(), principal(r).Actor(), id, userID); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *api) notifications(w http.ResponseWriter, r *http.Request) {
	if err := onlyParams(r); err != nil {
		writeError(w, r, err)
		return
	}
	v, err := a.SLA.Notifications(r.Context(), principal(r).Actor())
	respond(w, r, http.StatusOK, v, err)
}
