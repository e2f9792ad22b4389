//! Platform services implemented by the shells (Kotlin, Swift) and handed to the core.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use healthbook_core as core;

/// Errors a platform key store can report.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum PlatformKeyStoreError {
    /// The key store can't be used now (device locked, keystore reset, missing permission).
    #[error("platform key store unavailable: {reason}")]
    Unavailable {
        /// What the platform said.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for PlatformKeyStoreError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Unavailable { reason: e.reason }
    }
}

/// Secret storage of the platform (Android Keystore, iOS Keychain): the shell keeps the data key.
#[uniffi::export(with_foreign)]
pub trait PlatformKeyStore: Send + Sync {
    /// The key stored under `alias`, or null when there is none yet.
    fn load_key(&self, alias: String) -> Result<Option<Vec<u8>>, PlatformKeyStoreError>;
    /// Keeps `key` under `alias`.
    fn store_key(&self, alias: String, key: Vec<u8>) -> Result<(), PlatformKeyStoreError>;
}

/// The current time as the shell sees it; injected so that tests can fix it.
#[uniffi::export(with_foreign)]
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch, UTC.
    fn now_millis(&self) -> i64;
}

/// Adapts a foreign key store to the core's trait.
pub(crate) struct KeyStoreAdapter(pub Arc<dyn PlatformKeyStore>);

impl core::PlatformKeyStore for KeyStoreAdapter {
    fn load_key(&self, alias: &str) -> Result<Option<Vec<u8>>, core::KeyStoreError> {
        self.0.load_key(alias.to_owned()).map_err(|PlatformKeyStoreError::Unavailable { reason }| core::KeyStoreError::Unavailable(reason))
    }

    fn store_key(&self, alias: &str, key: &[u8]) -> Result<(), core::KeyStoreError> {
        self.0
            .store_key(alias.to_owned(), key.to_vec())
            .map_err(|PlatformKeyStoreError::Unavailable { reason }| core::KeyStoreError::Unavailable(reason))
    }
}

/// Adapts a foreign clock to the core's trait.
pub(crate) struct ClockAdapter(pub Arc<dyn Clock>);

impl core::Clock for ClockAdapter {
    fn now(&self) -> DateTime<Utc> {
        // An out-of-range value from the shell is a shell bug; clamp rather than panic across the FFI.
        Utc.timestamp_millis_opt(self.0.now_millis()).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
}
