//! Issue 18, the phone's findings, one regression test each: the device token is kept and reused, receipts and
//! passes are applied from their signed claims only (a proxy between phone and server rewrites the unsigned
//! copies), receipts by revoked or expired keys or naming another device stay queued, plain `http://` is
//! refused except to loopback, and each step of the EU DCC transport refuses malformed input at its own stage.

use std::sync::{Arc, Mutex};

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use healthbook_core::client::{ClientConfig, ClientError, NewRevocation, ServerClient};
use healthbook_core::credentials::{self, CredentialSigner, FailedStage, PassStatus, PersonalPass, container};
use healthbook_core::declarations::{DeclarationStatus, ReceiptRefusal, forms};
use healthbook_core::trust::signed::SignerRefusal;
use healthbook_core::keystore::MemoryKeyStore;
use healthbook_core::outbox::OutboxState;
use healthbook_core::outbox::http::ServerTransport;
use healthbook_core::passes::{PassError, PassRefusal};
use healthbook_core::profiles::{BirthDate, ProfileInput, ProfileRelation};
use healthbook_core::settings::{Language, SettingsError};
use healthbook_core::trust::RevocationKind;
use healthbook_core::{Clock, Healthbook, HealthbookConfig, SystemClock};
use healthbook_e2e::server::{TEST_PBKDF2_ITERATIONS, TestBackend, TestPerson, TestServer};
use healthbook_server::ServerConfig;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// A phone on `server`'s clock, talking to `url`, with the server's root key pinned.
async fn phone(server: &TestServer, dir: &std::path::Path, url: &str) -> Healthbook {
    let hb = Healthbook::open(HealthbookConfig {
        data_dir: dir.to_owned(),
        key_store: Arc::new(MemoryKeyStore::default()),
        clock: server.clock.clone(),
    })
    .unwrap();
    hb.settings().set_server_url(Some(url.to_owned())).await.unwrap();
    hb.settings().set_root_key(Some(server.root_key.spki_base64())).await.unwrap();
    hb
}

fn person(name: &str) -> ProfileInput {
    ProfileInput {
        relation: ProfileRelation::Myself,
        full_name: name.into(),
        birth: BirthDate { year: 1984, month: None, day: None },
        phone: None,
        citizen_id: None,
        address: None,
    }
}

fn clear_answers() -> Value {
    json!({ "symptoms": [], "contact_with_confirmed_case": false, "travel_from_outbreak_area": false, "vaccination_status": "booster" })
}

fn fever_answers(server: &TestServer) -> Value {
    json!({
        "symptoms": ["fever", "cough"], "symptom_onset": server.clock.now().date_naive().format("%Y-%m-%d").to_string(),
        "contact_with_confirmed_case": true, "travel_from_outbreak_area": false, "vaccination_status": "not_vaccinated"
    })
}

/// A part of a compact JWS (0 header, 1 payload), decoded as JSON.
fn jws_part(jws: &str, index: usize) -> Value {
    let part = jws.split('.').nth(index).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

async fn rows(server: &TestServer, sql: &'static str) -> i64 {
    server
        .db
        .read(move |tx| tx.query(sql, &[])?[0].int(0))
        .await
        .map_err(|e: healthbook_server::storage::StorageError| e)
        .unwrap()
}

/// Changes a JSON request or answer passing through the [`Proxy`]: `(method and path, body)`.
type Rewrite = fn(&str, &mut Value);

/// A man in the middle on loopback: forwards each request to the server and may rewrite JSON bodies on the way.
struct Proxy {
    url: String,
    rewrite_request: Arc<Mutex<Option<Rewrite>>>,
    rewrite_answer: Arc<Mutex<Option<Rewrite>>>,
}

impl Proxy {
    async fn start(upstream: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let rewrite_request: Arc<Mutex<Option<Rewrite>>> = Arc::default();
        let rewrite_answer: Arc<Mutex<Option<Rewrite>>> = Arc::default();
        let (upstream, request_hook, answer_hook) = (upstream.to_owned(), rewrite_request.clone(), rewrite_answer.clone());
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            while let Ok((socket, _)) = listener.accept().await {
                let (http, upstream) = (http.clone(), upstream.clone());
                let (request_hook, answer_hook) = (*request_hook.lock().unwrap(), *answer_hook.lock().unwrap());
                tokio::spawn(async move {
                    let _ = relay(socket, &http, &upstream, request_hook, answer_hook).await;
                });
            }
        });
        Self { url, rewrite_request, rewrite_answer }
    }

    fn rewrite_requests(&self, rewrite: Option<Rewrite>) {
        *self.rewrite_request.lock().unwrap() = rewrite;
    }

    fn rewrite_answers(&self, rewrite: Option<Rewrite>) {
        *self.rewrite_answer.lock().unwrap() = rewrite;
    }
}

/// Relays one HTTP/1.1 request and closes the connection.
async fn relay(
    socket: tokio::net::TcpStream,
    http: &reqwest::Client,
    upstream: &str,
    rewrite_request: Option<Rewrite>,
    rewrite_answer: Option<Rewrite>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(socket);
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or_default().to_owned(), parts.next().unwrap_or_default().to_owned());
    let mut headers = Vec::new();
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).await?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_owned());
            if name == "content-length" {
                length = value.parse().unwrap_or(0);
            }
            if ["authorization", "idempotency-key", "content-type", "if-none-match"].contains(&name.as_str()) {
                headers.push((name, value));
            }
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).await?;
    let route = format!("{method} {path}");
    if let (Some(rewrite), Ok(mut json)) = (rewrite_request, serde_json::from_slice::<Value>(&body)) {
        rewrite(&route, &mut json);
        body = serde_json::to_vec(&json).unwrap();
    }
    let mut request = http.request(method.parse().unwrap(), format!("{upstream}{path}")).body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let answer = request.send().await.map_err(std::io::Error::other)?;
    let status = answer.status();
    let etag = answer.headers().get("etag").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut body = answer.bytes().await.map_err(std::io::Error::other)?.to_vec();
    if let (Some(rewrite), true, Ok(mut json)) = (rewrite_answer, status.is_success(), serde_json::from_slice::<Value>(&body)) {
        rewrite(&route, &mut json);
        body = serde_json::to_vec(&json).unwrap();
    }
    let mut head = format!("HTTP/1.1 {} {}\r\nContent-Length: {}\r\nConnection: close\r\n", status.as_u16(), status.canonical_reason().unwrap_or("-"), body.len());
    if let Some(tag) = etag {
        head.push_str(&format!("ETag: {tag}\r\n"));
    }
    head.push_str("Content-Type: application/json\r\n\r\n");
    let mut socket = reader.into_inner();
    socket.write_all(head.as_bytes()).await?;
    socket.write_all(&body).await?;
    socket.shutdown().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_token_is_kept_and_reused() {
    // The production limits: only the PBKDF2 cost is lowered, which device sign-in does not use.
    let config = ServerConfig { pbkdf2_iterations: TEST_PBKDF2_ITERATIONS, ..ServerConfig::default() };
    let server = TestServer::start_with(TestBackend::Sqlite, config).await;
    let dir = tempfile::tempdir().unwrap();
    let hb = phone(&server, dir.path(), &server.base_url).await;
    let me = hb.profiles().add(person("Đặng Thị Mai")).await.unwrap();

    // 80 syncs in a row, a few seconds apart, every fourth with a new declaration.
    for i in 0..80 {
        if i % 4 == 0 {
            hb.declarations().submit(&me.id, forms::HEALTH_DECLARATION, clear_answers(), None, Language::Vi).await.unwrap();
        }
        let report = hb.outbox().sync_now(None).await.unwrap_or_else(|e| panic!("sync {i}: {e}"));
        assert!(!report.server_unreachable && report.failed == 0 && report.rejected == 0, "sync {i}: {report:?}");
        server.clock.advance(Duration::seconds(5));
    }
    let sign_ins = server.count("access_tokens").await;
    println!("80 syncs (20 with a declaration) over 400 s: {sign_ins} sign-in(s)");
    assert!((1..=2).contains(&sign_ins), "{sign_ins} sign-ins");
    assert_eq!(server.count("declarations").await, 20);
    assert!(hb.outbox().list().await.unwrap().is_empty(), "nothing waits, nothing was throttled");

    // The server revokes the token: the next request gets a 401, the phone signs in once and the sync succeeds.
    assert_eq!(server.execute_sql("DELETE FROM access_tokens").await, sign_ins as u64);
    hb.declarations().submit(&me.id, forms::HEALTH_DECLARATION, clear_answers(), None, Language::Vi).await.unwrap();
    let report = hb.outbox().sync_now(None).await.unwrap();
    assert_eq!((report.delivered, report.failed, report.pending), (1, 0, 0));
    assert_eq!(server.count("access_tokens").await, 1, "exactly one sign-in after the revocation");
    assert_eq!(hb.outbox().sync_now(None).await.unwrap().failed, 0);
    assert_eq!(server.count("access_tokens").await, 1);

    // Shortly before the token expires the phone signs in again, once, without waiting for a 401.
    let expires_at = rows(&server, "SELECT MAX(expires_at) FROM access_tokens").await;
    let expires_at = DateTime::<Utc>::from_timestamp_millis(expires_at).unwrap();
    server.clock.set(expires_at - Duration::seconds(90));
    hb.outbox().sync_now(None).await.unwrap();
    hb.outbox().sync_now(None).await.unwrap();
    assert_eq!(server.count("access_tokens").await, 2, "one renewal inside the margin");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_receipt_fields_are_not_applied() {
    let server = TestServer::start(TestBackend::Sqlite).await;
    let proxy = Proxy::start(&server.base_url).await;
    let dir = tempfile::tempdir().unwrap();
    let hb = phone(&server, dir.path(), &proxy.url).await;
    let me = hb.profiles().add(person("Lương Văn Tài")).await.unwrap();
    let declaration =
        hb.declarations().submit(&me.id, forms::HEALTH_DECLARATION, fever_answers(&server), None, Language::Vi).await.unwrap();
    proxy.rewrite_answers(Some(|route, answer| {
        if route == "POST /v1/declarations" {
            answer["health_status"] = json!({ "status": "green", "reasons": [] });
            answer["received_at"] = json!("2030-01-01T00:00:00Z");
        }
    }));
    assert_eq!(hb.outbox().sync_now(None).await.unwrap().delivered, 1);

    let stored = hb.declarations().get(&declaration.id).await.unwrap();
    assert_eq!(stored.status, DeclarationStatus::Accepted);
    let signed = jws_part(stored.receipt.as_deref().unwrap(), 1);
    let status = hb.declarations().health_status(&me.id).await.unwrap().unwrap();
    assert_ne!(status.status, "green", "the rewritten status is not applied");
    assert_eq!(json!(status.status), signed["health_status"]["status"]);
    assert_eq!(json!(status.reasons), signed["health_status"]["reasons"]);
    assert_eq!(json!(status.updated_at), signed["received_at"]);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipt_signed_by_a_revoked_key_is_refused() {
    let server = TestServer::start(TestBackend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let hb = phone(&server, dir.path(), &server.base_url).await;
    let me = hb.profiles().add(person("Tạ Thị Hoa")).await.unwrap();
    let first = hb.declarations().submit(&me.id, forms::HEALTH_DECLARATION, clear_answers(), None, Language::Vi).await.unwrap();
    assert_eq!(hb.outbox().sync_now(None).await.unwrap().delivered, 1);
    let receipt = hb.declarations().get(&first.id).await.unwrap().receipt.unwrap();
    let kid = jws_part(&receipt, 0)["kid"].as_str().unwrap().to_owned();

    let admin = server.admin_client().await;
    admin
        .add_revocation(&NewRevocation { kind: RevocationKind::IssuerKey, id: kid.clone(), reason: "receipt key leaked".into() })
        .await
        .unwrap();
    let second = hb.declarations().submit(&me.id, forms::HEALTH_DECLARATION, fever_answers(&server), None, Language::Vi).await.unwrap();
    let report = hb.outbox().sync_now(None).await.unwrap();
    assert_eq!((report.delivered, report.failed, report.pending), (0, 1, 1));
    let item = hb.outbox().list().await.unwrap().remove(0);
    assert_eq!(item.state, OutboxState::Pending);
    assert_eq!(item.last_error, Some(ReceiptRefusal::Signer(SignerRefusal::KeyRevoked(kid)).to_string()));
    assert_eq!(hb.declarations().get(&second.id).await.unwrap().status, DeclarationStatus::Queued);
    assert_eq!(hb.declarations().health_status(&me.id).await.unwrap().unwrap().status, "green", "the first status stays");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipt_signed_by_an_expired_key_is_refused() {
    let server = TestServer::start(TestBackend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let hb = phone(&server, dir.path(), &server.base_url).await;
    let me = hb.profiles().add(person("Âu Văn Kiên")).await.unwrap();
    let first = hb.declarations().submit(&me.id, forms::HEALTH_DECLARATION, clear_answers(), None, Language::Vi).await.unwrap();
    assert_eq!(hb.outbox().sync_now(None).await.unwrap().delivered, 1);
    let kid = jws_part(&hb.declarations().get(&first.id).await.unwrap().receipt.unwrap(), 0)["kid"].as_str().unwrap().to_owned();

    // The server's receipt key is listed for two years; past that, the server still signs with it.
    server.clock.advance(Duration::days(731));
    let second = hb.declarations().submit(&me.id, forms::HEALTH_DECLARATION, clear_answers(), None, Language::Vi).await.unwrap();
    let report = hb.outbox().sync_now(None).await.unwrap();
    assert_eq!((report.delivered, report.pending), (0, 1));
    assert_eq!(hb.outbox().list().await.unwrap()[0].last_error, Some(ReceiptRefusal::Signer(SignerRefusal::KeyExpired(kid)).to_string()));
    assert_eq!(hb.declarations().get(&second.id).await.unwrap().status, DeclarationStatus::Queued);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipt_naming_another_device_is_refused() {
    let server = TestServer::start(TestBackend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let hb = phone(&server, dir.path(), &server.base_url).await;
    let me = hb.profiles().add(person("Phó Thị Lan")).await.unwrap();
    let this_device = hb.outbox().connect_server().await.unwrap();
    hb.outbox().sync_now(None).await.unwrap();

    // Another device relays this phone's declaration under its own session: the server's genuine receipt
    // names that device.
    let other = server.client();
    let identity = other.register_device("android").await.unwrap();
    other.sign_in_device(&identity).await.unwrap();
    let declaration = hb.declarations().submit(&me.id, forms::HEALTH_DECLARATION, clear_answers(), None, Language::Vi).await.unwrap();
    let report = hb.outbox().sync_with(&ServerTransport::new(other), None).await.unwrap();
    assert_eq!((report.delivered, report.pending), (0, 1));
    let refusal = ReceiptRefusal::OtherDevice { found: identity.device_id().to_owned(), expected: this_device };
    assert_eq!(hb.outbox().list().await.unwrap()[0].last_error, Some(refusal.to_string()));
    assert_eq!(hb.declarations().get(&declaration.id).await.unwrap().status, DeclarationStatus::Queued);
    assert_eq!(hb.declarations().health_status(&me.id).await.unwrap(), None);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pass_with_tampered_unsigned_status_or_expiry_is_not_applied() {
    let server = TestServer::start(TestBackend::Sqlite).await;
    let proxy = Proxy::start(&server.base_url).await;
    let dir = tempfile::tempdir().unwrap();
    let hb = phone(&server, dir.path(), &proxy.url).await;
    let me = hb.profiles().add(person("Mạc Văn Đức")).await.unwrap();
    // Passes are for bound persons: this profile, and another profile of this phone ("someone-else").
    let device_id = hb.outbox().connect_server().await.unwrap();
    server.bind_profile(&device_id, &me.id, &TestPerson::new("Mạc Văn Đức", 1984)).await;
    server.bind_profile(&device_id, "someone-else", &TestPerson::new("Người Khác", 1990)).await;
    proxy.rewrite_answers(Some(|route, answer| {
        if route == "POST /v1/passes" {
            answer["health_status"] = json!({ "status": "green", "reasons": ["vaccination"] });
            answer["issued_at"] = json!("2021-07-01T08:00:00Z");
            answer["expires_at"] = json!("2030-01-01T00:00:00Z");
            answer["credential_id"] = json!("forged");
        }
    }));
    let pass = hb.passes().refresh(&me.id).await.unwrap();
    let verdict = hb.trust().verify(&pass.qr).unwrap();
    assert!(verdict.valid);
    // Without a declaration the signed status is yellow; the times and id are the pass's own claims.
    assert_eq!((pass.status.as_str(), pass.reasons.as_slice()), ("yellow", ["declaration".to_owned()].as_slice()));
    assert_eq!(Some(pass.expires_at), verdict.expires_at);
    assert_eq!(Some(pass.issued_at), verdict.issued_at);
    assert_eq!(pass.expires_at - pass.issued_at, Duration::hours(24));
    assert_eq!(Some(pass.credential_id.clone()), verdict.credential_id);
    assert_eq!(hb.passes().kept(&me.id).await.unwrap().unwrap(), pass);

    // A pass the server signed for another profile (the request rewritten on the way) is not kept.
    proxy.rewrite_answers(None);
    proxy.rewrite_requests(Some(|route, request| {
        if route == "POST /v1/passes" {
            request["profile_ref"] = json!("someone-else");
        }
    }));
    let refused = hb.passes().refresh(&me.id).await.unwrap_err();
    assert!(matches!(&refused, PassError::Untrusted(PassRefusal::OtherRequest)), "{refused:?}");
    assert_eq!(hb.passes().kept(&me.id).await.unwrap().unwrap(), pass, "the kept pass is unchanged");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_is_refused_except_to_loopback() {
    let server = TestServer::start(TestBackend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let hb = phone(&server, dir.path(), &server.base_url).await;
    for url in ["http://example.com", "http://example.com:8080/api", "http://10.0.2.2:8080"] {
        let refused = hb.settings().set_server_url(Some(url.into())).await.unwrap_err();
        assert!(matches!(refused, SettingsError::InsecureServerUrl(_)), "{url}: {refused:?}");
    }
    assert_eq!(hb.settings().server_url().await.unwrap().as_deref(), Some(server.base_url.as_str()), "refused URLs change nothing");
    let refused = ServerClient::new(ClientConfig::new("http://example.com"), Arc::new(SystemClock)).unwrap_err();
    assert_eq!(refused, ClientError::InsecureUrl("example.com".into()));

    // Loopback over plain http works end to end.
    assert!(server.base_url.starts_with("http://127.0.0.1:"));
    let me = hb.profiles().add(person("Khổng Thị Yến")).await.unwrap();
    hb.declarations().submit(&me.id, forms::HEALTH_DECLARATION, clear_answers(), None, Language::Vi).await.unwrap();
    assert_eq!(hb.outbox().sync_now(None).await.unwrap().delivered, 1);
    server.stop().await;
}

/// Base45 (RFC 9285) without compression, to build inputs the issuer never would.
fn base45(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    let mut out = String::new();
    for pair in bytes.chunks(2) {
        let (mut value, digits) = match pair {
            [a, b] => (u32::from(*a) * 256 + u32::from(*b), 3),
            [a] => (u32::from(*a), 2),
            _ => unreachable!(),
        };
        for _ in 0..digits {
            out.push(ALPHABET[(value % 45) as usize] as char);
            value /= 45;
        }
    }
    out
}

#[test]
fn lenient_eu_dcc_transport_is_refused_at_each_stage() {
    let signer = CredentialSigner::from_pkcs8(&CredentialSigner::generate_pkcs8().unwrap(), "VN-HB").unwrap();
    let pass = PersonalPass { name: "Ninh Văn Bảo".into(), birth_year: None, status: PassStatus::Green, reasons: vec![], province: None };
    let qr = signer.issue_pass(&pass, "c-1", Utc::now(), Duration::hours(24)).unwrap();
    let stage = |text: &str| credentials::decode(text).err().map(|e| e.stage);
    assert_eq!(stage(&qr), None, "the well-formed pass decodes");
    let body = qr.strip_prefix("HB1:").unwrap();
    let tagged = container::decode_to_cose_bytes(&qr).unwrap().1;
    assert_eq!(tagged[0], 0xd2, "COSE_Sign1 tagged 18");

    // Prefix: exact, case-sensitive, first; nothing trimmed (a space is a Base45 digit).
    for text in [format!("hb1:{body}"), format!(" {qr}"), body.to_owned(), format!("HB1{body}")] {
        assert_eq!(stage(&text), Some(FailedStage::Prefix), "{text:.8}");
    }
    // Base45: outside the alphabet (a line ending, lowercase), a bad length, a non-canonical (overflowing) group.
    let to_bad_length = if body.len() % 3 == 0 { "A" } else { "AA" };
    for text in [format!("{qr}\n"), format!("HB1:{}", body.to_lowercase()), format!("{qr}{to_bad_length}"), "HB1:GGW".to_owned()] {
        assert_eq!(stage(&text), Some(FailedStage::Base45), "{text:.8}");
    }
    // zlib is mandatory: valid COSE without it is refused, as is anything after the zlib stream.
    assert_eq!(stage(&format!("HB1:{}", base45(&tagged))), Some(FailedStage::Decompress));
    let mut trailing = container::compress(&tagged);
    trailing.push(0);
    assert_eq!(stage(&format!("HB1:{}", base45(&trailing))), Some(FailedStage::Decompress));
    // CBOR: bytes after the COSE message.
    let mut after_cose = tagged.clone();
    after_cose.push(0);
    assert_eq!(stage(&container::encode_qr_text(credentials::CredentialType::PersonalPass, &after_cose).unwrap()), Some(FailedStage::Cbor));
    // COSE: CWT tag 61 must wrap tag 18, not the bare array; tag 61 around tag 18 is fine.
    let mut cwt_bare = vec![0xd8, 0x3d];
    cwt_bare.extend_from_slice(&tagged[1..]);
    assert_eq!(stage(&container::encode_qr_text(credentials::CredentialType::PersonalPass, &cwt_bare).unwrap()), Some(FailedStage::Cose));
    let mut cwt = vec![0xd8, 0x3d];
    cwt.extend_from_slice(&tagged);
    assert_eq!(stage(&container::encode_qr_text(credentials::CredentialType::PersonalPass, &cwt).unwrap()), None);
}
