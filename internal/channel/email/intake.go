package email

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parley-hq/parley/internal/blob"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// Settings are an email inbox's settings (the inbox's settings JSON).
type Settings struct {
	// Address is the inbox's address: mail to it (or to address+anything)
	// lands in this inbox, and replies go out from it.
	Address  string `json:"address"`
	FromName string `json:"from_name,omitempty"`
	// MaxAttachmentBytes is the largest file kept per attachment.
	MaxAttachmentBytes int64         `json:"max_attachment_bytes,omitempty"`
	IMAP               *IMAPSettings `json:"imap,omitempty"`
	SMTP               *SMTPSettings `json:"smtp,omitempty"`
}

// IMAPSettings say where to fetch an inbox's mail from.
type IMAPSettings struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	TLS      string `json:"tls"` // "tls", "starttls" or "none"
	Username string `json:"username"`
	Password string `json:"password"`
	Mailbox  string `json:"mailbox"`
	// PollSeconds is how often to look for new mail when the server has
	// no IDLE; with IDLE it bounds how long one IDLE lasts.
	PollSeconds int `json:"poll_seconds,omitempty"`
}

// SMTPSettings say how replies leave.
type SMTPSettings struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	TLS      string `json:"tls"`
	Username string `json:"username"`
	Password string `json:"password"`
}

// ParseSettings reads an inbox's settings.
func ParseSettings(raw json.RawMessage) (Settings, error) {
	var s Settings
	if len(raw) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, fmt.Errorf("email settings: %w", err)
	}
	s.Address = strings.ToLower(strings.TrimSpace(s.Address))
	if s.MaxAttachmentBytes <= 0 {
		s.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	return s, nil
}

// CheckSettings validates an email inbox's settings JSON for the inbox
// service: problems by field, none when they are fine.
func CheckSettings(raw json.RawMessage) map[string]string {
	s, err := ParseSettings(raw)
	if err != nil {
		return map[string]string{"settings": "must be {address, from_name, max_attachment_bytes, imap: {host, port, tls, username, password, mailbox}, smtp: {host, port, tls, username, password}} with those types"}
	}
	return s.Validate()
}

// Validate checks settings an admin is saving.
func (s Settings) Validate() map[string]string {
	fields := map[string]string{}
	if s.Address != "" {
		if _, err := contact.NormalizeEmail(s.Address); err != nil {
			fields["settings.address"] = err.Error()
		}
	}
	checkTLS := func(prefix, v string) {
		if v != "" && v != "tls" && v != "starttls" && v != "none" {
			fields[prefix+".tls"] = "must be tls, starttls or none"
		}
	}
	if s.IMAP != nil {
		if s.IMAP.Host == "" {
			fields["settings.imap.host"] = "is required"
		}
		if s.IMAP.Port < 0 || s.IMAP.Port > 65535 {
			fields["settings.imap.port"] = "must be a port number"
		}
		checkTLS("settings.imap", s.IMAP.TLS)
	}
	if s.SMTP != nil {
		if s.SMTP.Host == "" {
			fields["settings.smtp.host"] = "is required"
		}
		if s.SMTP.Port < 0 || s.SMTP.Port > 65535 {
			fields["settings.smtp.port"] = "must be a port number"
		}
		checkTLS("settings.smtp", s.SMTP.TLS)
	}
	return fields
}

// Channel is the email channel: intake, listener, fetcher and delivery
// share it.
type Channel struct {
	store *store.Store
	conv  *conversation.Service
	blobs *blob.Store
	jobs  conversation.Enqueuer
	now   func() time.Time
	log   *slog.Logger
	// Hostname names this Parley in Message-IDs and the SMTP greeting.
	Hostname string
	// Dial opens SMTP connections; tests point it at in-process servers.
	dialTimeout time.Duration
	// strikes counts, per message, failed attempts to store it alone.
	strikesMu sync.Mutex
	strikes   map[strikeKey]int
}

// New builds the email channel and hooks it into the conversation service:
// replies in email inboxes go out by SMTP, and listed messages carry their
// mail details.
func New(st *store.Store, conv *conversation.Service, blobs *blob.Store, jobs conversation.Enqueuer, now func() time.Time, log *slog.Logger) *Channel {
	if log == nil {
		log = slog.Default()
	}
	c := &Channel{store: st, conv: conv, blobs: blobs, jobs: jobs, now: now, log: log.With("channel", "email"),
		Hostname: "parley.localhost", dialTimeout: 30 * time.Second}
	conv.SetOutbound(model.ChannelEmail, c.enqueueReply)
	conv.SetDetails(c.details)
	return c
}

// Outcome says what intake did with a message.
type Outcome string

// The outcomes.
const (
	Stored    Outcome = "stored"
	Duplicate Outcome = "duplicate"
)

// Ingest stores one raw message in an inbox, exactly once: a message whose
// key the inbox already holds (or that Parley itself sent) is a Duplicate
// and changes nothing. also, if set, runs inside the same transaction (the
// IMAP fetcher moves its position there).
func (c *Channel) Ingest(ctx context.Context, inboxID int64, raw []byte, also func(ctx context.Context, tx *store.Tx) error) (Outcome, model.Message, error) {
	inbox, settings, err := c.emailInbox(ctx, inboxID)
	if err != nil {
		return "", model.Message{}, err
	}
	in, err := c.prepare(inbox, settings, raw, time.Time{})
	if err != nil {
		return "", model.Message{}, err
	}
	if err := c.putFiles([]*inbound{in}); err != nil {
		return "", model.Message{}, err
	}
	req := in.request(c, also)
	msg, err := c.conv.Receive(ctx, req)
	if errors.Is(err, conversation.ErrSkip) {
		if also != nil {
			// The position still moves past a duplicate.
			if err := c.store.InTx(ctx, func(tx *store.Tx) error { return also(ctx, tx) }); err != nil {
				return "", model.Message{}, err
			}
		}
		return Duplicate, model.Message{}, nil
	}
	if err != nil {
		return "", model.Message{}, err
	}
	msg.Auto = in.p.Auto
	return Stored, msg, nil
}

func (c *Channel) emailInbox(ctx context.Context, inboxID int64) (model.Inbox, Settings, error) {
	inbox, err := c.store.InboxByID(ctx, inboxID)
	if err != nil {
		return inbox, Settings{}, err
	}
	settings, err := ParseSettings(inbox.Settings)
	return inbox, settings, err
}

// StaleAfter is how old mail may be (by the time its server received it)
// and still be acknowledged: mail fetched later than that (a mailbox
// reconnected after days, a backlog) is stored and routed but gets no
// automatic reply, as Zendesk and Help Scout do on import.
const StaleAfter = 24 * time.Hour

// inbound is a parsed message whose files are already in the blob store,
// ready for the intake transaction.
type inbound struct {
	inbox    model.Inbox
	settings Settings
	p        *Parsed
	raw      []byte
	rawKey   string
	keys     []string
	// stale marks mail received by its server more than StaleAfter ago.
	stale bool
}

// prepare parses raw, outside any transaction. received is when the mail server got the message (IMAP's
// INTERNALDATE), zero when it is arriving now.
func (c *Channel) prepare(inbox model.Inbox, settings Settings, raw []byte, received time.Time) (*inbound, error) {
	p, err := Parse(raw, ParseOptions{MaxAttachmentBytes: settings.MaxAttachmentBytes})
	if err != nil {
		return nil, err
	}
	if len(p.Problems) > 0 {
		c.log.Info("broken MIME read as well as possible", "inbox", inbox.ID, "message_id", p.Key, "problems", p.Problems)
	}
	in := &inbound{inbox: inbox, settings: settings, p: p, raw: raw, keys: make([]string, len(p.Attachments))}
	in.stale = !received.IsZero() && c.now().Sub(received) > StaleAfter
	return in, nil
}

// putFiles writes the messages' raw copies and attachments to the blob
// store, all at once, before the transaction that refers to them:
// content-addressed, so a rollback or a rerun leaves at worst an
// unreferenced file.
func (c *Channel) putFiles(ins []*inbound) error {
	var data [][]byte
	for _, in := range ins {
		if in == nil {
			continue
		}
		data = append(data, in.raw)
		for _, a := range in.p.Attachments {
			if !a.TooLarge {
				data = append(data, a.Data)
			}
		}
	}
	keys, err := c.blobs.PutAll(data)
	if err != nil {
		return err
	}
	for _, in := range ins {
		if in == nil {
			continue
		}
		in.rawKey, keys = keys[0], keys[1:]
		for i, a := range in.p.Attachments {
			if !a.TooLarge {
				in.keys[i], keys = keys[0], keys[1:]
			}
		}
	}
	return nil
}

// request is the conversation service's request storing in; also runs in
// its transaction once the message is recorded.
func (in *inbound) request(c *Channel, also func(ctx context.Context, tx *store.Tx) error) conversation.InboundRequest {
	p, inboxID := in.p, in.inbox.ID
	body := p.Text
	if p.Auto {
		body = strings.TrimSpace(body)
	}
	return conversation.InboundRequest{
		InboxID:     inboxID,
		Contact:     contact.Ref{Email: p.FromEmail, Name: p.FromName},
		Subject:     p.Subject,
		Body:        body,
		NoAutoReply: p.Auto || in.stale,
		Thread: func(ctx context.Context, tx *store.Tx, contactID int64) (int64, error) {
			seen, err := tx.EmailKeySeen(ctx, inboxID, p.Key)
			if err != nil {
				return 0, err
			}
			if seen {
				return 0, conversation.ErrSkip
			}
			return c.thread(ctx, tx, in.inbox, in.settings, p, contactID)
		},
		Record: func(ctx context.Context, tx *store.Tx, msg model.Message) error {
			err := tx.CreateEmailMessage(ctx, store.EmailMessageInsert{InboxID: inboxID, MessageKey: p.Key, MessageID: msg.ID,
				Direction: model.Incoming, From: p.FromEmail, To: strings.Join(append(p.To, p.Cc...), ", "), Subject: p.Subject,
				HTML: p.HTML, Quoted: p.Quoted, RemoteImages: p.RemoteImages, Auto: p.Auto, AutoReason: p.AutoReason,
				RawBlob: in.rawKey, Now: msg.CreatedAt})
			if errors.Is(err, store.ErrConflict) {
				return conversation.ErrSkip // a concurrent intake stored it first
			} else if err != nil {
				return err
			}
			for i, a := range p.Attachments {
				err := tx.CreateAttachment(ctx, model.Attachment{MessageID: msg.ID, Filename: a.Filename, ContentType: a.ContentType,
					ContentID: a.ContentID, Inline: a.Inline, Size: a.Size, BlobKey: in.keys[i]}, msg.CreatedAt)
				if err != nil {
					return err
				}
			}
			if also != nil {
				return also(ctx, tx)
			}
			return nil
		},
	}
}

var subjectToken = regexp.MustCompile(`\[#(\d{1,18})\]`)

// thread picks the conversation a message continues: by its In-Reply-To and
// References first, then by a reply address (address+<id>@domain) or a
// [#id] subject token, which count only for the conversation's own contact
// so nobody can write into someone else's thread by guessing a number.
func (c *Channel) thread(ctx context.Context, tx *store.Tx, inbox model.Inbox, s Settings, p *Parsed, contactID int64) (int64, error) {
	keys := append(append([]string{}, p.References...), p.InReplyTo...)
	id, err := tx.ConversationByMessageKeys(ctx, inbox.ID, keys)
	if err == nil {
		return id, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return 0, err
	}
	var candidates []int64
	for _, to := range append(append([]string{}, p.To...), p.Cc...) {
		if n, ok := replyToken(s.Address, to); ok {
			candidates = append(candidates, n)
		}
	}
	if m := subjectToken.FindStringSubmatch(p.Subject); m != nil {
		if n, err := strconv.ParseInt(m[1], 10, 64); err == nil {
			candidates = append(candidates, n)
		}
	}
	for _, n := range candidates {
		conv, err := tx.ConversationByID(ctx, n)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return 0, err
		}
		if conv.Contact.ID != contactID {
			continue
		}
		if conv.InboxID == inbox.ID {
			return conv.ID, nil
		}
		// A chat answered by mail from this inbox (QueueFrom) continues too.
		if mailed, err := tx.MailedAbout(ctx, inbox.ID, conv.ID); err != nil {
			return 0, err
		} else if mailed {
			return conv.ID, nil
		}
	}
	return 0, nil
}

// ReplyAddress is the address replies to a conversation are asked to go to:
// the inbox's address with +<conversation id>.
func ReplyAddress(address string, convID int64) string {
	local, domain, ok := strings.Cut(address, "@")
	if !ok {
		return address
	}
	return fmt.Sprintf("%s+%d@%s", local, convID, domain)
}

func replyToken(address, to string) (int64, bool) {
	local, domain, ok := strings.Cut(strings.ToLower(address), "@")
	toLocal, toDomain, ok2 := strings.Cut(strings.ToLower(to), "@")
	if !ok || !ok2 || domain != toDomain {
		return 0, false
	}
	base, tag, ok := strings.Cut(toLocal, "+")
	if !ok || base != local {
		return 0, false
	}
	n, err := strconv.ParseInt(tag, 10, 64)
	return n, err == nil && n > 0
}

// MatchesAddress reports whether mail to rcpt belongs to an inbox with
// this address (exactly, or with a +tag).
func MatchesAddress(address, rcpt string) bool {
	address, rcpt = strings.ToLower(address), strings.ToLower(strings.TrimSpace(rcpt))
	if address == "" {
		return false
	}
	if rcpt == address {
		return true
	}
	local, domain, ok := strings.Cut(address, "@")
	rl, rd, ok2 := strings.Cut(rcpt, "@")
	if !ok || !ok2 || rd != domain {
		return false
	}
	base, _, _ := strings.Cut(rl, "+")
	return base == local
}
