-- The outcome of the last "Test connection", so the list can show it after a restart.
ALTER TABLE connections ADD COLUMN last_test_at TEXT;
ALTER TABLE connections ADD COLUMN last_test_ok INTEGER CHECK (last_test_ok IN (0, 1));
ALTER TABLE connections ADD COLUMN last_test_message TEXT;
