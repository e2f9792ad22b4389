//! Vaccination coverage by commune and priority group, and stock per site. Coverage counts, in SQL, the communes'
//! listed residents (`vaccination_list_entries (province_code, ward_code, priority_group, id_hash)`, migration
//! 0021), those with at least one counted dose (given
//! at a site, or self-reported and confirmed) dated on or before the period's last day, and those who completed
//! the product's primary series; the percent covered is the share with at least one dose. Coverage is cumulative,
//! so only `to` matters. Stock is what each site in scope holds now, per product, with the earliest expiry of the
//! lots that still have doses.

use std::collections::BTreeMap;

use healthbook_protocol::reports::{ChartKind, ReportCell, ReportSection};
use healthbook_protocol::vaccination::VaccineProduct;

use super::{Period, Scope, chart, column, day_text, measure_cell, section, text_cell};
use crate::error::ApiError;
use crate::storage::{Tx, Value};
use crate::vaccination::coverage::counted_dose_sql;

/// Counts of one (commune, group).
struct Coverage {
    listed: i64,
    with_dose: i64,
    full: i64,
}

/// Series length assumed for a confirmed self-reported dose whose product was not mapped to a known one (as the
/// coverage endpoint does).
const DEFAULT_SERIES_DOSES: u8 = 2;

/// SQL of the primary series length of a dose's product (`d.product_code`), from the contract's product list.
fn series_doses_sql() -> String {
    let mut sql = String::from("CASE d.product_code");
    for product in VaccineProduct::ALL {
        sql.push_str(&format!(" WHEN '{}' THEN {}", product.as_str(), product.series_doses()));
    }
    sql.push_str(&format!(" ELSE {DEFAULT_SERIES_DOSES} END"));
    sql
}

/// The sections `coverage` and `stock`.
pub(super) fn sections(tx: &mut dyn Tx, scope: &Scope, period: &Period) -> Result<Vec<ReportSection>, ApiError> {
    let mut params = vec![Value::Text(day_text(period.to))];
    let area = scope.area_sql("e.province_code", "e.ward_code", &mut params);
    let dosed = |extra: &str| {
        format!(
            "CAST(SUM(CASE WHEN EXISTS (SELECT 1 FROM doses d WHERE d.person_id = p.id AND {} AND d.dose_date <= $1{extra}) \
             THEN 1 ELSE 0 END) AS BIGINT)",
            counted_dose_sql()
        )
    };
    // Counted per (commune, group) in SQL; a listed resident is matched to a person by the keyed hash of their id.
    let rows = tx.query(
        &format!(
            "SELECT e.ward_code, e.priority_group, COUNT(*), {}, {} FROM vaccination_list_entries e \
             LEFT JOIN persons p ON p.id_hash = e.id_hash WHERE 1 = 1{area} GROUP BY e.ward_code, e.priority_group",
            dosed(""),
            dosed(&format!(" AND d.dose_number >= {}", series_doses_sql())),
        ),
        &params,
    )?;
    // Communes ascending; in each, groups ascending and the general population (no group) last.
    let mut coverage: BTreeMap<(String, bool, i64), Coverage> = BTreeMap::new();
    for row in &rows {
        let group = row.opt_int(1)?;
        coverage.insert(
            (row.text(0)?, group.is_none(), group.unwrap_or(0)),
            Coverage { listed: row.int(2)?, with_dose: row.int(3)?, full: row.int(4)? },
        );
    }
    let mut per_commune: BTreeMap<String, [f64; 2]> = BTreeMap::new();
    let coverage_rows = coverage
        .into_iter()
        .map(|((ward, general, group), t)| {
            let commune = per_commune.entry(ward.clone()).or_default();
            commune[0] += t.with_dose as f64;
            commune[1] += t.full as f64;
            let percent = (t.listed > 0).then(|| t.with_dose as f64 * 100.0 / t.listed as f64);
            vec![
                ReportCell::Text(ward),
                if general { ReportCell::Empty(()) } else { ReportCell::Count(group) },
                ReportCell::Count(t.listed),
                ReportCell::Count(t.with_dose),
                ReportCell::Count(t.full),
                measure_cell(percent),
            ]
        })
        .collect();

    let mut params = Vec::new();
    let area = scope.area_sql("s.province_code", "s.ward_code", &mut params);
    let stock = tx.query(
        &format!(
            "SELECT s.name, k.product, CAST(SUM(k.remaining) AS BIGINT), MIN(CASE WHEN k.remaining > 0 THEN k.expires_on END) \
             FROM vaccination_sites s JOIN vaccine_stock k ON k.site_id = s.id WHERE 1 = 1{area} \
             GROUP BY s.id, s.name, k.product ORDER BY s.name, s.id, k.product"
        ),
        &params,
    )?;
    let stock_rows = stock
        .iter()
        .map(|row| Ok(vec![ReportCell::Text(row.text(0)?), ReportCell::Text(row.text(1)?), ReportCell::Count(row.int(2)?), text_cell(row.opt_text(3)?)]))
        .collect::<Result<Vec<_>, ApiError>>()?;

    let commune_chart = chart(
        ChartKind::Bar,
        per_commune.keys().cloned().collect(),
        vec![
            ("Đã tiêm ít nhất một mũi", "At least one dose", per_commune.values().map(|v| v[0]).collect()),
            ("Đã tiêm đủ", "Fully vaccinated", per_commune.values().map(|v| v[1]).collect()),
        ],
    );
    Ok(vec![
        section(
            "coverage",
            ("Độ bao phủ tiêm chủng theo xã và nhóm ưu tiên", "Vaccination coverage by commune and priority group"),
            vec![
                column("ward", "Xã/phường", "Commune"),
                column("priority_group", "Nhóm ưu tiên", "Priority group"),
                column("listed", "Số người trong danh sách", "People listed"),
                column("with_dose", "Đã tiêm ít nhất một mũi", "With at least one dose"),
                column("fully_vaccinated", "Đã tiêm đủ", "Fully vaccinated"),
                column("percent_covered", "Tỷ lệ bao phủ (%)", "Percent covered"),
            ],
            coverage_rows,
            Some(commune_chart),
        ),
        section(
            "stock",
            ("Vắc xin tồn kho theo điểm tiêm", "Vaccine stock per site"),
            vec![
                column("site", "Điểm tiêm", "Site"),
                column("product", "Vắc xin", "Product"),
                column("remaining", "Số liều còn lại", "Doses remaining"),
                column("earliest_expiry", "Hạn dùng sớm nhất", "Earliest expiry"),
            ],
            stock_rows,
            None,
        ),
    ])
}
