//! `POST /v1/vaccination/reconciliation`: another platform's dose export compared with the counted doses of the
//! people in the officer's area (by their address or their registration's commune). A citizen id that matches
//! no person in the area is `unknown_person`, whether or not the person exists elsewhere, so the answer reveals
//! nothing outside the area. The read is logged.

use std::collections::{BTreeMap, HashMap, HashSet};

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use healthbook_protocol::vaccination::{
    Discrepancy, DiscrepancyKind, MAX_DOSE_NUMBER, MAX_RECONCILIATION_ROWS, ReconciliationReport, ReconciliationUpload,
    VaccineProduct,
};
use healthbook_protocol::{AreaScope, ErrorResponse, Role};
use unicode_normalization::UnicodeNormalization;

use super::coverage::counted_dose_sql;
use super::lists::{officer_area, query_in};
use crate::access::{AccessRecord, log_access};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::persons::db::{person_id_hash_with, person_id_key};
use crate::storage::{Row, Tx};

const ENDPOINT: &str = "POST /v1/vaccination/reconciliation";
/// Body limit: [`MAX_RECONCILIATION_ROWS`] rows of about 100 bytes of JSON.
pub const RECONCILIATION_BODY_LIMIT_BYTES: usize = 16 * 1024 * 1024;
/// Longest platform name.
const MAX_PLATFORM_CHARS: usize = 60;

/// Compares another platform's export with the doses recorded here (health officer).
#[utoipa::path(
    post, path = "/v1/vaccination/reconciliation", tag = "vaccination", security(("bearer" = [])),
    request_body = ReconciliationUpload,
    responses(
        (status = 200, body = ReconciliationReport),
        (status = 422, description = "A bad platform name, too many rows, or a row with a bad id or dose number", body = ErrorResponse),
        (status = 403, body = ErrorResponse),
    )
)]
pub async fn reconcile(
    State(state): State<AppState>,
    principal: Principal,
    Json(upload): Json<ReconciliationUpload>,
) -> Result<Json<ReconciliationReport>, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    let platform: String = upload.platform.nfc().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ");
    if platform.is_empty() || platform.chars().count() > MAX_PLATFORM_CHARS || platform.chars().any(char::is_control) {
        return Err(ApiError::InvalidRequest(format!("platform must be 1 to {MAX_PLATFORM_CHARS} characters")));
    }
    if upload.rows.len() > MAX_RECONCILIATION_ROWS {
        return Err(ApiError::InvalidRequest(format!("at most {MAX_RECONCILIATION_ROWS} rows")));
    }
    for row in &upload.rows {
        let id_ok = matches!(row.citizen_id.len(), 9 | 12) && row.citizen_id.bytes().all(|b| b.is_ascii_digit());
        if !id_ok || !(1..=MAX_DOSE_NUMBER).contains(&row.dose_number) {
            // The line, never the id.
            return Err(ApiError::InvalidRequest(format!("line {}: a bad citizen id or dose number", row.line)));
        }
    }
    let now = state.now();
    let report = state
        .db
        .write(move |tx| {
            let area = officer_area(tx, &principal, None)?;
            let report = compare(tx, &area, platform, &upload)?;
            let ids: HashSet<&str> = report.discrepancies.iter().filter_map(|d| d.person_id.as_deref()).collect();
            let mut record_ids: Vec<String> = ids.into_iter().map(str::to_owned).collect();
            record_ids.sort();
            let filters = serde_json::json!({ "platform": report.platform, "rows": report.rows, "scope": area });
            log_access(tx, AccessRecord { principal: &principal, endpoint: ENDPOINT, filters, outcome: "ok", record_ids }, now)?;
            Ok::<_, ApiError>(report)
        })
        .await?;
    tracing::info!(rows = report.rows, matching = report.matching, discrepancies = report.discrepancies.len(), "reconciliation");
    Ok(Json(report))
}

/// Whether a person (address, then registration commune) is in `area`.
fn in_area(area: &AreaScope, row: &Row, from: usize) -> Result<bool, ApiError> {
    let (province, ward) = (row.text(from)?, row.opt_text(from + 1)?);
    let (reg_province, reg_ward) = (row.opt_text(from + 2)?, row.opt_text(from + 3)?);
    let by_address = province == area.province && ward.as_deref().map_or(area.wards.is_empty(), |w| area.covers_ward(w));
    let by_registration = reg_province.as_deref() == Some(area.province.as_str()) && reg_ward.as_deref().is_some_and(|w| area.covers_ward(w));
    Ok(by_address || by_registration)
}

/// One of our doses: date and product (none when a confirmed paper record names no known product).
type OurDose = (NaiveDate, Option<VaccineProduct>);

fn describe(date: NaiveDate, product: Option<VaccineProduct>) -> String {
    match product {
        Some(product) => format!("{date} {}", product.as_str()),
        None => date.to_string(),
    }
}

fn compare(tx: &mut dyn Tx, area: &AreaScope, platform: String, upload: &ReconciliationUpload) -> Result<ReconciliationReport, ApiError> {
    let key = person_id_key(tx)?;
    let hashes: Vec<String> = upload.rows.iter().map(|r| person_id_hash_with(&key, &r.citizen_id)).collect();
    let mut unique: Vec<String> = hashes.iter().cloned().collect::<HashSet<_>>().into_iter().collect();
    unique.sort();
    let sql = "SELECT p.id_hash, p.id, p.province_code, p.ward_code, r.province_code, r.ward_code FROM persons p \
               LEFT JOIN vaccination_registrations r ON r.person_id = p.id WHERE p.id_hash IN ({})";
    let mut people: HashMap<String, String> = HashMap::new();
    for row in query_in(tx, sql, &[], &unique)? {
        if in_area(area, &row, 2)? {
            people.insert(row.text(0)?, row.text(1)?);
        }
    }
    // Our counted doses of everyone in the area; a site record wins over a confirmed paper one for the same dose.
    let rows = tx.query(
        &format!(
            "SELECT d.person_id, d.dose_number, d.dose_date, d.product_code, p.province_code, p.ward_code, r.province_code, \
             r.ward_code, d.source FROM doses d JOIN persons p ON p.id = d.person_id \
             LEFT JOIN vaccination_registrations r ON r.person_id = p.id \
             WHERE {} AND (p.province_code = $1 OR r.province_code = $1) ORDER BY d.person_id, d.dose_number, d.source DESC",
            counted_dose_sql()
        ),
        &[area.province.clone().into()],
    )?;
    let mut ours: BTreeMap<(String, u8), OurDose> = BTreeMap::new();
    for row in &rows {
        if !in_area(area, row, 4)? {
            continue;
        }
        let number = u8::try_from(row.int(1)?).map_err(|_| ApiError::Internal("bad dose number".into()))?;
        let date = NaiveDate::parse_from_str(&row.text(2)?, "%Y-%m-%d").map_err(|_| ApiError::Internal("bad dose date".into()))?;
        let product = row.opt_text(3)?.as_deref().and_then(VaccineProduct::parse);
        let slot = ours.entry((row.text(0)?, number)).or_insert((date, product));
        if row.text(8)? == healthbook_protocol::DoseSource::Site.as_str() {
            *slot = (date, product);
        }
    }
    let mut discrepancies = Vec::new();
    let mut matching = 0u32;
    let mut mentioned: HashSet<(String, u8)> = HashSet::new();
    for (row, hash) in upload.rows.iter().zip(&hashes) {
        let theirs_text = describe(row.date, Some(row.product));
        let Some(person) = people.get(hash) else {
            discrepancies.push(Discrepancy {
                person_id: None,
                line: Some(row.line),
                dose_number: row.dose_number,
                kind: DiscrepancyKind::UnknownPerson,
                ours: None,
                theirs: Some(theirs_text),
            });
            continue;
        };
        let slot = (person.clone(), row.dose_number);
        mentioned.insert(slot.clone());
        let base = Discrepancy {
            person_id: Some(person.clone()),
            line: Some(row.line),
            dose_number: row.dose_number,
            kind: DiscrepancyKind::MissingHere,
            ours: None,
            theirs: None,
        };
        match ours.get(&slot) {
            None => discrepancies.push(Discrepancy { theirs: Some(theirs_text), ..base }),
            Some(&(date, product)) => {
                let mut agrees = true;
                if date != row.date {
                    agrees = false;
                    discrepancies.push(Discrepancy {
                        kind: DiscrepancyKind::DateDiffers,
                        ours: Some(date.to_string()),
                        theirs: Some(row.date.to_string()),
                        ..base.clone()
                    });
                }
                if let Some(product) = product
                    && product != row.product
                {
                    agrees = false;
                    discrepancies.push(Discrepancy {
                        kind: DiscrepancyKind::ProductDiffers,
                        ours: Some(product.as_str().to_owned()),
                        theirs: Some(row.product.as_str().to_owned()),
                        ..base
                    });
                }
                matching += u32::from(agrees);
            }
        }
    }
    for ((person, number), (date, product)) in &ours {
        if !mentioned.contains(&(person.clone(), *number)) {
            discrepancies.push(Discrepancy {
                person_id: Some(person.clone()),
                line: None,
                dose_number: *number,
                kind: DiscrepancyKind::MissingThere,
                ours: Some(describe(*date, *product)),
                theirs: None,
            });
        }
    }
    discrepancies.sort_by(|a, b| {
        (a.person_id.as_deref().unwrap_or(""), a.dose_number, a.line.unwrap_or(u32::MAX))
            .cmp(&(b.person_id.as_deref().unwrap_or(""), b.dose_number, b.line.unwrap_or(u32::MAX)))
    });
    Ok(ReconciliationReport { platform, rows: u32::try_from(upload.rows.len()).unwrap_or(u32::MAX), matching, discrepancies })
}
