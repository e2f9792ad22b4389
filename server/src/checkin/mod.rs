//! Check-in both ways (issue 16), the server side: venues and their gates, signed venue posters (`HP1:`), the
//! passages gate devices upload in batches (idempotent per passage id), risky venues published as hashed ids,
//! the health officer's query of who passed a venue's gates (logged), and the compliance view.
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | the handlers: who may call what, input checks; the retention purge |
//! | `db.rs` | storage, inside the caller's transaction |
//! | `rules.rs` | what a venue, a passage and a cursor must look like; the venue hash; stored enum names |

pub mod db;
pub mod rules;

use std::collections::{BTreeMap, HashMap, HashSet};

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use healthbook_core::credentials::{CredentialId, CredentialSigner, OwnPayload, VenuePoster};
use healthbook_protocol::{AreaScope, CreateGateRequest, ErrorResponse, GateView, Role};

pub use healthbook_protocol::{
    ComplianceQuery, ComplianceReport, CreateVenueRequest, MarkRiskyRequest, PassageBatch, PassageBatchReport, PassagePage,
    PassageQuery, PosterView, RiskyVenueList, RiskyWindow, SilentVenue, VenueDay, VenueList, VenueView,
};

use crate::access::{AccessRecord, Reach, log_access, reach_of};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, IdempotentJson};
use crate::idempotency;
use crate::storage::{Database, Tx};
use crate::util::clean_name;

/// Id of the service key that signs venue posters (see `trust::SERVICE_KEYS`).
pub const VENUE_POSTERS_KEY: &str = "venue-posters";
/// How long a poster's signature is valid; a new one can be fetched at any time.
pub const POSTER_VALIDITY_DAYS: i64 = 365;
/// Largest passage batch body: 1,000 passages of about 260 bytes, with room for formatting.
pub const PASSAGES_BODY_LIMIT_BYTES: usize = 512 * 1024;
/// The officer's query as the access log names it.
const PASSAGES_ENDPOINT: &str = "GET /v1/venues/{venue_id}/passages";

fn forbidden(message: &str) -> ApiError {
    ApiError::Forbidden(message.to_owned())
}

/// Whether an officer's area covers a venue: its province, and its ward when the area lists wards.
fn area_covers(area: &AreaScope, venue: &VenueView) -> bool {
    area.province == venue.province_code && area.covers_ward(&venue.ward_code)
}

/// The venue, or 404.
fn load_venue(tx: &mut dyn Tx, venue_id: &str) -> Result<VenueView, ApiError> {
    db::venue(tx, venue_id)?.ok_or(ApiError::NotFound("venue"))
}

/// The venue, when a health officer's area covers it; 403 for any other caller or a venue outside the area.
fn officer_venue(tx: &mut dyn Tx, principal: &Principal, venue_id: &str) -> Result<VenueView, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    let venue = load_venue(tx, venue_id)?;
    match reach_of(tx, principal)? {
        Reach::Area(area) if area_covers(&area, &venue) => Ok(venue),
        _ => Err(forbidden("this venue is outside your area")),
    }
}

/// Registers a venue of an agency (authority admin, that agency's admin).
#[utoipa::path(
    post, path = "/v1/agencies/{agency_id}/venues", tag = "checkin", security(("bearer" = [])),
    request_body = CreateVenueRequest,
    params(
        ("agency_id" = String, Path, description = "Agency id"),
        ("Idempotency-Key" = String, Header, description = "Unique per logical request; reuse it on retries"),
    ),
    responses(
        (status = 201, body = VenueView),
        (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub async fn create_venue(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(agency_id): ApiPath<String>,
    request: IdempotentJson<CreateVenueRequest>,
) -> Result<Response, ApiError> {
    if !principal.can_manage_agency(&agency_id) {
        return Err(forbidden("only the authority or this agency's admin may register venues"));
    }
    let venue = rules::validated_venue(request.body.clone())?;
    let now = state.now();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        if tx.query_opt("SELECT id FROM agencies WHERE id = $1", &[agency_id.clone().into()])?.is_none() {
            return Err(ApiError::NotFound("agency"));
        }
        Ok((StatusCode::CREATED, db::insert_venue(tx, &agency_id, venue, now)?))
    })
    .await
}

/// An agency's venues, by name (authority admin, that agency's admin and gate operators).
#[utoipa::path(
    get, path = "/v1/agencies/{agency_id}/venues", tag = "checkin", security(("bearer" = [])),
    params(("agency_id" = String, Path, description = "Agency id")),
    responses((status = 200, body = VenueList), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse))
)]
pub async fn list_venues(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(agency_id): ApiPath<String>,
) -> Result<Json<VenueList>, ApiError> {
    if !principal.can_read_agency(&agency_id) {
        return Err(forbidden("this agency is outside your scope"));
    }
    let venues = state
        .db
        .read(move |tx| {
            if tx.query_opt("SELECT id FROM agencies WHERE id = $1", &[agency_id.clone().into()])?.is_none() {
                return Err(ApiError::NotFound("agency"));
            }
            db::agency_venues(tx, &agency_id)
        })
        .await?;
    Ok(Json(VenueList { venues }))
}

/// A venue (authority admin, its agency's admin and gate operators, health officers whose area covers it).
#[utoipa::path(
    get, path = "/v1/venues/{venue_id}", tag = "checkin", security(("bearer" = [])),
    params(("venue_id" = String, Path, description = "Venue id")),
    responses((status = 200, body = VenueView), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse))
)]
pub async fn get_venue(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(venue_id): ApiPath<String>,
) -> Result<Json<VenueView>, ApiError> {
    let venue = state
        .db
        .read(move |tx| {
            let venue = load_venue(tx, &venue_id)?;
            if principal.can_read_agency(&venue.agency_id) {
                return Ok(venue);
            }
            if principal.role == Role::HealthOfficer
                && let Reach::Area(area) = reach_of(tx, &principal)?
                && area_covers(&area, &venue)
            {
                return Ok(venue);
            }
            Err(forbidden("this venue is outside your scope"))
        })
        .await?;
    Ok(Json(venue))
}

/// The venue's poster, freshly signed by the server's `venue-posters` key (authority admin, its agency's admin).
#[utoipa::path(
    get, path = "/v1/venues/{venue_id}/poster", tag = "checkin", security(("bearer" = [])),
    params(("venue_id" = String, Path, description = "Venue id")),
    responses((status = 200, body = PosterView), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse))
)]
pub async fn get_poster(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(venue_id): ApiPath<String>,
) -> Result<Json<PosterView>, ApiError> {
    let now = state.now();
    // A write transaction: the first poster creates the signing key and lists it in the trust list.
    let poster = state
        .db
        .write(move |tx| {
            let venue = load_venue(tx, &venue_id)?;
            if !principal.can_manage_agency(&venue.agency_id) {
                return Err(forbidden("only the authority or this venue's agency admin may print its poster"));
            }
            sign_poster(tx, &venue, now)
        })
        .await?;
    Ok(Json(poster))
}

/// Signs `venue`'s poster with the `venue-posters` key, valid [`POSTER_VALIDITY_DAYS`] from `now`.
pub fn sign_poster(tx: &mut dyn Tx, venue: &VenueView, now: DateTime<Utc>) -> Result<PosterView, ApiError> {
    let internal = |e: healthbook_core::credentials::CredentialError| ApiError::Internal(e.to_string());
    let pkcs8 = crate::trust::service_key_pkcs8(tx, VENUE_POSTERS_KEY, now)?;
    let signer = CredentialSigner::from_pkcs8(&pkcs8, crate::passes::ISSUER).map_err(internal)?;
    let payload = OwnPayload::VenuePoster(VenuePoster {
        venue_id: venue.id.clone(),
        name: venue.name.clone(),
        gate: None,
        admin_unit: Some(venue.ward_code.clone()),
        agency_id: Some(venue.agency_id.clone()),
        province: Some(venue.province_code.clone()),
        // The phone checks a visitor out after the venue's usual stay, and names the kind of place in its diary.
        stay_minutes: Some(venue.default_stay_minutes),
        kind: Some(venue.kind),
    });
    let expires_at = now + Duration::days(POSTER_VALIDITY_DAYS);
    let cti = CredentialId::random().map_err(internal)?;
    let qr_text = signer.issue_with_cti(&payload, &cti.bytes, now, expires_at).map_err(internal)?;
    Ok(PosterView { venue_id: venue.id.clone(), qr_text, expires_at })
}

/// Adds a gate to a venue (authority admin, its agency's admin); the gate records its venue.
#[utoipa::path(
    post, path = "/v1/venues/{venue_id}/gates", tag = "checkin", security(("bearer" = [])),
    request_body = CreateGateRequest,
    params(
        ("venue_id" = String, Path, description = "Venue id"),
        ("Idempotency-Key" = String, Header, description = "Unique per logical request; reuse it on retries"),
    ),
    responses(
        (status = 201, body = GateView),
        (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse),
        (status = 422, body = ErrorResponse),
    )
)]
pub async fn create_venue_gate(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(venue_id): ApiPath<String>,
    request: IdempotentJson<CreateGateRequest>,
) -> Result<Response, ApiError> {
    let name = clean_name("name", &request.body.name, 200)?;
    let now = state.now();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let venue = load_venue(tx, &venue_id)?;
        if !principal.can_manage_agency(&venue.agency_id) {
            return Err(forbidden("only the authority or this venue's agency admin may add gates"));
        }
        Ok((StatusCode::CREATED, db::insert_venue_gate(tx, &venue, name, now)?))
    })
    .await
}

/// A gate, as a gate device checks it before binding itself (authority admin, the gate agency's admin and gate
/// operators).
#[utoipa::path(
    get, path = "/v1/gates/{gate_id}", tag = "checkin", security(("bearer" = [])),
    params(("gate_id" = String, Path, description = "Gate id")),
    responses((status = 200, body = GateView), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse))
)]
pub async fn get_gate(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(gate_id): ApiPath<String>,
) -> Result<Json<GateView>, ApiError> {
    let gate = state
        .db
        .read(move |tx| {
            let gate = db::gate(tx, &gate_id)?.ok_or(ApiError::NotFound("gate"))?;
            if !principal.can_read_agency(&gate.agency_id) {
                return Err(forbidden("this gate is outside your scope"));
            }
            Ok(gate)
        })
        .await?;
    Ok(Json(gate))
}

/// Stores a batch of 1 to 1,000 passages recorded at a gate (the gate agency's gate operators and admin). Each
/// passage id is stored once: a batch sent again, or re-cut after a crash, stores nothing twice.
#[utoipa::path(
    post, path = "/v1/gates/{gate_id}/passages", tag = "checkin", security(("bearer" = [])),
    request_body = PassageBatch,
    params(
        ("gate_id" = String, Path, description = "Gate id"),
        ("Idempotency-Key" = String, Header, description = "Unique per logical request; reuse it on retries"),
    ),
    responses(
        (status = 200, body = PassageBatchReport),
        (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse),
        (status = 413, body = ErrorResponse),
        (status = 422, description = "No passage or over 1,000, an id that is not a UUID, a malformed credential id, or a scan dated in the future", body = ErrorResponse),
    )
)]
pub async fn upload_passages(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(gate_id): ApiPath<String>,
    request: IdempotentJson<PassageBatch>,
) -> Result<Response, ApiError> {
    principal.require(&[Role::GateOperator, Role::AgencyAdmin])?;
    let now = state.now();
    rules::check_batch(&request.body.passages, now)?;
    // A batch that repeats an id stores it once; the repeat counts as already stored.
    let mut seen = HashSet::with_capacity(request.body.passages.len());
    let passages: Vec<_> = request.body.passages.iter().filter(|p| seen.insert(p.id.as_str())).cloned().collect();
    // Scans older than the retention period would be deleted by the next purge: acknowledged, never stored.
    let kept_since = now - state.config.passages_retention;
    let (passages, expired): (Vec<_>, Vec<_>) = passages.into_iter().partition(|p| p.scanned_at >= kept_since);
    let expired = expired.len() as u64;
    let total = request.body.passages.len() as u64 - expired;
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let gate = db::gate(tx, &gate_id)?.ok_or(ApiError::NotFound("gate"))?;
        if principal.agency_id.as_deref() != Some(gate.agency_id.as_str()) {
            return Err(forbidden("this gate belongs to another agency"));
        }
        let stored = db::store_passages(tx, &gate, &passages, &principal.account_id, now)?;
        let report = PassageBatchReport {
            stored: u32::try_from(stored).unwrap_or(u32::MAX),
            already_stored: u32::try_from(total - stored).unwrap_or(u32::MAX),
            expired: u32::try_from(expired).unwrap_or(u32::MAX),
        };
        Ok((StatusCode::OK, report))
    })
    .await
}

/// Marks a venue risky for a window of at most 14 days (health officer whose area covers the venue).
#[utoipa::path(
    post, path = "/v1/risky-venues", tag = "checkin", security(("bearer" = [])),
    request_body = MarkRiskyRequest,
    params(("Idempotency-Key" = String, Header, description = "Unique per logical request; reuse it on retries")),
    responses(
        (status = 201, body = RiskyWindow),
        (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse),
        (status = 422, description = "`to` not after `from`, a window over 14 days, or one that ended over 21 days ago", body = ErrorResponse),
    )
)]
pub async fn mark_risky(
    State(state): State<AppState>,
    principal: Principal,
    request: IdempotentJson<MarkRiskyRequest>,
) -> Result<Response, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    let body = request.body.clone();
    let now = state.now();
    if body.to <= body.from || body.to - body.from > Duration::days(rules::MAX_RISKY_WINDOW_DAYS) {
        return Err(ApiError::InvalidField {
            field: "to",
            field_code: "out_of_range",
            message: format!("to must come after from, at most {} days later", rules::MAX_RISKY_WINDOW_DAYS),
        });
    }
    if body.to < now - Duration::days(rules::RISKY_PUBLISHED_DAYS) {
        return Err(ApiError::InvalidField {
            field: "to",
            field_code: "too_old",
            message: format!("a window that ended over {} days ago would never be published", rules::RISKY_PUBLISHED_DAYS),
        });
    }
    let marked_by = principal.account_id.clone();
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let venue = officer_venue(tx, &principal, &body.venue_id)?;
        let window = db::insert_risky_window(tx, &venue.id, body.from, body.to, body.advice, &marked_by, now)?;
        Ok((StatusCode::CREATED, window))
    })
    .await
}

/// The risky windows that ended within the last 21 days, each venue only as its hash (any signed-in account).
#[utoipa::path(
    get, path = "/v1/risky-venues", tag = "checkin", security(("bearer" = [])),
    responses((status = 200, body = RiskyVenueList), (status = 401, body = ErrorResponse))
)]
pub async fn list_risky(State(state): State<AppState>, _principal: Principal) -> Result<Json<RiskyVenueList>, ApiError> {
    let now = state.now();
    let since = now - Duration::days(rules::RISKY_PUBLISHED_DAYS);
    let windows = state.db.read(move |tx| db::risky_windows_since(tx, since)).await?;
    Ok(Json(RiskyVenueList { generated_at: now, windows }))
}

/// Who passed a venue's gates in `[from, to)`, by scan time then id, a page at a time (health officer whose
/// area covers the venue). Every page read is written to the access log with the passage ids it returned.
#[utoipa::path(
    get, path = "/v1/venues/{venue_id}/passages", tag = "checkin", security(("bearer" = [])),
    params(
        ("venue_id" = String, Path, description = "Venue id"),
        ("from" = String, Query, format = DateTime, description = "Start of the window (inclusive)"),
        ("to" = String, Query, format = DateTime, description = "End of the window (exclusive)"),
        ("after" = Option<String>, Query, description = "The `next` of the previous page"),
        ("limit" = Option<u32>, Query, description = "Page size, 1-1,000 (default 500)"),
    ),
    responses(
        (status = 200, body = PassagePage),
        (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse),
        (status = 422, description = "`to` not after `from`, a bad cursor or page size", body = ErrorResponse),
    )
)]
pub async fn list_passages(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(venue_id): ApiPath<String>,
    Query(query): Query<PassageQuery>,
) -> Result<Json<PassagePage>, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    if query.to <= query.from {
        return Err(ApiError::InvalidField { field: "to", field_code: "out_of_range", message: "to must come after from".into() });
    }
    let limit = rules::page_size(query.limit)?;
    let after = query.after.as_deref().map(rules::Cursor::parse).transpose()?;
    let now = state.now();
    // A write transaction, because the access log entry must commit with the read or not at all.
    let page = state
        .db
        .write(move |tx| {
            let venue = officer_venue(tx, &principal, &venue_id)?;
            let mut rows = db::passage_page(tx, &venue.id, query.from, query.to, after.as_ref(), limit)?;
            let next = (rows.len() > limit as usize)
                .then(|| {
                    rows.truncate(limit as usize);
                    rows.last().map(|(record, ms)| rules::Cursor { scanned_at_ms: *ms, id: record.id.clone() }.encode())
                })
                .flatten();
            let passages: Vec<_> = rows.into_iter().map(|(record, _)| record).collect();
            let filters = serde_json::json!({ "venue_id": venue.id, "from": query.from, "to": query.to, "after": query.after });
            let record_ids = passages.iter().map(|p| p.id.clone()).collect();
            log_access(tx, AccessRecord { principal: &principal, endpoint: PASSAGES_ENDPOINT, filters, outcome: "ok", record_ids }, now)?;
            Ok::<_, ApiError>(PassagePage { passages, next })
        })
        .await?;
    Ok(Json(page))
}

/// Whose venues a compliance report covers.
enum ComplianceScope {
    /// Every venue (authority admin).
    All,
    /// One agency's (agency admin).
    Agency(String),
    /// Those in an area (health officer).
    Area(AreaScope),
}

/// Passages per venue per day, and the venues that recorded none, within the caller's scope (health officer:
/// venues in their area; agency admin: their agency's; authority admin: all), for at most 92 days.
#[utoipa::path(
    get, path = "/v1/checkin/compliance", tag = "checkin", security(("bearer" = [])),
    params(
        ("from" = String, Query, format = Date, description = "First day (UTC), inclusive, YYYY-MM-DD"),
        ("to" = String, Query, format = Date, description = "Last day (UTC), inclusive, YYYY-MM-DD"),
    ),
    responses(
        (status = 200, body = ComplianceReport),
        (status = 403, body = ErrorResponse),
        (status = 422, description = "`to` before `from`, or a period over 92 days", body = ErrorResponse),
    )
)]
pub async fn compliance(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<ComplianceQuery>,
) -> Result<Json<ComplianceReport>, ApiError> {
    principal.require(&[Role::HealthOfficer, Role::AgencyAdmin, Role::AuthorityAdmin])?;
    rules::check_period(query.from, query.to)?;
    let report = state
        .db
        .read(move |tx| {
            let scope = match principal.role {
                Role::AuthorityAdmin => ComplianceScope::All,
                Role::AgencyAdmin => ComplianceScope::Agency(
                    principal.agency_id.clone().ok_or_else(|| forbidden("this account has no agency"))?,
                ),
                _ => match reach_of(tx, &principal)? {
                    Reach::Area(area) => ComplianceScope::Area(area),
                    Reach::National => ComplianceScope::All,
                },
            };
            let (agency, province) = match &scope {
                ComplianceScope::All => (None, None),
                ComplianceScope::Agency(agency) => (Some(agency.as_str()), None),
                ComplianceScope::Area(area) => (None, Some(area.province.as_str())),
            };
            let venues: Vec<VenueView> = db::venues_where(tx, agency, province)?
                .into_iter()
                .filter(|v| match &scope {
                    ComplianceScope::Area(area) => area_covers(area, v),
                    _ => true,
                })
                .collect();
            let counts = db::passages_per_day(tx, agency, province, query.from, query.to)?;
            Ok::<_, ApiError>(compliance_report(venues, counts))
        })
        .await?;
    Ok(Json(report))
}

/// The report from the venues in scope (by ward then name) and passage counts per (venue, day); counts of
/// venues outside the scope are dropped.
fn compliance_report(venues: Vec<VenueView>, counts: Vec<(String, chrono::NaiveDate, u32)>) -> ComplianceReport {
    let by_id: HashMap<&str, &VenueView> = venues.iter().map(|v| (v.id.as_str(), v)).collect();
    let mut days: BTreeMap<(chrono::NaiveDate, String, String), VenueDay> = BTreeMap::new();
    let mut active = HashSet::new();
    for (venue_id, day, passages) in counts {
        let Some(venue) = by_id.get(venue_id.as_str()) else { continue };
        active.insert(venue.id.clone());
        days.insert(
            (day, venue.name.clone(), venue.id.clone()),
            VenueDay { venue_id: venue.id.clone(), venue_name: venue.name.clone(), ward_code: venue.ward_code.clone(), day, passages },
        );
    }
    let silent_venues = venues
        .iter()
        .filter(|v| !active.contains(&v.id))
        .map(|v| SilentVenue {
            venue_id: v.id.clone(),
            venue_name: v.name.clone(),
            kind: v.kind,
            ward_code: v.ward_code.clone(),
            agency_id: v.agency_id.clone(),
        })
        .collect();
    ComplianceReport { days: days.into_values().collect(), silent_venues }
}

/// Deletes passages scanned more than `passages_retention` before `now`, and risky windows that ended more than
/// 21 days before it; returns the rows deleted.
pub async fn purge_expired(db: &Database, now: DateTime<Utc>, passages_retention: Duration) -> Result<u64, ApiError> {
    let windows_cutoff = now - Duration::days(rules::RISKY_PUBLISHED_DAYS);
    db.write(move |tx| db::purge(tx, now - passages_retention, windows_cutoff)).await
}

/// Runs [`purge_expired`] now and then every [`crate::results::PURGE_INTERVAL`], for as long as the server serves.
pub async fn keep_purging(state: AppState) {
    let mut ticks = tokio::time::interval(crate::results::PURGE_INTERVAL);
    loop {
        ticks.tick().await;
        match purge_expired(&state.db, state.now(), state.config.passages_retention).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "passages and risky windows past their retention deleted"),
            // The database is away: the next tick tries again.
            Err(e) => tracing::warn!(error = %e, "could not delete passages past their retention"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};
    use healthbook_protocol::VenueKind;

    fn venue(id: &str, name: &str, ward: &str) -> VenueView {
        VenueView {
            id: id.into(),
            agency_id: "a1".into(),
            name: name.into(),
            kind: VenueKind::Shop,
            address: "x".into(),
            province_code: "79".into(),
            ward_code: ward.into(),
            default_stay_minutes: 30,
            created_at: Utc.with_ymd_and_hms(2021, 9, 1, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn the_report_orders_days_then_names_and_lists_silent_venues() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2021, 9, d).unwrap();
        let venues = vec![venue("v1", "Bank", "26734"), venue("v2", "Apple shop", "26734"), venue("v3", "Quiet", "26700")];
        let counts = vec![
            ("v1".to_owned(), day(2), 5),
            ("v2".to_owned(), day(2), 7),
            ("v1".to_owned(), day(1), 3),
            ("elsewhere".to_owned(), day(1), 9),
        ];
        let report = compliance_report(venues, counts);
        let rows: Vec<(NaiveDate, &str, u32)> = report.days.iter().map(|d| (d.day, d.venue_name.as_str(), d.passages)).collect();
        assert_eq!(rows, vec![(day(1), "Bank", 3), (day(2), "Apple shop", 7), (day(2), "Bank", 5)]);
        assert_eq!(report.silent_venues.len(), 1);
        assert_eq!(report.silent_venues[0].venue_id, "v3");
    }

    #[test]
    fn an_area_covers_venues_of_its_province_and_wards() {
        let area = AreaScope { province: "79".into(), wards: vec!["26734".into()] };
        assert!(area_covers(&area, &venue("v", "n", "26734")));
        assert!(!area_covers(&area, &venue("v", "n", "26740")));
        let other = AreaScope { province: "01".into(), wards: vec![] };
        assert!(!area_covers(&other, &venue("v", "n", "26734")));
    }
}
