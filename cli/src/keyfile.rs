//! The terminal's stand-in for a platform key store: key files readable only by their owner.
//!
//! A phone keeps the data key in its hardware-backed key store; a checkpoint laptop has none, so the key
//! sits in `<data-dir>/keys/`, mode 0600, or comes from `HEALTHBOOK_DATA_KEY` (base64) for managed setups
//! where the key lives in a secrets manager.

use std::fs;
use std::io::Write;
use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use healthbook_core::{KeyStoreError, PlatformKeyStore};

/// Keys kept as files under one directory.
pub struct KeyFileStore {
    dir: PathBuf,
    from_env: Option<Vec<u8>>,
}

impl KeyFileStore {
    /// A store in `dir`, overridden by a base64 key in the environment variable, if set.
    pub fn new(dir: PathBuf, env_key: Option<String>) -> Result<Self, KeyStoreError> {
        let from_env = match env_key {
            Some(text) => Some(STANDARD.decode(text.trim()).map_err(|_| KeyStoreError::Unavailable("HEALTHBOOK_DATA_KEY is not valid base64".into()))?),
            None => None,
        };
        Ok(Self { dir, from_env })
    }

    fn path(&self, alias: &str) -> PathBuf {
        let safe: String = alias.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect();
        self.dir.join(format!("{safe}.key"))
    }
}

impl PlatformKeyStore for KeyFileStore {
    fn load_key(&self, alias: &str) -> Result<Option<Vec<u8>>, KeyStoreError> {
        if let Some(key) = &self.from_env {
            return Ok(Some(key.clone()));
        }
        match fs::read(self.path(alias)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(KeyStoreError::Unavailable(e.to_string())),
        }
    }

    fn store_key(&self, alias: &str, key: &[u8]) -> Result<(), KeyStoreError> {
        if self.from_env.is_some() {
            return Err(KeyStoreError::Unavailable("HEALTHBOOK_DATA_KEY is set; it is read-only".into()));
        }
        let err = |e: std::io::Error| KeyStoreError::Unavailable(e.to_string());
        fs::create_dir_all(&self.dir).map_err(err)?;
        let path = self.path(alias);
        let tmp = path.with_extension("tmp");
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp).map_err(err)?;
        file.write_all(key).map_err(err)?;
        file.sync_all().map_err(err)?;
        // Rename so that a crash never leaves a half-written key, which would lock the user out of their data.
        fs::rename(&tmp, &path).map_err(err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_and_loads_with_owner_only_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyFileStore::new(dir.path().join("keys"), None).unwrap();
        assert_eq!(store.load_key("a/b").unwrap(), None);
        store.store_key("a/b", &[1, 2, 3]).unwrap();
        assert_eq!(store.load_key("a/b").unwrap(), Some(vec![1, 2, 3]));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(store.path("a/b")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn environment_key_wins_and_is_read_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyFileStore::new(dir.path().to_owned(), Some("AAECAw==".into())).unwrap();
        assert_eq!(store.load_key("x").unwrap(), Some(vec![0, 1, 2, 3]));
        assert!(store.store_key("x", &[9]).is_err());
        assert!(KeyFileStore::new(dir.path().to_owned(), Some("not base64!".into())).is_err());
    }
}
