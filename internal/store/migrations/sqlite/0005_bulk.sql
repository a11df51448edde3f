-- Bulk operations: what was asked, which conversations it covers, how far
-- it got, and each changed conversation's state before, so the last bulk
-- action can be undone.
CREATE TABLE bulk_operations (
  id INTEGER PRIMARY KEY,
  actor_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('change','undo')),
  undo_of INTEGER REFERENCES bulk_operations(id),
  request TEXT NOT NULL,
  ids TEXT NOT NULL,
  total INTEGER NOT NULL,
  processed INTEGER NOT NULL DEFAULT 0,
  updated TEXT NOT NULL DEFAULT '[]',
  skipped TEXT NOT NULL DEFAULT '[]',
  status TEXT NOT NULL CHECK (status IN ('running','done')),
  undone INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX bulk_operations_actor ON bulk_operations(actor_id, id);

CREATE TABLE bulk_changes (
  operation_id INTEGER NOT NULL REFERENCES bulk_operations(id) ON DELETE CASCADE,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  before TEXT NOT NULL,
  PRIMARY KEY (operation_id, conversation_id)
);
