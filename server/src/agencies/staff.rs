//! Staff rosters: imported by the agency's admin, every row checked again; a citizen id is kept only as the keyed
//! hash persons use, to find the same person under two staff numbers. Listing gives back no citizen id or phone.

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Datelike, Utc};
use healthbook_core::trust::RevocationKind;
use healthbook_protocol::{ErrorResponse, StaffConflict, StaffImportReport, StaffImportRequest, StaffList, StaffView};
use serde_json::json;

use super::roster_limit::{self, Intake, WindowUse, citizen_id_entry};
use super::rules::{self, CheckedStaff};
use crate::access::{AccessRecord, log_access};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiPath, IdempotentJson};
use crate::idempotency;
use crate::persons::db::{person_id_hash_with, person_id_key};
use crate::storage::{Tx, Value};
use crate::util::to_ms;

/// Rows per multi-row INSERT: 5,000 single inserts would be 5,000 round trips to PostgreSQL.
const INSERT_CHUNK: usize = 250;

/// A stored roster row, as compared with an imported one.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stored {
    full_name: String,
    department: String,
    phone: Option<String>,
    citizen_id_hash: Option<String>,
    birth_year: Option<i64>,
}

/// Imports a roster (that agency's admin): every row is checked again and one bad row refuses the whole request
/// (422, naming the row's index and field); a citizen id already registered under another staff number of the
/// agency is reported as a conflict and not stored; the same rows again change nothing. The citizen ids new to
/// the roster count against the agency's daily cap ([`roster_limit`]): over it, 429 and nothing stored.
#[utoipa::path(
    post, path = "/v1/agencies/{agency_id}/staff", tag = "agencies",
    security(("bearer" = [])),
    request_body = StaffImportRequest,
    params(
        ("agency_id" = String, Path, description = "Agency id"),
        ("Idempotency-Key" = String, Header, description = "Unique per logical request; reuse it on retries"),
    ),
    responses(
        (status = 200, body = StaffImportReport),
        (status = 403, body = ErrorResponse),
        (status = 404, body = ErrorResponse),
        (status = 413, description = "Over the roster body limit", body = ErrorResponse),
        (status = 422, description = "A malformed row (the first one's index and field in `fields`), or not 1 to 5,000 rows", body = ErrorResponse),
        (status = 429, description = "`roster_citizen_id_limit`: the import would take the agency over its daily cap of citizen ids new to its roster; nothing is stored (`Retry-After`)", body = ErrorResponse),
    )
)]
pub async fn import_staff(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(agency_id): ApiPath<String>,
    request: IdempotentJson<StaffImportRequest>,
) -> Result<Response, ApiError> {
    super::require_own_admin(&principal, &agency_id, "only this agency's admin may import its staff")?;
    rules::batch_size("staff", request.body.staff.len())?;
    let now = state.now();
    let rows = request
        .body
        .staff
        .iter()
        .enumerate()
        .map(|(index, row)| rules::staff_member(row, now.year()).map_err(|problem| rules::row_error("staff", index, problem)))
        .collect::<Result<Vec<_>, ApiError>>()?;
    let mut seen = HashMap::with_capacity(rows.len());
    for (index, row) in rows.iter().enumerate() {
        if seen.insert(row.staff_number.as_str(), index).is_some() {
            return Err(rules::row_error(
                "staff",
                index,
                ("staff_number", "duplicate", "the staff number is on an earlier row of this request".into()),
            ));
        }
    }
    let cap = state.config.roster_new_citizen_ids_per_day;
    idempotency::run(&state, principal.idempotency_scope(), &request, move |tx| {
        let Imported { report, intake, staff_numbers, window } = import(tx, &agency_id, rows, cap, now)?;
        tracing::info!(
            agency_id = %agency_id,
            added = report.added,
            updated = report.updated,
            unchanged = report.unchanged,
            conflicts = report.conflicts.len(),
            "staff roster imported"
        );
        if let Some(window) = window {
            // Counts and staff numbers only: never a citizen id, nor its hash.
            let record = AccessRecord {
                principal: &principal,
                endpoint: "POST /v1/agencies/{agency_id}/staff",
                filters: json!({
                    "agency_id": agency_id,
                    "new_citizen_ids": intake.total(),
                    "citizen_ids_added": intake.added,
                    "citizen_ids_supplied": intake.supplied,
                    "citizen_ids_changed": intake.changed,
                    "new_citizen_ids_in_24h": window.after,
                    "daily_cap": window.cap,
                }),
                outcome: "ok",
                record_ids: staff_numbers,
            };
            log_access(tx, record, now)?;
            warn_of_churn(&agency_id, intake, window);
        }
        Ok((StatusCode::OK, report))
    })
    .await
}

/// Logs `roster_churn` for an operator to alert on: an import that changed existing staff members' citizen ids
/// (the way to probe many ids through few rows), or one that leaves the agency above half its daily cap.
fn warn_of_churn(agency_id: &str, intake: Intake, window: WindowUse) {
    let reason = match (intake.changed > 0, window.above_half()) {
        (true, _) => "citizen_ids_changed",
        (false, true) => "over_half_of_daily_cap",
        (false, false) => return,
    };
    tracing::warn!(
        event = "roster_churn",
        reason,
        agency_id = %agency_id,
        new_citizen_ids = intake.total(),
        citizen_ids_changed = intake.changed,
        in_last_24h = window.after,
        cap = window.cap,
        "a roster import brought citizen ids that warrant a look"
    );
}

/// What [`import`] did.
struct Imported {
    report: StaffImportReport,
    /// The citizen ids that entered the roster.
    intake: Intake,
    /// The staff numbers of the rows they entered on.
    staff_numbers: Vec<String>,
    /// The agency's daily cap around this import, when it brought any citizen id.
    window: Option<WindowUse>,
}

/// Stores checked rows in the caller's transaction, once the citizen ids they bring fit the agency's daily `cap`
/// (refused otherwise, before anything is written).
fn import(tx: &mut dyn Tx, agency_id: &str, rows: Vec<CheckedStaff>, cap: u32, now: DateTime<Utc>) -> Result<Imported, ApiError> {
    // A no-op update takes the agency's row lock on PostgreSQL, so two imports into one agency run one after the
    // other and the duplicate check below sees the other's rows (SQLite writes one at a time anyway).
    if tx.execute("UPDATE agencies SET name = name WHERE id = $1", &[agency_id.into()])? == 0 {
        return Err(ApiError::NotFound("agency"));
    }
    let mut stored: HashMap<String, Stored> = HashMap::new();
    let mut by_hash: HashMap<String, String> = HashMap::new();
    for row in tx.query(
        "SELECT staff_number, full_name, department, phone, citizen_id_hash, birth_year FROM agency_staff WHERE agency_id = $1",
        &[agency_id.into()],
    )? {
        let staff_number = row.text(0)?;
        let entry = Stored {
            full_name: row.text(1)?,
            department: row.text(2)?,
            phone: row.opt_text(3)?,
            citizen_id_hash: row.opt_text(4)?,
            birth_year: row.opt_int(5)?,
        };
        if let Some(hash) = &entry.citizen_id_hash {
            by_hash.insert(hash.clone(), staff_number.clone());
        }
        stored.insert(staff_number, entry);
    }
    let key = person_id_key(tx)?;
    let mut report = StaffImportReport { added: 0, updated: 0, unchanged: 0, conflicts: Vec::new() };
    let mut new_rows = Vec::new();
    let mut changed_rows = Vec::new();
    let mut intake = Intake::default();
    let mut staff_numbers = Vec::new();
    for row in rows {
        let hash = row.citizen_id.as_deref().map(|id| person_id_hash_with(&key, id));
        if let Some(hash) = &hash
            && by_hash.get(hash).is_some_and(|holder| *holder != row.staff_number)
        {
            report.conflicts.push(StaffConflict {
                staff_number: row.staff_number,
                reason: "the citizen id is already registered under another staff number of this agency".into(),
            });
            continue;
        }
        let wanted = Stored {
            full_name: row.full_name,
            department: row.department,
            phone: row.phone,
            citizen_id_hash: hash,
            birth_year: row.birth_year.map(i64::from),
        };
        let current = stored.get(&row.staff_number);
        if let Some(entry) =
            citizen_id_entry(current.map(|c| c.citizen_id_hash.as_deref()), wanted.citizen_id_hash.as_deref())
        {
            intake.count(entry);
            staff_numbers.push(row.staff_number.clone());
        }
        match current {
            Some(current) if *current == wanted => report.unchanged += 1,
            Some(current) => {
                if let Some(old) = &current.citizen_id_hash {
                    by_hash.remove(old);
                }
                changed_rows.push((row.staff_number.clone(), wanted.clone()));
                report.updated += 1;
                remember(&mut by_hash, &mut stored, row.staff_number, wanted);
            }
            None => {
                new_rows.push((row.staff_number.clone(), wanted.clone()));
                report.added += 1;
                remember(&mut by_hash, &mut stored, row.staff_number, wanted);
            }
        }
    }
    // Before anything is written; a refusal rolls the transaction back all the same.
    let window = roster_limit::admit(tx, agency_id, intake, cap, now)?;
    // In the order the rows came, as the duplicate check above assumed.
    for (staff_number, row) in &changed_rows {
        update_row(tx, agency_id, staff_number, row, now)?;
    }
    // After the updates, so that a citizen id an update moved away is free for a new row.
    for chunk in new_rows.chunks(INSERT_CHUNK) {
        insert_rows(tx, agency_id, chunk, now)?;
    }
    Ok(Imported { report, intake, staff_numbers, window })
}

fn update_row(tx: &mut dyn Tx, agency_id: &str, staff_number: &str, row: &Stored, now: DateTime<Utc>) -> Result<(), ApiError> {
    tx.execute(
        "UPDATE agency_staff SET full_name = $1, department = $2, phone = $3, citizen_id_hash = $4, \
         birth_year = $5, updated_at = $6 WHERE agency_id = $7 AND staff_number = $8",
        &[
            row.full_name.clone().into(),
            row.department.clone().into(),
            opt_text(&row.phone),
            opt_text(&row.citizen_id_hash),
            row.birth_year.map_or(Value::Null, Value::Int),
            Value::Int(to_ms(now)),
            agency_id.into(),
            staff_number.into(),
        ],
    )?;
    Ok(())
}

fn remember(by_hash: &mut HashMap<String, String>, stored: &mut HashMap<String, Stored>, staff_number: String, row: Stored) {
    if let Some(hash) = &row.citizen_id_hash {
        by_hash.insert(hash.clone(), staff_number.clone());
    }
    stored.insert(staff_number, row);
}

fn opt_text(value: &Option<String>) -> Value {
    value.clone().map_or(Value::Null, Value::Text)
}

fn insert_rows(tx: &mut dyn Tx, agency_id: &str, rows: &[(String, Stored)], now: DateTime<Utc>) -> Result<(), ApiError> {
    const COLUMNS: usize = 9;
    let mut sql = String::from(
        "INSERT INTO agency_staff (agency_id, staff_number, full_name, department, phone, citizen_id_hash, birth_year, \
         created_at, updated_at) VALUES ",
    );
    let mut params = Vec::with_capacity(rows.len() * COLUMNS);
    for (i, (staff_number, row)) in rows.iter().enumerate() {
        let placeholders: Vec<String> = (1..=COLUMNS).map(|c| format!("${}", i * COLUMNS + c)).collect();
        sql.push_str(if i == 0 { "(" } else { ", (" });
        sql.push_str(&placeholders.join(", "));
        sql.push(')');
        params.extend([
            agency_id.into(),
            staff_number.clone().into(),
            row.full_name.clone().into(),
            row.department.clone().into(),
            opt_text(&row.phone),
            opt_text(&row.citizen_id_hash),
            row.birth_year.map_or(Value::Null, Value::Int),
            Value::Int(to_ms(now)),
            Value::Int(to_ms(now)),
        ]);
    }
    tx.execute(&sql, &params)?;
    Ok(())
}

/// Lists an agency's staff by staff number, with each member's cards that are not revoked (authority admin, or
/// that agency's admin). No citizen id or phone comes back; the read is written to the access log.
#[utoipa::path(
    get, path = "/v1/agencies/{agency_id}/staff", tag = "agencies",
    security(("bearer" = [])),
    params(("agency_id" = String, Path, description = "Agency id")),
    responses((status = 200, body = StaffList), (status = 403, body = ErrorResponse), (status = 404, body = ErrorResponse))
)]
pub async fn list_staff(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(agency_id): ApiPath<String>,
) -> Result<Json<StaffList>, ApiError> {
    if !principal.can_manage_agency(&agency_id) {
        return Err(ApiError::Forbidden("only the authority or this agency's admin may list its staff".into()));
    }
    let now = state.now();
    let list = state
        .db
        .write(move |tx| {
            if !super::agency_exists(tx, &agency_id)? {
                return Err(ApiError::NotFound("agency"));
            }
            let mut cards: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for row in tx.query(
                "SELECT c.staff_number, c.card_id FROM agency_cards c WHERE c.agency_id = $1 AND NOT EXISTS \
                 (SELECT 1 FROM revocations r WHERE r.kind = $2 AND r.target = c.card_id) ORDER BY c.card_id",
                &[agency_id.clone().into(), RevocationKind::Credential.as_str().into()],
            )? {
                cards.entry(row.text(0)?).or_default().push(row.text(1)?);
            }
            let staff = tx
                .query(
                    "SELECT staff_number, full_name, department, CASE WHEN citizen_id_hash IS NULL THEN 0 ELSE 1 END FROM agency_staff \
                     WHERE agency_id = $1 ORDER BY staff_number",
                    &[agency_id.clone().into()],
                )?
                .iter()
                .map(|row| {
                    let staff_number = row.text(0)?;
                    Ok(StaffView {
                        active_cards: cards.remove(&staff_number).unwrap_or_default(),
                        staff_number,
                        full_name: row.text(1)?,
                        department: row.text(2)?,
                        has_citizen_id: row.int(3)? != 0,
                    })
                })
                .collect::<Result<Vec<_>, ApiError>>()?;
            let record = AccessRecord {
                principal: &principal,
                endpoint: "GET /v1/agencies/{agency_id}/staff",
                filters: json!({ "agency_id": agency_id }),
                outcome: "ok",
                record_ids: staff.iter().map(|s| s.staff_number.clone()).collect(),
            };
            log_access(tx, record, now)?;
            Ok::<_, ApiError>(StaffList { staff })
        })
        .await?;
    Ok(Json(list))
}
