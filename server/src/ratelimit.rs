//! Fixed-window rate limits counted in the database, so that every server instance shares the same counters.

use crate::error::ApiError;
use crate::storage::{Tx, Value};

/// Window length.
const WINDOW_MS: i64 = 60_000;

/// Counts one request against `bucket` in the current minute; refuses it once the count passes `limit`.
///
/// A refused request is rolled back with its transaction, so the counter stops growing at the limit and a
/// client that keeps hammering does not push its own window further out.
pub fn hit(tx: &mut dyn Tx, bucket: &str, now_ms: i64, limit: u32) -> Result<(), ApiError> {
    if limit == 0 {
        return Ok(());
    }
    let window_start = now_ms - now_ms.rem_euclid(WINDOW_MS);
    let rows = tx.query(
        "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits",
        &[bucket.into(), Value::Int(window_start)],
    )?;
    let hits = rows.first().map(|row| row.int(0)).transpose()?.unwrap_or(1);
    // Old windows are swept now and then rather than by a timer, because no instance is special.
    if rand::random::<u8>() == 0 {
        tx.execute("DELETE FROM rate_limits WHERE window_start < $1", &[Value::Int(window_start - WINDOW_MS)])?;
    }
    if hits > i64::from(limit) {
        let remaining_ms = (window_start + WINDOW_MS - now_ms).max(1);
        return Err(ApiError::RateLimited { retry_after_secs: (remaining_ms as u64).div_ceil(1000) });
    }
    Ok(())
}
