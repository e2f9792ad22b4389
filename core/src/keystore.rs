//! The platform key store (Android Keystore, iOS Keychain, a key file for the terminal), as seen by the core.
//!
//! The shell keeps the secret; the core only asks for it. Keys are created by the core (from ring's system
//! random source) the first time an alias is missing and handed to the shell to keep.

use thiserror::Error;

/// Errors a platform key store reports.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum KeyStoreError {
    /// The key store could not be reached or refused the operation (locked device, missing permission, ...).
    #[error("platform key store unavailable: {0}")]
    Unavailable(String),
}

/// Secret storage provided by the platform shell.
pub trait PlatformKeyStore: Send + Sync {
    /// Returns the key stored under `alias`, or `None` when there is none yet.
    fn load_key(&self, alias: &str) -> Result<Option<Vec<u8>>, KeyStoreError>;
    /// Stores `key` under `alias`, replacing any earlier key.
    fn store_key(&self, alias: &str, key: &[u8]) -> Result<(), KeyStoreError>;
}

/// A key store held in memory; for tests and for short-lived tools.
#[derive(Debug, Default)]
pub struct MemoryKeyStore {
    keys: std::sync::Mutex<std::collections::HashMap<String, Vec<u8>>>,
}

impl PlatformKeyStore for MemoryKeyStore {
    fn load_key(&self, alias: &str) -> Result<Option<Vec<u8>>, KeyStoreError> {
        Ok(self.keys.lock().map_err(|_| KeyStoreError::Unavailable("poisoned".into()))?.get(alias).cloned())
    }

    fn store_key(&self, alias: &str, key: &[u8]) -> Result<(), KeyStoreError> {
        self.keys
            .lock()
            .map_err(|_| KeyStoreError::Unavailable("poisoned".into()))?
            .insert(alias.to_owned(), key.to_vec());
        Ok(())
    }
}
