-- Accounts on the platforms users are mapped to, refreshed on each Auto Sync, never deleted.
CREATE TABLE external_accounts (
    platform       TEXT NOT NULL CHECK (platform IN ('ringcentral', 'webex')),
    account_id     TEXT NOT NULL,
    name           TEXT NOT NULL,
    -- JSON array, as the platform wrote them
    emails         TEXT NOT NULL CHECK (json_valid(emails)),
    active         INTEGER NOT NULL CHECK (active IN (0, 1)),
    raw            TEXT NOT NULL,
    first_seen_at  TEXT NOT NULL,
    last_seen_at   TEXT NOT NULL,
    missing_since  TEXT,
    PRIMARY KEY (platform, account_id)
) STRICT;

-- One row per CXone user and platform: where the user stands.
CREATE TABLE mappings (
    platform          TEXT NOT NULL CHECK (platform IN ('ringcentral', 'webex')),
    user_record_id    INTEGER NOT NULL REFERENCES records (id),
    status            TEXT NOT NULL,
    account_id        TEXT,
    detail            TEXT NOT NULL DEFAULT '',
    attempts          INTEGER NOT NULL DEFAULT 0,
    fingerprint       TEXT NOT NULL DEFAULT '',
    blocked_account   TEXT,
    flag              TEXT,
    updated_at        TEXT NOT NULL,
    PRIMARY KEY (platform, user_record_id)
) STRICT;

-- Auto Sync schedules, per platform.
CREATE TABLE auto_sync_schedules (
    platform    TEXT PRIMARY KEY CHECK (platform IN ('ringcentral', 'webex')),
    schedule    TEXT NOT NULL CHECK (json_valid(schedule)),
    created_at  TEXT NOT NULL,
    last_run    TEXT
) STRICT;

-- Small settings, one row each (e.g. the User Mapping permission gate).
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) STRICT;
