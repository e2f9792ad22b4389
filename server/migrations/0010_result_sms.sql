-- Results sent by SMS (issue 11) to people linked at a sampling site who have a phone on record: one row per
-- sample, queued in the transaction that stores the result and marked sent after the gateway accepted it, so a
-- repeated lab upload or a retry never sends twice. Deleted with the results after the retention period.

CREATE TABLE result_sms (
    code_hash TEXT PRIMARY KEY,
    queued_at BIGINT NOT NULL,
    -- When a sender took it; a claim older than a few minutes is taken as abandoned (a crashed instance).
    claimed_at BIGINT,
    sent_at BIGINT
);
CREATE INDEX result_sms_queued ON result_sms (queued_at);
