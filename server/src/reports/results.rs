//! Samples taken and results returned per site (its ward) and per day, with the median and 90th percentile of
//! the hours from sampling to result. Samples are read by province and day through `result_samples
//! (site_province, sampled_day, site_ward)` (migration 0021), each joined to its result by primary key; the
//! percentiles need each sample's time, so the rows come back one per sample (no name, no code).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use healthbook_protocol::reports::{ChartKind, ReportCell, ReportSection};

use super::{Period, Scope, chart, column, day_text, measure_cell, parse_day, section};
use crate::error::ApiError;
use crate::storage::{Tx, Value};

/// Counts of one site or day.
#[derive(Default)]
struct Tally {
    samples: i64,
    results: i64,
    hours: Vec<f64>,
}

/// The nearest-rank 90th percentile.
fn p90(mut hours: Vec<f64>) -> Option<f64> {
    if hours.is_empty() {
        return None;
    }
    hours.sort_by(f64::total_cmp);
    let rank = (hours.len() * 9).div_ceil(10).max(1);
    Some(hours[rank - 1])
}

/// The sections `per_site` and `per_day`.
pub(super) fn sections(tx: &mut dyn Tx, scope: &Scope, period: &Period) -> Result<Vec<ReportSection>, ApiError> {
    let mut params = vec![Value::Text(day_text(period.from)), Value::Text(day_text(period.to))];
    let area = scope.area_sql("s.site_province", "s.site_ward", &mut params);
    let rows = tx.query(
        &format!(
            "SELECT s.site_ward, s.sampled_day, s.sampled_at, r.received_at FROM result_samples s \
             LEFT JOIN sample_results r ON r.code_hash = s.code_hash \
             WHERE s.sampled_day >= $1 AND s.sampled_day <= $2{area}"
        ),
        &params,
    )?;
    let mut per_site: BTreeMap<String, Tally> = BTreeMap::new();
    let mut per_day: BTreeMap<NaiveDate, Tally> = period.days().map(|d| (d, Tally::default())).collect();
    for row in &rows {
        let (ward, day, sampled_at, received_at) = (row.text(0)?, parse_day(&row.text(1)?)?, row.int(2)?, row.opt_int(3)?);
        let hours = received_at.map(|r| (r - sampled_at) as f64 / 3_600_000.0);
        for tally in [per_site.entry(ward).or_default(), per_day.entry(day).or_default()] {
            tally.samples += 1;
            if let Some(hours) = hours {
                tally.results += 1;
                tally.hours.push(hours);
            }
        }
    }
    let site_chart = chart(
        ChartKind::Bar,
        per_site.keys().cloned().collect(),
        vec![
            ("Mẫu đã lấy", "Samples taken", per_site.values().map(|t| t.samples as f64).collect()),
            ("Đã có kết quả", "Results returned", per_site.values().map(|t| t.results as f64).collect()),
        ],
    );
    let day_chart = chart(
        ChartKind::Line,
        per_day.keys().map(|d| day_text(*d)).collect(),
        vec![
            ("Mẫu đã lấy", "Samples taken", per_day.values().map(|t| t.samples as f64).collect()),
            ("Đã có kết quả", "Results returned", per_day.values().map(|t| t.results as f64).collect()),
        ],
    );
    let samples = || column("samples", "Mẫu đã lấy", "Samples taken");
    let results = || column("results", "Đã có kết quả", "Results returned");
    Ok(vec![
        section(
            "per_site",
            ("Lấy mẫu và kết quả theo điểm lấy mẫu", "Samples and results per site"),
            vec![
                column("ward", "Phường/xã của điểm lấy mẫu", "Site ward"),
                samples(),
                results(),
                column("median_hours", "Trung vị giờ chờ kết quả", "Median hours to result"),
                column("p90_hours", "Phân vị 90 giờ chờ kết quả", "90th percentile hours to result"),
            ],
            per_site
                .into_iter()
                .map(|(ward, t)| {
                    vec![
                        ReportCell::Text(ward),
                        ReportCell::Count(t.samples),
                        ReportCell::Count(t.results),
                        measure_cell(crate::results::rules::median(t.hours.clone())),
                        measure_cell(p90(t.hours)),
                    ]
                })
                .collect(),
            Some(site_chart),
        ),
        section(
            "per_day",
            ("Lấy mẫu và kết quả theo ngày", "Samples and results per day"),
            vec![column("date", "Ngày lấy mẫu", "Sampling day"), samples(), results()],
            per_day
                .iter()
                .map(|(d, t)| vec![ReportCell::Text(day_text(*d)), ReportCell::Count(t.samples), ReportCell::Count(t.results)])
                .collect(),
            Some(day_chart),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_90th_percentile_is_the_nearest_rank() {
        assert_eq!(p90(vec![]), None);
        assert_eq!(p90(vec![5.0]), Some(5.0));
        assert_eq!(p90((1..=10).map(f64::from).rev().collect()), Some(9.0));
        assert_eq!(p90((1..=11).map(f64::from).collect()), Some(10.0));
    }
}
