//! Gate passages per venue and local day, and the venues in scope that recorded none (for inspections). The
//! venues in scope come from `venues` by area (or agency); their passages are counted per venue over the
//! period's scan times through `gate_passages (venue_id, scanned_at, direction, verdict)` (migration 0021), which
//! covers every column the count reads.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use healthbook_protocol::reports::{ChartKind, ReportCell, ReportSection};

use super::{Period, Scope, chart, column, day_text, local_day_sql, section};
use crate::error::ApiError;
use crate::storage::{Tx, Value};

/// One venue in scope.
struct Venue {
    id: String,
    name: String,
    ward: String,
    agency: String,
}

/// The venues in scope, by ward, name and id.
fn venues(tx: &mut dyn Tx, scope: &Scope) -> Result<Vec<Venue>, ApiError> {
    let mut params = Vec::new();
    let mut sql = scope.area_sql("v.province_code", "v.ward_code", &mut params);
    if let Some(agency) = &scope.agency {
        params.push(agency.into());
        sql.push_str(&format!(" AND v.agency_id = ${}", params.len()));
    }
    tx.query(
        &format!(
            "SELECT v.id, v.name, v.ward_code, a.name FROM venues v JOIN agencies a ON a.id = v.agency_id \
             WHERE 1 = 1{sql} ORDER BY v.ward_code, v.name, v.id"
        ),
        &params,
    )?
    .iter()
    .map(|row| Ok(Venue { id: row.text(0)?, name: row.text(1)?, ward: row.text(2)?, agency: row.text(3)? }))
    .collect()
}

/// Per (day, venue id): entries, exits, refused.
type Counts = BTreeMap<(NaiveDate, String), [i64; 3]>;

/// Passages of the venues in scope in the period, grouped in SQL by venue and local day.
fn counts(tx: &mut dyn Tx, scope: &Scope, period: &Period) -> Result<Counts, ApiError> {
    let (start, end) = period.bounds_ms();
    let mut params = vec![Value::Int(start), Value::Int(end)];
    let mut area = scope.area_sql("v.province_code", "v.ward_code", &mut params);
    if let Some(agency) = &scope.agency {
        params.push(agency.into());
        area.push_str(&format!(" AND v.agency_id = ${}", params.len()));
    }
    let day = local_day_sql("p.scanned_at");
    // CROSS JOIN keeps SQLite on venues first, then each venue's range of the covering index (without it, the
    // authority's national query went by the scan-time index and read every passage's row); PostgreSQL plans it
    // as the inner join it is.
    let rows = tx.query(
        &format!(
            "SELECT p.venue_id, {day}, \
             CAST(SUM(CASE WHEN p.direction = 'in' THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN p.direction = 'out' THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN p.verdict = 'refuse' THEN 1 ELSE 0 END) AS BIGINT) \
             FROM venues v CROSS JOIN gate_passages p \
             WHERE p.venue_id = v.id AND p.scanned_at >= $1 AND p.scanned_at < $2{area} GROUP BY p.venue_id, {day}"
        ),
        &params,
    )?;
    let mut counts = Counts::new();
    for row in &rows {
        counts.insert((Period::day_of_number(row.int(1)?)?, row.text(0)?), [row.int(2)?, row.int(3)?, row.int(4)?]);
    }
    Ok(counts)
}

/// The sections `per_venue_day` and `silent_venues`.
pub(super) fn sections(tx: &mut dyn Tx, scope: &Scope, period: &Period) -> Result<Vec<ReportSection>, ApiError> {
    let venues = venues(tx, scope)?;
    let counts = counts(tx, scope, period)?;
    let by_id: BTreeMap<&str, &Venue> = venues.iter().map(|v| (v.id.as_str(), v)).collect();
    let mut per_day: BTreeMap<NaiveDate, i64> = period.days().map(|d| (d, 0)).collect();
    let mut active = HashSet::new();
    let mut rows = Vec::new();
    // Day, then venue name, then id (the map is keyed by id, so sort the rows once here).
    let mut keyed: Vec<(NaiveDate, &Venue, [i64; 3])> = Vec::new();
    for ((day, venue_id), numbers) in &counts {
        let Some(venue) = by_id.get(venue_id.as_str()) else { continue };
        active.insert(venue_id.as_str());
        *per_day.entry(*day).or_default() += numbers[0] + numbers[1];
        keyed.push((*day, venue, *numbers));
    }
    keyed.sort_by(|a, b| (a.0, &a.1.name, &a.1.id).cmp(&(b.0, &b.1.name, &b.1.id)));
    for (day, venue, [entries, exits, refused]) in keyed {
        rows.push(vec![
            ReportCell::Text(day_text(day)),
            ReportCell::Text(venue.name.clone()),
            ReportCell::Text(venue.ward.clone()),
            ReportCell::Count(entries),
            ReportCell::Count(exits),
            ReportCell::Count(refused),
        ]);
    }
    let silent: Vec<Vec<ReportCell>> = venues
        .iter()
        .filter(|v| !active.contains(v.id.as_str()))
        .map(|v| vec![ReportCell::Text(v.name.clone()), ReportCell::Text(v.ward.clone()), ReportCell::Text(v.agency.clone())])
        .collect();
    let day_chart = chart(
        ChartKind::Bar,
        per_day.keys().map(|d| day_text(*d)).collect(),
        vec![("Lượt qua cổng", "Passages", per_day.values().map(|c| *c as f64).collect())],
    );
    let venue = || column("venue", "Địa điểm", "Venue");
    let ward = || column("ward", "Phường/xã", "Ward");
    Ok(vec![
        section(
            "per_venue_day",
            ("Lượt qua cổng theo địa điểm và ngày", "Passages per venue and day"),
            vec![
                column("date", "Ngày", "Date"),
                venue(),
                ward(),
                column("entries", "Lượt vào", "Entries"),
                column("exits", "Lượt ra", "Exits"),
                column("refused", "Bị từ chối", "Refused"),
            ],
            rows,
            Some(day_chart),
        ),
        section(
            "silent_venues",
            ("Địa điểm không ghi nhận lượt qua nào", "Venues that recorded no passage"),
            vec![venue(), ward(), column("agency", "Cơ quan", "Agency")],
            silent,
            None,
        ),
    ])
}
