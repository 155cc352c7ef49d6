-- Jobs that must not run twice at once, across processes (the app and a `ccsync` cron job): one row
-- per running job, e.g. `pull:<connection id>:users` or `auto_sync:ringcentral`. A row whose process
-- is gone, or whose heartbeat stopped, is stale and taken over (see store/locks.rs).
CREATE TABLE job_locks (
    name          TEXT PRIMARY KEY,
    -- 'app' or 'cli'
    holder        TEXT NOT NULL,
    -- what runs, as a person would say it: "ccsync pull users", "Auto Sync for RingCentral"
    command       TEXT NOT NULL,
    pid           INTEGER NOT NULL,
    -- tells this holder's row from a later one with the same pid
    token         TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    heartbeat_at  TEXT NOT NULL
) STRICT;
