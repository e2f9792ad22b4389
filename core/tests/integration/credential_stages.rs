//! Our own credentials end to end: issuing, verifying, and the typed stage of every kind of refusal
//! (forged, tampered, expired, not yet valid, revoked, wrong issuer role, key id mismatch, broken containers).

use chrono::{DateTime, Duration, Utc};
use ciborium::Value;
use coset::{CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana};
use healthbook_core::credentials::{
    self, ControlCard, CredentialKind, CredentialSigner, CredentialType, FailedStage, CheckpointTrustStore, KeyRole,
    OwnPayload, PassStatus, PayloadSummary, PersonalPass, StaffCard, StatusReason, TrustStore, VenuePoster, Verdict,
    Verifier, container,
};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};

fn t(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

/// A signer with its PKCS#8, so tests can also sign hand-built COSE with the same key.
struct Issuer {
    pkcs8: Vec<u8>,
    signer: CredentialSigner,
}

fn issuer(name: &str) -> Issuer {
    let pkcs8 = CredentialSigner::generate_pkcs8().unwrap();
    let signer = CredentialSigner::from_pkcs8(&pkcs8, name).unwrap();
    Issuer { pkcs8, signer }
}

impl Issuer {
    fn sign_raw(&self, tbs: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &self.pkcs8, &rng).unwrap();
        pair.sign(&rng, tbs).unwrap().as_ref().to_vec()
    }
}

struct World {
    authority: Issuer,
    agency: Issuer,
    store: CheckpointTrustStore,
}

fn world() -> World {
    let authority = issuer("Bộ Y tế");
    let agency = issuer("Chợ Bến Thành");
    let mut store = CheckpointTrustStore::new();
    store.add_key(authority.signer.trusted_key(KeyRole::AUTHORITY));
    store.add_key(agency.signer.trusted_key(KeyRole::AGENCY));
    World { authority, agency, store }
}

const ISSUED: &str = "2021-08-01T08:00:00Z";
const EXPIRES: &str = "2021-08-02T08:00:00Z";
const DURING: &str = "2021-08-01T12:00:00Z";

fn pass() -> PersonalPass {
    PersonalPass {
        // Decomposed on purpose: the verdict must come back in NFC.
        name: "Nguye\u{0302}\u{0303}n Va\u{0306}n An".into(),
        birth_year: Some(1985),
        status: PassStatus::Green,
        reasons: vec![StatusReason::Vaccination, StatusReason::RecentTest],
        province: None,
    }
}

fn issue(by: &Issuer, payload: OwnPayload) -> String {
    by.signer.issue(&payload, "cred-1", t(ISSUED), t(EXPIRES)).unwrap()
}

fn verify(store: &impl TrustStore, text: &str, at: &str) -> Verdict {
    Verifier::new(store).verify(text, t(at))
}

fn assert_stage(verdict: &Verdict, stage: FailedStage) {
    assert!(!verdict.valid, "expected {stage:?}, got a valid verdict");
    assert_eq!(verdict.stage, Some(stage), "{:?}", verdict.error);
    assert!(verdict.error.as_deref().is_some_and(|e| !e.is_empty()));
}

/// Rebuilds the QR text after `change` edits the COSE bytes.
fn with_cose(text: &str, change: impl FnOnce(Vec<u8>) -> Vec<u8>) -> String {
    let (ty, cose) = container::decode_to_cose_bytes(text).unwrap();
    container::encode_qr_text(ty, &change(cose)).unwrap()
}

/// Signs a hand-built COSE_Sign1 over `claims` with `protected`/`unprotected` headers, returning its CBOR value.
fn hand_signed(by: &Issuer, protected: coset::Header, unprotected: coset::Header, claims: &Value) -> CoseSign1 {
    let mut payload = Vec::new();
    ciborium::ser::into_writer(claims, &mut payload).unwrap();
    CoseSign1Builder::new()
        .protected(protected)
        .unprotected(unprotected)
        .payload(payload)
        .create_signature(b"", |tbs| by.sign_raw(tbs))
        .build()
}

fn pass_claims(payload: &OwnPayload) -> Value {
    Value::Map(vec![
        (Value::Integer(1.into()), Value::Text("Bộ Y tế".into())),
        (Value::Integer(6.into()), Value::Integer(t(ISSUED).timestamp().into())),
        (Value::Integer(4.into()), Value::Integer(t(EXPIRES).timestamp().into())),
        (Value::Integer(7.into()), Value::Bytes(b"cred-1".to_vec())),
        (Value::Integer((-65537).into()), Value::serialized(payload).unwrap()),
    ])
}

#[test]
fn a_personal_pass_round_trips_with_holder_status_and_times() {
    let w = world();
    let text = w.authority.signer.issue_pass(&pass(), "cred-1", t(ISSUED), Duration::hours(24)).unwrap();
    assert!(text.starts_with("HB1:"));
    let v = verify(&w.store, &text, DURING);
    assert!(v.valid, "{:?}", v.error);
    assert_eq!(v.stage, None);
    assert_eq!(v.kind, CredentialKind::PersonalPass);
    assert_eq!(v.credential_type, Some(CredentialType::PersonalPass));
    assert_eq!(v.issuer.as_deref(), Some("Bộ Y tế"));
    assert_eq!(v.signer.as_deref(), Some("Bộ Y tế"));
    assert_eq!(v.credential_id.as_deref(), Some("cred-1"));
    assert_eq!(v.key_id, Some(w.authority.signer.key_id().to_base64()));
    assert_eq!(v.issued_at, Some(t(ISSUED)));
    assert_eq!(v.expires_at, Some(t(EXPIRES)));
    let holder = v.holder.clone().unwrap();
    assert_eq!(holder.name, "Nguyễn Văn An");
    assert_eq!(holder.birth_date.as_deref(), Some("1985"));
    let Some(PayloadSummary::PersonalPass(p)) = &v.payload else { panic!("{:?}", v.payload) };
    assert_eq!(p.status, PassStatus::Green);
    assert_eq!(p.reasons, vec![StatusReason::Vaccination, StatusReason::RecentTest]);
    assert_eq!(v.payload.as_ref().unwrap().describe(), "green (vaccination, recent test)");

    let json = serde_json::to_value(&v).unwrap();
    for field in ["kind", "valid", "stage", "error", "issuer", "issued_at", "expires_at", "holder"] {
        assert!(json.get(field).is_some(), "{field} missing from {json}");
    }
    assert_eq!(json["stage"], serde_json::Value::Null);
    assert_eq!(json["kind"], "personal_pass");
}

#[test]
fn staff_cards_control_cards_and_venue_posters_reuse_the_container() {
    let w = world();
    let staff = issue(
        &w.agency,
        OwnPayload::StaffCard(StaffCard {
            staff_id: "S-7".into(),
            name: "Trần Thị B".into(),
            birth_year: None,
            agency_id: "A-1".into(),
        }),
    );
    let control = issue(
        &w.authority,
        OwnPayload::ControlCard(ControlCard {
            profile_id: "p-9".into(),
            name: "Lê Văn C".into(),
            birth_year: Some(1950),
            province: None,
        }),
    );
    let venue = issue(
        &w.agency,
        OwnPayload::VenuePoster(VenuePoster {
            venue_id: "V-3".into(),
            name: "Chợ".into(),
            gate: Some("2".into()),
            admin_unit: None,
            agency_id: None,
            province: None,
            ..VenuePoster::default()
        }),
    );
    for (text, prefix, kind) in [
        (&staff, "HS1:", CredentialKind::StaffCard),
        (&control, "HK1:", CredentialKind::ControlCard),
        (&venue, "HP1:", CredentialKind::VenuePoster),
    ] {
        assert!(text.starts_with(prefix));
        let v = verify(&w.store, text, DURING);
        assert!(v.valid, "{kind:?}: {:?}", v.error);
        assert_eq!(v.kind, kind);
    }
    assert_eq!(verify(&w.store, &staff, DURING).holder.unwrap().name, "Trần Thị B");
    assert!(verify(&w.store, &venue, DURING).holder.is_none());
}

#[test]
fn validity_is_checked_at_the_given_instant() {
    let w = world();
    let text = issue(&w.authority, OwnPayload::PersonalPass(pass()));
    assert!(verify(&w.store, &text, EXPIRES).valid, "valid up to and including exp");
    assert_stage(&verify(&w.store, &text, "2021-08-02T08:00:01Z"), FailedStage::Expired);
    assert!(verify(&w.store, &text, "2021-08-01T07:57:00Z").valid, "five minutes of clock skew tolerated");
    assert_stage(&verify(&w.store, &text, "2021-08-01T07:00:00Z"), FailedStage::NotYetValid);
    let strict = Verifier::new(&w.store).with_not_before_leeway(Duration::zero());
    assert_stage(&strict.verify(&text, t("2021-08-01T07:59:59Z")), FailedStage::NotYetValid);

    let mut bounded = CheckpointTrustStore::new();
    bounded.add_key(
        w.authority
            .signer
            .trusted_key(KeyRole::AUTHORITY)
            .with_validity(Some(t("2021-01-01T00:00:00Z")), Some(t("2021-08-01T10:00:00Z"))),
    );
    assert!(verify(&bounded, &text, "2021-08-01T09:00:00Z").valid);
    let v = verify(&bounded, &text, DURING);
    assert_stage(&v, FailedStage::Expired);
    assert!(v.error.unwrap().contains("signing key"));
}

#[test]
fn revoked_credentials_and_keys_are_refused() {
    let w = world();
    let text = issue(&w.authority, OwnPayload::PersonalPass(pass()));
    let mut store = w.store.clone();
    store.revoke_credential("cred-2");
    assert!(verify(&store, &text, DURING).valid);
    store.revoke_credential("cred-1");
    assert_stage(&verify(&store, &text, DURING), FailedStage::Revoked);

    let mut store = w.store.clone();
    store.revoke_key(w.authority.signer.key_id());
    assert_stage(&verify(&store, &text, DURING), FailedStage::Revoked);
}

#[test]
fn each_kind_needs_a_key_of_the_right_role() {
    let w = world();
    let by_agency = issue(&w.agency, OwnPayload::PersonalPass(pass()));
    assert_stage(&verify(&w.store, &by_agency, DURING), FailedStage::WrongRole);
    let staff = StaffCard { staff_id: "S".into(), name: "B".into(), birth_year: None, agency_id: "A".into() };
    let by_authority = issue(&w.authority, OwnPayload::StaffCard(staff));
    assert_stage(&verify(&w.store, &by_authority, DURING), FailedStage::WrongRole);

    // A DCC document signer may sign only DCCs, and only DCC signers may.
    let dcc_signer = issuer("VN DSC");
    let mut store = w.store.clone();
    store.add_key(dcc_signer.signer.trusted_key(KeyRole::DccSigner));
    let pass_by_dsc = issue(&dcc_signer, OwnPayload::PersonalPass(pass()));
    assert_stage(&verify(&store, &pass_by_dsc, DURING), FailedStage::WrongRole);
    let dcc_by_dsc = dcc_signer.signer.sign_claims(CredentialType::EuDcc, &dcc_claims()).unwrap();
    let v = verify(&store, &dcc_by_dsc, DURING);
    assert!(v.valid, "{:?}", v.error);
    let dcc_by_authority = w.authority.signer.sign_claims(CredentialType::EuDcc, &dcc_claims()).unwrap();
    assert_stage(&verify(&store, &dcc_by_authority, DURING), FailedStage::WrongRole);
}

/// An ES256 EU DCC vaccination certificate, as Vietnam issues them.
fn dcc_claims() -> Value {
    let text = |s: &str| Value::Text(s.into());
    let entry = Value::Map(vec![
        (text("tg"), text("840539006")),
        (text("vp"), text("1119349007")),
        (text("mp"), text("EU/1/20/1528")),
        (text("ma"), text("ORG-100030215")),
        (text("dn"), Value::Integer(2.into())),
        (text("sd"), Value::Integer(2.into())),
        (text("dt"), text("2021-07-01")),
        (text("co"), text("VN")),
        (text("is"), text("Ministry of Health")),
        (text("ci"), text("URN:UVCI:01:VN:ABC123#X")),
    ]);
    hcert_claims(["Nguyễn", "NGUYEN", "Văn An", "VAN<AN"], "1985-03-04", "v", entry)
}

/// The CWT claims of an EU DCC issued in Vietnam during the test window: holder names (family, its
/// transliteration, given, its transliteration), birth date, and one entry of `group` (`v`, `t` or `r`).
fn hcert_claims(names: [&str; 4], dob: &str, group: &str, entry: Value) -> Value {
    let text = |s: &str| Value::Text(s.into());
    let [family, family_t, given, given_t] = names;
    let hcert = Value::Map(vec![
        (text("ver"), text("1.3.0")),
        (
            text("nam"),
            Value::Map(vec![(text("fn"), text(family)), (text("fnt"), text(family_t)), (text("gn"), text(given)), (text("gnt"), text(given_t))]),
        ),
        (text("dob"), text(dob)),
        (text(group), Value::Array(vec![entry])),
    ]);
    Value::Map(vec![
        (Value::Integer(1.into()), text("VN")),
        (Value::Integer(6.into()), Value::Integer(t(ISSUED).timestamp().into())),
        (Value::Integer(4.into()), Value::Integer(t(EXPIRES).timestamp().into())),
        (Value::Integer((-260).into()), Value::Map(vec![(Value::Integer(1.into()), hcert)])),
    ])
}

#[test]
fn an_es256_dcc_gives_holder_names_and_dose() {
    let dsc = issuer("VN DSC");
    let mut store = CheckpointTrustStore::new();
    store.add_key(dsc.signer.trusted_key(KeyRole::DccSigner));
    let text = dsc.signer.sign_claims(CredentialType::EuDcc, &dcc_claims()).unwrap();
    assert!(text.starts_with("HC1:"));
    let v = verify(&store, &text, DURING);
    assert!(v.valid, "{:?}", v.error);
    assert_eq!(v.kind, CredentialKind::EuDccVaccination);
    assert_eq!(v.issuer.as_deref(), Some("VN"));
    assert_eq!(v.credential_id.as_deref(), Some("URN:UVCI:01:VN:ABC123#X"));
    let h = v.holder.clone().unwrap();
    assert_eq!(h.name, "Nguyễn Văn An");
    assert_eq!(h.birth_date.as_deref(), Some("1985-03-04"));
    assert_eq!(h.family_name_transliterated.as_deref(), Some("NGUYEN"));
    assert_eq!(h.given_name_transliterated.as_deref(), Some("VAN<AN"));
    assert_eq!(v.payload.unwrap().describe(), "vaccination, dose 2/2 on 2021-07-01");

    let mut revoked = store.clone();
    revoked.revoke_credential("URN:UVCI:01:VN:ABC123#X");
    assert_stage(&verify(&revoked, &text, DURING), FailedStage::Revoked);
}

#[test]
fn forged_and_tampered_credentials_fail_the_signature() {
    let w = world();
    // Another key claiming the authority's key id.
    let forger = issuer("forger");
    let forger = Issuer { signer: forger.signer.with_key_id(w.authority.signer.key_id()), pkcs8: forger.pkcs8 };
    let forged = issue(&forger, OwnPayload::PersonalPass(pass()));
    assert_stage(&verify(&w.store, &forged, DURING), FailedStage::Signature);

    // The real pass with its status changed from red to green, signature kept.
    let mut red = pass();
    red.status = PassStatus::Red;
    let genuine = issue(&w.authority, OwnPayload::PersonalPass(red));
    assert!(verify(&w.store, &genuine, DURING).valid);
    let tampered = with_cose(&genuine, |cose| {
        let mut sign1 = CoseSign1::from_tagged_slice(&cose).unwrap();
        let payload = sign1.payload.take().unwrap();
        let mut claims: Value = ciborium::de::from_reader(&payload[..]).unwrap();
        let Value::Map(entries) = &mut claims else { panic!() };
        let body = entries.iter_mut().find(|(k, _)| *k == Value::Integer((-65537).into())).unwrap();
        let Value::Map(fields) = &mut body.1 else { panic!() };
        let status = fields.iter_mut().find(|(k, _)| *k == Value::Text("s".into())).unwrap();
        assert_eq!(status.1, Value::Integer(PassStatus::Red.code().into()), "the signed status is the compact code");
        status.1 = Value::Integer(PassStatus::Green.code().into());
        let mut out = Vec::new();
        ciborium::ser::into_writer(&claims, &mut out).unwrap();
        sign1.payload = Some(out);
        sign1.to_tagged_vec().unwrap()
    });
    let v = verify(&w.store, &tampered, DURING);
    assert_stage(&v, FailedStage::Signature);
    // What it claims is still shown, marked invalid.
    let Some(PayloadSummary::PersonalPass(p)) = v.payload else { panic!() };
    assert_eq!(p.status, PassStatus::Green);

    // A flipped signature bit.
    let flipped = with_cose(&genuine, |mut cose| {
        *cose.last_mut().unwrap() ^= 1;
        cose
    });
    assert_stage(&verify(&w.store, &flipped, DURING), FailedStage::Signature);
}

#[test]
fn unknown_keys_and_key_id_mismatches_are_told_apart() {
    let w = world();
    let text = issue(&w.authority, OwnPayload::PersonalPass(pass()));
    assert_stage(&verify(&CheckpointTrustStore::new(), &text, DURING), FailedStage::UnknownKey);

    // A store that files the authority's key under the agency's id: the credential names the agency's id.
    let mut misfiled = CheckpointTrustStore::new();
    misfiled.add_under(w.agency.signer.key_id(), w.authority.signer.trusted_key(KeyRole::AUTHORITY));
    let claiming_agency_kid = Issuer {
        signer: CredentialSigner::from_pkcs8(&w.authority.pkcs8, "Bộ Y tế")
            .unwrap()
            .with_key_id(w.agency.signer.key_id()),
        pkcs8: w.authority.pkcs8.clone(),
    };
    let text = issue(&claiming_agency_kid, OwnPayload::PersonalPass(pass()));
    assert_stage(&verify(&misfiled, &text, DURING), FailedStage::KeyIdMismatch);

    // No key id at all.
    let protected = HeaderBuilder::new().algorithm(iana::Algorithm::ES256).build();
    let sign1 =
        hand_signed(&w.authority, protected, coset::Header::default(), &pass_claims(&OwnPayload::PersonalPass(pass())));
    let text = container::encode_qr_text(CredentialType::PersonalPass, &sign1.to_tagged_vec().unwrap()).unwrap();
    let v = verify(&w.store, &text, DURING);
    assert_stage(&v, FailedStage::UnknownKey);
    assert!(v.error.unwrap().contains("no key id"));
}

#[test]
fn cose_may_be_tagged_untagged_or_cwt_wrapped_but_must_be_compressed() {
    let w = world();
    let claims = pass_claims(&OwnPayload::PersonalPass(pass()));
    let kid = w.authority.signer.key_id().0.to_vec();
    let protected = HeaderBuilder::new().algorithm(iana::Algorithm::ES256).key_id(kid.clone()).build();
    let sign1 = hand_signed(&w.authority, protected, coset::Header::default(), &claims);
    let untagged = sign1.clone().to_vec().unwrap();
    let tagged = sign1.clone().to_tagged_vec().unwrap();
    let mut cwt = vec![0xd8, 0x3d];
    cwt.extend_from_slice(&tagged);
    for (name, cose) in [("untagged", &untagged), ("tagged", &tagged), ("CWT tag 61", &cwt)] {
        let text = container::encode_qr_text(CredentialType::PersonalPass, cose).unwrap();
        let v = verify(&w.store, &text, DURING);
        assert!(v.valid, "{name}: {:?}", v.error);
        // Uncompressed: the EU DCC specification makes zlib mandatory, so this stops at decompression.
        let plain = format!("HB1:{}", base45_encode(cose));
        assert_stage(&verify(&w.store, &plain, DURING), FailedStage::Decompress);
    }
    let mut other_tag = vec![0xd8, 0x63];
    other_tag.extend_from_slice(&untagged);
    let text = container::encode_qr_text(CredentialType::PersonalPass, &other_tag).unwrap();
    assert_stage(&verify(&w.store, &text, DURING), FailedStage::Cose);
    // CWT tag 61 goes in front of the COSE tag (RFC 8392 §6), not straight around the array.
    let mut cwt_untagged = vec![0xd8, 0x3d];
    cwt_untagged.extend_from_slice(&untagged);
    let text = container::encode_qr_text(CredentialType::PersonalPass, &cwt_untagged).unwrap();
    assert_stage(&verify(&w.store, &text, DURING), FailedStage::Cose);

    // Kid only in the unprotected header is accepted; the protected one wins when both are there.
    let bare = HeaderBuilder::new().algorithm(iana::Algorithm::ES256).build();
    let unprotected = HeaderBuilder::new().key_id(kid.clone()).build();
    let sign1 = hand_signed(&w.authority, bare, unprotected, &claims);
    let text = container::encode_qr_text(CredentialType::PersonalPass, &sign1.to_tagged_vec().unwrap()).unwrap();
    assert!(verify(&w.store, &text, DURING).valid);
    let protected = HeaderBuilder::new().algorithm(iana::Algorithm::ES256).key_id(kid.clone()).build();
    let wrong = HeaderBuilder::new().key_id(w.agency.signer.key_id().0.to_vec()).build();
    let sign1 = hand_signed(&w.authority, protected, wrong, &claims);
    let text = container::encode_qr_text(CredentialType::PersonalPass, &sign1.to_tagged_vec().unwrap()).unwrap();
    assert!(verify(&w.store, &text, DURING).valid, "protected kid wins");
    let protected = HeaderBuilder::new().algorithm(iana::Algorithm::ES256).key_id(vec![9; 8]).build();
    let right = HeaderBuilder::new().key_id(kid.clone()).build();
    let sign1 = hand_signed(&w.authority, protected, right, &claims);
    let text = container::encode_qr_text(CredentialType::PersonalPass, &sign1.to_tagged_vec().unwrap()).unwrap();
    assert_stage(&verify(&w.store, &text, DURING), FailedStage::UnknownKey);

    // The algorithm must be in the protected header, where the signature covers it.
    let no_alg = HeaderBuilder::new().key_id(kid.clone()).build();
    let unprotected_alg = HeaderBuilder::new().algorithm(iana::Algorithm::ES256).build();
    let sign1 = hand_signed(&w.authority, no_alg, unprotected_alg, &claims);
    let text = container::encode_qr_text(CredentialType::PersonalPass, &sign1.to_tagged_vec().unwrap()).unwrap();
    assert_stage(&verify(&w.store, &text, DURING), FailedStage::Cose);

    // Dates tagged 1 (epoch date) are refused: RFC 8392 says the tag MUST be omitted in CWT claims.
    let mut tagged_exp = claims.clone();
    if let Value::Map(entries) = &mut tagged_exp {
        let exp = entries.iter_mut().find(|(k, _)| *k == Value::Integer(4.into())).unwrap();
        exp.1 = Value::Tag(1, Box::new(exp.1.clone()));
    }
    let protected = HeaderBuilder::new().algorithm(iana::Algorithm::ES256).key_id(kid).build();
    let sign1 = hand_signed(&w.authority, protected, coset::Header::default(), &tagged_exp);
    let text = container::encode_qr_text(CredentialType::PersonalPass, &sign1.to_tagged_vec().unwrap()).unwrap();
    assert_stage(&verify(&w.store, &text, DURING), FailedStage::PayloadSchema);
}

fn base45_encode(bytes: &[u8]) -> String {
    base45::encode(bytes)
}

#[test]
fn a_relabelled_prefix_is_caught_inside_the_signature() {
    let w = world();
    let staff = StaffCard { staff_id: "S".into(), name: "B".into(), birth_year: None, agency_id: "A".into() };
    let card = issue(&w.agency, OwnPayload::StaffCard(staff));
    let relabelled = card.replacen("HS1:", "HB1:", 1);
    let v = verify(&w.store, &relabelled, DURING);
    assert_stage(&v, FailedStage::PayloadSchema);
    assert_eq!(v.kind, CredentialKind::StaffCard, "the kind is what was signed");
}

#[test]
fn broken_containers_fail_at_their_own_stage() {
    let w = world();
    let good = issue(&w.authority, OwnPayload::PersonalPass(pass()));
    let check = |text: &str, stage: FailedStage| assert_stage(&verify(&w.store, text, DURING), stage);

    check("", FailedStage::Prefix);
    check("XX1:6BF+70790T9WJWG", FailedStage::Prefix);
    check(&format!("HB1:{}", "A".repeat(credentials::MAX_QR_TEXT_LEN)), FailedStage::Prefix);
    check("HB1:", FailedStage::Base45);
    check("HB1:abc", FailedStage::Base45);
    check("HB1:GGW", FailedStage::Base45);
    check("hb1:6BF+70790T9WJWG", FailedStage::Prefix);
    check(" HB1:6BF+70790T9WJWG", FailedStage::Prefix);
    let plain = |bytes: &[u8]| format!("HB1:{}", base45_encode(bytes));
    check(&format!("{good}\n"), FailedStage::Base45);
    check(&plain(&[0x78, 0x9c, 0xff, 0xff, 0x00]), FailedStage::Decompress);
    let bomb = container::compress(&vec![0u8; 1 << 20]);
    check(&plain(&bomb), FailedStage::Decompress);
    // Valid COSE without zlib: refused where compression is checked, with no fallback.
    let good_cose = container::decode_to_cose_bytes(&good).unwrap().1;
    check(&plain(&good_cose), FailedStage::Decompress);
    let zipped = |bytes: &[u8]| plain(&container::compress(bytes));
    check(&zipped(&[0xff, 0xff]), FailedStage::Cbor);
    check(&zipped(&[0xd2, 0x84, 0x40]), FailedStage::Cbor);
    let mut deep = vec![0x81u8; 300];
    deep.push(0);
    check(&zipped(&deep), FailedStage::Cbor);
    check(&zipped(&[0x82, 0x01, 0x02]), FailedStage::Cose);
    // Trailing bytes after the COSE message.
    let with_trailer = with_cose(&good, |mut cose| {
        cose.push(0);
        cose
    });
    check(&with_trailer, FailedStage::Cbor);

    // ES384 is not supported.
    let claims = pass_claims(&OwnPayload::PersonalPass(pass()));
    let protected =
        HeaderBuilder::new().algorithm(iana::Algorithm::ES384).key_id(w.authority.signer.key_id().0.to_vec()).build();
    let sign1 = hand_signed(&w.authority, protected, coset::Header::default(), &claims);
    check(
        &container::encode_qr_text(CredentialType::PersonalPass, &sign1.to_tagged_vec().unwrap()).unwrap(),
        FailedStage::Cose,
    );
    // Detached payload.
    let detached = with_cose(&good, |cose| {
        let mut sign1 = CoseSign1::from_tagged_slice(&cose).unwrap();
        sign1.payload = None;
        sign1.to_tagged_vec().unwrap()
    });
    check(&detached, FailedStage::Cose);
}

#[test]
fn signed_but_malformed_claims_fail_the_payload_schema() {
    let w = world();
    let signer = &w.authority.signer;
    let signed = |claims: Value| signer.sign_claims(CredentialType::PersonalPass, &claims).unwrap();
    let mut no_exp = pass_claims(&OwnPayload::PersonalPass(pass()));
    if let Value::Map(entries) = &mut no_exp {
        entries.retain(|(k, _)| *k != Value::Integer(4.into()));
    }
    assert_stage(&verify(&w.store, &signed(no_exp), DURING), FailedStage::PayloadSchema);
    let mut bad_status = pass_claims(&OwnPayload::PersonalPass(pass()));
    if let Value::Map(entries) = &mut bad_status {
        let body = entries.iter_mut().find(|(k, _)| *k == Value::Integer((-65537).into())).unwrap();
        if let Value::Map(fields) = &mut body.1 {
            fields.retain(|(k, _)| *k != Value::Text("s".into()));
            fields.push((Value::Text("s".into()), Value::Text("purple".into())));
        }
    }
    assert_stage(&verify(&w.store, &signed(bad_status), DURING), FailedStage::PayloadSchema);
    // The compact status is a small integer; one no build knows is refused, not read as some colour.
    let mut unknown_status = pass_claims(&OwnPayload::PersonalPass(pass()));
    if let Value::Map(entries) = &mut unknown_status {
        let body = entries.iter_mut().find(|(k, _)| *k == Value::Integer((-65537).into())).unwrap();
        if let Value::Map(fields) = &mut body.1 {
            fields.retain(|(k, _)| *k != Value::Text("s".into()));
            fields.push((Value::Text("s".into()), Value::Integer(9.into())));
        }
    }
    assert_stage(&verify(&w.store, &signed(unknown_status), DURING), FailedStage::PayloadSchema);
    assert_stage(&verify(&w.store, &signed(Value::Array(vec![])), DURING), FailedStage::PayloadSchema);
    // A payload that is not CBOR at all, properly signed.
    let cose = signer.sign_cose(vec![0xff, 0x00]).unwrap();
    let text = container::encode_qr_text(CredentialType::PersonalPass, &cose).unwrap();
    assert_stage(&verify(&w.store, &text, DURING), FailedStage::PayloadSchema);
    // A forged malformed payload reads as forged, not as malformed.
    let forger = issuer("forger");
    let forger = forger.signer.with_key_id(signer.key_id());
    let cose = forger.sign_cose(vec![0xff, 0x00]).unwrap();
    let text = container::encode_qr_text(CredentialType::PersonalPass, &cose).unwrap();
    assert_stage(&verify(&w.store, &text, DURING), FailedStage::Signature);
}

#[test]
fn issued_passes_render_as_qr_codes() {
    let w = world();
    let text = issue(&w.authority, OwnPayload::PersonalPass(pass()));
    assert!(text.len() < 400, "a pass fits a small QR code: {} characters", text.len());
    let png = credentials::render_png(&text, 6).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let svg = credentials::render_svg(&text, 50).unwrap();
    assert!(svg.starts_with("<?xml") && svg.contains("50mm"));
    let blocks = credentials::render_unicode(&text, credentials::TerminalTheme::Dark).unwrap();
    assert!(blocks.contains('█'));
}

/// An EU DCC test certificate (negative PCR), as the server's lab-results key signs them.
fn dcc_test_claims() -> Value {
    let text = |s: &str| Value::Text(s.into());
    let entry = Value::Map(vec![
        (text("tg"), text("840539006")),
        (text("tt"), text("LP6464-4")),
        (text("sc"), text("2021-08-01T07:00:00Z")),
        (text("tr"), text(credentials::TEST_NOT_DETECTED)),
        (text("tc"), text("Sampling site 26734")),
        (text("co"), text("VN")),
        (text("is"), text("Ministry of Health")),
        (text("ci"), text("URN:UVCI:01:VN:TEST42#Q")),
    ]);
    hcert_claims(["Trần", "TRAN", "Thị Hoa", "THI<HOA"], "1975", "t", entry)
}

#[test]
fn a_lab_key_of_our_trust_list_signs_test_certificates_only() {
    let lab = issuer("healthbook-server lab-results");
    let mut store = CheckpointTrustStore::new();
    store.add_key(lab.signer.trusted_key(KeyRole::LAB));
    let test = lab.signer.sign_claims(CredentialType::EuDcc, &dcc_test_claims()).unwrap();
    let v = verify(&store, &test, DURING);
    assert!(v.valid, "{:?}", v.error);
    assert_eq!(v.kind, CredentialKind::EuDccTest);
    assert_eq!(v.payload.unwrap().describe(), "test negative, sampled 2021-08-01T07:00:00Z");
    let vaccination = lab.signer.sign_claims(CredentialType::EuDcc, &dcc_claims()).unwrap();
    assert_stage(&verify(&store, &vaccination, DURING), FailedStage::WrongRole);
    let pass_by_lab = issue(&lab, OwnPayload::PersonalPass(pass()));
    assert_stage(&verify(&store, &pass_by_lab, DURING), FailedStage::WrongRole);
}

#[test]
fn a_vaccination_site_key_of_our_trust_list_signs_vaccination_certificates_only() {
    let site = issuer("Trạm Y tế phường Bến Nghé");
    let mut store = CheckpointTrustStore::new();
    store.add_key(site.signer.trusted_key(KeyRole::VACCINATION_SITE));
    let vaccination = site.signer.sign_claims(CredentialType::EuDcc, &dcc_claims()).unwrap();
    let v = verify(&store, &vaccination, DURING);
    assert!(v.valid, "{:?}", v.error);
    assert_eq!(v.kind, CredentialKind::EuDccVaccination);
    let test = site.signer.sign_claims(CredentialType::EuDcc, &dcc_test_claims()).unwrap();
    assert_stage(&verify(&store, &test, DURING), FailedStage::WrongRole);
    let pass_by_site = issue(&site, OwnPayload::PersonalPass(pass()));
    assert_stage(&verify(&store, &pass_by_site, DURING), FailedStage::WrongRole);
}
