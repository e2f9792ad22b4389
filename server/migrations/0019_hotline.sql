-- The hotline (issue 13): each province's Q&A draft (one row per entry, keyed by the editor's id), its published
-- versions (the entries as JSON; only the latest 5 are kept), and the questions citizens send from their phones.
-- Times are Unix milliseconds.
CREATE TABLE hotline_qa_drafts (
    province_code TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    category TEXT NOT NULL,
    question_vi TEXT NOT NULL,
    answer_vi TEXT NOT NULL,
    question_en TEXT NOT NULL,
    answer_en TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (province_code, entry_id)
);
CREATE TABLE hotline_qa_versions (
    province_code TEXT NOT NULL,
    version BIGINT NOT NULL,
    published_at BIGINT NOT NULL,
    published_by TEXT NOT NULL REFERENCES accounts (id),
    -- JSON array of QaEntry, by category then Vietnamese question.
    entries TEXT NOT NULL,
    PRIMARY KEY (province_code, version)
);
CREATE TABLE hotline_questions (
    -- The client's UUID.
    id TEXT PRIMARY KEY,
    -- The sending device, only to return the answer to it; never shown to officers.
    device_id TEXT NOT NULL,
    -- SHA-256 (hex) of the request as received: a resend must match it.
    request_sha256 TEXT NOT NULL,
    kind TEXT NOT NULL,
    category TEXT NOT NULL,
    province_code TEXT NOT NULL,
    ward_code TEXT,
    text TEXT NOT NULL,
    venue_id TEXT,
    -- E.164, only when the citizen gave it for a call back.
    contact_phone TEXT,
    language TEXT NOT NULL,
    asked_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    -- received, assigned, answered, closed.
    state TEXT NOT NULL,
    assignee TEXT REFERENCES accounts (id),
    answer TEXT,
    answered_by TEXT REFERENCES accounts (id),
    -- When it was (last) answered or closed.
    answered_at BIGINT,
    close_note TEXT,
    closed_by TEXT REFERENCES accounts (id),
    -- The inbox order as a key for paging: open questions (rank 0) oldest first, then the others (rank 1) most
    -- recently answered or closed first (sort_at is minus that time).
    inbox_rank BIGINT NOT NULL,
    sort_at BIGINT NOT NULL
);
CREATE INDEX hotline_questions_inbox ON hotline_questions (province_code, inbox_rank, sort_at, id);
CREATE INDEX hotline_questions_all ON hotline_questions (inbox_rank, sort_at, id);
CREATE INDEX hotline_questions_device ON hotline_questions (device_id, received_at);
CREATE INDEX hotline_questions_retention ON hotline_questions (state, answered_at, received_at);
