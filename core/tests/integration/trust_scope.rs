//! Scope and freshness of the signed trust list, as the checkpoint's verifier applies them: one test per rule.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, Utc};
use healthbook_core::trust::store::CheckpointTrustStore;
use healthbook_core::credentials::{
    CredentialSigner, FailedStage, OwnPayload, PassStatus, PersonalPass, StaffCard, Verdict, VenuePoster, Verifier,
    ControlCard,
};
use healthbook_core::trust::{
    IssuerKey, IssuerRole, KeyScope, RevocationList, SigningKey, TrustList, kid_for_spki,
};

fn t(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

const ISSUED: &str = "2021-08-01T08:00:00Z";
const DURING: &str = "2021-08-01T12:00:00Z";

fn signer(name: &str) -> CredentialSigner {
    CredentialSigner::from_pkcs8(&CredentialSigner::generate_pkcs8().unwrap(), name).unwrap()
}

fn entry(signer: &CredentialSigner, role: IssuerRole, scope: &str) -> IssuerKey {
    let spki = signer.public_key_spki();
    IssuerKey {
        kid: kid_for_spki(&spki),
        role,
        scope: scope.into(),
        name: signer.issuer().into(),
        public_key: STANDARD.encode(&spki),
        not_before: t("2021-01-01T00:00:00Z"),
        not_after: t("2022-01-01T00:00:00Z"),
    }
}

/// A checkpoint store built from a trust list signed by a fresh root, as a phone builds it after verifying.
fn store(keys: Vec<IssuerKey>) -> CheckpointTrustStore {
    let (root, _) = SigningKey::generate().unwrap();
    let list = TrustList { version: 1, issued_at: t(ISSUED), keys, next_update: None };
    let verified = TrustList::verify(&list.sign(&root).unwrap(), root.verifying_key()).unwrap();
    let mut store = CheckpointTrustStore::new();
    store.add_trust_list(&verified).unwrap();
    store
}

fn issue(by: &CredentialSigner, payload: OwnPayload) -> String {
    by.issue(&payload, "cred-1", t(ISSUED), t(ISSUED) + Duration::days(1)).unwrap()
}

fn verify(store: &CheckpointTrustStore, text: &str) -> Verdict {
    Verifier::new(store).verify(text, t(DURING))
}

fn staff(agency: &str) -> OwnPayload {
    OwnPayload::StaffCard(StaffCard {
        staff_id: "S-1".into(),
        name: "Trần Thị B".into(),
        birth_year: None,
        agency_id: agency.into(),
    })
}

fn poster(agency: Option<&str>, province: Option<&str>) -> OwnPayload {
    OwnPayload::VenuePoster(VenuePoster {
        venue_id: "V-1".into(),
        name: "Chợ".into(),
        gate: None,
        admin_unit: None,
        agency_id: agency.map(Into::into),
        province: province.map(Into::into),
        ..VenuePoster::default()
    })
}

fn pass(province: Option<&str>) -> OwnPayload {
    OwnPayload::PersonalPass(PersonalPass {
        name: "Nguyễn Văn An".into(),
        birth_year: Some(1985),
        status: PassStatus::Green,
        reasons: vec![],
        province: province.map(Into::into),
    })
}

fn assert_stage(verdict: &Verdict, stage: FailedStage) {
    assert!(!verdict.valid, "expected {stage:?}, got a valid verdict");
    assert_eq!(verdict.stage, Some(stage), "{:?}", verdict.error);
}

#[test]
fn the_trust_list_scope_reaches_the_verifier_typed() {
    let a = signer("Agency A");
    let store = store(vec![entry(&a, IssuerRole::Agency, "agency-a")]);
    let text = issue(&a, staff("agency-a"));
    let kid = healthbook_core::credentials::decode(&text).unwrap().key_id.unwrap();
    let keys = healthbook_core::credentials::TrustStore::keys(&store, &kid);
    assert_eq!(keys[0].scope(), &KeyScope::Agency("agency-a".into()));
}

#[test]
fn a_staff_card_naming_another_agency_is_out_of_scope() {
    let a = signer("Agency A");
    let store = store(vec![entry(&a, IssuerRole::Agency, "agency-a")]);
    assert!(verify(&store, &issue(&a, staff("agency-a"))).valid);
    let verdict = verify(&store, &issue(&a, staff("agency-b")));
    assert_stage(&verdict, FailedStage::OutOfScope);
    assert!(!verdict.error.unwrap().contains("agency-b"), "the message names no claim value");
}

#[test]
fn a_venue_poster_naming_another_agency_is_out_of_scope() {
    let a = signer("Agency A");
    let store = store(vec![entry(&a, IssuerRole::Agency, "agency:agency-a")]);
    assert!(verify(&store, &issue(&a, poster(Some("agency-a"), None))).valid);
    assert_stage(&verify(&store, &issue(&a, poster(Some("agency-b"), None))), FailedStage::OutOfScope);
    // A poster that names no agency can't be vouched for by an agency-scoped key either.
    assert_stage(&verify(&store, &issue(&a, poster(None, None))), FailedStage::OutOfScope);
}

#[test]
fn a_province_key_cannot_sign_a_pass_or_control_card_for_another_province() {
    let hanoi = signer("Sở Y tế Hà Nội");
    let store = store(vec![entry(&hanoi, IssuerRole::Authority, "province:01")]);
    assert!(verify(&store, &issue(&hanoi, pass(Some("01")))).valid);
    assert_stage(&verify(&store, &issue(&hanoi, pass(Some("79")))), FailedStage::OutOfScope);
    assert_stage(&verify(&store, &issue(&hanoi, pass(None))), FailedStage::OutOfScope);
    let card = |province: &str| {
        OwnPayload::ControlCard(ControlCard {
            profile_id: "p-1".into(),
            name: "Lê Văn C".into(),
            birth_year: None,
            province: Some(province.into()),
        })
    };
    assert!(verify(&store, &issue(&hanoi, card("01"))).valid);
    assert_stage(&verify(&store, &issue(&hanoi, card("79"))), FailedStage::OutOfScope);
}

#[test]
fn a_national_key_signs_for_every_province() {
    let national = signer("Bộ Y tế");
    let store = store(vec![entry(&national, IssuerRole::Authority, "*")]);
    assert!(verify(&store, &issue(&national, pass(Some("79")))).valid);
    assert!(verify(&store, &issue(&national, pass(None))).valid);
}

#[test]
fn a_venue_poster_signed_by_a_key_without_the_venue_role_is_wrong_role() {
    let lab = signer("Lab");
    let site = signer("Vaccination site");
    let store = store(vec![entry(&lab, IssuerRole::Lab, "lab-1"), entry(&site, IssuerRole::VaccinationSite, "site-1")]);
    assert_stage(&verify(&store, &issue(&lab, poster(None, None))), FailedStage::WrongRole);
    assert_stage(&verify(&store, &issue(&site, poster(None, None))), FailedStage::WrongRole);
}

#[test]
fn a_list_past_its_maximum_age_gives_a_stale_verdict_that_still_decides() {
    let national = signer("Bộ Y tế");
    let (root, _) = SigningKey::generate().unwrap();
    let issued = t(ISSUED);
    let list = TrustList {
        version: 1,
        issued_at: issued,
        keys: vec![entry(&national, IssuerRole::Authority, "*")],
        next_update: Some(issued + Duration::hours(24)),
    };
    let revocations = RevocationList { version: 1, issued_at: issued, entries: vec![], next_update: Some(issued + Duration::hours(24)) };
    let build = |max_age: Duration| {
        let mut store = CheckpointTrustStore::new().with_max_age(max_age);
        store.add_trust_list(&TrustList::verify(&list.sign(&root).unwrap(), root.verifying_key()).unwrap()).unwrap();
        store.add_revocations(&RevocationList::verify(&revocations.sign(&root).unwrap(), root.verifying_key()).unwrap());
        store
    };
    let store = build(Duration::hours(48));
    let text = national.issue(&pass(None), "c", issued, issued + Duration::days(30)).unwrap();
    let fresh = Verifier::new(&store).verify(&text, issued + Duration::hours(72));
    assert!(fresh.valid && !fresh.trust_list_stale, "up to next_update + max age it is quiet");
    let stale = Verifier::new(&store).verify(&text, issued + Duration::hours(72) + Duration::seconds(1));
    assert!(stale.valid, "a stale list still decides");
    assert!(stale.trust_list_stale);
    assert_eq!(serde_json::to_value(&stale).unwrap()["trust_list_stale"], true);
    // A shorter maximum age makes it stale sooner.
    assert!(Verifier::new(&build(Duration::hours(1))).verify(&text, issued + Duration::hours(26)).trust_list_stale);
    // A refusal is stale too: the gate shows both.
    let stranger = signer("stranger");
    let refused = Verifier::new(&store).verify(&issue(&stranger, pass(None)), issued + Duration::days(5));
    assert!(!refused.valid && refused.trust_list_stale);
}

/// An EU DCC with one vaccination (`v`) or test (`t`) statement, signed by `by`.
fn dcc(by: &CredentialSigner, statement: &str) -> String {
    use ciborium::Value;
    let text = |s: &str| Value::Text(s.to_owned());
    let entry = match statement {
        "v" => Value::Map(vec![
            (text("tg"), text("840539006")),
            (text("vp"), text("1119349007")),
            (text("mp"), text("EU/1/20/1528")),
            (text("ma"), text("ORG-100030215")),
            (text("dn"), Value::Integer(1.into())),
            (text("sd"), Value::Integer(2.into())),
            (text("dt"), text("2021-07-30")),
            (text("co"), text("VN")),
            (text("is"), text("Ministry of Health of Viet Nam")),
            (text("ci"), text("URN:UVCI:01:VN:ABC")),
        ]),
        _ => Value::Map(vec![
            (text("tg"), text("840539006")),
            (text("tt"), text("LP6464-4")),
            (text("sc"), text("2021-07-30T08:00:00Z")),
            (text("tr"), text("260415000")),
            (text("tc"), text("Site")),
            (text("co"), text("VN")),
            (text("is"), text("Ministry of Health of Viet Nam")),
            (text("ci"), text("URN:UVCI:01:VN:DEF")),
        ]),
    };
    let nam = Value::Map(vec![(text("fn"), text("Trần")), (text("fnt"), text("TRAN"))]);
    let hcert = Value::Map(vec![
        (text("ver"), text("1.3.0")),
        (text("nam"), nam),
        (text("dob"), text("1961")),
        (text(statement), Value::Array(vec![entry])),
    ]);
    let claims = Value::Map(vec![
        (Value::Integer(1.into()), text("VN")),
        (Value::Integer(6.into()), Value::Integer(t(ISSUED).timestamp().into())),
        (Value::Integer(4.into()), Value::Integer((t(ISSUED) + Duration::days(365)).timestamp().into())),
        (Value::Integer((-260).into()), Value::Map(vec![(Value::Integer(1.into()), hcert)])),
    ]);
    by.sign_claims(healthbook_core::credentials::CredentialType::EuDcc, &claims).unwrap()
}

#[test]
fn a_vaccination_site_key_signs_vaccination_certificates_and_nothing_else() {
    let lab = signer("Lab");
    let site = signer("Vaccination site");
    let store = store(vec![entry(&lab, IssuerRole::Lab, "lab-results"), entry(&site, IssuerRole::VaccinationSite, "site:7")]);
    let vaccination = verify(&store, &dcc(&site, "v"));
    assert!(vaccination.valid, "{:?} {:?}", vaccination.stage, vaccination.error);
    assert!(verify(&store, &dcc(&lab, "t")).valid);
    // Each vouches only for its own kind of statement.
    assert!(!verify(&store, &dcc(&site, "t")).valid);
    assert!(!verify(&store, &dcc(&lab, "v")).valid);
    // And a site key signs no pass or card of ours.
    assert_stage(&verify(&store, &issue(&site, pass(None))), FailedStage::WrongRole);
}
