-- Keyword search: tsvector columns with GIN indexes over message bodies,
-- conversation subjects and contacts (name and identities). Text is split
-- on anything but letters and digits first, as SQLite's FTS5 does, so an
-- address like jo@example.com is three words on both databases.
ALTER TABLE contacts ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE contacts SET search_text = name || ' ' || COALESCE((SELECT string_agg(value, ' ') FROM contact_identities i WHERE i.contact_id = contacts.id), '');

ALTER TABLE messages ADD COLUMN search tsvector
  GENERATED ALWAYS AS (to_tsvector('simple', regexp_replace(body, '[^[:alnum:]]+', ' ', 'g'))) STORED;
CREATE INDEX messages_search ON messages USING GIN (search);

ALTER TABLE conversations ADD COLUMN search tsvector
  GENERATED ALWAYS AS (to_tsvector('simple', regexp_replace(subject, '[^[:alnum:]]+', ' ', 'g'))) STORED;
CREATE INDEX conversations_search ON conversations USING GIN (search);

ALTER TABLE contacts ADD COLUMN search tsvector
  GENERATED ALWAYS AS (to_tsvector('simple', regexp_replace(search_text, '[^[:alnum:]]+', ' ', 'g'))) STORED;
CREATE INDEX contacts_search ON contacts USING GIN (search);
