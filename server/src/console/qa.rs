//! The hotline's Q&A draft of a province: search (the phone's own `fold_for_search` and `qa_matches`), edit,
//! delete and publish, through `crate::hotline`'s functions, which check the viewer's scope (another province's
//! draft is 404). Health officers of the province and the authority admin; agency admins get 403.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use healthbook_protocol::Role;
use healthbook_protocol::hotline::{
    MAX_QA_QUESTION_CHARS, MAX_TEXT_CHARS, QaCategory, QaDraft, QaEntry, QaEntryInput, fold_for_search, qa_matches,
};

use super::i18n::Tr;
use super::{Console, Fail, Fields, Layout, local_time};
use crate::access::reach_of;
use crate::app::AppState;
use crate::error::ApiError;
use crate::hotline;

/// The roles that edit Q&A sets.
const EDITORS: [Role; 2] = [Role::AuthorityAdmin, Role::HealthOfficer];

/// Notices a redirect may ask the list page to show.
const NOTICES: [&str; 4] = ["saved", "deleted", "published", "publish_conflict"];

/// A category as an option of a select: (wire name, label, selected).
type CategoryOption = (&'static str, &'static str, bool);

fn category_options(t: Tr, selected: Option<QaCategory>) -> Vec<CategoryOption> {
    QaCategory::ALL
        .into_iter()
        .map(|c| (c.as_str(), t.s(&format!("category_{}", c.as_str())), Some(c) == selected))
        .collect()
}

/// One entry of the list.
struct Row {
    id: String,
    category: &'static str,
    category_label: &'static str,
    question: String,
    answer: String,
    updated_at: String,
}

#[derive(Template)]
#[template(path = "console/qa.html")]
struct ListPage {
    l: Layout,
    province: String,
    /// The province picker (authority admin): (code, selected); empty for officers.
    provinces: Vec<(&'static str, bool)>,
    query: String,
    categories: Vec<CategoryOption>,
    draft: Option<QaDraft>,
    rows: Vec<Row>,
    notice: Option<&'static str>,
    csrf: String,
}

/// The province the viewer works on: the `province` parameter, else an officer's own.
fn province_of(ctx: &Console, asked: Option<String>) -> Result<Option<String>, Fail> {
    let session = ctx.require(&EDITORS)?;
    Ok(asked.or_else(|| session.area.as_ref().map(|a| a.province.clone())))
}

/// `GET /console/qa?province=&q=&category=`: the draft's entries that match the search.
pub async fn list(State(state): State<AppState>, ctx: Console) -> Response {
    ctx.finish(render_list(&state, &ctx).await)
}

async fn render_list(state: &AppState, ctx: &Console) -> Result<Response, Fail> {
    let province = province_of(ctx, ctx.param("province"))?;
    let session = ctx.signed_in()?;
    let t = ctx.t;
    let query = ctx.param("q").unwrap_or_default();
    let category = ctx.param("category").and_then(|c| QaCategory::parse(&c));
    let draft = match &province {
        Some(province) => {
            let (principal, province) = (session.principal.clone(), province.clone());
            Some(
                state
                    .db
                    .read(move |tx| {
                        let reach = reach_of(tx, &principal)?;
                        hotline::draft(tx, &reach, &province)
                    })
                    .await?,
            )
        }
        None => None,
    };
    let folded = fold_for_search(&query);
    let rows = draft
        .iter()
        .flat_map(|d| d.entries.iter())
        .filter(|e| category.is_none_or(|c| e.category == c))
        .filter(|e| {
            let text = fold_for_search(&format!("{} {} {} {}", e.question_vi, e.answer_vi, e.question_en, e.answer_en));
            qa_matches(&text, &folded)
        })
        .map(|e| Row {
            id: e.id.clone(),
            category: e.category.as_str(),
            category_label: t.s(&format!("category_{}", e.category.as_str())),
            question: t.pick(&e.question_vi, &e.question_en).to_owned(),
            answer: t.pick(&e.answer_vi, &e.answer_en).to_owned(),
            updated_at: local_time(e.updated_at),
        })
        .collect();
    let notice = ctx.param("notice").and_then(|n| NOTICES.iter().find(|k| **k == n)).map(|k| t.s(&format!("notice_{k}")));
    let provinces = if session.principal.role == Role::AuthorityAdmin {
        healthbook_core::admin_units::PROVINCE_CODES.iter().map(|c| (*c, province.as_deref() == Some(*c))).collect()
    } else {
        Vec::new()
    };
    let page = ListPage {
        l: ctx.layout("qa", t.s("qa_title").to_owned()),
        province: province.unwrap_or_default(),
        provinces,
        query,
        categories: category_options(t, category),
        draft,
        rows,
        notice,
        csrf: session.csrf.clone(),
    };
    Ok(ctx.page(StatusCode::OK, &page))
}

/// The values of the entry form and their errors.
#[derive(Default)]
struct EntryForm {
    category: Option<QaCategory>,
    question_vi: String,
    answer_vi: String,
    question_en: String,
    answer_en: String,
    /// (field, message).
    errors: Vec<(&'static str, &'static str)>,
}

impl EntryForm {
    fn of(entry: &QaEntry) -> Self {
        Self {
            category: Some(entry.category),
            question_vi: entry.question_vi.clone(),
            answer_vi: entry.answer_vi.clone(),
            question_en: entry.question_en.clone(),
            answer_en: entry.answer_en.clone(),
            errors: Vec::new(),
        }
    }

    /// Reads and checks the posted fields the way `PUT .../draft/{entry_id}` does, so that each problem shows
    /// next to its field.
    fn read(form: &Fields, t: Tr) -> Self {
        let text = |name: &str| form.get(name).trim().to_owned();
        let mut entry = Self {
            category: QaCategory::parse(form.get("category")),
            question_vi: text("question_vi"),
            answer_vi: text("answer_vi"),
            question_en: text("question_en"),
            answer_en: text("answer_en"),
            errors: Vec::new(),
        };
        if entry.category.is_none() {
            entry.errors.push(("category", t.s("field_category")));
        }
        let fields = [
            ("question_vi", &entry.question_vi, MAX_QA_QUESTION_CHARS, true),
            ("answer_vi", &entry.answer_vi, MAX_TEXT_CHARS, true),
            ("question_en", &entry.question_en, MAX_QA_QUESTION_CHARS, false),
            ("answer_en", &entry.answer_en, MAX_TEXT_CHARS, false),
        ];
        let mut errors = Vec::new();
        for (name, value, max, required) in fields {
            if required && value.is_empty() {
                errors.push((name, t.s("field_required")));
            } else if value.chars().count() > max {
                errors.push((name, t.s("field_too_long")));
            }
        }
        if entry.question_en.is_empty() != entry.answer_en.is_empty() {
            let missing = if entry.question_en.is_empty() { "question_en" } else { "answer_en" };
            errors.push((missing, t.s("field_en_pair")));
        }
        entry.errors.extend(errors);
        entry
    }

    fn error(&self, field: &str) -> Option<&'static str> {
        self.errors.iter().find(|(f, _)| *f == field).map(|(_, m)| *m)
    }
}

#[derive(Template)]
#[template(path = "console/qa_edit.html")]
struct EditPage {
    l: Layout,
    province: String,
    entry_id: String,
    categories: Vec<CategoryOption>,
    form: EntryForm,
    csrf: String,
}

fn edit_page(ctx: &Console, status: StatusCode, province: String, entry_id: String, form: EntryForm) -> Result<Response, Fail> {
    let session = ctx.signed_in()?;
    let page = EditPage {
        l: ctx.layout("qa-edit", ctx.t.s("qa_edit_title").to_owned()),
        province,
        entry_id,
        categories: category_options(ctx.t, form.category),
        form,
        csrf: session.csrf.clone(),
    };
    Ok(ctx.page(status, &page))
}

/// An entry id from a path: the editor's UUID; anything else names no entry.
fn entry_id(raw: &str) -> Result<String, Fail> {
    uuid::Uuid::parse_str(raw).map(|id| id.to_string()).map_err(|_| Fail::Status(StatusCode::NOT_FOUND))
}

/// A province that must be given (the authority admin has none of their own).
fn required_province(ctx: &Console, asked: Option<String>) -> Result<String, Fail> {
    province_of(ctx, asked)?.ok_or_else(|| Fail::Detail(StatusCode::UNPROCESSABLE_ENTITY, "province is required".into()))
}

/// `GET /console/qa/new?province=`: an empty form under a new entry id.
pub async fn new_form(State(state): State<AppState>, ctx: Console) -> Response {
    let result = async {
        let province = required_province(&ctx, ctx.param("province"))?;
        // The draft is read so that another province's form is 404 before anything is typed into it.
        load_draft(&state, &ctx, &province).await?;
        edit_page(&ctx, StatusCode::OK, province, uuid::Uuid::new_v4().to_string(), EntryForm::default())
    }
    .await;
    ctx.finish(result)
}

async fn load_draft(state: &AppState, ctx: &Console, province: &str) -> Result<QaDraft, Fail> {
    let principal = ctx.signed_in()?.principal.clone();
    let province = province.to_owned();
    Ok(state
        .db
        .read(move |tx| {
            let reach = reach_of(tx, &principal)?;
            hotline::draft(tx, &reach, &province)
        })
        .await?)
}

/// `GET /console/qa/{entry_id}/edit?province=`: the entry's form.
pub async fn edit_form(State(state): State<AppState>, ctx: Console, Path(raw_id): Path<String>) -> Response {
    let result = async {
        let province = required_province(&ctx, ctx.param("province"))?;
        let id = entry_id(&raw_id)?;
        let draft = load_draft(&state, &ctx, &province).await?;
        let entry = draft.entries.iter().find(|e| e.id == id).ok_or(Fail::Status(StatusCode::NOT_FOUND))?;
        edit_page(&ctx, StatusCode::OK, province, id, EntryForm::of(entry))
    }
    .await;
    ctx.finish(result)
}

/// `POST /console/qa/{entry_id}`: creates or replaces the entry; problems re-show the form beside their fields.
pub async fn save(State(state): State<AppState>, ctx: Console, Path(raw_id): Path<String>, form: Fields) -> Response {
    let result = async {
        ctx.require(&EDITORS)?;
        let session = ctx.check_form(&form)?;
        let id = entry_id(&raw_id)?;
        let province = required_province(&ctx, Some(form.get("province").trim().to_owned()).filter(|p| !p.is_empty()))?;
        let mut entry = EntryForm::read(&form, ctx.t);
        let Some(category) = entry.category.filter(|_| entry.errors.is_empty()) else {
            return edit_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, province, id, entry);
        };
        let input = QaEntryInput {
            category,
            question_vi: entry.question_vi.clone(),
            answer_vi: entry.answer_vi.clone(),
            question_en: entry.question_en.clone(),
            answer_en: entry.answer_en.clone(),
        };
        let (principal, now) = (session.principal.clone(), state.now());
        let (p, i) = (province.clone(), id.clone());
        let saved = state
            .db
            .write(move |tx| {
                let reach = reach_of(tx, &principal)?;
                hotline::save_entry(tx, &reach, &p, &i, input, now)
            })
            .await;
        match saved {
            Ok(_) => Ok(ctx.see_other(&format!("/console/qa?{}", pairs(&[("province", &province), ("notice", "saved")])))),
            Err(ApiError::InvalidField { field, .. }) => {
                let field = ["category", "question_vi", "answer_vi", "question_en", "answer_en"]
                    .into_iter()
                    .find(|f| *f == field)
                    .unwrap_or("question_vi");
                entry.errors.push((field, ctx.t.s("field_invalid")));
                edit_page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, province, id, entry)
            }
            Err(e) => Err(e.into()),
        }
    }
    .await;
    ctx.finish(result)
}

/// `POST /console/qa/{entry_id}/delete`.
pub async fn delete(State(state): State<AppState>, ctx: Console, Path(raw_id): Path<String>, form: Fields) -> Response {
    let result = async {
        ctx.require(&EDITORS)?;
        let session = ctx.check_form(&form)?;
        let id = entry_id(&raw_id)?;
        let province = required_province(&ctx, Some(form.get("province").trim().to_owned()).filter(|p| !p.is_empty()))?;
        let (principal, p) = (session.principal.clone(), province.clone());
        state
            .db
            .write(move |tx| {
                let reach = reach_of(tx, &principal)?;
                hotline::delete_entry(tx, &reach, &p, &id)
            })
            .await?;
        Ok(ctx.see_other(&format!("/console/qa?{}", pairs(&[("province", &province), ("notice", "deleted")]))))
    }
    .await;
    ctx.finish(result)
}

/// `POST /console/qa/publish`: publishes the draft as the next version (nothing new to publish is a notice).
pub async fn publish(State(state): State<AppState>, ctx: Console, form: Fields) -> Response {
    let result = async {
        ctx.require(&EDITORS)?;
        let session = ctx.check_form(&form)?;
        let province = required_province(&ctx, Some(form.get("province").trim().to_owned()).filter(|p| !p.is_empty()))?;
        let (principal, p, now) = (session.principal.clone(), province.clone(), state.now());
        let published = state
            .db
            .write(move |tx| {
                let reach = reach_of(tx, &principal)?;
                hotline::publish(tx, &reach, &p, &principal.account_id, now)
            })
            .await;
        let notice = match published {
            Ok(_) => "published",
            Err(e) if e.status() == StatusCode::CONFLICT => "publish_conflict",
            Err(e) => return Err(e.into()),
        };
        Ok(ctx.see_other(&format!("/console/qa?{}", pairs(&[("province", &province), ("notice", notice)]))))
    }
    .await;
    ctx.finish(result)
}

/// A query string of pairs.
pub(super) fn pairs(pairs: &[(&str, &str)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        out.append_pair(k, v);
    }
    out.finish()
}
