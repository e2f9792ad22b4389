//! Security regressions of issue 18 (officer scope, keys at rest, form publishing), one test per finding:
//! officers read only their area and every read is logged; the access log is the authority's; a copy of the
//! database holds no usable private key; a wrong key-encryption key stops the server; files are 0600; authority
//! keys need the root key holder; forms are the authority's, version by version; form reads never wait for the
//! writer; a rotated service key keeps what it signed verifiable.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use healthbook_core::Clock;
use healthbook_core::client::ServerClient;
use healthbook_core::keystore::MemoryKeyStore;
use healthbook_core::profiles::{BirthDate, ProfileInput, ProfileRelation};
use healthbook_core::trust::{IssuerRole, SigningKey};
use healthbook_core::{Healthbook, HealthbookConfig};
use healthbook_e2e::server::{TestBackend, TestPerson, TestServer, assert_json_error, raw_request};
use healthbook_e2e::server_scenarios;
use healthbook_server::keys::{self, KekSettings, KeyError};
use healthbook_server::{Database, DatabaseLocation};
use serde_json::{Value, json};

server_scenarios!(
    cross_province_officer_read_is_refused_and_logged,
    access_log_is_readable_by_the_authority_admin_only,
    wrong_kek_refuses_to_start,
    clear_keys_of_an_older_database_are_sealed_at_start,
    authority_key_via_api_is_refused_and_needs_the_root_key_holder,
    health_officer_cannot_publish_forms,
    form_version_gaps_are_refused,
    rotated_service_key_keeps_earlier_passes_valid,
);

const DATE: &str = "2021-07-01";

/// Creates an officer through the API and signs it in.
async fn officer(server: &TestServer, username: &str, area: Value) -> ServerClient {
    let admin = server.admin_client().await;
    let body = json!({ "role": "health_officer", "username": username, "password": "officer-password", "area": area });
    let created: Value = admin.post_json("/v1/accounts", &body).await.unwrap();
    assert_eq!(created["area"], area, "the account shows its area");
    let client = server.client();
    client.sign_in_staff(username, "officer-password").await.unwrap();
    client
}

/// Submits one declaration from a fresh device for a person living in `province`/`ward`; returns its id.
async fn declare(server: &TestServer, province: &str, ward: &str) -> String {
    let phone = server.client();
    let identity = phone.register_device("test").await.unwrap();
    phone.sign_in_device(&identity).await.unwrap();
    let id = uuid::Uuid::new_v4().to_string();
    let body = json!({
        "declaration_id": id,
        "form_id": "health_declaration",
        "form_version": 1,
        "declared_at": "2021-07-01T07:00:00Z",
        "answers": { "symptoms": [], "contact_with_confirmed_case": false, "travel_from_outbreak_area": false, "vaccination_status": "booster" },
        "subject": { "profile_ref": "p1", "full_name": "Trần Thị Hoa", "birth_year": 1975, "province_code": province, "ward_code": ward },
        "filled_by": { "relation": "myself" }
    });
    let _: Value = phone.post_json("/v1/declarations", &body).await.unwrap();
    id
}

fn ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> =
        list["declarations"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    ids
}

async fn access_log(admin: &ServerClient, query: &str) -> Vec<Value> {
    let page: Value = admin.get_json(&format!("/v1/access-log?{query}")).await.unwrap();
    page["entries"].as_array().unwrap().clone()
}

async fn cross_province_officer_read_is_refused_and_logged(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let hanoi = declare(&server, "01", "00001").await;
    let saigon_ward = declare(&server, "79", "26734").await;
    let saigon_other_ward = declare(&server, "79", "26737").await;

    // A health officer must have an area.
    let admin = server.admin_client().await;
    let no_area = json!({ "role": "health_officer", "username": "no-area", "password": "officer-password" });
    let err = admin.post_json::<_, Value>("/v1/accounts", &no_area).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(422), Some("invalid_request")));

    // Province A (01) reads its own, and nothing of province B (79): 403, no records.
    let officer_a = officer(&server, "officer-hanoi", json!({ "province": "01", "wards": [] })).await;
    let own: Value = officer_a.get_json(&format!("/v1/declarations?province=01&date={DATE}")).await.unwrap();
    assert_eq!(ids(&own), vec![hanoi.clone()]);
    let err = officer_a.get_json::<Value>(&format!("/v1/declarations?province=79&date={DATE}")).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(403), Some("forbidden")));
    let err =
        officer_a.get_json::<Value>(&format!("/v1/declarations?province=79&date={DATE}&ward=26734")).await.unwrap_err();
    assert_eq!(err.status(), Some(403));

    // An officer scoped to one ward sees only that ward, asked or not, and is refused another ward.
    let officer_w = officer(&server, "officer-ward", json!({ "province": "79", "wards": ["26734"] })).await;
    let scoped: Value = officer_w.get_json(&format!("/v1/declarations?province=79&date={DATE}")).await.unwrap();
    assert_eq!(ids(&scoped), vec![saigon_ward.clone()]);
    let err =
        officer_w.get_json::<Value>(&format!("/v1/declarations?province=79&date={DATE}&ward=26737")).await.unwrap_err();
    assert_eq!(err.status(), Some(403));
    // The national authority reads both wards.
    let national: Value = admin.get_json(&format!("/v1/declarations?province=79&date={DATE}")).await.unwrap();
    let mut both = vec![saigon_ward.clone(), saigon_other_ward];
    both.sort();
    assert_eq!(ids(&national), both);

    // Every read by officer A is in the log: who, role, what, which records; refusals with none.
    let me_a: Value = officer_a.get_json("/v1/me").await.unwrap();
    let entries = access_log(&admin, &format!("account={}", me_a["id"].as_str().unwrap())).await;
    let summary: Vec<(String, String, String, u64, Vec<Value>)> = entries
        .iter()
        .map(|e| {
            (
                e["role"].as_str().unwrap().to_owned(),
                e["filters"]["province"].as_str().unwrap().to_owned(),
                e["outcome"].as_str().unwrap().to_owned(),
                e["record_count"].as_u64().unwrap(),
                e["record_ids"].as_array().unwrap().clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("health_officer".into(), "01".into(), "ok".into(), 1, vec![json!(hanoi)]),
            ("health_officer".into(), "79".into(), "denied".into(), 0, vec![]),
            ("health_officer".into(), "79".into(), "denied".into(), 0, vec![]),
        ]
    );
    assert!(entries.iter().all(|e| e["endpoint"] == "GET /v1/declarations"));
    // The ward officer's reads and the admin's are logged too: 2 + 1, plus the 3 above.
    assert_eq!(access_log(&admin, "limit=500").await.len(), 6);
    server.stop().await;
}

async fn access_log_is_readable_by_the_authority_admin_only(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    declare(&server, "01", "00001").await;
    let officer_a = officer(&server, "officer-hanoi", json!({ "province": "01", "wards": [] })).await;
    for _ in 0..3 {
        let _: Value = officer_a.get_json(&format!("/v1/declarations?province=01&date={DATE}")).await.unwrap();
    }
    let err = officer_a.get_json::<Value>("/v1/access-log").await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(403), Some("forbidden")));
    let phone = server.client();
    let identity = phone.register_device("test").await.unwrap();
    phone.sign_in_device(&identity).await.unwrap();
    assert_eq!(phone.get_json::<Value>("/v1/access-log").await.unwrap_err().status(), Some(403));
    assert_eq!(server.client().get_json::<Value>("/v1/access-log").await.unwrap_err().status(), Some(401));

    // The admin pages through it, oldest first.
    let admin = server.admin_client().await;
    let first: Value = admin.get_json("/v1/access-log?limit=2").await.unwrap();
    assert_eq!(first["entries"].as_array().unwrap().len(), 2);
    let after = first["next_after"].as_str().expect("a next page").to_owned();
    let second: Value = admin.get_json(&format!("/v1/access-log?limit=2&after={after}")).await.unwrap();
    assert_eq!(second["entries"].as_array().unwrap().len(), 1);
    assert!(second["next_after"].is_null());
    assert!(second["entries"][0]["id"].as_str().unwrap() > after.as_str());
    server.stop().await;
}

/// Every run of base64 characters at least `min` long in `bytes`.
fn base64_runs(bytes: &[u8], min: usize) -> Vec<String> {
    let is_b64 = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
    bytes
        .split(|b| !is_b64(b))
        .filter(|run| run.len() >= min)
        .map(|run| String::from_utf8_lossy(run).into_owned())
        .collect()
}

/// DER prefix of an unencrypted PKCS#8 P-256 key (`SEQUENCE { INTEGER 0, SEQUENCE { id-ecPublicKey, ... } }`).
const PKCS8_EC_PREFIX: [u8; 13] = [0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02];

/// Private keys findable in a file's bytes: raw PKCS#8, or PKCS#8 in any base64 run (at any alignment).
fn private_keys_in(bytes: &[u8]) -> usize {
    let contains_prefix = |data: &[u8]| data.windows(PKCS8_EC_PREFIX.len()).any(|w| w == PKCS8_EC_PREFIX);
    let mut found = usize::from(contains_prefix(bytes));
    for run in base64_runs(bytes, 64) {
        for start in 0..4 {
            let Some(slice) = run.get(start..) else { continue };
            let usable = slice.trim_end_matches('=');
            let usable = &usable[..usable.len() - usable.len() % 4];
            let Ok(decoded) = base64::engine::general_purpose::STANDARD_NO_PAD.decode(usable) else { continue };
            if contains_prefix(&decoded)
                || (0..decoded.len().min(8)).any(|i| SigningKey::from_pkcs8(&decoded[i..]).is_ok())
            {
                found += 1;
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_private_key_is_readable_from_a_copy_of_the_database() {
    // The scanner finds a key stored the way older databases stored them, so its silence below means something.
    let (_, clear) = SigningKey::generate().unwrap();
    let mut old_style = b"...INSERT root ".to_vec();
    old_style.extend_from_slice(STANDARD.encode(&clear).as_bytes());
    assert!(private_keys_in(&old_style) > 0);
    assert!(private_keys_in(&clear) > 0);

    let server = TestServer::start(TestBackend::Sqlite).await;
    // Use every private key once (the root signs a revocation list, the services a receipt and a pass).
    declare(&server, "01", "00001").await;
    let DatabaseLocation::Sqlite(path) = server.location().clone() else { unreachable!() };
    let copy_dir = tempfile::tempdir().unwrap();
    let copy = copy_dir.path().join("stolen.db");
    let mut scanned = 0;
    for suffix in ["", "-wal"] {
        let source = format!("{}{suffix}", path.display());
        if let Ok(bytes) = std::fs::read(&source) {
            assert_eq!(private_keys_in(&bytes), 0, "a private key is readable in {source}");
            scanned += bytes.len();
            std::fs::write(format!("{}{suffix}", copy.display()), &bytes).unwrap();
        }
    }
    assert!(scanned > 0);

    // The copy opened without the KEK: every private key column is sealed, nothing in it is PKCS#8, and the
    // server's own loader refuses without the KEK or with another one.
    let location = DatabaseLocation::Sqlite(copy.clone());
    let stolen = Database::open(&location).await.unwrap();
    let rows = stolen
        .read(|tx| tx.query("SELECT id, private_key, public_key FROM authority_keys ORDER BY id", &[]))
        .await
        .unwrap();
    let ids: Vec<String> = rows.iter().map(|r| r.text(0).unwrap()).collect();
    assert_eq!(ids, ["control-cards", "lab-results", "passes", "receipts", "root", "venue-posters"]);
    for row in &rows {
        let stored = row.text(1).unwrap();
        assert!(keys::is_sealed(&stored), "{stored}");
        assert_eq!(private_keys_in(stored.as_bytes()), 0);
    }
    assert!(matches!(stolen.read(|tx| keys::load_private_key(tx, "root")).await, Err(KeyError::NoKek)));
    let guessed = stolen.clone().with_kek(keys::Kek::from_bytes(&[0u8; 32]).unwrap());
    assert!(matches!(guessed.read(|tx| keys::load_private_key(tx, "root")).await, Err(KeyError::WrongKek { .. })));
    // With the KEK the same rows open into working keys.
    let keyed = stolen.with_kek(healthbook_e2e::server::test_kek());
    for id in ["control-cards", "lab-results", "passes", "receipts", "root", "venue-posters"] {
        let (_, pkcs8) = keyed.read(move |tx| keys::load_private_key(tx, id)).await.unwrap().unwrap();
        SigningKey::from_pkcs8(&pkcs8).unwrap();
    }
    server.stop().await;
}

async fn wrong_kek_refuses_to_start(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let other = KekSettings { base64: Some(STANDARD.encode([9u8; 32])), ..KekSettings::default() };
    match keys::open_database(server.location(), &other).await {
        Err(KeyError::WrongKek { id }) => assert_eq!(id, "control-cards", "the first key checked (in id order)"),
        other => panic!("expected WrongKek, got {other:?}"),
    }
    // No KEK given and no KEK file in the data directory: refused, and no new KEK is made.
    let empty_dir = tempfile::tempdir().unwrap();
    let none = KekSettings { data_dir: empty_dir.path().to_owned(), ..KekSettings::default() };
    assert!(matches!(keys::open_database(server.location(), &none).await, Err(KeyError::KekMissing(_))));
    assert!(!empty_dir.path().join(keys::DEFAULT_KEK_FILE).exists());
    // A malformed KEK is its own error.
    let short = KekSettings { base64: Some(STANDARD.encode([9u8; 16])), ..KekSettings::default() };
    assert!(matches!(keys::open_database(server.location(), &short).await, Err(KeyError::BadKek(_))));
    // The server still answers: nothing was changed by the refused starts.
    server.client().health().await.unwrap();
    server.stop().await;
}

async fn clear_keys_of_an_older_database_are_sealed_at_start(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    // Turn the database into what an older server left: every private key in clear (base64 PKCS#8).
    let clear: Vec<(String, String)> = server
        .db
        .read(|tx| {
            let ids: Vec<String> = tx
                .query("SELECT id FROM authority_keys ORDER BY id", &[])?
                .iter()
                .map(|r| r.text(0))
                .collect::<Result<_, _>>()?;
            ids.into_iter()
                .map(|id| {
                    let (_, pkcs8) = keys::load_private_key(tx, &id)?.unwrap();
                    Ok((id, STANDARD.encode(pkcs8)))
                })
                .collect::<Result<Vec<_>, KeyError>>()
        })
        .await
        .unwrap();
    assert_eq!(clear.len(), 1 + healthbook_server::trust::SERVICE_KEYS.len(), "the root and every service key");
    let written = clear.clone();
    server
        .db
        .write(move |tx| {
            for (id, pkcs8) in written {
                tx.execute("UPDATE authority_keys SET private_key = $1 WHERE id = $2", &[pkcs8.into(), id.into()])?;
            }
            Ok::<_, healthbook_server::storage::StorageError>(())
        })
        .await
        .unwrap();

    // A start with the KEK seals them all, and they are the same keys.
    let kek = KekSettings { base64: Some(STANDARD.encode(healthbook_e2e::server::TEST_KEK)), ..KekSettings::default() };
    let db = keys::open_database(server.location(), &kek).await.unwrap();
    let stored: Vec<String> = db
        .read(|tx| {
            tx.query("SELECT private_key FROM authority_keys ORDER BY id", &[])?.iter().map(|r| r.text(0)).collect()
        })
        .await
        .map_err(|e: healthbook_server::storage::StorageError| e)
        .unwrap();
    assert!(stored.iter().all(|s| keys::is_sealed(s)), "{stored:?}");
    for (id, pkcs8) in clear {
        let (_, opened) = db.read(move |tx| keys::load_private_key(tx, &id)).await.unwrap().unwrap();
        assert_eq!(STANDARD.encode(opened), pkcs8);
    }
    // The root still signs: a revocation makes a new list that verifies against the pinned root key.
    let admin = server.admin_client().await;
    admin
        .add_revocation(&healthbook_core::client::NewRevocation {
            kind: healthbook_core::trust::RevocationKind::Credential,
            id: "credential-1".into(),
            reason: "test".into(),
        })
        .await
        .unwrap();
    let list = server
        .client()
        .fetch_revocations(&server.root_key, &healthbook_core::client::MemoryTrustCache::default())
        .await
        .unwrap();
    assert_eq!(list.document.entries.len(), 1);
    server.stop().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_and_kek_files_are_0600() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let server = TestServer::start(TestBackend::Sqlite).await;
    declare(&server, "01", "00001").await;
    let DatabaseLocation::Sqlite(path) = server.location().clone() else { unreachable!() };
    for suffix in ["", "-wal", "-shm"] {
        let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    server.stop().await;

    // A fresh data directory, as `scripts/run.sh` and `admin init` use it: no KEK configured.
    let root = tempfile::tempdir().unwrap();
    let data_dir = root.path().join("healthbook-data");
    let location = DatabaseLocation::Sqlite(data_dir.join("healthbook.db"));
    let settings = KekSettings { data_dir: data_dir.clone(), ..KekSettings::default() };
    let db = keys::open_database(&location, &settings).await.unwrap();
    let clock = Arc::new(healthbook_core::ManualClock::new(chrono::Utc::now()));
    healthbook_server::admin::init(&db, clock, "admin", "admin-password", 1_000).await.unwrap();
    assert_eq!(mode(&data_dir), 0o700);
    assert_eq!(mode(&data_dir.join(keys::DEFAULT_KEK_FILE)), 0o600);
    for file in ["healthbook.db", "healthbook.db-wal", "healthbook.db-shm"] {
        assert_eq!(mode(&data_dir.join(file)), 0o600, "{file}");
    }
}

async fn authority_key_via_api_is_refused_and_needs_the_root_key_holder(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let (key, _) = SigningKey::generate().unwrap();
    let now = server.clock.now();
    let body = json!({
        "role": "authority", "scope": "*", "name": "second authority key",
        "public_key": key.verifying_key().spki_base64(),
        "not_before": now, "not_after": now + chrono::Duration::days(30),
    });
    let admin = server.admin_client().await;
    let token = admin.session().unwrap().token;
    let raw = reqwest::Client::new();
    let answer = raw_request(
        raw.post(format!("{}/v1/trust-list/keys", server.base_url))
            .bearer_auth(&token)
            .header("Idempotency-Key", "k1")
            .json(&body),
    )
    .await;
    assert_json_error(&answer, 403, "authority_key_needs_root_holder");

    // The offline command, with the database and its KEK, lists it; phones see it in the signed list.
    let added = healthbook_server::admin::add_authority_key(
        &server.db,
        server.clock.clone(),
        healthbook_server::admin::NewAuthorityKey {
            public_key: key.verifying_key().spki_base64(),
            scope: "*".into(),
            name: "second authority key".into(),
            not_before: now,
            not_after: now + chrono::Duration::days(30),
        },
    )
    .await
    .unwrap();
    assert_eq!(added.role, IssuerRole::Authority);
    let list = server
        .client()
        .fetch_trust_list(&server.root_key, &healthbook_core::client::MemoryTrustCache::default())
        .await
        .unwrap();
    assert_eq!(list.document.issuer_valid_at(key.kid(), now, None).unwrap().role, IssuerRole::Authority);
    server.stop().await;
}

fn next_form(form: &Value, version: u64) -> Value {
    let mut form = form.clone();
    form["version"] = json!(version);
    form
}

async fn movement_form(server: &TestServer) -> Value {
    let forms: Value = server.client().get_json("/v1/forms").await.unwrap();
    forms["forms"].as_array().unwrap().iter().find(|f| f["id"] == "movement_declaration").unwrap().clone()
}

async fn health_officer_cannot_publish_forms(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let form = movement_form(&server).await;
    let officer_a = officer(&server, "officer-hanoi", json!({ "province": "01", "wards": [] })).await;
    let err = officer_a.post_json::<_, Value>("/v1/forms", &next_form(&form, 2)).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(403), Some("forbidden")));
    assert_eq!(movement_form(&server).await["version"], 1);
    let admin = server.admin_client().await;
    let _: Value = admin.post_json("/v1/forms", &next_form(&form, 2)).await.unwrap();
    assert_eq!(movement_form(&server).await["version"], 2);
    server.stop().await;
}

async fn form_version_gaps_are_refused(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let form = movement_form(&server).await;
    let admin = server.admin_client().await;
    let token = admin.session().unwrap().token;
    let raw = reqwest::Client::new();
    let publish = |version: u64, key: &str| {
        raw.post(format!("{}/v1/forms", server.base_url))
            .bearer_auth(&token)
            .header("Idempotency-Key", key)
            .json(&next_form(&form, version))
    };
    for (version, key) in [(4_294_967_295, "max"), (3, "gap"), (1, "same")] {
        let answer = raw_request(publish(version, key)).await;
        assert_json_error(&answer, 409, "form_version_not_next");
        let fields = &answer.2.as_ref().unwrap()["error"]["fields"];
        assert_eq!((fields[0]["field"].as_str(), fields[0]["code"].as_str()), (Some("version"), Some("not_next")));
    }
    // The huge version blocked nothing: 2, then 3, follow.
    assert_eq!(raw_request(publish(2, "two")).await.0, 201);
    assert_eq!(raw_request(publish(3, "three")).await.0, 201);
    assert_eq!(movement_form(&server).await["version"], 3);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_are_read_while_a_long_write_transaction_holds_the_lock() {
    let server = TestServer::start(TestBackend::Sqlite).await;
    let started = Arc::new(AtomicBool::new(false));
    let finished = Arc::new(AtomicBool::new(false));
    let (s, f) = (started.clone(), finished.clone());
    let hold = Duration::from_secs(4);
    let writer = tokio::spawn({
        let db = server.db.clone();
        async move {
            db.write(move |tx| {
                tx.execute("UPDATE authority_keys SET last_signed_at = last_signed_at WHERE id = 'root'", &[])?;
                s.store(true, Ordering::SeqCst);
                std::thread::sleep(hold);
                f.store(true, Ordering::SeqCst);
                Ok::<_, healthbook_server::storage::StorageError>(())
            })
            .await
        }
    });
    while !started.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let client = server.client();
    let begun = Instant::now();
    let forms: Value = client.get_json("/v1/forms").await.unwrap();
    let one: Value = client.get_json("/v1/forms/health_declaration/versions/1").await.unwrap();
    let took = begun.elapsed();
    assert!(!finished.load(Ordering::SeqCst), "the forms were served only after the write transaction ended");
    assert_eq!(forms["forms"].as_array().unwrap().len(), 2);
    assert_eq!(one["id"], "health_declaration");
    println!(
        "GET /v1/forms and one form version answered in {took:?} while a write transaction held the lock for {hold:?}"
    );
    writer.await.unwrap().unwrap();
    server.stop().await;
}

async fn phone(server: &TestServer, dir: &std::path::Path) -> Healthbook {
    let config = HealthbookConfig {
        data_dir: dir.to_owned(),
        key_store: Arc::new(MemoryKeyStore::default()),
        clock: server.clock.clone(),
    };
    let hb = Healthbook::open(config).unwrap();
    hb.settings().set_server_url(Some(server.base_url.clone())).await.unwrap();
    hb.settings().set_root_key(Some(server.root_key.spki_base64())).await.unwrap();
    hb
}

async fn rotated_service_key_keeps_earlier_passes_valid(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let hb = phone(&server, dir.path()).await;
    let input = ProfileInput {
        relation: ProfileRelation::Myself,
        full_name: "Phạm Văn Đức".into(),
        birth: BirthDate { year: 1970, month: None, day: None },
        phone: None,
        citizen_id: None,
        address: None,
    };
    let me = hb.profiles().add(input).await.unwrap();
    // Passes are issued for bound persons only (issue 8).
    let device = hb.outbox().connect_server().await.unwrap();
    server.bind_profile(&device, &me.id, &TestPerson::new("Phạm Văn Đức", 1970)).await;
    let before = hb.passes().refresh(&me.id).await.unwrap();
    let old_kid = hb.trust().verify(&before.qr).unwrap().key_id.unwrap();

    let rotation =
        healthbook_server::admin::rotate_service_key(&server.db, server.clock.clone(), "passes").await.unwrap();
    assert_ne!(rotation.new_kid, rotation.old_kid);
    let now = server.clock.now();
    assert!(rotation.old_not_after > now + chrono::Duration::hours(24), "covers the longest pass lifetime");
    assert!(rotation.old_not_after < now + chrono::Duration::days(2), "and no more than needed");

    // A checkpoint with the new trust list accepts the pass signed before, and the next pass has the new kid.
    let checkpoint_dir = tempfile::tempdir().unwrap();
    let checkpoint = phone(&server, checkpoint_dir.path()).await;
    checkpoint.trust().refresh().await.unwrap();
    let verdict = checkpoint.trust().verify(&before.qr).unwrap();
    assert!(verdict.valid, "{verdict:?}");
    server.clock.advance(chrono::Duration::minutes(1));
    let after = hb.passes().refresh(&me.id).await.unwrap();
    let verdict = checkpoint.trust().verify(&after.qr).unwrap();
    assert!(verdict.valid, "{verdict:?}");
    let new_kid = verdict.key_id.unwrap();
    assert_ne!(new_kid, old_kid);
    let list = server
        .client()
        .fetch_trust_list(&server.root_key, &healthbook_core::client::MemoryTrustCache::default())
        .await
        .unwrap();
    let pass_keys: Vec<&str> =
        list.document.keys.iter().filter(|k| k.scope == "health-pass").map(|k| k.kid.as_str()).collect();
    assert_eq!(pass_keys.len(), 2, "old and new pass keys are both listed: {pass_keys:?}");
    assert!(list.document.keys.iter().any(|k| k.kid == rotation.new_kid));
    println!(
        "passes key rotated: {} -> {} (old listed until {})",
        rotation.old_kid, rotation.new_kid, rotation.old_not_after
    );
    server.stop().await;
}
