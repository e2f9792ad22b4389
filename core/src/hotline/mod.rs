//! The hotline on the citizen's phone (issue 13): the province's published Q&A set, cached and searched offline,
//! and the questions and reports the citizen sends to the hotline, with their answers.
//!
//! The Q&A set is public: it is fetched without an account (`since_version` makes an unchanged set a bare 304),
//! kept as the server's JSON, and folded once for search when it is cached or first searched after a start (the
//! fold and the match are the wire contract's, the same the console uses). A question is stored sealed and queued
//! in the outbox in one transaction, sent with a fixed idempotency key and the phone's own question id (a resend
//! is the same question on the server), so it is neither lost offline nor sent twice. Nothing about the device
//! or its profiles is attached: only what the citizen typed and chose to add. Answered and closed questions are
//! deleted from the phone [`QUESTION_RETENTION_DAYS`] after the answer (at open and with the daily purge).
//!
//! Files: `model.rs` (what the phone keeps and shows, the search index), `db.rs` (schema 15 tables), `error.rs`,
//! `tests.rs`.

pub mod db;
mod error;
pub mod model;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use healthbook_protocol::hotline::{
    CitizenQuestionList, CitizenQuestionReceipt, CitizenQuestionRequest, QaCategory, QaEntry, QaSet, MAX_TEXT_CHARS,
};
use rusqlite::Transaction;
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

/// The wire contract's types and shared rules, for front ends that have no direct dependency on it.
pub use healthbook_protocol::hotline as wire;
pub use error::{HotlineError, QuestionField};
pub use model::{CitizenQuestion, NewQuestion, QaIndex, QaIndexCache, QaSetInfo, QuestionStatus};

use self::db::QUESTION_KIND;
use self::model::StoredQuestion;
use crate::client::{ClientConfig, ServerClient};
use crate::clock::Clock;
use crate::healthbook::Healthbook;
use crate::outbox::{self, NewOutboxItem, OutboxError, OutboxItem, ReceiptError, ReceiptHandler, SyncEngine, SyncReport};
use crate::persons::{HttpPersonsTransport, PersonsTransport, TransportError, Verb};
use crate::sealing::Sealer;
use crate::session::{Session, SessionError};
use crate::storage::{Database, StorageError};

/// The published Q&A sets, by province (public).
pub const QA_PATH: &str = "/v1/hotline/qa";
/// The citizens' questions (device: post one, list its own).
pub const QUESTIONS_PATH: &str = "/v1/hotline/questions";
/// Days an answered or closed question stays on the phone after the answer.
pub const QUESTION_RETENTION_DAYS: i64 = 90;
/// Longest venue id accepted in a report, in characters (printable ASCII, as posters print it).
pub const MAX_VENUE_ID_CHARS: usize = 64;

/// How the hotline reaches the server: the public Q&A set, the device's reads, and delivery of the outbox.
#[async_trait]
pub trait HotlineTransport: Send + Sync {
    /// GETs the published set of `province` without an account; `None` when the server answers 304 Not Modified
    /// to `since_version`.
    async fn published(&self, province: &str, since_version: Option<u32>) -> Result<Option<Value>, TransportError>;
    /// GETs `path` as this device; the JSON answer.
    async fn get(&self, path: &str) -> Result<Value, TransportError>;
    /// Delivers what is due in the outbox with `engine` (the phone's whole queue, in order).
    async fn deliver(&self, engine: &SyncEngine) -> Result<SyncReport, OutboxError>;
}

/// The transport to the configured server: the Q&A set anonymously, the rest signed in as this installation's
/// device.
pub struct HttpHotlineTransport {
    session: Session,
    reads: HttpPersonsTransport,
}

impl HttpHotlineTransport {
    /// A transport through `session`.
    pub fn new(session: Session) -> Self {
        Self { reads: HttpPersonsTransport::new(session.clone()), session }
    }
}

#[async_trait]
impl HotlineTransport for HttpHotlineTransport {
    async fn published(&self, province: &str, since_version: Option<u32>) -> Result<Option<Value>, TransportError> {
        let url = self
            .session
            .server_url()
            .await
            .map_err(|e| match e {
                crate::settings::SettingsError::Storage(s) => TransportError::Session(SessionError::Storage(s)),
                _ => TransportError::NoServer,
            })?
            .ok_or(TransportError::NoServer)?;
        // The set is public: reading it needs no device registration, so a phone that never signed in can.
        let client = ServerClient::new(ClientConfig::new(url), self.session.clock()).map_err(TransportError::Client)?;
        let mut path = format!("{QA_PATH}/{}", crate::client::segment(province));
        if let Some(version) = since_version {
            path.push_str(&format!("?since_version={version}"));
        }
        let answer = client.send_detailed(reqwest::Method::GET, &path, None).await.map_err(TransportError::Client)?;
        if answer.status == 304 {
            return Ok(None);
        }
        if answer.is_success() {
            return Ok(Some(answer.body));
        }
        let code = answer.to_client_error().code().unwrap_or_default().to_owned();
        Err(TransportError::Refused { status: answer.status, code, body: answer.body, retry_after_secs: answer.retry_after_secs })
    }

    async fn get(&self, path: &str) -> Result<Value, TransportError> {
        self.reads.send(Verb::Get, path, None).await
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

/// The hotline on the phone; obtained from [`Healthbook::hotline`].
#[derive(Clone)]
pub struct Hotline {
    db: Database,
    sealer: Arc<Sealer>,
    clock: Arc<dyn Clock>,
    engine: Arc<SyncEngine>,
    transport: Arc<dyn HotlineTransport>,
    index: Arc<QaIndexCache>,
}

fn invalid(field: QuestionField, reason: &'static str) -> HotlineError {
    HotlineError::Invalid { field, reason }
}

fn check_province(province: &str) -> Result<String, HotlineError> {
    let province = province.trim();
    if !crate::admin_units::is_known_province(province) {
        return Err(invalid(QuestionField::Province, "not a known two-digit province code"));
    }
    Ok(province.to_owned())
}

/// Trims an optional field; blank counts as not given.
fn given(value: Option<&str>) -> Option<String> {
    value.map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// Checks a new question the way the server will and makes its request, so that the outbox never holds one the
/// server must refuse for its shape.
pub fn request_of(question: &NewQuestion, id: String, asked_at: DateTime<Utc>) -> Result<CitizenQuestionRequest, HotlineError> {
    let province = check_province(&question.province)?;
    let ward = given(question.ward.as_deref());
    if ward.as_deref().is_some_and(|w| !crate::admin_units::is_ward_code(w)) {
        return Err(invalid(QuestionField::Ward, "not a five-digit ward code"));
    }
    let text: String = question.text.trim().nfc().collect();
    let chars = text.chars().count();
    if chars == 0 {
        return Err(invalid(QuestionField::Text, "empty"));
    }
    if chars > MAX_TEXT_CHARS {
        return Err(invalid(QuestionField::Text, "longer than 2,000 characters"));
    }
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r')) {
        return Err(invalid(QuestionField::Text, "holds control characters"));
    }
    let venue_id = given(question.venue_id.as_deref());
    if venue_id.as_deref().is_some_and(|v| v.chars().count() > MAX_VENUE_ID_CHARS || !v.chars().all(|c| c.is_ascii_graphic())) {
        return Err(invalid(QuestionField::Venue, "not a venue id"));
    }
    let contact_phone = given(question.contact_phone.as_deref())
        .map(|raw| {
            let phone = crate::profiles::validate::normalize_phone(&raw)
                .map_err(|_| invalid(QuestionField::Phone, "not a Vietnamese mobile number"))?;
            // A call back goes to a mobile: nine digits after +84, starting 3, 5, 7, 8 or 9.
            if phone.len() != 12 {
                return Err(invalid(QuestionField::Phone, "not a Vietnamese mobile number"));
            }
            Ok(phone)
        })
        .transpose()?;
    let language = question.language.trim().to_ascii_lowercase();
    if !matches!(language.as_str(), "vi" | "en") {
        return Err(invalid(QuestionField::Language, "must be vi or en"));
    }
    Ok(CitizenQuestionRequest {
        id,
        kind: question.kind,
        category: question.category,
        province,
        ward,
        text,
        venue_id,
        contact_phone,
        language,
        asked_at,
    })
}

impl Hotline {
    /// Fetches the published set of `province` when it is newer than the one cached (the server answers 304
    /// otherwise) and caches it in place of any other; returns the cached set's info, `None` when the province
    /// has published nothing yet. Offline the error is transient ([`HotlineError::is_transient`]) and
    /// [`Hotline::qa_info`] still has the cached set.
    pub async fn refresh_qa(&self, province: &str) -> Result<Option<QaSetInfo>, HotlineError> {
        let province = check_province(province)?;
        let cached = self.qa_info().await?.filter(|info| info.province == province);
        let answer = match self.transport.published(&province, cached.as_ref().map(|c| c.version)).await {
            Ok(answer) => answer,
            // Nothing published yet: what is cached of this province (if anything) stays.
            Err(TransportError::Refused { status: 404, .. }) => return Ok(cached),
            Err(e) => return Err(e.into()),
        };
        let now = self.clock.now();
        match answer {
            None => {
                let p = province.clone();
                self.db.write(move |tx| db::touch_qa_set(tx, &p, now)).await?;
            }
            Some(body) => {
                let set: QaSet = serde_json::from_value(body).map_err(|_| HotlineError::BadAnswer)?;
                if set.province != province {
                    return Err(HotlineError::BadAnswer);
                }
                let stale = cached.as_ref().is_some_and(|c| set.version < c.version);
                if stale {
                    // An older version than the one held (a lagging replica): keep what is newer.
                    let p = province.clone();
                    self.db.write(move |tx| db::touch_qa_set(tx, &p, now)).await?;
                } else {
                    let index = Arc::new(QaIndex::new(set));
                    let kept = index.clone();
                    self.db.write(move |tx| db::put_qa_set(tx, kept.set(), now)).await?;
                    self.index.set(Some(index));
                }
            }
        }
        self.qa_info().await
    }

    /// The cached set's info, `None` before the first successful fetch (works offline).
    pub async fn qa_info(&self) -> Result<Option<QaSetInfo>, HotlineError> {
        self.db.read(db::qa_info).await
    }

    /// Searches the cached set offline, insensitive to case and diacritics, in both languages (see
    /// [`QaIndex::search`]); an empty query lists the entries, of `category` when given. Empty before the first
    /// successful fetch.
    pub async fn search(&self, query: &str, category: Option<QaCategory>) -> Result<Vec<QaEntry>, HotlineError> {
        Ok(self.index().await?.map(|index| index.search(query, category)).unwrap_or_default())
    }

    /// The folded index of the cached set, built from storage the first time after a start.
    pub async fn index(&self) -> Result<Option<Arc<QaIndex>>, HotlineError> {
        if let Some(index) = self.index.get() {
            return Ok(Some(index));
        }
        let Some(set) = self.db.read(db::qa_set).await? else { return Ok(None) };
        let index = Arc::new(QaIndex::new(set));
        self.index.set(Some(index.clone()));
        Ok(Some(index))
    }

    /// Checks the question, keeps it sealed and queues it in the outbox in one transaction, then tries to send
    /// it; returns it as kept ([`QuestionStatus::Sending`] until the server has it).
    pub async fn ask(&self, question: NewQuestion) -> Result<CitizenQuestion, HotlineError> {
        let now = self.clock.now();
        let request = request_of(&question, uuid::Uuid::new_v4().to_string(), now)?;
        let id = request.id.clone();
        let sealer = self.sealer.clone();
        self.db
            .write(move |tx| {
                let body = serde_json::to_value(&request).map_err(|_| HotlineError::Corrupt("request body"))?;
                outbox::db::enqueue(tx, &sealer, now, NewOutboxItem {
                    kind: QUESTION_KIND.into(),
                    subject_id: Some(request.id.clone()),
                    path: QUESTIONS_PATH.into(),
                    body,
                })?;
                db::put_question(tx, &sealer, &StoredQuestion { request, view: None, received_at: None, refused_reason: None }, now)
            })
            .await?;
        self.deliver().await;
        self.question(&id).await
    }

    async fn question(&self, id: &str) -> Result<CitizenQuestion, HotlineError> {
        let (sealer, id) = (self.sealer.clone(), id.to_owned());
        let stored = self.db.read(move |conn| db::question(conn, &sealer, &id)).await?;
        stored.map(|s| s.to_question()).ok_or(HotlineError::Corrupt("question"))
    }

    /// The phone's questions as kept, newest first (works offline).
    pub async fn questions(&self) -> Result<Vec<CitizenQuestion>, HotlineError> {
        let sealer = self.sealer.clone();
        Ok(self.db.read(move |conn| db::questions(conn, &sealer)).await?.iter().map(StoredQuestion::to_question).collect())
    }

    /// Sends what waits in the outbox, then fetches the states and answers of the device's questions and keeps
    /// them (in one transaction); returns the phone's questions. Offline the error is transient and
    /// [`Hotline::questions`] still has the kept list.
    pub async fn refresh_questions(&self) -> Result<Vec<CitizenQuestion>, HotlineError> {
        self.deliver().await;
        let list: CitizenQuestionList =
            serde_json::from_value(self.transport.get(QUESTIONS_PATH).await?).map_err(|_| HotlineError::BadAnswer)?;
        let (sealer, now) = (self.sealer.clone(), self.clock.now());
        self.db
            .write(move |tx| {
                for view in list.questions {
                    // Only the phone's own kept questions are updated: one deleted here after its retention stays
                    // deleted even while the server still lists it.
                    let Some(mut stored) = db::question(tx, &sealer, &view.id)? else { continue };
                    stored.received_at = Some(view.received_at);
                    stored.refused_reason = None;
                    stored.view = Some(view);
                    db::put_question(tx, &sealer, &stored, now)?;
                }
                Ok::<_, HotlineError>(())
            })
            .await?;
        self.questions().await
    }

    /// Deletes questions answered or closed over [`QUESTION_RETENTION_DAYS`] ago; returns how many.
    pub async fn purge_expired(&self) -> Result<usize, HotlineError> {
        let cutoff = self.clock.now() - Duration::days(QUESTION_RETENTION_DAYS);
        self.db.write(move |tx| db::purge(tx, cutoff)).await
    }

    async fn deliver(&self) {
        // Delivery failures leave the items queued with their reason; the outbox screen shows them.
        match self.transport.deliver(&self.engine).await {
            Ok(report) if report.server_unreachable => tracing::info!("server unreachable: hotline questions stay queued"),
            Ok(_) | Err(OutboxError::NoServer) => {}
            Err(e) => tracing::info!(error = %e, "hotline questions wait in the outbox"),
        }
    }
}

/// Deletes questions past retention before anything can read them (called when the data directory opens).
pub(crate) fn purge_at_open(conn: &mut rusqlite::Connection, now: DateTime<Utc>) -> Result<usize, HotlineError> {
    let tx = conn.transaction()?;
    let purged = db::purge(&tx, now - Duration::days(QUESTION_RETENTION_DAYS))?;
    tx.commit()?;
    Ok(purged)
}

fn storage_error(e: HotlineError) -> StorageError {
    match e {
        HotlineError::Storage(s) => s,
        other => StorageError::Task(other.to_string()),
    }
}

/// Applies the server's receipt (or final refusal) to a queued question.
pub struct QuestionReceipts {
    sealer: Arc<Sealer>,
    clock: Arc<dyn Clock>,
}

impl QuestionReceipts {
    /// A handler sealing with `sealer`.
    pub fn new(sealer: Arc<Sealer>, clock: Arc<dyn Clock>) -> Self {
        Self { sealer, clock }
    }

    fn update(&self, tx: &Transaction<'_>, item: &OutboxItem, change: impl FnOnce(&mut StoredQuestion)) -> Result<(), HotlineError> {
        let id = item.subject_id.as_deref().unwrap_or_default();
        // Deleted while it waited (retention cannot reach an unsent one, but a reset can): nothing to update.
        let Some(mut stored) = db::question(tx, &self.sealer, id)? else { return Ok(()) };
        change(&mut stored);
        db::put_question(tx, &self.sealer, &stored, self.clock.now())
    }
}

impl ReceiptHandler for QuestionReceipts {
    fn kind(&self) -> &'static str {
        QUESTION_KIND
    }

    fn apply(&self, tx: &Transaction<'_>, item: &OutboxItem, receipt: &Value) -> Result<(), ReceiptError> {
        let receipt: CitizenQuestionReceipt = serde_json::from_value(receipt.clone())
            .map_err(|_| crate::declarations::ReceiptRefusal::Malformed("not a question receipt"))?;
        self.update(tx, item, |stored| {
            stored.received_at = Some(receipt.received_at);
            stored.refused_reason = None;
        })
        .map_err(|e| match e {
            HotlineError::Sealing(s) => ReceiptError::Sealing(s),
            other => ReceiptError::Storage(storage_error(other)),
        })
    }

    fn rejected(&self, tx: &Transaction<'_>, item: &OutboxItem, reason: &str) -> Result<(), StorageError> {
        self.update(tx, item, |stored| stored.refused_reason = Some(reason.to_owned())).map_err(storage_error)
    }
}

impl Healthbook {
    /// The hotline through the configured server.
    pub fn hotline(&self) -> Hotline {
        self.hotline_with(Arc::new(HttpHotlineTransport::new(self.session())))
    }

    /// The hotline through another transport (tests, or a server reached another way).
    pub fn hotline_with(&self, transport: Arc<dyn HotlineTransport>) -> Hotline {
        Hotline {
            db: self.db.clone(),
            sealer: self.sealer.clone(),
            clock: self.clock.clone(),
            engine: self.sync.clone(),
            transport,
            index: self.qa_index.clone(),
        }
    }
}
