//! Every step in every state, at chosen instants (`ManualClock`) and against a fake server on loopback.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{Duration, TimeZone, Utc};
use healthbook_protocol::Language;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;
use crate::client::{CachedDocument, TrustCache, TrustDocumentKind};
use crate::clock::ManualClock;
use crate::keystore::MemoryKeyStore;
use crate::outbox::db::NewOutboxItem;
use crate::passes::StoredPass;
use crate::persons::{Binding, BindingMethod, BoundPerson, Verification};
use crate::profiles::{Address, BirthDate, ProfileInput, ProfileRelation};
use crate::trust::db::DatabaseTrustCache;
use crate::trust::{RevocationList, SigningKey, TrustList};
use crate::{Clock, HealthbookConfig};

struct Fixture {
    _dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    hb: Healthbook,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2021, 9, 1, 2, 0, 0).unwrap()));
    let config = HealthbookConfig { data_dir: dir.path().into(), key_store: Arc::new(MemoryKeyStore::default()), clock: clock.clone() };
    let hb = Healthbook::open(config).unwrap();
    Fixture { _dir: dir, clock, hb }
}

/// Options that give up on the server quickly, so a silent server does not hold the tests up.
fn quick() -> SetupOptions {
    SetupOptions { server_timeout: StdDuration::from_millis(300) }
}

async fn run(f: &Fixture, facts: PlatformFacts) -> Vec<SetupStep> {
    f.hb.setup_check_with(facts, quick()).await
}

async fn one(f: &Fixture, id: SetupStepId) -> SetupStep {
    run(f, PlatformFacts::default()).await.into_iter().find(|s| s.id == id).unwrap()
}

/// A fake server on loopback answering every request with `status`, or never answering when `None`.
async fn fake_server(status: Option<u16>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            match status {
                Some(status) => {
                    let body = r#"{"status":"ok","database":"sqlite"}"#;
                    let head = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(body.as_bytes()).await;
                }
                // Keep the connection open and say nothing: the check must give up by itself.
                None => held.push(socket),
            }
        }
    });
    format!("http://{addr}")
}

async fn add_profile(f: &Fixture, name: &str, relation: ProfileRelation) -> String {
    let input = ProfileInput {
        relation,
        full_name: name.into(),
        birth: BirthDate { year: 1960, month: None, day: None },
        phone: None,
        citizen_id: None,
        address: Some(Address { province_code: "79".into(), ward_code: None, street: None }),
    };
    f.hb.profiles().add(input).await.unwrap().id
}

async fn bind(f: &Fixture, profile_id: &str) {
    let binding = Binding {
        profile_id: profile_id.to_owned(),
        person: BoundPerson {
            person_id: format!("p-{profile_id}"),
            full_name: "Nguyễn Văn An".into(),
            birth_year: 1960,
            province_code: Some("79".into()),
            verification: Verification::Attested,
        },
        method: BindingMethod::Attestation,
        created_at: f.clock.now(),
        other_devices: vec![],
    };
    let (sealer, now) = (f.hb.sealer.clone(), f.clock.now());
    f.hb.db.write(move |tx| crate::persons::db::put(tx, &sealer, &binding, now)).await.unwrap();
}

/// Keeps a pass for `profile_id` issued now, valid for `days`.
async fn keep_pass(f: &Fixture, profile_id: &str, days: i64) {
    let now = f.clock.now();
    let pass = StoredPass {
        profile_id: profile_id.to_owned(),
        qr: "HB1:TEST".into(),
        credential_id: format!("c-{profile_id}"),
        status: "green".into(),
        reasons: vec![],
        issued_at: now,
        expires_at: now + Duration::days(days),
    };
    let sealer = f.hb.sealer.clone();
    f.hb.db.write(move |tx| crate::passes::db::put(tx, &sealer, &pass)).await.unwrap();
}

/// Pins a root key and keeps a trust list fetched now, due in 24 hours.
async fn keep_trust_list(f: &Fixture) {
    let (root, _) = SigningKey::generate().unwrap();
    f.hb.settings().set_root_key(Some(root.verifying_key().spki_base64())).await.unwrap();
    let now = f.clock.now();
    let next_update = Some(now + Duration::hours(24));
    let list = TrustList { version: 1, issued_at: now, keys: vec![], next_update };
    let revocations = RevocationList { version: 1, issued_at: now, entries: vec![], next_update };
    let cache = DatabaseTrustCache::new(f.hb.db.clone());
    let doc = |jws: String| CachedDocument { jws, etag: None, fetched_at: now };
    cache.store(TrustDocumentKind::TrustList, &doc(list.sign(&root).unwrap())).unwrap();
    cache.store(TrustDocumentKind::RevocationList, &doc(revocations.sign(&root).unwrap())).unwrap();
}

async fn enqueue(f: &Fixture, rejected: bool) {
    let (sealer, now) = (f.hb.sealer.clone(), f.clock.now());
    f.hb.db
        .write(move |tx| {
            let item = NewOutboxItem { kind: "declaration".into(), subject_id: None, path: "/v1/declarations".into(), body: serde_json::json!({}) };
            let item = crate::outbox::db::enqueue(tx, &sealer, now, item)?;
            if rejected {
                crate::outbox::db::mark_rejected(tx, item.id, "invalid")?;
            }
            Ok::<_, crate::outbox::OutboxError>(())
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn every_step_comes_in_order_with_words_in_both_languages() {
    let f = fixture();
    let steps = run(&f, PlatformFacts::default()).await;
    assert_eq!(steps.iter().map(|s| s.id).collect::<Vec<_>>(), SetupStepId::ALL);
    for s in &steps {
        for language in [Language::Vi, Language::En] {
            assert!(!s.title.get(language).is_empty() && !s.detail.get(language).is_empty(), "{:?} lacks words", s.id);
        }
        assert_ne!(s.detail.vi, s.detail.en, "{:?}: the Vietnamese must not be the English", s.id);
        // Something to do whenever something is wrong.
        if matches!(s.state, SetupState::Warning | SetupState::Problem) {
            assert!(!s.action.vi.is_empty() && !s.action.en.is_empty(), "{:?} says nothing to do", s.id);
        }
        if s.state == SetupState::Ok {
            assert!(s.action.is_empty());
        }
    }
    let ids: Vec<&str> = SetupStepId::ALL.iter().map(|id| id.as_str()).collect();
    assert_eq!(ids, ["camera", "notifications", "location", "server", "trust_list", "profiles_bound", "pass_fresh", "outbox_empty"]);
}

#[tokio::test]
async fn permissions_are_taken_from_the_platform_facts() {
    let f = fixture();
    let state = |steps: &[SetupStep], id| steps.iter().find(|s| s.id == id).unwrap().state;
    let unknown = run(&f, PlatformFacts::default()).await;
    for id in [SetupStepId::Camera, SetupStepId::Notifications, SetupStepId::Location] {
        assert_eq!(state(&unknown, id), SetupState::NotChecked);
    }
    let allowed = run(&f, PlatformFacts { camera_allowed: Some(true), notifications_allowed: Some(true), location_allowed: Some(true) }).await;
    for id in [SetupStepId::Camera, SetupStepId::Notifications, SetupStepId::Location] {
        assert_eq!(state(&allowed, id), SetupState::Ok);
    }
    let denied = run(&f, PlatformFacts { camera_allowed: Some(false), notifications_allowed: Some(false), location_allowed: Some(false) }).await;
    assert_eq!(state(&denied, SetupStepId::Camera), SetupState::Problem);
    assert_eq!(state(&denied, SetupStepId::Notifications), SetupState::Problem);
    // Only a quarantine at home needs the location.
    assert_eq!(state(&denied, SetupStepId::Location), SetupState::Warning);
    let camera = denied.iter().find(|s| s.id == SetupStepId::Camera).unwrap();
    assert!(camera.action.vi.contains("Cài đặt") && camera.action.en.contains("Settings"));
}

#[tokio::test]
async fn the_server_step_reports_no_server_healthy_unwell_unreachable_and_silent() {
    let f = fixture();
    let server = one(&f, SetupStepId::Server).await;
    assert_eq!(server.state, SetupState::Problem);
    assert!(server.detail.en.contains("No server address"));

    f.hb.settings().set_server_url(Some(fake_server(Some(200)).await)).await.unwrap();
    assert_eq!(one(&f, SetupStepId::Server).await.state, SetupState::Ok);

    f.hb.settings().set_server_url(Some(fake_server(Some(503)).await)).await.unwrap();
    let unwell = one(&f, SetupStepId::Server).await;
    assert_eq!(unwell.state, SetupState::Problem);
    assert!(unwell.detail.en.contains("503"));

    // A port nobody listens on.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    f.hb.settings().set_server_url(Some(format!("http://{closed}"))).await.unwrap();
    let unreachable = one(&f, SetupStepId::Server).await;
    assert_eq!(unreachable.state, SetupState::Problem);
    assert!(unreachable.detail.en.contains("cannot be reached"));

    f.hb.settings().set_server_url(Some(fake_server(None).await)).await.unwrap();
    let silent = one(&f, SetupStepId::Server).await;
    assert_eq!(silent.state, SetupState::Problem);
    assert!(silent.detail.en.contains("cannot be reached"));
}

#[tokio::test]
async fn the_trust_list_is_fresh_then_due_then_stale() {
    let f = fixture();
    assert_eq!(one(&f, SetupStepId::TrustList).await.state, SetupState::Problem, "none kept");
    keep_trust_list(&f).await;
    let fresh = one(&f, SetupStepId::TrustList).await;
    assert_eq!(fresh.state, SetupState::Ok);
    assert!(fresh.detail.en.contains("0 hours ago"));
    // Past its next update (24 h): still used, but it should be refreshed.
    f.clock.advance(Duration::hours(30));
    let due = one(&f, SetupStepId::TrustList).await;
    assert_eq!(due.state, SetupState::Warning);
    assert!(due.detail.en.contains("30 hours ago") && due.detail.en.contains("in 42 hours"), "{}", due.detail.en);
    // Past the next update plus the maximum age (48 h): scans flag it as stale.
    f.clock.advance(Duration::hours(43));
    let stale = one(&f, SetupStepId::TrustList).await;
    assert_eq!(stale.state, SetupState::Problem);
    assert!(stale.detail.en.contains("73 hours ago"));
    // The maximum age is the setting's.
    f.hb.settings().set_trust_max_age_hours(720).await.unwrap();
    assert_eq!(one(&f, SetupStepId::TrustList).await.state, SetupState::Warning);
}

#[tokio::test]
async fn profiles_none_unbound_partly_and_all_bound() {
    let f = fixture();
    let none = one(&f, SetupStepId::ProfilesBound).await;
    assert_eq!(none.state, SetupState::Problem);
    assert!(none.detail.en.contains("no profile"));
    let owner = add_profile(&f, "Nguyễn Văn An", ProfileRelation::Myself).await;
    let child = add_profile(&f, "Nguyễn Thị Bé", ProfileRelation::FamilyMember).await;
    assert_eq!(one(&f, SetupStepId::ProfilesBound).await.state, SetupState::Problem, "none bound");
    bind(&f, &owner).await;
    let partly = one(&f, SetupStepId::ProfilesBound).await;
    assert_eq!(partly.state, SetupState::Warning);
    assert!(partly.detail.en.contains("1 of 2"));
    bind(&f, &child).await;
    assert_eq!(one(&f, SetupStepId::ProfilesBound).await.state, SetupState::Ok);
    // The words name no one.
    let steps = run(&f, PlatformFacts::default()).await;
    assert!(steps.iter().all(|s| !format!("{s:?}").contains("Nguyễn")));
}

#[tokio::test]
async fn passes_missing_fresh_ageing_and_expired() {
    let f = fixture();
    assert_eq!(one(&f, SetupStepId::PassFresh).await.state, SetupState::NotChecked, "nothing bound");
    let owner = add_profile(&f, "Nguyễn Văn An", ProfileRelation::Myself).await;
    let unbound = add_profile(&f, "Nguyễn Thị Bé", ProfileRelation::FamilyMember).await;
    keep_pass(&f, &unbound, 1).await;
    assert_eq!(one(&f, SetupStepId::PassFresh).await.state, SetupState::NotChecked, "an unbound profile's pass doesn't count");
    bind(&f, &owner).await;
    let missing = one(&f, SetupStepId::PassFresh).await;
    assert_eq!(missing.state, SetupState::Problem);
    assert!(missing.detail.en.contains("1 missing"));
    keep_pass(&f, &owner, 10).await;
    let fresh = one(&f, SetupStepId::PassFresh).await;
    assert_eq!(fresh.state, SetupState::Ok);
    assert!(fresh.detail.en.contains("Every pass is current (1)"));
    f.clock.advance(Duration::days(6));
    let ageing = one(&f, SetupStepId::PassFresh).await;
    assert_eq!(ageing.state, SetupState::Warning, "past half its life");
    assert!(ageing.detail.en.contains("1 due for renewal"));
    f.clock.advance(Duration::days(5));
    assert_eq!(one(&f, SetupStepId::PassFresh).await.state, SetupState::Problem, "expired");
}

#[tokio::test]
async fn the_outbox_empty_waiting_and_refused() {
    let f = fixture();
    assert_eq!(one(&f, SetupStepId::OutboxEmpty).await.state, SetupState::Ok);
    enqueue(&f, false).await;
    enqueue(&f, false).await;
    let waiting = one(&f, SetupStepId::OutboxEmpty).await;
    assert_eq!(waiting.state, SetupState::Warning);
    assert!(waiting.detail.en.contains("Waiting to be sent: 2"));
    enqueue(&f, true).await;
    let refused = one(&f, SetupStepId::OutboxEmpty).await;
    assert_eq!(refused.state, SetupState::Problem);
    assert!(refused.detail.en.contains("Refused by the server: 1; waiting to be sent: 2"));
}

#[tokio::test]
async fn a_healthy_phone_is_all_ok() {
    let f = fixture();
    f.hb.settings().set_server_url(Some(fake_server(Some(200)).await)).await.unwrap();
    keep_trust_list(&f).await;
    let owner = add_profile(&f, "Nguyễn Văn An", ProfileRelation::Myself).await;
    bind(&f, &owner).await;
    keep_pass(&f, &owner, 10).await;
    let facts = PlatformFacts { camera_allowed: Some(true), notifications_allowed: Some(true), location_allowed: Some(true) };
    let steps = run(&f, facts).await;
    assert!(steps.iter().all(|s| s.state == SetupState::Ok), "{steps:#?}");
}
