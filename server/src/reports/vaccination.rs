//! Vaccination coverage by commune and priority group, and stock per site. Coverage counts the communes' listed
//! residents (`vaccination_list_entries (province_code, ward_code)`), those with at least one counted dose (given
//! at a site, or self-reported and confirmed) dated on or before the period's last day, and those who completed
//! the product's primary series; the percent covered is the share with at least one dose. Coverage is cumulative,
//! so only `to` matters. Stock is what each site in scope holds now, per product, with the earliest expiry of the
//! lots that still have doses.

use std::collections::{BTreeMap, HashMap};

use healthbook_protocol::reports::{ChartKind, ReportCell, ReportSection};
use healthbook_protocol::vaccination::VaccineProduct;

use super::{Period, Scope, chart, column, day_text, measure_cell, section, text_cell};
use crate::error::ApiError;
use crate::storage::{Tx, Value};
use crate::vaccination::coverage::counted_dose_sql;

/// Series length assumed for a confirmed self-reported dose whose product was not mapped to a known one (as the
/// coverage endpoint does).
const DEFAULT_SERIES_DOSES: i64 = 2;

/// Counts of one (commune, group).
#[derive(Default)]
struct Coverage {
    listed: i64,
    with_dose: i64,
    full: i64,
}

/// The sections `coverage` and `stock`.
pub(super) fn sections(tx: &mut dyn Tx, scope: &Scope, period: &Period) -> Result<Vec<ReportSection>, ApiError> {
    let mut params = Vec::new();
    let area = scope.area_sql("e.province_code", "e.ward_code", &mut params);
    let entries = tx.query(
        &format!(
            "SELECT e.ward_code, e.priority_group, p.id FROM vaccination_list_entries e \
             LEFT JOIN persons p ON p.id_hash = e.id_hash WHERE 1 = 1{area}"
        ),
        &params,
    )?;
    params.push(Value::Text(day_text(period.to)));
    let to = params.len();
    let doses = tx.query(
        &format!(
            "SELECT d.person_id, d.dose_number, d.product_code FROM doses d WHERE {} AND d.dose_date <= ${to} \
             AND d.person_id IN (SELECT p.id FROM persons p JOIN vaccination_list_entries e ON e.id_hash = p.id_hash \
             WHERE 1 = 1{area})",
            counted_dose_sql()
        ),
        &params,
    )?;
    // Per person: whether a counted dose completed the primary series.
    let mut dosed: HashMap<String, bool> = HashMap::new();
    for row in &doses {
        let series = row.opt_text(2)?.as_deref().and_then(VaccineProduct::parse).map_or(DEFAULT_SERIES_DOSES, |p| i64::from(p.series_doses()));
        *dosed.entry(row.text(0)?).or_default() |= row.int(1)? >= series;
    }
    // Communes ascending; in each, groups ascending and the general population (no group) last.
    let mut coverage: BTreeMap<(String, bool, i64), Coverage> = BTreeMap::new();
    for row in &entries {
        let group = row.opt_int(1)?;
        let dose = row.opt_text(2)?.and_then(|p| dosed.get(&p).copied());
        let tally = coverage.entry((row.text(0)?, group.is_none(), group.unwrap_or(0))).or_default();
        tally.listed += 1;
        tally.with_dose += i64::from(dose.is_some());
        tally.full += i64::from(dose == Some(true));
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
