//! Security regression tests for the server's authentication under attack (issue 18): one test per finding.
//!
//! Client addresses are simulated by binding the client socket to other loopback addresses (127.0.0.2,
//! 127.0.0.3, ...), which all route to `lo` on Linux; nothing leaves the machine.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Duration as ChronoDuration;
use healthbook_core::client::{DeviceIdentity, NewAccount, Role, ServerClient};
use healthbook_e2e::server::{
    ADMIN_PASSWORD, ADMIN_USERNAME, TestBackend, TestServer, assert_http_error, assert_json_error, raw_request,
    test_config,
};
use healthbook_e2e::server_scenarios;
use healthbook_server::ServerConfig;
use serde_json::{Value, json};

server_scenarios!(
    admin_logs_in_from_a_clean_address_while_another_hammers_admin,
    an_address_that_keeps_failing_is_backed_off_and_others_are_not,
    device_sign_in_is_limited_per_address_and_a_flood_cannot_starve_the_device,
    one_signed_challenge_yields_exactly_one_token_under_concurrency,
    disabled_accounts_and_devices_are_refused_at_once,
);

type Answer = (u16, reqwest::header::HeaderMap, Option<Value>);

/// An HTTP client whose requests come from `ip` (a loopback address).
fn http_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<IpAddr>().expect("address"))
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client")
}

async fn login(http: &reqwest::Client, server: &TestServer, username: &str, password: &str) -> Answer {
    raw_request(
        http.post(format!("{}/v1/auth/login", server.base_url))
            .json(&json!({"username": username, "password": password})),
    )
    .await
}

async fn challenge(http: &reqwest::Client, server: &TestServer, device_id: &str) -> Answer {
    raw_request(http.post(format!("{}/v1/auth/device/challenge", server.base_url)).json(&json!({"device_id": device_id})))
        .await
}

async fn token(http: &reqwest::Client, server: &TestServer, identity: &DeviceIdentity, nonce: &str) -> Answer {
    let body = json!({
        "device_id": identity.device_id(),
        "nonce": nonce,
        "signature": identity.sign_challenge(nonce).expect("sign"),
    });
    raw_request(http.post(format!("{}/v1/auth/device/token", server.base_url)).json(&body)).await
}

/// Challenge then token from `http`; the token on success.
async fn device_sign_in(http: &reqwest::Client, server: &TestServer, identity: &DeviceIdentity) -> Result<String, Answer> {
    let answer = challenge(http, server, identity.device_id()).await;
    if answer.0 != 200 {
        return Err(answer);
    }
    let nonce = answer.2.as_ref().and_then(|b| b["nonce"].as_str()).expect("nonce").to_owned();
    let answer = token(http, server, identity, &nonce).await;
    match answer.0 {
        200 => Ok(answer.2.as_ref().and_then(|b| b["token"].as_str()).expect("token").to_owned()),
        _ => Err(answer),
    }
}

fn retry_after(answer: &Answer) -> u64 {
    answer.1.get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).expect("Retry-After")
}

/// Finding: "Anyone can lock out the admin". 100 wrong attempts a minute against `admin` from one address; the
/// admin, from another address, gets in with the right password every time.
async fn admin_logs_in_from_a_clean_address_while_another_hammers_admin(backend: TestBackend) {
    // Production login limits; only the hash is cheap.
    let defaults = ServerConfig::default();
    let config = ServerConfig {
        login_attempts_per_minute: defaults.login_attempts_per_minute,
        login_failures_per_address_per_minute: defaults.login_failures_per_address_per_minute,
        login_failures_per_address_per_hour: defaults.login_failures_per_address_per_hour,
        ..test_config()
    };
    let server = TestServer::start_with(backend, config).await;
    let attacker = http_from("127.0.0.3");
    let admin = http_from("127.0.0.2");
    let (mut refused, mut limited, mut admin_logins) = (0, 0, 0);
    for attempt in 0..100 {
        // 100 attempts spread over one minute of the server's clock.
        server.clock.advance(ChronoDuration::milliseconds(600));
        let answer = login(&attacker, &server, ADMIN_USERNAME, &format!("guess-{attempt}")).await;
        match answer.0 {
            401 => refused += 1,
            429 => limited += 1,
            other => panic!("attacker got {other}: {:?}", answer.2),
        }
        if attempt % 10 == 9 {
            let answer = login(&admin, &server, ADMIN_USERNAME, ADMIN_PASSWORD).await;
            assert_eq!(answer.0, 200, "admin locked out after {attempt} attacks: {:?}", answer.2);
            admin_logins += 1;
        }
    }
    assert_eq!(refused + limited, 100);
    assert!(limited > 0, "the attacking address was never limited ({refused} refused)");
    assert!(refused <= 2 * defaults.login_attempts_per_minute as usize, "{refused} guesses judged");
    assert_eq!(admin_logins, 10);
    println!("admin under attack: {refused} guesses judged, {limited} refused with 429, admin got in {admin_logins}/10");
    server.stop().await;
}

/// Finding: login limits must count failures and back off the failing address. An address guessing many
/// usernames is refused with 429 (minute, then hour back-off), while another address is not.
async fn an_address_that_keeps_failing_is_backed_off_and_others_are_not(backend: TestBackend) {
    let config = ServerConfig {
        login_attempts_per_minute: 5,
        login_failures_per_address_per_minute: 8,
        login_failures_per_address_per_hour: 20,
        ..test_config()
    };
    let server = TestServer::start_with(backend, config).await;
    let attacker = http_from("127.0.0.3");
    let other = http_from("127.0.0.4");

    // Successes never count: many right logins from one address are fine.
    for _ in 0..12 {
        assert_eq!(login(&other, &server, ADMIN_USERNAME, ADMIN_PASSWORD).await.0, 200);
    }
    let mut judged = 0;
    for minute in 0..3 {
        let allowed = if minute < 2 { 8 } else { 4 };
        for i in 0..allowed {
            let answer = login(&attacker, &server, &format!("user-{minute}-{i}"), "wrong-password").await;
            assert_json_error(&answer, 401, "invalid_credentials");
            judged += 1;
        }
        let limited = login(&attacker, &server, &format!("user-{minute}-x"), "wrong-password").await;
        assert_json_error(&limited, 429, "rate_limited");
        // The right password does not help a backed-off address either: it is not even checked.
        assert_json_error(&login(&attacker, &server, ADMIN_USERNAME, ADMIN_PASSWORD).await, 429, "rate_limited");
        if minute < 2 {
            assert!((1..=60).contains(&retry_after(&limited)), "minute back-off {}", retry_after(&limited));
        } else {
            // 20 failures this hour: backed off until the hour ends, not just the minute.
            assert!(retry_after(&limited) > 60, "hour back-off {}", retry_after(&limited));
        }
        // Meanwhile another address is judged normally, wrong and right passwords alike.
        assert_json_error(&login(&other, &server, "user-0-0", "wrong-password").await, 401, "invalid_credentials");
        assert_eq!(login(&other, &server, ADMIN_USERNAME, ADMIN_PASSWORD).await.0, 200);
        server.clock.advance(ChronoDuration::seconds(61));
    }
    assert_eq!(judged, 20);
    assert_json_error(&login(&attacker, &server, "user-late", "wrong-password").await, 429, "rate_limited");

    // Per (username, address): the fifth failure against one name from one address blocks that pair only.
    let pair = http_from("127.0.0.5");
    for _ in 0..5 {
        assert_json_error(&login(&pair, &server, ADMIN_USERNAME, "nope-nope").await, 401, "invalid_credentials");
    }
    assert_json_error(&login(&pair, &server, ADMIN_USERNAME, ADMIN_PASSWORD).await, 429, "rate_limited");
    assert_eq!(login(&other, &server, ADMIN_USERNAME, ADMIN_PASSWORD).await.0, 200);
    server.stop().await;
}

/// Finding: the device challenge and token endpoints had no limit, and the challenge limit used the device's own
/// bucket. Now both are limited per client address: a flood of challenges for a device id from one address is
/// refused while the device signs in from its own address.
async fn device_sign_in_is_limited_per_address_and_a_flood_cannot_starve_the_device(backend: TestBackend) {
    let config = ServerConfig { device_auth_per_address_per_minute: 10, ..test_config() };
    let server = TestServer::start_with(backend, config).await;
    let identity = server.client().register_device("android").await.unwrap();
    let attacker = http_from("127.0.0.3");
    let phone = http_from("127.0.0.2");

    let mut answered = 0;
    let mut limited = None;
    for _ in 0..30 {
        let answer = challenge(&attacker, &server, identity.device_id()).await;
        match answer.0 {
            200 => answered += 1,
            429 => limited = Some(answer),
            other => panic!("challenge flood got {other}"),
        }
    }
    assert_eq!(answered, 10, "ten challenges per minute per address");
    let limited = limited.expect("the flood was limited");
    assert_json_error(&limited, 429, "rate_limited");
    assert!((1..=60).contains(&retry_after(&limited)));

    // The token endpoint too, for made-up nonces.
    let mut codes = Vec::new();
    for i in 0..12 {
        codes.push(token(&attacker, &server, &identity, &format!("made-up-{i}")).await.0);
    }
    assert_eq!(codes.iter().filter(|&&c| c == 401).count(), 10, "{codes:?}");
    assert_eq!(codes.iter().filter(|&&c| c == 429).count(), 2, "{codes:?}");

    // The device itself, from its own address, is not starved.
    let device_token = device_sign_in(&phone, &server, &identity).await.expect("device signs in");
    let (status, _, me) = raw_request(phone.get(format!("{}/v1/me", server.base_url)).bearer_auth(&device_token)).await;
    assert_eq!(status, 200);
    assert_eq!(me.unwrap()["id"], identity.device_id());

    // A new minute, a new budget for the attacker's address.
    server.clock.advance(ChronoDuration::seconds(61));
    assert_eq!(challenge(&attacker, &server, identity.device_id()).await.0, 200);
    server.stop().await;
}

/// Finding: a signed device challenge could be used twice on PostgreSQL (SELECT then DELETE). Concurrent token
/// requests with one signed challenge (two, and a burst of eight to widen the race), 50 rounds each: exactly one
/// token each round.
async fn one_signed_challenge_yields_exactly_one_token_under_concurrency(backend: TestBackend) {
    const ROUNDS: usize = 50;
    const RACERS: [usize; 2] = [2, 8];
    let server = TestServer::start(backend).await;
    let identity = server.client().register_device("android").await.unwrap();
    let http = http_from("127.0.0.2");
    let server = Arc::new(server);
    let identity = Arc::new(identity);
    let racer_http: Vec<_> = (0..8).map(|i| http_from(&format!("127.0.0.{}", 10 + i))).collect();
    let mut refusals = 0;
    for round in 0..ROUNDS * RACERS.len() {
        let racer_count = RACERS[round % RACERS.len()];
        let answer = challenge(&http, &server, identity.device_id()).await;
        assert_eq!(answer.0, 200);
        let nonce = answer.2.unwrap()["nonce"].as_str().unwrap().to_owned();
        // Each racer from its own address, so that no per-address counter serialises them before the nonce.
        let racers: Vec<_> = (0..racer_count)
            .map(|i| {
                let http = racer_http[i].clone();
                let (server, identity, nonce) = (server.clone(), identity.clone(), nonce.clone());
                tokio::spawn(async move { token(&http, &server, &identity, &nonce).await })
            })
            .collect();
        let mut statuses = Vec::new();
        for racer in racers {
            let answer = racer.await.unwrap();
            if answer.0 == 401 {
                assert_json_error(&answer, 401, "invalid_challenge");
                refusals += 1;
            }
            statuses.push(answer.0);
        }
        assert_eq!(
            statuses.iter().filter(|&&s| s == 200).count(),
            1,
            "round {round}: one token from one signed challenge, got {statuses:?}"
        );
        assert_eq!(statuses.len(), racer_count);
    }
    assert_eq!(refusals, ROUNDS * RACERS.iter().map(|r| r - 1).sum::<usize>());
    let tokens = server.count("access_tokens").await;
    assert_eq!(tokens, (ROUNDS * RACERS.len()) as i64, "one token per round");
    Arc::try_unwrap(server).ok().expect("last reference").stop().await;
}

/// Finding: nothing could disable a compromised account or device. An authority admin (or an agency admin, for
/// its own gate operators) disables it: its token is refused at once, it gets no new token, no challenge; it
/// can be enabled again; nobody else may do either.
async fn disabled_accounts_and_devices_are_refused_at_once(backend: TestBackend) {
    let server = TestServer::start(backend).await;
    let admin = server.admin_client().await;
    let admin_id = admin.me().await.unwrap().id;
    let agency = admin.create_agency("Chợ Bến Thành").await.unwrap();
    let other_agency = admin.create_agency("Chợ Lớn").await.unwrap();
    let staff = |role: Role, username: &str, agency_id: Option<&str>| NewAccount {
        role,
        username: username.into(),
        password: format!("{username}-password"),
        agency_id: agency_id.map(str::to_owned),
        area: None,
    };
    admin.create_account(&staff(Role::AgencyAdmin, "market-admin", Some(&agency.id))).await.unwrap();
    let operator = admin.create_account(&staff(Role::GateOperator, "gate-1", Some(&agency.id))).await.unwrap();
    let foreign = admin.create_account(&staff(Role::GateOperator, "gate-x", Some(&other_agency.id))).await.unwrap();
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
    let signed_in = |username: &'static str| {
        let client = server.client();
        async move {
            client.sign_in_staff(username, &format!("{username}-password")).await.unwrap();
            client
        }
    };
    let market_admin = signed_in("market-admin").await;
    let gate = signed_in("gate-1").await;
    let officer = signed_in("officer").await;
    let phone = server.client();
    let identity = phone.register_device("android").await.unwrap();
    phone.sign_in_device(&identity).await.unwrap();
    phone.me().await.unwrap();
    gate.me().await.unwrap();

    let disable = |client: &ServerClient, id: &str| {
        let (client, path) = (client.clone(), format!("/v1/accounts/{id}/disable"));
        async move { client.post_json::<_, Value>(&path, &json!({"reason": "lost phone"})).await }
    };
    let enable = |client: &ServerClient, id: &str| {
        let (client, path) = (client.clone(), format!("/v1/accounts/{id}/enable"));
        async move { client.post_json::<_, Value>(&path, &json!({})).await }
    };

    // Who may not: a gate operator, a health officer, a device; an agency admin outside its own gate
    // operators; anyone for themselves; an unknown id is 404.
    assert_http_error(disable(&gate, &operator.id).await, 403, "forbidden");
    assert_http_error(disable(&officer, &operator.id).await, 403, "forbidden");
    assert_http_error(disable(&phone, identity.device_id()).await, 403, "forbidden");
    assert_http_error(disable(&market_admin, identity.device_id()).await, 403, "forbidden");
    assert_http_error(disable(&market_admin, &foreign.id).await, 403, "forbidden");
    assert_http_error(disable(&admin, &admin_id).await, 403, "forbidden");
    assert_http_error(disable(&admin, "no-such-account").await, 404, "not_found");
    assert_eq!(server.count("account_status_changes").await, 0, "refused requests changed nothing");
    gate.me().await.unwrap();

    // The agency admin disables its own gate operator: the live token is refused at once, the right password
    // gets no new one.
    let gate_token = gate.session().unwrap().token;
    let status = disable(&market_admin, &operator.id).await.unwrap();
    assert_eq!(status["disabled"], true);
    assert_eq!(status["reason"], "lost phone");
    let raw = reqwest::Client::new();
    let me = |token: String| raw_request(raw.get(format!("{}/v1/me", server.base_url)).bearer_auth(token));
    assert_json_error(&me(gate_token.clone()).await, 401, "invalid_token");
    assert_http_error(server.client().sign_in_staff("gate-1", "gate-1-password").await, 403, "account_disabled");
    // A wrong password still answers like any wrong password.
    assert_http_error(server.client().sign_in_staff("gate-1", "wrong-password").await, 401, "invalid_credentials");

    // The authority disables the device: its token, a new challenge and a challenge it already held all fail.
    let device_token = phone.session().unwrap().token;
    let held: Value =
        phone.post_json("/v1/auth/device/challenge", &json!({"device_id": identity.device_id()})).await.unwrap();
    let status = disable(&admin, identity.device_id()).await.unwrap();
    assert_eq!((status["disabled"].as_bool(), status["changed_by"].as_str()), (Some(true), Some(admin_id.as_str())));
    assert_json_error(&me(device_token).await, 401, "invalid_token");
    let http = http_from("127.0.0.2");
    assert_json_error(&challenge(&http, &server, identity.device_id()).await, 403, "account_disabled");
    let nonce = held["nonce"].as_str().unwrap();
    assert_json_error(&token(&http, &server, &identity, nonce).await, 401, "invalid_challenge");
    assert_http_error(phone.sign_in_device(&identity).await, 403, "account_disabled");

    // Disabling again is harmless; the record keeps who did it.
    assert_eq!(disable(&admin, identity.device_id()).await.unwrap()["disabled"], true);
    assert_eq!(server.count("account_status_changes").await, 2);

    // Re-enabled, both sign in again; the old token stays dead.
    assert_eq!(enable(&admin, identity.device_id()).await.unwrap()["disabled"], false);
    phone.sign_in_device(&identity).await.unwrap();
    phone.me().await.unwrap();
    assert_eq!(enable(&market_admin, &operator.id).await.unwrap()["disabled"], false);
    assert_json_error(&me(gate_token).await, 401, "invalid_token");
    let gate = signed_in("gate-1").await;
    gate.me().await.unwrap();
    assert_eq!(server.count("account_status_changes").await, 4);

    // Both endpoints are documented.
    let (_, _, doc) = raw_request(raw.get(format!("{}/openapi.json", server.base_url))).await;
    let doc = doc.expect("OpenAPI document");
    for action in ["disable", "enable"] {
        let path = &doc["paths"][format!("/v1/accounts/{{account_id}}/{action}")]["post"];
        assert!(path["responses"]["200"]["description"].as_str().is_some_and(|d| !d.is_empty()), "{action} documented");
    }

    // A token whose account is disabled behind its back (say by another instance mid-request) is refused too.
    let officer_token = officer.session().unwrap().token;
    server.execute_sql("UPDATE accounts SET disabled = 1 WHERE username = 'officer'").await;
    assert_json_error(&me(officer_token).await, 403, "account_disabled");
    server.stop().await;
}

/// Finding: unauthenticated requests took the write lock (the device challenge for unknown ids). With the
/// write lock held by another task, a challenge for an unknown device still answers, while one for a known
/// device waits for the lock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_device_challenge_does_not_take_the_write_lock() {
    let server = TestServer::start(TestBackend::Sqlite).await;
    let identity = server.client().register_device("android").await.unwrap();
    let http = http_from("127.0.0.2");

    let (release, hold) = std::sync::mpsc::channel::<()>();
    let (held_tx, held_rx) = tokio::sync::oneshot::channel::<()>();
    let db = server.db.clone();
    let holder = tokio::spawn(async move {
        db.write(move |_tx| {
            let _ = held_tx.send(());
            hold.recv().ok();
            Ok::<(), healthbook_server::storage::StorageError>(())
        })
        .await
    });
    held_rx.await.expect("write lock taken");

    let server = Arc::new(server);
    let known = {
        let (http, server, id) = (http.clone(), server.clone(), identity.device_id().to_owned());
        tokio::spawn(async move { challenge(&http, &server, &id).await })
    };
    let unknown = tokio::time::timeout(Duration::from_secs(20), challenge(&http, &server, "no-such-device")).await;
    let still_waiting = !known.is_finished();
    release.send(()).unwrap();
    holder.await.unwrap().unwrap();
    let unknown = unknown.expect("the unknown-device challenge waited for the write lock");
    assert_json_error(&unknown, 404, "not_found");
    assert!(still_waiting, "the known device's challenge needs the write lock, so it must have waited");
    assert_eq!(known.await.unwrap().0, 200);
    Arc::try_unwrap(server).ok().expect("last reference").stop().await;
}

/// Finding: "Login floods stall everything". 500 concurrent logins with random usernames at the production
/// PBKDF2 strength, while a device keeps submitting declarations: submits keep completing while the logins are
/// still being hashed (they do not queue behind them), and their latencies are printed as a figure rather than
/// held to a wall-clock bound, which would depend on the machine. Logins beyond the hashing pool's capacity are
/// answered 503 `server_busy` at once, by design.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_flood_with_random_usernames_does_not_stall_declaration_submits() {
    const LOGINS: usize = 500;
    let config = ServerConfig { pbkdf2_iterations: 600_000, ..test_config() };
    let (threads, queue) = (config.password_hash_threads, config.password_hash_queue);
    let server = Arc::new(TestServer::start_with(TestBackend::Sqlite, config).await);
    let device = server.client();
    let identity = device.register_device("android").await.unwrap();
    device.sign_in_device(&identity).await.unwrap();
    let submit_body = || {
        json!({
            "declaration_id": uuid::Uuid::new_v4().to_string(),
            "form_id": "health_declaration",
            "form_version": 1,
            "declared_at": "2021-07-01T07:00:00Z",
            "answers": { "symptoms": [], "contact_with_confirmed_case": false, "travel_from_outbreak_area": false, "vaccination_status": "one_dose" },
            "subject": { "profile_ref": "p1", "full_name": "Lý Văn Sơn", "birth_year": 1980, "province_code": "01" },
            "filled_by": { "relation": "myself" }
        })
    };
    // Warm up (first form load, connection).
    device.post_json::<_, Value>("/v1/declarations", &submit_body()).await.unwrap();

    let attacker = http_from("127.0.0.3");
    let started = Instant::now();
    let flood: Vec<_> = (0..LOGINS)
        .map(|_| {
            let (attacker, server) = (attacker.clone(), server.clone());
            tokio::spawn(async move {
                let username = format!("nobody-{}", uuid::Uuid::new_v4().simple());
                let answer = login(&attacker, &server, &username, "password-guess").await;
                (answer.0, answer.2.map(|b| b["error"]["code"].as_str().unwrap_or_default().to_owned()))
            })
        })
        .collect();
    let flood = tokio::spawn(async move {
        let mut outcomes = Vec::new();
        for task in flood {
            outcomes.push(task.await.unwrap());
        }
        (outcomes, started.elapsed())
    });

    let mut latencies = Vec::new();
    let mut during_flood = 0;
    while !flood.is_finished() || latencies.len() < 50 {
        let t = Instant::now();
        let receipt: Value = device.post_json("/v1/declarations", &submit_body()).await.unwrap();
        latencies.push(t.elapsed());
        assert!(receipt["receipt"].as_str().is_some());
        if !flood.is_finished() {
            during_flood += 1;
        }
    }
    let (outcomes, flood_time) = flood.await.unwrap();
    latencies.sort_unstable();
    let p99 = latencies[(latencies.len() * 99).div_ceil(100) - 1];
    let p50 = latencies[latencies.len() / 2];
    let judged = outcomes.iter().filter(|(s, _)| *s == 401).count();
    let busy = outcomes.iter().filter(|(s, c)| *s == 503 && c.as_deref() == Some("server_busy")).count();
    let limited = outcomes.iter().filter(|(s, _)| *s == 429).count();
    assert_eq!(judged + busy + limited, LOGINS, "every login was judged, shed as busy or limited: {outcomes:?}");
    assert!(judged >= 1, "some logins were hashed");
    assert!(busy > 0, "the pool shed load");
    println!(
        "login flood: {LOGINS} concurrent logins at 600000 PBKDF2 iterations in {:.2} s: {judged} hashed and refused \
         ({:.1}/s), {busy} answered 503 busy, {limited} rate-limited; pool {threads} thread(s) + {queue} queued",
        flood_time.as_secs_f64(),
        judged as f64 / flood_time.as_secs_f64(),
    );
    println!(
        "declaration submits during the flood: {} submits, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        latencies.len(),
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
    );
    // Were submits stuck behind the hashing pool, none would finish before the last login was answered.
    assert!(during_flood >= 5, "only {during_flood} submits completed while the login flood was being hashed");
    Arc::try_unwrap(server).ok().expect("last reference").stop().await;
}
