package email

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
)

// MaxMessageBytes is the largest mail the SMTP listener accepts.
const MaxMessageBytes = 50 << 20

// Listener is Parley's own SMTP server, for an MX record or a forwarding
// rule: it accepts mail for inbox addresses and refuses everything else.
// A message is acknowledged (250) only once it is committed, so a sender
// whose connection breaks earlier sends it again, and intake's
// exactly-once rule absorbs the repeat.
type Listener struct {
	ch     *Channel
	server *smtp.Server
	// addresses caches inbox addresses for a few seconds.
	mu      sync.Mutex
	cached  []model.Inbox
	cacheAt time.Time
}

// NewListener builds the SMTP listener.
func (c *Channel) NewListener() *Listener {
	l := &Listener{ch: c}
	s := smtp.NewServer(smtp.BackendFunc(func(conn *smtp.Conn) (smtp.Session, error) {
		return &session{l: l}, nil
	}))
	s.Domain = c.Hostname
	s.MaxMessageBytes = MaxMessageBytes
	s.MaxRecipients = 50
	s.ReadTimeout = 5 * time.Minute
	s.WriteTimeout = time.Minute
	s.ErrorLog = smtpLog{c}
	l.server = s
	return l
}

type smtpLog struct{ c *Channel }

func (l smtpLog) Printf(format string, v ...any) { l.c.log.Info(fmt.Sprintf(format, v...)) }
func (l smtpLog) Println(v ...any)               { l.c.log.Info(fmt.Sprint(v...)) }

// Serve accepts connections on ln until Close.
func (l *Listener) Serve(ln net.Listener) error {
	err := l.server.Serve(ln)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops the listener, letting sessions in progress finish.
func (l *Listener) Close(ctx context.Context) error { return l.server.Shutdown(ctx) }

// inboxesFor returns the email inboxes that take mail for rcpt.
func (l *Listener) inboxesFor(ctx context.Context, rcpt string) ([]int64, error) {
	l.mu.Lock()
	if time.Since(l.cacheAt) > 5*time.Second {
		list, err := l.ch.store.ListEmailInboxes(ctx)
		if err != nil {
			l.mu.Unlock()
			return nil, err
		}
		l.cached, l.cacheAt = list, time.Now()
	}
	list := l.cached
	l.mu.Unlock()
	var ids []int64
	for _, in := range list {
		s, err := ParseSettings(in.Settings)
		if err == nil && MatchesAddress(s.Address, rcpt) {
			ids = append(ids, in.ID)
		}
	}
	return ids, nil
}

type session struct {
	l       *Listener
	inboxes []int64
}

func (s *session) Reset()        { s.inboxes = nil }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, opts *smtp.MailOptions) error { return nil }

func (s *session) Rcpt(to string, opts *smtp.RcptOptions) error {
	ids, err := s.l.inboxesFor(context.Background(), to)
	if err != nil {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "temporary failure, try again later"}
	}
	if len(ids) == 0 {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox here"}
	}
	for _, id := range ids {
		dup := false
		for _, have := range s.inboxes {
			dup = dup || have == id
		}
		if !dup {
			s.inboxes = append(s.inboxes, id)
		}
	}
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(io.LimitReader(r, MaxMessageBytes+1))
	if err != nil {
		return err
	}
	if len(raw) > MaxMessageBytes {
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "message too big"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, id := range s.inboxes {
		_, _, err := s.l.ch.Ingest(ctx, id, raw, nil)
		if errors.Is(err, ErrNotEmail) {
			return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "not an email message"}
		}
		if err != nil {
			s.l.ch.log.Error("storing mail from SMTP failed", "inbox", id, "error", err)
			if apperr.KindOf(err) == apperr.KindInvalid {
				return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 7}, Message: "unusable sender address"}
			}
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "temporary failure, try again later"}
		}
	}
	return nil
}
