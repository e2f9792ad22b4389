//! Home quarantine (issue 10): wards where officers allow it, orders, the commitment the person signs with an
//! order key, the home token and enrolment, challenges, check-in records judged on arrival, missed challenges,
//! cases the person answers before an officer decides. The contract is `healthbook_protocol::quarantine`.
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | access helpers; wards, orders, commitment texts, home tokens, signing, enrolment |
//! | [`challenges`] | making a day's challenges, the open challenge, the sweep of missed ones, the purge |
//! | [`verify`] | `POST .../check-ins`: judging and storing a record; the officer's list of verdicts |
//! | [`cases`] | cases, explanations, decisions |
//! | [`rules`] | the pure rules: order checks, challenge placement, the judgement of a record |
//! | [`commitment`] | the commitment texts |
//! | [`db`] | storage, inside the caller's transaction |
//!
//! Health officers are area-scoped: an order, ward or case outside their area is 404, as for an unknown id.
//! Phones reach only the orders of persons bound on them (404 otherwise). Due process: a verdict other than ok
//! opens a case; nothing goes to the person's audit trail until an officer decides, and the officer may decide
//! only once the person explained or the explanation window closed.

pub mod cases;
pub mod challenges;
pub mod commitment;
pub mod db;
pub mod rules;
pub mod verify;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use chrono::{DateTime, Utc};
use healthbook_protocol::quarantine::{
    CommitmentText, CreateOrderRequest, EnrolRequest, HomeTokenView, OrderList, OrderState, OrderView, SignCommitmentRequest,
    WardEligibility, WardEligibilityList, WardEligibilityRequest, HOME_TOKEN_PREFIX, commitment_message, enrolment_message,
};
use healthbook_protocol::{ErrorCode, ErrorResponse, Role};
use serde::Deserialize;

use crate::access::{AreaScope, Reach, reach_of};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, IdempotentJson, JsonBody};
use crate::idempotency;
use crate::persons;
use crate::storage::Tx;
use crate::util::{new_id, random_bytes, sha256_hex};

use db::OrderRow;

/// Longest note of a ward decision.
const MAX_WARD_NOTE: usize = 500;

// ---- access helpers ------------------------------------------------------------------------------------------

/// The area of a health officer, or 403 for anyone else.
pub(crate) fn officer_area(tx: &mut dyn Tx, principal: &Principal) -> Result<AreaScope, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    match reach_of(tx, principal)? {
        Reach::Area(area) => Ok(area),
        Reach::National => Err(ApiError::Forbidden("home quarantine is run by health officers of an area".into())),
    }
}

fn covers(area: &AreaScope, order: &OrderRow) -> bool {
    area.province == order.province_code && area.covers_ward(&order.ward_code)
}

/// An order inside the officer's area; 404 when unknown or outside it.
pub(crate) fn officer_order(tx: &mut dyn Tx, principal: &Principal, order_id: &str) -> Result<OrderRow, ApiError> {
    let area = officer_area(tx, principal)?;
    db::order(tx, order_id)?.filter(|o| covers(&area, o)).ok_or(ApiError::NotFound("order"))
}

/// An order of a person bound on the calling phone, with that profile; 404 otherwise.
pub(crate) fn device_order(tx: &mut dyn Tx, principal: &Principal, order_id: &str, lock: bool) -> Result<(OrderRow, String), ApiError> {
    principal.require(&[Role::Device])?;
    let order = if lock { db::lock_order(tx, order_id)? } else { db::order(tx, order_id)? };
    let order = order.ok_or(ApiError::NotFound("order"))?;
    let binding = persons::db::bindings_of_device(tx, &principal.account_id)?
        .into_iter()
        .find(|b| b.person_id == order.person_id)
        .ok_or(ApiError::NotFound("order"))?;
    Ok((order, binding.profile_ref))
}

fn check_ward_code(ward: &str) -> Result<(), ApiError> {
    if healthbook_core::admin_units::is_ward_code(ward) {
        return Ok(());
    }
    Err(ApiError::InvalidField { field: "ward_code", field_code: "not_a_ward", message: "ward_code must be a five-digit ward code".into() })
}

fn unprocessable(code: ErrorCode, message: &str) -> ApiError {
    ApiError::Unprocessable { code, message: message.into() }
}

fn invalid(field: &'static str, field_code: &'static str, message: &str) -> ApiError {
    ApiError::InvalidField { field, field_code, message: message.into() }
}

// ---- wards ---------------------------------------------------------------------------------------------------

/// Allows or stops home quarantine in a ward of the caller's area (health officer); allowing needs at least one
/// criterion. Stopping a ward does not end the orders running there.
#[utoipa::path(
    put, path = "/v1/quarantine/wards/{ward_code}", tag = "quarantine", security(("bearer" = [])),
    params(("ward_code" = String, Path)),
    request_body = WardEligibilityRequest,
    responses(
        (status = 200, body = WardEligibility), (status = 403, body = ErrorResponse),
        (status = 404, description = "The ward is outside the caller's area", body = ErrorResponse), (status = 422, body = ErrorResponse),
    )
)]
pub async fn put_ward(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(ward_code): ApiPath<String>,
    JsonBody(body): JsonBody<WardEligibilityRequest>,
) -> Result<Json<WardEligibility>, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    check_ward_code(&ward_code)?;
    if body.allowed && body.criteria.is_empty() {
        return Err(invalid("criteria", "required", "allowing home quarantine needs at least one criterion met"));
    }
    if body.note.chars().count() > MAX_WARD_NOTE || body.note.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid("note", "too_long", "note must be at most 500 printable characters"));
    }
    let mut criteria = body.criteria.clone();
    criteria.dedup();
    let now = state.now();
    let ward = state
        .db
        .write(move |tx| {
            let area = officer_area(tx, &principal)?;
            if !area.covers_ward(&ward_code) {
                return Err(ApiError::NotFound("ward"));
            }
            let ward = WardEligibility { ward_code, allowed: body.allowed, criteria, note: body.note.trim().to_owned(), decided_by: principal.account_id.clone(), decided_at: now };
            db::put_ward(tx, &area.province, &ward)?;
            Ok::<_, ApiError>(ward)
        })
        .await?;
    Ok(Json(ward))
}

/// The wards with a decision in the caller's area (health officer).
#[utoipa::path(
    get, path = "/v1/quarantine/wards", tag = "quarantine", security(("bearer" = [])),
    responses((status = 200, body = WardEligibilityList), (status = 403, body = ErrorResponse))
)]
pub async fn list_wards(State(state): State<AppState>, principal: Principal) -> Result<Json<WardEligibilityList>, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    let list = state
        .db
        .read(move |tx| {
            let area = officer_area(tx, &principal)?;
            let wards = db::wards_in(tx, &area.province)?.into_iter().filter(|w| area.covers_ward(&w.ward_code)).collect();
            Ok::<_, ApiError>(WardEligibilityList { wards })
        })
        .await?;
    Ok(Json(list))
}

// ---- commitment texts ----------------------------------------------------------------------------------------

/// A commitment text (any signed-in account).
#[utoipa::path(
    get, path = "/v1/quarantine/commitments/{version}", tag = "quarantine", security(("bearer" = [])),
    params(("version" = u32, Path)),
    responses((status = 200, body = CommitmentText), (status = 401, body = ErrorResponse), (status = 404, body = ErrorResponse))
)]
pub async fn get_commitment(_principal: Principal, ApiPath(version): ApiPath<u32>) -> Result<Json<CommitmentText>, ApiError> {
    commitment::text(version).map(Json).ok_or(ApiError::NotFound("commitment version"))
}

// ---- orders --------------------------------------------------------------------------------------------------

/// Orders home quarantine for a bound person in a ward of the caller's area that allows it (health officer).
#[utoipa::path(
    post, path = "/v1/quarantine/orders", tag = "quarantine", security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, description = "Unique per logical request")),
    request_body = CreateOrderRequest,
    responses(
        (status = 201, body = OrderView), (status = 403, body = ErrorResponse),
        (status = 404, description = "The ward is outside the caller's area", body = ErrorResponse),
        (status = 422, description = "A field is invalid (named), or `home_quarantine_not_allowed` in the ward", body = ErrorResponse),
    )
)]
pub async fn create_order(State(state): State<AppState>, principal: Principal, request: IdempotentJson<CreateOrderRequest>) -> Result<Response, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    use unicode_normalization::UnicodeNormalization;
    let body = request.body.clone();
    let home_address: String = body.home_address.nfc().collect::<String>().trim().to_owned();
    if home_address.is_empty() || home_address.chars().count() > 200 || home_address.chars().any(char::is_control) {
        return Err(invalid("home_address", "invalid", "home_address must be 1 to 200 printable characters"));
    }
    check_ward_code(&body.ward_code)?;
    let now = state.now();
    let (_, ends_at) = rules::check_order(&body, now)?;
    if commitment::text(body.commitment_version).is_none() {
        return Err(invalid("commitment_version", "unknown", "commitment_version is not a published commitment"));
    }
    let actor = principal.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let area = officer_area(tx, &actor)?;
        if !area.covers_ward(&body.ward_code) {
            return Err(ApiError::NotFound("ward"));
        }
        if !db::ward_allows(tx, &area.province, &body.ward_code)? {
            return Err(unprocessable(ErrorCode::HomeQuarantineNotAllowed, "home quarantine is not allowed in this ward"));
        }
        if persons::db::person(tx, &body.person_id)?.is_none() {
            return Err(invalid("person_id", "unknown", "person_id is not a known person"));
        }
        if persons::db::bindings_of_person(tx, &body.person_id)?.is_empty() {
            return Err(invalid("person_id", "not_bound", "the person has no phone bound to check in with"));
        }
        let order = OrderRow {
            id: new_id(),
            person_id: body.person_id.clone(),
            province_code: area.province.clone(),
            ward_code: body.ward_code.clone(),
            home_address,
            geofence: body.geofence,
            schedule: body.schedule.clone(),
            extension_rules: body.extension_rules.clone(),
            start_date: body.start_date,
            days: body.days,
            extension_days: 0,
            extensions: 0,
            time_zone: body.time_zone.clone(),
            ends_at,
            grace_minutes: body.grace_minutes,
            commitment_version: body.commitment_version,
            commitment_signed_at: None,
            device_key_id: None,
            device_public_key: None,
            home_token_sha256: None,
            baseline: None,
            enrolled_at: None,
            state: OrderState::AwaitingCommitment,
            challenges_through: None,
            created_by: actor.account_id.clone(),
            created_at: now,
        };
        db::insert_order(tx, &order)?;
        tracing::info!("quarantine order created");
        Ok((StatusCode::CREATED, order.view(now, "")))
    })
    .await
}

/// The `state` filter of the officer's lists.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StateQuery {
    /// Only orders (or cases) in this state.
    pub state: Option<String>,
}

/// The orders of the caller's area, newest first, optionally of one state (health officer).
#[utoipa::path(
    get, path = "/v1/quarantine/orders", tag = "quarantine", security(("bearer" = [])),
    params(StateQuery),
    responses((status = 200, body = OrderList), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse))
)]
pub async fn list_orders(State(state): State<AppState>, principal: Principal, Query(query): Query<StateQuery>) -> Result<Json<OrderList>, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    let wanted: Option<OrderState> = query
        .state
        .as_deref()
        .map(|s| db::named(s).map_err(|_| invalid("state", "unknown", "state is not an order state")))
        .transpose()?;
    let now = state.now();
    let list = state
        .db
        .read(move |tx| {
            let area = officer_area(tx, &principal)?;
            let orders = db::orders_in(tx, &area.province)?
                .into_iter()
                .filter(|o| covers(&area, o))
                .map(|o| o.view(now, ""))
                .filter(|o| wanted.is_none_or(|w| o.state == w))
                .collect();
            Ok::<_, ApiError>(OrderList { orders })
        })
        .await?;
    Ok(Json(list))
}

/// One order (a health officer of its area; the phone the person is bound on).
#[utoipa::path(
    get, path = "/v1/quarantine/orders/{order_id}", tag = "quarantine", security(("bearer" = [])),
    params(("order_id" = String, Path)),
    responses((status = 200, body = OrderView), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse))
)]
pub async fn get_order(State(state): State<AppState>, principal: Principal, ApiPath(order_id): ApiPath<String>) -> Result<Json<OrderView>, ApiError> {
    principal.require(&[Role::HealthOfficer, Role::Device])?;
    let now = state.now();
    let view = state
        .db
        .read(move |tx| {
            if principal.role == Role::Device {
                let (order, profile_ref) = device_order(tx, &principal, &order_id, false)?;
                return Ok::<_, ApiError>(order.view(now, &profile_ref));
            }
            Ok(officer_order(tx, &principal, &order_id)?.view(now, ""))
        })
        .await?;
    Ok(Json(view))
}

/// The orders of the profiles bound on the calling phone, newest first (device).
#[utoipa::path(
    get, path = "/v1/quarantine/mine", tag = "quarantine", security(("bearer" = [])),
    responses((status = 200, body = OrderList), (status = 403, body = ErrorResponse))
)]
pub async fn mine(State(state): State<AppState>, principal: Principal) -> Result<Json<OrderList>, ApiError> {
    principal.require(&[Role::Device])?;
    let now = state.now();
    let list = state
        .db
        .read(move |tx| {
            let mut orders: Vec<OrderView> = Vec::new();
            for binding in persons::db::bindings_of_device(tx, &principal.account_id)? {
                for order in db::orders_of_person(tx, &binding.person_id)? {
                    orders.push(order.view(now, &binding.profile_ref));
                }
            }
            orders.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| a.order_id.cmp(&b.order_id)));
            Ok::<_, ApiError>(OrderList { orders })
        })
        .await?;
    Ok(Json(list))
}

/// Makes the home token for the sticker (health officer of the order's area); a new token replaces the old one,
/// and only its SHA-256 is kept.
#[utoipa::path(
    post, path = "/v1/quarantine/orders/{order_id}/home-token", tag = "quarantine", security(("bearer" = [])),
    params(("order_id" = String, Path)),
    responses((status = 200, body = HomeTokenView), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse))
)]
pub async fn home_token(State(state): State<AppState>, principal: Principal, ApiPath(order_id): ApiPath<String>) -> Result<Json<HomeTokenView>, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    let now = state.now();
    let qr_text = format!("{HOME_TOKEN_PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes(32)?));
    let view = state
        .db
        .write(move |tx| {
            let order = officer_order(tx, &principal, &order_id)?;
            db::set_home_token(tx, &order.id, &sha256_hex(qr_text.as_bytes()), now)?;
            Ok::<_, ApiError>(HomeTokenView { order_id: order.id, qr_text, issued_at: now })
        })
        .await?;
    Ok(Json(view))
}

fn open_order(order: &OrderRow, now: DateTime<Utc>) -> Result<(), ApiError> {
    match order.state_at(now) {
        OrderState::Ended | OrderState::Cancelled => {
            Err(ApiError::Conflict { code: ErrorCode::ChallengeClosed, message: "the order is over".into() })
        }
        _ => Ok(()),
    }
}

/// The person signs the commitment with a new order key (the phone the person is bound on). Signing again from a
/// new phone (a lost phone) makes its key the order's; the old keys are kept, retired.
#[utoipa::path(
    post, path = "/v1/quarantine/orders/{order_id}/commitment", tag = "quarantine", security(("bearer" = [])),
    params(("order_id" = String, Path)),
    request_body = SignCommitmentRequest,
    responses(
        (status = 200, body = OrderView), (status = 401, description = "`invalid_signature`", body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, description = "`challenge_closed`: the order is over", body = ErrorResponse), (status = 422, body = ErrorResponse),
    )
)]
pub async fn sign_commitment(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(order_id): ApiPath<String>,
    JsonBody(body): JsonBody<SignCommitmentRequest>,
) -> Result<Json<OrderView>, ApiError> {
    principal.require(&[Role::Device])?;
    let key = healthbook_core::trust::VerifyingKey::from_spki_base64(&body.device_public_key)
        .map_err(|_| invalid("device_public_key", "invalid", "device_public_key must be a P-256 public key, base64 SPKI DER"))?;
    let now = state.now();
    if body.signed_at > now + rules::MAX_CLOCK_AHEAD {
        return Err(invalid("signed_at", "in_future", "signed_at is more than 10 minutes ahead of the server"));
    }
    let signature = rules::decode_signature(&body.signature).ok_or_else(|| invalid("signature", "invalid", "signature must be base64"))?;
    let view = state
        .db
        .write(move |tx| {
            let (order, profile_ref) = device_order(tx, &principal, &order_id, true)?;
            open_order(&order, now)?;
            let text = commitment::text(order.commitment_version).ok_or_else(|| ApiError::Internal("an order's commitment is missing".into()))?;
            if body.commitment_version != order.commitment_version {
                return Err(invalid("commitment_version", "mismatch", "commitment_version is not the order's"));
            }
            if body.commitment_sha256 != text.sha256 {
                return Err(invalid("commitment_sha256", "mismatch", "commitment_sha256 is not the hash of the order's commitment"));
            }
            let message = commitment_message(&order.id, text.version, &text.sha256, body.signed_at);
            key.verify(&message, &signature).map_err(|_| ApiError::InvalidSignature)?;
            if order.device_public_key.as_deref() != Some(key.spki_base64().as_str()) {
                let new = db::NewKey {
                    order_id: &order.id,
                    kid: key.kid(),
                    public_key: &key.spki_base64(),
                    device_id: &principal.account_id,
                    version: text.version,
                    signature: &body.signature,
                    signed_at: body.signed_at,
                };
                db::set_order_key(tx, &new, now)?;
            }
            let order = db::order(tx, &order.id)?.ok_or(ApiError::NotFound("order"))?;
            Ok::<_, ApiError>(order.view(now, &profile_ref))
        })
        .await?;
    Ok(Json(view))
}

/// The phone enrols the home (the phone the person is bound on, after signing): the home token scanned inside,
/// the radio baseline, signed by the order key. The order becomes active; enrolling again replaces the baseline.
#[utoipa::path(
    post, path = "/v1/quarantine/orders/{order_id}/enrolment", tag = "quarantine", security(("bearer" = [])),
    params(("order_id" = String, Path)),
    request_body = EnrolRequest,
    responses(
        (status = 200, body = OrderView), (status = 401, description = "`invalid_signature`", body = ErrorResponse),
        (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, description = "`challenge_closed`: the order is over, or not signed yet", body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub async fn enrol(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(order_id): ApiPath<String>,
    JsonBody(body): JsonBody<EnrolRequest>,
) -> Result<Json<OrderView>, ApiError> {
    principal.require(&[Role::Device])?;
    rules::check_radio("baseline", &body.baseline)?;
    if !body.home_token.starts_with(HOME_TOKEN_PREFIX) || body.home_token.len() > rules::MAX_TOKEN_CHARS {
        return Err(invalid("home_token", "invalid", "home_token is not a home token"));
    }
    let signature = rules::decode_signature(&body.signature).ok_or_else(|| invalid("signature", "invalid", "signature must be base64"))?;
    let now = state.now();
    let view = state
        .db
        .write(move |tx| {
            let (order, profile_ref) = device_order(tx, &principal, &order_id, true)?;
            open_order(&order, now)?;
            let Some(spki) = order.device_public_key.as_deref() else {
                return Err(ApiError::Conflict { code: ErrorCode::ChallengeClosed, message: "sign the commitment first".into() });
            };
            let message = enrolment_message(&order.id, &body);
            if rules::check_signature(&message, &body.signature, Some(spki), &[]) != rules::SignatureCheck::Good || signature.is_empty() {
                return Err(ApiError::InvalidSignature);
            }
            if order.home_token_sha256.as_deref() != Some(sha256_hex(body.home_token.as_bytes()).as_str()) {
                return Err(invalid("home_token", "mismatch", "home_token is not this home's token"));
            }
            db::enrol(tx, &order.id, &body.baseline, now)?;
            let order = db::order(tx, &order.id)?.ok_or(ApiError::NotFound("order"))?;
            let key = challenges::schedule_key(tx)?;
            challenges::materialise(tx, &order, now, &key)?;
            tracing::info!("quarantine home enrolled");
            Ok::<_, ApiError>(order.view(now, &profile_ref))
        })
        .await?;
    Ok(Json(view))
}
