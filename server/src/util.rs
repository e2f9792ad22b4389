//! Small helpers shared by the API modules: time as stored, ids, random secrets, hashes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use ring::rand::{SecureRandom, SystemRandom};

use crate::error::ApiError;
use crate::storage::StorageError;

/// A time as stored: Unix milliseconds.
pub fn to_ms(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// A stored time back as a `DateTime`.
pub fn from_ms(ms: i64) -> Result<DateTime<Utc>, StorageError> {
    DateTime::from_timestamp_millis(ms).ok_or(StorageError::Column { index: 0, problem: format!("bad time {ms}") })
}

/// `at` without its sub-millisecond part, so that answers show exactly what the database keeps.
pub fn truncate_to_ms(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at)
}

/// A new random id.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `len` random bytes from the system source, base64url.
pub fn random_secret(len: usize) -> Result<String, ApiError> {
    let mut bytes = vec![0u8; len];
    SystemRandom::new().fill(&mut bytes).map_err(|_| ApiError::Internal("random source failed".into()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Random bytes from the system source.
pub fn random_bytes(len: usize) -> Result<Vec<u8>, ApiError> {
    let mut bytes = vec![0u8; len];
    SystemRandom::new().fill(&mut bytes).map_err(|_| ApiError::Internal("random source failed".into()))?;
    Ok(bytes)
}

/// Bytes in lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 in lower-case hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, data).as_ref())
}

/// Checks a display name: trimmed, 1 to `max` characters, no control characters.
pub fn clean_name(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.chars().count() > max || trimmed.chars().any(char::is_control) {
        return Err(ApiError::InvalidRequest(format!("{field} must be 1 to {max} printable characters")));
    }
    Ok(trimmed.to_owned())
}

/// Runs `purge` (in a write transaction, with the current time) now and then every `period` for as long as the
/// server serves, logging what it deleted as "`what` deleted". A failure (the database away) is logged and the
/// next tick tries again: a purge only ever catches up.
pub async fn keep_purging<F>(state: crate::app::AppState, period: std::time::Duration, what: &'static str, purge: F)
where
    F: Fn(&mut dyn crate::storage::Tx, DateTime<Utc>) -> Result<u64, ApiError> + Copy + Send + 'static,
{
    let mut ticks = tokio::time::interval(period);
    loop {
        ticks.tick().await;
        let now = state.now();
        match state.db.write(move |tx| purge(tx, now)).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "{what} deleted"),
            Err(e) => tracing::warn!(error = %e, "could not delete {what}"),
        }
    }
}
