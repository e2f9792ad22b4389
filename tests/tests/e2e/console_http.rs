//! The web console over plain HTTP (issue 13), without a browser: sign-in and who may, sessions (cookie
//! attributes, only the hash stored, sign-out, idle expiry, a disabled account), CSRF (missing or wrong token,
//! foreign `Origin`), the security headers, a page per route with its `data-page`, each role's pages and scope
//! (another province is 404, an agency admin gets 403 on the hotline pages), the Q&A editing and the handling of
//! a citizen's question through the forms, and random form bodies to every POST never answering 5xx.

use std::collections::HashMap;

use chrono::Duration;
use healthbook_core::client::ServerClient;
use healthbook_e2e::server::{ADMIN_PASSWORD, ADMIN_USERNAME, TestBackend, TestServer, test_config};
use healthbook_e2e::server_scenarios;
use rand::Rng;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

server_scenarios!(console_sessions_csrf_and_pages, console_scope_roles_and_forms, console_sign_in_failures_are_limited_like_the_api);

const PASSWORD: &str = "console-password";

/// One answer of the console.
struct Page {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    fn data_page(&self) -> &str {
        self.body.split("data-page=\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap_or("")
    }

    /// The value of the first hidden `csrf` field.
    fn csrf(&self) -> String {
        self.body
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default()
            .to_owned()
    }

    /// The `href` of the element with this id, its entities decoded.
    fn href(&self, id: &str) -> String {
        let marker = format!("id=\"{id}\" href=\"");
        let raw = self.body.split(&marker).nth(1).and_then(|rest| rest.split('"').next()).unwrap_or_default();
        raw.replace("&#38;", "&").replace("&amp;", "&")
    }

    fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect()
    }

    fn cookie_line(&self, name: &str) -> String {
        self.set_cookies().into_iter().find(|c| c.starts_with(&format!("{name}="))).unwrap_or_default()
    }
}

/// A browser without a browser: keeps the console's cookies, follows no redirect.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: HashMap<String, String>,
}

impl Browser {
    fn new(server: &TestServer) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { http, base: server.base_url.clone(), cookies: HashMap::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let response = request.header("cookie", self.cookie_header()).send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        for line in headers.get_all("set-cookie") {
            let line = line.to_str().unwrap();
            let (pair, attributes) = line.split_once(';').unwrap_or((line, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let body = response.text().await.unwrap_or_default();
        Page { status, headers, body }
    }

    async fn get(&mut self, path: &str) -> Page {
        let request = self.http.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    async fn post_raw(&mut self, path: &str, body: Vec<u8>, origin: Option<&str>) -> Page {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        self.send(request).await
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let origin = self.base.clone();
        self.post_raw(path, encode(fields).into_bytes(), Some(&origin)).await
    }

    /// Signs in through the form; returns the answer to the POST.
    async fn sign_in(&mut self, username: &str, password: &str) -> Page {
        let form = self.get("/console/login").await;
        assert_eq!(form.status, 200);
        let csrf = form.csrf();
        self.post("/console/login", &[("username", username), ("password", password), ("csrf", &csrf)]).await
    }

    /// Signs in and expects a session.
    async fn signed_in(server: &TestServer, username: &str, password: &str) -> Self {
        let mut browser = Self::new(server);
        let answer = browser.sign_in(username, password).await;
        assert_eq!((answer.status, answer.location()), (303, "/console/reports"), "{username} signs in");
        browser
    }

    /// The session's CSRF token, read from a page's sign-out form.
    async fn csrf(&mut self) -> String {
        let page = self.get("/console/reports").await;
        assert_eq!(page.status, 200);
        page.csrf()
    }
}

fn encode(fields: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&format!("{}={}", k, urlencode(v)));
    }
    out
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn assert_security_headers(page: &Page, what: &str) {
    let header = |name: &str| page.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert_eq!(
        header("content-security-policy"),
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        "{what}"
    );
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header("referrer-policy"), "no-referrer", "{what}");
    assert_eq!(header("cache-control"), "no-store", "{what}");
}

fn assert_console_cookie(line: &str, name: &str) {
    assert!(line.starts_with(&format!("{name}=")), "{name} is set: {line}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(line.contains(attribute), "{name} has {attribute}: {line}");
    }
    // The test server speaks plain HTTP on loopback (`console_secure_cookies: false`).
    assert!(!line.contains("Secure"), "{line}");
}

/// Creates a staff account through the API; returns its id.
async fn account(admin: &ServerClient, body: Value) -> String {
    let mut body = body;
    body["password"] = json!(PASSWORD);
    let created: Value = admin.post_json("/v1/accounts", &body).await.unwrap();
    created["id"].as_str().unwrap().to_owned()
}

async fn session_count(server: &TestServer) -> i64 {
    server.count("console_sessions").await
}

async fn console_sessions_csrf_and_pages(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin_client().await;
    let agency: Value = admin.post_json("/v1/agencies", &json!({ "name": "Chợ Bến Thành" })).await.unwrap();
    let agency_id = agency["id"].as_str().unwrap();
    account(&admin, json!({ "role": "health_officer", "username": "officer-79", "area": { "province": "79", "wards": [] } })).await;
    account(&admin, json!({ "role": "gate_operator", "username": "gate-1", "agency_id": agency_id })).await;
    account(&admin, json!({ "role": "lab", "username": "lab-1" })).await;
    let phone = server.client();
    let device = phone.register_device("android").await.unwrap();

    // Anonymous: every page sends to the sign-in form, which sets the pre-session cookie.
    let mut anonymous = Browser::new(&server);
    for path in ["/console", "/console/reports", "/console/qa", "/console/reports/declarations"] {
        let page = anonymous.get(path).await;
        assert_eq!((page.status, page.location()), (303, "/console/login"), "{path}");
        assert_security_headers(&page, path);
    }
    let login = anonymous.get("/console/login").await;
    assert_eq!((login.status, login.data_page()), (200, "login"));
    assert!(login.body.contains("<html lang=\"vi\">"), "Vietnamese by default");
    assert_security_headers(&login, "login");
    assert_console_cookie(&login.cookie_line("hb_console_pre"), "hb_console_pre");
    assert!(!login.body.contains("<script"), "no script at all");
    let css = anonymous.get("/console/static/console.css").await;
    assert_eq!(css.status, 200);
    assert!(css.headers["content-type"].to_str().unwrap().starts_with("text/css"));
    assert_security_headers(&css, "css");
    let missing = anonymous.get("/console/no-such-page").await;
    assert_eq!((missing.status, missing.data_page()), (404, "error"));

    // Sign-in without the form's token, with a wrong one, or from another origin: 403, no session.
    let mut forger = Browser::new(&server);
    forger.get("/console/login").await;
    let page = forger.post("/console/login", &[("username", ADMIN_USERNAME), ("password", ADMIN_PASSWORD)]).await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("id=\"csrf-refused\""));
    let page = forger
        .post("/console/login", &[("username", ADMIN_USERNAME), ("password", ADMIN_PASSWORD), ("csrf", "guess")])
        .await;
    assert_eq!(page.status, 403);
    let csrf = forger.get("/console/login").await.csrf();
    let body = encode(&[("username", ADMIN_USERNAME), ("password", ADMIN_PASSWORD), ("csrf", &csrf)]).into_bytes();
    let page = forger.post_raw("/console/login", body, Some("http://evil.example")).await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("id=\"csrf-refused\""));
    assert_eq!(session_count(&server).await, 0);

    // Wrong password: the form again with its error; accounts that are not officials get no session.
    let mut browser = Browser::new(&server);
    let page = browser.sign_in("officer-79", "wrong").await;
    assert_eq!((page.status, page.data_page()), (401, "login"));
    assert!(page.body.contains("id=\"login-error\""));
    for username in ["gate-1", "lab-1"] {
        let page = Browser::new(&server).sign_in(username, PASSWORD).await;
        assert_eq!((page.status, page.data_page()), (403, "login"), "{username}");
        assert!(page.body.contains("id=\"login-error\""), "{username}");
        assert!(page.cookie_line("hb_console").is_empty(), "{username} gets no session cookie");
    }
    let page = Browser::new(&server).sign_in(device.device_id(), "").await;
    assert_eq!(page.status, 401, "a device has no password");
    assert_eq!(session_count(&server).await, 0, "no session for a refused sign-in");

    // The officer signs in: the session cookie's attributes, only its hash stored, a new id at every sign-in.
    let mut officer = Browser::new(&server);
    let signed = officer.sign_in("officer-79", PASSWORD).await;
    assert_eq!((signed.status, signed.location()), (303, "/console/reports"));
    assert_security_headers(&signed, "sign-in");
    let line = signed.cookie_line("hb_console");
    assert_console_cookie(&line, "hb_console");
    let first_id = officer.cookies["hb_console"].clone();
    let stored: Vec<String> = server
        .db
        .read(|tx| {
            tx.query("SELECT id_hash FROM console_sessions", &[])?.iter().map(|r| r.text(0)).collect::<Result<Vec<_>, _>>()
        })
        .await
        .map_err(|e: healthbook_server::storage::StorageError| e)
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], first_id, "the id itself is not stored");
    assert_eq!(stored[0].len(), 64, "its SHA-256 is");
    let again = Browser::signed_in(&server, "officer-79", PASSWORD).await;
    assert_ne!(again.cookies["hb_console"], first_id, "every sign-in makes a new session id");

    // A page per route, with its data-page and the headers; the language switch is remembered.
    let reports = officer.get("/console/reports").await;
    assert_eq!((reports.status, reports.data_page()), (200, "reports"));
    assert!(reports.body.contains("class=\"report-link button\" data-kind=\"declarations\""));
    assert!(reports.body.contains("form id=\"logout\""));
    for (path, data_page) in [
        ("/console/reports/declarations", "report-declarations"),
        ("/console/qa", "qa"),
        ("/console/qa/new?province=79", "qa-edit"),
        ("/console/questions", "questions"),
        ("/console", ""),
    ] {
        let page = officer.get(path).await;
        assert_security_headers(&page, path);
        if data_page.is_empty() {
            assert_eq!((page.status, page.location()), (303, "/console/reports"), "{path}");
        } else {
            assert_eq!((page.status, page.data_page()), (200, data_page), "{path}");
        }
    }
    let english = officer.get("/console/reports?lang=en").await;
    assert!(english.body.contains("<html lang=\"en\">"));
    assert!(english.cookie_line("hb_lang").starts_with("hb_lang=en"));
    assert!(officer.get("/console/qa").await.body.contains("<html lang=\"en\">"), "the language is remembered");
    officer.get("/console/reports?lang=vi").await;

    // Changing forms without the session's token, with a wrong one, or from another origin: 403, no change.
    let entry = uuid::Uuid::new_v4().to_string();
    let token = officer.csrf().await;
    let save = |csrf: Option<&str>| {
        let mut fields =
            vec![("province", "79"), ("category", "declarations"), ("question_vi", "Khai báo y tế ở đâu?"), ("answer_vi", "Trong ứng dụng.")];
        fields.extend(csrf.map(|c| ("csrf", c)));
        encode(&fields).into_bytes()
    };
    let path = format!("/console/qa/{entry}");
    for body in [save(None), save(Some("wrong-token")), save(Some(""))] {
        let page = officer.post_raw(&path, body, None).await;
        assert_eq!(page.status, 403);
        assert!(page.body.contains("id=\"csrf-refused\""));
        assert_security_headers(&page, "csrf refusal");
    }
    let page = officer.post_raw(&path, save(Some(&token)), Some("https://evil.example")).await;
    assert_eq!(page.status, 403, "foreign origin");
    assert!(page.body.contains("id=\"csrf-refused\""));
    let list = officer.get("/console/qa?province=79").await;
    assert!(!list.body.contains(&entry), "nothing was saved");
    let page = officer.post("/console/logout", &[("csrf", "wrong")]).await;
    assert_eq!(page.status, 403);
    assert_eq!(officer.get("/console/reports").await.status, 200, "still signed in");

    // Sign-out ends the session and clears its cookie.
    let page = officer.post("/console/logout", &[("csrf", &token)]).await;
    assert_eq!((page.status, page.location()), (303, "/console/login"));
    assert!(page.cookie_line("hb_console").contains("Max-Age=0"));
    officer.cookies.insert("hb_console".into(), first_id);
    assert_eq!(officer.get("/console/reports").await.location(), "/console/login", "the old id opens nothing");

    // Idle for 30 minutes: the session has ended.
    let mut idle = Browser::signed_in(&server, "officer-79", PASSWORD).await;
    assert_eq!(idle.get("/console/reports").await.status, 200);
    server.clock.advance(Duration::minutes(31));
    assert_eq!(idle.get("/console/reports").await.location(), "/console/login");
    server.stop().await;
}

/// Submits a citizen's question from a fresh device; returns its id.
async fn citizen_question(server: &TestServer, province: &str, ward: &str, text: &str) -> String {
    let phone = server.client();
    let identity = phone.register_device("android").await.unwrap();
    phone.sign_in_device(&identity).await.unwrap();
    let id = uuid::Uuid::new_v4().to_string();
    let body = json!({
        "id": id, "kind": "report", "category": "check_in", "province": province, "ward": ward, "text": text,
        "venue_id": null, "contact_phone": "0912345678", "language": "vi", "asked_at": "2021-07-01T07:30:00Z"
    });
    let _: Value = phone.post_json("/v1/hotline/questions", &body).await.unwrap();
    id
}

async fn console_scope_roles_and_forms(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin_client().await;
    let agency: Value = admin.post_json("/v1/agencies", &json!({ "name": "Chợ Bến Thành" })).await.unwrap();
    let agency_id = agency["id"].as_str().unwrap();
    let area = |p: &str, w: &[&str]| json!({ "province": p, "wards": w });
    account(&admin, json!({ "role": "health_officer", "username": "officer-79", "area": area("79", &[]) })).await;
    let hanoi_id = account(&admin, json!({ "role": "health_officer", "username": "officer-01", "area": area("01", &[]) })).await;
    account(&admin, json!({ "role": "agency_admin", "username": "market-admin", "agency_id": agency_id })).await;
    let asked_79 = citizen_question(&server, "79", "26734", "Quán cà phê trên đường Lê Lợi không quét mã.").await;
    let asked_01 = citizen_question(&server, "01", "00004", "Chợ Đồng Xuân không quét mã.").await;

    // Another province is 404, on a report's province, on a question and on its draft; the hotline pages are
    // not the agency admin's (403), adoption is not the officer's (403).
    let mut officer = Browser::signed_in(&server, "officer-79", PASSWORD).await;
    for path in [
        "/console/reports/declarations?province=01".to_owned(),
        "/console/reports/declarations/per_day.csv?province=01".to_owned(),
        format!("/console/questions/{asked_01}"),
        "/console/qa?province=01".to_owned(),
        "/console/reports/nonsense".to_owned(),
    ] {
        let page = officer.get(&path).await;
        assert_eq!((page.status, page.data_page()), (404, "error"), "{path}");
    }
    assert_eq!(officer.get("/console/adoption").await.status, 403);
    let inbox = officer.get("/console/questions").await;
    assert!(inbox.body.contains(&format!("data-question-id=\"{asked_79}\"")));
    assert!(!inbox.body.contains(&asked_01), "another province's question is not listed");
    let mut market = Browser::signed_in(&server, "market-admin", PASSWORD).await;
    for path in ["/console/qa", "/console/questions", &format!("/console/questions/{asked_79}"), "/console/reports/declarations"] {
        assert_eq!(market.get(path).await.status, 403, "{path}");
    }
    let market_token = market.csrf().await;
    let page = market.post("/console/qa/publish", &[("csrf", &market_token), ("province", "79")]).await;
    assert_eq!(page.status, 403);
    let adoption = market.get("/console/adoption").await;
    assert_eq!((adoption.status, adoption.data_page()), (200, "adoption"));
    assert!(adoption.body.contains("id=\"table-adoption\""));
    let passages = market.get("/console/reports/passages").await;
    assert_eq!((passages.status, passages.data_page()), (200, "report-passages"));
    // The exports repeat the period shown (2021-07-01 in Vietnam on the test clock, and the 13 days before).
    assert_eq!(passages.href("export-xlsx"), "/console/reports/passages.xlsx?from=2021-06-18&to=2021-07-01");
    assert_eq!(
        passages.href("export-csv-silent_venues"),
        "/console/reports/passages/silent_venues.csv?from=2021-06-18&to=2021-07-01"
    );
    let mut authority = Browser::signed_in(&server, ADMIN_USERNAME, ADMIN_PASSWORD).await;
    let rollup = authority.get("/console/adoption").await;
    assert_eq!(rollup.status, 200);
    assert!(rollup.body.contains("id=\"table-adoption\"") && rollup.body.contains("Chợ Bến Thành"));
    for kind in ["declarations", "passages", "quarantine", "results", "vaccination"] {
        let page = authority.get(&format!("/console/reports/{kind}?province=79&from=2021-06-20&to=2021-07-01")).await;
        assert_eq!((page.status, page.data_page()), (200, format!("report-{kind}").as_str()), "{kind}");
        assert!(page.body.contains("id=\"export-xlsx\""), "{kind}");
        let workbook = authority.get(&format!("/console/reports/{kind}.xlsx?province=79&from=2021-06-20&to=2021-07-01")).await;
        assert_eq!(workbook.status, 200, "{kind}.xlsx");
        assert_eq!(
            workbook.headers["content-disposition"].to_str().unwrap(),
            format!("attachment; filename=\"{kind}-2021-06-20-2021-07-01.xlsx\"")
        );
    }
    let csv = authority.get("/console/reports/declarations/per_day.csv?province=79&from=2021-06-20&to=2021-07-01").await;
    assert_eq!(csv.status, 200);
    assert_eq!(
        csv.headers["content-disposition"].to_str().unwrap(),
        "attachment; filename=\"declarations-per_day-2021-06-20-2021-07-01.csv\""
    );
    assert_eq!(authority.get("/console/reports/declarations/nope.csv").await.status, 404);

    // Q&A: a field left empty re-shows the form beside it; a saved entry is found without diacritics, then
    // published.
    let token = officer.csrf().await;
    let entry = uuid::Uuid::new_v4().to_string();
    let path = format!("/console/qa/{entry}");
    let mut fields = vec![
        ("csrf", token.as_str()),
        ("province", "79"),
        ("category", "declarations"),
        ("question_vi", "  "),
        ("answer_vi", "Mở ứng dụng, chọn Khai báo y tế."),
        ("question_en", ""),
        ("answer_en", ""),
    ];
    let page = officer.post(&path, &fields).await;
    assert_eq!((page.status, page.data_page()), (422, "qa-edit"));
    assert!(page.body.contains("class=\"field-error\" data-field=\"question_vi\""));
    fields[3].1 = "Làm sao để khai báo y tế?";
    let page = officer.post(&path, &fields).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let found = officer.get("/console/qa?province=79&q=khai+bao").await;
    assert!(found.body.contains(&format!("data-entry-id=\"{entry}\"")));
    let not_found = officer.get("/console/qa?province=79&q=tiem+chung").await;
    assert!(!not_found.body.contains(&format!("data-entry-id=\"{entry}\"")));
    let edit = officer.get(&format!("{path}/edit?province=79")).await;
    assert_eq!((edit.status, edit.data_page()), (200, "qa-edit"));
    assert!(edit.body.contains("Làm sao để khai báo y tế?"));
    let page = officer.post("/console/qa/publish", &[("csrf", &token), ("province", "79")]).await;
    assert_eq!(page.status, 303);
    let published: Value = server.client().get_json("/v1/hotline/qa/79").await.unwrap();
    assert_eq!(published["version"], 1);
    assert_eq!(published["entries"][0]["id"], entry.as_str());

    // A form just over the server's body limit, with the right token and fields, is refused with 413 and changes
    // nothing: not the entry, not the draft; an oversized sign-in starts no session.
    let padding = "x".repeat(test_config().body_limit_bytes + 1024);
    let mut oversized = fields.clone();
    oversized[3].1 = "Câu hỏi đã sửa, không được lưu";
    oversized.push(("note", padding.as_str()));
    let page = officer.post(&path, &oversized).await;
    assert_eq!((page.status, page.data_page()), (413, "error"), "an oversized Q&A form");
    let page = officer.post("/console/qa/publish", &[("csrf", &token), ("province", "79"), ("note", &padding)]).await;
    assert_eq!(page.status, 413, "an oversized publish form");
    let draft: Value = server.admin_client().await.get_json("/v1/hotline/qa/79/draft").await.unwrap();
    assert_eq!((draft["published_version"].as_u64(), draft["unpublished_changes"].as_bool()), (Some(1), Some(false)), "{draft}");
    let edit = officer.get(&format!("{path}/edit?province=79")).await;
    assert!(edit.body.contains("Làm sao để khai báo y tế?") && !edit.body.contains("không được lưu"));
    let sessions = session_count(&server).await;
    let mut stranger = Browser::new(&server);
    let login = stranger.get("/console/login").await.csrf();
    let page = stranger
        .post("/console/login", &[("username", "officer-79"), ("password", PASSWORD), ("csrf", &login), ("note", &padding)])
        .await;
    assert_eq!(page.status, 413, "an oversized sign-in");
    assert!(page.cookie_line("hb_console").is_empty(), "no session cookie");
    assert_eq!(session_count(&server).await, sessions, "no session stored");

    // The citizen's question: assigned, answered through the forms.
    let detail = officer.get(&format!("/console/questions/{asked_79}")).await;
    assert_eq!((detail.status, detail.data_page()), (200, "question"));
    for form in ["form class=\"card\" id=\"assign\"", "id=\"answer\"", "id=\"close\""] {
        assert!(detail.body.contains(form), "{form}");
    }
    assert!(detail.body.contains("912345678"), "the call-back number the citizen chose to give");
    let officer_id: String = detail
        .body
        .split("<option value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("an assignable officer")
        .to_owned();
    let page = officer.post(&format!("/console/questions/{asked_79}/assign"), &[("csrf", &token), ("assignee", &officer_id)]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = officer.post(&format!("/console/questions/{asked_79}/assign"), &[("csrf", &token), ("assignee", &hanoi_id)]).await;
    assert_eq!(page.status, 422, "an officer of another province cannot be assigned");
    let page = officer
        .post(&format!("/console/questions/{asked_79}/answer"), &[("csrf", &token), ("answer", "Cảm ơn, đã chuyển đoàn kiểm tra.")])
        .await;
    assert_eq!(page.status, 303);
    let answered = officer.get("/console/questions?state=answered").await;
    assert!(answered.body.contains(&format!("data-question-id=\"{asked_79}\"")));

    // A disabled account's session stops at once.
    let mut hanoi = Browser::signed_in(&server, "officer-01", PASSWORD).await;
    assert_eq!(hanoi.get("/console/questions").await.status, 200);
    let _: Value = admin.post_json(&format!("/v1/accounts/{hanoi_id}/disable"), &json!({ "reason": "left" })).await.unwrap();
    assert_eq!(hanoi.get("/console/questions").await.location(), "/console/login");

    // Random form bodies to every POST, with the session's token or without: never a server error.
    let question_paths = ["assign", "answer", "close"].map(|a| format!("/console/questions/{asked_79}/{a}"));
    let posts = [
        "/console/login".to_owned(),
        "/console/qa/publish".to_owned(),
        path.clone(),
        format!("{path}/delete"),
        format!("/console/qa/{}", uuid::Uuid::new_v4()),
        "/console/qa/not-a-uuid".to_owned(),
        question_paths[0].clone(),
        question_paths[1].clone(),
        question_paths[2].clone(),
        "/console/questions/no-such-question/answer".to_owned(),
    ];
    let names = ["csrf", "province", "category", "question_vi", "answer_vi", "question_en", "answer_en", "assignee", "answer", "note", "username", "password"];
    let mut rng = rand::thread_rng();
    for round in 0..12 {
        for target in &posts {
            let body: Vec<u8> = if round % 3 == 0 {
                (0..rng.gen_range(0..200)).map(|_| rng.r#gen::<u8>()).collect()
            } else {
                let mut fields: Vec<String> = Vec::new();
                for name in names {
                    if rng.gen_bool(0.6) {
                        let value: String = match rng.gen_range(0..5) {
                            0 => token.clone(),
                            1 => "79".into(),
                            2 => ["declarations", "travel", "nope"][rng.gen_range(0..3)].into(),
                            3 => "x".repeat(rng.gen_range(0..2600)),
                            _ => (0..rng.gen_range(0..40)).map(|_| rng.r#gen::<char>()).collect(),
                        };
                        let value = if name == "csrf" && round % 3 == 1 { token.clone() } else { value };
                        fields.push(format!("{name}={}", urlencode(&value)));
                    }
                }
                fields.join("&").into_bytes()
            };
            let page = officer.post_raw(target, body, None).await;
            assert!(page.status < 500, "{target} answered {}", page.status);
        }
    }
    assert_eq!(officer.get("/console/reports").await.status, 200, "the fuzzing left the session working");
    server.stop().await;
}

/// Failed console sign-ins count in the API's buckets: past the limit for a (username, address) pair the form says
/// so with 429, even with the right password, and the API's login from the same address is refused alike.
async fn console_sign_in_failures_are_limited_like_the_api(backend: TestBackend) {
    let config = healthbook_server::ServerConfig { login_attempts_per_minute: 3, ..test_config() };
    let server = TestServer::start_with(backend, config).await;
    let mut browser = Browser::new(&server);
    for _ in 0..3 {
        assert_eq!(browser.sign_in(ADMIN_USERNAME, "wrong").await.status, 401);
    }
    let page = browser.sign_in(ADMIN_USERNAME, ADMIN_PASSWORD).await;
    assert_eq!((page.status, page.data_page()), (429, "login"));
    assert!(page.body.contains("id=\"login-error\""));
    assert!(server.client().sign_in_staff(ADMIN_USERNAME, ADMIN_PASSWORD).await.is_err(), "the API shares the limit");
    assert_eq!(session_count(&server).await, 0);
    server.clock.advance(Duration::minutes(1));
    let page = browser.sign_in(ADMIN_USERNAME, ADMIN_PASSWORD).await;
    assert_eq!(page.status, 303, "the next minute the right password gets in");
    server.stop().await;
}
