//! Agency signing keys: the admin submits the public half with a proof of possession, the authority certifies
//! it into the trust list under the agency's scope. The private key never reaches the server.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, Utc};
use healthbook_core::trust::{IssuerKey, IssuerRole, RevocationKind, VerifyingKey};
use healthbook_protocol::agencies::{AGENCY_KEY_VALIDITY_DAYS, SubmitAgencyKeyRequest};
use healthbook_protocol::{AgencyKeyList, AgencyKeyStatus, AgencyKeyView, ErrorCode, ErrorResponse, Role, agency_key_proof_message};

use super::rules;
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, IdempotentJson};
use crate::idempotency;
use crate::storage::{Row, Tx, Value};
use crate::trust::{checked_scope, insert_issuer_key};
use crate::util::{from_ms, to_ms};

/// Columns of [`key_from_row`]: the status is worked out from certification and the revocation list.
const KEY_COLUMNS: &str = "k.kid, k.agency_id, k.public_key, k.submitted_at, k.certified_at, k.not_after, \
     (SELECT COUNT(*) FROM revocations r WHERE r.kind = $1 AND r.target = k.kid)";

fn key_from_row(row: &Row) -> Result<AgencyKeyView, ApiError> {
    let certified_at = row.opt_int(4)?.map(from_ms).transpose()?;
    let status = if row.int(6)? > 0 {
        AgencyKeyStatus::Revoked
    } else if certified_at.is_some() {
        AgencyKeyStatus::Certified
    } else {
        AgencyKeyStatus::Pending
    };
    Ok(AgencyKeyView {
        kid: row.text(0)?,
        agency_id: row.text(1)?,
        public_key: row.text(2)?,
        status,
        submitted_at: from_ms(row.int(3)?)?,
        certified_at,
        not_after: row.opt_int(5)?.map(from_ms).transpose()?,
    })
}

/// An agency's key by id, if it is that agency's.
pub(super) fn agency_key(tx: &mut dyn Tx, agency_id: &str, kid: &str) -> Result<Option<AgencyKeyView>, ApiError> {
    tx.query_opt(
        &format!("SELECT {KEY_COLUMNS} FROM agency_keys k WHERE k.kid = $2 AND k.agency_id = $3"),
        &[RevocationKind::IssuerKey.as_str().into(), kid.into(), agency_id.into()],
    )?
    .as_ref()
    .map(key_from_row)
    .transpose()
}

/// Submits the public half of an agency key, with the proof that the admin holds the private half (that agency's
/// admin).
#[utoipa::path(
    post, path = "/v1/agencies/{agency_id}/keys", tag = "agencies",
    security(("bearer" = [])),
    request_body = SubmitAgencyKeyRequest,
    params(
        ("agency_id" = String, Path, description = "Agency id"),
        ("Idempotency-Key" = String, Header, description = "Unique per logical request; reuse it on retries"),
    ),
    responses(
        (status = 201, description = "Pending certification", body = AgencyKeyView),
        (status = 403, body = ErrorResponse),
        (status = 409, description = "This key id is already known (`issuer_key_exists`)", body = ErrorResponse),
        (status = 422, description = "Not a P-256 key, or the proof does not verify with it", body = ErrorResponse),
    )
)]
pub async fn submit_key(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(agency_id): ApiPath<String>,
    request: IdempotentJson<SubmitAgencyKeyRequest>,
) -> Result<Response, ApiError> {
    principal.require(&[Role::AgencyAdmin])?;
    if principal.agency_id.as_deref() != Some(agency_id.as_str()) {
        return Err(ApiError::Forbidden("only this agency's admin may submit its keys".into()));
    }
    let key = verified_key(&agency_id, &request.body)?;
    let now = state.now();
    let submitted_by = principal.account_id.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let known = tx.query_opt("SELECT kid FROM agency_keys WHERE kid = $1", &[key.kid().into()])?.is_some()
            || tx.query_opt("SELECT kid FROM issuer_keys WHERE kid = $1", &[key.kid().into()])?.is_some();
        if known {
            return Err(ApiError::Conflict { code: ErrorCode::IssuerKeyExists, message: "this key is already known".into() });
        }
        tx.execute(
            "INSERT INTO agency_keys (kid, agency_id, public_key, submitted_by, submitted_at) VALUES ($1, $2, $3, $4, $5)",
            &[key.kid().into(), agency_id.clone().into(), key.spki_base64().into(), submitted_by.into(), Value::Int(to_ms(now))],
        )?;
        tracing::info!(kid = key.kid(), agency_id = %agency_id, "agency key submitted");
        let view = agency_key(tx, &agency_id, key.kid())?.ok_or_else(|| ApiError::Internal("agency key vanished".into()))?;
        Ok((StatusCode::CREATED, view))
    })
    .await
}

/// The submitted key, once its proof of possession verifies: an ES256 signature by that key over
/// [`agency_key_proof_message`] for this agency and the key exactly as submitted.
fn verified_key(agency_id: &str, body: &SubmitAgencyKeyRequest) -> Result<VerifyingKey, ApiError> {
    let key = VerifyingKey::from_spki_base64(&body.public_key).map_err(|_| ApiError::InvalidField {
        field: "public_key",
        field_code: "invalid_public_key",
        message: "public_key must be a base64 SPKI DER P-256 public key".into(),
    })?;
    let bad_proof = || ApiError::InvalidField {
        field: "proof",
        field_code: "proof_invalid",
        message: "proof must be an ES256 signature (r||s, base64) of the proof message by the submitted key".into(),
    };
    let signature = STANDARD.decode(body.proof.trim()).map_err(|_| bad_proof())?;
    key.verify(agency_key_proof_message(agency_id, &body.public_key).as_bytes(), &signature).map_err(|_| bad_proof())?;
    Ok(key)
}

/// Lists an agency's keys, newest first (authority admin, or that agency's admin).
#[utoipa::path(
    get, path = "/v1/agencies/{agency_id}/keys", tag = "agencies",
    security(("bearer" = [])),
    params(("agency_id" = String, Path, description = "Agency id")),
    responses((status = 200, body = AgencyKeyList), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse))
)]
pub async fn list_keys(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(agency_id): ApiPath<String>,
) -> Result<Json<AgencyKeyList>, ApiError> {
    if !principal.can_manage_agency(&agency_id) {
        return Err(ApiError::Forbidden("only the authority or this agency's admin may list its keys".into()));
    }
    let keys = state
        .db
        .read(move |tx| {
            if !super::agency_exists(tx, &agency_id)? {
                return Err(ApiError::NotFound("agency"));
            }
            tx.query(
                &format!("SELECT {KEY_COLUMNS} FROM agency_keys k WHERE k.agency_id = $2 ORDER BY k.submitted_at DESC, k.kid"),
                &[RevocationKind::IssuerKey.as_str().into(), agency_id.into()],
            )?
            .iter()
            .map(key_from_row)
            .collect::<Result<Vec<_>, ApiError>>()
        })
        .await?;
    Ok(Json(AgencyKeyList { keys }))
}

/// Certifies an agency's pending key (authority admin): it enters the trust list with role `agency` and scope
/// `agency:{agency_id}` for [`AGENCY_KEY_VALIDITY_DAYS`], and the list is signed again. Certifying a certified
/// key again answers with it unchanged, so a retry is harmless.
#[utoipa::path(
    post, path = "/v1/agencies/{agency_id}/keys/{kid}/certify", tag = "agencies",
    security(("bearer" = [])),
    params(
        ("agency_id" = String, Path, description = "Agency id"),
        ("kid" = String, Path, description = "Key id (standard or URL-safe base64, percent-encoded)"),
    ),
    responses(
        (status = 200, description = "Certified", body = AgencyKeyView),
        (status = 403, body = ErrorResponse),
        (status = 404, description = "No such key for this agency", body = ErrorResponse),
        (status = 409, description = "The key is revoked, or listed already outside this certification", body = ErrorResponse),
    )
)]
pub async fn certify_key(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((agency_id, kid)): ApiPath<(String, String)>,
) -> Result<Json<AgencyKeyView>, ApiError> {
    principal.require(&[Role::AuthorityAdmin])?;
    let kid = rules::key_id(&kid).ok_or(ApiError::NotFound("agency key"))?;
    let now = state.now();
    let view = state.db.write(move |tx| certify(tx, &agency_id, &kid, now)).await?;
    Ok(Json(view))
}

/// Lists the key in the trust list (signing it again) and records the certification, in the caller's transaction.
fn certify(tx: &mut dyn Tx, agency_id: &str, kid: &str, now: DateTime<Utc>) -> Result<AgencyKeyView, ApiError> {
    let key = agency_key(tx, agency_id, kid)?.ok_or(ApiError::NotFound("agency key"))?;
    match key.status {
        AgencyKeyStatus::Certified => return Ok(key),
        AgencyKeyStatus::Revoked => {
            return Err(ApiError::Conflict { code: ErrorCode::AlreadyRevoked, message: "this key is revoked".into() });
        }
        AgencyKeyStatus::Pending => {}
    }
    let name = tx
        .query_opt("SELECT name FROM agencies WHERE id = $1", &[agency_id.into()])?
        .ok_or(ApiError::NotFound("agency"))?
        .text(0)?;
    let not_after = now + Duration::days(AGENCY_KEY_VALIDITY_DAYS);
    let entry = IssuerKey {
        kid: key.kid.clone(),
        role: IssuerRole::Agency,
        scope: checked_scope(IssuerRole::Agency, &format!("agency:{agency_id}"))?,
        name,
        public_key: key.public_key.clone(),
        not_before: now,
        not_after,
    };
    insert_issuer_key(tx, entry, now)?;
    tx.execute(
        "UPDATE agency_keys SET certified_at = $1, not_after = $2 WHERE kid = $3",
        &[Value::Int(to_ms(now)), Value::Int(to_ms(not_after)), kid.into()],
    )?;
    tracing::info!(kid, agency_id, "agency key certified");
    agency_key(tx, agency_id, kid)?.ok_or_else(|| ApiError::Internal("agency key vanished".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use healthbook_core::trust::SigningKey;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn submission(agency: &str, key: &SigningKey, prover: &SigningKey) -> SubmitAgencyKeyRequest {
        let public_key = key.verifying_key().spki_base64();
        let proof = prover.sign(agency_key_proof_message(agency, &public_key).as_bytes()).unwrap();
        SubmitAgencyKeyRequest { public_key, proof: STANDARD.encode(proof) }
    }

    #[test]
    fn the_proof_must_be_by_the_submitted_key_for_this_agency() {
        let (key, _) = SigningKey::generate().unwrap();
        let (other, _) = SigningKey::generate().unwrap();
        assert_eq!(verified_key("a1", &submission("a1", &key, &key)).unwrap().kid(), key.kid());
        let field = |result: Result<VerifyingKey, ApiError>| match result {
            Err(ApiError::InvalidField { field, .. }) => field,
            other => panic!("expected a field error, got {other:?}"),
        };
        assert_eq!(field(verified_key("a1", &submission("a1", &key, &other))), "proof", "signed by another key");
        assert_eq!(field(verified_key("a2", &submission("a1", &key, &key))), "proof", "made for another agency");
    }

    /// Random and mutated submissions (key and proof text): each is refused, none panics.
    #[test]
    fn random_and_mutated_submissions_never_panic() {
        let (key, _) = SigningKey::generate().unwrap();
        let genuine = submission("a1", &key, &key);
        let mut rng = StdRng::seed_from_u64(9);
        let alphabet: Vec<char> = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n\u{0}ă".chars().collect();
        let mutate = |rng: &mut StdRng, seed: &str| -> String {
            let mut chars: Vec<char> = seed.chars().collect();
            for _ in 0..rng.gen_range(1..4) {
                let at = rng.gen_range(0..chars.len());
                chars[at] = alphabet[rng.gen_range(0..alphabet.len())];
            }
            chars.into_iter().collect()
        };
        for i in 0..2_000 {
            let body = match i % 3 {
                0 => SubmitAgencyKeyRequest { public_key: mutate(&mut rng, &genuine.public_key), proof: genuine.proof.clone() },
                1 => SubmitAgencyKeyRequest { public_key: genuine.public_key.clone(), proof: mutate(&mut rng, &genuine.proof) },
                _ => {
                    let len = rng.gen_range(0..120);
                    let text: String = (0..len).map(|_| alphabet[rng.gen_range(0..alphabet.len())]).collect();
                    SubmitAgencyKeyRequest { public_key: text.clone(), proof: text }
                }
            };
            if body != genuine {
                assert!(verified_key("a1", &body).is_err(), "a changed submission is refused: {body:?}");
            }
        }
    }
}
