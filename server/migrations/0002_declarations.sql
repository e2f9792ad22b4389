-- Declaration forms (published versions) and received declarations.

CREATE TABLE forms (
    form_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    PRIMARY KEY (form_id, version)
);

CREATE TABLE declarations (
    id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL REFERENCES accounts (id),
    form_id TEXT NOT NULL,
    form_version BIGINT NOT NULL,
    province_code TEXT,
    ward_code TEXT,
    declared_date TEXT NOT NULL,
    declared_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    body TEXT NOT NULL,
    health_status TEXT,
    receipt TEXT NOT NULL
);

CREATE INDEX declarations_area_date ON declarations (province_code, declared_date);
CREATE INDEX declarations_device ON declarations (device_id);
