package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/parley-hq/parley/internal/testutil"
)

// TestOwnPasswordAndBearerScheme: with the current password an agent
// changes their own and signs in with the new one; the bearer scheme is
// case-insensitive.
func TestOwnPasswordAndBearerScheme(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := newFixture(t, e)
		f.call(t, f.aTok, "PATCH", fmt.Sprintf(api+"/users/%d", f.agentA.UserID),
			map[string]any{"password": "a-new-secret", "current_password": "password123"}, http.StatusOK)
		f.call(t, "", "POST", api+"/auth/login", map[string]any{"email": "agent.a@parley.test", "password": "a-new-secret"}, http.StatusOK)
		f.call(t, "", "POST", api+"/auth/login", map[string]any{"email": "agent.a@parley.test", "password": "password123"}, http.StatusUnauthorized)
		if r := e.Call(t, "", "GET", api+"/me", nil, "Authorization", "bearer "+f.aTok); r.Status != http.StatusOK {
			t.Fatalf("a lower-case bearer scheme: %d %s", r.Status, r.Body)
		}
	})
}
