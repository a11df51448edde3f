package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/parley-hq/parley/internal/apperr"
)

// MaxBodyBytes bounds every request body; larger bodies answer 413.
const MaxBodyBytes = 1 << 20

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

var statusOf = map[apperr.Kind]int{
	apperr.KindInvalid:         http.StatusBadRequest,
	apperr.KindUnauthenticated: http.StatusUnauthorized,
	apperr.KindForbidden:       http.StatusForbidden,
	apperr.KindNotFound:        http.StatusNotFound,
	apperr.KindConflict:        http.StatusConflict,
	apperr.KindRateLimited:     http.StatusTooManyRequests,
	apperr.KindTooLarge:        http.StatusRequestEntityTooLarge,
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers with the one error shape. Errors without a kind are
// logged and shown as a bare 500, never with their internals.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		slog.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{errorDetail{Code: "internal", Message: "something went wrong on our side; it has been logged"}})
		return
	}
	status, ok := statusOf[ae.Kind]
	if !ok {
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, errorBody{errorDetail{Code: ae.Kind.Code(), Message: ae.Message, Fields: ae.Fields}})
}

// decode reads a JSON body into v strictly: unknown fields, trailing data,
// wrong types and oversized bodies are the caller's errors. The body is
// read as JSON whatever its Content-Type says (curl sends a form type by
// default); cookie callers are protected from cross-site posts by CSRF.
// The body must be an object: a bare null would decode as "no fields" and
// let a write through as if the caller had sent {}.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return apperr.Invalid("the body has more than one JSON value", nil)
	}
	if _, err := dec.Token(); err != io.EOF {
		return apperr.Invalid("the body has data after its JSON value", nil)
	}
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return apperr.Invalid("the body must be a JSON object", nil)
	}
	if hasNUL(raw) {
		return apperr.Invalid(`the body holds a NUL character (\u0000), which no text may contain`, nil)
	}
	strict := json.NewDecoder(bytes.NewReader(raw))
	strict.DisallowUnknownFields()
	if err := strict.Decode(v); err != nil {
		return jsonError(err)
	}
	return nil
}

// hasNUL reports whether a JSON text escapes a NUL character (a raw one is
// a syntax error already). PostgreSQL cannot store NUL in text, so without
// this check such input answers 500 there and is stored on SQLite.
func hasNUL(raw []byte) bool {
	for i := 0; i+1 < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		if raw[i+1] == 'u' && bytes.HasPrefix(raw[i+2:], []byte("0000")) {
			return true
		}
		i++ // skip the escaped character, so "\\u0000" is not taken for one
	}
	return false
}

// onlyParams refuses query keys a list does not know, as the conversation
// list does, so a typo never silently returns everything.
func onlyParams(r *http.Request, known ...string) error {
	fields := map[string]string{}
	for k := range r.URL.Query() {
		if slices.Contains(known, k) {
			continue
		}
		if len(known) == 0 {
			fields[k] = "is not a parameter; this list takes none"
		} else {
			fields[k] = "is not a parameter; use " + strings.Join(known, ", ")
		}
	}
	if len(fields) > 0 {
		return apperr.Invalid("the list request is not valid", fields)
	}
	return nil
}

func jsonError(err error) error {
	var maxErr *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &maxErr):
		return &apperr.Error{Kind: apperr.KindTooLarge, Message: "the body is larger than " + strconv.Itoa(MaxBodyBytes) + " bytes"}
	case errors.Is(err, io.EOF):
		return apperr.Invalid("the body is empty; send a JSON object", nil)
	case errors.As(err, &typeErr):
		field := jsonPath(typeErr.Field)
		if field == "" {
			return apperr.Invalid("the body must be a JSON object", nil)
		}
		return apperr.Field(field, "must be "+describeType(typeErr.Type.String()))
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.Invalid("the body is not valid JSON", nil)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apperr.Field(name, "is not a known field")
	}
	// Errors from custom unmarshalers (times, for one) are about the value.
	return apperr.Invalid("the body has a value of the wrong form: "+err.Error(), nil)
}

func describeType(t string) string {
	switch {
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"), strings.HasPrefix(t, "float"):
		return "a number"
	case t == "string", strings.HasSuffix(t, "Status"), strings.HasSuffix(t, "Role"), strings.HasSuffix(t, "Channel"), strings.HasSuffix(t, "Type"), strings.HasSuffix(t, "Kind"):
		return "a string"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	}
	return "of another type"
}

// pathID reads an id from the URL; a malformed one names nothing, so 404.
func pathID(r *http.Request, name, what string) (int64, error) {
	n, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || n <= 0 {
		return 0, apperr.NotFound(what)
	}
	return n, nil
}

// list is the shape of every list response.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// respond writes v with status, or the error if there is one.
func respond(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, status, v)
}

// jsonPath drops the Go names of embedded structs (upper-case, as JSON
// names here never are) that encoding/json puts in a type error's path.
func jsonPath(field string) string {
	parts := strings.Split(field, ".")
	out := parts[:0]
	for _, p := range parts {
		if p != "" && p[0] >= 'A' && p[0] <= 'Z' {
			continue
		}
		out = append(out, p)
	}
	return strings.Join(out, ".")
}
