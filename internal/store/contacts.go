package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode"

	"github.com/parley-hq/parley/internal/model"
)

// contactColumns are the columns scanContact reads, for a table aliased c.
const contactColumns = `c.id, c.name, c.type, c.attributes, c.created_at, c.updated_at,
 c.company, c.lifecycle_stage, c.language, c.time_zone, c.preferred_channel, c.do_not_contact, c.merged_into_id, c.erased_at`

func scanContact(row interface{ Scan(...any) error }) (model.Contact, error) {
	var c model.Contact
	var attrs string
	var created, updated int64
	var merged, erased sql.NullInt64
	err := row.Scan(&c.ID, &c.Name, &c.Type, &attrs, &created, &updated,
		&c.Company, &c.LifecycleStage, &c.Language, &c.TimeZone, &c.PreferredChannel, &c.DoNotContact, &merged, &erased)
	if err != nil {
		return c, translate(err)
	}
	c.Attributes = []byte(attrs)
	c.CreatedAt, c.UpdatedAt = FromMillis(created), FromMillis(updated)
	if merged.Valid {
		c.MergedIntoID = &merged.Int64
	}
	c.ErasedAt = timePtr(erased)
	return c, nil
}

func getContact(ctx context.Context, q querier, id int64) (model.Contact, error) {
	c, err := scanContact(q.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contacts c WHERE c.id = $1`, id))
	if err != nil {
		return c, err
	}
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
	rows, err := q.QueryContext(ctx, `SELECT id, contact_id, kind, value FROM contact_identities WHERE contact_id IN (`+strings.Join(ph, ",")+`) ORDER BY id`, args...)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var ident model.Identity
		if err := rows.Scan(&ident.ID, &id, &ident.Kind, &ident.Value); err != nil {
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
	err := t.q().QueryRowContext(ctx, contactByIdentitySQL, kind, value).Scan(&id)
	return id, translate(err)
}

const contactByIdentitySQL = `SELECT contact_id FROM contact_identities WHERE kind = $1 AND value = $2`

// ContactFilter selects contacts for a list.
type ContactFilter struct {
	Query   string
	Type    model.ContactType
	AfterID int64
	Limit   int
}

// ListContacts returns contacts by id, leaving out merged-away ones. The
// query matches the name, the company or any identity, as a substring.
func (s *Store) ListContacts(ctx context.Context, f ContactFilter) ([]model.Contact, error) {
	where := []string{"c.id > $1", "c.merged_into_id IS NULL"}
	args := []any{f.AfterID}
	if f.Type != "" {
		args = append(args, f.Type)
		where = append(where, fmt.Sprintf("c.type = $%d", len(args)))
	}
	if f.Query != "" {
		args = append(args, likePattern(f.Query))
		n := len(args)
		where = append(where, fmt.Sprintf("(LOWER(c.name) LIKE $%d ESCAPE '\\' OR LOWER(c.company) LIKE $%d ESCAPE '\\' OR EXISTS (SELECT 1 FROM contact_identities i WHERE i.contact_id = c.id AND LOWER(i.value) LIKE $%d ESCAPE '\\'))", n, n, n))
	}
	args = append(args, f.Limit)
	rows, err := s.Reader.QueryContext(ctx, `SELECT `+contactColumns+` FROM contacts c WHERE `+
		strings.Join(where, " AND ")+fmt.Sprintf(" ORDER BY c.id LIMIT $%d", len(args)), args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []model.Contact{}
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, err
		}
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
	err := t.tx.QueryRowContext(ctx, `INSERT INTO contacts (name, type, attributes, search_text, created_at, updated_at,
 company, lifecycle_stage, language, time_zone, preferred_channel, do_not_contact) VALUES ($1, $2, $3, $1, $4, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		c.Name, c.Type, attrs, Millis(c.CreatedAt), c.Company, c.LifecycleStage, c.Language, c.TimeZone, c.PreferredChannel, c.DoNotContact).Scan(&id)
	return id, translate(err)
}

// SaveContact writes a contact's mutable fields.
func (t *Tx) SaveContact(ctx context.Context, c model.Contact) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE contacts SET name = $2, type = $3, attributes = $4, updated_at = $5,
 company = $6, lifecycle_stage = $7, language = $8, time_zone = $9, preferred_channel = $10, do_not_contact = $11 WHERE id = $1`,
		c.ID, c.Name, c.Type, string(c.Attributes), Millis(c.UpdatedAt),
		c.Company, c.LifecycleStage, c.Language, c.TimeZone, c.PreferredChannel, c.DoNotContact)
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
	_, err := t.tx.ExecContext(ctx, `INSERT INTO contact_identities (contact_id, kind, value, match_key) VALUES ($1, $2, $3, $4)`,
		contactID, ident.Kind, ident.Value, MatchKey(ident))
	if err != nil {
		return translate(err)
	}
	return t.refreshContactSearch(ctx, contactID)
}
