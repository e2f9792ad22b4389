//! Samples taken and results returned per site (its ward) and per day, with the median and 90th percentile of
//! the hours from sampling to result. Samples are read by province and day through `result_samples
//! (site_province, sampled_day, site_ward, sampled_at, code_hash)` (migration 0021), each joined to its result by
//! primary key. Counts are grouped in SQL; for the percentiles SQL ranks each site's times (window functions, on
//! both backends) and hands over only the rows at the ranks needed.

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
}

/// The median and the nearest-rank 90th percentile of one site's hours to result, from the values at the ranks
/// that [`sections`] asks SQL for.
#[derive(Default)]
struct Ranks {
    count: i64,
    at: BTreeMap<i64, f64>,
}

impl Ranks {
    /// The ranks (from 1) a site with `n` results needs: the one or two middle ones, and the 90th percentile's.
    fn wanted(n: i64) -> [i64; 3] {
        [(n + 1) / 2, n / 2 + 1, (9 * n + 9) / 10]
    }

    fn median(&self) -> Option<f64> {
        let [low, high, _] = Self::wanted(self.count);
        let (low, high) = (self.at.get(&low)?, self.at.get(&high)?);
        Some(if self.count % 2 == 0 { (low + high) / 2.0 } else { *low })
    }

    fn p90(&self) -> Option<f64> {
        self.at.get(&Self::wanted(self.count)[2]).copied()
    }
}

/// The sections `per_site` and `per_day`.
pub(super) fn sections(tx: &mut dyn Tx, scope: &Scope, period: &Period) -> Result<Vec<ReportSection>, ApiError> {
    let mut params = vec![Value::Text(day_text(period.from)), Value::Text(day_text(period.to))];
    let area = scope.area_sql("s.site_province", "s.site_ward", &mut params);
    let counts = tx.query(
        &format!(
            "SELECT s.site_ward, s.sampled_day, COUNT(*), COUNT(r.code_hash) FROM result_samples s \
             LEFT JOIN sample_results r ON r.code_hash = s.code_hash \
             WHERE s.sampled_day >= $1 AND s.sampled_day <= $2{area} GROUP BY s.site_ward, s.sampled_day"
        ),
        &params,
    )?;
    // Only the rows at the ranks the median and the 90th percentile need leave the database; both backends number
    // rows with the same window functions.
    let ranked = tx.query(
        &format!(
            "SELECT site_ward, n, rn, ms FROM (SELECT s.site_ward, r.received_at - s.sampled_at AS ms, \
             ROW_NUMBER() OVER (PARTITION BY s.site_ward ORDER BY r.received_at - s.sampled_at) AS rn, \
             COUNT(*) OVER (PARTITION BY s.site_ward) AS n FROM result_samples s \
             JOIN sample_results r ON r.code_hash = s.code_hash \
             WHERE s.sampled_day >= $1 AND s.sampled_day <= $2{area}) ranked \
             WHERE rn = (n + 1) / 2 OR rn = n / 2 + 1 OR rn = (9 * n + 9) / 10"
        ),
        &params,
    )?;
    let mut per_site: BTreeMap<String, Tally> = BTreeMap::new();
    let mut per_day: BTreeMap<NaiveDate, Tally> = period.days().map(|d| (d, Tally::default())).collect();
    for row in &counts {
        let (ward, day, samples, results) = (row.text(0)?, parse_day(&row.text(1)?)?, row.int(2)?, row.int(3)?);
        for tally in [per_site.entry(ward).or_default(), per_day.entry(day).or_default()] {
            tally.samples += samples;
            tally.results += results;
        }
    }
    let mut ranks: BTreeMap<String, Ranks> = BTreeMap::new();
    for row in &ranked {
        let entry = ranks.entry(row.text(0)?).or_default();
        entry.count = row.int(1)?;
        entry.at.insert(row.int(2)?, row.int(3)? as f64 / 3_600_000.0);
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
                        ReportCell::Text(ward.clone()),
                        ReportCell::Count(t.samples),
                        ReportCell::Count(t.results),
                        measure_cell(ranks.get(&ward).and_then(Ranks::median)),
                        measure_cell(ranks.get(&ward).and_then(Ranks::p90)),
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

    /// The median and percentile from every value, as SQL would hand over the ranked ones.
    fn ranks(values: &[f64]) -> Ranks {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len() as i64;
        let wanted = Ranks::wanted(n);
        Ranks { count: n, at: (1..=n).filter(|r| wanted.contains(r)).map(|r| (r, sorted[r as usize - 1])).collect() }
    }

    #[test]
    fn median_and_90th_percentile_come_from_the_ranked_rows() {
        assert_eq!(ranks(&[]).median(), None);
        assert_eq!(ranks(&[5.0]).median(), Some(5.0));
        assert_eq!(ranks(&[5.0]).p90(), Some(5.0));
        assert_eq!(ranks(&[4.0, 1.0, 3.0, 2.0]).median(), Some(2.5));
        assert_eq!(ranks(&[3.0, 1.0, 2.0]).median(), Some(2.0));
        let ten: Vec<f64> = (1..=10).map(f64::from).rev().collect();
        assert_eq!(ranks(&ten).p90(), Some(9.0));
        let eleven: Vec<f64> = (1..=11).map(f64::from).collect();
        assert_eq!(ranks(&eleven).p90(), Some(10.0));
        // The same as the results endpoint's median.
        assert_eq!(ranks(&ten).median(), crate::results::rules::median(ten.clone()));
    }

    #[test]
    fn the_90th_percentile_rank_is_the_ceiling_of_nine_tenths() {
        for n in 1..200i64 {
            let p90 = Ranks::wanted(n)[2];
            assert!(p90 * 10 >= 9 * n && (p90 - 1) * 10 < 9 * n, "{n}: {p90}");
        }
    }
}
