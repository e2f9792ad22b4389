//! The officer's quarantine client against a fake HTTP server on loopback that records every request and answers
//! from a script.

use std::sync::{Arc, Mutex};

use chrono::{Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use serde_json::{Value, json};

use crate::client::ClientConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;
use crate::client::RetryPolicy;
use crate::clock::ManualClock;
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
    let mut first = head.lines().next()?.split(' ');
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

fn ward_view(allowed: bool) -> Value {
    json!({
        "ward_code": "26734", "allowed": allowed, "criteria": if allowed { json!(["health_station_follow_up"]) } else { json!([]) },
        "note": "", "decided_by": "acc-1", "decided_at": "2021-09-01T02:00:00Z"
    })
}

fn order_view() -> Value {
    json!({
        "order_id": "o-1", "person_id": "p-1", "home_address": "1 Lê Lợi", "ward_code": "26734",
        "geofence": { "lat": 10.7769, "lon": 106.7009, "radius_m": 100.0 }, "start_date": "2021-09-01", "days": 14,
        "extension_days": 0, "time_zone": "Asia/Ho_Chi_Minh", "ends_at": "2021-09-14T17:00:00Z",
        "schedule": { "daily_windows": [{ "start": "08:00:00", "end": "09:00:00" }], "random_per_day": 1,
                      "random_window_minutes": 30, "allow_night": false, "home_token_each_time": false },
        "grace_minutes": 15, "extension_rules": { "extension_days": 7, "max_extensions": 2 }, "commitment_version": 1,
        "state": "awaiting_commitment", "created_by": "acc-1", "created_at": "2021-09-01T02:00:00Z"
    })
}

fn verdict() -> Value {
    json!({
        "challenge_id": "c-1", "verdict": "missed", "reasons": ["no_answer"], "case_id": "k-1",
        "decided_at": "2021-09-02T02:30:00Z"
    })
}

fn case_view(state: &str) -> Value {
    json!({
        "case_id": "k-1", "order_id": "o-1", "check_in": verdict(), "state": state, "explain_by": "2021-09-04T02:30:00Z",
        "explanation": { "reason": "battery_died", "text": "" }, "explained_at": "2021-09-02T05:00:00Z",
        "opened_at": "2021-09-02T02:30:00Z"
    })
}

/// Answers every endpoint of the officer's tools as a willing server would.
fn happy(seen: &Seen, _earlier: usize) -> (u16, Value) {
    match (seen.method.as_str(), seen.path.as_str()) {
        ("POST", "/v1/auth/login") => (200, token("health_officer")),
        ("POST", "/v1/auth/logout") => (200, json!({})),
        ("PUT", "/v1/quarantine/wards/26734") => (200, ward_view(seen.body["allowed"] == true)),
        ("GET", "/v1/quarantine/wards") => (200, json!({ "wards": [ward_view(true)] })),
        ("GET", "/v1/quarantine/commitments/1") => {
            (200, json!({ "version": 1, "vi": "Tôi cam kết", "en": "I commit", "sha256": "ab" }))
        }
        ("POST", "/v1/quarantine/orders") => (201, order_view()),
        ("GET", "/v1/quarantine/orders" | "/v1/quarantine/orders?state=active") => (200, json!({ "orders": [order_view()] })),
        ("GET", "/v1/quarantine/orders/o-1") => (200, order_view()),
        ("POST", "/v1/quarantine/orders/o-1/home-token") => {
            (200, json!({ "order_id": "o-1", "qr_text": "HQ1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "issued_at": "2021-09-01T02:00:00Z" }))
        }
        ("GET", "/v1/quarantine/orders/o-1/check-ins") => (200, json!({ "check_ins": [verdict()] })),
        ("GET", "/v1/quarantine/cases?state=awaiting_decision") => (200, json!({ "cases": [case_view("awaiting_decision")] })),
        ("GET", "/v1/quarantine/cases" | "/v1/quarantine/orders/o-1/cases") => (200, json!({ "cases": [case_view("awaiting_decision")] })),
        ("POST", "/v1/quarantine/cases/k-1/decision") => {
            let mut case = case_view("decided");
            case["decision"] = seen.body.clone();
            case["decided_by"] = json!("acc-1");
            case["decided_at"] = json!("2021-09-03T01:00:00Z");
            (200, case)
        }
        _ => (404, error("route_not_found")),
    }
}

/// An officer client signed in at a fake server with fast retries.
async fn signed_in(script: Script) -> (QuarantineOfficer, Arc<Mutex<Vec<Seen>>>, Arc<ManualClock>) {
    let (url, seen) = fake_server(script).await;
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2021, 9, 1, 2, 0, 0).unwrap()));
    let mut config = ClientConfig::new(url);
    config.retry = RetryPolicy::tiny();
    let client = ServerClient::new(config, clock.clone()).unwrap();
    client.sign_in_staff("officer", "secret").await.unwrap();
    (QuarantineOfficer::with_client(client, clock.clone()), seen, clock)
}

fn order() -> CreateOrderRequest {
    let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    CreateOrderRequest {
        person_id: "p-1".into(),
        home_address: "1 Lê Lợi".into(),
        ward_code: "26734".into(),
        geofence: Geofence { lat: 10.7769, lon: 106.7009, radius_m: 100.0 },
        start_date: NaiveDate::from_ymd_opt(2021, 9, 1).unwrap(),
        days: 14,
        time_zone: "Asia/Ho_Chi_Minh".into(),
        schedule: CheckInSchedule {
            daily_windows: vec![DailyWindow { start: t(8), end: t(9) }],
            random_per_day: 1,
            random_window_minutes: 30,
            allow_night: false,
            home_token_each_time: false,
        },
        grace_minutes: 15,
        extension_rules: ExtensionRules { extension_days: 7, max_extensions: 2 },
        commitment_version: 1,
    }
}

fn decision() -> DecisionRequest {
    DecisionRequest { outcome: DecisionOutcome::Dismissed, note: "The battery died; answered at once after.".into() }
}

#[tokio::test]
async fn every_officer_call_goes_to_its_endpoint_with_the_session() {
    let (officer, seen, _) = signed_in(Arc::new(happy)).await;
    let allowed = officer.allow_ward("26734", vec![EligibilityCriterion::HealthStationFollowUp], "checked").await.unwrap();
    assert!(allowed.allowed);
    assert!(!officer.stop_ward("26734", "").await.unwrap().allowed);
    assert_eq!(officer.wards().await.unwrap().len(), 1);
    assert_eq!(officer.commitment(1).await.unwrap().en, "I commit");
    let created = officer.create_order(&order()).await.unwrap();
    assert_eq!((created.order_id.as_str(), created.state), ("o-1", OrderState::AwaitingCommitment));
    assert_eq!(officer.orders(None).await.unwrap().len(), 1);
    assert_eq!(officer.orders(Some(OrderState::Active)).await.unwrap().len(), 1);
    assert_eq!(officer.order("o-1").await.unwrap().ends_at, Utc.with_ymd_and_hms(2021, 9, 14, 17, 0, 0).unwrap());
    assert!(officer.home_token("o-1").await.unwrap().qr_text.starts_with("HQ1:"));
    let check_ins = officer.check_ins("o-1").await.unwrap();
    assert_eq!((check_ins[0].verdict, check_ins[0].reasons.as_slice()), (QuarantineVerdict::Missed, &[VerdictReason::NoAnswer][..]));
    let waiting = officer.cases(Some(CaseState::AwaitingDecision)).await.unwrap();
    assert_eq!(waiting[0].explanation.as_ref().unwrap().reason, ExplanationReason::BatteryDied);
    assert_eq!(officer.cases(None).await.unwrap().len(), 1);
    assert_eq!(officer.order_cases("o-1").await.unwrap()[0].case_id, "k-1");
    let decided = officer.decide("k-1", &decision()).await.unwrap();
    assert_eq!((decided.state, decided.decision), (CaseState::Decided, Some(decision())));

    let seen = seen.lock().unwrap().clone();
    let calls: Vec<(String, String)> = seen.iter().map(|s| (s.method.clone(), s.path.clone())).collect();
    let expected = [
        ("POST", "/v1/auth/login"),
        ("PUT", "/v1/quarantine/wards/26734"),
        ("PUT", "/v1/quarantine/wards/26734"),
        ("GET", "/v1/quarantine/wards"),
        ("GET", "/v1/quarantine/commitments/1"),
        ("POST", "/v1/quarantine/orders"),
        ("GET", "/v1/quarantine/orders"),
        ("GET", "/v1/quarantine/orders?state=active"),
        ("GET", "/v1/quarantine/orders/o-1"),
        ("POST", "/v1/quarantine/orders/o-1/home-token"),
        ("GET", "/v1/quarantine/orders/o-1/check-ins"),
        ("GET", "/v1/quarantine/cases?state=awaiting_decision"),
        ("GET", "/v1/quarantine/cases"),
        ("GET", "/v1/quarantine/orders/o-1/cases"),
        ("POST", "/v1/quarantine/cases/k-1/decision"),
    ];
    assert_eq!(calls, expected.map(|(m, p)| (m.to_owned(), p.to_owned())));
    assert!(seen[1..].iter().all(|s| s.authorization.as_deref() == Some("Bearer t-1")), "every call carries the session");
    assert!(seen.iter().filter(|s| s.method != "GET").all(|s| s.idempotency_key.is_some()));
    // The bodies are the contract's.
    assert_eq!(seen[1].body, json!({ "allowed": true, "criteria": ["health_station_follow_up"], "note": "checked" }));
    assert_eq!(seen[2].body, json!({ "allowed": false, "criteria": [], "note": "" }));
    assert_eq!(seen[5].body["schedule"]["daily_windows"][0], json!({ "start": "08:00:00", "end": "09:00:00" }));
    assert_eq!(seen[5].body["extension_rules"], json!({ "extension_days": 7, "max_extensions": 2 }));
    assert_eq!(seen[14].body, json!({ "outcome": "dismissed", "note": "The battery died; answered at once after." }));
}

#[tokio::test]
async fn the_same_order_and_decision_keep_their_keys_across_retries_and_repeats() {
    // The first attempt of each meets a 503; the retry inside the call gets through.
    let script: Script = Arc::new(|seen: &Seen, earlier| match seen.path.as_str() {
        "/v1/quarantine/orders" | "/v1/quarantine/cases/k-1/decision" if earlier == 0 => (503, error("database_unavailable")),
        _ => happy(seen, earlier),
    });
    let (officer, seen, _) = signed_in(script).await;
    officer.create_order(&order()).await.unwrap();
    officer.create_order(&order()).await.unwrap();
    officer.create_order(&CreateOrderRequest { days: 10, ..order() }).await.unwrap();
    officer.decide("k-1", &decision()).await.unwrap();
    officer.decide("k-1", &decision()).await.unwrap();
    officer.decide("k-1", &DecisionRequest { outcome: DecisionOutcome::Warning, ..decision() }).await.unwrap();
    let keys = |path: &str| -> Vec<String> {
        seen.lock().unwrap().iter().filter(|s| s.path == path).map(|s| s.idempotency_key.clone().unwrap()).collect()
    };
    let orders = keys("/v1/quarantine/orders");
    assert_eq!(orders.len(), 4);
    assert_eq!(orders[0], request_key("order", "", &order()));
    assert!(orders[0] == orders[1] && orders[1] == orders[2], "{orders:?}");
    assert_ne!(orders[2], orders[3], "a corrected order is a new request");
    let decisions = keys("/v1/quarantine/cases/k-1/decision");
    assert_eq!(decisions.len(), 4);
    assert!(decisions[0] == decisions[1] && decisions[1] == decisions[2], "{decisions:?}");
    assert_ne!(decisions[2], decisions[3]);
    // The same decision on another case is another request.
    assert_ne!(request_key("decision", "k-1", &decision()), request_key("decision", "k-2", &decision()));
    assert!(orders.iter().chain(&decisions).all(|k| k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic())));
    // Two home tokens are two stickers: each call its own key.
    officer.home_token("o-1").await.unwrap();
    officer.home_token("o-1").await.unwrap();
    let tokens = keys("/v1/quarantine/orders/o-1/home-token");
    assert_ne!(tokens[0], tokens[1]);
}

#[tokio::test]
async fn each_refusal_has_its_own_error() {
    let script: Script = Arc::new(|seen: &Seen, earlier| match (seen.method.as_str(), seen.path.as_str()) {
        ("POST", "/v1/quarantine/orders") => (422, error("home_quarantine_not_allowed")),
        ("POST", "/v1/quarantine/cases/k-1/decision") => (409, error("case_awaiting_explanation")),
        ("POST", "/v1/quarantine/cases/k-2/decision") => (409, error("conflict")),
        ("GET", "/v1/quarantine/orders/elsewhere") => (404, error("not_found")),
        ("GET", "/v1/quarantine/wards") => (403, error("forbidden")),
        ("PUT", "/v1/quarantine/wards/26734") => (422, error("invalid_request")),
        ("POST", "/v1/quarantine/orders/o-1/home-token") => (200, json!({ "order_id": "o-1", "qr_text": "HB1:X", "issued_at": "2021-09-01T02:00:00Z" })),
        ("GET", "/v1/quarantine/cases") => (401, error("invalid_token")),
        _ => happy(seen, earlier),
    });
    let (officer, _, _) = signed_in(script).await;
    assert!(matches!(officer.create_order(&order()).await, Err(OfficerError::NotAllowedInWard)));
    assert!(matches!(officer.decide("k-1", &decision()).await, Err(OfficerError::AwaitingExplanation)));
    assert!(matches!(officer.decide("k-2", &decision()).await, Err(OfficerError::Conflict(m)) if m == "refused"));
    assert!(matches!(officer.order("elsewhere").await, Err(OfficerError::NotFound)));
    assert!(matches!(officer.wards().await, Err(OfficerError::Forbidden)));
    assert!(matches!(officer.stop_ward("26734", "").await, Err(OfficerError::Invalid(m)) if m == "refused"));
    assert!(matches!(officer.home_token("o-1").await, Err(OfficerError::BadAnswer)));
    // A session the server no longer accepts is forgotten.
    assert!(officer.signed_in());
    assert!(matches!(officer.cases(None).await, Err(OfficerError::NotSignedIn)));
    assert!(!officer.signed_in());
    assert!(matches!(officer.orders(None).await, Err(OfficerError::NotSignedIn)));
    officer.sign_in("officer", "secret").await.unwrap();
    assert!(officer.signed_in());
}

#[tokio::test]
async fn mistakes_are_named_before_anything_is_sent() {
    let (officer, seen, _) = signed_in(Arc::new(happy)).await;
    let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let schedule = order().schedule;
    let bad_orders: Vec<(CreateOrderRequest, &str)> = vec![
        (CreateOrderRequest { person_id: " ".into(), ..order() }, "person"),
        (CreateOrderRequest { home_address: String::new(), ..order() }, "address"),
        (CreateOrderRequest { ward_code: "2673".into(), ..order() }, "ward"),
        (CreateOrderRequest { geofence: Geofence { lat: 91.0, lon: 0.0, radius_m: 100.0 }, ..order() }, "latitude"),
        (CreateOrderRequest { geofence: Geofence { lat: 0.0, lon: f64::NAN, radius_m: 100.0 }, ..order() }, "longitude"),
        (CreateOrderRequest { geofence: Geofence { lat: 0.0, lon: 0.0, radius_m: 10.0 }, ..order() }, "radius"),
        (CreateOrderRequest { days: 0, ..order() }, "1 to 60 days"),
        (CreateOrderRequest { time_zone: "Mars/Olympus".into(), ..order() }, "time zone"),
        (CreateOrderRequest { grace_minutes: 2_000, ..order() }, "grace"),
        (CreateOrderRequest { extension_rules: ExtensionRules { extension_days: 0, max_extensions: 1 }, ..order() }, "1 to 14"),
        (CreateOrderRequest { days: 50, ..order() }, "every extension"),
        (CreateOrderRequest { commitment_version: 0, ..order() }, "commitment"),
        (CreateOrderRequest { schedule: CheckInSchedule { daily_windows: vec![], random_per_day: 0, ..schedule.clone() }, ..order() }, "daily window or random"),
        (CreateOrderRequest { schedule: CheckInSchedule { random_per_day: 5, ..schedule.clone() }, ..order() }, "at most 4"),
        (CreateOrderRequest { schedule: CheckInSchedule { random_window_minutes: 2, ..schedule.clone() }, ..order() }, "5 to 120"),
        (
            CreateOrderRequest {
                schedule: CheckInSchedule { daily_windows: vec![DailyWindow { start: t(9, 0), end: t(8, 0) }], ..schedule.clone() },
                ..order()
            },
            "close after",
        ),
        (
            CreateOrderRequest {
                schedule: CheckInSchedule {
                    daily_windows: vec![DailyWindow { start: t(18, 0), end: t(19, 0) }, DailyWindow { start: t(8, 0), end: t(18, 30) }],
                    ..schedule.clone()
                },
                ..order()
            },
            "overlap",
        ),
        (
            CreateOrderRequest {
                schedule: CheckInSchedule { daily_windows: vec![DailyWindow { start: t(8, 0), end: t(9, 0) }; 7], ..schedule.clone() },
                ..order()
            },
            "6 daily windows",
        ),
    ];
    for (bad, words) in bad_orders {
        let e = officer.create_order(&bad).await.unwrap_err();
        assert!(matches!(&e, OfficerError::Invalid(m) if m.contains(words)), "{words}: {e:?}");
    }
    let e = officer.allow_ward("26734", vec![], "").await.unwrap_err();
    assert!(matches!(&e, OfficerError::Invalid(m) if m.contains("criterion")), "{e:?}");
    assert!(matches!(officer.stop_ward("ward", "").await, Err(OfficerError::Invalid(_))));
    assert!(matches!(officer.stop_ward("26734", &"x".repeat(501)).await, Err(OfficerError::Invalid(_))));
    assert!(matches!(officer.decide("k-1", &DecisionRequest { note: "  ".into(), ..decision() }).await, Err(OfficerError::Invalid(_))));
    let long = DecisionRequest { note: "ý".repeat(1_001), ..decision() };
    assert!(matches!(officer.decide("k-1", &long).await, Err(OfficerError::Invalid(_))));
    // A note of 1,000 Vietnamese letters is fine (characters, not bytes), as is a stop without criteria.
    check_decision(&DecisionRequest { note: "ý".repeat(1_000), ..decision() }).unwrap();
    check_ward("26734", &WardEligibilityRequest { allowed: false, criteria: vec![], note: String::new() }).unwrap();
    check_order(&CreateOrderRequest { days: 46, ..order() }).unwrap();
    assert_eq!(seen.lock().unwrap().len(), 1, "only the sign-in reached the server");
    // An id can never change the path's shape.
    let _ = officer.order("../cases").await;
    assert!(seen.lock().unwrap().iter().any(|s| s.path == "/v1/quarantine/orders/..%2Fcases"));
}

#[tokio::test]
async fn an_unreachable_server_is_offline_and_an_expired_session_is_none() {
    let (officer, _, clock) = signed_in(Arc::new(happy)).await;
    clock.advance(Duration::hours(9));
    assert!(matches!(officer.wards().await, Err(OfficerError::NotSignedIn)), "the token ran out at 10:00");

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
    let officer = QuarantineOfficer::with_client(client, clock);
    let e = officer.create_order(&order()).await.unwrap_err();
    assert!(matches!(e, OfficerError::Offline(_)) && e.is_offline(), "{e:?}");
    let e = officer.stop_ward("26734", "").await.unwrap_err();
    assert!(e.is_offline(), "{e:?}");
}

#[tokio::test]
async fn signing_in_needs_a_server_and_a_health_officer() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2021, 9, 1, 2, 0, 0).unwrap()));
    let config = HealthbookConfig { data_dir: dir.path().into(), key_store: Arc::new(MemoryKeyStore::default()), clock: clock.clone() };
    let hb = Healthbook::open(config).unwrap();
    let officer = hb.quarantine_officer();
    assert!(matches!(officer.sign_in("officer", "secret").await, Err(OfficerError::NoServer)));
    assert!(matches!(officer.wards().await, Err(OfficerError::NotSignedIn)));

    let script: Script = Arc::new(|seen: &Seen, earlier| match (seen.path.as_str(), seen.body["username"].as_str()) {
        ("/v1/auth/login", Some("volunteer")) => (200, token("volunteer")),
        ("/v1/auth/login", Some("typo")) => (401, error("invalid_credentials")),
        _ => happy(seen, earlier),
    });
    let (url, seen) = fake_server(script).await;
    hb.settings().set_server_url(Some(url)).await.unwrap();
    assert!(matches!(officer.sign_in("typo", "secret").await, Err(OfficerError::SignInFailed)));
    assert!(matches!(officer.sign_in("volunteer", "secret").await, Err(OfficerError::NotAnOfficer)));
    assert!(!officer.signed_in());
    assert!(seen.lock().unwrap().iter().any(|s| s.path == "/v1/auth/logout"), "the volunteer's session is ended");
    officer.sign_in("officer", "secret").await.unwrap();
    // Clones share the session.
    assert_eq!(officer.clone().wards().await.unwrap()[0].ward_code, "26734");
    officer.sign_out().await;
    assert!(!officer.signed_in());
}
