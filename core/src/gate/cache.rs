//! Verified credentials kept in memory, so that the same card shown again skips decoding and the signature.
//!
//! Keyed by SHA-256 of the QR text (the text itself is personal data and is not kept). An entry holds what the
//! time checks need, the decoded credential and the key that verified it, and is dropped when the credential
//! expires. Everything is dropped when the trust generation moves (new trust list, revocation list, EU DCC
//! certificates, root key, maximum age), so a card revoked since its first scan is verified afresh and refused.
//! Only genuine credentials that passed every check are kept: a refused card is verified in full each time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use crate::credentials::{DecodedCredential, TrustedKey, Verdict};

/// How many credentials are kept at most; a gate sees far fewer distinct cards within their validity.
pub const MAX_ENTRIES: usize = 50_000;

/// SHA-256 of a QR text.
pub type TextHash = [u8; 32];

/// The cache key of `qr_text`.
pub fn text_hash(qr_text: &str) -> TextHash {
    let digest = ring::digest::digest(&ring::digest::SHA256, qr_text.as_bytes());
    let mut hash = [0u8; 32];
    hash.copy_from_slice(digest.as_ref());
    hash
}

/// One verified credential.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The credential as decoded at its first scan.
    pub decoded: DecodedCredential,
    /// The trusted key whose signature checked out.
    pub key: TrustedKey,
    /// The verdict of the first scan (valid).
    pub verdict: Verdict,
}

#[derive(Debug, Default)]
struct Inner {
    generation: u64,
    entries: HashMap<TextHash, Arc<Verified>>,
}

/// The cache; one per opened data directory, shared by every `Gate` handed out.
#[derive(Debug, Default)]
pub struct VerifiedCache {
    inner: Mutex<Inner>,
}

impl VerifiedCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poison| poison.into_inner())
    }

    /// The entry for `hash`, if one was kept under trust generation `generation`; a different generation
    /// empties the cache first.
    pub fn get(&self, generation: u64, hash: &TextHash) -> Option<Arc<Verified>> {
        let mut inner = self.lock();
        if inner.generation != generation {
            inner.entries.clear();
            inner.generation = generation;
            return None;
        }
        inner.entries.get(hash).cloned()
    }

    /// Keeps `verified` under `hash` for `generation`, making room by dropping credentials expired at `now`
    /// (or everything, when none has).
    pub fn insert(&self, generation: u64, hash: TextHash, verified: Arc<Verified>, now: DateTime<Utc>) {
        let mut inner = self.lock();
        if inner.generation != generation {
            inner.entries.clear();
            inner.generation = generation;
        }
        if inner.entries.len() >= MAX_ENTRIES {
            inner.entries.retain(|_, v| v.verdict.expires_at.is_some_and(|end| end >= now));
            if inner.entries.len() >= MAX_ENTRIES {
                inner.entries.clear();
            }
        }
        inner.entries.insert(hash, verified);
    }

    /// Drops the entry for `hash` (its credential expired).
    pub fn remove(&self, hash: &TextHash) {
        self.lock().entries.remove(hash);
    }

    /// Drops everything.
    pub fn clear(&self) {
        self.lock().entries.clear();
    }

    /// How many credentials are kept.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// True when nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
