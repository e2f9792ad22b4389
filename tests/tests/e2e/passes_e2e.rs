//! The personal health pass end to end: the server signs it from the person's declarations (once the profile
//! is bound to a person), the phone checks it against the trust list and keeps it, and a checkpoint verifies it
//! offline: valid, tampered, expired, revoked, signed by the wrong kind of issuer.

use std::sync::Arc;

use chrono::Duration;
use healthbook_core::client::{NewIssuerKey, NewRevocation};
use healthbook_core::credentials::{CredentialKind, CredentialSigner, FailedStage, PassStatus, PersonalPass};
use healthbook_core::declarations::forms;
use healthbook_core::keystore::MemoryKeyStore;
use healthbook_core::passes::PassError;
use healthbook_core::trust::TrustStoreError;
use healthbook_core::profiles::{BirthDate, ProfileInput, ProfileRelation};
use healthbook_core::settings::Language;
use healthbook_core::trust::{IssuerRole, RevocationKind};
use healthbook_core::{Clock, Healthbook, HealthbookConfig};
use healthbook_e2e::server::{TestBackend, TestPerson, TestServer};
use serde_json::json;

async fn phone(server: &TestServer, dir: &std::path::Path) -> Healthbook {
    let hb = Healthbook::open(HealthbookConfig { data_dir: dir.to_owned(), key_store: Arc::new(MemoryKeyStore::default()), clock: server.clock.clone() }).unwrap();
    hb.settings().set_server_url(Some(server.base_url.clone())).await.unwrap();
    hb.settings().set_root_key(Some(server.root_key.spki_base64())).await.unwrap();
    hb
}

fn person(name: &str, relation: ProfileRelation) -> ProfileInput {
    ProfileInput { relation, full_name: name.into(), birth: BirthDate { year: 1968, month: None, day: None }, phone: None, citizen_id: None, address: None }
}

fn clear_answers() -> serde_json::Value {
    json!({ "symptoms": [], "contact_with_confirmed_case": false, "travel_from_outbreak_area": false, "vaccination_status": "booster" })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pass_follows_declarations_and_verifies_offline() {
    let server = TestServer::start(TestBackend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let hb = phone(&server, dir.path()).await;
    let me = hb.profiles().add(person("Hồ Thị Xuân", ProfileRelation::Myself)).await.unwrap();
    let grandpa = hb.profiles().add(person("Hồ Văn Lộc", ProfileRelation::ManagedByVolunteer)).await.unwrap();
    // Passes are for persons: both profiles are bound to their person records first.
    let device_id = hb.outbox().connect_server().await.unwrap();
    server.bind_profile(&device_id, &me.id, &TestPerson::new("Hồ Thị Xuân", 1968)).await;
    server.bind_profile(&device_id, &grandpa.id, &TestPerson::new("Hồ Văn Lộc", 1968)).await;

    // No declaration yet: yellow, because of the (missing) declaration.
    let first = hb.passes().refresh(&me.id).await.unwrap();
    assert_eq!((first.status.as_str(), first.reasons.as_slice()), ("yellow", ["declaration".to_owned()].as_slice()));

    hb.declarations().submit(&me.id, forms::HEALTH_DECLARATION, clear_answers(), None, Language::Vi).await.unwrap();
    hb.declarations().submit(&grandpa.id, forms::HEALTH_DECLARATION, json!({
        "symptoms": ["fever"], "symptom_onset": "2021-07-01", "contact_with_confirmed_case": false,
        "travel_from_outbreak_area": false, "vaccination_status": "not_vaccinated"
    }), None, Language::Vi).await.unwrap();
    assert_eq!(hb.outbox().sync_now(None).await.unwrap().delivered, 2);

    let pass = hb.passes().refresh(&me.id).await.unwrap();
    assert_eq!(pass.status, "green");
    assert!(pass.qr.starts_with("HB1:"));
    let verdict = hb.trust().verify(&pass.qr).unwrap();
    assert!(verdict.valid, "{verdict:?}");
    assert_eq!(verdict.kind, CredentialKind::PersonalPass);
    let holder = verdict.holder.clone().unwrap();
    assert_eq!((holder.name.as_str(), holder.birth_date.as_deref()), ("Hồ Thị Xuân", Some("1968")));
    // A volunteer-managed profile gets the same kind of pass, with its own status.
    assert_eq!(hb.passes().refresh(&grandpa.id).await.unwrap().status, "yellow");

    // Kept for offline display, and shown without a refresh while young.
    assert_eq!(hb.passes().kept(&me.id).await.unwrap().unwrap(), pass);
    assert_eq!(hb.passes().current(&me.id).await.unwrap().unwrap(), pass);

    // A second phone acting as checkpoint, offline after one trust refresh.
    let checkpoint_dir = tempfile::tempdir().unwrap();
    let checkpoint = phone(&server, checkpoint_dir.path()).await;
    checkpoint.trust().refresh().await.unwrap();
    assert!(checkpoint.trust().verify(&pass.qr).unwrap().valid);

    // Tampered: one character of the Base45 body changed.
    let mut tampered: Vec<char> = pass.qr.chars().collect();
    let i = tampered.len() / 2;
    tampered[i] = if tampered[i] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    let verdict = checkpoint.trust().verify(&tampered).unwrap();
    assert!(!verdict.valid);
    assert!(verdict.stage.is_some());

    // Revoked: the authority revokes this pass; the checkpoint learns it at its next refresh.
    let admin = server.admin_client().await;
    admin.add_revocation(&NewRevocation { kind: RevocationKind::Credential, id: pass.credential_id.clone(), reason: "reissued".into() }).await.unwrap();
    checkpoint.trust().refresh().await.unwrap();
    assert_eq!(checkpoint.trust().verify(&pass.qr).unwrap().stage, Some(FailedStage::Revoked));

    // A pass signed by an agency's key: trusted key, wrong role for a personal pass.
    let pkcs8 = CredentialSigner::generate_pkcs8().unwrap();
    let agency_signer = CredentialSigner::from_pkcs8(&pkcs8, "VN-AGENCY").unwrap();
    let now = server.clock.now();
    admin.add_issuer_key(&NewIssuerKey {
        role: IssuerRole::Agency,
        scope: "agency:cho-ben-thanh".into(),
        name: "Chợ Bến Thành".into(),
        public_key: base64_spki(&agency_signer),
        not_before: now - Duration::days(1),
        not_after: now + Duration::days(365),
    }).await.unwrap();
    checkpoint.trust().refresh().await.unwrap();
    let forged = agency_signer
        .issue_pass(&PersonalPass { name: "Kẻ Giả Mạo".into(), birth_year: Some(1990), status: PassStatus::Green, reasons: vec![], province: None }, "forged-1", now, Duration::hours(24))
        .unwrap();
    assert_eq!(checkpoint.trust().verify(&forged).unwrap().stage, Some(FailedStage::WrongRole));

    // Expired: a day and more later, and the server gone, the old pass is still shown but no longer verifies.
    server.clock.advance(Duration::hours(25));
    drop(server);
    let kept = hb.passes().current(&me.id).await.unwrap().unwrap();
    assert_eq!(kept, pass, "offline, the kept pass is shown");
    assert!(kept.is_expired(hb.clock().now()));
    assert_eq!(hb.trust().verify(&kept.qr).unwrap().stage, Some(FailedStage::Expired));
    assert!(matches!(hb.passes().refresh(&me.id).await, Err(PassError::Unreachable(_))));
}

fn base64_spki(signer: &CredentialSigner) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(signer.public_key_spki())
}

#[tokio::test]
async fn without_a_pinned_root_key_no_trust_list_is_accepted() {
    let server = TestServer::start(TestBackend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let hb = Healthbook::open(HealthbookConfig { data_dir: dir.path().to_owned(), key_store: Arc::new(MemoryKeyStore::default()), clock: server.clock.clone() }).unwrap();
    hb.settings().set_server_url(Some(server.base_url.clone())).await.unwrap();
    assert!(matches!(hb.trust().refresh().await, Err(TrustStoreError::NoRootKey)));
    // A wrong root key: the server's list is refused.
    let other = healthbook_core::trust::SigningKey::generate().unwrap().0;
    hb.settings().set_root_key(Some(other.verifying_key().spki_base64())).await.unwrap();
    assert!(matches!(hb.trust().refresh().await, Err(TrustStoreError::Client(_))));
}
