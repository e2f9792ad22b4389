//! Home quarantine end to end through the cores of the person's phone and the health officer's laptop, against
//! the reference server: the officer allows the ward, orders quarantine and prints the sticker; the phone signs
//! the commitment, enrols the home and answers the morning window (ok); the evening window goes unanswered and
//! becomes a case; the officer can't decide before the person explains; the explanation reaches the officer with
//! the evidence; an extension moves the end on both sides to what the shared rule gives; a fix far from home the
//! next morning is "needs review", never a penalty by itself.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use healthbook_core::keystore::MemoryKeyStore;
use healthbook_core::profiles::{BirthDate, ProfileInput, ProfileRelation};
use healthbook_core::quarantine::officer::OfficerError;
use healthbook_core::quarantine::wire::{
    CaseState, CheckInSchedule, CreateOrderRequest, DailyWindow, DecisionOutcome, DecisionRequest, EligibilityCriterion,
    ExplanationReason, ExtensionRules, FixSource, Geofence, LocationFix, OrderState, QuarantineVerdict, VerdictReason,
    quarantine_end,
};
use healthbook_core::quarantine::{CheckInState, LocationSource, QuarantineError, RadioScan, RadioScanner, SensorError};
use healthbook_core::{Clock, Healthbook, HealthbookConfig};
use healthbook_e2e::server::{TestBackend, TestPerson, TestServer};
use healthbook_e2e::server_scenarios;
use serde_json::{Value, json};

server_scenarios!(a_person_checks_in_misses_one_explains_and_the_officer_decides);

const WARD: &str = "26734";
const ZONE: &str = "Asia/Ho_Chi_Minh";
const HOME: (f64, f64) = (10.7769, 106.7009);

/// The phone's location as the test sets it; each fix is taken "now" by the server's clock.
struct TestLocation {
    at: Mutex<(f64, f64, f64)>,
    clock: Arc<dyn Clock>,
}

impl LocationSource for TestLocation {
    fn current_fix(&self) -> Result<LocationFix, SensorError> {
        let (lat, lon, accuracy_m) = *self.at.lock().unwrap();
        Ok(LocationFix { lat, lon, accuracy_m, source: FixSource::Fused, mock: false, taken_at: self.clock.now() })
    }
}

/// The home's access points and a neighbour's, always in range.
struct TestRadio;

impl RadioScanner for TestRadio {
    fn scan(&self) -> Result<RadioScan, SensorError> {
        Ok(RadioScan {
            wifi: vec!["aa:bb:cc:00:11:22".into(), "aa:bb:cc:00:11:23".into()],
            bluetooth: vec!["10:20:30:40:50:60".into()],
        })
    }
}

async fn installation(server: &TestServer, dir: &std::path::Path) -> Healthbook {
    let hb = Healthbook::open(HealthbookConfig { data_dir: dir.to_owned(), key_store: Arc::new(MemoryKeyStore::default()), clock: server.clock.clone() }).unwrap();
    hb.settings().set_server_url(Some(server.base_url.clone())).await.unwrap();
    hb.settings().set_root_key(Some(server.root_key.spki_base64())).await.unwrap();
    hb
}

/// `hour:minute` local time on 2021-09-`day` in Ho Chi Minh City (UTC+7, no daylight saving), as UTC.
fn local(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 9, day, hour, minute, 0).unwrap() - chrono::Duration::hours(7)
}

fn window(start: u32, end: u32) -> DailyWindow {
    DailyWindow { start: NaiveTime::from_hms_opt(start, 0, 0).unwrap(), end: NaiveTime::from_hms_opt(end, 0, 0).unwrap() }
}

async fn a_person_checks_in_misses_one_explains_and_the_officer_decides(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    server.clock.set(local(1, 7, 0));

    // The person's phone, bound to the person the officer orders.
    let phone_dir = tempfile::tempdir().unwrap();
    let phone = installation(&server, phone_dir.path()).await;
    let profile = phone
        .profiles()
        .add(ProfileInput {
            relation: ProfileRelation::Myself,
            full_name: "Phạm Minh Tuấn".into(),
            birth: BirthDate { year: 1984, month: None, day: None },
            phone: None,
            citizen_id: None,
            address: None,
        })
        .await
        .unwrap();
    let device_id = phone.outbox().connect_server().await.unwrap();
    let person = TestPerson { province_code: "79".into(), ..TestPerson::new("Phạm Minh Tuấn", 1984) };
    server.bind_profile(&device_id, &profile.id, &person).await;
    assert_eq!(phone.persons().bindings(None).await.unwrap().bindings.len(), 1);

    // The ward's health officer, on a laptop.
    let admin = server.admin_client().await;
    let _: Value = admin
        .post_json(
            "/v1/accounts",
            &json!({ "role": "health_officer", "username": "can-bo-phuong", "password": "staff-password",
                     "area": { "province": "79", "wards": [WARD] } }),
        )
        .await
        .unwrap();
    let laptop_dir = tempfile::tempdir().unwrap();
    let laptop = installation(&server, laptop_dir.path()).await;
    let officer = laptop.quarantine_officer();
    officer.sign_in("can-bo-phuong", "staff-password").await.unwrap();
    officer.allow_ward(WARD, vec![EligibilityCriterion::HealthStationFollowUp, EligibilityCriterion::CommunityTeam], "").await.unwrap();
    let start = NaiveDate::from_ymd_opt(2021, 9, 1).unwrap();
    let order = officer
        .create_order(&CreateOrderRequest {
            person_id: person.id.clone(),
            home_address: "45 Nguyễn Huệ, Phường Bến Nghé".into(),
            ward_code: WARD.into(),
            geofence: Geofence { lat: HOME.0, lon: HOME.1, radius_m: 60.0 },
            start_date: start,
            days: 7,
            time_zone: ZONE.into(),
            schedule: CheckInSchedule {
                daily_windows: vec![window(8, 9), window(20, 21)],
                random_per_day: 0,
                random_window_minutes: 30,
                allow_night: false,
                home_token_each_time: false,
            },
            grace_minutes: 30,
            extension_rules: ExtensionRules { extension_days: 7, max_extensions: 1 },
            commitment_version: 1,
        })
        .await
        .unwrap();
    let sticker = officer.home_token(&order.order_id).await.unwrap();
    let order_id = order.order_id.clone();

    // The phone sees the order with its countdown, reads and signs the commitment, and enrols the home.
    let location = Arc::new(TestLocation { at: Mutex::new((HOME.0 + 0.0001, HOME.1, 12.0)), clock: server.clock.clone() });
    let quarantine = phone.quarantine(location.clone(), Arc::new(TestRadio));
    let orders = quarantine.refresh().await.unwrap();
    assert_eq!(orders.len(), 1);
    let seen = &orders[0];
    assert_eq!((seen.order_id.as_str(), seen.profile_id.as_str(), seen.state), (order_id.as_str(), profile.id.as_str(), OrderState::AwaitingCommitment));
    assert_eq!(seen.ends_at, quarantine_end(start, 7, 0, ZONE).unwrap());
    assert_eq!(seen.ends_at, local(8, 0, 0), "the end of the seventh day, local midnight");
    assert_eq!(seen.days_left, 7);
    let text = quarantine.commitment(&order_id).await.unwrap();
    assert_eq!(text.version, 1);
    assert!(!text.vi.is_empty() && !text.en.is_empty());
    assert_eq!(quarantine.sign_commitment(&order_id, 1).await.unwrap().state, OrderState::AwaitingEnrolment);
    // Another home's sticker (a home token, not this order's): the server's refusal comes back named, for words the
    // person can act on, and nothing changes.
    let other_home = format!("HQ1:{}", "A".repeat(43));
    assert!(matches!(quarantine.enrol(&order_id, &other_home).await, Err(QuarantineError::NotThisHome)));
    assert_eq!(quarantine.orders().await.unwrap()[0].state, OrderState::AwaitingEnrolment);
    assert_eq!(quarantine.enrol(&order_id, &sticker.qr_text).await.unwrap().state, OrderState::Active);
    let on_server = officer.order(&order_id).await.unwrap();
    assert!(on_server.device_key_id.is_some() && on_server.enrolled_at.is_some(), "the order key and the enrolment are on the order");
    let enrolled = quarantine.refresh().await.unwrap().remove(0);
    assert_eq!(enrolled.next_check_in_at, Some(local(1, 8, 0)), "the next window, from the order's local time");
    assert!(enrolled.open_challenge.is_none(), "nothing to answer at 07:00");

    // The morning window: one fix at home, the radio as at enrolment.
    server.clock.set(local(1, 8, 10));
    officer.sign_in("can-bo-phuong", "staff-password").await.unwrap(); // staff sessions are short
    let open = quarantine.refresh().await.unwrap()[0].open_challenge.clone().expect("the morning window is open");
    assert_eq!(open.closes_at, local(1, 9, 0));
    let morning = quarantine.check_in(&order_id, None).await.unwrap();
    assert_eq!((morning.sequence, morning.state, morning.reasons.clone()), (Some(1), CheckInState::Decided(QuarantineVerdict::Ok), vec![]));
    let verdicts = officer.check_ins(&order_id).await.unwrap();
    assert_eq!(verdicts.len(), 1);
    assert_eq!((verdicts[0].verdict, verdicts[0].sequence), (QuarantineVerdict::Ok, Some(1)));
    assert!(verdicts[0].radio_similarity.unwrap() > 0.99, "the home's radios were all seen again");

    // The evening window passes unanswered (battery dead); after its grace the server records a miss and a case.
    server.clock.set(local(1, 21, 45));
    officer.sign_in("can-bo-phuong", "staff-password").await.unwrap(); // staff sessions are short
    quarantine.refresh().await.unwrap();
    let cases = quarantine.cases(&order_id).await.unwrap();
    assert_eq!(cases.len(), 1, "{cases:?}");
    let case = &cases[0];
    assert_eq!((case.state, case.check_in.state), (CaseState::AwaitingExplanation, CheckInState::Decided(QuarantineVerdict::Missed)));
    assert_eq!(case.check_in.reasons, vec![VerdictReason::NoAnswer]);
    assert!(case.decision.is_none());

    // No officer decides before the person could explain.
    let early = officer.decide(&case.case_id, &DecisionRequest { outcome: DecisionOutcome::Warning, note: "Không điểm danh.".into() }).await;
    assert!(matches!(early, Err(OfficerError::AwaitingExplanation)), "{early:?}");
    assert!(officer.order_cases(&order_id).await.unwrap()[0].decision.is_none(), "nothing recorded against the person");

    // The person explains; the officer sees the explanation beside the evidence.
    let explained = quarantine.explain(&case.case_id, ExplanationReason::BatteryDied, "Điện thoại hết pin lúc 19 giờ.").await.unwrap();
    assert!(!explained.explanation_pending, "sent at once while online");
    assert_eq!(explained.state, CaseState::AwaitingDecision);
    let waiting = officer.cases(Some(CaseState::AwaitingDecision)).await.unwrap();
    assert_eq!(waiting.len(), 1);
    let explanation = waiting[0].explanation.as_ref().expect("the explanation reached the officer");
    assert_eq!((explanation.reason, explanation.text.as_str()), (ExplanationReason::BatteryDied, "Điện thoại hết pin lúc 19 giờ."));
    assert_eq!((waiting[0].check_in.verdict, waiting[0].check_in.reasons.clone()), (QuarantineVerdict::Missed, vec![VerdictReason::NoAnswer]));

    // The officer extends the order; phone and server agree on the new end.
    let decided = officer
        .decide(&case.case_id, &DecisionRequest { outcome: DecisionOutcome::Extension, note: "Gia hạn 7 ngày theo quy định.".into() })
        .await
        .unwrap();
    assert_eq!(decided.state, CaseState::Decided);
    let extended_end = quarantine_end(start, 7, 7, ZONE).unwrap();
    assert_eq!(officer.order(&order_id).await.unwrap().ends_at, extended_end);
    let on_phone = quarantine.refresh().await.unwrap().remove(0);
    assert_eq!((on_phone.ends_at, on_phone.extension_days), (extended_end, 7));
    assert_eq!(on_phone.days_left, 14, "fourteen started days from 21:45 on the first day");
    let case_on_phone = quarantine.cases(&order_id).await.unwrap().remove(0);
    assert_eq!(case_on_phone.decision, Some(DecisionOutcome::Extension));
    assert_eq!(case_on_phone.decision_note.as_deref(), Some("Gia hạn 7 ngày theo quy định."));

    // The next morning the fix is two kilometres away: needs review with its reason, and a case to explain.
    server.clock.set(local(2, 8, 5));
    officer.sign_in("can-bo-phuong", "staff-password").await.unwrap(); // staff sessions are short
    *location.at.lock().unwrap() = (HOME.0 + 0.018, HOME.1, 15.0);
    quarantine.refresh().await.unwrap();
    let away = quarantine.check_in(&order_id, None).await.unwrap();
    assert_eq!(away.sequence, Some(2), "the chain goes on from the first record");
    assert_eq!(away.state, CheckInState::Decided(QuarantineVerdict::NeedsReview));
    assert!(away.reasons.contains(&VerdictReason::OutsideFence), "{:?}", away.reasons);
    let open_cases: Vec<_> = quarantine.cases(&order_id).await.unwrap().into_iter().filter(|c| c.state == CaseState::AwaitingExplanation).collect();
    assert_eq!(open_cases.len(), 1);
    assert!(open_cases[0].decision.is_none(), "a doubtful check-in is a question, not a penalty");

    server.stop().await;
}
