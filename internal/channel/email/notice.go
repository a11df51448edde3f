package email

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"strings"
	"time"

	"github.com/parley-hq/parley/internal/model"
)

// ErrNoSender means no email inbox has an SMTP server, so Parley has no
// way to send mail of its own (notifications, the weekly summary).
var ErrNoSender = errors.New("no email inbox has an SMTP server configured")

// Notice is a mail from Parley to one of its users (not to a customer).
type Notice struct {
	To      string
	Subject string
	// Text is the plain-text body.
	Text string
	// Key makes the Message-ID stable for one notice, so a retried send is
	// recognisable as the same mail.
	Key string
}

// SendNotice sends mail to a user through the SMTP server of the first
// email inbox (by id) that has one, from that inbox's address: Parley has
// no separate outgoing-mail setting, and a team that receives mail by
// email already trusts that server to send as it.
func (c *Channel) SendNotice(ctx context.Context, n Notice) error {
	inboxes, err := c.store.ListInboxes(ctx, 0)
	if err != nil {
		return err
	}
	for _, in := range inboxes {
		if in.Channel != model.ChannelEmail {
			continue
		}
		s, err := ParseSettings(in.Settings)
		if err != nil || s.SMTP == nil || s.SMTP.Host == "" || s.Address == "" {
			continue
		}
		return c.smtpSend(ctx, s, s.Address, []string{n.To}, composeNotice(s, n, c.now()))
	}
	return ErrNoSender
}

func composeNotice(s Settings, n Notice, now time.Time) []byte {
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	name := s.FromName
	if name == "" {
		name = "Parley"
	}
	_, domain, _ := strings.Cut(s.Address, "@")
	h("From", mime.QEncoding.Encode("utf-8", name)+" <"+s.Address+">")
	h("To", n.To)
	h("Subject", mime.QEncoding.Encode("utf-8", n.Subject))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", "<parley.notice."+n.Key+"@"+domain+">")
	// Mail to our own users, not a conversation: auto-responders stay quiet.
	h("Auto-Submitted", "auto-generated")
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(strings.ReplaceAll(n.Text, "\n", "\r\n")))
	_ = qp.Close()
	b.WriteString("\r\n")
	return b.Bytes()
}
