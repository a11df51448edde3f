package email_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/channel/email"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/sla"
	"github.com/parley-hq/parley/internal/testutil"
)

// The acknowledgement and the satisfaction survey go out by email as
// automatic messages: neither counts as the first response (the SLA clock
// keeps running, first_response_at stays empty). The survey mail carries
// five one-click rating links; opening one posts the rating from the
// browser (a GET alone records nothing), a comment can follow, the answer
// can change for ten minutes and is final after that.
func TestCSATByEmail(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		ctx := testutil.Ctx()
		sink, port := startSink(t)
		inbox := emailInbox(t, e, fmt.Sprintf(`{"address":"support@acme.test","smtp":{"host":"127.0.0.1","port":%d,"tls":"none"}}`, port))
		admin := e.User(t, "admin@acme.test", model.RoleAdmin)
		tok := e.Token(t, admin)
		name := "First reply"
		_, err := e.SLA.CreatePolicy(ctx, admin, sla.PolicyRequest{Name: &name, FirstResponse: &sla.Targets{time.Hour, time.Hour, time.Hour, time.Hour}})
		testutil.NoErr(t, err)
		var tpl struct{ ID int64 }
		if r := e.Call(t, tok, "POST", "/api/v1/templates", map[string]any{"name": "Ack", "scope": "everyone", "body": "We got your message."}); r.Status != 201 {
			t.Fatalf("template: %d %s", r.Status, r.Body)
		} else {
			r.Decode(t, &tpl)
		}
		if r := e.Call(t, tok, "PATCH", fmt.Sprintf("/api/v1/inboxes/%d/automation", inbox), map[string]any{"ack_template_id": tpl.ID, "csat_enabled": true}); r.Status != 200 {
			t.Fatalf("inbox automation: %d %s", r.Status, r.Body)
		}
		e.StartJobs(t)
		_, first := ingest(t, e, inbox, mail{from: "Ana <ana@example.com>", to: inboxAddress, subject: "Kettle broken", id: "a1@example.com", body: "It broke."}.raw())
		conv := first.ConversationID
		next := func(what string) *email.Parsed {
			t.Helper()
			select {
			case raw := <-sink.got:
				p, err := email.Parse(raw, email.ParseOptions{})
				testutil.NoErr(t, err)
				return p
			case <-time.After(10 * time.Second):
				t.Fatalf("no %s reached the SMTP server", what)
			}
			return nil
		}
		if ack := next("acknowledgement"); !strings.Contains(ack.Text, "We got your message.") {
			t.Fatalf("acknowledgement mail: %q", ack.Text)
		}
		st, err := e.SLA.ConversationSLA(ctx, admin, conv)
		testutil.NoErr(t, err)
		if len(st.Clocks) == 0 || st.Clocks[0].Target != sla.FirstResponse || st.Clocks[0].State != "running" {
			t.Fatalf("the acknowledgement stopped the first-response clock: %+v", st.Clocks)
		}

		resolved := model.StatusResolved
		_, err = e.Conversations.Update(ctx, admin, conv, conversation.Patch{Status: &resolved})
		testutil.NoErr(t, err)
		survey := next("survey")
		links := regexp.MustCompile(`(\d) – [A-Za-z ]+: (http\S+/csat/\S+\?rating=(\d))`).FindAllStringSubmatch(survey.Text, -1)
		if len(links) != 5 {
			t.Fatalf("survey mail has %d rating links, want 5:\n%s", len(links), survey.Text)
		}
		for _, l := range links {
			if l[1] != l[3] {
				t.Fatalf("link %q is labelled %s", l[2], l[1])
			}
		}
		c, err := e.Conversations.Get(ctx, admin, conv)
		testutil.NoErr(t, err)
		msgs := messages(t, e, conv)
		last := msgs[len(msgs)-1]
		if c.FirstResponseAt != nil || last.SenderType != model.SenderSystem || !strings.Contains(last.Body, "?rating=5") {
			t.Fatalf("the survey counted as a reply: first_response_at %v, last message %+v", c.FirstResponseAt, last)
		}
		var met int
		testutil.NoErr(t, e.Store.Reader.QueryRow(`SELECT COUNT(*) FROM sla_outcomes WHERE conversation_id = $1 AND kind = 'met'`, conv).Scan(&met))
		if met != 0 {
			t.Fatalf("automatic messages met %d SLA targets", met)
		}

		// Opening the "4" link shows a page that posts 4 by itself; the GET
		// records nothing.
		u, err := url.Parse(links[1][2])
		testutil.NoErr(t, err)
		path := u.Path
		page := e.Call(t, "", "GET", path+"?"+u.RawQuery, nil)
		if page.Status != 200 || !strings.Contains(string(page.Body), `name="rating" value="4"`) || !strings.Contains(string(page.Body), `.submit()`) ||
			!strings.Contains(page.Header.Get("Content-Security-Policy"), "script-src 'nonce-") {
			t.Fatalf("rating link page: %d %s", page.Status, page.Body)
		}
		rating := func() (int, string) {
			t.Helper()
			s, err := e.Conversations.ConversationSurvey(ctx, admin, conv)
			testutil.NoErr(t, err)
			if s.Rating == nil {
				return 0, s.Comment
			}
			return *s.Rating, s.Comment
		}
		if r, _ := rating(); r != 0 {
			t.Fatalf("a GET recorded rating %d", r)
		}
		post := func(rating, comment string) testutil.Response {
			form := url.Values{"rating": {rating}, "comment": {comment}}.Encode()
			return e.Call(t, "", "POST", path, form, "Content-Type", "application/x-www-form-urlencoded")
		}
		if r := post("4", ""); r.Status != 200 || !strings.Contains(string(r.Body), "You rated this conversation 4 out of 5") || !strings.Contains(string(r.Body), `id="send-comment"`) {
			t.Fatalf("rating: %d %s", r.Status, r.Body)
		}
		if r := post("4", "Quick and kind"); r.Status != 200 {
			t.Fatalf("comment: %d %s", r.Status, r.Body)
		}
		// A second link clicked a few minutes later changes the rating and keeps the comment.
		e.Clock.Advance(5 * time.Minute)
		if r := post("2", ""); r.Status != 200 {
			t.Fatalf("changed rating: %d %s", r.Status, r.Body)
		}
		if r, c := rating(); r != 2 || c != "Quick and kind" {
			t.Fatalf("after the change: %d %q", r, c)
		}
		// After ten minutes the answer is final.
		e.Clock.Advance(6 * time.Minute)
		if r := post("5", "Changed my mind"); r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "can no longer be changed") {
			t.Fatalf("late change: %d %s", r.Status, r.Body)
		}
		if page := e.Call(t, "", "GET", path+"?rating=5", nil); page.Status != 200 || strings.Contains(string(page.Body), ".submit()") {
			t.Fatalf("a final answer's link still posts: %s", page.Body)
		}
		if r, c := rating(); r != 2 || c != "Quick and kind" {
			t.Fatalf("the final answer moved: %d %q", r, c)
		}
		var answered, changed int
		for _, ev := range events(t, e, conv) {
			switch ev.Action {
			case "csat.answered":
				answered++
			case "csat.changed":
				changed++
			}
		}
		if answered != 1 || changed != 2 {
			t.Fatalf("csat.answered %d, csat.changed %d; want 1 and 2", answered, changed)
		}
	})
}

func events(t *testing.T, e *testutil.Env, conv int64) []model.Event {
	t.Helper()
	evs, err := e.Conversations.Events(testutil.Ctx(), model.System, conv, 0, 200)
	testutil.NoErr(t, err)
	return evs
}
