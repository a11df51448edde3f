// Package channel holds what the API, phone and chat channels share: the
// request signature (HMAC-SHA256 over a timestamp and the body, keyed by
// the inbox's secret), and the channel settings an inbox carries.
package channel

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
)

// The signature headers, on requests to Parley and on its webhooks.
const (
	TimestampHeader = "X-Parley-Timestamp"
	SignatureHeader = "X-Parley-Signature"
)

// MaxSkew is how far a request's timestamp may be from Parley's clock.
const MaxSkew = 5 * time.Minute

// MinSecretLength keeps secrets long enough not to be guessed.
const MinSecretLength = 16

// Settings are the channel keys of an inbox's settings.
type Settings struct {
	// Secret signs requests in both directions.
	Secret string `json:"secret"`
	// CallbackURL receives an API inbox's agent replies.
	CallbackURL string `json:"callback_url"`
	// AllowPrivateAddresses lets webhooks reach loopback and private
	// networks (a bridge on the same host, tests); off by default so an
	// admin's typo cannot make Parley probe the internal network.
	AllowPrivateAddresses bool `json:"allow_private_addresses"`
	// WidgetKey is the public key a chat widget's script tag carries.
	WidgetKey string `json:"widget_key"`
	// PrechatFields are the fields the chat widget asks for before the
	// first message: any of "name", "email", "phone". Empty: name and email.
	PrechatFields []string `json:"prechat_fields"`
	// Greeting is the chat widget's welcome line.
	Greeting string `json:"greeting"`
	// EmailInboxID names the email inbox a chat inbox's answers are mailed
	// from when the visitor has left the page.
	EmailInboxID int64 `json:"email_inbox_id"`
	// MaxAttachmentBytes bounds a file a chat visitor attaches (0: the
	// default, 10 MB).
	MaxAttachmentBytes int64 `json:"max_attachment_bytes"`
}

// SettingsOf reads an inbox's channel settings; unknown keys are ignored.
func SettingsOf(in model.Inbox) Settings {
	var s Settings
	_ = json.Unmarshal(in.Settings, &s)
	return s
}

// Sign returns the signature header value for a body sent at ts.
func Sign(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a request's timestamp (Unix seconds) and signature against
// the inbox's secret and returns the signature's hex digest, by which a
// replay is recognised.
func Verify(secret, timestamp, signature string, body []byte, now time.Time) (string, error) {
	if len(secret) < MinSecretLength {
		return "", apperr.Unauthenticated("this inbox has no secret yet: an admin sets settings.secret (at least 16 characters)")
	}
	if timestamp == "" || signature == "" {
		return "", apperr.Unauthenticated("sign the request: " + TimestampHeader + " (Unix seconds) and " + SignatureHeader + " (sha256=HMAC-SHA256 of timestamp + \".\" + body)")
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return "", apperr.Unauthenticated(TimestampHeader + " must be Unix seconds")
	}
	if d := now.Sub(time.Unix(ts, 0)); d > MaxSkew || d < -MaxSkew {
		return "", apperr.Unauthenticated(TimestampHeader + " is more than 5 minutes from the server's clock; sign each request when you send it")
	}
	want := Sign(secret, ts, body)
	if !hmac.Equal([]byte(strings.ToLower(strings.TrimSpace(signature))), []byte(want)) {
		return "", apperr.Unauthenticated("the signature does not match: HMAC-SHA256 with the inbox's secret over timestamp + \".\" + the exact body bytes")
	}
	return strings.TrimPrefix(want, "sha256="), nil
}

// SignUserID signs a website's user id for the chat widget.
func SignUserID(secret, userID string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(userID))
	return hex.EncodeToString(mac.Sum(nil))
}
