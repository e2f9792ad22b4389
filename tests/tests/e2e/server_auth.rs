//! Reference server, end to end through the core client: device registration and challenge-response, staff
//! login, roles and agency scope, token expiry and revocation, several instances on one database.

use chrono::Duration;
use healthbook_core::Clock;
use healthbook_core::client::{DeviceIdentity, NewAccount, Role};
use healthbook_core::trust::SigningKey;
use healthbook_e2e::server::{ADMIN_PASSWORD, ADMIN_USERNAME, TestBackend, TestServer, assert_http_error, test_config};
use healthbook_e2e::server_scenarios;
use serde_json::json;

server_scenarios!(
    device_registers_signs_in_and_reads_only_its_own_record,
    device_sign_in_refuses_wrong_keys_reused_and_expired_challenges,
    staff_roles_and_agency_scope_are_enforced,
    expired_and_revoked_tokens_are_refused,
    several_instances_share_one_database,
);

async fn device_registers_signs_in_and_reads_only_its_own_record(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let phone_a = server.client();
    let identity_a = phone_a.register_device("android").await.unwrap();
    let token = phone_a.sign_in_device(&identity_a).await.unwrap();
    assert_eq!(token.role, Role::Device);
    assert_eq!(token.account_id, identity_a.device_id());
    assert_eq!(token.expires_at, server.clock.now() + Duration::minutes(30));

    let me = phone_a.me().await.unwrap();
    assert_eq!((me.id.as_str(), me.role), (identity_a.device_id(), Role::Device));
    let record = phone_a.device(identity_a.device_id()).await.unwrap();
    assert_eq!(record.kid, identity_a.signing_key().unwrap().kid());
    assert_eq!(record.platform, "android");

    // The identity survives a restart of the app: rebuilt from what the key store kept.
    let restored = DeviceIdentity::new(identity_a.device_id(), identity_a.pkcs8().to_vec()).unwrap();
    let phone_a_again = server.client();
    phone_a_again.sign_in_device(&restored).await.unwrap();

    // Another device cannot read A's record, and cannot tell it from a missing one.
    let phone_b = server.client();
    let identity_b = phone_b.register_device("ios").await.unwrap();
    phone_b.sign_in_device(&identity_b).await.unwrap();
    assert_http_error(phone_b.device(identity_a.device_id()).await, 404, "not_found");
    assert_http_error(phone_b.device("no-such-device").await, 404, "not_found");

    // The authority may read any device; other staff may not.
    let admin = server.admin_client().await;
    assert_eq!(admin.device(identity_a.device_id()).await.unwrap().id, identity_a.device_id());
    let agency = admin.create_agency("Phường 1").await.unwrap();
    admin
        .create_account(&NewAccount {
            role: Role::AgencyAdmin,
            username: "ward1-admin".into(),
            password: "ward1-password".into(),
            agency_id: Some(agency.id.clone()),
            area: None,
        })
        .await
        .unwrap();
    let ward = server.client();
    ward.sign_in_staff("ward1-admin", "ward1-password").await.unwrap();
    assert_http_error(ward.device(identity_a.device_id()).await, 403, "forbidden");

    // A key can be registered once.
    let public_key = identity_a.signing_key().unwrap().verifying_key().spki_base64();
    let again: Result<serde_json::Value, _> =
        server.client().post_json("/v1/devices", &json!({"public_key": public_key, "platform": "android"})).await;
    assert_http_error(again, 409, "device_key_registered");
    let garbage: Result<serde_json::Value, _> =
        server.client().post_json("/v1/devices", &json!({"public_key": "AAAA", "platform": "android"})).await;
    assert_http_error(garbage, 422, "invalid_request");
    assert_eq!(server.count("accounts").await, 4, "admin, ward admin, two devices");
    server.stop().await;
}

async fn device_sign_in_refuses_wrong_keys_reused_and_expired_challenges(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let phone = server.client();
    let identity = phone.register_device("android").await.unwrap();

    // Someone who knows the device id but holds another key.
    let (_, other_pkcs8) = SigningKey::generate().unwrap();
    let impostor = DeviceIdentity::new(identity.device_id(), other_pkcs8).unwrap();
    assert_http_error(server.client().sign_in_device(&impostor).await, 401, "invalid_signature");

    // A challenge answers once.
    let challenge: serde_json::Value =
        phone.post_json("/v1/auth/device/challenge", &json!({"device_id": identity.device_id()})).await.unwrap();
    let nonce = challenge["nonce"].as_str().unwrap();
    let answer = json!({
        "device_id": identity.device_id(),
        "nonce": nonce,
        "signature": identity.sign_challenge(nonce).unwrap(),
    });
    let first: serde_json::Value = phone.post_json("/v1/auth/device/token", &answer).await.unwrap();
    assert!(first["token"].as_str().unwrap().starts_with("hb_"));
    let replay: Result<serde_json::Value, _> = phone.post_json("/v1/auth/device/token", &answer).await;
    assert_http_error(replay, 401, "invalid_challenge");

    // A challenge left too long expires.
    let challenge: serde_json::Value =
        phone.post_json("/v1/auth/device/challenge", &json!({"device_id": identity.device_id()})).await.unwrap();
    let nonce = challenge["nonce"].as_str().unwrap();
    server.clock.advance(Duration::minutes(3));
    let late: Result<serde_json::Value, _> = phone
        .post_json(
            "/v1/auth/device/token",
            &json!({"device_id": identity.device_id(), "nonce": nonce, "signature": identity.sign_challenge(nonce).unwrap()}),
        )
        .await;
    assert_http_error(late, 401, "challenge_expired");

    // Unknown devices get no challenge.
    let unknown: Result<serde_json::Value, _> =
        phone.post_json("/v1/auth/device/challenge", &json!({"device_id": "nope"})).await;
    assert_http_error(unknown, 404, "not_found");
    server.stop().await;
}

async fn staff_roles_and_agency_scope_are_enforced(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin_client().await;
    let market = admin.create_agency("Chợ Bến Thành").await.unwrap();
    let factory = admin.create_agency("Nhà máy Sài Gòn").await.unwrap();
    let staff = |role, username: &str, agency: &str| NewAccount {
        role,
        username: username.into(),
        password: format!("{username}-password"),
        agency_id: Some(agency.to_owned()),
        area: None,
    };
    admin.create_account(&staff(Role::AgencyAdmin, "market-admin", &market.id)).await.unwrap();
    admin.create_account(&staff(Role::GateOperator, "factory-gate", &factory.id)).await.unwrap();
    admin.create_gate(&factory.id, "Cổng chính").await.unwrap();

    // Agency admin: manages its own agency only.
    let market_admin = server.client();
    let token = market_admin.sign_in_staff("market-admin", "market-admin-password").await.unwrap();
    assert_eq!((token.role, token.agency_id.as_deref()), (Role::AgencyAdmin, Some(market.id.as_str())));
    let gate = market_admin.create_gate(&market.id, "Cửa Bắc").await.unwrap();
    assert_eq!(gate.agency_id, market.id);
    assert_http_error(market_admin.create_gate(&factory.id, "Intruder").await, 403, "forbidden");
    assert_http_error(market_admin.gates(&factory.id).await, 403, "forbidden");
    let operator = market_admin.create_account(&staff(Role::GateOperator, "market-gate", &market.id)).await.unwrap();
    assert_eq!(operator.agency_id.as_deref(), Some(market.id.as_str()));
    assert_http_error(
        market_admin.create_account(&staff(Role::GateOperator, "sneaky-gate", &factory.id)).await,
        403,
        "forbidden",
    );
    assert_http_error(
        market_admin.create_account(&staff(Role::AgencyAdmin, "second-admin", &market.id)).await,
        403,
        "forbidden",
    );
    assert_http_error(market_admin.create_agency("Mine").await, 403, "forbidden");

    // Gate operator: reads its own agency's gates, nothing else, changes nothing.
    let market_gate = server.client();
    market_gate.sign_in_staff("market-gate", "market-gate-password").await.unwrap();
    let gates = market_gate.gates(&market.id).await.unwrap();
    assert_eq!(gates.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(), ["Cửa Bắc"]);
    assert_eq!(market_gate.agency(&market.id).await.unwrap().name, "Chợ Bến Thành");
    assert_http_error(market_gate.gates(&factory.id).await, 403, "forbidden");
    assert_http_error(market_gate.agency(&factory.id).await, 403, "forbidden");
    assert_http_error(market_gate.create_gate(&market.id, "Cửa Nam").await, 403, "forbidden");
    assert_http_error(market_gate.get_json::<serde_json::Value>("/v1/agencies").await, 403, "forbidden");

    // The factory's operator sees the factory, not the market.
    let factory_gate = server.client();
    factory_gate.sign_in_staff("factory-gate", "factory-gate-password").await.unwrap();
    assert_eq!(factory_gate.gates(&factory.id).await.unwrap().len(), 1);
    assert_http_error(factory_gate.gates(&market.id).await, 403, "forbidden");

    // A device is no staff.
    let phone = server.client();
    let identity = phone.register_device("android").await.unwrap();
    phone.sign_in_device(&identity).await.unwrap();
    assert_http_error(phone.gates(&market.id).await, 403, "forbidden");
    assert_http_error(phone.create_agency("x").await, 403, "forbidden");

    // Other staff roles exist and are refused agency data.
    // Health officers need an area (a province), which the core's `NewAccount` does not carry.
    let _: serde_json::Value = admin
        .post_json(
            "/v1/accounts",
            &serde_json::json!({
                "role": "health_officer",
                "username": "officer",
                "password": "officer-password",
                "area": { "province": "01" },
            }),
        )
        .await
        .unwrap();
    let officer = server.client();
    officer.sign_in_staff("officer", "officer-password").await.unwrap();
    assert_http_error(officer.gates(&market.id).await, 403, "forbidden");

    // The authority sees everything.
    assert_eq!(admin.gates(&market.id).await.unwrap().len(), 1);
    assert_eq!(admin.gates(&factory.id).await.unwrap().len(), 1);
    assert_http_error(admin.gates("no-such-agency").await, 404, "not_found");

    // Account rules.
    assert_http_error(
        admin.create_account(&staff(Role::AgencyAdmin, "market-admin", &market.id)).await,
        409,
        "username_taken",
    );
    assert_http_error(
        admin
            .create_account(&NewAccount {
                role: Role::GateOperator,
                username: "no-agency".into(),
                password: "no-agency-password".into(),
                agency_id: None,
                area: None,
            })
            .await,
        422,
        "invalid_request",
    );
    assert_http_error(
        admin.create_account(&staff(Role::GateOperator, "ghost", "no-such-agency")).await,
        404,
        "not_found",
    );
    assert_http_error(
        server.client().sign_in_staff("market-admin", "wrong-password").await,
        401,
        "invalid_credentials",
    );
    assert_http_error(server.client().sign_in_staff("nobody", "whatever-password").await, 401, "invalid_credentials");
    server.stop().await;
}

async fn expired_and_revoked_tokens_are_refused(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin_client().await;
    admin.me().await.unwrap();
    server.clock.advance(Duration::minutes(31));
    assert_http_error(admin.me().await, 401, "token_expired");
    admin.sign_in_staff(ADMIN_USERNAME, ADMIN_PASSWORD).await.unwrap();
    admin.me().await.unwrap();

    // Signing out revokes the token on the server, not only in the app.
    let token = admin.session().unwrap();
    admin.sign_out().await.unwrap();
    assert_http_error(admin.me().await, 401, "unauthenticated");
    admin.set_session(Some(token));
    assert_http_error(admin.me().await, 401, "invalid_token");

    // Device tokens expire too.
    let phone = server.client();
    let identity = phone.register_device("android").await.unwrap();
    phone.sign_in_device(&identity).await.unwrap();
    phone.device(identity.device_id()).await.unwrap();
    server.clock.advance(Duration::minutes(30));
    assert_http_error(phone.device(identity.device_id()).await, 401, "token_expired");
    phone.sign_in_device(&identity).await.unwrap();
    phone.device(identity.device_id()).await.unwrap();
    // Only hashes of tokens are stored.
    let stored: Vec<String> = server
        .db
        .read(|tx| {
            tx.query("SELECT token_hash FROM access_tokens", &[])?.iter().map(|r| r.text(0)).collect::<Result<_, _>>()
        })
        .await
        .map_err(|e: healthbook_server::storage::StorageError| e)
        .unwrap();
    let live = phone.session().unwrap().token;
    assert!(!stored.contains(&live));
    assert!(stored.iter().all(|hash| hash.len() == 64));
    server.stop().await;
}

async fn several_instances_share_one_database(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let second = server.another_instance(test_config()).await;
    let on_first = server.admin_client().await;
    let on_second = healthbook_e2e::server::client_for(&second.base_url(), server.clock.clone());
    // A token issued by one instance is honoured by the other: sessions live in the database.
    on_second.set_session(on_first.session());
    let agency = on_second.create_agency("Bệnh viện Chợ Rẫy").await.unwrap();
    assert_eq!(on_first.agency(&agency.id).await.unwrap(), agency);
    // A retry that lands on the other instance is still recognised as a retry.
    let body = json!({"name": "Cổng cấp cứu"});
    let path = format!("/v1/agencies/{}/gates", agency.id);
    let first: serde_json::Value = on_first.post_json_with_key(&path, &body, "gate-key-1").await.unwrap();
    let retried: serde_json::Value = on_second.post_json_with_key(&path, &body, "gate-key-1").await.unwrap();
    assert_eq!(first, retried);
    assert_eq!(server.count("gates").await, 1);
    second.stop().await.unwrap();
    server.stop().await;
}
