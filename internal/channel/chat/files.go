package chat

import (
	"context"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/channel"
	"github.com/parley-hq/parley/internal/channel/email"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// DefaultMaxAttachmentBytes bounds a chat file when the inbox does not say.
const DefaultMaxAttachmentBytes = 10 << 20

// File is an attachment as the widget shows it. URL is relative to
// Parley's origin and needs the visitor's token (the widget fetches it).
type File struct {
	ID          int64  `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	URL         string `json:"url"`
}

// FileURL is where a visitor downloads an attachment.
func FileURL(id int64) string { return fmt.Sprintf("/widget/attachments/%d", id) }

func widgetFiles(as []model.Attachment) []File {
	out := []File{}
	for _, a := range as {
		if a.Stored {
			out = append(out, File{ID: a.ID, Filename: a.Filename, ContentType: a.ContentType, Size: a.Size, URL: FileURL(a.ID)})
		}
	}
	return out
}

// AttachmentLimit is the largest file a message in the inbox may carry:
// the inbox's max_attachment_bytes (an email inbox's own setting of that
// name), or DefaultMaxAttachmentBytes.
func (s *Service) AttachmentLimit(ctx context.Context, inboxID int64) (int64, error) {
	in, err := s.store.InboxByID(ctx, inboxID)
	if store.IsErrNotFound(err) {
		return 0, apperr.NotFound("inbox")
	} else if err != nil {
		return 0, err
	}
	limit := channel.SettingsOf(in).MaxAttachmentBytes
	if in.Channel == model.ChannelEmail {
		es, _ := email.ParseSettings(in.Settings)
		limit = es.MaxAttachmentBytes
	}
	if limit <= 0 {
		limit = DefaultMaxAttachmentBytes
	}
	return limit, nil
}

// PutFile keeps an uploaded file in the blob store and returns it as an
// attachment to record with its message. The name is reduced to a safe
// base name; a type that does not parse is stored as octet-stream (files
// are always served as downloads, never rendered).
func (s *Service) PutFile(filename, contentType string, data []byte) (model.Attachment, error) {
	name := email.SafeFilename(filename)
	if name == "" {
		name = "file"
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || strings.ContainsAny(contentType, "\r\n") {
		mt = "application/octet-stream"
	}
	key, err := s.blobs.Put(data)
	if err != nil {
		return model.Attachment{}, err
	}
	return model.Attachment{Filename: name, ContentType: mt, Size: int64(len(data)), BlobKey: key, Stored: true}, nil
}

// VisitorAttachment opens an attachment for a visitor: only one on a
// reply (never an internal note) in the visitor's own conversations.
// Anything else is "not found", so ids cannot be probed.
func (s *Service) VisitorAttachment(ctx context.Context, v Visitor, id int64) (model.Attachment, io.ReadSeekCloser, error) {
	a, convID, _, err := s.store.AttachmentByID(ctx, id)
	if store.IsErrNotFound(err) {
		return a, nil, apperr.NotFound("attachment")
	} else if err != nil {
		return a, nil, err
	}
	owns, err := s.Owns(ctx, v, convID)
	if err != nil {
		return a, nil, err
	}
	if !owns || !a.Stored {
		return a, nil, apperr.NotFound("attachment")
	}
	m, err := s.store.MessageByID(ctx, a.MessageID)
	if err != nil {
		return a, nil, err
	}
	if m.Kind != model.KindReply {
		return a, nil, apperr.NotFound("attachment")
	}
	f, err := s.blobs.Open(a.BlobKey)
	if err != nil {
		return a, nil, fmt.Errorf("attachment %d: %w", id, err)
	}
	return a, f, nil
}

// details adds their files to listed messages outside email (email's own
// details carry a mail's files in email.attachments).
func (s *Service) details(ctx context.Context, msgs []model.Message) error {
	ids := make([]int64, 0, len(msgs))
	for _, m := range msgs {
		if m.Email == nil {
			ids = append(ids, m.ID)
		}
	}
	files, err := s.store.AttachmentsOf(ctx, ids)
	if err != nil {
		return err
	}
	for i := range msgs {
		if as := files[msgs[i].ID]; msgs[i].Email == nil && len(as) > 0 {
			for j := range as {
				if as[j].Stored {
					as[j].URL = email.AttachmentURL(as[j].ID)
				}
			}
			msgs[i].Attachments = as
		}
	}
	return nil
}
