//! Agency keys, staff rosters and staff cards on the server (issue 9): who may call each endpoint and what they
//! see; the proof of possession; certification into the trust list with the agency's scope, checked through the
//! phone's trust client; a checkpoint verifier that accepts a card of the certified key and refuses one naming
//! another agency, one signed by an uncertified key and, after the refresh, a revoked one; a 5,000-row roster
//! (timed), imported again without change, with conflicts reported without personal data; body limits that fit
//! 5,000 rows at their longest; the daily cap on citizen ids entering a roster (the adoption figures say which
//! roster entries use the app), its ledger, audit records and `roster_churn` warnings.

use std::sync::Arc;
use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use healthbook_core::client::{MemoryTrustCache, ServerClient};
use healthbook_core::credentials::{CredentialId, CredentialSigner, FailedStage, OwnPayload, StaffCard, Verifier};
use healthbook_core::keystore::MemoryKeyStore;
use healthbook_core::trust::{IssuerRole, SigningKey};
use healthbook_core::{Clock, Healthbook, HealthbookConfig};
use healthbook_e2e::log::captured_log;
use healthbook_e2e::server::{TestBackend, TestPerson, TestServer, test_config};
use healthbook_e2e::server_scenarios;
use healthbook_protocol::agency_key_proof_message;
use healthbook_server::ServerConfig;
use reqwest::Method;
use serde_json::{Value, json};

server_scenarios!(
    each_endpoint_answers_only_its_callers,
    certified_keys_sign_cards_that_checkpoints_accept_until_revoked,
    a_roster_of_5000_rows_imports_once_and_conflicts_name_no_one,
    bodies_of_5000_rows_at_their_longest_fit_the_limits,
    a_daily_cap_bounds_the_citizen_ids_an_admin_can_test_against_the_app,
    two_imports_at_once_cannot_both_pass_under_the_cap,
);

const PROVINCE: &str = "79";
const WARD: &str = "26734";

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

/// Everyone who might call: the authority, two agencies' admins, a gate operator of the first, a health officer,
/// a phone and no one.
struct Cast {
    agency_a: String,
    agency_b: String,
    authority: ServerClient,
    admin_a: ServerClient,
    admin_b: ServerClient,
    operator_a: ServerClient,
    officer: ServerClient,
    device: ServerClient,
    anonymous: ServerClient,
}

async fn cast(server: &TestServer) -> Cast {
    let authority = server.admin_client().await;
    let agency_a = authority.create_agency("Sở Y tế").await.unwrap().id;
    let agency_b = authority.create_agency("Công ty Điện lực").await.unwrap().id;
    let device = server.client();
    let identity = device.register_device("android").await.unwrap();
    device.sign_in_device(&identity).await.unwrap();
    Cast {
        admin_a: staff(server, "agency_admin", "admin-a", Some(&agency_a), None).await,
        admin_b: staff(server, "agency_admin", "admin-b", Some(&agency_b), None).await,
        operator_a: staff(server, "gate_operator", "operator-a", Some(&agency_a), None).await,
        officer: staff(server, "health_officer", "officer", None, Some(json!({ "province": PROVINCE, "wards": [WARD] }))).await,
        device,
        anonymous: server.client(),
        authority,
        agency_a,
        agency_b,
    }
}

/// An agency key as the admin's device holds it: the card signer, the key id and the public key (base64 SPKI).
struct AgencyKey {
    signer: CredentialSigner,
    kid: String,
    public_key: String,
}

impl AgencyKey {
    /// The request body, the proof signed by `prover` (the key itself, or another to forge).
    fn submission(&self, agency: &str, prover: &SigningKey) -> Value {
        let proof = prover.sign(agency_key_proof_message(agency, &self.public_key).as_bytes()).unwrap();
        json!({ "public_key": self.public_key, "proof": STANDARD.encode(proof) })
    }
}

/// A key pair whose [`AgencyKey`] and [`SigningKey`] are the same key.
fn agency_key(issuer: &str) -> (AgencyKey, SigningKey) {
    let (key, pkcs8) = SigningKey::generate().unwrap();
    let signer = CredentialSigner::from_pkcs8(&pkcs8, issuer).unwrap();
    let agency_key = AgencyKey { kid: key.kid().to_owned(), public_key: key.verifying_key().spki_base64(), signer };
    (agency_key, key)
}

/// A key id in a path segment: `/`, `+` and `=` escaped.
fn path_kid(kid: &str) -> String {
    kid.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D")
}

/// `callers` and one more who is refused (403): the authority where only the agency's admin may act, or the
/// agency's admin where only the authority may.
fn with<'a>(callers: &[(&'a ServerClient, u16)], refused: &'a ServerClient) -> Vec<(&'a ServerClient, u16)> {
    let mut all = callers.to_vec();
    all.push((refused, 403));
    all
}

/// The status of a call (with a fresh idempotency key) and its JSON body.
async fn call(client: &ServerClient, method: Method, path: &str, body: Option<&Value>) -> (u16, Value) {
    let answer = client.send_detailed(method, path, body).await.unwrap();
    (answer.status, answer.body)
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn member(number: &str, name: &str) -> Value {
    json!({ "staff_number": number, "full_name": name, "department": "Phòng Tổ chức" })
}

/// A staff card signed on the admin's device, and its registration row.
fn staff_card(server: &TestServer, key: &AgencyKey, agency: &str, staff_number: &str) -> (String, Value) {
    let payload = OwnPayload::StaffCard(StaffCard {
        staff_id: staff_number.into(),
        name: "Lê Thị Hồng".into(),
        birth_year: Some(1985),
        agency_id: agency.into(),
    });
    let id = CredentialId::random().unwrap();
    let (issued, expires) = (server.clock.now(), server.clock.now() + Duration::days(180));
    let text = key.signer.issue_with_cti(&payload, &id.bytes, issued, expires).unwrap();
    let row = json!({ "card_id": id.text, "staff_number": staff_number, "kid": key.kid, "issued_at": time(issued), "expires_at": time(expires) });
    (text, row)
}

async fn each_endpoint_answers_only_its_callers(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let c = cast(&server).await;
    let (a, b) = (c.agency_a.clone(), c.agency_b.clone());
    let (key, signing) = agency_key("Sở Y tế");
    let submission = key.submission(&a, &signing);
    let keys = format!("/v1/agencies/{a}/keys");
    let certify = format!("/v1/agencies/{a}/keys/{}/certify", path_kid(&key.kid));
    let staff_path = format!("/v1/agencies/{a}/staff");
    let cards = format!("/v1/agencies/{a}/cards");
    let roster = json!({ "staff": [member("NV-001", "Lê Thị Hồng")] });
    let reason = json!({ "reason": "nghỉ việc" });

    // Every endpoint is in the OpenAPI document, with its bodies.
    let (status, doc) = call(&c.anonymous, Method::GET, "/openapi.json", None).await;
    assert_eq!(status, 200);
    for path in [
        "/v1/agencies/{agency_id}/keys",
        "/v1/agencies/{agency_id}/keys/{kid}/certify",
        "/v1/agencies/{agency_id}/staff",
        "/v1/agencies/{agency_id}/cards",
        "/v1/agencies/{agency_id}/cards/{card_id}/revoke",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    for schema in ["SubmitAgencyKeyRequest", "AgencyKeyList", "StaffImportRequest", "StaffImportReport", "StaffList", "RegisterCardsRequest", "RevokeCardRequest"] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema} documented");
    }

    // Everyone refused, before anything exists; the allowed call comes last and succeeds.
    let outsiders = [(&c.admin_b, 403), (&c.operator_a, 403), (&c.officer, 403), (&c.device, 403), (&c.anonymous, 401)];
    for (client, status) in with(&outsiders, &c.authority) {
        assert_eq!(call(client, Method::POST, &keys, Some(&submission)).await.0, status, "submit key");
    }
    let (status, view) = call(&c.admin_a, Method::POST, &keys, Some(&submission)).await;
    assert_eq!((status, view["status"].as_str()), (201, Some("pending")), "{view}");
    assert_eq!(view["kid"], key.kid);

    for (client, status) in outsiders {
        assert_eq!(call(client, Method::GET, &keys, None).await.0, status, "list keys");
    }
    for client in [&c.authority, &c.admin_a] {
        let (status, list) = call(client, Method::GET, &keys, None).await;
        assert_eq!((status, list["keys"].as_array().map(Vec::len)), (200, Some(1)));
    }

    for (client, status) in with(&outsiders, &c.admin_a) {
        assert_eq!(call(client, Method::POST, &certify, None).await.0, status, "certify");
    }
    let (status, certified) = call(&c.authority, Method::POST, &certify, None).await;
    assert_eq!((status, certified["status"].as_str()), (200, Some("certified")), "{certified}");
    let (status, again) = call(&c.authority, Method::POST, &certify, None).await;
    assert_eq!((status, &again), (200, &certified), "certifying again is harmless");

    for (client, status) in with(&outsiders, &c.authority) {
        assert_eq!(call(client, Method::POST, &staff_path, Some(&roster)).await.0, status, "import staff");
    }
    let (status, report) = call(&c.admin_a, Method::POST, &staff_path, Some(&roster)).await;
    assert_eq!((status, report["added"].as_u64()), (200, Some(1)), "{report}");

    for (client, status) in outsiders {
        assert_eq!(call(client, Method::GET, &staff_path, None).await.0, status, "list staff");
    }
    for client in [&c.authority, &c.admin_a] {
        let (status, list) = call(client, Method::GET, &staff_path, None).await;
        assert_eq!((status, list["staff"][0]["staff_number"].as_str()), (200, Some("NV-001")));
    }

    let (_, card) = staff_card(&server, &key, &a, "NV-001");
    let batch = json!({ "cards": [card.clone()] });
    for (client, status) in with(&outsiders, &c.authority) {
        assert_eq!(call(client, Method::POST, &cards, Some(&batch)).await.0, status, "register cards");
    }
    let (status, registered) = call(&c.admin_a, Method::POST, &cards, Some(&batch)).await;
    assert_eq!((status, registered), (200, json!({ "registered": 1, "already_registered": 0 })));

    let revoke = format!("/v1/agencies/{a}/cards/{}/revoke", card["card_id"].as_str().unwrap());
    for (client, status) in with(&outsiders, &c.authority) {
        assert_eq!(call(client, Method::POST, &revoke, Some(&reason)).await.0, status, "revoke card");
    }
    // Another agency's admin, on its own agency's path, finds no such card.
    let foreign = format!("/v1/agencies/{b}/cards/{}/revoke", card["card_id"].as_str().unwrap());
    let (status, body) = call(&c.admin_b, Method::POST, &foreign, Some(&reason)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
    let (status, revocation) = call(&c.admin_a, Method::POST, &revoke, Some(&reason)).await;
    assert_eq!((status, revocation["kind"].as_str(), revocation["id"].as_str()), (201, Some("credential"), card["card_id"].as_str()));

    // What each agency's admin sees of its own agency: B has no keys and no staff; A's card is no longer active.
    let (_, b_keys) = call(&c.admin_b, Method::GET, &format!("/v1/agencies/{b}/keys"), None).await;
    assert_eq!(b_keys["keys"], json!([]));
    let (_, b_staff) = call(&c.admin_b, Method::GET, &format!("/v1/agencies/{b}/staff"), None).await;
    assert_eq!(b_staff["staff"], json!([]));
    let (_, a_staff) = call(&c.admin_a, Method::GET, &staff_path, None).await;
    assert_eq!(a_staff["staff"][0]["active_cards"], json!([]));
    // The staff list read is on the access log.
    let (_, log) = call(&c.authority, Method::GET, "/v1/access-log", None).await;
    assert!(log["entries"].as_array().unwrap().iter().any(|e| e["endpoint"] == "GET /v1/agencies/{agency_id}/staff"));
    server.stop().await;
}

async fn certified_keys_sign_cards_that_checkpoints_accept_until_revoked(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let c = cast(&server).await;
    let (a, b) = (c.agency_a.clone(), c.agency_b.clone());
    let (key, signing) = agency_key("Sở Y tế");
    let (uncertified, uncertified_signing) = agency_key("Sở Y tế (chưa duyệt)");
    let keys = format!("/v1/agencies/{a}/keys");

    // Proof of possession: a proof made by another key, or for another agency, is refused.
    let forged = key.submission(&a, &uncertified_signing);
    let (status, body) = call(&c.admin_a, Method::POST, &keys, Some(&forged)).await;
    assert_eq!((status, body["error"]["fields"][0]["field"].as_str()), (422, Some("proof")), "{body}");
    let for_b = key.submission(&b, &signing);
    assert_eq!(call(&c.admin_a, Method::POST, &keys, Some(&for_b)).await.0, 422, "a proof for another agency");
    let not_a_key = json!({ "public_key": "AAAA", "proof": "AAAA" });
    assert_eq!(call(&c.admin_a, Method::POST, &keys, Some(&not_a_key)).await.0, 422);
    assert_eq!(call(&c.admin_a, Method::POST, &keys, Some(&key.submission(&a, &signing))).await.0, 201);
    assert_eq!(call(&c.admin_a, Method::POST, &keys, Some(&uncertified.submission(&a, &uncertified_signing))).await.0, 201);
    // The same key again, by this agency or by another with a valid proof for itself: 409, and B never lists it.
    let (status, body) = call(&c.admin_a, Method::POST, &keys, Some(&key.submission(&a, &signing))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("issuer_key_exists")));
    let (status, body) = call(&c.admin_b, Method::POST, &format!("/v1/agencies/{b}/keys"), Some(&key.submission(&b, &signing))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("issuer_key_exists")));
    // Nor may the authority certify A's key under B.
    let wrong_agency = format!("/v1/agencies/{b}/keys/{}/certify", path_kid(&key.kid));
    assert_eq!(call(&c.authority, Method::POST, &wrong_agency, None).await.0, 404);
    let (status, certified) =
        call(&c.authority, Method::POST, &format!("/v1/agencies/{a}/keys/{}/certify", path_kid(&key.kid)), None).await;
    assert_eq!(status, 200, "{certified}");
    let (_, b_keys) = call(&c.admin_b, Method::GET, &format!("/v1/agencies/{b}/keys"), None).await;
    assert_eq!(b_keys["keys"], json!([]), "a key of agency A is never listed for agency B");

    // The root-verified trust list names the key with role agency and A's scope, for a year.
    let list = server.client().fetch_trust_list(&server.root_key, &MemoryTrustCache::default()).await.unwrap();
    let entry = list.document.keys.iter().find(|k| k.kid == key.kid).expect("certified key in the trust list");
    assert_eq!((entry.role, entry.scope.as_str(), entry.public_key.as_str()), (IssuerRole::Agency, format!("agency:{a}").as_str(), key.public_key.as_str()));
    assert_eq!(entry.not_after - entry.not_before, Duration::days(365));
    let not_after: DateTime<Utc> = serde_json::from_value(certified["not_after"].clone()).unwrap();
    assert_eq!(not_after, entry.not_after, "the key's view shows the validity the trust list gives");
    assert!(list.document.keys.iter().all(|k| k.kid != uncertified.kid), "a pending key is not in the trust list");

    // A card for every case, registered where the server allows it.
    let roster = json!({ "staff": [member("NV-001", "Lê Thị Hồng"), member("NV-002", "Phạm Văn Đức")] });
    assert_eq!(call(&c.admin_a, Method::POST, &format!("/v1/agencies/{a}/staff"), Some(&roster)).await.0, 200);
    let (good, good_row) = staff_card(&server, &key, &a, "NV-001");
    let (naming_b, _) = staff_card(&server, &key, &b, "NV-001");
    let (unknown, unknown_row) = staff_card(&server, &uncertified, &a, "NV-002");
    let cards = format!("/v1/agencies/{a}/cards");
    let refused = |status: u16, body: &Value, field: &str| {
        assert_eq!((status, body["error"]["fields"][0]["field"].as_str()), (422, Some(field)), "{body}");
    };
    let (status, body) = call(&c.admin_a, Method::POST, &cards, Some(&json!({ "cards": [good_row.clone(), unknown_row] }))).await;
    refused(status, &body, "cards[1].kid");
    let mut off_roster = good_row.clone();
    off_roster["staff_number"] = json!("NV-999");
    let (status, body) = call(&c.admin_a, Method::POST, &cards, Some(&json!({ "cards": [off_roster] }))).await;
    refused(status, &body, "cards[0].staff_number");
    // B's admin can't register a card of A's key under B.
    let (status, body) = call(&c.admin_b, Method::POST, &format!("/v1/agencies/{b}/cards"), Some(&json!({ "cards": [good_row.clone()] }))).await;
    refused(status, &body, "cards[0].kid");
    let batch = json!({ "cards": [good_row.clone()] });
    let (_, registered) = call(&c.admin_a, Method::POST, &cards, Some(&batch)).await;
    assert_eq!(registered, json!({ "registered": 1, "already_registered": 0 }));
    let (_, registered) = call(&c.admin_a, Method::POST, &cards, Some(&batch)).await;
    assert_eq!(registered, json!({ "registered": 0, "already_registered": 1 }), "idempotent per card id");
    let (_, listed) = call(&c.admin_a, Method::GET, &format!("/v1/agencies/{a}/staff"), None).await;
    assert_eq!(listed["staff"][0]["active_cards"], json!([good_row["card_id"]]));

    // A checkpoint with the lists the phone's trust client fetched and verified against the pinned root.
    let dir = tempfile::tempdir().unwrap();
    let config = HealthbookConfig { data_dir: dir.path().into(), key_store: Arc::new(MemoryKeyStore::default()), clock: server.clock.clone() };
    let phone = Healthbook::open(config).unwrap();
    phone.settings().set_server_url(Some(server.base_url.clone())).await.unwrap();
    phone.settings().set_root_key(Some(server.root_key.spki_base64())).await.unwrap();
    phone.trust().refresh().await.unwrap();
    let at = server.clock.now() + Duration::hours(1);
    let verifier = Verifier::new(phone.trust().store().unwrap());
    let verdict = verifier.verify(&good, at);
    assert!(verdict.valid, "{verdict:?}");
    assert_eq!(verdict.credential_id.as_deref(), good_row["card_id"].as_str(), "the verifier's id is the registered card id");
    assert_eq!(verifier.verify(&naming_b, at).stage, Some(FailedStage::OutOfScope));
    assert_eq!(verifier.verify(&unknown, at).stage, Some(FailedStage::UnknownKey));

    // Revoked: refused after the next refresh; revoking again is a conflict.
    let revoke = format!("/v1/agencies/{a}/cards/{}/revoke", good_row["card_id"].as_str().unwrap());
    let reason = json!({ "reason": "nghỉ việc" });
    assert_eq!(call(&c.admin_a, Method::POST, &revoke, Some(&reason)).await.0, 201);
    let (status, body) = call(&c.admin_a, Method::POST, &revoke, Some(&reason)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("already_revoked")));
    let unknown_card = format!("/v1/agencies/{a}/cards/{}/revoke", "80aabbccddeeff00");
    assert_eq!(call(&c.admin_a, Method::POST, &unknown_card, Some(&reason)).await.0, 404);
    assert!(verifier.verify(&good, at).valid, "the old lists do not know yet");
    phone.trust().refresh().await.unwrap();
    let refreshed = Verifier::new(phone.trust().store().unwrap());
    assert_eq!(refreshed.verify(&good, at).stage, Some(FailedStage::Revoked));

    // Once the authority revokes the key itself, the agency sees it revoked and can register no card of it.
    let revocation = json!({ "kind": "issuer_key", "id": key.kid, "reason": "key lost" });
    assert_eq!(call(&c.authority, Method::POST, "/v1/revocations", Some(&revocation)).await.0, 201);
    let (_, listed) = call(&c.admin_a, Method::GET, &keys, None).await;
    let statuses: Vec<(&str, &str)> =
        listed["keys"].as_array().unwrap().iter().map(|k| (k["kid"].as_str().unwrap(), k["status"].as_str().unwrap())).collect();
    assert!(statuses.contains(&(key.kid.as_str(), "revoked")) && statuses.contains(&(uncertified.kid.as_str(), "pending")), "{statuses:?}");
    let (_, late_row) = staff_card(&server, &key, &a, "NV-002");
    let (status, body) = call(&c.admin_a, Method::POST, &cards, Some(&json!({ "cards": [late_row] }))).await;
    refused(status, &body, "cards[0].kid");
    server.stop().await;
}

/// 5,000 valid roster rows: Vietnamese names, departments, phones, CCCDs matching the birth year.
fn roster(count: usize) -> Vec<Value> {
    const FAMILY: [&str; 6] = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ"];
    const GIVEN: [&str; 6] = ["Văn An", "Thị Bích", "Quang Dũng", "Thị Hằng", "Đức Khải", "Ngọc Lan"];
    (0..count)
        .map(|i| {
            let year = 1960 + (i % 40) as u16;
            json!({
                "staff_number": format!("NV-{i:05}"),
                "full_name": format!("{} {}", FAMILY[i % 6], GIVEN[(i / 6) % 6]),
                "department": format!("Phòng {}", ["Kế toán", "Hành chính", "Kỹ thuật"][i % 3]),
                "phone": format!("+849{i:08}"),
                "citizen_id": format!("079{}{:02}{:06}", 0, year % 100, i),
                "birth_year": year,
            })
        })
        .collect()
}

async fn a_roster_of_5000_rows_imports_once_and_conflicts_name_no_one(backend: TestBackend) {
    let log = captured_log();
    let server = TestServer::start(backend).await;
    let c = cast(&server).await;
    let a = c.agency_a.clone();
    let path = format!("/v1/agencies/{a}/staff");
    let rows = roster(5_000);

    // One malformed row refuses the whole request, naming its index and field, and stores nothing.
    let mut bad = rows.clone();
    bad[17]["phone"] = json!("+84 12");
    let (status, body) = call(&c.admin_a, Method::POST, &path, Some(&json!({ "staff": bad }))).await;
    assert_eq!((status, body["error"]["fields"][0]["field"].as_str()), (422, Some("staff[17].phone")), "{body}");
    assert!(!body.to_string().contains("+84 12"), "the error never repeats the value");
    let mut bad = rows.clone();
    bad[4_321]["citizen_id"] = json!("079099000001");
    let (status, body) = call(&c.admin_a, Method::POST, &path, Some(&json!({ "staff": bad }))).await;
    assert_eq!((status, body["error"]["fields"][0]["field"].as_str()), (422, Some("staff[4321].citizen_id")), "{body}");
    assert_eq!(call(&c.admin_a, Method::POST, &path, Some(&json!({ "staff": [] }))).await.0, 422);
    assert_eq!(call(&c.admin_a, Method::POST, &path, Some(&json!({ "staff": roster(5_001) }))).await.0, 422);
    assert_eq!(server.count("agency_staff").await, 0);

    let started = Instant::now();
    let (status, report) = call(&c.admin_a, Method::POST, &path, Some(&json!({ "staff": rows }))).await;
    let first = started.elapsed();
    assert_eq!(status, 200, "{report}");
    assert_eq!(report, json!({ "added": 5000, "updated": 0, "unchanged": 0, "conflicts": [] }));
    let started = Instant::now();
    let (_, again) = call(&c.admin_a, Method::POST, &path, Some(&json!({ "staff": rows }))).await;
    let second = started.elapsed();
    assert_eq!(again, json!({ "added": 0, "updated": 0, "unchanged": 5000, "conflicts": [] }));
    println!("{backend:?}: import of 5,000 roster rows {first:?}; the same rows again {second:?} (all unchanged)");
    assert_eq!(server.count("agency_staff").await, 5_000);

    // A changed department updates; a new staff number with a citizen id already on the roster conflicts, as does a
    // repeat within the request; neither is stored. The conflict names the row's staff number, nothing personal.
    let mut changed = rows[0].clone();
    changed["department"] = json!("Phòng Giám đốc");
    let duplicate_id = rows[1]["citizen_id"].as_str().unwrap().to_owned();
    let mut newcomer = rows[1].clone();
    newcomer["staff_number"] = json!("NV-NEW");
    let mut twin = json!({ "staff_number": "NV-TWIN-1", "full_name": "Đỗ Minh Tâm", "citizen_id": "001085000001", "birth_year": 1985 });
    let mut twin2 = twin.clone();
    twin2["staff_number"] = json!("NV-TWIN-2");
    twin["phone"] = json!("+84912345678");
    let (_, report) = call(&c.admin_a, Method::POST, &path, Some(&json!({ "staff": [changed, newcomer, twin, twin2] }))).await;
    assert_eq!((report["added"].as_u64(), report["updated"].as_u64(), report["unchanged"].as_u64()), (Some(1), Some(1), Some(0)), "{report}");
    let conflicts: Vec<&str> = report["conflicts"].as_array().unwrap().iter().map(|c| c["staff_number"].as_str().unwrap()).collect();
    assert_eq!(conflicts, vec!["NV-NEW", "NV-TWIN-2"]);
    assert_eq!(server.count("agency_staff").await, 5_001);
    // Another agency may employ the same person.
    let b_path = format!("/v1/agencies/{}/staff", c.agency_b);
    let (_, b_report) = call(&c.admin_b, Method::POST, &b_path, Some(&json!({ "staff": [rows[1].clone()] }))).await;
    assert_eq!(b_report["added"], 1);

    // No citizen id or phone comes back, nor reaches the log.
    let (_, list) = call(&c.admin_a, Method::GET, &path, None).await;
    let staff = list["staff"].as_array().unwrap();
    assert_eq!(staff.len(), 5_001);
    assert_eq!(staff[0], json!({ "staff_number": "NV-00000", "full_name": "Nguyễn Văn An", "department": "Phòng Giám đốc", "has_citizen_id": true, "active_cards": [] }));
    let text = format!("{report}{list}");
    // tokio_postgres traces every statement's parameters at DEBUG (the server logs at INFO by default), so its
    // lines are left out; everything the server itself logs is checked.
    let logged: String = String::from_utf8_lossy(&log.lock().unwrap())
        .lines()
        .filter(|line| !line.contains("tokio_postgres"))
        .collect::<Vec<_>>()
        .join("\n");
    for secret in [duplicate_id.as_str(), "001085000001", "+84912345678", rows[1]["phone"].as_str().unwrap()] {
        assert!(!text.contains(secret), "answer leaks {secret}");
        assert!(!logged.contains(secret), "log leaks {secret}");
    }
    server.stop().await;
}

async fn bodies_of_5000_rows_at_their_longest_fit_the_limits(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let c = cast(&server).await;
    let a = c.agency_a.clone();
    // Every field at its longest, in three-byte characters; the last row is malformed, so the answer is the
    // server's 422 for that row after reading the whole body, not 413.
    let long = "Ệ".repeat(200);
    let mut rows: Vec<Value> = (0..5_000)
        .map(|i| {
            json!({ "staff_number": format!("{i:0>40}"), "full_name": long, "department": long, "phone": "+84912345678",
                    "citizen_id": "079085000001", "birth_year": 1985 })
        })
        .collect();
    rows[4_999]["birth_year"] = json!(1800);
    let (status, body) = call(&c.admin_a, Method::POST, &format!("/v1/agencies/{a}/staff"), Some(&json!({ "staff": rows }))).await;
    assert_eq!((status, body["error"]["fields"][0]["field"].as_str()), (422, Some("staff[4999].birth_year")), "{body}");

    let now = server.clock.now();
    let mut cards: Vec<Value> = (0..5_000)
        .map(|i| {
            json!({ "card_id": format!("80{i:014x}"), "staff_number": format!("{i:0>40}"), "kid": "AAECAwQFBgc=",
                    "issued_at": time(now), "expires_at": time(now + Duration::days(365)) })
        })
        .collect();
    cards[4_999]["card_id"] = json!("not hex");
    let (status, body) = call(&c.admin_a, Method::POST, &format!("/v1/agencies/{a}/cards"), Some(&json!({ "cards": cards }))).await;
    assert_eq!((status, body["error"]["fields"][0]["field"].as_str()), (422, Some("cards[4999].card_id")), "{body}");
    server.stop().await;
}

/// A roster import's status, `Retry-After` and body.
async fn import(client: &ServerClient, path: &str, staff: Vec<Value>) -> (u16, Option<u64>, Value) {
    let answer = client.send_detailed(Method::POST, path, Some(&json!({ "staff": staff }))).await.unwrap();
    (answer.status, answer.retry_after_secs, answer.body)
}

/// The `roster_churn` warnings logged for `agency` so far, by reason.
fn churn_reasons(agency: &str) -> Vec<String> {
    String::from_utf8_lossy(&captured_log().lock().unwrap())
        .lines()
        .filter(|line| line.contains("roster_churn") && line.contains(agency) && !line.contains("tokio_postgres"))
        .filter_map(|line| line.split("reason=").nth(1)?.split_whitespace().next().map(|r| r.trim_matches('"').to_owned()))
        .collect()
}

/// The finding: an agency admin could import anyone's citizen id as "staff" and read from the adoption figures
/// whether that person uses the app, and rewrite one row's id again and again to test ids without end. With a cap
/// of 10 a day: imports up to the cap pass, the same rows again count nothing, a changed id counts and is warned
/// about, the import over the cap is refused with 429 `roster_citizen_id_limit` and stores nothing, another
/// agency's cap is its own, the window frees up after 24 hours, and the access log holds counts, never an id.
async fn a_daily_cap_bounds_the_citizen_ids_an_admin_can_test_against_the_app(backend: TestBackend) {
    captured_log();
    // Tokens outlive the day the clock moves.
    let config = ServerConfig { roster_new_citizen_ids_per_day: 10, token_ttl: Duration::days(3), ..test_config() };
    let server = TestServer::start_with(backend, config).await;
    let c = cast(&server).await;
    let (a, b) = (c.agency_a.clone(), c.agency_b.clone());
    let path = format!("/v1/agencies/{a}/staff");
    let adoption = format!("/v1/agencies/{a}/adoption");
    let rows = roster(10);
    // Rows 1 and 3 are people on a phone, and so is someone the agency does not employ: the probe's target.
    let probe_id = "079060999999";
    let phone = server.client();
    let phone_id = phone.register_device("android").await.unwrap().device_id().to_owned();
    let mut persons = Vec::new();
    let mut bindings = Vec::new();
    for (n, (citizen_id, birth_year)) in
        [(rows[1]["citizen_id"].as_str().unwrap(), 1961), (rows[3]["citizen_id"].as_str().unwrap(), 1963), (probe_id, 1960)]
            .into_iter()
            .enumerate()
    {
        let person = TestPerson::new("Phạm Thị Hằng", birth_year);
        bindings.push((phone_id.clone(), format!("profile-{n}"), person.id.clone()));
        persons.push((citizen_id.to_owned(), person));
    }
    server.add_citizens(&persons, &bindings).await;

    // Five rows with ids: half the cap, no warning; the same rows again count nothing.
    let (status, _, report) = import(&c.admin_a, &path, rows[..5].to_vec()).await;
    assert_eq!((status, report["added"].as_u64()), (200, Some(5)), "{report}");
    let (status, _, report) = import(&c.admin_a, &path, rows[..5].to_vec()).await;
    assert_eq!((status, report["unchanged"].as_u64()), (200, Some(5)), "{report}");
    assert_eq!(churn_reasons(&a), Vec::<String>::new());

    // The probe: row 0 rewritten to another id. It counts (6 of 10) and is warned about; the adoption figures
    // now tell the admin that person joined.
    let mut probe = rows[0].clone();
    probe["citizen_id"] = json!(probe_id);
    let (status, _, report) = import(&c.admin_a, &path, vec![probe.clone()]).await;
    assert_eq!((status, report["updated"].as_u64()), (200, Some(1)), "{report}");
    assert_eq!(churn_reasons(&a), vec!["citizen_ids_changed"]);
    let (_, seen) = call(&c.admin_a, Method::GET, &adoption, None).await;
    assert_eq!(seen["total"]["joined"], 3, "{seen}");

    // Four new rows (and the five unchanged) take the agency to its cap exactly, past half of it: warned.
    let mut first_nine = rows[..9].to_vec();
    first_nine[0] = probe.clone();
    let (status, _, report) = import(&c.admin_a, &path, first_nine).await;
    assert_eq!((status, report["added"].as_u64(), report["unchanged"].as_u64()), (200, Some(4), Some(5)), "{report}");
    assert_eq!(churn_reasons(&a), vec!["citizen_ids_changed", "over_half_of_daily_cap"]);

    // One more id, new or changed, is refused with the code and when to try again, and stores nothing: the
    // staff list, the adoption figures and the ledger are as they were.
    let (_, staff_before) = call(&c.admin_a, Method::GET, &path, None).await;
    let (_, adoption_before) = call(&c.admin_a, Method::GET, &adoption, None).await;
    let ledger_before = server.count("roster_citizen_id_ledger").await;
    let mut rewrite = rows[0].clone();
    rewrite["citizen_id"] = json!("079060888888");
    for refused in [vec![rows[9].clone()], vec![rewrite], vec![rows[9].clone(), rows[8].clone()]] {
        let (status, retry_after, body) = import(&c.admin_a, &path, refused).await;
        assert_eq!((status, body["error"]["code"].as_str()), (429, Some("roster_citizen_id_limit")), "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("try again after"), "{message}");
        // The first rows entered 24 hours before they leave the window; the clock has not moved.
        assert_eq!(retry_after, Some(24 * 3_600), "{body}");
    }
    assert_eq!(call(&c.admin_a, Method::GET, &path, None).await.1, staff_before);
    assert_eq!(call(&c.admin_a, Method::GET, &adoption, None).await.1, adoption_before);
    assert_eq!(server.count("roster_citizen_id_ledger").await, ledger_before);
    assert_eq!(server.count("agency_staff").await, 9);
    assert_eq!(churn_reasons(&a).last().map(String::as_str), Some("daily_cap_reached"));
    // Rows that bring no id still go through (a name corrected, a new member without an id).
    let mut renamed = rows[2].clone();
    renamed["full_name"] = json!("Lê Thị Bích Ngọc");
    let no_id = json!({ "staff_number": "NV-NOID", "full_name": "Võ Văn Tám", "department": "Phòng Kỹ thuật" });
    let (status, _, report) = import(&c.admin_a, &path, vec![renamed, no_id]).await;
    assert_eq!((status, report["updated"].as_u64(), report["added"].as_u64()), (200, Some(1), Some(1)), "{report}");

    // Another agency's cap is its own.
    let (status, _, report) = import(&c.admin_b, &format!("/v1/agencies/{b}/staff"), roster(10)).await;
    assert_eq!((status, report["added"].as_u64()), (200, Some(10)), "{report}");

    // A day later the window has freed up; the hourly purge then deletes what left it.
    server.clock.advance(Duration::hours(24) + Duration::minutes(1));
    let (status, _, report) = import(&c.admin_a, &path, vec![rows[9].clone()]).await;
    assert_eq!((status, report["added"].as_u64()), (200, Some(1)), "{report}");
    let now = server.clock.now();
    let purged = server.db.write(move |tx| healthbook_server::agencies::roster_limit::purge(tx, now)).await.unwrap();
    assert_eq!(purged, 4, "agency A's three imports and agency B's one of the day before");
    assert_eq!(server.count("roster_citizen_id_ledger").await, 1);

    // Every import that brought ids is in the access log with its counts, and no citizen id is.
    let (_, log) = call(&c.authority, Method::GET, "/v1/access-log?limit=500", None).await;
    let imports: Vec<(&str, u64, u64, u64)> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["endpoint"] == "POST /v1/agencies/{agency_id}/staff")
        .map(|e| {
            let f = &e["filters"];
            let count = |name: &str| f[name].as_u64().unwrap();
            (f["agency_id"].as_str().unwrap(), count("new_citizen_ids"), count("citizen_ids_changed"), count("new_citizen_ids_in_24h"))
        })
        .collect();
    let expected = vec![(a.as_str(), 5, 0, 5), (a.as_str(), 1, 1, 6), (a.as_str(), 4, 0, 10), (b.as_str(), 10, 0, 10), (a.as_str(), 1, 0, 1)];
    assert_eq!(imports, expected);
    let text = log.to_string();
    for row in roster(10) {
        let id = row["citizen_id"].as_str().unwrap();
        assert!(!text.contains(id), "the access log holds a citizen id");
    }
    assert!(!text.contains(probe_id) && !text.contains("079060888888"), "the access log holds a citizen id");
    server.stop().await;
}

/// Two imports of 3,000 new ids each, sent at once against a cap of 5,000 (big enough that their transactions
/// overlap): the agency's row lock makes the second wait for the first's ledger row, so exactly one passes.
async fn two_imports_at_once_cannot_both_pass_under_the_cap(backend: TestBackend) {
    let config = ServerConfig { roster_new_citizen_ids_per_day: 5_000, ..test_config() };
    let server = TestServer::start_with(backend, config).await;
    let c = cast(&server).await;
    let path = format!("/v1/agencies/{}/staff", c.agency_a);
    let rows = roster(6_000);
    // A first import (no citizen id, so nothing counted) makes the server's citizen-id key, whose creation
    // would otherwise order the two imports by itself.
    let no_id = json!({ "staff_number": "NV-NOID", "full_name": "Võ Văn Tám", "department": "Phòng Kỹ thuật" });
    assert_eq!(import(&c.admin_a, &path, vec![no_id]).await.0, 200);
    let (first, second) =
        tokio::join!(import(&c.admin_a, &path, rows[..3_000].to_vec()), import(&c.admin_a, &path, rows[3_000..].to_vec()));
    let mut statuses = [first.0, second.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 429], "{} {}", first.2, second.2);
    assert_eq!(server.count("agency_staff").await, 3_001);
    assert_eq!(server.count("roster_citizen_id_ledger").await, 1);
    server.stop().await;
}
