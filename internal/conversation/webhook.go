package conversation

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/riverqueue/river"

	"github.com/parley-hq/parley/internal/model"
)

// WebhookArgs is one signed POST of a rule's "call webhook" action. The
// body is fixed when the rule runs, so a retry sends the same bytes.
type WebhookArgs struct {
	URL    string          `json:"url"`
	RuleID int64           `json:"rule_id"`
	Body   json.RawMessage `json:"body"`
	// Secret signs the body; it is the rule's, kept with the job so a
	// rule edited or deleted later does not break a delivery in flight.
	Secret string `json:"secret"`
}

// Kind names the job in River.
func (WebhookArgs) Kind() string { return "automation.webhook" }

// SignatureHeader carries "sha256=<hex HMAC of timestamp.body>".
const SignatureHeader = "X-Parley-Signature"

// Sign computes the signature a receiver checks: HMAC-SHA256 over
// "<timestamp>.<body>" with the rule's secret.
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.", timestamp)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func (o *op) enqueueWebhook(ctx context.Context, c model.Conversation, url string) error {
	var ruleID int64
	secret := ""
	if r := o.auto.rule; r != nil {
		ruleID, secret = r.ID, r.WebhookSecret
	}
	body, err := json.Marshal(map[string]any{"event": "automation.webhook", "rule_id": ruleID, "conversation": c, "sent_at": o.now})
	if err != nil {
		return err
	}
	return o.s.jobs.InsertTx(ctx, o.tx, WebhookArgs{URL: url, RuleID: ruleID, Body: body, Secret: secret},
		&river.InsertOpts{MaxAttempts: 8})
}

var errPrivateAddress = errors.New("webhooks may not reach private, loopback or link-local addresses")

// webhookClient refuses private addresses at connect time (after DNS), so
// a rule cannot be pointed at the server's own network.
func (s *Service) webhookClient() *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	if !s.auto.AllowPrivateWebhooks {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip := net.ParseIP(host)
			if ip == nil || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() || ip.IsMulticast() {
				return errPrivateAddress
			}
			return nil
		}
	}
	return &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DialContext: dialer.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (s *Service) deliverWebhook(ctx context.Context, a WebhookArgs) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.URL, bytes.NewReader(a.Body))
	if err != nil {
		return river.JobCancel(err)
	}
	ts := s.now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Parley-Webhook/1")
	req.Header.Set("X-Parley-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set(SignatureHeader, Sign(a.Secret, ts, a.Body))
	resp, err := s.webhookClient().Do(req)
	if err != nil {
		if errors.Is(err, errPrivateAddress) {
			return river.JobCancel(err)
		}
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("webhook %s answered %d", a.URL, resp.StatusCode)
	}
	return nil
}
