-- Vaccination (issue 12), the part every vaccination module reads: who registered to be vaccinated, and where
-- doses were given. Sites, stock, sessions and invitations (0016) and the communes' lists (0017) come after.
CREATE TABLE vaccination_registrations (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL UNIQUE REFERENCES persons (id),
    -- The commune where the person will be vaccinated.
    province_code TEXT NOT NULL,
    ward_code TEXT NOT NULL,
    -- 'phone' or 'volunteer'.
    source TEXT NOT NULL,
    registered_by TEXT NOT NULL REFERENCES accounts (id),
    registered_at BIGINT NOT NULL
);
CREATE INDEX vaccination_registrations_ward ON vaccination_registrations (ward_code, registered_at);

-- Doses given at a site carry the site and the session; self-reported ones (0014) leave them empty.
ALTER TABLE doses ADD COLUMN site_id TEXT;
ALTER TABLE doses ADD COLUMN session_id TEXT;
-- The product's wire name (`VaccineProduct`) for site doses; self-reported doses keep the paper's text in
-- `product` and leave this empty until an officer confirms them with a product.
ALTER TABLE doses ADD COLUMN product_code TEXT;
CREATE INDEX doses_site ON doses (site_id, dose_date);
