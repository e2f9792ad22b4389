//! Home quarantine on the person's phone (issue 10): the orders of the phone's profiles and their countdown,
//! the commitment signed with an order key made here, the enrolment of the home, check-ins answering the
//! server's challenges with signed, hash-chained records, and the cases the person explains.
//!
//! Location and radio come in through [`sensors`] and are read only inside [`Quarantine::enrol`] (radio) and
//! [`Quarantine::check_in`] (one fix, one scan), never otherwise. Raw radio identifiers are hashed at once.
//! Check-in records and explanations go through the outbox (stored and queued in one transaction, sent with a
//! fixed idempotency key), so they are neither lost offline nor sent twice; the server's verdict is kept when
//! it answers. A check-in made offline answers the last challenge fetched if it is still open, and takes the
//! next sequence of the local chain, so the chain stays whole whatever order the network comes back in.
//! Everything is deleted [`RECORD_RETENTION_DAYS`] after the order ends (at open and with the daily purge).
//!
//! Files: `sensors.rs` (the sensor traits and hashing), `model.rs`, `db.rs` (schema 14 tables, sealed),
//! `error.rs`, `tests.rs`.

pub mod db;
mod error;
pub mod model;
pub mod officer;
pub mod sensors;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use async_trait::async_trait;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::{DateTime, Days, Duration, Utc};
use healthbook_protocol::quarantine::{
    commitment_message, days_left, enrolment_message, quarantine_end, radio_similarity, record_hash_input, record_message, CaseList,
    CaseState, CaseView, ChallengeKind, ChallengeStatus, CheckInRecord, CheckInVerdict, CommitmentText, EnrolRequest, ExplanationReason,
    ExplanationRequest, OrderList, OrderState, OrderView, SignCommitmentRequest, GENESIS_HASH, HOME_TOKEN_PREFIX, RECORD_RETENTION_DAYS,
};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use rusqlite::Transaction;
use serde_json::Value;

/// The wire contract's types and shared rules, for front ends that have no direct dependency on it.
pub use healthbook_protocol::quarantine as wire;
pub use error::QuarantineError;
pub use model::{Case, CheckIn, CheckInState, Challenge, Order};
pub use sensors::{LocationSource, RadioScan, RadioScanner, SensorError};

use self::db::{CHECK_IN_KIND, EXPLANATION_KIND};
use self::model::{case_of, check_in_of_verdict, StoredCase, StoredOrder};
use crate::clock::Clock;
use crate::healthbook::Healthbook;
use crate::outbox::{self, NewOutboxItem, OutboxError, OutboxItem, ReceiptError, ReceiptHandler, SyncEngine, SyncReport};
use crate::persons::{HttpPersonsTransport, PersonsTransport, TransportError, Verb};
use crate::profiles::Profiles;
use crate::sealing::Sealer;
use crate::session::{Session, SessionError};
use crate::storage::{Database, StorageError};

/// Orders of the device's bound profiles (device).
pub const MINE_PATH: &str = "/v1/quarantine/mine";
/// Orders (device: its own one by id; health officer).
pub const ORDERS_PATH: &str = "/v1/quarantine/orders";
/// Commitment texts by version.
pub const COMMITMENTS_PATH: &str = "/v1/quarantine/commitments";
/// Cases (explanations are posted under a case).
pub const CASES_PATH: &str = "/v1/quarantine/cases";
/// Most characters in an explanation.
pub const MAX_EXPLANATION_CHARS: usize = 1_000;

/// How the quarantine area reaches the server: reads, direct posts (commitment, enrolment: they need an answer
/// now), and delivery of the outbox.
#[async_trait]
pub trait QuarantineTransport: Send + Sync {
    /// GETs `path` as this device; the JSON answer.
    async fn get(&self, path: &str) -> Result<Value, TransportError>;
    /// POSTs `body` to `path` as this device; the JSON answer.
    async fn post(&self, path: &str, body: Value) -> Result<Value, TransportError>;
    /// Delivers what is due in the outbox with `engine` (the phone's whole queue, in order).
    async fn deliver(&self, engine: &SyncEngine) -> Result<SyncReport, OutboxError>;
}

/// The transport to the configured server, signed in as this installation's device.
pub struct HttpQuarantineTransport {
    session: Session,
    requests: HttpPersonsTransport,
}

impl HttpQuarantineTransport {
    /// A transport through `session`.
    pub fn new(session: Session) -> Self {
        Self { requests: HttpPersonsTransport::new(session.clone()), session }
    }
}

#[async_trait]
impl QuarantineTransport for HttpQuarantineTransport {
    async fn get(&self, path: &str) -> Result<Value, TransportError> {
        self.requests.send(Verb::Get, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value, TransportError> {
        self.requests.send(Verb::Post, path, Some(body)).await
    }

    async fn deliver(&self, engine: &SyncEngine) -> Result<SyncReport, OutboxError> {
        let url = self.session.server_url().await?.ok_or(OutboxError::NoServer)?;
        match self.session.connect(&url).await {
            Ok(client) => engine.sync_now(&outbox::http::ServerTransport::new(client), None).await,
            // Offline: the items wait for the next sync; nothing was attempted.
            Err(SessionError::Client(e)) if e.is_transient() => Ok(SyncReport { server_unreachable: true, ..SyncReport::default() }),
            Err(e) => Err(e.into()),
        }
    }
}

/// Home quarantine on the phone; obtained from [`Healthbook::quarantine`].
#[derive(Clone)]
pub struct Quarantine {
    db: Database,
    sealer: Arc<Sealer>,
    clock: Arc<dyn Clock>,
    profiles: Profiles,
    engine: Arc<SyncEngine>,
    transport: Arc<dyn QuarantineTransport>,
    location: Arc<dyn LocationSource>,
    radio: Arc<dyn RadioScanner>,
}

fn decode<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, QuarantineError> {
    serde_json::from_value(value).map_err(|_| QuarantineError::BadAnswer)
}

fn order_path(order_id: &str, tail: &str) -> String {
    format!("{ORDERS_PATH}/{}/{tail}", crate::client::segment(order_id))
}

/// The end the phone computes with the shared rule; the server's when the zone is unknown here.
fn end_of(view: &OrderView) -> DateTime<Utc> {
    quarantine_end(view.start_date, view.days, view.extension_days, &view.time_zone).unwrap_or(view.ends_at)
}

/// Whether `text` is a home token as printed: the prefix and 32 random bytes in base64url without padding.
pub fn is_home_token(text: &str) -> bool {
    text.strip_prefix(HOME_TOKEN_PREFIX)
        .and_then(|rest| URL_SAFE_NO_PAD.decode(rest).ok())
        .is_some_and(|bytes| bytes.len() == 32)
}

/// The order key: P-256, made with ring; its signatures are ES256 raw r‖s in base64.
struct OrderKey {
    pair: EcdsaKeyPair,
    rng: SystemRandom,
}

impl OrderKey {
    fn generate() -> Result<Vec<u8>, QuarantineError> {
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .map(|d| d.as_ref().to_vec())
            .map_err(|_| QuarantineError::Key("no randomness"))
    }

    fn open(pkcs8: &[u8]) -> Result<Self, QuarantineError> {
        let rng = SystemRandom::new();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8, &rng).map_err(|_| QuarantineError::Key("unreadable"))?;
        Ok(Self { pair, rng })
    }

    fn spki_base64(&self) -> Result<String, QuarantineError> {
        let spki = crate::trust::keys::spki_from_point(self.pair.public_key().as_ref()).map_err(|_| QuarantineError::Key("public key"))?;
        Ok(STANDARD.encode(spki))
    }

    fn sign(&self, message: &[u8]) -> Result<String, QuarantineError> {
        let signature = self.pair.sign(&self.rng, message).map_err(|_| QuarantineError::Key("signing failed"))?;
        Ok(STANDARD.encode(signature.as_ref()))
    }
}

/// The `previous_hash` that follows `record` (GENESIS for the first record).
pub fn hash_after(record: Option<&CheckInRecord>) -> String {
    record.map_or_else(|| GENESIS_HASH.to_owned(), |r| sensors::sha256_hex(&record_hash_input(r)))
}

impl Quarantine {
    /// Fetches the orders of the phone's profiles, each active order's open challenge and each order's cases,
    /// and keeps them (replacing the last copy in one transaction). Offline the error is transient
    /// ([`QuarantineError::is_transient`]) and [`Quarantine::orders`] still has the last copy.
    pub async fn refresh(&self) -> Result<Vec<Order>, QuarantineError> {
        // Queued records and explanations go first, so that the server's answer already counts them.
        self.deliver().await;
        let fetched = self.fetch().await?;
        let (sealer, now) = (self.sealer.clone(), self.clock.now());
        self.db.write(move |tx| apply_refresh(tx, &sealer, fetched, now)).await?;
        self.orders().await
    }

    async fn fetch(&self) -> Result<Vec<(OrderView, Option<ChallengeStatus>, CaseList)>, QuarantineError> {
        let list: OrderList = decode(self.transport.get(MINE_PATH).await?)?;
        let mut fetched = Vec::with_capacity(list.orders.len());
        for view in list.orders {
            let challenge = match view.state {
                OrderState::Active => Some(decode(self.transport.get(&order_path(&view.order_id, "challenge")).await?)?),
                _ => None,
            };
            let cases = match view.state {
                OrderState::AwaitingCommitment => CaseList { cases: vec![] },
                _ => decode(self.transport.get(&order_path(&view.order_id, "cases")).await?)?,
            };
            fetched.push((view, challenge, cases));
        }
        Ok(fetched)
    }

    /// The kept orders with their countdown, newest start first (works offline).
    pub async fn orders(&self) -> Result<Vec<Order>, QuarantineError> {
        let profiles = self.profiles.list().await?;
        let (sealer, now) = (self.sealer.clone(), self.clock.now());
        let mut list = self
            .db
            .read(move |conn| {
                let mut out = Vec::new();
                for (profile_id, stored) in db::orders(conn, &sealer)? {
                    let name = profiles.iter().find(|p| p.id == profile_id).map(|p| p.details.full_name.clone()).unwrap_or_default();
                    out.push(order_of(conn, &sealer, profile_id, name, &stored, now)?);
                }
                Ok::<_, QuarantineError>(out)
            })
            .await?;
        list.sort_by(|a, b| b.start_date.cmp(&a.start_date).then_with(|| a.order_id.cmp(&b.order_id)));
        Ok(list)
    }

    /// The kept order `order_id`.
    pub async fn order(&self, order_id: &str) -> Result<Order, QuarantineError> {
        self.orders().await?.into_iter().find(|o| o.order_id == order_id).ok_or(QuarantineError::UnknownOrder)
    }

    async fn stored(&self, order_id: &str) -> Result<(String, StoredOrder), QuarantineError> {
        let (sealer, id) = (self.sealer.clone(), order_id.to_owned());
        self.db.read(move |conn| db::order(conn, &sealer, &id)).await?.ok_or(QuarantineError::UnknownOrder)
    }

    async fn key(&self, order_id: &str) -> Result<Option<Vec<u8>>, QuarantineError> {
        let (sealer, id) = (self.sealer.clone(), order_id.to_owned());
        self.db.read(move |conn| db::key(conn, &sealer, &id)).await
    }

    async fn keep(&self, profile_id: String, stored: StoredOrder) -> Result<(), QuarantineError> {
        let (sealer, now) = (self.sealer.clone(), self.clock.now());
        self.db.write(move |tx| db::put_order(tx, &sealer, &profile_id, &stored, end_of(&stored.view), now)).await
    }

    /// The commitment text the order asks to sign (fetched once, then kept).
    pub async fn commitment(&self, order_id: &str) -> Result<CommitmentText, QuarantineError> {
        let (profile_id, mut stored) = self.stored(order_id).await?;
        let version = stored.view.commitment_version;
        if let Some(text) = stored.commitment.as_ref().filter(|c| c.version == version) {
            return Ok(text.clone());
        }
        let text: CommitmentText = decode(self.transport.get(&format!("{COMMITMENTS_PATH}/{version}")).await?)?;
        if text.version != version {
            return Err(QuarantineError::BadAnswer);
        }
        if sensors::sha256_hex(text.vi.as_bytes()) != text.sha256 {
            return Err(QuarantineError::CommitmentMismatch);
        }
        stored.commitment = Some(text.clone());
        self.keep(profile_id, stored).await?;
        Ok(text)
    }

    /// Signs the commitment `version` with a new order key (kept sealed on the phone; the same key if an earlier
    /// attempt did not reach the server) and binds its public half to the order.
    pub async fn sign_commitment(&self, order_id: &str, version: u32) -> Result<Order, QuarantineError> {
        let (_, stored) = self.stored(order_id).await?;
        if stored.view.commitment_version != version {
            return Err(QuarantineError::WrongCommitmentVersion { expected: stored.view.commitment_version, given: version });
        }
        if stored.view.state != OrderState::AwaitingCommitment {
            return Err(QuarantineError::AlreadySigned);
        }
        let text = self.commitment(order_id).await?;
        let (sealer, now, id) = (self.sealer.clone(), self.clock.now(), order_id.to_owned());
        let fresh = OrderKey::generate()?;
        let pkcs8 = self.db.write(move |tx| db::put_key_once(tx, &sealer, &id, &fresh, now)).await?;
        let key = OrderKey::open(&pkcs8)?;
        let signature = key.sign(&commitment_message(order_id, version, &text.sha256, now))?;
        let request = SignCommitmentRequest {
            commitment_version: version,
            commitment_sha256: text.sha256,
            device_public_key: key.spki_base64()?,
            signed_at: now,
            signature,
        };
        let body = serde_json::to_value(request).map_err(|_| QuarantineError::Corrupt("request body"))?;
        let view: OrderView = decode(self.transport.post(&order_path(order_id, "commitment"), body).await?)?;
        self.keep_view(view).await?;
        self.order(order_id).await
    }

    /// Keeps a fresh server view of an order, with what the phone had added.
    async fn keep_view(&self, mut view: OrderView) -> Result<(), QuarantineError> {
        let (profile_id, mut stored) = self.stored(&view.order_id).await?;
        if view.profile_ref.is_empty() {
            view.profile_ref = stored.view.profile_ref.clone();
        }
        stored.view = view;
        self.keep(profile_id, stored).await
    }

    /// Enrols the home: the scanned home token and a baseline of the radio environment (hashed), signed by the
    /// order key.
    pub async fn enrol(&self, order_id: &str, home_token: &str) -> Result<Order, QuarantineError> {
        let token = home_token.trim();
        if !is_home_token(token) {
            return Err(QuarantineError::InvalidHomeToken);
        }
        let (_, stored) = self.stored(order_id).await?;
        let pkcs8 = self.key(order_id).await?.ok_or(QuarantineError::NotSigned)?;
        if matches!(stored.view.state, OrderState::Ended | OrderState::Cancelled) {
            return Err(QuarantineError::OrderOver);
        }
        let scan = self.scan().await?;
        let baseline = sensors::hash_radio(order_id, &scan);
        let mut request = EnrolRequest { home_token: token.to_owned(), baseline: baseline.clone(), enrolled_at: self.clock.now(), signature: String::new() };
        request.signature = OrderKey::open(&pkcs8)?.sign(&enrolment_message(order_id, &request))?;
        let body = serde_json::to_value(request).map_err(|_| QuarantineError::Corrupt("request body"))?;
        let view: OrderView = decode(self.transport.post(&order_path(order_id, "enrolment"), body).await?)?;
        let (profile_id, mut stored) = self.stored(order_id).await?;
        if !view.profile_ref.is_empty() || stored.view.profile_ref.is_empty() {
            stored.view = view;
        } else {
            stored.view = OrderView { profile_ref: stored.view.profile_ref.clone(), ..view };
        }
        stored.baseline = Some(baseline);
        self.keep(profile_id, stored).await?;
        self.order(order_id).await
    }

    async fn scan(&self) -> Result<RadioScan, QuarantineError> {
        let radio = self.radio.clone();
        tokio::task::spawn_blocking(move || radio.scan())
            .await
            .map_err(|e| QuarantineError::Storage(StorageError::Task(e.to_string())))?
            .map_err(QuarantineError::Radio)
    }

    async fn fix(&self) -> Result<healthbook_protocol::quarantine::LocationFix, QuarantineError> {
        let location = self.location.clone();
        tokio::task::spawn_blocking(move || location.current_fix())
            .await
            .map_err(|e| QuarantineError::Storage(StorageError::Task(e.to_string())))?
            .map_err(QuarantineError::Location)
    }

    /// Answers the open challenge (the server's when online, else the last one fetched if still open): one
    /// location fix, one radio scan, the home token when given, in a signed record chained to the previous one.
    /// The record is kept and queued in one transaction, then sent at once when the server can be reached.
    pub async fn check_in(&self, order_id: &str, home_token: Option<&str>) -> Result<CheckIn, QuarantineError> {
        let token = home_token.map(str::trim).filter(|t| !t.is_empty());
        if token.is_some_and(|t| !is_home_token(t)) {
            return Err(QuarantineError::InvalidHomeToken);
        }
        let (profile_id, mut stored) = self.stored(order_id).await?;
        let pkcs8 = self.key(order_id).await?.ok_or(QuarantineError::NotSigned)?;
        let now = self.clock.now();
        if matches!(stored.view.state, OrderState::Ended | OrderState::Cancelled) || now >= end_of(&stored.view) {
            return Err(QuarantineError::OrderOver);
        }
        let Some(baseline) = stored.baseline.clone() else { return Err(QuarantineError::NotEnrolled) };
        match self.transport.get(&order_path(order_id, "challenge")).await.map_err(QuarantineError::from) {
            Ok(answer) => {
                stored.challenge = Some(decode(answer)?);
                self.keep(profile_id, stored.clone()).await?;
            }
            // Offline: the last challenge fetched still counts while it is open.
            Err(e) if e.is_transient() => {}
            Err(e) => return Err(e),
        }
        let grace = Duration::minutes(i64::from(stored.view.grace_minutes));
        let open = stored.challenge.as_ref().and_then(|s| s.open.clone()).filter(|c| c.opens_at <= now && now <= c.closes_at + grace);
        let Some(challenge) = open else { return Err(QuarantineError::NoOpenChallenge) };
        if challenge.home_token_required && token.is_none() {
            return Err(QuarantineError::HomeTokenRequired);
        }
        let (id, challenge_id) = (order_id.to_owned(), challenge.challenge_id.clone());
        if self.db.read(move |conn| db::answered(conn, &id, &challenge_id)).await? {
            return Err(QuarantineError::AlreadyAnswered);
        }
        // The sensors are read here and nowhere else: one fix, one scan.
        let fix = self.fix().await?;
        let seen = sensors::hash_radio(order_id, &self.scan().await?);
        let key = OrderKey::open(&pkcs8)?;
        let mut record = CheckInRecord {
            order_id: order_id.to_owned(),
            sequence: 0,
            previous_hash: String::new(),
            challenge_id: challenge.challenge_id.clone(),
            nonce: challenge.nonce.clone(),
            recorded_at: now,
            fix,
            home_token_sha256: token.map(|t| sensors::sha256_hex(t.as_bytes())),
            radio_similarity: radio_similarity(&baseline, &seen),
            radio: seen,
            signature: String::new(),
        };
        let sealer = self.sealer.clone();
        let sequence = self
            .db
            .write(move |tx| {
                // The chain is read and extended in one transaction, so two check-ins can't take one sequence.
                let last = db::last_record(tx, &sealer, &record.order_id)?;
                record.sequence = last.as_ref().map_or(1, |r| r.sequence + 1);
                record.previous_hash = hash_after(last.as_ref());
                record.signature = key.sign(&record_message(&record))?;
                db::put_record(tx, &sealer, &record)?;
                let body = serde_json::to_value(&record).map_err(|_| QuarantineError::Corrupt("request body"))?;
                outbox::db::enqueue(tx, &sealer, now, NewOutboxItem {
                    kind: CHECK_IN_KIND.into(),
                    subject_id: Some(record.order_id.clone()),
                    path: order_path(&record.order_id, "check-ins"),
                    body,
                })?;
                Ok::<_, QuarantineError>(record.sequence)
            })
            .await?;
        // Refreshing sends the queued record first; a doubtful verdict opens a case the person may explain right
        // away, and the answered challenge is no longer open, so both are fetched in the same go (offline, the kept
        // copy stays as it was and the record waits in the outbox).
        let _ = self.refresh().await;
        self.check_ins(order_id).await?.into_iter().find(|c| c.sequence == Some(sequence)).ok_or(QuarantineError::Corrupt("record"))
    }

    /// The order's check-ins (the phone's records and the missed challenges the server reported), newest first.
    pub async fn check_ins(&self, order_id: &str) -> Result<Vec<CheckIn>, QuarantineError> {
        self.stored(order_id).await?;
        let (sealer, id) = (self.sealer.clone(), order_id.to_owned());
        let (records, cases) = self
            .db
            .read(move |conn| Ok::<_, QuarantineError>((db::records(conn, &sealer, &id)?, db::cases(conn, &sealer, &id)?)))
            .await?;
        let mut list: Vec<CheckIn> = records
            .into_iter()
            .map(|kept| match kept.verdict {
                // A verdict wins over a refusal: the server may still report the record later (through a case).
                Some(v) => CheckIn { at: kept.record.recorded_at, ..check_in_of_verdict(&v) },
                None => CheckIn {
                    sequence: Some(kept.record.sequence),
                    challenge_id: kept.record.challenge_id,
                    at: kept.record.recorded_at,
                    state: if kept.refusal.is_some() { CheckInState::Refused } else { CheckInState::Pending },
                    reasons: vec![],
                    refused_reason: kept.refusal,
                },
            })
            .collect();
        for case in cases.iter().filter(|c| c.view.check_in.sequence.is_none()) {
            list.push(check_in_of_verdict(&case.view.check_in));
        }
        list.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.sequence.cmp(&a.sequence)));
        Ok(list)
    }

    /// The order's cases, newest first.
    pub async fn cases(&self, order_id: &str) -> Result<Vec<Case>, QuarantineError> {
        self.stored(order_id).await?;
        let (sealer, id) = (self.sealer.clone(), order_id.to_owned());
        let mut list: Vec<Case> = self.db.read(move |conn| db::cases(conn, &sealer, &id)).await?.iter().map(case_of).collect();
        list.sort_by(|a, b| b.opened_at.cmp(&a.opened_at).then_with(|| a.case_id.cmp(&b.case_id)));
        Ok(list)
    }

    async fn case(&self, case_id: &str) -> Result<Case, QuarantineError> {
        let (sealer, id) = (self.sealer.clone(), case_id.to_owned());
        self.db.read(move |conn| db::case(conn, &sealer, &id)).await?.as_ref().map(case_of).ok_or(QuarantineError::UnknownCase)
    }

    /// Sends the person's explanation of a case (queued in the outbox, sent at once when possible). `text` is
    /// required for [`ExplanationReason::Other`].
    pub async fn explain(&self, case_id: &str, reason: ExplanationReason, text: &str) -> Result<Case, QuarantineError> {
        let text = text.trim().to_owned();
        if reason == ExplanationReason::Other && text.is_empty() {
            return Err(QuarantineError::ExplanationTextRequired);
        }
        if text.chars().count() > MAX_EXPLANATION_CHARS {
            return Err(QuarantineError::ExplanationTooLong);
        }
        let (sealer, now, id) = (self.sealer.clone(), self.clock.now(), case_id.to_owned());
        self.db
            .write(move |tx| {
                let mut stored = db::case(tx, &sealer, &id)?.ok_or(QuarantineError::UnknownCase)?;
                if stored.pending.is_some() || stored.view.state != CaseState::AwaitingExplanation || now > stored.view.explain_by {
                    return Err(QuarantineError::CaseClosed);
                }
                let request = ExplanationRequest { reason, text };
                let body = serde_json::to_value(&request).map_err(|_| QuarantineError::Corrupt("request body"))?;
                outbox::db::enqueue(tx, &sealer, now, NewOutboxItem {
                    kind: EXPLANATION_KIND.into(),
                    subject_id: Some(id.clone()),
                    path: format!("{CASES_PATH}/{}/explanation", crate::client::segment(&id)),
                    body,
                })?;
                stored.pending = Some(request);
                db::put_case(tx, &sealer, &stored)
            })
            .await?;
        self.deliver().await;
        self.case(case_id).await
    }

    /// Deletes orders that ended over [`RECORD_RETENTION_DAYS`] ago, with their keys, records and cases.
    pub async fn purge_expired(&self) -> Result<usize, QuarantineError> {
        let now = self.clock.now();
        self.db.write(move |tx| db::purge(tx, now - Duration::days(RECORD_RETENTION_DAYS))).await
    }

    async fn deliver(&self) {
        // Delivery failures leave the items queued with their reason; the outbox screen shows them.
        if let Err(e) = self.transport.deliver(&self.engine).await {
            tracing::info!(error = %e, "quarantine items wait in the outbox");
        }
    }
}

/// Deletes expired quarantine data before anything can read it (called when the data directory opens).
pub(crate) fn purge_at_open(conn: &mut rusqlite::Connection, now: DateTime<Utc>) -> Result<usize, QuarantineError> {
    let tx = conn.transaction()?;
    let purged = db::purge(&tx, now - Duration::days(RECORD_RETENTION_DAYS))?;
    tx.commit()?;
    Ok(purged)
}

fn apply_refresh(
    tx: &Transaction<'_>,
    sealer: &Sealer,
    fetched: Vec<(OrderView, Option<ChallengeStatus>, CaseList)>,
    now: DateTime<Utc>,
) -> Result<(), QuarantineError> {
    for (view, challenge, cases) in fetched {
        let profile_id = view.profile_ref.clone();
        if !db::profile_exists(tx, &profile_id)? {
            continue;
        }
        let kept = db::order(tx, sealer, &view.order_id)?.map(|(_, s)| s);
        let stored = StoredOrder {
            challenge,
            baseline: kept.as_ref().and_then(|k| k.baseline.clone()),
            commitment: kept.and_then(|k| k.commitment),
            view,
        };
        db::put_order(tx, sealer, &profile_id, &stored, end_of(&stored.view), now)?;
        for case in cases.cases {
            keep_case(tx, sealer, case)?;
        }
    }
    Ok(())
}

/// Keeps a case from the server, with the explanation still queued for it, and the verdict on its record.
fn keep_case(tx: &Transaction<'_>, sealer: &Sealer, view: CaseView) -> Result<(), QuarantineError> {
    let pending = if db::explanation_queued(tx, &view.case_id)? { db::case(tx, sealer, &view.case_id)?.and_then(|c| c.pending) } else { None };
    if let Some(sequence) = view.check_in.sequence
        && !db::has_verdict(tx, &view.order_id, sequence)?
    {
        db::set_verdict(tx, sealer, &view.order_id, sequence, &view.check_in)?;
    }
    db::put_case(tx, sealer, &StoredCase { view, pending })
}

fn order_of(
    conn: &rusqlite::Connection,
    sealer: &Sealer,
    profile_id: String,
    profile_name: String,
    stored: &StoredOrder,
    now: DateTime<Utc>,
) -> Result<Order, QuarantineError> {
    let view = &stored.view;
    let ends_at = end_of(view);
    let state = if view.state == OrderState::Active && now >= ends_at { OrderState::Ended } else { view.state };
    let grace = Duration::minutes(i64::from(view.grace_minutes));
    let open_challenge = match stored.challenge.as_ref().and_then(|s| s.open.as_ref()) {
        Some(c) if state == OrderState::Active && c.opens_at <= now && now <= c.closes_at + grace && !db::answered(conn, &view.order_id, &c.challenge_id)? => {
            Some(Challenge {
                challenge_id: c.challenge_id.clone(),
                opens_at: c.opens_at,
                closes_at: c.closes_at,
                grace_ends_at: c.closes_at + grace,
                home_token_required: c.home_token_required,
                random: c.kind == ChallengeKind::Random,
            })
        }
        _ => None,
    };
    let server_next = stored.challenge.as_ref().and_then(|s| s.next_scheduled_at).filter(|t| *t > now);
    let next_check_in_at = match state {
        OrderState::Active | OrderState::AwaitingEnrolment => server_next.or_else(|| next_window(view, now, ends_at)),
        _ => None,
    };
    Ok(Order {
        order_id: view.order_id.clone(),
        profile_id,
        profile_name,
        home_address: view.home_address.clone(),
        start_date: view.start_date,
        ends_at,
        days_left: days_left(now, ends_at),
        extension_days: view.extension_days,
        time_zone: view.time_zone.clone(),
        state,
        commitment_version: view.commitment_version,
        signed_here: db::key(conn, sealer, &view.order_id)?.is_some(),
        open_challenge,
        next_check_in_at,
        pending_check_ins: db::pending_check_ins(conn, &view.order_id)?,
    })
}

/// The next daily window's opening after `now`, in the order's zone, before the order ends (offline fallback
/// for the server's `next_scheduled_at`).
pub fn next_window(view: &OrderView, now: DateTime<Utc>, ends_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    let zone: chrono_tz::Tz = view.time_zone.parse().ok()?;
    let today = now.with_timezone(&zone).date_naive();
    let mut starts: Vec<DateTime<Utc>> = (0..3u64)
        .filter_map(|d| today.checked_add_days(Days::new(d)))
        .flat_map(|day| view.schedule.daily_windows.iter().filter_map(move |w| zone.from_local_datetime(&day.and_time(w.start)).earliest()))
        .map(|t| t.with_timezone(&Utc))
        .filter(|t| *t > now && *t < ends_at)
        .collect();
    starts.sort();
    starts.into_iter().next()
}

/// A quarantine failure inside an outbox handler that can only report storage failures.
fn storage_error(e: QuarantineError) -> StorageError {
    match e {
        QuarantineError::Storage(s) => s,
        other => StorageError::Task(other.to_string()),
    }
}

fn receipt_error(e: QuarantineError) -> ReceiptError {
    match e {
        QuarantineError::Storage(s) => ReceiptError::Storage(s),
        QuarantineError::Sealing(s) => ReceiptError::Sealing(s),
        other => ReceiptError::Storage(StorageError::Task(other.to_string())),
    }
}

/// Keeps the server's verdict on a delivered check-in record, or its reason when it refused the record for good.
pub struct CheckInReceipts {
    sealer: Arc<Sealer>,
}

impl CheckInReceipts {
    /// A handler sealing with `sealer`.
    pub fn new(sealer: Arc<Sealer>) -> Self {
        Self { sealer }
    }
}

impl ReceiptHandler for CheckInReceipts {
    fn kind(&self) -> &'static str {
        CHECK_IN_KIND
    }

    fn apply(&self, tx: &Transaction<'_>, item: &OutboxItem, receipt: &Value) -> Result<(), ReceiptError> {
        let verdict: CheckInVerdict = serde_json::from_value(receipt.clone())
            .map_err(|_| crate::declarations::ReceiptRefusal::Malformed("not a check-in verdict"))?;
        let order_id = item.subject_id.as_deref().unwrap_or_default();
        let sequence = item.body["sequence"].as_u64().or(verdict.sequence).unwrap_or_default();
        db::set_verdict(tx, &self.sealer, order_id, sequence, &verdict).map_err(receipt_error)
    }

    fn rejected(&self, tx: &Transaction<'_>, item: &OutboxItem, reason: &str) -> Result<(), StorageError> {
        // The record stays in the chain without a verdict. Its refusal is kept with it (in the outbox's transaction),
        // so that the person sees the check-in was not accepted, and why, instead of "waiting" forever: the outbox row
        // is plumbing and may be cleared.
        let order_id = item.subject_id.as_deref().unwrap_or_default();
        let Some(sequence) = item.body["sequence"].as_u64() else { return Ok(()) };
        db::set_refusal(tx, &self.sealer, order_id, sequence, reason).map_err(storage_error)
    }
}

/// Applies the server's answer to a queued explanation.
pub struct ExplanationReceipts {
    sealer: Arc<Sealer>,
}

impl ExplanationReceipts {
    /// A handler sealing with `sealer`.
    pub fn new(sealer: Arc<Sealer>) -> Self {
        Self { sealer }
    }

    fn update(&self, tx: &Transaction<'_>, item: &OutboxItem, view: Option<CaseView>) -> Result<(), QuarantineError> {
        let id = item.subject_id.as_deref().unwrap_or_default();
        let Some(mut stored) = db::case(tx, &self.sealer, id)? else { return Ok(()) };
        if let Some(view) = view {
            stored.view = view;
        }
        stored.pending = None;
        db::put_case(tx, &self.sealer, &stored)
    }
}

impl ReceiptHandler for ExplanationReceipts {
    fn kind(&self) -> &'static str {
        EXPLANATION_KIND
    }

    fn apply(&self, tx: &Transaction<'_>, item: &OutboxItem, receipt: &Value) -> Result<(), ReceiptError> {
        let view: CaseView =
            serde_json::from_value(receipt.clone()).map_err(|_| crate::declarations::ReceiptRefusal::Malformed("not a case"))?;
        self.update(tx, item, Some(view)).map_err(receipt_error)
    }

    fn rejected(&self, tx: &Transaction<'_>, item: &OutboxItem, _reason: &str) -> Result<(), StorageError> {
        // Refused for good (the window closed): the case shows as the server has it at the next refresh.
        self.update(tx, item, None).map_err(storage_error)
    }
}

impl Healthbook {
    /// Home quarantine through the configured server, with the platform's sensors.
    pub fn quarantine(&self, location: Arc<dyn LocationSource>, radio: Arc<dyn RadioScanner>) -> Quarantine {
        self.quarantine_with(Arc::new(HttpQuarantineTransport::new(self.session())), location, radio)
    }

    /// Home quarantine through another transport (tests, or a server reached another way).
    pub fn quarantine_with(
        &self,
        transport: Arc<dyn QuarantineTransport>,
        location: Arc<dyn LocationSource>,
        radio: Arc<dyn RadioScanner>,
    ) -> Quarantine {
        Quarantine {
            db: self.db.clone(),
            sealer: self.sealer.clone(),
            clock: self.clock.clone(),
            profiles: self.profiles(),
            engine: self.sync.clone(),
            transport,
            location,
            radio,
        }
    }
}
