//! The binding flow against a scripted server.

use std::sync::Mutex;

use chrono::TimeZone;
use serde_json::json;

use super::*;
use crate::clock::ManualClock;
use crate::keystore::MemoryKeyStore;
use crate::profiles::{BirthDate, ProfileInput, ProfileRelation};
use crate::HealthbookConfig;

/// Answers each request from a script, recording what was sent.
#[derive(Default)]
struct ScriptedServer {
    answers: Mutex<Vec<Result<Value, TransportError>>>,
    sent: Mutex<Vec<(Verb, String, Option<Value>)>>,
}

impl ScriptedServer {
    fn answer(&self, answer: Result<Value, TransportError>) {
        self.answers.lock().unwrap().push(answer);
    }

    fn sent(&self) -> Vec<(Verb, String, Option<Value>)> {
        self.sent.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl PersonsTransport for ScriptedServer {
    async fn send(&self, verb: Verb, path: &str, body: Option<Value>) -> Result<Value, TransportError> {
        self.sent.lock().unwrap().push((verb, path.to_owned(), body));
        let mut answers = self.answers.lock().unwrap();
        assert!(!answers.is_empty(), "unscripted request {verb:?} {path}");
        answers.remove(0)
    }
}

fn refused(status: u16, code: &str, extra: Value, retry_after_secs: Option<u64>) -> Result<Value, TransportError> {
    let mut error = json!({ "code": code, "message": "refused" });
    if let (Some(error), Some(extra)) = (error.as_object_mut(), extra.as_object()) {
        error.extend(extra.clone());
    }
    Err(TransportError::Refused { status, code: code.into(), body: json!({ "error": error }), retry_after_secs })
}

fn offline() -> Result<Value, TransportError> {
    Err(TransportError::Client(crate::client::ClientError::Network("connection refused".into())))
}

struct Fixture {
    dir: tempfile::TempDir,
    hb: Healthbook,
    server: Arc<ScriptedServer>,
    persons: Persons,
    clock: Arc<ManualClock>,
    owner: String,
    child: String,
}

const NOW: (i32, u32, u32) = (2021, 9, 1);

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(NOW.0, NOW.1, NOW.2, 8, 0, 0).unwrap()
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(now()));
    let hb = Healthbook::open(HealthbookConfig {
        data_dir: dir.path().to_owned(),
        key_store: Arc::new(MemoryKeyStore::default()),
        clock: clock.clone(),
    })
    .unwrap();
    let input = |name: &str, cid: Option<&str>, relation| ProfileInput {
        relation,
        full_name: name.into(),
        birth: BirthDate { year: 1990, month: None, day: None },
        phone: Some("0912345621".into()),
        citizen_id: cid.map(Into::into),
        address: None,
    };
    let owner = hb.profiles().add(input("Phạm Quỳnh Hương", Some("001190012345"), ProfileRelation::Myself)).await.unwrap().id;
    let child = hb.profiles().add(input("Phạm Minh Khôi", None, ProfileRelation::FamilyMember)).await.unwrap().id;
    let server = Arc::new(ScriptedServer::default());
    let persons = hb.persons_with(server.clone());
    Fixture { dir, hb, server, persons, clock, owner, child }
}

fn wire_binding(profile_ref: &str, person_id: &str, name: &str) -> Value {
    json!({
        "profile_ref": profile_ref,
        "person": { "person_id": person_id, "full_name": name, "birth_year": 1990, "province_code": "01", "verification": "self_declared" },
        "method": "sms",
        "created_at": "2021-09-01T08:01:00Z",
    })
}

fn started(id: &str) -> Result<Value, TransportError> {
    Ok(json!({ "challenge_id": id, "sent_to": "+84 9** *** *21", "expires_at": "2021-09-01T08:05:00Z" }))
}

#[tokio::test]
async fn sms_binding_sends_the_profiles_identity_and_binds_on_the_right_code() {
    let f = fixture().await;
    f.server.answer(started("ch-1"));
    let challenge = f.persons.start_sms_binding(&f.owner, None, None).await.unwrap();
    assert_eq!((challenge.challenge_id.as_str(), challenge.sent_to.as_str()), ("ch-1", "+84 9** *** *21"));
    let (verb, path, body) = f.server.sent().remove(0);
    assert_eq!((verb, path.as_str()), (Verb::Post, "/v1/bindings/sms"));
    assert_eq!(
        body.unwrap(),
        json!({ "profile_ref": f.owner, "citizen_id": "001190012345", "full_name": "Phạm Quỳnh Hương", "birth_year": 1990, "phone": "+84912345621" })
    );
    assert_eq!(f.persons.pending_challenge(&f.owner).await.unwrap(), Some(challenge.clone()));

    f.server.answer(refused(422, "wrong_code", json!({ "attempts_left": 3 }), None));
    assert!(matches!(f.persons.verify_code("ch-1", "000000").await, Err(PersonError::WrongCode { attempts_left: 3 })));
    assert!(f.persons.pending_challenge(&f.owner).await.unwrap().is_some(), "a wrong code keeps the challenge");

    f.server.answer(Ok(json!({ "binding": wire_binding(&f.owner, "person-1", "Phạm Quỳnh Hương") })));
    let binding = f.persons.verify_code("ch-1", " 123 456 ").await.unwrap();
    assert_eq!(f.server.sent().last().unwrap().2, Some(json!({ "code": "123456" })), "spaces are not part of the code");
    assert_eq!(f.server.sent().last().unwrap().1, "/v1/bindings/sms/ch-1/verify");
    assert_eq!((binding.profile_id.as_str(), binding.person.person_id.as_str()), (f.owner.as_str(), "person-1"));
    assert_eq!(binding.person.verification, Verification::SelfDeclared);
    assert_eq!(f.persons.pending_challenge(&f.owner).await.unwrap(), None, "the used challenge is forgotten");
    assert_eq!(f.persons.binding(&f.owner).await.unwrap(), Some(binding));
}

#[tokio::test]
async fn a_profile_without_citizen_id_needs_one_and_a_given_one_is_normalised() {
    let f = fixture().await;
    assert!(matches!(f.persons.start_sms_binding(&f.child, None, None).await, Err(PersonError::CitizenIdRequired)));
    assert!(matches!(f.persons.start_sms_binding(&f.child, Some("12ab"), None).await, Err(PersonError::Profile(_))));
    assert!(f.server.sent().is_empty(), "nothing is sent before the input is valid");
    f.server.answer(started("ch-2"));
    f.persons.start_sms_binding(&f.child, Some("001 090 012 399"), Some("+84 98 765 4321")).await.unwrap();
    let body = f.server.sent().remove(0).2.unwrap();
    assert_eq!((body["citizen_id"].as_str(), body["phone"].as_str()), (Some("001090012399"), Some("+84987654321")));
}

#[tokio::test]
async fn refusals_are_typed() {
    let f = fixture().await;
    f.server.answer(refused(429, "binding_locked", json!({}), Some(1800)));
    assert!(matches!(f.persons.start_sms_binding(&f.owner, None, None).await, Err(PersonError::Locked { retry_after_secs: 1800 })));
    f.server.answer(refused(422, "identity_mismatch", json!({}), None));
    assert!(matches!(f.persons.start_sms_binding(&f.owner, None, None).await, Err(PersonError::IdentityMismatch)));
    f.server.answer(refused(409, "attestation_required", json!({}), None));
    assert!(matches!(f.persons.start_sms_binding(&f.owner, None, None).await, Err(PersonError::AttestationRequired)));
    f.server.answer(offline());
    assert!(matches!(f.persons.start_sms_binding(&f.owner, None, None).await, Err(PersonError::Unreachable(_))));
    f.server.answer(Err(TransportError::NoServer));
    assert!(matches!(f.persons.start_attestation(&f.owner).await, Err(PersonError::NoServer)));

    f.server.answer(started("ch-3"));
    f.persons.start_sms_binding(&f.owner, None, None).await.unwrap();
    f.server.answer(refused(410, "challenge_closed", json!({}), None));
    assert!(matches!(f.persons.verify_code("ch-3", "111111").await, Err(PersonError::ChallengeClosed)));
    assert_eq!(f.persons.pending_challenge(&f.owner).await.unwrap(), None, "a closed challenge is forgotten");
    f.server.answer(refused(403, "forbidden", json!({}), None));
    assert!(matches!(f.persons.verify_code("ch-x", "111111").await, Err(PersonError::Server(e)) if e.status() == Some(403)));
}

#[tokio::test]
async fn an_expired_challenge_is_not_pending() {
    let f = fixture().await;
    f.server.answer(started("ch-4"));
    f.persons.start_sms_binding(&f.owner, None, None).await.unwrap();
    f.clock.advance(chrono::Duration::minutes(4));
    assert!(f.persons.pending_challenge(&f.owner).await.unwrap().is_some());
    f.clock.advance(chrono::Duration::minutes(2));
    assert_eq!(f.persons.pending_challenge(&f.owner).await.unwrap(), None);
    assert!(matches!(f.persons.verify_pending(&f.owner, "123456").await, Err(PersonError::NoPendingChallenge)));
    assert_eq!(f.server.sent().len(), 1, "nothing is sent for an expired challenge");
}

#[tokio::test]
async fn a_code_entered_later_goes_to_the_pending_challenge() {
    let f = fixture().await;
    f.server.answer(started("ch-5"));
    f.persons.start_sms_binding(&f.owner, None, None).await.unwrap();
    f.server.answer(Ok(wire_binding(&f.owner, "person-1", "Phạm Quỳnh Hương")));
    let binding = f.persons.verify_pending(&f.owner, "654321").await.unwrap();
    assert_eq!(f.server.sent()[1].1, "/v1/bindings/sms/ch-5/verify");
    assert_eq!(binding.person.person_id, "person-1");
}

#[tokio::test]
async fn attestation_gives_the_code_to_show() {
    let f = fixture().await;
    f.server.answer(Ok(json!({ "challenge_id": "att-1", "code": "7K3M9QPX", "expires_at": "2021-09-01T08:15:00Z" })));
    let code = f.persons.start_attestation(&f.child).await.unwrap();
    assert_eq!((code.code.as_str(), code.profile_id.as_str()), ("7K3M9QPX", f.child.as_str()));
    assert_eq!(f.server.sent()[0].2, Some(json!({ "profile_ref": f.child })));
}

#[tokio::test]
async fn the_list_is_kept_sealed_for_offline_use_and_follows_the_server() {
    let f = fixture().await;
    let mut owner = wire_binding(&f.owner, "person-1", "Phạm Quỳnh Hương");
    owner["other_devices"] = json!([{ "device": "3f9a2c", "created_at": "2021-08-30T10:00:00Z", "method": "attestation" }]);
    let child = wire_binding(&f.child, "person-2", "Phạm Minh Khôi");
    let gone = wire_binding("profile-deleted-here", "person-3", "Someone");
    f.server.answer(Ok(json!({ "bindings": [child, gone, owner] })));
    let list = f.persons.bindings(None).await.unwrap();
    assert!(list.online);
    assert_eq!(list.bindings.iter().map(|b| b.profile_id.as_str()).collect::<Vec<_>>(), [f.owner.as_str(), f.child.as_str()]);
    assert_eq!(list.bindings[0].other_devices[0].device, "3f9a2c");
    assert_eq!(list.bindings[0].other_devices[0].method, BindingMethod::Attestation);

    f.server.answer(offline());
    let kept = f.persons.bindings(Some(&f.child)).await.unwrap();
    assert_eq!((kept.online, kept.bindings.len()), (false, 1));
    assert_eq!(kept.bindings[0].person.full_name, "Phạm Minh Khôi");

    // Removed elsewhere: the next list drops it here too.
    f.server.answer(Ok(json!({ "bindings": [wire_binding(&f.owner, "person-1", "Phạm Quỳnh Hương")] })));
    assert_eq!(f.persons.bindings(None).await.unwrap().bindings.len(), 1);
    assert_eq!(f.persons.binding(&f.child).await.unwrap(), None);

    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(f.dir.path()).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let haystack = String::from_utf8_lossy(&bytes);
    for secret in ["Quỳnh", "person-1", "3f9a2c"] {
        assert!(!haystack.contains(secret), "{secret} found in clear");
    }
}

#[tokio::test]
async fn other_devices_listed_beside_the_bindings_are_attached_to_their_person() {
    let f = fixture().await;
    f.server.answer(Ok(json!({
        "bindings": [wire_binding(&f.owner, "person-1", "Phạm Quỳnh Hương")],
        "other_devices": [
            { "person_id": "person-1", "device_id_prefix": "ab12cd", "created_at": "2021-08-30T10:00:00Z", "method": "sms" },
            { "person_id": "person-9", "device_id_prefix": "ffffff", "created_at": "2021-08-30T10:00:00Z", "method": "sms" }
        ]
    })));
    let list = f.persons.bindings(None).await.unwrap();
    assert_eq!(list.bindings[0].other_devices.iter().map(|d| d.device.as_str()).collect::<Vec<_>>(), ["ab12cd"]);
}

#[tokio::test]
async fn unbinding_forgets_the_binding_and_the_kept_pass() {
    let f = fixture().await;
    f.server.answer(Ok(json!({ "bindings": [wire_binding(&f.owner, "person-1", "Phạm Quỳnh Hương")] })));
    f.persons.bindings(None).await.unwrap();
    f.hb.db
        .lock()
        .execute("INSERT INTO passes (profile_id, sealed, issued_at, expires_at) VALUES (?1, x'00', 0, 0)", [&f.owner])
        .unwrap();
    f.server.answer(Ok(json!({})));
    f.persons.unbind(&f.owner).await.unwrap();
    assert_eq!(f.server.sent().last().unwrap().0, Verb::Delete);
    assert_eq!(f.server.sent().last().unwrap().1, format!("/v1/bindings/{}", f.owner));
    assert_eq!(f.persons.binding(&f.owner).await.unwrap(), None);
    let passes: i64 = f.hb.db.lock().query_row("SELECT count(*) FROM passes", [], |r| r.get(0)).unwrap();
    assert_eq!(passes, 0, "the pass named the person the profile is no longer bound to");

    f.server.answer(refused(404, "not_found", json!({}), None));
    assert!(matches!(f.persons.unbind(&f.owner).await, Err(PersonError::NotBound(id)) if id == f.owner));
    f.server.answer(offline());
    assert!(matches!(f.persons.unbind(&f.owner).await, Err(PersonError::Unreachable(_))));
}

#[tokio::test]
async fn removing_another_device_sends_its_id_and_lists_again() {
    let f = fixture().await;
    f.server.answer(Ok(json!({ "removed": true })));
    f.server.answer(Ok(json!({ "bindings": [wire_binding(&f.owner, "person-1", "Phạm Quỳnh Hương")] })));
    let list = f.persons.remove_other_device(&f.owner, "3f9a2c").await.unwrap();
    assert_eq!(list.bindings.len(), 1);
    let sent = f.server.sent();
    assert_eq!((sent[0].0, sent[0].1.as_str()), (Verb::Post, "/v1/bindings/remove-other"));
    assert_eq!(sent[0].2, Some(json!({ "profile_ref": f.owner, "device_id": "3f9a2c" })));
    assert_eq!(sent[1].1, "/v1/bindings");
}

#[tokio::test]
async fn deleting_a_profile_deletes_its_binding() {
    let f = fixture().await;
    f.server.answer(Ok(json!({ "bindings": [wire_binding(&f.child, "person-2", "Phạm Minh Khôi")] })));
    f.persons.bindings(None).await.unwrap();
    f.hb.profiles().remove(&f.child).await.unwrap();
    let rows: i64 = f.hb.db.lock().query_row("SELECT count(*) FROM person_bindings", [], |r| r.get(0)).unwrap();
    assert_eq!(rows, 0);
}

#[tokio::test]
async fn a_garbled_answer_is_refused_without_quoting_it() {
    let f = fixture().await;
    f.server.answer(started("ch-1"));
    f.persons.start_sms_binding(&f.owner, None, None).await.unwrap();
    // The binding's person has a birth year of the wrong type: serde's message would quote the person's name.
    let mut garbled = wire_binding(&f.owner, "person-1", "Phạm Quỳnh Hương");
    garbled["person"]["birth_year"] = json!("Phạm Quỳnh Hương");
    f.server.answer(Ok(json!({ "binding": garbled })));
    let refused = f.persons.verify_code("ch-1", "123456").await.unwrap_err();
    assert!(matches!(refused, PersonError::BadAnswer), "{refused:?}");
    let message = refused.to_string();
    for secret in ["Phạm", "Quỳnh", "Hương"] {
        assert!(!message.contains(secret), "{secret} in {message:?}");
    }
}
