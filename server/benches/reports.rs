//! The province's reports on a large database: 1,000,000 declarations and 1,000,000 gate passages over 30 days,
//! in 100 wards and 500 venues (nine in ten in the officer's province 79, the rest in 01), plus 200,000 samples
//! with their results and 100,000 residents on the communes' lists. Each report is built (`reports::build`, the
//! whole of `GET /v1/reports/{kind}` but the HTTP) for a health officer of province 79 over 14 and 30 days, and for
//! the authority admin over 30 days; the target is under 1 s each. Quarantine is timed on an empty table set (its
//! tables are small: orders, not events).
//!
//! A bench binary that prints figures (`harness = false`), never run by `cargo test`:
//! `cargo bench -p healthbook-server --bench reports`. It runs on SQLite, and also on PostgreSQL when
//! `HEALTHBOOK_TEST_POSTGRES_URL` is set (in a schema of its own, dropped afterwards). Set
//! `HEALTHBOOK_BENCH_KEEP=1` to keep the SQLite file and the PostgreSQL schema and print where they are (for
//! `EXPLAIN` by hand), `HEALTHBOOK_BENCH_SQLITE=0` to run PostgreSQL only. PostgreSQL is analysed after the load,
//! as autovacuum would do; SQLite is not (the server never runs ANALYZE).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use chrono::{NaiveDate, TimeZone, Utc};
use healthbook_core::ManualClock;
use healthbook_protocol::reports::{ReportKind, ReportQuery};
use healthbook_server::auth::{Principal, issue_token};
use healthbook_server::error::ApiError;
use healthbook_server::storage::{StorageError, Tx, Value};
use healthbook_server::{AppState, Database, DatabaseLocation, ServerConfig, reports};

const ROWS: i64 = 1_000_000;
const SAMPLES: i64 = 200_000;
const LISTED: i64 = 100_000;
const VENUES: i64 = 500;
const DAYS: i64 = 30;
const RUNS: usize = 5;

/// The first day of the data (local).
fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, 1).expect("date")
}

/// Rows `0..count` as a recursive CTE (portable: SQLite and PostgreSQL), to insert in one statement.
fn numbers(count: i64) -> String {
    format!("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {}) ", count - 1)
}

/// Fills the database: accounts, venues with a gate each, the day table, then the bulk rows in a few statements.
fn fill(tx: &mut dyn Tx) -> Result<(), StorageError> {
    let now = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap().timestamp_millis();
    tx.execute("INSERT INTO agencies (id, name, created_at) VALUES ('bench-agency', 'Ban quản lý chợ', $1)", &[Value::Int(now)])?;
    tx.execute("INSERT INTO accounts (id, role, created_at) VALUES ('bench-device', 'device', $1)", &[Value::Int(now)])?;
    tx.execute(
        "INSERT INTO accounts (id, role, username, created_at, area_province) VALUES ('bench-officer', 'health_officer', 'officer', $1, '79')",
        &[Value::Int(now)],
    )?;
    tx.execute("INSERT INTO accounts (id, role, username, created_at) VALUES ('bench-admin', 'authority_admin', 'admin', $1)", &[Value::Int(now)])?;
    tx.execute("CREATE TABLE bench_days (n BIGINT PRIMARY KEY, day TEXT NOT NULL, ms BIGINT NOT NULL)", &[])?;
    for n in 0..DAYS {
        let day = first_day() + chrono::Duration::days(n);
        // Local midnight in Vietnam is 17:00 UTC the day before.
        let ms = day.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp_millis() - 7 * 3_600_000;
        tx.execute("INSERT INTO bench_days (n, day, ms) VALUES ($1, $2, $3)", &[Value::Int(n), day.format("%Y-%m-%d").to_string().into(), Value::Int(ms)])?;
    }
    // Nine in ten in province 79 (wards 27000..27099), the rest in 01.
    let province = "CASE WHEN n.i % 10 = 0 THEN '01' ELSE '79' END";
    let ward = "CASE WHEN n.i % 10 = 0 THEN '00' || CAST(100 + n.i % 7 AS TEXT) ELSE CAST(27000 + n.i % 100 AS TEXT) END";
    tx.execute(
        &format!(
            "{}INSERT INTO venues (id, agency_id, name, kind, address, province_code, ward_code, default_stay_minutes, created_at) \
             SELECT 'v' || CAST(n.i AS TEXT), 'bench-agency', 'Địa điểm ' || CAST(n.i AS TEXT), 'market', 'Địa chỉ', {province}, {ward}, 60, {now} FROM n",
            numbers(VENUES)
        ),
        &[],
    )?;
    tx.execute(
        &format!(
            "{}INSERT INTO gates (id, agency_id, name, created_at, venue_id) SELECT 'g' || CAST(n.i AS TEXT), 'bench-agency', 'Cổng', {now}, \
             'v' || CAST(n.i AS TEXT) FROM n",
            numbers(VENUES)
        ),
        &[],
    )?;
    tx.execute(
        &format!(
            "{}INSERT INTO declarations (id, device_id, form_id, form_version, province_code, ward_code, declared_date, declared_at, \
             received_at, body, receipt) SELECT 'd' || CAST(n.i AS TEXT), 'bench-device', 'health_declaration', 1, {province}, {ward}, \
             b.day, b.ms + 3600000, b.ms + 3600000, '{{}}', 'r' FROM n JOIN bench_days b ON b.n = n.i % {DAYS}",
            numbers(ROWS)
        ),
        &[],
    )?;
    tx.execute(
        &format!(
            "{}INSERT INTO gate_passages (id, gate_id, venue_id, direction, scanned_at, scanned_day, verdict, reason, card, credential_id, \
             uploaded_by, received_at) SELECT 'p' || CAST(n.i AS TEXT), 'g' || CAST(n.i % {VENUES} AS TEXT), 'v' || CAST(n.i % {VENUES} AS TEXT), \
             CASE WHEN n.i % 2 = 0 THEN 'in' ELSE 'out' END, b.ms + (n.i % 997) * 60000, b.day, \
             CASE WHEN n.i % 50 = 0 THEN 'refuse' ELSE 'admit' END, 'valid', 'personal_pass', 'c', 'bench-gate', b.ms \
             FROM n JOIN bench_days b ON b.n = (n.i / {VENUES}) % {DAYS}",
            numbers(ROWS)
        ),
        &[],
    )?;
    tx.execute(
        &format!(
            "{}INSERT INTO result_samples (code_hash, site_province, site_ward, test_kind, sampled_at, sampled_day, linked_by, created_at) \
             SELECT 's' || CAST(n.i AS TEXT), {province}, {ward}, 'pcr', b.ms + 7200000, b.day, 'bench-officer', b.ms \
             FROM n JOIN bench_days b ON b.n = n.i % {DAYS}",
            numbers(SAMPLES)
        ),
        &[],
    )?;
    tx.execute(
        &format!(
            "{}INSERT INTO sample_results (code_hash, state, reason, tested_at, received_at) \
             SELECT 's' || CAST(n.i AS TEXT), 'negative', 'lab_reported', 0, s.sampled_at + (n.i % 48) * 3600000 \
             FROM n JOIN result_samples s ON s.code_hash = 's' || CAST(n.i AS TEXT) WHERE n.i % 5 <> 0",
            numbers(SAMPLES)
        ),
        &[],
    )?;
    tx.execute(
        &format!(
            "{}INSERT INTO vaccination_list_entries (id, ward_code, province_code, line, id_hash, full_name, birth_date, birth_year_only, sex, \
             priority_group, imported_at, imported_by) SELECT 'e' || CAST(n.i AS TEXT), {ward}, {province}, n.i, NULL, 'Cư dân', '1980-01-01', 0, \
             'female', CASE WHEN n.i % 3 = 0 THEN NULL ELSE 1 + n.i % 16 END, {now}, 'bench-officer' FROM n",
            numbers(LISTED)
        ),
        &[],
    )?;
    Ok(())
}

/// The principal of `account_id`, made the way a request makes it (a bearer token through the extractor).
async fn principal(state: &AppState, account_id: &'static str) -> Principal {
    let now = state.now();
    let (token, _) = state
        .db
        .write(move |tx| issue_token(tx, account_id, now, chrono::Duration::hours(1)))
        .await
        .expect("token");
    let request = axum::http::Request::builder().header("authorization", format!("Bearer {token}")).body(()).expect("request");
    let (mut parts, ()) = request.into_parts();
    Principal::from_request_parts(&mut parts, state).await.expect("principal")
}

/// CPU time this process used so far (user and system, all threads), from `/proc/self/stat`: on a shared
/// machine it says what a report costs better than the wall clock. `None` off Linux.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces): utime is the 12th, stime the 13th.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // The kernel's USER_HZ is 100 on every Linux the project builds for.
    Some(Duration::from_millis(ticks * 10))
}

/// Times every report for `who` over `days` days ending on the data's last day; prints one line per report.
async fn time_reports(state: &AppState, who: &str, principal: &Principal, days: i64) -> Vec<Duration> {
    let to = first_day() + chrono::Duration::days(DAYS - 1);
    let query = ReportQuery { from: Some(to - chrono::Duration::days(days - 1)), to: Some(to), province: None, ward: None };
    let mut medians = Vec::new();
    for kind in ReportKind::ALL {
        let mut times = Vec::with_capacity(RUNS);
        let mut rows = 0;
        let cpu_before = cpu_time();
        for _ in 0..RUNS {
            let (principal, query, now) = (principal.clone(), query.clone(), state.now());
            let started = Instant::now();
            let report = state
                .db
                .read(move |tx| reports::build(tx, &principal, kind, &query, now))
                .await
                .map_err(|e: ApiError| e)
                .expect("report");
            times.push(started.elapsed());
            rows = report.sections.iter().map(|s| s.rows.len()).sum::<usize>();
        }
        let cpu = cpu_before.zip(cpu_time()).map(|(before, after)| (after - before) / RUNS as u32);
        times.sort();
        let median = times[RUNS / 2];
        println!(
            "  {who:<16} {days:>2} days  {:<13} median {:>8.1} ms  (min {:>8.1} ms, max {:>8.1} ms)  cpu {:>7.1} ms/run  {rows} rows",
            kind.as_str(),
            median.as_secs_f64() * 1e3,
            times[0].as_secs_f64() * 1e3,
            times[RUNS - 1].as_secs_f64() * 1e3,
            cpu.map_or(f64::NAN, |c| c.as_secs_f64() * 1e3),
        );
        medians.push(median);
    }
    medians
}

async fn run(name: &str, db: Database) {
    let started = Instant::now();
    db.write(fill).await.map_err(|e: StorageError| e).expect("fill");
    if db.backend() == healthbook_server::storage::Backend::Postgres {
        // What autovacuum does after a bulk load; the server never runs ANALYZE on SQLite, so neither does this.
        db.write(|tx| tx.execute("ANALYZE", &[])).await.map_err(|e: StorageError| e).expect("analyze");
    }
    println!("{name}: filled in {:.1} s", started.elapsed().as_secs_f64());
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 10, 30, 12, 0, 0).unwrap()));
    let state = AppState::new(db, clock, ServerConfig::default());
    let officer = principal(&state, "bench-officer").await;
    let admin = principal(&state, "bench-admin").await;
    let mut worst = Duration::ZERO;
    for (who, principal, days) in [("officer of 79", &officer, 14), ("officer of 79", &officer, 30), ("authority admin", &admin, 30)] {
        worst = worst.max(time_reports(&state, who, principal, days).await.into_iter().max().unwrap_or_default());
    }
    println!("{name}: slowest report median {:.1} ms (target: under 1000 ms)", worst.as_secs_f64() * 1e3);
}

fn main() {
    // `cargo test --benches` would run this with `--bench` absent; only a real bench run does the work.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("reports.db");
        let keep = std::env::var("HEALTHBOOK_BENCH_KEEP").is_ok_and(|v| v == "1");
        if std::env::var("HEALTHBOOK_BENCH_SQLITE").is_ok_and(|v| v == "0") {
            println!("sqlite: skipped (HEALTHBOOK_BENCH_SQLITE=0)");
        } else {
            let db = Database::open(&DatabaseLocation::Sqlite(path.clone())).await.expect("open sqlite");
            run("sqlite", db).await;
            if keep {
                let kept = dir.keep();
                println!("sqlite database kept at {}", kept.join("reports.db").display());
            }
        }
        if let Ok(url) = std::env::var("HEALTHBOOK_TEST_POSTGRES_URL") {
            let ca = std::env::var("HEALTHBOOK_TEST_POSTGRES_CA").ok().map(std::path::PathBuf::from);
            let schema = format!("hb_bench_reports_{}", uuid::Uuid::new_v4().simple());
            let admin = Database::new(Arc::new(
                healthbook_server::storage::PostgresStorage::connect(&url, 2, ca.as_deref()).expect("connect"),
            ));
            let create = format!("CREATE SCHEMA {schema}");
            admin.write(move |tx| tx.execute(&create, &[])).await.map_err(|e: StorageError| e).expect("schema");
            let separator = if url.contains('?') { '&' } else { '?' };
            let scoped = format!("{url}{separator}options=-csearch_path%3D{schema}");
            let location = DatabaseLocation::Postgres { url: scoped, pool_size: 4, ca_file: ca };
            let db = Database::open(&location).await.expect("open postgres");
            run("postgres", db).await;
            if keep {
                println!("postgres schema kept: {schema}");
            } else {
                let drop = format!("DROP SCHEMA {schema} CASCADE");
                admin.write(move |tx| tx.execute(&drop, &[])).await.map_err(|e: StorageError| e).expect("drop schema");
            }
        }
    });
}
