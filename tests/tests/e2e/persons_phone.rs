//! The phone side of issue 8 through the core, against the real server: binding a profile to its person by an
//! SMS code (read from the server's recording SMS sender) or by an officer's attestation, listing, removing
//! another phone, unbinding, and the pass refresh before binding (typed `NotBound`) and after (the record's
//! name, whatever the profile says).

use std::sync::Arc;

use healthbook_core::client::{IdKind, NewPerson, ServerClient};
use healthbook_core::credentials::PayloadSummary;
use healthbook_core::keystore::MemoryKeyStore;
use healthbook_core::passes::PassError;
use healthbook_core::persons::{BindingMethod, PersonError, Verification};
use healthbook_core::profiles::{BirthDate, ProfileInput, ProfileRelation};
use healthbook_core::{Healthbook, HealthbookConfig};
use healthbook_e2e::server::{TestBackend, TestServer, assert_http_error};
use serde_json::{Value, json};

healthbook_e2e::server_scenarios!(
    sms_binding_gives_a_pass_in_the_records_name_and_unbinding_takes_it_away,
    a_second_phone_gets_the_code_on_the_number_on_record_and_can_be_removed,
    an_officers_attestation_binds_a_profile_without_a_phone,
    refusals_reach_the_phone_typed,
);

async fn phone(server: &TestServer, dir: &std::path::Path) -> Healthbook {
    let config = HealthbookConfig { data_dir: dir.to_owned(), key_store: Arc::new(MemoryKeyStore::default()), clock: server.clock.clone() };
    let hb = Healthbook::open(config).unwrap();
    hb.settings().set_server_url(Some(server.base_url.clone())).await.unwrap();
    hb.settings().set_root_key(Some(server.root_key.spki_base64())).await.unwrap();
    hb
}

fn profile(name: &str, year: u16, phone: Option<&str>, citizen_id: Option<&str>, relation: ProfileRelation) -> ProfileInput {
    ProfileInput {
        relation,
        full_name: name.into(),
        birth: BirthDate { year, month: None, day: None },
        phone: phone.map(Into::into),
        citizen_id: citizen_id.map(Into::into),
        address: None,
    }
}

/// The code in the last text message sent to `to`.
fn last_code(server: &TestServer, to: &str) -> String {
    let sent = server.sms();
    let text = &sent.iter().rev().find(|m| m.to == to).unwrap_or_else(|| panic!("no SMS to {to} in {sent:?}")).text;
    let digits: Vec<String> =
        text.split(|c: char| !c.is_ascii_digit()).filter(|w| w.len() == 6).map(str::to_owned).collect();
    digits.first().cloned().unwrap_or_else(|| panic!("no 6-digit code in {text:?}"))
}

/// A code that is not `code`.
fn wrong(code: &str) -> String {
    if code == "000000" { "111111".into() } else { "000000".into() }
}

/// The name the pass of `profile_id` carries, as the phone's own verifier reads it.
async fn pass_name(hb: &Healthbook, profile_id: &str) -> Result<String, PassError> {
    let pass = hb.passes().refresh(profile_id).await?;
    let verdict = hb.trust().verify(&pass.qr)?;
    assert!(verdict.valid, "{verdict:?}");
    match verdict.payload {
        Some(PayloadSummary::PersonalPass(p)) => Ok(p.name),
        other => panic!("not a personal pass: {other:?}"),
    }
}

async fn sms_binding_gives_a_pass_in_the_records_name_and_unbinding_takes_it_away(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let hb = phone(&server, dir.path()).await;
    let me = hb
        .profiles()
        .add(profile("Nguyễn Thị Mai", 1988, Some("0912345621"), Some("001188012345"), ProfileRelation::Myself))
        .await
        .unwrap();

    // Before binding: no pass, typed, and nothing bound.
    assert!(matches!(hb.passes().refresh(&me.id).await, Err(PassError::NotBound(id)) if id == me.id));
    let list = hb.persons().bindings(None).await.unwrap();
    assert!(list.online && list.bindings.is_empty(), "{list:?}");

    let challenge = hb.persons().start_sms_binding(&me.id, None, None).await.unwrap();
    assert!(challenge.sent_to.ends_with("21") && challenge.sent_to.contains('*'), "masked: {}", challenge.sent_to);
    assert!(!challenge.sent_to.contains("912345621"));
    let code = last_code(&server, "+84912345621");
    assert!(matches!(hb.persons().verify_code(&challenge.challenge_id, &wrong(&code)).await, Err(PersonError::WrongCode { attempts_left: 4 })));
    let binding = hb.persons().verify_code(&challenge.challenge_id, &code).await.unwrap();
    assert_eq!(binding.profile_id, me.id);
    assert_eq!((binding.person.full_name.as_str(), binding.person.birth_year), ("Nguyễn Thị Mai", 1988));
    assert_eq!((binding.method, binding.person.verification), (BindingMethod::Sms, Verification::SelfDeclared));
    assert_eq!(hb.persons().pending_challenge(&me.id).await.unwrap(), None);

    let list = hb.persons().bindings(None).await.unwrap();
    assert_eq!(list.bindings.len(), 1);
    assert_eq!(list.bindings[0].person.person_id, binding.person.person_id);
    assert!(list.bindings[0].other_devices.is_empty());

    // Bound: a pass, in the record's name.
    assert_eq!(pass_name(&hb, &me.id).await.unwrap(), "Nguyễn Thị Mai");
    assert!(hb.passes().kept(&me.id).await.unwrap().is_some());

    // Unbound: the binding and the kept pass are gone, and no new pass comes.
    hb.persons().unbind(&me.id).await.unwrap();
    assert!(hb.persons().bindings(None).await.unwrap().bindings.is_empty());
    assert!(hb.passes().kept(&me.id).await.unwrap().is_none(), "the kept pass went with the binding");
    assert!(matches!(hb.passes().refresh(&me.id).await, Err(PassError::NotBound(_))));
    assert!(matches!(hb.persons().unbind(&me.id).await, Err(PersonError::NotBound(_))));
    server.stop().await;
}

async fn a_second_phone_gets_the_code_on_the_number_on_record_and_can_be_removed(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, b) = (phone(&server, dir_a.path()).await, phone(&server, dir_b.path()).await);
    let cid = "079075001234";
    let on_a = a.profiles().add(profile("Trần Văn Hùng", 1975, Some("0987000111"), Some(cid), ProfileRelation::Myself)).await.unwrap();
    let challenge = a.persons().start_sms_binding(&on_a.id, None, None).await.unwrap();
    a.persons().verify_code(&challenge.challenge_id, &last_code(&server, "+84987000111")).await.unwrap();

    // A second phone (a son's, with the father's profile and his own number): the code goes to the father's
    // number on record, not to the number given.
    let on_b = b.profiles().add(profile("Trần Văn Hùng", 1975, Some("0911222333"), None, ProfileRelation::FamilyMember)).await.unwrap();
    let sent_before = server.sms().len();
    let challenge = b.persons().start_sms_binding(&on_b.id, Some(cid), None).await.unwrap();
    let sent = server.sms();
    assert_eq!(sent.len(), sent_before + 1);
    assert_eq!(sent.last().unwrap().to, "+84987000111", "the code goes to the number on record");
    assert!(sent.iter().all(|m| m.to != "+84911222333"));
    assert!(challenge.sent_to.ends_with("11"), "{}", challenge.sent_to);
    b.persons().verify_code(&challenge.challenge_id, &last_code(&server, "+84987000111")).await.unwrap();
    assert_eq!(pass_name(&b, &on_b.id).await.unwrap(), "Trần Văn Hùng");

    // The father sees the other phone, and removes it.
    let seen = a.persons().bindings(Some(&on_a.id)).await.unwrap();
    let others = &seen.bindings[0].other_devices;
    assert_eq!(others.len(), 1, "{seen:?}");
    let b_device = b.outbox().connect_server().await.unwrap();
    assert!(b_device.starts_with(&others[0].device) && others[0].device.len() < b_device.len(), "a prefix only");
    let after = a.persons().remove_other_device(&on_a.id, &others[0].device).await.unwrap();
    assert!(after.bindings[0].other_devices.is_empty());

    // The son's phone learns it at its next list or pass refresh.
    assert!(b.persons().bindings(None).await.unwrap().bindings.is_empty());
    let kept = b.passes().kept(&on_b.id).await.unwrap();
    assert!(matches!(b.passes().refresh(&on_b.id).await, Err(PassError::NotBound(_))));
    assert!(b.persons().kept_bindings(None).await.unwrap().is_empty());
    // The pass it had stays until it expires: an unsigned refusal deletes nothing that was verified.
    assert_eq!(b.passes().kept(&on_b.id).await.unwrap(), kept);
    server.stop().await;
}

/// Creates a health officer of province 01 and signs it in.
async fn officer(server: &TestServer) -> ServerClient {
    let admin = server.admin_client().await;
    let body = json!({ "role": "health_officer", "username": "officer-01", "password": "officer-password", "area": { "province": "01" } });
    let _: Value = admin.post_json("/v1/accounts", &body).await.unwrap();
    let client = server.client();
    client.sign_in_staff("officer-01", "officer-password").await.unwrap();
    client
}

async fn an_officers_attestation_binds_a_profile_without_a_phone(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let hb = phone(&server, dir.path()).await;
    // A grandfather without a phone, on his granddaughter's phone, under a family name.
    let grandpa = hb.profiles().add(profile("Ông Tám", 1950, None, None, ProfileRelation::FamilyMember)).await.unwrap();
    assert!(matches!(hb.persons().start_sms_binding(&grandpa.id, Some("001050004321"), None).await, Err(PersonError::PhoneRequired)));

    let officer = officer(&server).await;
    let place = "Trạm y tế phường Hàng Bạc";
    let enrolment = NewPerson {
        citizen_id: Some("001050004321".into()),
        id_kind: IdKind::Cccd,
        full_name: "Lê Văn Tám".into(),
        birth: "1950".into(),
        phone: None,
        province_code: "01".into(),
        ward_code: None,
        guardian_person_id: None,
        place: place.into(),
    };
    let person = officer.enrol_person(&enrolment).await.unwrap();
    assert_eq!((person.id_kind, person.id_last3.as_deref(), person.verification.as_str()), (IdKind::Cccd, Some("321"), "attested"));
    let person_id = person.person_id;
    // By SMS: under the family name the record doesn't match; under the record's name and with a phone given,
    // the record has no phone to send to, so the phone is told an attestation is needed.
    assert!(matches!(
        hb.persons().start_sms_binding(&grandpa.id, Some("001050004321"), Some("0912000999")).await,
        Err(PersonError::IdentityMismatch)
    ));
    let by_record_name = hb.profiles().add(profile("Lê Văn Tám", 1950, Some("0912000999"), Some("001050004321"), ProfileRelation::FamilyMember)).await.unwrap();
    assert!(matches!(hb.persons().start_sms_binding(&by_record_name.id, None, None).await, Err(PersonError::AttestationRequired)));
    assert!(server.sms().is_empty(), "no code went anywhere");

    let code = hb.persons().start_attestation(&grandpa.id).await.unwrap();
    assert_eq!(code.code.len(), 8);
    assert!(code.code.chars().all(|c| c.is_ascii_alphanumeric() && !"ILOU".contains(c)), "Crockford: {}", code.code);
    let attested = officer.attest_binding(&code.code, &person_id, place).await.unwrap();
    assert_eq!((attested.profile_ref.as_str(), attested.method.as_str()), (grandpa.id.as_str(), "attestation"));
    // The code works once.
    assert_http_error(officer.attest_binding(&code.code, &person_id, place).await, 410, "challenge_closed");
    // Who, when and where, in the person's audit trail; the phone is among the person's bindings.
    let audit = officer.person_audit(&person_id).await.unwrap();
    let officer_id = officer.session().unwrap().account_id;
    assert!(audit.iter().any(|e| e.action == "attested" && e.actor_account_id == officer_id && e.place.as_deref() == Some(place)), "{audit:?}");
    assert_eq!(officer.person_bindings(&person_id).await.unwrap().len(), 1);

    let list = hb.persons().bindings(Some(&grandpa.id)).await.unwrap();
    let binding = &list.bindings[0];
    assert_eq!((binding.method, binding.person.verification), (BindingMethod::Attestation, Verification::Attested));
    assert_eq!(binding.person.full_name, "Lê Văn Tám");
    // The pass names the person on record, not the profile's family name.
    assert_eq!(pass_name(&hb, &grandpa.id).await.unwrap(), "Lê Văn Tám");
    server.stop().await;
}

async fn refusals_reach_the_phone_typed(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let hb = phone(&server, dir.path()).await;
    let real = hb.profiles().add(profile("Phạm Văn Đức", 1980, Some("0903000444"), Some("001080005555"), ProfileRelation::Myself)).await.unwrap();
    let challenge = hb.persons().start_sms_binding(&real.id, None, None).await.unwrap();
    hb.persons().verify_code(&challenge.challenge_id, &last_code(&server, "+84903000444")).await.unwrap();

    // Someone else's phone, the same citizen id with another name: refused without saying which field.
    let other_dir = tempfile::tempdir().unwrap();
    let other = phone(&server, other_dir.path()).await;
    let impostor = other.profiles().add(profile("Kẻ Mạo Danh", 1980, Some("0904000555"), Some("001080005555"), ProfileRelation::Myself)).await.unwrap();
    assert!(matches!(other.persons().start_sms_binding(&impostor.id, None, None).await, Err(PersonError::IdentityMismatch)));

    // The right name on the impostor's phone: the code goes to the real person; guessing burns the challenge and
    // tells the person.
    let guesser = other.profiles().add(profile("Phạm Văn Đức", 1980, Some("0904000555"), None, ProfileRelation::FamilyMember)).await.unwrap();
    let challenge = other.persons().start_sms_binding(&guesser.id, Some("001080005555"), None).await.unwrap();
    let code = last_code(&server, "+84903000444");
    for left in (0..5).rev() {
        match other.persons().verify_code(&challenge.challenge_id, &wrong(&code)).await {
            Err(PersonError::WrongCode { attempts_left }) => assert_eq!(attempts_left, left),
            other => panic!("expected a wrong code with {left} left, got {other:?}"),
        }
    }
    assert!(matches!(other.persons().verify_code(&challenge.challenge_id, &code).await, Err(PersonError::ChallengeClosed)));
    assert!(server.sms().iter().any(|m| m.to == "+84903000444" && m.text.contains("Có người đang cố liên kết")), "the person is told");
    assert!(matches!(other.passes().refresh(&guesser.id).await, Err(PassError::NotBound(_))), "nothing was bound");

    // More challenges for the same person within the hour: locked, with the wait.
    let mut locked = None;
    for _ in 0..4 {
        match other.persons().start_sms_binding(&guesser.id, Some("001080005555"), None).await {
            Ok(_) => {}
            Err(PersonError::Locked { retry_after_secs }) => {
                locked = Some(retry_after_secs);
                break;
            }
            Err(e) => panic!("expected a lock, got {e:?}"),
        }
    }
    assert!(locked.is_some_and(|secs| secs > 0 && secs <= 3600), "{locked:?}");
    server.stop().await;
}
