package httpapi

import (
	"mime"
	"net/http"
	"strings"
	"time"
)

// downloadAttachment serves a mail attachment as a download: never
// rendered by the browser (Content-Disposition: attachment, nosniff, a
// sandboxing CSP), only to callers who may see its conversation.
func (a *api) downloadAttachment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "attachment")
	if err != nil {
		writeError(w, r, err)
		return
	}
	att, f, err := a.Email.Attachment(r.Context(), principal(r).Actor(), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	defer f.Close()
	ct := att.ContentType
	if _, _, perr := mime.ParseMediaType(ct); perr != nil || ct == "" || strings.ContainsAny(ct, "\r\n") {
		ct = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": att.Filename}))
	h.Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(w, r, "", time.Time{}, f)
}
