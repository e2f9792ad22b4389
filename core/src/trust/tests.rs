//! The phone's shared verifier store: built once per change, never touching the database between changes, and
//! the stale flag that a fresh refresh clears (with an injected clock).

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};

use crate::client::{CachedDocument, TrustCache, TrustDocumentKind};
use crate::clock::ManualClock;
use crate::credentials::{CredentialSigner, OwnPayload, PassStatus, PersonalPass};
use crate::keystore::MemoryKeyStore;
use crate::trust::{IssuerKey, IssuerRole, RevocationList, SigningKey, TrustList, kid_for_spki};
use crate::trust::db::DatabaseTrustCache;
use crate::{Clock, Healthbook, HealthbookConfig};

struct Fixture {
    _dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    keys: Arc<MemoryKeyStore>,
    hb: Healthbook,
    root: SigningKey,
    issuer: CredentialSigner,
    version: u64,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2021, 8, 15, 1, 0, 0).unwrap()));
    let keys = Arc::new(MemoryKeyStore::default());
    let config = HealthbookConfig { data_dir: dir.path().into(), key_store: keys.clone(), clock: clock.clone() };
    let hb = Healthbook::open(config).unwrap();
    let (root, _) = SigningKey::generate().unwrap();
    hb.settings().set_root_key(Some(root.verifying_key().spki_base64())).await.unwrap();
    let issuer = CredentialSigner::from_pkcs8(&CredentialSigner::generate_pkcs8().unwrap(), "Bộ Y tế").unwrap();
    let mut f = Fixture { _dir: dir, clock, keys, hb, root, issuer, version: 0 };
    f.publish();
    f
}

impl Fixture {
    /// What a successful refresh leaves in the cache: both lists, signed now, due in a day.
    fn publish(&mut self) {
        self.version += 1;
        let now = self.clock.now();
        let spki = self.issuer.public_key_spki();
        let key = IssuerKey {
            kid: kid_for_spki(&spki),
            role: IssuerRole::Authority,
            scope: "*".into(),
            name: "Bộ Y tế".into(),
            public_key: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &spki),
            not_before: now - Duration::days(1),
            not_after: now + Duration::days(365),
        };
        let next_update = Some(now + Duration::hours(24));
        let list = TrustList { version: self.version, issued_at: now, keys: vec![key], next_update };
        let revocations = RevocationList { version: self.version, issued_at: now, entries: vec![], next_update };
        let cache = DatabaseTrustCache::new(self.hb.db.clone());
        let doc = |jws: String| CachedDocument { jws, etag: None, fetched_at: now };
        cache.store(TrustDocumentKind::TrustList, &doc(list.sign(&self.root).unwrap())).unwrap();
        cache.store(TrustDocumentKind::RevocationList, &doc(revocations.sign(&self.root).unwrap())).unwrap();
    }

    fn pass(&self) -> String {
        let pass = PersonalPass { name: "Đỗ Thị Hoa".into(), birth_year: Some(1990), status: PassStatus::Green, reasons: vec![], province: None };
        let now = self.clock.now();
        self.issuer.issue(&OwnPayload::PersonalPass(pass), "c-1", now, now + Duration::days(30)).unwrap()
    }
}

#[tokio::test]
async fn ten_thousand_scans_read_the_database_once() {
    let f = fixture().await;
    let text = f.pass();
    assert!(f.hb.trust().verify(&text).unwrap().valid);
    let after_first = f.hb.db.access_count();
    let started = std::time::Instant::now();
    for _ in 0..10_000 {
        assert!(f.hb.trust().verify(&text).unwrap().valid);
    }
    let elapsed = started.elapsed();
    assert_eq!(f.hb.db.access_count(), after_first, "scans after the first must not touch the database");
    println!("10,000 scans after the first: {elapsed:?} ({:?} each), 0 database accesses", elapsed / 10_000);
}

#[tokio::test]
async fn a_stale_list_is_flagged_and_a_fresh_refresh_clears_it() {
    let mut f = fixture().await;
    let text = f.pass();
    let first = f.hb.trust().verify(&text).unwrap();
    assert!(first.valid && !first.trust_list_stale);
    // Network cut: no refresh for next_update (24 h) plus the default maximum age (48 h), and a bit.
    f.clock.advance(Duration::hours(72) + Duration::minutes(1));
    let stale = f.hb.trust().verify(&text).unwrap();
    assert!(stale.valid, "a stale list still decides");
    assert!(stale.trust_list_stale);
    // The refresh stores new lists; the next scan rebuilds the shared store and the flag is gone.
    f.publish();
    let fresh = f.hb.trust().verify(&text).unwrap();
    assert!(fresh.valid && !fresh.trust_list_stale);
    // The maximum age is configurable: an hour past next_update is stale with a one-hour maximum.
    f.clock.advance(Duration::hours(25) + Duration::minutes(1));
    assert!(!f.hb.trust().verify(&text).unwrap().trust_list_stale);
    f.hb.settings().set_trust_max_age_hours(1).await.unwrap();
    assert!(f.hb.trust().verify(&text).unwrap().trust_list_stale);
}

#[tokio::test]
async fn the_maximum_age_is_a_persisted_setting() {
    let mut f = fixture().await;
    assert_eq!(f.hb.settings().trust_max_age().await.unwrap(), Duration::hours(48), "48 hours unless changed");
    for refused in [0, 721] {
        assert!(matches!(
            f.hb.settings().set_trust_max_age_hours(refused).await,
            Err(crate::settings::SettingsError::InvalidTrustMaxAge)
        ));
    }
    f.hb.settings().set_trust_max_age_hours(2).await.unwrap();
    let text = f.pass();
    // Due in 24 h: with two hours of grace, 25 h later is quiet and 27 h later is stale.
    f.clock.advance(Duration::hours(25));
    assert!(!f.hb.trust().verify(&text).unwrap().trust_list_stale);
    // Reopened (a restarted checkpoint): the setting is still there and decides.
    let config = HealthbookConfig { data_dir: f._dir.path().into(), key_store: f.keys.clone(), clock: f.clock.clone() };
    f.hb = Healthbook::open(config).unwrap();
    assert_eq!(f.hb.settings().trust_max_age().await.unwrap(), Duration::hours(2));
    f.clock.advance(Duration::hours(2));
    assert!(f.hb.trust().verify(&text).unwrap().trust_list_stale);
}

/// A conformance case's QR text, signing certificate and validation time, from the shared conformance data.
fn conformance_case(case: &str) -> (String, String, chrono::DateTime<Utc>) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/eu-dcc").join(case);
    let value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let ctx = &value["TESTCTX"];
    let at = chrono::DateTime::parse_from_rfc3339(ctx["VALIDATIONCLOCK"].as_str().unwrap()).unwrap().with_timezone(&Utc);
    (value["PREFIX"].as_str().unwrap().to_owned(), ctx["CERTIFICATE"].as_str().unwrap().to_owned(), at)
}

#[tokio::test]
async fn an_imported_signer_list_makes_its_dccs_verify_and_never_goes_back() {
    use crate::trust::dcc_signers::testing::{TestPublisher, entry, list_json};
    use crate::trust::{DscListError, TrustStoreError, store::CheckpointError};
    let f = fixture().await;
    let (qr, de, at) = conformance_case("DE/2DCode/raw/1.json");
    let (_, be, _) = conformance_case("BE/2DCode/raw/1.json");
    let trust = f.hb.trust();
    assert!(!trust.verify_at(&qr, at).unwrap().valid, "not before its signer is trusted");
    let publisher = TestPublisher::generate();
    let june = publisher.sign(&list_json(vec![
        entry("DSC", "DE", &de, None, "2021-06-01T12:00:00+02:00"),
        entry("DSC", "XX", &de, Some("AAAAAAAAAAA="), "2021-06-01T12:00:00+02:00"),
    ]));
    let report = trust.import_dcc_signers(&june, &publisher.public_key_pem).await.unwrap();
    assert_eq!((report.accepted, report.skipped, report.countries), (1, 1, 1));
    assert!(trust.verify_at(&qr, at).unwrap().valid, "the list's DSC verifies its DCC offline");
    let status = trust.dcc_signer_status().await.unwrap();
    let list = status.list.unwrap();
    assert_eq!((list.signers, list.list_date, status.manual), (1, Utc.with_ymd_and_hms(2021, 6, 1, 10, 0, 0).unwrap(), 0));

    // A forged list and an older one are refused and change nothing.
    let forged = june.replace("\"DE\"", "\"FR\"");
    assert!(matches!(
        trust.import_dcc_signers(&forged, &publisher.public_key_pem).await,
        Err(TrustStoreError::Checkpoint(CheckpointError::DscList(DscListError::BadSignature)))
    ));
    let may = publisher.sign(&list_json(vec![entry("DSC", "BE", &be, None, "2021-05-01T00:00:00Z")]));
    assert!(matches!(
        trust.import_dcc_signers(&may, &publisher.public_key_pem).await,
        Err(TrustStoreError::Checkpoint(CheckpointError::DscList(DscListError::Older { .. })))
    ));
    assert!(trust.verify_at(&qr, at).unwrap().valid);

    // A hand-added signer stays when a newer list replaces the listed ones; the DE signer leaves with its list.
    trust.add_dcc_certificate(&be).await.unwrap();
    let july = publisher.sign(&list_json(vec![entry("DSC", "BE", &be, None, "2021-07-01T00:00:00Z")]));
    trust.import_dcc_signers(&july, &publisher.public_key_pem).await.unwrap();
    assert!(!trust.verify_at(&qr, at).unwrap().valid, "a signer the newer list dropped is no longer trusted");
    let status = trust.dcc_signer_status().await.unwrap();
    assert_eq!((status.list.unwrap().signers, status.manual), (0, 1), "the BE signer is the hand-added one");
}

/// Serves `body` once per connection as an HTTP/1.1 answer on loopback (a national backend standing in); returns
/// the URL of its list.
async fn serve_once(body: Vec<u8>, connections: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        for _ in 0..connections {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            let head = format!("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len());
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&body).await;
        }
    });
    format!("http://{addr}/trustList/DSC/")
}

#[tokio::test]
async fn a_list_is_imported_from_a_url_within_the_size_limit() {
    use crate::trust::dcc_signers::testing::{TestPublisher, entry, list_json};
    let f = fixture().await;
    let (qr, de, at) = conformance_case("DE/2DCode/raw/1.json");
    let publisher = TestPublisher::generate();
    let list = publisher.sign(&list_json(vec![entry("DSC", "DE", &de, None, "2021-06-01T12:00:00Z")]));
    let url = serve_once(list.into_bytes(), 1).await;
    let report = f.hb.trust().import_dcc_signers_from_url(&url, &publisher.public_key_pem).await.unwrap();
    assert_eq!(report.accepted, 1);
    assert!(f.hb.trust().verify_at(&qr, at).unwrap().valid);
    // A backend answering with more than 16 MiB is cut off, and nothing changes.
    let url = serve_once(vec![b' '; crate::trust::dcc_signers::MAX_DSC_LIST_BYTES + 1], 1).await;
    assert!(f.hb.trust().import_dcc_signers_from_url(&url, &publisher.public_key_pem).await.is_err());
    assert_eq!(f.hb.trust().dcc_signer_status().await.unwrap().list.unwrap().signers, 1);
}
