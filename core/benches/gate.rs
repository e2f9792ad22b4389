//! The gate device's costs: recording passages (a scan verified and queued in its own transaction, as at a
//! gate), and a repeated scan of the same card (served from the cache of verified credentials) against a first
//! verification (decode and signature), whose ratio the issue asks to be far below 1 (target 0.1 or less).
//!
//! The card is the DE ES256 EU DCC of the conformance data, trusted through the public API as a gate would.
//! Criterion measures each side (and a whole `scan()` repeated within the repeat window); then an interleaved run
//! prints the medians and the ratio, and a timed run records 100,000 passages (`GATE_BENCH_PASSAGES` to change).
//!
//! Run: `cargo bench -p healthbook-core --bench gate`.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use criterion::Criterion;
use healthbook_core::client::AccessToken;
use healthbook_core::gate::{Gate, GateTransport};
use healthbook_core::keystore::MemoryKeyStore;
use healthbook_core::persons::TransportError;
use healthbook_core::{Healthbook, HealthbookConfig, ManualClock};
use healthbook_protocol::{Direction, GateVerdict, Role};
use serde_json::{Value, json};

const GATE: &str = "bench-gate";

/// Answers the binding's reads; a bench never uploads.
struct BenchServer;

#[async_trait::async_trait]
impl GateTransport for BenchServer {
    async fn get(&self, _url: &str, _token: &AccessToken, path: &str) -> Result<Value, TransportError> {
        let at = "2021-01-01T00:00:00Z";
        Ok(if path.starts_with("/v1/gates/") {
            json!({ "id": GATE, "agency_id": "a1", "name": "Cổng 1", "created_at": at })
        } else {
            json!({ "id": "a1", "name": "Chợ", "created_at": at })
        })
    }

    async fn post(&self, _: &str, _: &AccessToken, _: &str, _: Value, _: &str) -> Result<Value, TransportError> {
        Err(TransportError::NoServer)
    }
}

struct Bench {
    _dir: tempfile::TempDir,
    runtime: tokio::runtime::Runtime,
    gate: Gate,
    text: String,
    at: DateTime<Utc>,
}

fn setup() -> Bench {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/eu-dcc/DE/2DCode/raw/1.json");
    let case: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("the shared conformance data")).unwrap();
    let at = DateTime::parse_from_rfc3339(case["TESTCTX"]["VALIDATIONCLOCK"].as_str().unwrap()).unwrap().with_timezone(&Utc);
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(at));
    let hb = Healthbook::open(HealthbookConfig {
        data_dir: dir.path().into(),
        key_store: Arc::new(MemoryKeyStore::default()),
        clock: clock.clone(),
    })
    .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let gate = hb.gate_with(Arc::new(BenchServer));
    runtime.block_on(async {
        hb.trust().add_dcc_certificate(case["TESTCTX"]["CERTIFICATE"].as_str().unwrap()).await.unwrap();
        let token = AccessToken {
            token: "t".into(),
            expires_at: at + Duration::days(1),
            account_id: "op".into(),
            role: Role::GateOperator,
            agency_id: Some("a1".into()),
        };
        gate.bind_with_token("https://api.example.vn", token, GATE).await.unwrap();
        // Every scan is recorded: the bench measures the queue, not the repeat window.
        gate.set_repeat_window(Duration::zero()).await.unwrap();
    });
    let text = case["PREFIX"].as_str().unwrap().to_owned();
    let (decision, _) = gate.verify_at(&text, at).unwrap();
    assert_eq!(decision.verdict, GateVerdict::Admit, "the conformance DCC must verify");
    Bench { _dir: dir, runtime, gate, text, at }
}

fn first_verification(b: &Bench) -> bool {
    b.gate.forget_verified();
    b.gate.verify_at(black_box(&b.text), b.at).unwrap().0.verdict == GateVerdict::Admit
}

fn repeated_verification(b: &Bench) -> bool {
    b.gate.verify_at(black_box(&b.text), b.at).unwrap().0.verdict == GateVerdict::Admit
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let b = setup();
    let mut criterion = Criterion::default().configure_from_args().sample_size(30);
    criterion.bench_function("gate/first verification (decode + signature)", |bencher| {
        bencher.iter(|| assert!(first_verification(&b)))
    });
    criterion.bench_function("gate/repeated scan (cache hit)", |bencher| bencher.iter(|| assert!(repeated_verification(&b))));
    criterion.bench_function("gate/scan and record one passage", |bencher| {
        bencher.iter(|| b.runtime.block_on(b.gate.scan(black_box(&b.text), Direction::In)).unwrap())
    });
    // The whole scan of a card shown again within the repeat window: verified from the cache, not recorded.
    b.runtime.block_on(b.gate.set_repeat_window(Duration::minutes(10))).unwrap();
    criterion.bench_function("gate/repeated scan() within the repeat window (not recorded)", |bencher| {
        bencher.iter(|| assert!(!b.runtime.block_on(b.gate.scan(black_box(&b.text), Direction::In)).unwrap().recorded))
    });
    b.runtime.block_on(b.gate.set_repeat_window(Duration::zero())).unwrap();
    criterion.final_summary();

    // Interleaved, so that frequency changes and other load hit both sides alike.
    let (mut first, mut repeat) = (Vec::new(), Vec::new());
    for _ in 0..200 {
        let started = Instant::now();
        for _ in 0..20 {
            assert!(first_verification(&b));
        }
        first.push(started.elapsed().as_secs_f64() / 20.0);
        let started = Instant::now();
        for _ in 0..20 {
            assert!(repeated_verification(&b));
        }
        repeat.push(started.elapsed().as_secs_f64() / 20.0);
    }
    let (first, repeat) = (median(first), median(repeat));
    println!(
        "first verification {:.1} µs, repeated scan {:.2} µs: ratio {:.4} (target <= 0.1)",
        first * 1e6,
        repeat * 1e6,
        repeat / first
    );

    let count: usize = std::env::var("GATE_BENCH_PASSAGES").ok().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let before = b.runtime.block_on(b.gate.status()).unwrap().pending;
    let started = Instant::now();
    b.runtime.block_on(async {
        for _ in 0..count {
            let scan = b.gate.scan(&b.text, Direction::In).await.unwrap();
            assert!(scan.recorded);
        }
    });
    let elapsed = started.elapsed();
    let pending = b.runtime.block_on(b.gate.status()).unwrap().pending;
    assert_eq!(pending - before, count);
    println!(
        "recorded {count} passages (scan, verify from cache, one transaction each) in {:.2} s: {:.1} µs each, {:.0} per second",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e6 / count as f64,
        count as f64 / elapsed.as_secs_f64()
    );
}
