//! The vaccination site's path from scan to record (issue 12: "under 5 seconds from scan to record on
//! screen"), on the reference server over loopback: for each person, the officer's lookup of the scanned pass
//! (verify, find the person, their doses and today's invitation) and then the dose record (stock, dose,
//! invitation, audit, certificate signed by the site's key, in one transaction). Prints the median, 95th
//! percentile and worst time of each step and of both together, on SQLite and (when
//! `HEALTHBOOK_TEST_POSTGRES_URL` is set) PostgreSQL.
//!
//! Run with `cargo bench -p healthbook-e2e --bench vaccination_site`; `VACCINATION_BENCH_PEOPLE` sets how many
//! people are vaccinated (default 200). Not part of `cargo test`.

use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};
use healthbook_core::client::ServerClient;
use healthbook_e2e::server::{POSTGRES_ENV, TestBackend, TestPerson, TestServer, test_config};
use healthbook_server::ServerConfig;
use serde_json::{Value, json};

const WARD: &str = "26734";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn report(backend: &str, step: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1_000.0;
    println!(
        "{backend:<10} {step:<18} n={:<5} median {:>7.1} ms  p95 {:>7.1} ms  max {:>7.1} ms",
        times.len(),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95)),
        ms(*times.last().unwrap()),
    );
}

async fn run(backend: TestBackend, name: &str, people: usize) {
    let server = TestServer::start_with(backend, ServerConfig { token_ttl: chrono::Duration::days(5), ..test_config() }).await;
    let admin = server.admin_client().await;
    let _: Value = admin
        .post_json("/v1/accounts", &json!({ "role": "health_officer", "username": "station", "password": "staff-password", "area": { "province": "79", "wards": [WARD] } }))
        .await
        .unwrap();
    let officer = server.client();
    officer.sign_in_staff("station", "staff-password").await.unwrap();
    let site: Value = officer.post_json("/v1/vaccination/sites", &json!({ "name": "Trạm Y tế", "address": "1 Lê Lợi", "ward_code": WARD })).await.unwrap();
    let site_id = site["site_id"].as_str().unwrap().to_owned();
    let _: Value = officer
        .post_json(&format!("/v1/vaccination/sites/{site_id}/deliveries"), &json!({ "product": "comirnaty", "lot": "FA1", "doses": people as i32 }))
        .await
        .unwrap();

    // Every person is bound on a phone, registered, and holds a pass to show.
    let device: ServerClient = server.client();
    let identity = device.register_device("android").await.unwrap();
    device.sign_in_device(&identity).await.unwrap();
    let mut passes = Vec::with_capacity(people);
    for n in 0..people {
        let person = TestPerson { province_code: "79".into(), ..TestPerson::new(&format!("Nguyễn Văn {n}"), 1970) };
        let profile = format!("p{n}");
        server.bind_profile(identity.device_id(), &profile, &person).await;
        let _: Value = device.post_json("/v1/vaccination/registrations", &json!({ "profile_ref": profile, "ward_code": WARD })).await.unwrap();
        let pass: Value = device.post_json("/v1/passes", &json!({ "profile_ref": profile })).await.unwrap();
        passes.push(pass["qr"].as_str().unwrap().to_owned());
    }
    server.clock.set(Utc.with_ymd_and_hms(2021, 7, 2, 2, 0, 0).unwrap());
    let day = NaiveDate::from_ymd_opt(2021, 7, 2).unwrap();

    let (mut lookups, mut records, mut both) = (Vec::new(), Vec::new(), Vec::new());
    for pass in &passes {
        let start = Instant::now();
        let found: Value = officer.post_json("/v1/vaccination/lookup", &json!({ "scanned": pass, "site_id": site_id })).await.unwrap();
        let looked = start.elapsed();
        let body = json!({ "person_id": found["person_id"], "site_id": site_id, "product": "comirnaty", "lot": "FA1", "dose_number": 1, "date": day });
        let recorded: Value = officer.post_json("/v1/vaccination/doses", &body).await.unwrap();
        assert!(recorded["certificate"]["qr"].as_str().unwrap().starts_with("HC1:"));
        let total = start.elapsed();
        lookups.push(looked);
        records.push(total - looked);
        both.push(total);
    }
    report(name, "lookup", lookups);
    report(name, "record dose", records);
    report(name, "scan to record", both);
    server.stop().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let people = std::env::var("VACCINATION_BENCH_PEOPLE").ok().and_then(|v| v.parse().ok()).filter(|n| *n > 0).unwrap_or(200);
    run(TestBackend::Sqlite, "sqlite", people).await;
    if std::env::var(POSTGRES_ENV).is_ok_and(|v| !v.is_empty()) {
        run(TestBackend::Postgres, "postgres", people).await;
    }
}
