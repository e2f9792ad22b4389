-- Attestation challenges (issue 8): a phone shows a short code to an officer or volunteer, who then binds the
-- phone's profile to a person after checking the id card. The person is not known when the code is issued, so
-- these cannot live in binding_challenges (whose person_id is required); the code is found by its keyed hash.

CREATE TABLE attestation_challenges (
    id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL REFERENCES accounts (id),
    profile_ref TEXT NOT NULL,
    -- HMAC of the code (server secret): the code itself is never stored.
    code_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    -- Set when an officer used the code, or when the phone asked for a new one.
    closed_at BIGINT
);

CREATE INDEX attestation_challenges_device ON attestation_challenges (device_id, profile_ref);
