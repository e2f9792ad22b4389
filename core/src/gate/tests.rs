//! The gate device against a scripted server and a manual clock: every verdict's mapping, the repeat window,
//! the cache emptied by a revocation, binding rules, batches and a sync killed after the server stored a batch.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use healthbook_protocol::{Direction, GateVerdict, PassageReason, Role, ScannedCard};
use serde_json::{Value, json};

use super::*;
use crate::client::{CachedDocument, TrustCache, TrustDocumentKind};
use crate::clock::ManualClock;
use crate::credentials::{ControlCard, CredentialSigner, OwnPayload, PassStatus, PersonalPass, StaffCard, VenuePoster};
use crate::keystore::MemoryKeyStore;
use crate::trust::db::DatabaseTrustCache;
use crate::trust::{IssuerKey, IssuerRole, Revocation, RevocationKind, RevocationList, SigningKey, TrustList, kid_for_spki};
use crate::{HealthbookConfig, PlatformKeyStore};

const GATE: &str = "7f9c2ba4-0000-4000-8000-000000000001";
const OTHER_GATE: &str = "7f9c2ba4-0000-4000-8000-000000000002";
const AGENCY: &str = "a1";

/// A fake server: answers GETs from a table, stores posted passages by id (each id once), and can be told to
/// fail the next upload after storing it (the device killed, or the network cut, before the answer arrives).
#[derive(Default)]
struct FakeServer {
    gets: Mutex<HashMap<String, Result<Value, TransportError>>>,
    stored: Mutex<HashMap<String, Value>>,
    stores: AtomicUsize,
    received: Mutex<Vec<(String, usize)>>,
    fail_after_store: AtomicBool,
    offline: AtomicBool,
    unauthorized: AtomicBool,
}

#[async_trait::async_trait]
impl GateTransport for FakeServer {
    async fn get(&self, _url: &str, _token: &AccessToken, path: &str) -> Result<Value, TransportError> {
        match self.gets.lock().unwrap().get(path) {
            Some(Ok(v)) => Ok(v.clone()),
            Some(Err(TransportError::Refused { status, code, .. })) => Err(refused(*status, code)),
            _ => Err(refused(404, "not_found")),
        }
    }

    async fn post(&self, _url: &str, _token: &AccessToken, path: &str, body: Value, key: &str) -> Result<Value, TransportError> {
        assert_eq!(path, format!("/v1/gates/{GATE}/passages"));
        if self.offline.load(Ordering::SeqCst) {
            return Err(TransportError::Client(ClientError::Network("connection refused".into())));
        }
        if self.unauthorized.load(Ordering::SeqCst) {
            return Err(refused(401, "unauthorized"));
        }
        let batch: PassageBatch = serde_json::from_value(body).expect("a batch as the contract has it");
        assert!((1..=1000).contains(&batch.passages.len()));
        self.received.lock().unwrap().push((key.to_owned(), batch.passages.len()));
        let (mut stored, mut already) = (0, 0);
        let mut kept = self.stored.lock().unwrap();
        for passage in batch.passages {
            let id = passage.id.clone();
            match kept.entry(id) {
                std::collections::hash_map::Entry::Occupied(_) => already += 1,
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(serde_json::to_value(&passage).unwrap());
                    self.stores.fetch_add(1, Ordering::SeqCst);
                    stored += 1;
                }
            }
        }
        if self.fail_after_store.swap(false, Ordering::SeqCst) {
            return Err(TransportError::Client(ClientError::Timeout));
        }
        Ok(json!({ "stored": stored, "already_stored": already }))
    }
}

fn refused(status: u16, code: &str) -> TransportError {
    TransportError::Refused { status, code: code.into(), body: json!({ "error": { "code": code } }), retry_after_secs: None }
}

struct Fixture {
    dir: tempfile::TempDir,
    keys: Arc<MemoryKeyStore>,
    clock: Arc<ManualClock>,
    hb: Healthbook,
    server: Arc<FakeServer>,
    gate: Gate,
    root: SigningKey,
    authority: CredentialSigner,
    agency: CredentialSigner,
    version: u64,
    revoked: Vec<String>,
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 9, 1, 7, 0, 0).unwrap()
}

fn issuer_key(signer: &CredentialSigner, role: IssuerRole, scope: &str, now: DateTime<Utc>) -> IssuerKey {
    let spki = signer.public_key_spki();
    IssuerKey {
        kid: kid_for_spki(&spki),
        role,
        scope: scope.into(),
        name: signer.issuer().into(),
        public_key: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &spki),
        not_before: now - Duration::days(30),
        not_after: now + Duration::days(365),
    }
}

async fn fixture_at(now: DateTime<Utc>) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(now));
    let keys = Arc::new(MemoryKeyStore::default());
    let config = HealthbookConfig { data_dir: dir.path().into(), key_store: keys.clone(), clock: clock.clone() };
    let hb = Healthbook::open(config).unwrap();
    let (root, _) = SigningKey::generate().unwrap();
    hb.settings().set_root_key(Some(root.verifying_key().spki_base64())).await.unwrap();
    let signer = |name: &str| CredentialSigner::from_pkcs8(&CredentialSigner::generate_pkcs8().unwrap(), name).unwrap();
    let server = Arc::new(FakeServer::default());
    let gate = hb.gate_with(server.clone());
    let mut f = Fixture {
        dir,
        keys,
        clock,
        hb,
        server,
        gate,
        root,
        authority: signer("Bộ Y tế"),
        agency: signer("Ban quản lý chợ"),
        version: 0,
        revoked: vec![],
    };
    f.publish();
    f
}

async fn fixture() -> Fixture {
    fixture_at(start()).await
}

impl Fixture {
    /// What a trust refresh leaves in the cache: the authority and the agency, and the revocations so far.
    fn publish(&mut self) {
        self.version += 1;
        let now = self.clock.now();
        let keys = vec![
            issuer_key(&self.authority, IssuerRole::Authority, "*", now),
            issuer_key(&self.agency, IssuerRole::Agency, &format!("agency:{AGENCY}"), now),
        ];
        let next_update = Some(now + Duration::hours(24));
        let list = TrustList { version: self.version, issued_at: now, keys, next_update };
        let entries = self
            .revoked
            .iter()
            .map(|id| Revocation { kind: RevocationKind::Credential, id: id.clone(), revoked_at: now, reason: "lost".into() })
            .collect();
        let revocations = RevocationList { version: self.version, issued_at: now, entries, next_update };
        let cache = DatabaseTrustCache::new(self.hb.db.clone());
        let doc = |jws: String| CachedDocument { jws, etag: None, fetched_at: now };
        cache.store(TrustDocumentKind::TrustList, &doc(list.sign(&self.root).unwrap())).unwrap();
        cache.store(TrustDocumentKind::RevocationList, &doc(revocations.sign(&self.root).unwrap())).unwrap();
    }

    fn token(&self) -> AccessToken {
        AccessToken {
            token: "staff-token".into(),
            expires_at: self.clock.now() + Duration::hours(12),
            account_id: "op-1".into(),
            role: Role::GateOperator,
            agency_id: Some(AGENCY.into()),
        }
    }

    fn script_gate(&self, gate_id: &str, name: &str) {
        let at = "2021-08-01T00:00:00Z";
        let mut gets = self.server.gets.lock().unwrap();
        gets.insert(
            format!("/v1/gates/{gate_id}"),
            Ok(json!({ "id": gate_id, "agency_id": AGENCY, "name": name, "venue_id": "v1", "created_at": at })),
        );
        gets.insert(format!("/v1/agencies/{AGENCY}"), Ok(json!({ "id": AGENCY, "name": "Ban quản lý chợ Bến Thành", "created_at": at })));
        gets.insert(
            "/v1/venues/v1".into(),
            Ok(json!({ "id": "v1", "agency_id": AGENCY, "name": "Chợ Bến Thành", "kind": "market", "address": "Lê Lợi",
                       "province_code": "79", "ward_code": "26740", "default_stay_minutes": 60, "created_at": at })),
        );
    }

    async fn bind(&self) -> BoundGate {
        self.script_gate(GATE, "Cổng 1");
        self.gate.bind_with_token("https://api.example.vn", self.token(), GATE).await.unwrap()
    }

    fn issue(&self, signer: &CredentialSigner, payload: OwnPayload, cti: &str) -> String {
        let now = self.clock.now();
        signer.issue(&payload, cti, now, now + Duration::days(30)).unwrap()
    }

    fn pass(&self, status: PassStatus, cti: &str) -> String {
        let pass = PersonalPass { name: "Đỗ Thị Hoa".into(), birth_year: Some(1990), status, reasons: vec![], province: None };
        self.issue(&self.authority, OwnPayload::PersonalPass(pass), cti)
    }

    fn staff(&self, agency: &str) -> String {
        let card = StaffCard { staff_id: "s-9".into(), name: "Lê Văn Tám".into(), birth_year: Some(1985), agency_id: agency.into() };
        self.issue(&self.agency, OwnPayload::StaffCard(card), &format!("staff-{agency}"))
    }

    fn control(&self) -> String {
        let card = ControlCard { profile_id: "p-1".into(), name: "Bà Năm".into(), birth_year: Some(1950), province: None };
        self.issue(&self.authority, OwnPayload::ControlCard(card), "control-1")
    }

    fn poster(&self) -> String {
        let poster = VenuePoster {
            venue_id: "v1".into(),
            name: "Chợ Bến Thành".into(),
            gate: None,
            admin_unit: None,
            agency_id: Some(AGENCY.into()),
            province: None,
            ..VenuePoster::default()
        };
        self.issue(&self.agency, OwnPayload::VenuePoster(poster), "poster-1")
    }

    async fn pending(&self) -> usize {
        self.gate.status().await.unwrap().pending
    }
}

fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

async fn scan(f: &Fixture, text: &str) -> GateScan {
    f.gate.scan(text, Direction::In).await.unwrap()
}

#[tokio::test]
async fn every_verdict_maps_to_the_contract() {
    let f = fixture().await;
    f.bind().await;

    let green = scan(&f, &f.pass(PassStatus::Green, "c-green")).await;
    assert_eq!((green.verdict, green.reason, green.card), (GateVerdict::Admit, PassageReason::Valid, Some(ScannedCard::PersonalPass)));
    assert!(green.recorded);
    assert_eq!(green.holder, Some(CardHolder { name: "Đỗ Thị Hoa".into(), birth_year: Some("1990".into()) }));
    let yellow = scan(&f, &f.pass(PassStatus::Yellow, "c-yellow")).await;
    assert_eq!((yellow.verdict, yellow.reason), (GateVerdict::Check, PassageReason::StatusYellow));
    let red = scan(&f, &f.pass(PassStatus::Red, "c-red")).await;
    assert_eq!((red.verdict, red.reason), (GateVerdict::Refuse, PassageReason::StatusRed));

    let staff = scan(&f, &f.staff(AGENCY)).await;
    assert_eq!((staff.verdict, staff.reason, staff.card), (GateVerdict::Admit, PassageReason::Valid, Some(ScannedCard::StaffCard)));
    assert_eq!(staff.holder, Some(CardHolder { name: "Lê Văn Tám".into(), birth_year: Some("1985".into()) }));
    let control = scan(&f, &f.control()).await;
    assert_eq!((control.verdict, control.reason, control.card), (GateVerdict::Admit, PassageReason::Valid, Some(ScannedCard::ControlCard)));
    assert_eq!(control.holder.unwrap().birth_year.as_deref(), Some("1950"));

    let poster = scan(&f, &f.poster()).await;
    assert_eq!((poster.verdict, poster.reason, poster.card), (GateVerdict::Refuse, PassageReason::WrongKind, Some(ScannedCard::VenuePoster)));
    assert_eq!(poster.holder, None);

    let cases: Vec<(String, PassageReason)> = vec![
        ("not a card".into(), PassageReason::Unreadable),
        ("HB1:%%%".into(), PassageReason::Unreadable),
        // A staff card naming another agency than the key's scope.
        (f.staff("a2"), PassageReason::OutOfScope),
        // An agency key may not sign a personal pass.
        (
            f.issue(
                &f.agency,
                OwnPayload::PersonalPass(PersonalPass { name: "X".into(), birth_year: None, status: PassStatus::Green, reasons: vec![], province: None }),
                "c-wrong-role",
            ),
            PassageReason::OutOfScope,
        ),
    ];
    for (text, reason) in cases {
        let scan = scan(&f, &text).await;
        assert_eq!((scan.verdict, scan.reason), (GateVerdict::Refuse, reason), "{text:.20}");
        assert_eq!(scan.holder, None, "a refused card shows no holder");
        assert!(scan.recorded);
    }

    let stranger = CredentialSigner::from_pkcs8(&CredentialSigner::generate_pkcs8().unwrap(), "Lạ").unwrap();
    let unknown = scan(&f, &f.issue(&stranger, OwnPayload::ControlCard(ControlCard { profile_id: "p".into(), name: "X".into(), birth_year: None, province: None }), "c-u")).await;
    assert_eq!((unknown.verdict, unknown.reason), (GateVerdict::Refuse, PassageReason::UnknownIssuer));
    let forger = CredentialSigner::from_pkcs8(&CredentialSigner::generate_pkcs8().unwrap(), "Bộ Y tế").unwrap().with_key_id(f.authority.key_id());
    let forged = scan(&f, &f.issue(&forger, OwnPayload::PersonalPass(PersonalPass { name: "X".into(), birth_year: None, status: PassStatus::Green, reasons: vec![], province: None }), "c-f")).await;
    assert_eq!((forged.verdict, forged.reason), (GateVerdict::Refuse, PassageReason::Forged));

    let now = f.clock.now();
    let pass = |cti: &str, from: DateTime<Utc>, to: DateTime<Utc>| {
        let p = PersonalPass { name: "X".into(), birth_year: None, status: PassStatus::Green, reasons: vec![], province: None };
        f.authority.issue(&OwnPayload::PersonalPass(p), cti, from, to).unwrap()
    };
    let expired = scan(&f, &pass("c-old", now - Duration::days(10), now - Duration::days(1))).await;
    assert_eq!((expired.verdict, expired.reason), (GateVerdict::Refuse, PassageReason::Expired));
    let early = scan(&f, &pass("c-new", now + Duration::days(1), now + Duration::days(10))).await;
    assert_eq!((early.verdict, early.reason), (GateVerdict::Refuse, PassageReason::NotYetValid));

    // The queue holds the cti in hex, never the name, and the card's words exist in both languages.
    let sealer = f.hb.sealer.clone();
    let (_, passages) = f.hb.db.write(move |tx| db::next_batch(tx, &sealer, GATE, 100)).await.unwrap().unwrap();
    assert_eq!(passages.len(), 14);
    assert!(passages.iter().any(|p| p.credential_id.as_deref() == Some(hex("c-green").as_str())));
    assert!(passages.iter().filter(|p| p.reason == PassageReason::Unreadable).all(|p| p.credential_id.is_none()));
    assert_eq!(explain::headline(green.verdict, healthbook_protocol::Language::En), "Admit");
}

#[tokio::test]
async fn a_revoked_card_is_refused_in_the_repeat_window() {
    let mut f = fixture().await;
    f.bind().await;
    f.gate.set_repeat_window(Duration::zero()).await.unwrap();
    let text = f.pass(PassStatus::Green, "c-1");
    assert_eq!(scan(&f, &text).await.verdict, GateVerdict::Admit);
    assert_eq!(f.hb.gate_state.cached_credentials(), 1);
    assert_eq!(scan(&f, &text).await.verdict, GateVerdict::Admit, "a cache hit admits as the first scan did");
    // The revocation list changes: the cache is emptied and the card verified afresh.
    f.revoked.push("c-1".into());
    f.publish();
    let revoked = scan(&f, &text).await;
    assert_eq!((revoked.verdict, revoked.reason), (GateVerdict::Refuse, PassageReason::Revoked));
    assert_eq!(f.hb.gate_state.cached_credentials(), 0, "a refused card is not kept");
    assert_eq!(scan(&f, &text).await.reason, PassageReason::Revoked);
}

#[tokio::test]
async fn a_cached_card_still_expires() {
    let f = fixture().await;
    f.bind().await;
    let text = f.pass(PassStatus::Green, "c-2");
    assert_eq!(scan(&f, &text).await.verdict, GateVerdict::Admit);
    assert_eq!(f.hb.gate_state.cached_credentials(), 1);
    f.clock.advance(Duration::days(30) + Duration::seconds(1));
    let late = f.gate.verify_at(&text, f.clock.now()).unwrap().0;
    assert_eq!((late.verdict, late.reason), (GateVerdict::Refuse, PassageReason::Expired));
    assert_eq!(f.hb.gate_state.cached_credentials(), 0, "an expired credential leaves the cache");
}

#[tokio::test]
async fn the_repeat_window_records_a_card_once_per_direction() {
    let f = fixture().await;
    f.bind().await;
    assert_eq!(f.gate.repeat_window().await.unwrap(), Duration::minutes(10));
    let text = f.pass(PassStatus::Green, "c-3");
    assert!(scan(&f, &text).await.recorded);
    f.clock.advance(Duration::minutes(9));
    let again = scan(&f, &text).await;
    assert!(!again.recorded);
    assert_eq!(again.verdict, GateVerdict::Admit, "a repeat still shows the verdict");
    assert!(f.gate.scan(&text, Direction::Out).await.unwrap().recorded, "the other direction is another passage");
    // A forged copy naming the same card id is another event: refused and recorded.
    let forger = CredentialSigner::from_pkcs8(&CredentialSigner::generate_pkcs8().unwrap(), "Bộ Y tế").unwrap().with_key_id(f.authority.key_id());
    let copy = f.gate.scan(&f.issue(&forger, OwnPayload::PersonalPass(PersonalPass { name: "X".into(), birth_year: None, status: PassStatus::Green, reasons: vec![], province: None }), "c-3"), Direction::In).await.unwrap();
    assert_eq!((copy.reason, copy.recorded), (PassageReason::Forged, true));
    assert_eq!(f.pending().await, 3);

    // A restarted device (new root object, empty memory) still knows from the queue.
    drop(f.gate.clone());
    let reopened = Healthbook::open(HealthbookConfig {
        data_dir: f.dir.path().into(),
        key_store: f.keys.clone() as Arc<dyn PlatformKeyStore>,
        clock: f.clock.clone(),
    })
    .unwrap();
    let gate = reopened.gate_with(f.server.clone());
    assert!(!gate.scan(&text, Direction::In).await.unwrap().recorded);
    f.clock.advance(Duration::minutes(1) + Duration::seconds(1));
    assert!(gate.scan(&text, Direction::In).await.unwrap().recorded, "10 minutes after the first scan it counts again");

    gate.set_repeat_window(Duration::seconds(0)).await.unwrap();
    assert!(gate.scan(&text, Direction::In).await.unwrap().recorded);
    assert!(gate.scan(&text, Direction::In).await.unwrap().recorded, "a zero window records every scan");
    assert!(matches!(gate.set_repeat_window(Duration::hours(25)).await, Err(GateError::InvalidRepeatWindow)));
    assert_eq!(gate.status().await.unwrap().pending, 6);
}

#[tokio::test]
async fn binding_reads_the_gate_and_keeps_one_gate_while_passages_wait() {
    let f = fixture().await;
    assert!(matches!(f.gate.scan("x", Direction::In).await, Err(GateError::NotBound)));
    assert!(matches!(f.gate.sync().await, Err(GateError::NotBound)));
    let bound = f.bind().await;
    assert_eq!((bound.gate_name.as_str(), bound.venue_name.as_str()), ("Cổng 1", "Chợ Bến Thành"));
    assert_eq!(bound.agency_name, "Ban quản lý chợ Bến Thành");
    assert_eq!(f.gate.bound_gate().await.unwrap(), Some(bound.clone()));

    scan(&f, "not a card").await;
    f.script_gate(OTHER_GATE, "Cổng 2");
    assert!(matches!(
        f.gate.bind_with_token("https://api.example.vn", f.token(), OTHER_GATE).await,
        Err(GateError::PassagesWaiting(1))
    ));
    assert!(matches!(f.gate.unbind().await, Err(GateError::PassagesWaiting(1))));
    // The same gate again (a fresh sign-in) is fine and keeps the queue.
    f.gate.bind_with_token("https://api.example.vn", f.token(), GATE).await.unwrap();
    assert_eq!(f.pending().await, 1);
    // Not this agency's gate: the server refuses and nothing changes.
    f.server.gets.lock().unwrap().insert(format!("/v1/gates/{OTHER_GATE}"), Err(refused(403, "forbidden")));
    f.gate.sync().await.unwrap();
    assert!(matches!(
        f.gate.bind_with_token("https://api.example.vn", f.token(), OTHER_GATE).await,
        Err(GateError::Refused { status: 403, .. })
    ));
    assert_eq!(f.gate.bound_gate().await.unwrap().unwrap().gate_id, GATE);
    f.script_gate(OTHER_GATE, "Cổng 2");
    let other = f.gate.bind_with_token("https://api.example.vn", f.token(), OTHER_GATE).await.unwrap();
    assert_eq!(other.gate_name, "Cổng 2");
    f.gate.unbind().await.unwrap();
    assert_eq!(f.gate.bound_gate().await.unwrap(), None);
    assert!(matches!(f.gate.bind_with_token("https://x", f.token(), "../admin").await, Err(GateError::Refused { status: 400, .. })));
}

#[tokio::test]
async fn an_expired_sign_in_asks_to_sign_in_again_and_keeps_the_queue() {
    let f = fixture().await;
    f.bind().await;
    scan(&f, "not a card").await;
    f.server.unauthorized.store(true, Ordering::SeqCst);
    assert!(matches!(f.gate.sync().await, Err(GateError::SignInAgain)));
    f.server.unauthorized.store(false, Ordering::SeqCst);
    f.clock.advance(Duration::hours(13));
    assert!(matches!(f.gate.sync().await, Err(GateError::SignInAgain)));
    let status = f.gate.status().await.unwrap();
    assert_eq!(status.pending, 1);
    assert!(status.last_error.unwrap().contains("sign in again"));
    // Signing in again (binding the same gate) lets the sync through.
    f.gate.bind_with_token("https://api.example.vn", f.token(), GATE).await.unwrap();
    assert_eq!(f.gate.sync().await.unwrap().uploaded, 1);
    assert_eq!(f.gate.status().await.unwrap().last_error, None);
}

/// Queues `n` passages directly (as scans would), in one transaction.
async fn queue(f: &Fixture, n: usize) {
    let (sealer, now) = (f.hb.sealer.clone(), f.clock.now());
    f.hb.db
        .write(move |tx| {
            for i in 0..n {
                let passage = Passage {
                    id: uuid::Uuid::new_v4().to_string(),
                    direction: if i % 2 == 0 { Direction::In } else { Direction::Out },
                    scanned_at: now + Duration::milliseconds(i as i64),
                    verdict: GateVerdict::Admit,
                    reason: PassageReason::Valid,
                    card: Some(ScannedCard::PersonalPass),
                    credential_id: Some(format!("{i:016x}")),
                };
                db::insert_passage(tx, &sealer, GATE, &passage, None)?;
            }
            Ok::<_, GateError>(())
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_sync_killed_after_the_server_stored_a_batch_loses_and_duplicates_nothing() {
    let f = fixture().await;
    f.bind().await;
    queue(&f, 1_234).await;
    for i in 0..3 {
        // A few real scans in the queue too.
        scan(&f, &f.pass(PassStatus::Green, &format!("c-sync-{i}"))).await;
    }
    let total = 1_237;

    // The second batch reaches the server, which stores it; the answer is lost.
    let first_sync = {
        let server = f.server.clone();
        let gate = f.gate.clone();
        let watcher = tokio::spawn(async move {
            while server.received.lock().unwrap().is_empty() {
                tokio::task::yield_now().await;
            }
            server.fail_after_store.store(true, Ordering::SeqCst);
        });
        let outcome = gate.sync().await;
        watcher.await.unwrap();
        outcome
    };
    assert!(matches!(first_sync, Err(ref e) if e.is_transient()), "{first_sync:?}");
    let received = f.server.received.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    assert_eq!(received.iter().map(|(_, n)| *n).collect::<Vec<_>>(), [500, 500]);
    let status = f.gate.status().await.unwrap();
    assert_eq!(status.pending, total - 500, "only the acknowledged batch is marked uploaded");
    assert!(status.last_error.is_some());
    assert!(status.next_sync_at.unwrap() > f.clock.now(), "the next background attempt backs off");
    assert_eq!(f.gate.sync_due().await.unwrap(), None, "not yet time");

    f.clock.advance(Duration::hours(2));
    let report = f.gate.sync_due().await.unwrap().unwrap();
    assert_eq!(report.batches, 2);
    assert_eq!(report.uploaded, total - 500);
    assert_eq!((report.already_stored, report.pending), (500, 0));
    let received = f.server.received.lock().unwrap().clone();
    assert_eq!(received[2].0, received[1].0, "the interrupted batch is resent under its idempotency key");
    assert_eq!(received.iter().skip(2).map(|(_, n)| *n).collect::<Vec<_>>(), [500, 237]);

    // The server holds every passage exactly once, and the same ones the device queued.
    assert_eq!(f.server.stores.load(Ordering::SeqCst), total);
    let local: std::collections::BTreeSet<String> = f
        .hb
        .db
        .read(|conn| {
            let ids = conn.prepare("SELECT id FROM gate_passages")?.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
            Ok::<_, GateError>(ids)
        })
        .await
        .unwrap();
    let remote: std::collections::BTreeSet<String> = f.server.stored.lock().unwrap().keys().cloned().collect();
    assert_eq!(local, remote);
    let status = f.gate.status().await.unwrap();
    assert_eq!((status.pending, status.uploaded, status.last_error), (0, total, None));
    assert_eq!(f.gate.sync().await.unwrap(), SyncReport::default(), "nothing left to send");
}

#[tokio::test]
async fn offline_keeps_everything_and_uploaded_passages_are_purged_after_21_days() {
    let f = fixture().await;
    f.bind().await;
    queue(&f, 10).await;
    f.server.offline.store(true, Ordering::SeqCst);
    assert!(matches!(f.gate.sync().await, Err(GateError::Unreachable(_))));
    assert_eq!(f.pending().await, 10);
    f.server.offline.store(false, Ordering::SeqCst);
    f.gate.sync().await.unwrap();
    scan(&f, "not a card").await;
    f.clock.advance(Duration::days(RETENTION_DAYS) + Duration::minutes(1));
    assert_eq!(f.hb.purge_expired().await.unwrap(), 10);
    let status = f.gate.status().await.unwrap();
    assert_eq!((status.pending, status.uploaded), (1, 0), "a waiting passage is never purged");
}

#[tokio::test]
async fn an_eu_dcc_is_admitted_with_its_holder_and_only_a_hash_of_its_uvci_is_kept() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/eu-dcc/BE/2DCode/raw/3.json");
    let case: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let at = DateTime::parse_from_rfc3339(case["TESTCTX"]["VALIDATIONCLOCK"].as_str().unwrap()).unwrap().with_timezone(&Utc);
    let f = fixture_at(at).await;
    f.bind().await;
    f.hb.trust().add_dcc_certificate(case["TESTCTX"]["CERTIFICATE"].as_str().unwrap()).await.unwrap();
    let text = case["PREFIX"].as_str().unwrap();
    let dcc = scan(&f, text).await;
    assert_eq!((dcc.verdict, dcc.reason, dcc.card), (GateVerdict::Admit, PassageReason::Valid, Some(ScannedCard::EuDcc)));
    let holder = dcc.holder.unwrap();
    assert!(holder.name.contains("Ebraert"));
    assert_eq!(holder.birth_year.as_deref().map(str::len), Some(4));
    let sealer = f.hb.sealer.clone();
    let (_, passages) = f.hb.db.write(move |tx| db::next_batch(tx, &sealer, GATE, 10)).await.unwrap().unwrap();
    let id = passages[0].credential_id.clone().unwrap();
    assert_eq!(id.len(), 64);
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(!case["JSON"].to_string().contains(&id), "the UVCI itself is not recorded");
}

#[tokio::test]
async fn names_and_card_ids_are_not_stored_in_clear() {
    let f = fixture().await;
    f.bind().await;
    scan(&f, &f.pass(PassStatus::Green, "c-secret-7")).await;
    scan(&f, &f.staff(AGENCY)).await;
    drop(f.gate);
    drop(f.hb);
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(f.dir.path()).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let haystack = String::from_utf8_lossy(&bytes);
    for secret in ["Hoa", "Tám", &hex("c-secret-7"), "c-secret-7", "staff-token"] {
        assert!(!haystack.contains(secret), "{secret} found in clear");
    }
}

#[tokio::test]
async fn random_and_mutated_scans_never_panic_and_are_refused() {
    use rand::{Rng, SeedableRng};
    let f = fixture().await;
    let genuine = f.pass(PassStatus::Green, "c-fuzz");
    let mut rng = rand::rngs::StdRng::seed_from_u64(16);
    let alphabet: Vec<char> = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".chars().collect();
    let now = f.clock.now();
    for round in 0..3_000 {
        let text: String = if round % 3 == 0 {
            (0..rng.gen_range(0..400)).map(|_| rng.r#gen::<char>()).collect()
        } else {
            let mut chars: Vec<char> = genuine.chars().collect();
            for _ in 0..rng.gen_range(1..6) {
                let i = rng.gen_range(4..chars.len());
                match rng.gen_range(0..3) {
                    0 => chars[i] = alphabet[rng.gen_range(0..alphabet.len())],
                    1 => {
                        chars.remove(i);
                    }
                    _ => chars.insert(i, alphabet[rng.gen_range(0..alphabet.len())]),
                }
            }
            chars.into_iter().collect()
        };
        if text == genuine {
            continue;
        }
        let (decision, _) = f.gate.verify_at(&text, now).unwrap();
        assert_eq!(decision.verdict, GateVerdict::Refuse, "{round}");
        assert!(decision.credential_id.as_ref().is_none_or(|id| id.len() <= 64));
    }
}
