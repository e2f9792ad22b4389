//! Adoption per agency (issue 14) at the largest roster one import takes: 5,000 staff in 20 departments, 3,200
//! of them persons bound on phones, 2,000 holding a pass (half of them stale), 4,000 staff cards (200 revoked).
//! Times `GET /v1/agencies/{id}/adoption` (the figures by department plus the 1,800 not joined, and the access
//! log entry) and `GET /v1/adoption/agencies` over loopback, and prints median, 95th percentile and worst, on
//! SQLite and (when `HEALTHBOOK_TEST_POSTGRES_URL` is set) PostgreSQL.
//!
//! Run with `cargo bench -p healthbook-e2e --bench agency_adoption` (`ADOPTION_BENCH_ROUNDS` sets the requests
//! per endpoint, default 50). Not part of `cargo test`.

use std::time::{Duration, Instant};

use healthbook_core::Clock;
use healthbook_core::agency::adoption::AdoptionClient;
use healthbook_core::agency::client::AgencyAdmin;
use healthbook_core::agency::{AgencyKey, CardIssuer};
use healthbook_e2e::server::{POSTGRES_ENV, TestBackend, TestPerson, TestServer};
use healthbook_protocol::agencies::StaffMember;
use healthbook_server::storage::Value as Sql;
use serde_json::{Value, json};

const ROSTER: usize = 5_000;
const JOINED: usize = 3_200;
const WITH_PASS: usize = 2_000;
const CARDS: usize = 4_000;
const REVOKED: usize = 200;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn report(backend: &str, step: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1_000.0;
    println!(
        "{backend:<10} {step:<22} n={:<4} median {:>7.1} ms  p95 {:>7.1} ms  max {:>7.1} ms",
        times.len(),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95)),
        ms(*times.last().unwrap()),
    );
}

fn member(i: usize) -> StaffMember {
    let birth_year = 1960 + (i % 40) as u16;
    StaffMember {
        staff_number: format!("NV-{i:05}"),
        full_name: format!("Nguyễn Văn {}", ["An", "Bình", "Cường", "Dũng", "Hạnh"][i % 5]),
        department: format!("Phòng {}", i % 20),
        phone: None,
        citizen_id: Some(format!("079{}{:02}{:06}", i % 2, birth_year % 100, i)),
        birth_year: Some(birth_year),
    }
}

async fn run(backend: TestBackend, name: &str, rounds: usize) {
    let started = Instant::now();
    let server = TestServer::start(backend).await;
    let admin = server.admin_client().await;
    let agency = admin.create_agency("Sở Y tế").await.unwrap().id;
    for n in 0..20 {
        admin.create_agency(&format!("Cơ quan {n}")).await.unwrap();
    }
    let _: Value = admin
        .post_json("/v1/accounts", &json!({ "role": "agency_admin", "username": "syt", "password": "staff-password", "agency_id": agency }))
        .await
        .unwrap();
    let agency_admin = server.client();
    agency_admin.sign_in_staff("syt", "staff-password").await.unwrap();
    let calls = AgencyAdmin::new(&agency_admin, &agency);
    let members: Vec<StaffMember> = (0..ROSTER).map(member).collect();
    calls.import_staff(&members).await.unwrap();

    let device = server.client();
    let identity = device.register_device("android").await.unwrap();
    let persons: Vec<(String, TestPerson)> =
        members[..JOINED].iter().map(|m| (m.citizen_id.clone().unwrap(), TestPerson::new(&m.full_name, m.birth_year.unwrap()))).collect();
    let bindings: Vec<(String, String, String)> =
        persons.iter().enumerate().map(|(n, (_, p))| (identity.device_id().to_owned(), format!("p{n}"), p.id.clone())).collect();
    server.add_citizens(&persons, &bindings).await;
    // Pass records as `POST /v1/passes` leaves them (the signing is not what is measured here): every other one
    // stale.
    let now = server.clock.now().timestamp_millis();
    let device_id = identity.device_id().to_owned();
    let passes: Vec<(String, String, i64)> = persons[..WITH_PASS]
        .iter()
        .enumerate()
        .map(|(n, (_, p))| (format!("{n:016x}"), p.id.clone(), if n % 2 == 0 { now - 3_600_000 } else { now - 90_000_000 }))
        .collect();
    server
        .db
        .write(move |tx| {
            for (n, (cti, person_id, issued_at)) in passes.iter().enumerate() {
                tx.execute(
                    "INSERT INTO issued_passes (credential_id, person_id, device_id, profile_ref, status, issued_at, expires_at) \
                     VALUES ($1, $2, $3, $4, 'green', $5, $6)",
                    &[
                        cti.clone().into(),
                        person_id.clone().into(),
                        device_id.clone().into(),
                        format!("p{n}").into(),
                        Sql::Int(*issued_at),
                        Sql::Int(issued_at + 86_400_000),
                    ],
                )?;
            }
            Ok::<_, healthbook_server::ApiError>(())
        })
        .await
        .unwrap();

    let key = AgencyKey::generate().unwrap();
    let kid = calls.submit_key(&key).await.unwrap().kid;
    AgencyAdmin::new(&admin, &agency).certify_key(&kid).await.unwrap();
    let issuer = CardIssuer::new(&key, &agency).unwrap();
    let at = server.clock.now() - chrono::Duration::days(1);
    let cards: Vec<_> = members[..CARDS].iter().map(|m| issuer.issue(m, at).unwrap().card).collect();
    calls.register_cards(&cards, |_| {}).await.unwrap();
    for card in &cards[..REVOKED] {
        calls.revoke_card(&card.card_id, "left the agency").await.unwrap();
    }
    let seeded = started.elapsed();

    let adoption = AdoptionClient::new(&agency_admin);
    let first = adoption.agency(&agency).await.unwrap();
    assert_eq!((first.total.roster, first.total.joined, first.total.fresh_pass, first.total.valid_card), (5_000, 3_200, 1_000, 3_800));
    let mut agency_times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = Instant::now();
        let answer = adoption.agency(&agency).await.unwrap();
        agency_times.push(start.elapsed());
        assert_eq!(answer.not_joined.len(), ROSTER - JOINED);
    }
    let rollup_client = AdoptionClient::new(&admin);
    let mut rollup_times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = Instant::now();
        let rollup = rollup_client.rollup().await.unwrap();
        rollup_times.push(start.elapsed());
        assert_eq!(rollup.total.joined, 3_200);
    }
    // The queries alone, in a read transaction: what the indexes decide, without HTTP and JSON.
    let (mut departments, mut names, mut agencies) = (Vec::new(), Vec::new(), Vec::new());
    let when = server.clock.now();
    for _ in 0..rounds {
        let id = agency.clone();
        let times = server
            .db
            .read(move |tx| {
                use healthbook_server::agencies::adoption as queries;
                let start = Instant::now();
                queries::department_counts(tx, &id, when)?;
                let a = start.elapsed();
                queries::not_joined(tx, &id)?;
                let b = start.elapsed();
                queries::agency_counts(tx, when)?;
                Ok::<_, healthbook_server::ApiError>((a, b - a, start.elapsed() - b))
            })
            .await
            .unwrap();
        departments.push(times.0);
        names.push(times.1);
        agencies.push(times.2);
    }
    if std::env::var("ADOPTION_BENCH_EXPLAIN").is_ok() {
        let (id, pg) = (agency.clone(), backend == TestBackend::Postgres);
        let plan = server
            .db
            .read(move |tx| {
                let sql = healthbook_server::agencies::adoption::department_sql();
                let explain = if pg { format!("EXPLAIN ANALYZE {sql}") } else { format!("EXPLAIN QUERY PLAN {sql}") };
                let params = [id.into(), Sql::Int(when.timestamp_millis()), "credential".into()];
                let rows = tx.query(&explain, &params)?;
                rows.iter().map(|r| r.text(if pg { 0 } else { 3 })).collect::<Result<Vec<_>, _>>()
            })
            .await
            .map_err(|e: healthbook_server::storage::StorageError| e)
            .unwrap();
        println!("{}", plan.join("\n"));
    }
    println!("{name:<10} seeded in {:.1} s", seeded.as_secs_f64());
    report(name, "query: departments", departments);
    report(name, "query: not joined", names);
    report(name, "query: per agency", agencies);
    report(name, "agency adoption", agency_times);
    report(name, "province rollup", rollup_times);
    server.stop().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rounds = std::env::var("ADOPTION_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).filter(|n| *n > 0).unwrap_or(50);
    run(TestBackend::Sqlite, "sqlite", rounds).await;
    if std::env::var(POSTGRES_ENV).is_ok_and(|v| !v.is_empty()) {
        run(TestBackend::Postgres, "postgres", rounds).await;
    }
}
