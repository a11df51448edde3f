package httpapi

import (
	"net/http"
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
	serveFile(w, r, att, f)
}
