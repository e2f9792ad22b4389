//! Volunteers (issue 9) end to end over HTTP against SQLite and PostgreSQL: a volunteer enrols a person without
//! a smartphone (the identity area's enrolment and attestation), records consent and doses shown on paper,
//! declares on their behalf and prints their control card; every act lands in the person's audit trail, which
//! the person, the volunteer's supervisor and an officer of the area read and another volunteer does not; the
//! card verifies offline and a gate device admits it; a sampling site that scans it links the person. A volunteer
//! who did not enrol a person gets 404 from every volunteer endpoint, as for an unknown id.

use std::sync::Arc;

use chrono::Duration;
use healthbook_core::client::{MemoryTrustCache, ServerClient};
use healthbook_core::credentials::{CheckpointTrustStore, ControlCard, CredentialKind, CredentialSigner, OwnPayload, Verifier};
use healthbook_core::gate::GateVerdict;
use healthbook_core::keystore::MemoryKeyStore;
use healthbook_core::settings::Language;
use healthbook_core::volunteers::{ConsentMethod, NewManagedPerson, VolunteerError};
use healthbook_core::{Clock, Healthbook, HealthbookConfig};
use healthbook_e2e::server::{TestBackend, TestPerson, TestServer, assert_http_error, raw_request};
use healthbook_e2e::server_scenarios;
use healthbook_core::gate::{PassageReason, ScannedCard};
use healthbook_server::storage::StorageError;
use serde_json::{Value, json};

server_scenarios!(
    a_volunteer_acts_for_a_person_and_every_act_is_in_their_audit_trail,
    a_volunteer_cannot_read_or_change_people_they_did_not_enrol,
    the_control_card_verifies_offline_passes_a_gate_and_links_a_sample,
    the_openapi_document_lists_the_volunteer_endpoints,
    the_core_volunteer_enrols_consents_records_declares_and_prints,
    random_and_mutated_bodies_never_break_the_volunteer_endpoints,
);

const WARD: &str = "26734";
const OTHER_WARD: &str = "26740";
const PASSWORD: &str = "staff-password";
/// A woman born in 1950, registered in Ho Chi Minh City (province 079).
const CCCD_GRANDMA: &str = "079150012345";
const GRANDMA: &str = "Nguyễn Thị Năm";
/// A man born in 1948, registered in Ho Chi Minh City.
const CCCD_GRANDPA: &str = "079048765432";

async fn staff(server: &TestServer, role: &str, username: &str, area: Option<Value>) -> ServerClient {
    let admin = server.admin_client().await;
    let mut body = json!({ "role": role, "username": username, "password": PASSWORD });
    if let Some(area) = area {
        body["area"] = area;
    }
    let _: Value = admin.post_json("/v1/accounts", &body).await.unwrap();
    let client = server.client();
    client.sign_in_staff(username, PASSWORD).await.unwrap();
    client
}

fn area(wards: &[&str]) -> Option<Value> {
    Some(json!({ "province": "79", "wards": wards }))
}

/// A signed-in phone and its device id.
async fn phone(server: &TestServer) -> (ServerClient, String) {
    let client = server.client();
    let identity = client.register_device("android").await.unwrap();
    client.sign_in_device(&identity).await.unwrap();
    (client, identity.device_id().to_owned())
}

/// The volunteer enrols a person after checking their card, and binds the managed profile on their own phone
/// by attesting the code that phone shows; returns the person id.
async fn enrol(volunteer: &ServerClient, volunteer_phone: &ServerClient, profile: &str, citizen_id: &str, name: &str, birth: u16) -> String {
    let person: Value = volunteer
        .post_json(
            "/v1/persons",
            &json!({ "citizen_id": citizen_id, "id_kind": "cccd", "full_name": name, "birth": birth.to_string(),
                     "province_code": "79", "ward_code": WARD, "place": "nhà văn hoá khu phố 3" }),
        )
        .await
        .unwrap();
    let person_id = person["person_id"].as_str().unwrap().to_owned();
    let code: Value = volunteer_phone.post_json("/v1/bindings/attestation", &json!({ "profile_ref": profile })).await.unwrap();
    let _: Value = volunteer
        .post_json(
            "/v1/bindings/attest",
            &json!({ "challenge_code": code["code"], "person_id": person_id, "place": "nhà văn hoá khu phố 3" }),
        )
        .await
        .unwrap();
    person_id
}

fn consent_body(server: &TestServer, giver: &str, method: &str) -> Value {
    json!({ "given_by": giver, "giver_name": "Nguyễn Văn Bình", "method": method, "given_at": server.clock.now() })
}

fn dose_body(server: &TestServer, number: u8) -> Value {
    let date = (server.clock.now() - Duration::days(30)).date_naive();
    json!({ "product": "AstraZeneca", "dose_number": number, "date": date, "lot": "A1234" })
}

fn declaration(server: &TestServer, profile: &str, relation: &str) -> Value {
    json!({
        "declaration_id": uuid::Uuid::new_v4().to_string(),
        "form_id": "health_declaration",
        "form_version": 1,
        "declared_at": server.clock.now(),
        "answers": { "symptoms": [], "contact_with_confirmed_case": false, "travel_from_outbreak_area": false, "vaccination_status": "one_dose" },
        "subject": { "profile_ref": profile, "full_name": GRANDMA, "birth_year": 1950, "province_code": "79", "ward_code": WARD },
        "filled_by": { "relation": relation, "full_name": "Tình nguyện viên" }
    })
}

fn actions(audit: &Value) -> Vec<String> {
    audit["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect()
}

async fn count(server: &TestServer, sql: &'static str) -> i64 {
    server.db.read(move |tx| tx.query(sql, &[])?[0].int(0)).await.map_err(|e: StorageError| e).unwrap()
}

async fn a_volunteer_acts_for_a_person_and_every_act_is_in_their_audit_trail(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let volunteer = staff(&server, "volunteer", "vol-an", area(&[WARD])).await;
    let (volunteer_phone, volunteer_device) = phone(&server).await;
    let officer = staff(&server, "health_officer", "ward-officer", area(&[WARD])).await;
    let supervisor = staff(&server, "health_officer", "district-officer", area(&[WARD, OTHER_WARD])).await;
    let far_officer = staff(&server, "health_officer", "far-officer", area(&[OTHER_WARD])).await;
    let other_volunteer = staff(&server, "volunteer", "vol-binh", area(&[WARD])).await;

    let person = enrol(&volunteer, &volunteer_phone, "grandma", CCCD_GRANDMA, GRANDMA, 1950).await;
    let listed: Value = volunteer.get_json("/v1/volunteers/people").await.unwrap();
    assert_eq!(listed["people"].as_array().unwrap().len(), 1);
    assert_eq!((listed["people"][0]["person_id"].as_str(), listed["people"][0]["full_name"].as_str()), (Some(person.as_str()), Some(GRANDMA)));
    assert!(listed["people"][0].get("consent").is_none());

    // No card before consent.
    let early = volunteer
        .post_json::<_, Value>(&format!("/v1/volunteers/people/{person}/control-card"), &json!({ "profile_ref": "grandma" }))
        .await;
    assert_http_error(early, 409, "consent_required");

    // Consent twice (first spoken by the person, then a guardian's thumbprint): both are kept, the latest shows.
    let first: Value = volunteer.post_json(&format!("/v1/volunteers/people/{person}/consent"), &consent_body(&server, "person", "spoken")).await.unwrap();
    assert_eq!((first["given_by"].as_str(), first["method"].as_str()), (Some("person"), Some("spoken")));
    server.clock.advance(Duration::minutes(1));
    let second: Value =
        volunteer.post_json(&format!("/v1/volunteers/people/{person}/consent"), &consent_body(&server, "guardian", "thumbprint")).await.unwrap();
    assert_eq!(count(&server, "SELECT COUNT(*) FROM volunteer_consents").await, 2, "consents are history, never overwritten");

    // A dose shown on paper is self-reported until an officer of the person's area confirms it.
    let dose: Value = volunteer.post_json(&format!("/v1/volunteers/people/{person}/doses"), &dose_body(&server, 1)).await.unwrap();
    assert_eq!((dose["source"].as_str(), dose.get("confirmed_at")), (Some("self_reported"), None));
    let dose_id = dose["dose_id"].as_str().unwrap().to_owned();
    let path = format!("/v1/doses/{dose_id}/confirm");
    assert_http_error(far_officer.post_json::<_, Value>(&path, &json!({})).await, 403, "forbidden");
    assert_http_error(volunteer.post_json::<_, Value>(&path, &json!({})).await, 403, "forbidden");
    let confirmed: Value = officer.post_json(&path, &json!({})).await.unwrap();
    assert!(confirmed["confirmed_by"].as_str().is_some(), "{confirmed}");
    assert_eq!(confirmed["source"], "self_reported", "the source says where the record came from; confirmation is beside it");

    // Declaring on their behalf from the volunteer's phone, then the card.
    let _: Value = volunteer_phone.post_json("/v1/declarations", &declaration(&server, "grandma", "managed_by_volunteer")).await.unwrap();
    let card: Value =
        volunteer.post_json(&format!("/v1/volunteers/people/{person}/control-card"), &json!({ "profile_ref": "grandma" })).await.unwrap();
    assert!(card["qr"].as_str().unwrap().starts_with("HK1:"));

    let view: Value = volunteer.get_json(&format!("/v1/volunteers/people/{person}")).await.unwrap();
    assert_eq!(view["consent"], second);
    assert_eq!(view["doses"].as_array().unwrap().len(), 1);
    assert!(view["control_card_issued_at"].is_string());

    // Every act, in order, in the person's trail.
    let expected = [
        "person_created",
        "attested",
        "consent_recorded",
        "consent_recorded",
        "dose_recorded",
        "dose_confirmed",
        "declared_on_behalf",
        "control_card_issued",
    ];
    let audit_path = format!("/v1/persons/{person}/audit");
    let by_officer: Value = officer.get_json(&audit_path).await.unwrap();
    assert_eq!(actions(&by_officer), expected);
    let declared = &by_officer["entries"][6];
    assert_eq!(declared["actor_account_id"], volunteer_device.as_str());
    let volunteer_id = by_officer["entries"][0]["actor_account_id"].as_str().unwrap().to_owned();
    assert!(declared["detail"].as_str().unwrap().contains(&volunteer_id), "the declaration names the volunteer: {declared}");
    for entry in by_officer["entries"].as_array().unwrap() {
        let detail = entry["detail"].as_str().unwrap_or_default();
        assert!(!detail.contains(CCCD_GRANDMA) && !detail.contains("Bình") && !detail.contains("Năm"), "no personal data: {detail}");
    }
    // The supervisor reads it too, also after the person moved out of the supervisor's wards.
    let by_supervisor: Value = supervisor.get_json(&audit_path).await.unwrap();
    assert_eq!(by_supervisor, by_officer);
    server.execute_sql("UPDATE persons SET ward_code = '26737' WHERE full_name = 'Nguyễn Thị Năm'").await;
    let after_move: Value = supervisor.get_json(&audit_path).await.unwrap();
    assert_eq!(actions(&after_move), expected);
    // An officer whose area covers neither the person's new ward nor the volunteer's area does not.
    assert_http_error(far_officer.get_json::<Value>(&audit_path).await, 403, "forbidden");
    server.execute_sql("UPDATE persons SET ward_code = '26734' WHERE full_name = 'Nguyễn Thị Năm'").await;
    // The person reads it on a phone bound to them (the volunteer's phone with their profile, or their own).
    let on_volunteer_phone: Value = volunteer_phone.get_json("/v1/bindings/grandma/audit").await.unwrap();
    assert_eq!(actions(&on_volunteer_phone), expected);
    let (own_phone, own_device) = phone(&server).await;
    let mut grandma = TestPerson::new(GRANDMA, 1950);
    grandma.id = person.clone();
    server.bind_profile(&own_device, "me", &grandma).await;
    let on_own_phone: Value = own_phone.get_json("/v1/bindings/me/audit").await.unwrap();
    assert_eq!(actions(&on_own_phone), expected);
    // Nobody else: another volunteer, an officer of another area, a phone without that binding.
    assert_http_error(other_volunteer.get_json::<Value>(&audit_path).await, 403, "forbidden");
    assert_http_error(far_officer.get_json::<Value>(&audit_path).await, 403, "forbidden");
    let (stranger_phone, _) = phone(&server).await;
    assert_http_error(stranger_phone.get_json::<Value>("/v1/bindings/grandma/audit").await, 404, "not_found");
    assert_http_error(volunteer.get_json::<Value>("/v1/bindings/grandma/audit").await, 403, "forbidden");

    // A declaration the person's own phone makes for itself is not an act on their behalf.
    let _: Value = own_phone.post_json("/v1/declarations", &declaration(&server, "me", "myself")).await.unwrap();
    let later: Value = officer.get_json(&audit_path).await.unwrap();
    assert_eq!(actions(&later), expected);
    server.stop().await;
}

async fn a_volunteer_cannot_read_or_change_people_they_did_not_enrol(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let volunteer = staff(&server, "volunteer", "vol-an", area(&[WARD])).await;
    let (volunteer_phone, _) = phone(&server).await;
    let other = staff(&server, "volunteer", "vol-binh", area(&[WARD])).await;
    let officer = staff(&server, "health_officer", "ward-officer", area(&[WARD])).await;
    let (citizen_phone, _) = phone(&server).await;
    let person = enrol(&volunteer, &volunteer_phone, "grandma", CCCD_GRANDMA, GRANDMA, 1950).await;
    let _: Value = volunteer.post_json(&format!("/v1/volunteers/people/{person}/consent"), &consent_body(&server, "person", "signed_paper")).await.unwrap();
    let dose: Value = volunteer.post_json(&format!("/v1/volunteers/people/{person}/doses"), &dose_body(&server, 1)).await.unwrap();
    let before = [
        count(&server, "SELECT COUNT(*) FROM volunteer_consents").await,
        count(&server, "SELECT COUNT(*) FROM doses").await,
        count(&server, "SELECT COUNT(*) FROM control_cards").await,
        count(&server, "SELECT COUNT(*) FROM identity_audit").await,
    ];

    // Another volunteer of the same ward, and anyone asking about an unknown id, get the same 404.
    for id in [person.as_str(), "00000000-0000-0000-0000-000000000000"] {
        assert_http_error(other.get_json::<Value>(&format!("/v1/volunteers/people/{id}")).await, 404, "not_found");
        let consent = other.post_json::<_, Value>(&format!("/v1/volunteers/people/{id}/consent"), &consent_body(&server, "person", "spoken")).await;
        assert_http_error(consent, 404, "not_found");
        assert_http_error(other.post_json::<_, Value>(&format!("/v1/volunteers/people/{id}/doses"), &dose_body(&server, 2)).await, 404, "not_found");
        let card = other.post_json::<_, Value>(&format!("/v1/volunteers/people/{id}/control-card"), &json!({ "profile_ref": "x" })).await;
        assert_http_error(card, 404, "not_found");
    }
    let listed: Value = other.get_json("/v1/volunteers/people").await.unwrap();
    assert_eq!(listed["people"], json!([]));

    // Roles that are not volunteers are refused outright (no id is looked at).
    for caller in [&officer, &citizen_phone] {
        assert_http_error(caller.get_json::<Value>("/v1/volunteers/people").await, 403, "forbidden");
        assert_http_error(caller.get_json::<Value>(&format!("/v1/volunteers/people/{person}")).await, 403, "forbidden");
        let consent = caller.post_json::<_, Value>(&format!("/v1/volunteers/people/{person}/consent"), &consent_body(&server, "person", "spoken")).await;
        assert_http_error(consent, 403, "forbidden");
        assert_http_error(caller.post_json::<_, Value>(&format!("/v1/volunteers/people/{person}/doses"), &dose_body(&server, 2)).await, 403, "forbidden");
        let card = caller.post_json::<_, Value>(&format!("/v1/volunteers/people/{person}/control-card"), &json!({ "profile_ref": "grandma" })).await;
        assert_http_error(card, 403, "forbidden");
    }
    // Only officers confirm doses; an unknown dose is 404.
    let confirm = format!("/v1/doses/{}/confirm", dose["dose_id"].as_str().unwrap());
    for caller in [&volunteer, &other, &citizen_phone] {
        assert_http_error(caller.post_json::<_, Value>(&confirm, &json!({})).await, 403, "forbidden");
    }
    assert_http_error(officer.post_json::<_, Value>("/v1/doses/nope/confirm", &json!({})).await, 404, "not_found");

    // Bad bodies from the enrolling volunteer are refused too.
    let bad_name = json!({ "given_by": "person", "giver_name": "R2-D2", "method": "spoken", "given_at": server.clock.now() });
    assert_http_error(volunteer.post_json::<_, Value>(&format!("/v1/volunteers/people/{person}/consent"), &bad_name).await, 422, "invalid_request");
    let future = json!({ "given_by": "person", "giver_name": "Bình", "method": "spoken", "given_at": server.clock.now() + Duration::days(1) });
    assert_http_error(volunteer.post_json::<_, Value>(&format!("/v1/volunteers/people/{person}/consent"), &future).await, 422, "invalid_request");
    for bad in [
        json!({ "product": "", "dose_number": 1, "date": "2021-08-02" }),
        json!({ "product": "AZ", "dose_number": 0, "date": "2021-08-02" }),
        json!({ "product": "AZ", "dose_number": 1, "date": "2999-01-01" }),
    ] {
        assert_http_error(volunteer.post_json::<_, Value>(&format!("/v1/volunteers/people/{person}/doses"), &bad).await, 422, "invalid_request");
    }
    let after = [
        count(&server, "SELECT COUNT(*) FROM volunteer_consents").await,
        count(&server, "SELECT COUNT(*) FROM doses").await,
        count(&server, "SELECT COUNT(*) FROM control_cards").await,
        count(&server, "SELECT COUNT(*) FROM identity_audit").await,
    ];
    assert_eq!(after, before, "refused calls store nothing");

    // The other volunteer may enrol people of their own; each sees only their own.
    let (other_phone, _) = phone(&server).await;
    let grandpa = enrol(&other, &other_phone, "grandpa", CCCD_GRANDPA, "Trần Văn Bảy", 1948).await;
    let mine: Value = volunteer.get_json("/v1/volunteers/people").await.unwrap();
    let theirs: Value = other.get_json("/v1/volunteers/people").await.unwrap();
    assert_eq!(mine["people"].as_array().unwrap().iter().map(|p| p["person_id"].clone()).collect::<Vec<_>>(), [json!(person)]);
    assert_eq!(theirs["people"].as_array().unwrap().iter().map(|p| p["person_id"].clone()).collect::<Vec<_>>(), [json!(grandpa)]);
    assert_http_error(volunteer.get_json::<Value>(&format!("/v1/volunteers/people/{grandpa}")).await, 404, "not_found");
    server.stop().await;
}

async fn the_control_card_verifies_offline_passes_a_gate_and_links_a_sample(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let volunteer = staff(&server, "volunteer", "vol-an", area(&[WARD])).await;
    let (volunteer_phone, _) = phone(&server).await;
    let person = enrol(&volunteer, &volunteer_phone, "grandma", CCCD_GRANDMA, GRANDMA, 1950).await;
    let _: Value = volunteer.post_json(&format!("/v1/volunteers/people/{person}/consent"), &consent_body(&server, "person", "spoken")).await.unwrap();
    let card: Value =
        volunteer.post_json(&format!("/v1/volunteers/people/{person}/control-card"), &json!({ "profile_ref": "grandma" })).await.unwrap();
    let qr = card["qr"].as_str().unwrap().to_owned();

    // Offline, against the root-verified trust list: valid, a control card, with the name and birth year only.
    let list = server.client().fetch_trust_list(&server.root_key, &MemoryTrustCache::default()).await.unwrap();
    let mut store = CheckpointTrustStore::new();
    store.add_trust_list(&list.document).unwrap();
    let verdict = Verifier::new(store).verify(&qr, server.clock.now());
    assert!(verdict.valid, "{:?} {:?}", verdict.stage, verdict.error);
    assert_eq!(verdict.kind, CredentialKind::ControlCard);
    assert_eq!(verdict.credential_id.as_deref(), card["credential_id"].as_str());
    let holder = verdict.holder.unwrap();
    assert_eq!((holder.name.as_str(), holder.birth_date.as_deref()), (GRANDMA, Some("1950")));
    assert!(!qr.contains(CCCD_GRANDMA));
    let (issued, expires) = (verdict.issued_at.unwrap(), verdict.expires_at.unwrap());
    assert_eq!(expires - issued, Duration::days(365));

    // A gate device (the real core) with the trust list admits it.
    let dir = tempfile::tempdir().unwrap();
    let core = Healthbook::open(HealthbookConfig {
        data_dir: dir.path().into(),
        key_store: Arc::new(MemoryKeyStore::default()),
        clock: server.clock.clone(),
    })
    .unwrap();
    core.settings().set_server_url(Some(server.base_url.clone())).await.unwrap();
    core.settings().set_root_key(Some(server.root_key.spki_base64())).await.unwrap();
    core.trust().refresh().await.unwrap();
    let (decision, stale) = core.gate().verify_at(&qr, server.clock.now()).unwrap();
    assert!(!stale);
    assert_eq!((decision.verdict, decision.reason, decision.card), (GateVerdict::Admit, PassageReason::Valid, Some(ScannedCard::ControlCard)));

    // A sampling site scanning the card links the sample to the person.
    let site = staff(&server, "volunteer", "site-vol", area(&[WARD])).await;
    let code_hash = healthbook_server::util::sha256_hex(format!("sample-{}", uuid::Uuid::new_v4()).as_bytes());
    let body = json!({ "code_hash": code_hash, "sampled_at": server.clock.now(), "site_ward": WARD, "test_kind": "pcr",
                       "person_credential": qr });
    let linked: Value = site.post_json("/v1/results/samples", &body).await.unwrap();
    assert_eq!(linked["person_linked"], true);
    let stored = {
        let hash = code_hash.clone();
        server
            .db
            .read(move |tx| tx.query("SELECT person_id FROM result_samples WHERE code_hash = $1", &[hash.into()])?[0].text(0))
            .await
            .map_err(|e: StorageError| e)
            .unwrap()
    };
    assert_eq!(stored, person);
    // A well-formed card signed by a key that is not the server's, even with a recorded `cti`, links no one.
    let stranger = CredentialSigner::from_pkcs8(&CredentialSigner::generate_pkcs8().unwrap(), "VN-HB").unwrap();
    let payload = OwnPayload::ControlCard(ControlCard { profile_id: "grandma".into(), name: GRANDMA.into(), birth_year: Some(1950), province: None });
    let cti = hex_bytes(card["credential_id"].as_str().unwrap());
    let forged = stranger.issue_with_cti(&payload, &cti, server.clock.now(), server.clock.now() + Duration::days(30)).unwrap();
    let body = json!({ "code_hash": healthbook_server::util::sha256_hex(b"forged-card-sample"), "sampled_at": server.clock.now(),
                       "site_ward": WARD, "test_kind": "pcr", "person_credential": forged });
    assert_http_error(site.post_json::<_, Value>("/v1/results/samples", &body).await, 422, "invalid_request");
    server.stop().await;
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
}

async fn the_openapi_document_lists_the_volunteer_endpoints(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let document: Value = reqwest::get(format!("{}/openapi.json", server.base_url)).await.unwrap().json().await.unwrap();
    for path in [
        "/v1/volunteers/people",
        "/v1/volunteers/people/{person_id}",
        "/v1/volunteers/people/{person_id}/consent",
        "/v1/volunteers/people/{person_id}/doses",
        "/v1/volunteers/people/{person_id}/control-card",
        "/v1/doses/{dose_id}/confirm",
        "/v1/bindings/{profile_ref}/audit",
    ] {
        assert!(document["paths"][path].is_object(), "{path} is documented");
    }
    for schema in ["ConsentMethod", "ConsentGiver", "RecordConsentRequest", "DoseView", "ControlCardView", "ManagedPeopleList"] {
        assert!(document["components"]["schemas"][schema].is_object(), "{schema} is documented");
    }
    server.stop().await;
}

/// The phone side: the core's volunteer sub-client does the whole round on the volunteer's phone (its device
/// session for the attestation code, the volunteer's kept staff session for the rest), and the list shows offline.
async fn the_core_volunteer_enrols_consents_records_declares_and_prints(backend: TestBackend) {
    let mut server = TestServer::start(backend).await;
    staff(&server, "volunteer", "vol-an", area(&[WARD])).await;
    let officer = staff(&server, "health_officer", "ward-officer", area(&[WARD])).await;
    let dir = tempfile::tempdir().unwrap();
    let core = Healthbook::open(HealthbookConfig {
        data_dir: dir.path().into(),
        key_store: Arc::new(MemoryKeyStore::default()),
        clock: server.clock.clone(),
    })
    .unwrap();
    core.settings().set_server_url(Some(server.base_url.clone())).await.unwrap();
    let volunteers = core.volunteers();
    let grandma = NewManagedPerson {
        full_name: GRANDMA.into(),
        birth_year: 1950,
        citizen_id: CCCD_GRANDMA.into(),
        phone: None,
        province_code: "79".into(),
        ward_code: WARD.into(),
        place: None,
    };
    assert!(matches!(volunteers.enrol(grandma.clone()).await, Err(VolunteerError::NotSignedIn)));
    assert!(matches!(volunteers.sign_in("ward-officer", PASSWORD).await, Err(VolunteerError::NotAVolunteer)));
    assert!(matches!(volunteers.sign_in("vol-an", "wrong-password").await, Err(VolunteerError::SignInFailed)));
    volunteers.sign_in("vol-an", PASSWORD).await.unwrap();
    assert!(volunteers.signed_in().await.unwrap());

    let enrolled = volunteers.enrol(grandma).await.unwrap();
    assert!(enrolled.bound && enrolled.person_id.is_some() && enrolled.consent_at.is_none());
    assert_eq!((enrolled.full_name.as_str(), enrolled.birth_year), (GRANDMA, 1950));
    let profile = enrolled.profile_id.clone();
    let person = enrolled.person_id.clone().unwrap();
    let relation = core.profiles().get(&profile).await.unwrap().relation;
    assert_eq!(relation, healthbook_core::profiles::ProfileRelation::ManagedByVolunteer);
    // Someone outside the volunteer's area is refused, and leaves no profile behind.
    let outside = NewManagedPerson {
        full_name: "Trần Văn Bảy".into(),
        birth_year: 1948,
        citizen_id: CCCD_GRANDPA.into(),
        phone: None,
        province_code: "79".into(),
        ward_code: OTHER_WARD.into(),
        place: Some("chợ".into()),
    };
    assert!(matches!(volunteers.enrol(outside).await, Err(VolunteerError::OutsideArea)));
    assert_eq!(core.profiles().list().await.unwrap().len(), 1);

    assert!(matches!(volunteers.control_card(&profile).await, Err(VolunteerError::ConsentRequired)));
    let consented = volunteers.record_consent(&profile, "Nguyễn Văn Bình", ConsentMethod::Thumbprint).await.unwrap();
    assert!(consented.consent_at.is_some());
    let view: Value = officer.get_json(&format!("/v1/persons/{person}/audit")).await.unwrap();
    assert!(actions(&view).contains(&"consent_recorded".to_owned()));
    let date = (server.clock.now() - Duration::days(40)).date_naive();
    let dosed = volunteers.record_dose(&profile, "Vero Cell", 1, date, Some("L-77")).await.unwrap();
    assert_eq!(dosed.self_reported_doses, 1);
    let carded = volunteers.control_card(&profile).await.unwrap();
    assert!(carded.control_card.as_deref().is_some_and(|qr| qr.starts_with("HK1:")));

    // Declaring on their behalf is the declarations sub-client with the managed profile.
    let answers = json!({ "symptoms": [], "contact_with_confirmed_case": false, "travel_from_outbreak_area": false, "vaccination_status": "one_dose" });
    core.declarations().submit(&profile, "health_declaration", answers, None, Language::Vi).await.unwrap();
    let report = core.outbox().sync_now(None).await.unwrap();
    assert_eq!(report.delivered, 1, "{report:?}");
    let audit: Value = officer.get_json(&format!("/v1/persons/{person}/audit")).await.unwrap();
    assert_eq!(
        actions(&audit),
        ["person_created", "attested", "consent_recorded", "dose_recorded", "control_card_issued", "declared_on_behalf"]
    );

    // The list is kept: it shows offline, with the card.
    server.stop_http().await;
    let people = volunteers.people().await.unwrap();
    assert_eq!(people.len(), 1);
    let shown = &people[0];
    assert_eq!(shown.control_card, carded.control_card);
    assert!(shown.bound && shown.consent_at.is_some() && shown.last_declared_at.is_some());
    assert_eq!(shown.self_reported_doses, 1);
    assert!(volunteers.record_consent(&profile, GRANDMA, ConsentMethod::Spoken).await.unwrap_err().is_offline());
    server.stop().await;
}

/// Fuzz-style: random bytes and mutations of valid bodies sent to every volunteer write endpoint are refused
/// with a 4xx JSON error (never a 5xx, never a stored row), and the server keeps answering.
async fn random_and_mutated_bodies_never_break_the_volunteer_endpoints(backend: TestBackend) {
    use rand::{Rng, SeedableRng};
    let server = TestServer::start(backend).await;
    let volunteer = staff(&server, "volunteer", "vol-an", area(&[WARD])).await;
    let (volunteer_phone, _) = phone(&server).await;
    let person = enrol(&volunteer, &volunteer_phone, "grandma", CCCD_GRANDMA, GRANDMA, 1950).await;
    let token = volunteer.session().unwrap().token;
    let before = count(&server, "SELECT COUNT(*) FROM identity_audit").await;
    let valid = [
        (format!("/v1/volunteers/people/{person}/consent"), consent_body(&server, "person", "spoken").to_string()),
        (format!("/v1/volunteers/people/{person}/doses"), dose_body(&server, 1).to_string()),
        (format!("/v1/volunteers/people/{person}/control-card"), json!({ "profile_ref": "grandma" }).to_string()),
    ];
    let mut rng = rand::rngs::StdRng::seed_from_u64(9);
    let raw = reqwest::Client::new();
    for round in 0..300 {
        let (path, body) = &valid[round % valid.len()];
        let mut bytes = body.clone().into_bytes();
        match round % 3 {
            // Random bytes.
            0 => bytes = (0..rng.gen_range(0..200)).map(|_| rng.r#gen::<u8>()).collect(),
            // A few bytes flipped.
            1 => {
                for _ in 0..rng.gen_range(1..6) {
                    let at = rng.gen_range(0..bytes.len());
                    bytes[at] = rng.r#gen();
                }
            }
            // Cut short.
            _ => bytes.truncate(rng.gen_range(0..bytes.len())),
        }
        let answer = raw_request(
            raw.post(format!("{}{path}", server.base_url))
                .bearer_auth(&token)
                .header("Idempotency-Key", format!("fuzz-{round}"))
                .header("content-type", "application/json")
                .body(bytes.clone()),
        )
        .await;
        let (status, _, body) = &answer;
        // A mutation can still be valid JSON of the right shape (a flipped letter in a name): then it is stored
        // like any request. Otherwise: a JSON 4xx.
        assert!(*status < 500, "round {round}: {status} for {:?}: {body:?}", String::from_utf8_lossy(&bytes));
        if *status >= 400 {
            assert!(body.as_ref().is_some_and(|b| b["error"]["code"].is_string()), "round {round}: {body:?}");
        }
    }
    let stored = count(&server, "SELECT COUNT(*) FROM volunteer_consents").await
        + count(&server, "SELECT COUNT(*) FROM doses").await
        + count(&server, "SELECT COUNT(*) FROM control_cards").await;
    let audited = count(&server, "SELECT COUNT(*) FROM identity_audit").await - before;
    assert_eq!(stored, audited, "every stored act is audited, and nothing refused left a row");
    let listed: Value = volunteer.get_json("/v1/volunteers/people").await.unwrap();
    assert_eq!(listed["people"].as_array().unwrap().len(), 1, "the server still answers");
    server.stop().await;
}
