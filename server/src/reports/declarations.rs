//! Declarations per day and ward: one grouped count over `declarations (province_code, declared_date,
//! ward_code)`, which the index of migration 0021 covers, so no declaration row is read.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use healthbook_protocol::reports::{ChartKind, ReportCell, ReportSection};

use super::{Period, Scope, chart, column, day_text, parse_day, section, text_cell};
use crate::error::ApiError;
use crate::storage::{Tx, Value};

/// The sections `per_day`, `per_ward` and `per_day_ward`.
pub(super) fn sections(tx: &mut dyn Tx, scope: &Scope, period: &Period) -> Result<Vec<ReportSection>, ApiError> {
    let mut params = vec![Value::Text(day_text(period.from)), Value::Text(day_text(period.to))];
    let area = scope.area_sql("province_code", "ward_code", &mut params);
    let rows = tx.query(
        &format!(
            "SELECT declared_date, ward_code, COUNT(*) FROM declarations \
             WHERE declared_date >= $1 AND declared_date <= $2{area} GROUP BY declared_date, ward_code"
        ),
        &params,
    )?;
    let mut per_day_ward: BTreeMap<(NaiveDate, Option<String>), i64> = BTreeMap::new();
    for row in &rows {
        per_day_ward.insert((parse_day(&row.text(0)?)?, row.opt_text(1)?), row.int(2)?);
    }
    let mut per_day: BTreeMap<NaiveDate, i64> = period.days().map(|d| (d, 0)).collect();
    let mut per_ward: BTreeMap<Option<String>, i64> = BTreeMap::new();
    for ((day, ward), count) in &per_day_ward {
        *per_day.entry(*day).or_default() += count;
        *per_ward.entry(ward.clone()).or_default() += count;
    }
    let day_chart = chart(
        ChartKind::Line,
        per_day.keys().map(|d| day_text(*d)).collect(),
        vec![("Tờ khai", "Declarations", per_day.values().map(|c| *c as f64).collect())],
    );
    let ward_chart = chart(
        ChartKind::Bar,
        per_ward.keys().map(|w| w.clone().unwrap_or_else(|| "—".into())).collect(),
        vec![("Tờ khai", "Declarations", per_ward.values().map(|c| *c as f64).collect())],
    );
    let date = || column("date", "Ngày", "Date");
    let ward = || column("ward", "Phường/xã", "Ward");
    let count = || column("count", "Số tờ khai", "Declarations");
    Ok(vec![
        section(
            "per_day",
            ("Tờ khai theo ngày", "Declarations per day"),
            vec![date(), count()],
            per_day.iter().map(|(d, c)| vec![ReportCell::Text(day_text(*d)), ReportCell::Count(*c)]).collect(),
            Some(day_chart),
        ),
        section(
            "per_ward",
            ("Tờ khai theo phường/xã", "Declarations per ward"),
            vec![ward(), count()],
            per_ward.iter().map(|(w, c)| vec![text_cell(w.clone()), ReportCell::Count(*c)]).collect(),
            Some(ward_chart),
        ),
        section(
            "per_day_ward",
            ("Tờ khai theo ngày và phường/xã", "Declarations per day and ward"),
            vec![date(), ward(), count()],
            per_day_ward
                .iter()
                .map(|((d, w), c)| vec![ReportCell::Text(day_text(*d)), text_cell(w.clone()), ReportCell::Count(*c)])
                .collect(),
            None,
        ),
    ])
}
