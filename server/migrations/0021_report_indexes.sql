-- The province's reports (issue 13) read only grouped counts; these indexes let each count read an index alone
-- (SQLite "USING COVERING INDEX", PostgreSQL "Index Only Scan") instead of the table's rows.

-- Declarations per day and ward of a province: one range of this index. It starts with the old (province_code,
-- declared_date) index, which the officers' list also used, so that one goes.
CREATE INDEX declarations_report ON declarations (province_code, declared_date, ward_code);
DROP INDEX declarations_area_date;

-- Passages per venue and local day, entries, exits and refusals: for each venue in scope, one range of scan
-- times holding every column the count reads. (The paging index (venue_id, scanned_at, id) stays for the
-- officer's query.)
CREATE INDEX gate_passages_report ON gate_passages (venue_id, scanned_at, direction, verdict);

-- Samples per site and day with their sampling time and the key of their result; replaces (site_province,
-- sampled_day), of which it is an extension.
CREATE INDEX result_samples_report ON result_samples (site_province, sampled_day, site_ward, sampled_at, code_hash);
DROP INDEX result_samples_site_day;

-- Coverage per commune and priority group, with the keyed id hash that finds the listed person; replaces
-- (province_code, ward_code), of which it is an extension.
CREATE INDEX vaccination_list_entries_report ON vaccination_list_entries (province_code, ward_code, priority_group, id_hash);
DROP INDEX vaccination_list_entries_province;
