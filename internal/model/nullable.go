package model

import (
	"bytes"
	"encoding/json"
)

// Nullable is a field of a partial update: absent (leave alone), null
// (clear) or a value (set). JSON alone cannot say this with a pointer.
type Nullable[T any] struct {
	Set   bool
	Null  bool
	Value T
}

// UnmarshalJSON records that the field was present, and whether it was null.
func (n *Nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		n.Null = true
		return nil
	}
	return json.Unmarshal(b, &n.Value)
}

// MarshalJSON writes null or the value; an absent field is left out by
// the omitzero tag option, which IsZero serves.
func (n Nullable[T]) MarshalJSON() ([]byte, error) {
	if n.Null {
		return []byte("null"), nil
	}
	return json.Marshal(n.Value)
}

// IsZero reports an absent field, for omitzero.
func (n Nullable[T]) IsZero() bool { return !n.Set }

// Ptr returns nil for null and a pointer to the value otherwise.
func (n Nullable[T]) Ptr() *T {
	if n.Null {
		return nil
	}
	v := n.Value
	return &v
}
