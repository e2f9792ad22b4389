//! No personal data in error messages: every profile and declaration validation error, produced from input
//! full of a person's details, is formatted and searched for those details. Messages reach logs, crash reports
//! and the FFI, where personal data must not go.

use std::collections::{BTreeSet, HashSet};

use chrono::{TimeZone, Utc};
use serde_json::{json, Map, Value};

use healthbook_core::declarations::forms::bundled_forms;
use healthbook_core::declarations::validate::validate_answers;
use healthbook_core::declarations::{DeclarationError, FieldErrorCode};
use healthbook_core::profiles::validate::validate;
use healthbook_core::profiles::{Address, BirthDate, ProfileError, ProfileInput, ProfileRelation};
use healthbook_core::settings::Language;

const NAME: &str = "Nguyễn Thị Ánh";
const PHONE: &str = "0912345678";
const CITIZEN_ID: &str = "048190001234";
const BIRTH_YEAR: u16 = 1990;
const STREET: &str = "12 Lê Lợi";

/// Every piece of the person's data that must not show up, whole or in telling parts.
fn personal() -> Vec<String> {
    vec![
        NAME.into(),
        "Nguyễn".into(),
        "Ánh".into(),
        PHONE.into(),
        PHONE[1..].into(),
        CITIZEN_ID.into(),
        CITIZEN_ID[6..].into(),
        BIRTH_YEAR.to_string(),
        STREET.into(),
        "Lê Lợi".into(),
    ]
}

fn assert_clean(text: &str) {
    for secret in personal() {
        assert!(!text.contains(&secret), "{secret:?} appears in the error message {text:?}");
    }
}

/// One change to a valid input that makes it invalid.
type Change = Box<dyn Fn(&mut ProfileInput)>;

fn input() -> ProfileInput {
    ProfileInput {
        relation: ProfileRelation::Myself,
        full_name: NAME.into(),
        birth: BirthDate { year: BIRTH_YEAR, month: Some(5), day: Some(17) },
        phone: Some(PHONE.into()),
        citizen_id: Some(CITIZEN_ID.into()),
        address: Some(Address { province_code: "48".into(), ward_code: None, street: Some(STREET.into()) }),
    }
}

#[test]
fn profile_validation_errors_name_no_personal_data() {
    let now = Utc.with_ymd_and_hms(2021, 7, 1, 8, 0, 0).unwrap();
    assert!(validate(&input(), now).is_ok(), "the base input is valid, so each case below fails for its one change");
    let long_name = format!("{NAME} ").repeat(20);
    let cases: Vec<(&str, Change)> = vec![
        ("name empty", Box::new(|i| i.full_name = "  ".into())),
        ("name too long", Box::new(move |i| i.full_name = long_name.clone())),
        ("name with digits", Box::new(|i| i.full_name = format!("{NAME} {PHONE}"))),
        ("name without letters", Box::new(|i| i.full_name = "- . -".into())),
        ("year out of range", Box::new(|i| i.birth.year = 1890)),
        ("day without month", Box::new(|i| i.birth.month = None)),
        ("month out of range", Box::new(|i| i.birth.month = Some(13))),
        ("no such date", Box::new(|i| (i.birth.month, i.birth.day) = (Some(2), Some(30)))),
        ("birth in the future", Box::new(|i| (i.birth.year, i.birth.month) = (2021, Some(12)))),
        ("phone prefix", Box::new(|i| i.phone = Some(format!("7{PHONE}")))),
        ("phone letters", Box::new(|i| i.phone = Some(format!("{PHONE}x")))),
        ("phone length", Box::new(|i| i.phone = Some(format!("{PHONE}99")))),
        ("citizen id letters", Box::new(|i| i.citizen_id = Some(format!("{CITIZEN_ID}a")))),
        ("citizen id province", Box::new(|i| i.citizen_id = Some(format!("000{}", &CITIZEN_ID[3..])))),
        ("citizen id year", Box::new(|i| i.birth.year = BIRTH_YEAR + 1)),
        ("citizen id length", Box::new(|i| i.citizen_id = Some(format!("{CITIZEN_ID}5")))),
        ("unknown province", Box::new(|i| i.address.as_mut().unwrap().province_code = "99".into())),
        ("ward code", Box::new(|i| i.address.as_mut().unwrap().ward_code = Some(PHONE.into()))),
        ("street too long", Box::new(|i| i.address.as_mut().unwrap().street = Some(STREET.repeat(40)))),
        ("street control", Box::new(|i| i.address.as_mut().unwrap().street = Some(format!("{STREET}\u{7}")))),
    ];
    let mut reasons = BTreeSet::new();
    for (case, change) in &cases {
        let mut bad = input();
        change(&mut bad);
        let error = validate(&bad, now).expect_err(case);
        assert!(matches!(error, ProfileError::InvalidField { .. }), "{case}: {error:?}");
        assert_clean(&error.to_string());
        assert_clean(&format!("{error:?}"));
        reasons.insert(error.to_string());
    }
    assert_eq!(reasons.len(), cases.len(), "each case fails for its own reason: {reasons:#?}");

    // The other variants, built with what a caller could hand them.
    for error in [
        ProfileError::NotFound("c0a8-profile-id".into()),
        ProfileError::DuplicateCitizenId,
        ProfileError::SelfProfileExists,
        ProfileError::Corrupt { id: "c0a8-profile-id".into(), reason: "sealed value failed authentication".into() },
    ] {
        assert_clean(&error.to_string());
    }
}

/// Wrong answers for a question, each carrying personal data.
fn bad_answers() -> Vec<Value> {
    vec![
        json!(NAME),
        json!(format!("{NAME} {PHONE} {CITIZEN_ID} ").repeat(60)),
        json!(format!("{NAME}\u{0}{PHONE}")),
        json!(format!("{BIRTH_YEAR}-02-30")),
        json!(format!("{BIRTH_YEAR}-13-45")),
        json!("2990-05-17"),
        json!("1790-05-17"),
        json!([NAME, PHONE]),
        json!({ "province": CITIZEN_ID, "ward": PHONE }),
        json!(PHONE),
        json!(1990),
        json!(true),
    ]
}

#[test]
fn declaration_validation_errors_name_no_personal_data() {
    let now = Utc.with_ymd_and_hms(2021, 7, 1, 8, 0, 0).unwrap();
    let mut codes = HashSet::new();
    let mut seen = 0;
    for form in bundled_forms() {
        for field in &form.fields {
            for answer in bad_answers() {
                let mut answers = Map::new();
                answers.insert(field.id.clone(), answer);
                for language in [Language::Vi, Language::En] {
                    let Err(errors) = validate_answers(&form, &Value::Object(answers.clone()), now, language) else { continue };
                    for error in &errors {
                        assert_clean(&error.message);
                        assert_clean(&format!("{error:?}"));
                        codes.insert(error.code);
                    }
                    seen += errors.len();
                    let error = DeclarationError::Invalid(errors);
                    assert_clean(&error.to_string());
                }
            }
        }
        // The whole form too large, filled with the person's data.
        let huge: Map<String, Value> = form.fields.iter().map(|f| (f.id.clone(), json!(format!("{NAME} {PHONE} ").repeat(2000)))).collect();
        if let Err(errors) = validate_answers(&form, &Value::Object(huge), now, Language::En) {
            for error in &errors {
                assert_clean(&error.message);
                codes.insert(error.code);
            }
        }
    }
    assert!(seen > 0);
    for code in [FieldErrorCode::WrongType, FieldErrorCode::InvalidDate, FieldErrorCode::UnknownChoice, FieldErrorCode::Required] {
        assert!(codes.contains(&code), "{code:?} was produced and checked (got {codes:?})");
    }
}

#[test]
fn receipt_refusals_quote_nothing_from_the_signed_claims() {
    use base64::Engine;
    use healthbook_core::declarations::receipt::{Expected, check};
    use healthbook_core::declarations::ReceiptRefusal;
    use healthbook_core::outbox::ReceiptError;

    // No root key pinned: the claims are read unverified, and a claim of the wrong type is refused. serde's own
    // message would quote the value (here the person's name).
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)").unwrap();
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
    let claims = json!({
        "declaration_id": "d-1", "device_id": "dev-1", "profile_ref": "p-1", "received_at": "2021-07-01T08:00:00Z",
        "health_status": { "status": "green", "reasons": NAME },
    });
    let jws = format!("{}.{}.c2ln", b64(&json!({ "alg": "ES256" })), b64(&claims));
    let expected = Expected { declaration_id: "d-1", profile_id: "p-1", device_id: Some("dev-1") };
    let refused = check(&conn, &jws, expected, Utc.with_ymd_and_hms(2021, 7, 1, 9, 0, 0).unwrap()).unwrap_err();
    assert!(matches!(refused, ReceiptError::Refused(ReceiptRefusal::Malformed(_))), "{refused:?}");
    assert_clean(&refused.to_string());
}

#[test]
fn pass_refusals_are_typed_and_name_no_personal_data() {
    use healthbook_core::credentials::FailedStage;
    use healthbook_core::passes::{PassError, PassRefusal};

    let refusals = [
        PassRefusal::Undecodable(FailedStage::Base45),
        PassRefusal::NotAPersonalPass,
        PassRefusal::MissingClaim("exp"),
        PassRefusal::OtherRequest,
        PassRefusal::Invalid(Some(FailedStage::Signature)),
        PassRefusal::Invalid(None),
    ];
    let messages: BTreeSet<String> = refusals.iter().map(|r| PassError::from(*r).to_string()).collect();
    assert_eq!(messages.len(), refusals.len(), "each refusal says something of its own");
    for message in &messages {
        assert_clean(message);
    }
}
