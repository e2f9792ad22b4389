//! The server side of check-in (issue 16), end to end over HTTP against SQLite and PostgreSQL: who may call each
//! endpoint and what scope they see (cross-agency, cross-area, devices, labs), validation errors, signed posters
//! that the checkpoint verifier accepts and the three refused forgeries (unknown key, another agency's key, a
//! revoked key), idempotent passage batches (sent twice; re-cut after a crash), the officer's paged query
//! returning every passage exactly once with the access log, the risky list's hashes, the compliance view with
//! a silent venue, and retention with an injected clock.

use std::collections::HashSet;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use healthbook_core::Clock;
use healthbook_core::client::{MemoryTrustCache, NewIssuerKey, NewRevocation, ServerClient};
use healthbook_core::credentials::{
    CheckpointTrustStore, CredentialId, CredentialSigner, FailedStage, OwnPayload, PayloadSummary, VenuePoster, Verifier,
};
use healthbook_core::trust::{IssuerRole, RevocationKind};
use healthbook_e2e::server::{TestBackend, TestPerson, TestServer, assert_http_error, assert_json_error, raw_request, test_config};
use healthbook_e2e::server_scenarios;
use healthbook_server::ServerConfig;
use healthbook_server::storage::StorageError;
use serde_json::{Value, json};

server_scenarios!(
    venues_and_gates_follow_agency_and_area_scopes,
    posters_verify_and_forgeries_are_refused_with_their_stage,
    passages_are_stored_once_and_only_by_the_gates_agency,
    passage_batches_are_validated,
    the_officer_query_pages_every_passage_once_and_is_logged,
    risky_venues_are_published_as_hashes,
    compliance_counts_days_and_finds_silent_venues,
    passages_and_windows_are_purged_after_retention,
);

const PROVINCE: &str = "79";
const WARD: &str = "26734";
const OTHER_WARD: &str = "26740";

/// Settings for scenarios that move the clock by weeks (tokens outlive them).
fn long_config() -> ServerConfig {
    ServerConfig { token_ttl: Duration::days(60), ..test_config() }
}

fn now(server: &TestServer) -> DateTime<Utc> {
    server.clock.now()
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Creates a staff account through the API (with an agency or an area) and signs it in.
async fn staff(server: &TestServer, role: &str, username: &str, agency: Option<&str>, area: Option<Value>) -> ServerClient {
    let admin = server.admin_client().await;
    let mut body = json!({ "role": role, "username": username, "password": "staff-password" });
    if let Some(agency) = agency {
        body["agency_id"] = json!(agency);
    }
    if let Some(area) = area {
        body["area"] = area;
    }
    let _: Value = admin.post_json("/v1/accounts", &body).await.unwrap();
    let client = server.client();
    client.sign_in_staff(username, "staff-password").await.unwrap();
    client
}

async fn officer(server: &TestServer, username: &str, area: Value) -> ServerClient {
    staff(server, "health_officer", username, None, Some(area)).await
}

async fn phone(server: &TestServer) -> (ServerClient, String) {
    let client = server.client();
    let identity = client.register_device("android").await.unwrap();
    client.sign_in_device(&identity).await.unwrap();
    (client, identity.device_id().to_owned())
}

/// Everyone a scenario needs: two agencies with an admin and a gate operator each, officers for one ward, the
/// whole province and another province, a lab and a phone.
struct Cast {
    agency_a: String,
    agency_b: String,
    admin: ServerClient,
    admin_a: ServerClient,
    operator_a: ServerClient,
    admin_b: ServerClient,
    operator_b: ServerClient,
    ward_officer: ServerClient,
    province_officer: ServerClient,
    far_officer: ServerClient,
    lab: ServerClient,
    device: ServerClient,
}

async fn cast(server: &TestServer) -> Cast {
    let admin = server.admin_client().await;
    let agency_a = admin.create_agency("Chợ Bến Thành").await.unwrap().id;
    let agency_b = admin.create_agency("Ngân hàng Á Châu").await.unwrap().id;
    Cast {
        admin_a: staff(server, "agency_admin", "admin-a", Some(&agency_a), None).await,
        operator_a: staff(server, "gate_operator", "operator-a", Some(&agency_a), None).await,
        admin_b: staff(server, "agency_admin", "admin-b", Some(&agency_b), None).await,
        operator_b: staff(server, "gate_operator", "operator-b", Some(&agency_b), None).await,
        ward_officer: officer(server, "officer-ward", json!({ "province": PROVINCE, "wards": [WARD] })).await,
        province_officer: officer(server, "officer-province", json!({ "province": PROVINCE })).await,
        far_officer: officer(server, "officer-far", json!({ "province": "01" })).await,
        lab: staff(server, "lab", "lab-1", None, None).await,
        device: phone(server).await.0,
        admin,
        agency_a,
        agency_b,
    }
}

fn venue_body(name: &str, ward: &str) -> Value {
    json!({ "name": name, "kind": "market", "address": "Lê Lợi, Quận 1", "province_code": PROVINCE, "ward_code": ward,
            "default_stay_minutes": 60 })
}

async fn create_venue(client: &ServerClient, agency: &str, name: &str, ward: &str) -> Value {
    client.post_json(&format!("/v1/agencies/{agency}/venues"), &venue_body(name, ward)).await.unwrap()
}

async fn create_gate(client: &ServerClient, venue: &str, name: &str) -> String {
    let gate: Value = client.post_json(&format!("/v1/venues/{venue}/gates"), &json!({ "name": name })).await.unwrap();
    gate["id"].as_str().unwrap().to_owned()
}

fn passage(at: DateTime<Utc>, credential: Option<&str>, card: Option<&str>) -> Value {
    let mut p = json!({ "id": uuid::Uuid::new_v4().to_string(), "direction": "in", "scanned_at": time(at),
                        "verdict": "admit", "reason": "valid" });
    if let Some(credential) = credential {
        p["credential_id"] = json!(credential);
    }
    if let Some(card) = card {
        p["card"] = json!(card);
    }
    p
}

fn batch_of(passages: &[Value]) -> Value {
    json!({ "passages": passages })
}

async fn upload(client: &ServerClient, gate: &str, passages: &[Value]) -> (u64, u64) {
    let report: Value = client.post_json(&format!("/v1/gates/{gate}/passages"), &batch_of(passages)).await.unwrap();
    (report["stored"].as_u64().unwrap(), report["already_stored"].as_u64().unwrap())
}

async fn rows(server: &TestServer, sql: &'static str) -> i64 {
    server.db.read(move |tx| tx.query(sql, &[])?[0].int(0)).await.map_err(|e: StorageError| e).unwrap()
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

async fn venues_and_gates_follow_agency_and_area_scopes(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let c = cast(&server).await;
    let (a, b) = (c.agency_a.as_str(), c.agency_b.as_str());

    // Registering: the authority and the agency's own admin only.
    let market = create_venue(&c.admin_a, a, "Chợ Bến Thành", WARD).await;
    assert_eq!((market["agency_id"].as_str(), market["ward_code"].as_str(), market["kind"].as_str()), (Some(a), Some(WARD), Some("market")));
    let bank = create_venue(&c.admin, a, "Ang bank", OTHER_WARD).await;
    for refused in [&c.admin_b, &c.operator_a, &c.ward_officer, &c.lab, &c.device] {
        assert_http_error(refused.post_json::<_, Value>(&format!("/v1/agencies/{a}/venues"), &venue_body("X", WARD)).await, 403, "forbidden");
    }
    assert_http_error(c.admin.post_json::<_, Value>("/v1/agencies/no-such-agency/venues", &venue_body("X", WARD)).await, 404, "not_found");
    let anonymous = reqwest::Client::new();
    let answer = raw_request(anonymous.get(format!("{}/v1/agencies/{a}/venues", server.base_url))).await;
    assert_json_error(&answer, 401, "unauthenticated");

    // Listing: the authority, the agency's admin and gate operators; by name.
    for reader in [&c.admin, &c.admin_a, &c.operator_a] {
        let list: Value = reader.get_json(&format!("/v1/agencies/{a}/venues")).await.unwrap();
        let names: Vec<&str> = list["venues"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Ang bank", "Chợ Bến Thành"]);
    }
    for refused in [&c.admin_b, &c.operator_b, &c.ward_officer, &c.lab, &c.device] {
        assert_http_error(refused.get_json::<Value>(&format!("/v1/agencies/{a}/venues")).await, 403, "forbidden");
    }

    // Reading one: as above, plus officers whose area covers the venue's ward.
    let market_path = format!("/v1/venues/{}", id(&market));
    let bank_path = format!("/v1/venues/{}", id(&bank));
    for reader in [&c.admin, &c.admin_a, &c.operator_a, &c.ward_officer, &c.province_officer] {
        assert_eq!(reader.get_json::<Value>(&market_path).await.unwrap(), market);
    }
    c.province_officer.get_json::<Value>(&bank_path).await.unwrap();
    assert_http_error(c.ward_officer.get_json::<Value>(&bank_path).await, 403, "forbidden");
    for refused in [&c.admin_b, &c.operator_b, &c.far_officer, &c.lab, &c.device] {
        assert_http_error(refused.get_json::<Value>(&market_path).await, 403, "forbidden");
    }
    assert_http_error(c.admin.get_json::<Value>("/v1/venues/no-such-venue").await, 404, "not_found");

    // Gates under a venue record it; the agency's gate list and the gate itself show it.
    let gate_id = create_gate(&c.admin_a, &id(&market), "Cổng 1").await;
    for refused in [&c.admin_b, &c.operator_a, &c.ward_officer, &c.device] {
        let result = refused.post_json::<_, Value>(&format!("/v1/venues/{}/gates", id(&market)), &json!({ "name": "G" })).await;
        assert_http_error(result, 403, "forbidden");
    }
    assert_http_error(c.admin.post_json::<_, Value>("/v1/venues/no-such-venue/gates", &json!({ "name": "G" })).await, 404, "not_found");
    for reader in [&c.admin, &c.admin_a, &c.operator_a] {
        let gate: Value = reader.get_json(&format!("/v1/gates/{gate_id}")).await.unwrap();
        assert_eq!((gate["agency_id"].as_str(), gate["venue_id"].as_str(), gate["name"].as_str()), (Some(a), Some(id(&market).as_str()), Some("Cổng 1")));
    }
    for refused in [&c.admin_b, &c.operator_b, &c.ward_officer, &c.lab, &c.device] {
        assert_http_error(refused.get_json::<Value>(&format!("/v1/gates/{gate_id}")).await, 403, "forbidden");
    }
    assert_http_error(c.operator_a.get_json::<Value>("/v1/gates/no-such-gate").await, 404, "not_found");
    // The old agency gate endpoint keeps working, with and without a venue.
    let old = c.admin_a.create_gate(a, "Kho").await.unwrap();
    let gates = c.operator_a.gates(a).await.unwrap();
    assert_eq!(gates.len(), 2);
    let listed: Value = c.operator_a.get_json(&format!("/v1/agencies/{a}/gates")).await.unwrap();
    let venues: Vec<(String, Option<String>)> = listed["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (id(g), g["venue_id"].as_str().map(str::to_owned)))
        .collect();
    assert!(venues.contains(&(gate_id.clone(), Some(id(&market)))) && venues.contains(&(old.id.clone(), None)), "{venues:?}");

    // Posters: the authority and the agency's admin.
    for printer in [&c.admin, &c.admin_a] {
        let poster: Value = printer.get_json(&format!("{market_path}/poster")).await.unwrap();
        assert!(poster["qr_text"].as_str().unwrap().starts_with("HP1:"));
    }
    for refused in [&c.admin_b, &c.operator_a, &c.ward_officer, &c.lab, &c.device] {
        assert_http_error(refused.get_json::<Value>(&format!("{market_path}/poster")).await, 403, "forbidden");
    }
    let _ = b;

    // Validation: each field, as 422 naming the field; nothing stored.
    let before = server.count("venues").await;
    for (field, bad) in [
        ("name", json!("")),
        ("name", json!("x".repeat(201))),
        ("address", json!("")),
        ("address", json!("x".repeat(301))),
        ("province_code", json!("7")),
        ("ward_code", json!("2673")),
        ("default_stay_minutes", json!(4)),
        ("default_stay_minutes", json!(721)),
    ] {
        let mut body = venue_body("Chợ", WARD);
        body[field] = bad;
        let answer = raw_request(
            reqwest::Client::new()
                .post(format!("{}/v1/agencies/{a}/venues", server.base_url))
                .bearer_auth(c.admin_a.session().unwrap().token)
                .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
                .json(&body),
        )
        .await;
        assert_json_error(&answer, 422, "invalid_request");
        assert_eq!(answer.2.as_ref().unwrap()["error"]["fields"][0]["field"], field, "{answer:?}");
    }
    let mut unknown_kind = venue_body("Chợ", WARD);
    unknown_kind["kind"] = json!("casino");
    assert_http_error(c.admin_a.post_json::<_, Value>(&format!("/v1/agencies/{a}/venues"), &unknown_kind).await, 422, "invalid_request");
    assert_eq!(server.count("venues").await, before);
    // Names are stored in NFC.
    let decomposed = create_venue(&c.admin_a, a, "Cho\u{0302}\u{0323}", WARD).await;
    assert_eq!(decomposed["name"], "Chộ");
    server.stop().await;
}

/// A checkpoint's verifier over the server's current, root-verified trust and revocation lists.
async fn verifier(server: &TestServer) -> Verifier<CheckpointTrustStore> {
    let client = server.client();
    let list = client.fetch_trust_list(&server.root_key, &MemoryTrustCache::default()).await.unwrap();
    let revocations = client.fetch_revocations(&server.root_key, &MemoryTrustCache::default()).await.unwrap();
    let mut store = CheckpointTrustStore::new();
    store.add_trust_list(&list.document).unwrap();
    store.add_revocations(&revocations.document);
    Verifier::new(store)
}

fn poster_payload(venue: &Value) -> OwnPayload {
    OwnPayload::VenuePoster(VenuePoster {
        venue_id: id(venue),
        name: venue["name"].as_str().unwrap().to_owned(),
        gate: None,
        admin_unit: Some(venue["ward_code"].as_str().unwrap().to_owned()),
        agency_id: Some(venue["agency_id"].as_str().unwrap().to_owned()),
        province: Some(venue["province_code"].as_str().unwrap().to_owned()),
        stay_minutes: venue["default_stay_minutes"].as_u64().map(|m| u32::try_from(m).unwrap()),
        kind: venue["kind"].as_str().and_then(healthbook_core::checkin::VenueKind::parse),
    })
}

fn sign_poster(signer: &CredentialSigner, venue: &Value, at: DateTime<Utc>) -> String {
    let cti = CredentialId::random().unwrap();
    signer.issue_with_cti(&poster_payload(venue), &cti.bytes, at, at + Duration::days(365)).unwrap()
}

async fn agency_signer(server: &TestServer, admin: &ServerClient, agency: &str) -> (CredentialSigner, String) {
    use base64::Engine;
    let signer = CredentialSigner::from_pkcs8(&CredentialSigner::generate_pkcs8().unwrap(), "VN-AGENCY").unwrap();
    let added = admin
        .add_issuer_key(&NewIssuerKey {
            role: IssuerRole::Agency,
            scope: format!("agency:{agency}"),
            name: format!("agency {agency}"),
            public_key: base64::engine::general_purpose::STANDARD.encode(signer.public_key_spki()),
            not_before: now(server) - Duration::days(1),
            not_after: now(server) + Duration::days(400),
        })
        .await
        .unwrap();
    (signer, added.kid)
}

async fn posters_verify_and_forgeries_are_refused_with_their_stage(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let c = cast(&server).await;
    let venue = create_venue(&c.admin_a, &c.agency_a, "Chợ Bến Thành", WARD).await;
    let at = now(&server);

    // The server's poster verifies offline against its trust list and says where it is.
    let poster: Value = c.admin_a.get_json(&format!("/v1/venues/{}/poster", id(&venue))).await.unwrap();
    let qr = poster["qr_text"].as_str().unwrap();
    assert_eq!(poster["venue_id"], venue["id"]);
    let expires: DateTime<Utc> = serde_json::from_value(poster["expires_at"].clone()).unwrap();
    assert_eq!(expires, at + Duration::days(365));
    let checkpoint = verifier(&server).await;
    let verdict = checkpoint.verify(qr, at);
    assert!(verdict.valid, "{:?} {:?}", verdict.stage, verdict.error);
    let Some(PayloadSummary::VenuePoster(payload)) = verdict.payload else { panic!("a venue poster: {:?}", verdict.payload) };
    assert_eq!(OwnPayload::VenuePoster(payload), poster_payload(&venue));
    assert!(checkpoint.verify(qr, at + Duration::days(364)).valid, "valid for a year");
    assert_eq!(checkpoint.verify(qr, at + Duration::days(366)).stage, Some(FailedStage::Expired));
    // Each poster has its own id.
    let again: Value = c.admin.get_json(&format!("/v1/venues/{}/poster", id(&venue))).await.unwrap();
    assert_ne!(again["qr_text"], poster["qr_text"]);
    assert!(checkpoint.verify(again["qr_text"].as_str().unwrap(), at).valid);

    // Re-signed by a key the trust list does not name.
    let stranger = CredentialSigner::from_pkcs8(&CredentialSigner::generate_pkcs8().unwrap(), "VN-HB").unwrap();
    let forged = sign_poster(&stranger, &venue, at);
    assert_eq!(checkpoint.verify(&forged, at).stage, Some(FailedStage::UnknownKey));

    // Re-signed by agency B's listed key: a genuine key, outside its scope for agency A's venue.
    let (signer_b, _) = agency_signer(&server, &c.admin, &c.agency_b).await;
    // Agency A's own key may sign its own posters; it is revoked below.
    let (signer_a, kid_a) = agency_signer(&server, &c.admin, &c.agency_a).await;
    let checkpoint = verifier(&server).await;
    let verdict = checkpoint.verify(&sign_poster(&signer_b, &venue, at), at);
    assert_eq!(verdict.stage, Some(FailedStage::OutOfScope), "{:?}", verdict.error);
    let own = sign_poster(&signer_a, &venue, at);
    assert!(checkpoint.verify(&own, at).valid, "{:?}", checkpoint.verify(&own, at).error);

    // Agency A's key revoked: its posters are refused as revoked; the server's poster is untouched.
    c.admin
        .add_revocation(&NewRevocation { kind: RevocationKind::IssuerKey, id: kid_a, reason: "key lost".into() })
        .await
        .unwrap();
    let checkpoint = verifier(&server).await;
    assert_eq!(checkpoint.verify(&own, at).stage, Some(FailedStage::Revoked));
    assert!(checkpoint.verify(qr, at).valid);
    server.stop().await;
}

async fn passages_are_stored_once_and_only_by_the_gates_agency(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let c = cast(&server).await;
    let venue = create_venue(&c.admin_a, &c.agency_a, "Chợ Bến Thành", WARD).await;
    let gate = create_gate(&c.admin_a, &id(&venue), "Cổng 1").await;
    let at = now(&server) - Duration::minutes(5);
    let path = format!("/v1/gates/{gate}/passages");
    let batch: Vec<Value> = (0..10).map(|i| passage(at + Duration::seconds(i), Some("80aa11bb22cc33dd"), Some("personal_pass"))).collect();

    // Only the gate agency's operators and admin upload; refusals store nothing.
    let anonymous = raw_request(reqwest::Client::new().post(format!("{}{path}", server.base_url)).json(&batch_of(&batch))).await;
    assert_json_error(&anonymous, 401, "unauthenticated");
    for refused in [&c.admin, &c.admin_b, &c.operator_b, &c.ward_officer, &c.lab, &c.device] {
        assert_http_error(refused.post_json::<_, Value>(&path, &batch_of(&batch)).await, 403, "forbidden");
    }
    assert_http_error(c.operator_a.post_json::<_, Value>("/v1/gates/no-such-gate/passages", &batch_of(&batch)).await, 404, "not_found");
    assert_eq!(server.count("gate_passages").await, 0);
    // Like every mutating request, it needs an idempotency key.
    let no_key = raw_request(
        reqwest::Client::new()
            .post(format!("{}{path}", server.base_url))
            .bearer_auth(c.operator_a.session().unwrap().token)
            .json(&batch_of(&batch)),
    )
    .await;
    assert_json_error(&no_key, 400, "missing_idempotency_key");

    // Stored once: the same request retried (same key) is replayed; the same batch under a new key stores nothing.
    let first: Value = c.operator_a.post_json_with_key(&path, &batch_of(&batch), "sync-1").await.unwrap();
    assert_eq!(first, json!({ "stored": 10, "already_stored": 0, "expired": 0 }));
    let replayed: Value = c.operator_a.post_json_with_key(&path, &batch_of(&batch), "sync-1").await.unwrap();
    assert_eq!(replayed, first);
    assert_eq!(upload(&c.operator_a, &gate, &batch).await, (0, 10));
    // A batch re-cut after a crash mid-sync: half of it was stored, plus new passages; the admin may upload too.
    let mut recut: Vec<Value> = batch[5..].to_vec();
    recut.extend((0..7).map(|i| passage(at + Duration::seconds(100 + i), None, None)));
    assert_eq!(upload(&c.admin_a, &gate, &recut).await, (7, 5));
    // An id repeated within one batch is stored once.
    let twice = passage(at, None, None);
    assert_eq!(upload(&c.operator_a, &gate, &[twice.clone(), twice]).await, (1, 1));
    assert_eq!(server.count("gate_passages").await, 18);
    assert_eq!(rows(&server, "SELECT COUNT(DISTINCT id) FROM gate_passages").await, 18);

    // A full batch of 1,000 fits the body limit and stores in one request.
    let full: Vec<Value> = (0..1_000).map(|i| passage(at + Duration::milliseconds(i), Some(&"ab".repeat(32)), Some("eu_dcc"))).collect();
    assert_eq!(upload(&c.operator_a, &gate, &full).await, (1_000, 0));
    // Passages of a gate without a venue are stored too (a gate made under the agency before venues).
    let old_gate = c.admin_a.create_gate(&c.agency_a, "Kho").await.unwrap();
    assert_eq!(upload(&c.operator_a, &old_gate.id, &[passage(at, None, None)]).await, (1, 0));
    assert_eq!(rows(&server, "SELECT COUNT(*) FROM gate_passages WHERE venue_id IS NULL").await, 1);
    server.stop().await;
}

async fn passage_batches_are_validated(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let c = cast(&server).await;
    let venue = create_venue(&c.admin_a, &c.agency_a, "Chợ", WARD).await;
    let gate = create_gate(&c.admin_a, &id(&venue), "Cổng 1").await;
    let at = now(&server);
    let post = |body: Value| {
        raw_request(
            reqwest::Client::new()
                .post(format!("{}/v1/gates/{gate}/passages", server.base_url))
                .bearer_auth(c.operator_a.session().unwrap().token)
                .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
                .json(&body),
        )
    };
    let with = |field: &str, value: Value| {
        let mut p = passage(at, None, None);
        p[field] = value;
        batch_of(&[p])
    };
    let cases = [
        (json!({ "passages": [] }), "passages"),
        (batch_of(&(0..1_001).map(|_| passage(at, None, None)).collect::<Vec<_>>()), "passages"),
        (with("id", json!("p1")), "passages.id"),
        (with("id", json!(uuid::Uuid::new_v4().to_string().to_uppercase())), "passages.id"),
        (with("credential_id", json!("ABCDEF")), "passages.credential_id"),
        (with("credential_id", json!("a".repeat(65))), "passages.credential_id"),
        (with("credential_id", json!("")), "passages.credential_id"),
        (with("scanned_at", json!(time(at + Duration::minutes(11)))), "passages.scanned_at"),
    ];
    for (body, field) in cases {
        let answer = post(body).await;
        assert_json_error(&answer, 422, "invalid_request");
        assert_eq!(answer.2.as_ref().unwrap()["error"]["fields"][0]["field"], field, "{answer:?}");
    }
    // Shapes the contract does not allow: unknown enum values, extra (personal) fields, broken JSON.
    for body in [with("direction", json!("sideways")), with("reason", json!("because")), with("name", json!("Nguyễn Văn A"))] {
        assert_json_error(&post(body).await, 422, "invalid_request");
    }
    let broken = raw_request(
        reqwest::Client::new()
            .post(format!("{}/v1/gates/{gate}/passages", server.base_url))
            .bearer_auth(c.operator_a.session().unwrap().token)
            .header("Idempotency-Key", "broken-1")
            .header("content-type", "application/json")
            .body("{\"passages\": ["),
    )
    .await;
    assert_json_error(&broken, 400, "malformed_json");
    // Edges that are allowed: ten minutes ahead, just inside the 21-day retention, a 64-digit id. A scan past
    // the retention (a device offline for six weeks) is acknowledged, so the device's queue drains, and not stored.
    let edges = batch_of(&[
        with("scanned_at", json!(time(at + Duration::minutes(10))))["passages"][0].clone(),
        with("scanned_at", json!(time(at - Duration::days(21) + Duration::seconds(1))))["passages"][0].clone(),
        with("credential_id", json!("a".repeat(64)))["passages"][0].clone(),
        with("scanned_at", json!(time(at - Duration::days(42))))["passages"][0].clone(),
    ]);
    let answer = post(edges).await;
    assert_eq!(answer.0, 200, "{answer:?}");
    assert_eq!(answer.2, Some(json!({"stored": 3, "already_stored": 0, "expired": 1})));
    assert_eq!(server.count("gate_passages").await, 3);
    server.stop().await;
}

async fn fetch_all_pages(client: &ServerClient, venue: &str, from: DateTime<Utc>, to: DateTime<Utc>, limit: u32) -> (Vec<Value>, usize) {
    let mut passages = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut path = format!("/v1/venues/{venue}/passages?from={}&to={}&limit={limit}", time(from), time(to));
        if let Some(after) = &after {
            path.push_str(&format!("&after={after}"));
        }
        let page: Value = client.get_json(&path).await.unwrap();
        pages += 1;
        let items = page["passages"].as_array().unwrap();
        assert!(items.len() <= limit as usize);
        passages.extend(items.iter().cloned());
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => break,
        }
    }
    (passages, pages)
}

async fn the_officer_query_pages_every_passage_once_and_is_logged(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let c = cast(&server).await;
    let market = create_venue(&c.admin_a, &c.agency_a, "Chợ Bến Thành", WARD).await;
    let other = create_venue(&c.admin_a, &c.agency_a, "Siêu thị", WARD).await;
    let gates = [
        create_gate(&c.admin_a, &id(&market), "Cổng 1").await,
        create_gate(&c.admin_a, &id(&market), "Cổng 2").await,
        create_gate(&c.admin_a, &id(&market), "Cổng 3").await,
    ];
    let other_gate = create_gate(&c.admin_a, &id(&other), "Cổng").await;
    let start = now(&server) - Duration::hours(6);

    // A pass the server issued: the query names its person; the same id on another kind of card names no one.
    let (device, device_id) = phone(&server).await;
    let person = TestPerson::new("Nguyễn Thị Lan", 1985);
    server.bind_profile(&device_id, "p1", &person).await;
    let pass: Value = device.post_json("/v1/passes", &json!({ "profile_ref": "p1" })).await.unwrap();
    let cti = pass["credential_id"].as_str().unwrap().to_owned();

    // A market with three gates and 10,001 passages (many sharing a scan time: ties are broken by id), synced in
    // batches of 500. The second gate's device is killed mid-sync: its fourth batch was stored but the answer
    // lost, and after the restart it re-cuts its queue from the first passage it has no answer for.
    let mut sent = HashSet::new();
    let mut queues = Vec::new();
    for (g, gate) in gates.iter().enumerate() {
        let passages: Vec<Value> = (0..3_333).map(|i| passage(start + Duration::seconds(i / 3 + g as i64), None, None)).collect();
        queues.push((gate.clone(), passages));
    }
    let with_pass = passage(start + Duration::minutes(30), Some(&cti), Some("personal_pass"));
    let same_id_other_card = passage(start + Duration::minutes(31), Some(&cti), Some("staff_card"));
    queues[0].1.push(with_pass.clone());
    queues[1].1.push(same_id_other_card.clone());
    for (_, passages) in &queues {
        sent.extend(passages.iter().map(id));
    }
    assert_eq!(sent.len(), 10_001);
    let mut stored = 0;
    for (g, (gate, passages)) in queues.iter().enumerate() {
        if g == 1 {
            for chunk in passages[..2_000].chunks(500) {
                stored += upload(&c.operator_a, gate, chunk).await.0;
            }
            let mut already = 0;
            for chunk in passages[1_500..].chunks(500) {
                let (s, a) = upload(&c.operator_a, gate, chunk).await;
                stored += s;
                already += a;
            }
            assert_eq!(already, 500, "the batch whose answer was lost is not stored again");
        } else {
            for chunk in passages.chunks(500) {
                stored += upload(&c.operator_a, gate, chunk).await.0;
            }
        }
    }
    assert_eq!(stored, 10_001);
    // Outside the venue or the window: never returned.
    upload(&c.operator_a, &other_gate, &[passage(start, None, None)]).await;
    upload(&c.operator_a, &gates[0], &[passage(start - Duration::hours(1), None, None)]).await;

    let from = start;
    let to = start + Duration::hours(1);
    let log_before = rows(&server, "SELECT COUNT(*) FROM access_log").await;
    let (passages, pages) = fetch_all_pages(&c.ward_officer, &id(&market), from, to, 500).await;
    let ids: Vec<String> = passages.iter().map(id).collect();
    let unique: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(ids.len(), unique.len(), "no passage twice");
    assert_eq!(unique, sent, "every passage once");
    assert_eq!(pages, sent.len().div_ceil(500));
    let keys: Vec<(DateTime<Utc>, String)> = passages
        .iter()
        .map(|p| (serde_json::from_value(p["scanned_at"].clone()).unwrap(), id(p)))
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "ordered by scan time then id");
    let found = |wanted: &Value| passages.iter().find(|p| p["id"] == wanted["id"]).unwrap().clone();
    assert_eq!(found(&with_pass)["person_id"], json!(person.id));
    assert_eq!(found(&with_pass)["credential_id"], json!(cti));
    assert!(found(&same_id_other_card).get("person_id").is_none(), "only a pass the server issued names a person");
    assert!(passages.iter().all(|p| gates.contains(&p["gate_id"].as_str().unwrap().to_owned())));
    // Each page read is one access-log entry naming the passages it returned.
    assert_eq!(rows(&server, "SELECT COUNT(*) FROM access_log").await - log_before, pages as i64);
    let logged: Value = c.admin.get_json("/v1/access-log?limit=500").await.unwrap();
    let entries: Vec<&Value> = logged["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["endpoint"] == "GET /v1/venues/{venue_id}/passages")
        .collect();
    assert_eq!(entries.len(), pages);
    let logged_ids: HashSet<String> =
        entries.iter().flat_map(|e| e["record_ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned())).collect();
    assert_eq!(logged_ids, sent);

    // Default page size, and the whole-province officer sees the same.
    let (all, _) = fetch_all_pages(&c.province_officer, &id(&market), from, to, 1_000).await;
    assert_eq!(all.len(), sent.len());

    // Who may ask: officers whose area covers the venue, no one else.
    let path = format!("/v1/venues/{}/passages?from={}&to={}", id(&market), time(from), time(to));
    for refused in [&c.far_officer, &c.admin, &c.admin_a, &c.operator_a, &c.lab, &device] {
        assert_http_error(refused.get_json::<Value>(&path).await, 403, "forbidden");
    }
    let bank = create_venue(&c.admin_a, &c.agency_a, "Bank", OTHER_WARD).await;
    let bank_path = format!("/v1/venues/{}/passages?from={}&to={}", id(&bank), time(from), time(to));
    assert_http_error(c.ward_officer.get_json::<Value>(&bank_path).await, 403, "forbidden");
    c.province_officer.get_json::<Value>(&bank_path).await.unwrap();
    let unknown = format!("/v1/venues/no-such-venue/passages?from={}&to={}", time(from), time(to));
    assert_http_error(c.ward_officer.get_json::<Value>(&unknown).await, 404, "not_found");
    // Bad queries.
    for bad in [
        format!("{path}&limit=0"),
        format!("{path}&limit=1001"),
        format!("{path}&after=garbage"),
        format!("/v1/venues/{}/passages?from={}&to={}", id(&market), time(to), time(from)),
    ] {
        assert_http_error(c.ward_officer.get_json::<Value>(&bad).await, 422, "invalid_request");
    }
    server.stop().await;
}

async fn risky_venues_are_published_as_hashes(backend: TestBackend) {
    let server = TestServer::start_with(backend, long_config()).await;
    let c = cast(&server).await;
    let market = create_venue(&c.admin_a, &c.agency_a, "Chợ Bến Thành", WARD).await;
    let bank = create_venue(&c.admin_b, &c.agency_b, "Bank", OTHER_WARD).await;
    let at = now(&server);
    let mark = |venue: &Value, from: DateTime<Utc>, to: DateTime<Utc>| {
        json!({ "venue_id": id(venue), "from": time(from), "to": time(to), "advice": "get_tested" })
    };

    // Only officers whose area covers the venue mark it.
    let window: Value = c.ward_officer.post_json("/v1/risky-venues", &mark(&market, at - Duration::days(2), at - Duration::days(1))).await.unwrap();
    let expected = healthbook_server::util::sha256_hex(format!("healthbook-venue-v1:{}", id(&market)).as_bytes());
    assert_eq!(window["venue_hash"], json!(expected));
    assert_eq!(window["advice"], "get_tested");
    for refused in [&c.far_officer, &c.admin, &c.admin_a, &c.operator_a, &c.lab, &c.device] {
        let result = refused.post_json::<_, Value>("/v1/risky-venues", &mark(&market, at - Duration::days(2), at)).await;
        assert_http_error(result, 403, "forbidden");
    }
    assert_http_error(c.ward_officer.post_json::<_, Value>("/v1/risky-venues", &mark(&bank, at - Duration::days(1), at)).await, 403, "forbidden");
    let bank_window: Value = c.province_officer.post_json("/v1/risky-venues", &mark(&bank, at - Duration::days(10), at)).await.unwrap();
    // Windows: in order, at most 14 days, not long over; the venue must exist.
    for (from, to) in [
        (at, at),
        (at, at - Duration::hours(1)),
        (at - Duration::days(14) - Duration::seconds(1), at),
        (at - Duration::days(30), at - Duration::days(22)),
    ] {
        assert_http_error(c.ward_officer.post_json::<_, Value>("/v1/risky-venues", &mark(&market, from, to)).await, 422, "invalid_request");
    }
    let ghost = json!({ "venue_id": "no-such-venue", "from": time(at - Duration::days(1)), "to": time(at), "advice": "monitor_symptoms" });
    assert_http_error(c.ward_officer.post_json::<_, Value>("/v1/risky-venues", &ghost).await, 404, "not_found");
    c.ward_officer.post_json::<_, Value>("/v1/risky-venues", &mark(&market, at - Duration::days(14), at)).await.unwrap();
    assert_eq!(server.count("risky_windows").await, 3);

    // Anyone signed in reads the list; it names venues only by hash.
    let anonymous = raw_request(reqwest::Client::new().get(format!("{}/v1/risky-venues", server.base_url))).await;
    assert_json_error(&anonymous, 401, "unauthenticated");
    for reader in [&c.device, &c.operator_b, &c.lab, &c.admin] {
        let list: Value = reader.get_json("/v1/risky-venues").await.unwrap();
        assert_eq!(list["windows"].as_array().unwrap().len(), 3);
        let text = list.to_string();
        assert!(!text.contains(&id(&market)) && !text.contains(&id(&bank)), "no venue id in the list");
        assert!(list["windows"].as_array().unwrap().contains(&window));
        assert!(list["windows"].as_array().unwrap().contains(&bank_window));
    }
    // Windows stay listed for 21 days after they end, then drop off.
    server.clock.advance(Duration::days(20) + Duration::hours(12));
    let list: Value = c.device.get_json("/v1/risky-venues").await.unwrap();
    let hashes: Vec<&Value> = list["windows"].as_array().unwrap().iter().map(|w| &w["id"]).collect();
    assert_eq!(hashes.len(), 2, "the window that ended 21.5 days ago is gone: {list}");
    assert!(!hashes.contains(&&window["id"]));
    server.stop().await;
}

async fn compliance_counts_days_and_finds_silent_venues(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let c = cast(&server).await;
    let market = create_venue(&c.admin_a, &c.agency_a, "Chợ Bến Thành", WARD).await;
    let silent = create_venue(&c.admin_a, &c.agency_a, "Tiệm im lặng", WARD).await;
    let bank = create_venue(&c.admin_b, &c.agency_b, "Bank", OTHER_WARD).await;
    let market_gate = create_gate(&c.admin_a, &id(&market), "Cổng 1").await;
    let bank_gate = create_gate(&c.admin_b, &id(&bank), "Cửa").await;
    let today = now(&server);
    let yesterday = today - Duration::days(1);
    upload(&c.operator_a, &market_gate, &(0..3).map(|_| passage(yesterday, None, None)).collect::<Vec<_>>()).await;
    upload(&c.operator_a, &market_gate, &(0..5).map(|_| passage(today, None, None)).collect::<Vec<_>>()).await;
    upload(&c.operator_b, &bank_gate, &(0..2).map(|_| passage(today, None, None)).collect::<Vec<_>>()).await;
    let (d0, d1) = (yesterday.date_naive().to_string(), today.date_naive().to_string());
    let path = format!("/v1/checkin/compliance?from={d0}&to={d1}");
    let report = |client: &ServerClient| {
        let path = path.clone();
        let client = client.clone();
        async move {
            let report: Value = client.get_json(&path).await.unwrap();
            let days: Vec<(String, String, u64)> = report["days"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| (d["day"].as_str().unwrap().to_owned(), d["venue_name"].as_str().unwrap().to_owned(), d["passages"].as_u64().unwrap()))
                .collect();
            let silent: Vec<String> = report["silent_venues"].as_array().unwrap().iter().map(|v| v["venue_id"].as_str().unwrap().to_owned()).collect();
            (days, silent)
        }
    };
    let row = |day: &str, name: &str, n: u64| (day.to_owned(), name.to_owned(), n);
    // The ward officer: the market's days and the silent shop, not the bank in another ward.
    let market_days = vec![row(&d0, "Chợ Bến Thành", 3), row(&d1, "Chợ Bến Thành", 5)];
    assert_eq!(report(&c.ward_officer).await, (market_days.clone(), vec![id(&silent)]));
    // Agency A's admin: its own venues only; agency B's: the bank.
    assert_eq!(report(&c.admin_a).await, (market_days, vec![id(&silent)]));
    assert_eq!(report(&c.admin_b).await, (vec![row(&d1, "Bank", 2)], vec![]));
    // The province officer and the authority: everything, by day then name.
    let everything = (vec![row(&d0, "Chợ Bến Thành", 3), row(&d1, "Bank", 2), row(&d1, "Chợ Bến Thành", 5)], vec![id(&silent)]);
    assert_eq!(report(&c.province_officer).await, everything);
    assert_eq!(report(&c.admin).await, everything);
    // Another province's officer sees none of these venues.
    assert_eq!(report(&c.far_officer).await, (vec![], vec![]));
    // A period without passages makes every venue in scope silent.
    let quiet: Value = c.admin_a.get_json(&format!("/v1/checkin/compliance?from={}&to={}", (yesterday - Duration::days(10)).date_naive(), (yesterday - Duration::days(5)).date_naive())).await.unwrap();
    assert_eq!(quiet["days"], json!([]));
    assert_eq!(quiet["silent_venues"].as_array().unwrap().len(), 2);
    for refused in [&c.operator_a, &c.lab, &c.device] {
        assert_http_error(refused.get_json::<Value>(&path).await, 403, "forbidden");
    }
    for bad in [format!("/v1/checkin/compliance?from={d1}&to={d0}"), format!("/v1/checkin/compliance?from={d0}&to={}", (today + Duration::days(92)).date_naive())] {
        assert_http_error(c.admin.get_json::<Value>(&bad).await, 422, "invalid_request");
    }
    server.stop().await;
}

async fn passages_and_windows_are_purged_after_retention(backend: TestBackend) {
    let server = TestServer::start_with(backend, long_config()).await;
    let c = cast(&server).await;
    let market = create_venue(&c.admin_a, &c.agency_a, "Chợ Bến Thành", WARD).await;
    let gate = create_gate(&c.admin_a, &id(&market), "Cổng 1").await;
    let at = now(&server);
    let old = passage(at - Duration::days(20), None, None);
    let recent = passage(at - Duration::days(1), None, None);
    assert_eq!(upload(&c.operator_a, &gate, &[old.clone(), recent.clone()]).await, (2, 0));
    let window = json!({ "venue_id": id(&market), "from": time(at - Duration::days(3)), "to": time(at - Duration::days(2)), "advice": "self_isolate" });
    c.ward_officer.post_json::<_, Value>("/v1/risky-venues", &window).await.unwrap();

    // Nothing is due yet.
    let retention = Duration::days(21);
    assert_eq!(healthbook_server::checkin::purge_expired(&server.db, now(&server), retention).await.unwrap(), 0);
    // Two days on, the older passage is 22 days old: deleted; the other stays.
    server.clock.advance(Duration::days(2));
    assert_eq!(healthbook_server::checkin::purge_expired(&server.db, now(&server), retention).await.unwrap(), 1);
    let ids: Vec<String> = server
        .db
        .read(|tx| tx.query("SELECT id FROM gate_passages", &[])?.iter().map(|r| r.text(0)).collect::<Result<Vec<_>, _>>())
        .await
        .map_err(|e: StorageError| e)
        .unwrap();
    assert_eq!(ids, [id(&recent)]);
    // Three weeks on, the window (ended 2 days before the start) and the last passage are gone too.
    server.clock.advance(Duration::days(20));
    assert_eq!(healthbook_server::checkin::purge_expired(&server.db, now(&server), retention).await.unwrap(), 2);
    assert_eq!((server.count("gate_passages").await, server.count("risky_windows").await), (0, 0));
    server.stop().await;
}
