//! Declarations end to end: queued on the phone while the server is down, delivered exactly once when it
//! appears, even when the syncing process is killed at random points; answers validated on both sides.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use healthbook_core::declarations::{forms, DeclarationStatus};
use healthbook_core::keystore::MemoryKeyStore;
use healthbook_core::profiles::{Address, BirthDate, ProfileInput, ProfileRelation};
use healthbook_core::settings::Language;
use healthbook_core::{Clock, Healthbook, HealthbookConfig, ManualClock, PlatformKeyStore, SystemClock};
use healthbook_e2e::KeyFile;
use healthbook_e2e::server::{test_config, TestBackend, TestServer};
use healthbook_server::storage::StorageError;
use rand::Rng;
use serde_json::json;

fn free_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

fn person(name: &str, relation: ProfileRelation) -> ProfileInput {
    ProfileInput {
        relation,
        full_name: name.into(),
        birth: BirthDate { year: 1975, month: Some(3), day: Some(9) },
        phone: Some("0987654321".into()),
        citizen_id: None,
        address: Some(Address { province_code: "79".into(), ward_code: Some("26734".into()), street: None }),
    }
}

fn answers(i: usize) -> serde_json::Value {
    let symptoms: Vec<&str> = if i % 7 == 0 { vec!["cough"] } else { vec![] };
    let mut a = json!({ "symptoms": symptoms, "contact_with_confirmed_case": i % 11 == 0, "travel_from_outbreak_area": false, "vaccination_status": "one_dose" });
    if i % 7 == 0 {
        a["symptom_onset"] = json!("2021-06-30");
    }
    a
}

fn open_phone(dir: &std::path::Path, clock: Arc<dyn Clock>, keys: Arc<dyn PlatformKeyStore>) -> Healthbook {
    Healthbook::open(HealthbookConfig { data_dir: dir.to_owned(), key_store: keys, clock }).unwrap()
}

async fn thousand_declarations_queued_offline_arrive_exactly_once(backend: TestBackend) {
    const COUNT: usize = 1_000;
    let addr = free_port();
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2021, 7, 1, 8, 0, 0).unwrap()));
    let phone = open_phone(dir.path(), clock.clone(), Arc::new(MemoryKeyStore::default()));
    phone.settings().set_server_url(Some(format!("http://{addr}"))).await.unwrap();
    let owner = phone.profiles().add(person("Ngô Thị Thu", ProfileRelation::Myself)).await.unwrap();
    for i in 0..COUNT {
        phone.declarations().submit(&owner.id, forms::HEALTH_DECLARATION, answers(i), None, Language::Vi).await.unwrap();
    }

    let offline = phone.outbox().sync_now(None).await.unwrap();
    assert!(offline.server_unreachable);
    assert_eq!(offline.pending, COUNT as u64);

    let server = TestServer::start_at(backend, test_config(), addr).await;
    // The app ships with the authority's root key; receipts are verified against it before their status counts.
    phone.settings().set_root_key(Some(server.root_key.spki_base64())).await.unwrap();
    let report = phone.outbox().sync_now(None).await.unwrap();
    assert_eq!((report.delivered as usize, report.pending, report.failed, report.rejected), (COUNT, 0, 0, 0));
    assert_eq!(server.count("declarations").await, COUNT as i64);
    let distinct = server
        .db
        .read(|tx| tx.query("SELECT COUNT(DISTINCT id) FROM declarations", &[])?[0].int(0))
        .await
        .map_err(|e: healthbook_server::storage::StorageError| e)
        .unwrap();
    assert_eq!(distinct, COUNT as i64);

    // A second sync sends nothing; every declaration is accepted with a receipt, and the status followed.
    assert_eq!(phone.outbox().sync_now(None).await.unwrap().delivered, 0);
    let local = phone.declarations().list(None).await.unwrap();
    assert!(local.iter().all(|d| d.status == DeclarationStatus::Accepted && d.receipt.is_some()));
    let status = phone.declarations().health_status(&owner.id).await.unwrap().unwrap();
    assert!(["green", "yellow"].contains(&status.status.as_str()));
    assert!(phone.outbox().list().await.unwrap().is_empty());
    println!("{COUNT} declarations queued offline, delivered exactly once ({backend:?})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_declarations_arrive_exactly_once_sqlite() {
    thousand_declarations_queued_offline_arrive_exactly_once(TestBackend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(postgres_configured), ignore = "needs HEALTHBOOK_TEST_POSTGRES_URL (scripts/postgres.sh)")]
async fn thousand_declarations_arrive_exactly_once_postgres() {
    thousand_declarations_queued_offline_arrive_exactly_once(TestBackend::Postgres).await;
}

/// Answers that no other declaration of the crash test has: the outbreak ward carries the index, so that a
/// duplicate stored under a fresh id would still be seen by its content.
fn unique_answers(i: usize) -> serde_json::Value {
    let mut a = answers(i);
    a["travel_from_outbreak_area"] = json!(true);
    a["outbreak_area"] = json!({ "province": "79", "ward": format!("{:05}", 20_000 + i) });
    if i % 7 == 0 {
        a["symptom_onset"] = json!(Utc::now().date_naive().format("%Y-%m-%d").to_string());
    }
    a
}

/// Replays of stored idempotency keys on the server: each is a delivery whose answer the phone never applied,
/// i.e. a kill (or a lost connection) that landed between the server's commit and the phone's.
async fn replayed_deliveries(server: &TestServer) -> i64 {
    server
        .db
        .read(|tx| {
            tx.query(
                "SELECT CAST(COALESCE(SUM(replays), 0) AS BIGINT) FROM idempotency_records WHERE scope LIKE 'account:%'",
                &[],
            )?[0]
            .int(0)
        })
        .await
        .map_err(|e: StorageError| e)
        .unwrap()
}

async fn sync_killed_at_random_points_delivers_each_declaration_exactly_once(backend: TestBackend) {
    const COUNT: usize = 1_500;
    const MIN_KILLS: usize = 25;
    const MAX_KILLS: usize = 150;
    let server = TestServer::start(backend).await;
    // The child processes run on the wall clock; put the server there too.
    server.clock.set(Utc::now());
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("data.key");
    std::fs::write(&key_path, healthbook_core::sealing::Sealer::generate_key().unwrap()).unwrap();
    let data_dir = dir.path().join("phone");
    {
        let phone = open_phone(&data_dir, Arc::new(SystemClock), Arc::new(KeyFile(key_path.clone())));
        phone.settings().set_server_url(Some(server.base_url.clone())).await.unwrap();
        let owner = phone.profiles().add(person("Trịnh Văn Nam", ProfileRelation::Myself)).await.unwrap();
        for i in 0..COUNT {
            phone.declarations().submit(&owner.id, forms::HEALTH_DECLARATION, unique_answers(i), None, Language::En).await.unwrap();
        }
    }

    let mut rng = rand::thread_rng();
    let mut kills = 0;
    let mut rounds = 0;
    loop {
        rounds += 1;
        let mut child = Command::new(env!("CARGO_BIN_EXE_outbox-syncer"))
            .arg(&data_dir)
            .arg(&key_path)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (first_delivery, delivering) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.starts_with("item ") {
                    let _ = first_delivery.send(());
                }
            }
        });
        // Kill until both enough kills happened and at least one provably landed mid-delivery (bounded). Half of
        // the kills land anywhere (start-up, sign-in); the other half inside the stream of deliveries.
        if kills < MIN_KILLS || (kills < MAX_KILLS && replayed_deliveries(&server).await == 0) {
            if kills % 2 == 1 {
                let _ = delivering.recv_timeout(Duration::from_secs(10));
                std::thread::sleep(Duration::from_millis(rng.gen_range(0..40)));
            } else {
                std::thread::sleep(Duration::from_millis(rng.gen_range(10..150)));
            }
            if child.try_wait().unwrap().is_none() {
                child.kill().unwrap();
                kills += 1;
            }
        }
        let status = child.wait().unwrap();
        reader.join().unwrap();
        // The phone's database stays readable after every kill.
        let phone = open_phone(&data_dir, Arc::new(SystemClock), Arc::new(KeyFile(key_path.clone())));
        assert_eq!(phone.declarations().list(None).await.unwrap().len(), COUNT);
        if status.success() {
            break;
        }
        assert!(rounds < 400, "the outbox never drained");
    }
    assert!(kills >= 20, "only {kills} kills happened; the test needs at least 20");
    let replays = replayed_deliveries(&server).await;
    assert!(replays > 0, "no kill landed between the server's commit and the phone's ({kills} kills)");

    let phone = open_phone(&data_dir, Arc::new(SystemClock), Arc::new(KeyFile(key_path)));
    assert!(phone.outbox().list().await.unwrap().is_empty(), "outbox not empty");
    assert!(phone.declarations().list(None).await.unwrap().iter().all(|d| d.status == DeclarationStatus::Accepted));
    assert_eq!(server.count("declarations").await, COUNT as i64, "server holds each declaration exactly once");
    // By content as well as by id: a resend under a new id would show as a repeated outbreak ward.
    let bodies: Vec<String> = server
        .db
        .read(|tx| tx.query("SELECT body FROM declarations", &[])?.iter().map(|row| row.text(0)).collect())
        .await
        .map_err(|e: StorageError| e)
        .unwrap();
    let mut wards = std::collections::HashMap::<String, usize>::new();
    for body in &bodies {
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        let ward = body["answers"]["outbreak_area"]["ward"].as_str().expect("stored answers keep the ward").to_owned();
        *wards.entry(ward).or_default() += 1;
    }
    let repeated: Vec<_> = wards.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "declarations stored twice under different ids: {repeated:?}");
    assert_eq!(wards.len(), COUNT, "every declaration's content arrived");
    assert_eq!(server.count("accounts").await, 2, "admin plus one device: a killed registration did not create a second device");
    println!(
        "sync crash test ({backend:?}): {kills} kills over {rounds} runs, {replays} deliveries replayed from the server's \
         idempotency record; {COUNT} declarations stored exactly once by id and by content"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_killed_at_random_points_delivers_each_declaration_exactly_once_sqlite() {
    sync_killed_at_random_points_delivers_each_declaration_exactly_once(TestBackend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(postgres_configured), ignore = "needs HEALTHBOOK_TEST_POSTGRES_URL (scripts/postgres.sh)")]
async fn sync_killed_at_random_points_delivers_each_declaration_exactly_once_postgres() {
    sync_killed_at_random_points_delivers_each_declaration_exactly_once(TestBackend::Postgres).await;
}

#[tokio::test]
async fn server_validates_answers_against_the_form_version_and_names_fields() {
    let server = TestServer::start(TestBackend::Sqlite).await;
    let client = server.client();
    let identity = client.register_device("test").await.unwrap();
    client.sign_in_device(&identity).await.unwrap();
    let body = |answers: serde_json::Value, version: u32| json!({
        "declaration_id": uuid::Uuid::new_v4().to_string(),
        "form_id": "health_declaration",
        "form_version": version,
        "declared_at": "2021-07-01T07:00:00Z",
        "answers": answers,
        "subject": { "profile_ref": "p1", "full_name": "Lý Văn Sơn", "birth_year": 1980, "province_code": "01" },
        "filled_by": { "relation": "myself" }
    });
    let bad = json!({ "symptoms": ["cough"], "symptom_onset": "2021-07-05", "contact_with_confirmed_case": "yes", "travel_from_outbreak_area": false, "vaccination_status": "one_dose" });
    let err = client.post_json::<_, serde_json::Value>("/v1/declarations", &body(bad, 1)).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(422), Some("invalid_answers")));
    let err = client.post_json::<_, serde_json::Value>("/v1/declarations", &body(answers(1), 99)).await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    let ok: serde_json::Value = client.post_json("/v1/declarations", &body(answers(7), 1)).await.unwrap();
    assert_eq!(ok["health_status"]["status"], "yellow");
    assert_eq!(ok["receipt"].as_str().unwrap().split('.').count(), 3);

    // Officers list by area and date; devices may not.
    let officer = server.admin_client().await;
    let list: serde_json::Value = officer.get_json("/v1/declarations?province=01&date=2021-07-01").await.unwrap();
    assert_eq!(list["declarations"].as_array().unwrap().len(), 1);
    let err = client.get_json::<serde_json::Value>("/v1/declarations?province=01&date=2021-07-01").await.unwrap_err();
    assert_eq!(err.status(), Some(403));
    let forms: serde_json::Value = client.get_json("/v1/forms").await.unwrap();
    assert_eq!(forms["forms"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_newer_form_published_on_the_server_reaches_the_phone_at_sync() {
    let server = TestServer::start(TestBackend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let phone = open_phone(dir.path(), server.clock.clone(), Arc::new(MemoryKeyStore::default()));
    phone.settings().set_server_url(Some(server.base_url.clone())).await.unwrap();
    let mut form = phone.declarations().form(forms::MOVEMENT_DECLARATION).await.unwrap();
    assert_eq!(form.version, 1);
    form.version = 2;
    form.title.en = "Domestic movement declaration (2021 rules)".into();
    let officer = server.admin_client().await;
    let _: serde_json::Value = officer.post_json("/v1/forms", &form).await.unwrap();
    // Publishing an older or equal version is refused.
    let err = officer.post_json::<_, serde_json::Value>("/v1/forms", &form).await.unwrap_err();
    assert_eq!(err.status(), Some(409));

    phone.outbox().sync_now(None).await.unwrap();
    let cached = phone.declarations().form(forms::MOVEMENT_DECLARATION).await.unwrap();
    assert_eq!((cached.version, cached.title.en.as_str()), (2, "Domestic movement declaration (2021 rules)"));
}
