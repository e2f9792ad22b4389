//! `GET /v1/vaccination/coverage`: per commune and priority group, how many listed people registered, got a
//! counted dose (recorded at a site, or self-reported and confirmed), and completed the primary series; and the
//! priority-group people still lacking a registration or a dose. The read is logged (it names people).

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::extract::{Query, State};
use healthbook_core::admin_units::is_ward_code;
use healthbook_protocol::vaccination::{CoverageGap, CoverageQuery, CoverageReport, CoverageRow, VaccineProduct};
use healthbook_protocol::{DoseSource, ErrorResponse, Role};

use super::lists::{officer_area, placeholders};
use crate::access::{AccessRecord, log_access};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::storage::{Tx, Value};

const ENDPOINT: &str = "GET /v1/vaccination/coverage";
/// Series length assumed for a confirmed self-reported dose whose product was not mapped to a known one.
const DEFAULT_SERIES_DOSES: u8 = 2;

/// SQL condition of a counted dose (on `doses d`).
pub(crate) fn counted_dose_sql() -> String {
    format!("(d.source = '{}' OR d.confirmed_at IS NOT NULL)", DoseSource::Site.as_str())
}

/// Coverage of one commune, or of every commune in the caller's area (health officer).
#[utoipa::path(
    get, path = "/v1/vaccination/coverage", tag = "vaccination", security(("bearer" = [])),
    params(CoverageQuery),
    responses(
        (status = 200, body = CoverageReport),
        (status = 403, body = ErrorResponse),
        (status = 404, description = "The ward is outside the officer's area", body = ErrorResponse),
    )
)]
pub async fn coverage(
    State(state): State<AppState>,
    principal: Principal,
    Query(query): Query<CoverageQuery>,
) -> Result<Json<CoverageReport>, ApiError> {
    principal.require(&[Role::HealthOfficer])?;
    if query.ward_code.as_deref().is_some_and(|w| !is_ward_code(w)) {
        return Err(ApiError::InvalidRequest("ward_code must have 5 digits".into()));
    }
    let now = state.now();
    // A write transaction, because the access log entry must commit with the read or not at all.
    let report = state
        .db
        .write(move |tx| {
            let area = officer_area(tx, &principal, query.ward_code.as_deref())?;
            let wards: Vec<String> = match &query.ward_code {
                Some(ward) => vec![ward.clone()],
                None => area.wards.clone(),
            };
            let report = compute(tx, &area.province, &wards)?;
            let filters = serde_json::json!({ "ward_code": query.ward_code, "scope": area });
            let record_ids = report.gaps.iter().map(|g| format!("{}/{}", g.ward_code, g.line)).collect();
            log_access(tx, AccessRecord { principal: &principal, endpoint: ENDPOINT, filters, outcome: "ok", record_ids }, now)?;
            Ok::<_, ApiError>(report)
        })
        .await?;
    Ok(Json(report))
}

/// Coverage of the lists of `province`, limited to `wards` unless it is empty.
pub fn compute(tx: &mut dyn Tx, province: &str, wards: &[String]) -> Result<CoverageReport, ApiError> {
    let ward_filter = if wards.is_empty() { String::new() } else { format!(" AND e.ward_code IN ({})", placeholders(2, wards.len())) };
    let params: Vec<Value> = std::iter::once(province.into()).chain(wards.iter().map(Value::from)).collect();
    let entries = tx.query(
        &format!(
            "SELECT e.ward_code, e.line, e.full_name, e.priority_group, p.id, \
             CASE WHEN r.id IS NULL THEN 0 ELSE 1 END \
             FROM vaccination_list_entries e LEFT JOIN persons p ON p.id_hash = e.id_hash \
             LEFT JOIN vaccination_registrations r ON r.person_id = p.id \
             WHERE e.province_code = $1{ward_filter} ORDER BY e.ward_code, e.line"
        ),
        &params,
    )?;
    let doses = tx.query(
        &format!(
            "SELECT d.person_id, d.dose_number, d.product_code FROM doses d WHERE {} AND d.person_id IN \
             (SELECT p.id FROM persons p JOIN vaccination_list_entries e ON e.id_hash = p.id_hash \
              WHERE e.province_code = $1{ward_filter})",
            counted_dose_sql()
        ),
        &params,
    )?;
    // Per person: (has a counted dose, completed the primary series).
    let mut dosed: HashMap<String, bool> = HashMap::new();
    for row in &doses {
        let number = row.int(1)?;
        let series = row.opt_text(2)?.as_deref().and_then(VaccineProduct::parse).map_or(DEFAULT_SERIES_DOSES, |p| p.series_doses());
        let full = dosed.entry(row.text(0)?).or_default();
        *full |= number >= i64::from(series);
    }
    // Groups ascending, the general population (none) last.
    let mut rows: BTreeMap<(String, bool, u8), CoverageRow> = BTreeMap::new();
    let mut gaps = Vec::new();
    for entry in &entries {
        let ward = entry.text(0)?;
        let group = entry.opt_int(3)?.map(|g| u8::try_from(g).map_err(|_| ApiError::Internal("bad priority group".into()))).transpose()?;
        let person = entry.opt_text(4)?;
        let registered = entry.int(5)? != 0;
        let dose = person.as_ref().and_then(|p| dosed.get(p)).copied();
        let row = rows.entry((ward.clone(), group.is_none(), group.unwrap_or(0))).or_insert_with(|| CoverageRow {
            ward_code: ward.clone(),
            priority_group: group,
            listed: 0,
            registered: 0,
            with_dose: 0,
            fully_vaccinated: 0,
        });
        row.listed += 1;
        row.registered += u32::from(registered);
        row.with_dose += u32::from(dose.is_some());
        row.fully_vaccinated += u32::from(dose == Some(true));
        if let Some(group) = group
            && dose.is_none()
        {
            let line = u32::try_from(entry.int(1)?).map_err(|_| ApiError::Internal("bad line".into()))?;
            gaps.push(CoverageGap { ward_code: ward, line, full_name: entry.text(2)?, priority_group: group, registered });
        }
    }
    Ok(CoverageReport { rows: rows.into_values().collect(), gaps })
}
