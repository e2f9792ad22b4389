-- Test results (issue 11). Only SHA-256 hashes of sample codes are stored, never the codes, and only the SHA-256
-- of each registration token, so a copy of these tables gives neither codes nor tokens. Every row here is
-- deleted after the retention period (see `results::purge_expired`).

CREATE TABLE result_registrations (
    -- SHA-256 (hex) of the registration token the phone polls with.
    token_hash TEXT PRIMARY KEY,
    -- A code registers once, whichever device tries.
    code_hash TEXT NOT NULL UNIQUE,
    device_id TEXT NOT NULL,
    profile_ref TEXT NOT NULL,
    -- 'qr' or 'short_code'.
    kind TEXT NOT NULL,
    registered_at BIGINT NOT NULL
);
CREATE INDEX result_registrations_time ON result_registrations (registered_at);

-- Samples taken at a sampling site, optionally linked to the person whose pass was scanned.
CREATE TABLE result_samples (
    code_hash TEXT PRIMARY KEY,
    -- The province of the account that took it, and the site's ward: the report's scope.
    site_province TEXT NOT NULL,
    site_ward TEXT NOT NULL,
    -- 'pcr' or 'rapid_antigen'.
    test_kind TEXT NOT NULL,
    sampled_at BIGINT NOT NULL,
    -- sampled_at's UTC day, YYYY-MM-DD (the report groups by it).
    sampled_day TEXT NOT NULL,
    person_id TEXT,
    -- The pool the swab went into, if any.
    pool_code_hash TEXT,
    linked_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX result_samples_site_day ON result_samples (site_province, sampled_day);
CREATE INDEX result_samples_pool ON result_samples (pool_code_hash);
CREATE INDEX result_samples_time ON result_samples (created_at);

CREATE TABLE result_pools (
    pool_code_hash TEXT PRIMARY KEY,
    members BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX result_pools_time ON result_pools (created_at);

-- What labs reported, per code hash (a sample's or a pool's), kept even for codes no site reported yet.
CREATE TABLE lab_results (
    code_hash TEXT PRIMARY KEY,
    -- 'negative', 'positive' or 'invalid'.
    outcome TEXT NOT NULL,
    tested_at BIGINT NOT NULL,
    lab_account TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX lab_results_time ON lab_results (received_at);

-- Each sample's result (its own, or its pool's applied to it), with the certificate signed for it.
CREATE TABLE sample_results (
    code_hash TEXT PRIMARY KEY,
    -- 'negative', 'positive', 'invalid' or 'retest_required'.
    state TEXT NOT NULL,
    -- 'lab_reported', 'sample_unusable', 'pool_positive' or 'pool_negative'.
    reason TEXT NOT NULL,
    tested_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    -- The person the result belongs to, once known (the status rule reads by it).
    person_id TEXT,
    -- The EU DCC test certificate (HC1:), for a negative or positive result of a known person.
    certificate TEXT
);
CREATE INDEX sample_results_person_time ON sample_results (person_id, tested_at);
CREATE INDEX sample_results_time ON sample_results (received_at);
