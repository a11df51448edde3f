package httpapi

import (
	"context"
	"net/http"

	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/page"
)

// Most endpoints are one service call: these adapters do the decoding,
// the path id and the answer, so a route names the service method alone.

// withBody decodes the body into Req and answers fn's result with status.
func withBody[Req, Resp any](status int, fn func(context.Context, model.Actor, Req) (Resp, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req Req
		if err := decode(r, &req); err != nil {
			writeError(w, r, err)
			return
		}
		v, err := fn(r.Context(), principal(r).Actor(), req)
		respond(w, r, status, v, err)
	}
}

// byID reads the path id (unknown or malformed ids name nothing: 404 for
// what) and answers fn's result.
func byID[Resp any](what string, fn func(context.Context, model.Actor, int64) (Resp, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id", what)
		if err != nil {
			writeError(w, r, err)
			return
		}
		v, err := fn(r.Context(), principal(r).Actor(), id)
		respond(w, r, http.StatusOK, v, err)
	}
}

// byIDWithBody reads the path id and the body, and answers fn's result.
func byIDWithBody[Req, Resp any](what string, status int, fn func(context.Context, model.Actor, int64, Req) (Resp, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id", what)
		if err != nil {
			writeError(w, r, err)
			return
		}
		var req Req
		if err := decode(r, &req); err != nil {
			writeError(w, r, err)
			return
		}
		v, err := fn(r.Context(), principal(r).Actor(), id, req)
		respond(w, r, status, v, err)
	}
}

// deleteByID answers 204 once fn has deleted the thing the path names.
func deleteByID(what string, fn func(context.Context, model.Actor, int64) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id", what)
		if err != nil {
			writeError(w, r, err)
			return
		}
		if err := fn(r.Context(), principal(r).Actor(), id); err != nil {
			writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// idPage reads the limit and cursor of a list paged by id, refusing any
// other query parameter.
func idPage(r *http.Request) (limit int, after int64, err error) {
	if err = onlyParams(r, "limit", "cursor"); err != nil {
		return 0, 0, err
	}
	if limit, err = page.Limit(r.URL.Query().Get("limit")); err != nil {
		return 0, 0, err
	}
	after, err = page.AfterID(r.URL.Query().Get("cursor"))
	return limit, after, err
}
