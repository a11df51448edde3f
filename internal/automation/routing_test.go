package automation_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
)

func TestAutoAssignmentAndAcknowledgement(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		b := e.User(t, "bo@parley.test", model.RoleAgent)
		c3 := e.User(t, "cy@parley.test", model.RoleAgent)
		for _, u := range []model.Actor{b, c3} {
			_, err := e.Accounts.AddInboxMember(ctx, model.System, f.inbox, u.UserID)
			testutil.NoErr(t, err)
		}
		// cy is away; bo takes at most one conversation.
		_, err := e.Accounts.UpdateUser(ctx, model.System, c3.UserID, account.UserPatch{Available: ptr(false)})
		testutil.NoErr(t, err)
		_, err = e.Accounts.UpdateUser(ctx, model.System, b.UserID, account.UserPatch{Capacity: ptr(1)})
		testutil.NoErr(t, err)
		var ack model.Template
		f.call(t, f.adminTok, "POST", api+"/templates", map[string]any{"name": "Ack", "scope": "everyone",
			"body": `Thanks {{ contact.first_name | default: "there" }}! {% if inbox.within_business_hours %}We will answer soon.{% else %}We are closed now.{% endif %}`}, 201).Decode(t, &ack)
		f.call(t, f.adminTok, "PATCH", fmt.Sprintf(api+"/inboxes/%d/automation", f.inbox),
			map[string]any{"assign_mode": "round_robin", "ack_template_id": ack.ID, "reassign_after": "30m"}, 200)

		var assignees []int64
		for i := range 3 {
			c := f.customer(t, "Client", fmt.Sprintf("c%d@example.com", i), "Help", "Please help")
			if c.AssigneeID == nil {
				assignees = append(assignees, 0)
			} else {
				assignees = append(assignees, *c.AssigneeID)
			}
			msgs := f.messages(t, c.ID)
			if len(msgs) != 2 || msgs[1].Body != "Thanks Client! We will answer soon." || msgs[1].SenderType != model.SenderSystem {
				t.Fatalf("acknowledgement = %+v", msgs)
			}
			if c.Status != model.StatusNew || c.FirstResponseAt != nil {
				t.Fatalf("the acknowledgement counted as an answer: %+v", c)
			}
		}
		// Dana, then Bo (now full), then Dana again: Cy is unavailable.
		want := []int64{f.agent.UserID, b.UserID, f.agent.UserID}
		if fmt.Sprint(assignees) != fmt.Sprint(want) {
			t.Fatalf("round robin = %v, want %v", assignees, want)
		}

		// No answer within 30 minutes: handed on (Bo is full, Cy away → nobody else but... Dana's goes to nobody).
		e.Clock.Advance(31 * time.Minute)
		first := f.customer(t, "Late", "late@example.com", "Help", "hello?")
		_, err = e.Accounts.UpdateUser(ctx, model.System, c3.UserID, account.UserPatch{Available: ptr(true)})
		testutil.NoErr(t, err)
		testutil.NoErr(t, e.Conversations.ReassignUnanswered(ctx, conversation.ReassignArgs{ConversationID: first.ID,
			AssigneeID: *first.AssigneeID, AssignedAt: e.Clock.Now().UnixMilli()}))
		got, _ := e.Conversations.Get(ctx, f.admin, first.ID)
		if got.AssigneeID == nil || *got.AssigneeID == *first.AssigneeID {
			t.Fatalf("not reassigned: %v (was %v)", got.AssigneeID, *first.AssigneeID)
		}

		// An assignee who becomes unavailable has their conversations handed on.
		holder := *got.AssigneeID
		_, err = e.Accounts.UpdateUser(ctx, model.System, holder, account.UserPatch{Available: ptr(false)})
		testutil.NoErr(t, err)
		testutil.NoErr(t, e.Conversations.ReassignUser(ctx, holder))
		got, _ = e.Conversations.Get(ctx, f.admin, first.ID)
		if got.AssigneeID != nil && *got.AssigneeID == holder {
			t.Fatalf("still with the unavailable agent")
		}
	})
}

func TestSnoozeUntilReplyAndCSAT(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		c := f.customer(t, "Gibson Praise", "gp@example.com", "Chess", "Check")
		path := fmt.Sprintf(api+"/conversations/%d", c.ID)
		f.call(t, f.agTok, "PATCH", path, map[string]any{"status": "open", "snoozed_until_reply": true}, 200)
		got, _ := e.Conversations.Get(ctx, f.admin, c.ID)
		if got.SnoozedUntil == nil || !got.SnoozedUntil.Equal(conversation.SnoozeUntilReply) {
			t.Fatalf("snoozed_until = %v", got.SnoozedUntil)
		}
		e.Clock.Advance(24 * time.Hour)
		_, err := e.Conversations.AddMessage(ctx, f.admin, c.ID, conversation.MessageRequest{Body: "Mate", Direction: "incoming"})
		testutil.NoErr(t, err)
		got, _ = e.Conversations.Get(ctx, f.admin, c.ID)
		if got.SnoozedUntil != nil {
			t.Fatalf("the customer's reply did not end the snooze")
		}

		// CSAT: on resolve, the customer gets a link; one answer, kept.
		f.call(t, f.adminTok, "PATCH", fmt.Sprintf(api+"/inboxes/%d/automation", f.inbox), map[string]any{"csat_enabled": true}, 200)
		f.call(t, f.agTok, "PATCH", path, map[string]any{"status": "resolved"}, 200)
		msgs := f.messages(t, c.ID)
		last := msgs[len(msgs)-1].Body
		i := strings.Index(last, "/csat/")
		if i < 0 {
			t.Fatalf("no survey link in %q", last)
		}
		token := last[i+len("/csat/"):]
		var stored int
		testutil.NoErr(t, e.Store.Reader.QueryRow(`SELECT COUNT(*) FROM csat_responses WHERE token_hash = $1`, token).Scan(&stored))
		if stored != 0 {
			t.Fatal("the token is stored in the clear")
		}
		page := e.Call(t, "", "GET", "/csat/"+token, nil)
		if page.Status != 200 || !strings.Contains(string(page.Body), "How did we do?") {
			t.Fatalf("survey page: %d %s", page.Status, page.Body)
		}
		if r := e.Call(t, "", "GET", "/csat/not-a-token", nil); r.Status != 404 {
			t.Fatalf("unknown token: %d", r.Status)
		}
		answer := func(rating string) testutil.Response {
			form := url.Values{"rating": {rating}, "comment": {"<b>Great</b> help"}}.Encode()
			return e.Call(t, "", "POST", "/csat/"+token, form, "Content-Type", "application/x-www-form-urlencoded")
		}
		if r := answer("9"); r.Status != http.StatusBadRequest {
			t.Fatalf("rating 9: %d", r.Status)
		}
		if r := answer("5"); r.Status != 200 || !strings.Contains(string(r.Body), "&lt;b&gt;Great&lt;/b&gt;") {
			t.Fatalf("answer: %d %s", r.Status, r.Body)
		}
		// Within ten minutes the customer may correct it; after that it is final.
		e.Clock.Advance(11 * time.Minute)
		if r := answer("1"); r.Status != http.StatusConflict {
			t.Fatalf("second answer: %d", r.Status)
		}
		var s model.CSATResponse
		f.call(t, f.agTok, "GET", path+"/csat", nil, 200).Decode(t, &s)
		if s.Rating == nil || *s.Rating != 5 || s.Comment != "<b>Great</b> help" || s.AssigneeID != nil && *s.AssigneeID == 0 {
			t.Fatalf("survey = %+v", s)
		}
		if n := count(f.events(t, c.ID), "csat.answered"); n != 1 {
			t.Fatalf("csat.answered events = %d", n)
		}
	})
}

func TestNoReplyRule(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		var r struct{ ID int64 }
		f.call(t, f.adminTok, "POST", api+"/automation-rules", map[string]any{"name": "Chase", "when": "no_reply_for", "after": "2h",
			"then": []any{map[string]any{"type": "set_priority", "value": "urgent"}}}, 201).Decode(t, &r)
		c := f.customer(t, "Frohike", "f@example.com", "Waiting", "Anyone?")
		var scheduled int
		testutil.NoErr(t, e.Store.Reader.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'automation.no_reply'`).Scan(&scheduled))
		if scheduled != 1 {
			t.Fatalf("no_reply jobs = %d", scheduled)
		}
		args := conversation.NoReplyArgs{ConversationID: c.ID, RuleID: r.ID, WaitingSince: c.WaitingSince.UnixMilli()}
		e.Clock.Advance(2 * time.Hour)
		testutil.NoErr(t, e.Conversations.NoReply(ctx, args))
		got, _ := e.Conversations.Get(ctx, f.admin, c.ID)
		if got.Priority != model.PriorityUrgent {
			t.Fatalf("priority = %s", got.Priority)
		}
		// Answered since: a late job does nothing.
		c2 := f.customer(t, "Byers", "b@example.com", "Waiting", "Anyone?")
		args2 := conversation.NoReplyArgs{ConversationID: c2.ID, RuleID: r.ID, WaitingSince: c2.WaitingSince.UnixMilli()}
		f.call(t, f.agTok, "POST", fmt.Sprintf(api+"/conversations/%d/messages", c2.ID), map[string]any{"body": "Here"}, 201)
		testutil.NoErr(t, e.Conversations.NoReply(ctx, args2))
		got, _ = e.Conversations.Get(ctx, f.admin, c2.ID)
		if got.Priority == model.PriorityUrgent {
			t.Fatal("a stale no-reply job fired")
		}
	})
}

func TestWebhookActionIsADurableSignedJob(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		f := setup(t, e)
		var r struct {
			ID            int64  `json:"id"`
			WebhookSecret string `json:"webhook_secret"`
		}
		f.call(t, f.adminTok, "POST", api+"/automation-rules", map[string]any{"name": "Tell the CRM", "when": "conversation_created",
			"then": []any{map[string]any{"type": "webhook", "value": "https://crm.example.com/hook"}}}, 201).Decode(t, &r)
		if !strings.HasPrefix(r.WebhookSecret, "whsec_") {
			t.Fatalf("secret = %q", r.WebhookSecret)
		}
		c := f.customer(t, "Skinner", "s@example.com", "Hook", "hello")
		var args string
		q := `SELECT args FROM river_job WHERE kind = 'automation.webhook'`
		if e.Dialect == "sqlite" {
			q = `SELECT json(args) FROM river_job WHERE kind = 'automation.webhook'` // River keeps JSONB there
		}
		testutil.NoErr(t, e.Store.Reader.QueryRow(q).Scan(&args))
		var job conversation.WebhookArgs
		testutil.NoErr(t, json.Unmarshal([]byte(args), &job))
		var payload struct {
			Event        string `json:"event"`
			Conversation struct {
				ID int64 `json:"id"`
			} `json:"conversation"`
		}
		testutil.NoErr(t, json.Unmarshal(job.Body, &payload))
		if job.URL != "https://crm.example.com/hook" || job.RuleID != r.ID || job.Secret != r.WebhookSecret ||
			payload.Event != "automation.webhook" || payload.Conversation.ID != c.ID {
			t.Fatalf("job = %+v, payload %+v", job, payload)
		}
		mac := hmac.New(sha256.New, []byte(r.WebhookSecret))
		fmt.Fprintf(mac, "%d.", int64(1700000000))
		mac.Write(job.Body)
		if got, want := conversation.Sign(r.WebhookSecret, 1700000000, job.Body), "sha256="+hex.EncodeToString(mac.Sum(nil)); got != want {
			t.Fatalf("signature %s, want %s", got, want)
		}
	})
}
