-- EU DCC document signers (issue 16): the signers of the last document-signer list the authority imported from a
-- national backend of the EU DCC gateway, republished to phones as a JWS signed by the root key (kept in
-- signed_documents under kind 'dcc_signers'). An import replaces every row; a list dated before the last one is
-- refused, so list_date only moves forward.

CREATE TABLE dcc_signer_lists (
    -- The version published for this import; grows by one at each import.
    version BIGINT PRIMARY KEY,
    -- Whose list it is (`DE` for Germany's backend).
    source TEXT NOT NULL,
    -- The list's own date: its newest entry.
    list_date BIGINT NOT NULL,
    imported_at BIGINT NOT NULL,
    -- The account that uploaded it (NULL for `healthbook-server import-dcc-signers`).
    imported_by TEXT,
    accepted BIGINT NOT NULL,
    skipped BIGINT NOT NULL
);

CREATE TABLE dcc_signers (
    -- SHA-256 of the certificate, hex: two certificates can share an 8-byte kid, never a thumbprint.
    thumbprint TEXT PRIMARY KEY,
    kid TEXT NOT NULL,
    country TEXT NOT NULL,
    -- The X.509 certificate, base64 DER.
    certificate TEXT NOT NULL,
    list_version BIGINT NOT NULL
);
CREATE INDEX dcc_signers_kid ON dcc_signers (kid);
