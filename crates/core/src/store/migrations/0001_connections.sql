-- Connection profiles. Secrets are never stored here: they live in the OS keyring,
-- keyed by the connection id.
CREATE TABLE connections (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    kind        TEXT NOT NULL CHECK (kind IN ('cxone', 'ringcentral', 'webex')),
    settings    TEXT NOT NULL CHECK (json_valid(settings)),
    is_demo     INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1)),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
