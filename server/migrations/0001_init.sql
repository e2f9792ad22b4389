-- Accounts, sessions, idempotency, rate limits, agencies and gates, the authority root key and the trust documents.
-- Portable SQL: runs unchanged on SQLite and PostgreSQL. Times are Unix milliseconds (BIGINT), ids are text,
-- binary values are base64 text, so that neither backend needs its own column types.

CREATE TABLE agencies (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    username TEXT UNIQUE,
    password_hash TEXT,
    agency_id TEXT REFERENCES agencies (id),
    public_key TEXT UNIQUE,
    kid TEXT,
    platform TEXT,
    created_at BIGINT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX accounts_agency ON accounts (agency_id);

CREATE TABLE access_tokens (
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX access_tokens_account ON access_tokens (account_id);

CREATE TABLE device_challenges (
    nonce TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    expires_at BIGINT NOT NULL
);

CREATE TABLE idempotency_records (
    scope TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status BIGINT,
    body TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (scope, idem_key)
);

CREATE INDEX idempotency_records_created ON idempotency_records (created_at);

CREATE TABLE rate_limits (
    bucket TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    PRIMARY KEY (bucket, window_start)
);

CREATE TABLE gates (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX gates_agency ON gates (agency_id);

CREATE TABLE authority_keys (
    id TEXT PRIMARY KEY,
    kid TEXT NOT NULL,
    public_key TEXT NOT NULL,
    private_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_signed_at BIGINT NOT NULL
);

CREATE TABLE issuer_keys (
    kid TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    scope TEXT NOT NULL,
    name TEXT NOT NULL,
    public_key TEXT NOT NULL,
    not_before BIGINT NOT NULL,
    not_after BIGINT NOT NULL,
    added_at BIGINT NOT NULL
);

CREATE TABLE revocations (
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    reason TEXT NOT NULL,
    revoked_at BIGINT NOT NULL,
    PRIMARY KEY (kind, target)
);

CREATE TABLE signed_documents (
    kind TEXT NOT NULL,
    version BIGINT NOT NULL,
    jws TEXT NOT NULL,
    etag TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (kind, version)
);
