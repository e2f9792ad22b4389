//! The province's reports (issue 13): counts over days and areas for officials, shown in the console
//! (`/console/reports/{kind}`, with a chart, a table and CSV and XLSX exports) and served as JSON.
//!
//! Endpoint: `GET /v1/reports/{kind}` with [`ReportQuery`] → [`Report`].
//! - Health officers see their area (province, and their wards when their scope lists wards); the authority admin
//!   sees every province, or one with `province=`; an agency admin sees only [`ReportKind::Passages`], for the
//!   venues of their own agency. A `province` or `ward` outside the caller's scope is 404 (not an empty report:
//!   the caller may not probe). Every other role: 403; anonymous: 401.
//! - `from` and `to` are calendar dates (inclusive) of the days the records carry (a declaration's declared
//!   date, a passage's local scan day, a sample's day, a dose's date); `to` defaults to today in Vietnam
//!   (UTC+7) and `from` to 13 days before `to`. `from` after `to`, or a period over 366 days: 422.
//!
//! Reports and their sections (section keys are stable: the console, the exports and the tests use them):
//! - `declarations`: `per_day` (date, count; line chart), `per_ward` (ward, count; bar chart), `per_day_ward`
//!   (date, ward, count).
//! - `passages`: `per_venue_day` (date, venue, ward, entries, exits, refused; bar chart of passages per day),
//!   `silent_venues` (venues in scope that recorded no passage in the period: venue, ward, agency).
//! - `quarantine`: `orders` (ward, orders created in the period, orders running on `to`; bar chart),
//!   `verdicts_per_day` (date, ok, needs_review, missed; stacked bars), `open_cases` (ward, cases awaiting an
//!   explanation, cases awaiting a decision).
//! - `results`: `per_site` (site ward, samples taken, results returned, median hours to result, 90th percentile
//!   hours; bar chart), `per_day` (date, samples, results; line chart).
//! - `vaccination`: `coverage` (commune, priority group, people listed, with at least one dose, fully
//!   vaccinated, percent covered; bar chart by commune), `stock` (site, product, doses remaining, earliest expiry).
//!
//! Every number is a count of rows the caller may see; no row of a report names a person.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Longest period of one report, in days.
pub const MAX_REPORT_DAYS: i64 = 366;

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// Health declarations per day and ward.
    Declarations,
    /// Gate passages per venue and day, and venues that recorded none.
    Passages,
    /// Quarantine orders, check-in verdicts and open cases.
    Quarantine,
    /// Samples taken, results returned and time to result per site.
    Results,
    /// Vaccination coverage by commune and priority group, and stock per site.
    Vaccination,
}

impl ReportKind {
    /// Every report, in the console's order.
    pub const ALL: [ReportKind; 5] =
        [ReportKind::Declarations, ReportKind::Passages, ReportKind::Quarantine, ReportKind::Results, ReportKind::Vaccination];

    /// The wire name (also the path segment), e.g. `passages`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Declarations => "declarations",
            Self::Passages => "passages",
            Self::Quarantine => "quarantine",
            Self::Results => "results",
            Self::Vaccination => "vaccination",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Query of a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ReportQuery {
    /// First day (inclusive), `YYYY-MM-DD`.
    pub from: Option<NaiveDate>,
    /// Last day (inclusive), `YYYY-MM-DD`.
    pub to: Option<NaiveDate>,
    /// One province (two digits) within the caller's scope.
    pub province: Option<String>,
    /// One ward (five digits) within the caller's scope.
    pub ward: Option<String>,
}

/// A report: its period, its scope and its sections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    /// Which report.
    pub kind: ReportKind,
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// The province it covers (`None`: every province, for the authority admin).
    pub province: Option<String>,
    /// The wards it is limited to (empty: the whole province).
    pub wards: Vec<String>,
    /// When it was computed.
    pub generated_at: DateTime<Utc>,
    /// The sections, in display order.
    pub sections: Vec<ReportSection>,
}

impl Report {
    /// The section with this key.
    pub fn section(&self, key: &str) -> Option<&ReportSection> {
        self.sections.iter().find(|s| s.key == key)
    }
}

/// One table of a report, with its chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportSection {
    /// Stable key, e.g. `per_day_ward` (see the module docs).
    pub key: String,
    /// Title in Vietnamese.
    pub title_vi: String,
    /// Title in English.
    pub title_en: String,
    /// The columns.
    pub columns: Vec<ReportColumn>,
    /// The rows; each has one cell per column.
    pub rows: Vec<Vec<ReportCell>>,
    /// The chart drawn above the table, when the section has one.
    pub chart: Option<Chart>,
}

impl ReportSection {
    /// The index of the column with this key.
    pub fn column(&self, key: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.key == key)
    }
}

/// A column of a section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportColumn {
    /// Stable key, e.g. `count`.
    pub key: String,
    /// Heading in Vietnamese.
    pub label_vi: String,
    /// Heading in English.
    pub label_en: String,
}

/// One cell: a count, a measure (hours, percent) or text (a date, a code, a name of a venue or site).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum ReportCell {
    /// A count.
    Count(i64),
    /// A measure, rounded to one decimal place.
    Measure(f64),
    /// Text.
    Text(String),
    /// No value (for example no result yet, so no time to result).
    Empty(()),
}

/// How a chart draws its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    /// Bars side by side per category.
    Bar,
    /// Bars stacked per category.
    StackedBar,
    /// Lines over the categories (days).
    Line,
}

/// A chart of counts over days or areas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Chart {
    /// How to draw it.
    pub kind: ChartKind,
    /// The categories along the x axis (days as `YYYY-MM-DD`, or area codes or names).
    pub categories: Vec<String>,
    /// The series; each has one value per category.
    pub series: Vec<ChartSeries>,
}

/// One series of a chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChartSeries {
    /// Legend in Vietnamese.
    pub label_vi: String,
    /// Legend in English.
    pub label_en: String,
    /// One value per category.
    pub values: Vec<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_cells_serialize_as_plain_values() {
        for kind in ReportKind::ALL {
            assert_eq!(ReportKind::parse(kind.as_str()), Some(kind));
        }
        let cells = vec![ReportCell::Count(3), ReportCell::Measure(2.5), ReportCell::Text("79".into()), ReportCell::Empty(())];
        let json = serde_json::to_string(&cells).unwrap();
        assert_eq!(json, r#"[3,2.5,"79",null]"#);
        let back: Vec<ReportCell> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, cells);
    }
}
