// Package apperr defines the typed errors that domain services return. The
// HTTP layer maps each Kind to one status code and one JSON shape, so no
// domain package needs to know about HTTP.
package apperr

import (
	"errors"
	"fmt"
)

// Kind classifies an error for callers; each maps to one HTTP status.
type Kind int

// The kinds of error a service may return.
const (
	KindInternal Kind = iota
	KindInvalid
	KindUnauthenticated
	KindForbidden
	KindNotFound
	KindConflict
	KindRateLimited
	KindTooLarge
)

// Code is the stable machine-readable name of a kind, as in API.md.
func (k Kind) Code() string {
	switch k {
	case KindInvalid:
		return "validation_failed"
	case KindUnauthenticated:
		return "unauthenticated"
	case KindForbidden:
		return "forbidden"
	case KindNotFound:
		return "not_found"
	case KindConflict:
		return "conflict"
	case KindRateLimited:
		return "rate_limited"
	case KindTooLarge:
		return "too_large"
	default:
		return "internal"
	}
}

// Error is an error that is safe to show to the caller.
type Error struct {
	Kind    Kind
	Message string
	// Fields names the request fields at fault, with a reason each.
	Fields map[string]string
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Message, e.Err)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Invalid reports bad input; fields may be nil.
func Invalid(msg string, fields map[string]string) *Error {
	return &Error{Kind: KindInvalid, Message: msg, Fields: fields}
}

// Field reports one bad field.
func Field(field, reason string) *Error {
	return &Error{Kind: KindInvalid, Message: field + ": " + reason, Fields: map[string]string{field: reason}}
}

// NotFound reports a missing (or invisible) resource.
func NotFound(what string) *Error {
	return &Error{Kind: KindNotFound, Message: what + " not found"}
}

// Forbidden reports an action the caller's role does not allow.
func Forbidden(msg string) *Error { return &Error{Kind: KindForbidden, Message: msg} }

// Conflict reports an action the current state does not allow.
func Conflict(msg string) *Error { return &Error{Kind: KindConflict, Message: msg} }

// Unauthenticated reports missing or bad credentials.
func Unauthenticated(msg string) *Error { return &Error{Kind: KindUnauthenticated, Message: msg} }

// RateLimited reports too many attempts.
func RateLimited(msg string) *Error { return &Error{Kind: KindRateLimited, Message: msg} }

// KindOf returns the kind of err, KindInternal when it carries none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}
