//! Checkpoint verification cost: bare ring ECDSA P-256 verification beside the full decode and verify of an ES256
//! QR (our personal pass, and an ES256 EU DCC), with the ratio full / bare that design §6 holds to at most 1.3
//! (1.15 for an EU DCC).
//!
//! Criterion measures each side; a final interleaved run (rounds alternate between the workloads so that
//! frequency changes and other load hit them alike) prints medians and the ratios.
//!
//! Run: `cargo bench -p healthbook-core --bench verify`.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use criterion::Criterion;
use healthbook_core::credentials::{
    self, CredentialSigner, CheckpointTrustStore, KeyRole, PassStatus, PersonalPass, StatusReason,
    TrustStore, Verifier, container,
};
use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};

/// One workload: a name and a closure that does one verification and says whether it passed.
struct Workload<'a> {
    name: String,
    run: Box<dyn Fn() -> bool + 'a>,
}

/// A QR text, the store that trusts its signer, the instant at which it is valid, and the bare-verify inputs.
struct Case<S> {
    label: &'static str,
    text: String,
    store: S,
    at: DateTime<Utc>,
    point: Vec<u8>,
    signed: Vec<u8>,
    signature: Vec<u8>,
}

fn pass_case() -> Case<CheckpointTrustStore> {
    let signer = CredentialSigner::from_pkcs8(&CredentialSigner::generate_pkcs8().unwrap(), "Bộ Y tế").unwrap();
    let mut store = CheckpointTrustStore::new();
    store.add_key(signer.trusted_key(KeyRole::AUTHORITY));
    let at = DateTime::parse_from_rfc3339("2021-08-01T08:00:00Z").unwrap().with_timezone(&Utc);
    let pass = PersonalPass {
        name: "Nguyễn Văn An".into(),
        birth_year: Some(1985),
        status: PassStatus::Green,
        reasons: vec![StatusReason::Vaccination, StatusReason::Declaration],
        province: None,
    };
    let text = signer.issue_pass(&pass, "c2f5a4b8-0f5e-4d8e-b7a9-3c1d2e4f5a6b", at, Duration::hours(24)).unwrap();
    let decoded = credentials::decode(&text).unwrap();
    Case {
        label: "personal pass",
        point: signer.public_key_point().to_vec(),
        signed: decoded.signed_bytes(),
        signature: decoded.signature().to_vec(),
        text,
        store,
        at: at + Duration::hours(1),
    }
}

/// The DE ES256 conformance case with its document-signer certificate, when the shared data is beside the repo.
fn dcc_case() -> Option<Case<CheckpointTrustStore>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/eu-dcc/DE/2DCode/raw/1.json");
    let data: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    let certificate = data["TESTCTX"]["CERTIFICATE"].as_str()?;
    let text = data["PREFIX"].as_str()?.to_string();
    let at = DateTime::parse_from_rfc3339(data["TESTCTX"]["VALIDATIONCLOCK"].as_str()?).ok()?.with_timezone(&Utc);
    let store = CheckpointTrustStore::from_dcc_certificates_base64([certificate]).ok()?;
    let decoded = credentials::decode(&text).ok()?;
    // The bare side needs the raw point; the certificate's SPKI ends with it.
    let der = base64_decode(certificate)?;
    let point = find_p256_point(&der)?;
    Some(Case {
        label: "EU DCC (DE, ES256)",
        signed: decoded.signed_bytes(),
        signature: decoded.signature().to_vec(),
        point,
        text,
        store,
        at,
    })
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

/// The uncompressed point after the P-256 SPKI header inside a certificate.
fn find_p256_point(der: &[u8]) -> Option<Vec<u8>> {
    let header = &credentials::p256_spki_from_point(&[4u8; 65]).ok()?[..26];
    let at = der.windows(header.len()).position(|w| w == header)? + header.len();
    der.get(at..at + 65).map(<[u8]>::to_vec)
}

fn workloads<'a, S: TrustStore>(case: &'a Case<S>, verifier: &'a Verifier<&'a S>) -> Vec<Workload<'a>> {
    let key = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, case.point.clone());
    assert!(key.verify(&case.signed, &case.signature).is_ok(), "bare verify of {}", case.label);
    let verdict = verifier.verify(&case.text, case.at);
    assert!(verdict.valid, "{}: {:?}", case.label, verdict.error);
    vec![
        Workload {
            name: format!("{}: bare ring ECDSA P-256 verify", case.label),
            run: Box::new(move || key.verify(black_box(&case.signed), black_box(&case.signature)).is_ok()),
        },
        Workload {
            name: format!("{}: full decode + verify of the QR", case.label),
            run: Box::new(move || verifier.verify(black_box(&case.text), case.at).valid),
        },
        Workload {
            name: format!("{}: decode only (no signature)", case.label),
            run: Box::new(move || credentials::decode(black_box(&case.text)).is_ok()),
        },
    ]
}

/// Median over rounds of the mean time per call, rounds interleaved across workloads.
fn interleaved_medians(workloads: &[Workload<'_>], rounds: usize, per_round: usize) -> Vec<f64> {
    let mut samples = vec![Vec::with_capacity(rounds); workloads.len()];
    for _ in 0..rounds {
        for (i, w) in workloads.iter().enumerate() {
            let start = Instant::now();
            for _ in 0..per_round {
                black_box((w.run)());
            }
            samples[i].push(start.elapsed().as_secs_f64() * 1e6 / per_round as f64);
        }
    }
    samples
        .into_iter()
        .map(|mut s| {
            s.sort_by(f64::total_cmp);
            s[s.len() / 2]
        })
        .collect()
}

fn main() {
    let pass = pass_case();
    let pass_verifier = Verifier::new(&pass.store);
    let dcc = dcc_case();
    let dcc_verifier = dcc.as_ref().map(|c| Verifier::new(&c.store));

    let mut all = workloads(&pass, &pass_verifier);
    if let (Some(case), Some(verifier)) = (&dcc, &dcc_verifier) {
        all.extend(workloads(case, verifier));
    } else {
        eprintln!("shared/conformance not found beside the repository: EU DCC case skipped");
    }

    // Profiling aid: `HB_PROFILE=<substring of a workload name>` runs that workload alone in a loop, for perf.
    if let Ok(wanted) = std::env::var("HB_PROFILE") {
        let w = all.iter().find(|w| w.name.contains(&wanted)).expect("no workload matches HB_PROFILE");
        for _ in 0..200_000 {
            black_box((w.run)());
        }
        return;
    }

    let mut criterion = Criterion::default().configure_from_args();
    for w in &all {
        criterion.bench_function(&w.name, |b| b.iter(|| (w.run)()));
    }
    criterion.final_summary();

    let quick = std::env::args().any(|a| a == "--test" || a == "--quick");
    let (rounds, per_round) = if quick { (3, 20) } else { (41, 400) };
    let medians = interleaved_medians(&all, rounds, per_round);
    println!("\ninterleaved medians ({rounds} rounds of {per_round} calls):");
    for (w, m) in all.iter().zip(&medians) {
        println!("  {:>9.2} µs  {}", m, w.name);
    }
    // Where decoding spends its time, layer by layer (cumulative), for the largest QR.
    let text = dcc.as_ref().map_or(pass.text.as_str(), |c| c.text.as_str());
    let body = text.get(4..).unwrap_or_default();
    let raw = container::base45_decode(body).unwrap();
    let cose = container::decompress(&raw).unwrap();
    let layers: Vec<Workload<'_>> = vec![
        Workload { name: "base45".into(), run: Box::new(|| container::base45_decode(black_box(body)).is_ok()) },
        Workload { name: "zlib".into(), run: Box::new(|| container::decompress(black_box(&raw)).is_ok()) },
        Workload { name: "COSE parse".into(), run: Box::new(|| container::parse_cose(black_box(&cose)).is_ok()) },
        Workload { name: "whole decode".into(), run: Box::new(|| credentials::decode(black_box(text)).is_ok()) },
    ];
    let layer_medians = interleaved_medians(&layers, rounds, per_round);
    println!("decode layers ({} Base45 characters, {} bytes zlib, {} bytes COSE):", body.len(), raw.len(), cose.len());
    for (w, m) in layers.iter().zip(&layer_medians) {
        println!("  {:>9.2} µs  {}", m, w.name);
    }
    for chunk in (0..all.len()).step_by(3) {
        let (bare, full, decode) = (medians[chunk], medians[chunk + 1], medians[chunk + 2]);
        let label = all[chunk].name.split(':').next().unwrap_or_default();
        // Design §6: any checkpoint verification within 1.3x of the bare verify, an EU DCC within 1.15x.
        let target = if label.starts_with("EU DCC") { 1.15 } else { 1.30 };
        println!("{label}: ratio full/bare = {:.2} (decode alone {decode:.2} µs, target ≤ {target:.2})", full / bare);
    }
}
