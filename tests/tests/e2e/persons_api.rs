//! The persons and bindings API beyond its security promises (those are in `security_identity.rs`): the
//! OpenAPI document lists it, retries are idempotent and text once, the HTTP gateway gets the code, a failing
//! gateway is reported, and concurrent guesses and starts are counted one by one on both databases.

use std::sync::Arc;
use std::time::Duration;

use healthbook_core::client::ServerClient;
use healthbook_e2e::server::{TestBackend, TestServer, open_test_database, test_config};
use healthbook_e2e::server_scenarios;
use healthbook_server::persons::sms::{BURNED_NOTICE_MARKER, HttpSmsSender};
use healthbook_server::{AppState, RunningServer};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

server_scenarios!(
    the_openapi_document_lists_the_persons_endpoints,
    a_retried_start_texts_once,
    the_http_gateway_gets_the_code_and_a_failing_one_is_reported,
    concurrent_guesses_and_starts_are_counted_one_by_one,
    an_officer_enrolment_upgrades_a_self_declared_record,
);

const CMND: &str = "123456789";

async fn phone(server: &TestServer) -> ServerClient {
    let client = server.client();
    let identity = client.register_device("test").await.unwrap();
    client.sign_in_device(&identity).await.unwrap();
    client
}

/// Enrols the CMND holder with a phone on record, through an officer of Hà Nội.
async fn enrol_person(server: &TestServer) -> String {
    let admin = server.admin_client().await;
    let account = json!({ "role": "health_officer", "username": "officer-hn", "password": "officer-password",
                          "area": { "province": "01" } });
    let _: Value = admin.post_json("/v1/accounts", &account).await.unwrap();
    let officer = server.client();
    officer.sign_in_staff("officer-hn", "officer-password").await.unwrap();
    let person: Value = officer
        .post_json(
            "/v1/persons",
            &json!({ "citizen_id": CMND, "id_kind": "cmnd", "full_name": "Lê Thị Bình", "birth": "1960",
                     "phone": "0912000333", "province_code": "01", "place": "Trạm y tế phường" }),
        )
        .await
        .unwrap();
    person["person_id"].as_str().unwrap().to_owned()
}

fn start_body(profile_ref: &str) -> Value {
    json!({ "profile_ref": profile_ref, "citizen_id": CMND, "full_name": "Lê Thị Bình", "birth_year": 1960 })
}

async fn the_openapi_document_lists_the_persons_endpoints(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let document: Value = reqwest::get(format!("{}/openapi.json", server.base_url)).await.unwrap().json().await.unwrap();
    for path in [
        "/v1/bindings",
        "/v1/bindings/sms",
        "/v1/bindings/sms/{challenge_id}/verify",
        "/v1/bindings/attestation",
        "/v1/bindings/attest",
        "/v1/bindings/remove-other",
        "/v1/bindings/{profile_ref}",
        "/v1/persons",
        "/v1/persons/{person_id}",
        "/v1/persons/{person_id}/citizen-id",
        "/v1/persons/{person_id}/bindings",
        "/v1/persons/{person_id}/bindings/{device_id}/{profile_ref}",
        "/v1/persons/{person_id}/audit",
    ] {
        assert!(document["paths"][path].is_object(), "{path} is documented");
    }
    assert!(document["components"]["schemas"]["BindingView"].is_object());
    server.stop().await;
}

async fn a_retried_start_texts_once(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    enrol_person(&server).await;
    let phone = phone(&server).await;
    let first: Value = phone.post_json_with_key("/v1/bindings/sms", &start_body("p1"), "start-1").await.unwrap();
    let retried: Value = phone.post_json_with_key("/v1/bindings/sms", &start_body("p1"), "start-1").await.unwrap();
    assert_eq!(first, retried, "the stored answer");
    assert_eq!(server.sms().len(), 1, "one code texted");
    assert_eq!(server.count("binding_challenges").await, 1);
    server.stop().await;
}

/// A one-shot SMS gateway: answers each request with `status` and hands over what it received.
async fn gateway(status: &'static str) -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/send", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = Vec::new();
            let mut buffer = [0u8; 4096];
            // Headers, then as many body bytes as Content-Length says.
            loop {
                let read = socket.read(&mut buffer).await.unwrap_or(0);
                if read == 0 {
                    break;
                }
                request.extend_from_slice(&buffer[..read]);
                let text = String::from_utf8_lossy(&request).into_owned();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text[..end]
                        .lines()
                        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                        .and_then(|v| v.parse::<usize>().ok())
                        .unwrap_or(0);
                    if request.len() >= end + 4 + length {
                        break;
                    }
                }
            }
            let _ = tx.send(String::from_utf8_lossy(&request).into_owned());
            let answer = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = socket.write_all(answer.as_bytes()).await;
        }
    });
    (url, rx)
}

/// A second instance on the test server's database, texting through `sender`.
async fn instance_with(server: &TestServer, sender: HttpSmsSender) -> (RunningServer, ServerClient) {
    let db = open_test_database(server.location()).await;
    let state = AppState::new(db, server.clock.clone(), test_config()).with_sms(Arc::new(sender));
    let instance = RunningServer::start(state, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let client = healthbook_e2e::server::client_for(&instance.base_url(), server.clock.clone());
    let identity = client.register_device("test").await.unwrap();
    client.sign_in_device(&identity).await.unwrap();
    (instance, client)
}

async fn the_http_gateway_gets_the_code_and_a_failing_one_is_reported(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    enrol_person(&server).await;

    let (url, mut received) = gateway("202 Accepted").await;
    let sender = HttpSmsSender::new(&url, "gateway-key").unwrap().with_backoff(Duration::from_millis(1));
    let (instance, phone) = instance_with(&server, sender).await;
    let started: Value = phone.post_json("/v1/bindings/sms", &start_body("p1")).await.unwrap();
    assert_eq!(started["sent_to"], "+84 9** *** *33");
    let request = received.recv().await.unwrap();
    assert!(request.to_ascii_lowercase().contains("authorization: bearer gateway-key"), "{request}");
    let body: Value = serde_json::from_str(&request[request.find("\r\n\r\n").unwrap() + 4..]).unwrap();
    assert_eq!(body["to"], "+84912000333");
    let text = body["text"].as_str().unwrap();
    let code: String = text.chars().skip_while(|c| !c.is_ascii_digit()).take(6).collect();
    let challenge = started["challenge_id"].as_str().unwrap();
    let bound: Value = phone.post_json(&format!("/v1/bindings/sms/{challenge}/verify"), &json!({ "code": code })).await.unwrap();
    assert_eq!(bound["binding"]["profile_ref"], "p1");
    instance.stop().await.unwrap();

    // A gateway that refuses: the phone is told the code was not sent (503 `sms_unavailable`), not "sent".
    let (url, _received) = gateway("401 Unauthorized").await;
    let sender = HttpSmsSender::new(&url, "wrong-key").unwrap().with_backoff(Duration::from_millis(1));
    let (instance, phone) = instance_with(&server, sender).await;
    let refused = phone.post_json::<_, Value>("/v1/bindings/sms", &start_body("p2")).await.unwrap_err();
    assert_eq!((refused.status(), refused.code()), (Some(503), Some("sms_unavailable")));
    // Nothing of it stays but the trail: the unsent challenge neither works nor counts towards the hourly three.
    assert_eq!(server.count("binding_challenges").await, 1, "only the first, used, challenge");
    let failed = server
        .db
        .read(|tx| tx.query("SELECT COUNT(*) FROM identity_audit WHERE action = 'sms_failed'", &[])?[0].int(0))
        .await
        .map_err(|e: healthbook_server::storage::StorageError| e)
        .unwrap();
    assert!(failed >= 1, "every failed attempt (the client retries 503) is in the trail");
    instance.stop().await.unwrap();
    server.stop().await;
}

async fn concurrent_guesses_and_starts_are_counted_one_by_one(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let person_id = enrol_person(&server).await;
    let phone = phone(&server).await;
    let started: Value = phone.post_json("/v1/bindings/sms", &start_body("p1")).await.unwrap();
    let challenge = started["challenge_id"].as_str().unwrap().to_owned();
    let code = server.sms()[0].text.chars().skip_while(|c| !c.is_ascii_digit()).take(6).collect::<String>();
    let wrong = if code == "000000" { "000001" } else { "000000" };

    // Twenty wrong guesses at once: five count, the challenge burns once, the rest find it closed.
    let guesses = (0..20).map(|_| {
        let phone = phone.clone();
        let path = format!("/v1/bindings/sms/{challenge}/verify");
        tokio::spawn(async move { phone.post_json::<_, Value>(&path, &json!({ "code": wrong })).await.unwrap_err() })
    });
    let mut codes = Vec::new();
    for guess in guesses {
        let error = guess.await.unwrap();
        codes.push(error.code().unwrap_or_default().to_owned());
    }
    assert_eq!(codes.iter().filter(|c| *c == "wrong_code").count(), 5, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| *c == "challenge_closed").count(), 15, "{codes:?}");
    let notices = server.sms().iter().filter(|m| m.text.starts_with(BURNED_NOTICE_MARKER)).count();
    assert_eq!(notices, 1);

    // Six phones ask for a code for the person at once: two more fit in the hour, four are locked out.
    let mut phones = Vec::new();
    for _ in 0..6 {
        phones.push(phone_for(&server).await);
    }
    let starts = phones.into_iter().map(|p| {
        tokio::spawn(async move { p.post_json::<_, Value>("/v1/bindings/sms", &start_body("p1")).await })
    });
    let mut outcomes = Vec::new();
    for start in starts {
        outcomes.push(match start.await.unwrap() {
            Ok(_) => "created".to_owned(),
            Err(e) => e.code().unwrap_or_default().to_owned(),
        });
    }
    assert_eq!(outcomes.iter().filter(|o| *o == "created").count(), 2, "{outcomes:?}");
    assert_eq!(outcomes.iter().filter(|o| *o == "binding_locked").count(), 4, "{outcomes:?}");
    let challenges = server.db.read(move |tx| tx.query("SELECT COUNT(*) FROM binding_challenges WHERE person_id = $1", &[person_id.into()])?[0].int(0)).await;
    assert_eq!(challenges.map_err(|e: healthbook_server::storage::StorageError| e).unwrap(), 3);
    assert_eq!(server.count("person_bindings").await, 0);
    server.stop().await;
}

async fn an_officer_enrolment_upgrades_a_self_declared_record(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    // A phone declares itself the holder of a CCCD the server did not know, with its own number.
    let phone = phone(&server).await;
    let claim = json!({ "profile_ref": "me", "citizen_id": "001085012345", "full_name": "Nguyen Van An",
                        "birth_year": 1985, "phone": "0987000111" });
    let started: Value = phone.post_json("/v1/bindings/sms", &claim).await.unwrap();
    assert_eq!(started["sent_to"], "+84 9** *** *11");

    // The holder goes to the ward office; the officer checks the card and enrols the id with the card's name
    // and the holder's number: the same person (200), now attested, with the checked details.
    let admin = server.admin_client().await;
    let account = json!({ "role": "health_officer", "username": "officer-hn", "password": "officer-password",
                          "area": { "province": "01" } });
    let _: Value = admin.post_json("/v1/accounts", &account).await.unwrap();
    let officer = server.client();
    officer.sign_in_staff("officer-hn", "officer-password").await.unwrap();
    let enrolment = json!({ "citizen_id": "001085012345", "id_kind": "cccd", "full_name": "Nguyễn Văn An",
                            "birth": "1985-03-02", "phone": "0912345621", "province_code": "01", "place": "UBND phường" });
    let person: Value = officer.post_json("/v1/persons", &enrolment).await.unwrap();
    assert_eq!(person["verification"], "attested");
    assert_eq!((person["full_name"].as_str(), person["phone"].as_str()), (Some("Nguyễn Văn An"), Some("+84912345621")));
    assert_eq!((person["id_kind"].as_str(), person["id_last3"].as_str()), (Some("cccd"), Some("345")));
    assert_eq!(server.count("persons").await, 1);

    // From now on codes go to the checked number, and the earlier name no longer matches.
    let stale = phone.post_json::<_, Value>("/v1/bindings/sms", &claim).await.unwrap_err();
    assert_eq!((stale.status(), stale.code()), (Some(422), Some("identity_mismatch")));
    let mut corrected = claim.clone();
    corrected["full_name"] = json!("nguyễn văn an");
    let again: Value = phone.post_json("/v1/bindings/sms", &corrected).await.unwrap();
    assert_eq!(again["sent_to"], "+84 9** *** *21");
    assert_eq!(server.sms().last().unwrap().to, "+84912345621");
    server.stop().await;
}

async fn phone_for(server: &TestServer) -> ServerClient {
    phone(server).await
}
