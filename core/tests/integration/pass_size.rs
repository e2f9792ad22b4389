//! How big the personal pass's QR is, before and after issue 8 made it compact: the same person and status in
//! the old layout (profile id in the pass, text `cti`, status and reasons as words) and in the current one (no
//! profile id, 8 random `cti` bytes, status and reasons as integers). Prints the character count and the QR
//! version at level M (screens) and Q (print) of both.
//!
//! The design's target of version 8 at M is out of reach for any ES256 pass in this container: version 8 holds
//! 221 alphanumeric characters, so 144 bytes of zlib output; zlib adds 11 to incompressible data, and the COSE
//! structure (protected header with the 8-byte key id, 64-byte signature) takes 85, which leaves 48 bytes for
//! claims that need 58 before the first letter of the name.

use chrono::{Duration, TimeZone, Utc};
use ciborium::Value;
use healthbook_core::credentials::{
    CredentialId, CredentialSigner, CredentialType, ErrorCorrection, CheckpointTrustStore, KeyRole, PassStatus, PayloadSummary,
    PersonalPass, StatusReason, Verifier, qr,
};


fn version(text: &str, ec: ErrorCorrection) -> i16 {
    match qr::encode(text, ec).unwrap().version() {
        qrcode::Version::Normal(v) | qrcode::Version::Micro(v) => v,
    }
}

/// The pass as issued before issue 8: `pid` (the phone's profile UUID), `s`/`r` as words, a 32-character hex text
/// `cti`; built by hand because the current types can no longer express it.
fn legacy_pass(signer: &CredentialSigner, pass: &PersonalPass, issued: i64, expires: i64) -> String {
    let text = |s: &str| Value::Text(s.into());
    let int = |i: i64| Value::Integer(i.into());
    let mut body = vec![
        (text("t"), text("pass")),
        (text("pid"), text("5f0c7a1e-8d2b-4c55-9a51-0b6f3f1d2e77")),
        (text("n"), text(&pass.name)),
    ];
    if let Some(year) = pass.birth_year {
        body.push((text("by"), int(i64::from(year))));
    }
    body.push((text("s"), text(pass.status.as_str())));
    body.push((text("r"), Value::Array(pass.reasons.iter().map(|r| text(r.as_str())).collect())));
    let claims = Value::Map(vec![
        (int(1), text(signer.issuer())),
        (int(6), int(issued)),
        (int(4), int(expires)),
        (int(7), Value::Bytes(b"0f3c5a9e2b7d41c8a6e05f1d9b3c7a21".to_vec())),
        (int(-65537), Value::Map(body)),
    ]);
    signer.sign_claims(CredentialType::PersonalPass, &claims).unwrap()
}

#[test]
fn the_pass_qr_is_smaller_than_before_and_within_the_target() {
    let signer = CredentialSigner::from_pkcs8(&CredentialSigner::generate_pkcs8().unwrap(), "VN-HB").unwrap();
    let mut store = CheckpointTrustStore::default();
    store.add_key(signer.trusted_key(KeyRole::AUTHORITY));
    let issued = Utc.with_ymd_and_hms(2021, 7, 1, 8, 0, 0).unwrap();
    let cases = [
        // A common name, and a long one with many diacritics (each takes 2 to 3 UTF-8 bytes).
        PersonalPass { name: "Hồ Thị Xuân".into(), birth_year: Some(1968), status: PassStatus::Green, reasons: vec![StatusReason::Declaration], province: None },
        PersonalPass {
            name: "Nguyễn Hoàng Phương Thảo Quỳnh".into(),
            birth_year: Some(1985),
            status: PassStatus::Red,
            reasons: vec![StatusReason::Declaration, StatusReason::Contact, StatusReason::Symptoms],
            province: None,
        },
        // Signed by a province's key, the pass names the province (scope check): two more characters of CBOR.
        PersonalPass {
            name: "Hồ Thị Xuân".into(),
            birth_year: Some(1968),
            status: PassStatus::Green,
            reasons: vec![StatusReason::Declaration],
            province: Some("01".into()),
        },
    ];
    for pass in cases {
        let before = legacy_pass(&signer, &pass, issued.timestamp(), (issued + Duration::hours(24)).timestamp());
        let id = CredentialId::random().unwrap();
        let after = signer.issue_pass_with_cti(&pass, &id.bytes, issued, Duration::hours(24)).unwrap();
        let (before_m, after_m) = (version(&before, ErrorCorrection::M), version(&after, ErrorCorrection::M));
        let (before_q, after_q) = (version(&before, ErrorCorrection::Q), version(&after, ErrorCorrection::Q));
        println!(
            "pass for {:?} ({} reasons): before {} characters, QR version {before_m} at M, {before_q} at Q; \
             after {} characters, version {after_m} at M, {after_q} at Q",
            pass.name,
            pass.reasons.len(),
            before.len(),
            after.len()
        );
        assert!(after.len() < before.len());
        assert!(after_m < before_m, "the QR at level M must get smaller: {before_m} -> {after_m}");

        // The compact pass still verifies and reads back the same, with the id as the hex of the cti bytes.
        let verdict = Verifier::new(store.clone()).verify(&after, issued + Duration::hours(1));
        assert!(verdict.valid, "{verdict:?}");
        assert_eq!(verdict.credential_id.as_deref(), Some(id.text.as_str()));
        assert_eq!(verdict.payload, Some(PayloadSummary::PersonalPass(pass.clone())));
    }
}

#[test]
fn credential_ids_are_hex_of_bytes_that_are_not_text() {
    let a = CredentialId::random().unwrap();
    let b = CredentialId::random().unwrap();
    assert_ne!(a, b);
    let asked = CredentialId::for_request("profile-1", "nonce-1");
    assert_eq!(asked, CredentialId::for_request("profile-1", "nonce-1"), "derived ids are reproducible by the phone");
    assert_ne!(asked, CredentialId::for_request("profile-2", "nonce-1"), "another profile, another id");
    assert_ne!(asked, CredentialId::for_request("profile-1", "nonce-2"), "another request, another id");
    assert_ne!(CredentialId::for_request("ab", "c"), CredentialId::for_request("a", "bc"), "parts are length-prefixed");
    for id in [a, b, asked] {
        assert_eq!(id.bytes.len(), CredentialId::LEN);
        assert!(std::str::from_utf8(&id.bytes).is_err());
        assert_eq!(id.text.len(), 2 * CredentialId::LEN);
        assert!(id.text.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
}
