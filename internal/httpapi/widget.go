package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/channel/chat"
	"github.com/parley-hq/parley/internal/realtime"
)

// VisitorHeader carries a chat visitor's token. A header rather than a
// cookie: the widget runs on other sites, where third-party cookies are
// blocked, and a header cannot be sent by a cross-site form.
const VisitorHeader = "X-Parley-Visitor"

// chatRoutes mounts the live-chat widget: its script and the endpoints it
// calls from any website (CORS open to every origin; no cookies).
func (a *api) chatRoutes(r chi.Router) {
	if a.Chat == nil {
		return
	}
	r.Get("/widget.js", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/javascript; charset=utf-8")
		h.Set("Cache-Control", "public, max-age=300")
		h.Set("X-Content-Type-Options", "nosniff")
		// Pages that isolate themselves (COEP) may still load it.
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		_, _ = w.Write(chat.WidgetJS)
	})
	r.Route("/widget", func(r chi.Router) {
		r.Use(widgetCORS, a.limitBody)
		r.NotFound(func(w http.ResponseWriter, r *http.Request) {
			writeError(w, r, apperr.NotFound("endpoint "+r.Method+" "+r.URL.Path))
		})
		r.Get("/config", func(w http.ResponseWriter, r *http.Request) {
			cfg, err := a.Chat.Config(r.Context(), r.URL.Query().Get("key"))
			respond(w, r, http.StatusOK, cfg, err)
		})
		r.Post("/sessions", func(w http.ResponseWriter, r *http.Request) {
			var req chat.StartRequest
			if err := decode(r, &req); err != nil {
				writeError(w, r, err)
				return
			}
			if !a.Chat.AllowStart(clientAddr(r)) {
				writeError(w, r, apperr.RateLimited("too many new chats from this address; wait a minute"))
				return
			}
			s, err := a.Chat.Start(r.Context(), req)
			respond(w, r, http.StatusCreated, s, err)
		})
		r.Get("/messages", a.asVisitor(func(w http.ResponseWriter, r *http.Request, v chat.Visitor) {
			h, err := a.Chat.History(r.Context(), v)
			respond(w, r, http.StatusOK, h, err)
		}))
		r.Post("/messages", a.asVisitor(func(w http.ResponseWriter, r *http.Request, v chat.Visitor) {
			var req chat.SendRequest
			if isMultipart(r) {
				limit, err := a.Chat.AttachmentLimit(r.Context(), v.InboxID)
				if err != nil {
					writeError(w, r, err)
					return
				}
				fields, files, err := readUpload(r, limit, []string{"body", "client_id"}, a.Chat.PutFile)
				if err != nil {
					writeError(w, r, err)
					return
				}
				req = chat.SendRequest{Body: fields["body"], ClientID: fields["client_id"], Files: files}
			} else if err := decode(r, &req); err != nil {
				writeError(w, r, err)
				return
			}
			m, err := a.Chat.Send(r.Context(), v, req)
			respond(w, r, http.StatusCreated, m, err)
		}))
		r.Post("/csat", a.asVisitor(func(w http.ResponseWriter, r *http.Request, v chat.Visitor) {
			var req chat.RateRequest
			if err := decode(r, &req); err != nil {
				writeError(w, r, err)
				return
			}
			s, err := a.Chat.Rate(r.Context(), v, req)
			respond(w, r, http.StatusOK, s, err)
		}))
		r.Post("/email", a.asVisitor(func(w http.ResponseWriter, r *http.Request, v chat.Visitor) {
			var req chat.EmailRequest
			if err := decode(r, &req); err != nil {
				writeError(w, r, err)
				return
			}
			s, err := a.Chat.LeaveEmail(r.Context(), v, req)
			respond(w, r, http.StatusOK, s, err)
		}))
		// The visitor's typing shows to agents as presence, like a
		// colleague's; nothing is stored.
		r.Post("/typing", a.asVisitor(func(w http.ResponseWriter, r *http.Request, v chat.Visitor) {
			convID, name, ok, err := a.Chat.Typing(r.Context(), v)
			if err == nil && ok {
				err = a.Hub.PublishPresence(r.Context(), realtime.Presence{ConversationID: convID, InboxID: v.InboxID,
					Name: name, State: "typing", At: a.Now().UTC().Truncate(time.Millisecond)})
			}
			if err != nil {
				writeError(w, r, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		r.Get("/stream", a.asVisitor(a.widgetStream))
		// Files download with the visitor's token in the header, never in
		// the URL: the widget fetches them and saves the result.
		r.Get("/attachments/{id}", a.asVisitor(func(w http.ResponseWriter, r *http.Request, v chat.Visitor) {
			id, err := pathID(r, "id", "attachment")
			if err != nil {
				writeError(w, r, err)
				return
			}
			att, f, err := a.Chat.VisitorAttachment(r.Context(), v, id)
			if err != nil {
				writeError(w, r, err)
				return
			}
			defer f.Close()
			serveFile(w, r, att, f)
		}))
	})
}

// widgetCORS lets any website's widget call these endpoints. No
// credentials are involved: the visitor token travels in a header.
func widgetCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Headers", "Content-Type, "+VisitorHeader)
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		h.Set("Access-Control-Max-Age", "600")
		h.Set("Access-Control-Expose-Headers", "Content-Disposition")
		h.Set("Cache-Control", "no-store")
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (a *api) asVisitor(fn func(http.ResponseWriter, *http.Request, chat.Visitor)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := a.Chat.Authenticate(r.Context(), r.Header.Get(VisitorHeader))
		if err != nil {
			writeError(w, r, err)
			return
		}
		fn(w, r, v)
	}
}

// widgetStream is GET /widget/stream: Server-Sent Events of the replies in
// the visitor's own conversations and the agents' typing there. It first
// sends "ready"; the widget then reads its history, so nothing committed
// between the two is missed. Heartbeats mark the visitor as on the page.
func (a *api) widgetStream(w http.ResponseWriter, r *http.Request, v chat.Visitor) {
	flusher, ok := w.(http.Flusher)
	if !ok || a.Hub == nil {
		writeError(w, r, fmt.Errorf("streaming unsupported"))
		return
	}
	ctx := r.Context()
	sub, cancel := a.Hub.Subscribe()
	defer cancel()
	if err := a.Chat.Touch(ctx, v); err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(event string, v any) bool {
		b, err := json.Marshal(v)
		if err != nil {
			return false
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b); err != nil {
			return false
		}
		flusher.Flush()
		return true
	}
	if !send("ready", map[string]any{}) {
		return
	}
	owned := map[int64]bool{}
	owns := func(id int64) bool {
		if known, ok := owned[id]; ok {
			return known
		}
		ok, err := a.Chat.Owns(ctx, v, id)
		if err != nil {
			return false
		}
		owned[id] = ok
		return ok
	}
	heartbeat := time.NewTicker(15 * time.Second)
	defer heartbeat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.Hub.Closing():
			return
		case <-sub.Lagged():
			return // the widget reconnects and reads its history again
		case batch := <-sub.C:
			for _, e := range batch {
				if e.InboxID != v.InboxID || e.Action != "message.created" || !owns(e.ConversationID) {
					continue
				}
				var after struct {
					MessageID int64  `json:"message_id"`
					Kind      string `json:"kind"`
				}
				if json.Unmarshal(e.After, &after) != nil || after.Kind != "reply" {
					continue
				}
				m, ok, err := a.Chat.MessageByID(ctx, v, e.ConversationID, after.MessageID)
				if err != nil || (ok && !send("message", m)) {
					return
				}
			}
		case p := <-sub.Presence:
			if p.UserID != 0 && p.InboxID == v.InboxID && p.State == "typing" && owns(p.ConversationID) {
				if !send("typing", map[string]string{"name": p.Name}) {
					return
				}
			}
		case <-heartbeat.C:
			if err := a.Chat.Touch(context.WithoutCancel(ctx), v); err != nil {
				return
			}
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return
			}
			flusher.Flush()
		}
	}
}
