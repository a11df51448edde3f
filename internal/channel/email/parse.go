// Package email is Parley's email channel: a pure MIME parser (parse.go),
// the intake that stores each inbound message exactly once and threads it
// (intake.go), the SMTP listener, the IMAP fetcher and outbound delivery.
package email

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"
	gomail "github.com/emersion/go-message/mail"
	"golang.org/x/text/encoding/charmap"
)

// Limits that keep hostile mail from costing more than it is worth.
const (
	maxHeaderBytes = 256 << 10
	maxParts       = 500
	maxDepth       = 16
	maxTextBytes   = 2 << 20
	// DefaultMaxAttachmentBytes is an inbox's per-file limit unless its
	// settings say otherwise; larger files are listed but not kept.
	DefaultMaxAttachmentBytes = 25 << 20
)

// Attachment is a file carried by a message: an attachment proper, an
// inline image, a calendar invitation or a forwarded message.
type Attachment struct {
	Filename    string
	ContentType string
	// ContentID is the Content-ID without angle brackets, for inline images
	// that HTML refers to as cid:….
	ContentID string
	Inline    bool
	Size      int64
	// Data is nil when the file was over the size limit (TooLarge).
	Data     []byte
	TooLarge bool
}

// Parsed is an email as Parley keeps it.
type Parsed struct {
	// MessageID is the Message-ID without angle brackets; empty if missing.
	MessageID string
	// Key identifies the message for exactly-once intake: the Message-ID,
	// or a content hash when it has none.
	Key        string
	InReplyTo  []string
	References []string
	Subject    string
	FromName   string
	FromEmail  string
	To         []string
	Cc         []string
	Date       time.Time
	// Text is what the sender wrote; Quoted is the history and signature
	// folded away below it (kept, shown on demand).
	Text   string
	Quoted string
	// HTML is the sanitised HTML (see html.go), empty for plain-text mail.
	HTML string
	// RemoteImages counts images blocked until an agent allows them.
	RemoteImages int
	Attachments  []Attachment
	// Auto marks auto-replies, bounces and list mail: stored, but never
	// answered automatically. AutoReason says why.
	Auto       bool
	AutoReason string
	// Problems lists what was wrong with the MIME structure; the message is
	// still kept as well as it could be read.
	Problems []string
}

// ParseOptions tune Parse.
type ParseOptions struct {
	// MaxAttachmentBytes is the largest file kept; 0 means the default.
	MaxAttachmentBytes int64
}

// ErrNotEmail means the input has no header block at all.
var ErrNotEmail = errors.New("not an email message")

// Parse reads a raw RFC 5322 message. It never fails on broken MIME below
// the top-level header: what can be read is kept and Problems says the rest.
func Parse(raw []byte, opts ParseOptions) (*Parsed, error) {
	if opts.MaxAttachmentBytes <= 0 {
		opts.MaxAttachmentBytes = DefaultMaxAttachmentBytes
	}
	ent, err := message.ReadWithOptions(bytes.NewReader(raw), &message.ReadOptions{MaxHeaderBytes: maxHeaderBytes})
	if ent == nil {
		return nil, fmt.Errorf("%w: %v", ErrNotEmail, err)
	}
	p := &Parsed{}
	if err != nil {
		p.problem("top level: %v", err)
	}
	h := gomail.Header{Header: ent.Header}
	if h.Len() == 0 {
		return nil, ErrNotEmail
	}
	p.readHeader(h)
	w := walker{p: p, opts: opts}
	w.walk(ent, 0)
	p.finish(w)
	p.Key = p.MessageID
	if p.Key == "" {
		p.Key = contentKey(raw, h)
	}
	p.detectAuto(h, ent)
	return p, nil
}

func (p *Parsed) problem(format string, args ...any) {
	if len(p.Problems) < 20 {
		p.Problems = append(p.Problems, fmt.Sprintf(format, args...))
	}
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// decodeHeader decodes RFC 2047 words, and reads raw 8-bit headers as
// UTF-8 when valid, else as Windows-1252 (what such senders mostly mean).
func decodeHeader(v string) string {
	if d, err := wordDecoder.DecodeHeader(v); err == nil {
		v = d
	}
	return cleanText(toUTF8([]byte(v)))
}

func toUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	d, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(d)
}

// cleanText drops NULs and other control characters a database or a
// browser would choke on, keeping tabs and line breaks.
func cleanText(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || (r >= 0x20 && r != 0x7f && (r < 0x80 || r > 0x9f)) {
			return r
		}
		if r >= 0x80 && r <= 0x9f {
			// C1 controls are Windows-1252 bytes mislabelled as
			// ISO-8859-1, as browsers also assume.
			if d, err := charmap.Windows1252.NewDecoder().Bytes([]byte{byte(r)}); err == nil {
				if dr, _ := utf8.DecodeRune(d); dr >= 0xa0 {
					return dr
				}
			}
		}
		return -1
	}, s)
}

func (p *Parsed) readHeader(h gomail.Header) {
	p.Subject = strings.TrimSpace(decodeHeader(h.Get("Subject")))
	p.MessageID = firstID(h.Get("Message-Id"))
	p.InReplyTo = msgIDs(h.Get("In-Reply-To"))
	p.References = msgIDs(h.Get("References"))
	if from := addresses(h, "From"); len(from) > 0 {
		p.FromName, p.FromEmail = from[0].Name, from[0].Address
	}
	if p.FromEmail == "" {
		if rp := addresses(h, "Reply-To"); len(rp) > 0 {
			p.FromName, p.FromEmail = rp[0].Name, rp[0].Address
		} else {
			p.problem("no usable From address")
		}
	}
	for _, a := range addresses(h, "To") {
		p.To = append(p.To, a.Address)
	}
	for _, a := range addresses(h, "Cc") {
		p.Cc = append(p.Cc, a.Address)
	}
	if d, err := h.Date(); err == nil {
		p.Date = d.UTC()
	}
}

// addresses reads an address list leniently: go-message's parser, then the
// standard library's, then anything that looks like an address.
func addresses(h gomail.Header, key string) []*mail.Address {
	raw := h.Get(key)
	if raw == "" {
		return nil
	}
	if list, err := h.AddressList(key); err == nil && len(list) > 0 {
		out := make([]*mail.Address, len(list))
		for i, a := range list {
			out[i] = &mail.Address{Name: cleanText(a.Name), Address: strings.ToLower(a.Address)}
		}
		return out
	}
	dec := mail.AddressParser{WordDecoder: wordDecoder}
	if list, err := dec.ParseList(raw); err == nil {
		for _, a := range list {
			a.Address = strings.ToLower(a.Address)
			a.Name = cleanText(a.Name)
		}
		return list
	}
	var out []*mail.Address
	for _, m := range looseAddress.FindAllString(raw, 10) {
		out = append(out, &mail.Address{Address: strings.ToLower(m)})
	}
	return out
}

var looseAddress = regexp.MustCompile(`[A-Za-z0-9._%+\-=]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)

var msgIDPattern = regexp.MustCompile(`<([^<>\s]+)>`)

// msgIDs reads a list of message ids, tolerating the bare ids (without
// angle brackets) some clients send.
func msgIDs(v string) []string {
	var out []string
	for _, m := range msgIDPattern.FindAllStringSubmatch(v, 100) {
		out = append(out, m[1])
	}
	if len(out) == 0 {
		for _, f := range strings.Fields(v) {
			if strings.Contains(f, "@") && len(out) < 100 {
				out = append(out, strings.Trim(f, "<>,"))
			}
		}
	}
	return out
}

func firstID(v string) string {
	ids := msgIDs(v)
	if len(ids) == 0 {
		return ""
	}
	if len(ids[0]) > 500 {
		return ""
	}
	return ids[0]
}

// contentKey identifies a message without a Message-ID by what relays do
// not change: sender, date, subject and body.
func contentKey(raw []byte, h gomail.Header) string {
	body := raw
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		body = raw[i+4:]
	} else if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		body = raw[i+2:]
	}
	sum := sha256.New()
	for _, k := range []string{"From", "Date", "Subject", "To"} {
		fmt.Fprintf(sum, "%s:%s\n", k, strings.TrimSpace(h.Get(k)))
	}
	sum.Write(bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n")))
	return "sha256:" + hex.EncodeToString(sum.Sum(nil))
}

type walker struct {
	p     *Parsed
	opts  ParseOptions
	parts int
	texts []string
	htmls []string
	// calendar holds a text summary of a calendar invitation.
	calendar string
	report   bool
}

func (w *walker) walk(e *message.Entity, depth int) {
	w.parts++
	if w.parts > maxParts {
		if w.parts == maxParts+1 {
			w.p.problem("more than %d parts; the rest is ignored", maxParts)
		}
		return
	}
	mediaType, params, err := e.Header.ContentType()
	if err != nil || mediaType == "" {
		if e.Header.Get("Content-Type") != "" {
			w.p.problem("unreadable Content-Type %q", e.Header.Get("Content-Type"))
		}
		mediaType, params = "text/plain", map[string]string{}
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		if mediaType == "multipart/report" {
			w.report = true
		}
		if depth >= maxDepth {
			w.p.problem("multipart nested deeper than %d", maxDepth)
			return
		}
		mr := e.MultipartReader()
		if mr == nil || params["boundary"] == "" {
			w.p.problem("multipart without a boundary")
			w.leaf(e, "text/plain", params)
			return
		}
		alternative := mediaType == "multipart/alternative"
		var alts []*message.Entity
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil && part == nil {
				w.p.problem("broken multipart: %v", err)
				break
			}
			if err != nil {
				w.p.problem("part: %v", err)
			}
			if alternative {
				// Buffer alternatives so the richest readable one wins
				// for each kind (text and html are both kept).
				body, _ := io.ReadAll(io.LimitReader(part.Body, maxTextBytes+1))
				part.Body = bytes.NewReader(body)
				alts = append(alts, part)
				continue
			}
			w.walk(part, depth+1)
		}
		for _, part := range alts {
			w.walk(part, depth+1)
		}
		return
	}
	w.leaf(e, mediaType, params)
}

func (w *walker) leaf(e *message.Entity, mediaType string, params map[string]string) {
	disp, dparams, _ := e.Header.ContentDisposition()
	filename := dparams["filename"]
	if filename == "" {
		filename = params["name"]
	}
	filename = SafeFilename(decodeHeader(filename))
	isAttachment := disp == "attachment" || (filename != "" && disp != "inline" && !strings.HasPrefix(mediaType, "text/"))
	switch {
	case (mediaType == "text/plain" || mediaType == "text/html") && !isAttachment && filename == "":
		b := w.readText(e, params)
		if mediaType == "text/plain" {
			w.texts = append(w.texts, b)
		} else {
			w.htmls = append(w.htmls, b)
		}
		return
	case mediaType == "text/calendar":
		b := w.readText(e, params)
		if w.calendar == "" {
			w.calendar = calendarSummary(b)
		}
		if filename == "" {
			filename = "invite.ics"
		}
		w.keep(Attachment{Filename: filename, ContentType: mediaType, Data: []byte(b), Size: int64(len(b))})
		return
	case mediaType == "message/delivery-status" || mediaType == "message/feedback-report":
		w.report = true
	}
	if filename == "" {
		filename = defaultName(mediaType)
	}
	cid := strings.Trim(strings.TrimSpace(e.Header.Get("Content-Id")), "<>")
	limit := w.opts.MaxAttachmentBytes
	data, err := io.ReadAll(io.LimitReader(e.Body, limit+1))
	if err != nil {
		w.p.problem("attachment %s: %v", filename, err)
	}
	att := Attachment{Filename: filename, ContentType: mediaType, ContentID: cid,
		Inline: disp == "inline" || (cid != "" && disp != "attachment"), Size: int64(len(data)), Data: data}
	if int64(len(data)) > limit {
		n, _ := io.Copy(io.Discard, e.Body)
		att.Size, att.Data, att.TooLarge = int64(len(data))+n, nil, true
	}
	w.keep(att)
}

func (w *walker) keep(a Attachment) {
	w.p.Attachments = append(w.p.Attachments, a)
}

// readText reads a text part as UTF-8 whatever its declared charset.
func (w *walker) readText(e *message.Entity, params map[string]string) string {
	b, err := io.ReadAll(io.LimitReader(e.Body, maxTextBytes))
	if err != nil {
		w.p.problem("text part: %v", err)
	}
	if _, ok := params["charset"]; !ok || message.IsUnknownCharset(err) {
		return cleanText(toUTF8(b))
	}
	return cleanText(strings.ToValidUTF8(string(b), "\uFFFD"))
}

// SafeFilename makes a sender's file name safe to store and serve: a base
// name, no control characters or quotes, at most 200 bytes.
func SafeFilename(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(strings.TrimSpace(name))
	if name == "." || name == "/" || name == ".." {
		return ""
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	if len(name) > 200 {
		ext := path.Ext(name)
		if len(ext) > 20 {
			ext = ""
		}
		name = name[:200-len(ext)] + ext
		name = strings.ToValidUTF8(name, "")
	}
	return name
}

func defaultName(mediaType string) string {
	switch mediaType {
	case "message/rfc822":
		return "forwarded.eml"
	case "message/delivery-status":
		return "delivery-status.txt"
	case "text/rfc822-headers":
		return "original-headers.txt"
	}
	if exts, _ := mime.ExtensionsByType(mediaType); len(exts) > 0 {
		return "attachment" + exts[0]
	}
	return "attachment.bin"
}

func calendarSummary(ics string) string {
	var summary, start, method string
	for _, line := range strings.Split(strings.ReplaceAll(ics, "\r\n ", ""), "\n") {
		line = strings.TrimRight(line, "\r")
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k, _, _ = strings.Cut(k, ";")
		switch k {
		case "SUMMARY":
			if summary == "" {
				summary = v
			}
		case "DTSTART":
			if start == "" {
				start = v
			}
		case "METHOD":
			method = v
		}
	}
	if summary == "" {
		return ""
	}
	what := "Calendar invitation"
	switch method {
	case "REPLY":
		what = "Calendar reply"
	case "CANCEL":
		what = "Calendar cancellation"
	}
	if start != "" {
		return fmt.Sprintf("%s: %s (%s)", what, summary, start)
	}
	return what + ": " + summary
}

// finish picks the body: the first text part, else text made from the HTML,
// else the calendar summary; and folds quotes and signatures away.
func (p *Parsed) finish(w walker) {
	text := ""
	for _, t := range w.texts {
		if strings.TrimSpace(t) != "" {
			text = t
			break
		}
	}
	if len(w.htmls) > 0 {
		p.HTML, p.RemoteImages = Sanitize(w.htmls[0])
		if text == "" {
			text = HTMLToText(w.htmls[0])
		}
	}
	if strings.TrimSpace(text) == "" && w.calendar != "" {
		text = w.calendar
	}
	p.Text, p.Quoted = FoldText(strings.ReplaceAll(text, "\r\n", "\n"))
	if strings.TrimSpace(p.Text) == "" && len(p.Attachments) > 0 {
		p.Text = "(" + fmt.Sprint(len(p.Attachments)) + " attachment(s), no text)"
	}
	if w.report {
		p.Auto, p.AutoReason = true, "delivery report"
	}
}
