-- conversation_words holds the set of words (lexemes, no positions) of all
-- of a conversation's messages. A keyword search walking the list tests a
-- conversation's one narrow row before reading its messages: most
-- conversations it passes do not have the words, and testing one row costs
-- a tenth of reading ten messages (docs/triage.md). It is a superset: a
-- conversation passes when its messages together hold every word, so a
-- pass is still checked message by message.
--
-- words is NULL when the set would be too large for a tsvector (1 MB);
-- NULL and a missing row mean "not known": such a conversation is checked
-- message by message.
CREATE TABLE conversation_words (
  conversation_id BIGINT PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
  words tsvector
);

-- conversation_words_agg(search, octet_length(body)) gathers messages'
-- words: a tsvector concatenation, stripped, gone to NULL once it could pass
-- the size a tsvector can hold (the body's bytes bound its words' bytes,
-- with room for lower case being longer).
CREATE FUNCTION conversation_words_add(acc tsvector, search tsvector, body_bytes INTEGER) RETURNS tsvector
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN acc IS NULL OR pg_column_size(acc) + body_bytes > 700000 THEN NULL
              ELSE acc || strip(search) END
$$;
CREATE AGGREGATE conversation_words_agg(tsvector, INTEGER) (
  SFUNC = conversation_words_add, STYPE = tsvector, INITCOND = ''
);

-- The word set of conversations, from their messages, as rows of
-- (conversation_id, words); conversations without messages have none.
CREATE FUNCTION conversation_words_of(ids BIGINT[]) RETURNS TABLE (conversation_id BIGINT, words tsvector)
LANGUAGE sql STABLE AS $$
  SELECT m.conversation_id, conversation_words_agg(m.search, octet_length(m.body))
  FROM messages m WHERE m.conversation_id = ANY(ids)
  GROUP BY m.conversation_id
$$;

-- Recomputes the word sets of conversations from scratch: after messages
-- move (merge, split, unmerge), change (erasure rewrites bodies) or go.
CREATE FUNCTION conversation_words_refresh(ids BIGINT[]) RETURNS void
LANGUAGE sql AS $$
  DELETE FROM conversation_words w WHERE w.conversation_id = ANY(ids)
    AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = w.conversation_id);
  INSERT INTO conversation_words (conversation_id, words)
  SELECT x.conversation_id, x.words FROM conversation_words_of(ids) x
  WHERE EXISTS (SELECT 1 FROM conversations c WHERE c.id = x.conversation_id)
  ON CONFLICT (conversation_id) DO UPDATE SET words = excluded.words;
$$;

-- New messages add their words; per statement, so a bulk load is one
-- aggregate rather than a row at a time.
CREATE FUNCTION conversation_words_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO conversation_words (conversation_id, words)
  SELECT n.conversation_id, conversation_words_agg(n.search, octet_length(n.body))
  FROM new_messages n GROUP BY n.conversation_id
  ON CONFLICT (conversation_id) DO UPDATE SET words = CASE
    WHEN conversation_words.words IS NULL OR excluded.words IS NULL THEN NULL
    WHEN octet_length(CAST(conversation_words.words AS text)) + pg_column_size(excluded.words) > 700000 THEN NULL
    ELSE conversation_words.words || excluded.words END;
  RETURN NULL;
END $$;

CREATE FUNCTION conversation_words_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids BIGINT[];
BEGIN
  SELECT array_agg(DISTINCT x) INTO ids FROM (
    SELECT o.conversation_id, n.conversation_id FROM old_messages o JOIN new_messages n ON n.id = o.id
    WHERE o.conversation_id <> n.conversation_id OR o.search IS DISTINCT FROM n.search
  ) moved(a, b) CROSS JOIN LATERAL (VALUES (a), (b)) v(x);
  IF ids IS NOT NULL THEN
    PERFORM conversation_words_refresh(ids);
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION conversation_words_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids BIGINT[];
BEGIN
  SELECT array_agg(DISTINCT conversation_id) INTO ids FROM old_messages;
  IF ids IS NOT NULL THEN
    PERFORM conversation_words_refresh(ids);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER conversation_words_insert AFTER INSERT ON messages
  REFERENCING NEW TABLE AS new_messages FOR EACH STATEMENT EXECUTE FUNCTION conversation_words_insert();
CREATE TRIGGER conversation_words_update AFTER UPDATE ON messages
  REFERENCING OLD TABLE AS old_messages NEW TABLE AS new_messages FOR EACH STATEMENT EXECUTE FUNCTION conversation_words_update();
CREATE TRIGGER conversation_words_delete AFTER DELETE ON messages
  REFERENCING OLD TABLE AS old_messages FOR EACH STATEMENT EXECUTE FUNCTION conversation_words_delete();

-- Existing conversations, in one pass over the messages.
INSERT INTO conversation_words (conversation_id, words)
SELECT m.conversation_id, conversation_words_agg(m.search, octet_length(m.body))
FROM messages m GROUP BY m.conversation_id;
