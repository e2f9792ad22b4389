//! Agencies and their gates: the first agency-scoped resources, and the model for scope checks; the agency's
//! signing keys, staff roster and staff cards (issue 9).
//!
//! | module | holds |
//! |---|---|
//! | [`adoption`] | how many roster entries joined, hold a fresh pass or a valid card, by department and per agency |
//! | [`keys`] | agency keys: submission with proof of possession, certification into the trust list |
//! | [`staff`] | roster import (every row checked again, citizen ids as keyed hashes) and the staff list |
//! | [`roster_limit`] | the daily cap on citizen ids entering a roster, its ledger and the ledger's purge |
//! | [`cards`] | registration of the cards the admin signed, revocation onto the revocation list |
//! | [`rules`] | the pure checks of roster rows, key ids and cards |

pub mod adoption;
pub mod cards;
pub mod keys;
pub mod roster_limit;
pub mod rules;
pub mod staff;

pub use adoption::{adoption_rollup, agency_adoption};
pub use cards::{register_cards, revoke_card};
pub use keys::{certify_key, list_keys, submit_key};
pub use staff::{import_staff, list_staff};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use healthbook_protocol::{AgencyList, AgencyView, CreateAgencyRequest, CreateGateRequest, ErrorResponse, GateList, GateView, Role};

use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, IdempotentJson};
use crate::idempotency;
use crate::storage::{Row, Tx, Value};
use crate::util::{clean_name, from_ms, new_id, to_ms};

/// Inserts an agency.
pub fn insert_agency(tx: &mut dyn Tx, name: &str, now: DateTime<Utc>) -> Result<AgencyView, ApiError> {
    let id = new_id();
    tx.execute(
        "INSERT INTO agencies (id, name, created_at) VALUES ($1, $2, $3)",
        &[id.clone().into(), name.into(), Value::Int(to_ms(now))],
    )?;
    Ok(AgencyView { id, name: name.to_owned(), created_at: now })
}

fn agency_from_row(row: &Row) -> Result<AgencyView, ApiError> {
    Ok(AgencyView { id: row.text(0)?, name: row.text(1)?, created_at: from_ms(row.int(2)?)? })
}

fn gate_from_row(row: &Row) -> Result<GateView, ApiError> {
    Ok(GateView { id: row.text(0)?, agency_id: row.text(1)?, name: row.text(2)?, venue_id: row.opt_text(4)?, created_at: from_ms(row.int(3)?)? })
}

fn agency_exists(tx: &mut dyn Tx, agency_id: &str) -> Result<bool, ApiError> {
    Ok(tx.query_opt("SELECT id FROM agencies WHERE id = $1", &[agency_id.into()])?.is_some())
}

/// Refuses anyone but this agency's own admin: the authority certifies keys, but what the agency signs and who
/// works there are the agency's to say.
fn require_own_admin(principal: &Principal, agency_id: &str, refusal: &str) -> Result<(), ApiError> {
    if principal.role == Role::AgencyAdmin && principal.agency_id.as_deref() == Some(agency_id) {
        return Ok(());
    }
    Err(ApiError::Forbidden(refusal.into()))
}

/// Creates an agency (authority admin).
#[utoipa::path(
    post, path = "/v1/agencies", tag = "agencies",
    security(("bearer" = [])),
    request_body = CreateAgencyRequest,
    params(("Idempotency-Key" = String, Header, description = "Unique per logical request; reuse it on retries")),
    responses((status = 201, body = AgencyView), (status = 403, body = ErrorResponse))
)]
pub async fn create_agency(
    State(state): State<AppState>,
    principal: Principal,
    request: IdempotentJson<CreateAgencyRequest>,
) -> Result<Response, ApiError> {
    principal.require(&[Role::AuthorityAdmin])?;
    let name = clean_name("name", &request.body.name, 200)?;
    let now = state.now();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        Ok((StatusCode::CREATED, insert_agency(tx, &name, now)?))
    })
    .await
}

/// Lists every agency (authority admin).
#[utoipa::path(
    get, path = "/v1/agencies", tag = "agencies",
    security(("bearer" = [])),
    responses((status = 200, body = AgencyList), (status = 403, body = ErrorResponse))
)]
pub async fn list_agencies(State(state): State<AppState>, principal: Principal) -> Result<Json<AgencyList>, ApiError> {
    principal.require(&[Role::AuthorityAdmin])?;
    let agencies = state
        .db
        .read(|tx| {
            tx.query("SELECT id, name, created_at FROM agencies ORDER BY name, id", &[])?
                .iter()
                .map(agency_from_row)
                .collect::<Result<Vec<_>, ApiError>>()
        })
        .await?;
    Ok(Json(AgencyList { agencies }))
}

/// Reads an agency (authority admin, or that agency's staff).
#[utoipa::path(
    get, path = "/v1/agencies/{agency_id}", tag = "agencies",
    security(("bearer" = [])),
    params(("agency_id" = String, Path, description = "Agency id")),
    responses((status = 200, body = AgencyView), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse))
)]
pub async fn get_agency(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(agency_id): ApiPath<String>,
) -> Result<Json<AgencyView>, ApiError> {
    if !principal.can_read_agency(&agency_id) {
        return Err(ApiError::Forbidden("this agency is outside your scope".into()));
    }
    let agency = state
        .db
        .read(move |tx| {
            let row = tx
                .query_opt("SELECT id, name, created_at FROM agencies WHERE id = $1", &[agency_id.into()])?
                .ok_or(ApiError::NotFound("agency"))?;
            agency_from_row(&row)
        })
        .await?;
    Ok(Json(agency))
}

/// Creates a gate (authority admin, or that agency's admin).
#[utoipa::path(
    post, path = "/v1/agencies/{agency_id}/gates", tag = "agencies",
    security(("bearer" = [])),
    request_body = CreateGateRequest,
    params(
        ("agency_id" = String, Path, description = "Agency id"),
        ("Idempotency-Key" = String, Header, description = "Unique per logical request; reuse it on retries"),
    ),
    responses((status = 201, body = GateView), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse))
)]
pub async fn create_gate(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(agency_id): ApiPath<String>,
    request: IdempotentJson<CreateGateRequest>,
) -> Result<Response, ApiError> {
    if !principal.can_manage_agency(&agency_id) {
        return Err(ApiError::Forbidden("only the authority or this agency's admin may add gates".into()));
    }
    let name = clean_name("name", &request.body.name, 200)?;
    let now = state.now();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        if !agency_exists(tx, &agency_id)? {
            return Err(ApiError::NotFound("agency"));
        }
        let gate = GateView { id: new_id(), agency_id, name, venue_id: None, created_at: now };
        tx.execute(
            "INSERT INTO gates (id, agency_id, name, created_at) VALUES ($1, $2, $3, $4)",
            &[gate.id.clone().into(), gate.agency_id.clone().into(), gate.name.clone().into(), Value::Int(to_ms(now))],
        )?;
        Ok((StatusCode::CREATED, gate))
    })
    .await
}

/// Lists an agency's gates (authority admin, or that agency's staff).
#[utoipa::path(
    get, path = "/v1/agencies/{agency_id}/gates", tag = "agencies",
    security(("bearer" = [])),
    params(("agency_id" = String, Path, description = "Agency id")),
    responses((status = 200, body = GateList), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse))
)]
pub async fn list_gates(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(agency_id): ApiPath<String>,
) -> Result<Json<GateList>, ApiError> {
    if !principal.can_read_agency(&agency_id) {
        return Err(ApiError::Forbidden("this agency is outside your scope".into()));
    }
    let gates = state
        .db
        .read(move |tx| {
            if !agency_exists(tx, &agency_id)? {
                return Err(ApiError::NotFound("agency"));
            }
            tx.query(
                "SELECT id, agency_id, name, created_at, venue_id FROM gates WHERE agency_id = $1 ORDER BY name, id",
                &[agency_id.into()],
            )?
            .iter()
            .map(gate_from_row)
            .collect::<Result<Vec<_>, ApiError>>()
        })
        .await?;
    Ok(Json(GateList { gates }))
}
