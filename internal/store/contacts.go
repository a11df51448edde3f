package store

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/parley-hq/parley/internal/model"
)

func getContact(ctx context.Context, q querier, id int64) (model.Contact, error) {
	var c model.Contact
	var attrs string
	var created, updated int64
	err := q.QueryRowContext(ctx, `SELECT id, name, type, attributes, created_at, updated_at FROM contacts WHERE id = $1`, id).
		Scan(&c.ID, &c.Name, &c.Type, &attrs, &created, &updated)
	if err != nil {
		return c, translate(err)
	}
	c.Attributes = []byte(attrs)
	c.CreatedAt, c.UpdatedAt = FromMillis(created), FromMillis(updated)
	list := []model.Contact{c}
	if err := attachIdentities(ctx, q, list); err != nil {
		return c, err
	}
	return list[0], nil
}

// ContactByID reads one contact with its identities.
func (s *Store) ContactByID(ctx context.Context, id int64) (model.Contact, error) {
	return getContact(ctx, s.Reader, id)
}

// ContactByID reads one contact inside the transaction.
func (t *Tx) ContactByID(ctx context.Context, id int64) (model.Contact, error) {
	return getContact(ctx, t.tx, id)
}

func attachIdentities(ctx context.Context, q querier, cs []model.Contact) error {
	if len(cs) == 0 {
		return nil
	}
	ph := make([]string, len(cs))
	args := make([]any, len(cs))
	index := map[int64]int{}
	for i, c := range cs {
		ph[i] = fmt.Sprintf("$%d", i+1)
		args[i] = c.ID
		index[c.ID] = i
		cs[i].Identities = []model.Identity{}
	}
	rows, err := q.QueryContext(ctx, `SELECT contact_id, kind, value FROM contact_identities WHERE contact_id IN (`+strings.Join(ph, ",")+`) ORDER BY id`, args...)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var ident model.Identity
		if err := rows.Scan(&id, &ident.Kind, &ident.Value); err != nil {
			return translate(err)
		}
		c := &cs[index[id]]
		c.Identities = append(c.Identities, ident)
		if ident.Kind == model.IdentityEmail && c.Email == "" {
			c.Email = ident.Value
		}
		if ident.Kind == model.IdentityPhone && c.Phone == "" {
			c.Phone = ident.Value
		}
	}
	return translate(rows.Err())
}

// ContactIDByIdentity finds the contact that owns an identity.
func (t *Tx) ContactIDByIdentity(ctx context.Context, kind model.IdentityKind, value string) (int64, error) {
	var id int64
	err := t.tx.QueryRowContext(ctx, `SELECT contact_id FROM contact_identities WHERE kind = $1 AND value = $2`, kind, value).Scan(&id)
	return id, translate(err)
}

// ContactFilter selects contacts for a list.
type ContactFilter struct {
	Query   string
	Type    model.ContactType
	AfterID int64
	Limit   int
}

// ListContacts returns contacts by id.
func (s *Store) ListContacts(ctx context.Context, f ContactFilter) ([]model.Contact, error) {
	where := []string{"c.id > $1"}
	args := []any{f.AfterID}
	if f.Type != "" {
		args = append(args, f.Type)
		where = append(where, fmt.Sprintf("c.type = $%d", len(args)))
	}
	if f.Query != "" {
		args = append(args, likePattern(f.Query))
		n := len(args)
		where = append(where, fmt.Sprintf("(LOWER(c.name) LIKE $%d ESCAPE '\\' OR EXISTS (SELECT 1 FROM contact_identities i WHERE i.contact_id = c.id AND LOWER(i.value) LIKE $%d ESCAPE '\\'))", n, n))
	}
	args = append(args, f.Limit)
	rows, err := s.Reader.QueryContext(ctx, `SELECT c.id, c.name, c.type, c.attributes, c.created_at, c.updated_at FROM contacts c WHERE `+
		strings.Join(where, " AND ")+fmt.Sprintf(" ORDER BY c.id LIMIT $%d", len(args)), args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []model.Contact{}
	for rows.Next() {
		var c model.Contact
		var attrs string
		var created, updated int64
		if err := rows.Scan(&c.ID, &c.Name, &c.Type, &attrs, &created, &updated); err != nil {
			return nil, translate(err)
		}
		c.Attributes = []byte(attrs)
		c.CreatedAt, c.UpdatedAt = FromMillis(created), FromMillis(updated)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	rows.Close()
	return out, attachIdentities(ctx, s.Reader, out)
}

// CreateContact inserts a contact (without identities) and returns its id.
func (t *Tx) CreateContact(ctx context.Context, c model.Contact) (int64, error) {
	attrs := string(c.Attributes)
	if attrs == "" {
		attrs = "{}"
	}
	var id int64
	err := t.tx.QueryRowContext(ctx, `INSERT INTO contacts (name, type, attributes, search_text, created_at, updated_at) VALUES ($1, $2, $3, $1, $4, $4) RETURNING id`,
		c.Name, c.Type, attrs, Millis(c.CreatedAt)).Scan(&id)
	return id, translate(err)
}

// SaveContact writes a contact's mutable fields.
func (t *Tx) SaveContact(ctx context.Context, c model.Contact) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE contacts SET name = $2, type = $3, attributes = $4, updated_at = $5 WHERE id = $1`,
		c.ID, c.Name, c.Type, string(c.Attributes), Millis(c.UpdatedAt))
	if err != nil {
		return translate(err)
	}
	return t.refreshContactSearch(ctx, c.ID)
}

// refreshContactSearch rewrites the text search finds a contact by: its
// name and every identity. Punctuation becomes spaces, so an address is
// split into the same words on both databases.
func (t *Tx) refreshContactSearch(ctx context.Context, id int64) error {
	var name string
	if err := t.tx.QueryRowContext(ctx, `SELECT name FROM contacts WHERE id = $1`, id).Scan(&name); err != nil {
		return translate(err)
	}
	rows, err := t.tx.QueryContext(ctx, `SELECT value FROM contact_identities WHERE contact_id = $1 ORDER BY id`, id)
	if err != nil {
		return translate(err)
	}
	parts := []string{name}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return translate(err)
		}
		parts = append(parts, v)
	}
	rows.Close()
	text := strings.Join(strings.FieldsFunc(strings.Join(parts, " "), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
	_, err = t.tx.ExecContext(ctx, `UPDATE contacts SET search_text = $2 WHERE id = $1`, id, text)
	return translate(err)
}

// AddIdentity gives a contact an identity; ErrConflict if another has it.
func (t *Tx) AddIdentity(ctx context.Context, contactID int64, ident model.Identity) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO contact_identities (contact_id, kind, value) VALUES ($1, $2, $3)`, contactID, ident.Kind, ident.Value)
	if err != nil {
		return translate(err)
	}
	return t.refreshContactSearch(ctx, contactID)
}

// MergeContacts moves everything of other into keep and deletes other.
func (t *Tx) MergeContacts(ctx context.Context, keep, other int64, now time.Time) error {
	for _, q := range []string{
		`UPDATE contact_identities SET contact_id = $1 WHERE contact_id = $2`,
		`UPDATE conversations SET contact_id = $1 WHERE contact_id = $2`,
		`UPDATE messages SET sender_id = $1 WHERE sender_type = 'contact' AND sender_id = $2`,
	} {
		if _, err := t.tx.ExecContext(ctx, q, keep, other); err != nil {
			return translate(err)
		}
	}
	if _, err := t.tx.ExecContext(ctx, `UPDATE contacts SET updated_at = $2 WHERE id = $1`, keep, Millis(now)); err != nil {
		return translate(err)
	}
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM contacts WHERE id = $1`, other); err != nil {
		return translate(err)
	}
	return t.refreshContactSearch(ctx, keep)
}

// ConversationIDsOfContact lists a contact's conversation ids, newest first.
func (t *Tx) ConversationIDsOfContact(ctx context.Context, contactID int64) ([]int64, error) {
	return scanIDs(t.tx.QueryContext(ctx, `SELECT id FROM conversations WHERE contact_id = $1 ORDER BY id DESC`, contactID))
}
