//! Personal health passes: short-lived signed credentials (`HB1:`) for a profile on a phone, with the status
//! the server computes from what it knows and the reasons behind it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use healthbook_core::client::Role;
use healthbook_core::credentials::{CredentialSigner, PassStatus, PersonalPass, StatusReason};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Principal;
use crate::declarations::HealthStatusView;
use crate::error::{ApiError, ErrorResponse};
use crate::extract::IdempotentJson;
use crate::idempotency;
use crate::storage::{Tx, Value};
use crate::util::to_ms;

/// How long a pass is valid. Short, so a status change reaches checkpoints within a day even offline; the
/// phone refreshes it at half-life.
pub const PASS_VALIDITY_HOURS: i64 = 24;
/// How long a declaration counts towards a pass.
pub const DECLARATION_VALID_DAYS: i64 = 7;
/// `iss` claim of our passes.
pub const ISSUER: &str = "VN-HB";
/// Id of the service key that signs passes (see `trust::SERVICE_KEYS`).
const PASS_KEY: &str = "passes";

/// A phone asks for a pass for one of its profiles.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PassRequest {
    /// The phone's id of the profile (the same `profile_ref` its declarations carry).
    pub profile_ref: String,
    /// Full name to print in the pass.
    pub full_name: String,
    /// Birth year to print in the pass.
    pub birth_year: Option<u16>,
}

/// A signed pass.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PassResponse {
    /// The QR text (`HB1:...`).
    pub qr: String,
    /// The pass's id (its `cti`, the revocation handle).
    pub credential_id: String,
    /// Status and reasons.
    pub health_status: HealthStatusView,
    /// Issue time.
    pub issued_at: DateTime<Utc>,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
}

/// The status from the profile's latest health declaration of the last week; without one, yellow: the
/// checkpoint should ask for a declaration rather than wave the person through.
fn current_status(tx: &mut dyn Tx, device_id: &str, profile_ref: &str, now: DateTime<Utc>) -> Result<HealthStatusView, ApiError> {
    let since = now - Duration::days(DECLARATION_VALID_DAYS);
    let rows = tx.query(
        "SELECT health_status, body FROM declarations WHERE device_id = $1 AND health_status IS NOT NULL AND declared_at >= $2 \
         ORDER BY declared_at DESC",
        &[device_id.into(), Value::Int(to_ms(since))],
    )?;
    for row in rows {
        let body: serde_json::Value = serde_json::from_str(&row.text(1)?).map_err(|e| ApiError::Internal(e.to_string()))?;
        if body["subject"]["profile_ref"] == profile_ref {
            let status_text = row.opt_text(0)?.unwrap_or_default();
            return serde_json::from_str(&status_text).map_err(|e| ApiError::Internal(e.to_string()));
        }
    }
    Ok(HealthStatusView { status: "yellow".into(), reasons: vec!["declaration".into()] })
}

fn pass_status(view: &HealthStatusView) -> (PassStatus, Vec<StatusReason>) {
    let status = match view.status.as_str() {
        "green" => PassStatus::Green,
        "red" => PassStatus::Red,
        _ => PassStatus::Yellow,
    };
    let reasons = view
        .reasons
        .iter()
        .filter_map(|r| match r.as_str() {
            "vaccination" => Some(StatusReason::Vaccination),
            "recent_test" => Some(StatusReason::RecentTest),
            "quarantine" => Some(StatusReason::Quarantine),
            "declaration" => Some(StatusReason::Declaration),
            _ => None,
        })
        .collect();
    (status, reasons)
}

/// Signs a fresh pass for one of the calling phone's profiles (device).
#[utoipa::path(
    post, path = "/v1/passes", tag = "passes", security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, description = "Unique per logical request; reuse it on retries")),
    request_body = PassRequest,
    responses((status = 201, body = PassResponse), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse))
)]
pub async fn issue_pass(State(state): State<AppState>, principal: Principal, request: IdempotentJson<PassRequest>) -> Result<Response, ApiError> {
    principal.require(&[Role::Device])?;
    let body = request.body.clone();
    let name: String = body.full_name.nfc().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 120 || name.chars().any(char::is_control) {
        return Err(ApiError::InvalidRequest("full_name must be 1 to 120 printable characters".into()));
    }
    if body.profile_ref.is_empty() || body.profile_ref.len() > 64 {
        return Err(ApiError::InvalidRequest("profile_ref must be 1 to 64 characters".into()));
    }
    if body.birth_year.is_some_and(|y| !(1900..=2100).contains(&y)) {
        return Err(ApiError::InvalidRequest("birth_year out of range".into()));
    }
    let now = state.now();
    let device_id = principal.account_id.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let health_status = current_status(tx, &device_id, &body.profile_ref, now)?;
        let (status, reasons) = pass_status(&health_status);
        let pkcs8 = crate::trust::service_key_pkcs8(tx, PASS_KEY, now)?;
        let signer = CredentialSigner::from_pkcs8(&pkcs8, ISSUER).map_err(|e| ApiError::Internal(e.to_string()))?;
        let credential_id = uuid::Uuid::new_v4().simple().to_string();
        let pass = PersonalPass { profile_id: body.profile_ref.clone(), name, birth_year: body.birth_year, status, reasons };
        let validity = Duration::hours(PASS_VALIDITY_HOURS);
        let qr = signer.issue_pass(&pass, &credential_id, now, validity).map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok((StatusCode::CREATED, PassResponse { qr, credential_id, health_status, issued_at: now, expires_at: now + validity }))
    })
    .await
}
