//! Shared helpers for the end-to-end tests.

pub mod cli;
pub mod log;
pub mod server;
pub mod webdriver;

use healthbook_core::{KeyStoreError, PlatformKeyStore};

/// A key store whose one key is a file the test wrote, shared by a test and the child processes it kills:
/// the data key must survive the processes, as the platform key store does on a phone.
pub struct KeyFile(pub std::path::PathBuf);

impl PlatformKeyStore for KeyFile {
    fn load_key(&self, _: &str) -> Result<Option<Vec<u8>>, KeyStoreError> {
        std::fs::read(&self.0).map(Some).map_err(|e| KeyStoreError::Unavailable(e.to_string()))
    }

    fn store_key(&self, _: &str, _: &[u8]) -> Result<(), KeyStoreError> {
        Err(KeyStoreError::Unavailable("the test provides the key".into()))
    }
}
