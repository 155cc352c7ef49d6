-- Synchronized CXone records. Never deleted by a sync: a record gone upstream is flagged.
CREATE TABLE records (
    id                      INTEGER PRIMARY KEY,
    entity                  TEXT NOT NULL CHECK (entity IN ('users', 'campaigns', 'dispositions', 'agent_statuses')),
    business_unit_id        INTEGER NOT NULL,
    cxone_id                TEXT NOT NULL,
    name                    TEXT NOT NULL,
    -- users: the email as CXone wrote it; others: a short description
    detail                  TEXT NOT NULL DEFAULT '',
    -- users: the email trimmed and lower-cased, for matching
    email_key               TEXT,
    is_active               INTEGER NOT NULL CHECK (is_active IN (0, 1)),
    -- FNV-1a hash of the compared fields (a JSON object with sorted keys, read from raw): equal
    -- hashes mean unchanged; the fields themselves are read back from raw when they differ
    fields_hash             INTEGER NOT NULL,
    -- the record exactly as CXone sent it
    raw                     TEXT NOT NULL,
    group_name              TEXT NOT NULL,
    password_set            INTEGER NOT NULL DEFAULT 0 CHECK (password_set IN (0, 1)),
    first_synced_at         TEXT NOT NULL,
    last_synced_at          TEXT NOT NULL,
    missing_upstream_since  TEXT,
    UNIQUE (entity, business_unit_id, cxone_id)
) STRICT;

-- One row per pull, import or auto-sync.
CREATE TABLE sync_runs (
    id                INTEGER PRIMARY KEY,
    kind              TEXT NOT NULL,
    entity            TEXT,
    connection_id     TEXT,
    connection_name   TEXT NOT NULL DEFAULT '',
    started_at        TEXT NOT NULL,
    finished_at       TEXT,
    duration_ms       INTEGER,
    status            TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
    fetched           INTEGER NOT NULL DEFAULT 0,
    created           INTEGER NOT NULL DEFAULT 0,
    updated           INTEGER NOT NULL DEFAULT 0,
    unchanged         INTEGER NOT NULL DEFAULT 0,
    missing_upstream  INTEGER NOT NULL DEFAULT 0,
    error             TEXT
) STRICT;

-- One row per record a run created, updated or flagged, with what changed.
CREATE TABLE audit (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES sync_runs (id),
    record_id  INTEGER NOT NULL REFERENCES records (id),
    action     TEXT NOT NULL CHECK (action IN ('created', 'updated', 'flagged_missing', 'mapping')),
    changes    TEXT NOT NULL CHECK (json_valid(changes)),
    at         TEXT NOT NULL
) STRICT;
CREATE INDEX audit_run ON audit (run_id);

-- Where the next incremental pull starts: the lastPollTime of the previous one.
CREATE TABLE sync_watermarks (
    connection_id     TEXT NOT NULL,
    entity            TEXT NOT NULL,
    business_unit_id  INTEGER NOT NULL,
    last_poll_time    TEXT NOT NULL,
    PRIMARY KEY (connection_id, entity, business_unit_id)
) STRICT;
