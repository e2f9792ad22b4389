//! The document-signer list parser takes text from outside (a national backend, a file, an upload to the
//! server): 3,000 random and mutated lists must each get a typed answer and never a panic. Mutations are seeded;
//! the seed list is signed afresh each run, so a failure prints the exact input. Any mutation of the signed part
//! that was not signed again must be refused: a signature bypass fails this test.

use std::panic::{AssertUnwindSafe, catch_unwind};

use healthbook_core::trust::dcc_signers::testing::{TestPublisher, entry, list_json};
use healthbook_core::trust::parse_dsc_list;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const RANDOM: usize = 1_000;
const MUTATIONS: usize = 2_000;

fn conformance_certificate(case: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/eu-dcc").join(case);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["TESTCTX"]["CERTIFICATE"].as_str().unwrap().to_owned()
}

fn mutate(rng: &mut StdRng, text: &str) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..rng.gen_range(1..4) {
        let at = rng.gen_range(0..bytes.len().max(1));
        match rng.gen_range(0..5) {
            0 if !bytes.is_empty() => {
                let i = at.min(bytes.len() - 1);
                bytes[i] ^= 1 << rng.gen_range(0..8);
            }
            1 if !bytes.is_empty() => {
                bytes.remove(at.min(bytes.len() - 1));
            }
            2 => bytes.insert(at.min(bytes.len()), rng.r#gen()),
            3 => bytes.truncate(at),
            _ => {
                let tokens: [&[u8]; 8] = [b"{", b"}", b"[", b"\"", b"\n", b"null", b"\"DSC\"", b"1e999"];
                let token = tokens[rng.gen_range(0..tokens.len())];
                let at = at.min(bytes.len());
                bytes.splice(at..at, token.iter().copied());
            }
        }
    }
    bytes
}

#[test]
fn random_and_mutated_lists_never_panic_and_never_verify_unsigned() {
    let publisher = TestPublisher::generate();
    let de = conformance_certificate("DE/2DCode/raw/1.json");
    let be = conformance_certificate("BE/2DCode/raw/1.json");
    let json = list_json(vec![
        entry("DSC", "DE", &de, None, "2021-06-01T12:00:00+02:00"),
        entry("DSC", "BE", &be, None, "2021-06-02T12:00:00Z"),
        entry("CSCA", "DE", &de, None, "2021-06-02T12:00:00Z"),
    ]);
    let signed = publisher.sign(&json);
    let key = publisher.public_key_pem.clone();
    assert_eq!(parse_dsc_list(&signed, &key).unwrap().signers.len(), 2);
    let mut rng = StdRng::seed_from_u64(0x05c1);
    let mut refused = 0;
    for i in 0..RANDOM + MUTATIONS {
        let bytes = if i < RANDOM {
            let len = rng.gen_range(0..512);
            (0..len).map(|_| rng.r#gen::<u8>()).collect()
        } else {
            mutate(&mut rng, &signed)
        };
        let Ok(text) = String::from_utf8(bytes) else { continue };
        let outcome = catch_unwind(AssertUnwindSafe(|| parse_dsc_list(&text, &key)))
            .unwrap_or_else(|_| panic!("parse_dsc_list panicked on {text:?}"));
        let signed_part_changed = text.split_once('\n').map(|(_, rest)| rest.trim_end()) != Some(json.as_str());
        match outcome {
            Ok(list) => {
                assert!(!signed_part_changed, "a list whose signed part changed verified: {text:?}");
                assert!(list.signers.len() <= 2);
            }
            Err(_) => refused += 1,
        }
        // The key itself is outside input too.
        let _ = catch_unwind(AssertUnwindSafe(|| parse_dsc_list(&signed, &text)))
            .unwrap_or_else(|_| panic!("parse_dsc_list panicked on the key {text:?}"));
    }
    assert!(refused > RANDOM / 2, "most random and mutated lists are refused ({refused})");
}
