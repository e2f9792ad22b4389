//! Personal health passes: short-lived signed credentials (`HB1:`) for the person a phone's profile is bound
//! to, with the name and birth year of the person record and the status of the status rule set.
//!
//! A pass is issued only for a bound (device, profile): the name cannot come from the phone, and a new
//! profile, a second phone or a reinstalled app get the same person's status. The pass names no profile or
//! person; its fresh credential id is recorded in `issued_passes` against the person, for tracing.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use healthbook_core::credentials::{CredentialId, CredentialSigner, PersonalPass};
use healthbook_protocol::{ErrorCode, ErrorResponse, Role};

use crate::app::AppState;
use crate::auth::Principal;
use crate::declarations::HealthStatusView;
use crate::error::ApiError;
use crate::extract::IdempotentJson;
use crate::idempotency;
use crate::status::RuleSet;
use crate::storage::{Tx, Value};
use crate::util::to_ms;

/// How long a pass is valid. Short, so a status change reaches checkpoints within a day even offline; the
/// phone refreshes it at half-life.
pub const PASS_VALIDITY_HOURS: i64 = 24;
/// How long a declaration counts towards a pass.
pub const DECLARATION_VALID_DAYS: i64 = crate::status::declaration::DECLARATION_VALID_DAYS;
/// `iss` claim of our passes.
pub const ISSUER: &str = "VN-HB";
/// Id of the service key that signs passes (see `trust::SERVICE_KEYS`).
const PASS_KEY: &str = "passes";
/// Fresh credential ids drawn before giving up (a repeat of a live id is already a one-in-billions event).
const CREDENTIAL_ID_ATTEMPTS: usize = 4;

pub use healthbook_protocol::{PassRequest, PassResponse};

/// Signs and records a pass for the person bound to (`device_id`, `profile_ref`), with the status `rules` give
/// at `now` and an id derived from the phone's `nonce` (random without one); the whole of `POST /v1/passes`
/// inside the caller's transaction (and the benchmark's unit).
pub fn issue_for_binding(
    tx: &mut dyn Tx,
    rules: &RuleSet,
    device_id: &str,
    profile_ref: &str,
    nonce: Option<&str>,
    now: DateTime<Utc>,
) -> Result<PassResponse, ApiError> {
    let person = tx
        .query_opt(
            "SELECT p.id, p.full_name, p.birth_year FROM person_bindings b JOIN persons p ON p.id = b.person_id \
             WHERE b.device_id = $1 AND b.profile_ref = $2",
            &[device_id.into(), profile_ref.into()],
        )?
        .ok_or_else(|| ApiError::Conflict {
            code: ErrorCode::ProfileNotBound,
            message: "this profile is not bound to a person: bind it (SMS code or an officer's attestation) first".into(),
        })?;
    let (person_id, name, birth_year) = (person.text(0)?, person.text(1)?, person.int(2)?);
    let assessment = rules.evaluate(tx, &person_id, now)?;
    let pass = PersonalPass {
        name,
        birth_year: u16::try_from(birth_year).ok(),
        status: assessment.status,
        reasons: assessment.pass_reasons(),
        // The pass key is national: no province claim, which keeps the QR as small as before.
        province: None,
    };
    let validity = Duration::hours(PASS_VALIDITY_HOURS);
    let mut credential_id = None;
    for _ in 0..CREDENTIAL_ID_ATTEMPTS {
        let id = match nonce {
            Some(nonce) => CredentialId::for_request(profile_ref, nonce),
            None => CredentialId::random().map_err(|e| ApiError::Internal(e.to_string()))?,
        };
        let inserted = tx.execute(
            "INSERT INTO issued_passes (credential_id, person_id, device_id, profile_ref, status, issued_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (credential_id) DO NOTHING",
            &[
                id.text.clone().into(),
                person_id.clone().into(),
                device_id.into(),
                profile_ref.into(),
                assessment.status.as_str().into(),
                Value::Int(to_ms(now)),
                Value::Int(to_ms(now + validity)),
            ],
        )?;
        if inserted == 1 {
            credential_id = Some(id);
            break;
        }
        if nonce.is_some() {
            return Err(ApiError::Conflict { code: ErrorCode::PassNonceReused, message: "this nonce was already used for this profile: send a fresh one".into() });
        }
    }
    let credential_id = credential_id.ok_or_else(|| ApiError::Internal("no fresh credential id".into()))?;
    let pkcs8 = crate::trust::service_key_pkcs8(tx, PASS_KEY, now)?;
    let signer = CredentialSigner::from_pkcs8(&pkcs8, ISSUER).map_err(|e| ApiError::Internal(e.to_string()))?;
    let qr = signer.issue_pass_with_cti(&pass, &credential_id.bytes, now, validity).map_err(|e| ApiError::Internal(e.to_string()))?;
    let health_status = HealthStatusView {
        status: pass.status,
        reasons: pass.reasons.clone(),
    };
    Ok(PassResponse { qr, credential_id: credential_id.text, health_status, issued_at: now, expires_at: now + validity })
}

/// Signs a fresh pass for one of the calling phone's profiles (device), for the person it is bound to.
#[utoipa::path(
    post, path = "/v1/passes", tag = "passes", security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, description = "Unique per logical request; reuse it on retries")),
    request_body = PassRequest,
    responses(
        (status = 201, body = PassResponse),
        (status = 403, body = ErrorResponse),
        (status = 409, description = "`profile_not_bound`: the profile is not bound to a person; `pass_nonce_reused`", body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub async fn issue_pass(State(state): State<AppState>, principal: Principal, request: IdempotentJson<PassRequest>) -> Result<Response, ApiError> {
    principal.require(&[Role::Device])?;
    let profile_ref = request.body.profile_ref.clone();
    if profile_ref.is_empty() || profile_ref.len() > 64 {
        return Err(ApiError::InvalidRequest("profile_ref must be 1 to 64 characters".into()));
    }
    let nonce = request.body.nonce.clone();
    if nonce.as_deref().is_some_and(|n| n.is_empty() || n.len() > 64 || !n.bytes().all(|b| b.is_ascii_graphic())) {
        return Err(ApiError::InvalidRequest("nonce must be 1 to 64 printable ASCII characters".into()));
    }
    let now = state.now();
    let device_id = principal.account_id.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let response = issue_for_binding(tx, &RuleSet::standard(), &device_id, &profile_ref, nonce.as_deref(), now)?;
        Ok((StatusCode::CREATED, response))
    })
    .await
}
