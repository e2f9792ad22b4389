//! Authentication: staff passwords (PBKDF2), device challenge-response (ES256), short-lived bearer tokens of
//! which only the SHA-256 is stored, and the [`Principal`] extractor that every protected endpoint takes.

use std::num::NonZeroU32;

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use healthbook_core::client::{Role, device_auth_message};
use healthbook_core::trust::VerifyingKey;
use ring::pbkdf2;

use crate::app::AppState;
use crate::error::{ApiError, ErrorResponse};
use crate::extract::JsonBody;
use crate::models::{ChallengeRequest, ChallengeResponse, DeviceTokenRequest, Empty, LoginRequest, TokenResponse};
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
                    return Err(ApiError::InvalidToken);
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

/// Staff login with username and password.
#[utoipa::path(
    post, path = "/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong username or password", body = ErrorResponse),
        (status = 429, description = "Too many attempts for this username", body = ErrorResponse),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<LoginRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let now = state.now();
    let username = request.username.trim().to_owned();
    let limit = state.config.login_attempts_per_minute;
    let bucket = format!("login:{}", username.to_lowercase());
    let lookup = username.clone();
    let account = state
        .db
        .write(move |tx| {
            ratelimit::hit(tx, &bucket, to_ms(now), limit)?;
            let row = tx.query_opt(
                "SELECT id, role, agency_id, password_hash, disabled FROM accounts WHERE username = $1",
                &[lookup.into()],
            )?;
            row.map(|row| -> Result<_, ApiError> {
                Ok((row.text(0)?, row.text(1)?, row.opt_text(2)?, row.opt_text(3)?, row.int(4)?))
            })
            .transpose()
        })
        .await?;
    let stored_hash = match &account {
        Some((_, _, _, Some(hash), 0)) => hash.clone(),
        _ => dummy_hash(state.config.pbkdf2_iterations),
    };
    let password = request.password;
    let matches = tokio::task::spawn_blocking(move || verify_password(&stored_hash, &password))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let Some((account_id, role, agency_id, Some(_), 0)) = account.filter(|_| matches) else {
        return Err(ApiError::InvalidCredentials);
    };
    let role = Role::parse(&role).ok_or_else(|| ApiError::Internal("unknown role".into()))?;
    let ttl = state.config.token_ttl;
    let id = account_id.clone();
    let (token, expires_at) = state.db.write(move |tx| issue_token(tx, &id, now, ttl)).await?;
    tracing::info!(account_id = %account_id, role = %role, "staff signed in");
    Ok(Json(TokenResponse { token, token_type: "Bearer".into(), expires_at, account_id, role, agency_id }))
}

/// First step of device sign-in: a one-time nonce for the device to sign.
#[utoipa::path(
    post, path = "/v1/auth/device/challenge", tag = "auth",
    request_body = ChallengeRequest,
    responses(
        (status = 200, description = "A nonce to sign", body = ChallengeResponse),
        (status = 404, description = "No such device", body = ErrorResponse),
    )
)]
pub async fn device_challenge(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<ChallengeRequest>,
) -> Result<Json<ChallengeResponse>, ApiError> {
    let now = state.now();
    let expires_at = now + state.config.challenge_ttl;
    let nonce = random_secret(32)?;
    let limit = state.config.rate_limit_per_minute;
    let stored_nonce = nonce.clone();
    state
        .db
        .write(move |tx| {
            let known = tx.query_opt(
                "SELECT id FROM accounts WHERE id = $1 AND role = $2 AND disabled = 0",
                &[request.device_id.clone().into(), Role::Device.as_str().into()],
            )?;
            if known.is_none() {
                return Err(ApiError::NotFound("device"));
            }
            ratelimit::hit(tx, &format!("account:{}", request.device_id), to_ms(now), limit)?;
            tx.execute("DELETE FROM device_challenges WHERE expires_at < $1", &[Value::Int(to_ms(now))])?;
            tx.execute(
                "INSERT INTO device_challenges (nonce, account_id, expires_at) VALUES ($1, $2, $3)",
                &[stored_nonce.into(), request.device_id.into(), Value::Int(to_ms(expires_at))],
            )?;
            Ok(())
        })
        .await?;
    Ok(Json(ChallengeResponse { nonce, expires_at }))
}

/// Second step of device sign-in: the signed nonce is exchanged for a short-lived token bound to the device.
#[utoipa::path(
    post, path = "/v1/auth/device/token", tag = "auth",
    request_body = DeviceTokenRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Unknown, used or expired challenge, or a bad signature", body = ErrorResponse),
    )
)]
pub async fn device_token(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<DeviceTokenRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let now = state.now();
    let device_id = request.device_id.clone();
    let nonce = request.nonce.clone();
    // The nonce is consumed in its own committed transaction, so that a wrong signature also burns it.
    let consumed = state
        .db
        .write(move |tx| -> Result<Option<(i64, String)>, ApiError> {
            let row = tx.query_opt(
                "SELECT c.expires_at, a.public_key FROM device_challenges c JOIN accounts a ON a.id = c.account_id \
                 WHERE c.nonce = $1 AND c.account_id = $2 AND a.disabled = 0",
                &[nonce.clone().into(), device_id.into()],
            )?;
            tx.execute("DELETE FROM device_challenges WHERE nonce = $1", &[nonce.into()])?;
            row.map(|row| Ok((row.int(0)?, row.opt_text(1)?.unwrap_or_default()))).transpose()
        })
        .await?;
    let (expires_at, public_key) = consumed.ok_or(ApiError::InvalidChallenge)?;
    if expires_at <= to_ms(now) {
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
