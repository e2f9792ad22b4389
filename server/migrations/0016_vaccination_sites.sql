-- Vaccination (issue 12): sites with their own signing key, their stock per product and lot (every change kept
-- as a movement), sessions and their time slots, invitations, and the EU DCC vaccination certificates issued
-- (the current one per person, and the ones it replaced).

CREATE TABLE vaccination_sites (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    province_code TEXT NOT NULL,
    ward_code TEXT NOT NULL,
    -- The site's signing key: `authority_keys.id` is `site:{id}`, and this is its kid in the trust list.
    key_id TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES accounts (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX vaccination_sites_area ON vaccination_sites (province_code, ward_code);

CREATE TABLE vaccine_stock (
    site_id TEXT NOT NULL REFERENCES vaccination_sites (id),
    -- `VaccineProduct` wire name.
    product TEXT NOT NULL,
    lot TEXT NOT NULL,
    -- Never below zero: every decrement is conditional on it.
    remaining BIGINT NOT NULL,
    -- YYYY-MM-DD, when known.
    expires_on TEXT,
    PRIMARY KEY (site_id, product, lot)
);

-- Every change of a lot: deliveries (positive), write-offs (negative, with a note) and doses given (-1, with
-- the dose), so the remaining count can be explained.
CREATE TABLE vaccine_stock_moves (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES vaccination_sites (id),
    product TEXT NOT NULL,
    lot TEXT NOT NULL,
    doses BIGINT NOT NULL,
    note TEXT,
    dose_id TEXT,
    recorded_by TEXT NOT NULL REFERENCES accounts (id),
    recorded_at BIGINT NOT NULL
);
CREATE INDEX vaccine_stock_moves_site ON vaccine_stock_moves (site_id, recorded_at);

CREATE TABLE vaccination_sessions (
    id TEXT PRIMARY KEY,
    site_id TEXT NOT NULL REFERENCES vaccination_sites (id),
    -- Local date, YYYY-MM-DD.
    session_date TEXT NOT NULL,
    product TEXT NOT NULL,
    -- Communes served, comma-separated ward codes (digits only).
    ward_codes TEXT NOT NULL,
    -- End of the last slot (UTC ms): the session holds stock until then.
    ends_at BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES accounts (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX vaccination_sessions_site ON vaccination_sessions (site_id, ends_at);

CREATE TABLE vaccination_slots (
    session_id TEXT NOT NULL REFERENCES vaccination_sessions (id),
    slot BIGINT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    capacity BIGINT NOT NULL,
    PRIMARY KEY (session_id, slot)
);

CREATE TABLE vaccination_invitations (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES vaccination_sessions (id),
    slot BIGINT NOT NULL,
    person_id TEXT NOT NULL REFERENCES persons (id),
    dose_number BIGINT NOT NULL,
    -- 'pending', 'confirmed', 'declined', 'expired' or 'attended'.
    state TEXT NOT NULL,
    invited_at BIGINT NOT NULL,
    answer_by BIGINT NOT NULL,
    answered_at BIGINT,
    sms_sent_at BIGINT,
    dose_id TEXT
);
CREATE INDEX vaccination_invitations_session ON vaccination_invitations (session_id, state);
CREATE INDEX vaccination_invitations_person ON vaccination_invitations (person_id, state);
CREATE INDEX vaccination_invitations_due ON vaccination_invitations (state, answer_by);

CREATE TABLE vaccination_certificates (
    uvci TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons (id),
    dose_id TEXT NOT NULL,
    dose_number BIGINT NOT NULL,
    series_doses BIGINT NOT NULL,
    product TEXT NOT NULL,
    dose_date TEXT NOT NULL,
    qr TEXT NOT NULL,
    -- The site whose key signed it.
    site_id TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    -- Set when a newer certificate of the person replaced it; the current one has none.
    replaced_at BIGINT
);
CREATE INDEX vaccination_certificates_person ON vaccination_certificates (person_id, issued_at);
