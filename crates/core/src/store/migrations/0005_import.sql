-- What a CSV import of users sets, per user record (CXone-pulled or created by an import).
-- A pull never touches it; an import reads it before the record's own columns.
CREATE TABLE user_profiles (
    record_id     INTEGER PRIMARY KEY REFERENCES records (id),
    first_name    TEXT NOT NULL DEFAULT '',
    last_name     TEXT NOT NULL DEFAULT '',
    display_name  TEXT NOT NULL DEFAULT '',
    -- E.164, or empty
    phone         TEXT NOT NULL DEFAULT '',
    licence       TEXT NOT NULL DEFAULT '' CHECK (licence IN ('', 'standard', 'premium')),
    role          TEXT NOT NULL DEFAULT '' CHECK (role IN ('', 'agent', 'supervisor', 'administrator')),
    updated_at    TEXT NOT NULL
) STRICT;

-- Users are matched by email on import.
CREATE INDEX records_user_email ON records (entity, email_key);

-- Saved column mappings, reused for files with the same headers.
CREATE TABLE import_presets (
    name        TEXT PRIMARY KEY COLLATE NOCASE,
    header_key  TEXT NOT NULL,
    mappings    TEXT NOT NULL CHECK (json_valid(mappings)),
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX import_presets_headers ON import_presets (header_key);
