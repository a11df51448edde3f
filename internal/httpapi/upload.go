package httpapi

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
)

// MaxUploadBytes bounds a multipart request (files and fields together);
// each file is held to its inbox's own, smaller limit as it is read.
const MaxUploadBytes = 60 << 20

// isMultipart reports whether a request carries a form with files.
func isMultipart(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

// putFunc keeps one uploaded file and returns it as an attachment.
type putFunc func(filename, contentType string, data []byte) (model.Attachment, error)

// readUpload reads a multipart/form-data message: text fields (only those
// named in allowed) and one or more parts named "file", each at most
// limit bytes. At least one file is required; a JSON body is the way to
// send text alone.
func readUpload(r *http.Request, limit int64, allowed []string, put putFunc) (map[string]string, []model.Attachment, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, apperr.Invalid("the body is not a valid multipart/form-data form: "+err.Error(), nil)
	}
	fields := map[string]string{}
	var files []model.Attachment
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, nil, uploadError(err)
		}
		name := part.FormName()
		if name == "file" {
			if len(files) == 10 {
				return nil, nil, apperr.Field("file", "at most 10 files a message")
			}
			data, err := io.ReadAll(io.LimitReader(part, limit+1))
			if err != nil {
				return nil, nil, uploadError(err)
			}
			if int64(len(data)) > limit {
				return nil, nil, &apperr.Error{Kind: apperr.KindTooLarge, Message: fmt.Sprintf("the file %q is larger than this inbox's limit of %s", part.FileName(), sizeText(limit)),
					Fields: map[string]string{"file": "must be at most " + sizeText(limit)}}
			}
			if len(data) == 0 {
				return nil, nil, apperr.Field("file", "is empty")
			}
			a, err := put(part.FileName(), part.Header.Get("Content-Type"), data)
			if err != nil {
				return nil, nil, err
			}
			files = append(files, a)
			continue
		}
		ok := false
		for _, a := range allowed {
			ok = ok || a == name
		}
		if !ok {
			return nil, nil, apperr.Field(name, "is not a field of this form (expected "+strings.Join(append(allowed, "file"), ", ")+")")
		}
		b, err := io.ReadAll(io.LimitReader(part, MaxBodyBytes+1))
		if err != nil {
			return nil, nil, uploadError(err)
		}
		if len(b) > MaxBodyBytes {
			return nil, nil, &apperr.Error{Kind: apperr.KindTooLarge, Message: fmt.Sprintf("the field %s is larger than %d bytes", name, MaxBodyBytes)}
		}
		if strings.ContainsRune(string(b), 0) {
			return nil, nil, apperr.Field(name, "holds a NUL character")
		}
		fields[name] = string(b)
	}
	if len(files) == 0 {
		return nil, nil, apperr.Field("file", "is required in a multipart form (send JSON for a message without files)")
	}
	return fields, files, nil
}

func uploadError(err error) error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return &apperr.Error{Kind: apperr.KindTooLarge, Message: fmt.Sprintf("the upload is larger than %s", sizeText(MaxUploadBytes))}
	}
	return apperr.Invalid("the multipart form is broken: "+err.Error(), nil)
}

func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// serveFile sends an attachment as a download: never rendered by the
// browser (Content-Disposition: attachment, nosniff, a sandboxing CSP).
func serveFile(w http.ResponseWriter, r *http.Request, att model.Attachment, f io.ReadSeeker) {
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

// addMessage is POST /conversations/{id}/messages: JSON, or a
// multipart/form-data form with the same fields and files named "file",
// each within the conversation's inbox's attachment limit.
func (a *api) addMessage(w http.ResponseWriter, r *http.Request) {
	if !isMultipart(r) || a.Chat == nil {
		byIDWithBody("conversation", http.StatusCreated, a.Conversations.AddMessage)(w, r)
		return
	}
	id, err := pathID(r, "id", "conversation")
	if err != nil {
		writeError(w, r, err)
		return
	}
	actor := principal(r).Actor()
	// Who may see the conversation is checked before any file is read.
	c, err := a.Conversations.Get(r.Context(), actor, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	limit, err := a.Chat.AttachmentLimit(r.Context(), c.InboxID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	fields, files, err := readUpload(r, limit, []string{"body", "kind", "status", "last_seen_message_id"}, a.Chat.PutFile)
	if err != nil {
		writeError(w, r, err)
		return
	}
	req := conversation.MessageRequest{Body: fields["body"], Kind: fields["kind"], Status: fields["status"], Files: files}
	if s, ok := fields["last_seen_message_id"]; ok && s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			writeError(w, r, apperr.Field("last_seen_message_id", "must be a message id"))
			return
		}
		req.LastSeenMessageID = &n
	}
	m, err := a.Conversations.AddMessage(r.Context(), actor, id, req)
	respond(w, r, http.StatusCreated, m, err)
}
