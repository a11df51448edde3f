package httpapi

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/channel"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/page"
	"github.com/parley-hq/parley/internal/store"
)

// channelRoutes mounts the public channel endpoints: integrations sign
// their requests with the inbox's secret instead of signing in.
func (a *api) channelRoutes(r chi.Router) {
	r.Route("/channels", func(r chi.Router) {
		r.Use(a.limitBody)
		r.NotFound(func(w http.ResponseWriter, r *http.Request) {
			writeError(w, r, apperr.NotFound("endpoint "+r.Method+" "+r.URL.Path))
		})
		if a.APIChannel != nil {
			r.Post("/api/{inbox}/messages", a.receiveAPIMessage)
		}
		if a.Phone != nil {
			r.Post("/phone/{inbox}/calls", a.receivePhoneCall)
		}
	})
}

// signedBody reads the path's inbox id, the whole body and the signature
// headers of a channel request.
func signedBody(w http.ResponseWriter, r *http.Request) (inboxID int64, body []byte, ts, sig string, ok bool) {
	inboxID, err := pathID(r, "inbox", "inbox")
	if err == nil {
		body, err = io.ReadAll(r.Body)
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			err = &apperr.Error{Kind: apperr.KindTooLarge, Message: "the body is larger than " + strconv.Itoa(MaxBodyBytes) + " bytes"}
		}
	}
	if err != nil {
		writeError(w, r, err)
		return 0, nil, "", "", false
	}
	return inboxID, body, r.Header.Get(channel.TimestampHeader), r.Header.Get(channel.SignatureHeader), true
}

// receiveAPIMessage is POST /channels/api/{inbox}/messages: 201 for a new
// message, 200 with duplicate=true for a redelivered one.
func (a *api) receiveAPIMessage(w http.ResponseWriter, r *http.Request) {
	inboxID, body, ts, sig, ok := signedBody(w, r)
	if !ok {
		return
	}
	res, err := a.APIChannel.Receive(r.Context(), inboxID, ts, sig, body)
	status := http.StatusCreated
	if res.Duplicate {
		status = http.StatusOK
	}
	respond(w, r, status, res, err)
}

// listDeliveries is GET /api/v1/inboxes/{id}/deliveries, newest first.
func (a *api) listDeliveries(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "inbox")
	if err == nil {
		err = onlyParams(r, "limit", "cursor")
	}
	var limit int
	var before int64
	if err == nil {
		limit, err = page.Limit(r.URL.Query().Get("limit"))
	}
	if err == nil {
		before, err = page.AfterID(r.URL.Query().Get("cursor"))
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	items, err := a.Webhooks.List(r.Context(), principal(r).Actor(), id, before, limit)
	if err != nil {
		writeError(w, r, err)
		return
	}
	next := ""
	if len(items) > 0 {
		next = page.NextID(items[len(items)-1].ID, len(items), limit)
	}
	writeJSON(w, http.StatusOK, list[store.Delivery]{Items: items, NextCursor: next})
}

// retryDelivery is POST /api/v1/inboxes/{id}/deliveries/{delivery_id}/retry.
func (a *api) retryDelivery(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "inbox")
	var deliveryID int64
	if err == nil {
		deliveryID, err = pathID(r, "delivery_id", "delivery")
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	d, err := a.Webhooks.Retry(r.Context(), principal(r).Actor(), id, deliveryID)
	respond(w, r, http.StatusAccepted, d, err)
}

// receivePhoneCall is POST /channels/phone/{inbox}/calls: 201 for a new
// call, 200 with duplicate=true for a redelivered one.
func (a *api) receivePhoneCall(w http.ResponseWriter, r *http.Request) {
	inboxID, body, ts, sig, ok := signedBody(w, r)
	if !ok {
		return
	}
	res, err := a.Phone.Receive(r.Context(), inboxID, ts, sig, body)
	status := http.StatusCreated
	if res.Duplicate {
		status = http.StatusOK
	}
	respond(w, r, status, res, err)
}

// listCalls is GET /api/v1/conversations/{id}/calls.
func (a *api) listCalls(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "conversation")
	if err != nil {
		writeError(w, r, err)
		return
	}
	calls, err := a.Conversations.Calls(r.Context(), principal(r).Actor(), id)
	respond(w, r, http.StatusOK, list[model.Call]{Items: calls}, err)
}
