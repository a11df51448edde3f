package email

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/store"
)

// imapConn is one logged-in IMAP connection with its mailbox selected.
type imapConn struct {
	client *imapclient.Client
	// changed is signalled when the server reports new messages.
	changed     chan struct{}
	mailbox     string
	uidValidity uint32
}

func (c *Channel) dialIMAP(ctx context.Context, s *IMAPSettings) (*imapConn, error) {
	mode := s.TLS
	if mode == "" {
		mode = "tls"
	}
	port := s.Port
	if port == 0 {
		port = map[string]int{"tls": 993, "starttls": 143, "none": 143}[mode]
	}
	addr := net.JoinHostPort(s.Host, strconv.Itoa(port))
	changed := make(chan struct{}, 1)
	opts := &imapclient.Options{
		TLSConfig: &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12},
		Dialer:    &net.Dialer{Timeout: c.dialTimeout},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case changed <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	var client *imapclient.Client
	var err error
	switch mode {
	case "tls":
		client, err = imapclient.DialTLS(addr, opts)
	case "starttls":
		client, err = imapclient.DialStartTLS(addr, opts)
	default:
		client, err = imapclient.DialInsecure(addr, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("imap dial %s: %w", addr, err)
	}
	stop := context.AfterFunc(ctx, func() { client.Close() })
	defer stop()
	if err := client.Login(s.Username, s.Password).Wait(); err != nil {
		client.Close()
		return nil, fmt.Errorf("imap login: %w", err)
	}
	mailbox := s.Mailbox
	if mailbox == "" {
		mailbox = "INBOX"
	}
	sel, err := client.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("imap select %s: %w", mailbox, err)
	}
	return &imapConn{client: client, changed: changed, mailbox: mailbox, uidValidity: sel.UIDValidity}, nil
}

// fetchNew stores every message after the inbox's position. Each message
// commits with the position that covers it, so a fetch killed at any
// point and run again resumes where the last commit left off, and intake's
// exactly-once rule absorbs the one message that may be seen twice.
func (c *Channel) fetchNew(ctx context.Context, inboxID int64, conn *imapConn) (int, error) {
	pos, err := c.store.IMAPPosition(ctx, inboxID)
	if err != nil && !store.IsErrNotFound(err) {
		return 0, err
	}
	if pos.UIDValidity != conn.uidValidity || pos.Mailbox != conn.mailbox {
		// A new mailbox, or the server renumbered it: read it all again;
		// Message-IDs keep what is already stored from being stored twice.
		pos = store.IMAPPosition{Mailbox: conn.mailbox, UIDValidity: conn.uidValidity}
	}
	var set imap.UIDSet
	set.AddRange(imap.UID(pos.LastUID+1), 0) // 0 is "*"
	section := &imap.FetchItemBodySection{Peek: true}
	stop := context.AfterFunc(ctx, func() { conn.client.Close() })
	defer stop()
	cmd := conn.client.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}})
	defer cmd.Close()
	stored := 0
	for {
		m := cmd.Next()
		if m == nil {
			break
		}
		buf, err := m.Collect()
		if err != nil {
			return stored, err
		}
		uid := uint32(buf.UID)
		if uid <= pos.LastUID {
			continue // "n:*" names the last message even when it is older than n
		}
		raw := buf.FindBodySection(section)
		at := store.IMAPPosition{Mailbox: conn.mailbox, UIDValidity: conn.uidValidity, LastUID: uid}
		moveOn := func(ctx context.Context, tx *store.Tx) error { return tx.SaveIMAPPosition(ctx, inboxID, at, c.now()) }
		out, _, err := c.Ingest(ctx, inboxID, raw, moveOn)
		if errors.Is(err, ErrNotEmail) || apperr.KindOf(err) == apperr.KindInvalid {
			// A message that can never be stored (no header, no usable
			// sender) must not stop the mailbox: log it and move past it.
			c.log.Warn("skipping an IMAP message that cannot be stored", "inbox", inboxID, "uid", uid, "error", err)
			err = c.store.InTx(ctx, func(tx *store.Tx) error { return moveOn(ctx, tx) })
		}
		if err != nil {
			return stored, fmt.Errorf("uid %d: %w", uid, err)
		}
		if out == Stored {
			stored++
		}
		pos.LastUID = uid
	}
	return stored, cmd.Close()
}

// FetchOnce connects to an inbox's IMAP server and stores what is new.
func (c *Channel) FetchOnce(ctx context.Context, inboxID int64) (int, error) {
	s, err := c.imapSettings(ctx, inboxID)
	if err != nil {
		return 0, err
	}
	conn, err := c.dialIMAP(ctx, s)
	if err != nil {
		return 0, err
	}
	defer conn.client.Close()
	n, err := c.fetchNew(ctx, inboxID, conn)
	if err == nil {
		_ = conn.client.Logout().Wait()
	}
	return n, err
}

func (c *Channel) imapSettings(ctx context.Context, inboxID int64) (*IMAPSettings, error) {
	inbox, err := c.store.InboxByID(ctx, inboxID)
	if err != nil {
		return nil, err
	}
	s, err := ParseSettings(inbox.Settings)
	if err != nil {
		return nil, err
	}
	if s.IMAP == nil || s.IMAP.Host == "" {
		return nil, errors.New("the inbox has no IMAP server configured")
	}
	return s.IMAP, nil
}

// FetchOptions tune the fetchers.
type FetchOptions struct {
	// Rescan is how often the list of inboxes is read again.
	Rescan time.Duration
	// Poll is the default time between fetches (and the longest IDLE).
	Poll time.Duration
}

// RunFetchers keeps one fetcher per email inbox with IMAP settings until
// ctx ends. Each fetcher holds a lease on its inbox, so of several nodes on
// one PostgreSQL database only one polls a mailbox at a time; if that node
// dies, another takes over when the lease runs out.
func (c *Channel) RunFetchers(ctx context.Context) { c.RunFetchersWith(ctx, FetchOptions{}) }

// RunFetchersWith is RunFetchers with options.
func (c *Channel) RunFetchersWith(ctx context.Context, opts FetchOptions) {
	if opts.Rescan == 0 {
		opts.Rescan = 30 * time.Second
	}
	if opts.Poll == 0 {
		opts.Poll = time.Minute
	}
	var r [8]byte
	_, _ = rand.Read(r[:])
	holder := hex.EncodeToString(r[:])
	var wg sync.WaitGroup
	running := map[int64]context.CancelFunc{}
	defer func() {
		for _, cancel := range running {
			cancel()
		}
		wg.Wait()
	}()
	for {
		inboxes, err := c.store.ListEmailInboxes(ctx)
		if err != nil && ctx.Err() == nil {
			c.log.Error("listing email inboxes", "error", err)
		}
		want := map[int64]bool{}
		for _, in := range inboxes {
			if s, err := ParseSettings(in.Settings); err == nil && s.IMAP != nil && s.IMAP.Host != "" {
				want[in.ID] = true
				if running[in.ID] == nil {
					ictx, cancel := context.WithCancel(ctx)
					running[in.ID] = cancel
					wg.Add(1)
					go func(id int64) {
						defer wg.Done()
						c.runInbox(ictx, id, holder, opts.Poll)
					}(in.ID)
				}
			}
		}
		for id, cancel := range running {
			if !want[id] {
				cancel()
				delete(running, id)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(opts.Rescan):
		}
	}
}

// runInbox fetches one inbox while this node holds its lease: fetch, then
// IDLE (or sleep, without IDLE) until new mail or the poll interval, again.
func (c *Channel) runInbox(ctx context.Context, inboxID int64, holder string, poll time.Duration) {
	defer func() { _ = c.store.ReleaseEmailLease(context.WithoutCancel(ctx), inboxID, holder) }()
	backoff := time.Second
	for ctx.Err() == nil {
		s, err := c.imapSettings(ctx, inboxID)
		if err != nil {
			return
		}
		wait := poll
		if s.PollSeconds > 0 {
			wait = time.Duration(s.PollSeconds) * time.Second
		}
		now := c.now()
		ok, err := c.store.AcquireEmailLease(ctx, inboxID, holder, now, now.Add(3*wait+time.Minute))
		if err != nil || !ok {
			sleep(ctx, wait)
			continue
		}
		if err := c.session(ctx, inboxID, holder, s, wait); err != nil && ctx.Err() == nil {
			c.log.Warn("imap fetch failed; retrying", "inbox", inboxID, "error", err, "in", backoff)
			sleep(ctx, backoff)
			backoff = min(2*backoff, 5*time.Minute)
			continue
		}
		backoff = time.Second
	}
}

// session keeps one connection: fetch, wait for news, fetch again, renewing
// the lease each round, until an error or the lease is lost.
func (c *Channel) session(ctx context.Context, inboxID int64, holder string, s *IMAPSettings, wait time.Duration) error {
	conn, err := c.dialIMAP(ctx, s)
	if err != nil {
		return err
	}
	defer conn.client.Close()
	for ctx.Err() == nil {
		if n, err := c.fetchNew(ctx, inboxID, conn); err != nil {
			return err
		} else if n > 0 {
			c.log.Info("fetched mail", "inbox", inboxID, "stored", n)
		}
		if conn.client.Caps().Has(imap.CapIdle) {
			if err := idle(ctx, conn, wait); err != nil {
				return err
			}
		} else {
			select {
			case <-ctx.Done():
			case <-conn.changed:
			case <-time.After(wait):
				if err := conn.client.Noop().Wait(); err != nil {
					return err
				}
			}
		}
		now := c.now()
		if ok, err := c.store.AcquireEmailLease(ctx, inboxID, holder, now, now.Add(3*wait+time.Minute)); err != nil || !ok {
			return err
		}
	}
	return nil
}

func idle(ctx context.Context, conn *imapConn, wait time.Duration) error {
	cmd, err := conn.client.Idle()
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case <-conn.changed:
	case <-time.After(wait):
	}
	if err := cmd.Close(); err != nil {
		return err
	}
	return cmd.Wait()
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
