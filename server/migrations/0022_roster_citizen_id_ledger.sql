-- How many citizen ids entered each agency's roster, per import: the ones new to the roster (rows added with an
-- id, rows given an id or a different one). Roster rows are matched against bound persons by the adoption
-- figures, so without a limit an agency admin could test any citizen id for "uses the app" by importing it; the
-- rolling 24-hour sum of this ledger is held under `ServerConfig::roster_new_citizen_ids_per_day`. Counts only,
-- never an id. Rows older than the window are deleted by the server's hourly task. Times are Unix milliseconds.
CREATE TABLE roster_citizen_id_ledger (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    at BIGINT NOT NULL,
    new_citizen_ids BIGINT NOT NULL
);
CREATE INDEX roster_citizen_id_ledger_agency ON roster_citizen_id_ledger (agency_id, at);
CREATE INDEX roster_citizen_id_ledger_at ON roster_citizen_id_ledger (at);
