//! Citizens' questions and reports: the inbox of the viewer's area, one question with its handling (assign,
//! answer, close), through `crate::hotline`'s functions, which check the scope (a question outside the area is
//! 404). Health officers and the authority admin; agency admins get 403.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use healthbook_protocol::Role;
use healthbook_protocol::hotline::{InboxQuery, InboxQuestion, QuestionKind, QuestionState};

use super::i18n::Tr;
use super::qa::pairs;
use super::{Console, Fail, Fields, Layout, local_time};
use crate::access::reach_of;
use crate::app::AppState;
use crate::error::ApiError;
use crate::hotline;

/// The roles that handle questions.
const HANDLERS: [Role; 2] = [Role::AuthorityAdmin, Role::HealthOfficer];

/// Questions per inbox page.
const PAGE_SIZE: u32 = 50;

/// Notices a redirect may ask the question page to show.
const NOTICES: [&str; 3] = ["assigned", "answered", "closed"];

const STATES: [QuestionState; 4] =
    [QuestionState::Received, QuestionState::Assigned, QuestionState::Answered, QuestionState::Closed];

fn state_name(state: QuestionState) -> &'static str {
    match state {
        QuestionState::Received => "received",
        QuestionState::Assigned => "assigned",
        QuestionState::Answered => "answered",
        QuestionState::Closed => "closed",
    }
}

fn kind_name(kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::Question => "question",
        QuestionKind::Report => "report",
    }
}

/// A question as shown: every field already in the viewer's language.
struct View {
    id: String,
    kind: &'static str,
    kind_label: &'static str,
    category: &'static str,
    category_label: &'static str,
    province: String,
    ward: String,
    text: String,
    venue: String,
    contact_phone: String,
    language: String,
    received_at: String,
    state: &'static str,
    state_label: &'static str,
    assignee: String,
    answer: String,
    answered_by: String,
    answered_at: String,
}

impl View {
    /// `names` maps account ids to usernames, where known.
    fn of(q: &InboxQuestion, t: Tr, names: &[(String, String)]) -> Self {
        let none = || t.s("not_given").to_owned();
        let name = |id: &Option<String>| {
            id.as_ref()
                .map(|id| names.iter().find(|(i, _)| i == id).map_or_else(|| id.clone(), |(_, n)| n.clone()))
                .unwrap_or_else(none)
        };
        Self {
            id: q.id.clone(),
            kind: kind_name(q.kind),
            kind_label: t.s(&format!("kind_{}", kind_name(q.kind))),
            category: q.category.as_str(),
            category_label: t.s(&format!("category_{}", q.category.as_str())),
            province: q.province.clone(),
            ward: q.ward.clone().unwrap_or_else(none),
            text: q.text.clone(),
            venue: q.venue_id.clone().unwrap_or_else(none),
            contact_phone: q.contact_phone.clone().unwrap_or_else(none),
            language: q.language.clone(),
            received_at: local_time(q.received_at),
            state: state_name(q.state),
            state_label: t.s(&format!("state_{}", state_name(q.state))),
            assignee: name(&q.assignee),
            answer: q.answer.clone().unwrap_or_default(),
            answered_by: name(&q.answered_by),
            answered_at: q.answered_at.map(local_time).unwrap_or_else(none),
        }
    }
}

#[derive(Template)]
#[template(path = "console/questions.html")]
struct InboxPage {
    l: Layout,
    /// (wire name, label, selected).
    states: Vec<(&'static str, &'static str, bool)>,
    /// The province picker (authority admin): (code, selected); empty for officers.
    provinces: Vec<(&'static str, bool)>,
    all_provinces: bool,
    rows: Vec<View>,
    next_href: Option<String>,
}

/// `GET /console/questions?state=&province=&after=`: the inbox, oldest unanswered first.
pub async fn inbox(State(state): State<AppState>, ctx: Console) -> Response {
    ctx.finish(render_inbox(&state, &ctx).await)
}

async fn render_inbox(state: &AppState, ctx: &Console) -> Result<Response, Fail> {
    let session = ctx.require(&HANDLERS)?;
    let t = ctx.t;
    let wanted_state = ctx.param("state").and_then(|s| STATES.into_iter().find(|st| state_name(*st) == s));
    let province = ctx.param("province");
    let query = InboxQuery {
        state: wanted_state,
        assignee: None,
        province: province.clone(),
        limit: Some(PAGE_SIZE),
        after: ctx.param("after"),
    };
    let principal = session.principal.clone();
    let asked = query.clone();
    let page = state
        .db
        .read(move |tx| {
            let reach = reach_of(tx, &principal)?;
            hotline::inbox(tx, &reach, &asked)
        })
        .await?;
    let next_href = page.next.as_ref().map(|next| {
        let mut pairs_list: Vec<(&str, &str)> = Vec::new();
        if let Some(s) = wanted_state {
            pairs_list.push(("state", state_name(s)));
        }
        if let Some(p) = &province {
            pairs_list.push(("province", p));
        }
        pairs_list.push(("after", next));
        format!("/console/questions?{}", pairs(&pairs_list))
    });
    let provinces = if session.principal.role == Role::AuthorityAdmin {
        healthbook_core::admin_units::PROVINCE_CODES.iter().map(|c| (*c, province.as_deref() == Some(*c))).collect()
    } else {
        Vec::new()
    };
    let page = InboxPage {
        l: ctx.layout("questions", t.s("questions_title").to_owned()),
        states: STATES
            .into_iter()
            .map(|s| (state_name(s), t.s(&format!("state_{}", state_name(s))), Some(s) == wanted_state))
            .collect(),
        all_provinces: province.is_none(),
        provinces,
        rows: page.questions.iter().map(|q| View::of(q, t, &[])).collect(),
        next_href,
    };
    Ok(ctx.page(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "console/question.html")]
struct QuestionPage {
    l: Layout,
    q: View,
    /// (account id, username, selected).
    officers: Vec<(String, String, bool)>,
    csrf: String,
    notice: Option<&'static str>,
    error: Option<String>,
}

/// `GET /console/questions/{question_id}`: the question and the forms that handle it.
pub async fn detail(State(state): State<AppState>, ctx: Console, Path(id): Path<String>) -> Response {
    let result = async {
        let notice =
            ctx.param("notice").and_then(|n| NOTICES.iter().find(|k| **k == n)).map(|k| ctx.t.s(&format!("notice_{k}")));
        render_detail(&state, &ctx, id, StatusCode::OK, notice, None).await
    }
    .await;
    ctx.finish(result)
}

async fn render_detail(
    state: &AppState,
    ctx: &Console,
    id: String,
    status: StatusCode,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<Response, Fail> {
    let session = ctx.require(&HANDLERS)?;
    let principal = session.principal.clone();
    let (question, officers) = state
        .db
        .read(move |tx| {
            let reach = reach_of(tx, &principal)?;
            let question = hotline::question(tx, &reach, &id)?;
            let officers = hotline::assignable_officers(tx, &reach, &id)?;
            Ok::<_, ApiError>((question, officers))
        })
        .await?;
    let page = QuestionPage {
        l: ctx.layout("question", ctx.t.s("question").to_owned()),
        q: View::of(&question, ctx.t, &officers),
        officers: officers.iter().map(|(id, name)| (id.clone(), name.clone(), question.assignee.as_ref() == Some(id))).collect(),
        csrf: session.csrf.clone(),
        notice,
        error,
    };
    Ok(ctx.page(status, &page))
}

/// What a handling form asks for.
enum Action {
    Assign(String),
    Answer(String),
    Close(String),
}

async fn act(state: &AppState, ctx: &Console, id: String, form: &Fields, action: Action) -> Result<Response, Fail> {
    ctx.require(&HANDLERS)?;
    let session = ctx.check_form(form)?;
    let (principal, now, question_id) = (session.principal.clone(), state.now(), id.clone());
    let notice = match &action {
        Action::Assign(_) => "assigned",
        Action::Answer(_) => "answered",
        Action::Close(_) => "closed",
    };
    let done = state
        .db
        .write(move |tx| {
            let reach = reach_of(tx, &principal)?;
            match &action {
                Action::Assign(assignee) => hotline::assign(tx, &reach, &question_id, assignee, now),
                Action::Answer(text) => hotline::answer(tx, &reach, &question_id, &principal.account_id, text, now),
                Action::Close(note) => hotline::close(tx, &reach, &question_id, &principal.account_id, note, now),
            }
        })
        .await;
    match done {
        Ok(_) => Ok(ctx.see_other(&format!("/console/questions/{}?notice={notice}", encode_segment(&id)))),
        // A refused value (an empty answer, an officer outside the area): the page again, saying why.
        Err(e) if matches!(e.status(), StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST | StatusCode::CONFLICT) => {
            let status = e.status();
            render_detail(state, ctx, id, status, None, Some(e.to_string())).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A path segment, percent-encoded.
fn encode_segment(segment: &str) -> String {
    form_urlencoded::byte_serialize(segment.as_bytes()).collect::<String>().replace('+', "%20")
}

/// `POST /console/questions/{question_id}/assign` (`assignee`).
pub async fn assign(State(state): State<AppState>, ctx: Console, Path(id): Path<String>, form: Fields) -> Response {
    let action = Action::Assign(form.get("assignee").trim().to_owned());
    ctx.finish(act(&state, &ctx, id, &form, action).await)
}

/// `POST /console/questions/{question_id}/answer` (`answer`).
pub async fn answer(State(state): State<AppState>, ctx: Console, Path(id): Path<String>, form: Fields) -> Response {
    let action = Action::Answer(form.get("answer").to_owned());
    ctx.finish(act(&state, &ctx, id, &form, action).await)
}

/// `POST /console/questions/{question_id}/close` (`note`).
pub async fn close(State(state): State<AppState>, ctx: Console, Path(id): Path<String>, form: Fields) -> Response {
    let action = Action::Close(form.get("note").to_owned());
    ctx.finish(act(&state, &ctx, id, &form, action).await)
}
