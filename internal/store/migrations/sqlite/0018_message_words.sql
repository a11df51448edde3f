-- Message search keyed by conversation. messages_fts used message ids as
-- rowids, so turning a match into its conversation cost a table lookup
-- per matching message (50,000 lookups for a word in 5% of conversations
-- at a million). message_words gives each message the rowid
-- conversation_id << 32 | (id & 0xffffffff): a match names its
-- conversation by itself, a conversation's messages are one rowid range
-- (one seek to test a conversation), and matches come out grouped by
-- conversation. It is contentless (the text stays in messages) with
-- contentless_delete, so rows can be deleted and moved by rowid.
DROP TRIGGER IF EXISTS messages_fts_insert;
DROP TRIGGER IF EXISTS messages_fts_delete;
DROP TRIGGER IF EXISTS messages_fts_update;
DROP TABLE IF EXISTS messages_fts;

CREATE VIRTUAL TABLE message_words USING fts5(body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0');
INSERT INTO message_words(rowid, body)
  SELECT (conversation_id << 32) | (id & 4294967295), body FROM messages ORDER BY conversation_id, id;
-- One segment: a conversation's test is then one seek per word.
INSERT INTO message_words(message_words) VALUES ('optimize');

CREATE TRIGGER message_words_insert AFTER INSERT ON messages BEGIN
  INSERT INTO message_words(rowid, body) VALUES ((new.conversation_id << 32) | (new.id & 4294967295), new.body);
END;
CREATE TRIGGER message_words_delete AFTER DELETE ON messages BEGIN
  DELETE FROM message_words WHERE rowid = (old.conversation_id << 32) | (old.id & 4294967295);
END;
-- A merge or split moves messages between conversations: the row moves too.
CREATE TRIGGER message_words_update AFTER UPDATE OF body, conversation_id ON messages
  WHEN old.body IS NOT new.body OR old.conversation_id IS NOT new.conversation_id BEGIN
  DELETE FROM message_words WHERE rowid = (old.conversation_id << 32) | (old.id & 4294967295);
  INSERT INTO message_words(rowid, body) VALUES ((new.conversation_id << 32) | (new.id & 4294967295), new.body);
END;

