-- Contact erasure (GDPR, docs/contacts.md): erased_at marks a contact
-- whose personal data was removed; contact_erasures records each erasure
-- (who, when, why, how much) and cannot be changed or deleted: triggers
-- refuse it, so the record survives any later mistake in code. A merge
-- into an erased contact is made final (final_at): its record of what it
-- moved held personal data, and undoing it could not bring that back.
ALTER TABLE contacts ADD COLUMN erased_at INTEGER;
ALTER TABLE contact_merges ADD COLUMN final_at INTEGER;

CREATE TABLE contact_erasures (
  id INTEGER PRIMARY KEY,
  contact_id INTEGER NOT NULL UNIQUE REFERENCES contacts(id),
  actor_id INTEGER REFERENCES users(id),
  reason TEXT NOT NULL,
  counts TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TRIGGER contact_erasures_no_update BEFORE UPDATE ON contact_erasures BEGIN
  SELECT RAISE(ABORT, 'contact erasures cannot be changed');
END;
CREATE TRIGGER contact_erasures_no_delete BEFORE DELETE ON contact_erasures BEGIN
  SELECT RAISE(ABORT, 'contact erasures cannot be deleted');
END;

-- An erasure finds a contact's rows in these by conversation or identity;
-- without these indexes each would be a scan of the whole table.
CREATE INDEX channel_deliveries_conversation ON channel_deliveries(conversation_id);
CREATE INDEX notifications_conversation ON notifications(conversation_id);
CREATE INDEX chat_visitors_identity ON chat_visitors(identity);
