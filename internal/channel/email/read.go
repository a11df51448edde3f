package email

import (
	"context"
	"fmt"
	"io"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// details adds the mail part to listed messages.
func (c *Channel) details(ctx context.Context, msgs []model.Message) error {
	ids := make([]int64, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	rows, err := c.store.EmailRows(ctx, ids)
	if err != nil {
		return err
	}
	for i := range msgs {
		r := rows[msgs[i].ID]
		if r == nil {
			continue
		}
		d := r.EmailDetails
		for j := range d.Attachments {
			if d.Attachments[j].Stored {
				d.Attachments[j].URL = AttachmentURL(d.Attachments[j].ID)
			}
		}
		d.HTML = renderRow(r, false)
		msgs[i].Email = &d
		msgs[i].Auto = r.Auto
		msgs[i].Delivery = r.Delivery
	}
	return nil
}

// AttachmentURL is where an attachment downloads from.
func AttachmentURL(id int64) string { return fmt.Sprintf("/api/v1/attachments/%d", id) }

func renderRow(r *store.EmailRow, allowRemote bool) string {
	if r.HTML == "" {
		return ""
	}
	return RenderHTML(r.HTML, allowRemote, func(cid string) string {
		for _, a := range r.Attachments {
			if a.ContentID == cid && a.Stored {
				return AttachmentURL(a.ID)
			}
		}
		return ""
	})
}

// MessageHTML returns a message's sanitised HTML for an actor who may see
// its conversation, with remote images only if allowRemote.
func (c *Channel) MessageHTML(ctx context.Context, actor model.Actor, messageID int64, allowRemote bool) (string, error) {
	convID, err := c.store.MessageConversation(ctx, messageID)
	if store.IsErrNotFound(err) {
		return "", apperr.NotFound("message")
	} else if err != nil {
		return "", err
	}
	if _, err := c.conv.Get(ctx, actor, convID); err != nil {
		return "", apperr.NotFound("message")
	}
	r, err := c.store.EmailRowByMessage(ctx, messageID)
	if store.IsErrNotFound(err) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	return renderRow(&r, allowRemote), nil
}

// Attachment opens an attachment for an actor who may see its
// conversation; any other caller is told it does not exist.
func (c *Channel) Attachment(ctx context.Context, actor model.Actor, id int64) (model.Attachment, io.ReadSeekCloser, error) {
	a, convID, _, err := c.store.AttachmentByID(ctx, id)
	if store.IsErrNotFound(err) {
		return a, nil, apperr.NotFound("attachment")
	} else if err != nil {
		return a, nil, err
	}
	if _, err := c.conv.Get(ctx, actor, convID); err != nil {
		return a, nil, apperr.NotFound("attachment")
	}
	if !a.Stored {
		return a, nil, apperr.NotFound("attachment (it was over the inbox's size limit and was not kept)")
	}
	f, err := c.blobs.Open(a.BlobKey)
	if err != nil {
		return a, nil, fmt.Errorf("attachment %d: %w", id, err)
	}
	return a, f, nil
}
