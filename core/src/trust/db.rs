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

/// Trusts an EU DCC certificate (DER) under its key id, replacing an earlier copy.
pub(crate) fn store_dcc_certificate(tx: &rusqlite::Transaction<'_>, kid: &str, der: &[u8], added_at: DateTime<Utc>) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO dcc_certificates (kid, der, added_at) VALUES (?1, ?2, ?3) ON CONFLICT (kid) DO UPDATE SET der = excluded.der",
        (kid, der, added_at.timestamp_millis()),
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
