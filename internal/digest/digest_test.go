package digest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/channel/email"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/digest"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
)

var ctx = context.Background()

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// An opted-in supervisor gets one mail with the numbers, once, whatever
// restarts and second nodes happen; one who did not opt in gets none.
func TestWeeklySummaryGoesOutOnce(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		mail, port := testutil.StartMailSink(t)
		_, err := e.Accounts.CreateInbox(ctx, model.System, account.InboxCreateRequest{Name: "Support", Channel: model.ChannelEmail,
			Settings: []byte(fmt.Sprintf(`{"address":"help@acme.test","from_name":"Acme Help","smtp":{"host":"127.0.0.1","port":%d,"tls":"none"}}`, port))})
		testutil.NoErr(t, err)
		api := e.Inbox(t, "API", model.ChannelAPI)
		sup := e.User(t, "sup@acme.test", model.RoleSupervisor)
		quiet := e.User(t, "quiet@acme.test", model.RoleSupervisor)
		agent := e.User(t, "agent@acme.test", model.RoleAgent)

		// Opting in is one PATCH of one's own user; agents may not.
		if r := e.Call(t, e.Token(t, sup), "PATCH", fmt.Sprintf("/api/v1/users/%d", sup.UserID), map[string]any{"weekly_report": true}); r.Status != 200 || r.JSON(t)["weekly_report"] != true {
			t.Fatalf("opt in: %d %s", r.Status, r.Body)
		}
		if r := e.Call(t, e.Token(t, agent), "PATCH", fmt.Sprintf("/api/v1/users/%d", agent.UserID), map[string]any{"weekly_report": true}); r.Status != 400 || !strings.Contains(string(r.Body), "is for supervisors and admins") {
			t.Fatalf("agent opt in: %d %s", r.Status, r.Body)
		}
		if r := e.Call(t, e.Token(t, quiet), "PATCH", fmt.Sprintf("/api/v1/users/%d", quiet.UserID), map[string]any{"weekly_report": "yes"}); r.Status != 400 {
			t.Fatalf("bad value: %d %s", r.Status, r.Body)
		}

		// Three unresolved conversations, two waiting (one answered), none assigned.
		e.Clock.Set(at("2026-02-27T10:00:00Z"))
		var ids []int64
		for i := range 3 {
			c, err := e.Conversations.Create(ctx, sup, conversation.CreateRequest{InboxID: api, Contact: contact.Ref{Email: fmt.Sprintf("c%d@example.com", i)},
				Subject: "help", Message: conversation.MessageRequest{Body: "help", Direction: "incoming"}})
			testutil.NoErr(t, err)
			ids = append(ids, c.ID)
		}
		_, err = e.Conversations.AddMessage(ctx, sup, ids[0], conversation.MessageRequest{Body: "on it"})
		testutil.NoErr(t, err)

		// Monday 2 March 08:05 UTC: five minutes after the default send time.
		e.Clock.Set(at("2026-03-02T08:05:00Z"))
		e.StartJobs(t)
		select {
		case <-mail.Arrived():
		case <-time.After(20 * time.Second):
			t.Fatal("no weekly summary reached the SMTP server")
		}
		got := mail.Mails()
		if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != "sup@acme.test" {
			t.Fatalf("mails: %+v", got)
		}
		p, err := email.Parse(got[0].Raw, email.ParseOptions{})
		testutil.NoErr(t, err)
		if p.Subject != "Parley weekly summary: 23 Feb – 1 Mar 2026" || p.FromEmail != "help@acme.test" {
			t.Fatalf("subject %q from %q", p.Subject, p.FromEmail)
		}
		// The week of 23 Feb – 1 Mar had the three new conversations and the
		// one first response (at once: 0s); the week before had nothing.
		for _, want := range []string{"Hello sup@acme.test", "New conversations                       3   (week before: 0)",
			"Resolved                                0   (week before: 0)", "First response, median                 0s   (week before: —)", "Unresolved conversations: 3 (3 unassigned)", "Waiting for a reply: 2", "SLA breached: 0"} {
			if !strings.Contains(p.Text, want) {
				t.Errorf("mail lacks %q:\n%s", want, p.Text)
			}
		}

		// Once the send is recorded (a crash between the SMTP server's
		// acceptance and this record would send again: mail is at least
		// once), a restart and a second node both run the schedule again
		// on start; neither sends the week a second time.
		deadline := time.Now().Add(10 * time.Second)
		for {
			sent, err := e.Store.WeeklyReportSent(ctx, sup.UserID, "2026-02-23")
			testutil.NoErr(t, err)
			if sent {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the send was never recorded")
			}
			time.Sleep(20 * time.Millisecond)
		}
		e.Restart(t)
		e.StartJobs(t)
		twin := e.Twin(t)
		twin.StartJobs(t)
		// The send itself refuses a week already sent, whoever asks.
		testutil.NoErr(t, twin.Digest.Send(ctx, sup.UserID, "2026-02-23"))
		testutil.NoErr(t, twin.Digest.FanOut(ctx, "2026-02-23"))
		select {
		case <-mail.Arrived():
			t.Fatalf("a second mail: %d in all", len(mail.Mails()))
		case <-time.After(3 * time.Second):
		}
		if n := len(mail.Mails()); n != 1 {
			t.Fatalf("%d mails, want 1", n)
		}
	})
}

func TestSchedule(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	s, err := digest.ParseSchedule("Mon 08:00", "Europe/Berlin")
	testutil.NoErr(t, err)
	// Sunday 29 March 2026 is the night Berlin moves to summer time: the
	// send stays at 08:00 local, an hour earlier in UTC.
	if got := s.Next(at("2026-03-27T12:00:00Z")); !got.Equal(time.Date(2026, 3, 30, 8, 0, 0, 0, berlin)) || got.UTC().Hour() != 6 {
		t.Errorf("next = %v", got)
	}
	if got := s.Next(at("2026-03-23T07:00:00Z")); !got.Equal(time.Date(2026, 3, 30, 8, 0, 0, 0, berlin)) {
		t.Errorf("next just after a send = %v", got)
	}
	if got := s.Next(at("2026-03-23T06:59:00Z")); !got.Equal(time.Date(2026, 3, 23, 8, 0, 0, 0, berlin)) {
		t.Errorf("next just before a send = %v", got)
	}
	from, to := s.Period(time.Date(2026, 3, 30, 8, 0, 0, 0, berlin))
	if !from.Equal(time.Date(2026, 3, 23, 0, 0, 0, 0, berlin)) || !to.Equal(time.Date(2026, 3, 30, 0, 0, 0, 0, berlin)) {
		t.Errorf("period = %v – %v", from, to)
	}
	for _, bad := range [][2]string{{"someday 08:00", ""}, {"monday 25:00", ""}, {"monday", ""}, {"monday 08:00", "Mars/Olympus"}} {
		if _, err := digest.ParseSchedule(bad[0], bad[1]); err == nil {
			t.Errorf("%q %q accepted", bad[0], bad[1])
		}
	}
}
