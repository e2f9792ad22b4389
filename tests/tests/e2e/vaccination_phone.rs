//! Vaccination end to end through the cores of a family's phone and a vaccination site's laptop, against the
//! reference server: the phone registers two profiles; the site gets stock and plans a one-place session; the
//! first person invited declines on the phone and the place goes to the next at once; she confirms; at the site her
//! pass is scanned and her dose recorded (twice, stored once, stock down by one); the phone's wallet then holds a
//! certificate it verified before keeping and that a checkpoint accepts; the second dose replaces the certificate
//! and keeps the first in the history.

use std::sync::Arc;

use chrono::{Duration, NaiveTime};
use healthbook_core::credentials::CredentialKind;
use healthbook_core::keystore::MemoryKeyStore;
use healthbook_core::profiles::{BirthDate, ProfileInput, ProfileRelation};
use healthbook_core::vaccination::site::{
    AdministerDoseRequest, CreateSiteRequest, PlanSessionRequest, SlotPlan, StockDelivery, VaccineProduct,
};
use healthbook_core::vaccination::{InvitationState, local_date};
use healthbook_core::{Clock, Healthbook, HealthbookConfig};
use healthbook_e2e::server::{TestBackend, TestPerson, TestServer};
use healthbook_e2e::server_scenarios;
use serde_json::{Value, json};

server_scenarios!(a_family_is_invited_vaccinated_and_carries_its_certificates);

const WARD: &str = "26734";

async fn installation(server: &TestServer, dir: &std::path::Path) -> Healthbook {
    let hb = Healthbook::open(HealthbookConfig { data_dir: dir.to_owned(), key_store: Arc::new(MemoryKeyStore::default()), clock: server.clock.clone() }).unwrap();
    hb.settings().set_server_url(Some(server.base_url.clone())).await.unwrap();
    hb.settings().set_root_key(Some(server.root_key.spki_base64())).await.unwrap();
    hb
}

fn person(name: &str, relation: ProfileRelation) -> ProfileInput {
    ProfileInput { relation, full_name: name.into(), birth: BirthDate { year: 1961, month: None, day: None }, phone: None, citizen_id: None, address: None }
}

async fn a_family_is_invited_vaccinated_and_carries_its_certificates(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let phone_dir = tempfile::tempdir().unwrap();
    let phone = installation(&server, phone_dir.path()).await;
    let son = phone.profiles().add(person("Đặng Văn Hải", ProfileRelation::Myself)).await.unwrap();
    let mother = phone.profiles().add(person("Đặng Thị Lan", ProfileRelation::FamilyMember)).await.unwrap();
    let device_id = phone.outbox().connect_server().await.unwrap();
    server.bind_profile(&device_id, &son.id, &TestPerson::new("Đặng Văn Hải", 1961)).await;
    server.bind_profile(&device_id, &mother.id, &TestPerson::new("Đặng Thị Lan", 1961)).await;
    // The phone learns its bindings as the app does on start (they were made on the server side here).
    assert_eq!(phone.persons().bindings(None).await.unwrap().bindings.len(), 2);

    // Both register in the commune; the son first, so he is first in line (neither is on a priority list).
    let vaccinations = phone.vaccinations();
    assert!(vaccinations.register(&son.id, WARD).await.unwrap().registered());
    server.clock.advance(Duration::minutes(1));
    assert!(vaccinations.register(&mother.id, WARD).await.unwrap().registered());

    // The commune health station's officer, on the site's laptop.
    let admin = server.admin_client().await;
    let _: Value = admin
        .post_json(
            "/v1/accounts",
            &json!({ "role": "health_officer", "username": "tram-y-te", "password": "staff-password",
                     "area": { "province": "79", "wards": [WARD] } }),
        )
        .await
        .unwrap();
    let laptop_dir = tempfile::tempdir().unwrap();
    let laptop = installation(&server, laptop_dir.path()).await;
    let site = laptop.vaccination_site();
    site.sign_in("tram-y-te", "staff-password").await.unwrap();
    let venue = site
        .create_site(&CreateSiteRequest { name: "Trạm Y tế Phường 1".into(), address: "12 Lê Lợi".into(), ward_code: WARD.into() })
        .await
        .unwrap();
    let stock = site
        .deliver(&venue.site_id, &StockDelivery { product: VaccineProduct::Comirnaty, lot: "FK1234".into(), doses: 10, expires_on: None, note: None })
        .await
        .unwrap();
    assert_eq!(stock.lines.iter().map(|l| l.remaining).sum::<u32>(), 10);

    // One place tomorrow morning.
    let today = local_date(server.clock.now());
    let day = today + Duration::days(1);
    let slot = SlotPlan { start: NaiveTime::from_hms_opt(8, 0, 0).unwrap(), end: NaiveTime::from_hms_opt(9, 0, 0).unwrap(), capacity: 1 };
    let session = site
        .plan_session(&PlanSessionRequest { site_id: venue.site_id.clone(), date: day, slots: vec![slot], product: VaccineProduct::Comirnaty, ward_codes: vec![] })
        .await
        .unwrap();
    let round = site.invite(&session.session_id).await.unwrap();
    assert_eq!((round.invited, round.waiting), (1, 1));

    // The son is invited; he declines on the phone, and the place goes to his mother at once.
    vaccinations.refresh().await.unwrap();
    let invitations = vaccinations.invitations().await.unwrap();
    assert_eq!(invitations.len(), 1, "{invitations:?}");
    assert_eq!((invitations[0].profile_id.as_str(), invitations[0].state), (son.id.as_str(), InvitationState::Pending));
    assert_eq!(invitations[0].site_name, "Trạm Y tế Phường 1");
    let declined = vaccinations.answer(&invitations[0].invitation_id, false).await.unwrap();
    assert_eq!(declined.state, InvitationState::Declined);
    vaccinations.refresh().await.unwrap();
    let hers = vaccinations.invitations().await.unwrap().into_iter().find(|i| i.profile_id == mother.id).expect("the place went to the mother");
    assert_eq!(hers.state, InvitationState::Pending);
    assert_eq!(vaccinations.answer(&hers.invitation_id, true).await.unwrap().state, InvitationState::Confirmed);

    // The session day, 08:20 local: her pass is scanned at the site.
    let now = server.clock.now();
    let target = day.and_hms_opt(1, 20, 0).unwrap().and_utc();
    server.clock.advance(target - now);
    let pass = phone.passes().refresh(&mother.id).await.unwrap();
    // A new working day: the officer signs in again (staff sessions are short).
    site.sign_in("tram-y-te", "staff-password").await.unwrap();
    let found = site.lookup(&venue.site_id, &pass.qr).await.unwrap();
    assert_eq!(found.full_name, "Đặng Thị Lan");
    assert_eq!(found.next_dose_number, 1);
    let invitation = found.invitation.clone().expect("today's invitation at this site");
    assert_eq!(invitation.invitation_id, hers.invitation_id);

    // The dose, recorded twice (a retry after a lost answer): stored once, stock down by exactly one.
    let dose = AdministerDoseRequest {
        person_id: found.person_id.clone(),
        site_id: venue.site_id.clone(),
        product: VaccineProduct::Comirnaty,
        lot: "FK1234".into(),
        dose_number: 1,
        date: day,
        invitation_id: Some(invitation.invitation_id.clone()),
    };
    let first = site.record_dose(&dose).await.unwrap();
    let again = site.record_dose(&dose).await.unwrap();
    assert_eq!(first.dose.dose_id, again.dose.dose_id);
    assert_eq!(site.stock(&venue.site_id).await.unwrap().lines.iter().map(|l| l.remaining).sum::<u32>(), 9);

    // The phone's record and wallet: one dose, the next due 21 days on, a certificate the checkpoint accepts.
    let records = vaccinations.refresh().await.unwrap();
    let record = records.iter().find(|r| r.profile_id == mother.id).unwrap();
    assert_eq!(record.doses.len(), 1);
    assert!(record.doses[0].confirmed && !record.doses[0].self_reported);
    assert_eq!(record.next_due, Some(day + Duration::days(21)));
    let certificate = record.certificate.clone().expect("a certificate in the wallet");
    assert_eq!((certificate.dose_number, certificate.series_doses), (1, 2));
    assert!(certificate.qr.starts_with("HC1:"));
    let checkpoint_dir = tempfile::tempdir().unwrap();
    let checkpoint = installation(&server, checkpoint_dir.path()).await;
    checkpoint.trust().refresh().await.unwrap();
    let verdict = checkpoint.trust().verify(&certificate.qr).unwrap();
    assert!(verdict.valid, "{verdict:?}");
    assert_eq!(verdict.kind, CredentialKind::EuDccVaccination);
    let son_record = records.iter().find(|r| r.profile_id == son.id).unwrap();
    assert!(son_record.doses.is_empty() && son_record.certificate.is_none());

    // Three weeks later the second dose (no invitation): a new certificate, the first kept in the history.
    server.clock.advance(Duration::days(21));
    let second_day = local_date(server.clock.now());
    site.sign_in("tram-y-te", "staff-password").await.unwrap();
    let second = site.record_dose(&AdministerDoseRequest { dose_number: 2, date: second_day, invitation_id: None, ..dose.clone() }).await.unwrap();
    assert_eq!(second.certificate.dose_number, 2);
    let records = vaccinations.refresh().await.unwrap();
    let record = records.iter().find(|r| r.profile_id == mother.id).unwrap();
    let current = record.certificate.clone().unwrap();
    assert_eq!((current.dose_number, current.series_doses), (2, 2));
    assert_eq!(record.history.len(), 1);
    assert_eq!(record.history[0].uvci, certificate.uvci);
    assert!(record.history[0].replaced_at.is_some());
    checkpoint.trust().refresh().await.unwrap();
    assert!(checkpoint.trust().verify(&current.qr).unwrap().valid);
    server.stop().await;
}
