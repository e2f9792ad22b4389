//! 10,000 randomly mutated QR strings must each get a typed verdict and never a panic. The mutations are seeded;
//! the seed credentials are signed afresh each run (ring's ECDSA is randomised), so a failure prints the exact
//! input that broke. Mutations hit every layer: the text, the COSE bytes, the CBOR structure (signature then broken), and the
//! claims re-signed with a trusted key so that the schema, role and time checks see hostile input too.
//!
//! Every mutation that was not signed afresh and changed what the signature covers (protected header, payload,
//! signature) must be refused: a signature bypass fails this test. A mutation that left the signed bytes as they
//! were (an unprotected header, another container encoding) may verify, but only with the seed's own payload.

use std::collections::BTreeMap;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use chrono::{DateTime, Utc};
use ciborium::Value;
use healthbook_core::credentials::{
    self, CredentialSigner, CredentialType, CheckpointTrustStore, KeyRole, OwnPayload, PassStatus,
    PersonalPass, StaffCard, StatusReason, Verifier, container,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const MUTATIONS: usize = 10_000;

fn t(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

struct Seed {
    text: String,
    /// The trusted key that signed it, for re-signing mutated claims; `None` for third-party samples.
    signer: Option<usize>,
}

fn dcc_claims() -> Value {
    let text = |s: &str| Value::Text(s.into());
    let test = Value::Map(vec![
        (text("tg"), text("840539006")),
        (text("tt"), text("LP6464-4")),
        (text("sc"), Value::Tag(0, Box::new(text("2021-08-01T07:00:00Z")))),
        (text("tr"), text("260415000")),
        (text("tc"), text("Bệnh viện Chợ Rẫy")),
        (text("co"), text("VN")),
        (text("is"), text("Ministry of Health")),
        (text("ci"), text("URN:UVCI:01:VN:T42#Q")),
    ]);
    let hcert = Value::Map(vec![
        (text("ver"), text("1.3.0")),
        (
            text("nam"),
            Value::Map(vec![(text("fn"), text("Phạm")), (text("fnt"), text("PHAM")), (text("gnt"), text("THI<D"))]),
        ),
        (text("dob"), text("1990")),
        (text("t"), Value::Array(vec![test])),
    ]);
    Value::Map(vec![
        (Value::Integer(1.into()), text("VN")),
        (Value::Integer(6.into()), Value::Float(t("2021-08-01T08:00:00Z").timestamp() as f64 + 0.25)),
        (Value::Integer(4.into()), Value::Integer(t("2021-08-03T08:00:00Z").timestamp().into())),
        (Value::Integer((-260).into()), Value::Map(vec![(Value::Integer(1.into()), hcert)])),
    ])
}

fn random_text(rng: &mut StdRng) -> String {
    const POOL: &[&str] =
        &["", "A", "green", "purple", "Nguyễn", "\u{0}", "HC1:", "ver", "1.3.0", "260373001", "ci", "💉"];
    if rng.gen_bool(0.5) {
        POOL[rng.gen_range(0..POOL.len())].to_string()
    } else {
        (0..rng.gen_range(0..24)).map(|_| rng.gen_range(' '..='~')).collect()
    }
}

fn random_value(rng: &mut StdRng, depth: usize) -> Value {
    match rng.gen_range(0..14) {
        0 => Value::Integer(rng.gen_range(-5..300).into()),
        1 => Value::Integer(
            [i64::MIN, i64::MAX, -65537, -260, 0, 1, 4, 6, 7, 1_000_000_000_000][rng.gen_range(0..10)].into(),
        ),
        2 => Value::Integer(u64::MAX.into()),
        3 => Value::Float([f64::NAN, f64::INFINITY, -1e300, 1.5e9, -0.0, 1e12 + 1.0][rng.gen_range(0..6)]),
        4 | 5 => Value::Text(random_text(rng)),
        6 => Value::Bytes((0..rng.gen_range(0..40)).map(|_| rng.r#gen()).collect()),
        7 => Value::Bool(rng.r#gen()),
        8 => Value::Null,
        9 if depth < 3 => Value::Array((0..rng.gen_range(0..4)).map(|_| random_value(rng, depth + 1)).collect()),
        10 if depth < 3 => {
            let key = random_value(rng, depth + 1);
            // Duplicate keys on purpose.
            Value::Map(vec![(key.clone(), random_value(rng, depth + 1)), (key, random_value(rng, depth + 1))])
        }
        11 => {
            let mut deep = Value::Integer(0.into());
            for _ in 0..rng.gen_range(10..40) {
                deep = Value::Array(vec![deep]);
            }
            deep
        }
        12 => Value::Tag([0, 1, 18, 61, 24, 55799][rng.gen_range(0..6)], Box::new(random_value(rng, depth + 1))),
        _ => Value::Text(String::new()),
    }
}

/// Replaces or reshapes one node of the tree, walking down at random; byte strings holding CBOR (the protected
/// header, the payload) are decoded, mutated and re-encoded on the way.
fn mutate_value(rng: &mut StdRng, value: &mut Value, depth: usize) {
    let stop = depth > 10 || rng.gen_bool(0.2);
    match value {
        Value::Array(items) if !items.is_empty() && !stop => {
            let i = rng.gen_range(0..items.len());
            mutate_value(rng, &mut items[i], depth + 1);
        }
        Value::Map(entries) if !entries.is_empty() && !stop => {
            let i = rng.gen_range(0..entries.len());
            match rng.gen_range(0..6) {
                0 => {
                    entries.remove(i);
                }
                1 => {
                    let copy = entries[i].clone();
                    entries.push(copy);
                }
                2 => mutate_value(rng, &mut entries[i].0, depth + 1),
                _ => mutate_value(rng, &mut entries[i].1, depth + 1),
            }
        }
        Value::Tag(_, inner) if !stop => mutate_value(rng, inner, depth + 1),
        Value::Bytes(bytes) if !stop && rng.gen_bool(0.7) => {
            if let Ok(mut inner) = container::cbor_from_slice(bytes) {
                mutate_value(rng, &mut inner, depth + 1);
                let mut out = Vec::new();
                if ciborium::ser::into_writer(&inner, &mut out).is_ok() {
                    *bytes = out;
                }
            } else if !bytes.is_empty() {
                let i = rng.gen_range(0..bytes.len());
                bytes[i] ^= 1 << rng.gen_range(0..8);
            }
        }
        _ => *value = random_value(rng, depth),
    }
}

fn mutate_text(rng: &mut StdRng, text: &str) -> String {
    const CHARS: &[char] =
        &['A', 'Z', '0', '9', ' ', '$', '%', '*', '+', '-', '.', '/', ':', 'a', 'ễ', '\n', '\0', '🙂'];
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..rng.gen_range(1..4) {
        let len = chars.len();
        match rng.gen_range(0..7) {
            0 if len > 0 => chars[rng.gen_range(0..len)] = CHARS[rng.gen_range(0..CHARS.len())],
            1 => chars.insert(rng.gen_range(0..=len), CHARS[rng.gen_range(0..CHARS.len())]),
            2 if len > 0 => {
                chars.remove(rng.gen_range(0..len));
            }
            3 => chars.truncate(rng.gen_range(0..=len)),
            4 if len > 8 => {
                let start = rng.gen_range(4..len);
                let end = rng.gen_range(start..=len.min(start + 60));
                let copy: Vec<char> = chars[start..end].to_vec();
                let at = rng.gen_range(4..=len);
                chars.splice(at..at, copy);
            }
            5 if len > 1 => {
                let (a, b) = (rng.gen_range(0..len), rng.gen_range(0..len));
                chars.swap(a, b);
            }
            _ => {
                let prefix = CredentialType::ALL[rng.gen_range(0..5)].prefix();
                let rest: String = chars.iter().skip(4).collect();
                chars = format!("{prefix}{rest}").chars().collect();
            }
        }
    }
    chars.into_iter().collect()
}

fn mutate_bytes(rng: &mut StdRng, bytes: &mut Vec<u8>) {
    for _ in 0..rng.gen_range(1..4) {
        let len = bytes.len();
        match rng.gen_range(0..4) {
            0 if len > 0 => bytes[rng.gen_range(0..len)] ^= 1 << rng.gen_range(0..8),
            1 => bytes.insert(rng.gen_range(0..=len), rng.r#gen()),
            2 if len > 0 => {
                bytes.remove(rng.gen_range(0..len));
            }
            _ => bytes.truncate(rng.gen_range(0..=len)),
        }
    }
}

/// QR text for COSE bytes, compressed or (sometimes) not.
fn encode(rng: &mut StdRng, ty: CredentialType, cose: &[u8]) -> String {
    if rng.gen_bool(0.8) {
        container::encode_qr_text(ty, cose).unwrap_or_default()
    } else {
        format!("{}{}", ty.prefix(), base45::encode(cose))
    }
}

#[test]
fn ten_thousand_mutated_qr_strings_give_typed_verdicts() {
    let authority = CredentialSigner::from_pkcs8(&CredentialSigner::generate_pkcs8().unwrap(), "Bộ Y tế").unwrap();
    let agency = CredentialSigner::from_pkcs8(&CredentialSigner::generate_pkcs8().unwrap(), "Agency").unwrap();
    let dsc = CredentialSigner::from_pkcs8(&CredentialSigner::generate_pkcs8().unwrap(), "VN").unwrap();
    let signers = [&authority, &agency, &dsc];
    let mut own = CheckpointTrustStore::new();
    own.add_key(authority.trusted_key(KeyRole::AUTHORITY));
    own.add_key(agency.trusted_key(KeyRole::AGENCY));
    own.add_key(dsc.trusted_key(KeyRole::DccSigner));
    own.revoke_credential("revoked-1");

    let issued = t("2021-08-01T08:00:00Z");
    let expires = t("2021-08-02T08:00:00Z");
    let pass = PersonalPass {
        name: "Nguyễn Thị Hoa".into(),
        birth_year: Some(1979),
        status: PassStatus::Yellow,
        reasons: vec![StatusReason::Declaration, StatusReason::Quarantine],
        province: None,
    };
    let staff =
        StaffCard {
            staff_id: "S-1".into(), name: "Lê Văn Nam".into(), birth_year: Some(1990), agency_id: "A".into()
        };
    let mut seeds = vec![
        Seed {
            text: authority.issue(&OwnPayload::PersonalPass(pass.clone()), "c-1", issued, expires).unwrap(),
            signer: Some(0),
        },
        Seed {
            text: authority.issue(&OwnPayload::PersonalPass(pass), "revoked-1", issued, expires).unwrap(),
            signer: Some(0),
        },
        Seed { text: agency.issue(&OwnPayload::StaffCard(staff), "c-2", issued, expires).unwrap(), signer: Some(1) },
        Seed { text: dsc.sign_claims(CredentialType::EuDcc, &dcc_claims()).unwrap(), signer: Some(2) },
    ];
    // Real DCCs too (ES256 and PS256), trusted through their certificates, when the shared data is there.
    let mut dcc_store = CheckpointTrustStore::new();
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/eu-dcc");
    for case in ["DE/2DCode/raw/1.json", "IS/2DCode/raw/1.json", "ES/2DCode/raw/1001.json", "SI/2DCode/raw/VAC.json"] {
        let Ok(text) = std::fs::read_to_string(cases.join(case)) else { continue };
        let data: serde_json::Value = serde_json::from_str(&text).unwrap();
        if let Some(cert) = data["TESTCTX"]["CERTIFICATE"].as_str() {
            dcc_store.add_dcc_certificate_base64(cert).unwrap();
            seeds.push(Seed { text: data["PREFIX"].as_str().unwrap().to_string(), signer: None });
        }
    }
    let store = (own, dcc_store);
    let verifier = Verifier::new(&store);
    let at = t("2021-08-01T12:00:00Z");
    for seed in &seeds {
        // Our own seeds are valid at `at`, except the revoked one; third-party seeds are checked in conformance.
        let v = verifier.verify(&seed.text, at);
        assert!(
            seed.signer.is_none() || v.valid || v.stage == Some(credentials::FailedStage::Revoked),
            "{:?}",
            v.error
        );
    }

    // What each seed's signature covers, to tell mutations of signed bytes from mutations around them.
    let signed: Vec<(Vec<u8>, Vec<u8>, credentials::Verdict)> = seeds
        .iter()
        .map(|seed| {
            let decoded = credentials::decode(&seed.text).unwrap();
            (decoded.signed_bytes(), decoded.signature().to_vec(), verifier.verify(&seed.text, at))
        })
        .collect();

    let mut rng = StdRng::seed_from_u64(0x4842_3132);
    let mut refused_unsigned = 0usize;
    let mut signed_bytes_untouched = 0usize;
    let mut stages: BTreeMap<String, usize> = BTreeMap::new();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let started = std::time::Instant::now();
    for i in 0..MUTATIONS {
        let seed_index = rng.gen_range(0..seeds.len());
        let seed = &seeds[seed_index];
        let (ty, cose) = container::decode_to_cose_bytes(&seed.text).unwrap();
        let resigned = rng.gen_range(0..10);
        let mutated = match resigned {
            0..=3 => mutate_text(&mut rng, &seed.text),
            4 | 5 => {
                let mut bytes = cose;
                mutate_bytes(&mut rng, &mut bytes);
                encode(&mut rng, ty, &bytes)
            }
            6 | 7 => {
                let mut value = container::cbor_from_slice(&cose).unwrap();
                mutate_value(&mut rng, &mut value, 0);
                let mut bytes = Vec::new();
                ciborium::ser::into_writer(&value, &mut bytes).unwrap();
                encode(&mut rng, ty, &bytes)
            }
            _ => {
                // Hostile claims under a valid signature: reaches the schema, role, revocation and time checks.
                let sign1 = container::parse_cose(&cose).unwrap();
                let mut claims = container::cbor_from_slice(sign1.payload.as_deref().unwrap()).unwrap();
                mutate_value(&mut rng, &mut claims, 0);
                let signer = signers[seed.signer.unwrap_or(rng.gen_range(0..3))];
                let ty = if rng.gen_bool(0.9) { ty } else { CredentialType::ALL[rng.gen_range(0..5)] };
                signer.sign_claims(ty, &claims).unwrap_or_default()
            }
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let verdict = verifier.verify(&mutated, at);
            let _ = credentials::decode(&mutated);
            verdict
        }));
        let verdict = outcome.unwrap_or_else(|_| panic!("mutation #{i} panicked on {mutated:?}"));
        assert_eq!(verdict.valid, verdict.stage.is_none(), "#{i}: {verdict:?}");
        assert_eq!(verdict.valid, verdict.error.is_none(), "#{i}: {verdict:?}");
        if resigned < 8 {
            let (seed_signed, seed_signature, seed_verdict) = &signed[seed_index];
            let untouched = credentials::decode(&mutated)
                .is_ok_and(|d| &d.signed_bytes() == seed_signed && d.signature() == seed_signature.as_slice());
            if untouched {
                signed_bytes_untouched += 1;
                if verdict.valid {
                    assert_eq!(verdict.payload, seed_verdict.payload, "#{i}: same signature, other payload: {mutated:?}");
                    assert_eq!(verdict.credential_id, seed_verdict.credential_id, "#{i}: {mutated:?}");
                }
            } else {
                assert!(!verdict.valid, "#{i}: changed signed bytes verified without a new signature: {mutated:?}");
                refused_unsigned += 1;
            }
        }
        let stage = verdict.stage.map_or("valid".to_string(), |s| s.as_str().to_string());
        *stages.entry(stage).or_default() += 1;
        *kinds.entry(format!("{:?}", verdict.kind)).or_default() += 1;
    }
    let _ = writeln!(
        std::io::stderr(),
        "{MUTATIONS} mutated QR strings in {:.1} s, no panic; {refused_unsigned} changed signed bytes without a new \
         signature, all refused; {signed_bytes_untouched} left the signed bytes as they were; verdicts by stage: \
         {stages:?}; by kind: {kinds:?}",
        started.elapsed().as_secs_f64()
    );
    assert!(refused_unsigned > MUTATIONS / 2, "most mutations should change signed bytes: {refused_unsigned}");
    assert!(stages.len() >= 10, "mutations should reach most stages: {stages:?}");
}
