//! The phone's copy of the trust documents, in its database.
//!
//! Documents are kept as the signed JWS received and verified again on every load (see `cache.rs`), so the
//! copy in the database is no more trusted than a download.

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::OptionalExtension;

use crate::client::ClientError;
use crate::storage::{Database, StorageError};
use crate::trust::cache::{CachedDocument, TrustCache, TrustDocumentKind};

/// [`TrustCache`] over the app database.
#[derive(Clone)]
pub struct DatabaseTrustCache {
    db: Database,
}

impl DatabaseTrustCache {
    /// A cache in `db`.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

fn cache_error(e: StorageError) -> ClientError {
    ClientError::Cache(e.to_string())
}

impl TrustCache for DatabaseTrustCache {
    fn load(&self, kind: TrustDocumentKind) -> Result<Option<CachedDocument>, ClientError> {
        // Synchronous because the verifier builds its store synchronously; a one-row primary-key read.
        self.db
            .read_blocking(|conn| {
                Ok::<_, StorageError>(
                    conn.query_row("SELECT jws, etag, fetched_at FROM trust_documents WHERE kind = ?1", [kind.as_str()], |r| {
                        Ok(CachedDocument {
                            jws: r.get(0)?,
                            etag: r.get(1)?,
                            fetched_at: Utc.timestamp_millis_opt(r.get(2)?).single().unwrap_or(DateTime::<Utc>::MIN_UTC),
                        })
                    })
                    .optional()?,
                )
            })
            .map_err(cache_error)
    }

    fn store(&self, kind: TrustDocumentKind, document: &CachedDocument) -> Result<(), ClientError> {
        self.db
            .write_blocking(|tx| {
                tx.execute(
                    "INSERT INTO trust_documents (kind, jws, etag, fetched_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (kind) DO UPDATE SET jws = excluded.jws, etag = excluded.etag, fetched_at = excluded.fetched_at",
                    (kind.as_str(), &document.jws, &document.etag, document.fetched_at.timestamp_millis()),
                )?;
                Ok::<_, StorageError>(())
            })
            .map_err(cache_error)?;
        self.db.note_trust_changed();
        Ok(())
    }
}

/// Trusts an EU DCC certificate (DER) under its key id by hand, replacing an earlier copy; a signer a list
/// brought in becomes a hand-added one, which later lists leave alone.
pub(crate) fn store_dcc_certificate(tx: &rusqlite::Transaction<'_>, kid: &str, der: &[u8], added_at: DateTime<Utc>) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO dcc_certificates (kid, der, added_at, source) VALUES (?1, ?2, ?3, 'manual')
         ON CONFLICT (kid) DO UPDATE SET der = excluded.der, source = 'manual'",
        (kid, der, added_at.timestamp_millis()),
    )?;
    Ok(())
}

/// Where the document-signer list in effect came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DccListOrigin {
    /// Imported from a national backend's list (a file or a URL), checked with a pinned publisher key.
    File,
    /// Fetched from our server, signed by the root key.
    Server,
}

impl DccListOrigin {
    fn as_str(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::Server => "server",
        }
    }
}

/// The document-signer list in effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DccListState {
    /// Where it came from.
    pub origin: DccListOrigin,
    /// Whose list it is (`DE` for Germany's backend).
    pub source: String,
    /// Its date (its newest entry).
    pub list_date: DateTime<Utc>,
    /// When this device imported it.
    pub imported_at: DateTime<Utc>,
    /// The version of the last list the server sent, kept across file imports.
    pub server_version: Option<u64>,
    /// Signers it brought in.
    pub signers: u32,
}

fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The document-signer list in effect, if one was imported.
pub(crate) fn dcc_list_state(conn: &rusqlite::Connection) -> rusqlite::Result<Option<DccListState>> {
    let signers: i64 = conn.query_row("SELECT count(*) FROM dcc_certificates WHERE source = 'list'", [], |r| r.get(0))?;
    conn.query_row("SELECT origin, source, list_date, imported_at, server_version FROM dcc_signer_list WHERE id = 1", [], |r| {
        let origin: String = r.get(0)?;
        Ok(DccListState {
            origin: if origin == "server" { DccListOrigin::Server } else { DccListOrigin::File },
            source: r.get(1)?,
            list_date: from_millis(r.get(2)?),
            imported_at: from_millis(r.get(3)?),
            server_version: r.get::<_, Option<i64>>(4)?.and_then(|v| u64::try_from(v).ok()),
            signers: u32::try_from(signers).unwrap_or(u32::MAX),
        })
    })
    .optional()
}

/// A document-signer list to put in effect.
pub(crate) struct DccListImport<'a> {
    /// Where it came from.
    pub origin: DccListOrigin,
    /// Whose list it is.
    pub source: &'a str,
    /// Its date.
    pub list_date: DateTime<Utc>,
    /// Now.
    pub imported_at: DateTime<Utc>,
    /// The server's version, for a list from the server.
    pub server_version: Option<u64>,
    /// The signers: kid, DER, country.
    pub signers: Vec<(String, Vec<u8>, String)>,
}

/// Replaces the signers earlier lists brought in with `import`'s (hand-added signers stay, and win over a list
/// entry with the same kid) and records the list; the caller holds the transaction and checked the date.
pub(crate) fn replace_listed_dcc_certificates(tx: &rusqlite::Transaction<'_>, import: &DccListImport<'_>) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM dcc_certificates WHERE source = 'list'", [])?;
    let added_at = import.imported_at.timestamp_millis();
    {
        let mut insert = tx.prepare(
            "INSERT INTO dcc_certificates (kid, der, added_at, source, country) VALUES (?1, ?2, ?3, 'list', ?4)
             ON CONFLICT (kid) DO NOTHING",
        )?;
        for (kid, der, country) in &import.signers {
            insert.execute((kid, der, added_at, country))?;
        }
    }
    // A file import keeps the server's version: a later server list is still compared with it.
    tx.execute(
        "INSERT INTO dcc_signer_list (id, origin, source, list_date, imported_at, server_version) VALUES (1, ?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET origin = excluded.origin, source = excluded.source, list_date = excluded.list_date,
             imported_at = excluded.imported_at, server_version = coalesce(excluded.server_version, dcc_signer_list.server_version)",
        (
            import.origin.as_str(),
            import.source,
            import.list_date.timestamp_millis(),
            added_at,
            import.server_version.and_then(|v| i64::try_from(v).ok()),
        ),
    )?;
    Ok(())
}

/// Every trusted EU DCC certificate (DER), oldest first.
pub(crate) fn dcc_certificates(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<Vec<u8>>> {
    let mut stmt = conn.prepare("SELECT der FROM dcc_certificates ORDER BY added_at")?;
    stmt.query_map([], |r| r.get(0))?.collect()
}

/// The cached JWS of `kind` as received (unverified: callers verify it against the pinned root key).
pub(crate) fn cached_jws(conn: &rusqlite::Connection, kind: TrustDocumentKind) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT jws FROM trust_documents WHERE kind = ?1", [kind.as_str()], |r| r.get(0)).optional()
}
