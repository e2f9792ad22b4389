//! Adoption: the authority admin sees every agency's figures (the API's rollup), an agency admin their own
//! agency by department; numbers only, no names, so nothing here is a read of personal data.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use healthbook_protocol::{AdoptionCounts, Role};

use super::{Console, Fail, Layout};
use crate::agencies::adoption::{agency_counts, department_counts};
use crate::app::AppState;

/// One row of the adoption table: its label and its four figures as (raw, shown).
struct Row {
    id: String,
    label: String,
    figures: Vec<(&'static str, String, String)>,
}

impl Row {
    fn new(id: String, label: String, counts: &AdoptionCounts, t: super::i18n::Tr) -> Self {
        let figures = [
            ("roster", counts.roster),
            ("joined", counts.joined),
            ("fresh_pass", counts.fresh_pass),
            ("valid_card", counts.valid_card),
        ]
        .into_iter()
        .map(|(key, value)| (key, value.to_string(), t.count(i64::from(value))))
        .collect();
        Self { id, label, figures }
    }
}

#[derive(Template)]
#[template(path = "console/adoption.html")]
struct AdoptionPage {
    l: Layout,
    heading: &'static str,
    first_column: &'static str,
    rows: Vec<Row>,
    total: Row,
    as_of: String,
}

/// `GET /console/adoption`: the authority admin's rollup per agency, or an agency admin's departments.
pub async fn page(State(state): State<AppState>, ctx: Console) -> Response {
    ctx.finish(render(&state, &ctx).await)
}

async fn render(state: &AppState, ctx: &Console) -> Result<Response, Fail> {
    let session = ctx.require(&[Role::AuthorityAdmin, Role::AgencyAdmin])?;
    let t = ctx.t;
    let now = state.now();
    let (heading, first_column, figures) = if session.principal.role == Role::AuthorityAdmin {
        let agencies = state.db.read(move |tx| agency_counts(tx, now)).await?;
        let figures: Vec<_> = agencies.into_iter().map(|a| (a.agency_id, a.agency_name, a.counts)).collect();
        (t.s("adoption_title"), t.s("agency"), figures)
    } else {
        let agency = session.principal.agency_id.clone().ok_or(Fail::Status(StatusCode::FORBIDDEN))?;
        let departments = state.db.read(move |tx| department_counts(tx, &agency, now)).await?;
        let figures: Vec<_> = departments
            .into_iter()
            .map(|d| {
                let label = if d.department.is_empty() { t.s("no_department").to_owned() } else { d.department.clone() };
                (d.department, label, d.counts)
            })
            .collect();
        (t.s("adoption_agency_title"), t.s("department"), figures)
    };
    let mut total = AdoptionCounts::default();
    for (_, _, counts) in &figures {
        total.add(counts);
    }
    let rows = figures.into_iter().map(|(id, label, counts)| Row::new(id, label, &counts, t)).collect();
    let page = AdoptionPage {
        l: ctx.layout("adoption", heading.to_owned()),
        heading,
        first_column,
        total: Row::new(String::new(), t.s("total").to_owned(), &total, t),
        rows,
        as_of: super::local_time(now),
    };
    Ok(ctx.page(StatusCode::OK, &page))
}
