//! Idempotent mutations: the first request with a key runs and its answer is stored in the same transaction;
//! a retry with the same key gets the stored answer and changes nothing.
//!
//! The key is claimed by inserting its record at the start of the transaction. On PostgreSQL a concurrent retry
//! then waits on the primary key until the first commits and finds the finished record; on SQLite the single
//! writer serialises them anyway. A failed request rolls back, record included, so it may simply be retried.
//! Each replay is counted on the record (`replays`), so that retries after lost answers can be observed.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;
use serde::Serialize;

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::IdempotentJson;
use crate::storage::{Tx, Value};
use crate::util::{random_bytes, to_ms};

/// Response header set on a replayed answer.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// An answer stored for replay.
struct Stored {
    status: u16,
    body: String,
}

/// Runs `work` once per (`scope`, idempotency key) and answers with its JSON result, or with the stored answer
/// of the first run.
pub async fn run<T, B, F>(
    state: &AppState,
    scope: String,
    request: &IdempotentJson<B>,
    work: F,
) -> Result<Response, ApiError>
where
    T: Serialize,
    F: FnOnce(&mut dyn Tx) -> Result<(StatusCode, T), ApiError> + Send + 'static,
{
    let now = to_ms(state.now());
    let retention_ms = state.config.idempotency_retention.num_milliseconds();
    let key = request.key.clone();
    let digest = request.digest.clone();
    let salt = random_bytes(16)?;
    let (stored, replayed) = state
        .db
        .write(move |tx| -> Result<_, ApiError> {
            if let Some(stored) = claim(tx, &scope, &key, &digest, &salt, now, retention_ms)? {
                return Ok((stored, true));
            }
            let (status, value) = work(tx)?;
            let body = serde_json::to_string(&value).map_err(|e| ApiError::Internal(e.to_string()))?;
            tx.execute(
                "UPDATE idempotency_records SET status = $1, body = $2 WHERE scope = $3 AND idem_key = $4",
                &[Value::Int(i64::from(status.as_u16())), body.clone().into(), scope.into(), key.into()],
            )?;
            Ok((Stored { status: status.as_u16(), body }, false))
        })
        .await?;
    let status = StatusCode::from_u16(stored.status).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], stored.body).into_response();
    if replayed {
        response.headers_mut().insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// Claims the key, or returns the stored answer of an earlier identical request.
fn claim(
    tx: &mut dyn Tx,
    scope: &str,
    key: &str,
    digest: &[u8],
    salt: &[u8],
    now: i64,
    retention_ms: i64,
) -> Result<Option<Stored>, ApiError> {
    if rand::random::<u8>() == 0 {
        tx.execute("DELETE FROM idempotency_records WHERE created_at < $1", &[Value::Int(now - retention_ms)])?;
    }
    let inserted = tx.execute(
        "INSERT INTO idempotency_records (scope, idem_key, fingerprint, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (scope, idem_key) DO NOTHING",
        &[scope.into(), key.into(), fingerprint(salt, digest).into(), Value::Int(now)],
    )?;
    if inserted == 1 {
        return Ok(None);
    }
    let row = tx
        .query_opt(
            "SELECT fingerprint, status, body FROM idempotency_records WHERE scope = $1 AND idem_key = $2",
            &[scope.into(), key.into()],
        )?
        .ok_or_else(|| ApiError::Internal("idempotency record vanished".into()))?;
    let stored_fingerprint = row.text(0)?;
    if !fingerprint_matches(&stored_fingerprint, digest) {
        return Err(ApiError::IdempotencyKeyReused);
    }
    match (row.opt_int(1)?, row.opt_text(2)?) {
        (Some(status), Some(body)) => {
            tx.execute(
                "UPDATE idempotency_records SET replays = replays + 1 WHERE scope = $1 AND idem_key = $2",
                &[scope.into(), key.into()],
            )?;
            Ok(Some(Stored { status: status as u16, body }))
        }
        // Only possible if a record were committed unfinished, which `run` never does.
        _ => Err(ApiError::Internal("idempotency record without an answer".into())),
    }
}

/// A salted MAC of the request digest: bodies may hold passwords, so not even their plain hash is kept.
fn fingerprint(salt: &[u8], digest: &[u8]) -> String {
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, salt), digest);
    format!("v1${}${}", URL_SAFE_NO_PAD.encode(salt), URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

/// Checks a stored fingerprint against a request digest (in constant time, through `hmac::verify`).
fn fingerprint_matches(stored: &str, digest: &[u8]) -> bool {
    let mut parts = stored.split('$');
    let (Some("v1"), Some(salt), Some(tag), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let (Ok(salt), Ok(tag)) = (URL_SAFE_NO_PAD.decode(salt), URL_SAFE_NO_PAD.decode(tag)) else { return false };
    hmac::verify(&hmac::Key::new(hmac::HMAC_SHA256, &salt), digest, &tag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_matches_only_the_same_request() {
        let stored = fingerprint(b"0123456789abcdef", b"digest-a");
        assert!(fingerprint_matches(&stored, b"digest-a"));
        assert!(!fingerprint_matches(&stored, b"digest-b"));
        assert!(!fingerprint_matches("garbage", b"digest-a"));
    }
}
