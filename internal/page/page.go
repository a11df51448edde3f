// Package page encodes the opaque keyset cursors of list endpoints and
// bounds their page sizes.
package page

import (
	"encoding/base64"
	"encoding/json"
	"strconv"

	"github.com/parley-hq/parley/internal/apperr"
)

// Limits of a page, as API.md sets them.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Encode turns a position into an opaque cursor.
func Encode(pos any) string {
	b, _ := json.Marshal(pos)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode reads a cursor made by Encode into pos; a bad cursor is a 400.
func Decode(cursor string, pos any) error {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || json.Unmarshal(b, pos) != nil {
		return apperr.Field("cursor", "is not a cursor this server gave out")
	}
	return nil
}

// Limit parses the limit parameter: empty means the default.
func Limit(s string) (int, error) {
	if s == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, apperr.Field("limit", "must be a whole number from 1 to 200")
	}
	return n, nil
}

// AfterID decodes an id cursor, used by lists ordered by id.
func AfterID(cursor string) (int64, error) {
	if cursor == "" {
		return 0, nil
	}
	var pos struct {
		ID int64 `json:"id"`
	}
	if err := Decode(cursor, &pos); err != nil {
		return 0, err
	}
	if pos.ID <= 0 {
		return 0, apperr.Field("cursor", "is not a cursor this server gave out")
	}
	return pos.ID, nil
}

// NextID returns the cursor after the last of n ids when the page was full.
func NextID(lastID int64, got, limit int) string {
	if got < limit {
		return ""
	}
	return Encode(struct {
		ID int64 `json:"id"`
	}{lastID})
}
