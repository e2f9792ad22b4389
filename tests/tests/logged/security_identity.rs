//! Security of identities (issue 8): binding a phone profile to a person needs proof, and the clear citizen id
//! stays sealed. One test per promise: brute-forcing an SMS code binds nothing and the person is told; the clear
//! id never reaches the database, the log or a device; a claim must match the record; a code works only for the
//! phone and profile it was issued to; only officers and volunteers attest, each within its area; every act is
//! audited; bindings are many-to-many and removable by the person's other phone or an officer; earlier
//! declarations follow the binding.

use std::sync::{Arc, Mutex};

use chrono::Duration;
use healthbook_e2e::server::{TestBackend, TestServer, test_config};
use healthbook_e2e::log::captured_log;
use healthbook_e2e::server_scenarios;
use healthbook_server::DatabaseLocation;
use healthbook_server::persons::sms::{BURNED_NOTICE_MARKER, LOCKED_NOTICE_MARKER};
use healthbook_server::storage::Backend;
use reqwest::Method;
use serde_json::{Value, json};

server_scenarios!(
    a_thousand_wrong_guesses_bind_nothing_and_the_person_is_told,
    clear_citizen_id_never_reaches_the_database_the_log_or_a_device,
    a_claim_must_match_the_record,
    a_code_works_only_for_the_device_and_profile_it_was_issued_to,
    only_officers_and_volunteers_attest,
    officers_act_only_within_their_province,
    bindings_are_many_to_many_and_removable_with_an_audit_trail,
    binding_attaches_the_profiles_earlier_declarations,
);

/// CCCD of a man born in 1985, issued in Hà Nội (01).
const CCCD_HANOI: &str = "001085012345";
/// CCCD of a woman born in 1990, issued in Hồ Chí Minh City (79).
const CCCD_SAIGON: &str = "079190123456";
/// CCCD of a woman born in 1978, issued in Hà Nội.
const CCCD_HANOI_2: &str = "001178654321";
/// A legacy CMND.
const CMND: &str = "123456789";

/// Bodies of every answer a device got in one test, to search for clear ids.
type Seen = Arc<Mutex<Vec<String>>>;

/// One signed-in caller talking raw HTTP, so that every answer body can be inspected.
struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
    /// Account id (the device id for a phone).
    id: String,
    /// Where a device's answers are kept (staff answers are not: staff may read the clear id).
    seen: Option<Seen>,
}

/// Status, Retry-After and JSON body of one answer.
struct Answer {
    status: u16,
    retry_after: Option<String>,
    body: Value,
}

impl Api {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut request = self.http.request(method.clone(), format!("{}{path}", self.base)).bearer_auth(&self.token);
        if method == Method::POST {
            request = request.header("Idempotency-Key", uuid::Uuid::new_v4().to_string());
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let text = response.text().await.expect("answer body");
        if let Some(seen) = &self.seen {
            seen.lock().unwrap().push(text.clone());
        }
        Answer { status, retry_after, body: serde_json::from_str(&text).unwrap_or(Value::Null) }
    }

    async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    async fn delete(&self, path: &str) -> Answer {
        self.call(Method::DELETE, path, None).await
    }
}

#[track_caller]
fn expect(answer: &Answer, status: u16, code: Option<&str>) {
    assert_eq!(answer.status, status, "answer: {}", answer.body);
    if let Some(code) = code {
        assert_eq!(answer.body["error"]["code"], code, "answer: {}", answer.body);
    }
}

async fn device(server: &TestServer, seen: &Seen) -> Api {
    let client = server.client();
    let identity = client.register_device("test").await.unwrap();
    let token = client.sign_in_device(&identity).await.unwrap();
    Api {
        http: reqwest::Client::new(),
        base: server.base_url.clone(),
        token: token.token,
        id: identity.device_id().to_owned(),
        seen: Some(seen.clone()),
    }
}

async fn staff(server: &TestServer, role: &str, username: &str, area: Option<Value>) -> Api {
    let admin = server.admin_client().await;
    let mut body = json!({ "role": role, "username": username, "password": "staff-password" });
    if let Some(area) = area {
        body["area"] = area;
    }
    if role == "gate_operator" {
        let agency = admin.create_agency("Chợ Bến Thành").await.unwrap();
        body["agency_id"] = json!(agency.id);
    }
    let created: Value = admin.post_json("/v1/accounts", &body).await.unwrap();
    let client = server.client();
    let token = client.sign_in_staff(username, "staff-password").await.unwrap();
    Api {
        http: reqwest::Client::new(),
        base: server.base_url.clone(),
        token: token.token,
        id: created["id"].as_str().unwrap().to_owned(),
        seen: None,
    }
}

async fn admin(server: &TestServer) -> Api {
    let client = server.admin_client().await;
    let session = client.session().unwrap();
    Api { http: reqwest::Client::new(), base: server.base_url.clone(), token: session.token, id: session.account_id, seen: None }
}

fn officer_area(province: &str) -> Option<Value> {
    Some(json!({ "province": province }))
}

/// The last 6-digit code texted to `phone`.
fn last_code(server: &TestServer, phone: &str) -> String {
    let sms = server.sms();
    let text = &sms.iter().rev().find(|m| m.to == phone && m.text.contains("binding code is")).expect("a code was texted").text;
    let start = text.find(|c: char| c.is_ascii_digit()).expect("digits in the text");
    text[start..start + 6].to_owned()
}

fn sms_start(profile_ref: &str, citizen_id: &str, name: &str, year: i64, phone: &str) -> Value {
    json!({ "profile_ref": profile_ref, "citizen_id": citizen_id, "full_name": name, "birth_year": year, "phone": phone })
}

/// Binds `profile_ref` of `phone` to the person with `citizen_id` by SMS; returns the person id.
async fn bind_by_sms(server: &TestServer, phone: &Api, profile_ref: &str, body: Value, sms_to: &str) -> String {
    let mut body = body;
    body["profile_ref"] = json!(profile_ref);
    let started = phone.post("/v1/bindings/sms", body).await;
    expect(&started, 201, None);
    let code = last_code(server, sms_to);
    let path = format!("/v1/bindings/sms/{}/verify", started.body["challenge_id"].as_str().unwrap());
    let verified = phone.post(&path, json!({ "code": code })).await;
    expect(&verified, 201, None);
    assert_eq!(verified.body["binding"]["profile_ref"], profile_ref);
    verified.body["binding"]["person"]["person_id"].as_str().unwrap().to_owned()
}

async fn enrol(officer: &Api, body: Value) -> Value {
    let answer = officer.post("/v1/persons", body).await;
    assert!(matches!(answer.status, 200 | 201), "enrol: {} {}", answer.status, answer.body);
    answer.body
}

async fn audit_actions(server: &TestServer, person_id: &str) -> Vec<(String, String, Option<String>)> {
    let person_id = person_id.to_owned();
    server
        .db
        .read(move |tx| {
            let rows = tx.query(
                "SELECT action, actor_role, place FROM identity_audit WHERE person_id = $1 ORDER BY at, id",
                &[person_id.into()],
            )?;
            rows.iter().map(|r| Ok((r.text(0)?, r.text(1)?, r.opt_text(2)?))).collect::<Result<Vec<_>, healthbook_server::storage::StorageError>>()
        })
        .await
        .unwrap()
}

async fn count_where(server: &TestServer, sql: &'static str, param: String) -> i64 {
    server.db.read(move |tx| tx.query(sql, &[param.into()])?[0].int(0)).await.unwrap()
}

/// Asserts that no answer a device got holds any of `ids` (with or without the spaces people type).
fn assert_devices_never_saw(seen: &Seen, ids: &[&str]) {
    let seen = seen.lock().unwrap();
    assert!(!seen.is_empty(), "devices got answers");
    for body in seen.iter() {
        for id in ids {
            assert!(!body.contains(id), "a device answer holds a clear id: {body}");
        }
    }
}

async fn a_thousand_wrong_guesses_bind_nothing_and_the_person_is_told(backend: TestBackend) {
    // Tokens outlive the hour the lock lasts, so the same phone can come back after it.
    let config = healthbook_server::ServerConfig { token_ttl: Duration::hours(3), ..test_config() };
    let server = TestServer::start_with(backend, config).await;
    let seen = Seen::default();
    let attacker = device(&server, &seen).await;
    let victim_phone = "+84912345621";
    // The person exists with a phone on record (the victim enrolled at the ward office).
    let officer = staff(&server, "health_officer", "officer-hn", officer_area("01")).await;
    let person = enrol(
        &officer,
        json!({ "citizen_id": CCCD_HANOI, "id_kind": "cccd", "full_name": "Nguyễn Văn An", "birth": "1985-03-02",
                "phone": "0912 345 621", "province_code": "01", "place": "UBND phường Hàng Bạc" }),
    )
    .await;
    let person_id = person["person_id"].as_str().unwrap().to_owned();

    // The attacker knows the id, name and birth year, and gives his own phone: the code goes to the record's.
    let start = sms_start("p1", CCCD_HANOI, "Nguyễn Văn An", 1985, "0987000111");
    let started = attacker.post("/v1/bindings/sms", start.clone()).await;
    expect(&started, 201, None);
    assert_eq!(started.body["sent_to"], "+84 9** *** *21");
    assert!(server.sms().iter().all(|m| m.to == victim_phone), "nothing is texted to the number the caller gave");

    let mut challenge = started.body["challenge_id"].as_str().unwrap().to_owned();
    let mut real_code = last_code(&server, victim_phone);
    let (mut wrong, mut closed, mut burned, mut locked) = (0, 0, 0, 0);
    let mut candidate = 0u32;
    let timer = std::time::Instant::now();
    for guess_number in 0..1_000 {
        let mut guess = format!("{candidate:06}");
        if guess == real_code {
            candidate += 1;
            guess = format!("{candidate:06}");
        }
        candidate += 1;
        let answer = attacker.post(&format!("/v1/bindings/sms/{challenge}/verify"), json!({ "code": guess })).await;
        match answer.status {
            422 => {
                expect(&answer, 422, Some("wrong_code"));
                wrong += 1;
                if answer.body["error"]["attempts_left"] == 0 {
                    burned += 1;
                }
            }
            410 => {
                expect(&answer, 410, Some("challenge_closed"));
                closed += 1;
            }
            other => panic!("guess {guess_number}: unexpected {other} {}", answer.body),
        }
        if answer.status == 410 || answer.body["error"]["attempts_left"] == 0 {
            // The burned challenge is dead; the attacker asks for another code every time.
            let again = attacker.post("/v1/bindings/sms", start.clone()).await;
            if again.status == 201 {
                challenge = again.body["challenge_id"].as_str().unwrap().to_owned();
                real_code = last_code(&server, victim_phone);
            } else {
                expect(&again, 429, Some("binding_locked"));
                let retry: u64 = again.retry_after.as_deref().expect("Retry-After").parse().unwrap();
                assert!((1..=3600).contains(&retry), "{retry}");
                locked += 1;
            }
        }
    }
    // A figure, not an assertion: what 1,000 guesses (and the refused restarts between them) cost end to end.
    println!("{backend:?}: 1,000 guesses and {locked} refused restarts in {:?}", timer.elapsed());
    // 3 challenges an hour, 5 wrong codes each; everything else hit a closed challenge or the lock.
    assert_eq!((wrong, burned), (15, 3));
    assert_eq!(closed, 1_000 - 15);
    assert!(locked > 900, "{locked}");
    assert_eq!(server.count("person_bindings").await, 0, "1,000 guesses bound nothing");
    let bindings = attacker.get("/v1/bindings").await;
    assert_eq!(bindings.body["bindings"], json!([]));
    // The real code of the burned challenge is dead too.
    let late = attacker.post(&format!("/v1/bindings/sms/{challenge}/verify"), json!({ "code": real_code })).await;
    expect(&late, 410, Some("challenge_closed"));

    // The person was told, once per burned challenge, on the phone on record.
    let notices: Vec<_> = server.sms().into_iter().filter(|m| m.text.starts_with(BURNED_NOTICE_MARKER)).collect();
    assert_eq!(notices.len(), 3);
    assert!(notices.iter().all(|m| m.to == victim_phone));
    // And told once that binding is locked, however many times the attacker came back.
    let lock_notices: Vec<_> = server.sms().into_iter().filter(|m| m.text.starts_with(LOCKED_NOTICE_MARKER)).collect();
    assert_eq!(lock_notices.len(), 1);
    assert_eq!(lock_notices[0].to, victim_phone);
    let actions = audit_actions(&server, &person_id).await;
    assert_eq!(actions.iter().filter(|a| a.0 == "challenge_burned").count(), 3);
    assert_eq!(actions.iter().filter(|a| a.0 == "sms_code_sent").count(), 3);
    assert_eq!(actions.iter().filter(|a| a.0 == "binding_locked").count(), 1);

    // The lock is per person: another phone is refused too, and the person is not texted again.
    let other = device(&server, &seen).await;
    let refused = other.post("/v1/bindings/sms", start.clone()).await;
    expect(&refused, 429, Some("binding_locked"));
    assert!(refused.retry_after.is_some());
    assert_eq!(server.sms().iter().filter(|m| m.text.starts_with(LOCKED_NOTICE_MARKER)).count(), 1);

    // An hour later the person (holding the phone on record) binds with the right code.
    server.clock.advance(Duration::minutes(61));
    let victim = device(&server, &seen).await;
    let bound = bind_by_sms(&server, &victim, "me", start, victim_phone).await;
    assert_eq!(bound, person_id);
    assert_devices_never_saw(&seen, &[CCCD_HANOI]);
    server.stop().await;
}

/// Every text value of every column of every table, as text.
async fn all_text(server: &TestServer) -> Vec<String> {
    let backend = server.db.backend();
    server
        .db
        .read(move |tx| {
            let columns = match backend {
                Backend::Sqlite => tx.query(
                    "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'",
                    &[],
                )?,
                Backend::Postgres => tx.query(
                    "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns \
                     WHERE table_schema = current_schema()",
                    &[],
                )?,
            };
            let mut values = Vec::new();
            for column in columns {
                let (table, column) = (column.text(0)?, column.text(1)?);
                let rows = tx.query(&format!("SELECT CAST(\"{column}\" AS TEXT) FROM \"{table}\""), &[])?;
                values.extend(rows.iter().filter_map(|r| r.opt_text(0).ok().flatten()));
            }
            Ok::<_, healthbook_server::storage::StorageError>(values)
        })
        .await
        .unwrap()
}

async fn clear_citizen_id_never_reaches_the_database_the_log_or_a_device(backend: TestBackend) {
    let log = captured_log();
    let server = TestServer::start(backend).await;
    let seen = Seen::default();
    let phone = device(&server, &seen).await;
    let officer = staff(&server, "health_officer", "officer-hn", officer_area("01")).await;

    // A phone binds a person the server did not know (self-declared), giving the id with spaces.
    let spaced = "001 178 654 321";
    let person_a =
        bind_by_sms(&server, &phone, "p1", sms_start("p1", spaced, "Phạm Thị Lan", 1978, "0903111222"), "+84903111222").await;
    // A wrong birth year for a CCCD is refused without repeating the id or the year.
    let refused = phone.post("/v1/bindings/sms", sms_start("p2", CCCD_HANOI_2, "Phạm Thị Lan", 1979, "0903111222")).await;
    expect(&refused, 422, Some("invalid_request"));
    assert!(!refused.body.to_string().contains("1979"));
    // An officer enrols people with a CMND and with an officer-assigned id, and attests a binding.
    let person_b = enrol(
        &officer,
        json!({ "citizen_id": CMND, "id_kind": "cmnd", "full_name": "Lê Thị Bình", "birth": "1960",
                "phone": "0912000333", "province_code": "01", "place": "Trạm y tế phường" }),
    )
    .await;
    assert_eq!((person_b["id_kind"].as_str(), person_b["id_last3"].as_str()), (Some("cmnd"), Some("789")));
    let person_c = enrol(
        &officer,
        json!({ "id_kind": "officer_assigned", "full_name": "Hoàng Văn Mười", "birth": "1950",
                "province_code": "01", "place": "Trạm y tế phường" }),
    )
    .await;
    let code = phone.post("/v1/bindings/attestation", json!({ "profile_ref": "p3" })).await;
    expect(&code, 201, None);
    let attested = officer
        .post("/v1/bindings/attest", json!({ "challenge_code": code.body["code"], "person_id": person_b["person_id"], "place": "Trạm y tế" }))
        .await;
    expect(&attested, 201, None);
    let listed = phone.get("/v1/bindings").await;
    expect(&listed, 200, None);
    assert_eq!(listed.body["bindings"].as_array().unwrap().len(), 2);

    // Staff read the clear ids through the one logged endpoint.
    let read_a = officer.get(&format!("/v1/persons/{person_a}/citizen-id")).await;
    assert_eq!(read_a.body["citizen_id"], CCCD_HANOI_2);
    let read_c = officer.get(&format!("/v1/persons/{}/citizen-id", person_c["person_id"].as_str().unwrap())).await;
    let assigned = read_c.body["citizen_id"].as_str().unwrap().to_owned();
    assert!(assigned.starts_with("OA-01-"), "{assigned}");
    let officer_view = officer.get(&format!("/v1/persons/{person_a}")).await;
    assert!(!officer_view.body.to_string().contains(CCCD_HANOI_2), "the person view carries only the last digits");
    let clear_ids = [CCCD_HANOI_2, CMND, assigned.as_str()];

    // Devices: no answer ever held a clear id.
    assert_devices_never_saw(&seen, &clear_ids);
    // Database: no column of any table holds one...
    let values = all_text(&server).await;
    assert!(values.iter().any(|v| v.starts_with("kek1:")), "the sealed ids are there");
    for id in &clear_ids {
        assert!(!values.iter().any(|v| v.contains(id)), "a column holds a clear id");
    }
    // ... and for SQLite, neither do the file's bytes (the database, its WAL and shared memory).
    if let DatabaseLocation::Sqlite(path) = server.location() {
        let mut files = 0;
        for suffix in ["", "-wal", "-shm"] {
            let Ok(bytes) = std::fs::read(format!("{}{suffix}", path.display())) else { continue };
            files += 1;
            for id in &clear_ids {
                assert!(!bytes.windows(id.len()).any(|w| w == id.as_bytes()), "the file{suffix} holds a clear id");
            }
        }
        assert!(files >= 1);
    }
    // Log: the requests were logged, the ids never.
    let text = String::from_utf8_lossy(&log.lock().unwrap()).into_owned();
    assert!(text.contains("/v1/bindings/sms"), "the log captured the requests");
    for id in &clear_ids {
        assert!(!text.contains(id), "the log holds a clear id");
    }
    server.stop().await;
}

async fn a_claim_must_match_the_record(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let seen = Seen::default();
    let officer = staff(&server, "health_officer", "officer-hn", officer_area("01")).await;
    let person = enrol(
        &officer,
        json!({ "citizen_id": CMND, "id_kind": "cmnd", "full_name": "Lê Thị Bình", "birth": "1960",
                "phone": "0912000333", "province_code": "01", "place": "Trạm y tế phường" }),
    )
    .await;
    let person_id = person["person_id"].as_str().unwrap();
    let phone = device(&server, &seen).await;

    // Another person's name or birth year: the same refusal, which names no field.
    let wrong_name = phone.post("/v1/bindings/sms", sms_start("p1", CMND, "Lê Thị Bích", 1960, "0987000111")).await;
    let wrong_year = phone.post("/v1/bindings/sms", sms_start("p1", CMND, "Lê Thị Bình", 1961, "0987000111")).await;
    expect(&wrong_name, 422, Some("identity_mismatch"));
    expect(&wrong_year, 422, Some("identity_mismatch"));
    assert_eq!(wrong_name.body, wrong_year.body);
    assert!(server.sms().is_empty(), "no code was sent");
    // The same name typed with decomposed diacritics and another case matches; the code goes to the record.
    let decomposed = "le\u{0302} thi\u{0323} BI\u{0300}NH";
    let person_bound =
        bind_by_sms(&server, &phone, "p1", sms_start("p1", CMND, decomposed, 1960, "0987000111"), "+84912000333").await;
    assert_eq!(person_bound, person_id);
    let actions: Vec<String> = audit_actions(&server, person_id).await.into_iter().map(|a| a.0).collect();
    assert_eq!(actions.iter().filter(|a| *a == "identity_mismatch").count(), 2);

    // A self-declared person: another phone claiming the id under another name is refused as well.
    let first = device(&server, &seen).await;
    bind_by_sms(&server, &first, "me", sms_start("me", CCCD_SAIGON, "Võ Thị Sáu", 1990, "0909555666"), "+84909555666").await;
    let impostor = device(&server, &seen).await;
    let claim = impostor.post("/v1/bindings/sms", sms_start("me", CCCD_SAIGON, "Võ Thị Sương", 1990, "0987000111")).await;
    expect(&claim, 422, Some("identity_mismatch"));
    // A person without a phone on record needs an attestation.
    let no_phone = enrol(
        &officer,
        json!({ "citizen_id": CCCD_HANOI, "id_kind": "cccd", "full_name": "Nguyễn Văn An", "birth": "1985",
                "province_code": "01", "place": "Trạm y tế phường" }),
    )
    .await;
    assert!(no_phone["phone"].is_null());
    let needs = phone.post("/v1/bindings/sms", sms_start("p2", CCCD_HANOI, "Nguyễn Văn An", 1985, "0987000111")).await;
    expect(&needs, 409, Some("attestation_required"));
    assert_devices_never_saw(&seen, &[CMND, CCCD_SAIGON, CCCD_HANOI]);
    server.stop().await;
}

async fn a_code_works_only_for_the_device_and_profile_it_was_issued_to(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let seen = Seen::default();
    let phone_a = device(&server, &seen).await;
    let phone_b = device(&server, &seen).await;
    let body = sms_start("a1", CCCD_SAIGON, "Võ Thị Sáu", 1990, "0909555666");
    let started_a = phone_a.post("/v1/bindings/sms", body.clone()).await;
    expect(&started_a, 201, None);
    let challenge_a = started_a.body["challenge_id"].as_str().unwrap().to_owned();
    let code_a = last_code(&server, "+84909555666");

    // B presents A's challenge and code: no such challenge for B, and nothing counted against A.
    let stolen = phone_b.post(&format!("/v1/bindings/sms/{challenge_a}/verify"), json!({ "code": code_a })).await;
    expect(&stolen, 404, Some("not_found"));
    // B's own challenge does not take A's code: codes are per challenge.
    let mut body_b = body.clone();
    body_b["profile_ref"] = json!("b1");
    let started_b = phone_b.post("/v1/bindings/sms", body_b).await;
    expect(&started_b, 201, None);
    let code_b = last_code(&server, "+84909555666");
    let challenge_b = started_b.body["challenge_id"].as_str().unwrap();
    if code_b != code_a {
        let crossed = phone_b.post(&format!("/v1/bindings/sms/{challenge_b}/verify"), json!({ "code": code_a })).await;
        expect(&crossed, 422, Some("wrong_code"));
        assert_eq!(crossed.body["error"]["attempts_left"], 4);
    }
    // A's code still works for A, and binds only the profile it was asked for.
    let verified = phone_a.post(&format!("/v1/bindings/sms/{challenge_a}/verify"), json!({ "code": code_a })).await;
    expect(&verified, 201, None);
    let listed = phone_a.get("/v1/bindings").await;
    let profiles: Vec<&str> =
        listed.body["bindings"].as_array().unwrap().iter().map(|b| b["profile_ref"].as_str().unwrap()).collect();
    assert_eq!(profiles, vec!["a1"]);
    assert_eq!(phone_b.get("/v1/bindings").await.body["bindings"], json!([]));
    // Used once, never again.
    let replay = phone_a.post(&format!("/v1/bindings/sms/{challenge_a}/verify"), json!({ "code": code_a })).await;
    expect(&replay, 410, Some("challenge_closed"));

    // An attestation code binds the phone and profile that asked for it, once; a newer code retires the older.
    let officer = staff(&server, "health_officer", "officer-sg", officer_area("79")).await;
    let person_id = verified.body["binding"]["person"]["person_id"].as_str().unwrap().to_owned();
    let old = phone_b.post("/v1/bindings/attestation", json!({ "profile_ref": "b2" })).await;
    let new = phone_b.post("/v1/bindings/attestation", json!({ "profile_ref": "b2" })).await;
    let attest = |code: &Value| json!({ "challenge_code": code, "person_id": person_id, "place": "Trạm y tế Quận 1" });
    expect(&officer.post("/v1/bindings/attest", attest(&old.body["code"])).await, 410, Some("challenge_closed"));
    let bound = officer.post("/v1/bindings/attest", attest(&new.body["code"])).await;
    expect(&bound, 201, None);
    assert_eq!((bound.body["device_id"].as_str(), bound.body["profile_ref"].as_str()), (Some(phone_b.id.as_str()), Some("b2")));
    expect(&officer.post("/v1/bindings/attest", attest(&new.body["code"])).await, 410, Some("challenge_closed"));
    assert_eq!(server.count("person_bindings").await, 2);
    assert_devices_never_saw(&seen, &[CCCD_SAIGON]);
    server.stop().await;
}

async fn only_officers_and_volunteers_attest(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let seen = Seen::default();
    let phone = device(&server, &seen).await;
    let gate = staff(&server, "gate_operator", "gate-1", None).await;
    let volunteer = staff(&server, "volunteer", "volunteer-hn", officer_area("01")).await;
    let volunteer_without_area = staff(&server, "volunteer", "volunteer-free", None).await;
    let enrolment = json!({ "citizen_id": CCCD_HANOI, "id_kind": "cccd", "full_name": "Nguyễn Văn An",
                            "birth": "1985", "phone": "0912345621", "province_code": "01", "place": "Nhà văn hoá tổ 5" });

    // Enrolment: neither a phone, nor a gate operator, nor a volunteer without an area.
    expect(&phone.post("/v1/persons", enrolment.clone()).await, 403, Some("forbidden"));
    expect(&gate.post("/v1/persons", enrolment.clone()).await, 403, Some("forbidden"));
    expect(&volunteer_without_area.post("/v1/persons", enrolment.clone()).await, 403, Some("forbidden"));
    let person = volunteer.post("/v1/persons", enrolment.clone()).await;
    expect(&person, 201, None);
    let person_id = person.body["person_id"].as_str().unwrap().to_owned();
    assert_eq!(person.body["verification"], "attested");

    // Attestation of a binding: the same.
    let code = phone.post("/v1/bindings/attestation", json!({ "profile_ref": "p1" })).await;
    expect(&code, 201, None);
    assert_eq!(code.body["code"].as_str().unwrap().len(), 8);
    let attest = json!({ "challenge_code": code.body["code"], "person_id": person_id, "place": "Nhà văn hoá tổ 5" });
    expect(&phone.post("/v1/bindings/attest", attest.clone()).await, 403, Some("forbidden"));
    expect(&gate.post("/v1/bindings/attest", attest.clone()).await, 403, Some("forbidden"));
    expect(&gate.get(&format!("/v1/persons/{person_id}")).await, 403, Some("forbidden"));
    expect(&phone.get(&format!("/v1/persons/{person_id}/citizen-id")).await, 403, Some("forbidden"));
    let bound = volunteer.post("/v1/bindings/attest", attest).await;
    expect(&bound, 201, None);
    assert_eq!(bound.body["attested_by"], volunteer.id);
    let mine = phone.get("/v1/bindings").await;
    assert_eq!(mine.body["bindings"][0]["method"], "attestation");
    assert_eq!(mine.body["bindings"][0]["person"]["full_name"], "Nguyễn Văn An");

    // The trail: who, as what, where.
    let actions = audit_actions(&server, &person_id).await;
    assert_eq!(
        actions,
        vec![
            ("person_created".into(), "volunteer".into(), Some("Nhà văn hoá tổ 5".into())),
            ("attested".into(), "volunteer".into(), Some("Nhà văn hoá tổ 5".into())),
        ]
    );
    // The authority reads it; a volunteer may not.
    let admin = admin(&server).await;
    let trail = admin.get(&format!("/v1/persons/{person_id}/audit")).await;
    expect(&trail, 200, None);
    assert_eq!(trail.body["entries"][1]["actor_account_id"], volunteer.id);
    expect(&volunteer.get(&format!("/v1/persons/{person_id}/audit")).await, 403, Some("forbidden"));
    assert_devices_never_saw(&seen, &[CCCD_HANOI]);
    server.stop().await;
}

async fn officers_act_only_within_their_province(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let seen = Seen::default();
    let hanoi = staff(&server, "health_officer", "officer-hn", officer_area("01")).await;
    let saigon = staff(&server, "health_officer", "officer-sg", officer_area("79")).await;
    let enrolment = json!({ "citizen_id": CCCD_SAIGON, "id_kind": "cccd", "full_name": "Võ Thị Sáu", "birth": "1990",
                            "phone": "0909555666", "province_code": "79", "place": "Trạm y tế Quận 1" });

    // Create: only the province's officer.
    expect(&hanoi.post("/v1/persons", enrolment.clone()).await, 403, Some("forbidden"));
    let person = saigon.post("/v1/persons", enrolment.clone()).await;
    expect(&person, 201, None);
    let person_id = person.body["person_id"].as_str().unwrap().to_owned();
    // The same id enrolled again by someone of another province is refused too (not quietly returned).
    let mut elsewhere = enrolment.clone();
    elsewhere["province_code"] = json!("01");
    expect(&hanoi.post("/v1/persons", elsewhere).await, 403, Some("forbidden"));
    // Enrolling it again in its own province returns the same person.
    let again = saigon.post("/v1/persons", enrolment).await;
    expect(&again, 200, None);
    assert_eq!(again.body["person_id"], person_id.as_str());

    // Read: record, clear id, bindings, trail.
    for path in ["", "/citizen-id", "/bindings", "/audit"] {
        expect(&hanoi.get(&format!("/v1/persons/{person_id}{path}")).await, 403, Some("forbidden"));
        expect(&saigon.get(&format!("/v1/persons/{person_id}{path}")).await, 200, None);
    }
    // Attest.
    let phone = device(&server, &seen).await;
    let code = phone.post("/v1/bindings/attestation", json!({ "profile_ref": "p1" })).await;
    let attest = json!({ "challenge_code": code.body["code"], "person_id": person_id, "place": "Hà Nội" });
    expect(&hanoi.post("/v1/bindings/attest", attest.clone()).await, 403, Some("forbidden"));
    expect(&saigon.post("/v1/bindings/attest", attest).await, 201, None);
    // Remove a binding.
    let path = format!("/v1/persons/{person_id}/bindings/{}/p1", phone.id);
    expect(&hanoi.delete(&path).await, 403, Some("forbidden"));
    assert_eq!(server.count("person_bindings").await, 1);

    // The clear-id read is in the access log and in the person's trail.
    let logged =
        count_where(&server, "SELECT COUNT(*) FROM access_log WHERE endpoint = 'GET /v1/persons/{id}/citizen-id' AND account_id = $1", saigon.id.clone())
            .await;
    assert_eq!(logged, 1);
    let actions: Vec<String> = audit_actions(&server, &person_id).await.into_iter().map(|a| a.0).collect();
    assert_eq!(actions, vec!["person_created", "attested", "citizen_id_read", "attested"]);
    assert_devices_never_saw(&seen, &[CCCD_SAIGON]);
    server.stop().await;
}

async fn bindings_are_many_to_many_and_removable_with_an_audit_trail(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let seen = Seen::default();
    let parent_phone = device(&server, &seen).await;
    let child_phone = device(&server, &seen).await;
    let officer = staff(&server, "health_officer", "officer-hn", officer_area("01")).await;

    // One phone, a family: the mother by SMS, her child (no id card, under her as guardian) by attestation.
    let mother = bind_by_sms(
        &server,
        &parent_phone,
        "mother",
        sms_start("mother", CCCD_HANOI_2, "Phạm Thị Lan", 1978, "0903111222"),
        "+84903111222",
    )
    .await;
    let child = enrol(
        &officer,
        json!({ "id_kind": "none", "full_name": "Trần Minh Khang", "birth": "2015-09-01", "province_code": "01",
                "guardian_person_id": mother, "place": "Trường tiểu học" }),
    )
    .await;
    let child_id = child["person_id"].as_str().unwrap().to_owned();
    assert_eq!((child["guardian_person_id"].as_str(), child["id_last3"].as_str()), (Some(mother.as_str()), None));
    for phone in [&parent_phone, &child_phone] {
        let code = phone.post("/v1/bindings/attestation", json!({ "profile_ref": "khang" })).await;
        let attest = json!({ "challenge_code": code.body["code"], "person_id": child_id, "place": "Trường tiểu học" });
        expect(&officer.post("/v1/bindings/attest", attest).await, 201, None);
    }
    // The parent's phone holds two people; the child is on two phones, and each phone sees the other.
    let parent_list = parent_phone.get("/v1/bindings").await;
    let bindings = parent_list.body["bindings"].as_array().unwrap();
    assert_eq!(bindings.len(), 2);
    let khang = bindings.iter().find(|b| b["profile_ref"] == "khang").unwrap();
    let others = khang["other_devices"].as_array().unwrap();
    assert_eq!(others.len(), 1);
    let child_prefix = others[0]["device"].as_str().unwrap().to_owned();
    assert!(child_phone.id.starts_with(&child_prefix) && child_prefix.len() < child_phone.id.len());
    assert_eq!(others[0]["method"], "attestation");
    let staff_list = officer.get(&format!("/v1/persons/{child_id}/bindings")).await;
    assert_eq!(staff_list.body["bindings"].as_array().unwrap().len(), 2);

    // The parent's phone removes the child's phone, by the prefix it was shown.
    let removal = json!({ "profile_ref": "khang", "device_id": child_prefix });
    expect(&child_phone.post("/v1/bindings/remove-other", json!({ "profile_ref": "nope", "device_id": parent_phone.id })).await, 404, Some("not_found"));
    let removed = parent_phone.post("/v1/bindings/remove-other", removal.clone()).await;
    expect(&removed, 200, None);
    assert_eq!(removed.body["removed"], 1);
    assert_eq!(child_phone.get("/v1/bindings").await.body["bindings"], json!([]));
    // An officer removes the parent's binding of the child; the parent's phone removes its own of the mother.
    let path = format!("/v1/persons/{child_id}/bindings/{}/khang", parent_phone.id);
    expect(&officer.delete(&path).await, 200, None);
    expect(&officer.delete(&path).await, 404, Some("not_found"));
    expect(&parent_phone.delete("/v1/bindings/mother").await, 200, None);
    expect(&parent_phone.delete("/v1/bindings/mother").await, 404, Some("not_found"));
    assert_eq!(server.count("person_bindings").await, 0);

    // Every act is in the trail, with who did it.
    let child_trail = audit_actions(&server, &child_id).await;
    let child_actions: Vec<(&str, &str)> = child_trail.iter().map(|a| (a.0.as_str(), a.1.as_str())).collect();
    assert_eq!(
        child_actions,
        vec![
            ("person_created", "health_officer"),
            ("attested", "health_officer"),
            ("attested", "health_officer"),
            ("unbound", "device"),
            ("unbound", "health_officer"),
        ]
    );
    let mother_actions: Vec<String> = audit_actions(&server, &mother).await.into_iter().map(|a| a.0).collect();
    assert_eq!(mother_actions, vec!["person_created", "sms_code_sent", "bound", "unbound"]);
    assert_devices_never_saw(&seen, &[CCCD_HANOI_2]);
    server.stop().await;
}

async fn binding_attaches_the_profiles_earlier_declarations(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let seen = Seen::default();
    let client = server.client();
    let identity = client.register_device("test").await.unwrap();
    let token = client.sign_in_device(&identity).await.unwrap();
    let phone = Api {
        http: reqwest::Client::new(),
        base: server.base_url.clone(),
        token: token.token,
        id: identity.device_id().to_owned(),
        seen: Some(seen.clone()),
    };
    // Declared offline before binding: two for profile p1, one for p2.
    for profile in ["p1", "p1", "p2"] {
        let body = json!({
            "declaration_id": uuid::Uuid::new_v4().to_string(),
            "form_id": "health_declaration",
            "form_version": 1,
            "declared_at": "2021-07-01T07:00:00Z",
            "answers": { "symptoms": [], "contact_with_confirmed_case": false, "travel_from_outbreak_area": false, "vaccination_status": "booster" },
            "subject": { "profile_ref": profile, "full_name": "Võ Thị Sáu", "birth_year": 1990, "province_code": "79", "ward_code": "26734" },
            "filled_by": { "relation": "myself" }
        });
        let _: Value = client.post_json("/v1/declarations", &body).await.unwrap();
    }
    let person =
        bind_by_sms(&server, &phone, "p1", sms_start("p1", CCCD_SAIGON, "Võ Thị Sáu", 1990, "0909555666"), "+84909555666").await;
    let attached = count_where(&server, "SELECT COUNT(*) FROM declarations WHERE person_id = $1", person.clone()).await;
    assert_eq!(attached, 2, "the profile's two declarations now belong to the person");
    let tagged =
        count_where(&server, "SELECT COUNT(*) FROM declarations WHERE person_id = $1 AND profile_ref = 'p1'", person.clone()).await;
    assert_eq!(tagged, 2);
    // Removing the binding keeps them the person's: a new profile cannot shed a status.
    expect(&phone.delete("/v1/bindings/p1").await, 200, None);
    assert_eq!(count_where(&server, "SELECT COUNT(*) FROM declarations WHERE person_id = $1", person).await, 2);
    assert_devices_never_saw(&seen, &[CCCD_SAIGON]);
    server.stop().await;
}
