//! Declarations through the outbox and the sync engine, with a scripted transport.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{Duration, TimeZone, Utc};
use serde_json::{json, Value};

use super::*;
use crate::clock::ManualClock;
use crate::keystore::MemoryKeyStore;
use crate::outbox::{DeliveryError, OutboxItem, OutboxState, OutboxTransport, SyncEvent, SyncListener};
use crate::profiles::{BirthDate, ProfileInput};
use crate::trust::signed::SignerRefusal;
use crate::{Healthbook, HealthbookConfig};

/// Answers each delivery from a script, recording what was sent.
struct ScriptedTransport {
    answers: Mutex<Vec<Result<Value, DeliveryError>>>,
    sent: Mutex<Vec<(String, Value)>>,
}

impl ScriptedTransport {
    fn new(answers: Vec<Result<Value, DeliveryError>>) -> Self {
        Self { answers: Mutex::new(answers), sent: Mutex::new(Vec::new()) }
    }
}

/// The device id the fixture's phone is registered under.
const DEVICE_ID: &str = "device-1";

/// The claims the server signs for `item`, with `status`.
fn claims_for(item: &OutboxItem, status: &str) -> Value {
    json!({
        "declaration_id": item.body["declaration_id"],
        "device_id": DEVICE_ID,
        "profile_ref": item.body["subject"]["profile_ref"],
        "received_at": "2021-08-15T02:00:00Z",
        "health_status": { "status": status, "reasons": ["declaration"] }
    })
}

/// An answer as the server writes it: the receipt signed by `key` over `claims`, and unsigned copies beside it.
fn answer_signed(key: &crate::trust::SigningKey, claims: &Value) -> Value {
    json!({
        "declaration_id": claims["declaration_id"],
        "received_at": claims["received_at"],
        "receipt": crate::trust::jws::sign_compact(key, RECEIPT_TYP, claims.to_string().as_bytes()).unwrap(),
        "health_status": claims["health_status"],
    })
}

/// A receipt as the server writes it for `item`, by a key no trust list names (the fixture pins no root key).
fn receipt_for(item: &OutboxItem, status: &str) -> Value {
    answer_signed(&crate::trust::SigningKey::generate().unwrap().0, &claims_for(item, status))
}

#[async_trait]
impl OutboxTransport for ScriptedTransport {
    async fn deliver(&self, item: &OutboxItem) -> Result<Value, DeliveryError> {
        self.sent.lock().unwrap().push((item.idempotency_key.clone(), item.body.clone()));
        let mut answers = self.answers.lock().unwrap();
        let next = if answers.is_empty() { Ok(Value::Null) } else { answers.remove(0) };
        // `Null` in the script stands for "a proper receipt for this item".
        match next {
            Ok(Value::Null) => Ok(receipt_for(item, "green")),
            other => other,
        }
    }
}

#[derive(Default)]
struct Recorder(Mutex<Vec<SyncEvent>>);

impl SyncListener for Recorder {
    fn on_event(&self, event: SyncEvent) {
        self.0.lock().unwrap().push(event);
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    hb: Healthbook,
    owner: String,
    child: String,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2021, 8, 15, 1, 0, 0).unwrap()));
    let hb = Healthbook::open(HealthbookConfig { data_dir: dir.path().into(), key_store: Arc::new(MemoryKeyStore::default()), clock: clock.clone() }).unwrap();
    let person = |name: &str, relation| ProfileInput {
        relation,
        full_name: name.into(),
        birth: BirthDate { year: 1980, month: None, day: None },
        phone: None,
        citizen_id: None,
        address: None,
    };
    let owner = hb.profiles().add(person("Vũ Minh Khoa", ProfileRelation::Myself)).await.unwrap().id;
    let child = hb.profiles().add(person("Vũ Minh Châu", ProfileRelation::FamilyMember)).await.unwrap().id;
    // Registered with a server, as a phone that syncs is; receipts must name this device.
    hb.settings().set_server_url(Some("https://hb.example".into())).await.unwrap();
    hb.db
        .lock()
        .execute(
            "INSERT INTO device_identity (server_url, device_id, sealed_key, registration_key, created_at) VALUES ('https://hb.example', ?1, x'00', 'k', 0)",
            [DEVICE_ID],
        )
        .unwrap();
    Fixture { _dir: dir, clock, hb, owner, child }
}

fn health_answers() -> Value {
    json!({ "symptoms": [], "contact_with_confirmed_case": false, "travel_from_outbreak_area": false, "vaccination_status": "fully_vaccinated" })
}

#[tokio::test]
async fn invalid_answers_store_nothing() {
    let f = fixture().await;
    let err = f.hb.declarations().submit(&f.owner, forms::HEALTH_DECLARATION, json!({ "symptoms": "fever" }), None, Language::Vi).await.unwrap_err();
    let DeclarationError::Invalid(errors) = err else { panic!("expected field errors") };
    assert!(errors.iter().any(|e| e.field == "symptoms" && e.code == FieldErrorCode::WrongType));
    assert!(errors.iter().any(|e| e.field == "vaccination_status" && e.code == FieldErrorCode::Required));
    assert!(f.hb.declarations().list(None).await.unwrap().is_empty());
    assert!(f.hb.outbox().list().await.unwrap().is_empty());
    assert!(matches!(
        f.hb.declarations().submit(&f.owner, "tax_return", json!({}), None, Language::En).await,
        Err(DeclarationError::UnknownForm(_))
    ));
    assert!(matches!(
        f.hb.declarations().submit("nobody", forms::HEALTH_DECLARATION, health_answers(), None, Language::En).await,
        Err(DeclarationError::Profile(crate::profiles::ProfileError::NotFound(_)))
    ));
}

#[tokio::test]
async fn offline_submission_waits_then_arrives_once_with_the_same_key() {
    let f = fixture().await;
    let declaration = f.hb.declarations().submit(&f.child, forms::HEALTH_DECLARATION, health_answers(), None, Language::Vi).await.unwrap();
    assert_eq!(declaration.status, DeclarationStatus::Queued);
    assert_eq!(declaration.filled_by_profile_id.as_deref(), Some(f.owner.as_str()), "the owner filled it in for the child");

    let offline = ScriptedTransport::new(vec![Err(DeliveryError::Unreachable("connection refused".into()))]);
    let report = f.hb.outbox().sync_with(&offline, None).await.unwrap();
    assert!(report.server_unreachable);
    assert_eq!((report.delivered, report.pending), (0, 1));
    let queued = f.hb.outbox().list().await.unwrap();
    assert_eq!(queued[0].attempts, 1);
    assert_eq!(queued[0].last_error.as_deref(), Some("connection refused"));
    assert!(queued[0].next_attempt_at > f.clock.now(), "backed off");

    // Not yet due: a sync now sends nothing.
    let online = ScriptedTransport::new(vec![]);
    assert_eq!(f.hb.outbox().sync_with(&online, None).await.unwrap().delivered, 0);
    f.clock.advance(Duration::hours(2));
    let listener = Recorder::default();
    let report = f.hb.outbox().sync_with(&online, Some(&listener)).await.unwrap();
    assert_eq!((report.delivered, report.pending), (1, 0));
    let sent_keys: Vec<String> = offline.sent.lock().unwrap().iter().chain(online.sent.lock().unwrap().iter()).map(|(k, _)| k.clone()).collect();
    assert_eq!(sent_keys.len(), 2);
    assert_eq!(sent_keys[0], sent_keys[1], "a retry reuses the idempotency key");
    let body = &online.sent.lock().unwrap()[0].1;
    assert_eq!(body["subject"]["full_name"], "Vũ Minh Châu");
    assert_eq!(body["filled_by"]["full_name"], "Vũ Minh Khoa");
    assert_eq!(body["form_version"], 1);

    let stored = f.hb.declarations().get(&declaration.id).await.unwrap();
    assert_eq!(stored.status, DeclarationStatus::Accepted);
    assert!(stored.receipt.is_some());
    // No root key is pinned here, so nothing vouches for the receipt's signature: it proves delivery (the item is
    // not sent again) but its status is not taken.
    assert_eq!(f.hb.declarations().health_status(&f.child).await.unwrap(), None);
    let events = listener.0.lock().unwrap().clone();
    assert!(matches!(events.first(), Some(SyncEvent::Started { due: 1 })));
    assert!(matches!(events.last(), Some(SyncEvent::Finished(r)) if r.delivered == 1));
}

#[tokio::test]
async fn unparseable_answer_keeps_the_item_and_says_why() {
    let f = fixture().await;
    f.hb.declarations().submit(&f.owner, forms::HEALTH_DECLARATION, health_answers(), None, Language::En).await.unwrap();
    let garbled = ScriptedTransport::new(vec![Ok(json!({ "unexpected": true }))]);
    let report = f.hb.outbox().sync_with(&garbled, None).await.unwrap();
    assert_eq!((report.delivered, report.failed, report.pending), (0, 1, 1));
    let item = &f.hb.outbox().list().await.unwrap()[0];
    assert_eq!(item.state, OutboxState::Pending);
    assert!(item.last_error.as_deref().unwrap().starts_with("unparseable server answer"), "{:?}", item.last_error);
    assert_eq!(f.hb.declarations().list(None).await.unwrap()[0].status, DeclarationStatus::Queued);
}

#[tokio::test]
async fn refusal_is_kept_for_the_user_and_can_be_retried() {
    let f = fixture().await;
    let d = f.hb.declarations().submit(&f.owner, forms::HEALTH_DECLARATION, health_answers(), None, Language::En).await.unwrap();
    let refusing = ScriptedTransport::new(vec![Err(DeliveryError::Rejected("422 invalid_answers".into()))]);
    let report = f.hb.outbox().sync_with(&refusing, None).await.unwrap();
    assert_eq!((report.rejected, report.pending), (1, 0));
    let item = f.hb.outbox().list().await.unwrap().remove(0);
    assert_eq!(item.state, OutboxState::Rejected);
    let stored = f.hb.declarations().get(&d.id).await.unwrap();
    assert_eq!((stored.status, stored.rejection_reason.as_deref()), (DeclarationStatus::Rejected, Some("422 invalid_answers")));
    // Rejected items are not resent by a plain sync...
    let transport = ScriptedTransport::new(vec![]);
    assert_eq!(f.hb.outbox().sync_with(&transport, None).await.unwrap().delivered, 0);
    // ...but the user can ask.
    f.hb.outbox().retry(item.id).await.unwrap();
    assert_eq!(f.hb.outbox().sync_with(&transport, None).await.unwrap().delivered, 1);
    assert_eq!(f.hb.declarations().get(&d.id).await.unwrap().status, DeclarationStatus::Accepted);
}

#[tokio::test]
async fn removing_a_profile_removes_its_declarations_and_queue() {
    let f = fixture().await;
    f.hb.declarations().submit(&f.child, forms::HEALTH_DECLARATION, health_answers(), None, Language::En).await.unwrap();
    f.hb.declarations().submit(&f.owner, forms::HEALTH_DECLARATION, health_answers(), None, Language::En).await.unwrap();
    f.hb.profiles().remove(&f.child).await.unwrap();
    assert_eq!(f.hb.declarations().list(None).await.unwrap().len(), 1);
    assert_eq!(f.hb.outbox().list().await.unwrap().len(), 1);
}

#[tokio::test]
async fn sent_declarations_are_purged_after_retention_but_queued_ones_never() {
    let f = fixture().await;
    f.hb.declarations().submit(&f.owner, forms::HEALTH_DECLARATION, health_answers(), None, Language::En).await.unwrap();
    f.hb.outbox().sync_with(&ScriptedTransport::new(vec![]), None).await.unwrap();
    f.hb.declarations().submit(&f.owner, forms::HEALTH_DECLARATION, health_answers(), None, Language::En).await.unwrap();
    f.clock.advance(Duration::days(RETENTION_DAYS - 1));
    assert_eq!(f.hb.purge_expired().await.unwrap(), 0);
    f.clock.advance(Duration::days(2));
    assert_eq!(f.hb.purge_expired().await.unwrap(), 1);
    let left = f.hb.declarations().list(None).await.unwrap();
    assert_eq!((left.len(), left[0].status), (1, DeclarationStatus::Queued));
}

#[tokio::test]
async fn newer_forms_from_the_server_replace_bundled_ones() {
    let f = fixture().await;
    let mut newer = f.hb.declarations().form(forms::MOVEMENT_DECLARATION).await.unwrap();
    newer.version = 2;
    newer.fields.retain(|field| field.id != "vehicle_number");
    let mut older = newer.clone();
    older.version = 1;
    assert_eq!(f.hb.declarations().cache_forms(vec![newer.clone()]).await.unwrap(), 1);
    assert_eq!(f.hb.declarations().cache_forms(vec![older]).await.unwrap(), 0);
    assert_eq!(f.hb.declarations().form(forms::MOVEMENT_DECLARATION).await.unwrap().version, 2);
    let answers = json!({ "from": { "province": "01" }, "to": { "province": "79" }, "departure_date": "2021-08-15", "transport": "car" });
    let d = f.hb.declarations().submit(&f.owner, forms::MOVEMENT_DECLARATION, answers, None, Language::En).await.unwrap();
    assert_eq!(d.form_version, 2);
}

/// Pins a root key and caches a trust list (signed by it) that lists `receipt_key` as an authority key valid from
/// a day before the fixture's time for a year.
async fn pin_trust(f: &Fixture, receipt_key: &crate::trust::SigningKey) -> crate::trust::SigningKey {
    let now = f.clock.now();
    pin_trust_valid(f, receipt_key, now - Duration::days(1), now + Duration::days(365)).await
}

/// Like [`pin_trust`], with the key valid from `not_before` to `not_after`.
async fn pin_trust_valid(
    f: &Fixture,
    receipt_key: &crate::trust::SigningKey,
    not_before: chrono::DateTime<Utc>,
    not_after: chrono::DateTime<Utc>,
) -> crate::trust::SigningKey {
    use crate::client::{CachedDocument, TrustCache, TrustDocumentKind};
    use crate::trust::{IssuerKey, IssuerRole, SigningKey, TrustList};
    let (root, _) = SigningKey::generate().unwrap();
    f.hb.settings().set_root_key(Some(root.verifying_key().spki_base64())).await.unwrap();
    let now = f.clock.now();
    let list = TrustList {
        version: 1,
        issued_at: now,
        keys: vec![IssuerKey {
            kid: receipt_key.kid().to_owned(),
            role: IssuerRole::Authority,
            scope: "declaration-receipts".into(),
            name: "receipts".into(),
            public_key: receipt_key.verifying_key().spki_base64(),
            not_before,
            not_after,
        }],
        next_update: None,
    };
    let cache = crate::trust::db::DatabaseTrustCache::new(f.hb.db.clone());
    cache.store(TrustDocumentKind::TrustList, &CachedDocument { jws: list.sign(&root).unwrap(), etag: None, fetched_at: now }).unwrap();
    root
}

/// Caches a revocation list, signed by `root`, that revokes `kid`.
fn revoke(f: &Fixture, root: &crate::trust::SigningKey, kid: &str) {
    use crate::client::{CachedDocument, TrustCache, TrustDocumentKind};
    use crate::trust::{Revocation, RevocationKind, RevocationList};
    let now = f.clock.now();
    let list = RevocationList {
        version: 1,
        issued_at: now,
        entries: vec![Revocation { kind: RevocationKind::IssuerKey, id: kid.into(), revoked_at: now, reason: "key lost".into() }],
        next_update: None,
    };
    let cache = crate::trust::db::DatabaseTrustCache::new(f.hb.db.clone());
    cache.store(TrustDocumentKind::RevocationList, &CachedDocument { jws: list.sign(root).unwrap(), etag: None, fetched_at: now }).unwrap();
}

/// Answers each delivery with a receipt signed by a given key, its claims changed by `edit`.
struct SigningTransport(crate::trust::SigningKey, fn(&mut Value));

impl SigningTransport {
    fn honest(key: crate::trust::SigningKey) -> Self {
        Self(key, |_| {})
    }
}

#[async_trait]
impl OutboxTransport for SigningTransport {
    async fn deliver(&self, item: &OutboxItem) -> Result<Value, DeliveryError> {
        let mut claims = claims_for(item, "yellow");
        (self.1)(&mut claims);
        Ok(answer_signed(&self.0, &claims))
    }
}

/// Submits one declaration, syncs through `transport`, and returns the outbox item's error if it stayed queued.
async fn deliver_one(f: &Fixture, transport: &dyn OutboxTransport) -> Option<String> {
    f.hb.declarations().submit(&f.owner, forms::HEALTH_DECLARATION, health_answers(), None, Language::En).await.unwrap();
    let report = f.hb.outbox().sync_with(transport, None).await.unwrap();
    if report.delivered == 1 {
        return None;
    }
    let item = f.hb.outbox().list().await.unwrap().into_iter().find(|i| i.state == OutboxState::Pending).unwrap();
    assert_eq!(f.hb.declarations().list(None).await.unwrap()[0].status, DeclarationStatus::Queued);
    item.last_error
}

#[tokio::test]
async fn with_a_pinned_root_key_only_receipts_signed_by_a_listed_authority_key_are_accepted() {
    let f = fixture().await;
    let (receipt_key, _) = crate::trust::SigningKey::generate().unwrap();
    pin_trust(&f, &receipt_key).await;
    let d = f.hb.declarations().submit(&f.owner, forms::HEALTH_DECLARATION, health_answers(), None, Language::En).await.unwrap();

    // A receipt signed by a key the trust list doesn't name keeps the item queued, with the reason.
    let (stranger, _) = crate::trust::SigningKey::generate().unwrap();
    let report = f.hb.outbox().sync_with(&SigningTransport::honest(stranger), None).await.unwrap();
    assert_eq!((report.delivered, report.pending), (0, 1));
    let item = f.hb.outbox().list().await.unwrap().remove(0);
    assert!(item.last_error.as_deref().unwrap().contains("not in the trust list"), "{:?}", item.last_error);
    // The unsigned placeholder receipt of the scripted transport is refused too.
    f.clock.advance(Duration::hours(2));
    assert_eq!(f.hb.outbox().sync_with(&ScriptedTransport::new(vec![]), None).await.unwrap().delivered, 0);

    // The listed key's receipt is accepted.
    f.clock.advance(Duration::hours(2));
    assert_eq!(f.hb.outbox().sync_with(&SigningTransport::honest(receipt_key), None).await.unwrap().delivered, 1);
    assert_eq!(f.hb.declarations().get(&d.id).await.unwrap().status, DeclarationStatus::Accepted);
}

#[tokio::test]
async fn only_the_signed_claims_are_applied() {
    let f = fixture().await;
    let (receipt_key, _) = crate::trust::SigningKey::generate().unwrap();
    pin_trust(&f, &receipt_key).await;
    let d = f.hb.declarations().submit(&f.owner, forms::HEALTH_DECLARATION, health_answers(), None, Language::En).await.unwrap();
    // A proxy rewrote the unsigned copies: red and another time; the signed receipt says yellow at 02:00.
    struct Tampering(crate::trust::SigningKey);
    #[async_trait]
    impl OutboxTransport for Tampering {
        async fn deliver(&self, item: &OutboxItem) -> Result<Value, DeliveryError> {
            let mut answer = answer_signed(&self.0, &claims_for(item, "yellow"));
            answer["health_status"] = json!({ "status": "red", "reasons": ["quarantine"] });
            answer["received_at"] = json!("2030-01-01T00:00:00Z");
            answer["declaration_id"] = json!("someone-else");
            Ok(answer)
        }
    }
    assert_eq!(f.hb.outbox().sync_with(&Tampering(receipt_key), None).await.unwrap().delivered, 1);
    let status = f.hb.declarations().health_status(&f.owner).await.unwrap().unwrap();
    assert_eq!((status.status.as_str(), status.reasons.as_slice()), ("yellow", ["declaration".to_owned()].as_slice()));
    assert_eq!(status.updated_at, Utc.with_ymd_and_hms(2021, 8, 15, 2, 0, 0).unwrap());
    assert_eq!(f.hb.declarations().get(&d.id).await.unwrap().status, DeclarationStatus::Accepted);
}

#[tokio::test]
async fn a_receipt_by_a_revoked_key_stays_queued_with_the_reason() {
    let f = fixture().await;
    let (receipt_key, pkcs8) = crate::trust::SigningKey::generate().unwrap();
    let root = pin_trust(&f, &receipt_key).await;
    revoke(&f, &root, receipt_key.kid());
    let error = deliver_one(&f, &SigningTransport::honest(crate::trust::SigningKey::from_pkcs8(&pkcs8).unwrap())).await;
    assert_eq!(error, Some(ReceiptRefusal::Signer(SignerRefusal::KeyRevoked(receipt_key.kid().into())).to_string()));
    assert_eq!(f.hb.declarations().health_status(&f.owner).await.unwrap(), None, "nothing applied");
}

#[tokio::test]
async fn a_receipt_by_an_expired_or_not_yet_valid_key_stays_queued_with_the_reason() {
    let f = fixture().await;
    let (receipt_key, pkcs8) = crate::trust::SigningKey::generate().unwrap();
    let kid = receipt_key.kid().to_owned();
    let signed_at = Utc.with_ymd_and_hms(2021, 8, 15, 2, 0, 0).unwrap();
    // Expired before the receipt says it was signed.
    pin_trust_valid(&f, &receipt_key, signed_at - Duration::days(30), signed_at - Duration::hours(1)).await;
    let error = deliver_one(&f, &SigningTransport::honest(crate::trust::SigningKey::from_pkcs8(&pkcs8).unwrap())).await;
    assert_eq!(error, Some(ReceiptRefusal::Signer(SignerRefusal::KeyExpired(kid.clone())).to_string()));
    // Valid when signed, but expired by the time the phone judges it (the signing time may be backdated).
    pin_trust_valid(&f, &receipt_key, signed_at - Duration::days(30), f.clock.now() - Duration::minutes(1)).await;
    f.clock.advance(Duration::hours(2));
    let report = f.hb.outbox().sync_with(&SigningTransport::honest(crate::trust::SigningKey::from_pkcs8(&pkcs8).unwrap()), None).await.unwrap();
    assert_eq!(report.delivered, 0);
    assert_eq!(f.hb.outbox().list().await.unwrap()[0].last_error, Some(ReceiptRefusal::Signer(SignerRefusal::KeyExpired(kid.clone())).to_string()));
    // Not yet valid when the receipt was signed.
    pin_trust_valid(&f, &receipt_key, signed_at + Duration::hours(1), signed_at + Duration::days(30)).await;
    f.clock.advance(Duration::hours(2));
    let report = f.hb.outbox().sync_with(&SigningTransport::honest(crate::trust::SigningKey::from_pkcs8(&pkcs8).unwrap()), None).await.unwrap();
    assert_eq!(report.delivered, 0);
    assert_eq!(f.hb.outbox().list().await.unwrap()[0].last_error, Some(ReceiptRefusal::Signer(SignerRefusal::KeyNotYetValid(kid)).to_string()));
    assert_eq!(f.hb.declarations().health_status(&f.owner).await.unwrap(), None, "nothing applied");
}

#[tokio::test]
async fn a_receipt_must_name_this_device_profile_and_declaration() {
    let f = fixture().await;
    let (receipt_key, pkcs8) = crate::trust::SigningKey::generate().unwrap();
    pin_trust(&f, &receipt_key).await;
    let other_device = SigningTransport(crate::trust::SigningKey::from_pkcs8(&pkcs8).unwrap(), |c| c["device_id"] = json!("device-2"));
    assert_eq!(
        deliver_one(&f, &other_device).await,
        Some(ReceiptRefusal::OtherDevice { found: "device-2".into(), expected: DEVICE_ID.into() }.to_string())
    );
    f.clock.advance(Duration::hours(2));
    let other_profile = SigningTransport(crate::trust::SigningKey::from_pkcs8(&pkcs8).unwrap(), |c| c["profile_ref"] = json!("another-profile"));
    let report = f.hb.outbox().sync_with(&other_profile, None).await.unwrap();
    assert_eq!(report.delivered, 0);
    assert_eq!(f.hb.outbox().list().await.unwrap()[0].last_error, Some(ReceiptRefusal::OtherProfile("another-profile".into()).to_string()));
    f.clock.advance(Duration::hours(2));
    let other_declaration = SigningTransport(crate::trust::SigningKey::from_pkcs8(&pkcs8).unwrap(), |c| c["declaration_id"] = json!("d-2"));
    let report = f.hb.outbox().sync_with(&other_declaration, None).await.unwrap();
    assert_eq!(report.delivered, 0);
    assert_eq!(f.hb.outbox().list().await.unwrap()[0].last_error, Some(ReceiptRefusal::OtherDeclaration("d-2".into()).to_string()));
    // Without the unsigned copies the honest receipt still applies: the phone needs nothing outside the signature.
    f.clock.advance(Duration::hours(2));
    struct SignedOnly(crate::trust::SigningKey);
    #[async_trait]
    impl OutboxTransport for SignedOnly {
        async fn deliver(&self, item: &OutboxItem) -> Result<Value, DeliveryError> {
            Ok(json!({ "receipt": answer_signed(&self.0, &claims_for(item, "green"))["receipt"] }))
        }
    }
    assert_eq!(f.hb.outbox().sync_with(&SignedOnly(receipt_key), None).await.unwrap().delivered, 1);
    assert_eq!(f.hb.declarations().health_status(&f.owner).await.unwrap().unwrap().status, "green");
}
