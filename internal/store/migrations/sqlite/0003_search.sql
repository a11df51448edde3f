-- Keyword search: FTS5 over message bodies, conversation subjects and
-- contacts (name and identities). Each index follows its table through
-- triggers. remove_diacritics 0 matches PostgreSQL's 'simple' config, so
-- both databases find the same conversations.
ALTER TABLE contacts ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE contacts SET search_text = name || ' ' || COALESCE((SELECT group_concat(value, ' ') FROM contact_identities i WHERE i.contact_id = contacts.id), '');

CREATE VIRTUAL TABLE messages_fts USING fts5(body, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 0');
INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages WHEN old.body IS NOT new.body BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
  INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body);
END;

CREATE VIRTUAL TABLE conversations_fts USING fts5(subject, content='conversations', content_rowid='id', tokenize='unicode61 remove_diacritics 0');
INSERT INTO conversations_fts(conversations_fts) VALUES ('rebuild');
CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations BEGIN
  INSERT INTO conversations_fts(rowid, subject) VALUES (new.id, new.subject);
END;
CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations BEGIN
  INSERT INTO conversations_fts(conversations_fts, rowid, subject) VALUES ('delete', old.id, old.subject);
END;
-- Every save writes the subject column; only a real change reindexes it.
CREATE TRIGGER conversations_fts_update AFTER UPDATE OF subject ON conversations WHEN old.subject IS NOT new.subject BEGIN
  INSERT INTO conversations_fts(conversations_fts, rowid, subject) VALUES ('delete', old.id, old.subject);
  INSERT INTO conversations_fts(rowid, subject) VALUES (new.id, new.subject);
END;

CREATE VIRTUAL TABLE contacts_fts USING fts5(search_text, content='contacts', content_rowid='id', tokenize='unicode61 remove_diacritics 0');
INSERT INTO contacts_fts(contacts_fts) VALUES ('rebuild');
CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
  INSERT INTO contacts_fts(rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
  INSERT INTO contacts_fts(contacts_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER contacts_fts_update AFTER UPDATE OF search_text ON contacts WHEN old.search_text IS NOT new.search_text BEGIN
  INSERT INTO contacts_fts(contacts_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
  INSERT INTO contacts_fts(rowid, search_text) VALUES (new.id, new.search_text);
END;
