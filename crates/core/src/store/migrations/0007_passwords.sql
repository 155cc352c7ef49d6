-- Temporary passwords set from Records (see passwords.rs). Only an Argon2id hash, as a PHC string
-- with its own salt and parameters, is kept: never the password. A pull or an import never writes
-- these columns. No CHECK constraints, like 0005: the code writes them from typed values.
ALTER TABLE records ADD COLUMN password_hash TEXT;
-- 1 until the user changes the temporary password at first sign-in
ALTER TABLE records ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE records ADD COLUMN password_set_at TEXT;
