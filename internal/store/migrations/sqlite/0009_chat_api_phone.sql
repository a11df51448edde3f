-- Live chat, API and phone channels.

-- channel_keys remembers what a channel has seen, per inbox: request
-- signatures (replays are refused), external message and call ids (a
-- redelivery returns the first result) and external thread ids (the
-- conversation a thread maps to). target_id is the message, call or
-- conversation the key stands for.
CREATE TABLE channel_keys (
  inbox_id INTEGER NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('signature','message','call','thread')),
  key TEXT NOT NULL,
  target_id INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (inbox_id, kind, key)
);
CREATE INDEX channel_keys_created ON channel_keys(kind, created_at);

-- channel_deliveries is the log of agent replies leaving by a channel:
-- signed webhooks to an API inbox's callback URL, and chat replies that
-- wait to go out by email because the visitor had left.
CREATE TABLE channel_deliveries (
  id INTEGER PRIMARY KEY,
  inbox_id INTEGER NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('webhook','email')),
  target TEXT NOT NULL DEFAULT '',
  payload TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending','delivered','failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_status INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  delivered_at INTEGER
);
CREATE INDEX channel_deliveries_inbox ON channel_deliveries(inbox_id, id);

-- calls are phone calls in a conversation's timeline; each one also has a
-- call.recorded event there.
CREATE TABLE calls (
  id INTEGER PRIMARY KEY,
  inbox_id INTEGER NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  direction TEXT NOT NULL CHECK (direction IN ('inbound','outbound')),
  outcome TEXT NOT NULL CHECK (outcome IN ('answered','missed','voicemail','no_answer','busy','failed')),
  caller TEXT NOT NULL DEFAULT '',
  callee TEXT NOT NULL DEFAULT '',
  duration_seconds INTEGER NOT NULL DEFAULT 0,
  recording_url TEXT NOT NULL DEFAULT '',
  transcript TEXT NOT NULL DEFAULT '',
  notes TEXT NOT NULL DEFAULT '',
  user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
  external_id TEXT NOT NULL DEFAULT '',
  started_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX calls_conversation ON calls(conversation_id, id);

-- chat_visitors are live-chat widget sessions. Only a hash of the
-- visitor's token is kept; the contact is found by the identity value.
CREATE TABLE chat_visitors (
  id INTEGER PRIMARY KEY,
  inbox_id INTEGER NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  identity TEXT NOT NULL,
  email TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
);
