package sla

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// EmailArgs sends one notification by email.
type EmailArgs struct {
	NotificationID int64 `json:"notification_id"`
}

// Kind names the job in River.
func (EmailArgs) Kind() string { return "notification.email" }

// notify writes an in-app notification for each user (once each), queues
// its email when asked, and records one "notification.sent" event, which
// the live stream carries to the recipients' browsers.
func (s *Service) notify(ctx context.Context, w *conversation.Writer, c *model.Conversation, userIDs []int64, kind, title, body string, email bool) error {
	slices.Sort(userIDs)
	userIDs = slices.Compact(userIDs)
	if len(userIDs) == 0 {
		return nil
	}
	var ids []int64
	for _, u := range userIDs {
		n := store.Notification{UserID: u, ConversationID: &c.ID, Kind: kind, Title: title, Body: body,
			EmailStatus: "queued", CreatedAt: w.Now()}
		if !email {
			n.EmailStatus, n.EmailNote = "skipped", "in-app only"
		}
		id, err := w.Tx().CreateNotification(ctx, n)
		if err != nil {
			return err
		}
		ids = append(ids, id)
		if email {
			if err := w.InsertJob(ctx, EmailArgs{NotificationID: id}, nil); err != nil {
				return err
			}
		}
	}
	return w.Event(ctx, c.ID, "notification.sent", nil, map[string]any{"kind": kind, "title": title, "user_ids": userIDs,
		"notification_ids": ids})
}

// Mailer sends Parley's own mail to one of its users; key names the mail
// so a retried send is recognisable as the same one. It returns
// ErrNoMailServer when nothing can send mail.
type Mailer func(ctx context.Context, to, subject, text, key string) error

// ErrNoMailServer means no mail server is configured to send with.
var ErrNoMailServer = errors.New("no SMTP server is configured")

// SetMailer gives the service a way to send notification emails.
func (s *Service) SetMailer(m Mailer) { s.mail = m }

// sendEmail delivers a notification's email through the mailer. Without
// a mail server the notification is marked skipped and the reason logged;
// the in-app notification stands either way. A failed send is retried by
// the queue.
func (s *Service) sendEmail(ctx context.Context, a EmailArgs) error {
	n, err := s.store.NotificationByID(ctx, a.NotificationID)
	if err != nil || n.EmailStatus != "queued" {
		return nil // gone or already handled
	}
	err = ErrNoMailServer
	if s.mail != nil {
		var u model.User
		if u, err = s.store.UserByID(ctx, n.UserID); err != nil {
			return err
		}
		text := n.Body
		if n.ConversationID != nil {
			text += fmt.Sprintf("\n\nConversation #%d", *n.ConversationID)
		}
		err = s.mail(ctx, u.Email, n.Title, text, fmt.Sprintf("notification.%d", n.ID))
	}
	switch {
	case errors.Is(err, ErrNoMailServer):
		s.logger.Info("notification email not sent: no SMTP server is configured",
			"notification_id", n.ID, "user_id", n.UserID, "kind", n.Kind)
		return s.store.SetNotificationEmail(ctx, n.ID, "skipped", "no SMTP server is configured")
	case err != nil:
		return err
	}
	return s.store.SetNotificationEmail(ctx, n.ID, "sent", "")
}

// NotificationList is the bell: the caller's newest notifications and how
// many of all theirs are unread.
type NotificationList struct {
	Items  []store.Notification `json:"items"`
	Unread int                  `json:"unread"`
}

// Notifications lists the caller's newest notifications with the unread count.
func (s *Service) Notifications(ctx context.Context, actor model.Actor) (NotificationList, error) {
	items, err := s.store.ListNotifications(ctx, actor.UserID, 100)
	if err != nil {
		return NotificationList{}, err
	}
	n, err := s.store.UnreadNotifications(ctx, actor.UserID)
	return NotificationList{Items: items, Unread: n}, err
}

// ReadRequest marks notifications read: the listed ids, or all of them.
type ReadRequest struct {
	IDs []int64 `json:"ids"`
	All bool    `json:"all"`
}

// ReadResult says how many changed and how many are still unread.
type ReadResult struct {
	Marked int `json:"marked"`
	Unread int `json:"unread"`
}

// MarkManyRead marks the caller's notifications read, all of ids or none:
// an id that is not the caller's is a 404 and nothing changes.
func (s *Service) MarkManyRead(ctx context.Context, actor model.Actor, req ReadRequest) (ReadResult, error) {
	switch {
	case req.All && len(req.IDs) > 0:
		return ReadResult{}, apperr.Invalid("give ids or all, not both", map[string]string{"ids": `leave out with "all": true`})
	case !req.All && len(req.IDs) == 0:
		return ReadResult{}, apperr.Invalid("nothing to mark read", map[string]string{"ids": `give at least one id, or "all": true`})
	case len(req.IDs) > 1000:
		return ReadResult{}, apperr.Invalid("too many ids", map[string]string{"ids": "at most 1000 at once"})
	}
	var ids []int64
	if !req.All {
		ids = slices.Clone(req.IDs)
		slices.Sort(ids)
		ids = slices.Compact(ids)
		if ids[0] <= 0 {
			return ReadResult{}, apperr.Invalid("bad id", map[string]string{"ids": "ids are positive numbers"})
		}
	}
	n, err := s.store.MarkNotificationsRead(ctx, actor.UserID, ids, s.now())
	if err == store.ErrNotFound {
		return ReadResult{}, notFound("notification")
	}
	if err != nil {
		return ReadResult{}, err
	}
	unread, err := s.store.UnreadNotifications(ctx, actor.UserID)
	return ReadResult{Marked: n, Unread: unread}, err
}

// MarkRead marks one of the caller's notifications read.
func (s *Service) MarkRead(ctx context.Context, actor model.Actor, id int64) (store.Notification, error) {
	if err := s.store.MarkNotificationRead(ctx, actor.UserID, id, s.now()); err != nil {
		if err == store.ErrNotFound {
			return store.Notification{}, notFound("notification")
		}
		return store.Notification{}, err
	}
	return s.store.NotificationByID(ctx, id)
}
