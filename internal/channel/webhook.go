package channel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"syscall"
	"time"

	"github.com/riverqueue/river"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// Enqueuer inserts durable jobs inside a transaction.
type Enqueuer interface {
	InsertTx(ctx context.Context, tx *store.Tx, args river.JobArgs, opts *river.InsertOpts) error
}

// DeliveryHeader carries the delivery id on every webhook, so a receiver
// can tell a retry of a delivery from a new one.
const DeliveryHeader = "X-Parley-Delivery"

// Webhooks delivers logged payloads to inboxes' callback URLs by durable
// jobs, retried with exponential backoff.
type Webhooks struct {
	store *store.Store
	jobs  Enqueuer
	now   func() time.Time
	// RetryBase is the first retry's delay; each next one doubles, up to
	// an hour. MaxAttempts bounds the attempts before a delivery fails.
	RetryBase   time.Duration
	MaxAttempts int
	// Timeout bounds one attempt.
	Timeout time.Duration
}

// NewWebhooks returns the webhook delivery and registers its worker.
func NewWebhooks(st *store.Store, jobs Enqueuer, workers *river.Workers, now func() time.Time) *Webhooks {
	w := &Webhooks{store: st, jobs: jobs, now: now, RetryBase: 10 * time.Second, MaxAttempts: 10, Timeout: 10 * time.Second}
	river.AddWorker(workers, &deliveryWorker{w: w})
	return w
}

// DeliverArgs is the job that makes one attempt at a delivery.
type DeliverArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

// Kind names the job in River.
func (DeliverArgs) Kind() string { return "channel.deliver" }

type deliveryWorker struct {
	river.WorkerDefaults[DeliverArgs]
	w *Webhooks
}

func (d *deliveryWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	return d.w.attempt(ctx, job.Args.DeliveryID, job.Attempt >= job.MaxAttempts)
}

// NextRetry doubles the delay after each failed attempt.
func (d *deliveryWorker) NextRetry(job *river.Job[DeliverArgs]) time.Time {
	delay := d.w.RetryBase << min(job.Attempt-1, 20)
	return time.Now().Add(min(delay, time.Hour))
}

// Enqueue logs a delivery and inserts its job in the caller's transaction.
// Without a target (an inbox with no callback URL yet) the delivery is
// logged as failed at once rather than retried in vain; an admin retries
// it once the URL is set.
func (w *Webhooks) Enqueue(ctx context.Context, tx *store.Tx, d store.Delivery) error {
	id, err := tx.CreateDelivery(ctx, d)
	if err != nil {
		return err
	}
	if d.Target == "" {
		return tx.FailDelivery(ctx, id, "the inbox has no callback_url", w.now())
	}
	return w.jobs.InsertTx(ctx, tx, DeliverArgs{DeliveryID: id}, &river.InsertOpts{MaxAttempts: w.MaxAttempts})
}

// attempt posts a delivery once and logs the outcome; an error makes River
// retry it later.
func (w *Webhooks) attempt(ctx context.Context, id int64, last bool) error {
	d, err := w.store.DeliveryByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil // its conversation was deleted
	} else if err != nil {
		return err
	}
	if d.Status == "delivered" || d.Kind != "webhook" {
		return nil
	}
	inbox, err := w.store.InboxByID(ctx, d.InboxID)
	if err != nil {
		return err
	}
	settings := SettingsOf(inbox)
	code, err := w.post(ctx, settings, []byte(d.Payload), id)
	status := "delivered"
	errText := ""
	if err != nil {
		status, errText = "pending", err.Error()
		if last {
			status = "failed"
		}
	}
	if rerr := w.store.RecordDeliveryAttempt(ctx, id, status, code, errText, w.now()); rerr != nil {
		return errors.Join(err, rerr)
	}
	return err
}

// post sends a signed payload to the inbox's callback URL.
func (w *Webhooks) post(ctx context.Context, s Settings, payload []byte, id int64) (int, error) {
	u, err := url.Parse(s.CallbackURL)
	if s.CallbackURL == "" {
		return 0, errors.New("the inbox has no callback_url")
	}
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return 0, errors.New("the inbox's callback_url is not an http(s) URL")
	}
	if len(s.Secret) < MinSecretLength {
		return 0, errors.New("the inbox has no secret to sign with")
	}
	ctx, cancel := context.WithTimeout(ctx, w.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(payload))
	if err != nil {
		return 0, err
	}
	ts := w.now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Parley-Webhook/1")
	req.Header.Set(TimestampHeader, strconv.FormatInt(ts, 10))
	req.Header.Set(SignatureHeader, Sign(s.Secret, ts, payload))
	req.Header.Set(DeliveryHeader, strconv.FormatInt(id, 10))
	resp, err := client(s.AllowPrivateAddresses).Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("the callback answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

var publicClient, anyClient = newClient(false), newClient(true)

func client(allowPrivate bool) *http.Client {
	if allowPrivate {
		return anyClient
	}
	return publicClient
}

// newClient makes a client that, unless allowPrivate, refuses to connect
// to loopback, private, link-local and unspecified addresses. The check
// runs on the address actually dialled, after DNS, so a hostname that
// resolves to an internal address is refused too. Redirects are not
// followed: a 3xx counts as a failed attempt.
func newClient(allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if !allowPrivate {
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || Private(ip) {
				return fmt.Errorf("refusing to connect to %s, a private or loopback address (the inbox setting allow_private_addresses permits it)", host)
			}
			return nil
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.DialContext = dialer.DialContext
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Private reports whether ip is not a public internet address.
func Private(ip net.IP) bool {
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() ||
		// 100.64.0.0/10, carrier-grade NAT, is internal too.
		(ip.To4() != nil && ip.To4()[0] == 100 && ip.To4()[1]&0xc0 == 64)
}

// List returns an inbox's deliveries, newest first; admins only.
func (w *Webhooks) List(ctx context.Context, actor model.Actor, inboxID, beforeID int64, limit int) ([]store.Delivery, error) {
	if err := w.adminInbox(ctx, actor, inboxID); err != nil {
		return nil, err
	}
	return w.store.ListDeliveries(ctx, inboxID, beforeID, limit)
}

func (w *Webhooks) adminInbox(ctx context.Context, actor model.Actor, inboxID int64) error {
	if _, err := w.store.InboxByID(ctx, inboxID); errors.Is(err, store.ErrNotFound) {
		return apperr.NotFound("inbox")
	} else if err != nil {
		return err
	}
	if actor.Role != model.RoleAdmin {
		return apperr.Forbidden("only admins may read and retry an inbox's deliveries")
	}
	return nil
}

// Retry schedules a new attempt at a delivery now; admins only. A
// delivered one is sent again, for a receiver that lost it.
func (w *Webhooks) Retry(ctx context.Context, actor model.Actor, inboxID, deliveryID int64) (store.Delivery, error) {
	if err := w.adminInbox(ctx, actor, inboxID); err != nil {
		return store.Delivery{}, err
	}
	err := w.store.InTx(ctx, func(tx *store.Tx) error {
		d, err := tx.DeliveryByID(ctx, deliveryID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && d.InboxID != inboxID) {
			return apperr.NotFound("delivery")
		} else if err != nil {
			return err
		}
		if d.Kind != "webhook" {
			return apperr.Conflict("only webhook deliveries can be retried here")
		}
		if err := tx.SetDeliveryStatus(ctx, d.ID, "pending", w.now()); err != nil {
			return err
		}
		return w.jobs.InsertTx(ctx, tx, DeliverArgs{DeliveryID: d.ID}, &river.InsertOpts{MaxAttempts: w.MaxAttempts})
	})
	if err != nil {
		return store.Delivery{}, err
	}
	return w.store.DeliveryByID(ctx, deliveryID)
}
