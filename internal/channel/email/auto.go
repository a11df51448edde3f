package email

import (
	"strings"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
)

// detectAuto marks mail no automatic reply may answer (RFC 3834 and the
// conventions of real mail systems): auto-replies, bounces, list and bulk
// mail, and anything from a mail system's own addresses.
func (p *Parsed) detectAuto(h gomail.Header, top *message.Entity) {
	if p.Auto {
		return
	}
	reason := ""
	local, _, _ := strings.Cut(p.FromEmail, "@")
	mediaType, _, _ := top.Header.ContentType()
	subject := strings.ToLower(p.Subject)
	switch {
	case mediaType == "multipart/report":
		reason = "delivery report"
	case h.Get("Auto-Submitted") != "" && !strings.EqualFold(strings.TrimSpace(h.Get("Auto-Submitted")), "no"):
		reason = "Auto-Submitted: " + strings.TrimSpace(h.Get("Auto-Submitted"))
	case isBulkPrecedence(h.Get("Precedence")):
		reason = "Precedence: " + strings.ToLower(strings.TrimSpace(h.Get("Precedence")))
	case h.Get("X-Autoreply") != "" || h.Get("X-Autorespond") != "" || strings.EqualFold(h.Get("X-Auto-Response-Suppress"), "All") && strings.HasPrefix(subject, "automatic reply"):
		reason = "auto-reply header"
	case strings.EqualFold(local, "mailer-daemon") || strings.EqualFold(local, "postmaster"):
		reason = "sent by " + local
	case h.Get("List-Id") != "" || h.Get("List-Unsubscribe") != "":
		reason = "mailing list"
	case h.Get("Return-Path") == "<>":
		reason = "null return path"
	case strings.HasPrefix(subject, "automatic reply:") || strings.HasPrefix(subject, "auto-reply:") ||
		strings.HasPrefix(subject, "out of office") || strings.HasPrefix(subject, "undeliverable:") ||
		strings.HasPrefix(subject, "delivery status notification"):
		reason = "auto-reply subject"
	}
	if reason != "" {
		p.Auto, p.AutoReason = true, reason
	}
}

func isBulkPrecedence(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "bulk", "junk", "list", "auto_reply":
		return true
	}
	return false
}
