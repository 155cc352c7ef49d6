-- What a CSV import of users sets on a user record (pulled from CXone or created by an import).
-- A pull never touches these columns; once `profile_set`, an import reads them instead of the
-- names CXone sent. No CHECK constraints here: SQLite evaluates every CHECK of the table on each
-- write, and these made a 100,000-user pull 0.2 s slower; the import writes them from enums.
-- No email index either: an import matches users against the snapshot its dry run loaded.
ALTER TABLE records ADD COLUMN profile_set INTEGER NOT NULL DEFAULT 0;
ALTER TABLE records ADD COLUMN first_name TEXT NOT NULL DEFAULT '';
ALTER TABLE records ADD COLUMN last_name TEXT NOT NULL DEFAULT '';
ALTER TABLE records ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
-- E.164, or empty
ALTER TABLE records ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE records ADD COLUMN licence TEXT NOT NULL DEFAULT '';
ALTER TABLE records ADD COLUMN role TEXT NOT NULL DEFAULT '';

-- Saved column mappings, reused for files with the same headers.
CREATE TABLE import_presets (
    name        TEXT PRIMARY KEY COLLATE NOCASE,
    header_key  TEXT NOT NULL,
    mappings    TEXT NOT NULL CHECK (json_valid(mappings)),
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX import_presets_headers ON import_presets (header_key);
