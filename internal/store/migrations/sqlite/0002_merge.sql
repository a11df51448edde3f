-- Merge and split. A merged-away conversation points to its target; each
-- merge keeps what unmerge needs to put things back exactly: the source's
-- fields before the merge, the tags it added to the target, and which
-- messages moved.
ALTER TABLE conversations ADD COLUMN merged_into_id INTEGER REFERENCES conversations(id);

CREATE TABLE conversation_merges (
  id INTEGER PRIMARY KEY,
  source_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  target_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  actor_id INTEGER,
  source_snapshot TEXT NOT NULL,
  added_tags TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  undone_at INTEGER
);
CREATE INDEX conversation_merges_source ON conversation_merges(source_id, id);

CREATE TABLE conversation_merge_messages (
  merge_id INTEGER NOT NULL REFERENCES conversation_merges(id) ON DELETE CASCADE,
  message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  PRIMARY KEY (merge_id, message_id)
);

-- Messages of a merged conversation come from several threads, so the
-- timeline orders them by time, not by id.
CREATE INDEX messages_conversation_time ON messages(conversation_id, created_at, id);
