//! Staff cards: signed on the admin's device with a certified agency key, registered here so that they can be
//! counted and revoked. Revoking puts the card's `cti` on the revocation list, which gates refresh.

use std::collections::{HashMap, HashSet};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use healthbook_core::trust::{Revocation, RevocationKind};
use healthbook_protocol::{AgencyKeyStatus, ErrorResponse, RegisterCardsReport, RegisterCardsRequest, RevokeCardRequest};

use super::rules::{self, CheckedCard};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, IdempotentJson};
use crate::idempotency;
use crate::storage::{Tx, Value};
use crate::trust::insert_revocation;
use crate::util::{from_ms, to_ms};

/// Rows per multi-row INSERT.
const INSERT_CHUNK: usize = 250;

/// Registers cards the admin signed (that agency's admin). Each card's key must be a certified key of this
/// agency and its staff number on the roster; otherwise nothing is registered (422 naming the first bad card).
/// A card registered before counts as `already_registered`.
#[utoipa::path(
    post, path = "/v1/agencies/{agency_id}/cards", tag = "agencies",
    security(("bearer" = [])),
    request_body = RegisterCardsRequest,
    params(
        ("agency_id" = String, Path, description = "Agency id"),
        ("Idempotency-Key" = String, Header, description = "Unique per logical request; reuse it on retries"),
    ),
    responses(
        (status = 200, body = RegisterCardsReport),
        (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse),
        (status = 422, description = "A malformed card, a key that is not a certified key of this agency, a staff number not on the roster, or a card id registered for another card", body = ErrorResponse),
    )
)]
pub async fn register_cards(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(agency_id): ApiPath<String>,
    request: IdempotentJson<RegisterCardsRequest>,
) -> Result<Response, ApiError> {
    super::require_own_admin(&principal, &agency_id, "only this agency's admin may register its cards")?;
    rules::batch_size("cards", request.body.cards.len())?;
    let cards = request
        .body
        .cards
        .iter()
        .enumerate()
        .map(|(index, card)| rules::card(card).map_err(|problem| rules::row_error("cards", index, problem)))
        .collect::<Result<Vec<_>, ApiError>>()?;
    let now = state.now();
    let registered_by = principal.account_id.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let report = register(tx, &agency_id, &registered_by, cards, now)?;
        tracing::info!(agency_id = %agency_id, registered = report.registered, already = report.already_registered, "staff cards registered");
        Ok((StatusCode::OK, report))
    })
    .await
}

fn register(
    tx: &mut dyn Tx,
    agency_id: &str,
    registered_by: &str,
    cards: Vec<CheckedCard>,
    now: DateTime<Utc>,
) -> Result<RegisterCardsReport, ApiError> {
    if !super::agency_exists(tx, agency_id)? {
        return Err(ApiError::NotFound("agency"));
    }
    let mut certified: HashMap<String, bool> = HashMap::new();
    let roster: HashSet<String> = tx
        .query("SELECT staff_number FROM agency_staff WHERE agency_id = $1", &[agency_id.into()])?
        .iter()
        .map(|row| row.text(0))
        .collect::<Result<_, _>>()?;
    let mut report = RegisterCardsReport { registered: 0, already_registered: 0 };
    let mut new_cards: Vec<&CheckedCard> = Vec::new();
    let mut in_request: HashMap<&str, &CheckedCard> = HashMap::new();
    for (index, card) in cards.iter().enumerate() {
        let refuse = |field: &'static str, code: &'static str, message: &str| {
            rules::row_error("cards", index, (field, code, message.to_owned()))
        };
        if !certified.contains_key(&card.kid) {
            let usable = super::keys::agency_key(tx, agency_id, &card.kid)?.is_some_and(|k| k.status == AgencyKeyStatus::Certified);
            certified.insert(card.kid.clone(), usable);
        }
        if !certified[&card.kid] {
            return Err(refuse("kid", "not_certified", "the key is not a certified key of this agency"));
        }
        if !roster.contains(&card.staff_number) {
            return Err(refuse("staff_number", "not_on_roster", "the staff number is not on this agency's roster"));
        }
        if let Some(earlier) = in_request.insert(&card.card_id, card) {
            if earlier != card {
                return Err(refuse("card_id", "card_id_taken", "the card id is on an earlier card of this request"));
            }
            report.already_registered += 1;
            continue;
        }
        let existing = tx.query_opt(
            "SELECT agency_id, staff_number, kid, issued_at, expires_at FROM agency_cards WHERE card_id = $1",
            &[card.card_id.clone().into()],
        )?;
        match existing {
            None => {
                new_cards.push(card);
                report.registered += 1;
            }
            Some(row) => {
                let same = row.text(0)? == agency_id
                    && row.text(1)? == card.staff_number
                    && row.text(2)? == card.kid
                    && from_ms(row.int(3)?)? == crate::util::truncate_to_ms(card.issued_at)
                    && from_ms(row.int(4)?)? == crate::util::truncate_to_ms(card.expires_at);
                if !same {
                    return Err(refuse("card_id", "card_id_taken", "the card id is registered for another card"));
                }
                report.already_registered += 1;
            }
        }
    }
    for chunk in new_cards.chunks(INSERT_CHUNK) {
        insert_cards(tx, agency_id, registered_by, chunk, now)?;
    }
    Ok(report)
}

fn insert_cards(tx: &mut dyn Tx, agency_id: &str, by: &str, cards: &[&CheckedCard], now: DateTime<Utc>) -> Result<(), ApiError> {
    const COLUMNS: usize = 8;
    let mut sql = String::from(
        "INSERT INTO agency_cards (card_id, agency_id, staff_number, kid, issued_at, expires_at, registered_by, registered_at) VALUES ",
    );
    let mut params = Vec::with_capacity(cards.len() * COLUMNS);
    for (i, card) in cards.iter().enumerate() {
        let placeholders: Vec<String> = (1..=COLUMNS).map(|c| format!("${}", i * COLUMNS + c)).collect();
        sql.push_str(if i == 0 { "(" } else { ", (" });
        sql.push_str(&placeholders.join(", "));
        sql.push(')');
        params.extend([
            card.card_id.clone().into(),
            agency_id.into(),
            card.staff_number.clone().into(),
            card.kid.clone().into(),
            Value::Int(to_ms(card.issued_at)),
            Value::Int(to_ms(card.expires_at)),
            by.into(),
            Value::Int(to_ms(now)),
        ]);
    }
    tx.execute(&sql, &params)?;
    Ok(())
}

/// Revokes a card this agency registered (that agency's admin): the card's `cti` hex goes on the revocation list
/// (kind `credential`), which is signed again; gates refuse the card after their next refresh.
#[utoipa::path(
    post, path = "/v1/agencies/{agency_id}/cards/{card_id}/revoke", tag = "agencies",
    security(("bearer" = [])),
    request_body = RevokeCardRequest,
    params(
        ("agency_id" = String, Path, description = "Agency id"),
        ("card_id" = String, Path, description = "The card's cti, lowercase hex"),
        ("Idempotency-Key" = String, Header, description = "Unique per logical request; reuse it on retries"),
    ),
    responses(
        (status = 201, body = Revocation),
        (status = 403, body = ErrorResponse),
        (status = 404, description = "No card of this agency with this id", body = ErrorResponse),
        (status = 409, description = "Already revoked (`already_revoked`)", body = ErrorResponse),
    )
)]
pub async fn revoke_card(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((agency_id, card_id)): ApiPath<(String, String)>,
    request: IdempotentJson<RevokeCardRequest>,
) -> Result<Response, ApiError> {
    super::require_own_admin(&principal, &agency_id, "only this agency's admin may revoke its cards")?;
    let reason = rules::revocation_reason(&request.body.reason)?;
    let now = state.now();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let registered = tx
            .query_opt("SELECT card_id FROM agency_cards WHERE card_id = $1 AND agency_id = $2", &[card_id.clone().into(), agency_id.clone().into()])?
            .is_some();
        if !registered {
            return Err(ApiError::NotFound("card"));
        }
        let entry = Revocation { kind: RevocationKind::Credential, id: card_id, revoked_at: now, reason };
        let entry = insert_revocation(tx, entry, now)?;
        tracing::info!(agency_id = %agency_id, "staff card revoked");
        Ok((StatusCode::CREATED, entry))
    })
    .await
}
