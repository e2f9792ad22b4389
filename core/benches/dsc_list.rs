//! Importing an EU DCC document-signer list: verifying the signature line and parsing the JSON and every
//! certificate of a list of 1,000 entries (about 1.4 MB, the order of Germany's list), built from the
//! conformance data's DSCs (repeats among them are parsed like any entry, then skipped) and signed with a test
//! publisher key. Measured on the 2-core build machine under load: about 15 ms per list.
//!
//! Run: `cargo bench -p healthbook-core --bench dsc_list`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use healthbook_core::trust::dcc_signers::testing::{TestPublisher, entry, list_json};
use healthbook_core::trust::parse_dsc_list;

/// Every conformance case's signing certificate (base64 DER), as the cases name them.
fn conformance_certificates() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/eu-dcc");
    let mut found = Vec::new();
    for country in std::fs::read_dir(&root).expect("conformance data").flatten() {
        let raw = country.path().join("2DCode/raw");
        let Ok(cases) = std::fs::read_dir(&raw) else { continue };
        for case in cases.flatten() {
            let Ok(text) = std::fs::read_to_string(case.path()) else { continue };
            let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
            if let Some(cert) = value["TESTCTX"]["CERTIFICATE"].as_str() {
                found.push((country.file_name().to_string_lossy().chars().take(2).collect(), cert.to_owned()));
            }
        }
    }
    found
}

fn bench_dsc_list(c: &mut Criterion) {
    let certificates = conformance_certificates();
    assert!(!certificates.is_empty(), "conformance certificates");
    let entries = (0..1_000)
        .map(|i| {
            let (country, cert) = &certificates[i % certificates.len()];
            entry("DSC", country, cert, None, "2021-06-01T12:00:00+02:00")
        })
        .collect();
    let publisher = TestPublisher::generate();
    let list = publisher.sign(&list_json(entries));
    let parsed = parse_dsc_list(&list, &publisher.public_key_pem).expect("the list verifies");
    println!(
        "list of {} bytes, 1,000 entries from {} conformance certificates: {} signers kept, {} skipped",
        list.len(),
        certificates.len(),
        parsed.signers.len(),
        parsed.skipped
    );
    let mut group = c.benchmark_group("dsc_list");
    group.sample_size(10);
    group.bench_function("verify and parse 1,000 entries", |b| {
        b.iter(|| black_box(parse_dsc_list(black_box(&list), &publisher.public_key_pem).expect("verifies")))
    });
    group.finish();
}

criterion_group!(benches, bench_dsc_list);
criterion_main!(benches);
