package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
)

// TestUnauthenticated walks every route of the router: without credentials,
// or with bad ones, each answers 401 unauthenticated and changes nothing.
func TestUnauthenticated(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := newFixture(t, e)
		valid := f.adminTok
		before := dbState(t, e)
		fill := strings.NewReplacer("{id}", fmt.Sprint(f.convA), "{user_id}", fmt.Sprint(f.agentA.UserID), "{tag}", "billing")
		for _, route := range apiRoutes(t, e) {
			method, pattern, _ := strings.Cut(route, " ")
			if pattern == api+"/auth/login" {
				continue // the one route for callers without credentials
			}
			path := fill.Replace(pattern)
			for _, c := range []struct {
				name   string
				header []string
			}{
				{"no credentials", nil},
				{"unknown token", []string{"Authorization", "Bearer pk_nope"}},
				{"empty bearer", []string{"Authorization", "Bearer "}},
				{"other scheme", []string{"Authorization", "Basic " + valid}},
				{"token without scheme", []string{"Authorization", valid}},
				{"unknown session", []string{"Cookie", "parley_session=ps_nope"}},
			} {
				t.Run(route+"/"+c.name, func(t *testing.T) {
					r := e.Call(t, "", method, path, `{}`, c.header...)
					checkError(t, r, http.StatusUnauthorized, "unauthenticated", "")
				})
			}
		}
		if d := stateDiff(before, dbState(t, e)); d != "" {
			t.Errorf("unauthenticated requests changed the database:%s", d)
		}
	})
}

// session is a signed-in browser: its cookie and CSRF token.
type session struct {
	cookie *http.Cookie
	csrf   string
}

func (s session) headers(csrf string) []string {
	h := []string{"Cookie", s.cookie.Name + "=" + s.cookie.Value}
	if csrf != "" {
		h = append(h, "X-CSRF-Token", csrf)
	}
	return h
}

func login(t *testing.T, e *testutil.Env, email, password string) (testutil.Response, session) {
	t.Helper()
	r := e.Call(t, "", "POST", api+"/auth/login", map[string]any{"email": email, "password": password})
	var s session
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "parley_session" {
			s.cookie = c
		}
	}
	var body struct {
		CSRFToken string `json:"csrf_token"`
	}
	if r.Status == http.StatusOK {
		r.Decode(t, &body)
	}
	s.csrf = body.CSRFToken
	return r, s
}

// TestSessionCookie signs in as a browser would: the cookie's flags, CSRF
// on every unsafe method, logout, and expiry.
func TestSessionCookie(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := newFixture(t, e)
		r, s := login(t, e, "Agent.A@parley.test", "password123")
		if r.Status != http.StatusOK {
			t.Fatalf("login: %d %s", r.Status, r.Body)
		}
		var body struct {
			User      struct{ Email string }
			CSRFToken string `json:"csrf_token"`
		}
		r.Decode(t, &body)

		t.Run("login answers the user and a CSRF token", func(t *testing.T) {
			if body.User.Email != "agent.a@parley.test" || body.CSRFToken == "" {
				t.Errorf("login body %s", r.Body)
			}
			if strings.Contains(string(r.Body), "password") {
				t.Errorf("login body shows the password hash: %s", r.Body)
			}
		})
		t.Run("cookie flags", func(t *testing.T) {
			c := s.cookie
			if c == nil {
				t.Fatalf("no parley_session cookie in %v", r.Header["Set-Cookie"])
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Value == "" {
				t.Errorf("cookie %+v: want HttpOnly, SameSite=Lax, Path=/", c)
			}
			if want := e.Clock.Now().Add(14 * 24 * time.Hour); c.Expires.Sub(want).Abs() > time.Minute {
				t.Errorf("cookie expires %v, want about %v", c.Expires, want)
			}
		})
		t.Run("cookie reads without CSRF", func(t *testing.T) {
			var me struct {
				ID        int64  `json:"id"`
				CSRFToken string `json:"csrf_token"`
			}
			f.call(t, "", "GET", api+"/me", nil, http.StatusOK, s.headers("")...).Decode(t, &me)
			if me.ID != f.agentA.UserID || me.CSRFToken != s.csrf {
				t.Errorf("me = %+v, want user %d with the login's CSRF token", me, f.agentA.UserID)
			}
		})

		// Each unsafe method needs the token; with it, the write goes through.
		tagged := convPath(f.convA) + "/tags/billing"
		for _, c := range []struct {
			method, path string
			body         any
			want         int
		}{
			{"POST", api + "/contacts", map[string]any{"email": "csrf@example.com"}, http.StatusCreated},
			{"PATCH", convPath(f.convA), map[string]any{"priority": "high"}, http.StatusOK},
			{"DELETE", tagged, nil, http.StatusOK},
		} {
			t.Run(c.method+" needs X-CSRF-Token", func(t *testing.T) {
				before := dbState(t, e)
				for _, csrf := range []string{"", "wrong", strings.ToUpper(s.csrf)} {
					r := e.Call(t, "", c.method, c.path, c.body, s.headers(csrf)...)
					checkError(t, r, http.StatusForbidden, "forbidden", "")
				}
				if d := stateDiff(before, dbState(t, e)); d != "" {
					t.Fatalf("refused CSRF requests changed the database:%s", d)
				}
				f.call(t, "", c.method, c.path, c.body, c.want, s.headers(s.csrf)...)
			})
		}

		t.Run("bearer callers need no CSRF token", func(t *testing.T) {
			f.call(t, f.aTok, "POST", api+"/contacts", map[string]any{"email": "bearer@example.com"}, http.StatusCreated)
		})

		t.Run("logout", func(t *testing.T) {
			// Without the token a cross-site page could sign the user out.
			checkError(t, e.Call(t, "", "POST", api+"/auth/logout", nil, s.headers("")...), http.StatusForbidden, "forbidden", "")
			f.call(t, "", "GET", api+"/me", nil, http.StatusOK, s.headers("")...)

			r := f.call(t, "", "POST", api+"/auth/logout", nil, http.StatusNoContent, s.headers(s.csrf)...)
			cleared := false
			for _, c := range (&http.Response{Header: r.Header}).Cookies() {
				cleared = cleared || (c.Name == "parley_session" && c.MaxAge < 0)
			}
			if !cleared {
				t.Errorf("logout does not clear the cookie: %v", r.Header["Set-Cookie"])
			}
			checkError(t, e.Call(t, "", "GET", api+"/me", nil, s.headers("")...), http.StatusUnauthorized, "unauthenticated", "")
			checkError(t, e.Call(t, "", "POST", api+"/contacts", map[string]any{"name": "X"}, s.headers(s.csrf)...), http.StatusUnauthorized, "unauthenticated", "")
		})

		t.Run("sessions expire after 14 days", func(t *testing.T) {
			_, s := login(t, e, "sup@parley.test", "password123")
			e.Clock.Advance(14*24*time.Hour - time.Minute)
			f.call(t, "", "GET", api+"/me", nil, http.StatusOK, s.headers("")...)
			e.Clock.Advance(2 * time.Minute)
			checkError(t, e.Call(t, "", "GET", api+"/me", nil, s.headers("")...), http.StatusUnauthorized, "unauthenticated", "")
		})
	})
}

// TestLoginFailures: wrong passwords and unknown emails look alike, open no
// session, and repeated failures are rate limited per email and per address.
func TestLoginFailures(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		e.User(t, "admin@parley.test", model.RoleAdmin)
		e.User(t, "agent@parley.test", model.RoleAgent)
		sessions := func() int {
			var n int
			if err := e.Store.Reader.QueryRow("SELECT COUNT(*) FROM sessions").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		t.Run("wrong password and unknown email answer alike", func(t *testing.T) {
			wrong, s1 := login(t, e, "admin@parley.test", "wrong-password")
			unknown, s2 := login(t, e, "nobody@parley.test", "password123")
			checkError(t, wrong, http.StatusUnauthorized, "unauthenticated", "")
			checkError(t, unknown, http.StatusUnauthorized, "unauthenticated", "")
			if string(wrong.Body) != string(unknown.Body) {
				t.Errorf("the answers tell the two apart: %s vs %s", wrong.Body, unknown.Body)
			}
			if s1.cookie != nil || s2.cookie != nil || sessions() != 0 {
				t.Errorf("a failed login set a cookie or opened a session")
			}
		})

		t.Run("per email", func(t *testing.T) {
			e.Clock.Advance(10 * time.Minute) // a fresh window
			for i := 0; i < 10; i++ {
				r, _ := login(t, e, "admin@parley.test", fmt.Sprintf("guess-%d", i))
				checkError(t, r, http.StatusUnauthorized, "unauthenticated", "")
			}
			r, _ := login(t, e, "admin@parley.test", "guess-10")
			checkError(t, r, http.StatusTooManyRequests, "rate_limited", "")
			// Locked out even with the right password: the guesser must not learn it.
			r, _ = login(t, e, "ADMIN@parley.test", "password123")
			checkError(t, r, http.StatusTooManyRequests, "rate_limited", "")
			if sessions() != 0 {
				t.Errorf("a rate-limited login opened a session")
			}
			e.Clock.Advance(5 * time.Minute)
			if r, _ := login(t, e, "admin@parley.test", "password123"); r.Status != http.StatusOK {
				t.Errorf("after the window: %d %s", r.Status, r.Body)
			}
		})

		t.Run("per address", func(t *testing.T) {
			e.Clock.Advance(10 * time.Minute)
			for i := 0; i < 10; i++ {
				r, _ := login(t, e, fmt.Sprintf("guess%d@parley.test", i), "password123")
				checkError(t, r, http.StatusUnauthorized, "unauthenticated", "")
			}
			r, _ := login(t, e, "agent@parley.test", "password123")
			checkError(t, r, http.StatusTooManyRequests, "rate_limited", "")
		})

		// A team behind one office address signs in at the start of a shift:
		// only failures may count toward the limit.
		t.Run("successful logins are not limited", func(t *testing.T) {
			e.Clock.Advance(10 * time.Minute)
			for i := 0; i < 11; i++ {
				email := fmt.Sprintf("shift%d@parley.test", i)
				e.User(t, email, model.RoleAgent)
				if r, _ := login(t, e, email, "password123"); r.Status != http.StatusOK {
					t.Fatalf("login %d of a team: %d %s", i+1, r.Status, r.Body)
				}
			}
		})
	})
}
