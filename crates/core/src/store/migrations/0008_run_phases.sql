-- A pull's two phases, so History shows how long the work took and not how long the list waited
-- for the admin's choice: reading from CXone and comparing, then writing. NULL for other runs and
-- for pulls recorded before this migration.
ALTER TABLE sync_runs ADD COLUMN fetch_ms INTEGER;
ALTER TABLE sync_runs ADD COLUMN write_ms INTEGER;
