//! Adoption per agency (issue 14): counts of an agency's roster entries that joined (their citizen id's keyed
//! hash names a person bound on some device), hold a fresh pass, and hold a valid staff card, by department; the
//! entries not joined; and the same counts per agency for the authority. Each figure set is one aggregate query
//! over indexes that exist already: `agency_staff` by its primary key, `persons.id_hash` (unique),
//! `person_bindings_person`, `issued_passes_person`, `agency_cards_staff` and the revocations' primary key.
//! No pass status and nothing per joined person is read or returned.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use healthbook_core::trust::RevocationKind;
use healthbook_protocol::{
    AdoptionCounts, AdoptionRollup, AgencyAdoption, AgencyAdoptionSummary, DepartmentAdoption, ErrorResponse, NotJoined, Role,
};
use serde_json::json;

use crate::access::{AccessRecord, log_access};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::storage::{Row, Tx, Value};
use crate::util::to_ms;

/// The joined person of a roster entry `s`, if any: `persons.id_hash` is unique, so at most one row matches, and a
/// person counts only while bound to a profile on at least one device.
const JOINED_PERSON: &str = "LEFT JOIN persons p ON p.id_hash = s.citizen_id_hash \
     AND EXISTS (SELECT 1 FROM person_bindings b WHERE b.person_id = p.id)";

/// The four counts over the rows of `s` (roster) and `p` (joined person), with `now` the placeholder of the moment
/// judged and `kind` that of the cards' revocation kind. A NULL row of `s` (an agency with no roster) counts nowhere.
fn counts_sql(now: &str, kind: &str) -> String {
    format!(
        "COUNT(s.staff_number), COUNT(p.id), \
         SUM(CASE WHEN p.id IS NOT NULL AND EXISTS (SELECT 1 FROM issued_passes ip WHERE ip.person_id = p.id \
             AND ip.issued_at <= {now} AND ip.expires_at > {now}) THEN 1 ELSE 0 END), \
         SUM(CASE WHEN EXISTS (SELECT 1 FROM agency_cards c WHERE c.agency_id = s.agency_id AND c.staff_number = s.staff_number \
             AND c.issued_at <= {now} AND c.expires_at > {now} \
             AND NOT EXISTS (SELECT 1 FROM revocations r WHERE r.kind = {kind} AND r.target = c.card_id)) THEN 1 ELSE 0 END)"
    )
}

fn count(row: &Row, index: usize) -> Result<u32, ApiError> {
    // SUM over no rows is NULL on both backends; a count never exceeds the 5,000-row roster limit per import,
    // but many imports add up, so the conversion is checked rather than cast.
    let value = row.opt_int(index)?.unwrap_or(0);
    u32::try_from(value).map_err(|_| ApiError::Internal("adoption count out of range".into()))
}

fn counts(row: &Row, first: usize) -> Result<AdoptionCounts, ApiError> {
    Ok(AdoptionCounts {
        roster: count(row, first)?,
        joined: count(row, first + 1)?,
        fresh_pass: count(row, first + 2)?,
        valid_card: count(row, first + 3)?,
    })
}

/// The query of [`department_counts`]: `$1` the agency, `$2` the moment judged, `$3` the cards' revocation kind
/// (public so that the bench can show its plan).
pub fn department_sql() -> String {
    format!(
        "SELECT s.department, {} FROM agency_staff s {JOINED_PERSON} WHERE s.agency_id = $1 GROUP BY s.department",
        counts_sql("$2", "$3")
    )
}

/// One agency's figures by department, in the caller's transaction (the endpoint's unit, and the bench's).
pub fn department_counts(tx: &mut dyn Tx, agency_id: &str, now: DateTime<Utc>) -> Result<Vec<DepartmentAdoption>, ApiError> {
    let mut departments = tx
        .query(&department_sql(), &[agency_id.into(), Value::Int(to_ms(now)), RevocationKind::Credential.as_str().into()])?
        .iter()
        .map(|row| Ok(DepartmentAdoption { department: row.text(0)?, counts: counts(row, 1)? }))
        .collect::<Result<Vec<_>, ApiError>>()?;
    // Sorted here, not in SQL: PostgreSQL's collation and SQLite's byte order would list Vietnamese names apart.
    departments.sort_by(|a, b| a.department.cmp(&b.department));
    Ok(departments)
}

/// One agency's roster entries not joined, by department then staff number.
pub fn not_joined(tx: &mut dyn Tx, agency_id: &str) -> Result<Vec<NotJoined>, ApiError> {
    let mut rows = tx
        .query(
            "SELECT s.staff_number, s.full_name, s.department, CASE WHEN s.citizen_id_hash IS NULL THEN 0 ELSE 1 END \
             FROM agency_staff s WHERE s.agency_id = $1 AND NOT EXISTS (SELECT 1 FROM persons p \
             JOIN person_bindings b ON b.person_id = p.id WHERE p.id_hash = s.citizen_id_hash)",
            &[agency_id.into()],
        )?
        .iter()
        .map(|row| {
            Ok(NotJoined {
                staff_number: row.text(0)?,
                full_name: row.text(1)?,
                department: row.text(2)?,
                has_citizen_id: row.int(3)? != 0,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    rows.sort_by(|a, b| (&a.department, &a.staff_number).cmp(&(&b.department, &b.staff_number)));
    Ok(rows)
}

/// Every agency's figures (zeros for one with no roster), by name then id.
pub fn agency_counts(tx: &mut dyn Tx, now: DateTime<Utc>) -> Result<Vec<AgencyAdoptionSummary>, ApiError> {
    let sql = format!(
        "SELECT a.id, a.name, {} FROM agencies a LEFT JOIN agency_staff s ON s.agency_id = a.id {JOINED_PERSON} \
         GROUP BY a.id, a.name",
        counts_sql("$1", "$2")
    );
    let mut agencies = tx
        .query(&sql, &[Value::Int(to_ms(now)), RevocationKind::Credential.as_str().into()])?
        .iter()
        .map(|row| Ok(AgencyAdoptionSummary { agency_id: row.text(0)?, agency_name: row.text(1)?, counts: counts(row, 2)? }))
        .collect::<Result<Vec<_>, ApiError>>()?;
    agencies.sort_by(|a, b| (&a.agency_name, &a.agency_id).cmp(&(&b.agency_name, &b.agency_id)));
    Ok(agencies)
}

/// Sums figure sets.
fn total<'a>(sets: impl Iterator<Item = &'a AdoptionCounts>) -> AdoptionCounts {
    let mut total = AdoptionCounts::default();
    for set in sets {
        total.add(set);
    }
    total
}

/// An agency's adoption by department and the staff not joined yet (that agency's admin, or the authority admin).
/// Another agency's admin is told the agency does not exist; the names read are written to the access log.
#[utoipa::path(
    get, path = "/v1/agencies/{agency_id}/adoption", tag = "agencies",
    security(("bearer" = [])),
    params(("agency_id" = String, Path, description = "Agency id")),
    responses(
        (status = 200, body = AgencyAdoption),
        (status = 401, body = ErrorResponse),
        (status = 403, description = "Neither an agency admin nor the authority admin", body = ErrorResponse),
        (status = 404, description = "No such agency, or another agency's", body = ErrorResponse),
    )
)]
pub async fn agency_adoption(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(agency_id): ApiPath<String>,
) -> Result<Json<AgencyAdoption>, ApiError> {
    match principal.role {
        Role::AuthorityAdmin => {}
        Role::AgencyAdmin if principal.agency_id.as_deref() == Some(agency_id.as_str()) => {}
        Role::AgencyAdmin => return Err(ApiError::NotFound("agency")),
        _ => return Err(ApiError::Forbidden("only the agency's admin or the authority admin may read its adoption".into())),
    }
    let now = state.now();
    let adoption = state
        .db
        .write(move |tx| {
            let agency_name = tx
                .query_opt("SELECT name FROM agencies WHERE id = $1", &[agency_id.clone().into()])?
                .ok_or(ApiError::NotFound("agency"))?
                .text(0)?;
            let departments = department_counts(tx, &agency_id, now)?;
            let not_joined = not_joined(tx, &agency_id)?;
            let record = AccessRecord {
                principal: &principal,
                endpoint: "GET /v1/agencies/{agency_id}/adoption",
                filters: json!({ "agency_id": agency_id }),
                outcome: "ok",
                record_ids: not_joined.iter().map(|s| s.staff_number.clone()).collect(),
            };
            log_access(tx, record, now)?;
            let total = total(departments.iter().map(|d| &d.counts));
            Ok::<_, ApiError>(AgencyAdoption { agency_id, agency_name, as_of: now, departments, total, not_joined })
        })
        .await?;
    Ok(Json(adoption))
}

/// Every agency's adoption figures for the province, numbers only (authority admin).
#[utoipa::path(
    get, path = "/v1/adoption/agencies", tag = "agencies",
    security(("bearer" = [])),
    responses((status = 200, body = AdoptionRollup), (status = 401, body = ErrorResponse), (status = 403, body = ErrorResponse))
)]
pub async fn adoption_rollup(State(state): State<AppState>, principal: Principal) -> Result<Json<AdoptionRollup>, ApiError> {
    principal.require(&[Role::AuthorityAdmin])?;
    let now = state.now();
    let agencies = state.db.read(move |tx| agency_counts(tx, now)).await?;
    let total = total(agencies.iter().map(|a| &a.counts));
    Ok(Json(AdoptionRollup { as_of: now, agencies, total }))
}
