//! Judging a check-in record on arrival, in this order, each problem its own reason ([`rules::judge`]):
//! the signature (the order's current key; a retired or another order's key is `wrong_device_key`, anything
//! else `bad_signature`; such records are evidence only, outside the chain, and the challenge stays open); the
//! same record again is answered with its stored verdict, while another record with a sequence taken or a nonce
//! answered is `replayed`; the chain (`sequence_gap`, `chain_broken`); the nonce (`unknown_nonce`,
//! `stale_nonce`, `late`); then the evidence of place (fence, mock, home token, radio, the fix's age). Every
//! record received is stored with its verdict; every verdict but ok opens a case.

use axum::Json;
use axum::extract::State;
use chrono::Duration;
use healthbook_protocol::quarantine::{
    CheckInList, CheckInRecord, CheckInVerdict, GENESIS_HASH, RECORD_RETENTION_DAYS, QuarantineVerdict, record_hash_input, record_message,
};
use healthbook_protocol::{ErrorResponse, Role};

use super::challenges::{open_case, schedule_key, sweep_order};
use super::{db, device_order, officer_order, rules};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, JsonBody};
use crate::util::{new_id, sha256_hex};

/// Receives a signed check-in record and answers with the server's verdict (the phone the person is bound
/// on). Rejected records get 200 too, with the reasons, so the phone learns why; the same record again gets the
/// same verdict and changes nothing.
#[utoipa::path(
    post, path = "/v1/quarantine/orders/{order_id}/check-ins", tag = "quarantine", security(("bearer" = [])),
    params(("order_id" = String, Path)),
    request_body = CheckInRecord,
    responses(
        (status = 200, body = CheckInVerdict), (status = 403, body = ErrorResponse),
        (status = 404, description = "Not an order of a person bound on this phone", body = ErrorResponse),
        (status = 422, description = "A malformed record (named field); nothing stored", body = ErrorResponse),
    )
)]
pub async fn post_check_in(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(order_id): ApiPath<String>,
    JsonBody(record): JsonBody<CheckInRecord>,
) -> Result<Json<CheckInVerdict>, ApiError> {
    principal.require(&[Role::Device])?;
    rules::check_record(&record, &order_id)?;
    let now = state.now();
    let verdict = state
        .db
        .write(move |tx| {
            let (order, _) = device_order(tx, &principal, &order_id, true)?;
            let key = schedule_key(tx)?;
            sweep_order(tx, &order, now, &key)?;
            let body = db::json(&record)?;
            if let Some(stored) = db::same_record(tx, &order.id, record.sequence, &body)? {
                return Ok::<_, ApiError>(stored);
            }
            let others = db::other_keys(tx, &order.id, now - Duration::days(RECORD_RETENTION_DAYS))?;
            let signature = rules::check_signature(&record_message(&record), &record.signature, order.device_public_key.as_deref(), &others);
            let challenge = db::challenge(tx, &order.id, &record.challenge_id)?;
            let replayed = signature == rules::SignatureCheck::Good
                && (db::chain_has(tx, &order.id, record.sequence)? || challenge.as_ref().is_some_and(|c| c.answered_by.is_some()));
            let head = db::chain_head(tx, &order.id)?;
            let (last, last_hash) = head.unwrap_or((0, GENESIS_HASH.to_owned()));
            let baseline = order.baseline.clone().unwrap_or_default();
            let facts = rules::Facts {
                signature,
                replayed,
                last: (last, &last_hash),
                challenge: challenge.as_ref().filter(|c| c.nonce == record.nonce).map(|c| rules::ChallengeFacts {
                    nonce: c.nonce.clone(),
                    closes_at: c.closes_at,
                    grace_ends_at: c.grace_ends_at,
                    home_token_required: c.home_token_required,
                }),
                fence: &order.geofence,
                baseline: &baseline,
                home_token_sha256: order.home_token_sha256.as_deref(),
                now,
            };
            let judgement = rules::judge(&record, &facts);
            let check_in_id = new_id();
            let case_id = (judgement.verdict != QuarantineVerdict::Ok).then(new_id);
            let verdict = CheckInVerdict {
                challenge_id: record.challenge_id.clone(),
                sequence: Some(record.sequence),
                verdict: judgement.verdict,
                reasons: judgement.reasons.clone(),
                radio_similarity: judgement.radio_similarity,
                fence: judgement.fence,
                case_id: case_id.clone(),
                decided_at: now,
            };
            let hash = sha256_hex(&record_hash_input(&record));
            db::insert_check_in(
                tx,
                &db::NewCheckIn { id: &check_in_id, order_id: &order.id, verdict: &verdict, body: Some(&body), record_hash: Some(&hash), in_chain: judgement.in_chain },
            )?;
            if let (true, Some(c)) = (judgement.answers, facts.challenge.as_ref().and(challenge.as_ref())) {
                db::answer_challenge(tx, &c.id, &check_in_id)?;
            }
            if let Some(case_id) = &case_id {
                open_case(tx, &order.id, &check_in_id, case_id, now)?;
            }
            tracing::info!(verdict = ?verdict.verdict, reasons = ?verdict.reasons, "quarantine check-in judged");
            Ok(verdict)
        })
        .await?;
    Ok(Json(verdict))
}

/// An order's verdicts, oldest first, missed challenges included (health officer of the order's area).
#[utoipa::path(
    get, path = "/v1/quarantine/orders/{order_id}/check-ins", tag = "quarantine", security(("bearer" = [])),
    params(("order_id" = String, Path)),
    responses((status = 200, body = CheckInList), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse))
)]
pub async fn list_check_ins(State(state): State<AppState>, principal: Principal, ApiPath(order_id): ApiPath<String>) -> Result<Json<CheckInList>, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    let now = state.now();
    let list = state
        .db
        .write(move |tx| {
            let order = officer_order(tx, &principal, &order_id)?;
            let order = db::lock_order(tx, &order.id)?.ok_or(ApiError::NotFound("order"))?;
            let key = schedule_key(tx)?;
            sweep_order(tx, &order, now, &key)?;
            Ok::<_, ApiError>(CheckInList { check_ins: db::check_ins_of(tx, &order.id)? })
        })
        .await?;
    Ok(Json(list))
}
