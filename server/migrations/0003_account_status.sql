-- Who disabled or re-enabled which account (staff or device), when and why. `accounts.disabled` holds the
-- current state; this table is the record of every change to it.

CREATE TABLE account_status_changes (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    disabled BIGINT NOT NULL,
    changed_by TEXT NOT NULL REFERENCES accounts (id),
    reason TEXT,
    changed_at BIGINT NOT NULL
);

CREATE INDEX account_status_changes_account ON account_status_changes (account_id, changed_at);
