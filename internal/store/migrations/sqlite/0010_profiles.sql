-- Customer profiles: profile fields on contacts, admin-defined attribute
-- definitions, agents' notes on contacts, identity match keys for duplicate
-- suggestions, and undoable contact merges. A merged-away contact keeps its
-- row (merged_into_id set) so that unmerge can bring it back exactly; each
-- merge records what it moved.
ALTER TABLE contacts ADD COLUMN company TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN lifecycle_stage TEXT NOT NULL DEFAULT '' CHECK (lifecycle_stage IN ('','lead','trial','customer','churned'));
ALTER TABLE contacts ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN preferred_channel TEXT NOT NULL DEFAULT '' CHECK (preferred_channel IN ('','email','chat','api','phone'));
ALTER TABLE contacts ADD COLUMN do_not_contact INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN merged_into_id INTEGER REFERENCES contacts(id);
CREATE INDEX contacts_merged_into ON contacts(merged_into_id);

-- match_key is the identity reduced for duplicate matching (store.MatchKey):
-- emails without +tags (and without dots at Gmail), phones by their last
-- nine digits. Existing rows get the same reduction in SQL.
ALTER TABLE contact_identities ADD COLUMN match_key TEXT NOT NULL DEFAULT '';
UPDATE contact_identities SET match_key = CASE kind
  WHEN 'phone' THEN substr(replace(value, '+', ''), -9)
  WHEN 'email' THEN (
    SELECT CASE WHEN d IN ('gmail.com', 'googlemail.com') THEN replace(l, '.', '') || '@gmail.com' ELSE l || '@' || d END
    FROM (SELECT CASE WHEN instr(lp, '+') > 0 THEN substr(lp, 1, instr(lp, '+') - 1) ELSE lp END AS l, d
          FROM (SELECT substr(value, 1, instr(value, '@') - 1) AS lp, substr(value, instr(value, '@') + 1) AS d)))
  ELSE value END;
CREATE INDEX contact_identities_match ON contact_identities(kind, match_key);

CREATE TABLE contact_attribute_defs (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  label TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('text','number','date','boolean','choice')),
  choices TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL
);

CREATE TABLE contact_notes (
  id INTEGER PRIMARY KEY,
  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  author_id INTEGER REFERENCES users(id),
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX contact_notes_contact ON contact_notes(contact_id, id);

CREATE TABLE contact_merges (
  id INTEGER PRIMARY KEY,
  keep_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  other_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  actor_id INTEGER,
  moved TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  undone_at INTEGER
);
CREATE INDEX contact_merges_other ON contact_merges(other_id, id);
CREATE INDEX contact_merges_keep ON contact_merges(keep_id, id);

