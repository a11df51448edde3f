// Package httpapi is Parley's REST API (API.md): it decodes requests, calls
// the domain services with the caller as actor, and encodes their answers
// and errors in one shape. It holds no business rules.
package httpapi

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/automation"
	"github.com/parley-hq/parley/internal/channel"
	"github.com/parley-hq/parley/internal/channel/apichannel"
	"github.com/parley-hq/parley/internal/channel/chat"
	"github.com/parley-hq/parley/internal/channel/email"
	"github.com/parley-hq/parley/internal/channel/phone"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/dashboard"
	"github.com/parley-hq/parley/internal/macro"
	"github.com/parley-hq/parley/internal/realtime"
	"github.com/parley-hq/parley/internal/report"
	"github.com/parley-hq/parley/internal/sla"
	"github.com/parley-hq/parley/internal/store"
	"github.com/parley-hq/parley/internal/template"
	"github.com/parley-hq/parley/internal/view"
)

// SessionCookie names the browser session cookie.
const SessionCookie = "parley_session"

// Deps are the services the API calls.
type Deps struct {
	Store         *store.Store
	Accounts      *account.Service
	Contacts      *contact.Service
	Conversations *conversation.Service
	Views         *view.Service
	SLA           *sla.Service
	Reports       *report.Service
	Hub           *realtime.Hub
	Email         *email.Channel
	Templates     *template.Service
	Macros        *macro.Service
	Automation    *automation.Service
	Now           func() time.Time
	Logger        *slog.Logger
	// The channels (each optional).
	APIChannel *apichannel.Service
	Phone      *phone.Service
	Webhooks   *channel.Webhooks
	Chat       *chat.Service
	// Dashboard reads the live dashboard (reports/live).
	Dashboard *dashboard.Service
}

type api struct {
	Deps
}

// Routes mounts the API under /api/v1 and the health checks on r.
func Routes(r chi.Router, d Deps) {
	a := &api{Deps: d}
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	r.Get("/readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := d.Store.Ping(ctx); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, errorBody{errorDetail{Code: "unavailable", Message: "the database does not answer"}})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	a.channelRoutes(r)
	a.chatRoutes(r)
	r.Route("/api/v1", func(r chi.Router) {
		r.Use(a.limitBody, rejectNUL)
		r.NotFound(func(w http.ResponseWriter, r *http.Request) {
			writeError(w, r, apperr.NotFound("endpoint "+r.Method+" "+r.URL.Path))
		})
		r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusMethodNotAllowed, errorBody{errorDetail{Code: "method_not_allowed", Message: r.Method + " is not allowed on " + r.URL.Path}})
		})
		r.Post("/auth/login", a.login)
		r.Group(func(r chi.Router) {
			r.Use(a.authenticate, a.idempotent)
			r.Post("/auth/logout", a.logout)
			r.Get("/me", a.me)
			r.Post("/me/tokens", a.createOwnToken)

			r.Get("/users", a.listUsers)
			r.Post("/users", withBody(http.StatusCreated, a.Accounts.CreateUser))
			r.Get("/users/{id}", byID("user", a.Accounts.GetUser))
			r.Patch("/users/{id}", byIDWithBody("user", http.StatusOK, a.Accounts.UpdateUser))

			r.Get("/teams", a.listTeams)
			r.Post("/teams", withBody(http.StatusCreated, a.Accounts.CreateTeam))
			r.Get("/teams/{id}", byID("team", a.Accounts.GetTeam))
			r.Post("/teams/{id}/members", a.addTeamMember)
			r.Delete("/teams/{id}/members/{user_id}", a.removeTeamMember)

			r.Get("/inboxes", a.listInboxes)
			r.Post("/inboxes", withBody(http.StatusCreated, a.Accounts.CreateInbox))
			r.Get("/inboxes/{id}", byID("inbox", a.Accounts.GetInbox))
			r.Patch("/inboxes/{id}", byIDWithBody("inbox", http.StatusOK, a.Accounts.UpdateInbox))
			r.Post("/inboxes/{id}/members", a.addInboxMember)
			r.Delete("/inboxes/{id}/members/{user_id}", a.removeInboxMember)

			r.Get("/contacts", a.listContacts)
			r.Post("/contacts", withBody(http.StatusCreated, a.Contacts.Create))
			r.Get("/contacts/{id}", byID("contact", a.Contacts.Get))
			r.Patch("/contacts/{id}", byIDWithBody("contact", http.StatusOK, a.Contacts.Update))
			r.Get("/contacts/{id}/conversations", a.contactConversations)
			r.Post("/contacts/{id}/merge", a.mergeContact)
			r.Post("/contacts/{id}/unmerge", byID("contact", a.Contacts.Unmerge))
			r.Get("/contacts/{id}/merges", a.contactMerges)
			r.Get("/contacts/{id}/duplicates", a.contactDuplicates)
			r.Get("/contacts/{id}/timeline", a.contactTimeline)
			r.Get("/contacts/{id}/notes", a.contactNotes)
			r.Post("/contacts/{id}/notes", byIDWithBody("contact", http.StatusCreated, a.Contacts.AddNote))
			r.Get("/contacts/{id}/identities", a.contactIdentities)
			r.Post("/contacts/{id}/identities", byIDWithBody("contact", http.StatusCreated, a.Contacts.AddIdentity))
			r.Delete("/contacts/{id}/identities/{identity_id}", a.removeContactIdentity)
			r.Get("/contacts/{id}/export", a.exportContact)
			r.Post("/contacts/{id}/erase", byIDWithBody("contact", http.StatusOK, a.Contacts.Erase))
			r.Get("/contacts/{id}/erasure", byID("contact", a.Contacts.Erasure))
			r.Get("/contact-attributes", a.listContactAttributes)
			r.Post("/contact-attributes", withBody(http.StatusCreated, a.Contacts.CreateAttribute))
			r.Patch("/contact-attributes/{id}", byIDWithBody("contact attribute", http.StatusOK, a.Contacts.UpdateAttribute))
			r.Delete("/contact-attributes/{id}", a.deleteContactAttribute)

			r.Get("/tags", a.listTags)

			r.Get("/conversations", a.listConversations)
			r.Post("/conversations", withBody(http.StatusCreated, a.Conversations.Create))
			r.Post("/conversations/bulk", a.bulkUpdate)
			r.Get("/conversations/bulk/{id}", byID("bulk operation", a.Conversations.Operation))
			r.Post("/conversations/bulk/{id}/undo", a.undoBulk)
			r.Get("/conversations/{id}", byID("conversation", a.Conversations.Get))
			r.Patch("/conversations/{id}", byIDWithBody("conversation", http.StatusOK, a.Conversations.Update))
			r.Post("/conversations/{id}/tags", a.addTags)
			r.Delete("/conversations/{id}/tags/{tag}", a.removeTag)
			r.Get("/conversations/{id}/messages", a.listMessages)
			r.Post("/conversations/{id}/messages", a.addMessage)
			r.Get("/conversations/{id}/events", a.listEvents)
			r.Post("/conversations/{id}/presence", a.presence)
			r.Post("/conversations/{id}/merge", a.mergeConversation)
			r.Post("/conversations/{id}/unmerge", byID("conversation", a.Conversations.Unmerge))
			r.Post("/conversations/{id}/split", a.splitConversation)
			r.Get("/conversations/{id}/duplicates", a.duplicates)

			r.Get("/events/stream", a.streamEvents)

			r.Get("/views", a.listViews)
			r.Post("/views", withBody(http.StatusCreated, a.Views.Create))
			r.Get("/views/{id}", byID("view", a.Views.Get))
			r.Patch("/views/{id}", byIDWithBody("view", http.StatusOK, a.Views.Update))
			r.Delete("/views/{id}", a.deleteView)

			r.Get("/attachments/{id}", a.downloadAttachment)
			r.Get("/templates", a.listTemplates)
			r.Post("/templates", withBody(http.StatusCreated, a.Templates.Create))
			r.Get("/templates/{id}", byID("template", a.Templates.Get))
			r.Patch("/templates/{id}", byIDWithBody("template", http.StatusOK, a.Templates.Update))
			r.Delete("/templates/{id}", deleteByID("template", a.Templates.Delete))
			r.Post("/templates/{id}/preview", byIDWithBody("template", http.StatusOK, a.Templates.Preview))
			r.Get("/macros", a.listMacros)
			r.Post("/macros", withBody(http.StatusCreated, a.Macros.Create))
			r.Get("/macros/{id}", byID("macro", a.Macros.Get))
			r.Patch("/macros/{id}", byIDWithBody("macro", http.StatusOK, a.Macros.Update))
			r.Delete("/macros/{id}", deleteByID("macro", a.Macros.Delete))
			r.Post("/conversations/{id}/macros/{macro_id}", a.applyMacro)
			r.Get("/conversations/{id}/csat", byID("conversation", a.Conversations.ConversationSurvey))
			r.Get("/automation-rules", a.listRules)
			r.Post("/automation-rules", withBody(http.StatusCreated, a.Automation.Create))
			r.Get("/automation-rules/{id}", byID("automation rule", a.Automation.Get))
			r.Patch("/automation-rules/{id}", byIDWithBody("automation rule", http.StatusOK, a.Automation.Update))
			r.Delete("/automation-rules/{id}", deleteByID("automation rule", a.Automation.Delete))
			r.Get("/inboxes/{id}/automation", byID("inbox", a.Automation.InboxSettings))
			r.Patch("/inboxes/{id}/automation", byIDWithBody("inbox", http.StatusOK, a.Automation.UpdateInboxSettings))
			r.Get("/inboxes/{id}/deliveries", a.listDeliveries)
			r.Post("/inboxes/{id}/deliveries/{delivery_id}/retry", a.retryDelivery)
			r.Get("/conversations/{id}/calls", a.listCalls)
			r.Post("/conversations/{id}/calls", byIDWithBody("conversation", http.StatusCreated, a.Conversations.LogCall))
			a.reportRoutes(r)
			r.Get("/business-hours", listOf(a.SLA.ListBusinessHours))
			r.Post("/business-hours", withBody(http.StatusCreated, a.SLA.CreateBusinessHours))
			r.Get("/business-hours/{id}", byID("business hours", a.SLA.GetBusinessHours))
			r.Patch("/business-hours/{id}", byIDWithBody("business hours", http.StatusOK, a.SLA.UpdateBusinessHours))
			r.Delete("/business-hours/{id}", deleteByID("business hours", a.SLA.DeleteBusinessHours))
			r.Get("/sla-policies", listOf(a.SLA.ListPolicies))
			r.Post("/sla-policies", withBody(http.StatusCreated, a.SLA.CreatePolicy))
			r.Get("/sla-policies/{id}", byID("SLA policy", a.SLA.GetPolicy))
			r.Patch("/sla-policies/{id}", byIDWithBody("SLA policy", http.StatusOK, a.SLA.UpdatePolicy))
			r.Delete("/sla-policies/{id}", deleteByID("SLA policy", a.SLA.DeletePolicy))
			r.Get("/conversations/{id}/sla", byID("conversation", a.SLA.ConversationSLA))
			r.Post("/conversations/{id}/escalate", byIDWithBody("conversation", http.StatusOK, a.SLA.Escalate))
			r.Post("/conversations/{id}/handoff", byIDWithBody("conversation", http.StatusOK, a.SLA.Handoff))
			r.Get("/conversations/{id}/followers", a.followers)
			r.Post("/conversations/{id}/followers", byIDWithBody("conversation", http.StatusOK, a.SLA.Follow))
			r.Delete("/conversations/{id}/followers/{user_id}", a.unfollow)
			r.Get("/notifications", a.notifications)
			r.Post("/notifications/read", withBody(http.StatusOK, a.SLA.MarkManyRead))
			r.Post("/notifications/{id}/read", byID("notification", a.SLA.MarkRead))

			r.Get("/reports/live", a.reportsLive)
		})
	})
}

// Recover turns a panic into a logged 500 in the one error shape, so one bad
// request cannot take the process down.
func Recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				writeError(w, r, fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (a *api) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := int64(MaxBodyBytes)
		if isMultipart(r) && r.Method == http.MethodPost {
			limit = MaxUploadBytes // files: each is held to its inbox's limit as it is read
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// rejectNUL refuses a URL holding a NUL character. PostgreSQL can neither
// store nor compare one, so a %00 in a filter, search or tag would answer
// 500 there (and match differently on SQLite); no id, filter or tag needs it.
func rejectNUL(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.ContainsRune(r.URL.Path, 0) || strings.ContainsRune(r.URL.RawQuery, 0) || strings.Contains(r.URL.RawQuery, "%00") {
			writeError(w, r, apperr.Invalid("the URL holds a NUL character (%00), which no id, filter or tag may contain", nil))
			return
		}
		next.ServeHTTP(w, r)
	})
}

type principalKey struct{}

// principal returns the authenticated caller that authenticate stored.
func principal(r *http.Request) account.Principal {
	p, _ := r.Context().Value(principalKey{}).(account.Principal)
	return p
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// authenticate accepts a bearer token or a session cookie. Cookie callers
// must echo their CSRF token in X-CSRF-Token on unsafe methods; bearer
// callers need not, since a browser never sends the header by itself.
func (a *api) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p account.Principal
		var err error
		if h := r.Header.Get("Authorization"); h != "" {
			// The scheme is case-insensitive (RFC 9110).
			scheme, token, ok := strings.Cut(h, " ")
			ok = ok && strings.EqualFold(scheme, "Bearer")
			if !ok || token == "" {
				writeError(w, r, apperr.Unauthenticated(`use "Authorization: Bearer <token>"`))
				return
			}
			p, err = a.Accounts.AuthenticateToken(r.Context(), strings.TrimSpace(token))
		} else if c, cerr := r.Cookie(SessionCookie); cerr == nil && c.Value != "" {
			p, err = a.Accounts.AuthenticateSession(r.Context(), c.Value)
			if err == nil && unsafeMethod(r.Method) &&
				subtle.ConstantTimeCompare([]byte(r.Header.Get("X-CSRF-Token")), []byte(p.CSRFToken)) != 1 {
				err = apperr.Forbidden("missing or wrong X-CSRF-Token header")
			}
		} else {
			err = apperr.Unauthenticated("sign in, or send an API token as Authorization: Bearer <token>")
		}
		if err != nil {
			writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

// recorder keeps a copy of a response so it can be replayed.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (rec *recorder) WriteHeader(status int) {
	rec.status = status
	rec.ResponseWriter.WriteHeader(status)
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	rec.body.Write(b)
	return rec.ResponseWriter.Write(b)
}

// idempotent replays the first successful response to a write that carries
// an Idempotency-Key the same user has used before. The key is claimed
// before the write runs, so concurrent retries cannot each run it: while
// the first is running, the others answer 409 and may retry. Failed
// attempts release the key, so a client may fix its request and retry.
func (a *api) idempotent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		if key == "" || !unsafeMethod(r.Method) {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > 200 {
			writeError(w, r, apperr.Invalid("Idempotency-Key must be at most 200 characters", nil))
			return
		}
		ctx := context.WithoutCancel(r.Context())
		user := principal(r).User.ID
		now := a.Now()
		claimed, err := a.Store.ReserveIdempotencyKey(ctx, user, key, r.Method, r.URL.Path, now, now.Add(-idempotencyClaimTimeout))
		if err != nil {
			writeError(w, r, err)
			return
		}
		if !claimed {
			prev, err := a.Store.IdempotentResponse(ctx, user, key)
			switch {
			case errors.Is(err, store.ErrNotFound):
				// The claim was released between our two reads.
				writeError(w, r, apperr.Conflict("a request with this Idempotency-Key just failed; retry"))
			case err != nil:
				writeError(w, r, err)
			case prev.Method != r.Method || prev.Path != r.URL.Path:
				writeError(w, r, apperr.Conflict("this Idempotency-Key was used for "+prev.Method+" "+prev.Path))
			case prev.Status == 0:
				writeError(w, r, apperr.Conflict("a request with this Idempotency-Key is still running; retry in a moment"))
			default:
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Idempotent-Replayed", "true")
				w.WriteHeader(prev.Status)
				_, _ = w.Write(prev.Body)
			}
			return
		}
		answered := false
		defer func() {
			// Also on panic: an unanswered claim must not block the key.
			if !answered {
				if err := a.Store.ReleaseIdempotencyKey(ctx, user, key); err != nil {
					slog.ErrorContext(ctx, "release idempotency key", "err", err)
				}
			}
		}()
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status >= 200 && rec.status < 300 {
			if err := a.Store.CompleteIdempotencyKey(ctx, user, key, rec.status, rec.body.Bytes()); err != nil {
				slog.ErrorContext(ctx, "save idempotent response", "err", err)
				return
			}
			answered = true
		}
	})
}

// idempotencyClaimTimeout is how long a claimed key may stay unanswered
// before a retry takes it over, as after a crash mid-request.
const idempotencyClaimTimeout = time.Minute

// clientAddr is the peer's address, for rate limits.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
