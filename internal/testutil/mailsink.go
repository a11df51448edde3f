package testutil

import (
	"io"
	"net"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// MailSink is an in-process SMTP server that keeps every mail it is given,
// for tests of mail Parley sends.
type MailSink struct {
	mu      sync.Mutex
	got     []Mail
	arrived chan Mail
}

// Mail is one mail a MailSink received.
type Mail struct {
	To  []string
	Raw []byte
}

// StartMailSink starts a MailSink on a free local port until the test ends
// and returns it with the port.
func StartMailSink(t *testing.T) (*MailSink, int) {
	t.Helper()
	s := &MailSink{arrived: make(chan Mail, 100)}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	NoErr(t, err)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s, ln.Addr().(*net.TCPAddr).Port
}

// Mails returns what the sink has received so far.
func (s *MailSink) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.got...)
}

// Arrived delivers each mail as it is received.
func (s *MailSink) Arrived() <-chan Mail { return s.arrived }

// NewSession implements smtp.Backend.
func (s *MailSink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }

type sinkSession struct {
	s  *MailSink
	to []string
}

func (x *sinkSession) Reset()                               { x.to = nil }
func (x *sinkSession) Logout() error                        { return nil }
func (x *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (x *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}
func (x *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Mail{To: x.to, Raw: b}
	x.s.mu.Lock()
	x.s.got = append(x.s.got, m)
	x.s.mu.Unlock()
	select {
	case x.s.arrived <- m:
	default: // nobody is reading; Mails still has it
	}
	return nil
}
