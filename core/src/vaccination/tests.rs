//! The vaccination area against a scripted server (reads and outbox deliveries) and a manual clock, with a
//! trust list naming a vaccination site's key, as the server publishes it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use ciborium::Value as Cbor;
use serde_json::{json, Value};

use super::*;
use crate::client::{CachedDocument, ClientError, TrustCache, TrustDocumentKind};
use crate::clock::ManualClock;
use crate::credentials::{CredentialSigner, CredentialType};
use crate::keystore::MemoryKeyStore;
use crate::outbox::{DeliveryError, OutboxTransport};
use crate::persons::{Binding, BindingMethod, BoundPerson, Verification};
use crate::profiles::{BirthDate, ProfileInput, ProfileRelation};
use crate::trust::db::DatabaseTrustCache;
use crate::trust::{kid_for_spki, IssuerKey, IssuerRole, SigningKey, TrustList};
use crate::{HealthbookConfig, Healthbook};

/// Serves the records and invitations it is given, and answers outbox deliveries from a script.
#[derive(Default)]
struct FakeServer {
    offline: AtomicBool,
    records: Mutex<Value>,
    invitations: Mutex<Value>,
    posts: Mutex<Vec<(String, Value, String)>>,
    answers: Mutex<VecDeque<Result<Value, DeliveryError>>>,
    /// Runs while the next POST is on its way (before its answer), to act on the phone meanwhile.
    during_post: Mutex<Option<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>>>,
}

impl FakeServer {
    fn answer(&self, answer: Result<Value, DeliveryError>) {
        self.answers.lock().unwrap().push_back(answer);
    }

    fn posts(&self) -> Vec<(String, Value, String)> {
        self.posts.lock().unwrap().clone()
    }

    fn serve(&self, records: Value, invitations: Value) {
        *self.records.lock().unwrap() = records;
        *self.invitations.lock().unwrap() = invitations;
    }
}

#[async_trait::async_trait]
impl VaccinationTransport for FakeServer {
    async fn get(&self, path: &str) -> Result<Value, TransportError> {
        if self.offline.load(Ordering::SeqCst) {
            return Err(TransportError::Client(ClientError::Network("connection refused".into())));
        }
        match path {
            RECORDS_PATH => Ok(self.records.lock().unwrap().clone()),
            INVITATIONS_PATH => Ok(self.invitations.lock().unwrap().clone()),
            other => panic!("unexpected GET {other}"),
        }
    }

    async fn deliver(&self, engine: &SyncEngine) -> Result<SyncReport, OutboxError> {
        engine.sync_now(self, None).await
    }
}

#[async_trait::async_trait]
impl OutboxTransport for FakeServer {
    async fn deliver(&self, item: &OutboxItem) -> Result<Value, DeliveryError> {
        if self.offline.load(Ordering::SeqCst) {
            return Err(DeliveryError::Unreachable("connection refused".into()));
        }
        self.posts.lock().unwrap().push((item.path.clone(), item.body.clone(), item.idempotency_key.clone()));
        let meanwhile = self.during_post.lock().unwrap().take();
        if let Some(meanwhile) = meanwhile {
            meanwhile.await;
        }
        self.answers.lock().unwrap().pop_front().unwrap_or_else(|| panic!("unscripted POST {}", item.path))
    }
}

fn refused(status: u16, code: &str) -> Result<Value, DeliveryError> {
    Err(crate::outbox::http::classify(ClientError::Http { status, code: code.into(), message: "refused".into() }))
}

struct Fixture {
    _dir: tempfile::TempDir,
    hb: Healthbook,
    clock: Arc<ManualClock>,
    server: Arc<FakeServer>,
    vaccinations: Vaccinations,
    site: CredentialSigner,
    stranger: CredentialSigner,
    owner: String,
    child: String,
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 9, 1, 8, 0, 0).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn signer(name: &str) -> CredentialSigner {
    CredentialSigner::from_pkcs8(&CredentialSigner::generate_pkcs8().unwrap(), name).unwrap()
}

async fn profile(hb: &Healthbook, name: &str, relation: ProfileRelation) -> String {
    hb.profiles()
        .add(ProfileInput {
            relation,
            full_name: name.into(),
            birth: BirthDate { year: 1990, month: None, day: None },
            phone: None,
            citizen_id: None,
            address: None,
        })
        .await
        .unwrap()
        .id
}

fn bind(hb: &Healthbook, profile_id: &str, person_id: &str) {
    let binding = Binding {
        profile_id: profile_id.into(),
        person: BoundPerson {
            person_id: person_id.into(),
            full_name: "Nguyễn Thị Lan".into(),
            birth_year: 1990,
            province_code: Some("79".into()),
            verification: Verification::Attested,
        },
        method: BindingMethod::Attestation,
        created_at: start(),
        other_devices: vec![],
    };
    let sealer = hb.sealer.clone();
    hb.db.write_blocking(move |tx| crate::persons::db::put(tx, &sealer, &binding, start())).unwrap();
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(start()));
    let hb = Healthbook::open(HealthbookConfig {
        data_dir: dir.path().into(),
        key_store: Arc::new(MemoryKeyStore::default()),
        clock: clock.clone(),
    })
    .unwrap();
    let (root, _) = SigningKey::generate().unwrap();
    hb.settings().set_root_key(Some(root.verifying_key().spki_base64())).await.unwrap();
    let (site, stranger) = (signer("VN"), signer("VN"));
    let spki = site.public_key_spki();
    let list = TrustList {
        version: 1,
        issued_at: start(),
        keys: vec![IssuerKey {
            kid: kid_for_spki(&spki),
            role: IssuerRole::VaccinationSite,
            scope: "site:s1".into(),
            name: "Trạm Y tế phường Bến Nghé".into(),
            public_key: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &spki),
            not_before: start() - Duration::days(1),
            not_after: start() + Duration::days(3650),
        }],
        next_update: Some(start() + Duration::days(1)),
    };
    let cache = DatabaseTrustCache::new(hb.db.clone());
    cache.store(TrustDocumentKind::TrustList, &CachedDocument { jws: list.sign(&root).unwrap(), etag: None, fetched_at: start() }).unwrap();
    hb.db.note_trust_changed();
    let owner = profile(&hb, "Nguyễn Thị Lan", ProfileRelation::Myself).await;
    let child = profile(&hb, "Trần Văn Cường", ProfileRelation::FamilyMember).await;
    bind(&hb, &owner, "person-1");
    bind(&hb, &child, "person-2");
    let server = Arc::new(FakeServer::default());
    server.serve(json!({ "profiles": [] }), json!({ "invitations": [] }));
    let vaccinations = hb.vaccinations_with(server.clone());
    Fixture { _dir: dir, hb, clock, server, vaccinations, site, stranger, owner, child }
}

/// A vaccination certificate as a site signs it (EU DCC 1.3, EU value sets).
fn certificate(signer: &CredentialSigner, uvci: &str, product: VaccineProduct, dose: u8, date: NaiveDate, issued: DateTime<Utc>) -> Value {
    let text = |s: &str| Cbor::Text(s.to_owned());
    let int = |n: i64| Cbor::Integer(n.into());
    let entry = Cbor::Map(vec![
        (text("tg"), text("840539006")),
        (text("vp"), text(product.eu_prophylaxis())),
        (text("mp"), text(product.eu_product())),
        (text("ma"), text(product.eu_manufacturer())),
        (text("dn"), int(dose.into())),
        (text("sd"), int(product.series_doses().into())),
        (text("dt"), text(&date.to_string())),
        (text("co"), text("VN")),
        (text("is"), text("Ministry of Health of Viet Nam")),
        (text("ci"), text(uvci)),
    ]);
    let hcert = Cbor::Map(vec![
        (text("ver"), text("1.3.0")),
        (text("nam"), Cbor::Map(vec![(text("fn"), text("Nguyễn")), (text("fnt"), text("NGUYEN")), (text("gn"), text("Thị Lan")), (text("gnt"), text("THI<LAN"))])),
        (text("dob"), text("1990")),
        (text("v"), Cbor::Array(vec![entry])),
    ]);
    let expires = issued + Duration::days(365);
    let claims = Cbor::Map(vec![
        (int(1), text("VN")),
        (int(6), int(issued.timestamp())),
        (int(4), int(expires.timestamp())),
        (int(-260), Cbor::Map(vec![(int(1), hcert)])),
    ]);
    let qr = signer.sign_claims(CredentialType::EuDcc, &claims).unwrap();
    json!({
        "uvci": uvci, "qr": qr, "dose_number": dose, "series_doses": product.series_doses(), "product": product.as_str(),
        "date": date, "issued_at": issued, "expires_at": expires,
    })
}

fn dose(id: &str, person: &str, product: &str, number: u8, date: NaiveDate, source: &str, confirmed: bool) -> Value {
    let mut d = json!({
        "dose_id": id, "person_id": person, "product": product, "dose_number": number, "date": date, "lot": "A1234",
        "source": source, "recorded_by": "acct-1", "recorded_at": start(),
    });
    if confirmed {
        d["confirmed_by"] = json!("officer-1");
        d["confirmed_at"] = json!(start());
    }
    d
}

fn registration(person: &str, group: Option<u8>) -> Value {
    let mut r = json!({
        "registration_id": format!("reg-{person}"), "person_id": person, "ward_code": "26734", "source": "phone",
        "registered_at": start(),
    });
    if let Some(g) = group {
        r["priority_group"] = json!(g);
    }
    r
}

fn invitation(id: &str, profile_id: &str, state: &str, starts: DateTime<Utc>) -> Value {
    json!({
        "invitation_id": id, "profile_ref": profile_id, "site_name": "Trạm Y tế phường Bến Nghé",
        "site_address": "1 Nguyễn Huệ", "starts_at": starts, "ends_at": starts + Duration::hours(1), "product": "vaxzevria",
        "dose_number": 2, "state": state, "answer_by": start() + Duration::hours(48),
    })
}

fn outbox_len(f: &Fixture) -> i64 {
    f.hb.db.lock().query_row("SELECT count(*) FROM outbox", [], |r| r.get(0)).unwrap()
}

#[tokio::test]
async fn a_registration_waits_offline_then_goes_once_with_its_key() {
    let f = fixture().await;
    f.server.offline.store(true, Ordering::SeqCst);
    let record = f.vaccinations.register(&f.owner, " 26734 ").await.unwrap();
    let queued = record.registration.clone().unwrap();
    assert_eq!((queued.state, queued.ward_code.as_str()), (RegistrationState::Queued, "26734"));
    assert!(!record.registered());
    assert_eq!(outbox_len(&f), 1);
    // Registering again while it waits queues nothing more.
    f.vaccinations.register(&f.owner, "26734").await.unwrap();
    assert_eq!(outbox_len(&f), 1);

    f.server.offline.store(false, Ordering::SeqCst);
    f.clock.advance(Duration::hours(1));
    f.server.answer(Ok(registration("person-1", Some(3))));
    f.server.serve(json!({ "profiles": [{ "profile_ref": f.owner, "registration": registration("person-1", Some(3)), "doses": [], "history": [] }] }), json!({ "invitations": [] }));
    let records = f.vaccinations.refresh().await.unwrap();
    let posts = f.server.posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].0, REGISTER_PATH);
    assert_eq!(posts[0].1, json!({ "profile_ref": f.owner, "ward_code": "26734" }));
    let owner = records.iter().find(|r| r.profile_id == f.owner).unwrap();
    assert!(owner.registered());
    assert_eq!(owner.priority_group(), Some(3));
    assert_eq!(owner.registration.as_ref().unwrap().requested_at, start(), "the phone's request time is kept");
    assert_eq!(owner.refreshed_at, Some(start() + Duration::hours(1)));
    assert_eq!(outbox_len(&f), 0);
    // The same commune again changes nothing; another one is refused.
    f.vaccinations.register(&f.owner, "26734").await.unwrap();
    assert_eq!(outbox_len(&f), 0);
    assert!(matches!(f.vaccinations.register(&f.owner, "26735").await, Err(VaccinationError::AlreadyRegistered)));
}

#[tokio::test]
async fn a_resent_registration_keeps_its_idempotency_key() {
    let f = fixture().await;
    f.server.answer(refused(503, "unavailable"));
    f.vaccinations.register(&f.owner, "26734").await.unwrap();
    f.clock.advance(Duration::hours(2));
    f.server.answer(Ok(registration("person-1", None)));
    f.hb.outbox().sync_with(f.server.as_ref(), None).await.unwrap();
    let posts = f.server.posts();
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].2, posts[1].2, "the retry carries the same key");
    assert!(f.vaccinations.record(&f.owner).await.unwrap().registered());
}

#[tokio::test]
async fn a_registration_is_checked_before_it_is_queued() {
    let f = fixture().await;
    assert!(matches!(f.vaccinations.register(&f.owner, "7901").await, Err(VaccinationError::InvalidWard)));
    assert!(matches!(f.vaccinations.register(&f.owner, "2673a").await, Err(VaccinationError::InvalidWard)));
    let unbound = profile(&f.hb, "Lê Văn Dũng", ProfileRelation::FamilyMember).await;
    assert!(matches!(f.vaccinations.register(&unbound, "26734").await, Err(VaccinationError::NotBound)));
    assert!(matches!(f.vaccinations.register("no-such-profile", "26734").await, Err(VaccinationError::Profile(_))));
    assert_eq!(outbox_len(&f), 0);
}

#[tokio::test]
async fn a_refused_registration_says_why_and_can_be_sent_again() {
    let f = fixture().await;
    f.server.answer(refused(400, "invalid_request"));
    let record = f.vaccinations.register(&f.owner, "26734").await.unwrap();
    let refused_one = record.registration.unwrap();
    assert_eq!(refused_one.state, RegistrationState::Refused);
    assert!(refused_one.refused_reason.unwrap().contains("invalid_request"));
    f.server.answer(Ok(registration("person-1", None)));
    assert!(f.vaccinations.register(&f.owner, "26734").await.unwrap().registered());
}

#[tokio::test]
async fn refresh_keeps_doses_certificates_and_due_dates_and_self_reported_doses_never_count() {
    let f = fixture().await;
    let first = certificate(&f.site, "URN:UVCI:01:VN:AAA1", VaccineProduct::Vaxzevria, 1, day(2021, 8, 1), start() - Duration::days(31));
    f.server.serve(
        json!({ "profiles": [
            { "profile_ref": f.owner, "registration": registration("person-1", Some(2)),
              "doses": [dose("d1", "person-1", "vaxzevria", 1, day(2021, 8, 1), "site", false)],
              "next_due": day(2021, 9, 26), "certificate": first, "history": [] },
            { "profile_ref": f.child, "doses": [dose("d2", "person-2", "Pfizer (giấy)", 1, day(2021, 7, 1), "self_reported", false)], "history": [] },
        ] }),
        json!({ "invitations": [] }),
    );
    let records = f.vaccinations.refresh().await.unwrap();
    let owner = records.iter().find(|r| r.profile_id == f.owner).unwrap();
    assert_eq!(owner.profile_name, "Nguyễn Thị Lan");
    assert_eq!(owner.doses.len(), 1);
    assert!(owner.doses[0].confirmed && !owner.doses[0].self_reported);
    assert_eq!(owner.doses[0].product_name, "AstraZeneca (Vaxzevria)");
    assert_eq!(owner.next_due, Some(day(2021, 9, 26)), "56 days after the first AstraZeneca dose");
    assert_eq!(owner.certificate.as_ref().unwrap().uvci, "URN:UVCI:01:VN:AAA1");
    assert!(owner.history.is_empty());
    let child = records.iter().find(|r| r.profile_id == f.child).unwrap();
    assert!(child.doses[0].self_reported && !child.doses[0].confirmed, "a self-reported dose is never shown as confirmed");
    assert_eq!(child.next_due, None, "an unconfirmed dose starts no schedule");
    assert!(!child.registered());

    // The second dose replaces the certificate; the first stays in the history, also once the server forgets it.
    f.clock.advance(Duration::days(60));
    let second = certificate(&f.site, "URN:UVCI:01:VN:AAA2", VaccineProduct::Vaxzevria, 2, day(2021, 9, 27), f.clock.now());
    f.server.serve(
        json!({ "profiles": [
            { "profile_ref": f.owner, "registration": registration("person-1", Some(2)),
              "doses": [dose("d1", "person-1", "vaxzevria", 1, day(2021, 8, 1), "site", false),
                        dose("d3", "person-1", "vaxzevria", 2, day(2021, 9, 27), "site", false)],
              "certificate": second, "history": [] },
            { "profile_ref": f.child, "doses": [dose("d2", "person-2", "comirnaty", 1, day(2021, 7, 1), "self_reported", true)], "history": [] },
        ] }),
        json!({ "invitations": [] }),
    );
    let records = f.vaccinations.refresh().await.unwrap();
    let owner = records.iter().find(|r| r.profile_id == f.owner).unwrap();
    assert_eq!(owner.certificate.as_ref().unwrap().uvci, "URN:UVCI:01:VN:AAA2");
    assert_eq!(owner.history.iter().map(|c| c.uvci.as_str()).collect::<Vec<_>>(), ["URN:UVCI:01:VN:AAA1"]);
    assert_eq!(owner.history[0].replaced_at, Some(f.clock.now()));
    assert_eq!(owner.next_due, Some(day(2021, 12, 26)), "a booster 90 days after the series");
    let child = records.iter().find(|r| r.profile_id == f.child).unwrap();
    assert!(child.doses[0].confirmed && !child.doses[0].self_reported, "confirmed by an officer, it counts");
    assert_eq!(child.next_due, Some(day(2021, 7, 22)));
}

#[tokio::test]
async fn a_certificate_that_does_not_verify_or_match_stores_nothing() {
    let f = fixture().await;
    let good = certificate(&f.site, "URN:UVCI:01:VN:GOOD", VaccineProduct::Comirnaty, 1, day(2021, 8, 20), start());
    let serve = |cert: Value| {
        f.server.serve(
            json!({ "profiles": [{ "profile_ref": f.owner, "registration": registration("person-1", None),
                "doses": [dose("d1", "person-1", "comirnaty", 1, day(2021, 8, 20), "site", false)], "certificate": cert, "history": [] }] }),
            json!({ "invitations": [invitation("inv-1", &f.owner, "pending", start() + Duration::days(3))] }),
        )
    };
    let cases = [
        (certificate(&f.stranger, "URN:UVCI:01:VN:GOOD", VaccineProduct::Comirnaty, 1, day(2021, 8, 20), start()), "unknown_key"),
        ({
            let mut c = good.clone();
            c["dose_number"] = json!(2);
            c
        }, "dose_number"),
        ({
            let mut c = good.clone();
            c["uvci"] = json!("URN:UVCI:01:VN:OTHER");
            c
        }, "uvci"),
        ({
            let mut c = good.clone();
            let qr = c["qr"].as_str().unwrap().to_owned();
            c["qr"] = json!(format!("{}A{}", &qr[..20], &qr[21..]));
            c
        }, ""),
    ];
    for (cert, expected) in cases {
        serve(cert);
        let error = f.vaccinations.refresh().await.unwrap_err();
        let VaccinationError::Certificate(problem) = &error else { panic!("{error:?}") };
        match problem {
            CertificateProblem::Mismatch(field) => assert_eq!(field, expected),
            CertificateProblem::DoesNotVerify(_) | CertificateProblem::NoTrustList => {
                assert!(expected.is_empty() || expected == "unknown_key", "{problem:?}")
            }
            CertificateProblem::NotVaccination => panic!("{problem:?}"),
        }
        assert!(!error.to_string().contains("UVCI"), "no certificate id in the message");
        let owner = f.vaccinations.record(&f.owner).await.unwrap();
        assert!(owner.certificate.is_none() && owner.doses.is_empty() && owner.refreshed_at.is_none(), "nothing stored");
        assert!(f.vaccinations.invitations().await.unwrap().is_empty());
    }
    serve(good);
    f.vaccinations.refresh().await.unwrap();
    assert!(f.vaccinations.record(&f.owner).await.unwrap().certificate.is_some());
}

#[tokio::test]
async fn an_answer_waits_offline_and_shows_as_pending() {
    let f = fixture().await;
    f.server.serve(json!({ "profiles": [] }), json!({ "invitations": [invitation("inv-1", &f.owner, "pending", start() + Duration::days(3))] }));
    f.vaccinations.refresh().await.unwrap();
    f.server.offline.store(true, Ordering::SeqCst);
    let shown = f.vaccinations.answer("inv-1", true).await.unwrap();
    assert_eq!((shown.state, shown.server_state, shown.answer_pending), (InvitationState::Confirmed, InvitationState::Pending, true));
    // Changing one's mind offline replaces the queued answer.
    let shown = f.vaccinations.answer("inv-1", false).await.unwrap();
    assert_eq!((shown.state, shown.answer_pending), (InvitationState::Declined, true));
    assert_eq!(outbox_len(&f), 1);
    // A refresh while the answer waits (the server still says pending) keeps it pending.
    f.server.offline.store(false, Ordering::SeqCst);
    let mut declined = invitation("inv-1", "", "declined", start() + Duration::days(3));
    declined["profile_ref"] = json!("");
    f.server.answer(Ok(declined));
    f.clock.advance(Duration::minutes(5));
    f.hb.outbox().sync_with(f.server.as_ref(), None).await.unwrap();
    let posts = f.server.posts();
    assert_eq!(posts.len(), 1);
    assert_eq!((posts[0].0.as_str(), &posts[0].1), ("/v1/vaccination/invitations/inv-1/answer", &json!({ "answer": "decline" })));
    let shown = f.vaccinations.invitation("inv-1").await.unwrap();
    assert_eq!((shown.state, shown.server_state, shown.answer_pending), (InvitationState::Declined, InvitationState::Declined, false));
    assert_eq!(shown.profile_id, f.owner);
    assert!(matches!(f.vaccinations.answer("inv-1", true).await, Err(VaccinationError::InvitationClosed)));
}

#[tokio::test]
async fn a_closed_invitation_is_marked_not_retried() {
    let f = fixture().await;
    f.server.serve(json!({ "profiles": [] }), json!({ "invitations": [invitation("inv-1", &f.owner, "pending", start() + Duration::days(3))] }));
    f.vaccinations.refresh().await.unwrap();
    f.server.answer(refused(409, "invitation_closed"));
    let shown = f.vaccinations.answer("inv-1", true).await.unwrap();
    assert_eq!((shown.state, shown.answer_pending, shown.closed_reason), (InvitationState::Expired, false, Some(ClosedReason::InvitationClosed)));
    f.clock.advance(Duration::days(1));
    f.hb.outbox().sync_with(f.server.as_ref(), None).await.unwrap();
    assert_eq!(f.server.posts().len(), 1, "never sent again");
    assert!(matches!(f.vaccinations.answer("inv-1", true).await, Err(VaccinationError::InvitationClosed)));
    // The server's own state replaces the mark at the next refresh.
    f.server.serve(json!({ "profiles": [] }), json!({ "invitations": [invitation("inv-1", &f.owner, "expired", start() + Duration::days(3))] }));
    f.vaccinations.refresh().await.unwrap();
    let shown = f.vaccinations.invitation("inv-1").await.unwrap();
    assert_eq!((shown.state, shown.closed_reason), (InvitationState::Expired, None));
}

#[tokio::test]
async fn an_answer_after_its_time_is_refused_here() {
    let f = fixture().await;
    f.server.serve(json!({ "profiles": [] }), json!({ "invitations": [invitation("inv-1", &f.owner, "pending", start() + Duration::days(3))] }));
    f.vaccinations.refresh().await.unwrap();
    f.clock.advance(Duration::hours(48));
    assert!(matches!(f.vaccinations.answer("inv-1", true).await, Err(VaccinationError::InvitationClosed)));
    assert!(matches!(f.vaccinations.answer("inv-404", true).await, Err(VaccinationError::UnknownInvitation)));
    assert_eq!(outbox_len(&f), 0);
}

#[tokio::test]
async fn reminders_name_due_doses_and_unanswered_invitations() {
    let f = fixture().await;
    f.server.serve(
        json!({ "profiles": [
            { "profile_ref": f.owner, "registration": registration("person-1", None),
              "doses": [dose("d1", "person-1", "comirnaty", 1, day(2021, 8, 20), "site", false)], "history": [] },
            { "profile_ref": f.child, "registration": registration("person-2", None),
              "doses": [dose("d2", "person-2", "comirnaty", 1, day(2021, 8, 25), "site", false)], "history": [] },
        ] }),
        json!({ "invitations": [] }),
    );
    f.vaccinations.refresh().await.unwrap();
    // Owner due 2021-09-10, child 2021-09-15.
    let kinds = |r: &[Reminder]| r.iter().map(|r| (r.profile_id.clone(), r.kind)).collect::<Vec<_>>();
    assert!(f.vaccinations.reminders(start(), 3).await.unwrap().is_empty());
    let soon = f.vaccinations.reminders(start(), 9).await.unwrap();
    assert_eq!(kinds(&soon), [(f.owner.clone(), ReminderKind::DoseDue)]);
    assert_eq!(soon[0].due_on, Some(day(2021, 9, 10)));
    assert_eq!(soon[0].profile_name, "Nguyễn Thị Lan");
    // An invitation covers the owner's dose and waits for an answer.
    f.server.serve(
        json!({ "profiles": [] }),
        json!({ "invitations": [invitation("inv-1", &f.owner, "pending", start() + Duration::days(8))] }),
    );
    f.vaccinations.refresh().await.unwrap();
    let now = f.clock.now();
    let reminders = f.vaccinations.reminders(now, 14).await.unwrap();
    assert_eq!(kinds(&reminders), [(f.child.clone(), ReminderKind::DoseDue), (f.owner.clone(), ReminderKind::InvitationToAnswer)]);
    assert_eq!(reminders[1].invitation_id.as_deref(), Some("inv-1"));
    f.server.offline.store(true, Ordering::SeqCst);
    f.vaccinations.answer("inv-1", true).await.unwrap();
    let reminders = f.vaccinations.reminders(now, 14).await.unwrap();
    assert_eq!(kinds(&reminders), [(f.child.clone(), ReminderKind::DoseDue)], "answered (even offline): nothing to remind");
}

#[tokio::test]
async fn invitations_go_thirty_days_after_their_slot() {
    let f = fixture().await;
    let slot = start() + Duration::days(2);
    f.server.serve(json!({ "profiles": [] }), json!({ "invitations": [invitation("inv-1", &f.owner, "attended", slot)] }));
    f.vaccinations.refresh().await.unwrap();
    f.clock.set(slot + Duration::hours(1) + Duration::days(INVITATION_RETENTION_DAYS) - Duration::minutes(1));
    assert_eq!(f.hb.purge_expired().await.unwrap(), 0);
    f.clock.advance(Duration::minutes(2));
    assert_eq!(f.hb.purge_expired().await.unwrap(), 1);
    assert!(f.vaccinations.invitations().await.unwrap().is_empty());
}

#[tokio::test]
async fn removing_a_profile_removes_its_records_and_what_it_had_queued() {
    let f = fixture().await;
    f.server.offline.store(true, Ordering::SeqCst);
    f.vaccinations.register(&f.child, "26734").await.unwrap();
    assert_eq!(outbox_len(&f), 1);
    f.hb.profiles().remove(&f.child).await.unwrap();
    assert_eq!(outbox_len(&f), 0);
    assert_eq!(f.vaccinations.records().await.unwrap().len(), 1);
}

#[tokio::test]
async fn certificates_and_doses_are_not_stored_in_clear() {
    let f = fixture().await;
    let cert = certificate(&f.site, "URN:UVCI:01:VN:SECRET42", VaccineProduct::Comirnaty, 1, day(2021, 8, 20), start());
    let qr = cert["qr"].as_str().unwrap().to_owned();
    f.server.serve(
        json!({ "profiles": [{ "profile_ref": f.owner, "registration": registration("person-1", Some(7)),
            "doses": [dose("d1", "person-1", "comirnaty", 1, day(2021, 8, 20), "site", false)], "certificate": cert, "history": [] }] }),
        json!({ "invitations": [invitation("inv-1", &f.owner, "pending", start() + Duration::days(3))] }),
    );
    f.vaccinations.refresh().await.unwrap();
    let conn = f.hb.db.lock();
    let mut text = String::new();
    for table in ["vaccination_records", "vaccination_invitations", "vaccination_certificates"] {
        let rows: Vec<String> =
            conn.prepare(&format!("SELECT quote(sealed) FROM {table}")).unwrap().query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
        assert!(!rows.is_empty());
        text.push_str(&rows.join(" "));
    }
    let hex = |s: &str| s.bytes().map(|b| format!("{b:02X}")).collect::<String>();
    for secret in ["SECRET42", &qr[..24], "comirnaty", "26734", "Bến Nghé", "A1234"] {
        assert!(!text.contains(&hex(secret)), "{secret} found in clear");
    }
}

#[tokio::test]
async fn unreadable_or_mutated_server_answers_never_panic() {
    use rand::{Rng, SeedableRng};
    let f = fixture().await;
    let good_records = json!({ "profiles": [{ "profile_ref": f.owner, "registration": registration("person-1", Some(2)),
        "doses": [dose("d1", "person-1", "vaxzevria", 1, day(2021, 8, 1), "site", false)],
        "certificate": certificate(&f.site, "URN:UVCI:01:VN:F1", VaccineProduct::Vaxzevria, 1, day(2021, 8, 1), start()), "history": [] }] });
    let good_invitations = json!({ "invitations": [invitation("inv-1", &f.owner, "pending", start() + Duration::days(3))] });
    let mut rng = rand::rngs::StdRng::seed_from_u64(12);
    let junk = [json!(null), json!(-1), json!(300), json!(""), json!("HC1:"), json!([]), json!({}), json!(u64::MAX), json!("2021-13-45"), json!("💉")];
    fn count(v: &Value) -> usize {
        match v {
            Value::Object(m) => m.values().map(count).sum(),
            Value::Array(a) => a.iter().map(count).sum(),
            _ => 1,
        }
    }
    /// The `n`th leaf of `v`, depth first.
    fn leaf<'a>(v: &'a mut Value, n: &mut usize) -> Option<&'a mut Value> {
        match v {
            Value::Object(m) => m.values_mut().find_map(|c| leaf(c, n)),
            Value::Array(a) => a.iter_mut().find_map(|c| leaf(c, n)),
            other if *n == 0 => Some(other),
            _ => {
                *n -= 1;
                None
            }
        }
    }
    let mut stored = 0;
    for _ in 0..300 {
        let (mut records, mut invitations) = (good_records.clone(), good_invitations.clone());
        for _ in 0..rng.gen_range(1..4) {
            let target = if rng.gen_bool(0.5) { &mut records } else { &mut invitations };
            let mut n = rng.gen_range(0..count(target));
            let slot = leaf(target, &mut n).expect("a leaf");
            *slot = match (rng.gen_range(0..3), slot.as_str()) {
                (0, Some(text)) if !text.is_empty() => {
                    let mut chars: Vec<char> = text.chars().collect();
                    let i = rng.gen_range(0..chars.len());
                    chars[i] = ['A', '0', ':', 'é', '\u{0}'][rng.gen_range(0..5)];
                    json!(chars.into_iter().collect::<String>())
                }
                _ => junk[rng.gen_range(0..junk.len())].clone(),
            };
        }
        f.server.serve(records, invitations);
        if f.vaccinations.refresh().await.is_ok() {
            stored += 1;
        }
        f.vaccinations.records().await.unwrap();
        f.vaccinations.invitations().await.unwrap();
    }
    assert!(stored < 300, "mutations were refused at least sometimes");
}

#[tokio::test]
async fn over_http_an_unreachable_server_leaves_the_registration_queued() {
    let f = fixture().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    f.hb.settings().set_server_url(Some(format!("http://{closed}"))).await.unwrap();
    let vaccinations = f.hb.vaccinations();
    let record = vaccinations.register(&f.owner, "26734").await.unwrap();
    assert_eq!(record.registration.unwrap().state, RegistrationState::Queued);
    assert_eq!(outbox_len(&f), 1);
    let error = vaccinations.refresh().await.unwrap_err();
    assert!(error.is_transient(), "{error:?}");
    assert_eq!(vaccinations.record(&f.owner).await.unwrap().registration.unwrap().state, RegistrationState::Queued);
}

#[tokio::test]
async fn an_answer_given_while_the_first_is_on_its_way_stays_pending() {
    let f = fixture().await;
    f.server.serve(json!({ "profiles": [] }), json!({ "invitations": [invitation("inv-1", &f.owner, "pending", start() + Duration::days(3))] }));
    f.vaccinations.refresh().await.unwrap();
    let mut confirmed = invitation("inv-1", "", "confirmed", start() + Duration::days(3));
    confirmed["profile_ref"] = json!("");
    f.server.answer(Ok(confirmed));
    // The decline is queued while the confirmation is on its way; its own delivery then fails for now.
    f.server.answer(refused(503, "unavailable"));
    let (vaccinations, db) = (f.vaccinations.clone(), f.hb.db.clone());
    *f.server.during_post.lock().unwrap() = Some(Box::pin(async move {
        let first: i64 = db.lock().query_row("SELECT max(id) FROM outbox", [], |r| r.get(0)).unwrap();
        tokio::spawn(async move { vaccinations.answer("inv-1", false).await.unwrap() });
        for _ in 0..500 {
            let newer: i64 = db.lock().query_row("SELECT count(*) FROM outbox WHERE id > ?1", [first], |r| r.get(0)).unwrap();
            if newer == 1 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        panic!("the second answer was not queued");
    }));
    f.vaccinations.answer("inv-1", true).await.unwrap();
    // Let the spawned answer finish its own (failing) delivery; the invitation is final once it was posted.
    for _ in 0..2000 {
        if f.server.posts().len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let shown = f.vaccinations.invitation("inv-1").await.unwrap();
    assert_eq!(f.server.posts()[1].1, json!({ "answer": "decline" }));
    assert_eq!((shown.server_state, shown.state, shown.answer_pending), (InvitationState::Confirmed, InvitationState::Declined, true));
}
