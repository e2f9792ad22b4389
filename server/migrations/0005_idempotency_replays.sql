-- How often a stored answer was replayed: a retry of a request whose answer the client never saw (a lost
-- connection, a killed app). Operators read it as the retry rate; the crash tests read it as proof that kills
-- landed mid-delivery.
ALTER TABLE idempotency_records ADD COLUMN replays BIGINT NOT NULL DEFAULT 0;
