//! Home quarantine on the phone against a scripted server that checks signatures and the chain as the contract
//! says, fake sensors, and a manual clock.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{NaiveDate, NaiveTime, TimeZone};
use healthbook_protocol::quarantine::{
    radio_id_input, CheckInSchedule, DailyWindow, ExtensionRules, FixSource, Geofence, LocationFix, QuarantineVerdict, VerdictReason,
};
use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};
use serde_json::json;

use super::*;
use crate::client::ClientError;
use crate::clock::ManualClock;
use crate::keystore::{MemoryKeyStore, PlatformKeyStore};
use crate::outbox::{DeliveryError, OutboxTransport};
use crate::profiles::{BirthDate, ProfileInput, ProfileRelation};
use crate::{Healthbook, HealthbookConfig};

const BSSID: &str = "3C:84:6A:11:22:33";
const TOKEN: &str = "HQ1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
const ADDRESS: &str = "12 Hẻm Lý Chính Thắng";

fn start() -> DateTime<Utc> {
    // 08:30 in Ho Chi Minh City, inside the 08:00-09:00 window.
    Utc.with_ymd_and_hms(2021, 9, 1, 1, 30, 0).unwrap()
}

/// The server side of the contract, as far as the phone's tests need it: it verifies what the phone signs.
#[derive(Default)]
struct FakeServer {
    offline: AtomicBool,
    /// Answers a delivery after storing it, but the answer is lost (once).
    lose_next_answer: AtomicBool,
    /// Refuses the next check-in delivery for good with this error (once), storing nothing.
    refuse_next_check_in: Mutex<Option<ClientError>>,
    orders: Mutex<Vec<OrderView>>,
    challenge: Mutex<Option<ChallengeStatus>>,
    cases: Mutex<Vec<CaseView>>,
    public_key: Mutex<Option<Vec<u8>>>,
    /// Records accepted, by sequence, with the idempotency key they came with.
    records: Mutex<Vec<(CheckInRecord, String)>>,
    deliveries: AtomicUsize,
    explanations: Mutex<Vec<ExplanationRequest>>,
}

fn vi() -> &'static str {
    "Tôi cam kết cách ly tại nhà."
}

impl FakeServer {
    fn verify(&self, message: &[u8], signature: &str) -> bool {
        let key = self.public_key.lock().unwrap().clone().expect("key bound");
        let point = crate::trust::keys::point_from_spki(&key).unwrap().to_vec();
        let signature = STANDARD.decode(signature).unwrap();
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point).verify(message, &signature).is_ok()
    }

    fn set_state(&self, state: OrderState) -> OrderView {
        let mut orders = self.orders.lock().unwrap();
        orders[0].state = state;
        orders[0].clone()
    }

    fn open_challenge(&self, id: &str, opens_at: DateTime<Utc>, token: bool) {
        *self.challenge.lock().unwrap() = Some(ChallengeStatus {
            open: Some(healthbook_protocol::quarantine::ChallengeView {
                challenge_id: id.into(),
                nonce: format!("nonce-{id}"),
                kind: ChallengeKind::Scheduled,
                opens_at,
                closes_at: opens_at + Duration::hours(1),
                home_token_required: token,
            }),
            next_scheduled_at: Some(opens_at + Duration::days(1)),
        });
    }

    fn check(&self, record: &CheckInRecord) -> CheckInVerdict {
        let records = self.records.lock().unwrap();
        let mut reasons = vec![];
        if !self.verify(&record_message(record), &record.signature) {
            reasons.push(VerdictReason::BadSignature);
        }
        let previous = records.iter().map(|(r, _)| r).find(|r| r.sequence + 1 == record.sequence);
        if record.sequence != records.len() as u64 + 1 {
            reasons.push(VerdictReason::SequenceGap);
        }
        if record.previous_hash != hash_after(previous) {
            reasons.push(VerdictReason::ChainBroken);
        }
        CheckInVerdict {
            challenge_id: record.challenge_id.clone(),
            sequence: Some(record.sequence),
            verdict: if reasons.is_empty() { QuarantineVerdict::Ok } else { QuarantineVerdict::Missed },
            reasons,
            radio_similarity: Some(record.radio_similarity),
            fence: None,
            case_id: None,
            decided_at: record.recorded_at,
        }
    }
}

fn unreachable() -> TransportError {
    TransportError::Client(ClientError::Network("connection refused".into()))
}

#[async_trait]
impl QuarantineTransport for FakeServer {
    async fn get(&self, path: &str) -> Result<Value, TransportError> {
        if self.offline.load(Ordering::SeqCst) {
            return Err(unreachable());
        }
        if path == MINE_PATH {
            return Ok(json!({ "orders": *self.orders.lock().unwrap() }));
        }
        if path == format!("{COMMITMENTS_PATH}/2") {
            let sha256 = sensors::sha256_hex(vi().as_bytes());
            return Ok(json!({ "version": 2, "vi": vi(), "en": "I commit to stay at home.", "sha256": sha256 }));
        }
        if path.ends_with("/challenge") {
            let status = self.challenge.lock().unwrap().clone().unwrap_or(ChallengeStatus { open: None, next_scheduled_at: None });
            return Ok(serde_json::to_value(status).unwrap());
        }
        if path.ends_with("/cases") {
            return Ok(json!({ "cases": *self.cases.lock().unwrap() }));
        }
        panic!("unexpected GET {path}")
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value, TransportError> {
        if self.offline.load(Ordering::SeqCst) {
            return Err(unreachable());
        }
        if path.ends_with("/commitment") {
            let request: SignCommitmentRequest = serde_json::from_value(body).unwrap();
            *self.public_key.lock().unwrap() = Some(STANDARD.decode(&request.device_public_key).unwrap());
            let order_id = self.orders.lock().unwrap()[0].order_id.clone();
            let message = commitment_message(&order_id, request.commitment_version, &request.commitment_sha256, request.signed_at);
            assert!(self.verify(&message, &request.signature), "the commitment signature verifies");
            return Ok(serde_json::to_value(self.set_state(OrderState::AwaitingEnrolment)).unwrap());
        }
        if path.ends_with("/enrolment") {
            let request: EnrolRequest = serde_json::from_value(body).unwrap();
            let order_id = self.orders.lock().unwrap()[0].order_id.clone();
            assert!(self.verify(&enrolment_message(&order_id, &request), &request.signature), "the enrolment signature verifies");
            if request.home_token != TOKEN {
                // As the reference server answers a sticker of another home.
                let body = json!({ "error": { "code": "invalid_request", "message": "home_token is not this home's token",
                    "fields": [{ "field": "home_token", "code": "mismatch", "message": "home_token is not this home's token" }] } });
                return Err(TransportError::Refused { status: 422, code: "invalid_request".into(), body, retry_after_secs: None });
            }
            let mut view = self.set_state(OrderState::Active);
            view.profile_ref = String::new();
            return Ok(serde_json::to_value(view).unwrap());
        }
        panic!("unexpected POST {path}")
    }

    async fn deliver(&self, engine: &SyncEngine) -> Result<SyncReport, OutboxError> {
        engine.sync_now(self, None).await
    }
}

#[async_trait]
impl OutboxTransport for FakeServer {
    async fn deliver(&self, item: &OutboxItem) -> Result<Value, DeliveryError> {
        if self.offline.load(Ordering::SeqCst) {
            return Err(DeliveryError::Unreachable("connection refused".into()));
        }
        self.deliveries.fetch_add(1, Ordering::SeqCst);
        let answer = if item.path.ends_with("/check-ins") {
            if let Some(refusal) = self.refuse_next_check_in.lock().unwrap().take() {
                return Err(crate::outbox::http::classify(refusal));
            }
            let record: CheckInRecord = serde_json::from_value(item.body.clone()).unwrap();
            let known = self.records.lock().unwrap().iter().find(|(r, _)| r.sequence == record.sequence).cloned();
            match known {
                // Idempotent per sequence: the same record again gets the same verdict.
                Some((kept, key)) => {
                    assert_eq!((kept, key), (record.clone(), item.idempotency_key.clone()), "resent unchanged, same key");
                    serde_json::to_value(CheckInVerdict { reasons: vec![], verdict: QuarantineVerdict::Ok, ..self.check(&record) }).unwrap()
                }
                None => {
                    let verdict = self.check(&record);
                    self.records.lock().unwrap().push((record, item.idempotency_key.clone()));
                    serde_json::to_value(verdict).unwrap()
                }
            }
        } else if item.path.ends_with("/explanation") {
            let request: ExplanationRequest = serde_json::from_value(item.body.clone()).unwrap();
            self.explanations.lock().unwrap().push(request.clone());
            let mut cases = self.cases.lock().unwrap();
            cases[0].explanation = Some(request);
            cases[0].state = CaseState::AwaitingDecision;
            serde_json::to_value(&cases[0]).unwrap()
        } else {
            panic!("unexpected delivery {}", item.path)
        };
        if self.lose_next_answer.swap(false, Ordering::SeqCst) {
            return Err(DeliveryError::Retryable("connection reset".into()));
        }
        Ok(answer)
    }
}

struct FixedFix(Mutex<Result<LocationFix, SensorError>>, AtomicUsize);

impl LocationSource for FixedFix {
    fn current_fix(&self) -> Result<LocationFix, SensorError> {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.lock().unwrap().clone()
    }
}

struct ListScanner(Mutex<RadioScan>, AtomicUsize);

impl RadioScanner for ListScanner {
    fn scan(&self) -> Result<RadioScan, SensorError> {
        self.1.fetch_add(1, Ordering::SeqCst);
        Ok(self.0.lock().unwrap().clone())
    }
}

fn home_fix() -> LocationFix {
    LocationFix { lat: 10.7769, lon: 106.7009, accuracy_m: 12.0, source: FixSource::Fused, mock: false, taken_at: start() }
}

fn order_view(profile_ref: &str, zone: &str, start_date: NaiveDate, days: u32) -> OrderView {
    OrderView {
        order_id: "order-1".into(),
        person_id: "person-1".into(),
        profile_ref: profile_ref.into(),
        home_address: ADDRESS.into(),
        ward_code: "26734".into(),
        geofence: Geofence { lat: 10.7769, lon: 106.7009, radius_m: 100.0 },
        start_date,
        days,
        extension_days: 0,
        time_zone: zone.into(),
        ends_at: quarantine_end(start_date, days, 0, zone).unwrap(),
        schedule: CheckInSchedule {
            daily_windows: vec![DailyWindow { start: NaiveTime::from_hms_opt(8, 0, 0).unwrap(), end: NaiveTime::from_hms_opt(9, 0, 0).unwrap() }],
            random_per_day: 1,
            random_window_minutes: 30,
            allow_night: false,
            home_token_each_time: false,
        },
        grace_minutes: 30,
        extension_rules: ExtensionRules { extension_days: 7, max_extensions: 1 },
        commitment_version: 2,
        commitment_signed_at: None,
        device_key_id: None,
        enrolled_at: None,
        state: OrderState::AwaitingCommitment,
        created_by: "officer-1".into(),
        created_at: start() - Duration::hours(2),
    }
}

struct Fixture {
    dir: tempfile::TempDir,
    keys: Arc<MemoryKeyStore>,
    clock: Arc<ManualClock>,
    server: Arc<FakeServer>,
    location: Arc<FixedFix>,
    radio: Arc<ListScanner>,
    hb: Healthbook,
    quarantine: Quarantine,
}

impl Fixture {
    fn reopen(&mut self) {
        let keys: Arc<dyn PlatformKeyStore> = self.keys.clone();
        self.hb = Healthbook::open(HealthbookConfig { data_dir: self.dir.path().into(), key_store: keys, clock: self.clock.clone() }).unwrap();
        self.quarantine = self.hb.quarantine_with(self.server.clone(), self.location.clone(), self.radio.clone());
    }
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::default());
    let clock = Arc::new(ManualClock::new(start()));
    let hb = Healthbook::open(HealthbookConfig { data_dir: dir.path().into(), key_store: keys.clone(), clock: clock.clone() }).unwrap();
    let profile = hb
        .profiles()
        .add(ProfileInput {
            relation: ProfileRelation::Myself,
            full_name: "Nguyễn Thị Lan".into(),
            birth: BirthDate { year: 1990, month: None, day: None },
            phone: None,
            citizen_id: None,
            address: None,
        })
        .await
        .unwrap();
    let server = Arc::new(FakeServer::default());
    server.orders.lock().unwrap().push(order_view(&profile.id, "Asia/Ho_Chi_Minh", NaiveDate::from_ymd_opt(2021, 9, 1).unwrap(), 14));
    let location = Arc::new(FixedFix(Mutex::new(Ok(home_fix())), AtomicUsize::new(0)));
    let radio = Arc::new(ListScanner(
        Mutex::new(RadioScan { wifi: vec![BSSID.into(), "3c:84:6a:11:22:34".into()], bluetooth: vec!["F0:99:B6:01:02:03".into()] }),
        AtomicUsize::new(0),
    ));
    let quarantine = hb.quarantine_with(server.clone(), location.clone(), radio.clone());
    Fixture { dir, keys, clock, server, location, radio, hb, quarantine }
}

/// Refreshes, signs and enrols: the order is active with the first window open.
async fn enrolled() -> Fixture {
    let f = fixture().await;
    f.quarantine.refresh().await.unwrap();
    f.quarantine.sign_commitment("order-1", 2).await.unwrap();
    f.quarantine.enrol("order-1", TOKEN).await.unwrap();
    f.server.open_challenge("c1", start() - Duration::minutes(30), false);
    f.quarantine.refresh().await.unwrap();
    f
}

#[tokio::test]
async fn sign_enrol_and_check_in_with_a_verified_chain() {
    let f = fixture().await;
    let orders = f.quarantine.refresh().await.unwrap();
    assert_eq!(orders.len(), 1);
    assert_eq!((orders[0].state, orders[0].profile_name.as_str(), orders[0].days_left), (OrderState::AwaitingCommitment, "Nguyễn Thị Lan", 14));
    assert!(matches!(f.quarantine.enrol("order-1", TOKEN).await, Err(QuarantineError::NotSigned)));
    assert!(matches!(f.quarantine.check_in("order-1", None).await, Err(QuarantineError::NotSigned)));
    assert_eq!(f.quarantine.commitment("order-1").await.unwrap().vi, vi());
    assert!(matches!(
        f.quarantine.sign_commitment("order-1", 1).await,
        Err(QuarantineError::WrongCommitmentVersion { expected: 2, given: 1 })
    ));
    let signed = f.quarantine.sign_commitment("order-1", 2).await.unwrap();
    assert_eq!((signed.state, signed.signed_here), (OrderState::AwaitingEnrolment, true));
    assert_eq!(f.radio.1.load(Ordering::SeqCst), 0, "no sensor read before enrolment");
    assert!(matches!(f.quarantine.enrol("order-1", "HQ1:short").await, Err(QuarantineError::InvalidHomeToken)));
    assert!(matches!(f.quarantine.enrol("order-1", "https://example.com").await, Err(QuarantineError::InvalidHomeToken)));
    let other_home = format!("HQ1:{}", URL_SAFE_NO_PAD.encode([7u8; 32]));
    assert!(matches!(f.quarantine.enrol("order-1", &other_home).await, Err(QuarantineError::NotThisHome)), "another home's sticker is named");
    assert_eq!(f.quarantine.orders().await.unwrap()[0].state, OrderState::AwaitingEnrolment);
    let enrolled = f.quarantine.enrol("order-1", TOKEN).await.unwrap();
    assert_eq!((enrolled.state, enrolled.profile_id.is_empty()), (OrderState::Active, false));
    assert_eq!(f.location.1.load(Ordering::SeqCst), 0, "enrolment reads no location");

    assert!(matches!(f.quarantine.check_in("order-1", None).await, Err(QuarantineError::NoOpenChallenge)));
    f.server.open_challenge("c1", start() - Duration::minutes(30), false);
    let first = f.quarantine.check_in("order-1", Some(TOKEN)).await.unwrap();
    assert_eq!((first.sequence, first.state, first.reasons.clone()), (Some(1), CheckInState::Decided(QuarantineVerdict::Ok), vec![]));
    assert!(matches!(f.quarantine.check_in("order-1", None).await, Err(QuarantineError::AlreadyAnswered)));

    f.clock.advance(Duration::days(1));
    f.server.open_challenge("c2", f.clock.now() - Duration::minutes(5), true);
    assert!(matches!(f.quarantine.check_in("order-1", None).await, Err(QuarantineError::HomeTokenRequired)));
    let second = f.quarantine.check_in("order-1", Some(TOKEN)).await.unwrap();
    assert_eq!((second.sequence, second.state), (Some(2), CheckInState::Decided(QuarantineVerdict::Ok)));
    let records = f.server.records.lock().unwrap().clone();
    assert_eq!(records[0].0.previous_hash, GENESIS_HASH);
    assert_eq!(records[1].0.previous_hash, hash_after(Some(&records[0].0)));
    assert_eq!(records[1].0.home_token_sha256.as_deref(), Some(sensors::sha256_hex(TOKEN.as_bytes()).as_str()));
    assert_eq!(records[1].0.radio_similarity, 1.0, "the same radio environment as the baseline");
    assert_eq!(f.location.1.load(Ordering::SeqCst), 2, "one fix per check-in, none otherwise");
    let list = f.quarantine.check_ins("order-1").await.unwrap();
    assert_eq!(list.iter().map(|c| c.sequence).collect::<Vec<_>>(), [Some(2), Some(1)], "newest first");
}

#[tokio::test]
async fn an_offline_check_in_keeps_the_chain_and_is_sent_once() {
    let f = enrolled().await;
    f.quarantine.check_in("order-1", None).await.unwrap();
    // The next window is fetched while online, then the phone loses the network.
    f.clock.advance(Duration::days(1));
    f.server.open_challenge("c2", f.clock.now() - Duration::minutes(10), false);
    let order = &f.quarantine.refresh().await.unwrap()[0];
    assert_eq!(order.open_challenge.as_ref().map(|c| c.challenge_id.as_str()), Some("c2"));
    f.server.offline.store(true, Ordering::SeqCst);
    let offline = f.quarantine.check_in("order-1", None).await.unwrap();
    assert_eq!((offline.sequence, offline.state), (Some(2), CheckInState::Pending));
    let order = &f.quarantine.orders().await.unwrap()[0];
    assert_eq!((order.pending_check_ins, order.open_challenge.is_none()), (1, true), "answered, waiting in the outbox");

    // Back online: the record is delivered, the server stores it but the answer is lost; the resend carries the
    // same key and the same record, and the server keeps one.
    f.server.offline.store(false, Ordering::SeqCst);
    f.server.lose_next_answer.store(true, Ordering::SeqCst);
    f.clock.advance(Duration::minutes(1));
    f.quarantine.refresh().await.unwrap();
    assert_eq!(f.quarantine.check_ins("order-1").await.unwrap()[0].state, CheckInState::Pending);
    assert_eq!(f.server.records.lock().unwrap().len(), 2, "the server has it; the phone does not know yet");
    f.clock.advance(Duration::minutes(10));
    f.quarantine.refresh().await.unwrap();
    let records = f.server.records.lock().unwrap().clone();
    assert_eq!(records.len(), 2, "stored once");
    assert_eq!(records[1].0.previous_hash, hash_after(Some(&records[0].0)), "the offline record follows the first");
    assert_eq!(f.quarantine.check_ins("order-1").await.unwrap()[0].state, CheckInState::Decided(QuarantineVerdict::Ok));
    let deliveries = f.server.deliveries.load(Ordering::SeqCst);
    f.quarantine.refresh().await.unwrap();
    assert_eq!(f.server.deliveries.load(Ordering::SeqCst), deliveries, "nothing is sent again");
    assert_eq!(f.quarantine.orders().await.unwrap()[0].pending_check_ins, 0);
}

#[tokio::test]
async fn the_order_key_survives_a_restart() {
    let mut f = enrolled().await;
    f.reopen();
    let check_in = f.quarantine.check_in("order-1", None).await.unwrap();
    assert_eq!(check_in.state, CheckInState::Decided(QuarantineVerdict::Ok), "signed with the key bound at the commitment");
    assert!(f.quarantine.orders().await.unwrap()[0].signed_here);
}

#[tokio::test]
async fn raw_identifiers_and_personal_data_are_never_stored_in_clear() {
    let f = enrolled().await;
    f.server.offline.store(true, Ordering::SeqCst);
    f.quarantine.check_in("order-1", Some(TOKEN)).await.unwrap();
    drop(f.quarantine);
    drop(f.hb);
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(f.dir.path()).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let haystack = String::from_utf8_lossy(&bytes).to_uppercase();
    let token_hash = sensors::sha256_hex(TOKEN.as_bytes()).to_uppercase();
    let wifi_hash = sensors::sha256_hex(radio_id_input("order-1", BSSID).as_bytes()).to_uppercase();
    for secret in [BSSID, "3C846A112233", "F0:99:B6", "HQ1:", "LÝ CHÍNH", "10.7769", "106.7009", &token_hash, &wifi_hash] {
        assert!(!haystack.contains(&secret.to_uppercase()), "{secret} found in clear");
    }
}

#[tokio::test]
async fn sensor_failures_and_bad_input_are_typed() {
    let f = enrolled().await;
    *f.location.0.lock().unwrap() = Err(SensorError::PermissionDenied);
    assert!(matches!(f.quarantine.check_in("order-1", None).await, Err(QuarantineError::Location(SensorError::PermissionDenied))));
    *f.location.0.lock().unwrap() = Err(SensorError::TimedOut);
    assert!(matches!(f.quarantine.check_in("order-1", None).await, Err(QuarantineError::Location(SensorError::TimedOut))));
    assert!(f.quarantine.check_ins("order-1").await.unwrap().is_empty(), "a failed check-in leaves no record");
    assert!(matches!(f.quarantine.check_in("order-1", Some("HQ2:x")).await, Err(QuarantineError::InvalidHomeToken)));
    assert!(matches!(f.quarantine.check_in("nope", None).await, Err(QuarantineError::UnknownOrder)));
    // Past the grace period, the last challenge no longer counts.
    *f.location.0.lock().unwrap() = Ok(home_fix());
    f.clock.advance(Duration::hours(2));
    assert!(matches!(f.quarantine.check_in("order-1", None).await, Err(QuarantineError::NoOpenChallenge)));
    for e in [QuarantineError::Location(SensorError::Unavailable), QuarantineError::NoOpenChallenge, QuarantineError::InvalidHomeToken] {
        let text = e.to_string();
        assert!(!text.contains("order-1") && !text.contains(TOKEN), "{text}");
    }
}

#[tokio::test]
async fn a_missed_check_in_is_explained_offline_and_reaches_the_server() {
    let f = enrolled().await;
    let missed = CheckInVerdict {
        challenge_id: "c0".into(),
        sequence: None,
        verdict: QuarantineVerdict::Missed,
        reasons: vec![VerdictReason::NoAnswer],
        radio_similarity: None,
        fence: None,
        case_id: Some("case-1".into()),
        decided_at: start() - Duration::hours(20),
    };
    f.server.cases.lock().unwrap().push(CaseView {
        case_id: "case-1".into(),
        order_id: "order-1".into(),
        check_in: missed,
        state: CaseState::AwaitingExplanation,
        explain_by: start() + Duration::hours(28),
        explanation: None,
        explained_at: None,
        decision: None,
        decided_by: None,
        decided_at: None,
        opened_at: start() - Duration::hours(20),
    });
    f.quarantine.refresh().await.unwrap();
    let check_ins = f.quarantine.check_ins("order-1").await.unwrap();
    assert_eq!((check_ins[0].sequence, check_ins[0].state), (None, CheckInState::Decided(QuarantineVerdict::Missed)));
    assert!(matches!(f.quarantine.explain("case-1", ExplanationReason::Other, "  ").await, Err(QuarantineError::ExplanationTextRequired)));
    assert!(matches!(
        f.quarantine.explain("case-1", ExplanationReason::Other, &"x".repeat(1_001)).await,
        Err(QuarantineError::ExplanationTooLong)
    ));
    f.server.offline.store(true, Ordering::SeqCst);
    let case = f.quarantine.explain("case-1", ExplanationReason::BatteryDied, "").await.unwrap();
    assert_eq!((case.state, case.explanation_pending, case.explanation), (CaseState::AwaitingDecision, true, Some(ExplanationReason::BatteryDied)));
    assert!(matches!(f.quarantine.explain("case-1", ExplanationReason::Asleep, "").await, Err(QuarantineError::CaseClosed)));
    // A refresh while offline fails as transient and keeps the queued explanation.
    assert!(f.quarantine.refresh().await.unwrap_err().is_transient());
    assert!(f.quarantine.cases("order-1").await.unwrap()[0].explanation_pending);
    f.server.offline.store(false, Ordering::SeqCst);
    f.clock.advance(Duration::minutes(5));
    f.quarantine.refresh().await.unwrap();
    let case = &f.quarantine.cases("order-1").await.unwrap()[0];
    assert_eq!((case.state, case.explanation_pending, case.decision), (CaseState::AwaitingDecision, false, None));
    assert_eq!(f.server.explanations.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn records_go_thirty_days_after_the_end_with_what_they_had_queued() {
    let mut f = enrolled().await;
    f.server.offline.store(true, Ordering::SeqCst);
    f.quarantine.check_in("order-1", None).await.unwrap();
    let ends_at = f.quarantine.orders().await.unwrap()[0].ends_at;
    f.clock.set(ends_at + Duration::days(RECORD_RETENTION_DAYS) - Duration::minutes(1));
    f.reopen();
    assert_eq!(f.quarantine.check_ins("order-1").await.unwrap().len(), 1, "kept until the retention ends");
    assert_eq!(f.quarantine.orders().await.unwrap()[0].state, OrderState::Ended);
    f.clock.advance(Duration::minutes(2));
    f.reopen();
    assert!(f.quarantine.orders().await.unwrap().is_empty());
    assert!(matches!(f.quarantine.check_ins("order-1").await, Err(QuarantineError::UnknownOrder)));
    assert!(f.hb.outbox().list().await.unwrap().is_empty(), "the queued record went too");
    let keys: i64 = f.hb.db.read_blocking(|c| c.query_row("SELECT count(*) FROM quarantine_keys", [], |r| r.get::<_, i64>(0)).map_err(StorageError::from)).unwrap();
    assert_eq!(keys, 0);
}

#[tokio::test]
async fn the_countdown_matches_the_shared_rule_across_dst_and_a_zone_change() {
    let f = fixture().await;
    // Warsaw leaves DST on 31 October 2021: the phone must not assume a fixed offset.
    let profile_ref = f.server.orders.lock().unwrap()[0].profile_ref.clone();
    let start_date = NaiveDate::from_ymd_opt(2021, 10, 25).unwrap();
    let mut view = order_view(&profile_ref, "Europe/Warsaw", start_date, 8);
    view.state = OrderState::Active;
    view.enrolled_at = Some(start());
    *f.server.orders.lock().unwrap() = vec![view.clone()];
    f.clock.set(Utc.with_ymd_and_hms(2021, 10, 30, 12, 0, 0).unwrap());
    let order = &f.quarantine.refresh().await.unwrap()[0];
    assert_eq!(order.ends_at, quarantine_end(start_date, 8, 0, "Europe/Warsaw").unwrap());
    assert_eq!(order.ends_at, Utc.with_ymd_and_hms(2021, 11, 1, 23, 0, 0).unwrap());
    assert_eq!(order.days_left, days_left(f.clock.now(), order.ends_at));
    // 08:00 in Warsaw on 31 October is 07:00 UTC (after the change), on 30 October it was 06:00 UTC.
    assert_eq!(next_window(&view, f.clock.now(), order.ends_at), Some(Utc.with_ymd_and_hms(2021, 10, 31, 7, 0, 0).unwrap()));
    // The person's home moves to another zone (an officer edits the order): both sides recompute.
    view.time_zone = "Asia/Ho_Chi_Minh".into();
    view.extension_days = 7;
    view.ends_at = quarantine_end(start_date, 8, 7, "Asia/Ho_Chi_Minh").unwrap();
    *f.server.orders.lock().unwrap() = vec![view.clone()];
    let order = &f.quarantine.refresh().await.unwrap()[0];
    assert_eq!((order.ends_at, order.extension_days), (view.ends_at, 7));
    f.clock.set(order.ends_at);
    let order = &f.quarantine.orders().await.unwrap()[0];
    assert_eq!((order.days_left, order.state, order.next_check_in_at), (0, OrderState::Ended, None));
}

#[tokio::test]
async fn a_check_in_the_server_refuses_for_good_shows_as_refused_with_its_reason() {
    let mut f = enrolled().await;
    let accepted = f.quarantine.check_in("order-1", None).await.unwrap();
    assert_eq!((accepted.state, accepted.refused_reason.clone()), (CheckInState::Decided(QuarantineVerdict::Ok), None));

    // The next day the server refuses the record for good (a 4xx): no verdict will ever come.
    f.clock.advance(Duration::days(1));
    f.server.open_challenge("c2", f.clock.now() - Duration::minutes(5), false);
    *f.server.refuse_next_check_in.lock().unwrap() =
        Some(ClientError::Http { status: 422, code: "invalid_request".into(), message: "challenge c2 is closed".into() });
    let refused = f.quarantine.check_in("order-1", None).await.unwrap();
    assert_eq!((refused.sequence, refused.state), (Some(2), CheckInState::Refused), "not shown as waiting");
    let reason = refused.refused_reason.clone().expect("the server's reason is kept");
    assert!(reason.contains("422 invalid_request") && reason.contains("challenge c2 is closed"), "{reason}");
    let order = &f.quarantine.orders().await.unwrap()[0];
    assert_eq!(order.pending_check_ins, 0, "a refused check-in is not waiting");
    assert_eq!(order.open_challenge.as_ref().map(|c| c.challenge_id.as_str()), Some("c2"), "a refused record answered nothing");
    let queued = f.hb.outbox().list().await.unwrap();
    assert_eq!(queued.iter().map(|i| i.state).collect::<Vec<_>>(), [crate::outbox::OutboxState::Rejected]);

    // Nothing is sent again, and the refusal is the record's, not the outbox's: it survives a restart.
    let deliveries = f.server.deliveries.load(Ordering::SeqCst);
    f.clock.advance(Duration::hours(1));
    f.quarantine.refresh().await.unwrap();
    assert_eq!(f.server.deliveries.load(Ordering::SeqCst), deliveries);
    f.reopen();
    let list = f.quarantine.check_ins("order-1").await.unwrap();
    assert_eq!(
        list.iter().map(|c| (c.sequence, c.state, c.refused_reason.clone())).collect::<Vec<_>>(),
        [(Some(2), CheckInState::Refused, Some(reason.clone())), (Some(1), CheckInState::Decided(QuarantineVerdict::Ok), None)],
    );

    // The reason is sealed and bound to its record: not in clear, and moved to the other record it does not open.
    let raw: Vec<u8> = f
        .hb
        .db
        .read_blocking(|c| c.query_row("SELECT sealed_refusal FROM quarantine_records WHERE sequence = 2", [], |r| r.get(0)).map_err(StorageError::from))
        .unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains("closed"), "the reason is not stored in clear");
    f.hb.db
        .write_blocking(move |tx| tx.execute("UPDATE quarantine_records SET sealed_refusal = ?1 WHERE sequence = 1", [raw]).map_err(StorageError::from))
        .unwrap();
    assert!(f.quarantine.check_ins("order-1").await.is_err(), "a refusal moved to another record does not open");
}

#[tokio::test]
async fn after_a_refusal_the_person_can_check_in_again_while_the_window_is_open_and_gets_a_verdict() {
    let f = enrolled().await;
    *f.server.refuse_next_check_in.lock().unwrap() =
        Some(ClientError::Http { status: 404, code: "not_found".into(), message: "order not found".into() });
    let refused = f.quarantine.check_in("order-1", None).await.unwrap();
    assert_eq!(refused.state, CheckInState::Refused);
    let again = f.quarantine.check_in("order-1", None).await.unwrap();
    // The server never stored the refused record, so it sees a gap before this one: a verdict an officer looks at
    // (and the person may explain), never a silent wait.
    assert_eq!((again.sequence, again.refused_reason.clone()), (Some(2), None));
    assert!(matches!(again.state, CheckInState::Decided(_)), "{again:?}");
    assert!(again.reasons.contains(&VerdictReason::SequenceGap), "{:?}", again.reasons);
    assert!(matches!(f.quarantine.check_in("order-1", None).await, Err(QuarantineError::AlreadyAnswered)));
    let list = f.quarantine.check_ins("order-1").await.unwrap();
    assert_eq!(list.iter().map(|c| c.state == CheckInState::Refused).collect::<Vec<_>>(), [false, true]);
}
