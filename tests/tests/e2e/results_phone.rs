//! Test results end to end through the phone's core and the reference server: a phone registers a scanned code
//! and a typed short code for two of its profiles, a sampling site links the samples (one by scanning the
//! person's pass), a lab uploads results, and the phone's polling reaches each final state with the words to show
//! and, for the bound person, a certificate that the phone verified before keeping it and that a checkpoint accepts.

use std::sync::Arc;

use chrono::Duration;
use healthbook_core::credentials::CredentialKind;
use healthbook_core::keystore::MemoryKeyStore;
use healthbook_core::profiles::{BirthDate, ProfileInput, ProfileRelation};
use healthbook_core::results::{ResultsError, SampleCode, SampleCodeError, SampleReason, SampleState, explain};
use healthbook_core::settings::Language;
use healthbook_core::{Clock, Healthbook, HealthbookConfig};
use healthbook_e2e::server::{TestBackend, TestPerson, TestServer};
use healthbook_e2e::server_scenarios;
use serde_json::{Value, json};

server_scenarios!(a_phone_follows_its_samples_to_a_verified_certificate);

const WARD: &str = "26734";

async fn phone(server: &TestServer, dir: &std::path::Path) -> Healthbook {
    let hb = Healthbook::open(HealthbookConfig { data_dir: dir.to_owned(), key_store: Arc::new(MemoryKeyStore::default()), clock: server.clock.clone() }).unwrap();
    hb.settings().set_server_url(Some(server.base_url.clone())).await.unwrap();
    hb.settings().set_root_key(Some(server.root_key.spki_base64())).await.unwrap();
    hb
}

fn person(name: &str, relation: ProfileRelation) -> ProfileInput {
    ProfileInput { relation, full_name: name.into(), birth: BirthDate { year: 1975, month: None, day: None }, phone: None, citizen_id: None, address: None }
}

async fn staff(server: &TestServer, role: &str, username: &str, area: Option<Value>) -> healthbook_core::client::ServerClient {
    let admin = server.admin_client().await;
    let mut body = json!({ "role": role, "username": username, "password": "staff-password" });
    if let Some(area) = area {
        body["area"] = area;
    }
    let _: Value = admin.post_json("/v1/accounts", &body).await.unwrap();
    let client = server.client();
    client.sign_in_staff(username, "staff-password").await.unwrap();
    client
}

async fn a_phone_follows_its_samples_to_a_verified_certificate(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let hb = phone(&server, dir.path()).await;
    let me = hb.profiles().add(person("Lê Thị Hồng", ProfileRelation::Myself)).await.unwrap();
    let son = hb.profiles().add(person("Lê Văn Minh", ProfileRelation::FamilyMember)).await.unwrap();
    let device_id = hb.outbox().connect_server().await.unwrap();
    server.bind_profile(&device_id, &me.id, &TestPerson::new("Lê Thị Hồng", 1975)).await;

    // The site prints a QR for one sample and reads out a short code for the other.
    let mut rng = rand::thread_rng();
    let scanned = SampleCode::generate_qr(&mut rng);
    let typed = SampleCode::generate_short(&mut rng);
    // A slip of the finger in the short code is caught by its check character before anything is sent.
    // (The last character is the check character; another one that is also a possible check character.)
    let body = &typed.as_str()[..9];
    let slip = format!("{body}{}", if typed.as_str().ends_with('2') { '3' } else { '2' });
    assert!(matches!(hb.results().register(&son.id, &slip).await, Err(ResultsError::Code(SampleCodeError::BadCheckCharacter))), "typo refused");
    assert!(hb.results().samples().await.unwrap().is_empty(), "nothing kept for a typo");

    let mine = hb.results().register(&me.id, &scanned.qr_text()).await.unwrap();
    let his = hb.results().register(&son.id, &format!(" {}-{} ", &typed.as_str()[..5], &typed.as_str()[5..])).await.unwrap();
    assert_eq!((mine.state, his.state), (SampleState::UnknownToLab, SampleState::UnknownToLab));
    // The same code on the same phone again is refused locally: one phone follows a sample once.
    assert!(hb.results().register(&me.id, &scanned.qr_text()).await.is_err());

    // The site reports both samples; the lab uploads a negative and a positive.
    let site = staff(&server, "volunteer", "site-1", Some(json!({ "province": "79", "wards": [WARD] }))).await;
    let sampled_at = server.clock.now() - Duration::hours(3);
    for code in [&scanned, &typed] {
        let _: Value = site
            .post_json("/v1/results/samples", &json!({ "code_hash": code.hash(), "sampled_at": sampled_at, "site_ward": WARD, "test_kind": "pcr" }))
            .await
            .unwrap();
    }
    server.clock.advance(Duration::hours(1));
    hb.results().poll_due(None).await.unwrap();
    let pending = hb.results().sample(&mine.id).await.unwrap();
    assert_eq!(pending.state, SampleState::Pending, "{pending:?}");
    let words = explain(pending.state, pending.reason, Language::Vi);
    assert!(!words.headline.is_empty() && !words.next_step.is_empty());

    let lab = staff(&server, "lab", "lab-1", None).await;
    let tested_at = server.clock.now();
    let report: Value = lab
        .post_json(
            "/v1/results/lab",
            &json!({ "results": [
                { "code_hash": scanned.hash(), "outcome": "negative", "tested_at": tested_at },
                { "code_hash": typed.hash(), "outcome": "positive", "tested_at": tested_at },
            ] }),
        )
        .await
        .unwrap();
    assert_eq!(report["accepted"], 2);

    // Nothing is asked before the interval the server suggested; then both reach their final state.
    assert_eq!(hb.results().poll_due(None).await.unwrap().checked, 0, "not due yet");
    server.clock.advance(Duration::hours(1));
    hb.results().poll_due(None).await.unwrap();
    let mine = hb.results().sample(&mine.id).await.unwrap();
    let his = hb.results().sample(&his.id).await.unwrap();
    assert_eq!((mine.state, mine.reason), (SampleState::Negative, SampleReason::LabReported), "{mine:?}");
    assert_eq!(his.state, SampleState::Positive, "{his:?}");
    assert!(mine.next_check_at.is_none() && his.next_check_at.is_none(), "polling stops at a final state");
    for language in [Language::Vi, Language::En] {
        let words = explain(his.state, his.reason, language);
        assert!(!words.headline.is_empty() && !words.reason.is_empty() && !words.next_step.is_empty());
    }

    // The bound person's negative result came with a certificate that the phone verified before keeping it; a
    // checkpoint accepts it. The son's profile is not bound to a person, so his result has none.
    let certificate = mine.certificate.clone().expect("a certificate for the bound person");
    assert!(certificate.starts_with("HC1:"));
    assert!(his.certificate.is_none());
    let checkpoint_dir = tempfile::tempdir().unwrap();
    let checkpoint = phone(&server, checkpoint_dir.path()).await;
    checkpoint.trust().refresh().await.unwrap();
    let verdict = checkpoint.trust().verify(&certificate).unwrap();
    assert!(verdict.valid, "{verdict:?}");
    assert_eq!(verdict.kind, CredentialKind::EuDccTest);
    let kept = hb.results().keep_certificate(&mine.id).await.unwrap();
    assert!(kept.keep_certificate);

    // After the retention period the phone forgets the son's sample but keeps the certificate it was asked to.
    server.clock.advance(Duration::days(22));
    hb.results().purge_expired().await.unwrap();
    let left: Vec<String> = hb.results().samples().await.unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(left, vec![mine.id.clone()]);
    server.stop().await;
}
