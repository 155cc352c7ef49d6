-- Several business units. A CXone connection is one business unit; a mapping link pairs it with
-- the RingCentral or Webex connection its users are mapped to (one link per unit and platform; a
-- platform connection may serve several units). Mappings, accounts, schedules and runs carry it.

-- The business unit a CXone connection signs in to, learned on each test and pull (NULL until then).
ALTER TABLE connections ADD COLUMN business_unit_id INTEGER;
ALTER TABLE connections ADD COLUMN business_unit_name TEXT;

-- Filled from what earlier pulls recorded: the unit of the connection's watermarks, else, with one
-- CXone connection, the one unit its users carry.
UPDATE connections SET business_unit_id = (
    SELECT w.business_unit_id FROM sync_watermarks w
    WHERE w.connection_id = connections.id ORDER BY w.entity = 'users' DESC LIMIT 1)
WHERE kind = 'cxone';
UPDATE connections SET business_unit_id = (
    SELECT MIN(business_unit_id) FROM records WHERE entity = 'users' AND business_unit_id <> 0)
WHERE kind = 'cxone' AND business_unit_id IS NULL
  AND (SELECT COUNT(*) FROM connections WHERE kind = 'cxone') = 1
  AND (SELECT COUNT(DISTINCT business_unit_id) FROM records WHERE entity = 'users' AND business_unit_id <> 0) = 1;

CREATE TABLE mapping_links (
    id                      INTEGER PRIMARY KEY,
    cxone_connection_id     TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    platform                TEXT NOT NULL CHECK (platform IN ('ringcentral', 'webex')),
    external_connection_id  TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    created_at              TEXT NOT NULL,
    UNIQUE (cxone_connection_id, platform)
) STRICT;
CREATE INDEX mapping_links_external ON mapping_links (external_connection_id);

-- Today's one pair per platform becomes the link of every CXone connection: the platform connection
-- the last Auto Sync used, else the only (or first made) one of that platform.
WITH platforms (platform) AS (VALUES ('ringcentral'), ('webex')),
last_used (platform, connection_id) AS (
    SELECT p.platform, (SELECT r.connection_id FROM sync_runs r JOIN connections e ON e.id = r.connection_id
                        WHERE r.kind = 'auto_sync' AND e.kind = p.platform ORDER BY r.id DESC LIMIT 1)
    FROM platforms p),
ranked (platform, external_id, rank) AS (
    SELECT u.platform, e.id,
           ROW_NUMBER() OVER (PARTITION BY u.platform ORDER BY e.id IS u.connection_id DESC, e.created_at, e.id)
    FROM last_used u JOIN connections e ON e.kind = u.platform)
INSERT INTO mapping_links (cxone_connection_id, platform, external_connection_id, created_at)
SELECT c.id, ranked.platform, ranked.external_id, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
FROM connections c JOIN ranked ON ranked.rank = 1
WHERE c.kind = 'cxone';

-- Which link a mapping was last written under (its user's unit and platform decide which link
-- reads it; this tells whose account it holds when a platform connection serves several units).
ALTER TABLE mappings ADD COLUMN link_id INTEGER REFERENCES mapping_links (id) ON DELETE SET NULL;
UPDATE mappings SET link_id = (
    SELECT l.id FROM mapping_links l JOIN connections c ON c.id = l.cxone_connection_id
    JOIN records r ON r.id = mappings.user_record_id
    WHERE l.platform = mappings.platform AND c.business_unit_id = r.business_unit_id
    ORDER BY l.id LIMIT 1);

-- Accounts belong to the platform connection that listed them (two RingCentral accounts are two
-- directories). Existing ones go to the connection their platform's link uses.
CREATE TABLE external_accounts_new (
    connection_id  TEXT NOT NULL,
    platform       TEXT NOT NULL CHECK (platform IN ('ringcentral', 'webex')),
    account_id     TEXT NOT NULL,
    name           TEXT NOT NULL,
    emails         TEXT NOT NULL CHECK (json_valid(emails)),
    active         INTEGER NOT NULL CHECK (active IN (0, 1)),
    raw            TEXT NOT NULL,
    first_seen_at  TEXT NOT NULL,
    last_seen_at   TEXT NOT NULL,
    missing_since  TEXT,
    PRIMARY KEY (connection_id, account_id)
) STRICT;
INSERT INTO external_accounts_new
SELECT COALESCE((SELECT l.external_connection_id FROM mapping_links l WHERE l.platform = a.platform ORDER BY l.id LIMIT 1), ''),
       a.platform, a.account_id, a.name, a.emails, a.active, a.raw, a.first_seen_at, a.last_seen_at, a.missing_since
FROM external_accounts a;
DROP TABLE external_accounts;
ALTER TABLE external_accounts_new RENAME TO external_accounts;

-- Schedules are per link. A platform's schedule becomes the schedule of each of its links.
CREATE TABLE auto_sync_schedules_new (
    link_id     INTEGER PRIMARY KEY REFERENCES mapping_links (id) ON DELETE CASCADE,
    schedule    TEXT NOT NULL CHECK (json_valid(schedule)),
    created_at  TEXT NOT NULL,
    last_run    TEXT
) STRICT;
INSERT INTO auto_sync_schedules_new (link_id, schedule, created_at, last_run)
SELECT l.id, s.schedule, s.created_at, s.last_run
FROM auto_sync_schedules s JOIN mapping_links l ON l.platform = s.platform;
DROP TABLE auto_sync_schedules;
ALTER TABLE auto_sync_schedules_new RENAME TO auto_sync_schedules;
-- The last scheduled run's error moves with it (it was a setting per platform).
INSERT OR REPLACE INTO settings (key, value)
SELECT 'mapping.schedule.link.' || l.id || '.last_error', s.value
FROM settings s JOIN mapping_links l ON s.key = 'mapping.schedule.' || l.platform || '.last_error';
DELETE FROM settings WHERE key IN ('mapping.schedule.ringcentral.last_error', 'mapping.schedule.webex.last_error');

-- The link an Auto Sync or a mapping change ran for.
ALTER TABLE sync_runs ADD COLUMN link_id INTEGER;
