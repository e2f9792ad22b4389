//! The reports: an index of those the viewer may open, each report as a page (a filter form, and per section its
//! chart, its table and a CSV link), and the exports. The figures, the scope rule and the exports are
//! `crate::reports`' own, so the console shows exactly what `GET /v1/reports/{kind}` answers.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use healthbook_protocol::reports::{Report, ReportCell, ReportKind, ReportQuery};

use super::{Console, Fail, Layout};
use crate::app::AppState;
use crate::reports::{build, chart, export, may_view};

/// A card of the reports index.
struct Card {
    kind: &'static str,
    title: &'static str,
    description: &'static str,
}

#[derive(Template)]
#[template(path = "console/reports.html")]
struct IndexPage {
    l: Layout,
    cards: Vec<Card>,
}

/// `GET /console/reports`: a card per report the viewer may open.
pub async fn index(ctx: Console) -> Response {
    let result = (|| {
        let session = ctx.signed_in()?;
        let cards = ReportKind::ALL
            .into_iter()
            .filter(|kind| may_view(&session.principal, *kind))
            .map(|kind| Card {
                kind: kind.as_str(),
                title: ctx.t.s(&format!("report_{}", kind.as_str())),
                description: ctx.t.s(&format!("report_{}_desc", kind.as_str())),
            })
            .collect();
        let page = IndexPage { l: ctx.layout("reports", ctx.t.s("reports_title").to_owned()), cards };
        Ok(ctx.page(StatusCode::OK, &page))
    })();
    ctx.finish(result)
}

/// A cell as shown: its column, its raw value (`data-value`) and its text in the viewer's language.
struct Cell {
    col: String,
    raw: String,
    shown: String,
    numeric: bool,
}

/// A section as shown.
struct Section {
    key: String,
    title: String,
    chart: Option<String>,
    /// (key, heading, numeric).
    columns: Vec<(String, String, bool)>,
    rows: Vec<Vec<Cell>>,
    csv_href: String,
}

#[derive(Template)]
#[template(path = "console/report.html")]
struct ReportPage {
    l: Layout,
    kind: &'static str,
    title: &'static str,
    from: String,
    to: String,
    ward: String,
    /// The province picker (authority admin): (code, selected); empty for officers.
    provinces: Vec<(&'static str, bool)>,
    all_provinces: bool,
    scope: String,
    generated_at: String,
    sections: Vec<Section>,
    xlsx_href: String,
}

/// The report's query from the page's parameters; a date that does not parse is 422.
fn report_query(ctx: &Console) -> Result<ReportQuery, Fail> {
    let date = |name: &str| {
        ctx.param(name)
            .map(|v| NaiveDate::parse_from_str(&v, "%Y-%m-%d"))
            .transpose()
            .map_err(|_| Fail::Detail(StatusCode::UNPROCESSABLE_ENTITY, format!("{name} must be a date (YYYY-MM-DD)")))
    };
    Ok(ReportQuery { from: date("from")?, to: date("to")?, province: ctx.param("province"), ward: ctx.param("ward") })
}

/// The query string of a report's filters (the exports repeat it).
fn query_string(query: &ReportQuery) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    if let Some(from) = query.from {
        out.append_pair("from", &from.to_string());
    }
    if let Some(to) = query.to {
        out.append_pair("to", &to.to_string());
    }
    if let Some(province) = &query.province {
        out.append_pair("province", province);
    }
    if let Some(ward) = &query.ward {
        out.append_pair("ward", ward);
    }
    out.finish()
}

/// Builds the report the viewer asked for (403 for a report their role may not open, 404 out of scope).
async fn load(state: &AppState, ctx: &Console, kind: ReportKind) -> Result<(Report, ReportQuery), Fail> {
    let session = ctx.signed_in()?;
    if !may_view(&session.principal, kind) {
        return Err(Fail::Status(StatusCode::FORBIDDEN));
    }
    let query = report_query(ctx)?;
    let principal = session.principal.clone();
    let now = state.now();
    let asked = query.clone();
    let report = state.db.read(move |tx| build(tx, &principal, kind, &asked, now)).await?;
    Ok((report, query))
}

/// `GET /console/reports/{kind}` (the page) and `GET /console/reports/{kind}.xlsx` (the workbook).
pub async fn page_or_workbook(State(state): State<AppState>, ctx: Console, Path(name): Path<String>) -> Response {
    let result = async {
        if let Some(kind) = name.strip_suffix(".xlsx") {
            let kind = ReportKind::parse(kind).ok_or(Fail::Status(StatusCode::NOT_FOUND))?;
            let (report, _) = load(&state, &ctx, kind).await?;
            let bytes = export::xlsx(&report, ctx.t.0)?;
            let name = format!("{}-{}-{}.xlsx", kind.as_str(), report.from, report.to);
            return Ok(download(bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &name));
        }
        let kind = ReportKind::parse(&name).ok_or(Fail::Status(StatusCode::NOT_FOUND))?;
        let (report, query) = load(&state, &ctx, kind).await?;
        Ok(render(&ctx, kind, &report, &query))
    }
    .await;
    ctx.finish(result)
}

/// `GET /console/reports/{kind}/{key}.csv`: one section as CSV.
pub async fn section_csv(
    State(state): State<AppState>,
    ctx: Console,
    Path((kind, file)): Path<(String, String)>,
) -> Response {
    let result = async {
        let kind = ReportKind::parse(&kind).ok_or(Fail::Status(StatusCode::NOT_FOUND))?;
        let key = file.strip_suffix(".csv").ok_or(Fail::Status(StatusCode::NOT_FOUND))?;
        let (report, _) = load(&state, &ctx, kind).await?;
        let section = report.section(key).ok_or(Fail::Status(StatusCode::NOT_FOUND))?;
        let name = format!("{}-{}-{}-{}.csv", kind.as_str(), section.key, report.from, report.to);
        Ok(download(export::csv(section, ctx.t.0), "text/csv; charset=utf-8", &name))
    }
    .await;
    ctx.finish(result)
}

/// An attachment. The name is built from report kinds, section keys and dates only, so it needs no quoting.
fn download(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    ([(CONTENT_TYPE, HeaderValue::from_static(content_type)), (CONTENT_DISPOSITION, disposition)], bytes).into_response()
}

fn render(ctx: &Console, kind: ReportKind, report: &Report, query: &ReportQuery) -> Response {
    let t = ctx.t;
    let title = t.s(&format!("report_{}", kind.as_str()));
    let filters = query_string(query);
    let suffix = if filters.is_empty() { String::new() } else { format!("?{filters}") };
    let sections = report
        .sections
        .iter()
        .map(|section| {
            let section_title = t.pick(&section.title_vi, &section.title_en).to_owned();
            let rows = section
                .rows
                .iter()
                .map(|row| {
                    section
                        .columns
                        .iter()
                        .zip(row)
                        .map(|(column, cell)| {
                            let (raw, shown, numeric) = match cell {
                                ReportCell::Count(n) => (n.to_string(), t.count(*n), true),
                                ReportCell::Measure(m) => (m.to_string(), t.measure(*m), true),
                                ReportCell::Text(text) => (text.clone(), text.clone(), false),
                                ReportCell::Empty(()) => (String::new(), t.s("not_given").to_owned(), false),
                            };
                            Cell { col: column.key.clone(), raw, shown, numeric }
                        })
                        .collect()
                })
                .collect();
            Section {
                key: section.key.clone(),
                chart: section.chart.as_ref().map(|c| chart::svg(c, t.0, &section_title)),
                title: section_title,
                columns: section
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        // A column of counts or measures is right-aligned, heading included.
                        let numeric = section
                            .rows
                            .iter()
                            .any(|row| matches!(row.get(i), Some(ReportCell::Count(_) | ReportCell::Measure(_))));
                        (c.key.clone(), t.pick(&c.label_vi, &c.label_en).to_owned(), numeric)
                    })
                    .collect(),
                rows,
                csv_href: format!("/console/reports/{}/{}.csv{suffix}", kind.as_str(), section.key),
            }
        })
        .collect();
    let is_national = ctx.session.as_ref().is_some_and(|s| s.principal.role == healthbook_protocol::Role::AuthorityAdmin);
    let provinces = if is_national {
        healthbook_core::admin_units::PROVINCE_CODES
            .iter()
            .map(|code| (*code, query.province.as_deref() == Some(*code)))
            .collect()
    } else {
        Vec::new()
    };
    let scope = match (&report.province, report.wards.is_empty()) {
        (None, _) => t.s("scope_national").to_owned(),
        (Some(p), true) => format!("{} {p}", t.s("scope_province")),
        (Some(p), false) => format!("{} {p} · {} {}", t.s("scope_province"), t.s("scope_wards"), report.wards.join(", ")),
    };
    let page = ReportPage {
        l: ctx.layout(&format!("report-{}", kind.as_str()), title.to_owned()),
        kind: kind.as_str(),
        title,
        from: report.from.to_string(),
        to: report.to.to_string(),
        ward: query.ward.clone().unwrap_or_default(),
        all_provinces: query.province.is_none(),
        provinces,
        scope,
        generated_at: super::local_time(report.generated_at),
        sections,
        xlsx_href: format!("/console/reports/{}.xlsx{suffix}", kind.as_str()),
    };
    ctx.page(StatusCode::OK, &page)
}
