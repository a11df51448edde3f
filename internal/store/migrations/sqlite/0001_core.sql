-- Core schema. Times are Unix milliseconds (UTC) in both dialects, so that
-- keyset cursors and comparisons are the same code everywhere.
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin','supervisor','agent')),
  password_hash TEXT NOT NULL DEFAULT '',
  available INTEGER NOT NULL DEFAULT 1,
  capacity INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE teams (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);

CREATE TABLE team_members (
  team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members(user_id);

CREATE TABLE inboxes (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('email','chat','api','phone')),
  settings TEXT NOT NULL DEFAULT '{}',
  auto_resolve_after_ms INTEGER NOT NULL,
  auto_close_after_ms INTEGER NOT NULL,
  reopen_window_ms INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE inbox_members (
  inbox_id INTEGER NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (inbox_id, user_id)
);
CREATE INDEX inbox_members_user ON inbox_members(user_id);

CREATE TABLE contacts (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  type TEXT NOT NULL DEFAULT 'customer' CHECK (type IN ('customer','vip','lead','partner')),
  attributes TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE contact_identities (
  id INTEGER PRIMARY KEY,
  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('email','phone','external')),
  value TEXT NOT NULL,
  UNIQUE (kind, value)
);
CREATE INDEX contact_identities_contact ON contact_identities(contact_id);

CREATE TABLE conversations (
  id INTEGER PRIMARY KEY,
  inbox_id INTEGER NOT NULL REFERENCES inboxes(id),
  contact_id INTEGER NOT NULL REFERENCES contacts(id),
  subject TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('new','open','pending','resolved','closed')),
  priority INTEGER NOT NULL DEFAULT 1 CHECK (priority BETWEEN 0 AND 3),
  assignee_id INTEGER REFERENCES users(id),
  team_id INTEGER REFERENCES teams(id),
  snoozed_until INTEGER,
  previous_conversation_id INTEGER REFERENCES conversations(id),
  message_count INTEGER NOT NULL DEFAULT 0,
  preview TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_activity_at INTEGER NOT NULL,
  status_changed_at INTEGER NOT NULL,
  first_response_at INTEGER,
  resolved_at INTEGER,
  closed_at INTEGER,
  waiting_since INTEGER
);
CREATE INDEX conversations_activity ON conversations(last_activity_at, id);
CREATE INDEX conversations_created ON conversations(created_at, id);
CREATE INDEX conversations_priority ON conversations(priority, id);
CREATE INDEX conversations_inbox ON conversations(inbox_id);
CREATE INDEX conversations_status_activity ON conversations(status, last_activity_at, id);
CREATE INDEX conversations_assignee_activity ON conversations(assignee_id, last_activity_at, id);
CREATE INDEX conversations_team ON conversations(team_id);
CREATE INDEX conversations_contact ON conversations(contact_id, created_at);

CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('reply','note')),
  direction TEXT NOT NULL CHECK (direction IN ('incoming','outgoing')),
  sender_type TEXT NOT NULL CHECK (sender_type IN ('contact','user','system')),
  sender_id INTEGER,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX messages_conversation ON messages(conversation_id, id);

CREATE TABLE tags (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

CREATE TABLE conversation_tags (
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
  PRIMARY KEY (conversation_id, tag_id)
);
CREATE INDEX conversation_tags_tag ON conversation_tags(tag_id, conversation_id);

CREATE TABLE conversation_events (
  id INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  actor_type TEXT NOT NULL CHECK (actor_type IN ('contact','user','system')),
  actor_id INTEGER,
  action TEXT NOT NULL,
  before TEXT,
  after TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX conversation_events_conversation ON conversation_events(conversation_id, id);

CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL DEFAULT '',
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER
);

CREATE TABLE sessions (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash TEXT NOT NULL UNIQUE,
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);

CREATE TABLE idempotency_keys (
  user_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, key)
);
