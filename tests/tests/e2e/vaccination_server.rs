//! The vaccination server (issue 12), end to end over HTTP against SQLite and PostgreSQL: the session
//! acceptance (100 places, 150 registered people, invitations in order, 10 declines refilled from the waiting
//! list, doses recorded, stock down by exactly the doses given, every certificate verifying and decoding to its
//! dose with the EU value sets), a dose recorded twice stored once, stock never below zero and sessions never
//! above it, a confirmed self-reported dose certified, who may call each endpoint and what they see, and
//! random and mutated bodies that never give a 5xx.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use ciborium::Value as Cbor;
use healthbook_core::Clock;
use healthbook_core::client::{MemoryTrustCache, ServerClient};
use healthbook_core::credentials::{self, CheckpointTrustStore, CredentialKind, DccEntry, PayloadSummary, Verifier, container};
use healthbook_e2e::server::{TestBackend, TestPerson, TestServer, assert_http_error, raw_request, test_config};
use healthbook_e2e::server_scenarios;
use healthbook_protocol::vaccination::VaccineProduct;
use healthbook_server::ServerConfig;
use healthbook_server::storage::StorageError;
use healthbook_server::vaccination::rules::uvci_checks;
use serde_json::{Value, json};

server_scenarios!(
    a_session_of_100_places_invites_150_people_in_order_and_certifies_every_dose,
    a_dose_recorded_twice_is_stored_once_and_stock_never_goes_below_zero,
    a_volunteer_registers_a_person_and_a_confirmed_paper_dose_is_certified,
    who_may_call_each_endpoint_and_what_they_see,
    random_and_mutated_bodies_never_give_a_server_error,
);

const PROVINCE: &str = "79";
const WARD: &str = "26734";
const OTHER_WARD: &str = "26740";
const PASSWORD: &str = "staff-password";
/// Profiles per test phone (the acceptance scenario spreads 150 people over a few phones).
const PROFILES_PER_PHONE: usize = 30;
/// The session's day, local: the day after the test clock's start (2021-07-01 15:00 local).
const SESSION_DAY: (i32, u32, u32) = (2021, 7, 2);

/// Moving the clock to the session's day must not end the signed-in sessions.
fn config() -> ServerConfig {
    ServerConfig { token_ttl: Duration::days(60), ..test_config() }
}

fn session_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(SESSION_DAY.0, SESSION_DAY.1, SESSION_DAY.2).unwrap()
}

async fn staff(server: &TestServer, role: &str, username: &str, area: Option<Value>) -> ServerClient {
    let admin = server.admin_client().await;
    let mut body = json!({ "role": role, "username": username, "password": PASSWORD });
    if let Some(area) = area {
        body["area"] = area;
    }
    if role == "gate_operator" {
        let agency = admin.create_agency("Chợ Bến Thành").await.unwrap();
        body["agency_id"] = json!(agency.id);
    }
    let _: Value = admin.post_json("/v1/accounts", &body).await.unwrap();
    let client = server.client();
    client.sign_in_staff(username, PASSWORD).await.unwrap();
    client
}

fn area(province: &str, wards: &[&str]) -> Option<Value> {
    Some(json!({ "province": province, "wards": wards }))
}

async fn officer(server: &TestServer, username: &str) -> ServerClient {
    staff(server, "health_officer", username, area(PROVINCE, &[WARD])).await
}

/// A signed-in phone and its device id.
async fn phone(server: &TestServer) -> (ServerClient, String) {
    let client = server.client();
    let identity = client.register_device("android").await.unwrap();
    client.sign_in_device(&identity).await.unwrap();
    (client, identity.device_id().to_owned())
}

fn person(name: &str, birth_year: u16) -> TestPerson {
    TestPerson { province_code: PROVINCE.into(), ..TestPerson::new(name, birth_year) }
}

async fn count(server: &TestServer, sql: &'static str) -> i64 {
    server.db.read(move |tx| tx.query(sql, &[])?[0].int(0)).await.map_err(|e: StorageError| e).unwrap()
}

async fn create_site(officer: &ServerClient, name: &str) -> Value {
    officer.post_json("/v1/vaccination/sites", &json!({ "name": name, "address": "12 Lê Lợi, Phường 1", "ward_code": WARD })).await.unwrap()
}

async fn deliver(officer: &ServerClient, site: &str, lot: &str, doses: i32) -> Value {
    let body = json!({ "product": "comirnaty", "lot": lot, "doses": doses, "expires_on": "2021-12-31" });
    officer.post_json(&format!("/v1/vaccination/sites/{site}/deliveries"), &body).await.unwrap()
}

/// Four one-hour slots from 08:00 local, `per_slot` places each.
fn session_body(site: &str, per_slot: u32) -> Value {
    let slots: Vec<Value> = (8..12).map(|h| json!({ "start": format!("{h:02}:00:00"), "end": format!("{:02}:00:00", h + 1), "capacity": per_slot })).collect();
    json!({ "site_id": site, "date": session_day(), "slots": slots, "product": "comirnaty" })
}

fn dose_body(person: &str, site: &str, lot: &str, number: u8, date: NaiveDate, invitation: Option<&str>) -> Value {
    let mut body = json!({ "person_id": person, "site_id": site, "product": "comirnaty", "lot": lot, "dose_number": number, "date": date });
    if let Some(id) = invitation {
        body["invitation_id"] = json!(id);
    }
    body
}

/// A checkpoint's verifier over the server's current, root-verified trust list.
async fn verifier(server: &TestServer) -> Verifier<CheckpointTrustStore> {
    let list = server.client().fetch_trust_list(&server.root_key, &MemoryTrustCache::default()).await.unwrap();
    let mut store = CheckpointTrustStore::new();
    store.add_trust_list(&list.document).unwrap();
    Verifier::new(store)
}

fn text<'a>(map: &'a [(Cbor, Cbor)], key: &str) -> Option<&'a Cbor> {
    map.iter().find(|(k, _)| matches!(k, Cbor::Text(t) if t == key)).map(|(_, v)| v)
}

fn as_text(value: Option<&Cbor>) -> &str {
    match value {
        Some(Cbor::Text(t)) => t,
        other => panic!("expected text, got {other:?}"),
    }
}

fn as_int(value: Option<&Cbor>) -> i128 {
    match value {
        Some(Cbor::Integer(i)) => i128::from(*i),
        other => panic!("expected an integer, got {other:?}"),
    }
}

/// Checks one issued certificate the way a checkpoint and the EU conformance checks read it: it verifies with
/// the refreshed trust list as a vaccination certificate, decodes like the production samples (ES256, a kid,
/// `iss`, `iat` and `exp`, schema 1.3.0, one `v` entry, a holder name), every field has the schema's type and
/// the EU value sets' codes, and it states exactly the recorded dose.
fn assert_certificate(verifier: &Verifier<CheckpointTrustStore>, certificate: &Value, dose: &Value, name: &str) {
    let qr = certificate["qr"].as_str().unwrap();
    assert!(qr.starts_with("HC1:"), "{qr}");
    let at = Utc.with_ymd_and_hms(2021, 7, 3, 0, 0, 0).unwrap();
    let verdict = verifier.verify(qr, at);
    assert!(verdict.valid, "{:?} {:?}", verdict.stage, verdict.error);
    assert_eq!(verdict.kind, CredentialKind::EuDccVaccination);

    let decoded = credentials::decode(qr).unwrap();
    assert!(decoded.payload_error.is_none(), "{:?}", decoded.payload_error);
    assert_eq!(decoded.algorithm, credentials::SignatureAlgorithm::Es256);
    assert!(decoded.key_id.is_some());
    assert_eq!(decoded.claims.issuer.as_deref(), Some("VN"));
    assert!(decoded.claims.issued_at.is_some() && decoded.claims.expires_at > decoded.claims.issued_at);
    assert!(decoded.holder.as_ref().is_some_and(|h| h.name == name), "{:?}", decoded.holder);
    let Some(PayloadSummary::EuDcc(dcc)) = &decoded.payload else { panic!("not a DCC: {:?}", decoded.payload) };
    assert_eq!(dcc.schema_version, "1.3.0");
    assert_eq!(dcc.entries.len(), 1);
    let DccEntry::Vaccination { dose_number, total_doses, date, product, target, country, uvci, .. } = &dcc.entries[0] else {
        panic!("not a vaccination: {:?}", dcc.entries[0]);
    };
    assert_eq!(dose["dose_number"].as_u64(), Some(*dose_number));
    assert_eq!(certificate["dose_number"].as_u64(), Some(*dose_number));
    assert_eq!(certificate["series_doses"].as_u64(), Some(*total_doses));
    assert_eq!(dose["date"].as_str(), Some(date.as_str()));
    assert_eq!((target.as_str(), country.as_str(), product.as_str()), ("840539006", "VN", VaccineProduct::Comirnaty.eu_product()));
    assert_eq!(certificate["uvci"].as_str(), Some(uvci.as_str()));
    assert!(uvci.starts_with("URN:UVCI:01:VN:") && uvci_checks(uvci), "{uvci}");

    // The raw fields, with the schema's types and the value sets' codes.
    let (_, cose) = container::decode_to_cose_bytes(qr).unwrap();
    let sign1 = container::parse_cose(&cose).unwrap();
    let claims = container::cbor_from_slice(sign1.payload.as_deref().unwrap()).unwrap();
    let Cbor::Map(claims) = claims else { panic!("claims") };
    let hcert = claims.iter().find(|(k, _)| matches!(k, Cbor::Integer(i) if i128::from(*i) == -260)).map(|(_, v)| v).unwrap();
    let Cbor::Map(hcert) = hcert else { panic!("hcert") };
    let Some((_, Cbor::Map(cert))) = hcert.first() else { panic!("hcert 1") };
    let Some(Cbor::Map(nam)) = text(cert, "nam") else { panic!("nam") };
    assert!(as_text(text(nam, "fnt")).chars().all(|c| c.is_ascii_uppercase() || c == '<'));
    assert!(as_text(text(cert, "dob")).len() >= 4);
    let Some(Cbor::Array(v)) = text(cert, "v") else { panic!("v") };
    let Cbor::Map(entry) = &v[0] else { panic!("v[0]") };
    assert!(["1119349007", "1119305005", "J07BX03"].contains(&as_text(text(entry, "vp"))));
    assert_eq!(as_text(text(entry, "mp")), "EU/1/20/1528");
    assert_eq!(as_text(text(entry, "ma")), "ORG-100030215");
    assert_eq!(as_int(text(entry, "dn")), i128::from(*dose_number));
    assert_eq!(as_int(text(entry, "sd")), i128::from(*total_doses));
    assert!(NaiveDate::parse_from_str(as_text(text(entry, "dt")), "%Y-%m-%d").is_ok());
    assert_eq!(as_text(text(entry, "is")), "Ministry of Health of Viet Nam");
}

async fn a_session_of_100_places_invites_150_people_in_order_and_certifies_every_dose(backend: TestBackend) {
    let server = TestServer::start_with(backend, config()).await;
    let officer = officer(&server, "station-officer").await;
    let site = create_site(&officer, "Trạm Y tế Phường 1").await;
    let site_id = site["site_id"].as_str().unwrap().to_owned();
    assert_eq!(deliver(&officer, &site_id, "FA1234", 120).await["lines"][0]["remaining"], 120);

    // 150 people on five phones register, one second apart, through the phone endpoint.
    let mut phones = Vec::new();
    let mut people = Vec::new();
    for p in 0..150 {
        if p % PROFILES_PER_PHONE == 0 {
            phones.push(phone(&server).await);
        }
        let (device, device_id) = phones.last().unwrap();
        let who = person(&format!("Nguyễn Văn Số {p}"), 1960 + (p % 40) as u16);
        let profile = format!("p{p}");
        server.bind_profile(device_id, &profile, &who).await;
        let registered: Value = device.post_json("/v1/vaccination/registrations", &json!({ "profile_ref": profile, "ward_code": WARD })).await.unwrap();
        assert_eq!((registered["person_id"].as_str(), registered["source"].as_str()), (Some(who.id.as_str()), Some("phone")));
        // Registering again answers with the same registration.
        if p == 0 {
            let again: Value = device.post_json("/v1/vaccination/registrations", &json!({ "profile_ref": profile, "ward_code": WARD })).await.unwrap();
            assert_eq!(again["registration_id"], registered["registration_id"]);
        }
        people.push((who, phones.len() - 1, profile));
        server.clock.advance(Duration::seconds(1));
    }
    assert_eq!(count(&server, "SELECT COUNT(*) FROM vaccination_registrations").await, 150);
    assert_eq!(count(&server, "SELECT COUNT(*) FROM identity_audit WHERE action = 'vaccination_registered'").await, 150);
    server.execute_sql("UPDATE persons SET phone = '+84912345678' WHERE province_code = '79'").await;

    // 100 places fit in 120 doses; another 30 do not fit beside them.
    let session: Value = officer.post_json("/v1/vaccination/sessions", &session_body(&site_id, 25)).await.unwrap();
    let session_id = session["session_id"].as_str().unwrap().to_owned();
    assert_eq!(session["slots"][0]["starts_at"], "2021-07-02T01:00:00Z", "08:00 in Ho Chi Minh City");
    let too_many = officer.post_json::<_, Value>("/v1/vaccination/sessions", &session_body(&site_id, 8)).await;
    assert_http_error(too_many, 409, "capacity_above_stock");
    let stock: Value = officer.get_json(&format!("/v1/vaccination/sites/{site_id}/stock")).await.unwrap();
    assert_eq!(stock["held"], json!([{ "product": "comirnaty", "doses": 100 }]));

    // The round invites exactly the first 100 in line, in order, and 50 wait.
    let round: Value = officer.post_json(&format!("/v1/vaccination/sessions/{session_id}/invite"), &json!({})).await.unwrap();
    assert_eq!((round["invited"].as_u64(), round["waiting"].as_u64(), round["sms_sent"].as_u64()), (Some(100), Some(50), Some(100)));
    assert!(round["session"]["slots"].as_array().unwrap().iter().all(|s| s["taken"] == 25));
    let invited_in_order = |server: &TestServer| {
        let db = server.db.clone();
        async move {
            db.read(|tx| {
                tx.query("SELECT person_id, slot, state FROM vaccination_invitations ORDER BY invited_at, slot, id", &[])?
                    .iter()
                    .map(|r| Ok((r.text(0)?, r.int(1)?, r.text(2)?)))
                    .collect::<Result<Vec<_>, StorageError>>()
            })
            .await
            .unwrap()
        }
    };
    let invited = invited_in_order(&server).await;
    let mut ids: Vec<&str> = invited.iter().map(|(p, _, _)| p.as_str()).collect();
    ids.sort_unstable();
    let mut first: Vec<&str> = people[..100].iter().map(|(w, _, _)| w.id.as_str()).collect();
    first.sort_unstable();
    assert_eq!(ids, first, "the first 100 registered are invited");
    // Earlier registrations get earlier slots.
    let slot_of = |id: &str| invited.iter().find(|(p, _, _)| p == id).unwrap().1;
    assert_eq!((slot_of(&people[0].0.id), slot_of(&people[99].0.id)), (0, 3));
    // Asking again fills nothing: every place is taken.
    let again: Value = officer.post_json(&format!("/v1/vaccination/sessions/{session_id}/invite"), &json!({})).await.unwrap();
    assert_eq!((again["invited"].as_u64(), again["waiting"].as_u64()), (Some(0), Some(50)));

    // Every invited person's SMS went out, with the time and place and nothing about the person.
    assert_eq!(server.sms_sender.wait_for_attempts(100).await, 100);
    let sms = server.sms();
    assert!(sms.iter().all(|m| m.text.contains("Trạm Y tế Phường 1") && !m.text.contains("Nguyễn")), "{:?}", sms[0].text);

    // The phone sees its profiles' invitations; 10 people decline and the next 10 in line are invited at once.
    for (who, phone_index, profile) in &people[..10] {
        server.clock.advance(Duration::seconds(1));
        let (device, _) = &phones[*phone_index];
        let list: Value = device.get_json("/v1/vaccination/invitations").await.unwrap();
        let mine = list["invitations"].as_array().unwrap().iter().find(|i| i["profile_ref"] == profile.as_str()).unwrap().clone();
        assert_eq!((mine["state"].as_str(), mine["dose_number"].as_u64()), (Some("pending"), Some(1)));
        let answered: Value = device
            .post_json(&format!("/v1/vaccination/invitations/{}/answer", mine["invitation_id"].as_str().unwrap()), &json!({ "answer": "decline" }))
            .await
            .unwrap();
        assert_eq!(answered["state"], "declined", "{}", who.id);
        let closed = device
            .post_json::<_, Value>(&format!("/v1/vaccination/invitations/{}/answer", mine["invitation_id"].as_str().unwrap()), &json!({ "answer": "confirm" }))
            .await;
        assert_http_error(closed, 409, "invitation_closed");
    }
    let invited = invited_in_order(&server).await;
    let refilled: Vec<&str> = invited[100..].iter().map(|(p, _, _)| p.as_str()).collect();
    let next: Vec<&str> = people[100..110].iter().map(|(w, _, _)| w.id.as_str()).collect();
    assert_eq!(refilled, next, "declined places go to the next in line, in order");
    let view: Value = officer.get_json(&format!("/v1/vaccination/sessions/{session_id}")).await.unwrap();
    assert_eq!((view["invitations"]["pending"].as_u64(), view["invitations"]["declined"].as_u64()), (Some(100), Some(10)));
    assert_eq!(server.sms_sender.wait_for_attempts(110).await, 110);

    // 30 invited people confirm; on the day, their passes are scanned and their doses recorded.
    let confirmed: Vec<&(TestPerson, usize, String)> = people[10..40].iter().collect();
    let mut invitation_of = Vec::new();
    for (_, phone_index, profile) in &confirmed {
        let (device, _) = &phones[*phone_index];
        let list: Value = device.get_json("/v1/vaccination/invitations").await.unwrap();
        let mine = list["invitations"].as_array().unwrap().iter().find(|i| i["profile_ref"] == profile.as_str()).unwrap().clone();
        let id = mine["invitation_id"].as_str().unwrap().to_owned();
        let answered: Value = device.post_json(&format!("/v1/vaccination/invitations/{id}/answer"), &json!({ "answer": "confirm" })).await.unwrap();
        assert_eq!(answered["state"], "confirmed");
        invitation_of.push(id);
    }
    let mut passes = Vec::new();
    for (_, phone_index, profile) in &confirmed[..3] {
        let pass: Value = phones[*phone_index].0.post_json("/v1/passes", &json!({ "profile_ref": profile })).await.unwrap();
        passes.push(pass["qr"].as_str().unwrap().to_owned());
    }
    server.clock.set(Utc.with_ymd_and_hms(2021, 7, 2, 1, 30, 0).unwrap());
    for ((who, _, _), pass) in confirmed[..3].iter().zip(&passes) {
        let found: Value = officer.post_json("/v1/vaccination/lookup", &json!({ "scanned": pass, "site_id": site_id })).await.unwrap();
        assert_eq!((found["person_id"].as_str(), found["full_name"].as_str()), (Some(who.id.as_str()), Some(who.full_name.as_str())));
        assert_eq!((found["next_dose_number"].as_u64(), found["invitation"]["state"].as_str()), (Some(1), Some("confirmed")));
        assert_eq!(found["registration"]["ward_code"], WARD);
    }
    let mut given = Vec::new();
    for ((who, _, _), invitation) in confirmed.iter().zip(&invitation_of) {
        let recorded: Value = officer
            .post_json("/v1/vaccination/doses", &dose_body(&who.id, &site_id, "FA1234", 1, session_day(), Some(invitation)))
            .await
            .unwrap();
        assert_eq!((recorded["dose"]["source"].as_str(), recorded["dose"]["person_id"].as_str()), (Some("site"), Some(who.id.as_str())));
        given.push((who.clone(), recorded));
    }

    // Stock went down by exactly the doses given; the session counts them and no longer holds them.
    let stock: Value = officer.get_json(&format!("/v1/vaccination/sites/{site_id}/stock")).await.unwrap();
    assert_eq!(stock["lines"][0]["remaining"].as_u64(), Some(120 - given.len() as u64));
    assert_eq!(stock["held"][0]["doses"].as_u64(), Some(100 - given.len() as u64));
    let view: Value = officer.get_json(&format!("/v1/vaccination/sessions/{session_id}")).await.unwrap();
    assert_eq!((view["doses_given"].as_u64(), view["invitations"]["attended"].as_u64()), (Some(30), Some(30)));
    assert_eq!(count(&server, "SELECT COUNT(*) FROM doses WHERE source = 'site'").await, 30);

    // Every certificate verifies against the refreshed trust list (the site's own key, scope site:{id}) and
    // decodes to the recorded dose.
    let list = server.client().fetch_trust_list(&server.root_key, &MemoryTrustCache::default()).await.unwrap();
    let site_key = list.document.keys.iter().find(|k| k.kid == site["key_id"].as_str().unwrap()).expect("the site key is listed");
    assert_eq!((site_key.role.as_str(), site_key.scope.clone()), ("vaccination_site", format!("site:{site_id}")));
    let verifier = verifier(&server).await;
    let mut uvcis = std::collections::HashSet::new();
    for (who, recorded) in &given {
        assert_certificate(&verifier, &recorded["certificate"], &recorded["dose"], &who.full_name);
        assert!(uvcis.insert(recorded["certificate"]["uvci"].as_str().unwrap().to_owned()), "UVCIs are unique");
    }

    // The phone's records: the dose, the next one due 21 days later, the current certificate.
    let (first, phone_index, profile) = confirmed[0];
    let records: Value = phones[*phone_index].0.get_json("/v1/vaccination/records").await.unwrap();
    let mine = records["profiles"].as_array().unwrap().iter().find(|p| p["profile_ref"] == profile.as_str()).unwrap();
    assert_eq!(mine["doses"].as_array().unwrap().len(), 1);
    assert_eq!(mine["next_due"], "2021-07-23");
    assert_eq!(mine["certificate"]["uvci"], given[0].1["certificate"]["uvci"]);
    assert_eq!(mine["registration"]["person_id"].as_str(), Some(first.id.as_str()));
    assert!(mine["history"].as_array().unwrap().is_empty());

    // Slot 0's unanswered invitations expired when its slot began; the places ahead stay full.
    let view: Value = officer.get_json(&format!("/v1/vaccination/sessions/{session_id}")).await.unwrap();
    assert!(view["invitations"]["expired"].as_u64().unwrap() > 0, "{view}");
    server.stop().await;
}

async fn a_dose_recorded_twice_is_stored_once_and_stock_never_goes_below_zero(backend: TestBackend) {
    let server = TestServer::start_with(backend, config()).await;
    let officer = officer(&server, "station-officer").await;
    let site_id = create_site(&officer, "Trạm Y tế Phường 1").await["site_id"].as_str().unwrap().to_owned();
    deliver(&officer, &site_id, "FA1234", 2).await;
    let (device, device_id) = phone(&server).await;
    let who = person("Trần Thị Hoa", 1961);
    server.bind_profile(&device_id, "hoa", &who).await;
    let today = NaiveDate::from_ymd_opt(2021, 7, 1).unwrap();

    let first: Value = officer.post_json("/v1/vaccination/doses", &dose_body(&who.id, &site_id, "FA1234", 1, today, None)).await.unwrap();
    // The same dose again, under a new idempotency key: the stored one, nothing changed.
    let again: Value = officer.post_json("/v1/vaccination/doses", &dose_body(&who.id, &site_id, "FA1234", 1, today, None)).await.unwrap();
    assert_eq!(again["dose"]["dose_id"], first["dose"]["dose_id"]);
    assert_eq!(again["certificate"]["uvci"], first["certificate"]["uvci"]);
    assert_eq!(count(&server, "SELECT COUNT(*) FROM doses").await, 1);
    assert_eq!(count(&server, "SELECT COUNT(*) FROM vaccination_certificates").await, 1);
    let stock: Value = officer.get_json(&format!("/v1/vaccination/sites/{site_id}/stock")).await.unwrap();
    assert_eq!(stock["lines"][0]["remaining"], 1);
    // Another dose with the same number is a conflict.
    let other = officer.post_json::<_, Value>("/v1/vaccination/doses", &dose_body(&who.id, &site_id, "FA1234", 1, today - Duration::days(1), None)).await;
    assert_http_error(other, 409, "dose_conflict");

    // Dose 2 replaces the certificate and keeps the first in the history.
    let later = today + Duration::days(21);
    server.clock.advance(Duration::days(21));
    let second: Value = officer.post_json("/v1/vaccination/doses", &dose_body(&who.id, &site_id, "FA1234", 2, later, None)).await.unwrap();
    assert_eq!((second["certificate"]["dose_number"].as_u64(), second["certificate"]["series_doses"].as_u64()), (Some(2), Some(2)));
    let records: Value = device.get_json("/v1/vaccination/records").await.unwrap();
    let mine = &records["profiles"][0];
    assert_eq!(mine["certificate"]["uvci"], second["certificate"]["uvci"]);
    assert_eq!(mine["history"][0]["uvci"], first["certificate"]["uvci"]);
    assert!(mine["history"][0]["replaced_at"].is_string());
    assert_eq!(mine["next_due"], "2021-10-20", "a booster 90 days after the series");

    // The lot is empty now: no dose 3, no write-off below zero.
    let person2 = person("Lê Văn Tám", 1970);
    server.bind_profile(&device_id, "tam", &person2).await;
    let empty = officer.post_json::<_, Value>("/v1/vaccination/doses", &dose_body(&person2.id, &site_id, "FA1234", 1, later, None)).await;
    assert_http_error(empty, 409, "out_of_stock");
    let unknown_lot = officer.post_json::<_, Value>("/v1/vaccination/doses", &dose_body(&person2.id, &site_id, "NOPE", 1, later, None)).await;
    assert_http_error(unknown_lot, 409, "out_of_stock");
    deliver(&officer, &site_id, "FB0001", 5).await;
    let write_off = json!({ "product": "comirnaty", "lot": "FB0001", "doses": -6, "note": "vỡ lọ" });
    assert_http_error(officer.post_json::<_, Value>(&format!("/v1/vaccination/sites/{site_id}/deliveries"), &write_off).await, 409, "out_of_stock");
    let no_note = json!({ "product": "comirnaty", "lot": "FB0001", "doses": -1 });
    assert_http_error(officer.post_json::<_, Value>(&format!("/v1/vaccination/sites/{site_id}/deliveries"), &no_note).await, 422, "invalid_request");
    let write_off = json!({ "product": "comirnaty", "lot": "FB0001", "doses": -2, "note": "vỡ lọ" });
    let stock: Value = officer.post_json(&format!("/v1/vaccination/sites/{site_id}/deliveries"), &write_off).await.unwrap();
    assert_eq!(stock["lines"].as_array().unwrap().iter().map(|l| l["remaining"].as_u64().unwrap()).collect::<Vec<_>>(), vec![0, 3]);
    assert_eq!(count(&server, "SELECT COUNT(*) FROM vaccine_stock WHERE remaining < 0").await, 0);

    // Sessions never exceed the stock less what other open sessions hold.
    let day = rules_day(&server);
    let slots = json!([{ "start": "08:00:00", "end": "09:00:00", "capacity": 3 }]);
    let planned: Value = officer.post_json("/v1/vaccination/sessions", &json!({ "site_id": site_id, "date": day, "slots": slots, "product": "comirnaty" })).await.unwrap();
    assert_eq!(planned["slots"][0]["capacity"], 3);
    let one = json!([{ "start": "10:00:00", "end": "11:00:00", "capacity": 1 }]);
    let above = officer.post_json::<_, Value>("/v1/vaccination/sessions", &json!({ "site_id": site_id, "date": day, "slots": one, "product": "comirnaty" })).await;
    assert_http_error(above, 409, "capacity_above_stock");
    let overlapping = json!([{ "start": "08:00:00", "end": "09:00:00", "capacity": 1 }, { "start": "08:30:00", "end": "09:30:00", "capacity": 1 }]);
    let refused = officer.post_json::<_, Value>("/v1/vaccination/sessions", &json!({ "site_id": site_id, "date": day, "slots": overlapping, "product": "comirnaty" })).await;
    assert_http_error(refused, 422, "invalid_request");

    // The completed series shows on the person's status as a reason, never as a worse colour.
    let pass: Value = device.post_json("/v1/passes", &json!({ "profile_ref": "hoa" })).await.unwrap();
    let status = &pass["health_status"];
    assert_eq!(status["status"], "yellow", "without a declaration the pass stays yellow: {pass}");
    assert!(status["reasons"].as_array().unwrap().contains(&json!("vaccination")), "{pass}");
    server.stop().await;
}

/// Tomorrow, local, at the server's clock.
fn rules_day(server: &TestServer) -> NaiveDate {
    healthbook_server::vaccination::rules::local_date(server.clock.now()) + Duration::days(1)
}

async fn a_volunteer_registers_a_person_and_a_confirmed_paper_dose_is_certified(backend: TestBackend) {
    let server = TestServer::start_with(backend, config()).await;
    let volunteer = staff(&server, "volunteer", "vol-an", area(PROVINCE, &[WARD])).await;
    let other_volunteer = staff(&server, "volunteer", "vol-binh", area(PROVINCE, &[WARD])).await;
    let officer = officer(&server, "ward-officer").await;
    let enrolled: Value = volunteer
        .post_json(
            "/v1/persons",
            &json!({ "citizen_id": "079150012345", "id_kind": "cccd", "full_name": "Nguyễn Thị Năm", "birth": "1950",
                     "province_code": PROVINCE, "ward_code": WARD, "place": "nhà văn hoá khu phố 3" }),
        )
        .await
        .unwrap();
    let person_id = enrolled["person_id"].as_str().unwrap().to_owned();
    let path = format!("/v1/volunteers/people/{person_id}/vaccination-registration");
    assert_http_error(other_volunteer.post_json::<_, Value>(&path, &json!({ "ward_code": WARD })).await, 404, "not_found");
    let registered: Value = volunteer.post_json(&path, &json!({ "ward_code": WARD })).await.unwrap();
    assert_eq!((registered["source"].as_str(), registered["person_id"].as_str()), (Some("volunteer"), Some(person_id.as_str())));
    let audit: Value = officer.get_json(&format!("/v1/persons/{person_id}/audit")).await.unwrap();
    assert!(audit["entries"].as_array().unwrap().iter().any(|e| e["action"] == "vaccination_registered"), "{audit}");

    // A paper dose counts, and is certified, only once an officer confirms it.
    let paper = json!({ "product": "Pfizer", "dose_number": 1, "date": "2021-06-01", "lot": "EW0001" });
    let dose: Value = volunteer.post_json(&format!("/v1/volunteers/people/{person_id}/doses"), &paper).await.unwrap();
    assert_eq!(count(&server, "SELECT COUNT(*) FROM vaccination_certificates").await, 0);
    let confirmed: Value = officer.post_json(&format!("/v1/doses/{}/confirm", dose["dose_id"].as_str().unwrap()), &json!({})).await.unwrap();
    assert!(confirmed["confirmed_at"].is_string());
    assert_eq!(count(&server, "SELECT COUNT(*) FROM vaccination_certificates WHERE site_id = 'records'").await, 1);
    let unknown = json!({ "product": "thuốc lạ", "dose_number": 2, "date": "2021-06-20" });
    let dose: Value = volunteer.post_json(&format!("/v1/volunteers/people/{person_id}/doses"), &unknown).await.unwrap();
    let _: Value = officer.post_json(&format!("/v1/doses/{}/confirm", dose["dose_id"].as_str().unwrap()), &json!({})).await.unwrap();
    assert_eq!(count(&server, "SELECT COUNT(*) FROM vaccination_certificates").await, 1, "an unknown product gets no certificate");

    // At the site, the printed control card finds the person, with the confirmed dose counted.
    let consent = json!({ "given_by": "person", "giver_name": "Nguyễn Thị Năm", "method": "spoken", "given_at": server.clock.now() });
    let _: Value = volunteer.post_json(&format!("/v1/volunteers/people/{person_id}/consent"), &consent).await.unwrap();
    let card: Value = volunteer.post_json(&format!("/v1/volunteers/people/{person_id}/control-card"), &json!({ "profile_ref": "grandma" })).await.unwrap();
    let site_id = create_site(&officer, "Trạm Y tế Phường 1").await["site_id"].as_str().unwrap().to_owned();
    let found: Value = officer.post_json("/v1/vaccination/lookup", &json!({ "scanned": card["qr"], "site_id": site_id })).await.unwrap();
    assert_eq!((found["person_id"].as_str(), found["next_dose_number"].as_u64()), (Some(person_id.as_str()), Some(2)));
    assert_eq!(found["next_due"], "2021-06-22");
    assert_eq!(found["doses"].as_array().unwrap().len(), 2, "the unconfirmed-product dose is listed but not counted");
    server.stop().await;
}

async fn who_may_call_each_endpoint_and_what_they_see(backend: TestBackend) {
    let server = TestServer::start_with(backend, config()).await;
    let officer = officer(&server, "station-officer").await;
    let far_officer = staff(&server, "health_officer", "far-officer", area("01", &[])).await;
    let ward_officer = staff(&server, "health_officer", "other-ward-officer", area(PROVINCE, &[OTHER_WARD])).await;
    let volunteer = staff(&server, "volunteer", "vol-an", area(PROVINCE, &[WARD])).await;
    let lab = staff(&server, "lab", "lab-1", None).await;
    let gate = staff(&server, "gate_operator", "gate-1", None).await;
    let admin = server.admin_client().await;
    let site_id = create_site(&officer, "Trạm Y tế Phường 1").await["site_id"].as_str().unwrap().to_owned();
    deliver(&officer, &site_id, "FA1234", 10).await;
    let (device, device_id) = phone(&server).await;
    let (stranger, stranger_id) = phone(&server).await;
    let who = person("Trần Thị Hoa", 1961);
    server.bind_profile(&device_id, "hoa", &who).await;
    server.bind_profile(&stranger_id, "me", &person("Lê Văn Tám", 1970)).await;
    let _: Value = device.post_json("/v1/vaccination/registrations", &json!({ "profile_ref": "hoa", "ward_code": WARD })).await.unwrap();
    let session: Value = officer.post_json("/v1/vaccination/sessions", &session_body(&site_id, 1)).await.unwrap();
    let session_id = session["session_id"].as_str().unwrap().to_owned();
    let _: Value = officer.post_json(&format!("/v1/vaccination/sessions/{session_id}/invite"), &json!({})).await.unwrap();
    let list: Value = device.get_json("/v1/vaccination/invitations").await.unwrap();
    let invitation = list["invitations"][0]["invitation_id"].as_str().unwrap().to_owned();
    let pass: Value = device.post_json("/v1/passes", &json!({ "profile_ref": "hoa" })).await.unwrap();
    let today = NaiveDate::from_ymd_opt(2021, 7, 1).unwrap();

    // Phones: only their own bound profiles.
    assert_http_error(stranger.post_json::<_, Value>("/v1/vaccination/registrations", &json!({ "profile_ref": "hoa", "ward_code": WARD })).await, 404, "not_found");
    assert_http_error(device.post_json::<_, Value>("/v1/vaccination/registrations", &json!({ "profile_ref": "hoa", "ward_code": "123" })).await, 422, "invalid_request");
    assert_http_error(stranger.post_json::<_, Value>(&format!("/v1/vaccination/invitations/{invitation}/answer"), &json!({ "answer": "decline" })).await, 404, "not_found");
    let theirs: Value = stranger.get_json("/v1/vaccination/invitations").await.unwrap();
    assert!(theirs["invitations"].as_array().unwrap().is_empty());
    let theirs: Value = stranger.get_json("/v1/vaccination/records").await.unwrap();
    assert_eq!(theirs["profiles"].as_array().unwrap().len(), 1);
    assert_eq!(theirs["profiles"][0]["profile_ref"], "me");
    assert!(theirs["profiles"][0].get("registration").is_none());

    // Staff outside the site's area see nothing of it (404, as for an unknown id); other roles are refused.
    let lookup = json!({ "scanned": pass["qr"], "site_id": site_id });
    let dose = dose_body(&who.id, &site_id, "FA1234", 1, today, None);
    for outsider in [&far_officer, &ward_officer] {
        assert_http_error(outsider.get_json::<Value>(&format!("/v1/vaccination/sites/{site_id}/stock")).await, 404, "not_found");
        assert_http_error(outsider.get_json::<Value>(&format!("/v1/vaccination/sessions/{session_id}")).await, 404, "not_found");
        assert_http_error(outsider.post_json::<_, Value>(&format!("/v1/vaccination/sessions/{session_id}/invite"), &json!({})).await, 404, "not_found");
        assert_http_error(outsider.post_json::<_, Value>("/v1/vaccination/lookup", &lookup).await, 404, "not_found");
        assert_http_error(outsider.post_json::<_, Value>("/v1/vaccination/doses", &dose).await, 404, "not_found");
        assert_http_error(
            outsider.post_json::<_, Value>(&format!("/v1/vaccination/sites/{site_id}/deliveries"), &json!({ "product": "comirnaty", "lot": "X", "doses": 5 })).await,
            404,
            "not_found",
        );
        assert_http_error(outsider.post_json::<_, Value>("/v1/vaccination/sessions", &session_body(&site_id, 1)).await, 404, "not_found");
        let sites: Value = outsider.get_json("/v1/vaccination/sites").await.unwrap();
        assert!(sites["sites"].as_array().unwrap().is_empty());
    }
    assert_http_error(
        ward_officer.post_json::<_, Value>("/v1/vaccination/sites", &json!({ "name": "Trạm", "address": "1 A", "ward_code": WARD })).await,
        404,
        "not_found",
    );
    for refused in [&volunteer, &lab, &gate, &admin] {
        assert_http_error(refused.get_json::<Value>("/v1/vaccination/sites").await, 403, "forbidden");
        assert_http_error(refused.get_json::<Value>(&format!("/v1/vaccination/sites/{site_id}/stock")).await, 403, "forbidden");
        assert_http_error(refused.post_json::<_, Value>("/v1/vaccination/lookup", &lookup).await, 403, "forbidden");
        assert_http_error(refused.post_json::<_, Value>("/v1/vaccination/doses", &dose).await, 403, "forbidden");
        assert_http_error(refused.post_json::<_, Value>(&format!("/v1/vaccination/sessions/{session_id}/invite"), &json!({})).await, 403, "forbidden");
        assert_http_error(refused.get_json::<Value>("/v1/vaccination/records").await, 403, "forbidden");
        assert_http_error(refused.get_json::<Value>("/v1/vaccination/invitations").await, 403, "forbidden");
    }
    assert_http_error(officer.get_json::<Value>("/v1/vaccination/records").await, 403, "forbidden");
    assert_http_error(device.get_json::<Value>("/v1/vaccination/sites").await, 403, "forbidden");
    assert_http_error(
        lab.post_json::<_, Value>(&format!("/v1/volunteers/people/{}/vaccination-registration", who.id), &json!({ "ward_code": WARD })).await,
        403,
        "forbidden",
    );
    // A volunteer who did not enrol the person gets 404.
    assert_http_error(
        volunteer.post_json::<_, Value>(&format!("/v1/volunteers/people/{}/vaccination-registration", who.id), &json!({ "ward_code": WARD })).await,
        404,
        "not_found",
    );
    // Nothing the refused calls asked for happened.
    assert_eq!(count(&server, "SELECT COUNT(*) FROM doses").await, 0);
    assert_eq!(count(&server, "SELECT COUNT(*) FROM vaccination_sessions").await, 1);
    assert_eq!(count(&server, "SELECT COUNT(*) FROM vaccination_sites").await, 1);

    // The site's own officer sees it all, and the lookup is in the access log.
    let found: Value = officer.post_json("/v1/vaccination/lookup", &lookup).await.unwrap();
    assert_eq!(found["person_id"].as_str(), Some(who.id.as_str()));
    assert_eq!(count(&server, "SELECT COUNT(*) FROM access_log WHERE endpoint = 'POST /v1/vaccination/lookup'").await, 1);
    let garbage = officer.post_json::<_, Value>("/v1/vaccination/lookup", &json!({ "scanned": "HC1:NOTAPASS", "site_id": site_id })).await;
    assert_http_error(garbage, 422, "invalid_request");
    let sites: Value = officer.get_json("/v1/vaccination/sites").await.unwrap();
    assert_eq!(sites["sites"].as_array().unwrap().len(), 1);
    server.stop().await;
}

async fn random_and_mutated_bodies_never_give_a_server_error(backend: TestBackend) {
    use rand::{Rng, SeedableRng};
    let server = TestServer::start_with(backend, config()).await;
    let officer = officer(&server, "station-officer").await;
    let site_id = create_site(&officer, "Trạm Y tế Phường 1").await["site_id"].as_str().unwrap().to_owned();
    deliver(&officer, &site_id, "FA1234", 50).await;
    let (device, device_id) = phone(&server).await;
    let who = person("Trần Thị Hoa", 1961);
    server.bind_profile(&device_id, "hoa", &who).await;
    let session: Value = officer.post_json("/v1/vaccination/sessions", &session_body(&site_id, 2)).await.unwrap();
    let session_id = session["session_id"].as_str().unwrap();
    let officer_token = officer.session().unwrap().token;
    let device_token = device.session().unwrap().token;
    let today = NaiveDate::from_ymd_opt(2021, 7, 1).unwrap();
    let valid: Vec<(String, String, &str)> = vec![
        ("/v1/vaccination/registrations".into(), json!({ "profile_ref": "hoa", "ward_code": WARD }).to_string(), device_token.as_str()),
        ("/v1/vaccination/sites".into(), json!({ "name": "Trạm", "address": "1 A", "ward_code": WARD }).to_string(), officer_token.as_str()),
        (format!("/v1/vaccination/sites/{site_id}/deliveries"), json!({ "product": "comirnaty", "lot": "L1", "doses": 3 }).to_string(), officer_token.as_str()),
        ("/v1/vaccination/sessions".into(), session_body(&site_id, 1).to_string(), officer_token.as_str()),
        ("/v1/vaccination/lookup".into(), json!({ "scanned": "HP1:ABC", "site_id": site_id }).to_string(), officer_token.as_str()),
        ("/v1/vaccination/doses".into(), dose_body(&who.id, &site_id, "FA1234", 1, today, None).to_string(), officer_token.as_str()),
        (format!("/v1/vaccination/invitations/{session_id}/answer"), json!({ "answer": "confirm" }).to_string(), device_token.as_str()),
    ];
    let mut rng = rand::rngs::StdRng::seed_from_u64(12);
    let raw = reqwest::Client::new();
    for round in 0..350 {
        let (path, body, token) = &valid[round % valid.len()];
        let mut bytes = body.clone().into_bytes();
        match round % 3 {
            0 => bytes = (0..rng.gen_range(0..200)).map(|_| rng.r#gen::<u8>()).collect(),
            1 => {
                for _ in 0..rng.gen_range(1..6) {
                    let at = rng.gen_range(0..bytes.len());
                    bytes[at] = rng.r#gen();
                }
            }
            _ => bytes.truncate(rng.gen_range(0..bytes.len())),
        }
        let answer = raw_request(
            raw.post(format!("{}{path}", server.base_url))
                .bearer_auth(token)
                .header("Idempotency-Key", format!("fuzz-{round}"))
                .header("content-type", "application/json")
                .body(bytes.clone()),
        )
        .await;
        let (status, _, body) = &answer;
        assert!(*status < 500, "round {round}: {status} for {:?}: {body:?}", String::from_utf8_lossy(&bytes));
        if *status >= 400 {
            assert!(body.as_ref().is_some_and(|b| b["error"]["code"].is_string()), "round {round}: {body:?}");
        }
    }
    assert_eq!(count(&server, "SELECT COUNT(*) FROM vaccine_stock WHERE remaining < 0").await, 0);
    let stock: Value = officer.get_json(&format!("/v1/vaccination/sites/{site_id}/stock")).await.unwrap();
    assert!(stock["lines"].is_array(), "the server still answers");
    server.stop().await;
}
