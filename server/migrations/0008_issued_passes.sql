-- Passes from authoritative records (issue 8): which person each pass was issued to (the pass itself names no
-- one: its credential id is the only link, for tracing), and each declaration's self-declaration finding,
-- stored once at submission so that status look-ups never read declaration bodies.

CREATE TABLE issued_passes (
    -- The pass's `cti` as verifiers read it (hex of random bytes).
    credential_id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons (id),
    -- The device and profile that asked for it.
    device_id TEXT NOT NULL,
    profile_ref TEXT NOT NULL,
    -- 'green', 'yellow' or 'red'.
    status TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX issued_passes_person ON issued_passes (person_id, issued_at);

-- 'green', 'yellow' or 'red': the self-declaration rule's finding for this declaration (NULL for forms that say
-- nothing about health), and the finding with its reasons as JSON.
ALTER TABLE declarations ADD COLUMN finding_status TEXT;
ALTER TABLE declarations ADD COLUMN finding TEXT;
-- A red declaration holds for the whole window; finding it is one seek by person, status and time.
CREATE INDEX declarations_person_status_time ON declarations (person_id, finding_status, declared_at);

-- Declarations stored before this migration: the status their receipt gave (reasons read as the declaration).
UPDATE declarations SET finding_status = 'green' WHERE health_status LIKE '{"status":"green"%';
UPDATE declarations SET finding_status = 'yellow' WHERE health_status LIKE '{"status":"yellow"%';
UPDATE declarations SET finding_status = 'red' WHERE health_status LIKE '{"status":"red"%';
