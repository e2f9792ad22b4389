//! Cases: opened by every verdict other than ok; the person explains once, within the window; an officer of the
//! order's area decides only after that (or after the window closed). The decision, and only the decision, goes
//! to the person's audit trail; an extension moves the order's end within its rules.

use axum::Json;
use axum::extract::{Query, State};
use healthbook_protocol::quarantine::{
    CaseList, CaseState, CaseView, DecisionOutcome, DecisionRequest, ExplanationReason, ExplanationRequest, MAX_ORDER_DAYS, quarantine_end,
};
use healthbook_protocol::{ErrorCode, ErrorResponse, Role};

use super::challenges::{schedule_key, sweep_order};
use super::{StateQuery, db, device_order, officer_area, officer_order};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, JsonBody};
use crate::persons;
use crate::storage::Tx;

/// Longest explanation or decision note, characters.
const MAX_TEXT_CHARS: usize = 1_000;

fn closed(field: &'static str, field_code: &'static str, message: &str) -> ApiError {
    ApiError::FieldConflict { code: ErrorCode::ChallengeClosed, field, field_code, message: message.into() }
}

fn wanted_state(query: &StateQuery) -> Result<Option<CaseState>, ApiError> {
    query
        .state
        .as_deref()
        .map(|s| {
            db::named(s).map_err(|_| ApiError::InvalidField { field: "state", field_code: "unknown", message: "state is not a case state".into() })
        })
        .transpose()
}

/// The cases of the caller's area, newest first, optionally of one state (health officer). Sweeps the area's
/// orders first, so a challenge missed a minute ago is there.
#[utoipa::path(
    get, path = "/v1/quarantine/cases", tag = "quarantine", security(("bearer" = [])),
    params(StateQuery),
    responses((status = 200, body = CaseList), (status = 403, body = ErrorResponse), (status = 422, body = ErrorResponse))
)]
pub async fn list_cases(State(state): State<AppState>, principal: Principal, Query(query): Query<StateQuery>) -> Result<Json<CaseList>, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    let wanted = wanted_state(&query)?;
    let now = state.now();
    let list = state
        .db
        .write(move |tx| {
            let area = officer_area(tx, &principal)?;
            let key = schedule_key(tx)?;
            let mut cases = Vec::new();
            for order in db::orders_in(tx, &area.province)?.into_iter().filter(|o| area.covers_ward(&o.ward_code)) {
                let order = db::lock_order(tx, &order.id)?.ok_or(ApiError::NotFound("order"))?;
                sweep_order(tx, &order, now, &key)?;
                cases.extend(db::cases_of(tx, &order.id, now)?.into_iter().filter(|c| wanted.is_none_or(|w| c.state == w)));
            }
            cases.sort_by(|a, b| b.opened_at.cmp(&a.opened_at).then_with(|| a.case_id.cmp(&b.case_id)));
            Ok::<_, ApiError>(CaseList { cases })
        })
        .await?;
    Ok(Json(list))
}

/// An order's cases, newest first (the phone the person is bound on; a health officer of the order's area).
#[utoipa::path(
    get, path = "/v1/quarantine/orders/{order_id}/cases", tag = "quarantine", security(("bearer" = [])),
    params(("order_id" = String, Path)),
    responses((status = 200, body = CaseList), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse))
)]
pub async fn order_cases(State(state): State<AppState>, principal: Principal, ApiPath(order_id): ApiPath<String>) -> Result<Json<CaseList>, ApiError> {
    principal.require(&[Role::HealthOfficer, Role::Device])?;
    let now = state.now();
    let list = state
        .db
        .write(move |tx| {
            let order = if principal.role == Role::Device {
                device_order(tx, &principal, &order_id, true)?.0
            } else {
                let order = officer_order(tx, &principal, &order_id)?;
                db::lock_order(tx, &order.id)?.ok_or(ApiError::NotFound("order"))?
            };
            let key = schedule_key(tx)?;
            sweep_order(tx, &order, now, &key)?;
            Ok::<_, ApiError>(CaseList { cases: db::cases_of(tx, &order.id, now)? })
        })
        .await?;
    Ok(Json(list))
}

fn case_or_404(tx: &mut dyn Tx, case_id: &str, now: chrono::DateTime<chrono::Utc>) -> Result<CaseView, ApiError> {
    db::case(tx, case_id, now)?.ok_or(ApiError::NotFound("case"))
}

/// The person explains a case, once, before `explain_by` (the phone the person is bound on); `other` needs
/// words. A second explanation, or one after the window, is 409.
#[utoipa::path(
    post, path = "/v1/quarantine/cases/{case_id}/explanation", tag = "quarantine", security(("bearer" = [])),
    params(("case_id" = String, Path)),
    request_body = ExplanationRequest,
    responses(
        (status = 200, body = CaseView), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, description = "`challenge_closed`: explained already, or the window closed", body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub async fn explain(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(case_id): ApiPath<String>,
    JsonBody(body): JsonBody<ExplanationRequest>,
) -> Result<Json<CaseView>, ApiError> {
    principal.require(&[Role::Device])?;
    let text = body.text.trim().to_owned();
    if text.chars().count() > MAX_TEXT_CHARS || text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ApiError::InvalidField { field: "text", field_code: "too_long", message: "text must be at most 1,000 printable characters".into() });
    }
    if body.reason == ExplanationReason::Other && text.is_empty() {
        return Err(ApiError::InvalidField { field: "text", field_code: "required", message: "say what happened when the reason is other".into() });
    }
    let now = state.now();
    let view = state
        .db
        .write(move |tx| {
            let case = case_or_404(tx, &case_id, now)?;
            device_order(tx, &principal, &case.order_id, true)?;
            if case.explained_at.is_some() {
                return Err(closed("case", "explained", "this case has its explanation already"));
            }
            if case.state != CaseState::AwaitingExplanation {
                return Err(closed("case", "window_closed", "the time to explain this case is over"));
            }
            if !db::explain(tx, &case.case_id, &ExplanationRequest { reason: body.reason, text }, now)? {
                return Err(closed("case", "explained", "this case has its explanation already"));
            }
            case_or_404(tx, &case.case_id, now)
        })
        .await?;
    Ok(Json(view))
}

/// An officer of the order's area decides a case, once, after the person explained or the window closed (409
/// `case_awaiting_explanation` before). An extension adds the rules' days (422 past `max_extensions` or the
/// longest order) and moves the end; every decision is written to the person's audit trail with the officer.
#[utoipa::path(
    post, path = "/v1/quarantine/cases/{case_id}/decision", tag = "quarantine", security(("bearer" = [])),
    params(("case_id" = String, Path)),
    request_body = DecisionRequest,
    responses(
        (status = 200, body = CaseView), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, description = "`case_awaiting_explanation`, or `challenge_closed` when decided already", body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub async fn decide(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(case_id): ApiPath<String>,
    JsonBody(body): JsonBody<DecisionRequest>,
) -> Result<Json<CaseView>, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    let note = body.note.trim().to_owned();
    if note.is_empty() || note.chars().count() > MAX_TEXT_CHARS || note.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ApiError::InvalidField { field: "note", field_code: "invalid", message: "note must be 1 to 1,000 printable characters".into() });
    }
    let now = state.now();
    let view = state
        .db
        .write(move |tx| {
            let case = db::case(tx, &case_id, now)?.ok_or(ApiError::NotFound("case"))?;
            let order = officer_order(tx, &principal, &case.order_id).map_err(|e| match e {
                ApiError::NotFound(_) => ApiError::NotFound("case"),
                other => other,
            })?;
            let order = db::lock_order(tx, &order.id)?.ok_or(ApiError::NotFound("case"))?;
            match case.state {
                CaseState::AwaitingExplanation => {
                    return Err(ApiError::Conflict {
                        code: ErrorCode::CaseAwaitingExplanation,
                        message: "the person may still explain this case".into(),
                    });
                }
                CaseState::Decided => return Err(closed("case", "decided", "this case is decided already")),
                CaseState::AwaitingDecision => {}
            }
            if body.outcome == DecisionOutcome::Extension {
                let rules = &order.extension_rules;
                let extension_days = order.extension_days + rules.extension_days;
                if order.extensions >= rules.max_extensions || order.days + extension_days > MAX_ORDER_DAYS {
                    return Err(ApiError::InvalidField {
                        field: "outcome",
                        field_code: "no_extension_left",
                        message: "the order's rules allow no further extension".into(),
                    });
                }
                let ends_at = quarantine_end(order.start_date, order.days, extension_days, &order.time_zone)
                    .ok_or_else(|| ApiError::Internal("an order's end can't be computed".into()))?;
                db::extend(tx, &order.id, extension_days, order.extensions + 1, ends_at)?;
            }
            let decision = DecisionRequest { outcome: body.outcome, note };
            if !db::decide(tx, &case.case_id, &decision, &principal.account_id, now)? {
                return Err(closed("case", "decided", "this case is decided already"));
            }
            let outcome = db::name(body.outcome)?;
            let detail = format!("quarantine case {} of order {}: {outcome}", case.case_id, order.id);
            persons::db::audit(tx, now, &principal, "quarantine_decision", Some(&order.person_id), None, Some(detail))?;
            tracing::info!(outcome = %outcome, "quarantine case decided");
            case_or_404(tx, &case.case_id, now)
        })
        .await?;
    Ok(Json(view))
}
