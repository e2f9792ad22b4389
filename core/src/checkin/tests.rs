//! The diary and the exposure check against a scripted server, a manual clock and a trust list signed by a test
//! root: posters signed by trusted, unknown, revoked and out-of-scope keys.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use healthbook_protocol::{ExposureAdvice, VenueKind};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use super::*;
use crate::client::{CachedDocument, TrustCache, TrustDocumentKind};
use crate::clock::ManualClock;
use crate::credentials::{CredentialSigner, OwnPayload, PassStatus, PersonalPass, VenuePoster};
use crate::keystore::MemoryKeyStore;
use crate::persons::TransportError;
use crate::profiles::{BirthDate, ProfileInput, ProfileRelation};
use crate::trust::db::DatabaseTrustCache;
use crate::trust::{IssuerKey, IssuerRole, Revocation, RevocationKind, RevocationList, SigningKey, TrustList, kid_for_spki};
use crate::{HealthbookConfig, PlatformKeyStore};

/// Answers each GET from a script.
#[derive(Default)]
struct ScriptedServer {
    answers: Mutex<Vec<Result<Value, TransportError>>>,
}

impl ScriptedServer {
    fn answer(&self, answer: Result<Value, TransportError>) {
        self.answers.lock().unwrap().push(answer);
    }
}

#[async_trait::async_trait]
impl PersonsTransport for ScriptedServer {
    async fn send(&self, verb: Verb, path: &str, _body: Option<Value>) -> Result<Value, TransportError> {
        assert_eq!((verb, path), (Verb::Get, RISKY_VENUES_PATH));
        let mut answers = self.answers.lock().unwrap();
        assert!(!answers.is_empty(), "unscripted request to {path}");
        answers.remove(0)
    }
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 9, 1, 8, 0, 0).unwrap()
}

struct Fixture {
    dir: tempfile::TempDir,
    keys: Arc<dyn PlatformKeyStore>,
    clock: Arc<ManualClock>,
    hb: Healthbook,
    server: Arc<ScriptedServer>,
    checkins: CheckIns,
    /// Trusted for posters of agency-a.
    agency: CredentialSigner,
    /// Trusted, then revoked.
    revoked: CredentialSigner,
    /// Not in the trust list.
    stranger: CredentialSigner,
    /// The authority (passes).
    authority: CredentialSigner,
    profile: String,
}

fn signer(name: &str) -> CredentialSigner {
    CredentialSigner::from_pkcs8(&CredentialSigner::generate_pkcs8().unwrap(), name).unwrap()
}

fn entry_of(signer: &CredentialSigner, role: IssuerRole, scope: &str, now: DateTime<Utc>) -> IssuerKey {
    let spki = signer.public_key_spki();
    IssuerKey {
        kid: kid_for_spki(&spki),
        role,
        scope: scope.into(),
        name: signer.issuer().into(),
        public_key: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &spki),
        not_before: now - Duration::days(1),
        not_after: now + Duration::days(365),
    }
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(start()));
    let keys: Arc<dyn PlatformKeyStore> = Arc::new(MemoryKeyStore::default());
    let hb = Healthbook::open(HealthbookConfig { data_dir: dir.path().into(), key_store: keys.clone(), clock: clock.clone() }).unwrap();
    let (root, _) = SigningKey::generate().unwrap();
    hb.settings().set_root_key(Some(root.verifying_key().spki_base64())).await.unwrap();
    let (agency, revoked, stranger, authority) = (signer("Agency A"), signer("Agency R"), signer("Nobody"), signer("Bộ Y tế"));
    let now = clock.now();
    let list = TrustList {
        version: 1,
        issued_at: now,
        keys: vec![
            entry_of(&agency, IssuerRole::Agency, "agency:agency-a", now),
            entry_of(&revoked, IssuerRole::Agency, "agency:agency-r", now),
            entry_of(&authority, IssuerRole::Authority, "*", now),
        ],
        next_update: Some(now + Duration::days(1)),
    };
    let revocations = RevocationList {
        version: 1,
        issued_at: now,
        entries: vec![Revocation {
            kind: RevocationKind::IssuerKey,
            id: kid_for_spki(&revoked.public_key_spki()),
            revoked_at: now,
            reason: "agency closed".into(),
        }],
        next_update: Some(now + Duration::days(1)),
    };
    let cache = DatabaseTrustCache::new(hb.db.clone());
    let doc = |jws: String| CachedDocument { jws, etag: None, fetched_at: now };
    cache.store(TrustDocumentKind::TrustList, &doc(list.sign(&root).unwrap())).unwrap();
    cache.store(TrustDocumentKind::RevocationList, &doc(revocations.sign(&root).unwrap())).unwrap();
    hb.db.note_trust_changed();
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
        .unwrap()
        .id;
    let server = Arc::new(ScriptedServer::default());
    let checkins = hb.checkins_with(server.clone());
    Fixture { dir, keys, clock, hb, server, checkins, agency, revoked, stranger, authority, profile }
}

fn venue(id: &str, agency: &str, stay: Option<u32>) -> VenuePoster {
    VenuePoster {
        venue_id: id.into(),
        name: "Chợ Bến Thành".into(),
        admin_unit: Some("26740".into()),
        agency_id: Some(agency.into()),
        stay_minutes: stay,
        kind: Some(VenueKind::Market),
        ..VenuePoster::default()
    }
}

impl Fixture {
    fn poster(&self, by: &CredentialSigner, poster: VenuePoster) -> String {
        let now = self.clock.now();
        by.issue(&OwnPayload::VenuePoster(poster), "poster-1", now - Duration::days(1), now + Duration::days(365)).unwrap()
    }

    fn market(&self) -> String {
        self.poster(&self.agency, venue("venue-1", "agency-a", Some(60)))
    }

    fn reopen(&mut self) {
        self.hb = Healthbook::open(HealthbookConfig { data_dir: self.dir.path().into(), key_store: self.keys.clone(), clock: self.clock.clone() })
            .unwrap();
        self.checkins = self.hb.checkins_with(self.server.clone());
    }

    fn risky(&self, windows: &[(&str, &str, DateTime<Utc>, DateTime<Utc>)]) {
        let windows: Vec<Value> = windows
            .iter()
            .map(|(id, venue, from, to)| {
                let hash: String = venue_hash(venue).iter().map(|b| format!("{b:02x}")).collect();
                json!({ "id": id, "venue_hash": hash, "from": from, "to": to, "advice": "get_tested" })
            })
            .collect();
        self.server.answer(Ok(json!({ "generated_at": self.clock.now(), "windows": windows })));
    }
}

fn refusal(result: Result<DiaryEntry, CheckInError>) -> PosterRefusal {
    match result {
        Err(CheckInError::Refused(r)) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_scan_checks_in_a_rescan_returns_the_open_visit_and_the_stay_checks_out() {
    let f = fixture().await;
    let entry = f.checkins.check_in(&f.profile, &f.market()).await.unwrap();
    assert_eq!(entry.venue_id.as_deref(), Some("venue-1"));
    assert_eq!((entry.venue_name.as_str(), entry.venue_kind, entry.ward_code.as_deref()), ("Chợ Bến Thành", Some(VenueKind::Market), Some("26740")));
    assert_eq!((entry.stay_minutes, entry.checked_in_at, entry.checked_out_at, entry.manual), (60, start(), None, false));

    f.clock.advance(Duration::minutes(30));
    let again = f.checkins.check_in(&f.profile, &f.market()).await.unwrap();
    assert_eq!(again, entry, "a second scan within the stay extends nothing");
    assert_eq!(f.checkins.diary().await.unwrap().len(), 1);

    f.clock.advance(Duration::minutes(31));
    let diary = f.checkins.diary().await.unwrap();
    assert_eq!(diary[0].checked_out_at, Some(start() + Duration::minutes(60)));
    assert!(diary[0].auto_checked_out);
    let next = f.checkins.check_in(&f.profile, &f.market()).await.unwrap();
    assert_ne!(next.id, entry.id, "after the stay a scan is a new visit");
    let diary = f.checkins.diary().await.unwrap();
    assert_eq!(diary.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), [next.id.as_str(), entry.id.as_str()], "newest first");
}

#[tokio::test]
async fn a_poster_without_a_stay_gets_four_hours() {
    let f = fixture().await;
    let entry = f.checkins.check_in(&f.profile, &f.poster(&f.agency, venue("venue-2", "agency-a", None))).await.unwrap();
    assert_eq!(entry.stay_minutes, DEFAULT_STAY_MINUTES);
    f.clock.advance(Duration::hours(4) - Duration::seconds(1));
    assert_eq!(f.checkins.entry(&entry.id).await.unwrap().checked_out_at, None);
    f.clock.advance(Duration::seconds(1));
    assert_eq!(f.checkins.entry(&entry.id).await.unwrap().checked_out_at, Some(start() + Duration::hours(4)));
}

#[tokio::test]
async fn refused_posters_name_their_reason_and_keep_nothing() {
    let f = fixture().await;
    assert_eq!(refusal(f.checkins.check_in(&f.profile, &f.poster(&f.stranger, venue("v", "agency-a", None))).await), PosterRefusal::UnknownKey);
    assert_eq!(refusal(f.checkins.check_in(&f.profile, &f.poster(&f.revoked, venue("v", "agency-r", None))).await), PosterRefusal::Revoked);
    assert_eq!(refusal(f.checkins.check_in(&f.profile, &f.poster(&f.agency, venue("v", "agency-b", None))).await), PosterRefusal::OutOfScope);
    let now = f.clock.now();
    let expired = f
        .agency
        .issue(&OwnPayload::VenuePoster(venue("v", "agency-a", None)), "p", now - Duration::days(10), now - Duration::days(1))
        .unwrap();
    assert_eq!(refusal(f.checkins.check_in(&f.profile, &expired).await), PosterRefusal::Expired);
    let pass = PersonalPass { name: "Lan".into(), birth_year: None, status: PassStatus::Green, reasons: vec![], province: None };
    let pass = f.authority.issue(&OwnPayload::PersonalPass(pass), "c", now, now + Duration::days(1)).unwrap();
    assert_eq!(refusal(f.checkins.check_in(&f.profile, &pass).await), PosterRefusal::NotAPoster);
    assert_eq!(refusal(f.checkins.check_in(&f.profile, "not a qr").await), PosterRefusal::Unreadable);
    assert!(f.checkins.diary().await.unwrap().is_empty());
    let err = f.checkins.check_in(&f.profile, &f.poster(&f.agency, venue("v", "agency-b", None))).await.unwrap_err();
    assert!(!err.to_string().contains("Bến Thành") && !err.to_string().contains("agency-b"), "no claim values in errors");
}

#[tokio::test]
async fn a_forged_signature_is_refused_as_forged() {
    use coset::TaggedCborSerializable;
    let f = fixture().await;
    // A genuine poster with one bit of its signature flipped: the trusted key id stays, the signature fails.
    let (ty, cose) = crate::credentials::container::decode_to_cose_bytes(&f.market()).unwrap();
    let mut sign1 = crate::credentials::container::parse_cose(&cose).unwrap();
    sign1.signature[0] ^= 1;
    let forged = crate::credentials::container::encode_qr_text(ty, &sign1.to_tagged_vec().unwrap()).unwrap();
    assert_eq!(refusal(f.checkins.check_in(&f.profile, &forged).await), PosterRefusal::Forged);
}

#[tokio::test]
async fn manual_entries_check_places_and_times_and_check_out_delete_work() {
    let f = fixture().await;
    let now = f.clock.now();
    for bad in ["", "   ", &"x".repeat(201), "a\u{0}b"] {
        assert!(matches!(f.checkins.add_manual(&f.profile, bad, now, None).await, Err(CheckInError::InvalidPlace)), "{bad:?}");
    }
    for (from, to) in [
        (now + Duration::minutes(1), None),
        (now - Duration::hours(1), Some(now - Duration::hours(2))),
        (now - Duration::hours(1), Some(now + Duration::minutes(1))),
        (now - Duration::days(22), Some(now - Duration::days(21) - Duration::hours(23))),
    ] {
        assert!(matches!(f.checkins.add_manual(&f.profile, "Nhà bà ngoại", from, to).await, Err(CheckInError::InvalidTimes)));
    }
    // Decomposed input is kept NFC.
    let decomposed = "Qua\u{0301}n cà phê";
    let entry = f.checkins.add_manual(&f.profile, decomposed, now - Duration::hours(3), Some(now - Duration::hours(1))).await.unwrap();
    assert_eq!(entry.venue_name, "Quán cà phê");
    assert!(entry.manual && entry.venue_id.is_none() && !entry.auto_checked_out);
    assert_eq!(f.checkins.add_manual(&f.profile, &"ế".repeat(200), now, Some(now)).await.unwrap().venue_name.chars().count(), 200);
    assert!(matches!(f.checkins.add_manual("nobody", "Chợ", now, None).await, Err(CheckInError::Profile(_))));

    let visit = f.checkins.check_in(&f.profile, &f.market()).await.unwrap();
    f.clock.advance(Duration::minutes(10));
    let out = f.checkins.check_out(&visit.id).await.unwrap();
    assert_eq!((out.checked_out_at, out.auto_checked_out), (Some(start() + Duration::minutes(10)), false));
    f.clock.advance(Duration::minutes(10));
    assert_eq!(f.checkins.check_out(&visit.id).await.unwrap(), out, "checking out twice changes nothing");
    // Checked out by hand: a new scan is a new visit.
    assert_ne!(f.checkins.check_in(&f.profile, &f.market()).await.unwrap().id, visit.id);
    f.checkins.delete(&visit.id).await.unwrap();
    assert!(matches!(f.checkins.delete(&visit.id).await, Err(CheckInError::NotFound(_))));
    assert!(matches!(f.checkins.check_out(&visit.id).await, Err(CheckInError::NotFound(_))));
    assert_eq!(f.checkins.diary().await.unwrap().len(), 3);
}

#[tokio::test]
async fn entries_older_than_21_days_go_at_open_and_on_purge() {
    let mut f = fixture().await;
    let old = f.checkins.check_in(&f.profile, &f.market()).await.unwrap();
    f.clock.advance(Duration::days(10));
    let newer = f.checkins.add_manual(&f.profile, "Nhà thờ", f.clock.now(), None).await.unwrap();
    // Thirty days later the app is opened again: the old visit is gone before anything reads it.
    f.clock.advance(Duration::days(20));
    f.reopen();
    let raw: i64 = f.hb.db.read_blocking(|c| c.query_row("SELECT count(*) FROM checkins", [], |r| r.get(0)).map_err(StorageErrorOf::from)).unwrap();
    assert_eq!(raw, 1);
    let diary = f.checkins.diary().await.unwrap();
    assert_eq!(diary.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), [newer.id.as_str()]);
    assert_ne!(old.id, newer.id);
    // Exactly 21 days after arrival it is still there; a second later the daily purge removes it.
    f.clock.set(newer.checked_in_at + Duration::days(21));
    assert_eq!(f.hb.purge_expired().await.unwrap(), 0);
    f.clock.advance(Duration::seconds(1));
    assert_eq!(f.hb.purge_expired().await.unwrap(), 1);
    assert!(f.checkins.diary().await.unwrap().is_empty());
}

type StorageErrorOf = crate::storage::StorageError;

#[tokio::test]
async fn venue_names_and_times_are_not_stored_in_clear() {
    let f = fixture().await;
    f.checkins.check_in(&f.profile, &f.market()).await.unwrap();
    f.checkins.add_manual(&f.profile, "Phòng khám Hạnh Phúc", f.clock.now(), None).await.unwrap();
    drop(f.checkins);
    drop(f.hb);
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(f.dir.path()).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let haystack = String::from_utf8_lossy(&bytes);
    for secret in ["Bến Thành", "Hạnh Phúc", "venue-1", "26740", &start().timestamp_millis().to_string()] {
        assert!(!haystack.contains(secret), "{secret} found in clear");
    }
}

#[tokio::test]
async fn exposure_alerts_once_per_window_and_visit_even_after_a_new_download() {
    let f = fixture().await;
    let visit = f.checkins.check_in(&f.profile, &f.market()).await.unwrap();
    let other = f.poster(&f.agency, venue("venue-9", "agency-a", Some(30)));
    f.checkins.check_in(&f.profile, &other).await.unwrap();
    f.clock.advance(Duration::hours(5));
    f.checkins.add_manual(&f.profile, "venue-1", start(), Some(start() + Duration::hours(1))).await.unwrap();
    let (w_from, w_to) = (start() + Duration::minutes(30), start() + Duration::hours(2));
    f.risky(&[("w1", "venue-1", w_from, w_to), ("w2", "venue-1", start() + Duration::hours(3), start() + Duration::hours(4)), ("w3", "venue-7", start(), w_to)]);
    assert_eq!(f.checkins.refresh_risky().await.unwrap(), RiskyRefresh { windows: 3, skipped: 0 });
    let alerts = f.checkins.match_exposure().await.unwrap();
    assert_eq!(alerts.len(), 1, "only the scanned visit overlapping w1; the manual entry never matches");
    let alert = &alerts[0];
    assert_eq!((alert.window_id.as_str(), alert.entry_id.as_str(), alert.venue_name.as_str()), ("w1", visit.id.as_str(), "Chợ Bến Thành"));
    assert_eq!((alert.visited_at, alert.left_at, alert.advice, alert.seen), (start(), start() + Duration::hours(1), ExposureAdvice::GetTested, false));
    assert!(f.checkins.match_exposure().await.unwrap().is_empty(), "never twice");
    // A new download with the same window (and one more far away) alerts nothing new.
    f.risky(&[("w1", "venue-1", w_from, w_to), ("w4", "venue-1", start() + Duration::days(2), start() + Duration::days(3))]);
    f.checkins.refresh_risky().await.unwrap();
    assert!(f.checkins.match_exposure().await.unwrap().is_empty());
    // A fresh handle (restarted app) rebuilds the index from the kept windows and still alerts nothing new.
    assert!(f.hb.checkins_with(f.server.clone()).match_exposure().await.unwrap().is_empty());
    let kept = f.checkins.alerts().await.unwrap();
    assert_eq!(kept.len(), 1);
    f.checkins.mark_seen(&kept[0].id).await.unwrap();
    assert!(f.checkins.alerts().await.unwrap()[0].seen);
    assert!(matches!(f.checkins.mark_seen("nope").await, Err(CheckInError::NotFound(_))));
    // Deleting the visit takes its alert with it.
    f.checkins.delete(&visit.id).await.unwrap();
    assert!(f.checkins.alerts().await.unwrap().is_empty());
}

#[tokio::test]
async fn offline_and_bad_answers_are_typed() {
    let f = fixture().await;
    f.server.answer(Err(TransportError::Client(crate::client::ClientError::Network("connection refused".into()))));
    let err = f.checkins.refresh_risky().await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    f.server.answer(Ok(json!({ "windows": "nope" })));
    assert!(matches!(f.checkins.refresh_risky().await, Err(CheckInError::BadAnswer)));
    // A bad hash or reversed window is skipped, the rest kept.
    f.server.answer(Ok(json!({ "generated_at": start(), "windows": [
        { "id": "a", "venue_hash": "zz", "from": start(), "to": start(), "advice": "self_isolate" },
        { "id": "b", "venue_hash": "ab".repeat(32), "from": start(), "to": start() - Duration::hours(1), "advice": "self_isolate" },
        { "id": "c", "venue_hash": "AB".repeat(32), "from": start(), "to": start(), "advice": "self_isolate" },
    ] })));
    assert_eq!(f.checkins.refresh_risky().await.unwrap(), RiskyRefresh { windows: 1, skipped: 2 });
}

#[tokio::test]
async fn random_and_mutated_scans_and_lists_never_panic() {
    let f = fixture().await;
    let mut rng = StdRng::seed_from_u64(16);
    let seed = f.market();
    for i in 0..300 {
        let text = if i % 3 == 0 {
            (0..rng.gen_range(0..120)).map(|_| rng.gen_range(0x20u8..0x7f) as char).collect::<String>()
        } else {
            let mut bytes = seed.clone().into_bytes();
            for _ in 0..rng.gen_range(1..4) {
                let at = rng.gen_range(0..bytes.len());
                bytes[at] = rng.gen_range(0x20u8..0x7f);
            }
            String::from_utf8(bytes).unwrap()
        };
        match f.checkins.check_in(&f.profile, &text).await {
            Ok(entry) => assert_eq!(entry.venue_id.as_deref(), Some("venue-1"), "only the genuine poster may verify: {text}"),
            Err(CheckInError::Refused(_)) => {}
            Err(other) => panic!("{other:?} for {text}"),
        }
    }
    let good = json!({ "generated_at": start(), "windows": [{ "id": "w", "venue_hash": "ab".repeat(32), "from": start(), "to": start(), "advice": "get_tested" }] });
    let good = serde_json::to_string(&good).unwrap();
    for _ in 0..300 {
        let mut bytes = good.clone().into_bytes();
        for _ in 0..rng.gen_range(1..6) {
            let at = rng.gen_range(0..bytes.len());
            bytes[at] = rng.gen_range(0x20u8..0x7f);
        }
        let body = serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        f.server.answer(Ok(body));
        match f.checkins.refresh_risky().await {
            Ok(_) | Err(CheckInError::BadAnswer) => {}
            Err(other) => panic!("{other:?}"),
        }
        f.checkins.match_exposure().await.unwrap();
    }
}
