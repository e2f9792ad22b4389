//! Vaccination (issue 12): communes' lists and coverage, registrations, sites with their own signing keys,
//! stock, sessions and invitations (with SMS), the lookup at the site, doses and their EU DCC certificates, the
//! phone's records, and reconciliation with other platforms. The contract is `healthbook_protocol::vaccination`.
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | the handlers: who may call what, input checks; invitation rounds and certificates |
//! | [`db`] | storage, inside the caller's transaction |
//! | [`rules`] | local time, slots, the dose schedule, UVCIs, the SMS text |
//! | [`certificate`] | the EU DCC vaccination certificate |
//! | [`lists`] | `POST /v1/vaccination/lists`, table `vaccination_list_entries`, [`lists::priority_group_of`] |
//! | [`coverage`] | `GET /v1/vaccination/coverage` |
//! | [`reconcile`] | `POST /v1/vaccination/reconciliation` |
//!
//! Site staff are health officers whose area covers the site's ward: a site, session or ward outside the
//! caller's area is 404, as for an unknown id. Phones see only the profiles bound on them. Invitations expire
//! lazily: every read or round first marks the pending invitations past their answer time as expired and
//! gives their places to the next people in line.

pub mod certificate;
pub mod coverage;
pub mod db;
pub mod lists;
pub mod reconcile;
pub mod rules;

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use healthbook_protocol::vaccination::{
    AdministerDoseRequest, AdministeredDose, AnswerInvitationRequest, CertificateView, CreateSiteRequest, DoseLookup,
    DoseLookupRequest, InvitationAnswer, InvitationList, InvitationRound, InvitationState, InvitationView, MAX_DOSE_NUMBER,
    PlanSessionRequest, ProfileVaccination, RegisterRequest, RegistrationSource, RegistrationView, SessionView, SiteList,
    SiteStock, SiteView, SlotView, StockDelivery, VaccinationRecords, VaccineProduct, VolunteerRegisterRequest,
};
use healthbook_protocol::{DoseSource, DoseView, ErrorCode, ErrorResponse, Role};
use serde_json::json;

use crate::access::{AccessRecord, AreaScope, Reach, log_access, reach_of};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, IdempotentJson, JsonBody};
use crate::idempotency;
use crate::persons::{self, db::PersonRow};
use crate::storage::Tx;
use crate::util::{clean_name, new_id};
use crate::volunteers;

/// The signer of the certificates of confirmed self-reported doses (no site gave them): a key made and listed
/// like a site's (`site:records` in the trust list), and the `site_id` stored for what it signed. Site ids are
/// UUIDs, so no site takes this one.
pub const RECORDS_SIGNER: &str = "records";
/// The lookup as the access log names it.
const LOOKUP_ENDPOINT: &str = "POST /v1/vaccination/lookup";
/// Longest scanned text accepted by the lookup (a pass or control card is far shorter).
const MAX_SCANNED_CHARS: usize = 2_000;
/// Largest delivery or write-off in one request.
const MAX_DELIVERY_DOSES: i32 = 100_000;
/// How far back a site may date a dose it records (paper records typed in later).
const MAX_DOSE_AGE_DAYS: i64 = 365;

// ---- access helpers ------------------------------------------------------------------------------------------

/// The area of a health officer (site staff), or 403 for anyone else.
fn officer_area(tx: &mut dyn Tx, principal: &Principal) -> Result<AreaScope, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    match reach_of(tx, principal)? {
        Reach::Area(area) => Ok(area),
        Reach::National => Err(ApiError::Forbidden("vaccination sites are run by health officers of an area".into())),
    }
}

fn covers(area: &AreaScope, province: &str, ward: &str) -> bool {
    area.province == province && area.covers_ward(ward)
}

/// A site inside the officer's area; 404 when unknown or outside it.
fn site_in_area(tx: &mut dyn Tx, principal: &Principal, site_id: &str) -> Result<(SiteView, AreaScope), ApiError> {
    let area = officer_area(tx, principal)?;
    let site = db::site(tx, site_id)?.filter(|s| covers(&area, &s.province_code, &s.ward_code)).ok_or(ApiError::NotFound("site"))?;
    Ok((site, area))
}

/// A session whose site lies in the officer's area; 404 otherwise.
fn session_in_area(tx: &mut dyn Tx, principal: &Principal, session_id: &str) -> Result<(db::SessionRow, SiteView), ApiError> {
    let area = officer_area(tx, principal)?;
    let session = db::session(tx, session_id)?.ok_or(ApiError::NotFound("session"))?;
    let site = db::site(tx, &session.site_id)?
        .filter(|s| covers(&area, &s.province_code, &s.ward_code))
        .ok_or(ApiError::NotFound("session"))?;
    Ok((session, site))
}

fn check_ward(field: &'static str, ward: &str) -> Result<(), ApiError> {
    if healthbook_core::admin_units::is_ward_code(ward) {
        return Ok(());
    }
    Err(ApiError::InvalidField { field, field_code: "not_a_ward", message: format!("{field} must be a five-digit ward code") })
}

fn conflict(code: ErrorCode, message: &str) -> ApiError {
    ApiError::Conflict { code, message: message.into() }
}

// ---- registrations -------------------------------------------------------------------------------------------

/// Registers `person` in `ward` (or answers with their registration); every new registration lands in the
/// person's audit trail.
fn register_person(
    tx: &mut dyn Tx,
    actor: &Principal,
    person: &PersonRow,
    ward: &str,
    source: RegistrationSource,
    now: DateTime<Utc>,
) -> Result<(StatusCode, RegistrationView), ApiError> {
    let created = db::insert_registration(tx, &person.id, &person.province_code, ward, source, &actor.account_id, now)?;
    if created {
        let detail = format!("registered for vaccination in ward {ward} ({})", if source == RegistrationSource::Phone { "phone" } else { "volunteer" });
        persons::db::audit(tx, now, actor, "vaccination_registered", Some(&person.id), None, Some(detail))?;
    }
    let view = db::registration_of(tx, &person.id)?.ok_or_else(|| ApiError::Internal("a stored registration is missing".into()))?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, view))
}

/// Registers a profile bound on the calling phone for vaccination in a commune (device); registering again
/// answers with the same registration (200).
#[utoipa::path(
    post, path = "/v1/vaccination/registrations", tag = "vaccination", security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, description = "Unique per logical request")),
    request_body = RegisterRequest,
    responses(
        (status = 201, body = RegistrationView), (status = 200, description = "Already registered", body = RegistrationView),
        (status = 403, body = ErrorResponse), (status = 404, description = "The profile is not bound on this phone", body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub async fn register(State(state): State<AppState>, principal: Principal, request: IdempotentJson<RegisterRequest>) -> Result<Response, ApiError> {
    principal.require(&[Role::Device])?;
    let body = request.body.clone();
    let profile_ref = persons::rules::profile_ref(&body.profile_ref)?;
    check_ward("ward_code", &body.ward_code)?;
    let now = state.now();
    let actor = principal.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let binding = persons::db::binding(tx, &actor.account_id, &profile_ref)?.ok_or(ApiError::NotFound("profile"))?;
        let person = persons::db::person(tx, &binding.person_id)?.ok_or(ApiError::NotFound("profile"))?;
        register_person(tx, &actor, &person, &body.ward_code, RegistrationSource::Phone, now)
    })
    .await
}

/// Registers a person the calling volunteer enrolled (that volunteer; 404 for anyone else's).
#[utoipa::path(
    post, path = "/v1/volunteers/people/{person_id}/vaccination-registration", tag = "vaccination", security(("bearer" = [])),
    params(("person_id" = String, Path), ("Idempotency-Key" = String, Header, description = "Unique per logical request")),
    request_body = VolunteerRegisterRequest,
    responses(
        (status = 201, body = RegistrationView), (status = 200, description = "Already registered", body = RegistrationView),
        (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse), (status = 422, body = ErrorResponse),
    )
)]
pub async fn volunteer_register(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(person_id): ApiPath<String>,
    request: IdempotentJson<VolunteerRegisterRequest>,
) -> Result<Response, ApiError> {
    principal.require(&[Role::Volunteer])?;
    let body = request.body.clone();
    check_ward("ward_code", &body.ward_code)?;
    let now = state.now();
    let actor = principal.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        volunteers::db::enrolled_at(tx, &person_id, &actor.account_id)?.ok_or(ApiError::NotFound("person"))?;
        let person = persons::db::person(tx, &person_id)?.ok_or(ApiError::NotFound("person"))?;
        register_person(tx, &actor, &person, &body.ward_code, RegistrationSource::Volunteer, now)
    })
    .await
}

// ---- sites and stock -----------------------------------------------------------------------------------------

/// Creates a vaccination site in a ward of the caller's area (health officer); the site gets its own signing
/// key, listed in the trust list (role `vaccination_site`, scope `site:{site_id}`).
#[utoipa::path(
    post, path = "/v1/vaccination/sites", tag = "vaccination", security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, description = "Unique per logical request")),
    request_body = CreateSiteRequest,
    responses(
        (status = 201, body = SiteView), (status = 403, body = ErrorResponse),
        (status = 404, description = "The ward is outside the caller's area", body = ErrorResponse), (status = 422, body = ErrorResponse),
    )
)]
pub async fn create_site(State(state): State<AppState>, principal: Principal, request: IdempotentJson<CreateSiteRequest>) -> Result<Response, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    use unicode_normalization::UnicodeNormalization;
    let body = request.body.clone();
    let name = clean_name("name", &body.name.nfc().collect::<String>(), 120)?;
    let address = clean_name("address", &body.address.nfc().collect::<String>(), 200)?;
    check_ward("ward_code", &body.ward_code)?;
    let now = state.now();
    let actor = principal.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let area = officer_area(tx, &actor)?;
        if !area.covers_ward(&body.ward_code) {
            return Err(ApiError::NotFound("ward"));
        }
        let site_id = new_id();
        let (key_id, _) = crate::trust::site_key_pkcs8(tx, &site_id, now)?;
        let site = SiteView { site_id, name, address, province_code: area.province.clone(), ward_code: body.ward_code.clone(), key_id };
        db::insert_site(tx, &site, &actor.account_id, now)?;
        Ok((StatusCode::CREATED, site))
    })
    .await
}

/// The sites in the caller's area, by name (health officer).
#[utoipa::path(
    get, path = "/v1/vaccination/sites", tag = "vaccination", security(("bearer" = [])),
    responses((status = 200, body = SiteList), (status = 403, body = ErrorResponse))
)]
pub async fn list_sites(State(state): State<AppState>, principal: Principal) -> Result<Json<SiteList>, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    let list = state
        .db
        .read(move |tx| {
            let area = officer_area(tx, &principal)?;
            let sites = db::sites_in(tx, Some(&area.province))?.into_iter().filter(|s| area.covers_ward(&s.ward_code)).collect();
            Ok::<_, ApiError>(SiteList { sites })
        })
        .await?;
    Ok(Json(list))
}

fn site_stock(tx: &mut dyn Tx, site_id: &str, now: DateTime<Utc>) -> Result<SiteStock, ApiError> {
    Ok(SiteStock { site_id: site_id.to_owned(), lines: db::stock_lines(tx, site_id)?, held: db::held(tx, site_id, now)? })
}

/// Records doses delivered to a site (a positive count) or written off (negative, with a note); a lot never
/// goes below zero (health officer of the site's area).
#[utoipa::path(
    post, path = "/v1/vaccination/sites/{site_id}/deliveries", tag = "vaccination", security(("bearer" = [])),
    params(("site_id" = String, Path), ("Idempotency-Key" = String, Header, description = "Unique per logical request")),
    request_body = StockDelivery,
    responses(
        (status = 200, body = SiteStock), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, description = "`out_of_stock`: the write-off is larger than the lot", body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub async fn add_delivery(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(site_id): ApiPath<String>,
    request: IdempotentJson<StockDelivery>,
) -> Result<Response, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    let body = request.body.clone();
    let lot = clean_name("lot", &body.lot, 40)?;
    if body.doses == 0 || body.doses.unsigned_abs() > MAX_DELIVERY_DOSES.unsigned_abs() {
        return Err(ApiError::InvalidField { field: "doses", field_code: "out_of_range", message: "doses must be 1 to 100,000, or as many written off".into() });
    }
    let note = body.note.as_deref().map(|n| clean_name("note", n, 200)).transpose()?;
    if body.doses < 0 && note.is_none() {
        return Err(ApiError::InvalidField { field: "note", field_code: "required", message: "a write-off needs a note saying why".into() });
    }
    let now = state.now();
    let actor = principal.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let (site, _) = site_in_area(tx, &actor, &site_id)?;
        let change = db::StockChange {
            site_id: &site.site_id,
            product: body.product,
            lot: &lot,
            doses: i64::from(body.doses),
            expires_on: body.expires_on,
            note: note.as_deref(),
            dose_id: None,
            recorded_by: &actor.account_id,
        };
        if !db::change_stock(tx, &change, now)? {
            return Err(conflict(ErrorCode::OutOfStock, "the lot has fewer doses than written off"));
        }
        Ok((StatusCode::OK, site_stock(tx, &site.site_id, now)?))
    })
    .await
}

/// A site's remaining doses per product and lot, and what open sessions hold (health officer of its area).
#[utoipa::path(
    get, path = "/v1/vaccination/sites/{site_id}/stock", tag = "vaccination", security(("bearer" = [])),
    params(("site_id" = String, Path)),
    responses((status = 200, body = SiteStock), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse))
)]
pub async fn get_stock(State(state): State<AppState>, principal: Principal, ApiPath(site_id): ApiPath<String>) -> Result<Json<SiteStock>, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    let now = state.now();
    let stock = state
        .db
        .read(move |tx| {
            let (site, _) = site_in_area(tx, &principal, &site_id)?;
            site_stock(tx, &site.site_id, now)
        })
        .await?;
    Ok(Json(stock))
}

// ---- sessions and invitations --------------------------------------------------------------------------------

/// An SMS to hand to the sender once the transaction that made the invitation committed.
#[derive(Debug, Clone)]
pub struct Outgoing {
    invitation_id: String,
    phone: String,
    text: String,
}

fn session_view(tx: &mut dyn Tx, session: &db::SessionRow) -> Result<SessionView, ApiError> {
    let taken: HashMap<u32, u32> = db::taken_per_slot(tx, &session.id)?.into_iter().collect();
    let slots = db::slots(tx, &session.id)?
        .into_iter()
        .map(|s| SlotView { slot: s.slot, starts_at: s.starts_at, ends_at: s.ends_at, capacity: s.capacity, taken: taken.get(&s.slot).copied().unwrap_or(0) })
        .collect();
    Ok(SessionView {
        session_id: session.id.clone(),
        site_id: session.site_id.clone(),
        date: session.date,
        product: session.product,
        ward_codes: session.ward_codes.clone(),
        slots,
        invitations: db::invitation_counts(tx, &session.id)?,
        doses_given: db::doses_given(tx, &session.id)?,
    })
}

/// Gives every free place of a session's slots still ahead to the next registered people in line: priority
/// group 1 first, people on no list last, then by registration time; only people whose next dose is due by the
/// session's date and who have no open invitation. Returns how many were invited, how many due people still
/// wait, and the SMS to send.
fn fill_session(tx: &mut dyn Tx, session_id: &str, now: DateTime<Utc>) -> Result<(u32, u32, Vec<Outgoing>), ApiError> {
    // Serialises rounds of the same session (PostgreSQL row lock; SQLite is serial anyway).
    tx.execute("UPDATE vaccination_sessions SET id = id WHERE id = $1", &[session_id.into()])?;
    let session = db::session(tx, session_id)?.ok_or(ApiError::NotFound("session"))?;
    let site = db::site(tx, &session.site_id)?.ok_or_else(|| ApiError::Internal("a session's site is missing".into()))?;
    let taken: HashMap<u32, u32> = db::taken_per_slot(tx, &session.id)?.into_iter().collect();
    let mut free: Vec<(db::SlotRow, u32)> = db::slots(tx, &session.id)?
        .into_iter()
        .filter(|s| s.starts_at > now)
        .map(|s| (s, s.capacity.saturating_sub(taken.get(&s.slot).copied().unwrap_or(0))))
        .filter(|(_, n)| *n > 0)
        .collect();
    let mut line = Vec::new();
    for candidate in db::candidates(tx, &session.ward_codes, &session.id)? {
        let group = lists::priority_group_of(tx, &candidate.person_id)?;
        line.push((group, candidate));
    }
    line.sort_by(|(ga, a), (gb, b)| rules::line_order((*ga, a.registered_at, &a.person_id), (*gb, b.registered_at, &b.person_id)));
    let (mut invited, mut waiting, mut outgoing) = (0, 0, Vec::new());
    for (_, candidate) in line {
        let doses = db::counted_doses(tx, &candidate.person_id)?;
        let Some(dose_number) = rules::due_on(&doses, session.date) else { continue };
        let Some((slot, places)) = free.iter_mut().find(|(_, n)| *n > 0) else {
            waiting += 1;
            continue;
        };
        *places -= 1;
        let invitation = db::InvitationRow {
            id: new_id(),
            session_id: session.id.clone(),
            slot: slot.slot,
            person_id: candidate.person_id.clone(),
            dose_number,
            state: InvitationState::Pending,
            answer_by: rules::answer_by(now, slot.starts_at),
            invited_at: now,
        };
        db::insert_invitation(tx, &invitation)?;
        invited += 1;
        if let Some(phone) = persons::db::person(tx, &candidate.person_id)?.and_then(|p| p.phone) {
            let text = rules::invitation_sms(&site.name, &site.address, slot.starts_at, invitation.answer_by);
            outgoing.push(Outgoing { invitation_id: invitation.id, phone, text });
        }
    }
    Ok((invited, waiting, outgoing))
}

/// Expires the pending invitations past their answer time and refills their sessions.
fn expire_and_refill(tx: &mut dyn Tx, now: DateTime<Utc>) -> Result<Vec<Outgoing>, ApiError> {
    let mut outgoing = Vec::new();
    for session_id in db::expire_due(tx, now)? {
        outgoing.extend(fill_session(tx, &session_id, now)?.2);
    }
    Ok(outgoing)
}

/// Hands the invitation SMS to the sender in a task of its own, after the transaction committed, so a slow
/// gateway never holds the officer's request; a failed SMS is logged without number or text (the invitation is
/// on the phone anyway).
fn send_invitations(state: &AppState, outgoing: Vec<Outgoing>) {
    if outgoing.is_empty() {
        return;
    }
    let (db, sms, now) = (state.db.clone(), state.sms.clone(), state.now());
    tokio::spawn(async move {
        for message in outgoing {
            match sms.send(&message.phone, &message.text).await {
                Ok(()) => {
                    let id = message.invitation_id;
                    if let Err(e) = db.write(move |tx| db::mark_sms_sent(tx, &id, now)).await {
                        tracing::warn!(error = %e, "could not record an invitation SMS as sent");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "an invitation SMS was not sent"),
            }
        }
    });
}

/// Runs `work` in a write transaction after the lazy expiry, then sends the SMS both produced.
async fn with_expiry<T, F>(state: &AppState, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut dyn Tx, DateTime<Utc>) -> Result<(T, Vec<Outgoing>), ApiError> + Send + 'static,
{
    let now = state.now();
    let (value, outgoing) = state
        .db
        .write(move |tx| {
            let mut outgoing = expire_and_refill(tx, now)?;
            let (value, more) = work(tx, now)?;
            outgoing.extend(more);
            Ok::<_, ApiError>((value, outgoing))
        })
        .await?;
    send_invitations(state, outgoing);
    Ok(value)
}

/// Plans a session at a site of the caller's area (health officer): 409 `capacity_above_stock` when its places
/// exceed the site's remaining doses of the product less what its other open sessions hold.
#[utoipa::path(
    post, path = "/v1/vaccination/sessions", tag = "vaccination", security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, description = "Unique per logical request")),
    request_body = PlanSessionRequest,
    responses(
        (status = 201, body = SessionView), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, description = "`capacity_above_stock`", body = ErrorResponse), (status = 422, body = ErrorResponse),
    )
)]
pub async fn plan_session(State(state): State<AppState>, principal: Principal, request: IdempotentJson<PlanSessionRequest>) -> Result<Response, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    let body = request.body.clone();
    let now = state.now();
    if body.date < rules::local_date(now) {
        return Err(ApiError::InvalidField { field: "date", field_code: "in_past", message: "a session is today or later".into() });
    }
    let slots = rules::slots(body.date, &body.slots)?;
    let ends_at = slots.iter().map(|s| s.ends_at).max().unwrap_or(now);
    if ends_at <= now {
        return Err(ApiError::InvalidField { field: "slots", field_code: "in_past", message: "every slot is over".into() });
    }
    if body.ward_codes.len() > rules::MAX_SESSION_WARDS {
        return Err(ApiError::InvalidField { field: "ward_codes", field_code: "count", message: "a session serves at most 50 communes".into() });
    }
    for ward in &body.ward_codes {
        check_ward("ward_codes", ward)?;
    }
    let actor = principal.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let (site, area) = site_in_area(tx, &actor, &body.site_id)?;
        let mut wards = if body.ward_codes.is_empty() { vec![site.ward_code.clone()] } else { body.ward_codes.clone() };
        wards.sort();
        wards.dedup();
        if !wards.iter().all(|w| area.covers_ward(w)) {
            return Err(ApiError::NotFound("ward"));
        }
        // One planner at a time per site, so that two sessions can't both count the same doses as free.
        tx.execute("UPDATE vaccination_sites SET id = id WHERE id = $1", &[site.site_id.clone().into()])?;
        let places: i64 = slots.iter().map(|s| i64::from(s.capacity)).sum();
        let held: i64 = db::held(tx, &site.site_id, now)?.iter().filter(|h| h.product == body.product).map(|h| i64::from(h.doses)).sum();
        if places > db::remaining(tx, &site.site_id, body.product)? - held {
            return Err(conflict(ErrorCode::CapacityAboveStock, "the session has more places than the site has doses left for it"));
        }
        let session = db::SessionRow { id: new_id(), site_id: site.site_id.clone(), date: body.date, product: body.product, ward_codes: wards, ends_at };
        let rows: Vec<db::SlotRow> = slots
            .iter()
            .enumerate()
            .map(|(i, s)| db::SlotRow { slot: i as u32, starts_at: s.starts_at, ends_at: s.ends_at, capacity: s.capacity })
            .collect();
        db::insert_session(tx, &session, &rows, &actor.account_id, now)?;
        Ok((StatusCode::CREATED, session_view(tx, &session)?))
    })
    .await
}

/// A session with its slots and invitations (health officer of the site's area).
#[utoipa::path(
    get, path = "/v1/vaccination/sessions/{session_id}", tag = "vaccination", security(("bearer" = [])),
    params(("session_id" = String, Path)),
    responses((status = 200, body = SessionView), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse))
)]
pub async fn get_session(State(state): State<AppState>, principal: Principal, ApiPath(session_id): ApiPath<String>) -> Result<Json<SessionView>, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    let view = with_expiry(&state, move |tx, _| {
        let (session, _) = session_in_area(tx, &principal, &session_id)?;
        Ok((session_view(tx, &session)?, Vec::new()))
    })
    .await?;
    Ok(Json(view))
}

/// Fills every free place of the session with the next registered people in line and sends each an SMS
/// (health officer of the site's area). Asking again only fills places freed since.
#[utoipa::path(
    post, path = "/v1/vaccination/sessions/{session_id}/invite", tag = "vaccination", security(("bearer" = [])),
    params(("session_id" = String, Path)),
    responses((status = 200, body = InvitationRound), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse))
)]
pub async fn invite(State(state): State<AppState>, principal: Principal, ApiPath(session_id): ApiPath<String>) -> Result<Json<InvitationRound>, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    let round = with_expiry(&state, move |tx, now| {
        let (session, _) = session_in_area(tx, &principal, &session_id)?;
        let (invited, waiting, outgoing) = fill_session(tx, &session.id, now)?;
        let round = InvitationRound { invited, sms_sent: outgoing.len() as u32, waiting, session: session_view(tx, &session)? };
        Ok((round, outgoing))
    })
    .await?;
    tracing::info!(invited = round.invited, waiting = round.waiting, "vaccination invitation round");
    Ok(Json(round))
}

fn invitation_view(tx: &mut dyn Tx, invitation: &db::InvitationRow, profile_ref: &str) -> Result<InvitationView, ApiError> {
    let session = db::session(tx, &invitation.session_id)?.ok_or_else(|| ApiError::Internal("an invitation's session is missing".into()))?;
    let site = db::site(tx, &session.site_id)?.ok_or_else(|| ApiError::Internal("a session's site is missing".into()))?;
    let slot = db::slots(tx, &session.id)?
        .into_iter()
        .find(|s| s.slot == invitation.slot)
        .ok_or_else(|| ApiError::Internal("an invitation's slot is missing".into()))?;
    Ok(InvitationView {
        invitation_id: invitation.id.clone(),
        profile_ref: profile_ref.to_owned(),
        site_name: site.name,
        site_address: site.address,
        starts_at: slot.starts_at,
        ends_at: slot.ends_at,
        product: session.product,
        dose_number: invitation.dose_number,
        state: invitation.state,
        answer_by: invitation.answer_by,
    })
}

/// The invitations of the profiles bound on the calling phone, newest first (device).
#[utoipa::path(
    get, path = "/v1/vaccination/invitations", tag = "vaccination", security(("bearer" = [])),
    responses((status = 200, body = InvitationList), (status = 403, body = ErrorResponse))
)]
pub async fn list_invitations(State(state): State<AppState>, principal: Principal) -> Result<Json<InvitationList>, ApiError> {
    principal.require(&[Role::Device])?;
    let list = with_expiry(&state, move |tx, _| {
        let mut rows = Vec::new();
        for binding in persons::db::bindings_of_device(tx, &principal.account_id)? {
            for invitation in db::invitations_of(tx, &binding.person_id)? {
                rows.push((invitation.invited_at, invitation_view(tx, &invitation, &binding.profile_ref)?));
            }
        }
        rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.invitation_id.cmp(&b.1.invitation_id)));
        Ok((InvitationList { invitations: rows.into_iter().map(|(_, v)| v).collect() }, Vec::new()))
    })
    .await?;
    Ok(Json(list))
}

/// Confirms or declines an invitation (the phone the person is bound on; 404 for any other). A decline frees
/// the place and the next person in line is invited at once; an answer after the deadline, or to an invitation
/// declined, expired or attended, is 409 `invitation_closed`.
#[utoipa::path(
    post, path = "/v1/vaccination/invitations/{invitation_id}/answer", tag = "vaccination", security(("bearer" = [])),
    params(("invitation_id" = String, Path)),
    request_body = AnswerInvitationRequest,
    responses(
        (status = 200, body = InvitationView), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, description = "`invitation_closed`", body = ErrorResponse), (status = 422, body = ErrorResponse),
    )
)]
pub async fn answer_invitation(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(invitation_id): ApiPath<String>,
    JsonBody(body): JsonBody<AnswerInvitationRequest>,
) -> Result<Json<InvitationView>, ApiError> {
    principal.require(&[Role::Device])?;
    let view = with_expiry(&state, move |tx, now| {
        let invitation = db::invitation(tx, &invitation_id)?.ok_or(ApiError::NotFound("invitation"))?;
        let binding = persons::db::bindings_of_device(tx, &principal.account_id)?
            .into_iter()
            .find(|b| b.person_id == invitation.person_id)
            .ok_or(ApiError::NotFound("invitation"))?;
        let closed = || conflict(ErrorCode::InvitationClosed, "this invitation is closed");
        let open = [InvitationState::Pending, InvitationState::Confirmed];
        let mut outgoing = Vec::new();
        match (invitation.state, body.answer) {
            (InvitationState::Confirmed, InvitationAnswer::Confirm) => {}
            (InvitationState::Pending, InvitationAnswer::Confirm) => {
                if !db::move_invitation(tx, &invitation.id, &[InvitationState::Pending], InvitationState::Confirmed, now, None)? {
                    return Err(closed());
                }
            }
            (InvitationState::Pending | InvitationState::Confirmed, InvitationAnswer::Decline) => {
                if !db::move_invitation(tx, &invitation.id, &open, InvitationState::Declined, now, None)? {
                    return Err(closed());
                }
                outgoing = fill_session(tx, &invitation.session_id, now)?.2;
            }
            _ => return Err(closed()),
        }
        let updated = db::invitation(tx, &invitation.id)?.ok_or(ApiError::NotFound("invitation"))?;
        Ok((invitation_view(tx, &updated, &binding.profile_ref)?, outgoing))
    })
    .await?;
    Ok(Json(view))
}

// ---- lookup, doses and certificates --------------------------------------------------------------------------

/// What site staff see after scanning a pass (`HB1:`) or control card (`HK1:`): the credential is verified
/// against the server's own keys and its id finds the person (health officer of the site's area; the read is
/// written to the access log). A person with every dose recorded gets `next_dose_number` 7 (none left).
#[utoipa::path(
    post, path = "/v1/vaccination/lookup", tag = "vaccination", security(("bearer" = [])),
    request_body = DoseLookupRequest,
    responses(
        (status = 200, body = DoseLookup), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 422, description = "Not a pass or card this server issued", body = ErrorResponse),
    )
)]
pub async fn lookup(State(state): State<AppState>, principal: Principal, JsonBody(request): JsonBody<DoseLookupRequest>) -> Result<Json<DoseLookup>, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    if request.scanned.chars().count() > MAX_SCANNED_CHARS {
        return Err(ApiError::InvalidField { field: "scanned", field_code: "too_long", message: "scanned is too long".into() });
    }
    let now = state.now();
    let found = state
        .db
        .write(move |tx| {
            let (site, _) = site_in_area(tx, &principal, &request.site_id)?;
            let person_id = crate::results::db::person_of_pass(tx, &request.scanned).map_err(|_| ApiError::InvalidField {
                field: "scanned",
                field_code: "not_our_credential",
                message: "scanned is not a pass or control card this server issued".into(),
            })?;
            let person = persons::db::person(tx, &person_id)?.ok_or(ApiError::NotFound("person"))?;
            let counted = db::counted_doses(tx, &person.id)?;
            let (next_dose_number, next_due) = rules::next_dose(&counted).unwrap_or((MAX_DOSE_NUMBER + 1, None));
            let today = rules::local_date(now);
            let mut invitation = None;
            for candidate in db::invitations_of(tx, &person.id)? {
                if matches!(candidate.state, InvitationState::Declined | InvitationState::Expired) {
                    continue;
                }
                let Some(session) = db::session(tx, &candidate.session_id)? else { continue };
                if session.site_id == site.site_id && session.date == today {
                    invitation = Some(invitation_view(tx, &candidate, "")?);
                    break;
                }
            }
            let found = DoseLookup {
                person_id: person.id.clone(),
                full_name: person.full_name.clone(),
                birth_year: i32::from(person.birth_year),
                registration: db::registration_of(tx, &person.id)?,
                doses: volunteers::db::doses_of(tx, &person.id)?,
                next_dose_number,
                next_due,
                invitation,
            };
            let filters = json!({ "site_id": site.site_id });
            log_access(tx, AccessRecord { principal: &principal, endpoint: LOOKUP_ENDPOINT, filters, outcome: "ok", record_ids: vec![person.id] }, now)?;
            Ok::<_, ApiError>(found)
        })
        .await?;
    Ok(Json(found))
}

/// Signs and stores a certificate for the person's latest counted dose, unless the current certificate already
/// states it; returns the current certificate (none without a counted dose). The site that gave the dose signs;
/// a confirmed self-reported dose is signed by the records key.
pub fn issue_latest_certificate(tx: &mut dyn Tx, person: &PersonRow, now: DateTime<Utc>) -> Result<Option<CertificateView>, ApiError> {
    let counted = db::counted_doses(tx, &person.id)?;
    let Some(latest) = counted.iter().max_by_key(|d| (d.dose_number, d.date)).copied() else {
        return Ok(None);
    };
    let current = db::current_certificate(tx, &person.id)?;
    if let Some(current) = current.filter(|c| c.dose_number == latest.dose_number && c.date == latest.date && c.product == latest.product) {
        return Ok(Some(current));
    }
    let (dose_id, _, _) = db::dose_numbered(tx, &person.id, latest.dose_number)?.ok_or_else(|| ApiError::Internal("a counted dose is missing".into()))?;
    let signer = db::site_of_dose(tx, &dose_id)?.unwrap_or_else(|| RECORDS_SIGNER.to_owned());
    let (_, pkcs8) = crate::trust::site_key_pkcs8(tx, &signer, now)?;
    let random = crate::util::random_bytes(40)?;
    let uvci = rules::uvci_from(&random).ok_or_else(|| ApiError::Internal("no fresh certificate identifier".into()))?;
    let series_doses = certificate::series_doses(latest.product, latest.dose_number);
    let cert = certificate::VaccinationCertificate {
        full_name: &person.full_name,
        birth_date: person.birth_date.as_deref(),
        birth_year: person.birth_year,
        product: latest.product,
        dose_number: latest.dose_number,
        series_doses,
        date: latest.date,
        uvci: &uvci,
    };
    let (qr, expires_at) = certificate::sign(&pkcs8, &cert, now)?;
    let view = CertificateView {
        uvci: uvci.clone(),
        qr,
        dose_number: latest.dose_number,
        series_doses,
        product: latest.product,
        date: latest.date,
        issued_at: now,
        expires_at,
        replaced_at: None,
    };
    db::insert_certificate(tx, &db::NewCertificate { uvci: &uvci, person_id: &person.id, dose_id: &dose_id, view: &view, site_id: &signer }, now)?;
    Ok(Some(view))
}

/// The product a self-reported paper names, when it names one of the products the certificates know.
pub fn product_from_paper(text: &str) -> Option<VaccineProduct> {
    let lower = text.to_lowercase();
    if let Some(product) = VaccineProduct::parse(lower.trim()).or_else(|| VaccineProduct::from_eu_product(text.trim())) {
        return Some(product);
    }
    let names: [(&[&str], VaccineProduct); 7] = [
        (&["pfizer", "comirnaty", "biontech"], VaccineProduct::Comirnaty),
        (&["moderna", "spikevax"], VaccineProduct::Spikevax),
        (&["astrazeneca", "astra zeneca", "vaxzevria", "covishield"], VaccineProduct::Vaxzevria),
        (&["janssen", "johnson"], VaccineProduct::Janssen),
        (&["sinopharm", "vero cell", "verocell", "bbibp"], VaccineProduct::Sinopharm),
        (&["sputnik", "gam-covid"], VaccineProduct::SputnikV),
        (&["abdala"], VaccineProduct::Abdala),
    ];
    names.iter().find(|(words, _)| words.iter().any(|w| lower.contains(w))).map(|(_, p)| *p)
}

/// Called in the transaction where an officer confirms a self-reported dose: when the paper names a known
/// product, the dose gets its product code (so it counts) and the person a certificate if it is their latest.
pub fn dose_confirmed(tx: &mut dyn Tx, dose: &DoseView, person: &PersonRow, now: DateTime<Utc>) -> Result<(), ApiError> {
    let Some(product) = product_from_paper(&dose.product) else {
        return Ok(());
    };
    db::set_dose_origin(tx, &dose.dose_id, None, None, product)?;
    issue_latest_certificate(tx, person, now)?;
    Ok(())
}

/// Records a dose given at a site (health officer of the site's area), in one transaction: the dose, one dose
/// less of the lot (409 `out_of_stock`), the invitation attended, the audit entry and the new certificate. The
/// same dose again (person, dose number, date, product) answers with the stored one (200) and changes nothing;
/// another dose with that number is 409 `dose_conflict`.
#[utoipa::path(
    post, path = "/v1/vaccination/doses", tag = "vaccination", security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, description = "Unique per logical request")),
    request_body = AdministerDoseRequest,
    responses(
        (status = 201, body = AdministeredDose), (status = 200, description = "The same dose, recorded already", body = AdministeredDose),
        (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse),
        (status = 409, description = "`out_of_stock`, `dose_conflict` or `invitation_closed`", body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub async fn administer_dose(State(state): State<AppState>, principal: Principal, request: IdempotentJson<AdministerDoseRequest>) -> Result<Response, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    let body = request.body.clone();
    let lot = clean_name("lot", &body.lot, 40)?;
    if !(1..=MAX_DOSE_NUMBER).contains(&body.dose_number) {
        return Err(ApiError::InvalidField { field: "dose_number", field_code: "out_of_range", message: "dose_number must be 1 to 6".into() });
    }
    let now = state.now();
    let today = rules::local_date(now);
    if body.date > today || body.date < today - Duration::days(MAX_DOSE_AGE_DAYS) {
        return Err(ApiError::InvalidField { field: "date", field_code: "out_of_range", message: "date is in the future or over a year ago".into() });
    }
    let actor = principal.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let (site, _) = site_in_area(tx, &actor, &body.site_id)?;
        let person = persons::db::person(tx, &body.person_id)?.ok_or(ApiError::NotFound("person"))?;
        // One recorder at a time per person, so the same dose sent twice at once is stored once.
        persons::db::lock_person(tx, &person.id)?;
        if let Some((dose_id, date, code)) = db::dose_numbered(tx, &person.id, body.dose_number)? {
            if date == body.date && code.as_deref() == Some(body.product.as_str()) {
                let dose = volunteers::db::dose(tx, &dose_id)?.ok_or_else(|| ApiError::Internal("a stored dose is missing".into()))?;
                let certificate = match db::certificate_of_dose(tx, &dose_id)? {
                    Some(c) => c,
                    None => issue_latest_certificate(tx, &person, now)?.ok_or_else(|| ApiError::Internal("no certificate".into()))?,
                };
                return Ok((StatusCode::OK, AdministeredDose { dose, certificate }));
            }
            return Err(conflict(ErrorCode::DoseConflict, "another dose with this number is recorded for the person"));
        }
        let session_id = match &body.invitation_id {
            Some(id) => {
                let invitation = db::invitation(tx, id)?.filter(|i| i.person_id == person.id).ok_or(ApiError::NotFound("invitation"))?;
                let session = db::session(tx, &invitation.session_id)?.filter(|s| s.site_id == site.site_id).ok_or(ApiError::NotFound("invitation"))?;
                if !matches!(invitation.state, InvitationState::Pending | InvitationState::Confirmed) {
                    return Err(conflict(ErrorCode::InvitationClosed, "this invitation is closed"));
                }
                Some(session.id)
            }
            None => db::session_on(tx, &site.site_id, body.date, body.product)?,
        };
        let dose_id = new_id();
        let change = db::StockChange {
            site_id: &site.site_id,
            product: body.product,
            lot: &lot,
            doses: -1,
            expires_on: None,
            note: None,
            dose_id: Some(&dose_id),
            recorded_by: &actor.account_id,
        };
        if !db::change_stock(tx, &change, now)? {
            return Err(conflict(ErrorCode::OutOfStock, "the site has no dose of this lot left"));
        }
        volunteers::db::insert_dose(
            tx,
            &volunteers::db::NewDose {
                id: &dose_id,
                person_id: &person.id,
                product: body.product.display_name(),
                dose_number: body.dose_number,
                date: body.date,
                lot: Some(&lot),
                source: DoseSource::Site,
                recorded_by: &actor.account_id,
            },
            now,
        )?;
        db::set_dose_origin(tx, &dose_id, Some(&site.site_id), session_id.as_deref(), body.product)?;
        if let Some(id) = &body.invitation_id {
            db::move_invitation(tx, id, &[InvitationState::Pending, InvitationState::Confirmed], InvitationState::Attended, now, Some(&dose_id))?;
        }
        let detail = format!("dose {} ({dose_id}) given at site {}", body.dose_number, site.site_id);
        persons::db::audit(tx, now, &actor, "vaccination_dose_recorded", Some(&person.id), None, Some(detail))?;
        let certificate = issue_latest_certificate(tx, &person, now)?.ok_or_else(|| ApiError::Internal("no certificate".into()))?;
        let dose = volunteers::db::dose(tx, &dose_id)?.ok_or_else(|| ApiError::Internal("a stored dose is missing".into()))?;
        Ok((StatusCode::CREATED, AdministeredDose { dose, certificate }))
    })
    .await
}

/// The vaccination records of every profile bound on the calling phone (device): registration, doses, when
/// the next is due, the current certificate and the ones it replaced.
#[utoipa::path(
    get, path = "/v1/vaccination/records", tag = "vaccination", security(("bearer" = [])),
    responses((status = 200, body = VaccinationRecords), (status = 403, body = ErrorResponse))
)]
pub async fn records(State(state): State<AppState>, principal: Principal) -> Result<Json<VaccinationRecords>, ApiError> {
    principal.require(&[Role::Device])?;
    let records = state
        .db
        .read(move |tx| {
            let mut profiles = Vec::new();
            for binding in persons::db::bindings_of_device(tx, &principal.account_id)? {
                let person = &binding.person_id;
                let counted = db::counted_doses(tx, person)?;
                profiles.push(ProfileVaccination {
                    profile_ref: binding.profile_ref.clone(),
                    registration: db::registration_of(tx, person)?,
                    doses: volunteers::db::doses_of(tx, person)?,
                    next_due: rules::next_dose(&counted).and_then(|(_, due)| due).filter(|_| !counted.is_empty()),
                    certificate: db::current_certificate(tx, person)?,
                    history: db::certificate_history(tx, person)?,
                });
            }
            Ok::<_, ApiError>(VaccinationRecords { profiles })
        })
        .await?;
    Ok(Json(records))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn papers_name_products_in_many_ways() {
        assert_eq!(product_from_paper("AstraZeneca"), Some(VaccineProduct::Vaxzevria));
        assert_eq!(product_from_paper("Pfizer-BioNTech"), Some(VaccineProduct::Comirnaty));
        assert_eq!(product_from_paper("Vero Cell"), Some(VaccineProduct::Sinopharm));
        assert_eq!(product_from_paper("EU/1/20/1507"), Some(VaccineProduct::Spikevax));
        assert_eq!(product_from_paper("sputnik_v"), Some(VaccineProduct::SputnikV));
        assert_eq!(product_from_paper("thuốc lạ"), None);
    }
}
