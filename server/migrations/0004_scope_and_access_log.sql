-- Officer area scope (a province, optionally some of its wards) and the log of every read of personal data.

ALTER TABLE accounts ADD COLUMN area_province TEXT;
ALTER TABLE accounts ADD COLUMN area_wards TEXT;

-- `id` is the time in milliseconds (13 digits), a sequence within the millisecond and a random suffix, so the
-- log pages in the order it was written by id alone.
CREATE TABLE access_log (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    role TEXT NOT NULL,
    at BIGINT NOT NULL,
    endpoint TEXT NOT NULL,
    filters TEXT NOT NULL,
    outcome TEXT NOT NULL,
    record_count BIGINT NOT NULL,
    record_ids TEXT NOT NULL
);

CREATE INDEX access_log_account ON access_log (account_id, id);
