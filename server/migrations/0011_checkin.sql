-- Check-in both ways (issue 16): venues with their signed posters, the venue of a gate, passages that gate
-- devices upload in batches, and the risky windows health officers publish. A passage carries no more about a
-- person than the card's identifier; the person is looked up at query time from `issued_passes`. Passages and
-- risky windows are deleted after the retention period (see `checkin::purge_expired`).

CREATE TABLE venues (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    name TEXT NOT NULL,
    -- `VenueKind` wire name.
    kind TEXT NOT NULL,
    address TEXT NOT NULL,
    province_code TEXT NOT NULL,
    ward_code TEXT NOT NULL,
    default_stay_minutes BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX venues_agency ON venues (agency_id, name);
-- Officers' scopes and the compliance view select venues by province and ward.
CREATE INDEX venues_area ON venues (province_code, ward_code);

-- NULL for gates created under the agency before venues existed.
ALTER TABLE gates ADD COLUMN venue_id TEXT REFERENCES venues (id);
CREATE INDEX gates_venue ON gates (venue_id);

CREATE TABLE gate_passages (
    -- The device's UUID for the scan: a resent or re-cut batch stores nothing twice.
    id TEXT PRIMARY KEY,
    gate_id TEXT NOT NULL REFERENCES gates (id),
    -- The gate's venue when the passage arrived (copied, so that venue queries read one index).
    venue_id TEXT,
    -- 'in' or 'out'.
    direction TEXT NOT NULL,
    scanned_at BIGINT NOT NULL,
    -- scanned_at's UTC day, YYYY-MM-DD (the compliance view groups by it).
    scanned_day TEXT NOT NULL,
    -- `GateVerdict`, `PassageReason` and `ScannedCard` wire names.
    verdict TEXT NOT NULL,
    reason TEXT NOT NULL,
    card TEXT,
    -- The card's identifier as the device read it (hex), never a name or a number.
    credential_id TEXT,
    uploaded_by TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
-- The officer's query and the compliance view: one venue, a time range, paged by (scanned_at, id).
CREATE INDEX gate_passages_venue_time ON gate_passages (venue_id, scanned_at, id);
-- The retention purge.
CREATE INDEX gate_passages_time ON gate_passages (scanned_at);

CREATE TABLE risky_windows (
    id TEXT PRIMARY KEY,
    venue_id TEXT NOT NULL REFERENCES venues (id),
    -- SHA-256 hex of `healthbook-venue-v1:` and the venue id: the only form in which the list names the venue.
    venue_hash TEXT NOT NULL,
    window_from BIGINT NOT NULL,
    window_to BIGINT NOT NULL,
    -- `ExposureAdvice` wire name.
    advice TEXT NOT NULL,
    marked_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX risky_windows_to ON risky_windows (window_to);
