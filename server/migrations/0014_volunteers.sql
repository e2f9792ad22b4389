-- Volunteers (issue 9): which volunteer enrolled which person, the consents they recorded (kept, never
-- overwritten), dose records (self-reported from paper until an officer confirms them; issue 12 adds other
-- sources), and the control cards signed for managed people (their `cti` finds the person, like a pass's).

CREATE TABLE managed_people (
    person_id TEXT NOT NULL REFERENCES persons (id),
    volunteer_account_id TEXT NOT NULL REFERENCES accounts (id),
    enrolled_at BIGINT NOT NULL,
    PRIMARY KEY (person_id, volunteer_account_id)
);

CREATE INDEX managed_people_volunteer ON managed_people (volunteer_account_id, enrolled_at);

CREATE TABLE volunteer_consents (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons (id),
    -- 'person' or 'guardian'.
    given_by TEXT NOT NULL,
    giver_name TEXT NOT NULL,
    -- 'spoken', 'signed_paper' or 'thumbprint'.
    method TEXT NOT NULL,
    given_at BIGINT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES accounts (id),
    recorded_at BIGINT NOT NULL
);

CREATE INDEX volunteer_consents_person ON volunteer_consents (person_id, recorded_at);

CREATE TABLE doses (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons (id),
    product TEXT NOT NULL,
    dose_number BIGINT NOT NULL,
    -- YYYY-MM-DD.
    dose_date TEXT NOT NULL,
    lot TEXT,
    -- Where the record comes from: 'self_reported' (paper shown to a volunteer).
    source TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES accounts (id),
    recorded_at BIGINT NOT NULL,
    confirmed_by TEXT REFERENCES accounts (id),
    confirmed_at BIGINT
);

CREATE INDEX doses_person ON doses (person_id, dose_date);

CREATE TABLE control_cards (
    -- The card's `cti` as verifiers read it (hex of random bytes).
    credential_id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons (id),
    profile_ref TEXT NOT NULL,
    issued_by TEXT NOT NULL REFERENCES accounts (id),
    issued_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX control_cards_person ON control_cards (person_id, issued_at);
