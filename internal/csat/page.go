// Package csat serves the customer's satisfaction survey: a public page at
// /csat/{token}, reached from the link sent when a conversation resolves,
// usable without signing in. The token is the only key; it is stored hashed.
package csat

import (
	"html/template"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
)

// Routes mounts the survey page on r.
func Routes(r chi.Router, conversations *conversation.Service) {
	h := &handler{conversations: conversations}
	r.Get("/csat/{token}", h.show)
	r.Post("/csat/{token}", h.answer)
}

type handler struct {
	conversations *conversation.Service
}

type pageData struct {
	Survey  model.CSATResponse
	Token   string
	Error   string
	Done    bool
	Ratings []int
}

var page = template.Must(template.New("csat").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">
<title>How did we do?</title>
<style>
body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1f2933}
.ratings{display:flex;gap:.5rem;margin:1rem 0}
.ratings button{flex:1;font-size:1.4rem;padding:.8rem 0;border:1px solid #9aa5b1;border-radius:.4rem;background:#fff;cursor:pointer}
.ratings button:hover,.ratings button:focus{background:#e4f0ff}
textarea{width:100%;min-height:5rem;font:inherit}
.err{color:#b00020}
</style></head><body>
{{if .Done}}
<h1>Thank you!</h1>
<p id="thanks">You rated this conversation {{with .Survey.Rating}}{{.}}{{end}} out of 5.{{if .Survey.Comment}} Your comment: “{{.Survey.Comment}}”{{end}}</p>
{{else}}
<h1>How did we do?</h1>
<p>Rate the help you got, from 1 (poor) to 5 (great). One click is enough; a comment is welcome.</p>
{{if .Error}}<p class="err" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/csat/{{.Token}}">
<label for="comment">Comment (optional)</label>
<textarea id="comment" name="comment" maxlength="2000"></textarea>
<div class="ratings" role="group" aria-label="Rating">
{{range .Ratings}}<button type="submit" name="rating" value="{{.}}" aria-label="{{.}} out of 5">{{.}}</button>{{end}}
</div>
</form>
{{end}}
</body></html>`))

func (h *handler) render(w http.ResponseWriter, status int, d pageData) {
	d.Ratings = []int{1, 2, 3, 4, 5}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	w.WriteHeader(status)
	_ = page.Execute(w, d)
}

func (h *handler) show(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	s, err := h.conversations.Survey(r.Context(), token)
	if err != nil {
		http.Error(w, "This survey link is not valid.", http.StatusNotFound)
		return
	}
	h.render(w, http.StatusOK, pageData{Survey: s, Token: token, Done: s.AnsweredAt != nil})
}

func (h *handler) answer(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "The answer is too long.", http.StatusRequestEntityTooLarge)
		return
	}
	rating, _ := strconv.Atoi(r.PostForm.Get("rating"))
	s, err := h.conversations.AnswerSurvey(r.Context(), token, rating, r.PostForm.Get("comment"))
	switch apperr.KindOf(err) {
	case apperr.KindNotFound:
		http.Error(w, "This survey link is not valid.", http.StatusNotFound)
	case apperr.KindInvalid:
		h.render(w, http.StatusBadRequest, pageData{Survey: s, Token: token, Error: "Choose a rating from 1 to 5; a comment may be up to 2000 characters."})
	case apperr.KindConflict:
		s, _ = h.conversations.Survey(r.Context(), token)
		h.render(w, http.StatusConflict, pageData{Survey: s, Token: token, Done: true})
	default:
		if err != nil {
			http.Error(w, "Something went wrong; please try again.", http.StatusInternalServerError)
			return
		}
		h.render(w, http.StatusOK, pageData{Survey: s, Token: token, Done: true})
	}
}
