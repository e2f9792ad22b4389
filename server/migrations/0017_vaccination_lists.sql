-- Vaccination (issue 12): the communes' resident lists. One row per resident as the commune's health station
-- imported it; an import replaces the commune's rows in one transaction. The citizen id is kept only as the
-- persons' keyed hash (`persons.id_hash`), never in clear, so a listed person is found when they register.
CREATE TABLE vaccination_list_entries (
    id TEXT PRIMARY KEY,
    ward_code TEXT NOT NULL,
    province_code TEXT NOT NULL,
    -- Line in the imported file (header = 1), for reports and follow-up.
    line BIGINT NOT NULL,
    -- HMAC of the normalised citizen id; empty for a resident listed by phone only.
    id_hash TEXT,
    full_name TEXT NOT NULL,
    -- YYYY-MM-DD; 1 January with birth_year_only = 1 when the list gave only the year.
    birth_date TEXT NOT NULL,
    birth_year_only BIGINT NOT NULL,
    -- 'male', 'female' or 'other'.
    sex TEXT NOT NULL,
    -- E.164.
    phone TEXT,
    address TEXT,
    -- 1 to 16; empty for the general population.
    priority_group BIGINT,
    imported_at BIGINT NOT NULL,
    imported_by TEXT NOT NULL REFERENCES accounts (id)
);
CREATE INDEX vaccination_list_entries_ward ON vaccination_list_entries (ward_code, line);
CREATE INDEX vaccination_list_entries_province ON vaccination_list_entries (province_code, ward_code);
CREATE INDEX vaccination_list_entries_hash ON vaccination_list_entries (id_hash);
-- One entry per person per commune (duplicates within a file are refused before storing).
CREATE UNIQUE INDEX vaccination_list_entries_ward_hash ON vaccination_list_entries (ward_code, province_code, id_hash);
