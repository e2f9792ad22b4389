//! EU DCC document signers (issue 16): the authority imports a national backend's signed document-signer list
//! (`POST /v1/dcc-signers`, authority admin only, checked with the configured publisher key) and the server
//! republishes it signed by the root (`GET /v1/dcc-signers`, anyone); phones pick it up with their trust refresh
//! and then verify a conformance EU DCC offline. The lists are built here and signed with a test publisher key;
//! the certificates are real DSCs from the shared conformance data.

use std::sync::Arc;

use healthbook_core::client::ServerClient;
use healthbook_core::keystore::MemoryKeyStore;
use healthbook_core::trust::dcc_signers::testing::{TestPublisher, entry, list_json};
use healthbook_core::trust::{PublisherKey, dcc_signers};
use healthbook_core::{Healthbook, HealthbookConfig};
use healthbook_e2e::server::{TestBackend, TestServer, assert_json_error, raw_request, test_config};
use healthbook_e2e::server_scenarios;
use serde_json::{Value, json};

server_scenarios!(
    only_the_authority_admin_imports_and_anyone_reads,
    without_a_publisher_key_every_list_is_refused,
    forged_and_older_lists_are_refused,
    a_phone_refresh_picks_the_signers_up_and_verifies_offline,
    the_route_takes_lists_up_to_16_mib,
);

/// A conformance case's QR text, signing certificate and validation time.
fn conformance_case(case: &str) -> (String, String, chrono::DateTime<chrono::Utc>) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/eu-dcc").join(case);
    let value: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let ctx = &value["TESTCTX"];
    let at = chrono::DateTime::parse_from_rfc3339(ctx["VALIDATIONCLOCK"].as_str().unwrap()).unwrap().with_timezone(&chrono::Utc);
    (value["PREFIX"].as_str().unwrap().to_owned(), ctx["CERTIFICATE"].as_str().unwrap().to_owned(), at)
}

/// A server that trusts `publisher`'s lists.
async fn server_for(backend: TestBackend, publisher: &TestPublisher) -> TestServer {
    let mut config = test_config();
    config.dcc_signer_list_key = Some(PublisherKey::parse(&publisher.public_key_pem).unwrap());
    TestServer::start_with(backend, config).await
}

/// A list with the DE/1 and BE/1 conformance DSCs (and one CSCA, skipped), dated `timestamp`.
fn list(publisher: &TestPublisher, timestamp: &str) -> String {
    let (_, de, _) = conformance_case("DE/2DCode/raw/1.json");
    let (_, be, _) = conformance_case("BE/2DCode/raw/1.json");
    publisher.sign(&list_json(vec![
        entry("DSC", "DE", &de, None, timestamp),
        entry("DSC", "BE", &be, None, "2021-05-01T00:00:00Z"),
        entry("CSCA", "DE", &de, None, "2021-05-01T00:00:00Z"),
    ]))
}

async fn upload(server: &TestServer, token: Option<&str>, body: String) -> (u16, reqwest::header::HeaderMap, Option<Value>) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/v1/dcc-signers", server.base_url))
        .header("content-type", "text/plain")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    raw_request(request).await
}

fn token(client: &ServerClient) -> String {
    client.session().unwrap().token
}

async fn staff(server: &TestServer, body: Value) -> ServerClient {
    let admin = server.admin_client().await;
    let _: Value = admin.post_json("/v1/accounts", &body).await.unwrap();
    let client = server.client();
    client.sign_in_staff(body["username"].as_str().unwrap(), "staff-password").await.unwrap();
    client
}

async fn only_the_authority_admin_imports_and_anyone_reads(backend: TestBackend) {
    let publisher = TestPublisher::generate();
    let server = server_for(backend, &publisher).await;
    let anyone = reqwest::Client::new();
    let read = || anyone.get(format!("{}/v1/dcc-signers", server.base_url));
    assert_json_error(&raw_request(read()).await, 404, "not_found");

    let device = server.client();
    let identity = device.register_device("android").await.unwrap();
    device.sign_in_device(&identity).await.unwrap();
    let agency = server.admin_client().await.create_agency("Chợ Bình Tây").await.unwrap();
    let agency_admin = staff(
        &server,
        json!({ "role": "agency_admin", "username": "market-admin", "password": "staff-password", "agency_id": agency.id }),
    )
    .await;
    let officer = staff(
        &server,
        json!({ "role": "health_officer", "username": "officer", "password": "staff-password",
                "area": { "province": "79", "wards": ["26734"] } }),
    )
    .await;
    let body = list(&publisher, "2021-06-01T12:00:00+02:00");
    assert_json_error(&upload(&server, None, body.clone()).await, 401, "unauthenticated");
    for caller in [&device, &agency_admin, &officer] {
        assert_json_error(&upload(&server, Some(&token(caller)), body.clone()).await, 403, "forbidden");
    }
    assert_eq!(server.count("dcc_signers").await, 0, "refused callers stored nothing");

    let admin = server.admin_client().await;
    let (status, _, report) = upload(&server, Some(&token(&admin)), body.clone()).await;
    assert_eq!(status, 200, "{report:?}");
    let report = report.unwrap();
    assert_eq!(report["accepted"], 2);
    assert_eq!(report["skipped"], 1);
    assert_eq!(report["countries"], 2);
    assert_eq!(report["version"], 1);
    assert_eq!(report["list_date"], "2021-06-01T10:00:00Z");
    assert_eq!(server.count("dcc_signers").await, 2);

    // The same upload again (a retry) publishes nothing new.
    let (status, _, again) = upload(&server, Some(&token(&admin)), body).await;
    assert_eq!((status, again.unwrap()["version"].clone()), (200, json!(1)));

    // Anyone reads the republished list, signed by the root, with an ETag for cheap refreshes.
    let response = read().send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/jose");
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let published = dcc_signers::verify_dcc_signer_list(&response.text().await.unwrap(), &server.root_key).unwrap();
    assert_eq!((published.source.as_str(), published.version, published.signers.len()), ("DE", 1, 2));
    let cached = read().header("if-none-match", etag).send().await.unwrap();
    assert_eq!(cached.status(), 304);
    server.stop().await;
}

async fn without_a_publisher_key_every_list_is_refused(backend: TestBackend) {
    let publisher = TestPublisher::generate();
    let server = TestServer::start(backend).await;
    let admin = server.admin_client().await;
    let answer = upload(&server, Some(&token(&admin)), list(&publisher, "2021-06-01T12:00:00Z")).await;
    assert_json_error(&answer, 422, "dcc_signer_list_refused");
    let message = answer.2.unwrap()["error"]["message"].as_str().unwrap().to_owned();
    assert!(message.contains("not configured") || message.contains("no document-signer list publisher key"), "{message}");
    assert_eq!(server.count("dcc_signers").await, 0);
    server.stop().await;
}

async fn forged_and_older_lists_are_refused(backend: TestBackend) {
    let publisher = TestPublisher::generate();
    let server = server_for(backend, &publisher).await;
    let admin = token(&server.admin_client().await);
    let june = list(&publisher, "2021-06-01T12:00:00Z");
    assert_eq!(upload(&server, Some(&admin), june.clone()).await.0, 200);

    // Signed by another key; altered after signing; not a list at all; not UTF-8.
    let stranger = TestPublisher::generate();
    for forged in [list(&stranger, "2021-07-01T00:00:00Z"), june.replace("\"BE\"", "\"FR\""), "{}".to_owned()] {
        assert_json_error(&upload(&server, Some(&admin), forged).await, 422, "dcc_signer_list_refused");
    }
    let not_text = reqwest::Client::new()
        .post(format!("{}/v1/dcc-signers", server.base_url))
        .bearer_auth(&admin)
        .body(vec![0xff, 0xfe, b'\n', b'{']);
    assert_json_error(&raw_request(not_text).await, 422, "dcc_signer_list_refused");

    // Older than the list imported: refused, and the published version stays.
    let may = list(&publisher, "2021-05-20T00:00:00Z");
    let refused = upload(&server, Some(&admin), may).await;
    assert_json_error(&refused, 422, "dcc_signer_list_refused");
    assert!(refused.2.unwrap()["error"]["message"].as_str().unwrap().contains("older"));
    let july = list(&publisher, "2021-07-01T00:00:00Z");
    let (status, _, report) = upload(&server, Some(&admin), july).await;
    assert_eq!((status, report.unwrap()["version"].clone()), (200, json!(2)), "a newer list is the next version");
    assert_eq!(server.count("dcc_signer_lists").await, 2);
    server.stop().await;
}

async fn a_phone_refresh_picks_the_signers_up_and_verifies_offline(backend: TestBackend) {
    let publisher = TestPublisher::generate();
    let mut server = server_for(backend, &publisher).await;
    let dir = tempfile::tempdir().unwrap();
    let hb = Healthbook::open(HealthbookConfig {
        data_dir: dir.path().to_owned(),
        key_store: Arc::new(MemoryKeyStore::default()),
        clock: server.clock.clone(),
    })
    .unwrap();
    hb.settings().set_server_url(Some(server.base_url.clone())).await.unwrap();
    hb.settings().set_root_key(Some(server.root_key.spki_base64())).await.unwrap();
    let (qr, _, at) = conformance_case("DE/2DCode/raw/1.json");

    // Before any list: the refresh finds none, and the DCC's signer is unknown.
    let refresh = hb.trust().refresh().await.unwrap();
    assert_eq!(refresh.dcc_signers_version, None);
    assert!(!hb.trust().verify_at(&qr, at).unwrap().valid);

    let admin = token(&server.admin_client().await);
    assert_eq!(upload(&server, Some(&admin), list(&publisher, "2021-06-01T12:00:00Z")).await.0, 200);
    let refresh = hb.trust().refresh().await.unwrap();
    assert_eq!(refresh.dcc_signers_version, Some(1));
    let status = hb.trust().dcc_signer_status().await.unwrap().list.unwrap();
    assert_eq!((status.source.as_str(), status.signers, status.server_version), ("DE", 2, Some(1)));

    // Offline: the server is gone, the DCC still verifies from what the refresh stored.
    server.stop_http().await;
    let verdict = hb.trust().verify_at(&qr, at).unwrap();
    assert!(verdict.valid, "{verdict:?}");
    server.stop().await;
}

async fn the_route_takes_lists_up_to_16_mib(backend: TestBackend) {
    let publisher = TestPublisher::generate();
    let server = server_for(backend, &publisher).await;
    let admin = token(&server.admin_client().await);
    // Far above the server's default body limit (64 KiB): 400 entries, most of them CSCAs that are skipped.
    let (_, de, _) = conformance_case("DE/2DCode/raw/1.json");
    let mut entries = vec![entry("DSC", "DE", &de, None, "2021-06-01T12:00:00Z")];
    entries.extend((0..400).map(|_| entry("CSCA", "DE", &de, None, "2021-06-01T12:00:00Z")));
    let large = publisher.sign(&list_json(entries));
    assert!(large.len() > 512 * 1024, "{} bytes", large.len());
    let (status, _, report) = upload(&server, Some(&admin), large).await;
    assert_eq!(status, 200, "{report:?}");
    assert_eq!((report.as_ref().unwrap()["accepted"].clone(), report.unwrap()["skipped"].clone()), (json!(1), json!(400)));
    // Beyond 16 MiB the body is not even read.
    let huge = format!("AA==\n{}", " ".repeat(dcc_signers::MAX_DSC_LIST_BYTES + 1));
    assert_json_error(&upload(&server, Some(&admin), huge).await, 413, "payload_too_large");
    server.stop().await;
}
