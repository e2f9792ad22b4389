//! Following samples against a scripted server and a manual clock.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{json, Value};

use super::*;
use crate::clock::{Clock, ManualClock};
use crate::keystore::MemoryKeyStore;
use crate::persons::TransportError;
use crate::profiles::{BirthDate, ProfileInput, ProfileRelation};
use crate::{Healthbook, HealthbookConfig};

/// Answers each request from a script, recording what was sent.
#[derive(Default)]
struct ScriptedServer {
    answers: Mutex<Vec<Result<Value, TransportError>>>,
    sent: Mutex<Vec<(String, Value, String)>>,
}

impl ScriptedServer {
    fn answer(&self, answer: Result<Value, TransportError>) {
        self.answers.lock().unwrap().push(answer);
    }

    fn sent(&self) -> Vec<(String, Value, String)> {
        self.sent.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl ResultsTransport for ScriptedServer {
    async fn post(&self, path: &str, body: Value, idempotency_key: &str) -> Result<Value, TransportError> {
        self.sent.lock().unwrap().push((path.to_owned(), body, idempotency_key.to_owned()));
        let mut answers = self.answers.lock().unwrap();
        assert!(!answers.is_empty(), "unscripted request to {path}");
        answers.remove(0)
    }
}

#[derive(Default)]
struct Recorder(Mutex<Vec<(SampleState, SampleReason)>>);

impl ResultsListener for Recorder {
    fn on_sample_changed(&self, sample: &Sample) {
        self.0.lock().unwrap().push((sample.state, sample.reason));
    }
}

fn offline() -> Result<Value, TransportError> {
    Err(TransportError::Client(crate::client::ClientError::Network("connection refused".into())))
}

fn refused(status: u16, code: &str) -> Result<Value, TransportError> {
    Err(TransportError::Refused {
        status,
        code: code.into(),
        body: json!({ "error": { "code": code, "message": "refused" } }),
        retry_after_secs: None,
    })
}

fn registered(token: &str) -> Result<Value, TransportError> {
    Ok(json!({ "registration_token": token, "registered_at": "2021-09-01T08:00:00Z" }))
}

fn view(state: &str, reason: &str, poll_after_secs: Option<u32>) -> Result<Value, TransportError> {
    let mut v = json!({ "state": state, "reason": reason, "sampled_at": "2021-09-01T07:00:00Z" });
    if let Some(secs) = poll_after_secs {
        v["poll_after_secs"] = json!(secs);
    }
    Ok(v)
}

struct Fixture {
    _dir: tempfile::TempDir,
    hb: Healthbook,
    server: Arc<ScriptedServer>,
    results: Results,
    clock: Arc<ManualClock>,
    owner: String,
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 9, 1, 8, 0, 0).unwrap()
}

async fn fixture_at(at: DateTime<Utc>) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(at));
    let hb = Healthbook::open(HealthbookConfig {
        data_dir: dir.path().to_owned(),
        key_store: Arc::new(MemoryKeyStore::default()),
        clock: clock.clone(),
    })
    .unwrap();
    let owner = hb
        .profiles()
        .add(ProfileInput {
            relation: ProfileRelation::Myself,
            full_name: "Phạm Quỳnh Hương".into(),
            birth: BirthDate { year: 1990, month: None, day: None },
            phone: None,
            citizen_id: None,
            address: None,
        })
        .await
        .unwrap()
        .id;
    let server = Arc::new(ScriptedServer::default());
    let results = hb.results_with(server.clone());
    Fixture { _dir: dir, hb, server, results, clock, owner }
}

async fn fixture() -> Fixture {
    fixture_at(now()).await
}

const SHORT: &str = "FE9A5MAK6C";

#[tokio::test]
async fn register_sends_only_the_hash_then_polls_honouring_the_servers_interval_until_final() {
    let f = fixture().await;
    f.server.answer(registered("tok-1"));
    f.server.answer(view("pending", "in_lab", Some(1800)));
    let sample = f.results.register(&f.owner, "fe9a-5mak-6c").await.unwrap();
    assert_eq!((sample.state, sample.reason), (SampleState::Pending, SampleReason::InLab));
    assert_eq!(sample.next_check_at, Some(now() + Duration::seconds(1800)));
    let sent = f.server.sent();
    assert_eq!(sent[0].0, "/v1/results/registrations");
    assert_eq!(sent[0].1, json!({ "code_hash": code::sha256_hex(SHORT), "kind": "short_code", "profile_ref": f.owner }));
    assert!(!sent[0].2.is_empty(), "the registration carries an idempotency key");
    assert_eq!((sent[1].0.as_str(), &sent[1].1), ("/v1/results/poll", &json!({ "registration_token": "tok-1" })));

    let recorder = Recorder::default();
    f.clock.advance(Duration::seconds(1799));
    assert_eq!(f.results.poll_due(Some(&recorder)).await.unwrap().checked, 0, "never sooner than the server asked");
    f.clock.advance(Duration::seconds(1));
    f.server.answer(view("pending", "in_lab", None));
    let report = f.results.poll_due(Some(&recorder)).await.unwrap();
    assert_eq!((report.checked, report.changed), (1, 0));
    let waiting = f.results.sample(&sample.id).await.unwrap();
    assert_eq!(waiting.next_check_at, Some(f.clock.now() + Duration::seconds(DEFAULT_POLL_SECS.into())));

    f.clock.advance(Duration::seconds(DEFAULT_POLL_SECS.into()));
    f.server.answer(view("negative", "lab_reported", None));
    assert_eq!(f.results.poll_due(Some(&recorder)).await.unwrap().changed, 1);
    assert_eq!(*recorder.0.lock().unwrap(), vec![(SampleState::Negative, SampleReason::LabReported)]);
    let done = f.results.sample(&sample.id).await.unwrap();
    assert_eq!((done.next_check_at, done.final_at), (None, Some(f.clock.now())));
    f.clock.advance(Duration::days(3));
    assert_eq!(f.results.poll_due(None).await.unwrap().checked, 0, "a final state is not polled");
    assert_eq!(f.server.sent().len(), 4);
}

#[tokio::test]
async fn a_mistyped_code_is_refused_before_any_request() {
    let f = fixture().await;
    let error = f.results.register(&f.owner, "FE9A5MAK6D").await.unwrap_err();
    assert!(matches!(error, ResultsError::Code(SampleCodeError::BadCheckCharacter)));
    assert!(!error.to_string().contains("FE9A"), "the message does not quote the code");
    assert!(f.server.sent().is_empty());
    assert!(f.results.samples().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_offline_registration_waits_and_is_sent_with_the_same_key_after_backoff() {
    let f = fixture().await;
    f.server.answer(offline());
    let sample = f.results.register(&f.owner, SHORT).await.unwrap();
    assert_eq!((sample.state, sample.reason), (SampleState::Registering, SampleReason::NotSentYet));
    let first_wait = sample.next_check_at.unwrap() - now();
    assert!(first_wait >= Duration::milliseconds(2500) && first_wait <= Duration::seconds(5), "{first_wait}");

    f.clock.set(sample.next_check_at.unwrap());
    f.server.answer(offline());
    assert_eq!(f.results.poll_due(None).await.unwrap().failed, 1);
    let second_wait = f.results.sample(&sample.id).await.unwrap().next_check_at.unwrap() - f.clock.now();
    assert!(second_wait >= Duration::seconds(5) && second_wait <= Duration::seconds(10), "backoff grows: {second_wait}");

    f.clock.advance(second_wait);
    f.server.answer(registered("tok-2"));
    f.server.answer(view("unknown_to_lab", "not_yet_reported", Some(600)));
    let recorder = Recorder::default();
    assert_eq!(f.results.poll_due(Some(&recorder)).await.unwrap().changed, 1);
    let keys: Vec<String> = f.server.sent().iter().filter(|s| s.0 == REGISTER_PATH).map(|s| s.2.clone()).collect();
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|k| *k == keys[0]), "every attempt carries the same idempotency key");
    assert_eq!(*recorder.0.lock().unwrap(), vec![(SampleState::UnknownToLab, SampleReason::NotYetReported)]);
}

#[tokio::test]
async fn a_code_registered_elsewhere_is_kept_with_its_own_reason_and_a_second_entry_is_refused() {
    let f = fixture().await;
    f.server.answer(refused(409, "sample_already_registered"));
    let sample = f.results.register(&f.owner, SHORT).await.unwrap();
    assert_eq!((sample.state, sample.reason), (SampleState::RegisteredElsewhere, SampleReason::AlreadyRegistered));
    assert_eq!(sample.next_check_at, None);
    assert!(matches!(f.results.register(&f.owner, SHORT).await, Err(ResultsError::AlreadyFollowed)));
    assert_eq!(f.server.sent().len(), 1);
}

#[tokio::test]
async fn a_registration_refused_for_good_keeps_nothing() {
    let f = fixture().await;
    f.server.answer(refused(400, "invalid_request"));
    assert!(matches!(f.results.register(&f.owner, SHORT).await, Err(ResultsError::Server(_))));
    assert!(f.results.samples().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_forgotten_registration_expires() {
    let f = fixture().await;
    f.server.answer(registered("tok-3"));
    f.server.answer(refused(404, "unknown_registration"));
    let sample = f.results.register(&f.owner, SHORT).await.unwrap();
    assert_eq!((sample.state, sample.reason), (SampleState::Expired, SampleReason::RetentionPassed));
}

#[tokio::test]
async fn an_unverifiable_certificate_is_not_kept_and_the_sample_says_why() {
    let f = fixture().await;
    f.server.answer(registered("tok-4"));
    f.server.answer(Ok(json!({ "state": "positive", "reason": "lab_reported", "certificate": "HC1:NOT-A-CERTIFICATE" })));
    let sample = f.results.register(&f.owner, SHORT).await.unwrap();
    assert_eq!(sample.state, SampleState::Positive);
    assert_eq!(sample.certificate, None);
    assert!(matches!(sample.certificate_problem, Some(CertificateProblem::DoesNotVerify(_))), "{:?}", sample.certificate_problem);
    assert!(matches!(f.results.keep_certificate(&sample.id).await, Err(ResultsError::NoCertificate)));
}

/// An EU DCC test certificate from the published conformance data, with its signer and the instant it is valid at.
fn conformance_test_certificate() -> (String, String, DateTime<Utc>) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/eu-dcc/BE/2DCode/raw/3.json");
    let case: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let at = DateTime::parse_from_rfc3339(case["TESTCTX"]["VALIDATIONCLOCK"].as_str().unwrap()).unwrap().with_timezone(&Utc);
    (case["PREFIX"].as_str().unwrap().to_owned(), case["TESTCTX"]["CERTIFICATE"].as_str().unwrap().to_owned(), at)
}

#[tokio::test]
async fn a_verified_certificate_is_kept_and_outlives_retention_only_when_the_person_keeps_it() {
    let (certificate, signer, at) = conformance_test_certificate();
    let f = fixture_at(at).await;
    f.hb.trust().add_dcc_certificate(&signer).await.unwrap();
    f.server.answer(registered("tok-5"));
    f.server.answer(Ok(json!({ "state": "negative", "reason": "lab_reported", "certificate": certificate })));
    let kept = f.results.register(&f.owner, SHORT).await.unwrap();
    assert_eq!(kept.certificate.as_deref(), Some(certificate.as_str()), "{:?}", kept.certificate_problem);
    f.server.answer(registered("tok-6"));
    f.server.answer(Ok(json!({ "state": "negative", "reason": "pool_negative", "certificate": certificate })));
    let other = f.results.register(&f.owner, "WPHSATMHD4").await.unwrap();
    assert!(other.certificate.is_some());
    f.results.keep_certificate(&kept.id).await.unwrap();

    f.clock.advance(Duration::days(RETENTION_DAYS) - Duration::minutes(1));
    assert_eq!(f.hb.purge_expired().await.unwrap(), 0);
    f.clock.advance(Duration::minutes(2));
    assert_eq!(f.hb.purge_expired().await.unwrap(), 1);
    let left = f.results.samples().await.unwrap();
    assert_eq!(left.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), [kept.id.as_str()]);
    assert!(left[0].keep_certificate);
}

#[tokio::test]
async fn tokens_hashes_and_results_are_not_stored_in_clear() {
    let f = fixture().await;
    const TOKEN: &str = "a5c3e1f0-0000-4000-8000-00000000beef";
    f.server.answer(registered(TOKEN));
    f.server.answer(view("positive", "pool_positive", None));
    f.results.register(&f.owner, SHORT).await.unwrap();
    let conn = f.hb.db.lock();
    let dump: Vec<String> = conn
        .prepare("SELECT quote(sealed) || quote(sealed_code_hash) || coalesce(quote(sealed_token), '') || code_index FROM samples")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let text = dump.join(" ");
    // Blobs are quoted as hex, so the token is looked for as text and as the hex of its bytes; whole, because
    // a short piece such as "beef" turns up in random ciphertext now and then.
    let token_hex: String = TOKEN.bytes().map(|b| format!("{b:02x}")).collect();
    for secret in [code::sha256_hex(SHORT).as_str(), TOKEN, token_hex.as_str(), "positive", "pool_positive"] {
        assert!(!text.to_lowercase().contains(secret), "{secret} found in clear");
    }
}

#[test]
fn the_parser_never_panics_on_random_or_mutated_input() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(2021);
    let seeds = [SHORT.to_owned(), format!("{}{}", code::QR_PREFIX, "A".repeat(32)), "HT1:".into(), "ht1:-".into()];
    let pool: Vec<char> = "23456789ABCDEFGHJKMNPQRSTUVWXYZ01ILO -:\u{0}ßﬀİẞ💉ệ\t\n".chars().collect();
    for round in 0..20_000 {
        let mut text: Vec<char> = if round % 2 == 0 {
            seeds[rng.gen_range(0..seeds.len())].chars().collect()
        } else {
            (0..rng.gen_range(0..60)).map(|_| pool[rng.gen_range(0..pool.len())]).collect()
        };
        for _ in 0..rng.gen_range(0..4) {
            let at = rng.gen_range(0..=text.len());
            match rng.gen_range(0..3) {
                0 if at < text.len() => {
                    text.remove(at);
                }
                1 => text.insert(at, pool[rng.gen_range(0..pool.len())]),
                _ if at < text.len() => text[at] = pool[rng.gen_range(0..pool.len())],
                _ => {}
            }
        }
        let text: String = text.into_iter().collect();
        if let Ok(code) = SampleCode::parse(&text) {
            assert!(code::is_code_hash(&code.hash()));
            assert_eq!(SampleCode::parse(&code.qr_text()).as_ref(), Ok(&code), "a parsed code parses again");
        }
    }
}
