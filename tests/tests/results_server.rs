//! The server side of test results (issue 11), end to end over HTTP against SQLite and PostgreSQL: who may call
//! each endpoint (and that a refused call stores nothing), malformed and oversized bodies, a code registered
//! twice, polling from another phone, the registration rate limit, lab idempotency and conflicts, pools of ten,
//! certificates that the checkpoint verifier accepts, retention with an injected clock, the report's scope, and
//! the acceptance scenario: 1,000 samples on several phones, one lab upload, every poll final.

use std::time::Instant;

use chrono::{Duration, Utc};
use healthbook_core::Clock;
use healthbook_core::client::{MemoryTrustCache, ServerClient};
use healthbook_core::credentials::{CheckpointTrustStore, CredentialKind, CredentialSigner, PassStatus, PersonalPass, Verifier};
use healthbook_e2e::server::{TestBackend, TestPerson, TestServer, assert_http_error, assert_json_error, raw_request, test_config};
use healthbook_e2e::log::captured_log;
use healthbook_e2e::server_scenarios;
use healthbook_server::ServerConfig;
use healthbook_server::storage::StorageError;
use serde_json::{Value, json};

server_scenarios!(
    who_may_call_what_and_refusals_store_nothing,
    malformed_and_oversized_bodies_are_refused,
    a_code_registers_once_and_only_its_phone_polls,
    registrations_are_rate_limited_per_device,
    lab_uploads_are_idempotent_and_report_conflicts,
    pools_of_ten_give_each_member_the_pool_outcome,
    results_set_the_persons_status,
    results_expire_and_are_deleted_after_retention,
    the_report_covers_the_officers_area_only,
    a_thousand_samples_reach_their_final_state_with_verifiable_certificates,
    people_linked_at_a_site_get_their_result_by_sms_once,
);

const WARD: &str = "26734";
const OTHER_WARD: &str = "26740";

fn code(label: &str) -> String {
    healthbook_server::util::sha256_hex(format!("sample-{label}-{}", uuid::Uuid::new_v4()).as_bytes())
}

/// Settings for scenarios that move the clock by days (tokens outlive them) or register many codes per phone.
fn long_config() -> ServerConfig {
    ServerConfig { token_ttl: Duration::days(60), result_registrations_per_hour: 100, ..test_config() }
}

fn now(server: &TestServer) -> chrono::DateTime<Utc> {
    server.clock.now()
}

/// Creates a staff account through the API and signs it in.
async fn staff(server: &TestServer, role: &str, username: &str, area: Option<Value>) -> ServerClient {
    let admin = server.admin_client().await;
    let mut body = json!({ "role": role, "username": username, "password": "staff-password" });
    if let Some(area) = area {
        body["area"] = area;
    }
    let _: Value = admin.post_json("/v1/accounts", &body).await.unwrap();
    let client = server.client();
    client.sign_in_staff(username, "staff-password").await.unwrap();
    client
}

async fn volunteer(server: &TestServer, username: &str, ward: &str) -> ServerClient {
    staff(server, "volunteer", username, Some(json!({ "province": "79", "wards": [ward] }))).await
}

async fn lab(server: &TestServer) -> ServerClient {
    staff(server, "lab", "lab-1", None).await
}

/// A signed-in phone and its device id.
async fn phone(server: &TestServer) -> (ServerClient, String) {
    let client = server.client();
    let identity = client.register_device("android").await.unwrap();
    client.sign_in_device(&identity).await.unwrap();
    (client, identity.device_id().to_owned())
}

async fn register(phone: &ServerClient, code_hash: &str, profile: &str) -> String {
    let body = json!({ "code_hash": code_hash, "kind": "qr", "profile_ref": profile });
    let registered: Value = phone.post_json("/v1/results/registrations", &body).await.unwrap();
    registered["registration_token"].as_str().unwrap().to_owned()
}

async fn poll(phone: &ServerClient, token: &str) -> Value {
    phone.post_json("/v1/results/poll", &json!({ "registration_token": token })).await.unwrap()
}

fn sample_body(code_hash: &str, ward: &str, at: chrono::DateTime<Utc>) -> Value {
    json!({ "code_hash": code_hash, "sampled_at": at, "site_ward": ward, "test_kind": "pcr" })
}

async fn link(site: &ServerClient, code_hash: &str, ward: &str, at: chrono::DateTime<Utc>) -> Value {
    site.post_json("/v1/results/samples", &sample_body(code_hash, ward, at)).await.unwrap()
}

async fn upload(lab: &ServerClient, results: &[(&str, &str)], at: chrono::DateTime<Utc>) -> Value {
    let results: Vec<Value> = results.iter().map(|(c, o)| json!({ "code_hash": c, "outcome": o, "tested_at": at })).collect();
    lab.post_json("/v1/results/lab", &json!({ "results": results })).await.unwrap()
}

async fn rows(server: &TestServer, sql: &'static str) -> i64 {
    server.db.read(move |tx| tx.query(sql, &[])?[0].int(0)).await.map_err(|e: StorageError| e).unwrap()
}

/// A checkpoint's verifier over the server's current, root-verified trust list.
async fn verifier(server: &TestServer) -> Verifier<CheckpointTrustStore> {
    let list = server.client().fetch_trust_list(&server.root_key, &MemoryTrustCache::default()).await.unwrap();
    let mut store = CheckpointTrustStore::new();
    store.add_trust_list(&list.document).unwrap();
    Verifier::new(store)
}

fn assert_certificate_verifies(verifier: &Verifier<CheckpointTrustStore>, certificate: &str, at: chrono::DateTime<Utc>, detected: bool) {
    assert!(certificate.starts_with("HC1:"), "{certificate}");
    let verdict = verifier.verify(certificate, at);
    assert!(verdict.valid, "{:?} {:?}", verdict.stage, verdict.error);
    assert_eq!(verdict.kind, CredentialKind::EuDccTest);
    let description = verdict.payload.unwrap().describe();
    assert!(description.starts_with(if detected { "test positive" } else { "test negative" }), "{description}");
}

async fn who_may_call_what_and_refusals_store_nothing(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let at = now(&server) - Duration::hours(1);
    let hash = code("a");
    let anonymous = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", server.base_url);
    for path in ["/v1/results/registrations", "/v1/results/poll", "/v1/results/samples", "/v1/results/pools", "/v1/results/lab"] {
        let answer = raw_request(anonymous.post(url(path)).json(&json!({}))).await;
        assert_json_error(&answer, 401, "unauthenticated");
    }
    let answer = raw_request(anonymous.get(url("/v1/results/report?from=2021-09-01&to=2021-09-02"))).await;
    assert_json_error(&answer, 401, "unauthenticated");

    let (device, _) = phone(&server).await;
    let site = volunteer(&server, "vol-1", WARD).await;
    let lab = lab(&server).await;
    let officer = staff(&server, "health_officer", "officer-1", Some(json!({ "province": "79" }))).await;
    // Phones don't report samples, pools or lab results, nor read the report.
    assert_http_error(device.post_json::<_, Value>("/v1/results/samples", &sample_body(&hash, WARD, at)).await, 403, "forbidden");
    let pool = json!({ "pool_code_hash": code("p"), "member_code_hashes": [code("m1"), code("m2")] });
    assert_http_error(device.post_json::<_, Value>("/v1/results/pools", &pool).await, 403, "forbidden");
    let batch = json!({ "results": [{ "code_hash": hash, "outcome": "negative", "tested_at": at }] });
    assert_http_error(device.post_json::<_, Value>("/v1/results/lab", &batch).await, 403, "forbidden");
    assert_http_error(device.get_json::<Value>("/v1/results/report?from=2021-09-01&to=2021-09-02").await, 403, "forbidden");
    // Labs and sites don't register codes; sites don't upload results; labs don't take samples.
    let registration = json!({ "code_hash": hash, "kind": "qr", "profile_ref": "p1" });
    assert_http_error(lab.post_json::<_, Value>("/v1/results/registrations", &registration).await, 403, "forbidden");
    assert_http_error(site.post_json::<_, Value>("/v1/results/registrations", &registration).await, 403, "forbidden");
    assert_http_error(site.post_json::<_, Value>("/v1/results/lab", &batch).await, 403, "forbidden");
    assert_http_error(lab.post_json::<_, Value>("/v1/results/samples", &sample_body(&hash, WARD, at)).await, 403, "forbidden");
    assert_http_error(lab.get_json::<Value>("/v1/results/report?from=2021-09-01&to=2021-09-02").await, 403, "forbidden");
    assert_http_error(site.get_json::<Value>("/v1/results/report?from=2021-09-01&to=2021-09-02").await, 403, "forbidden");
    // A site outside the volunteer's area.
    assert_http_error(site.post_json::<_, Value>("/v1/results/samples", &sample_body(&hash, OTHER_WARD, at)).await, 403, "forbidden");
    for table in ["result_registrations", "result_samples", "result_pools", "lab_results", "sample_results"] {
        assert_eq!(server.count(table).await, 0, "{table} after refused calls");
    }
    // The officer may take samples in its province, and a pool of another area's samples is refused.
    link(&officer, &hash, OTHER_WARD, at).await;
    let second = code("b");
    link(&officer, &second, OTHER_WARD, at).await;
    let pool = json!({ "pool_code_hash": code("p"), "member_code_hashes": [hash, second] });
    assert_http_error(site.post_json::<_, Value>("/v1/results/pools", &pool).await, 403, "forbidden");
    assert_eq!((server.count("result_pools").await, rows(&server, "SELECT COUNT(*) FROM result_samples WHERE pool_code_hash IS NOT NULL").await), (0, 0));
    server.stop().await;
}

async fn malformed_and_oversized_bodies_are_refused(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let at = now(&server) - Duration::hours(1);
    let (device, _) = phone(&server).await;
    let site = volunteer(&server, "vol-1", WARD).await;
    let lab_client = lab(&server).await;
    let upper = "AB".repeat(32);
    let bad = json!({ "code_hash": upper, "kind": "qr", "profile_ref": "p1" });
    assert_http_error(device.post_json::<_, Value>("/v1/results/registrations", &bad).await, 422, "invalid_request");
    let short = json!({ "code_hash": "ab", "kind": "qr", "profile_ref": "p1" });
    assert_http_error(device.post_json::<_, Value>("/v1/results/registrations", &short).await, 422, "invalid_request");
    let kind = json!({ "code_hash": code("k"), "kind": "teletan", "profile_ref": "p1" });
    assert_http_error(device.post_json::<_, Value>("/v1/results/registrations", &kind).await, 422, "invalid_request");
    let token = device.session().unwrap().token;
    let broken = raw_request(
        reqwest::Client::new().post(format!("{}/v1/results/poll", server.base_url)).bearer_auth(&token).header("content-type", "application/json").body("{\"registration_token\":"),
    )
    .await;
    assert_json_error(&broken, 400, "malformed_json");
    // Sites: a bad ward, a sample from the future, a pool of one, a repeated member.
    let mut future = sample_body(&code("f"), WARD, at + Duration::days(1));
    assert_http_error(site.post_json::<_, Value>("/v1/results/samples", &future).await, 422, "invalid_request");
    future["sampled_at"] = json!(at);
    future["site_ward"] = json!("2673");
    assert_http_error(site.post_json::<_, Value>("/v1/results/samples", &future).await, 422, "invalid_request");
    let member = code("m");
    link(&site, &member, WARD, at).await;
    let one = json!({ "pool_code_hash": code("p"), "member_code_hashes": [member] });
    assert_http_error(site.post_json::<_, Value>("/v1/results/pools", &one).await, 422, "invalid_request");
    let twice = json!({ "pool_code_hash": code("p"), "member_code_hashes": [member, member] });
    assert_http_error(site.post_json::<_, Value>("/v1/results/pools", &twice).await, 422, "invalid_request");
    let unknown = json!({ "pool_code_hash": code("p"), "member_code_hashes": [member, code("never-taken")] });
    assert_http_error(site.post_json::<_, Value>("/v1/results/pools", &unknown).await, 422, "invalid_request");
    let garbage = json!({ "code_hash": code("x"), "sampled_at": at, "site_ward": WARD, "test_kind": "pcr", "person_credential": "HB1:NOTAPASS" });
    assert_http_error(site.post_json::<_, Value>("/v1/results/samples", &garbage).await, 422, "invalid_request");
    // A well-formed pass signed by a key that is not the server's links no one.
    let pkcs8 = CredentialSigner::generate_pkcs8().unwrap();
    let stranger = CredentialSigner::from_pkcs8(&pkcs8, "VN-HB").unwrap();
    let pass = PersonalPass { name: "Trần Thị Hoa".into(), birth_year: Some(1975), status: PassStatus::Green, reasons: vec![], province: None };
    let forged_pass = stranger.issue_pass(&pass, "0123456789abcdef", now(&server), Duration::hours(24)).unwrap();
    let forged = json!({ "code_hash": code("y"), "sampled_at": at, "site_ward": WARD, "test_kind": "pcr", "person_credential": forged_pass });
    assert_http_error(site.post_json::<_, Value>("/v1/results/samples", &forged).await, 422, "invalid_request");
    // Labs: 1,001 results, an empty batch, a malformed hash; and a body over the lab route's limit.
    let many: Vec<Value> = (0..1_001).map(|i| json!({ "code_hash": code(&i.to_string()), "outcome": "negative", "tested_at": at })).collect();
    assert_http_error(lab_client.post_json::<_, Value>("/v1/results/lab", &json!({ "results": many })).await, 422, "invalid_request");
    assert_http_error(lab_client.post_json::<_, Value>("/v1/results/lab", &json!({ "results": [] })).await, 422, "invalid_request");
    let mixed = json!({ "results": [{ "code_hash": member, "outcome": "negative", "tested_at": at }, { "code_hash": upper, "outcome": "negative", "tested_at": at }] });
    assert_http_error(lab_client.post_json::<_, Value>("/v1/results/lab", &mixed).await, 422, "invalid_request");
    let lab_token = lab_client.session().unwrap().token;
    let huge = format!("{{\"results\": [], \"padding\": \"{}\"}}", "x".repeat(600 * 1024));
    let answer = raw_request(
        reqwest::Client::new().post(format!("{}/v1/results/lab", server.base_url)).bearer_auth(&lab_token).header("content-type", "application/json").body(huge),
    )
    .await;
    assert_json_error(&answer, 413, "payload_too_large");
    assert_eq!((server.count("result_registrations").await, server.count("lab_results").await, server.count("result_pools").await), (0, 0, 0));
    assert_eq!(server.count("result_samples").await, 1, "only the well-formed sample");
    server.stop().await;
}

async fn a_code_registers_once_and_only_its_phone_polls(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let (first, _) = phone(&server).await;
    let (second, _) = phone(&server).await;
    let hash = code("once");
    let token = register(&first, &hash, "p1").await;
    assert_eq!(uuid::Uuid::parse_str(&token).unwrap().get_version_num(), 4);
    let again = json!({ "code_hash": hash, "kind": "short_code", "profile_ref": "p2" });
    assert_http_error(second.post_json::<_, Value>("/v1/results/registrations", &again).await, 409, "sample_already_registered");
    assert_http_error(first.post_json::<_, Value>("/v1/results/registrations", &again).await, 409, "sample_already_registered");
    // The same phone asking again for the same profile (its first answer was lost) gets a fresh token, with the
    // first registration's time; the token it never received stops working.
    let retried: Value = first
        .post_json("/v1/results/registrations", &json!({ "code_hash": hash, "kind": "qr", "profile_ref": "p1" }))
        .await
        .unwrap();
    let retried_token = retried["registration_token"].as_str().unwrap().to_owned();
    assert_ne!(retried_token, token);
    assert_http_error(first.post_json::<_, Value>("/v1/results/poll", &json!({ "registration_token": token })).await, 404, "unknown_registration");
    let token = retried_token;
    // Another phone with the right token learns nothing more than with a made-up one.
    let body = json!({ "registration_token": token });
    assert_http_error(second.post_json::<_, Value>("/v1/results/poll", &body).await, 404, "unknown_registration");
    let made_up = json!({ "registration_token": uuid::Uuid::new_v4().to_string() });
    assert_http_error(first.post_json::<_, Value>("/v1/results/poll", &made_up).await, 404, "unknown_registration");
    assert_http_error(first.post_json::<_, Value>("/v1/results/poll", &json!({ "registration_token": "x" })).await, 404, "unknown_registration");
    let view = poll(&first, &token).await;
    assert_eq!(view, json!({ "state": "unknown_to_lab", "reason": "not_yet_reported", "poll_after_secs": 3600 }));
    // Only hashes are stored: the token is nowhere in the table.
    let stored = server
        .db
        .read(|tx| tx.query("SELECT token_hash, code_hash FROM result_registrations", &[]))
        .await
        .map_err(|e: StorageError| e)
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].text(0).unwrap(), healthbook_server::util::sha256_hex(token.as_bytes()));
    assert_eq!(stored[0].text(1).unwrap(), hash);
    // Sampled: pending, in the lab, polled every 15 minutes.
    let site = volunteer(&server, "vol-1", WARD).await;
    let at = now(&server) - Duration::hours(2);
    link(&site, &hash, WARD, at).await;
    let view = poll(&first, &token).await;
    assert_eq!((view["state"].as_str(), view["reason"].as_str(), view["poll_after_secs"].as_u64()), (Some("pending"), Some("in_lab"), Some(900)));
    assert_http_error(site.post_json::<_, Value>("/v1/results/samples", &sample_body(&hash, WARD, at)).await, 409, "sample_already_registered");
    server.stop().await;
}

async fn registrations_are_rate_limited_per_device(backend: TestBackend) {
    let log = captured_log();
    let config = ServerConfig { result_registrations_per_hour: 10, token_ttl: Duration::hours(2), ..test_config() };
    let server = TestServer::start_with(backend, config).await;
    let (guesser, guesser_id) = phone(&server).await;
    let taken = code("taken");
    let (owner, _) = phone(&server).await;
    register(&owner, &taken, "p1").await;
    // Refused attempts count too: a guesser probing for registered codes is slowed as much as one registering.
    for i in 0..10 {
        let hash = if i % 2 == 0 { taken.clone() } else { code(&i.to_string()) };
        let body = json!({ "code_hash": hash, "kind": "short_code", "profile_ref": "p1" });
        let result = guesser.post_json::<_, Value>("/v1/results/registrations", &body).await;
        if i % 2 == 0 {
            assert_http_error(result, 409, "sample_already_registered");
        } else {
            result.unwrap();
        }
    }
    let eleventh_hash = code("11");
    let eleventh = json!({ "code_hash": eleventh_hash, "kind": "short_code", "profile_ref": "p1" });
    assert_http_error(guesser.post_json::<_, Value>("/v1/results/registrations", &eleventh).await, 429, "rate_limited");
    // Detected: the server logs that a device reached the limit, naming neither the device nor a code.
    let text = String::from_utf8_lossy(&log.lock().unwrap()).into_owned();
    let detected: Vec<&str> = text.lines().filter(|l| l.contains("hourly limit of sample registrations")).collect();
    assert!(!detected.is_empty(), "the limit is logged");
    assert!(detected.iter().all(|l| !l.contains(&guesser_id) && !l.contains(&eleventh_hash) && !l.contains(&taken)), "{detected:?}");
    // At the server's default level (info; tokio-postgres prints query parameters at debug, as it does for every
    // table), no code hash is logged.
    let leaks: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains(" DEBUG ") && !l.contains(" TRACE "))
        .filter(|l| l.contains(&taken) || l.contains(&eleventh_hash))
        .collect();
    assert!(leaks.is_empty(), "no code hash is logged: {leaks:?}");
    assert_eq!(server.count("result_registrations").await, 1 + 5);
    // Another phone is not slowed by it, and the guesser gets on in the next hour.
    register(&owner, &code("own"), "p1").await;
    server.clock.advance(Duration::hours(1));
    register(&guesser, &code("later"), "p1").await;
    server.stop().await;
}

async fn lab_uploads_are_idempotent_and_report_conflicts(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let (device, device_id) = phone(&server).await;
    let site = volunteer(&server, "vol-1", WARD).await;
    let lab = lab(&server).await;
    let at = now(&server) - Duration::hours(3);
    let (negative, positive, unknown, early) = (code("n"), code("p"), code("u"), code("e"));
    let tokens = [register(&device, &negative, "p1").await, register(&device, &positive, "p1").await, register(&device, &early, "p1").await];
    link(&site, &negative, WARD, at).await;
    link(&site, &positive, WARD, at).await;
    let tested = now(&server) - Duration::hours(1);
    let batch = [(negative.as_str(), "negative"), (positive.as_str(), "positive"), (unknown.as_str(), "negative"), (early.as_str(), "invalid")];
    let first = upload(&lab, &batch, tested).await;
    assert_eq!(first, json!({ "accepted": 4, "unknown_samples": 2, "conflicts": [] }));
    let again = upload(&lab, &batch, tested).await;
    assert_eq!(again, first, "the same batch again reports the same");
    assert_eq!((server.count("lab_results").await, server.count("sample_results").await), (4, 2));
    let contradiction = upload(&lab, &[(negative.as_str(), "positive"), (positive.as_str(), "positive")], tested).await;
    assert_eq!(contradiction, json!({ "accepted": 1, "unknown_samples": 0, "conflicts": [negative] }));
    let view = poll(&device, &tokens[0]).await;
    assert_eq!((view["state"].as_str(), view["reason"].as_str()), (Some("negative"), Some("lab_reported")), "the conflict was not applied");
    assert!(view.get("poll_after_secs").is_none() && view["result_at"].is_string());
    assert!(view.get("certificate").is_none(), "no person is known for this profile");
    // Bound afterwards: the next poll carries the certificate, signed for the person now known.
    server.bind_profile(&device_id, "p1", &TestPerson::new("Võ Thị Sáu", 1993)).await;
    let view = poll(&device, &tokens[0]).await;
    assert_certificate_verifies(&verifier(&server).await, view["certificate"].as_str().unwrap(), now(&server), false);
    let view = poll(&device, &tokens[1]).await;
    assert_eq!(view["state"], "positive");
    // A result that arrived before its site reported the sample: final at once, and applied when the site syncs.
    let view = poll(&device, &tokens[2]).await;
    assert_eq!((view["state"].as_str(), view["reason"].as_str()), (Some("invalid"), Some("sample_unusable")));
    link(&site, &early, WARD, at).await;
    let view = poll(&device, &tokens[2]).await;
    assert_eq!((view["state"].as_str(), view["sampled_at"].is_string()), (Some("invalid"), true));
    assert_eq!(server.count("sample_results").await, 3);
    server.stop().await;
}

async fn pools_of_ten_give_each_member_the_pool_outcome(backend: TestBackend) {
    let server = TestServer::start_with(backend, long_config()).await;
    let (device, device_id) = phone(&server).await;
    let site = volunteer(&server, "vol-1", WARD).await;
    let lab = lab(&server).await;
    let at = now(&server) - Duration::hours(5);
    let mut pools = Vec::new();
    for pool in 0..2 {
        let mut members = Vec::new();
        for i in 0..10 {
            let profile = format!("p{pool}-{i}");
            let person = TestPerson::new(&format!("Nguyễn Văn {pool}{i}"), 1980 + i);
            server.bind_profile(&device_id, &profile, &person).await;
            let hash = code(&profile);
            let token = register(&device, &hash, &profile).await;
            // The negative pool's people are linked by scanning their pass at the site.
            let body = if pool == 1 {
                let pass: Value = device.post_json("/v1/passes", &json!({ "profile_ref": profile })).await.unwrap();
                let mut body = sample_body(&hash, WARD, at);
                body["person_credential"] = pass["qr"].clone();
                body
            } else {
                sample_body(&hash, WARD, at)
            };
            let linked: Value = site.post_json("/v1/results/samples", &body).await.unwrap();
            assert_eq!(linked["person_linked"], pool == 1);
            members.push((hash, token));
        }
        let pool_hash = code("pool");
        let hashes: Vec<&String> = members.iter().map(|(h, _)| h).collect();
        let view: Value = site.post_json("/v1/results/pools", &json!({ "pool_code_hash": pool_hash, "member_code_hashes": hashes })).await.unwrap();
        assert_eq!(view, json!({ "pool_code_hash": pool_hash, "members": 10 }));
        pools.push((pool_hash, members));
    }
    // A member or a pool code used again.
    let reuse = json!({ "pool_code_hash": code("again"), "member_code_hashes": [pools[0].1[0].0, pools[1].1[0].0] });
    assert_http_error(site.post_json::<_, Value>("/v1/results/pools", &reuse).await, 409, "sample_already_pooled");
    let fresh = (code("f1"), code("f2"));
    link(&site, &fresh.0, WARD, at).await;
    link(&site, &fresh.1, WARD, at).await;
    let same_code = json!({ "pool_code_hash": pools[0].0, "member_code_hashes": [fresh.0, fresh.1] });
    assert_http_error(site.post_json::<_, Value>("/v1/results/pools", &same_code).await, 409, "sample_already_pooled");
    let member_as_pool = json!({ "pool_code_hash": pools[0].1[1].0, "member_code_hashes": [fresh.0, fresh.1] });
    assert_http_error(site.post_json::<_, Value>("/v1/results/pools", &member_as_pool).await, 409, "sample_already_pooled");
    assert_http_error(site.post_json::<_, Value>("/v1/results/samples", &sample_body(&pools[0].0, WARD, at)).await, 409, "sample_already_pooled");
    let report = upload(&lab, &[(pools[0].0.as_str(), "positive"), (pools[1].0.as_str(), "negative")], now(&server) - Duration::hours(1)).await;
    assert_eq!(report, json!({ "accepted": 2, "unknown_samples": 0, "conflicts": [] }));
    let verifier = verifier(&server).await;
    for (_, token) in &pools[0].1 {
        let view = poll(&device, token).await;
        assert_eq!((view["state"].as_str(), view["reason"].as_str()), (Some("retest_required"), Some("pool_positive")));
        assert!(view.get("certificate").is_none(), "a positive pool proves nothing about one member");
    }
    for (_, token) in &pools[1].1 {
        let view = poll(&device, token).await;
        assert_eq!((view["state"].as_str(), view["reason"].as_str()), (Some("negative"), Some("pool_negative")));
        assert_certificate_verifies(&verifier, view["certificate"].as_str().unwrap(), now(&server), false);
    }
    assert_eq!(rows(&server, "SELECT COUNT(*) FROM sample_results WHERE certificate IS NOT NULL").await, 10);
    server.stop().await;
}

async fn results_set_the_persons_status(backend: TestBackend) {
    let server = TestServer::start_with(backend, long_config()).await;
    let (device, device_id) = phone(&server).await;
    let site = volunteer(&server, "vol-1", WARD).await;
    let lab = lab(&server).await;
    let at = now(&server) - Duration::hours(5);
    let mut tokens = Vec::new();
    for (profile, outcome) in [("sick", "positive"), ("pooled", "positive"), ("clear", "negative")] {
        server.bind_profile(&device_id, profile, &TestPerson::new("Trần Thị Hoa", 1975)).await;
        let hash = code(profile);
        tokens.push(register(&device, &hash, profile).await);
        link(&site, &hash, WARD, at).await;
        if profile == "pooled" {
            let other = code("other");
            link(&site, &other, WARD, at).await;
            let pool = code("pool");
            let _: Value = site.post_json("/v1/results/pools", &json!({ "pool_code_hash": pool, "member_code_hashes": [hash, other] })).await.unwrap();
            upload(&lab, &[(pool.as_str(), outcome)], now(&server)).await;
        } else {
            upload(&lab, &[(hash.as_str(), outcome)], now(&server)).await;
        }
    }
    let sick = poll(&device, &tokens[0]).await;
    assert_certificate_verifies(&verifier(&server).await, sick["certificate"].as_str().unwrap(), now(&server), true);
    let pass: Value = device.post_json("/v1/passes", &json!({ "profile_ref": "sick" })).await.unwrap();
    assert_eq!(pass["health_status"]["status"], "red");
    assert!(pass["health_status"]["reasons"].as_array().unwrap().contains(&json!("recent_test")), "{pass}");
    let pass: Value = device.post_json("/v1/passes", &json!({ "profile_ref": "pooled" })).await.unwrap();
    assert_eq!(pass["health_status"]["status"], "yellow");
    assert!(pass["health_status"]["reasons"].as_array().unwrap().contains(&json!("recent_test")), "{pass}");
    // A negative test counts as a reason for 72 hours (green, beside the missing declaration's yellow).
    let reasons = |pass: &Value| pass["health_status"]["reasons"].as_array().unwrap().clone();
    let pass: Value = device.post_json("/v1/passes", &json!({ "profile_ref": "clear" })).await.unwrap();
    assert_eq!(reasons(&pass), vec![json!("recent_test"), json!("declaration")]);
    server.clock.advance(Duration::hours(73));
    let pass: Value = device.post_json("/v1/passes", &json!({ "profile_ref": "clear" })).await.unwrap();
    assert_eq!(reasons(&pass), vec![json!("declaration")]);
    let pass: Value = device.post_json("/v1/passes", &json!({ "profile_ref": "sick" })).await.unwrap();
    assert_eq!(pass["health_status"]["status"], "red", "a positive test holds for 14 days");
    server.stop().await;
}

async fn results_expire_and_are_deleted_after_retention(backend: TestBackend) {
    let server = TestServer::start_with(backend, long_config()).await;
    let (device, device_id) = phone(&server).await;
    server.bind_profile(&device_id, "p1", &TestPerson::new("Lê Văn Tám", 1990)).await;
    let site = volunteer(&server, "vol-1", WARD).await;
    let lab = lab(&server).await;
    let (done, waiting) = (code("done"), code("waiting"));
    let tokens = [register(&device, &done, "p1").await, register(&device, &waiting, "p1").await];
    link(&site, &done, WARD, now(&server)).await;
    link(&site, &waiting, WARD, now(&server)).await;
    upload(&lab, &[(done.as_str(), "negative")], now(&server)).await;
    let pool = (code("pool"), code("m1"), code("m2"));
    link(&site, &pool.1, WARD, now(&server)).await;
    link(&site, &pool.2, WARD, now(&server)).await;
    let _: Value = site.post_json("/v1/results/pools", &json!({ "pool_code_hash": pool.0, "member_code_hashes": [pool.1, pool.2] })).await.unwrap();
    assert_eq!(poll(&device, &tokens[0]).await["state"], "negative");
    let retention = Duration::days(21);
    // A day before the end nothing is deleted; at the end every poll says the retention passed.
    server.clock.advance(retention - Duration::days(1));
    assert_eq!(healthbook_server::results::purge_expired(&server.db, now(&server), retention).await.unwrap(), 0);
    assert_eq!(poll(&device, &tokens[1]).await["state"], "pending");
    server.clock.advance(Duration::days(1));
    for token in &tokens {
        assert_eq!(poll(&device, token).await, json!({ "state": "expired", "reason": "retention_passed" }));
    }
    server.clock.advance(Duration::minutes(1));
    let deleted = healthbook_server::results::purge_expired(&server.db, now(&server), retention).await.unwrap();
    // Two registrations, four samples, one pool, one lab result, one sample result.
    assert_eq!(deleted, 2 + 4 + 1 + 1 + 1);
    for table in ["result_registrations", "result_samples", "result_pools", "lab_results", "sample_results"] {
        assert_eq!(server.count(table).await, 0, "{table} after the retention period");
    }
    assert_http_error(device.post_json::<_, Value>("/v1/results/poll", &json!({ "registration_token": tokens[0] })).await, 404, "unknown_registration");
    server.stop().await;
}

async fn the_report_covers_the_officers_area_only(backend: TestBackend) {
    let server = TestServer::start_with(backend, long_config()).await;
    let here = volunteer(&server, "vol-1", WARD).await;
    let there = volunteer(&server, "vol-2", OTHER_WARD).await;
    let lab = lab(&server).await;
    let day = now(&server).date_naive();
    let at = now(&server) - Duration::hours(1);
    let samples = [code("1"), code("2"), code("3")];
    link(&here, &samples[0], WARD, at).await;
    link(&here, &samples[1], WARD, at).await;
    link(&there, &samples[2], OTHER_WARD, at).await;
    server.clock.advance(Duration::hours(10));
    upload(&lab, &[(samples[0].as_str(), "positive"), (samples[2].as_str(), "negative")], now(&server)).await;
    let query = format!("/v1/results/report?from={}&to={}", day - Duration::days(1), day + Duration::days(1));
    let ward_officer = staff(&server, "health_officer", "officer-ward", Some(json!({ "province": "79", "wards": [WARD] }))).await;
    let report: Value = ward_officer.get_json(&query).await.unwrap();
    assert_eq!(
        report,
        json!({ "rows": [{ "site_ward": WARD, "day": day, "samples_taken": 2, "results_returned": 1, "positive": 1, "median_hours_to_result": 11.0 }] })
    );
    let province_officer = staff(&server, "health_officer", "officer-79", Some(json!({ "province": "79" }))).await;
    let report: Value = province_officer.get_json(&query).await.unwrap();
    let wards: Vec<&str> = report["rows"].as_array().unwrap().iter().map(|r| r["site_ward"].as_str().unwrap()).collect();
    assert_eq!(wards, vec![WARD, OTHER_WARD]);
    let elsewhere = staff(&server, "health_officer", "officer-01", Some(json!({ "province": "01" }))).await;
    let report: Value = elsewhere.get_json(&query).await.unwrap();
    assert_eq!(report, json!({ "rows": [] }));
    let backwards = format!("/v1/results/report?from={day}&to={}", day - Duration::days(1));
    assert_http_error(elsewhere.get_json::<Value>(&backwards).await, 422, "invalid_request");
    assert_eq!(rows(&server, "SELECT COUNT(*) FROM access_log WHERE endpoint = 'GET /v1/results/report'").await, 3, "every read is logged");
    server.stop().await;
}

async fn a_thousand_samples_reach_their_final_state_with_verifiable_certificates(backend: TestBackend) {
    const SAMPLES: usize = 1_000;
    const PHONES: usize = 4;
    let config = ServerConfig { result_registrations_per_hour: (SAMPLES / PHONES) as u32, ..long_config() };
    let server = TestServer::start_with(backend, config).await;
    let site = volunteer(&server, "vol-1", WARD).await;
    let lab = lab(&server).await;
    let mut phones = Vec::new();
    for p in 0..PHONES {
        let (client, device_id) = phone(&server).await;
        server.bind_profile(&device_id, "me", &TestPerson::new(&format!("Phạm Thị {p}"), 1960 + p as u16)).await;
        phones.push(client);
    }
    let at = now(&server) - Duration::hours(6);
    let started = Instant::now();
    // The phones register at once, as they would in the field; the site reports each sample as it is taken.
    let mut tasks = Vec::new();
    for (p, phone) in phones.iter().enumerate() {
        let (phone, site) = (phone.clone(), site.clone());
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            for i in (p..SAMPLES).step_by(PHONES) {
                let hash = code(&i.to_string());
                let token = register(&phone, &hash, "me").await;
                link(&site, &hash, WARD, at).await;
                mine.push((i, hash, token, p));
            }
            mine
        }));
    }
    let mut samples = Vec::with_capacity(SAMPLES);
    for task in tasks {
        samples.extend(task.await.unwrap());
    }
    samples.sort_by_key(|s| s.0);
    let samples: Vec<(String, String, usize)> = samples.into_iter().map(|(_, h, t, p)| (h, t, p)).collect();
    let registered = started.elapsed();
    let outcome = |i: usize| match i % 10 {
        0 => "positive",
        9 => "invalid",
        _ => "negative",
    };
    let uploaded_at = Instant::now();
    for chunk in samples.chunks(500).enumerate() {
        let (n, chunk) = chunk;
        let results: Vec<(&str, &str)> = chunk.iter().enumerate().map(|(j, (h, _, _))| (h.as_str(), outcome(n * 500 + j))).collect();
        let report = upload(&lab, &results, now(&server) - Duration::hours(1)).await;
        assert_eq!(report, json!({ "accepted": 500, "unknown_samples": 0, "conflicts": [] }));
    }
    let upload_time = uploaded_at.elapsed();
    let verifier = verifier(&server).await;
    let polled_at = Instant::now();
    let mut tasks = Vec::new();
    for (p, phone) in phones.iter().enumerate() {
        let phone = phone.clone();
        let mine: Vec<(usize, String)> = samples.iter().enumerate().filter(|(_, s)| s.2 == p).map(|(i, s)| (i, s.1.clone())).collect();
        tasks.push(tokio::spawn(async move {
            let mut views = Vec::new();
            for (i, token) in mine {
                views.push((i, poll(&phone, &token).await));
            }
            views
        }));
    }
    let mut views = Vec::with_capacity(SAMPLES);
    for task in tasks {
        views.extend(task.await.unwrap());
    }
    assert_eq!(views.len(), SAMPLES);
    let mut certificates = Vec::new();
    for (i, view) in views {
        assert_eq!(view["state"], outcome(i), "sample {i}");
        assert!(view.get("poll_after_secs").is_none());
        match outcome(i) {
            "invalid" => assert!(view.get("certificate").is_none()),
            detected => {
                let certificate = view["certificate"].as_str().unwrap();
                assert_certificate_verifies(&verifier, certificate, now(&server), detected == "positive");
                certificates.push(certificate.to_owned());
            }
        }
    }
    assert_eq!(certificates.len(), 900);
    // And as a checkpoint would check them: `healthbook verify`, offline, with the server's signed trust list.
    let verified_by_cli = verify_with_cli(&server, &certificates).await;
    assert_eq!(verified_by_cli, 900, "every certificate verifies with `healthbook verify`");
    let certificates = certificates.len();
    println!(
        "{backend:?}: {SAMPLES} registrations and site reports in {registered:?}, lab upload (2 x 500) in {upload_time:?}, \
         {SAMPLES} polls with {certificates} certificates verified in {:?}",
        polled_at.elapsed()
    );
    server.stop().await;
}

/// Runs `healthbook verify - --each-line` over `certificates` with the server's signed trust list (checked against
/// its root key) at the server's time; returns how many the CLI found valid, after checking it exited 0.
async fn verify_with_cli(server: &TestServer, certificates: &[String]) -> usize {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let trust_list = reqwest::get(format!("{}/v1/trust-list", server.base_url)).await.unwrap().text().await.unwrap();
    let list_file = dir.path().join("trust-list.jws");
    std::fs::write(&list_file, trust_list).unwrap();
    let at = now(server).to_rfc3339();
    let mut child = std::process::Command::new(healthbook_e2e::cli::healthbook_cli())
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["--json", "verify", "-", "--each-line", "--root-key", &server.root_key.spki_base64(), "--at", &at, "--trust-list"])
        .arg(&list_file)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = certificates.join("\n");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(output.status.success(), "healthbook verify: {}", String::from_utf8_lossy(&output.stderr));
    let verdicts: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(verdicts.len(), certificates.len());
    verdicts.iter().filter(|v| v["valid"] == true && v["kind"] == "eu_dcc_test").count()
}

/// Gives a test person a phone number on record (persons store it in clear, normalised to E.164).
async fn set_phone(server: &TestServer, person: &TestPerson, phone: &'static str) {
    let id = person.id.clone();
    let updated = server
        .db
        .write(move |tx| tx.execute("UPDATE persons SET phone = $1 WHERE id = $2", &[phone.into(), id.into()]))
        .await
        .map_err(|e: StorageError| e)
        .unwrap();
    assert_eq!(updated, 1);
}

async fn people_linked_at_a_site_get_their_result_by_sms_once(backend: TestBackend) {
    let log = captured_log();
    let server = TestServer::start_with(backend, long_config()).await;
    let (device, device_id) = phone(&server).await;
    let site = volunteer(&server, "vol-1", WARD).await;
    let lab = lab(&server).await;
    let person = TestPerson::new("Phạm Thị Sms", 1950);
    server.bind_profile(&device_id, "grandma", &person).await;
    set_phone(&server, &person, "+84911222333").await;
    let pass: Value = device.post_json("/v1/passes", &json!({ "profile_ref": "grandma" })).await.unwrap();
    // Taken at 20:00 UTC on 30 June, which is 1 July in Vietnam: the SMS gives the local day.
    let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2021, 6, 30, 20, 0, 0).unwrap();
    let scanned = |hash: &str| {
        let mut body = sample_body(hash, WARD, at);
        body["person_credential"] = pass["qr"].clone();
        body
    };
    let (linked, polled, late) = (code("linked"), code("polled"), code("late"));
    let linked_view: Value = site.post_json("/v1/results/samples", &scanned(&linked)).await.unwrap();
    assert_eq!(linked_view["person_linked"], true);
    // A sample only a phone registered (its profile bound to the same person): the phone polls, no SMS.
    register(&device, &polled, "grandma").await;
    link(&site, &polled, WARD, at).await;
    let batch = [(linked.as_str(), "positive"), (polled.as_str(), "negative")];
    upload(&lab, &batch, now(&server)).await;
    // The SMS leaves after the lab's request was answered.
    assert_eq!(server.sms_sender.wait_for_attempts(1).await, 1);
    let sent = server.sms();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].to, "+84911222333");
    let text = &sent[0].text;
    assert!(text.contains("01/07/2021: dương tính.") && text.contains("01/07/2021: positive."), "{text}");
    assert!(text.contains("cách ly") && text.contains("wait for the health station's call"), "{text}");
    assert!(!text.contains("Phạm") && !text.contains(&person.id) && !text.contains(&linked), "{text}");
    // The same upload again (a lab's retry) queues nothing more, so nothing more can be sent.
    upload(&lab, &batch, now(&server)).await;
    assert_eq!(rows(&server, "SELECT COUNT(*) FROM result_sms").await, 1);
    assert_eq!(server.sms().len(), 1);
    // The gateway is down: the result is stored all the same, and the hourly retry sends it once it is back.
    server.sms_sender.set_failing(true);
    let late_view: Value = site.post_json("/v1/results/samples", &scanned(&late)).await.unwrap();
    assert_eq!(late_view["person_linked"], true);
    let report = upload(&lab, &[(late.as_str(), "invalid")], now(&server)).await;
    assert_eq!(report["accepted"], 1);
    assert_eq!(server.sms_sender.wait_for_attempts(2).await, 2, "the send after the upload was tried and failed");
    assert_eq!(server.sms().len(), 1);
    assert_eq!(rows(&server, "SELECT COUNT(*) FROM sample_results WHERE state = 'invalid'").await, 1);
    assert_eq!(rows(&server, "SELECT COUNT(*) FROM result_sms WHERE sent_at IS NULL").await, 1);
    assert_eq!(healthbook_server::results::send_unsent_sms(&server.db, server.sms_sender.as_ref(), now(&server)).await.unwrap(), 0, "still failing");
    server.sms_sender.set_failing(false);
    server.clock.advance(Duration::hours(1));
    assert_eq!(healthbook_server::results::send_unsent_sms(&server.db, server.sms_sender.as_ref(), now(&server)).await.unwrap(), 1);
    let sent = server.sms();
    assert_eq!(sent.len(), 2);
    assert!(sent[1].text.contains(": mẫu không dùng được.") && sent[1].text.contains(": invalid."), "{}", sent[1].text);
    assert_eq!(healthbook_server::results::send_unsent_sms(&server.db, server.sms_sender.as_ref(), now(&server)).await.unwrap(), 0, "sent once");
    assert_eq!(rows(&server, "SELECT COUNT(*) FROM result_sms WHERE sent_at IS NULL").await, 0);
    // The failed attempt was logged by the task that made it, right after the attempt returned.
    let mut logged = String::new();
    for _ in 0..100 {
        logged = String::from_utf8_lossy(&log.lock().unwrap()).into_owned();
        if logged.contains("a test result SMS was not sent") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(logged.contains("a test result SMS was not sent"), "the failure is logged");
    // tokio_postgres traces every statement's parameters at DEBUG (this test's own UPDATE of the phone among
    // them); the server's log level keeps that off, so only the server's own lines are checked.
    let own: Vec<&str> = logged.lines().filter(|line| !line.contains("tokio_postgres")).collect();
    for private in ["+84911222333", "911222333", "Phạm Thị Sms", person.id.as_str(), linked.as_str(), late.as_str()] {
        assert!(!own.iter().any(|line| line.contains(private)), "personal data in the log");
    }
    server.stop().await;
}
