//! Volunteers (issue 9): people without smartphones, enrolled by a volunteer on the volunteer's phone.
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | the handlers of `/v1/volunteers/*` and `/v1/doses/{id}/confirm`, and who may call them |
//! | [`db`] | `managed_people`, `volunteer_consents`, `doses`, `control_cards` |
//!
//! Enrolment is the identity area's (`POST /v1/persons`, `POST /v1/bindings/attest`): either, called by a
//! volunteer, records the person as managed by that volunteer ([`db::record_enrolment`]). Only that volunteer
//! reads or changes the person here; anyone else gets 404, as for an unknown id, so ids don't leak. Every act
//! lands in the person's identity audit trail in the transaction that makes it.

pub mod db;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use healthbook_core::credentials::{ControlCard, CredentialId, CredentialSigner, OwnPayload};
use healthbook_protocol::{
    CONTROL_CARD_VALIDITY_DAYS, ConsentView, ControlCardRequest, ControlCardView, DoseSource, DoseView, ErrorCode, ErrorResponse,
    ManagedPeopleList, ManagedPersonView, RecordConsentRequest, RecordDoseRequest, Role,
};

use crate::access::{AreaScope, Reach, reach_of};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::IdempotentJson;
use crate::idempotency;
use crate::persons::{self, db::PersonRow};
use crate::storage::Tx;
use crate::util::new_id;

/// Id of the service key that signs control cards (see `trust::SERVICE_KEYS`).
pub const CONTROL_CARD_KEY: &str = "control-cards";
/// `iss` claim of control cards (the same issuer as passes: the health authority).
const ISSUER: &str = crate::passes::ISSUER;
/// Fresh credential ids drawn before giving up.
const CREDENTIAL_ID_ATTEMPTS: usize = 4;
/// Longest product name and lot.
const MAX_PRODUCT_CHARS: usize = 100;
const MAX_LOT_CHARS: usize = 40;
/// How far ahead of the server's clock a consent may be dated (phone clocks drift).
const CLOCK_SKEW_MINUTES: i64 = 10;

/// The person `person_id` if the calling volunteer enrolled them, else 404 (never 403: ids must not leak).
fn managed_person(tx: &mut dyn Tx, volunteer: &Principal, person_id: &str) -> Result<(PersonRow, DateTime<Utc>), ApiError> {
    let enrolled_at = db::enrolled_at(tx, person_id, &volunteer.account_id)?.ok_or(ApiError::NotFound("person"))?;
    let person = persons::db::person(tx, person_id)?.ok_or(ApiError::NotFound("person"))?;
    Ok((person, enrolled_at))
}

fn managed_view(tx: &mut dyn Tx, person: &PersonRow, enrolled_at: DateTime<Utc>) -> Result<ManagedPersonView, ApiError> {
    Ok(ManagedPersonView {
        person_id: person.id.clone(),
        full_name: person.full_name.clone(),
        birth_year: person.birth_year,
        enrolled_at,
        consent: db::latest_consent(tx, &person.id)?,
        doses: db::doses_of(tx, &person.id)?,
        control_card_issued_at: db::latest_card_at(tx, &person.id)?,
    })
}

/// Short free text (a product, a lot): NFC, spaces collapsed, no control characters, 1 to `max` characters.
fn short_text(raw: &str, field: &'static str, max: usize) -> Result<String, ApiError> {
    use unicode_normalization::UnicodeNormalization;
    let text: String = raw.nfc().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() || text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(ApiError::InvalidRequest(format!("{field} must be 1 to {max} characters")));
    }
    Ok(text)
}

/// Whether `outer` covers all of `inner`: the same province, and every ward of `inner` (all of it when `inner`
/// names none) inside `outer`.
fn area_covers(outer: &AreaScope, inner: &AreaScope) -> bool {
    outer.province == inner.province
        && (outer.wards.is_empty() || (!inner.wards.is_empty() && inner.wards.iter().all(|w| outer.wards.contains(w))))
}

/// Whether `officer` supervises a volunteer who enrolled `person_id`: a health officer whose area covers that
/// volunteer's area (the authority admin covers all).
pub fn supervises(tx: &mut dyn Tx, officer: &Principal, person_id: &str) -> Result<bool, ApiError> {
    if officer.role != Role::HealthOfficer && officer.role != Role::AuthorityAdmin {
        return Ok(false);
    }
    let reach = reach_of(tx, officer)?;
    let areas = db::enrolling_volunteer_areas(tx, person_id)?;
    Ok(match reach {
        Reach::National => !areas.is_empty(),
        Reach::Area(own) => areas.iter().any(|area| area_covers(&own, area)),
    })
}

/// The people the calling volunteer enrolled, by name (volunteer).
#[utoipa::path(
    get, path = "/v1/volunteers/people", tag = "volunteers", security(("bearer" = [])),
    responses((status = 200, body = ManagedPeopleList), (status = 403, body = ErrorResponse))
)]
pub async fn list_people(State(state): State<AppState>, principal: Principal) -> Result<Json<ManagedPeopleList>, ApiError> {
    principal.require(&[Role::Volunteer])?;
    let list = state
        .db
        .read(move |tx| {
            let mut people = Vec::new();
            for (person_id, enrolled_at) in db::people_of(tx, &principal.account_id)? {
                let person = persons::db::person(tx, &person_id)?.ok_or(ApiError::NotFound("person"))?;
                people.push(managed_view(tx, &person, enrolled_at)?);
            }
            people.sort_by(|a, b| a.full_name.cmp(&b.full_name).then_with(|| a.person_id.cmp(&b.person_id)));
            Ok::<_, ApiError>(ManagedPeopleList { people })
        })
        .await?;
    Ok(Json(list))
}

/// One person the calling volunteer enrolled (that volunteer; 404 for anyone else's).
#[utoipa::path(
    get, path = "/v1/volunteers/people/{person_id}", tag = "volunteers", operation_id = "get_managed_person", security(("bearer" = [])),
    params(("person_id" = String, Path)),
    responses((status = 200, body = ManagedPersonView), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse))
)]
pub async fn get_person(
    State(state): State<AppState>,
    principal: Principal,
    Path(person_id): Path<String>,
) -> Result<Json<ManagedPersonView>, ApiError> {
    principal.require(&[Role::Volunteer])?;
    let view = state
        .db
        .read(move |tx| {
            let (person, enrolled_at) = managed_person(tx, &principal, &person_id)?;
            managed_view(tx, &person, enrolled_at)
        })
        .await?;
    Ok(Json(view))
}

/// Records who agreed to the volunteer acting for the person, how and when; kept as history (the volunteer
/// who enrolled the person; 404 for anyone else's).
#[utoipa::path(
    post, path = "/v1/volunteers/people/{person_id}/consent", tag = "volunteers", security(("bearer" = [])),
    params(("person_id" = String, Path), ("Idempotency-Key" = String, Header, description = "Unique per logical request")),
    request_body = RecordConsentRequest,
    responses(
        (status = 201, body = ConsentView), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub async fn record_consent(
    State(state): State<AppState>,
    principal: Principal,
    Path(person_id): Path<String>,
    request: IdempotentJson<RecordConsentRequest>,
) -> Result<Response, ApiError> {
    principal.require(&[Role::Volunteer])?;
    let now = state.now();
    let body = request.body.clone();
    let giver_name = persons::rules::full_name(&body.giver_name)
        .map_err(|_| ApiError::InvalidRequest("giver_name must be 1 to 120 characters of letters, without digits".into()))?;
    if body.given_at > now + Duration::minutes(CLOCK_SKEW_MINUTES) {
        return Err(ApiError::InvalidRequest("given_at is in the future".into()));
    }
    let actor = principal.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let (person, _) = managed_person(tx, &actor, &person_id)?;
        let id = new_id();
        let consent = db::insert_consent(
            tx,
            &db::NewConsent {
                id: &id,
                person_id: &person.id,
                given_by: body.given_by,
                giver_name: &giver_name,
                method: body.method,
                given_at: body.given_at,
                recorded_by: &actor.account_id,
            },
            now,
        )?;
        let detail = format!("given by the {}, {}", body.given_by.as_str(), body.method.as_str());
        persons::db::audit(tx, now, &actor, "consent_recorded", Some(&person.id), None, Some(detail))?;
        Ok((StatusCode::CREATED, consent))
    })
    .await
}

/// Records a dose the person shows on paper, as self-reported (the volunteer who enrolled the person; 404 for
/// anyone else's).
#[utoipa::path(
    post, path = "/v1/volunteers/people/{person_id}/doses", tag = "volunteers", security(("bearer" = [])),
    params(("person_id" = String, Path), ("Idempotency-Key" = String, Header, description = "Unique per logical request")),
    request_body = RecordDoseRequest,
    responses(
        (status = 201, body = DoseView), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub async fn record_dose(
    State(state): State<AppState>,
    principal: Principal,
    Path(person_id): Path<String>,
    request: IdempotentJson<RecordDoseRequest>,
) -> Result<Response, ApiError> {
    principal.require(&[Role::Volunteer])?;
    let now = state.now();
    let body = request.body.clone();
    let product = short_text(&body.product, "product", MAX_PRODUCT_CHARS)?;
    let lot = body.lot.as_deref().filter(|l| !l.trim().is_empty()).map(|l| short_text(l, "lot", MAX_LOT_CHARS)).transpose()?;
    if !(1..=10).contains(&body.dose_number) {
        return Err(ApiError::InvalidRequest("dose_number must be 1 to 10".into()));
    }
    if body.date > (now + Duration::minutes(CLOCK_SKEW_MINUTES)).date_naive() {
        return Err(ApiError::InvalidRequest("date is in the future".into()));
    }
    let actor = principal.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let (person, _) = managed_person(tx, &actor, &person_id)?;
        let id = new_id();
        let dose = db::insert_dose(
            tx,
            &db::NewDose {
                id: &id,
                person_id: &person.id,
                product: &product,
                dose_number: body.dose_number,
                date: body.date,
                lot: lot.as_deref(),
                source: DoseSource::SelfReported,
                recorded_by: &actor.account_id,
            },
            now,
        )?;
        let detail = format!("dose {} ({id}), self-reported", body.dose_number);
        persons::db::audit(tx, now, &actor, "dose_recorded", Some(&person.id), None, Some(detail))?;
        Ok((StatusCode::CREATED, dose))
    })
    .await
}

/// Confirms a self-reported dose (a health officer whose area covers the person, or the authority admin).
#[utoipa::path(
    post, path = "/v1/doses/{dose_id}/confirm", tag = "volunteers", security(("bearer" = [])),
    params(("dose_id" = String, Path)),
    responses((status = 200, body = DoseView), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse))
)]
pub async fn confirm_dose(
    State(state): State<AppState>,
    principal: Principal,
    Path(dose_id): Path<String>,
) -> Result<Json<DoseView>, ApiError> {
    principal.require(&[Role::HealthOfficer, Role::AuthorityAdmin])?;
    let now = state.now();
    let view = state
        .db
        .write(move |tx| {
            let dose = db::dose(tx, &dose_id)?.ok_or(ApiError::NotFound("dose"))?;
            let person = persons::db::person(tx, &dose.person_id)?.ok_or(ApiError::NotFound("dose"))?;
            persons::require_person_in_area(tx, &principal, &person)?;
            if dose.confirmed_at.is_none() {
                db::confirm_dose(tx, &dose.dose_id, &principal.account_id, now)?;
                let detail = format!("dose {} ({})", dose.dose_number, dose.dose_id);
                persons::db::audit(tx, now, &principal, "dose_confirmed", Some(&person.id), None, Some(detail))?;
            }
            db::dose(tx, &dose.dose_id)?.ok_or(ApiError::NotFound("dose"))
        })
        .await?;
    Ok(Json(view))
}

/// Signs the person's control card (`HK1:`) for the managed profile on the volunteer's phone: the volunteer
/// who enrolled the person (404 for anyone else's), only once consent is recorded.
#[utoipa::path(
    post, path = "/v1/volunteers/people/{person_id}/control-card", tag = "volunteers", security(("bearer" = [])),
    params(("person_id" = String, Path), ("Idempotency-Key" = String, Header, description = "Unique per logical request")),
    request_body = ControlCardRequest,
    responses(
        (status = 201, body = ControlCardView), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, description = "`consent_required`", body = ErrorResponse),
    )
)]
pub async fn issue_control_card(
    State(state): State<AppState>,
    principal: Principal,
    Path(person_id): Path<String>,
    request: IdempotentJson<ControlCardRequest>,
) -> Result<Response, ApiError> {
    principal.require(&[Role::Volunteer])?;
    let now = state.now();
    let profile_ref = persons::rules::profile_ref(&request.body.profile_ref)?;
    let actor = principal.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let (person, _) = managed_person(tx, &actor, &person_id)?;
        if db::latest_consent(tx, &person.id)?.is_none() {
            return Err(ApiError::Conflict {
                code: ErrorCode::ConsentRequired,
                message: "record the person's consent before printing their card".into(),
            });
        }
        let view = sign_control_card(tx, &person, &profile_ref, &actor.account_id, now)?;
        persons::db::audit(tx, now, &actor, "control_card_issued", Some(&person.id), None, Some(format!("card {}", view.credential_id)))?;
        Ok((StatusCode::CREATED, view))
    })
    .await
}

/// Signs and records a control card for `person` in the caller's transaction.
pub fn sign_control_card(
    tx: &mut dyn Tx,
    person: &PersonRow,
    profile_ref: &str,
    issued_by: &str,
    now: DateTime<Utc>,
) -> Result<ControlCardView, ApiError> {
    let expires_at = now + Duration::days(CONTROL_CARD_VALIDITY_DAYS);
    let mut credential_id = None;
    for _ in 0..CREDENTIAL_ID_ATTEMPTS {
        let id = CredentialId::random().map_err(|e| ApiError::Internal(e.to_string()))?;
        let card = db::NewControlCard { credential_id: &id.text, person_id: &person.id, profile_ref, issued_by, expires_at };
        if db::insert_control_card(tx, &card, now)? {
            credential_id = Some(id);
            break;
        }
    }
    let credential_id = credential_id.ok_or_else(|| ApiError::Internal("no fresh credential id".into()))?;
    let card = ControlCard {
        profile_id: profile_ref.to_owned(),
        name: person.full_name.clone(),
        birth_year: Some(person.birth_year),
        // The control-card key is national: no province claim.
        province: None,
    };
    let pkcs8 = crate::trust::service_key_pkcs8(tx, CONTROL_CARD_KEY, now)?;
    let signer = CredentialSigner::from_pkcs8(&pkcs8, ISSUER).map_err(|e| ApiError::Internal(e.to_string()))?;
    let qr = signer
        .issue_with_cti(&OwnPayload::ControlCard(card), &credential_id.bytes, now, expires_at)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(ControlCardView { qr, credential_id: credential_id.text, issued_at: now, expires_at })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(province: &str, wards: &[&str]) -> AreaScope {
        AreaScope { province: province.into(), wards: wards.iter().map(|w| (*w).to_owned()).collect() }
    }

    #[test]
    fn an_area_covers_what_lies_inside_it() {
        assert!(area_covers(&area("79", &[]), &area("79", &["26734"])));
        assert!(area_covers(&area("79", &[]), &area("79", &[])));
        assert!(area_covers(&area("79", &["26734", "26737"]), &area("79", &["26734"])));
        assert!(!area_covers(&area("79", &["26734"]), &area("79", &[])), "a ward does not cover its province");
        assert!(!area_covers(&area("79", &["26734"]), &area("79", &["26734", "26737"])));
        assert!(!area_covers(&area("01", &[]), &area("79", &["26734"])));
    }

    #[test]
    fn short_texts_are_normalised_and_bounded() {
        assert_eq!(short_text("  Astra  Zeneca ", "product", 100).unwrap(), "Astra Zeneca");
        assert!(short_text("   ", "product", 100).is_err());
        assert!(short_text(&"x".repeat(41), "lot", 40).is_err());
        assert!(short_text("a\u{7}b", "lot", 40).is_err());
    }
}
