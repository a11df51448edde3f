package contact

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// ExportFormat names the layout of a contact export, for whoever reads
// the file later.
const ExportFormat = "parley.contact-export.v1"

// Export is everything Parley holds about one contact (GDPR right of
// access), ready to be written. The profile, identities, notes and merged
// contacts are read at once; conversations are read and written one at a
// time by WriteTo, so memory holds one conversation, however long the
// customer's history.
type Export struct {
	s     *Service
	head  exportHead
	convs []int64
}

type exportHead struct {
	Format     string              `json:"format"`
	ExportedAt time.Time           `json:"exported_at"`
	Contact    model.Contact       `json:"contact"`
	Identities []model.Identity    `json:"identities"`
	Notes      []model.ContactNote `json:"notes"`
	// MergedContacts are contacts merged into this one: the same person.
	MergedContacts []model.Contact       `json:"merged_contacts"`
	Erasure        *model.ContactErasure `json:"erasure"`
}

// ExportConversation is one conversation of the contact with all of it.
type ExportConversation struct {
	model.Conversation
	Messages []ExportMessage     `json:"messages"`
	Calls    []model.Call        `json:"calls"`
	CSAT     *model.CSATResponse `json:"csat"`
}

// ExportMessage is one message: who wrote it, when, and what.
type ExportMessage struct {
	ID          int64              `json:"id"`
	Kind        model.MessageKind  `json:"kind"`
	Direction   model.Direction    `json:"direction"`
	SenderType  model.SenderType   `json:"sender_type"`
	SenderName  string             `json:"sender_name"`
	Body        string             `json:"body"`
	CreatedAt   time.Time          `json:"created_at"`
	Email       *ExportEmail       `json:"email,omitempty"`
	Attachments []ExportAttachment `json:"attachments"`
}

// ExportEmail is the mail envelope of a message.
type ExportEmail struct {
	From    string `json:"from"`
	To      string `json:"to"`
	Subject string `json:"subject"`
}

// ExportAttachment lists a file; the file itself is at URL.
type ExportAttachment struct {
	ID          int64  `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	URL         string `json:"url"`
}

// Export prepares the export of a contact. Admins and supervisors may
// export (they see every conversation, so the file is complete); agents
// may not, since their view of a customer is cut to their inboxes.
func (s *Service) Export(ctx context.Context, actor model.Actor, id int64) (*Export, error) {
	if actor.Role != model.RoleAdmin && actor.Role != model.RoleSupervisor {
		return nil, apperr.Forbidden("only admins and supervisors export a contact's data")
	}
	c, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	e := &Export{s: s, head: exportHead{Format: ExportFormat, ExportedAt: s.now().UTC(), Contact: c, Identities: c.Identities,
		MergedContacts: []model.Contact{}}}
	if e.head.Notes, err = s.store.AllContactNotes(ctx, id); err != nil {
		return nil, err
	}
	if r, err := s.store.ContactErasureOf(ctx, id); err == nil {
		e.head.Erasure = &r
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	merged, err := s.store.MergedAwayInto(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, mid := range merged {
		m, err := s.store.ContactByID(ctx, mid)
		if err != nil {
			return nil, err
		}
		e.head.MergedContacts = append(e.head.MergedContacts, m)
	}
	if e.convs, err = s.store.ContactConversationIDs(ctx, id); err != nil {
		return nil, err
	}
	return e, nil
}

// Filename is a name to save the export under.
func (e *Export) Filename() string {
	return fmt.Sprintf("contact-%d-export.json", e.head.Contact.ID)
}

// WriteTo writes the export as one JSON object: the profile part, then
// "conversations", one at a time. An error after the first byte leaves
// the document unfinished (not valid JSON), never silently short.
func (e *Export) WriteTo(ctx context.Context, w io.Writer) error {
	head, err := json.Marshal(e.head)
	if err != nil {
		return err
	}
	head = bytes.TrimSuffix(head, []byte("}"))
	if _, err := w.Write(append(head, []byte(`,"conversations":[`)...)); err != nil {
		return err
	}
	for i, id := range e.convs {
		c, err := e.conversation(ctx, id)
		if err != nil {
			return err
		}
		b, err := json.Marshal(c)
		if err != nil {
			return err
		}
		if i > 0 {
			b = append([]byte(","), b...)
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	_, err = w.Write([]byte("]}\n"))
	return err
}

func (e *Export) conversation(ctx context.Context, id int64) (ExportConversation, error) {
	st := e.s.store
	c, err := st.ConversationByID(ctx, id)
	if err != nil {
		return ExportConversation{}, err
	}
	out := ExportConversation{Conversation: c, Messages: []ExportMessage{}}
	var after int64
	for {
		msgs, err := st.ListMessages(ctx, id, after, 500)
		if err != nil {
			return out, err
		}
		if len(msgs) == 0 {
			break
		}
		ids := make([]int64, len(msgs))
		for i, m := range msgs {
			ids[i] = m.ID
		}
		mail, err := st.EmailRows(ctx, ids)
		if err != nil {
			return out, err
		}
		files, err := st.AttachmentsOf(ctx, ids)
		if err != nil {
			return out, err
		}
		for _, m := range msgs {
			em := ExportMessage{ID: m.ID, Kind: m.Kind, Direction: m.Direction, SenderType: m.SenderType, SenderName: m.SenderName,
				Body: m.Body, CreatedAt: m.CreatedAt, Attachments: []ExportAttachment{}}
			if r := mail[m.ID]; r != nil {
				em.Email = &ExportEmail{From: r.From, To: r.To, Subject: r.Subject}
			}
			for _, a := range files[m.ID] {
				em.Attachments = append(em.Attachments, ExportAttachment{ID: a.ID, Filename: a.Filename, ContentType: a.ContentType,
					Size: a.Size, URL: fmt.Sprintf("/api/v1/attachments/%d", a.ID)})
			}
			out.Messages = append(out.Messages, em)
		}
		after = msgs[len(msgs)-1].ID
		if len(msgs) < 500 {
			break
		}
	}
	if out.Calls, err = st.ListCalls(ctx, id); err != nil {
		return out, err
	}
	if r, err := st.SurveyByConversation(ctx, id); err == nil {
		out.CSAT = &r
	} else if !errors.Is(err, store.ErrNotFound) {
		return out, err
	}
	return out, nil
}
