//! The province's reports (issue 13): counts over days and areas for officials, at `GET /v1/reports/{kind}` and
//! in the console. Each report has its own file and reads only aggregate SQL, filtered by the caller's scope in
//! the query itself, over the indexes of migration 0021; [`export`] turns a report into CSV and XLSX, and
//! [`chart`] draws a section's chart as SVG.
//!
//! | file | report |
//! |---|---|
//! | `declarations.rs` | declarations per day and ward |
//! | `passages.rs` | gate passages per venue and day, silent venues |
//! | `quarantine.rs` | orders, check-in verdicts per day, open cases |
//! | `results.rs` | samples, results and time to result per site and day |
//! | `vaccination.rs` | coverage by commune and priority group, stock per site |
//!
//! Days are calendar days in Vietnam (UTC+7, no daylight saving): a declaration's declared date, a passage's
//! local scan day (`(scanned_at + 7 h) / 1 day`, computed in SQL from the scan time), a sample's stored day, a
//! dose's date, and the local day of a quarantine check-in's verdict. Reports carry counts only, never a person,
//! so reading one is not written to the access log.

pub mod chart;
pub mod export;

mod declarations;
mod passages;
mod quarantine;
mod results;
mod vaccination;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use healthbook_protocol::reports::{
    Chart, ChartKind, ChartSeries, MAX_REPORT_DAYS, Report, ReportCell, ReportColumn, ReportKind, ReportQuery, ReportSection,
};
use healthbook_protocol::{ErrorResponse, Role};

use crate::access::{Reach, reach_of};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::storage::{Tx, Value};

/// Vietnam's offset from UTC, in milliseconds (the country keeps no daylight saving time).
pub(crate) const LOCAL_OFFSET_MS: i64 = 7 * 3_600_000;
/// One day in milliseconds.
pub(crate) const DAY_MS: i64 = 86_400_000;

/// Whether `principal` may open a report of `kind` at all (its scope is checked by [`build`]): health officers and
/// the authority admin every report, an agency admin only the passages of its agency's venues.
pub fn may_view(principal: &Principal, kind: ReportKind) -> bool {
    match principal.role {
        Role::AuthorityAdmin | Role::HealthOfficer => true,
        Role::AgencyAdmin => kind == ReportKind::Passages,
        _ => false,
    }
}

/// Computes one report for `principal` over the query's period and area: 403 for a role that may not view it,
/// 404 for a province or ward outside the caller's scope, 422 for a bad period or code.
pub fn build(
    tx: &mut dyn Tx,
    principal: &Principal,
    kind: ReportKind,
    query: &ReportQuery,
    now: DateTime<Utc>,
) -> Result<Report, ApiError> {
    if !may_view(principal, kind) {
        return Err(ApiError::Forbidden("this report is not for this role".into()));
    }
    let period = Period::of(query, now)?;
    let scope = Scope::of(tx, principal, query)?;
    tx.prepare_for_aggregates()?;
    let sections = match kind {
        ReportKind::Declarations => declarations::sections(tx, &scope, &period)?,
        ReportKind::Passages => passages::sections(tx, &scope, &period)?,
        ReportKind::Quarantine => quarantine::sections(tx, &scope, &period, now)?,
        ReportKind::Results => results::sections(tx, &scope, &period)?,
        ReportKind::Vaccination => vaccination::sections(tx, &scope, &period)?,
    };
    Ok(Report {
        kind,
        from: period.from,
        to: period.to,
        province: scope.province.clone(),
        wards: scope.wards.clone(),
        generated_at: now,
        sections,
    })
}

/// One report within the caller's scope (see `healthbook_protocol::reports`).
#[utoipa::path(
    get, path = "/v1/reports/{kind}", tag = "reports", security(("bearer" = [])),
    params(("kind" = ReportKind, Path, description = "declarations, passages, quarantine, results or vaccination"), ReportQuery),
    responses(
        (status = 200, body = Report),
        (status = 401, body = ErrorResponse),
        (status = 403, description = "A role that may not view this report", body = ErrorResponse),
        (status = 404, description = "An unknown report, or a province or ward outside the caller's scope", body = ErrorResponse),
        (status = 422, description = "`from` after `to`, a period over 366 days, or a malformed code", body = ErrorResponse),
    )
)]
pub async fn get_report(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(kind): ApiPath<String>,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Json<Report>, ApiError> {
    let kind = ReportKind::parse(&kind).ok_or(ApiError::NotFound("report"))?;
    let Query(query) = query.map_err(|e| ApiError::InvalidRequest(e.body_text()))?;
    let now = state.now();
    let report = state.db.read(move |tx| build(tx, &principal, kind, &query, now)).await?;
    Ok(Json(report))
}

/// The days a report covers, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Period {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
}

impl Period {
    /// The query's period: `to` defaults to today in Vietnam and `from` to 13 days before `to`.
    fn of(query: &ReportQuery, now: DateTime<Utc>) -> Result<Self, ApiError> {
        let today = (now + Duration::milliseconds(LOCAL_OFFSET_MS)).date_naive();
        let to = query.to.unwrap_or(today);
        // At the very start of the calendar there are no 13 days before `to`: the period starts with it.
        let from = query.from.unwrap_or_else(|| to.checked_sub_signed(Duration::days(13)).unwrap_or(to));
        if from > to {
            return Err(ApiError::InvalidField {
                field: "from",
                field_code: "after_to",
                message: "from must not be after to".into(),
            });
        }
        if (to - from).num_days() + 1 > MAX_REPORT_DAYS {
            return Err(ApiError::InvalidField {
                field: "from",
                field_code: "too_long",
                message: format!("a report covers at most {MAX_REPORT_DAYS} days"),
            });
        }
        Ok(Self { from, to })
    }

    /// Every day of the period, in order.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + use<> {
        // Not `iter_days`: it stops one day short at the end of the calendar.
        let from = self.from;
        (0..=(self.to - self.from).num_days()).filter_map(move |i| from.checked_add_signed(Duration::days(i)))
    }

    /// The Unix milliseconds at which local day `day` starts.
    pub fn local_start_ms(day: NaiveDate) -> i64 {
        day.and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp_millis()) - LOCAL_OFFSET_MS
    }

    /// `[start, end)` of the period in Unix milliseconds.
    pub fn bounds_ms(&self) -> (i64, i64) {
        (Self::local_start_ms(self.from), Self::local_start_ms(self.to) + DAY_MS)
    }

    /// The local day of the SQL day number `(ms + offset) / day` (see [`local_day_sql`]).
    pub fn day_of_number(number: i64) -> Result<NaiveDate, ApiError> {
        DateTime::from_timestamp_millis(number * DAY_MS)
            .map(|t| t.date_naive())
            .ok_or_else(|| ApiError::Internal("a day number out of range".into()))
    }
}

/// SQL of the local day number of a millisecond column (integer division on both backends; times are positive).
pub(crate) fn local_day_sql(column: &str) -> String {
    format!("(({column} + {LOCAL_OFFSET_MS}) / {DAY_MS})")
}

/// A date as stored in TEXT columns.
pub(crate) fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// A stored `YYYY-MM-DD` back to a date.
pub(crate) fn parse_day(text: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| ApiError::Internal("a stored day is malformed".into()))
}

/// What the caller sees: a province (or all), narrowed to wards, and for an agency admin one agency's venues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scope {
    /// The province (`None`: every province, for the authority admin).
    pub province: Option<String>,
    /// The wards (empty: the whole province).
    pub wards: Vec<String>,
    /// The agency whose venues are counted (agency admins).
    pub agency: Option<String>,
}

impl Scope {
    /// The scope of `principal` narrowed by the query; a province or ward outside it is 404.
    fn of(tx: &mut dyn Tx, principal: &Principal, query: &ReportQuery) -> Result<Self, ApiError> {
        if let Some(province) = &query.province
            && !healthbook_core::admin_units::is_known_province(province)
        {
            return Err(ApiError::InvalidField {
                field: "province",
                field_code: "invalid",
                message: "province must be a known two-digit code".into(),
            });
        }
        if let Some(ward) = &query.ward
            && !healthbook_core::admin_units::is_ward_code(ward)
        {
            return Err(ApiError::InvalidField { field: "ward", field_code: "invalid", message: "ward must have five digits".into() });
        }
        let asked_wards: Vec<String> = query.ward.iter().cloned().collect();
        match principal.role {
            Role::AgencyAdmin => {
                let agency = principal.agency_id.clone().ok_or_else(|| ApiError::Forbidden("this account has no agency".into()))?;
                Ok(Self { province: query.province.clone(), wards: asked_wards, agency: Some(agency) })
            }
            _ => match reach_of(tx, principal)? {
                Reach::National => Ok(Self { province: query.province.clone(), wards: asked_wards, agency: None }),
                Reach::Area(area) => {
                    if query.province.as_ref().is_some_and(|p| *p != area.province) {
                        return Err(ApiError::NotFound("province"));
                    }
                    let wards = match &query.ward {
                        Some(ward) if !area.covers_ward(ward) => return Err(ApiError::NotFound("ward")),
                        Some(ward) => vec![ward.clone()],
                        None => area.wards.clone(),
                    };
                    Ok(Self { province: Some(area.province), wards, agency: None })
                }
            },
        }
    }

    /// SQL conditions (each starting with ` AND `) limiting `province_column` and `ward_column` to the scope,
    /// with their values appended to `params`.
    pub fn area_sql(&self, province_column: &str, ward_column: &str, params: &mut Vec<Value>) -> String {
        let mut sql = String::new();
        if let Some(province) = &self.province {
            params.push(province.into());
            sql.push_str(&format!(" AND {province_column} = ${}", params.len()));
        }
        if !self.wards.is_empty() {
            let first = params.len() + 1;
            params.extend(self.wards.iter().map(Value::from));
            let list = (first..first + self.wards.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
            sql.push_str(&format!(" AND {ward_column} IN ({list})"));
        }
        sql
    }
}

/// A column with its vi and en headings.
pub(crate) fn column(key: &str, vi: &str, en: &str) -> ReportColumn {
    ReportColumn { key: key.into(), label_vi: vi.into(), label_en: en.into() }
}

/// A section with its vi and en titles.
pub(crate) fn section(
    key: &str,
    titles: (&str, &str),
    columns: Vec<ReportColumn>,
    rows: Vec<Vec<ReportCell>>,
    chart: Option<Chart>,
) -> ReportSection {
    ReportSection { key: key.into(), title_vi: titles.0.into(), title_en: titles.1.into(), columns, rows, chart }
}

/// A chart with the given series (legend vi, legend en, values).
pub(crate) fn chart(kind: ChartKind, categories: Vec<String>, series: Vec<(&str, &str, Vec<f64>)>) -> Chart {
    Chart {
        kind,
        categories,
        series: series
            .into_iter()
            .map(|(vi, en, values)| ChartSeries { label_vi: vi.into(), label_en: en.into(), values })
            .collect(),
    }
}

/// A text cell, or an empty one for NULL.
pub(crate) fn text_cell(text: Option<String>) -> ReportCell {
    text.map_or(ReportCell::Empty(()), ReportCell::Text)
}

/// A measure rounded to one decimal place, or an empty cell.
pub(crate) fn measure_cell(value: Option<f64>) -> ReportCell {
    match value {
        Some(v) if v.is_finite() => ReportCell::Measure((v * 10.0).round() / 10.0),
        _ => ReportCell::Empty(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn query(from: Option<&str>, to: Option<&str>) -> ReportQuery {
        let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        ReportQuery { from: from.map(day), to: to.map(day), province: None, ward: None }
    }

    #[test]
    fn the_period_defaults_to_two_weeks_ending_today_in_vietnam() {
        // 18:00 UTC is already the next day in Vietnam.
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 18, 0, 0).unwrap();
        let period = Period::of(&query(None, None), now).unwrap();
        assert_eq!(period.to, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        assert_eq!(period.from, NaiveDate::from_ymd_opt(2026, 11, 17).unwrap());
        assert_eq!(period.days().count(), 14);
        let (start, end) = period.bounds_ms();
        assert_eq!(start, Utc.with_ymd_and_hms(2026, 11, 16, 17, 0, 0).unwrap().timestamp_millis());
        assert_eq!(end - start, 14 * DAY_MS);
    }

    #[test]
    fn a_reversed_or_too_long_period_is_refused() {
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap();
        let status = |q: ReportQuery| Period::of(&q, now).map_err(|e| e.status().as_u16());
        assert_eq!(status(query(Some("2026-11-02"), Some("2026-11-01"))), Err(422));
        // 2024 is a leap year: 367 days, one too many; 366 days are allowed.
        assert_eq!(status(query(Some("2024-01-01"), Some("2025-01-01"))), Err(422));
        assert!(status(query(Some("2025-01-01"), Some("2026-01-01"))).is_ok());
        assert!(status(query(Some("2026-11-29"), Some("2026-11-29"))).is_ok());
    }

    #[test]
    fn random_and_extreme_periods_never_panic() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(13);
        let extremes = [NaiveDate::MIN, NaiveDate::MAX, NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()];
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap();
        for i in 0..2_000 {
            let mut date = || match rng.gen_range(0..4) {
                0 => None,
                1 => Some(extremes[rng.gen_range(0..extremes.len())]),
                _ => NaiveDate::from_num_days_from_ce_opt(rng.gen_range(-100_000..1_000_000)),
            };
            let query = ReportQuery { from: date(), to: date(), province: None, ward: None };
            if let Ok(period) = Period::of(&query, now) {
                assert!(period.from <= period.to && (period.to - period.from).num_days() < MAX_REPORT_DAYS, "{i}: {period:?}");
                let (start, end) = period.bounds_ms();
                assert!(start < end);
                assert_eq!(period.days().count() as i64, (period.to - period.from).num_days() + 1);
            }
        }
        for text in ["", "declaration", "PASSAGES", "passages ", "../passages", "quarantine\0", "vaccination/x"] {
            assert_eq!(ReportKind::parse(text), None);
        }
    }

    #[test]
    fn local_day_numbers_map_back_to_the_vietnamese_day() {
        let at = Utc.with_ymd_and_hms(2026, 11, 29, 17, 30, 0).unwrap().timestamp_millis();
        let number = (at + LOCAL_OFFSET_MS) / DAY_MS;
        assert_eq!(Period::day_of_number(number).unwrap(), NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
    }

    #[test]
    fn the_area_condition_binds_province_and_wards_in_order() {
        let scope = Scope { province: Some("79".into()), wards: vec!["26734".into(), "26737".into()], agency: None };
        let mut params = vec![Value::Text("2026-11-01".into())];
        let sql = scope.area_sql("v.province_code", "v.ward_code", &mut params);
        assert_eq!(sql, " AND v.province_code = $2 AND v.ward_code IN ($3, $4)");
        assert_eq!(params.len(), 4);
        let all = Scope { province: None, wards: vec![], agency: None };
        assert_eq!(all.area_sql("a", "b", &mut params), "");
    }

    #[test]
    fn measures_round_to_one_decimal_and_never_carry_nan() {
        assert_eq!(measure_cell(Some(2.25)), ReportCell::Measure(2.3));
        assert_eq!(measure_cell(Some(f64::NAN)), ReportCell::Empty(()));
        assert_eq!(measure_cell(None), ReportCell::Empty(()));
    }
}
