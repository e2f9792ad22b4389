//! Pass issuance against the number of declarations on the person: the status look-ups go by index (person and
//! time), so issuing a pass costs the same with 10 declarations as with 10,000.
//!
//! Each case is a SQLite database initialised like a real server (root and service keys sealed with a KEK),
//! with one device, one person bound to it, and N health declarations of that person all inside the 7-day
//! window (the worst case for a scan), plus a red one just outside it. One iteration is the whole of
//! `POST /v1/passes` inside its write transaction: binding and person look-up, the rule set, the `issued_passes`
//! row, the signature. Run with `cargo bench -p healthbook-server --bench pass_issue`.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use healthbook_core::{Clock, ManualClock};
use healthbook_server::error::ApiError;
use healthbook_server::passes::issue_for_binding;
use healthbook_server::status::RuleSet;
use healthbook_server::storage::{StorageError, Value};
use healthbook_server::{Database, DatabaseLocation, admin, keys};

const DEVICE: &str = "bench-device";
const PROFILE: &str = "bench-profile";
const PERSON: &str = "bench-person";

/// A database with the person and `declarations` declarations of theirs.
async fn database(dir: &std::path::Path, declarations: usize, clock: Arc<ManualClock>) -> Database {
    let db = Database::open(&DatabaseLocation::Sqlite(dir.join("server.db")))
        .await
        .expect("open")
        .with_kek(keys::Kek::from_bytes(&[7; 32]).expect("kek"));
    keys::unlock(&db).await.expect("unlock");
    admin::init(&db, clock.clone(), "admin", "bench-admin-password", 1_000).await.expect("init");
    let now = clock.now();
    db.write(move |tx| {
        let ms = |t: chrono::DateTime<Utc>| Value::Int(t.timestamp_millis());
        tx.execute("INSERT INTO accounts (id, role, created_at) VALUES ($1, 'device', $2)", &[DEVICE.into(), ms(now)])?;
        tx.execute(
            "INSERT INTO persons (id, id_hash, id_kind, full_name, birth_year, province_code, verification, created_at) \
             VALUES ($1, 'bench-hash', 'cccd', 'Nguyễn Văn An', 1980, '01', 'attested', $2)",
            &[PERSON.into(), ms(now)],
        )?;
        tx.execute(
            "INSERT INTO person_bindings (device_id, profile_ref, person_id, method, created_at) VALUES ($1, $2, $3, 'sms', $4)",
            &[DEVICE.into(), PROFILE.into(), PERSON.into(), ms(now)],
        )?;
        let window = Duration::days(7) - Duration::minutes(1);
        let mut insert = |i: usize, at: chrono::DateTime<Utc>, status: &str| {
            let finding = format!(r#"{{"status":"{status}","reasons":["declaration"]}}"#);
            tx.execute(
                "INSERT INTO declarations (id, device_id, form_id, form_version, province_code, ward_code, declared_date, declared_at, \
                 received_at, body, health_status, receipt, person_id, profile_ref, finding_status, finding) \
                 VALUES ($1, $2, 'health_declaration', 1, '01', NULL, '2021-07-01', $3, $3, '{}', $4, 'receipt', $5, $6, $7, $8)",
                &[
                    format!("d-{i}").into(),
                    DEVICE.into(),
                    ms(at),
                    finding.clone().into(),
                    PERSON.into(),
                    PROFILE.into(),
                    status.into(),
                    finding.into(),
                ],
            )
        };
        insert(declarations, now - Duration::days(8), "red")?;
        for i in 0..declarations {
            let at = now - window * i32::try_from(i).unwrap_or(i32::MAX) / i32::try_from(declarations).unwrap_or(i32::MAX);
            insert(i, at, if i % 3 == 0 { "yellow" } else { "green" })?;
        }
        Ok::<_, StorageError>(())
    })
    .await
    .expect("fill");
    db
}

fn pass_issue(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2021, 7, 1, 8, 0, 0).unwrap()));
    let mut group = c.benchmark_group("pass_issue");
    group.sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    for declarations in [10, 100, 1_000, 10_000] {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = rt.block_on(database(dir.path(), declarations, clock.clone()));
        let rules = Arc::new(RuleSet::standard());
        let now = clock.now();
        // The status must be what the newest declaration says (yellow: index 0), not the red one outside the window.
        let first = rt
            .block_on(db.write({
                let rules = rules.clone();
                move |tx| issue_for_binding(tx, &rules, DEVICE, PROFILE, None, now)
            }))
            .expect("issue");
        assert_eq!(first.health_status.status.as_str(), "yellow");
        group.bench_with_input(BenchmarkId::new("declarations", declarations), &declarations, |b, _| {
            b.iter(|| {
                let rules = rules.clone();
                rt.block_on(db.write(move |tx| issue_for_binding(tx, &rules, DEVICE, PROFILE, None, now))).map_err(|e: ApiError| e).expect("issue")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, pass_issue);
criterion_main!(benches);
