//! Where verified trust documents are kept for offline use.
//!
//! The cache holds the signed JWS as received, never a parsed copy, so every load is verified again against the
//! pinned root key: a cache file that was tampered with is refused like a tampered download.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::client::ClientError;

/// Which signed document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrustDocumentKind {
    /// The trust list of issuer keys.
    TrustList,
    /// The revocation list.
    RevocationList,
    /// The EU DCC document signers the server republishes.
    DccSigners,
}

impl TrustDocumentKind {
    /// A short stable name, usable as a file name or a database key.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TrustList => "trust-list",
            Self::RevocationList => "revocations",
            Self::DccSigners => "dcc-signers",
        }
    }
}

/// A signed document as last fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedDocument {
    /// The JWS exactly as the server sent it.
    pub jws: String,
    /// The server's ETag, for a conditional refresh.
    pub etag: Option<String>,
    /// When it was last confirmed current by the server.
    pub fetched_at: DateTime<Utc>,
}

/// Storage for cached trust documents; the core's database will implement it too.
pub trait TrustCache: Send + Sync {
    /// The cached document of `kind`, if any.
    fn load(&self, kind: TrustDocumentKind) -> Result<Option<CachedDocument>, ClientError>;
    /// Replaces the cached document of `kind`.
    fn store(&self, kind: TrustDocumentKind, document: &CachedDocument) -> Result<(), ClientError>;
}

/// A cache in memory; for tests and short-lived tools.
#[derive(Debug, Default)]
pub struct MemoryTrustCache {
    documents: Mutex<HashMap<TrustDocumentKind, CachedDocument>>,
}

impl TrustCache for MemoryTrustCache {
    fn load(&self, kind: TrustDocumentKind) -> Result<Option<CachedDocument>, ClientError> {
        let documents = self.documents.lock().map_err(|_| ClientError::Cache("poisoned".into()))?;
        Ok(documents.get(&kind).cloned())
    }

    fn store(&self, kind: TrustDocumentKind, document: &CachedDocument) -> Result<(), ClientError> {
        let mut documents = self.documents.lock().map_err(|_| ClientError::Cache("poisoned".into()))?;
        documents.insert(kind, document.clone());
        Ok(())
    }
}

/// A cache of one JSON file per document in a directory.
#[derive(Debug, Clone)]
pub struct FileTrustCache {
    dir: PathBuf,
}

impl FileTrustCache {
    /// A cache in `dir`, created on first store.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The file that holds `kind`.
    pub fn path(&self, kind: TrustDocumentKind) -> PathBuf {
        self.dir.join(format!("{}.json", kind.as_str()))
    }
}

impl TrustCache for FileTrustCache {
    fn load(&self, kind: TrustDocumentKind) -> Result<Option<CachedDocument>, ClientError> {
        match std::fs::read(self.path(kind)) {
            Ok(bytes) => {
                // An unreadable cache is as good as none: the next fetch rewrites it.
                Ok(serde_json::from_slice(&bytes).ok())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ClientError::Cache(e.to_string())),
        }
    }

    fn store(&self, kind: TrustDocumentKind, document: &CachedDocument) -> Result<(), ClientError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| ClientError::Cache(e.to_string()))?;
        let bytes = serde_json::to_vec_pretty(document).map_err(|e| ClientError::Cache(e.to_string()))?;
        // Write then rename, so that a crash leaves the old document or the new one, never half of one.
        let tmp = self.dir.join(format!(".{}.json.tmp", kind.as_str()));
        std::fs::write(&tmp, bytes).map_err(|e| ClientError::Cache(e.to_string()))?;
        std::fs::rename(&tmp, self.path(kind)).map_err(|e| ClientError::Cache(e.to_string()))
    }
}
