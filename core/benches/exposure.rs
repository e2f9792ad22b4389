//! Exposure matching on the phone: a 21-day diary (21 × 10 visits) against 100,000 risky windows, the case the
//! issue sets a target for (well under 100 ms). Measured separately: indexing the windows by venue hash (once
//! per download) and matching (each time the diary is checked); a final plain run prints the medians.
//!
//! Run: `cargo bench -p healthbook-core --bench exposure`.

use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::Criterion;
use healthbook_core::checkin::{DiaryEntry, RiskyIndex, StoredWindow, venue_hash};
use healthbook_protocol::ExposureAdvice;

const WINDOWS: usize = 100_000;
const DAYS: i64 = 21;
const VISITS_A_DAY: i64 = 10;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 9, 1, 0, 0, 0).unwrap()
}

/// 100,000 windows over 20,000 venues (five windows each, spread over 21 days); the diary's venues are among
/// them, so matching does real overlap work as well as lookups.
fn windows() -> Vec<StoredWindow> {
    (0..WINDOWS)
        .map(|i| {
            let from = start() + Duration::hours((i % (DAYS as usize * 24)) as i64);
            StoredWindow {
                id: format!("w{i}"),
                venue_hash: venue_hash(&format!("venue-{}", i % 20_000)),
                from,
                to: from + Duration::hours(3),
                advice: ExposureAdvice::GetTested,
            }
        })
        .collect()
}

fn diary() -> Vec<DiaryEntry> {
    (0..DAYS * VISITS_A_DAY)
        .map(|i| DiaryEntry {
            id: format!("e{i}"),
            profile_id: "p".into(),
            venue_id: Some(format!("venue-{}", i * 97)),
            venue_name: "Chợ".into(),
            venue_kind: None,
            ward_code: None,
            gate: None,
            checked_in_at: start() + Duration::minutes(i * 144),
            checked_out_at: None,
            auto_checked_out: false,
            stay_minutes: 60,
            manual: false,
        })
        .collect()
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let windows = windows();
    let diary = diary();
    let index = RiskyIndex::new(windows.clone());
    let found = index.matches(&diary).len();
    assert!(found > 0, "the workload must contain matches");

    let mut c = Criterion::default().configure_from_args().sample_size(20);
    c.bench_function("exposure/index_100k_windows", |b| b.iter(|| black_box(RiskyIndex::new(windows.clone()))));
    c.bench_function("exposure/match_210_visits_against_100k_windows", |b| b.iter(|| black_box(index.matches(&diary).len())));
    c.final_summary();

    let mut build = Vec::new();
    let mut matching = Vec::new();
    for _ in 0..15 {
        let copy = windows.clone();
        let started = Instant::now();
        let fresh = RiskyIndex::new(copy);
        build.push(started.elapsed().as_secs_f64() * 1e3);
        let started = Instant::now();
        black_box(fresh.matches(&diary).len());
        matching.push(started.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "exposure: {} visits × {WINDOWS} windows, {found} matches; index build median {:.2} ms (once per download), \
         match median {:.3} ms (target well under 100 ms)",
        diary.len(),
        median(build),
        median(matching)
    );
}
