-- Agency keys, staff rosters and staff cards (issue 9). An agency admin submits the public half of a key made on
-- their own device; once the authority certifies it, it is also a row of issuer_keys (role agency, scope
-- agency:{id}). The roster keeps no clear citizen id, only the keyed hash persons use (`persons.id_hash`), to find
-- duplicates. Cards are signed on the admin's device; the server only learns their ids, to revoke and count them;
-- a card is revoked when the revocation list names it (kind credential), which is the one record of it.

CREATE TABLE agency_keys (
    -- First 8 bytes of SHA-256 of the SPKI, base64, as in the trust list: one key belongs to one agency, ever.
    kid TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    -- base64 SPKI DER.
    public_key TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at BIGINT NOT NULL,
    -- NULL until the authority certifies it.
    certified_at BIGINT,
    not_after BIGINT
);
CREATE INDEX agency_keys_agency ON agency_keys (agency_id, submitted_at);

CREATE TABLE agency_staff (
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    staff_number TEXT NOT NULL,
    full_name TEXT NOT NULL,
    department TEXT NOT NULL,
    -- E.164.
    phone TEXT,
    -- HMAC-SHA256 of the citizen id under the persons' secret, hex; never the id itself.
    citizen_id_hash TEXT,
    birth_year BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (agency_id, staff_number)
);
-- One citizen id, one staff number within an agency (another agency may employ the same person).
CREATE UNIQUE INDEX agency_staff_citizen ON agency_staff (agency_id, citizen_id_hash) WHERE citizen_id_hash IS NOT NULL;

CREATE TABLE agency_cards (
    -- The card's cti, lowercase hex: the id the revocation list names.
    card_id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    staff_number TEXT NOT NULL,
    kid TEXT NOT NULL REFERENCES agency_keys (kid),
    issued_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    registered_by TEXT NOT NULL,
    registered_at BIGINT NOT NULL
);
CREATE INDEX agency_cards_staff ON agency_cards (agency_id, staff_number);
