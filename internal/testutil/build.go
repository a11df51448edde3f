package testutil

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/model"
)

// User makes a user with the given role and returns it as an actor.
func (e *Env) User(t *testing.T, email string, role model.Role) model.Actor {
	t.Helper()
	u, err := e.Accounts.CreateUser(Ctx(), model.System, account.UserCreateRequest{Email: email, Name: email, Role: role, Password: "password123"})
	NoErr(t, err)
	return model.Actor{UserID: u.ID, Role: u.Role, Name: u.Name}
}

// Inbox makes an inbox of the given channel with the given members.
func (e *Env) Inbox(t *testing.T, name string, ch model.Channel, members ...model.Actor) int64 {
	t.Helper()
	in, err := e.Accounts.CreateInbox(Ctx(), model.System, account.InboxCreateRequest{Name: name, Channel: ch})
	NoErr(t, err)
	for _, m := range members {
		_, err := e.Accounts.AddInboxMember(Ctx(), model.System, in.ID, m.UserID)
		NoErr(t, err)
	}
	return in.ID
}

// Token issues an API token for an actor.
func (e *Env) Token(t *testing.T, a model.Actor) string {
	t.Helper()
	secret, _, err := e.Accounts.CreateToken(Ctx(), model.System, a.UserID, "test")
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// Response is what an API call answered.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic map.
func (r Response) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not a JSON object (%d): %s", r.Status, r.Body)
	}
	return m
}

// Decode decodes the body into v.
func (r Response) Decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// ErrorCode returns error.code of an error response, or "".
func (r Response) ErrorCode() string {
	var b struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &b)
	return b.Error.Code
}

// Call sends a request through the real router. body may be nil, a string
// (sent as is) or a value (sent as JSON).
func (e *Env) Call(t *testing.T, token, method, path string, body any, headers ...string) Response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req := httptest.NewRequest(method, path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)
	return Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}
