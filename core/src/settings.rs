//! App settings kept in the database: display language, the server to talk to, the pinned root key and how old
//! a checkpoint's trust lists may get before its verdicts say so.

use rusqlite::OptionalExtension;
use thiserror::Error;

use crate::storage::{Database, StorageError};

/// Errors from reading or writing settings.
#[derive(Debug, Error)]
pub enum SettingsError {
    /// The root key is not a base64 SPKI DER P-256 public key.
    #[error("invalid root key: {0}")]
    InvalidRootKey(String),
    /// The server URL is not an absolute http(s) URL.
    #[error("invalid server URL: {0}")]
    InvalidServerUrl(String),
    /// The server URL is plain `http://` to a host other than loopback; the host is named.
    #[error("refusing plain http:// to {0}: use https (plain http only to 127.0.0.0/8, ::1 or localhost)")]
    InsecureServerUrl(String),
    /// The maximum trust-list age is outside what a checkpoint may use.
    #[error("the maximum trust-list age must be {MIN_TRUST_MAX_AGE_HOURS} to {MAX_TRUST_MAX_AGE_HOURS} hours")]
    InvalidTrustMaxAge,
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<rusqlite::Error> for SettingsError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(StorageError::Sqlite(e))
    }
}

/// Languages the app is translated into (defined once, in the wire contract).
pub use healthbook_protocol::Language;

const LANGUAGE: &str = "language";
const SERVER_URL: &str = "server_url";
/// Settings key of the pinned root public key.
pub(crate) const ROOT_KEY: &str = "root_public_key";
const TRUST_MAX_AGE_HOURS: &str = "trust_max_age_hours";
/// Shortest maximum trust-list age: below an hour every gate would flag lists between two routine refreshes.
pub const MIN_TRUST_MAX_AGE_HOURS: u32 = 1;
/// Longest maximum trust-list age (30 days): beyond it a checkpoint could hide a revocation for a month.
pub const MAX_TRUST_MAX_AGE_HOURS: u32 = 720;

/// The maximum trust-list age as stored, or the default (see [`crate::trust::store::DEFAULT_TRUST_MAX_AGE_HOURS`]).
///
/// Synchronous because the verifier reads it while building its store; a value that no longer parses (written
/// by a newer version) counts as unset.
pub(crate) fn trust_max_age(conn: &rusqlite::Connection) -> rusqlite::Result<chrono::Duration> {
    let stored: Option<String> =
        conn.query_row("SELECT value FROM settings WHERE key = ?1", [TRUST_MAX_AGE_HOURS], |r| r.get(0)).optional()?;
    let hours = stored
        .and_then(|v| v.parse::<u32>().ok())
        .filter(|h| (MIN_TRUST_MAX_AGE_HOURS..=MAX_TRUST_MAX_AGE_HOURS).contains(h))
        .map_or(crate::trust::store::DEFAULT_TRUST_MAX_AGE_HOURS, i64::from);
    Ok(chrono::Duration::hours(hours))
}

/// Settings operations; obtained from [`crate::Healthbook::settings`].
#[derive(Clone)]
pub struct Settings {
    db: Database,
}

impl Settings {
    pub(crate) fn new(db: Database) -> Self {
        Self { db }
    }

    async fn get(&self, key: &'static str) -> Result<Option<String>, SettingsError> {
        self.db
            .read(move |conn| {
                Ok(conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
            })
            .await
    }

    async fn set(&self, key: &'static str, value: Option<String>) -> Result<(), SettingsError> {
        self.db
            .write(move |tx| {
                match value {
                    Some(value) => tx.execute(
                        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        (key, value),
                    )?,
                    None => tx.execute("DELETE FROM settings WHERE key = ?1", [key])?,
                };
                Ok::<_, SettingsError>(())
            })
            .await?;
        // What the verifier trusts depends on both: the shared store is rebuilt on the next scan.
        if key == ROOT_KEY || key == TRUST_MAX_AGE_HOURS {
            self.db.note_trust_changed();
        }
        Ok(())
    }

    /// The display language (Vietnamese unless changed).
    pub async fn language(&self) -> Result<Language, SettingsError> {
        Ok(self.get(LANGUAGE).await?.as_deref().and_then(Language::from_tag).unwrap_or_default())
    }

    /// Changes the display language.
    pub async fn set_language(&self, language: Language) -> Result<(), SettingsError> {
        self.set(LANGUAGE, Some(language.tag().to_owned())).await
    }

    /// The server base URL, if one is configured.
    pub async fn server_url(&self) -> Result<Option<String>, SettingsError> {
        self.get(SERVER_URL).await
    }

    /// Sets or clears the server base URL; it must be an absolute `https://` URL, or `http://` to loopback.
    pub async fn set_server_url(&self, url: Option<String>) -> Result<(), SettingsError> {
        let url = match url {
            Some(url) => {
                let trimmed = url.trim().trim_end_matches('/').to_owned();
                crate::client::check_server_url(&trimmed).map_err(|e| match e {
                    crate::client::ClientError::InsecureUrl(host) => SettingsError::InsecureServerUrl(host),
                    other => SettingsError::InvalidServerUrl(other.to_string()),
                })?;
                Some(trimmed)
            }
            None => None,
        };
        self.set(SERVER_URL, url).await
    }

    /// The pinned root public key of the health authority (base64 SPKI DER), if set.
    pub async fn root_key(&self) -> Result<Option<String>, SettingsError> {
        self.get(ROOT_KEY).await
    }

    /// Pins (or clears) the root public key that trust lists must be signed with. Apps ship with it; a
    /// checkpoint laptop is given it once by its operator.
    pub async fn set_root_key(&self, key: Option<String>) -> Result<(), SettingsError> {
        let key = match key {
            Some(text) => {
                let parsed = crate::trust::VerifyingKey::from_spki_base64(text.trim()).map_err(|e| SettingsError::InvalidRootKey(e.to_string()))?;
                Some(parsed.spki_base64())
            }
            None => None,
        };
        self.set(ROOT_KEY, key).await
    }

    /// How long past the trust lists' next update a checkpoint's verdicts keep quiet about their age; after that
    /// every verdict says `trust_list_stale`. 48 hours unless changed.
    pub async fn trust_max_age(&self) -> Result<chrono::Duration, SettingsError> {
        self.db.read(|conn| Ok::<_, SettingsError>(trust_max_age(conn)?)).await
    }

    /// Changes the maximum trust-list age, in whole hours ([`MIN_TRUST_MAX_AGE_HOURS`] to
    /// [`MAX_TRUST_MAX_AGE_HOURS`]); the next scan uses it.
    pub async fn set_trust_max_age_hours(&self, hours: u32) -> Result<(), SettingsError> {
        if !(MIN_TRUST_MAX_AGE_HOURS..=MAX_TRUST_MAX_AGE_HOURS).contains(&hours) {
            return Err(SettingsError::InvalidTrustMaxAge);
        }
        self.set(TRUST_MAX_AGE_HOURS, Some(hours.to_string())).await
    }
}
