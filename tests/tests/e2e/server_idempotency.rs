//! Reference server, end to end: idempotency keys. A replay returns the original answer and stores nothing
//! new; a key reused for another body is refused; a lost answer retried by the client is stored once.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use healthbook_core::client::{NewAccount, Role};
use healthbook_e2e::server::{TestBackend, TestServer, assert_http_error, assert_json_error, client_for, raw_request};
use healthbook_e2e::server_scenarios;
use serde_json::json;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

server_scenarios!(
    replayed_request_stores_nothing_new,
    keys_are_required_and_scoped_per_account,
    lost_answer_is_retried_with_the_same_key_and_stored_once,
    concurrent_retries_and_changes_are_serialised,
);

async fn replayed_request_stores_nothing_new(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin_client().await;
    let agency = admin.create_agency("Chợ Bình Tây").await.unwrap();
    let path = format!("/v1/agencies/{}/gates", agency.id);
    let body = json!({"name": "Cổng 1"});

    let first: serde_json::Value = admin.post_json_with_key(&path, &body, "create-gate-1").await.unwrap();
    let gates_after_first = server.count("gates").await;
    let records_after_first = server.count("idempotency_records").await;
    for _ in 0..3 {
        let again: serde_json::Value = admin.post_json_with_key(&path, &body, "create-gate-1").await.unwrap();
        assert_eq!(again, first, "the replay answers with the original gate");
    }
    assert_eq!(server.count("gates").await, gates_after_first);
    assert_eq!(gates_after_first, 1);
    assert_eq!(server.count("idempotency_records").await, records_after_first);

    // The replay is marked as such, with the original status.
    let token = admin.session().unwrap().token;
    let raw = reqwest::Client::new();
    let answer = raw
        .post(format!("{}{path}", server.base_url))
        .bearer_auth(&token)
        .header("Idempotency-Key", "create-gate-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 201);
    assert_eq!(answer.headers()["idempotent-replayed"], "true");

    // Same key, different body: refused, and still nothing stored.
    let other: Result<serde_json::Value, _> =
        admin.post_json_with_key(&path, &json!({"name": "Cổng 2"}), "create-gate-1").await;
    assert_http_error(other, 422, "idempotency_key_reused");
    // Same key and body on another path is another request too.
    let elsewhere: Result<serde_json::Value, _> =
        admin.post_json_with_key("/v1/agencies", &json!({"name": "Cổng 1"}), "create-gate-1").await;
    assert_http_error(elsewhere, 422, "idempotency_key_reused");
    assert_eq!(server.count("gates").await, 1);
    assert_eq!(server.count("agencies").await, 1);

    // Device registration is idempotent as well, before any account exists.
    let device_body = json!({
        "public_key": healthbook_core::trust::SigningKey::generate().unwrap().0.verifying_key().spki_base64(),
        "platform": "android",
    });
    let phone = server.client();
    let registered: serde_json::Value =
        phone.post_json_with_key("/v1/devices", &device_body, "register-1").await.unwrap();
    let accounts = server.count("accounts").await;
    let again: serde_json::Value = phone.post_json_with_key("/v1/devices", &device_body, "register-1").await.unwrap();
    assert_eq!(again["device_id"], registered["device_id"]);
    assert_eq!(server.count("accounts").await, accounts);

    // A request that failed stored nothing, so the same key may be used once the cause is fixed.
    let missing_agency: Result<serde_json::Value, _> =
        admin.post_json_with_key("/v1/agencies/nope/gates", &body, "retry-after-fix").await;
    assert_http_error(missing_agency, 404, "not_found");
    let fixed: Result<serde_json::Value, _> =
        admin.post_json_with_key("/v1/agencies/nope/gates", &body, "retry-after-fix").await;
    assert_http_error(fixed, 404, "not_found");
    server.stop().await;
}

async fn keys_are_required_and_scoped_per_account(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin_client().await;
    let agency = admin.create_agency("Cảng Cát Lái").await.unwrap();
    admin
        .create_account(&NewAccount {
            role: Role::AgencyAdmin,
            username: "port-admin".into(),
            password: "port-admin-password".into(),
            agency_id: Some(agency.id.clone()),
            area: None,
        })
        .await
        .unwrap();
    let token = admin.session().unwrap().token;
    let url = format!("{}/v1/agencies/{}/gates", server.base_url, agency.id);
    let raw = reqwest::Client::new();

    let missing = raw_request(raw.post(&url).bearer_auth(&token).json(&json!({"name": "A"}))).await;
    assert_json_error(&missing, 400, "missing_idempotency_key");
    let too_long = raw_request(
        raw.post(&url).bearer_auth(&token).header("Idempotency-Key", "k".repeat(300)).json(&json!({"name": "A"})),
    )
    .await;
    assert_json_error(&too_long, 400, "invalid_idempotency_key");
    assert_eq!(server.count("gates").await, 0);

    // Keys belong to an account: another account's identical key is another request.
    let port_admin = server.client();
    port_admin.sign_in_staff("port-admin", "port-admin-password").await.unwrap();
    let body = json!({"name": "Cổng A"});
    let path = format!("/v1/agencies/{}/gates", agency.id);
    let by_admin: serde_json::Value = admin.post_json_with_key(&path, &body, "same-key").await.unwrap();
    let by_port: serde_json::Value = port_admin.post_json_with_key(&path, &body, "same-key").await.unwrap();
    assert_ne!(by_admin["id"], by_port["id"]);
    assert_eq!(server.count("gates").await, 2);
    server.stop().await;
}

/// A loopback proxy that forwards the first connection's request but swallows the server's answer and hangs
/// up, as a mobile network does; later connections pass through. Returns its address and connection count.
async fn answer_losing_proxy(target: SocketAddr) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        while let Ok((inbound, _)) = listener.accept().await {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let Ok(outbound) = TcpStream::connect(target).await else { return };
                if n == 0 {
                    let (mut client_read, client_write) = inbound.into_split();
                    let (mut server_read, mut server_write) = outbound.into_split();
                    let forward = tokio::spawn(async move {
                        let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
                    });
                    let mut buf = [0u8; 1024];
                    let _ = server_read.read(&mut buf).await;
                    forward.abort();
                    drop(client_write);
                } else {
                    let (mut inbound, mut outbound) = (inbound, outbound);
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    (addr, connections)
}

async fn lost_answer_is_retried_with_the_same_key_and_stored_once(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin_client().await;
    let agency = admin.create_agency("Sân bay Tân Sơn Nhất").await.unwrap();
    let target: SocketAddr = server.base_url.trim_start_matches("http://").parse().unwrap();
    let (proxy, connections) = answer_losing_proxy(target).await;
    let through_proxy = client_for(&format!("http://{proxy}"), server.clock.clone());
    through_proxy.set_session(admin.session());

    let gate = through_proxy.create_gate(&agency.id, "Ga quốc nội").await.unwrap();
    assert!(connections.load(Ordering::SeqCst) >= 2, "the first answer was lost and the call retried");
    assert_eq!(server.count("gates").await, 1, "the retry was recognised, not stored again");
    assert_eq!(admin.gates(&agency.id).await.unwrap(), vec![gate]);
    server.stop().await;
}

async fn concurrent_retries_and_changes_are_serialised(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin_client().await;
    let agency = admin.create_agency("Bến xe Miền Đông").await.unwrap();
    let path = format!("/v1/agencies/{}/gates", agency.id);

    // The same request fired eight times at once (an impatient app): one gate, eight identical answers.
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (client, path) = (admin.clone(), path.clone());
        tasks.push(tokio::spawn(async move {
            client.post_json_with_key::<_, serde_json::Value>(&path, &json!({"name": "Cổng 9"}), "burst").await
        }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap().unwrap());
    }
    assert!(answers.windows(2).all(|pair| pair[0] == pair[1]), "{answers:?}");
    assert_eq!(server.count("gates").await, 1);

    // Concurrent trust-list changes each get their own version; none is lost.
    let mut tasks = Vec::new();
    for i in 0..6 {
        let client = admin.clone();
        let now = healthbook_core::Clock::now(server.clock.as_ref());
        tasks.push(tokio::spawn(async move {
            let (key, _) = healthbook_core::trust::SigningKey::generate().unwrap();
            client
                .add_issuer_key(&healthbook_core::client::NewIssuerKey {
                    role: healthbook_core::trust::IssuerRole::Lab,
                    scope: format!("lab-{i}"),
                    name: format!("Lab {i}"),
                    public_key: key.verifying_key().spki_base64(),
                    not_before: now,
                    not_after: now + chrono::Duration::days(30),
                })
                .await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let list = server
        .client()
        .fetch_trust_list(&server.root_key, &healthbook_core::client::MemoryTrustCache::default())
        .await
        .unwrap();
    // The six new keys beside the server's own service keys, which the first list already names.
    assert_eq!((list.document.version, list.document.keys.len()), (7, 6 + healthbook_server::trust::SERVICE_KEYS.len()));
    server.stop().await;
}
