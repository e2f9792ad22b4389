-- Sessions of the web console (issue 13). Only the SHA-256 of the session id (the cookie's value) is stored, so a
-- copy of the database signs nobody in. A session ends at `expires_at`, the earlier of 30 minutes after it was last
-- seen and 12 hours after it was created; the server's minute task deletes ended ones. Times are Unix milliseconds.
CREATE TABLE console_sessions (
    id_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX console_sessions_expires ON console_sessions (expires_at);
CREATE INDEX console_sessions_account ON console_sessions (account_id);
