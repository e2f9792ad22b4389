//! The phone's copy of the trust documents, in its database, and the pinned root key.
//!
//! Documents are kept as the signed JWS received and verified again on every load (see `client::cache`), so
//! the copy in the database is no more trusted than a download.

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::OptionalExtension;

use crate::client::{CachedDocument, ClientError, TrustCache, TrustDocumentKind};
use crate::storage::Database;

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

fn cache_error(e: rusqlite::Error) -> ClientError {
    ClientError::Cache(e.to_string())
}

impl TrustCache for DatabaseTrustCache {
    fn load(&self, kind: TrustDocumentKind) -> Result<Option<CachedDocument>, ClientError> {
        // A one-row primary-key read; short enough to run inline rather than on the blocking pool.
        let conn = self.db.lock();
        conn.query_row("SELECT jws, etag, fetched_at FROM trust_documents WHERE kind = ?1", [kind.as_str()], |r| {
            Ok(CachedDocument {
                jws: r.get(0)?,
                etag: r.get(1)?,
                fetched_at: Utc.timestamp_millis_opt(r.get(2)?).single().unwrap_or(DateTime::<Utc>::MIN_UTC),
            })
        })
        .optional()
        .map_err(cache_error)
    }

    fn store(&self, kind: TrustDocumentKind, document: &CachedDocument) -> Result<(), ClientError> {
        let conn = self.db.lock();
        conn.execute(
            "INSERT INTO trust_documents (kind, jws, etag, fetched_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (kind) DO UPDATE SET jws = excluded.jws, etag = excluded.etag, fetched_at = excluded.fetched_at",
            (kind.as_str(), &document.jws, &document.etag, document.fetched_at.timestamp_millis()),
        )
        .map_err(cache_error)?;
        drop(conn);
        self.db.note_trust_changed();
        Ok(())
    }
}
