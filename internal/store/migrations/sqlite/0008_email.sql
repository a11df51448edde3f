-- Email channel. email_messages holds the mail-specific part of a message
-- (its Message-ID, sanitised HTML, folded quotes, delivery status); the
-- unique (inbox_id, message_key) is what stores each inbound mail once.
CREATE TABLE email_messages (
  id INTEGER PRIMARY KEY,
  inbox_id INTEGER NOT NULL REFERENCES inboxes(id) ON DELETE CASCADE,
  message_key TEXT NOT NULL,
  message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  direction TEXT NOT NULL CHECK (direction IN ('incoming','outgoing')),
  from_addr TEXT NOT NULL DEFAULT '',
  to_addrs TEXT NOT NULL DEFAULT '',
  subject TEXT NOT NULL DEFAULT '',
  html TEXT NOT NULL DEFAULT '',
  quoted TEXT NOT NULL DEFAULT '',
  remote_images INTEGER NOT NULL DEFAULT 0,
  auto INTEGER NOT NULL DEFAULT 0,
  auto_reason TEXT NOT NULL DEFAULT '',
  raw_blob TEXT NOT NULL DEFAULT '',
  delivery_status TEXT CHECK (delivery_status IN ('queued','sent','failed')),
  delivery_error TEXT NOT NULL DEFAULT '',
  delivery_attempts INTEGER NOT NULL DEFAULT 0,
  delivered_at INTEGER,
  created_at INTEGER NOT NULL,
  UNIQUE (inbox_id, message_key)
);
CREATE INDEX email_messages_message ON email_messages(message_id);
CREATE INDEX email_messages_key ON email_messages(message_key);

CREATE TABLE email_attachments (
  id INTEGER PRIMARY KEY,
  message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  filename TEXT NOT NULL,
  content_type TEXT NOT NULL,
  content_id TEXT NOT NULL DEFAULT '',
  inline INTEGER NOT NULL DEFAULT 0,
  size INTEGER NOT NULL,
  blob_key TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE INDEX email_attachments_message ON email_attachments(message_id);

-- How far an inbox's IMAP mailbox has been read, written in the same
-- transaction as the message it covers.
CREATE TABLE imap_positions (
  inbox_id INTEGER PRIMARY KEY REFERENCES inboxes(id) ON DELETE CASCADE,
  mailbox TEXT NOT NULL,
  uid_validity INTEGER NOT NULL,
  last_uid INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Which node polls an inbox: a lease renewed while it fetches.
CREATE TABLE email_leases (
  inbox_id INTEGER PRIMARY KEY REFERENCES inboxes(id) ON DELETE CASCADE,
  holder TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
