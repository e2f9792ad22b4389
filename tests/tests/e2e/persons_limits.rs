//! The identity and pass endpoints (issue 8) answer what a client should never send the way every endpoint does:
//! an oversized body with 413, malformed JSON with 400, a field of the wrong type with 422, no token with 401, each
//! as the API's JSON error, and nothing is stored.

use healthbook_e2e::server::{TestBackend, TestServer, assert_json_error, raw_request};
use healthbook_e2e::server_scenarios;

server_scenarios!(identity_and_pass_endpoints_refuse_malformed_oversized_and_anonymous_requests);

async fn identity_and_pass_endpoints_refuse_malformed_oversized_and_anonymous_requests(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin_client().await;
    let staff_token = admin.session().unwrap().token;
    let phone = server.client();
    let identity = phone.register_device("test").await.unwrap();
    phone.sign_in_device(&identity).await.unwrap();
    let device_token = phone.session().unwrap().token;
    let raw = reqwest::Client::new();
    let huge = format!("{{\"profile_ref\": \"{}\"}}", "x".repeat(100 * 1024));

    let endpoints: [(&str, &str, &str); 7] = [
        ("/v1/bindings/sms", "profile_ref", "device"),
        ("/v1/bindings/sms/00000000-0000-0000-0000-000000000000/verify", "code", "device"),
        ("/v1/bindings/attestation", "profile_ref", "device"),
        ("/v1/bindings/remove-other", "profile_ref", "device"),
        ("/v1/passes", "profile_ref", "device"),
        ("/v1/persons", "full_name", "staff"),
        ("/v1/bindings/attest", "challenge_code", "staff"),
    ];
    for (i, (path, field, who)) in endpoints.into_iter().enumerate() {
        let token = if who == "device" { &device_token } else { &staff_token };
        let post = |key: String| {
            raw.post(format!("{}{path}", server.base_url))
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .header("content-type", "application/json")
        };
        let answer = raw_request(post(format!("big-{i}")).body(huge.clone())).await;
        assert_json_error(&answer, 413, "payload_too_large");
        let answer = raw_request(post(format!("cut-{i}")).body(format!("{{\"{field}\": "))).await;
        assert_json_error(&answer, 400, "malformed_json");
        let answer = raw_request(post(format!("type-{i}")).body(format!("{{\"{field}\": 42}}"))).await;
        assert_json_error(&answer, 422, "invalid_request");
        let anonymous = raw
            .post(format!("{}{path}", server.base_url))
            .header("Idempotency-Key", format!("anon-{i}"))
            .header("content-type", "application/json")
            .body(format!("{{\"{field}\": \"x\"}}"));
        assert_json_error(&raw_request(anonymous).await, 401, "unauthenticated");
    }
    for table in ["persons", "person_bindings", "binding_challenges", "issued_passes"] {
        assert_eq!(server.count(table).await, 0, "{table}: nothing stored");
    }
    // The server keeps serving.
    assert!(admin.get_json::<serde_json::Value>("/v1/me").await.is_ok());
    server.stop().await;
}
