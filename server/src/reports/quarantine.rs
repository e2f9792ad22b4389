//! Quarantine: orders created in the period and running on its last day per ward, check-in verdicts per local
//! day (stacked), and the cases still open per ward. Orders are read by area through `quarantine_orders
//! (province_code, ward_code, created_at)`; their check-ins through `quarantine_check_ins (order_id,
//! decided_at)`; their cases through `quarantine_cases (order_id, opened_at)`.
//!
//! An order runs on a day when it was not cancelled, started on or before it and ends after the day begins. A
//! case is open until decided: it awaits an explanation until `explain_by` (unless explained), then a decision.
//! Missed check-ins count once the server's sweep has recorded them.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use healthbook_protocol::reports::{ChartKind, ReportCell, ReportSection};

use super::{Period, Scope, chart, column, day_text, local_day_sql, section};
use crate::error::ApiError;
use crate::storage::{Tx, Value};
use crate::util::to_ms;

/// The sections `orders`, `verdicts_per_day` and `open_cases`.
pub(super) fn sections(tx: &mut dyn Tx, scope: &Scope, period: &Period, now: DateTime<Utc>) -> Result<Vec<ReportSection>, ApiError> {
    let (start, end) = period.bounds_ms();
    let last_day_start = Period::local_start_ms(period.to);

    let mut params = vec![Value::Int(start), Value::Int(end), Value::Text(day_text(period.to)), Value::Int(last_day_start)];
    let area = scope.area_sql("o.province_code", "o.ward_code", &mut params);
    let orders = tx.query(
        &format!(
            "SELECT o.ward_code, \
             CAST(SUM(CASE WHEN o.created_at >= $1 AND o.created_at < $2 THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN o.state <> 'cancelled' AND o.start_date <= $3 AND o.ends_at > $4 THEN 1 ELSE 0 END) AS BIGINT) \
             FROM quarantine_orders o WHERE 1 = 1{area} GROUP BY o.ward_code ORDER BY o.ward_code"
        ),
        &params,
    )?;
    let mut order_rows = Vec::new();
    let (mut wards, mut created, mut running) = (Vec::new(), Vec::new(), Vec::new());
    for row in &orders {
        let (ward, made, runs) = (row.text(0)?, row.int(1)?, row.int(2)?);
        if made == 0 && runs == 0 {
            continue;
        }
        wards.push(ward.clone());
        created.push(made as f64);
        running.push(runs as f64);
        order_rows.push(vec![ReportCell::Text(ward), ReportCell::Count(made), ReportCell::Count(runs)]);
    }

    let mut params = vec![Value::Int(start), Value::Int(end)];
    let area = scope.area_sql("o.province_code", "o.ward_code", &mut params);
    let day = local_day_sql("k.decided_at");
    let verdicts = tx.query(
        &format!(
            "SELECT {day}, \
             CAST(SUM(CASE WHEN k.verdict = 'ok' THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN k.verdict = 'needs_review' THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN k.verdict = 'missed' THEN 1 ELSE 0 END) AS BIGINT) \
             FROM quarantine_orders o JOIN quarantine_check_ins k ON k.order_id = o.id \
             WHERE k.decided_at >= $1 AND k.decided_at < $2{area} GROUP BY {day}"
        ),
        &params,
    )?;
    let mut per_day: BTreeMap<NaiveDate, [i64; 3]> = period.days().map(|d| (d, [0; 3])).collect();
    for row in &verdicts {
        per_day.insert(Period::day_of_number(row.int(0)?)?, [row.int(1)?, row.int(2)?, row.int(3)?]);
    }

    let mut params = vec![Value::Int(to_ms(now))];
    let area = scope.area_sql("o.province_code", "o.ward_code", &mut params);
    let cases = tx.query(
        &format!(
            "SELECT o.ward_code, \
             CAST(SUM(CASE WHEN c.explained_at IS NULL AND c.explain_by > $1 THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN c.explained_at IS NOT NULL OR c.explain_by <= $1 THEN 1 ELSE 0 END) AS BIGINT) \
             FROM quarantine_orders o JOIN quarantine_cases c ON c.order_id = o.id \
             WHERE c.decision_outcome IS NULL{area} GROUP BY o.ward_code ORDER BY o.ward_code"
        ),
        &params,
    )?;
    let case_rows = cases
        .iter()
        .map(|row| Ok(vec![ReportCell::Text(row.text(0)?), ReportCell::Count(row.int(1)?), ReportCell::Count(row.int(2)?)]))
        .collect::<Result<Vec<_>, ApiError>>()?;

    let ward = || column("ward", "Phường/xã", "Ward");
    let series = |i: usize| per_day.values().map(|v| v[i] as f64).collect::<Vec<_>>();
    let verdict_chart = chart(
        ChartKind::StackedBar,
        per_day.keys().map(|d| day_text(*d)).collect(),
        vec![("Đạt", "OK", series(0)), ("Cần xem xét", "Needs review", series(1)), ("Bỏ lỡ", "Missed", series(2))],
    );
    Ok(vec![
        section(
            "orders",
            ("Quyết định cách ly theo phường/xã", "Quarantine orders per ward"),
            vec![
                ward(),
                column("created", "Tạo trong kỳ", "Created in the period"),
                column("running", "Đang cách ly ngày cuối kỳ", "Running on the last day"),
            ],
            order_rows,
            Some(chart(
                ChartKind::Bar,
                wards,
                vec![("Tạo trong kỳ", "Created", created), ("Đang cách ly", "Running", running)],
            )),
        ),
        section(
            "verdicts_per_day",
            ("Kết quả điểm danh theo ngày", "Check-in verdicts per day"),
            vec![
                column("date", "Ngày", "Date"),
                column("ok", "Đạt", "OK"),
                column("needs_review", "Cần xem xét", "Needs review"),
                column("missed", "Bỏ lỡ", "Missed"),
            ],
            per_day
                .iter()
                .map(|(d, v)| vec![ReportCell::Text(day_text(*d)), ReportCell::Count(v[0]), ReportCell::Count(v[1]), ReportCell::Count(v[2])])
                .collect(),
            Some(verdict_chart),
        ),
        section(
            "open_cases",
            ("Trường hợp chưa xử lý", "Open cases"),
            vec![
                ward(),
                column("awaiting_explanation", "Chờ giải trình", "Awaiting an explanation"),
                column("awaiting_decision", "Chờ quyết định", "Awaiting a decision"),
            ],
            case_rows,
            None,
        ),
    ])
}
