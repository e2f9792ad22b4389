//! Load test of passage ingestion (issue 16): the reference server on loopback, gate devices posting batches of
//! 500 passages from several concurrent clients, bounded by a count and a time; then a deliberate resend of some
//! batches (the same request retried, and batches re-cut under new keys), and a check that the database holds
//! exactly the passages sent: nothing lost, nothing twice. Prints passages per second for each setup:
//!
//! - SQLite, one server instance;
//! - PostgreSQL, two server instances sharing one database, the devices split between them (only when
//!   `HEALTHBOOK_TEST_POSTGRES_URL` is set, e.g. `export HEALTHBOOK_TEST_POSTGRES_URL=$(bash scripts/postgres.sh)`).
//!
//! Run with `cargo bench -p healthbook-e2e --bench passage_load`. Tunables (environment): `PASSAGE_LOAD_TOTAL`
//! (default 200,000), `PASSAGE_LOAD_BATCH` (500), `PASSAGE_LOAD_CLIENTS` (8), `PASSAGE_LOAD_SECONDS` (120, the
//! bound after which clients stop starting new batches). Not part of `cargo test`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use healthbook_core::Clock;
use healthbook_e2e::server::{POSTGRES_ENV, TestBackend, TestServer, test_config};
use healthbook_server::ServerConfig;
use healthbook_server::storage::StorageError;
use serde_json::{Value, json};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).filter(|v| *v > 0).unwrap_or(default)
}

/// One gate device: its gate, its operator's token, the server it talks to, and its batches as JSON bodies
/// made before the clock starts (so that the figure measures the server, not the client's serialiser).
struct Device {
    gate_id: String,
    token: String,
    base_url: String,
    batches: Vec<(Vec<u8>, usize)>,
}

/// What one device did.
#[derive(Default)]
struct Outcome {
    sent_batches: Vec<usize>,
    stored: u64,
    already_stored: u64,
    latencies: Vec<Duration>,
}

fn batch_body(gate: usize, start: usize, size: usize, at: DateTime<Utc>) -> Vec<u8> {
    let passages: Vec<Value> = (0..size)
        .map(|i| {
            let n = start + i;
            let scanned = at - chrono::Duration::milliseconds((n % 3_600_000) as i64);
            json!({
                "id": uuid::Uuid::new_v4().to_string(),
                "direction": if n.is_multiple_of(2) { "in" } else { "out" },
                "scanned_at": scanned.to_rfc3339_opts(SecondsFormat::Millis, true),
                "verdict": "admit",
                "reason": "valid",
                "card": "personal_pass",
                "credential_id": format!("{:016x}", (gate as u64) << 40 | n as u64),
            })
        })
        .collect();
    serde_json::to_vec(&json!({ "passages": passages })).expect("batch JSON")
}

async fn post_batch(http: &reqwest::Client, device: &Device, body: Vec<u8>, key: &str) -> (u64, u64) {
    let url = format!("{}/v1/gates/{}/passages", device.base_url, device.gate_id);
    for attempt in 0.. {
        let response = http
            .post(&url)
            .bearer_auth(&device.token)
            .header("Idempotency-Key", key)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await;
        match response {
            Ok(response) if response.status().is_success() => {
                let report: Value = response.json().await.expect("report JSON");
                return (report["stored"].as_u64().unwrap(), report["already_stored"].as_u64().unwrap());
            }
            // A busy database (SQLite's writer, PostgreSQL's pool) is retried with the same key, as devices do.
            Ok(response) if response.status().is_server_error() && attempt < 20 => {}
            Ok(response) => panic!("batch refused: {} {}", response.status(), response.text().await.unwrap_or_default()),
            Err(e) if attempt < 20 => eprintln!("retrying after {e}"),
            Err(e) => panic!("batch failed: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    unreachable!()
}

async fn run_device(device: Arc<Device>, deadline: Instant, stop: Arc<AtomicBool>) -> Outcome {
    let http = reqwest::Client::new();
    let mut outcome = Outcome::default();
    for (index, (body, _)) in device.batches.iter().enumerate() {
        if Instant::now() >= deadline || stop.load(Ordering::Relaxed) {
            break;
        }
        let started = Instant::now();
        let (stored, already) = post_batch(&http, &device, body.clone(), &uuid::Uuid::new_v4().to_string()).await;
        outcome.latencies.push(started.elapsed());
        outcome.stored += stored;
        outcome.already_stored += already;
        outcome.sent_batches.push(index);
    }
    outcome
}

async fn setup_devices(server: &TestServer, base_urls: &[String], clients: usize, total: usize, batch: usize) -> Vec<Arc<Device>> {
    let admin = server.admin_client().await;
    let agency = admin.create_agency("Chợ đầu mối").await.expect("agency").id;
    let venue: Value = admin
        .post_json(
            &format!("/v1/agencies/{agency}/venues"),
            &json!({ "name": "Chợ đầu mối", "kind": "market", "address": "Quốc lộ 1A", "province_code": "79",
                     "ward_code": "26734", "default_stay_minutes": 60 }),
        )
        .await
        .expect("venue");
    let venue_id = venue["id"].as_str().unwrap().to_owned();
    let at = server.clock.now();
    let per_device = total.div_ceil(clients);
    let mut devices = Vec::new();
    for d in 0..clients {
        let gate: Value = admin.post_json(&format!("/v1/venues/{venue_id}/gates"), &json!({ "name": format!("Cổng {d}") })).await.expect("gate");
        let username = format!("gate-operator-{d}");
        let _: Value = admin
            .post_json("/v1/accounts", &json!({ "role": "gate_operator", "username": username, "password": "staff-password", "agency_id": agency }))
            .await
            .expect("operator");
        let base_url = base_urls[d % base_urls.len()].clone();
        let client = healthbook_e2e::server::client_for(&base_url, server.clock.clone());
        let token = client.sign_in_staff(&username, "staff-password").await.expect("sign in").token;
        let mut batches = Vec::new();
        let quota = per_device.min(total.saturating_sub(d * per_device));
        let mut made = 0;
        while made < quota {
            let size = batch.min(quota - made);
            batches.push((batch_body(d, made, size, at), size));
            made += size;
        }
        devices.push(Arc::new(Device { gate_id: gate["id"].as_str().unwrap().to_owned(), token, base_url, batches }));
    }
    devices
}

async fn count(server: &TestServer, sql: &'static str) -> i64 {
    server.db.read(move |tx| tx.query(sql, &[])?[0].int(0)).await.map_err(|e: StorageError| e).expect("count")
}

async fn run_setup(name: &str, backend: TestBackend, instances: usize) {
    let total = env_or("PASSAGE_LOAD_TOTAL", 200_000);
    let batch = env_or("PASSAGE_LOAD_BATCH", 500).min(1_000);
    let clients = env_or("PASSAGE_LOAD_CLIENTS", 8);
    let bound = Duration::from_secs(env_or("PASSAGE_LOAD_SECONDS", 120) as u64);
    let config = ServerConfig { rate_limit_per_minute: 0, ..test_config() };
    let server = TestServer::start_with(backend, config.clone()).await;
    let mut others = Vec::new();
    for _ in 1..instances {
        others.push(server.another_instance(config.clone()).await);
    }
    let mut base_urls = vec![server.base_url.clone()];
    base_urls.extend(others.iter().map(|o| o.base_url()));
    let devices = setup_devices(&server, &base_urls, clients, total, batch).await;

    // The load: every device posts its batches, until done or the time bound.
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let deadline = started + bound;
    let tasks: Vec<_> = devices.iter().map(|d| tokio::spawn(run_device(d.clone(), deadline, stop.clone()))).collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("device task"));
    }
    let elapsed = started.elapsed();
    let sent: usize = outcomes
        .iter()
        .zip(&devices)
        .map(|(o, d)| o.sent_batches.iter().map(|&i| d.batches[i].1).sum::<usize>())
        .sum();
    let stored: u64 = outcomes.iter().map(|o| o.stored).sum();
    let already: u64 = outcomes.iter().map(|o| o.already_stored).sum();
    let batches: usize = outcomes.iter().map(|o| o.sent_batches.len()).sum();
    let mut latencies: Vec<Duration> = outcomes.iter().flat_map(|o| o.latencies.iter().copied()).collect();
    latencies.sort_unstable();
    let percentile = |p: f64| latencies.get(((latencies.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or_default();

    // The deliberate resend: every tenth batch each device sent goes again under a new key (a re-cut batch
    // after a crash), and every twentieth is retried under one key twice (a lost answer); nothing is stored.
    let http = reqwest::Client::new();
    let mut resent = 0u64;
    for (outcome, device) in outcomes.iter().zip(&devices) {
        for &index in outcome.sent_batches.iter().step_by(10) {
            let (body, size) = &device.batches[index];
            let (s, a) = post_batch(&http, device, body.clone(), &uuid::Uuid::new_v4().to_string()).await;
            assert_eq!((s, a), (0, *size as u64), "a resent batch stores nothing");
            resent += *size as u64;
        }
        for &index in outcome.sent_batches.iter().step_by(20) {
            let (body, size) = &device.batches[index];
            let key = uuid::Uuid::new_v4().to_string();
            let first = post_batch(&http, device, body.clone(), &key).await;
            let replay = post_batch(&http, device, body.clone(), &key).await;
            assert_eq!((first, replay), ((0, *size as u64), (0, *size as u64)));
            resent += 2 * *size as u64;
        }
    }

    let rows = count(&server, "SELECT COUNT(*) FROM gate_passages").await;
    let distinct = count(&server, "SELECT COUNT(DISTINCT id) FROM gate_passages").await;
    assert_eq!(stored, sent as u64, "every passage sent was reported stored once");
    assert_eq!(already, 0, "the first sending stored everything");
    assert_eq!((rows, distinct), (sent as i64, sent as i64), "the database holds exactly the passages sent");
    let seconds = elapsed.as_secs_f64();
    println!(
        "{name}: {sent} passages in {batches} batches of up to {batch} from {clients} clients over {instances} instance(s) in \
         {seconds:.2} s = {:.0} passages/s ({:.1} batches/s); batch latency p50 {:.0} ms, p99 {:.0} ms; {resent} resent \
         passages stored nothing; {rows} rows, all distinct{}",
        sent as f64 / seconds,
        batches as f64 / seconds,
        percentile(0.5).as_secs_f64() * 1_000.0,
        percentile(0.99).as_secs_f64() * 1_000.0,
        if sent < total { " (stopped by the time bound)" } else { "" },
    );
    for other in others {
        other.stop().await.expect("stop instance");
    }
    server.stop().await;
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().expect("runtime");
    runtime.block_on(async {
        run_setup("sqlite, 1 instance", TestBackend::Sqlite, 1).await;
        if std::env::var(POSTGRES_ENV).is_ok() {
            run_setup("postgres, 2 instances", TestBackend::Postgres, 2).await;
        } else {
            println!("postgres: skipped ({POSTGRES_ENV} is not set)");
        }
    });
}
