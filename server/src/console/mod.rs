//! The province's web console (issue 13), served at `/console`: server-rendered pages (askama templates under
//! `server/templates/console/`, no JavaScript) for the authority admin, health officers and agency admins, with
//! the same accounts, roles and area scopes as the API.
//!
//! | module | holds |
//! |---|---|
//! | [`session`] | sessions (cookie `hb_console`, SHA-256 stored), sign-in and sign-out |
//! | [`csrf`] | the form token comparison and the `Origin` check |
//! | [`i18n`] | the vi/en string table and number formats |
//! | [`reports`] | the reports index, each report with its charts and tables, CSV and XLSX exports |
//! | [`adoption`] | adoption per agency (authority) or per department (agency admin) |
//! | [`qa`] | the hotline's Q&A draft: search, edit, delete, publish |
//! | [`questions`] | citizens' questions: inbox, assign, answer, close |
//!
//! Every response carries a strict Content-Security-Policy (no script, styles and images from the console only),
//! `nosniff`, no referrer and `no-store`. Every form that changes something is a POST with the session's CSRF
//! token; a missing or wrong token, or a foreign `Origin`, is 403 with the page `#csrf-refused` and changes
//! nothing.

pub mod adoption;
pub mod csrf;
pub mod i18n;
pub mod qa;
pub mod questions;
pub mod reports;
pub mod session;

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use healthbook_protocol::{Language, Role};

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::ClientAddr;
use i18n::Tr;
use session::Session;

/// The session cookie.
pub const SESSION_COOKIE: &str = "hb_console";
/// The pre-session cookie whose value the sign-in form carries as its CSRF token.
pub const PRE_SESSION_COOKIE: &str = "hb_console_pre";
/// The language cookie (`vi` or `en`).
pub const LANGUAGE_COOKIE: &str = "hb_lang";
/// The policy every console response carries: nothing runs, nothing loads from elsewhere, nothing frames it.
pub const CONTENT_SECURITY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// The console's stylesheet, in the binary.
const CSS: &str = include_str!("../../static/console.css");

/// The console's routes, nested at `/console` by [`crate::app::router`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/reports", get(reports::index))
        .route("/reports/{name}", get(reports::page_or_workbook))
        .route("/reports/{kind}/{file}", get(reports::section_csv))
        .route("/adoption", get(adoption::page))
        .route("/qa", get(qa::list))
        .route("/qa/new", get(qa::new_form))
        .route("/qa/publish", post(qa::publish))
        .route("/qa/{entry_id}", post(qa::save))
        .route("/qa/{entry_id}/edit", get(qa::edit_form))
        .route("/qa/{entry_id}/delete", post(qa::delete))
        .route("/questions", get(questions::inbox))
        .route("/questions/{question_id}", get(questions::detail))
        .route("/questions/{question_id}/assign", post(questions::assign))
        .route("/questions/{question_id}/answer", post(questions::answer))
        .route("/questions/{question_id}/close", post(questions::close))
        .route("/static/console.css", get(stylesheet))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::map_response(security_headers))
}

/// Adds the console's security headers to every response it gives.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY));
    headers.insert(HeaderName::from_static("x-content-type-options"), HeaderValue::from_static("nosniff"));
    headers.insert(HeaderName::from_static("referrer-policy"), HeaderValue::from_static("no-referrer"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// What went wrong with a console request, rendered as a page in the viewer's language.
#[derive(Debug)]
pub enum Fail {
    /// Not signed in (or the session ended): back to the sign-in page.
    SignIn,
    /// The CSRF token or `Origin` was wrong: 403 `#csrf-refused`.
    Csrf,
    /// An error page with this status.
    Status(StatusCode),
    /// An error page with this status and a detail (never personal data).
    Detail(StatusCode, String),
}

impl From<ApiError> for Fail {
    fn from(e: ApiError) -> Self {
        let status = e.status();
        match status {
            StatusCode::UNAUTHORIZED => Fail::SignIn,
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CONFLICT => {
                Fail::Detail(status, e.to_string())
            }
            _ => {
                if status.is_server_error() {
                    tracing::error!(error = %e, "console request failed");
                }
                Fail::Status(status)
            }
        }
    }
}

impl From<crate::storage::StorageError> for Fail {
    fn from(e: crate::storage::StorageError) -> Self {
        ApiError::from(e).into()
    }
}

/// A console request: its language, its session (when signed in), its cookies and where it went.
#[derive(Debug)]
pub struct Console {
    /// The viewer's language.
    pub t: Tr,
    /// A language asked for with `?lang=`, to remember in the cookie.
    remember_language: Option<Language>,
    /// The live session, if any.
    pub session: Option<Session>,
    /// The pre-session cookie's value, if any.
    pre_session: Option<String>,
    /// The session cookie's value, if any.
    session_id: Option<String>,
    /// The path (for the language switch).
    path: String,
    /// The query's pairs other than `lang`.
    query: Vec<(String, String)>,
    /// The request's headers (for the `Origin` check).
    headers: HeaderMap,
}

impl FromRequestParts<AppState> for Console {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let cookies = cookies(&parts.headers);
        let mut query = Vec::new();
        let mut asked = None;
        for (name, value) in form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes()) {
            if name == "lang" {
                asked = Language::from_tag(&value).filter(|_| value.len() == 2);
            } else {
                query.push((name.into_owned(), value.into_owned()));
            }
        }
        let language = asked
            .or_else(|| cookie(&cookies, LANGUAGE_COOKIE).and_then(|v| Language::from_tag(&v)))
            .unwrap_or(Language::Vi);
        let session_id = cookie(&cookies, SESSION_COOKIE).filter(|v| !v.is_empty() && v.len() <= 128);
        let mut console = Console {
            t: Tr(language),
            remember_language: asked,
            session: None,
            pre_session: cookie(&cookies, PRE_SESSION_COOKIE).filter(|v| !v.is_empty() && v.len() <= 128),
            session_id: session_id.clone(),
            // The router is nested at /console, which strips the prefix from `parts.uri`; the links built from
            // this path (the language switch, the current page in the nav) need the path the browser asked for.
            path: parts
                .extensions
                .get::<axum::extract::OriginalUri>()
                .map_or_else(|| parts.uri.path().to_owned(), |original| original.0.path().to_owned()),
            query,
            headers: parts.headers.clone(),
        };
        if let Some(id) = session_id {
            let now = state.now();
            let limit = state.config.rate_limit_per_minute;
            match state.db.write(move |tx| session::touch(tx, &id, now, limit)).await {
                Ok(found) => console.session = found,
                Err(e) => return Err(console.fail(Fail::from(e))),
            }
        }
        Ok(console)
    }
}

impl Console {
    /// The live session, or a failure that sends the viewer to sign in.
    pub fn signed_in(&self) -> Result<&Session, Fail> {
        self.session.as_ref().ok_or(Fail::SignIn)
    }

    /// The live session of a viewer with one of `roles`; 403 for the others.
    pub fn require(&self, roles: &[Role]) -> Result<&Session, Fail> {
        let session = self.signed_in()?;
        if roles.contains(&session.principal.role) { Ok(session) } else { Err(Fail::Status(StatusCode::FORBIDDEN)) }
    }

    /// Checks a changing request: a live session, an own or absent `Origin`, and the session's token in the
    /// form's `csrf` field.
    pub fn check_form(&self, form: &Fields) -> Result<&Session, Fail> {
        let session = self.signed_in()?;
        if form.unread {
            return Err(Fail::Status(StatusCode::PAYLOAD_TOO_LARGE));
        }
        if !csrf::origin_allowed(&self.headers) || !csrf::tokens_match(&session.csrf, form.get("csrf")) {
            return Err(Fail::Csrf);
        }
        Ok(session)
    }

    /// A query parameter (other than `lang`), trimmed; `None` when absent or empty.
    pub fn param(&self, name: &str) -> Option<String> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    /// The common parts of a page: header, navigation, language switch.
    pub fn layout(&self, page: &str, title: String) -> Layout {
        let with_language = |tag: &str| {
            let mut query = form_urlencoded::Serializer::new(String::new());
            for (k, v) in &self.query {
                query.append_pair(k, v);
            }
            query.append_pair("lang", tag);
            format!("{}?{}", self.path, query.finish())
        };
        let viewer = self.session.as_ref().map(|s| Viewer::of(s, self.t));
        let nav = self.session.as_ref().map(|s| nav(s, self.t, &self.path)).unwrap_or_default();
        Layout {
            t: self.t,
            page: page.to_owned(),
            title,
            viewer,
            nav,
            csrf: self.session.as_ref().map(|s| s.csrf.clone()).unwrap_or_default(),
            switch_vi: with_language("vi"),
            switch_en: with_language("en"),
        }
    }

    /// A rendered page with `status`, remembering the language when one was asked for.
    pub fn page(&self, status: StatusCode, template: &impl Template) -> Response {
        match template.render() {
            Ok(html) => {
                let mut response =
                    (status, [(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))], html).into_response();
                self.remember(&mut response);
                response
            }
            Err(e) => {
                tracing::error!(error = %e, "console template failed");
                (StatusCode::INTERNAL_SERVER_ERROR, [(CONTENT_TYPE, "text/html; charset=utf-8")], "<!doctype html><title>500</title>")
                    .into_response()
            }
        }
    }

    /// A 303 to `location`, remembering the language when one was asked for.
    pub fn see_other(&self, location: &str) -> Response {
        let mut response = see_other(location);
        self.remember(&mut response);
        response
    }

    fn remember(&self, response: &mut Response) {
        if let Some(language) = self.remember_language {
            let cookie = format!("{LANGUAGE_COOKIE}={}; Path=/console; Max-Age=31536000; SameSite=Strict", language.tag());
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(SET_COOKIE, value);
            }
        }
    }

    /// The page for a failure.
    pub fn fail(&self, fail: Fail) -> Response {
        let (status, csrf_refused, detail) = match fail {
            Fail::SignIn => return self.see_other("/console/login"),
            Fail::Csrf => (StatusCode::FORBIDDEN, true, None),
            Fail::Status(status) => (status, false, None),
            Fail::Detail(status, detail) => (status, false, Some(detail)),
        };
        let key = match status.as_u16() {
            400 | 403 | 404 | 405 | 409 | 413 | 422 | 429 | 503 => format!("error_{}", status.as_u16()),
            _ => "error_500".to_owned(),
        };
        let message = if csrf_refused { self.t.s("csrf_refused") } else { self.t.s(&key) };
        let page = ErrorPage {
            l: self.layout("error", self.t.s("error_title").to_owned()),
            status: status.as_u16(),
            message,
            detail,
            csrf_refused,
        };
        self.page(status, &page)
    }

    /// The response of a handler's result.
    pub fn finish(&self, result: Result<Response, Fail>) -> Response {
        result.unwrap_or_else(|fail| self.fail(fail))
    }
}

/// A moment as officials read it: Vietnam's local time (UTC+7 all year; the labels say so).
pub fn local_time(at: chrono::DateTime<chrono::Utc>) -> String {
    (at + chrono::Duration::hours(7)).format("%Y-%m-%d %H:%M").to_string()
}

/// A 303 See Other.
fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

/// The fields of a form body (`application/x-www-form-urlencoded`), parsed leniently: any bytes give fields, and
/// a body the server would not read (over the size limit) gives none and is refused by [`Console::check_form`],
/// so that every answer is a console page.
#[derive(Debug, Default)]
pub struct Fields {
    pairs: Vec<(String, String)>,
    unread: bool,
}

impl FromRequest<AppState> for Fields {
    type Rejection = std::convert::Infallible;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(match Bytes::from_request(request, state).await {
            Ok(body) => Self::parse(&body),
            Err(_) => Self { pairs: Vec::new(), unread: true },
        })
    }
}

impl Fields {
    /// Parses a body.
    pub fn parse(body: &[u8]) -> Self {
        Self { pairs: form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect(), unread: false }
    }

    /// The first value of a field (empty when absent).
    pub fn get(&self, name: &str) -> &str {
        self.pairs.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }
}

/// Who is signed in, as the header shows it.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// Username.
    pub name: String,
    /// The role, in the viewer's language.
    pub role: &'static str,
    /// The scope: national, a province and its wards, or an agency.
    pub scope: String,
}

impl Viewer {
    fn of(session: &Session, t: Tr) -> Self {
        let scope = match (&session.area, &session.agency_name) {
            (Some(area), _) if area.wards.is_empty() => format!("{} {}", t.s("scope_province"), area.province),
            (Some(area), _) => {
                format!("{} {} · {} {}", t.s("scope_province"), area.province, t.s("scope_wards"), area.wards.join(", "))
            }
            (None, Some(agency)) => format!("{} {agency}", t.s("scope_agency")),
            (None, None) => t.s("scope_national").to_owned(),
        };
        let role = match session.principal.role {
            Role::AuthorityAdmin => t.s("role_authority_admin"),
            Role::HealthOfficer => t.s("role_health_officer"),
            _ => t.s("role_agency_admin"),
        };
        Self { name: session.username.clone(), role, scope }
    }
}

/// A link of the navigation.
#[derive(Debug, Clone)]
pub struct NavItem {
    /// Where it goes.
    pub href: &'static str,
    /// Its label.
    pub label: &'static str,
    /// Whether the current page is under it.
    pub current: bool,
}

fn nav(session: &Session, t: Tr, path: &str) -> Vec<NavItem> {
    let role = session.principal.role;
    let mut items = vec![("/console/reports", t.s("nav_reports"))];
    if matches!(role, Role::AuthorityAdmin | Role::AgencyAdmin) {
        items.push(("/console/adoption", t.s("nav_adoption")));
    }
    if matches!(role, Role::AuthorityAdmin | Role::HealthOfficer) {
        items.push(("/console/qa", t.s("nav_qa")));
        items.push(("/console/questions", t.s("nav_questions")));
    }
    items.into_iter().map(|(href, label)| NavItem { href, label, current: path.starts_with(href) }).collect()
}

/// The parts every page shares (the base template reads them as `l`).
#[derive(Debug, Clone)]
pub struct Layout {
    /// The strings.
    pub t: Tr,
    /// `data-page` of the body.
    pub page: String,
    /// The page's title.
    pub title: String,
    /// Who is signed in.
    pub viewer: Option<Viewer>,
    /// The pages the viewer may open.
    pub nav: Vec<NavItem>,
    /// The session's CSRF token (for the sign-out form).
    pub csrf: String,
    /// This page in Vietnamese.
    pub switch_vi: String,
    /// This page in English.
    pub switch_en: String,
}

#[derive(Template)]
#[template(path = "console/error.html")]
struct ErrorPage {
    l: Layout,
    status: u16,
    message: &'static str,
    detail: Option<String>,
    csrf_refused: bool,
}

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage {
    l: Layout,
    csrf: String,
    username: String,
    error: Option<&'static str>,
}

/// The request's cookies as (name, value) pairs.
fn cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

fn cookie(cookies: &[(String, String)], name: &str) -> Option<String> {
    cookies.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

/// A `Set-Cookie` value for a console cookie (HttpOnly, SameSite=Strict, Path=/console, and Secure unless the
/// server is configured for plain HTTP on loopback); `max_age` 0 deletes it.
fn set_cookie(state: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.config.console_secure_cookies { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path=/console; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

async fn index(ctx: Console) -> Response {
    if ctx.session.is_some() { ctx.see_other("/console/reports") } else { ctx.see_other("/console/login") }
}

async fn stylesheet() -> Response {
    ([(CONTENT_TYPE, "text/css; charset=utf-8")], CSS).into_response()
}

async fn not_found(ctx: Console) -> Response {
    ctx.fail(Fail::Status(StatusCode::NOT_FOUND))
}

async fn method_not_allowed(ctx: Console) -> Response {
    ctx.fail(Fail::Status(StatusCode::METHOD_NOT_ALLOWED))
}

/// The sign-in form, with a pre-session token for its CSRF field.
async fn login_form(State(state): State<AppState>, ctx: Console) -> Response {
    if ctx.session.is_some() {
        return ctx.see_other("/console/reports");
    }
    ctx.finish(login_page(&state, &ctx, StatusCode::OK, String::new(), None))
}

fn login_page(
    state: &AppState,
    ctx: &Console,
    status: StatusCode,
    username: String,
    error: Option<&'static str>,
) -> Result<Response, Fail> {
    let token = match &ctx.pre_session {
        Some(token) => token.clone(),
        None => crate::util::random_secret(32)?,
    };
    let page = LoginPage { l: ctx.layout("login", ctx.t.s("login_title").to_owned()), csrf: token.clone(), username, error };
    let mut response = ctx.page(status, &page);
    response.headers_mut().append(SET_COOKIE, set_cookie(state, PRE_SESSION_COOKIE, &token, 3600));
    Ok(response)
}

/// Signs in with the API's password check and limits; only officials get a session.
async fn login(State(state): State<AppState>, addr: ClientAddr, ctx: Console, form: Fields) -> Response {
    let result = async {
        if form.unread {
            return Err(Fail::Status(StatusCode::PAYLOAD_TOO_LARGE));
        }
        let token_ok = ctx.pre_session.as_deref().is_some_and(|expected| csrf::tokens_match(expected, form.get("csrf")));
        if !csrf::origin_allowed(&ctx.headers) || !token_ok {
            return Err(Fail::Csrf);
        }
        let username = form.get("username").chars().take(200).collect::<String>();
        let refused = |status, key| login_page(&state, &ctx, status, username.clone(), Some(ctx.t.s(key)));
        let login = match crate::auth::verify_staff_login(&state, &addr, &username, form.get("password").to_owned()).await {
            Ok(login) => login,
            Err(ApiError::InvalidCredentials) => return refused(StatusCode::UNAUTHORIZED, "login_wrong"),
            Err(ApiError::AccountDisabled) => return refused(StatusCode::FORBIDDEN, "login_disabled"),
            Err(ApiError::RateLimited { .. }) => return refused(StatusCode::TOO_MANY_REQUESTS, "login_throttled"),
            Err(ApiError::Busy { .. }) => return refused(StatusCode::SERVICE_UNAVAILABLE, "login_busy"),
            Err(e) => return Err(e.into()),
        };
        if !session::CONSOLE_ROLES.contains(&login.role) {
            return refused(StatusCode::FORBIDDEN, "login_not_official");
        }
        let now = state.now();
        let account_id = login.account_id.clone();
        let previous = ctx.session_id.clone();
        let (id, _) = state
            .db
            .write(move |tx| {
                // A sign-in over a live session replaces it rather than leaving it valid behind the new cookie.
                if let Some(previous) = previous {
                    session::delete(tx, &previous)?;
                }
                session::create(tx, &account_id, now)
            })
            .await?;
        tracing::info!(role = %login.role, "console signed in");
        let mut response = ctx.see_other("/console/reports");
        let session_age = session::ABSOLUTE_TIMEOUT.num_seconds();
        response.headers_mut().append(SET_COOKIE, set_cookie(&state, SESSION_COOKIE, &id, session_age));
        response.headers_mut().append(SET_COOKIE, set_cookie(&state, PRE_SESSION_COOKIE, "", 0));
        Ok(response)
    }
    .await;
    ctx.finish(result)
}

/// Signs out: the session is deleted and its cookie cleared.
async fn logout(State(state): State<AppState>, ctx: Console, form: Fields) -> Response {
    let result = async {
        ctx.check_form(&form)?;
        if let Some(id) = ctx.session_id.clone() {
            state.db.write(move |tx| session::delete(tx, &id)).await?;
        }
        let mut response = ctx.see_other("/console/login");
        response.headers_mut().append(SET_COOKIE, set_cookie(&state, SESSION_COOKIE, "", 0));
        Ok(response)
    }
    .await;
    ctx.finish(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_and_fields_parse_leniently() {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_static("a=1; hb_console=xyz ; broken; hb_lang=en"));
        let jar = cookies(&headers);
        assert_eq!(cookie(&jar, "hb_console").as_deref(), Some("xyz"));
        assert_eq!(cookie(&jar, "hb_lang").as_deref(), Some("en"));
        assert_eq!(cookie(&jar, "broken"), None);
        let form = Fields::parse(b"csrf=a%2Bb&answer=x+y&&=&%ZZ=1&answer=second");
        assert_eq!(form.get("csrf"), "a+b");
        assert_eq!(form.get("answer"), "x y");
        assert_eq!(form.get("missing"), "");
        let noise = Fields::parse(&[0xff, 0xfe, b'=', 0x00, b'&', b'%']);
        assert_eq!(noise.get("csrf"), "");
    }

    /// Cookies, form bodies and `Origin` come from outside: random and mutated ones never panic, and a mutated
    /// origin is never taken for the own one unless it is byte for byte the same.
    #[test]
    fn random_and_mutated_outside_input_never_panics() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(13);
        let alphabet = b"=;&% +abcHB_console\x00\xff\xc3\xa1:/.0123456789";
        for round in 0..2_000 {
            let len = rng.gen_range(0..80);
            let bytes: Vec<u8> = (0..len)
                .map(|_| if round % 2 == 0 { rng.r#gen() } else { alphabet[rng.gen_range(0..alphabet.len())] })
                .collect();
            let fields = Fields::parse(&bytes);
            let _ = fields.get("csrf");
            if let Ok(value) = HeaderValue::from_bytes(&bytes) {
                let mut headers = HeaderMap::new();
                headers.insert(COOKIE, value.clone());
                let _ = cookies(&headers);
                headers.insert(axum::http::header::HOST, HeaderValue::from_static("console.example"));
                headers.insert(axum::http::header::ORIGIN, value);
                let lower = bytes.to_ascii_lowercase();
                let own = lower == b"https://console.example" || lower == b"http://console.example";
                assert!(!csrf::origin_allowed(&headers) || own, "{bytes:?}");
            }
        }
    }
}
