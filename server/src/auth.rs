//! Authentication: staff passwords (PBKDF2), device challenge-response (ES256), short-lived bearer tokens of
//! which only the SHA-256 is stored, and the [`Principal`] extractor that every protected endpoint takes.

use std::num::NonZeroU32;
use std::sync::Arc;

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use healthbook_protocol::device_auth_message;
use healthbook_core::trust::VerifyingKey;
use ring::pbkdf2;
use healthbook_protocol::{ChallengeRequest, ChallengeResponse, DeviceTokenRequest, Empty, ErrorResponse, LoginRequest, Role, TokenResponse};

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{ClientAddr, JsonBody};
use crate::hashing::HashError;
use crate::ratelimit;
use crate::storage::{Tx, Value};
use crate::util::{random_bytes, random_secret, sha256_hex, to_ms};

const PBKDF2_ALG: pbkdf2::Algorithm = pbkdf2::PBKDF2_HMAC_SHA256;
const PASSWORD_HASH_LEN: usize = 32;

/// Hashes a password as `pbkdf2-sha256$<iterations>$<salt>$<hash>` (base64url parts).
pub fn hash_password(password: &str, iterations: u32) -> Result<String, ApiError> {
    let iterations = NonZeroU32::new(iterations).ok_or_else(|| ApiError::Internal("zero PBKDF2 iterations".into()))?;
    let salt = random_bytes(16)?;
    let mut hash = [0u8; PASSWORD_HASH_LEN];
    pbkdf2::derive(PBKDF2_ALG, iterations, &salt, password.as_bytes(), &mut hash);
    Ok(format!("pbkdf2-sha256${iterations}${}${}", URL_SAFE_NO_PAD.encode(salt), URL_SAFE_NO_PAD.encode(hash)))
}

/// Checks a password against a stored hash in constant time; a malformed hash never matches.
pub fn verify_password(stored: &str, password: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some("pbkdf2-sha256"), Some(iterations), Some(salt), Some(hash), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let (Some(iterations), Ok(salt), Ok(hash)) = (
        iterations.parse::<u32>().ok().and_then(NonZeroU32::new),
        URL_SAFE_NO_PAD.decode(salt),
        URL_SAFE_NO_PAD.decode(hash),
    ) else {
        return false;
    };
    pbkdf2::verify(PBKDF2_ALG, iterations, &salt, password.as_bytes(), &hash).is_ok()
}

/// The stored form of a bearer token.
pub fn hash_token(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

/// Issues a token for `account_id`, storing only its hash; returns the token and its expiry.
pub fn issue_token(
    tx: &mut dyn Tx,
    account_id: &str,
    now: DateTime<Utc>,
    ttl: chrono::Duration,
) -> Result<(String, DateTime<Utc>), ApiError> {
    let token = format!("hb_{}", random_secret(32)?);
    let expires_at = now + ttl;
    // Expired tokens of this account are swept here, where the account is known to be active.
    tx.execute(
        "DELETE FROM access_tokens WHERE account_id = $1 AND expires_at <= $2",
        &[account_id.into(), Value::Int(to_ms(now))],
    )?;
    tx.execute(
        "INSERT INTO access_tokens (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        &[hash_token(&token).into(), account_id.into(), Value::Int(to_ms(now)), Value::Int(to_ms(expires_at))],
    )?;
    Ok((token, expires_at))
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Account id (for a device, the device id).
    pub account_id: String,
    /// Role.
    pub role: Role,
    /// Agency of an agency-scoped account.
    pub agency_id: Option<String>,
    token_hash: String,
}

impl Principal {
    /// Refuses the request unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            return Ok(());
        }
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Err(ApiError::Forbidden(format!("this endpoint is for: {}", names.join(", "))))
    }

    /// Whether the caller may read an agency's data: the authority, or that agency's own staff.
    pub fn can_read_agency(&self, agency_id: &str) -> bool {
        self.role == Role::AuthorityAdmin
            || (self.role.is_agency_scoped() && self.agency_id.as_deref() == Some(agency_id))
    }

    /// Whether the caller may change an agency's data: the authority, or that agency's admin.
    pub fn can_manage_agency(&self, agency_id: &str) -> bool {
        self.role == Role::AuthorityAdmin
            || (self.role == Role::AgencyAdmin && self.agency_id.as_deref() == Some(agency_id))
    }

    /// The caller behind a console session (`crate::console`): the same account, role and agency as its bearer
    /// tokens carry, so that the console's pages see exactly the scopes the API's endpoints do.
    pub fn from_console_session(account_id: String, role: Role, agency_id: Option<String>, session_hash: String) -> Self {
        Self { account_id, role, agency_id, token_hash: session_hash }
    }

    /// The namespace of this caller's idempotency keys.
    pub fn idempotency_scope(&self) -> String {
        format!("account:{}", self.account_id)
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts.headers.get(AUTHORIZATION).ok_or(ApiError::Unauthenticated)?;
        let token = header
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or(ApiError::Unauthenticated)?;
        let token_hash = hash_token(token);
        let now = to_ms(state.now());
        let limit = state.config.rate_limit_per_minute;
        state
            .db
            .write(move |tx| {
                let row = tx
                    .query_opt(
                        "SELECT a.id, a.role, a.agency_id, a.disabled, t.expires_at FROM access_tokens t \
                         JOIN accounts a ON a.id = t.account_id WHERE t.token_hash = $1",
                        &[token_hash.clone().into()],
                    )?
                    .ok_or(ApiError::InvalidToken)?;
                if row.int(4)? <= now {
                    return Err(ApiError::TokenExpired);
                }
                if row.int(3)? != 0 {
                    return Err(ApiError::AccountDisabled);
                }
                let account_id = row.text(0)?;
                let role = Role::parse(&row.text(1)?).ok_or_else(|| ApiError::Internal("unknown role".into()))?;
                ratelimit::hit(tx, &format!("account:{account_id}"), now, limit)?;
                Ok(Principal { account_id, role, agency_id: row.opt_text(2)?, token_hash })
            })
            .await
    }
}

/// A password hash to compare against when the username is unknown, so that both paths cost the same.
fn dummy_hash(iterations: u32) -> String {
    format!("pbkdf2-sha256${}$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", iterations.max(1))
}

/// Maps the hashing pool's refusal to the API's answer: busy is 503 with a short `Retry-After`.
fn hash_error(e: HashError) -> ApiError {
    match e {
        HashError::Busy => ApiError::Busy { retry_after_secs: 1 },
        HashError::Failed => ApiError::Internal(e.to_string()),
    }
}

/// Hashes a new password on the bounded hashing pool.
pub async fn hash_password_pooled(state: &AppState, password: String) -> Result<String, ApiError> {
    let iterations = state.config.pbkdf2_iterations;
    state.hasher.run(move || hash_password(&password, iterations)).await.map_err(hash_error)?
}

/// The rate-limit buckets of failed logins.
struct LoginBuckets {
    /// Failures from one address, any username, per minute.
    address: String,
    /// The same per hour (its own name: an hour's window and a minute's can start at the same instant).
    address_hourly: String,
    /// Failures against one username from one address.
    user_at_address: String,
    /// Failures against one username from anywhere: logged, never enforced.
    user: String,
}

impl LoginBuckets {
    fn new(username: &str, addr: &ClientAddr) -> Self {
        let user = username.to_lowercase();
        let addr = addr.key();
        Self {
            address: format!("login-fail:addr:{addr}"),
            address_hourly: format!("login-fail:addr-hourly:{addr}"),
            user_at_address: format!("login-fail:user-addr:{user}@{addr}"),
            user: format!("login-fail:user:{user}"),
        }
    }
}

/// Staff login with username and password.
///
/// Only failures count, and they are kept per client address: an address that keeps failing is backed off
/// (per minute, then per hour), and a (username, address) pair that keeps failing is refused, while the right
/// password from any other address still gets in. The hash runs on the bounded hashing pool; when that is
/// full the answer is 503 `server_busy` at once.
#[utoipa::path(
    post, path = "/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong username or password", body = ErrorResponse),
        (status = 403, description = "The account is disabled", body = ErrorResponse),
        (status = 429, description = "Too many failed logins from this address (or for this username from it)", body = ErrorResponse),
        (status = 503, description = "Password hashing is at capacity; retry after `Retry-After`", body = ErrorResponse),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    addr: ClientAddr,
    JsonBody(request): JsonBody<LoginRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let now = state.now();
    let StaffLogin { account_id, role, agency_id } = verify_staff_login(&state, &addr, &request.username, request.password).await?;
    let ttl = state.config.token_ttl;
    let id = account_id.clone();
    let (token, expires_at) = state.db.write(move |tx| issue_token(tx, &id, now, ttl)).await?;
    tracing::info!(account_id = %account_id, role = %role, "staff signed in");
    Ok(Json(TokenResponse { token, token_type: "Bearer".into(), expires_at, account_id, role, agency_id }))
}

/// A staff account whose password checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffLogin {
    /// Account id.
    pub account_id: String,
    /// Role.
    pub role: Role,
    /// Agency of an agency-scoped account.
    pub agency_id: Option<String>,
}

/// Checks a staff username and password with the login's rate limits and hashing pool (the API's login and the
/// console's share it, so that both refuse and back off alike): wrong credentials are 401 and counted against
/// the address, a disabled account 403, a failing address 429, a full pool 503.
pub async fn verify_staff_login(
    state: &AppState,
    addr: &ClientAddr,
    username: &str,
    password: String,
) -> Result<StaffLogin, ApiError> {
    // The place in the hashing pool is taken first, so that a flood beyond it never reaches the database.
    let admission = state.hasher.admit().map_err(hash_error)?;
    let now = state.now();
    let now_ms = to_ms(now);
    let username = username.trim().to_owned();
    let buckets = LoginBuckets::new(&username, addr);
    let config = Arc::clone(&state.config);
    let lookup = username.clone();
    let address_bucket = buckets.address.clone();
    let hourly_bucket = buckets.address_hourly.clone();
    let pair_bucket = buckets.user_at_address.clone();
    // Refusals for addresses that are failing are decided on a read, so a flood of them never takes the write lock.
    let account = state
        .db
        .read(move |tx| {
            ratelimit::check(tx, &hourly_bucket, now_ms, ratelimit::HOUR_MS, config.login_failures_per_address_per_hour)?;
            ratelimit::check(tx, &address_bucket, now_ms, ratelimit::MINUTE_MS, config.login_failures_per_address_per_minute)?;
            ratelimit::check(tx, &pair_bucket, now_ms, ratelimit::MINUTE_MS, config.login_attempts_per_minute)?;
            let row = tx.query_opt(
                "SELECT id, role, agency_id, password_hash, disabled FROM accounts WHERE username = $1",
                &[lookup.into()],
            )?;
            row.map(|row| -> Result<_, ApiError> {
                Ok((row.text(0)?, row.text(1)?, row.opt_text(2)?, row.opt_text(3)?, row.int(4)? != 0))
            })
            .transpose()
        })
        .await?;
    let stored_hash = match &account {
        Some((_, _, _, Some(hash), _)) => hash.clone(),
        _ => dummy_hash(state.config.pbkdf2_iterations),
    };
    let matches = admission.run(move || verify_password(&stored_hash, &password)).await.map_err(hash_error)?;
    let Some((account_id, role, agency_id, Some(_), disabled)) = account.filter(|_| matches) else {
        record_login_failure(state, &username, buckets, now_ms).await?;
        return Err(ApiError::InvalidCredentials);
    };
    if disabled {
        return Err(ApiError::AccountDisabled);
    }
    let role = Role::parse(&role).ok_or_else(|| ApiError::Internal("unknown role".into()))?;
    Ok(StaffLogin { account_id, role, agency_id })
}

/// Counts a failed login against its address and (username, address) pair, and against the username for the log.
async fn record_login_failure(
    state: &AppState,
    username: &str,
    buckets: LoginBuckets,
    now_ms: i64,
) -> Result<(), ApiError> {
    let per_username =
        state
            .db
            .write(move |tx| -> Result<i64, ApiError> {
                ratelimit::record(tx, &buckets.address, now_ms, ratelimit::MINUTE_MS)?;
                ratelimit::record(tx, &buckets.address_hourly, now_ms, ratelimit::HOUR_MS)?;
                ratelimit::record(tx, &buckets.user_at_address, now_ms, ratelimit::MINUTE_MS)?;
                ratelimit::record(tx, &buckets.user, now_ms, ratelimit::MINUTE_MS)
            })
            .await?;
    // Once per minute at the threshold, and again at each multiple of it, so a long attack stays visible
    // without a log line per guess.
    let warn_at = i64::from(state.config.login_failures_warn_per_username);
    if warn_at > 0 && per_username % warn_at == 0 {
        tracing::warn!(username = %username, failures_this_minute = per_username, "many failed logins for one username");
    }
    Ok(())
}

/// First step of device sign-in: a one-time nonce for the device to sign.
///
/// Limited per client address, never per device. Unknown, disabled and over-limit requests are answered from a
/// read transaction; only a known, enabled device from an address within its limit takes the write lock.
#[utoipa::path(
    post, path = "/v1/auth/device/challenge", tag = "auth",
    request_body = ChallengeRequest,
    responses(
        (status = 200, description = "A nonce to sign", body = ChallengeResponse),
        (status = 403, description = "The device is disabled", body = ErrorResponse),
        (status = 404, description = "No such device", body = ErrorResponse),
        (status = 429, description = "Too many challenges from this address", body = ErrorResponse),
    )
)]
pub async fn device_challenge(
    State(state): State<AppState>,
    addr: ClientAddr,
    JsonBody(request): JsonBody<ChallengeRequest>,
) -> Result<Json<ChallengeResponse>, ApiError> {
    let now = state.now();
    let now_ms = to_ms(now);
    let expires_at = now + state.config.challenge_ttl;
    let limit = state.config.device_auth_per_address_per_minute;
    let bucket = format!("device-challenge:{}", addr.key());
    let device_id = request.device_id;
    let (check_bucket, check_id) = (bucket.clone(), device_id.clone());
    state
        .db
        .read(move |tx| {
            ratelimit::check(tx, &check_bucket, now_ms, ratelimit::MINUTE_MS, limit)?;
            device_enabled(tx, &check_id)
        })
        .await?;
    let nonce = random_secret(32)?;
    let stored_nonce = nonce.clone();
    state
        .db
        .write(move |tx| {
            ratelimit::hit(tx, &bucket, now_ms, limit)?;
            // Checked again under the write lock: the device may have been disabled since the read.
            device_enabled(tx, &device_id)?;
            tx.execute("DELETE FROM device_challenges WHERE expires_at < $1", &[Value::Int(now_ms)])?;
            tx.execute(
                "INSERT INTO device_challenges (nonce, account_id, expires_at) VALUES ($1, $2, $3)",
                &[stored_nonce.into(), device_id.into(), Value::Int(to_ms(expires_at))],
            )?;
            Ok::<(), ApiError>(())
        })
        .await?;
    Ok(Json(ChallengeResponse { nonce, expires_at }))
}

/// Refuses an unknown device (404) or a disabled one (403).
fn device_enabled(tx: &mut dyn Tx, device_id: &str) -> Result<(), ApiError> {
    let row = tx
        .query_opt(
            "SELECT disabled FROM accounts WHERE id = $1 AND role = $2",
            &[device_id.into(), Role::Device.as_str().into()],
        )?
        .ok_or(ApiError::NotFound("device"))?;
    if row.int(0)? != 0 {
        return Err(ApiError::AccountDisabled);
    }
    Ok(())
}

/// What consuming a challenge found.
enum Consumed {
    /// The nonce was this device's: its expiry and the device's key and state.
    Found { expires_at: i64, public_key: String, disabled: bool },
    /// No such nonce, or another device's (burned all the same).
    Nothing,
}

/// Second step of device sign-in: the signed nonce is exchanged for a short-lived token bound to the device.
///
/// Limited per client address. The nonce is taken with `DELETE ... RETURNING`, so of two concurrent requests
/// with one signed nonce exactly one finds it, on SQLite and PostgreSQL alike.
#[utoipa::path(
    post, path = "/v1/auth/device/token", tag = "auth",
    request_body = DeviceTokenRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Unknown, used or expired challenge, or a bad signature", body = ErrorResponse),
        (status = 403, description = "The device is disabled", body = ErrorResponse),
        (status = 429, description = "Too many token requests from this address", body = ErrorResponse),
    )
)]
pub async fn device_token(
    State(state): State<AppState>,
    addr: ClientAddr,
    JsonBody(request): JsonBody<DeviceTokenRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let now = state.now();
    let now_ms = to_ms(now);
    let limit = state.config.device_auth_per_address_per_minute;
    let bucket = format!("device-token:{}", addr.key());
    let check_bucket = bucket.clone();
    state.db.read(move |tx| ratelimit::check(tx, &check_bucket, now_ms, ratelimit::MINUTE_MS, limit)).await?;
    let device_id = request.device_id.clone();
    let nonce = request.nonce.clone();
    // The nonce is consumed in its own committed transaction, so that a wrong signature also burns it.
    let consumed = state
        .db
        .write(move |tx| -> Result<Consumed, ApiError> {
            ratelimit::hit(tx, &bucket, now_ms, limit)?;
            let taken = tx.query_opt(
                "DELETE FROM device_challenges WHERE nonce = $1 RETURNING account_id, expires_at",
                &[nonce.into()],
            )?;
            let Some(taken) = taken else { return Ok(Consumed::Nothing) };
            if taken.text(0)? != device_id {
                return Ok(Consumed::Nothing);
            }
            let Some(account) = tx.query_opt(
                "SELECT public_key, disabled FROM accounts WHERE id = $1 AND role = $2",
                &[device_id.into(), Role::Device.as_str().into()],
            )?
            else {
                return Ok(Consumed::Nothing);
            };
            Ok(Consumed::Found {
                expires_at: taken.int(1)?,
                public_key: account.opt_text(0)?.unwrap_or_default(),
                disabled: account.int(1)? != 0,
            })
        })
        .await?;
    let Consumed::Found { expires_at, public_key, disabled } = consumed else {
        return Err(ApiError::InvalidChallenge);
    };
    if disabled {
        return Err(ApiError::AccountDisabled);
    }
    if expires_at <= now_ms {
        return Err(ApiError::ChallengeExpired);
    }
    let key = VerifyingKey::from_spki_base64(&public_key).map_err(|_| ApiError::Internal("stored key".into()))?;
    let signature = URL_SAFE_NO_PAD.decode(request.signature.trim()).map_err(|_| ApiError::InvalidSignature)?;
    key.verify(&device_auth_message(&request.device_id, &request.nonce), &signature)
        .map_err(|_| ApiError::InvalidSignature)?;
    let ttl = state.config.token_ttl;
    let id = request.device_id.clone();
    let (token, expires_at) = state.db.write(move |tx| issue_token(tx, &id, now, ttl)).await?;
    Ok(Json(TokenResponse {
        token,
        token_type: "Bearer".into(),
        expires_at,
        account_id: request.device_id,
        role: Role::Device,
        agency_id: None,
    }))
}

/// Revokes the caller's token.
#[utoipa::path(
    post, path = "/v1/auth/logout", tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, description = "Token revoked", body = Empty), (status = 401, body = ErrorResponse))
)]
pub async fn logout(State(state): State<AppState>, principal: Principal) -> Result<Json<Empty>, ApiError> {
    let hash = principal.token_hash.clone();
    state.db.write(move |tx| tx.execute("DELETE FROM access_tokens WHERE token_hash = $1", &[hash.into()])).await?;
    Ok(Json(Empty {}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hash_round_trip() {
        let stored = hash_password("correct horse", 1_000).unwrap();
        assert!(stored.starts_with("pbkdf2-sha256$1000$"));
        assert!(verify_password(&stored, "correct horse"));
        assert!(!verify_password(&stored, "correct horsf"));
        assert!(!verify_password("nonsense", "correct horse"));
        assert!(!verify_password(&dummy_hash(1_000), ""));
    }
}
