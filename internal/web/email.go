package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/parley-hq/parley/internal/apperr"
)

// emailFrameStyle is the only style the mail frame carries besides the
// customer's sanitised inline styles.
const emailFrameStyle = `body{font:14px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;overflow-wrap:anywhere}
img{max-width:100%;height:auto}img[data-remote-src]{display:inline-block;min-width:16px;min-height:16px;background:#eef}
details[data-parley-quoted]>summary{color:#667;cursor:pointer;font-size:12px;margin:.5em 0}
blockquote{margin:0 0 0 .5em;padding-left:.8em;border-left:2px solid #ccd;color:#445}table{max-width:100%}`

// messageHTML serves a mail's sanitised HTML as its own small document for
// a sandboxed iframe in the timeline: its CSP allows no script at all, and
// remote images only once the agent asked for them (?remote=1).
func (a *App) messageHTML(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		http.NotFound(w, r)
		return
	}
	remote := r.URL.Query().Get("remote") == "1"
	body, err := a.Email.MessageHTML(r.Context(), principal(r).Actor(), id, remote)
	if apperr.KindOf(err) == apperr.KindNotFound {
		http.NotFound(w, r)
		return
	} else if err != nil {
		a.Logger.ErrorContext(r.Context(), "message html", "message", id, "err", err)
		http.Error(w, "something went wrong on our side; it has been logged", http.StatusInternalServerError)
		return
	}
	img := "'self' data:"
	if remote {
		img += " https: http:"
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Security-Policy", "default-src 'none'; img-src "+img+"; style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'")
	fmt.Fprintf(w, "<!doctype html><html><head><meta charset=\"utf-8\"><base target=\"_blank\"><style>%s</style></head><body>%s</body></html>", emailFrameStyle, body)
}

// humanSize writes a byte count the way file managers do.
func humanSize(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.0f KB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
}
