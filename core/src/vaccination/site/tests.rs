//! The site client against a fake HTTP server on loopback that records every request and answers from a script.

use std::sync::{Arc, Mutex};

use chrono::{Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use healthbook_protocol::vaccination::{SlotPlan, VaccineProduct};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::client::ClientConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;
use crate::client::RetryPolicy;
use crate::clock::ManualClock;
use crate::credentials::{CredentialSigner, OwnPayload};
use crate::healthbook::HealthbookConfig;
use crate::keystore::MemoryKeyStore;

/// One request as the fake server received it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    authorization: Option<String>,
    idempotency_key: Option<String>,
    body: Value,
}

type Script = Arc<dyn Fn(&Seen, usize) -> (u16, Value) + Send + Sync>;

/// A fake server: `script` gets each request and how many earlier requests had the same method and path.
async fn fake_server(script: Script) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::<Seen>::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let (script, log) = (script.clone(), log.clone());
            tokio::spawn(async move {
                let Some(request) = read_request(&mut socket).await else { return };
                let earlier = {
                    let mut log = log.lock().unwrap();
                    let n = log.iter().filter(|s| s.method == request.method && s.path == request.path).count();
                    log.push(request.clone());
                    n
                };
                let (status, body) = script(&request, earlier);
                let body = body.to_string();
                let head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(body.as_bytes()).await;
            });
        }
    });
    (format!("http://{addr}"), seen)
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Seen> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
    let mut lines = head.lines();
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_owned(), first.next()?.to_owned());
    let header = |name: &str| {
        head.lines().find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_owned()))
    };
    let length: usize = header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    while buffer.len() < head_end + length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body = serde_json::from_slice(&buffer[head_end..]).unwrap_or(Value::Null);
    Some(Seen { method, path, authorization: header("authorization"), idempotency_key: header("idempotency-key"), body })
}

fn token(role: &str) -> Value {
    json!({ "token": "t-1", "token_type": "Bearer", "expires_at": "2021-09-01T10:00:00Z", "account_id": "acc-1", "role": role })
}

fn error(code: &str) -> Value {
    json!({ "error": { "code": code, "message": "refused" } })
}

fn site_view() -> Value {
    json!({ "site_id": "s-1", "name": "Trạm Y tế Phường 1", "address": "1 Lê Lợi", "province_code": "79", "ward_code": "26734", "key_id": "k1" })
}

fn session_view() -> Value {
    json!({
        "session_id": "se-1", "site_id": "s-1", "date": "2021-09-02", "product": "vaxzevria", "ward_codes": ["26734"],
        "slots": [{ "slot": 0, "starts_at": "2021-09-02T01:00:00Z", "ends_at": "2021-09-02T02:00:00Z", "capacity": 50, "taken": 0 }],
        "invitations": { "pending": 0, "confirmed": 0, "declined": 0, "expired": 0, "attended": 0 },
        "doses_given": 0
    })
}

fn dose_view(source: &str) -> Value {
    json!({
        "dose_id": "d-1", "person_id": "p-1", "product": "vaxzevria", "dose_number": 1, "date": "2021-09-01", "lot": "A123",
        "source": source, "recorded_by": "acc-1", "recorded_at": "2021-09-01T02:00:00Z"
    })
}

fn administered() -> Value {
    json!({
        "dose": dose_view("site"),
        "certificate": {
            "uvci": "URN:UVCI:01:VN:X", "qr": "HC1:X", "dose_number": 1, "series_doses": 2, "product": "vaxzevria",
            "date": "2021-09-01", "issued_at": "2021-09-01T02:00:00Z", "expires_at": "2022-09-01T02:00:00Z"
        }
    })
}

/// Answers every endpoint of the site tools as a willing server would.
fn happy(seen: &Seen, _earlier: usize) -> (u16, Value) {
    match (seen.method.as_str(), seen.path.as_str()) {
        ("POST", "/v1/auth/login") => (200, token("health_officer")),
        ("POST", "/v1/auth/logout") => (200, json!({})),
        ("POST", "/v1/vaccination/sites") => (201, site_view()),
        ("GET", "/v1/vaccination/sites") => (200, json!({ "sites": [site_view()] })),
        ("GET", "/v1/vaccination/sites/s-1/stock") | ("POST", "/v1/vaccination/sites/s-1/deliveries") => (
            200,
            json!({ "site_id": "s-1", "lines": [{ "product": "vaxzevria", "lot": "A123", "remaining": 90 }], "held": [] }),
        ),
        ("POST", "/v1/vaccination/sessions") => (201, session_view()),
        ("GET", "/v1/vaccination/sessions/se-1") => (200, session_view()),
        ("POST", "/v1/vaccination/sessions/se-1/invite") => {
            (200, json!({ "invited": 50, "sms_sent": 49, "waiting": 100, "session": session_view() }))
        }
        ("POST", "/v1/vaccination/lookup") => (
            200,
            json!({ "person_id": "p-1", "full_name": "Nguyễn Văn An", "birth_year": 1960, "doses": [], "next_dose_number": 1 }),
        ),
        ("POST", "/v1/vaccination/doses") => (201, administered()),
        ("POST", "/v1/doses/d-1/confirm") => (200, json!({ "confirmed_by": "acc-1", "confirmed_at": "2021-09-01T03:00:00Z" })),
        _ => (404, error("route_not_found")),
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    hb: Healthbook,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    // 02:00 UTC is 09:00 at the sites.
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2021, 9, 1, 2, 0, 0).unwrap()));
    let config = HealthbookConfig { data_dir: dir.path().into(), key_store: Arc::new(MemoryKeyStore::default()), clock: clock.clone() };
    let hb = Healthbook::open(config).unwrap();
    Fixture { _dir: dir, clock, hb }
}

/// A site client signed in at a fake server with fast retries.
async fn signed_in(script: Script) -> (VaccinationSite, Arc<Mutex<Vec<Seen>>>, Arc<ManualClock>) {
    let (url, seen) = fake_server(script).await;
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2021, 9, 1, 2, 0, 0).unwrap()));
    let mut config = ClientConfig::new(url);
    config.retry = RetryPolicy::tiny();
    let client = ServerClient::new(config, clock.clone()).unwrap();
    client.sign_in_staff("officer", "secret").await.unwrap();
    (VaccinationSite::with_client(client, clock.clone()), seen, clock)
}

fn dose() -> AdministerDoseRequest {
    AdministerDoseRequest {
        person_id: "p-1".into(),
        site_id: "s-1".into(),
        product: VaccineProduct::Vaxzevria,
        lot: "A123".into(),
        dose_number: 1,
        date: NaiveDate::from_ymd_opt(2021, 9, 1).unwrap(),
        invitation_id: None,
    }
}

fn plan() -> PlanSessionRequest {
    let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    PlanSessionRequest {
        site_id: "s-1".into(),
        date: NaiveDate::from_ymd_opt(2021, 9, 2).unwrap(),
        slots: vec![SlotPlan { start: t(8), end: t(9), capacity: 50 }, SlotPlan { start: t(9), end: t(10), capacity: 50 }],
        product: VaccineProduct::Vaxzevria,
        ward_codes: vec!["26734".into()],
    }
}

/// A genuine personal pass, control card and venue poster, signed with a throwaway key.
fn cards() -> (String, String, String) {
    let pkcs8 = CredentialSigner::generate_pkcs8().unwrap();
    let signer = CredentialSigner::from_pkcs8(&pkcs8, "authority").unwrap();
    let now = Utc.with_ymd_and_hms(2021, 9, 1, 2, 0, 0).unwrap();
    let pass = crate::credentials::PersonalPass {
        name: "Nguyễn Văn An".into(),
        birth_year: Some(1960),
        status: crate::credentials::PassStatus::Green,
        reasons: vec![],
        province: None,
    };
    let card = crate::credentials::ControlCard {
        profile_id: "pr-1".into(),
        name: "Nguyễn Văn An".into(),
        birth_year: Some(1960),
        province: Some("79".into()),
    };
    let poster = crate::credentials::VenuePoster { venue_id: "v-1".into(), name: "Chợ".into(), ..Default::default() };
    let issue = |payload: OwnPayload| signer.issue(&payload, "c-1", now, now + Duration::days(1)).unwrap();
    (issue(OwnPayload::PersonalPass(pass)), issue(OwnPayload::ControlCard(card)), issue(OwnPayload::VenuePoster(poster)))
}

#[tokio::test]
async fn every_officer_call_goes_to_its_endpoint_with_the_session() {
    let (site, seen, _) = signed_in(Arc::new(happy)).await;
    let created = site
        .create_site(&CreateSiteRequest { name: "Trạm Y tế Phường 1".into(), address: "1 Lê Lợi".into(), ward_code: "26734".into() })
        .await
        .unwrap();
    assert_eq!(created.site_id, "s-1");
    assert_eq!(site.sites().await.unwrap().len(), 1);
    assert_eq!(site.stock("s-1").await.unwrap().lines[0].remaining, 90);
    let delivery = StockDelivery { product: VaccineProduct::Vaxzevria, lot: "A123".into(), doses: 100, expires_on: None, note: None };
    site.deliver("s-1", &delivery).await.unwrap();
    assert_eq!(site.plan_session(&plan()).await.unwrap().session_id, "se-1");
    assert_eq!(site.session("se-1").await.unwrap().slots[0].capacity, 50);
    let round = site.invite("se-1").await.unwrap();
    assert_eq!((round.invited, round.sms_sent, round.waiting), (50, 49, 100));
    let (pass, _, _) = cards();
    assert_eq!(site.lookup("s-1", &format!("{pass}\n")).await.unwrap().next_dose_number, 1);
    let recorded = site.record_dose(&dose()).await.unwrap();
    assert_eq!(recorded.certificate.dose_number, 1);

    let seen = seen.lock().unwrap().clone();
    let calls: Vec<(String, String)> = seen.iter().map(|s| (s.method.clone(), s.path.clone())).collect();
    let expected = [
        ("POST", "/v1/auth/login"),
        ("POST", "/v1/vaccination/sites"),
        ("GET", "/v1/vaccination/sites"),
        ("GET", "/v1/vaccination/sites/s-1/stock"),
        ("POST", "/v1/vaccination/sites/s-1/deliveries"),
        ("POST", "/v1/vaccination/sessions"),
        ("GET", "/v1/vaccination/sessions/se-1"),
        ("POST", "/v1/vaccination/sessions/se-1/invite"),
        ("POST", "/v1/vaccination/lookup"),
        ("POST", "/v1/vaccination/doses"),
    ];
    assert_eq!(calls, expected.map(|(m, p)| (m.to_owned(), p.to_owned())));
    assert!(seen[1..].iter().all(|s| s.authorization.as_deref() == Some("Bearer t-1")), "every call carries the session");
    assert!(seen.iter().filter(|s| s.method == "POST").all(|s| s.idempotency_key.is_some()));
    // The scan goes as scanned, less the line ending; the bodies are the contract's.
    assert_eq!(seen[8].body, json!({ "scanned": pass, "site_id": "s-1" }));
    assert_eq!(seen[5].body["slots"][1], json!({ "start": "09:00:00", "end": "10:00:00", "capacity": 50 }));
    assert_eq!(seen[4].body, json!({ "product": "vaxzevria", "lot": "A123", "doses": 100 }));
}

#[tokio::test]
async fn the_same_dose_keeps_its_key_across_retries_and_repeats() {
    // The first attempt meets a 503, the retry inside the call gets the dose.
    let script: Script = Arc::new(|seen: &Seen, earlier| match seen.path.as_str() {
        "/v1/vaccination/doses" if earlier == 0 => (503, error("database_unavailable")),
        _ => happy(seen, earlier),
    });
    let (site, seen, _) = signed_in(script).await;
    site.record_dose(&dose()).await.unwrap();
    // The staff tap again (the answer was slow): the same request again.
    site.record_dose(&dose()).await.unwrap();
    // A corrected lot is another request.
    site.record_dose(&AdministerDoseRequest { lot: "B456".into(), ..dose() }).await.unwrap();
    let keys: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.path == "/v1/vaccination/doses")
        .map(|s| s.idempotency_key.clone().unwrap())
        .collect();
    assert_eq!(keys.len(), 4);
    assert_eq!(keys[0], dose_key(&dose()));
    assert!(keys[0] == keys[1] && keys[1] == keys[2], "{keys:?}");
    assert_ne!(keys[2], keys[3]);
    assert!(keys.iter().all(|k| k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic())));
}

#[tokio::test]
async fn each_refusal_has_its_own_error() {
    let script: Script = Arc::new(|seen: &Seen, earlier| match (seen.method.as_str(), seen.path.as_str()) {
        ("POST", "/v1/vaccination/sessions") => (409, error("capacity_above_stock")),
        ("POST", "/v1/vaccination/doses") if seen.body["lot"] == "EMPTY" => (409, error("out_of_stock")),
        ("POST", "/v1/vaccination/doses") => (409, error("dose_conflict")),
        ("GET", "/v1/vaccination/sites/elsewhere/stock") => (404, error("not_found")),
        ("GET", "/v1/vaccination/sites") => (403, error("forbidden")),
        ("POST", "/v1/vaccination/sites/s-1/deliveries") => (422, error("invalid_request")),
        ("POST", "/v1/doses/d-1/confirm") => (409, error("invitation_closed")),
        ("GET", "/v1/vaccination/sessions/se-1") => (401, error("invalid_token")),
        _ => happy(seen, earlier),
    });
    let (site, _, _) = signed_in(script).await;
    assert!(matches!(site.plan_session(&plan()).await, Err(SiteError::CapacityAboveStock)));
    let empty = AdministerDoseRequest { lot: "EMPTY".into(), ..dose() };
    assert!(matches!(site.record_dose(&empty).await, Err(SiteError::OutOfStock)));
    assert!(matches!(site.record_dose(&dose()).await, Err(SiteError::DoseConflict)));
    assert!(matches!(site.stock("elsewhere").await, Err(SiteError::NotFound)));
    assert!(matches!(site.sites().await, Err(SiteError::Forbidden)));
    let delivery = StockDelivery { product: VaccineProduct::Vaxzevria, lot: "A".into(), doses: 1, expires_on: None, note: None };
    assert!(matches!(site.deliver("s-1", &delivery).await, Err(SiteError::Invalid(m)) if m == "refused"));
    assert!(matches!(site.confirm_dose("d-1").await, Err(SiteError::InvitationClosed)));
    // A session the server no longer accepts is forgotten.
    assert!(site.signed_in());
    assert!(matches!(site.session("se-1").await, Err(SiteError::NotSignedIn)));
    assert!(!site.signed_in());
    assert!(matches!(site.sites().await, Err(SiteError::NotSignedIn)));
    // Signing in again reaches the same server.
    site.sign_in("officer", "secret").await.unwrap();
    assert!(site.signed_in());
}

#[tokio::test]
async fn confirming_a_dose_posts_to_the_volunteers_endpoint() {
    let script: Script = Arc::new(|seen: &Seen, earlier| match seen.path.as_str() {
        "/v1/doses/d-1/confirm" => {
            let mut dose = dose_view("self_reported");
            dose["confirmed_by"] = json!("acc-1");
            dose["confirmed_at"] = json!("2021-09-01T03:00:00Z");
            (200, dose)
        }
        _ => happy(seen, earlier),
    });
    let (site, seen, _) = signed_in(script).await;
    let confirmed = site.confirm_dose("d-1").await.unwrap();
    assert_eq!(confirmed.confirmed_by.as_deref(), Some("acc-1"));
    // An id can never change the path's shape.
    let _ = site.confirm_dose("../x").await;
    assert!(seen.lock().unwrap().iter().any(|s| s.path == "/v1/doses/..%2Fx/confirm"));
}

#[tokio::test]
async fn an_unreachable_server_is_offline_and_an_expired_session_is_none() {
    let (site, _, clock) = signed_in(Arc::new(happy)).await;
    clock.advance(Duration::hours(9));
    assert!(matches!(site.sites().await, Err(SiteError::NotSignedIn)), "the token ran out at 10:00");

    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let token = crate::client::AccessToken {
        token: "t".into(),
        expires_at: Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap(),
        account_id: "a".into(),
        role: Role::HealthOfficer,
        agency_id: None,
    };
    let mut config = ClientConfig::new(format!("http://{closed}"));
    config.retry = RetryPolicy::tiny();
    let client = ServerClient::new(config, clock.clone()).unwrap();
    client.set_session(Some(token));
    let site = VaccinationSite::with_client(client, clock);
    let e = site.record_dose(&dose()).await.unwrap_err();
    assert!(matches!(e, SiteError::Offline(_)) && e.is_offline(), "{e:?}");
}

#[tokio::test]
async fn signing_in_needs_a_server_and_a_health_officer() {
    let f = fixture();
    let site = f.hb.vaccination_site();
    assert!(matches!(site.sign_in("officer", "secret").await, Err(SiteError::NoServer)));
    assert!(matches!(site.sites().await, Err(SiteError::NotSignedIn)));

    let script: Script = Arc::new(|seen: &Seen, earlier| match (seen.path.as_str(), seen.body["username"].as_str()) {
        ("/v1/auth/login", Some("volunteer")) => (200, token("volunteer")),
        ("/v1/auth/login", Some("typo")) => (401, error("invalid_credentials")),
        _ => happy(seen, earlier),
    });
    let (url, seen) = fake_server(script).await;
    f.hb.settings().set_server_url(Some(url)).await.unwrap();
    assert!(matches!(site.sign_in("typo", "secret").await, Err(SiteError::SignInFailed)));
    assert!(matches!(site.sign_in("volunteer", "secret").await, Err(SiteError::NotAnOfficer)));
    assert!(!site.signed_in());
    assert!(seen.lock().unwrap().iter().any(|s| s.path == "/v1/auth/logout"), "the volunteer's session is ended");
    site.sign_in("officer", "secret").await.unwrap();
    // Clones share the session (the app hands one object to every screen).
    assert_eq!(site.clone().sites().await.unwrap()[0].name, "Trạm Y tế Phường 1");
    f.clock.advance(Duration::minutes(1));
    site.sign_out().await;
    assert!(!site.signed_in());
}

#[tokio::test]
async fn typed_mistakes_are_named_before_anything_is_sent() {
    let (site, seen, _) = signed_in(Arc::new(happy)).await;
    let sent = || seen.lock().unwrap().len();
    let before = sent();
    let bad_site = CreateSiteRequest { name: " ".into(), address: "x".into(), ward_code: "26734".into() };
    assert!(matches!(site.create_site(&bad_site).await, Err(SiteError::Invalid(_))));
    let ward = CreateSiteRequest { name: "Trạm".into(), address: "x".into(), ward_code: "2673".into() };
    assert!(matches!(site.create_site(&ward).await, Err(SiteError::Invalid(m)) if m.contains("ward")));
    let write_off = StockDelivery { product: VaccineProduct::Vaxzevria, lot: "A".into(), doses: -3, expires_on: None, note: None };
    assert!(matches!(site.deliver("s-1", &write_off).await, Err(SiteError::Invalid(m)) if m.contains("note")));
    let zero = StockDelivery { doses: 0, note: Some("x".into()), ..write_off.clone() };
    assert!(matches!(site.deliver("s-1", &zero).await, Err(SiteError::Invalid(_))));
    let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    let overlap = PlanSessionRequest {
        slots: vec![SlotPlan { start: t(8), end: t(10), capacity: 5 }, SlotPlan { start: t(9), end: t(11), capacity: 5 }],
        ..plan()
    };
    assert!(matches!(site.plan_session(&overlap).await, Err(SiteError::Invalid(m)) if m.contains("overlap")));
    let backwards = PlanSessionRequest { slots: vec![SlotPlan { start: t(9), end: t(8), capacity: 5 }], ..plan() };
    assert!(matches!(site.plan_session(&backwards).await, Err(SiteError::Invalid(_))));
    let crowded = PlanSessionRequest { slots: vec![SlotPlan { start: t(8), end: t(9), capacity: 501 }], ..plan() };
    assert!(matches!(site.plan_session(&crowded).await, Err(SiteError::Invalid(_))));
    let yesterday = PlanSessionRequest { date: NaiveDate::from_ymd_opt(2021, 8, 31).unwrap(), ..plan() };
    assert!(matches!(site.plan_session(&yesterday).await, Err(SiteError::Invalid(m)) if m.contains("past")));
    let seventh = AdministerDoseRequest { dose_number: 7, ..dose() };
    assert!(matches!(site.record_dose(&seventh).await, Err(SiteError::Invalid(_))));
    // 2 September is tomorrow at the site (09:00 on the 1st there).
    let tomorrow = AdministerDoseRequest { date: NaiveDate::from_ymd_opt(2021, 9, 2).unwrap(), ..dose() };
    assert!(matches!(site.record_dose(&tomorrow).await, Err(SiteError::Invalid(m)) if m.contains("future")));
    assert_eq!(sent(), before, "nothing reached the server");
}

#[test]
fn site_today_is_the_local_date_in_vietnam() {
    // 18:00 UTC on 1 September is 01:00 on 2 September at the sites.
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2021, 9, 1, 18, 0, 0).unwrap());
    assert_eq!(site_today(&clock), NaiveDate::from_ymd_opt(2021, 9, 2).unwrap());
}

#[tokio::test]
async fn scans_other_than_a_pass_or_control_card_are_refused_offline() {
    let (site, seen, _) = signed_in(Arc::new(happy)).await;
    let (pass, card, poster) = cards();
    assert_eq!(check_scan(&pass).unwrap().0, CredentialType::PersonalPass);
    assert_eq!(check_scan(&format!("{card}\r\n")).unwrap(), (CredentialType::ControlCard, card.as_str()));
    assert_eq!(check_scan(&poster), Err(ScanError::WrongKind(CredentialType::VenuePoster)));
    assert_eq!(check_scan("HC1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDE"), Err(ScanError::WrongKind(CredentialType::EuDcc)));
    assert_eq!(check_scan(""), Err(ScanError::Empty));
    assert_eq!(check_scan("\n"), Err(ScanError::Empty));
    assert_eq!(check_scan("https://example.com"), Err(ScanError::NotACredential));
    assert_eq!(check_scan("hb1:ABC"), Err(ScanError::NotACredential), "the prefix is case-sensitive");
    assert_eq!(check_scan("HB1:abc"), Err(ScanError::Damaged));
    assert_eq!(check_scan("HB1:"), Err(ScanError::Damaged));
    let long = format!("HB1:{}", "A".repeat(MAX_QR_TEXT_LEN));
    assert_eq!(check_scan(&long), Err(ScanError::TooLong { len: MAX_QR_TEXT_LEN + 4, max: MAX_QR_TEXT_LEN }));
    let before = seen.lock().unwrap().len();
    assert!(matches!(site.lookup("s-1", &poster).await, Err(SiteError::Scan(ScanError::WrongKind(_)))));
    assert!(matches!(site.lookup("s-1", "").await, Err(SiteError::Scan(ScanError::Empty))));
    assert_eq!(seen.lock().unwrap().len(), before);
    // The messages name no one and repeat nothing scanned.
    for e in [ScanError::Damaged, ScanError::WrongKind(CredentialType::VenuePoster), ScanError::NotACredential] {
        assert!(!e.to_string().contains(&pass[4..12]));
    }
}

#[test]
fn the_scan_check_never_panics_on_random_or_mutated_input() {
    let (pass, card, poster) = cards();
    let mut rng = rand::rngs::StdRng::seed_from_u64(12);
    let seeds: Vec<Vec<u8>> = [pass, card, poster, "HB1:".into(), "HK1:\r\n".into()].into_iter().map(String::into_bytes).collect();
    let pool = b"HBK1:$%*+-./ 09AZaz\r\n\xc3\xa9\xff\x00";
    for round in 0..5_000 {
        let mut bytes = if round % 10 == 0 {
            (0..rng.gen_range(0..64)).map(|_| rng.r#gen::<u8>()).collect()
        } else {
            seeds[rng.gen_range(0..seeds.len())].clone()
        };
        for _ in 0..rng.gen_range(0..6) {
            let at = rng.gen_range(0..=bytes.len());
            match rng.gen_range(0..3) {
                0 if at < bytes.len() => {
                    bytes.remove(at);
                }
                1 if at < bytes.len() => bytes[at] = pool[rng.gen_range(0..pool.len())],
                _ => bytes.insert(at, pool[rng.gen_range(0..pool.len())]),
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        if let Ok((kind, kept)) = check_scan(&text) {
            assert!(matches!(kind, CredentialType::PersonalPass | CredentialType::ControlCard));
            assert!(text.starts_with(kept) && kept.len() <= MAX_QR_TEXT_LEN);
        }
    }
}
