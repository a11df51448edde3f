// Package channeltest signs and sends channel requests in tests.
package channeltest

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/channel"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/testutil"
)

// Secret is the secret of inboxes made by Inbox.
const Secret = "test-secret-0123456789abcdef"

// Inbox makes an inbox of channel ch with Secret and extra settings.
func Inbox(t *testing.T, e *testutil.Env, name string, ch model.Channel, settings map[string]any, members ...model.Actor) model.Inbox {
	t.Helper()
	s := map[string]any{"secret": Secret}
	for k, v := range settings {
		s[k] = v
	}
	raw, err := json.Marshal(s)
	testutil.NoErr(t, err)
	in, err := e.Accounts.CreateInbox(testutil.Ctx(), model.System, account.InboxCreateRequest{Name: name, Channel: ch, Settings: raw})
	testutil.NoErr(t, err)
	for _, m := range members {
		_, err := e.Accounts.AddInboxMember(testutil.Ctx(), model.System, in.ID, m.UserID)
		testutil.NoErr(t, err)
	}
	return in.Inbox
}

// Post sends body to path signed with secret at the env's clock time.
func Post(t *testing.T, e *testutil.Env, secret, path string, body any) testutil.Response {
	t.Helper()
	raw, ok := body.([]byte)
	if !ok {
		var err error
		raw, err = json.Marshal(body)
		testutil.NoErr(t, err)
	}
	ts := e.Clock.Now().Unix()
	return e.Call(t, "", "POST", path, raw, channel.TimestampHeader, strconv.FormatInt(ts, 10),
		channel.SignatureHeader, channel.Sign(secret, ts, raw))
}
