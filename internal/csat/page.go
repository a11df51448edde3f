// Package csat serves the customer's satisfaction survey: a public page at
// /csat/{token}, reached from the links sent when a conversation resolves,
// usable without signing in. The token is the only key; it is stored hashed.
//
// A rating link (/csat/{token}?rating=4) records the rating at once in the
// customer's browser: the page it opens posts the rating by itself (a
// one-line script; without script, one "Confirm" click). A GET alone never
// records anything, so mail scanners that fetch every link cannot vote.
// The thank-you page then offers an optional comment; for
// model.CSATChangeWindow the customer may still change the rating or the
// comment, after which the answer is final.
package csat

import (
	"crypto/rand"
	"encoding/base64"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
)

// Routes mounts the survey page on r.
func Routes(r chi.Router, conversations *conversation.Service, now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	h := &handler{conversations: conversations, now: now}
	r.Get("/csat/{token}", h.show)
	r.Post("/csat/{token}", h.answer)
}

type handler struct {
	conversations *conversation.Service
	now           func() time.Time
}

type rating struct {
	Rating int
	Label  string
}

type pageData struct {
	Survey     model.CSATResponse
	Token      string
	Error      string
	Done       bool // answered
	Changeable bool // answered, and still within the change window
	Confirm    int  // a rating link was opened: post this rating
	Label      string
	Nonce      string
	Ratings    []rating
}

var page = template.Must(template.New("csat").Funcs(template.FuncMap{"deref": func(p *int) int { return *p }}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">
<title>How did we do?</title>
<style>
body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1f2933}
.ratings{display:flex;gap:.5rem;margin:1rem 0}
.ratings button{flex:1;font-size:1.1rem;padding:.6rem 0;border:1px solid #9aa5b1;border-radius:.4rem;background:#fff;cursor:pointer}
.ratings button:hover,.ratings button:focus{background:#e4f0ff}
.ratings button[aria-pressed=true]{background:#1f5fbf;color:#fff;border-color:#1f5fbf}
.ratings small{display:block;font-size:.7rem}
textarea{width:100%;min-height:5rem;font:inherit}
.err{color:#b00020}
</style></head><body>
{{if .Confirm}}
<h1>How did we do?</h1>
<form method="post" action="/csat/{{.Token}}" id="confirm">
<input type="hidden" name="rating" value="{{.Confirm}}">
<p>Recording your rating: {{.Confirm}} – {{.Label}} …</p>
<button type="submit">Confirm {{.Confirm}} – {{.Label}}</button>
</form>
<script nonce="{{.Nonce}}">document.getElementById('confirm').submit()</script>
{{else}}
{{if .Done}}
<h1>Thank you!</h1>
<p id="thanks">You rated this conversation {{with .Survey.Rating}}{{.}}{{end}} out of 5.{{if .Survey.Comment}} Your comment: “{{.Survey.Comment}}”{{end}}</p>
{{if .Changeable}}<p>Anything to add? A comment helps us most. You can also change your rating for a few minutes.</p>{{end}}
{{else}}
<h1>How did we do?</h1>
<p>Rate the help you got, from 1 (bad) to 5 (great). One click is enough; a comment is welcome.</p>
{{end}}
{{if .Error}}<p class="err" role="alert">{{.Error}}</p>{{end}}
{{if or (not .Done) .Changeable}}
<form method="post" action="/csat/{{.Token}}">
<label for="comment">Comment (optional)</label>
<textarea id="comment" name="comment" maxlength="2000">{{.Survey.Comment}}</textarea>
{{if .Done}}{{with .Survey.Rating}}<p><button type="submit" name="rating" value="{{.}}" id="send-comment">Send comment</button></p>{{end}}{{end}}
<div class="ratings" role="group" aria-label="Rating">
{{$r := .Survey.Rating}}{{range .Ratings}}<button type="submit" name="rating" value="{{.Rating}}" aria-label="{{.Rating}} out of 5, {{.Label}}" aria-pressed="{{if $r}}{{if eq (deref $r) .Rating}}true{{else}}false{{end}}{{else}}false{{end}}">{{.Rating}}<small>{{.Label}}</small></button>{{end}}
</div>
</form>
{{end}}
{{end}}
</body></html>`))

func (h *handler) render(w http.ResponseWriter, status int, d pageData) {
	for i := len(conversation.SurveyRatings) - 1; i >= 0; i-- {
		r := conversation.SurveyRatings[i]
		d.Ratings = append(d.Ratings, rating{r.Rating, r.Label})
	}
	if d.Done && d.Survey.AnsweredAt != nil {
		d.Changeable = h.now().Before(d.Survey.AnsweredAt.Add(model.CSATChangeWindow))
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	d.Nonce = base64.RawStdEncoding.EncodeToString(b)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-"+d.Nonce+"'; form-action 'self'; frame-ancestors 'none'")
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
	d := pageData{Survey: s, Token: token, Done: s.AnsweredAt != nil}
	if n, err := strconv.Atoi(r.URL.Query().Get("rating")); err == nil && n >= 1 && n <= 5 {
		d.Confirm = n
		for _, x := range conversation.SurveyRatings {
			if x.Rating == n {
				d.Label = x.Label
			}
		}
		// The same rating again, or one that can no longer change: show
		// the answer rather than post it.
		if d.Done && ((s.Rating != nil && *s.Rating == n) || !h.now().Before(s.AnsweredAt.Add(model.CSATChangeWindow))) {
			d.Confirm = 0
		}
	}
	h.render(w, http.StatusOK, d)
}

func (h *handler) answer(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "The answer is too long.", http.StatusRequestEntityTooLarge)
		return
	}
	n, _ := strconv.Atoi(r.PostForm.Get("rating"))
	s, err := h.conversations.AnswerSurvey(r.Context(), token, n, r.PostForm.Get("comment"))
	switch apperr.KindOf(err) {
	case apperr.KindNotFound:
		http.Error(w, "This survey link is not valid.", http.StatusNotFound)
	case apperr.KindInvalid:
		s, _ = h.conversations.Survey(r.Context(), token)
		h.render(w, http.StatusBadRequest, pageData{Survey: s, Token: token, Done: s.AnsweredAt != nil, Error: "Choose a rating from 1 to 5; a comment may be up to 2000 characters."})
	case apperr.KindConflict:
		s, _ = h.conversations.Survey(r.Context(), token)
		h.render(w, http.StatusConflict, pageData{Survey: s, Token: token, Done: true, Error: "This answer can no longer be changed."})
	default:
		if err != nil {
			http.Error(w, "Something went wrong; please try again.", http.StatusInternalServerError)
			return
		}
		h.render(w, http.StatusOK, pageData{Survey: s, Token: token, Done: true})
	}
}
