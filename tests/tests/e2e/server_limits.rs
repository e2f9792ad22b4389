//! Reference server, end to end: limits and errors. Oversized bodies, malformed JSON, missing or bad tokens,
//! unknown routes and rate limits get a 4xx JSON error, and the server goes on serving.

use chrono::Duration;
use healthbook_core::client::Role;
use healthbook_e2e::server::{
    ADMIN_PASSWORD, ADMIN_USERNAME, TestBackend, TestServer, assert_http_error, assert_json_error, raw_request,
    test_config,
};
use healthbook_e2e::server_scenarios;
use healthbook_server::ServerConfig;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

server_scenarios!(
    bad_requests_get_json_errors_and_the_server_keeps_serving,
    requests_are_rate_limited_per_account,
    health_and_openapi_are_served,
);

async fn bad_requests_get_json_errors_and_the_server_keeps_serving(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin_client().await;
    let token = admin.session().unwrap().token;
    let raw = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", server.base_url);
    let post = |path: &str, key: &str| {
        raw.post(url(path))
            .bearer_auth(&token)
            .header("Idempotency-Key", key)
            .header("content-type", "application/json")
    };

    // 64 KiB limit; a body over it is refused before it is parsed.
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(100 * 1024));
    assert_json_error(&raw_request(post("/v1/agencies", "big").body(huge)).await, 413, "payload_too_large");
    // Chunked (no Content-Length) is counted as it streams.
    let (status, body) = chunked_post(&server.base_url, "/v1/agencies", &token, 80 * 1024).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&body).unwrap()["error"]["code"], "payload_too_large");

    assert_json_error(&raw_request(post("/v1/agencies", "m1").body("{\"name\": ")).await, 400, "malformed_json");
    assert_json_error(&raw_request(post("/v1/agencies", "m2").body("not json at all")).await, 400, "malformed_json");
    assert_json_error(&raw_request(post("/v1/agencies", "m3").body("{\"name\": 42}")).await, 422, "invalid_request");
    assert_json_error(&raw_request(post("/v1/agencies", "m4").body("{\"nom\": \"x\"}")).await, 422, "invalid_request");
    assert_json_error(
        &raw_request(post("/v1/agencies", "m5").body("{\"name\": \"   \"}")).await,
        422,
        "invalid_request",
    );
    assert_json_error(&raw_request(raw.post(url("/v1/auth/login")).body("[")).await, 400, "malformed_json");

    let no_token =
        raw_request(raw.post(url("/v1/agencies")).header("Idempotency-Key", "n").json(&json!({"name": "x"})));
    let no_token = no_token.await;
    assert_json_error(&no_token, 401, "unauthenticated");
    assert_eq!(no_token.1["www-authenticate"], "Bearer");
    assert_json_error(&raw_request(raw.get(url("/v1/me")).bearer_auth("hb_forged")).await, 401, "invalid_token");
    assert_json_error(
        &raw_request(raw.get(url("/v1/me")).header("Authorization", "Basic abc")).await,
        401,
        "unauthenticated",
    );
    assert_json_error(&raw_request(raw.get(url("/v1/nothing-here"))).await, 404, "route_not_found");
    assert_json_error(&raw_request(raw.delete(url("/v1/me"))).await, 405, "method_not_allowed");
    assert_json_error(
        &raw_request(raw.get(url("/v1/agencies/%FF%FE")).bearer_auth(&token)).await,
        422,
        "invalid_request",
    );

    // An expired token, then the server still serves everyone.
    server.clock.advance(Duration::hours(1));
    assert_json_error(&raw_request(raw.get(url("/v1/me")).bearer_auth(&token)).await, 401, "token_expired");
    admin.health().await.unwrap();
    admin.sign_in_staff(ADMIN_USERNAME, ADMIN_PASSWORD).await.unwrap();
    assert_eq!(admin.me().await.unwrap().role, Role::AuthorityAdmin);
    assert_eq!(server.count("agencies").await, 0, "nothing was stored by the refused requests");
    server.stop().await;
}

/// Sends a chunked POST of `size` bytes over a raw connection; returns the status and the body.
async fn chunked_post(base_url: &str, path: &str, token: &str, size: usize) -> (u16, String) {
    let addr = base_url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nIdempotency-Key: chunked\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let mut request = head.into_bytes();
    let chunk = vec![b' '; 8 * 1024];
    for _ in 0..size / chunk.len() {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(&chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    // The server may answer and stop reading before the whole body is sent; that is its right.
    let _ = stream.write_all(&request).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
    // The body may itself be chunked: keep the JSON object only.
    let json = body.find('{').and_then(|start| body.rfind('}').map(|end| body[start..=end].to_owned()));
    (status, json.unwrap_or_default())
}

async fn requests_are_rate_limited_per_account(backend: TestBackend) {
    let config = ServerConfig { rate_limit_per_minute: 5, login_attempts_per_minute: 3, ..test_config() };
    let server = TestServer::start_with(backend, config).await;
    let admin = server.admin_client().await;
    for _ in 0..5 {
        admin.me().await.unwrap();
    }
    assert_http_error(admin.me().await, 429, "rate_limited");
    let token = admin.session().unwrap().token;
    let raw = reqwest::Client::new();
    let limited = raw_request(raw.get(format!("{}/v1/me", server.base_url)).bearer_auth(&token)).await;
    assert_json_error(&limited, 429, "rate_limited");
    let retry_after: u64 = limited.1["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");

    // Another account has its own budget (the admin's is spent, so it is made through the admin API path
    // directly in the database).
    healthbook_server::admin::create_account(
        &server.db,
        server.clock.clone(),
        Role::Volunteer,
        "volunteer",
        "volunteer-password",
        None,
        1_000,
    )
    .await
    .unwrap();
    let volunteer = server.client();
    volunteer.sign_in_staff("volunteer", "volunteer-password").await.unwrap();
    volunteer.me().await.unwrap();

    // The next window starts afresh.
    server.clock.advance(Duration::seconds(61));
    admin.me().await.unwrap();

    // Password guessing is limited per username, even when the right password comes at last.
    for _ in 0..3 {
        assert_http_error(server.client().sign_in_staff("volunteer", "guess-guess").await, 401, "invalid_credentials");
    }
    assert_http_error(server.client().sign_in_staff("volunteer", "volunteer-password").await, 429, "rate_limited");
    server.stop().await;
}

async fn health_and_openapi_are_served(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let raw = reqwest::Client::new();
    let (status, _, health) = raw_request(raw.get(format!("{}/healthz", server.base_url))).await;
    assert_eq!(status, 200);
    let expected = match backend {
        TestBackend::Sqlite => "sqlite",
        TestBackend::Postgres => "postgres",
    };
    assert_eq!(health.unwrap(), json!({"status": "ok", "database": expected}));

    let (status, _, doc) = raw_request(raw.get(format!("{}/openapi.json", server.base_url))).await;
    assert_eq!(status, 200);
    let doc = doc.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/v1/devices", "/v1/auth/login", "/v1/trust-list", "/v1/agencies/{agency_id}/gates", "/healthz"] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["schemas"]["ErrorResponse"].is_object());
    // OpenAPI requires operation ids to be unique; utoipa takes them from handler names, which areas may share.
    let mut ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values().filter_map(|op| op["operationId"].as_str()))
        .collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "operation ids are unique");
    server.stop().await;
}
