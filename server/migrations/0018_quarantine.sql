-- Home quarantine (issue 10): wards where officers allow it, orders with the person's signed commitment and the
-- order keys that signed it, the home token's hash and the radio baseline, the challenges the server issues, every
-- check-in record received with its verdict (and the missed challenges), and the cases that follow. Floats and
-- structured settings (fence, schedule, rules, baseline) are JSON text; times are Unix milliseconds.
CREATE TABLE quarantine_wards (
    province_code TEXT NOT NULL,
    ward_code TEXT NOT NULL,
    allowed BIGINT NOT NULL,
    -- JSON array of criteria.
    criteria TEXT NOT NULL,
    note TEXT NOT NULL,
    decided_by TEXT NOT NULL REFERENCES accounts (id),
    decided_at BIGINT NOT NULL,
    PRIMARY KEY (province_code, ward_code)
);
CREATE TABLE quarantine_orders (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons (id),
    province_code TEXT NOT NULL,
    ward_code TEXT NOT NULL,
    home_address TEXT NOT NULL,
    -- JSON: Geofence, CheckInSchedule, ExtensionRules.
    geofence TEXT NOT NULL,
    schedule TEXT NOT NULL,
    extension_rules TEXT NOT NULL,
    -- YYYY-MM-DD, local.
    start_date TEXT NOT NULL,
    days BIGINT NOT NULL,
    extension_days BIGINT NOT NULL,
    extensions BIGINT NOT NULL,
    time_zone TEXT NOT NULL,
    ends_at BIGINT NOT NULL,
    grace_minutes BIGINT NOT NULL,
    commitment_version BIGINT NOT NULL,
    commitment_signed_at BIGINT,
    -- The current order key (also in quarantine_order_keys).
    device_key_id TEXT,
    device_public_key TEXT,
    -- SHA-256 (hex) of the current home token; the token itself is never kept.
    home_token_sha256 TEXT,
    home_token_issued_at BIGINT,
    -- JSON RadioEnvironment.
    baseline TEXT,
    enrolled_at BIGINT,
    -- awaiting_commitment, awaiting_enrolment, active, cancelled ('ended' is derived from ends_at).
    state TEXT NOT NULL,
    -- Last local date whose challenges exist (YYYY-MM-DD).
    challenges_through TEXT,
    created_by TEXT NOT NULL REFERENCES accounts (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX quarantine_orders_person ON quarantine_orders (person_id, ends_at);
CREATE INDEX quarantine_orders_area ON quarantine_orders (province_code, ward_code, created_at);
CREATE INDEX quarantine_orders_ends ON quarantine_orders (ends_at);
-- Every order key that signed the commitment; a new phone's key retires the old one, which stays as evidence.
CREATE TABLE quarantine_order_keys (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES quarantine_orders (id) ON DELETE CASCADE,
    kid TEXT NOT NULL,
    public_key TEXT NOT NULL,
    device_id TEXT NOT NULL,
    commitment_version BIGINT NOT NULL,
    signature TEXT NOT NULL,
    signed_at BIGINT NOT NULL,
    added_at BIGINT NOT NULL,
    retired_at BIGINT
);
CREATE INDEX quarantine_order_keys_order ON quarantine_order_keys (order_id, added_at);
CREATE TABLE quarantine_challenges (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES quarantine_orders (id) ON DELETE CASCADE,
    -- scheduled or random.
    kind TEXT NOT NULL,
    nonce TEXT NOT NULL,
    opens_at BIGINT NOT NULL,
    closes_at BIGINT NOT NULL,
    -- closes_at plus the order's grace: after it, no answer counts.
    grace_ends_at BIGINT NOT NULL,
    home_token_required BIGINT NOT NULL,
    -- The record that answered it (ok or needs review).
    answered_by TEXT,
    -- When the sweep recorded it as missed.
    missed_at BIGINT
);
CREATE UNIQUE INDEX quarantine_challenges_order_opens ON quarantine_challenges (order_id, opens_at);
CREATE INDEX quarantine_challenges_due ON quarantine_challenges (grace_ends_at);
-- Every record received (also those that failed) and every missed challenge, with the server's verdict.
CREATE TABLE quarantine_check_ins (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES quarantine_orders (id) ON DELETE CASCADE,
    challenge_id TEXT NOT NULL,
    -- Empty for a missed challenge.
    sequence BIGINT,
    -- The record as received (JSON) and SHA-256 of its record_hash_input.
    body TEXT,
    record_hash TEXT,
    -- 1 when the record is a link of the order's chain (signed by the order key, next in line).
    in_chain BIGINT NOT NULL,
    verdict TEXT NOT NULL,
    -- JSON array of reasons.
    reasons TEXT NOT NULL,
    -- JSON numbers as text.
    radio_similarity TEXT,
    fence TEXT,
    case_id TEXT,
    decided_at BIGINT NOT NULL
);
CREATE INDEX quarantine_check_ins_order ON quarantine_check_ins (order_id, decided_at);
CREATE UNIQUE INDEX quarantine_check_ins_chain ON quarantine_check_ins (order_id, sequence) WHERE in_chain = 1;
CREATE TABLE quarantine_cases (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES quarantine_orders (id) ON DELETE CASCADE,
    check_in_id TEXT NOT NULL,
    explain_by BIGINT NOT NULL,
    explanation_reason TEXT,
    explanation_text TEXT,
    explained_at BIGINT,
    decision_outcome TEXT,
    decision_note TEXT,
    decided_by TEXT,
    decided_at BIGINT,
    opened_at BIGINT NOT NULL
);
CREATE INDEX quarantine_cases_order ON quarantine_cases (order_id, opened_at);
