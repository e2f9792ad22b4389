//! Passes for persons, not devices (issue 8): the server issues a pass only for a profile bound to a person,
//! with the person record's name and birth year whatever the phone sends, and the status of the status rule
//! set over the person's records, so a new profile, a second phone or a reinstalled app all get the same
//! status. The pass carries typed reasons that the phone's verifier reads, and no profile or person id.

use std::sync::Arc;

use chrono::Duration;
use healthbook_core::client::ServerClient;
use healthbook_core::credentials::{CredentialId, PassStatus, PayloadSummary, StatusReason, container};
use healthbook_core::declarations::forms;
use healthbook_core::keystore::MemoryKeyStore;
use healthbook_core::passes::PassError;
use healthbook_core::profiles::{BirthDate, ProfileInput, ProfileRelation};
use healthbook_core::settings::Language;
use healthbook_core::{Healthbook, HealthbookConfig};
use healthbook_e2e::server::{TestBackend, TestPerson, TestServer, assert_http_error};
use healthbook_server::storage::{StorageError, Value};
use serde_json::json;

healthbook_e2e::server_scenarios!(a_pass_carries_the_bound_persons_name_never_the_one_sent, a_red_person_is_red_on_every_profile_and_phone);

async fn phone(server: &TestServer, dir: &std::path::Path) -> Healthbook {
    let hb = Healthbook::open(HealthbookConfig { data_dir: dir.to_owned(), key_store: Arc::new(MemoryKeyStore::default()), clock: server.clock.clone() }).unwrap();
    hb.settings().set_server_url(Some(server.base_url.clone())).await.unwrap();
    hb.settings().set_root_key(Some(server.root_key.spki_base64())).await.unwrap();
    hb
}

fn profile(name: &str, year: u16, relation: ProfileRelation) -> ProfileInput {
    ProfileInput {
        relation,
        full_name: name.into(),
        birth: BirthDate { year, month: None, day: None },
        phone: None,
        citizen_id: None,
        address: None,
    }
}

async fn signed_in_device(server: &TestServer) -> (ServerClient, String) {
    let client = server.client();
    let identity = client.register_device("android").await.unwrap();
    client.sign_in_device(&identity).await.unwrap();
    (client, identity.device_id().to_owned())
}

/// The person an issued pass was recorded against.
async fn traced_person(server: &TestServer, credential_id: &str) -> Option<String> {
    let id = credential_id.to_owned();
    server
        .db
        .read(move |tx| tx.query_opt("SELECT person_id FROM issued_passes WHERE credential_id = $1", &[Value::Text(id)])?.map(|r| r.text(0)).transpose())
        .await
        .map_err(|e: StorageError| e)
        .unwrap()
}

/// The inflated COSE bytes of a QR text: what the pass actually carries.
fn carried_bytes(qr: &str) -> Vec<u8> {
    container::decode_to_cose_bytes(qr).unwrap().1
}

async fn a_pass_carries_the_bound_persons_name_never_the_one_sent(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let (device, device_id) = signed_in_device(&server).await;
    let profile_ref = uuid::Uuid::new_v4().to_string();
    let forged = json!({ "profile_ref": profile_ref, "full_name": "Kẻ Mạo Danh", "birth_year": 2001 });

    // Unbound: no pass, whatever name is sent.
    assert_http_error(device.post_json::<_, serde_json::Value>("/v1/passes", &forged).await, 409, "profile_not_bound");
    assert_eq!(server.count("issued_passes").await, 0);

    // Bound to a person: the pass names the person of the record, never the name sent.
    let person = TestPerson::new("Trần Văn Bình", 1975);
    server.bind_profile(&device_id, &profile_ref, &person).await;
    let answer: serde_json::Value = device.post_json("/v1/passes", &forged).await.unwrap();
    let qr = answer["qr"].as_str().unwrap();
    let checkpoint_dir = tempfile::tempdir().unwrap();
    let checkpoint = phone(&server, checkpoint_dir.path()).await;
    checkpoint.trust().refresh().await.unwrap();
    let verdict = checkpoint.trust().verify(qr).unwrap();
    assert!(verdict.valid, "{verdict:?}");
    let holder = verdict.holder.clone().unwrap();
    assert_eq!((holder.name.as_str(), holder.birth_date.as_deref()), ("Trần Văn Bình", Some("1975")));
    assert_eq!(verdict.credential_id.as_deref(), answer["credential_id"].as_str());
    // No declaration yet: yellow, for want of one.
    assert_eq!(answer["health_status"], json!({ "status": "yellow", "reasons": ["declaration"] }));

    // The pass names neither the profile nor the person; the server maps its id back to the person.
    let carried = carried_bytes(qr);
    for id in [profile_ref.as_str(), person.id.as_str(), device_id.as_str()] {
        assert!(!carried.windows(id.len()).any(|w| w == id.as_bytes()), "the pass carries {id}");
    }
    assert_eq!(traced_person(&server, answer["credential_id"].as_str().unwrap()).await, Some(person.id.clone()));

    // Another device's profile with the same profile_ref is not bound by this device's binding.
    let (other, _) = signed_in_device(&server).await;
    assert_http_error(other.post_json::<_, serde_json::Value>("/v1/passes", &forged).await, 409, "profile_not_bound");
    // Nor is another profile of the same device.
    let another_profile = json!({ "profile_ref": uuid::Uuid::new_v4().to_string(), "full_name": "Trần Văn Bình", "birth_year": 1975 });
    assert_http_error(device.post_json::<_, serde_json::Value>("/v1/passes", &another_profile).await, 409, "profile_not_bound");
    assert_eq!(server.count("issued_passes").await, 1);

    // With the phone's nonce, the id is derived from it and the profile, so the phone can check the pass answers
    // its own request; a nonce is good for one pass.
    let with_nonce = json!({ "profile_ref": profile_ref, "nonce": "4f1c9a" });
    let answer: serde_json::Value = device.post_json("/v1/passes", &with_nonce).await.unwrap();
    assert_eq!(answer["credential_id"], CredentialId::for_request(&profile_ref, "4f1c9a").text);
    assert_eq!(checkpoint.trust().verify(answer["qr"].as_str().unwrap()).unwrap().credential_id.as_deref(), answer["credential_id"].as_str());
    assert_http_error(device.post_json::<_, serde_json::Value>("/v1/passes", &with_nonce).await, 409, "pass_nonce_reused");
    server.stop().await;
}

fn suspected_case_answers() -> serde_json::Value {
    json!({
        "symptoms": ["fever", "cough"], "symptom_onset": "2021-06-30", "contact_with_confirmed_case": true,
        "travel_from_outbreak_area": false, "vaccination_status": "not_vaccinated"
    })
}

fn clear_answers() -> serde_json::Value {
    json!({ "symptoms": [], "contact_with_confirmed_case": false, "travel_from_outbreak_area": false, "vaccination_status": "booster" })
}

async fn a_red_person_is_red_on_every_profile_and_phone(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let person = TestPerson::new("Lê Thị Hoa", 1990);
    let red = ("red", vec!["declaration".to_owned(), "symptoms".to_owned(), "contact".to_owned()]);

    // The person declares contact with a confirmed case and symptoms: red, by the self-declaration rule.
    let first_dir = tempfile::tempdir().unwrap();
    let first = phone(&server, first_dir.path()).await;
    let own = first.profiles().add(profile("Lê Thị Hoa", 1990, ProfileRelation::Myself)).await.unwrap();
    let first_device = first.outbox().connect_server().await.unwrap();
    server.bind_profile(&first_device, &own.id, &person).await;
    first.declarations().submit(&own.id, forms::HEALTH_DECLARATION, suspected_case_answers(), None, Language::Vi).await.unwrap();
    assert_eq!(first.outbox().sync_now(None).await.unwrap().delivered, 1);
    let pass = first.passes().refresh(&own.id).await.unwrap();
    assert_eq!((pass.status.as_str(), pass.reasons.clone()), (red.0, red.1.clone()));

    // The reasons reach the phone typed: the verifier reads them from the signed pass, with wording for the UI.
    let verdict = first.trust().verify(&pass.qr).unwrap();
    assert!(verdict.valid, "{verdict:?}");
    let Some(PayloadSummary::PersonalPass(signed)) = &verdict.payload else { panic!("{verdict:?}") };
    assert_eq!(signed.status, PassStatus::Red);
    assert_eq!(signed.reasons, vec![StatusReason::Declaration, StatusReason::Symptoms, StatusReason::Contact]);
    assert_eq!(StatusReason::Contact.label(Language::Vi), "Tiếp xúc với ca bệnh");
    assert_eq!(StatusReason::Contact.label(Language::En), "Contact with a confirmed case");

    // "All clear" an hour later does not lift a suspected case within the week.
    server.clock.advance(Duration::hours(1));
    first.declarations().submit(&own.id, forms::HEALTH_DECLARATION, clear_answers(), None, Language::Vi).await.unwrap();
    assert_eq!(first.outbox().sync_now(None).await.unwrap().delivered, 1);
    assert_eq!(first.passes().refresh(&own.id).await.unwrap().status, "red");

    // A brand-new profile on the same phone, bound to the same person: red, with the record's name.
    let fresh = first.profiles().add(profile("Lê Hoa", 1990, ProfileRelation::FamilyMember)).await.unwrap();
    assert!(matches!(first.passes().refresh(&fresh.id).await, Err(PassError::NotBound(id)) if id == fresh.id), "unbound: no pass, typed");
    server.bind_profile(&first_device, &fresh.id, &person).await;
    let pass = first.passes().refresh(&fresh.id).await.unwrap();
    assert_eq!((pass.status.as_str(), pass.reasons.clone()), (red.0, red.1.clone()));
    assert_eq!(first.trust().verify(&pass.qr).unwrap().holder.unwrap().name, "Lê Thị Hoa");

    // A second phone (a parent's), and the app reinstalled on a new phone (a new device registration).
    for label in ["second phone", "reinstalled"] {
        let dir = tempfile::tempdir().unwrap();
        let other = phone(&server, dir.path()).await;
        let profile = other.profiles().add(profile("Lê Thị Hoa", 1990, ProfileRelation::Myself)).await.unwrap();
        let device = other.outbox().connect_server().await.unwrap();
        assert_ne!(device, first_device, "{label}: a new device");
        server.bind_profile(&device, &profile.id, &person).await;
        let pass = other.passes().refresh(&profile.id).await.unwrap();
        assert_eq!((pass.status.as_str(), pass.reasons.clone()), (red.0, red.1.clone()), "{label}");
        assert_eq!(traced_person(&server, &pass.credential_id).await, Some(person.id.clone()), "{label}");
    }

    // The declarations were filed under the person, by the (person_id, declared_at) index.
    let person_id = person.id.clone();
    let filed = server
        .db
        .read(move |tx| tx.query("SELECT finding_status FROM declarations WHERE person_id = $1 ORDER BY declared_at", &[Value::Text(person_id)]))
        .await
        .map_err(|e: StorageError| e)
        .unwrap();
    let filed: Vec<String> = filed.iter().map(|r| r.text(0).unwrap()).collect();
    assert_eq!(filed, ["red", "green"]);

    // A week after the suspected case, the latest declaration decides again.
    server.clock.advance(Duration::days(7));
    first.declarations().submit(&own.id, forms::HEALTH_DECLARATION, clear_answers(), None, Language::Vi).await.unwrap();
    assert_eq!(first.outbox().sync_now(None).await.unwrap().delivered, 1);
    let pass = first.passes().refresh(&own.id).await.unwrap();
    assert_eq!((pass.status.as_str(), pass.reasons.as_slice()), ("green", ["declaration".to_owned()].as_slice()));
    server.stop().await;
}
