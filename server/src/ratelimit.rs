//! Fixed-window rate limits counted in the database, so that every server instance shares the same counters.

use crate::error::ApiError;
use crate::storage::{Tx, Value};

/// Window of the request limits.
pub const MINUTE_MS: i64 = 60_000;
/// Window of the longer login back-off.
pub const HOUR_MS: i64 = 3_600_000;

/// Start of the window of length `window_ms` that holds `now_ms`.
fn window_start(now_ms: i64, window_ms: i64) -> i64 {
    now_ms - now_ms.rem_euclid(window_ms)
}

/// Whole seconds until the window holding `now_ms` ends (at least 1), for `Retry-After`.
pub fn retry_after_secs(now_ms: i64, window_ms: i64) -> u64 {
    let remaining_ms = (window_start(now_ms, window_ms) + window_ms - now_ms).max(1);
    (remaining_ms as u64).div_ceil(1000)
}

/// Counts one request against `bucket` in the current minute; refuses it once the count passes `limit`.
///
/// A refused request is rolled back with its transaction, so the counter stops growing at the limit and a
/// client that keeps hammering does not push its own window further out.
pub fn hit(tx: &mut dyn Tx, bucket: &str, now_ms: i64, limit: u32) -> Result<(), ApiError> {
    if limit == 0 {
        return Ok(());
    }
    let hits = record(tx, bucket, now_ms, MINUTE_MS)?;
    if hits > i64::from(limit) {
        return Err(ApiError::RateLimited { retry_after_secs: retry_after_secs(now_ms, MINUTE_MS) });
    }
    Ok(())
}

/// Adds one to `bucket` in its current window of `window_ms`; returns the new count.
///
/// A bucket is counted in one window length only: windows of different lengths can start at the same instant
/// and would then share a row.
pub fn record(tx: &mut dyn Tx, bucket: &str, now_ms: i64, window_ms: i64) -> Result<i64, ApiError> {
    let start = window_start(now_ms, window_ms);
    let rows = tx.query(
        "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits",
        &[bucket.into(), Value::Int(start)],
    )?;
    let hits = rows.first().map(|row| row.int(0)).transpose()?.unwrap_or(1);
    // Old windows are swept now and then rather than by a timer, because no instance is special. The longest
    // window is an hour, so anything older than two hours is dead whatever its length.
    if rand::random::<u8>() == 0 {
        tx.execute("DELETE FROM rate_limits WHERE window_start < $1", &[Value::Int(now_ms - 2 * HOUR_MS)])?;
    }
    Ok(hits)
}

/// The count of `bucket` in its current window of `window_ms`, read without writing.
pub fn count(tx: &mut dyn Tx, bucket: &str, now_ms: i64, window_ms: i64) -> Result<i64, ApiError> {
    let row = tx.query_opt(
        "SELECT hits FROM rate_limits WHERE bucket = $1 AND window_start = $2",
        &[bucket.into(), Value::Int(window_start(now_ms, window_ms))],
    )?;
    Ok(row.map(|row| row.int(0)).transpose()?.unwrap_or(0))
}

/// Refuses with 429 when `bucket` already holds `limit` or more in its current window (0 = no limit); reads only,
/// so a flood that is already over its limit never reaches the write lock.
pub fn check(tx: &mut dyn Tx, bucket: &str, now_ms: i64, window_ms: i64, limit: u32) -> Result<(), ApiError> {
    if limit == 0 {
        return Ok(());
    }
    if count(tx, bucket, now_ms, window_ms)? >= i64::from(limit) {
        return Err(ApiError::RateLimited { retry_after_secs: retry_after_secs(now_ms, window_ms) });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_counts_to_the_end_of_the_window() {
        assert_eq!(retry_after_secs(0, MINUTE_MS), 60);
        assert_eq!(retry_after_secs(59_001, MINUTE_MS), 1);
        assert_eq!(retry_after_secs(60_000 + 30_500, MINUTE_MS), 30);
        assert_eq!(retry_after_secs(HOUR_MS - 1, HOUR_MS), 1);
        assert_eq!(retry_after_secs(10 * MINUTE_MS, HOUR_MS), 3_000);
    }
}
