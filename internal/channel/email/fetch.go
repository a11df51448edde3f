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
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
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

// A fetch stores mail in chunks: one write transaction per chunk of up to
// chunkMessages messages (or chunkBytes of mail), committed together with
// the IMAP position after its last message. Fewer, larger commits are
// what make intake fast; the position still never runs ahead of what is
// stored.
const (
	chunkMessages = 100
	chunkBytes    = 8 << 20
	// maxStrikes is how many times one message may fail alone, with an
	// error that is not the message's fault as far as Parley can tell,
	// before the fetcher passes over it so it cannot block the mailbox.
	maxStrikes = 3
)

// fetched is one message read from the server, not yet stored.
type fetched struct {
	uid      uint32
	raw      []byte
	received time.Time
}

// fetchNew stores every message after the inbox's position. Each chunk of
// messages commits with the position that covers it, so a fetch killed at
// any point and run again resumes where the last commit left off, and
// intake's exactly-once rule absorbs what may be seen twice.
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
	inbox, settings, err := c.emailInbox(ctx, inboxID)
	if err != nil {
		return 0, err
	}
	var set imap.UIDSet
	set.AddRange(imap.UID(pos.LastUID+1), 0) // 0 is "*"
	section := &imap.FetchItemBodySection{Peek: true}
	stop := context.AfterFunc(ctx, func() { conn.client.Close() })
	defer stop()
	cmd := conn.client.Fetch(set, &imap.FetchOptions{UID: true, InternalDate: true, BodySection: []*imap.FetchItemBodySection{section}})

	// A reader reads and parses the next chunk and writes its files while
	// the previous chunk's transaction runs; chunks are stored in order.
	rctx, quit := context.WithCancel(ctx)
	ready := make(chan preparedChunk, 1)
	go func() {
		defer close(ready)
		send := func(chunk []fetched) bool {
			pc := c.prepareChunk(inbox, settings, chunk)
			select {
			case ready <- pc:
				return pc.err == nil
			case <-rctx.Done():
				return false
			}
		}
		var chunk []fetched
		size := 0
		for {
			m := cmd.Next()
			if m == nil {
				break
			}
			buf, err := m.Collect()
			if err != nil {
				ready <- preparedChunk{err: err} // the consumer drains until close
				return
			}
			uid := uint32(buf.UID)
			if uid <= pos.LastUID {
				continue // "n:*" names the last message even when it is older than n
			}
			raw := buf.FindBodySection(section)
			chunk = append(chunk, fetched{uid: uid, raw: raw, received: buf.InternalDate})
			size += len(raw)
			pos.LastUID = uid
			if len(chunk) >= chunkMessages || size >= chunkBytes {
				if !send(chunk) {
					return
				}
				chunk, size = nil, 0
			}
		}
		if len(chunk) > 0 && !send(chunk) {
			return
		}
		if err := cmd.Close(); err != nil {
			ready <- preparedChunk{err: err} // the consumer drains until close
		}
	}()
	stored := 0
	var failed error
	for pc := range ready {
		if failed != nil {
			continue // draining, so the reader can end
		}
		n, err := c.storeChunk(ctx, inbox, conn, pc)
		stored += n
		if err != nil {
			// Stop the reader: it ends at its next chunk, or at once when
			// the connection closes (callers dial again after an error).
			failed = err
			quit()
			conn.client.Close()
		}
	}
	quit()
	if failed == nil {
		// The reader may have stopped early because ctx ended: then the
		// fetch did not finish.
		failed = ctx.Err()
	}
	return stored, failed
}

// preparedChunk is a chunk of fetched mail, parsed, with its files in the
// blob store: ins[i] is chunk[i], nil when it can never be stored.
type preparedChunk struct {
	chunk []fetched
	ins   []*inbound
	err   error
}

// prepareChunk parses a chunk and writes its files, outside any
// transaction. A message that can never be stored (no header, no usable
// sender) is logged and left out.
func (c *Channel) prepareChunk(inbox model.Inbox, settings Settings, chunk []fetched) preparedChunk {
	pc := preparedChunk{chunk: chunk, ins: make([]*inbound, len(chunk))}
	for i, f := range chunk {
		in, err := c.prepare(inbox, settings, f.raw, f.received)
		if errors.Is(err, ErrNotEmail) || apperr.KindOf(err) == apperr.KindInvalid {
			c.log.Warn("skipping an IMAP message that cannot be stored", "inbox", inbox.ID, "uid", f.uid, "error", err)
			continue
		} else if err != nil {
			pc.err = fmt.Errorf("uid %d: %w", f.uid, err)
			return pc
		}
		pc.ins[i] = in
	}
	pc.err = c.putFiles(pc.ins)
	return pc
}

// storeChunk stores a prepared chunk in one transaction with the position
// after its last message; messages that can never be stored and
// duplicates are passed over. When the
// chunk's transaction fails as a whole, its messages are stored one by one,
// so one message the database refuses cannot hold back the others; that
// message is retried on the next rounds and passed over after maxStrikes
// failures, with its raw copy kept in the blob store.
func (c *Channel) storeChunk(ctx context.Context, inbox model.Inbox, conn *imapConn, pc preparedChunk) (int, error) {
	if pc.err != nil {
		return 0, pc.err
	}
	chunk, ins := pc.chunk, pc.ins
	if len(chunk) == 0 {
		return 0, nil
	}
	position := func(uid uint32) func(ctx context.Context, tx *store.Tx) error {
		at := store.IMAPPosition{Mailbox: conn.mailbox, UIDValidity: conn.uidValidity, LastUID: uid}
		return func(ctx context.Context, tx *store.Tx) error { return tx.SaveIMAPPosition(ctx, inbox.ID, at, c.now()) }
	}
	var reqs []conversation.InboundRequest
	var idx []int
	for i, in := range ins {
		if in != nil {
			reqs = append(reqs, in.request(c, nil))
			idx = append(idx, i)
		}
	}
	last := position(chunk[len(chunk)-1].uid)
	results, err := c.conv.ReceiveBatch(ctx, reqs, last)
	if err == nil {
		stored := 0
		for j, r := range results {
			if r.Err == nil {
				stored++
			} else if !errors.Is(r.Err, conversation.ErrSkip) {
				c.log.Warn("skipping an IMAP message that cannot be stored", "inbox", inbox.ID, "uid", chunk[idx[j]].uid, "error", r.Err)
			}
		}
		return stored, nil
	}
	if ctx.Err() != nil {
		return 0, err
	}
	c.log.Warn("storing a chunk of IMAP mail failed; storing it one message at a time", "inbox", inbox.ID,
		"uids", fmt.Sprintf("%d:%d", chunk[0].uid, chunk[len(chunk)-1].uid), "error", err)
	stored := 0
	for i, f := range chunk {
		moveOn := position(f.uid)
		if ins[i] == nil {
			if err := c.store.InTx(ctx, func(tx *store.Tx) error { return moveOn(ctx, tx) }); err != nil {
				return stored, err
			}
			continue
		}
		_, err := c.conv.Receive(ctx, ins[i].request(c, moveOn))
		if err == nil {
			stored++
			c.forgive(inbox.ID, f.uid)
			continue
		}
		if ctx.Err() != nil {
			return stored, err
		}
		skip := errors.Is(err, conversation.ErrSkip) || apperr.KindOf(err) != apperr.KindInternal
		if !skip && c.strike(inbox.ID, f.uid) >= maxStrikes {
			c.log.Error("passing over an IMAP message the database keeps refusing", "inbox", inbox.ID, "uid", f.uid,
				"message_id", ins[i].p.Key, "raw_blob", ins[i].rawKey, "error", err)
			skip = true
		}
		if !skip {
			return stored, fmt.Errorf("uid %d: %w", f.uid, err)
		}
		if !errors.Is(err, conversation.ErrSkip) {
			c.log.Warn("skipping an IMAP message that cannot be stored", "inbox", inbox.ID, "uid", f.uid, "error", err)
		}
		if err := c.store.InTx(ctx, func(tx *store.Tx) error { return moveOn(ctx, tx) }); err != nil {
			return stored, err
		}
	}
	return stored, nil
}

// strike counts one more failure of a message and returns the count.
func (c *Channel) strike(inboxID int64, uid uint32) int {
	c.strikesMu.Lock()
	defer c.strikesMu.Unlock()
	if c.strikes == nil {
		c.strikes = map[strikeKey]int{}
	}
	k := strikeKey{inboxID, uid}
	c.strikes[k]++
	return c.strikes[k]
}

func (c *Channel) forgive(inboxID int64, uid uint32) {
	c.strikesMu.Lock()
	defer c.strikesMu.Unlock()
	delete(c.strikes, strikeKey{inboxID, uid})
}

type strikeKey struct {
	inbox int64
	uid   uint32
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
