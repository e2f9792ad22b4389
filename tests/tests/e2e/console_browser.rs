//! The web console in a real browser (issue 13): headless Chromium driven through chromedriver by
//! `healthbook_e2e::webdriver`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx};
use chrono::{DateTime, TimeZone, Utc};
use healthbook_core::Clock;
use healthbook_core::client::ServerClient;
use healthbook_core::results::SampleCode;
use healthbook_e2e::server::{TestBackend, TestPerson, TestServer, test_config};
use healthbook_e2e::webdriver::{self, Browser, ErrorCode, WebDriverError};
use healthbook_protocol::hotline::{QaDraft, QaSet};
use healthbook_protocol::reports::{Report, ReportCell, ReportKind};
use healthbook_server::ServerConfig;
use healthbook_server::storage::{StorageError, Value as StorageValue};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

#[test]
fn webdriver_requests_carry_the_protocol_s_json() {
    let body = webdriver::new_session_body(Some("/usr/bin/chromium"), 1366, 768, std::path::Path::new("/tmp/profile"));
    let options = &body["capabilities"]["alwaysMatch"]["goog:chromeOptions"];
    let args: Vec<&str> = options["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    for expected in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1366,768", "--user-data-dir=/tmp/profile"] {
        assert!(args.contains(&expected), "{expected} in {args:?}");
    }
    assert_eq!(options["binary"], "/usr/bin/chromium");
    assert_eq!(body["capabilities"]["alwaysMatch"]["browserName"], "chrome");
    let without_binary = webdriver::new_session_body(None, 820, 1180, std::path::Path::new("/p"));
    assert!(without_binary["capabilities"]["alwaysMatch"]["goog:chromeOptions"].get("binary").is_none());
    assert_eq!(webdriver::find_body("table#table-qa tr[data-entry-id]"), json!({ "using": "css selector", "value": "table#table-qa tr[data-entry-id]" }));
    assert_eq!(webdriver::send_keys_body("khai bao"), json!({ "text": "khai bao" }));
    let element = webdriver::Element { id: "e-1".into() };
    assert_eq!(
        webdriver::script_body("return arguments[0].value;", &[webdriver::element_arg(&element)]),
        json!({ "script": "return arguments[0].value;", "args": [{ webdriver::ELEMENT_KEY: "e-1" }] })
    );
    assert_eq!(webdriver::element_id(&json!({ webdriver::ELEMENT_KEY: "abc" })).as_deref(), Some("abc"));
    assert_eq!(webdriver::element_id(&json!({ "ELEMENT": "abc" })), None);
    let cookie = webdriver::Cookie::from_value(&json!({ "name": "hb_console", "value": "v", "path": "/console", "httpOnly": true, "secure": false, "sameSite": "Strict" })).unwrap();
    assert_eq!((cookie.path.as_deref(), cookie.http_only, cookie.secure, cookie.same_site.as_deref()), (Some("/console"), true, false, Some("Strict")));
}

#[test]
fn webdriver_replies_parse_into_values_or_named_errors() {
    assert_eq!(webdriver::parse_reply(200, br#"{"value":null}"#).unwrap(), Value::Null);
    assert_eq!(webdriver::parse_reply(200, br#"{"value":{"sessionId":"s1","capabilities":{}}}"#).unwrap()["sessionId"], "s1");
    let error = webdriver::parse_reply(404, br##"{"value":{"error":"no such element","message":"no such element: Unable to locate element\n  (Session info: chrome=156)","stacktrace":"#0 ..."}}"##).unwrap_err();
    assert_eq!(error.code(), Some(&ErrorCode::NoSuchElement));
    assert!(matches!(&error, WebDriverError::Command { status: 404, message, .. } if message == "no such element: Unable to locate element"));
    assert!(error.to_string().contains("\"no such element\""), "{error}");
    for (name, code) in [
        ("stale element reference", ErrorCode::StaleElementReference),
        ("invalid session id", ErrorCode::InvalidSessionId),
        ("unsupported operation", ErrorCode::UnsupportedOperation),
        ("javascript error", ErrorCode::JavascriptError),
        ("something new", ErrorCode::Other("something new".into())),
    ] {
        let body = json!({ "value": { "error": name, "message": "m" } }).to_string();
        let error = webdriver::parse_reply(500, body.as_bytes()).unwrap_err();
        assert_eq!(error.code(), Some(&code));
        assert_eq!(code.as_str(), name);
    }
    for (status, body) in [(200, &b"not json"[..]), (200, br#"{"status":0}"#), (500, br#"{"value":{"message":"no code"}}"#), (200, b"[1]")] {
        assert!(matches!(webdriver::parse_reply(status, body), Err(WebDriverError::Protocol { .. })), "{}", String::from_utf8_lossy(body));
    }
}

/// The replies come from another process: random and mutated ones are errors or values, never a panic.
#[test]
fn webdriver_reply_parsing_never_panics_on_random_or_mutated_input() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(13);
    let seeds: [&[u8]; 4] = [
        br#"{"value":{"error":"no such element","message":"x","stacktrace":""}}"#,
        br#"{"value":[{"element-6066-11e4-a52e-4f735466cecf":"a"}]}"#,
        br#"{"value":{"name":"hb_console","value":"v","httpOnly":true}}"#,
        br#"{"value":"iVBORw0KGgo="}"#,
    ];
    for round in 0..3_000 {
        let input: Vec<u8> = if round % 3 == 0 {
            (0..rng.gen_range(0..64)).map(|_| rng.r#gen()).collect()
        } else {
            let mut bytes = seeds[round % seeds.len()].to_vec();
            for _ in 0..rng.gen_range(1..4) {
                let at = rng.gen_range(0..bytes.len());
                match rng.gen_range(0..3) {
                    0 => bytes[at] = rng.r#gen(),
                    1 => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, *b"{}[]\":,\\".get(rng.gen_range(0..8)).unwrap()),
                }
                if bytes.is_empty() {
                    break;
                }
            }
            bytes
        };
        let status = [200u16, 404, 500][round % 3];
        if let Ok(value) = webdriver::parse_reply(status, &input) {
            let _ = webdriver::element_id(&value);
            let _ = webdriver::Cookie::from_value(&value);
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The console end to end: seeded data in two provinces, three viewers, every page, every number.

/// Province A: the officer under test and most of the data.
const PROVINCE_A: &str = "79";
const WARD_A1: &str = "26734";
const WARD_A2: &str = "26740";
/// Province B: an officer who must see none of A's rows.
const PROVINCE_B: &str = "01";
const WARD_B: &str = "00004";
const PASSWORD: &str = "console-password";
/// The reports' period: the server's clock stands at 2021-07-01 08:00 UTC (15:00 in Vietnam).
const FROM: &str = "2021-06-28";
const TO: &str = "2021-07-01";
const LAPTOP: (u32, u32) = (1366, 768);
const TABLET: (u32, u32) = (820, 1180);

/// One row of a section as the test expects it, in the protocol's column order; `None` matches any value (a
/// measure such as a median, checked against the API's report instead of recomputed here).
type ExpectedRow = Vec<Option<String>>;

/// A section of a report page as the browser shows it.
#[derive(Debug, Clone)]
struct PageSection {
    key: String,
    title: String,
    chart: bool,
    empty: bool,
    columns: Vec<String>,
    /// Per row, per cell: (data-col, data-value, shown text).
    rows: Vec<Vec<(String, Option<String>, String)>>,
    csv: Option<String>,
}

/// Reads every section of the report page shown, in one script call (hundreds of element round trips otherwise).
const READ_SECTIONS: &str = r#"
return Array.from(document.querySelectorAll('main section[id^="section-"]')).map(s => {
  const t = s.querySelector('table.report');
  const csv = s.querySelector('a[id^="export-csv-"]');
  return {
    key: s.id.slice('section-'.length),
    title: ((s.querySelector('h2') || {}).textContent || '').trim(),
    chart: !!s.querySelector('figure.chart svg'),
    empty: !!s.querySelector('p.empty'),
    columns: t ? Array.from(t.querySelectorAll('th[data-col]')).map(th => th.getAttribute('data-col')) : [],
    rows: t ? Array.from(t.querySelectorAll('tr')).map(tr => Array.from(tr.querySelectorAll('td[data-col]'))
        .map(td => [td.getAttribute('data-col'), td.getAttribute('data-value'), td.textContent.trim()]))
        .filter(cells => cells.length > 0) : [],
    csv: csv ? csv.href : null,
  };
});"#;

fn day(d: &str) -> chrono::NaiveDate {
    d.parse().unwrap()
}

/// 03:00 UTC of `d` (10:00 in Vietnam): the same calendar day in both, so no report's day rule is at stake.
fn morning(d: &str) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day(d).and_hms_opt(3, 0, 0).unwrap())
}

async fn staff(server: &TestServer, role: &str, username: &str, agency: Option<&str>, area: Option<Value>) -> (ServerClient, String) {
    let admin = server.admin_client().await;
    let mut body = json!({ "role": role, "username": username, "password": PASSWORD });
    if let Some(agency) = agency {
        body["agency_id"] = json!(agency);
    }
    if let Some(area) = area {
        body["area"] = area;
    }
    let account: Value = admin.post_json("/v1/accounts", &body).await.unwrap();
    let client = server.client();
    client.sign_in_staff(username, PASSWORD).await.unwrap();
    (client, account["id"].as_str().unwrap_or_default().to_owned())
}

async fn sql_rows(server: &TestServer, sql: &'static str, params: Vec<StorageValue>) -> Vec<Vec<String>> {
    server
        .db
        .read(move |tx| {
            let rows = tx.query(sql, &params)?;
            let out: Vec<Vec<String>> = rows
                .into_iter()
                .map(|row| {
                    row.0
                        .into_iter()
                        .map(|v| match v {
                            StorageValue::Null => String::new(),
                            StorageValue::Int(n) => n.to_string(),
                            StorageValue::Text(t) => t,
                        })
                        .collect()
                })
                .collect();
            Ok(out)
        })
        .await
        .map_err(|e: StorageError| e)
        .expect("sql")
}

/// Everything the reports count, seeded through the API in both provinces.
struct World {
    server: TestServer,
    officer_a: ServerClient,
    officer_a_id: String,
    officer_b: ServerClient,
    agency_x: String,
    agency_admin: ServerClient,
    device: ServerClient,
    question_a: String,
    question_b: String,
    qa_entries: Vec<String>,
}

async fn seed() -> World {
    let server = TestServer::start_with(TestBackend::Sqlite, ServerConfig { token_ttl: chrono::Duration::days(30), ..test_config() }).await;
    let admin = server.admin_client().await;
    let (officer_a, officer_a_id) = staff(&server, "health_officer", "officer-a", None, Some(json!({ "province": PROVINCE_A }))).await;
    let (officer_b, _) = staff(&server, "health_officer", "officer-b", None, Some(json!({ "province": PROVINCE_B }))).await;
    let agency_x = admin.create_agency("Chợ Bến Thành").await.unwrap().id;
    let agency_y = admin.create_agency("Ngân hàng Hà Nội").await.unwrap().id;
    let (admin_x, _) = staff(&server, "agency_admin", "agency-x", Some(&agency_x), None).await;
    let (admin_y, _) = staff(&server, "agency_admin", "agency-y", Some(&agency_y), None).await;
    let (site_a, _) = staff(&server, "volunteer", "site-a", None, Some(json!({ "province": PROVINCE_A, "wards": [WARD_A1] }))).await;
    let (site_b, _) = staff(&server, "volunteer", "site-b", None, Some(json!({ "province": PROVINCE_B, "wards": [WARD_B] }))).await;
    let (lab, _) = staff(&server, "lab", "lab-1", None, None).await;
    let device = server.client();
    let identity = device.register_device("android").await.unwrap();
    device.sign_in_device(&identity).await.unwrap();
    let device_id = identity.device_id().to_owned();

    // Declarations: A's two wards over three days (and one before the period), B's ward on one day.
    let declarations = [
        (PROVINCE_A, WARD_A1, "2021-06-20", 1),
        (PROVINCE_A, WARD_A1, "2021-06-29", 3),
        (PROVINCE_A, WARD_A1, "2021-06-30", 2),
        (PROVINCE_A, WARD_A2, "2021-06-30", 1),
        (PROVINCE_A, WARD_A2, "2021-07-01", 1),
        (PROVINCE_B, WARD_B, "2021-06-30", 2),
    ];
    for (province, ward, d, n) in declarations {
        for i in 0..n {
            let body = json!({
                "declaration_id": uuid::Uuid::new_v4().to_string(), "form_id": "health_declaration", "form_version": 1,
                "declared_at": morning(d) + chrono::Duration::minutes(i), "filled_by": { "relation": "myself" },
                "answers": { "symptoms": [], "contact_with_confirmed_case": false, "travel_from_outbreak_area": false, "vaccination_status": "one_dose" },
                "subject": { "profile_ref": "p1", "full_name": "Lý Văn Sơn", "birth_year": 1980, "province_code": province, "ward_code": ward },
            });
            let _: Value = device.post_json("/v1/declarations", &body).await.unwrap();
        }
    }

    // Passages: agency X's market in A (entries, exits, a refusal over two days), its silent shop in A, agency Y's
    // bank in B.
    let venue = |name: &str, province: &str, ward: &str| {
        json!({ "name": name, "kind": "market", "address": "Lê Lợi", "province_code": province, "ward_code": ward, "default_stay_minutes": 60 })
    };
    let market: Value = admin_x.post_json(&format!("/v1/agencies/{agency_x}/venues"), &venue("Chợ Bến Thành", PROVINCE_A, WARD_A1)).await.unwrap();
    let _silent: Value = admin_x.post_json(&format!("/v1/agencies/{agency_x}/venues"), &venue("Tiệm im lặng", PROVINCE_A, WARD_A2)).await.unwrap();
    let bank: Value = admin_y.post_json(&format!("/v1/agencies/{agency_y}/venues"), &venue("Ngân hàng", PROVINCE_B, WARD_B)).await.unwrap();
    let gate = |client: ServerClient, venue: Value| async move {
        let gate: Value = client.post_json(&format!("/v1/venues/{}/gates", venue["id"].as_str().unwrap()), &json!({ "name": "Cổng 1" })).await.unwrap();
        gate["id"].as_str().unwrap().to_owned()
    };
    let market_gate = gate(admin_x.clone(), market).await;
    let bank_gate = gate(admin_y.clone(), bank).await;
    let passage = |d: &str, direction: &str, verdict: &str, reason: &str| {
        json!({ "id": uuid::Uuid::new_v4().to_string(), "direction": direction, "scanned_at": morning(d), "verdict": verdict, "reason": reason })
    };
    let mut market_batch = Vec::new();
    market_batch.extend((0..3).map(|_| passage("2021-06-30", "in", "admit", "valid")));
    market_batch.extend((0..2).map(|_| passage("2021-06-30", "out", "admit", "valid")));
    market_batch.push(passage("2021-06-30", "in", "refuse", "forged"));
    market_batch.extend((0..2).map(|_| passage("2021-07-01", "in", "admit", "valid")));
    let _: Value = admin_x.post_json(&format!("/v1/gates/{market_gate}/passages"), &json!({ "passages": market_batch })).await.unwrap();
    let bank_batch: Vec<Value> = (0..2).map(|_| passage("2021-06-30", "in", "admit", "valid")).collect();
    let _: Value = admin_y.post_json(&format!("/v1/gates/{bank_gate}/passages"), &json!({ "passages": bank_batch })).await.unwrap();

    // Quarantine: two orders in A's first ward, one in B.
    let persons: Vec<(String, TestPerson)> = [("079080000001", PROVINCE_A), ("079080000002", PROVINCE_A), ("001080000003", PROVINCE_B)]
        .iter()
        .map(|(citizen, province)| (citizen.to_string(), TestPerson { province_code: province.to_string(), ..TestPerson::new("Trần Thị Mai", 1985) }))
        .collect();
    // Each person's phone is bound (an order needs a phone to check in with).
    let bindings: Vec<(String, String, String)> = persons.iter().enumerate().map(|(i, (_, p))| (device_id.clone(), format!("q{i}"), p.id.clone())).collect();
    server.add_citizens(&persons, &bindings).await;
    for (officer, ward, person) in [(&officer_a, WARD_A1, &persons[0].1), (&officer_a, WARD_A1, &persons[1].1), (&officer_b, WARD_B, &persons[2].1)] {
        let allowed = officer
            .send_detailed(reqwest::Method::PUT, &format!("/v1/quarantine/wards/{ward}"), Some(&json!({ "allowed": true, "criteria": ["health_station_follow_up"], "note": "Trạm y tế theo dõi" })))
            .await
            .unwrap();
        assert_eq!(allowed.status, 200, "{}", allowed.body);
        let order = json!({
            "person_id": person.id, "home_address": "12 Lê Lợi", "ward_code": ward,
            "geofence": { "lat": 10.7769, "lon": 106.7009, "radius_m": 100.0 }, "start_date": "2021-06-30", "days": 14,
            "time_zone": "Asia/Ho_Chi_Minh",
            "schedule": { "daily_windows": [{ "start": "08:00:00", "end": "09:00:00" }], "random_per_day": 0, "random_window_minutes": 30, "allow_night": false },
            "grace_minutes": 30, "extension_rules": { "extension_days": 7, "max_extensions": 1 }, "commitment_version": 1
        });
        let _: Value = officer.post_json("/v1/quarantine/orders", &order).await.unwrap();
    }

    // Samples and results: three samples at A's site (two of them tested the same day), one at B's.
    let mut rng = rand::rngs::StdRng::seed_from_u64(1022);
    let codes: Vec<SampleCode> = (0..4).map(|_| SampleCode::generate_qr(&mut rng)).collect();
    let sampled = [("2021-06-30", &site_a, WARD_A1), ("2021-07-01", &site_a, WARD_A1), ("2021-07-01", &site_a, WARD_A1), ("2021-07-01", &site_b, WARD_B)];
    for (code, (d, site, ward)) in codes.iter().zip(sampled) {
        let body = json!({ "code_hash": code.hash(), "sampled_at": Utc.from_utc_datetime(&day(d).and_hms_opt(1, 0, 0).unwrap()), "site_ward": ward, "test_kind": "pcr" });
        let _: Value = site.post_json("/v1/results/samples", &body).await.unwrap();
    }
    let tested_at = Utc.from_utc_datetime(&day(TO).and_hms_opt(6, 0, 0).unwrap());
    let results: Vec<Value> = [&codes[1], &codes[2], &codes[3]].iter().map(|c| json!({ "code_hash": c.hash(), "outcome": "negative", "tested_at": tested_at })).collect();
    let lab_report: Value = lab.post_json("/v1/results/lab", &json!({ "results": results })).await.unwrap();
    assert_eq!(lab_report["accepted"], 3);

    // Vaccination: communes' lists (with priority groups) and stock at one site per province (A's over a thousand
    // doses, to see the number formatted per language).
    let row = |line: u32, citizen: &str, province: &str, ward: &str, group: Option<u8>| {
        json!({ "line": line, "full_name": "Nguyễn Văn An", "birth_date": "1960-03-05", "birth_year_only": false, "sex": "male",
                "citizen_id": citizen, "province_code": province, "ward_code": ward, "priority_group": group })
    };
    let list_a = json!({ "ward_code": WARD_A1, "accept": true, "rows": [
        row(2, "079060001234", PROVINCE_A, WARD_A1, Some(1)), row(3, "079060001235", PROVINCE_A, WARD_A1, Some(1)), row(4, "079060001236", PROVINCE_A, WARD_A1, None)] });
    let list_b = json!({ "ward_code": WARD_B, "accept": true, "rows": [row(2, "001060001237", PROVINCE_B, WARD_B, Some(1))] });
    for (officer, list) in [(&officer_a, list_a), (&officer_b, list_b)] {
        let report: Value = officer.post_json("/v1/vaccination/lists", &list).await.unwrap();
        assert_eq!(report["stored"], true, "{report}");
    }
    let mut sites = Vec::new();
    for (officer, ward, doses) in [(&officer_a, WARD_A1, 1500), (&officer_b, WARD_B, 20)] {
        let site: Value = officer.post_json("/v1/vaccination/sites", &json!({ "name": format!("Trạm y tế {ward}"), "address": "1 Lê Lợi", "ward_code": ward })).await.unwrap();
        let site_id = site["site_id"].as_str().unwrap().to_owned();
        let delivery = json!({ "product": "comirnaty", "lot": "L1", "doses": doses, "expires_on": "2021-12-31" });
        let _: Value = officer.post_json(&format!("/v1/vaccination/sites/{site_id}/deliveries"), &delivery).await.unwrap();
        sites.push(site_id);
    }
    // Two of A's listed people come with their phones: one is fully vaccinated (two doses), one has a first dose.
    let vaccinated: Vec<(String, TestPerson)> = ["079060001234", "079060001235"]
        .iter()
        .map(|citizen| (citizen.to_string(), TestPerson { province_code: PROVINCE_A.into(), ..TestPerson::new("Nguyễn Văn An", 1960) }))
        .collect();
    let bindings: Vec<(String, String, String)> = vaccinated.iter().enumerate().map(|(i, (_, p))| (device_id.clone(), format!("v{i}"), p.id.clone())).collect();
    server.add_citizens(&vaccinated, &bindings).await;
    for (person, number, date) in [(&vaccinated[0].1, 1, "2021-06-01"), (&vaccinated[0].1, 2, "2021-06-29"), (&vaccinated[1].1, 1, "2021-07-01")] {
        let dose = json!({ "person_id": person.id, "site_id": sites[0], "product": "comirnaty", "lot": "L1", "dose_number": number, "date": date });
        let _: Value = officer_a.post_json("/v1/vaccination/doses", &dose).await.unwrap();
    }

    // The hotline: two draft entries in A, one in B; a citizen's question to each province.
    let mut qa_entries = Vec::new();
    for (officer, province, category, question, answer) in [
        (&officer_a, PROVINCE_A, "declarations", "Làm sao để khai báo y tế?", "Mở ứng dụng, chọn Khai báo."),
        (&officer_a, PROVINCE_A, "vaccination", "Tiêm chủng ở đâu?", "Tại trạm y tế phường."),
        (&officer_b, PROVINCE_B, "testing", "Xét nghiệm ở đâu?", "Tại trạm y tế."),
    ] {
        let id = uuid::Uuid::new_v4().to_string();
        let input = json!({ "category": category, "question_vi": question, "answer_vi": answer });
        let answer = officer.send_detailed(reqwest::Method::PUT, &format!("/v1/hotline/qa/{province}/draft/{id}"), Some(&input)).await.unwrap();
        assert_eq!(answer.status, 200, "{}", answer.body);
        if province == PROVINCE_A {
            qa_entries.push(id);
        }
    }
    let mut questions = Vec::new();
    for (province, ward) in [(PROVINCE_A, WARD_A1), (PROVINCE_B, WARD_B)] {
        let id = uuid::Uuid::new_v4().to_string();
        let body = json!({ "id": id, "kind": "question", "category": "testing", "province": province, "ward": ward,
                           "text": "Khi nào có kết quả xét nghiệm?", "contact_phone": "0912345678", "language": "vi",
                           "asked_at": server.clock.now() });
        let _: Value = device.post_json("/v1/hotline/questions", &body).await.unwrap();
        questions.push(id);
    }
    World {
        officer_a,
        officer_a_id,
        officer_b,
        agency_x,
        agency_admin: admin_x,
        device,
        question_a: questions[0].clone(),
        question_b: questions[1].clone(),
        qa_entries,
        server,
    }
}

/// Whose rows a report covers.
#[derive(Debug, Clone)]
enum Scope {
    /// A health officer's (or the authority admin's chosen) province.
    Province(&'static str),
    /// An agency admin's venues.
    Agency(String),
}

/// Start of a Vietnamese calendar day (UTC+7), in Unix milliseconds.
fn vn_day_start_ms(d: &str) -> i64 {
    (Utc.from_utc_datetime(&day(d).and_hms_opt(0, 0, 0).unwrap()) - chrono::Duration::hours(7)).timestamp_millis()
}

/// Positions of the count columns of each section (protocol column order): a row whose counts are all zero (a
/// day without declarations, say) may be shown or left out, so such rows are not compared.
fn count_positions(kind: ReportKind, key: &str) -> &'static [usize] {
    match (kind, key) {
        (ReportKind::Declarations, "per_day" | "per_ward") => &[1],
        (ReportKind::Declarations, "per_day_ward") => &[2],
        (ReportKind::Passages, "per_venue_day") => &[3, 4, 5],
        (ReportKind::Quarantine, "orders" | "open_cases") => &[1, 2],
        (ReportKind::Quarantine, "verdicts_per_day") => &[1, 2, 3],
        (ReportKind::Results, "per_site" | "per_day") => &[1, 2],
        (ReportKind::Vaccination, "coverage") => &[2],
        _ => &[],
    }
}

fn exact(cells: Vec<String>) -> ExpectedRow {
    cells.into_iter().map(Some).collect()
}

/// Every section of `kind` for `scope` over [FROM, TO], computed with SQL straight from the tables the records
/// were stored in (not through the reports code).
async fn expected_by_sql(server: &TestServer, kind: ReportKind, scope: &Scope) -> BTreeMap<String, Vec<ExpectedRow>> {
    let (from, to) = (StorageValue::from(FROM), StorageValue::from(TO));
    let province = |p: &'static str| StorageValue::from(p);
    let mut out = BTreeMap::new();
    match (kind, scope) {
        (ReportKind::Declarations, Scope::Province(p)) => {
            let params = vec![province(p), from.clone(), to.clone()];
            let per_day = sql_rows(server, "SELECT declared_date, COUNT(*) FROM declarations WHERE province_code = $1 AND declared_date >= $2 AND declared_date <= $3 GROUP BY declared_date", params.clone()).await;
            let per_ward = sql_rows(server, "SELECT ward_code, COUNT(*) FROM declarations WHERE province_code = $1 AND declared_date >= $2 AND declared_date <= $3 GROUP BY ward_code", params.clone()).await;
            let per_day_ward = sql_rows(server, "SELECT declared_date, ward_code, COUNT(*) FROM declarations WHERE province_code = $1 AND declared_date >= $2 AND declared_date <= $3 GROUP BY declared_date, ward_code", params).await;
            out.insert("per_day".into(), per_day.into_iter().map(exact).collect());
            out.insert("per_ward".into(), per_ward.into_iter().map(exact).collect());
            out.insert("per_day_ward".into(), per_day_ward.into_iter().map(exact).collect());
        }
        (ReportKind::Passages, scope) => {
            // Entries and exits are every scan in and out (a refused one too: someone stood at the gate); refusals are
            // also counted on their own.
            let (per_venue_day, silent) = match scope {
                Scope::Province(p) => {
                    let params = vec![province(p), from.clone(), to.clone()];
                    (
                        sql_rows(server, "SELECT p.scanned_day, v.name, v.ward_code, \
                            SUM(CASE WHEN p.direction = 'in' THEN 1 ELSE 0 END), \
                            SUM(CASE WHEN p.direction = 'out' THEN 1 ELSE 0 END), \
                            SUM(CASE WHEN p.verdict = 'refuse' THEN 1 ELSE 0 END) \
                            FROM gate_passages p JOIN venues v ON v.id = p.venue_id \
                            WHERE v.province_code = $1 AND p.scanned_day >= $2 AND p.scanned_day <= $3 GROUP BY p.scanned_day, v.id, v.name, v.ward_code", params.clone()).await,
                        sql_rows(server, "SELECT v.name, v.ward_code, a.name FROM venues v JOIN agencies a ON a.id = v.agency_id WHERE v.province_code = $1 \
                            AND NOT EXISTS (SELECT 1 FROM gate_passages p WHERE p.venue_id = v.id AND p.scanned_day >= $2 AND p.scanned_day <= $3)", params).await,
                    )
                }
                Scope::Agency(agency) => {
                    let params = vec![StorageValue::from(agency.clone()), from.clone(), to.clone()];
                    (
                        sql_rows(server, "SELECT p.scanned_day, v.name, v.ward_code, \
                            SUM(CASE WHEN p.direction = 'in' THEN 1 ELSE 0 END), \
                            SUM(CASE WHEN p.direction = 'out' THEN 1 ELSE 0 END), \
                            SUM(CASE WHEN p.verdict = 'refuse' THEN 1 ELSE 0 END) \
                            FROM gate_passages p JOIN venues v ON v.id = p.venue_id \
                            WHERE v.agency_id = $1 AND p.scanned_day >= $2 AND p.scanned_day <= $3 GROUP BY p.scanned_day, v.id, v.name, v.ward_code", params.clone()).await,
                        sql_rows(server, "SELECT v.name, v.ward_code, a.name FROM venues v JOIN agencies a ON a.id = v.agency_id WHERE v.agency_id = $1 \
                            AND NOT EXISTS (SELECT 1 FROM gate_passages p WHERE p.venue_id = v.id AND p.scanned_day >= $2 AND p.scanned_day <= $3)", params).await,
                    )
                }
            };
            out.insert("per_venue_day".into(), per_venue_day.into_iter().map(exact).collect());
            out.insert("silent_venues".into(), silent.into_iter().map(exact).collect());
        }
        (ReportKind::Quarantine, Scope::Province(p)) => {
            let params = vec![
                province(p),
                StorageValue::Int(vn_day_start_ms(FROM)),
                StorageValue::Int(vn_day_start_ms(TO) + 86_400_000),
                to.clone(),
                StorageValue::Int(vn_day_start_ms(TO)),
            ];
            let orders = sql_rows(server, "SELECT ward_code, \
                SUM(CASE WHEN created_at >= $2 AND created_at < $3 THEN 1 ELSE 0 END), \
                SUM(CASE WHEN start_date <= $4 AND ends_at > $5 AND state <> 'cancelled' THEN 1 ELSE 0 END) \
                FROM quarantine_orders WHERE province_code = $1 GROUP BY ward_code", params).await;
            out.insert("orders".into(), orders.into_iter().map(exact).collect());
            // Nobody checked in and no case was opened: both sections have no non-zero row.
            let check_ins = sql_rows(server, "SELECT COUNT(*) FROM quarantine_check_ins", vec![]).await;
            let cases = sql_rows(server, "SELECT COUNT(*) FROM quarantine_cases", vec![]).await;
            assert_eq!((check_ins[0][0].as_str(), cases[0][0].as_str()), ("0", "0"));
            out.insert("verdicts_per_day".into(), vec![]);
            out.insert("open_cases".into(), vec![]);
        }
        (ReportKind::Results, Scope::Province(p)) => {
            let params = vec![province(p), from.clone(), to.clone()];
            let per_site = sql_rows(server, "SELECT s.site_ward, COUNT(*), SUM(CASE WHEN r.code_hash IS NULL THEN 0 ELSE 1 END) \
                FROM result_samples s LEFT JOIN sample_results r ON r.code_hash = s.code_hash \
                WHERE s.site_province = $1 AND s.sampled_day >= $2 AND s.sampled_day <= $3 GROUP BY s.site_ward", params.clone()).await;
            let per_day = sql_rows(server, "SELECT s.sampled_day, COUNT(*), SUM(CASE WHEN r.code_hash IS NULL THEN 0 ELSE 1 END) \
                FROM result_samples s LEFT JOIN sample_results r ON r.code_hash = s.code_hash \
                WHERE s.site_province = $1 AND s.sampled_day >= $2 AND s.sampled_day <= $3 GROUP BY s.sampled_day", params).await;
            // The median and 90th percentile hours are measures: compared with the API's report, not recomputed.
            out.insert("per_site".into(), per_site.into_iter().map(|r| { let mut e = exact(r); e.extend([None, None]); e }).collect());
            out.insert("per_day".into(), per_day.into_iter().map(exact).collect());
        }
        (ReportKind::Vaccination, Scope::Province(p)) => {
            // Listed people are found by their citizen id's keyed hash; every dose here is Comirnaty (two doses make
            // a full course).
            let coverage = sql_rows(server, "SELECT e.ward_code, e.priority_group, COUNT(*), \
                SUM(CASE WHEN EXISTS (SELECT 1 FROM doses d JOIN persons p ON p.id = d.person_id WHERE p.id_hash = e.id_hash) THEN 1 ELSE 0 END), \
                SUM(CASE WHEN EXISTS (SELECT 1 FROM doses d JOIN persons p ON p.id = d.person_id WHERE p.id_hash = e.id_hash AND d.dose_number >= 2) THEN 1 ELSE 0 END) \
                FROM vaccination_list_entries e WHERE e.province_code = $1 GROUP BY e.ward_code, e.priority_group", vec![province(p)]).await;
            let stock = sql_rows(server, "SELECT s.name, st.product, SUM(st.remaining), MIN(st.expires_on) FROM vaccine_stock st \
                JOIN vaccination_sites s ON s.id = st.site_id WHERE s.province_code = $1 GROUP BY s.id, s.name, st.product", vec![province(p)]).await;
            out.insert("coverage".into(), coverage.into_iter().map(|r| { let mut e = exact(r); e.push(None); e }).collect());
            out.insert("stock".into(), stock.into_iter().map(exact).collect());
        }
        (kind, scope) => panic!("no expectation for {kind:?} in {scope:?}"),
    }
    out
}

/// A cell value made comparable: integers without a decimal part, names for ids of venues, agencies and sites.
fn normalise(value: &str, names: &HashMap<String, String>) -> String {
    if let Some(name) = names.get(value) {
        return name.clone();
    }
    match value.parse::<f64>() {
        Ok(n) if n.fract() == 0.0 && !value.starts_with('0') || value == "0" => format!("{}", n as i64),
        _ => value.to_owned(),
    }
}

fn rows_match(mut shown: Vec<Vec<String>>, mut expected: Vec<ExpectedRow>, counts: &[usize], names: &HashMap<String, String>, what: &str) {
    shown.retain(|row| counts.is_empty() || counts.iter().any(|&i| row.get(i).is_some_and(|v| v != "0")));
    let shown: Vec<Vec<String>> = shown.into_iter().map(|row| row.iter().map(|v| normalise(v, names)).collect()).collect();
    for row in &mut expected {
        for cell in row.iter_mut().flatten() {
            *cell = normalise(cell, names);
        }
    }
    assert_eq!(shown.len(), expected.len(), "{what}: rows shown {shown:?}, expected by SQL {expected:?}");
    let mut unmatched = shown.clone();
    for row in &expected {
        let at = unmatched.iter().position(|s| s.len() == row.len() && s.iter().zip(row).all(|(s, e)| e.as_ref().is_none_or(|e| e == s)));
        match at {
            Some(at) => {
                unmatched.remove(at);
            }
            None => panic!("{what}: no row shown matches {row:?}; shown {shown:?}"),
        }
    }
}

/// Compares a page's cell with the API's: counts exactly, measures to their one decimal, text as is.
fn cell_matches(shown: Option<&str>, api: &ReportCell) -> bool {
    match api {
        ReportCell::Count(n) => shown.and_then(|s| s.parse::<f64>().ok()) == Some(*n as f64),
        ReportCell::Measure(m) => shown.and_then(|s| s.parse::<f64>().ok()).is_some_and(|s| (s - m).abs() < 0.051),
        ReportCell::Text(t) => shown == Some(t.as_str()),
        ReportCell::Empty(()) => shown.is_none_or(str::is_empty),
    }
}

/// The browser, the server's address, and a plain HTTP client for what a browser downloads or what a forged
/// request sends (both carrying the browser's session cookie).
struct Console {
    browser: Browser,
    base: String,
    http: reqwest::Client,
    shots: PathBuf,
    taken: Vec<String>,
}

impl Console {
    async fn page(&self) -> String {
        self.browser.execute("return document.body ? document.body.getAttribute('data-page') : null;", vec![]).await.unwrap().as_str().unwrap_or_default().to_owned()
    }

    /// Opens `path` and returns the page's `data-page`.
    async fn open(&self, path: &str) -> String {
        self.browser.goto(&format!("{}{path}", self.base)).await.unwrap();
        self.page().await
    }

    async fn path(&self) -> String {
        let url = self.browser.current_url().await.unwrap();
        url.strip_prefix(&self.base).unwrap_or(&url).to_owned()
    }

    async fn body_text(&self) -> String {
        let body = self.browser.find("body").await.unwrap();
        self.browser.text(&body).await.unwrap()
    }

    /// Screenshot of the page shown, as `<name>.png`, checked to be a real picture of the window.
    async fn shot(&mut self, name: &str) {
        let png = self.browser.screenshot().await.unwrap();
        let (width, height, colours) = png_summary(&png);
        let (view_w, view_h) = self.browser.viewport().await.unwrap();
        assert_eq!((u64::from(width), u64::from(height)), (view_w, view_h), "{name}: screenshot of the viewport");
        assert!(colours >= 3, "{name}: the screenshot is blank ({colours} colours)");
        // The console runs no JavaScript: no page has a script element (the test's own scripts are the driver's).
        assert_eq!(self.browser.execute("return document.scripts.length;", vec![]).await.unwrap(), json!(0), "{name}: a script element");
        std::fs::write(self.shots.join(format!("{name}.png")), &png).unwrap();
        self.taken.push(name.to_owned());
    }

    async fn resize(&self, (width, height): (u32, u32)) {
        self.browser.set_window_size(width, height).await.unwrap();
        // The window's frame differs between platforms: grow the window until the viewport is the size asked.
        let (w, h) = self.browser.viewport().await.unwrap();
        let (dw, dh) = (u64::from(width).saturating_sub(w), u64::from(height).saturating_sub(h));
        if dw > 0 || dh > 0 {
            self.browser.set_window_size(width + dw as u32, height + dh as u32).await.unwrap();
        }
    }

    async fn sign_in(&self, username: &str, password: &str) -> String {
        assert_eq!(self.open("/console/login").await, "login");
        self.browser.fill("input[name=username]", username).await.unwrap();
        self.browser.fill("input[name=password]", password).await.unwrap();
        let form = self.browser.find("form:has(input[name=password])").await.unwrap();
        self.browser.submit(&form).await.unwrap();
        let page = self.page().await;
        if page == "error" {
            println!("signing in as {username}: {}", self.body_text().await);
        }
        page
    }

    async fn sign_out(&self) {
        let form = self.browser.find("form[action$='/console/logout']").await.unwrap();
        self.browser.submit(&form).await.unwrap();
        assert_eq!(self.page().await, "login");
    }

    /// A request outside the browser with the browser's cookies (taken from it, HttpOnly included).
    async fn fetch(&self, method: reqwest::Method, url: &str, form: Option<&[(&str, &str)]>, origin: Option<&str>) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let url = if url.starts_with("http") { url.to_owned() } else { format!("{}{url}", self.base) };
        let mut request = self.http.request(method, url).header("Cookie", self.browser.cookie_header().await.unwrap());
        if let Some(form) = form {
            request = request.form(form);
        }
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, headers, response.bytes().await.unwrap().to_vec())
    }

    async fn sections(&self) -> Vec<PageSection> {
        let value = self.browser.execute(READ_SECTIONS, vec![]).await.unwrap();
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        value
            .as_array()
            .expect("sections")
            .iter()
            .map(|s| PageSection {
                key: text(&s["key"]),
                title: text(&s["title"]),
                chart: s["chart"] == json!(true),
                empty: s["empty"] == json!(true),
                columns: s["columns"].as_array().unwrap().iter().map(text).collect(),
                rows: s["rows"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|row| row.as_array().unwrap().iter().map(|c| (text(&c[0]), c[1].as_str().map(str::to_owned), text(&c[2]))).collect())
                    .collect(),
                csv: s["csv"].as_str().map(str::to_owned),
            })
            .collect()
    }
}

/// Width, height and the number of distinct colours (up to 16) of a PNG.
fn png_summary(bytes: &[u8]) -> (u32, u32, usize) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader.next_frame(&mut buf).expect("PNG frame");
    let pixel = info.color_type.samples() * usize::from(info.bit_depth as u8).div_ceil(8);
    let mut colours = HashSet::new();
    for chunk in buf[..info.buffer_size()].chunks(pixel).step_by(7) {
        colours.insert(chunk.to_vec());
        if colours.len() >= 16 {
            break;
        }
    }
    (info.width, info.height, colours.len())
}

/// Where the screenshots go: `HEALTHBOOK_CONSOLE_SCREENSHOTS`, else `target/console-screenshots` of the workspace.
fn screenshot_dir() -> PathBuf {
    let dir = std::env::var_os("HEALTHBOOK_CONSOLE_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/console-screenshots"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every report the viewer may open: every section's every cell equal to the API's report and, for the
/// counts, to SQL over the stored records; charts and export links where the contract puts them.
async fn check_reports(console: &mut Console, world: &World, api: &ServerClient, scope: &Scope, kinds: &[ReportKind], shots: bool) {
    let names: HashMap<String, String> = sql_rows(&world.server, "SELECT id, name FROM venues UNION ALL SELECT id, name FROM agencies UNION ALL SELECT id, name FROM vaccination_sites", vec![])
        .await
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    for &kind in kinds {
        let query = format!("from={FROM}&to={TO}");
        let page = console.open(&format!("/console/reports/{}?{query}", kind.as_str())).await;
        assert_eq!(page, format!("report-{}", kind.as_str()), "{}", console.body_text().await);
        let report: Report = api.get_json(&format!("/v1/reports/{}?{query}", kind.as_str())).await.unwrap();
        let sections = console.sections().await;
        assert_eq!(sections.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(), report.sections.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(), "{kind:?} sections");
        let expected = expected_by_sql(&world.server, kind, scope).await;
        for (shown, api_section) in sections.iter().zip(&report.sections) {
            let what = format!("{}/{}", kind.as_str(), shown.key);
            assert_eq!(shown.title, api_section.title_vi, "{what} title");
            if api_section.rows.is_empty() {
                assert!(shown.empty, "{what}: an empty section says so");
            } else {
                assert_eq!(shown.chart, api_section.chart.is_some(), "{what} chart");
                assert_eq!(shown.columns, api_section.columns.iter().map(|c| c.key.clone()).collect::<Vec<_>>(), "{what} columns");
                let csv = shown.csv.as_deref().unwrap_or_else(|| panic!("{what}: no CSV link"));
                assert!(csv.contains(&format!("/console/reports/{}/{}.csv?", kind.as_str(), shown.key)) && csv.contains(&query), "{what}: {csv}");
            }
            assert_eq!(shown.rows.len(), api_section.rows.len(), "{what}: rows");
            for (row, api_row) in shown.rows.iter().zip(&api_section.rows) {
                for ((col, value, _text), (column, cell)) in row.iter().zip(api_section.columns.iter().zip(api_row)) {
                    assert_eq!(col, &column.key, "{what}: td data-col");
                    assert!(cell_matches(value.as_deref(), cell), "{what}/{col}: shown {value:?}, API {cell:?}");
                }
            }
            let values: Vec<Vec<String>> = shown.rows.iter().map(|r| r.iter().map(|(_, v, _)| v.clone().unwrap_or_default()).collect()).collect();
            let sql = expected.get(&shown.key).cloned().unwrap_or_else(|| panic!("{what}: no SQL expectation"));
            rows_match(values, sql, count_positions(kind, &shown.key), &names, &what);
        }
        if !report.sections.iter().all(|s| s.rows.is_empty()) {
            let xlsx = console.browser.find("a#export-xlsx").await.unwrap();
            let href = console.browser.attribute(&xlsx, "href").await.unwrap().unwrap();
            assert!(href.contains(&format!("/console/reports/{}.xlsx?", kind.as_str())), "{href}");
        }
        if shots {
            console.shot(&format!("report-{}-laptop", kind.as_str())).await;
            console.resize(TABLET).await;
            // Tables scroll inside their sections: the page itself is never wider than the tablet's screen.
            let overflow = console.browser.execute("return document.documentElement.scrollWidth - document.documentElement.clientWidth;", vec![]).await.unwrap();
            assert!(overflow.as_i64().unwrap_or(0) <= 0, "{kind:?}: the page scrolls sideways at 820 px ({overflow})");
            console.shot(&format!("report-{}-tablet", kind.as_str())).await;
            console.resize(LAPTOP).await;
        }
    }
}

/// Cells of the first worksheet row whose first cell is `first`, as text.
fn xlsx_sheets(bytes: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an XLSX workbook");
    let names = book.sheet_names();
    names
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).expect("sheet");
            let rows = range
                .rows()
                .map(|row| {
                    row.iter()
                        .map(|cell| match cell {
                            Data::Empty => String::new(),
                            Data::String(s) | Data::DateTimeIso(s) => s.clone(),
                            Data::Float(f) => f.to_string(),
                            Data::Int(n) => n.to_string(),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .collect();
            (name, rows)
        })
        .collect()
}

/// One browser session through the whole console: a health officer of province A reads every report, exports,
/// edits and publishes the Q&A, handles a citizen's question and is refused forged requests; an officer of
/// province B and an agency admin then see only their own rows. Screenshots of every page land in
/// `HEALTHBOOK_CONSOLE_SCREENSHOTS`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_in_a_browser_shows_each_official_their_own_numbers() {
    let started = std::time::Instant::now();
    let world = seed().await;
    let seeded = started.elapsed();
    let browser = Browser::start(LAPTOP.0, LAPTOP.1).await.expect("headless Chromium (scripts/test.sh installs chromium and chromium-driver)");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).no_proxy().build().unwrap();
    let mut console = Console { browser, base: world.server.base_url.clone(), http, shots: screenshot_dir(), taken: Vec::new() };
    console.resize(LAPTOP).await;

    // Signing in: /console sends a stranger to the login page; a wrong password is refused on the form.
    assert_eq!(console.open("/console").await, "login", "{} {}", console.path().await, console.body_text().await);
    assert_eq!(console.browser.execute("return document.documentElement.lang;", vec![]).await.unwrap(), "vi");
    console.shot("login").await;
    assert_eq!(console.sign_in("officer-a", "wrong-password").await, "login");
    assert!(console.browser.exists("#login-error").await.unwrap());
    assert_eq!(console.sign_in("officer-a", PASSWORD).await, "reports");
    assert_eq!(console.path().await, "/console/reports");
    let session = console.browser.cookie("hb_console").await.unwrap().expect("session cookie");
    assert!(session.http_only && session.same_site.as_deref() == Some("Strict") && session.path.as_deref() == Some("/console"), "{session:?}");

    // The reports index: a card per report a health officer may open (all five).
    let mut kinds = Vec::new();
    for link in console.browser.find_all("a.report-link[data-kind]").await.unwrap() {
        kinds.push(console.browser.attribute(&link, "data-kind").await.unwrap().unwrap());
    }
    assert_eq!(kinds, ReportKind::ALL.iter().map(|k| k.as_str().to_owned()).collect::<Vec<_>>());
    console.shot("reports").await;
    check_reports(&mut console, &world, &world.officer_a, &Scope::Province(PROVINCE_A), &ReportKind::ALL, true).await;

    // English and back: headings follow the language, raw values do not; the choice is remembered.
    let declarations: Report = world.officer_a.get_json(&format!("/v1/reports/declarations?from={FROM}&to={TO}")).await.unwrap();
    assert_eq!(console.open(&format!("/console/reports/declarations?from={FROM}&to={TO}")).await, "report-declarations");
    let switch = console.browser.find("a#lang-en").await.unwrap();
    console.browser.click_to_navigate(&switch).await.unwrap();
    assert_eq!(console.page().await, "report-declarations", "{} {}", console.path().await, console.browser.source().await.unwrap());
    assert!(console.path().await.contains(&format!("from={FROM}")), "the switch keeps the page and its query");
    assert_eq!(console.browser.execute("return document.documentElement.lang;", vec![]).await.unwrap(), "en");
    let english = console.sections().await;
    assert_eq!(english.iter().map(|s| s.title.clone()).collect::<Vec<_>>(), declarations.sections.iter().map(|s| s.title_en.clone()).collect::<Vec<_>>());
    console.open("/console/reports").await;
    assert_eq!(console.browser.execute("return document.documentElement.lang;", vec![]).await.unwrap(), "en", "the language is remembered");
    console.shot("reports-en").await;
    console.open(&format!("/console/reports/declarations?from={FROM}&to={TO}")).await;
    let switch = console.browser.find("a#lang-vi").await.unwrap();
    console.browser.click_to_navigate(&switch).await.unwrap();
    assert_eq!(console.browser.execute("return document.documentElement.lang;", vec![]).await.unwrap(), "vi");
    let vietnamese = console.sections().await;
    assert_eq!(vietnamese[0].title, declarations.sections[0].title_vi);
    assert_eq!(
        vietnamese.iter().map(|s| s.rows.iter().map(|r| r.iter().map(|c| c.1.clone()).collect::<Vec<_>>()).collect::<Vec<_>>()).collect::<Vec<_>>(),
        english.iter().map(|s| s.rows.iter().map(|r| r.iter().map(|c| c.1.clone()).collect::<Vec<_>>()).collect::<Vec<_>>()).collect::<Vec<_>>(),
        "raw values do not depend on the language"
    );

    // Numbers are written for the language (1.497 in Vietnamese, 1,497 in English) over the same raw value: the
    // 1,500 doses delivered less the 3 given.
    let stock_cell = "table#table-stock td[data-value='1497']";
    console.open(&format!("/console/reports/vaccination?from={FROM}&to={TO}")).await;
    let vi_text = console.browser.text(&console.browser.find(stock_cell).await.unwrap()).await.unwrap();
    console.open(&format!("/console/reports/vaccination?from={FROM}&to={TO}&lang=en")).await;
    let en_text = console.browser.text(&console.browser.find(stock_cell).await.unwrap()).await.unwrap();
    assert_eq!((vi_text.as_str(), en_text.as_str()), ("1.497", "1,497"));
    console.open(&format!("/console/reports/declarations?from={FROM}&to={TO}&lang=vi")).await;

    // Exports, downloaded with the browser's session: the CSV of one section, the workbook of the report.
    let per_ward = vietnamese.iter().find(|s| s.key == "per_ward").expect("per_ward section");
    let (status, headers, csv) = console.fetch(reqwest::Method::GET, per_ward.csv.as_deref().unwrap(), None, None).await;
    assert_eq!(status, 200);
    assert!(headers.get("content-disposition").and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("attachment")), "{headers:?}");
    assert!(csv.starts_with("\u{feff}".as_bytes()), "UTF-8 BOM");
    let csv = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(csv.contains("\r\n"), "CRLF lines");
    let csv_rows: Vec<Vec<String>> = csv::ReaderBuilder::new().has_headers(true).from_reader(csv.as_bytes()).records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
    let table_rows: Vec<Vec<String>> = per_ward.rows.iter().map(|r| r.iter().map(|c| c.1.clone().unwrap_or_default()).collect()).collect();
    assert_eq!(csv_rows, table_rows, "the CSV holds the table's raw values");
    let xlsx_link = console.browser.find("a#export-xlsx").await.unwrap();
    let xlsx_href = console.browser.attribute(&xlsx_link, "href").await.unwrap().unwrap();
    let (status, _, xlsx) = console.fetch(reqwest::Method::GET, &xlsx_href, None, None).await;
    assert_eq!(status, 200);
    let sheets = xlsx_sheets(&xlsx);
    assert_eq!(sheets.len(), vietnamese.len(), "a sheet per section");
    for (section, (_, rows)) in vietnamese.iter().zip(&sheets) {
        // The table's rows end the sheet, below its heading (and any title); their first and last cells are the table's.
        assert!(rows.len() > section.rows.len(), "{}: a heading and {} rows in {rows:?}", section.key, section.rows.len());
        let data: Vec<&Vec<String>> = rows.iter().skip(rows.len() - section.rows.len()).collect();
        for (sheet_row, row) in data.iter().zip(&section.rows) {
            for (cell, (_, value, _)) in [(sheet_row.first(), row.first().unwrap()), (sheet_row.last(), row.last().unwrap())] {
                assert_eq!(cell.map(|c| normalise(c, &HashMap::new())), value.as_deref().map(|v| normalise(v, &HashMap::new())), "{}", section.key);
            }
        }
    }

    // The Q&A: the province's draft, searched without diacritics, edited and published.
    assert_eq!(console.open(&format!("/console/qa?province={PROVINCE_A}")).await, "qa");
    assert_eq!(console.browser.find_all("table#table-qa tr[data-entry-id]").await.unwrap().len(), 2);
    console.shot("qa").await;
    assert_eq!(console.open(&format!("/console/qa?province={PROVINCE_A}&q=khai+bao")).await, "qa");
    let found = console.browser.find_all("table#table-qa tr[data-entry-id]").await.unwrap();
    assert_eq!(found.len(), 1, "\"khai bao\" finds \"khai báo\" only");
    assert_eq!(console.browser.attribute(&found[0], "data-entry-id").await.unwrap().as_deref(), Some(world.qa_entries[0].as_str()));
    assert_eq!(console.open(&format!("/console/qa/new?province={PROVINCE_A}")).await, "qa-edit");
    console.shot("qa-new").await;
    let edit = format!("/console/qa/{}/edit?province={PROVINCE_A}", world.qa_entries[0]);
    assert_eq!(console.open(&edit).await, "qa-edit");
    console.shot("qa-edit").await;
    console.browser.fill("form#qa-entry [name=question_vi]", "").await.unwrap();
    let form = console.browser.find("form#qa-entry").await.unwrap();
    console.browser.submit(&form).await.unwrap();
    assert!(console.browser.exists(".field-error").await.unwrap(), "an empty question is refused next to its field");
    console.browser.fill("form#qa-entry [name=question_vi]", "Làm sao để khai báo y tế trên điện thoại?").await.unwrap();
    console.browser.fill("form#qa-entry [name=question_en]", "How do I make a health declaration on my phone?").await.unwrap();
    console.browser.fill("form#qa-entry [name=answer_en]", "Open the app and choose Declare.").await.unwrap();
    let form = console.browser.find("form#qa-entry").await.unwrap();
    console.browser.submit(&form).await.unwrap();
    assert_eq!(console.page().await, "qa", "{}", console.body_text().await);
    let draft: QaDraft = world.officer_a.get_json(&format!("/v1/hotline/qa/{PROVINCE_A}/draft")).await.unwrap();
    let edited = draft.entries.iter().find(|e| e.id == world.qa_entries[0]).unwrap();
    assert_eq!((edited.question_vi.as_str(), edited.answer_en.as_str()), ("Làm sao để khai báo y tế trên điện thoại?", "Open the app and choose Declare."));
    assert!(draft.unpublished_changes);

    // A change without the CSRF token: the hidden field removed in the page, then a forged POST with the cookie.
    assert_eq!(console.open(&edit).await, "qa-edit");
    console.browser.fill("form#qa-entry [name=answer_vi]", "Đã bị giả mạo").await.unwrap();
    console.browser.execute("document.querySelector('form#qa-entry input[name=csrf]').remove();", vec![]).await.unwrap();
    let form = console.browser.find("form#qa-entry").await.unwrap();
    console.browser.submit(&form).await.unwrap();
    assert!(console.browser.exists("#csrf-refused").await.unwrap(), "{}", console.body_text().await);
    console.shot("csrf-refused").await;
    let (status, _, body) = console.fetch(reqwest::Method::POST, "/console/qa/publish", Some(&[("province", PROVINCE_A)]), None).await;
    assert_eq!(status, 403);
    assert!(String::from_utf8_lossy(&body).contains("csrf-refused"));
    let (status, _, _) = console.fetch(reqwest::Method::POST, "/console/qa/publish", Some(&[("province", PROVINCE_A), ("csrf", "not-the-token")]), None).await;
    assert_eq!(status, 403);
    assert_eq!(world.officer_a.get_json::<QaDraft>(&format!("/v1/hotline/qa/{PROVINCE_A}/draft")).await.unwrap(), draft, "nothing changed");
    let public = reqwest::get(format!("{}/v1/hotline/qa/{PROVINCE_A}", console.base)).await.unwrap();
    assert_eq!(public.status().as_u16(), 404, "nothing published yet");

    // Publishing from the console; the public set (what phones fetch) has the edit.
    assert_eq!(console.open(&format!("/console/qa?province={PROVINCE_A}")).await, "qa");
    let publish = console.browser.find("form#publish").await.unwrap();
    // A token from the page, sent from another origin, is refused too.
    let token = console.browser.execute("return document.querySelector('form#publish input[name=csrf]').value;", vec![]).await.unwrap();
    let token = token.as_str().unwrap().to_owned();
    let (status, _, _) = console.fetch(reqwest::Method::POST, "/console/qa/publish", Some(&[("province", PROVINCE_A), ("csrf", &token)]), Some("https://evil.example")).await;
    assert_eq!(status, 403, "a foreign Origin is refused");
    console.browser.submit(&publish).await.unwrap();
    assert_eq!(console.page().await, "qa");
    let set: QaSet = reqwest::get(format!("{}/v1/hotline/qa/{PROVINCE_A}", console.base)).await.unwrap().json().await.unwrap();
    assert_eq!(set.version, 1);
    assert!(set.entries.iter().any(|e| e.question_vi == "Làm sao để khai báo y tế trên điện thoại?" && e.answer_vi != "Đã bị giả mạo"));

    // The citizen's question: listed, opened, assigned, answered; the phone receives the answer.
    assert_eq!(console.open("/console/questions").await, "questions");
    assert!(console.browser.exists(&format!("table#table-questions tr[data-question-id='{}']", world.question_a)).await.unwrap());
    assert!(!console.browser.exists(&format!("tr[data-question-id='{}']", world.question_b)).await.unwrap(), "B's question is not in A's inbox");
    console.shot("questions").await;
    let question = format!("/console/questions/{}", world.question_a);
    assert_eq!(console.open(&question).await, "question");
    assert!(console.body_text().await.contains("Khi nào có kết quả xét nghiệm?"));
    console.shot("question").await;
    let options = console.browser.find_all("form#assign select[name=assignee] option").await.unwrap();
    let mut assignee = None;
    for option in &options {
        if console.browser.attribute(option, "value").await.unwrap().as_deref() == Some(world.officer_a_id.as_str()) {
            assignee = Some(option.clone());
        }
    }
    console.browser.click(&assignee.expect("officer A among the assignable officers")).await.unwrap();
    let assign = console.browser.find("form#assign").await.unwrap();
    console.browser.submit(&assign).await.unwrap();
    assert_eq!(console.page().await, "question", "{}", console.body_text().await);
    assert!(console.browser.exists("#question[data-state='assigned']").await.unwrap(), "{}", console.body_text().await);
    let assignee_shown = console.browser.text(&console.browser.find("#q-assignee").await.unwrap()).await.unwrap();
    assert!(assignee_shown.contains("officer-a"), "assignee shown: {assignee_shown:?}");
    let answer = "Kết quả có trong 24 giờ, ứng dụng sẽ báo cho bạn.";
    console.browser.fill("form#answer [name=answer]", answer).await.unwrap();
    let form = console.browser.find("form#answer").await.unwrap();
    console.browser.submit(&form).await.unwrap();
    assert_eq!(console.page().await, "question");
    assert!(console.browser.exists("#question[data-state='answered']").await.unwrap(), "{}", console.body_text().await);
    let mine: Value = world.device.get_json("/v1/hotline/questions").await.unwrap();
    let answered = mine["questions"].as_array().unwrap().iter().find(|q| q["id"] == json!(world.question_a)).unwrap();
    assert_eq!((answered["state"].as_str(), answered["answer"].as_str()), (Some("answered"), Some(answer)));

    // Pages a health officer may not open; then signing out ends the session for good.
    assert_eq!(console.open("/console/adoption").await, "error");
    assert!(console.body_text().await.contains("403"));
    console.shot("error-403").await;
    let stolen = console.browser.cookie_header().await.unwrap();
    console.sign_out().await;
    let after = console.http.get(format!("{}/console/reports", console.base)).header("Cookie", stolen).send().await.unwrap();
    assert!(after.status().is_redirection() || after.status().as_u16() == 401, "a signed-out session opens nothing: {}", after.status());

    // Province B's officer: B's own numbers only, and 404 for A's province and A's question.
    assert_eq!(console.sign_in("officer-b", PASSWORD).await, "reports");
    check_reports(&mut console, &world, &world.officer_b, &Scope::Province(PROVINCE_B), &ReportKind::ALL, false).await;
    assert_eq!(console.open(&format!("/console/reports/declarations?province={PROVINCE_A}")).await, "error");
    assert!(console.body_text().await.contains("404"));
    console.shot("error-404").await;
    let (status, _, _) = console.fetch(reqwest::Method::GET, &format!("/console/reports/declarations?province={PROVINCE_A}"), None, None).await;
    assert_eq!(status, 404);
    let (status, _, _) = console.fetch(reqwest::Method::GET, &question, None, None).await;
    assert_eq!(status, 404);
    let (status, _, _) = console.fetch(reqwest::Method::GET, &format!("/console/qa?province={PROVINCE_A}"), None, None).await;
    assert_eq!(status, 404);
    console.sign_out().await;

    // The agency admin: the passages report of the agency's venues, and the agency's adoption.
    assert_eq!(console.sign_in("agency-x", PASSWORD).await, "reports");
    let mut kinds = Vec::new();
    for link in console.browser.find_all("a.report-link[data-kind]").await.unwrap() {
        kinds.push(console.browser.attribute(&link, "data-kind").await.unwrap().unwrap());
    }
    assert_eq!(kinds, vec!["passages".to_owned()]);
    check_reports(&mut console, &world, &world.agency_admin, &Scope::Agency(world.agency_x.clone()), &[ReportKind::Passages], false).await;
    assert_eq!(console.open("/console/reports/declarations").await, "error");
    assert_eq!(console.open("/console/qa").await, "error");
    assert_eq!(console.open("/console/adoption").await, "adoption");
    assert!(console.browser.exists("table#table-adoption").await.unwrap() || console.browser.exists("p.empty").await.unwrap());
    console.shot("adoption").await;
    console.sign_out().await;

    let taken = console.taken.clone();
    println!("console screenshots in {}: {}", console.shots.display(), taken.join(", "));
    println!("seeding took {seeded:?}, the browser session {:?}", started.elapsed() - seeded);
    console.browser.quit().await.unwrap();
    world.server.stop().await;
}

