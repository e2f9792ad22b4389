-- People, not devices (issue 8): person records keyed by a keyed hash of the citizen id, bindings of phone
-- profiles to persons (by SMS code or by an officer's attestation), SMS binding challenges, an identity audit
-- trail, and declarations attached to the person they are about.

CREATE TABLE persons (
    id TEXT PRIMARY KEY,
    -- HMAC-SHA256 (server secret) of the normalised citizen id: CCCD, CMND, or an officer-assigned id. NULL for a
    -- child or someone without an id card, recorded under a guardian.
    id_hash TEXT UNIQUE,
    id_kind TEXT NOT NULL,
    -- The clear citizen id, sealed (never stored in clear); read only by officers, every read logged.
    citizen_id_sealed TEXT,
    full_name TEXT NOT NULL,
    birth_year BIGINT NOT NULL,
    birth_date TEXT,
    phone TEXT,
    province_code TEXT NOT NULL,
    ward_code TEXT,
    guardian_person_id TEXT REFERENCES persons (id),
    -- How the record was established: 'attested' (an officer or volunteer saw the id card) or 'self_declared'.
    verification TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT
);

CREATE INDEX persons_area ON persons (province_code, ward_code);
CREATE INDEX persons_guardian ON persons (guardian_person_id);

CREATE TABLE person_bindings (
    device_id TEXT NOT NULL REFERENCES accounts (id),
    profile_ref TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES persons (id),
    -- 'sms' or 'attestation'.
    method TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- The officer or volunteer account that attested, for 'attestation'.
    attested_by TEXT,
    PRIMARY KEY (device_id, profile_ref)
);

CREATE INDEX person_bindings_person ON person_bindings (person_id);

CREATE TABLE binding_challenges (
    id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL REFERENCES accounts (id),
    profile_ref TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES persons (id),
    -- 'sms' (a code sent to the phone on record) or 'attestation' (a short code the phone shows an officer).
    method TEXT NOT NULL,
    -- HMAC of the code (server secret): the code itself is never stored.
    code_hash TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    -- Set when the challenge was used or burned (too many wrong codes); a used challenge never binds again.
    closed_at BIGINT
);

CREATE INDEX binding_challenges_person ON binding_challenges (person_id, created_at);
CREATE INDEX binding_challenges_device ON binding_challenges (device_id, created_at);

CREATE TABLE identity_audit (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_account_id TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    -- 'person_created', 'attested', 'bound', 'unbound', 'citizen_id_read', 'binding_locked', ...
    action TEXT NOT NULL,
    person_id TEXT,
    -- Where the attestation happened (free text from the officer: a ward office, a sampling site).
    place TEXT,
    detail TEXT
);

CREATE INDEX identity_audit_person ON identity_audit (person_id, at);

-- The person a declaration is about, once its (device, profile_ref) is bound; status look-ups go by person and
-- time through this index, so a pass costs the same with 10 declarations as with 10,000.
ALTER TABLE declarations ADD COLUMN person_id TEXT;
ALTER TABLE declarations ADD COLUMN profile_ref TEXT;
CREATE INDEX declarations_person_time ON declarations (person_id, declared_at);
CREATE INDEX declarations_device_profile ON declarations (device_id, profile_ref);
