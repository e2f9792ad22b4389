//! The hotline on the phone against a scripted server that answers as the contract says (304 to an unchanged
//! `since_version`, one receipt per question id), and a manual clock.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use chrono::TimeZone;
use healthbook_protocol::hotline::{CitizenQuestionView, QuestionKind, QuestionState};
use rand::{Rng, SeedableRng};
use serde_json::json;

use super::*;
use crate::client::ClientError;
use crate::clock::ManualClock;
use crate::keystore::{MemoryKeyStore, PlatformKeyStore};
use crate::outbox::{DeliveryError, OutboxTransport};
use crate::{Healthbook, HealthbookConfig};

const SECRET_TEXT: &str = "Quán phở Bà Tư ở hẻm 51 không quét được mã";

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 9, 1, 1, 30, 0).unwrap()
}

fn entry(id: &str, category: QaCategory, question_vi: &str, answer_vi: &str, question_en: &str, answer_en: &str) -> QaEntry {
    QaEntry {
        id: id.into(),
        category,
        question_vi: question_vi.into(),
        answer_vi: answer_vi.into(),
        question_en: question_en.into(),
        answer_en: answer_en.into(),
        updated_at: start(),
    }
}

fn set(version: u32) -> QaSet {
    QaSet {
        province: "79".into(),
        version,
        published_at: start() - Duration::hours(1),
        entries: vec![
            entry("e-pass", QaCategory::Pass, "Mã QR của tôi màu vàng là sao?", "Bạn cần khai báo y tế lại.", "", ""),
            entry(
                "e-declare",
                QaCategory::Declarations,
                "Làm sao để khai báo y tế cho con nhỏ?",
                "Thêm hồ sơ của con rồi khai báo.",
                "How do I declare for my child?",
                "Add your child's profile, then declare.",
            ),
            entry("e-travel", QaCategory::Travel, "Đi tỉnh khác có cần giấy xét nghiệm?", "Xem quy định của tỉnh đến.", "", ""),
            entry("e-vac", QaCategory::Vaccination, "Đăng ký tiêm chủng ở đâu?", "Tại trạm y tế phường, hoặc trong ứng dụng.", "", ""),
            entry("e-app", QaCategory::App, "Quên mật khẩu?", "Ứng dụng không dùng mật khẩu; hãy cài lại.", "", ""),
        ],
    }
}

/// The server side of the contract, as far as the phone needs it.
#[derive(Default)]
struct FakeServer {
    offline: AtomicBool,
    published: Mutex<Option<QaSet>>,
    /// The `since_version` of every Q&A request.
    asked_since: Mutex<Vec<Option<u32>>>,
    /// Questions received, with the idempotency key each first came with.
    questions: Mutex<Vec<(CitizenQuestionRequest, String, CitizenQuestionView)>>,
    deliveries: AtomicUsize,
    /// Refuse the next question for good (422).
    refuse_next: AtomicBool,
    /// Answer the Q&A request with this body instead (fuzzing).
    qa_body: Mutex<Option<Value>>,
    /// Answer the question list with this body instead (fuzzing).
    list_body: Mutex<Option<Value>>,
}

fn unreachable() -> TransportError {
    TransportError::Client(ClientError::Network("connection refused".into()))
}

#[async_trait]
impl HotlineTransport for FakeServer {
    async fn published(&self, province: &str, since_version: Option<u32>) -> Result<Option<Value>, TransportError> {
        if self.offline.load(Ordering::SeqCst) {
            return Err(unreachable());
        }
        self.asked_since.lock().unwrap().push(since_version);
        if let Some(body) = self.qa_body.lock().unwrap().clone() {
            return Ok(Some(body));
        }
        match self.published.lock().unwrap().clone().filter(|s| s.province == province) {
            None => Err(TransportError::Refused { status: 404, code: "not_found".into(), body: Value::Null, retry_after_secs: None }),
            Some(set) if since_version.is_some_and(|v| v >= set.version) => Ok(None),
            Some(set) => Ok(Some(serde_json::to_value(set).unwrap())),
        }
    }

    async fn get(&self, path: &str) -> Result<Value, TransportError> {
        if self.offline.load(Ordering::SeqCst) {
            return Err(unreachable());
        }
        assert_eq!(path, QUESTIONS_PATH);
        if let Some(body) = self.list_body.lock().unwrap().clone() {
            return Ok(body);
        }
        let mut views: Vec<CitizenQuestionView> = self.questions.lock().unwrap().iter().map(|(_, _, v)| v.clone()).collect();
        views.reverse();
        Ok(json!({ "questions": views }))
    }

    async fn deliver(&self, engine: &SyncEngine) -> Result<SyncReport, OutboxError> {
        // As over HTTP: offline, the sign-in fails first and nothing is attempted.
        if self.offline.load(Ordering::SeqCst) {
            return Ok(SyncReport { server_unreachable: true, ..SyncReport::default() });
        }
        engine.sync_now(self, None).await
    }
}

#[async_trait]
impl OutboxTransport for FakeServer {
    async fn deliver(&self, item: &OutboxItem) -> Result<Value, DeliveryError> {
        if self.offline.load(Ordering::SeqCst) {
            return Err(DeliveryError::Unreachable("connection refused".into()));
        }
        assert_eq!(item.path, QUESTIONS_PATH);
        self.deliveries.fetch_add(1, Ordering::SeqCst);
        if self.refuse_next.swap(false, Ordering::SeqCst) {
            return Err(DeliveryError::Rejected("422 invalid_request: ward".into()));
        }
        let request: CitizenQuestionRequest = serde_json::from_value(item.body.clone()).unwrap();
        let mut questions = self.questions.lock().unwrap();
        if let Some((kept, key, view)) = questions.iter().find(|(r, _, _)| r.id == request.id) {
            assert_eq!((kept, key), (&request, &item.idempotency_key), "resent unchanged, same key");
            return Ok(json!({ "id": view.id, "received_at": view.received_at }));
        }
        let view = CitizenQuestionView {
            id: request.id.clone(),
            kind: request.kind,
            category: request.category,
            text: request.text.clone(),
            received_at: start() + Duration::minutes(5),
            state: QuestionState::Received,
            answer: None,
            answered_at: None,
        };
        questions.push((request, item.idempotency_key.clone(), view.clone()));
        Ok(json!({ "id": view.id, "received_at": view.received_at }))
    }
}

impl FakeServer {
    fn answer(&self, id: &str, answer: &str, at: DateTime<Utc>) {
        let mut questions = self.questions.lock().unwrap();
        let (_, _, view) = questions.iter_mut().find(|(r, _, _)| r.id == id).unwrap();
        view.state = QuestionState::Answered;
        view.answer = Some(answer.into());
        view.answered_at = Some(at);
    }
}

struct Fixture {
    dir: tempfile::TempDir,
    keys: Arc<MemoryKeyStore>,
    clock: Arc<ManualClock>,
    server: Arc<FakeServer>,
    hb: Healthbook,
    hotline: Hotline,
}

impl Fixture {
    fn reopen(&mut self) {
        let keys: Arc<dyn PlatformKeyStore> = self.keys.clone();
        self.hb = Healthbook::open(HealthbookConfig { data_dir: self.dir.path().into(), key_store: keys, clock: self.clock.clone() }).unwrap();
        self.hotline = self.hb.hotline_with(self.server.clone());
    }

    async fn outbox_len(&self) -> usize {
        self.hb.outbox().list().await.unwrap().len()
    }
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::default());
    let clock = Arc::new(ManualClock::new(start()));
    let hb = Healthbook::open(HealthbookConfig { data_dir: dir.path().into(), key_store: keys.clone(), clock: clock.clone() }).unwrap();
    let server = Arc::new(FakeServer::default());
    let hotline = hb.hotline_with(server.clone());
    Fixture { dir, keys, clock, server, hb, hotline }
}

fn ids(entries: &[QaEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.id.as_str()).collect()
}

fn question(text: &str) -> NewQuestion {
    NewQuestion {
        kind: QuestionKind::Report,
        category: QaCategory::CheckIn,
        province: "79".into(),
        ward: Some("26734".into()),
        text: text.into(),
        venue_id: Some("venue-123".into()),
        contact_phone: Some("0912 345 678".into()),
        language: "vi".into(),
    }
}

#[test]
fn search_ignores_diacritics_and_case_filters_by_category_and_ranks_title_hits_first() {
    let index = QaIndex::new(set(1));
    assert_eq!(ids(&index.search("khai bao", None)), ["e-declare", "e-pass"], "title hit first, then the answer-only hit");
    assert_eq!(ids(&index.search("KHAI BÁO", None)), ids(&index.search("khai bao", None)), "case and marks do not matter");
    assert_eq!(ids(&index.search("  Khai   báo!! ", None)), ["e-declare", "e-pass"]);
    assert_eq!(ids(&index.search("khai bao", Some(QaCategory::Pass))), ["e-pass"], "category filter");
    assert_eq!(ids(&index.search("dang ky tiem", None)), ["e-vac"], "đ folds to d");
    assert_eq!(ids(&index.search("child", None)), ["e-declare"], "English texts are searched too");
    assert_eq!(ids(&index.search("khai ba", None)), ["e-declare", "e-pass"], "a word being typed already matches");
    assert!(index.search("khai bao tiem", None).is_empty(), "every word must occur");
    // The empty query lists everything by category (the contract's display order), then in the set's order.
    assert_eq!(ids(&index.search("", None)), ["e-declare", "e-pass", "e-vac", "e-travel", "e-app"]);
    assert_eq!(ids(&index.search("  ", Some(QaCategory::Travel))), ["e-travel"]);
    // Title hits of every category come before answer-only hits, each group by category.
    let ranked = QaIndex::new(QaSet {
        entries: vec![
            entry("answer-declarations", QaCategory::Declarations, "Khác", "xét nghiệm nhanh", "", ""),
            entry("title-other", QaCategory::Other, "Xét nghiệm nhanh ở đâu?", "Trạm y tế.", "", ""),
            entry("title-testing", QaCategory::Testing, "Kết quả xét nghiệm nhanh?", "Trong 15 phút.", "", ""),
        ],
        ..set(1)
    });
    assert_eq!(ids(&ranked.search("xet nghiem nhanh", None)), ["title-testing", "title-other", "answer-declarations"]);
}

#[tokio::test]
async fn the_set_is_cached_refreshed_with_304_and_searched_offline() {
    let f = fixture();
    assert_eq!(f.hotline.qa_info().await.unwrap(), None);
    assert!(f.hotline.search("", None).await.unwrap().is_empty(), "nothing cached yet");
    assert_eq!(f.hotline.refresh_qa("79").await.unwrap(), None, "nothing published yet");
    assert!(matches!(f.hotline.refresh_qa("7").await, Err(HotlineError::Invalid { field: QuestionField::Province, .. })));
    assert!(matches!(f.hotline.refresh_qa("00").await, Err(HotlineError::Invalid { field: QuestionField::Province, .. })));

    *f.server.published.lock().unwrap() = Some(set(1));
    let info = f.hotline.refresh_qa("79").await.unwrap().unwrap();
    assert_eq!((info.province.as_str(), info.version, info.entry_count, info.checked_at), ("79", 1, 5, start()));
    f.clock.advance(Duration::hours(3));
    let again = f.hotline.refresh_qa(" 79 ").await.unwrap().unwrap();
    assert_eq!((again.version, again.checked_at), (1, start() + Duration::hours(3)), "304: same set, checked now");
    assert_eq!(*f.server.asked_since.lock().unwrap(), [None, None, Some(1)]);

    f.server.offline.store(true, Ordering::SeqCst);
    let offline = f.hotline.refresh_qa("79").await.unwrap_err();
    assert!(offline.is_transient(), "{offline}");
    assert_eq!(f.hotline.qa_info().await.unwrap(), Some(again.clone()));
    assert_eq!(ids(&f.hotline.search("khai bao y te", None).await.unwrap()), ["e-declare", "e-pass"]);

    // After a restart the index is built from storage, still offline.
    let mut f = f;
    f.reopen();
    assert_eq!(ids(&f.hotline.search("quen mat khau", None).await.unwrap()), ["e-app"]);

    // A newer version replaces the cached one and its index.
    f.server.offline.store(false, Ordering::SeqCst);
    let mut newer = set(2);
    newer.entries.retain(|e| e.id != "e-app");
    *f.server.published.lock().unwrap() = Some(newer);
    assert_eq!(f.hotline.refresh_qa("79").await.unwrap().unwrap().version, 2);
    assert!(f.hotline.search("quen mat khau", None).await.unwrap().is_empty());
    // Another province's set takes the cache's place.
    *f.server.published.lock().unwrap() = Some(QaSet { province: "48".into(), ..set(7) });
    let other = f.hotline.refresh_qa("48").await.unwrap().unwrap();
    assert_eq!((other.province.as_str(), other.version), ("48", 7));
    assert_eq!(f.server.asked_since.lock().unwrap().last(), Some(&None), "the cached version is another province's");
}

#[tokio::test]
async fn a_question_asked_offline_is_sealed_queued_sent_once_and_its_answer_arrives() {
    let mut f = fixture();
    f.server.offline.store(true, Ordering::SeqCst);
    let asked = f.hotline.ask(question(&format!("  {SECRET_TEXT}  "))).await.unwrap();
    assert_eq!((asked.status, asked.text.as_str(), asked.asked_at, asked.kind), (QuestionStatus::Sending, SECRET_TEXT, start(), QuestionKind::Report));
    assert_eq!(f.outbox_len().await, 1);
    assert!(f.hotline.refresh_questions().await.unwrap_err().is_transient());
    assert_eq!(f.hotline.questions().await.unwrap(), std::slice::from_ref(&asked), "offline, the kept list");

    // Nothing the citizen typed is kept in clear.
    f.reopen();
    let mut bytes = Vec::new();
    for file in std::fs::read_dir(f.dir.path()).unwrap() {
        bytes.extend(std::fs::read(file.unwrap().path()).unwrap());
    }
    let haystack = String::from_utf8_lossy(&bytes);
    for secret in ["Bà Tư", "912345678", "venue-123", "26734"] {
        assert!(!haystack.contains(secret), "{secret} found in clear");
    }

    // Back online: delivered once, by the refresh, with the phone's id.
    f.server.offline.store(false, Ordering::SeqCst);
    let list = f.hotline.refresh_questions().await.unwrap();
    assert_eq!((list.len(), list[0].status), (1, QuestionStatus::Received));
    assert_eq!(f.outbox_len().await, 0);
    f.hotline.refresh_questions().await.unwrap();
    assert_eq!(f.server.deliveries.load(Ordering::SeqCst), 1, "sent once");
    let sent = f.server.questions.lock().unwrap()[0].0.clone();
    assert_eq!(sent.id, asked.id);
    assert_eq!((sent.contact_phone.as_deref(), sent.ward.as_deref(), sent.language.as_str()), (Some("+84912345678"), Some("26734"), "vi"));

    let answered_at = start() + Duration::days(1);
    f.server.answer(&asked.id, "Cảm ơn, đội kiểm tra sẽ đến.", answered_at);
    let list = f.hotline.refresh_questions().await.unwrap();
    assert_eq!((list[0].status, list[0].answer.as_deref(), list[0].answered_at), (QuestionStatus::Answered, Some("Cảm ơn, đội kiểm tra sẽ đến."), Some(answered_at)));

    // A second question online goes at once; the list is newest first.
    f.clock.advance(Duration::hours(2));
    let second = f.hotline.ask(NewQuestion { kind: QuestionKind::Question, ward: None, venue_id: None, contact_phone: None, ..question("Khi nào có kết quả?") }).await.unwrap();
    assert_eq!(second.status, QuestionStatus::Received);
    assert_eq!(ids_of(&f.hotline.questions().await.unwrap()), [second.id.clone(), asked.id.clone()]);

    // Retention: 90 days after the answer the answered one goes (at open too); the other is not settled.
    f.clock.set(answered_at + Duration::days(QUESTION_RETENTION_DAYS) - Duration::minutes(1));
    assert_eq!(f.hotline.purge_expired().await.unwrap(), 0);
    f.clock.set(answered_at + Duration::days(QUESTION_RETENTION_DAYS) + Duration::minutes(1));
    f.reopen();
    assert_eq!(ids_of(&f.hotline.questions().await.unwrap()), std::slice::from_ref(&second.id));
    // The server still listing the deleted one does not bring it back.
    f.hotline.refresh_questions().await.unwrap();
    assert_eq!(ids_of(&f.hotline.questions().await.unwrap()), [second.id]);
}

fn ids_of(list: &[CitizenQuestion]) -> Vec<String> {
    list.iter().map(|q| q.id.clone()).collect()
}

#[tokio::test]
async fn a_question_is_checked_before_anything_is_kept_and_a_refusal_is_kept_with_it() {
    let f = fixture();
    let cases: Vec<(NewQuestion, QuestionField)> = vec![
        (NewQuestion { province: "7".into(), ..question("x") }, QuestionField::Province),
        (NewQuestion { ward: Some("2673".into()), ..question("x") }, QuestionField::Ward),
        (question("   "), QuestionField::Text),
        (question(&"a".repeat(MAX_TEXT_CHARS + 1)), QuestionField::Text),
        (NewQuestion { venue_id: Some("v".repeat(MAX_VENUE_ID_CHARS + 1)), ..question("x") }, QuestionField::Venue),
        (question("x\u{7}y"), QuestionField::Text),
        (NewQuestion { venue_id: Some("quán phở".into()), ..question("x") }, QuestionField::Venue),
        (NewQuestion { contact_phone: Some("0281234567".into()), ..question("x") }, QuestionField::Phone),
        (NewQuestion { contact_phone: Some("12345".into()), ..question("x") }, QuestionField::Phone),
        (NewQuestion { language: "fr".into(), ..question("x") }, QuestionField::Language),
    ];
    for (input, expected) in cases {
        match f.hotline.ask(input.clone()).await {
            Err(HotlineError::Invalid { field, .. }) => assert_eq!(field, expected, "{input:?}"),
            other => panic!("{input:?}: {other:?}"),
        }
    }
    let long = f.hotline.ask(question(&format!("{}\n", "ă".repeat(MAX_TEXT_CHARS)))).await.unwrap();
    assert_eq!(long.text.chars().count(), MAX_TEXT_CHARS, "the limit counts characters, not bytes");
    let blank_optionals = NewQuestion { ward: Some(" ".into()), venue_id: Some("".into()), contact_phone: Some(" ".into()), ..question("x") };
    f.hotline.ask(blank_optionals).await.unwrap();
    let sent = f.server.questions.lock().unwrap()[1].0.clone();
    assert_eq!((sent.ward, sent.venue_id, sent.contact_phone), (None, None, None), "blank optional fields are not sent");
    assert_eq!(f.server.deliveries.load(Ordering::SeqCst), 2, "refused questions were never queued");

    f.server.refuse_next.store(true, Ordering::SeqCst);
    let refused = f.hotline.ask(question("Câu hỏi bị từ chối")).await.unwrap();
    assert_eq!(refused.status, QuestionStatus::Sending);
    assert!(refused.refused_reason.as_deref().is_some_and(|r| r.contains("422")), "{refused:?}");
}

#[tokio::test]
async fn malformed_server_answers_never_panic_and_change_nothing() {
    let f = fixture();
    *f.server.published.lock().unwrap() = Some(set(3));
    f.hotline.refresh_qa("79").await.unwrap();
    f.hotline.ask(question("Câu hỏi")).await.unwrap();
    let kept_info = f.hotline.qa_info().await.unwrap();
    let kept_questions = f.hotline.questions().await.unwrap();
    let seeds = [serde_json::to_value(set(4)).unwrap(), f.server.get(QUESTIONS_PATH).await.unwrap()];
    let mut rng = rand::rngs::StdRng::seed_from_u64(13);
    for round in 0..300 {
        let seed = &seeds[round % 2];
        let body = if round % 5 == 0 { random_value(&mut rng, 3) } else { mutate(seed, &mut rng) };
        *f.server.qa_body.lock().unwrap() = Some(body.clone());
        *f.server.list_body.lock().unwrap() = Some(body);
        // Either outcome is fine; what matters is no panic and a consistent store.
        let _ = f.hotline.refresh_qa("79").await;
        let _ = f.hotline.refresh_questions().await;
    }
    let info = f.hotline.qa_info().await.unwrap().unwrap();
    assert_eq!(info.province, "79", "only a set of the province asked for is ever cached");
    assert!(info.version >= kept_info.unwrap().version, "a lower version never replaces the cached one");
    assert_eq!(ids_of(&f.hotline.questions().await.unwrap()), ids_of(&kept_questions), "no question appears or vanishes");
}

fn random_value(rng: &mut impl Rng, depth: u32) -> Value {
    match rng.gen_range(0..if depth == 0 { 4 } else { 6 }) {
        0 => Value::Null,
        1 => json!(rng.gen_range(-5i64..5_000_000_000)),
        2 => json!(["", "79", "khai báo", "\u{0}", "2021-09-01T00:00:00Z"][rng.gen_range(0..5)]),
        3 => json!(rng.gen_bool(0.5)),
        4 => Value::Array((0..rng.gen_range(0..4)).map(|_| random_value(rng, depth - 1)).collect()),
        _ => {
            let keys = ["province", "version", "published_at", "entries", "questions", "id", "state", "answer"];
            Value::Object((0..rng.gen_range(0..5)).map(|_| (keys[rng.gen_range(0..keys.len())].to_owned(), random_value(rng, depth - 1))).collect())
        }
    }
}

/// `seed` with one value somewhere inside replaced, removed or retyped.
fn mutate(seed: &Value, rng: &mut impl Rng) -> Value {
    let mut value = seed.clone();
    mutate_in(&mut value, rng);
    value
}

fn mutate_in(value: &mut Value, rng: &mut impl Rng) {
    let descend = rng.gen_bool(0.7);
    match value {
        Value::Object(map) if descend && !map.is_empty() => {
            let key = map.keys().nth(rng.gen_range(0..map.len())).cloned().unwrap();
            if rng.gen_bool(0.2) {
                map.remove(&key);
            } else if let Some(inner) = map.get_mut(&key) {
                mutate_in(inner, rng);
            }
        }
        Value::Array(items) if descend && !items.is_empty() => {
            let at = rng.gen_range(0..items.len());
            mutate_in(&mut items[at], rng);
        }
        _ => *value = random_value(rng, 2),
    }
}
