//! The reverse model end to end, as the market pilot runs it: a market with three gates, one gate device each
//! (the real core, bound by its operator's sign-in), 10,000 staff cards scanned in and out while the server is
//! unreachable, then synced. One device is killed in the middle of its sync and started again from its data
//! directory. The health officer's query then returns exactly the passages the devices recorded: none missing,
//! none twice.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use healthbook_core::gate::{Direction, GateVerdict};
use healthbook_core::client::{NewIssuerKey, ServerClient};
use healthbook_core::credentials::{CredentialSigner, OwnPayload, StaffCard};
use healthbook_core::keystore::MemoryKeyStore;
use healthbook_core::trust::IssuerRole;
use healthbook_core::{Clock, Healthbook, HealthbookConfig};
use healthbook_e2e::server::{TestBackend, TestServer};
use healthbook_e2e::server_scenarios;
use healthbook_server::storage::StorageError;
use serde_json::{Value, json};

server_scenarios!(three_gates_scan_ten_thousand_cards_offline_and_the_officer_sees_each_once);

const CARDS: usize = 10_000;
const WARD: &str = "26740";
const PASSWORD: &str = "staff-password";

async fn staff(server: &TestServer, role: &str, username: &str, agency: Option<&str>, area: Option<Value>) -> ServerClient {
    let admin = server.admin_client().await;
    let mut body = json!({ "role": role, "username": username, "password": PASSWORD });
    if let Some(agency) = agency {
        body["agency_id"] = json!(agency);
    }
    if let Some(area) = area {
        body["area"] = area;
    }
    let _: Value = admin.post_json("/v1/accounts", &body).await.unwrap();
    let client = server.client();
    client.sign_in_staff(username, PASSWORD).await.unwrap();
    client
}

/// Reopens a device's core from its directory, as after the process was killed (the key store is the
/// platform's, so the same one comes back).
fn reopen(server: &TestServer, dir: &std::path::Path, key_store: Arc<MemoryKeyStore>) -> Healthbook {
    Healthbook::open(HealthbookConfig { data_dir: dir.into(), key_store, clock: server.clock.clone() }).unwrap()
}

async fn stored_for_gate(server: &TestServer, gate: &str) -> i64 {
    let gate = gate.to_owned();
    server
        .db
        .read(move |tx| tx.query("SELECT COUNT(*) FROM gate_passages WHERE gate_id = $1", &[gate.into()])?[0].int(0))
        .await
        .map_err(|e: StorageError| e)
        .unwrap()
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Every passage the officer's query returns for `venue` in [from, to), page by page.
async fn officer_reads(officer: &ServerClient, venue: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut path = format!("/v1/venues/{venue}/passages?from={}&to={}&limit=1000", time(from), time(to));
        if let Some(cursor) = &after {
            path.push_str(&format!("&after={cursor}"));
        }
        let page: Value = officer.get_json(&path.replace('+', "%2B")).await.unwrap();
        all.extend(page["passages"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => return all,
        }
    }
}

/// Gate `n` scans every third card, entering and leaving by turns; returns the ids of the recorded passages.
async fn scan_share(core: &Healthbook, cards: &[String], n: usize) -> Vec<String> {
    let gate = core.gate();
    let mut ids = Vec::new();
    for (i, card) in cards.iter().enumerate().filter(|(i, _)| i % 3 == n) {
        let direction = if i % 2 == 0 { Direction::In } else { Direction::Out };
        let scan = gate.scan(card, direction).await.unwrap();
        assert!(scan.recorded, "a card seen once is recorded");
        assert_eq!(scan.verdict, GateVerdict::Admit, "{:?}", scan.reason);
        ids.push(scan.passage_id);
    }
    ids
}

async fn three_gates_scan_ten_thousand_cards_offline_and_the_officer_sees_each_once(backend: TestBackend) {
    let mut server = TestServer::start(backend).await;
    let admin = server.admin_client().await;
    let agency = admin.create_agency("Ban quản lý chợ Bến Thành").await.unwrap().id;
    let agency_admin = staff(&server, "agency_admin", "market-admin", Some(&agency), None).await;
    let officer = staff(&server, "health_officer", "ward-officer", None, Some(json!({ "province": "79", "wards": [WARD] }))).await;
    let venue: Value = agency_admin
        .post_json(
            &format!("/v1/agencies/{agency}/venues"),
            &json!({ "name": "Chợ Bến Thành", "kind": "market", "address": "Lê Lợi, Quận 1", "province_code": "79",
                     "ward_code": WARD, "default_stay_minutes": 90 }),
        )
        .await
        .unwrap();
    let venue_id = venue["id"].as_str().unwrap().to_owned();
    let mut gates = Vec::new();
    for name in ["Cổng chính", "Cổng Lê Lợi", "Cổng Phan Bội Châu"] {
        let gate: Value = agency_admin.post_json(&format!("/v1/venues/{venue_id}/gates"), &json!({ "name": name })).await.unwrap();
        gates.push(gate["id"].as_str().unwrap().to_owned());
    }
    for n in 0..3 {
        staff(&server, "gate_operator", &format!("operator-{n}"), Some(&agency), None).await;
    }

    // The market's own key signs its traders' and staff's cards; the authority lists it for this agency only.
    let market_key = CredentialSigner::from_pkcs8(&CredentialSigner::generate_pkcs8().unwrap(), "Ban quản lý chợ").unwrap();
    let now = server.clock.now();
    admin
        .add_issuer_key(&NewIssuerKey {
            role: IssuerRole::Agency,
            scope: format!("agency:{agency}"),
            name: market_key.issuer().into(),
            public_key: STANDARD.encode(market_key.public_key_spki()),
            not_before: now - Duration::days(1),
            not_after: now + Duration::days(365),
        })
        .await
        .unwrap();
    let cards: Vec<String> = (0..CARDS)
        .map(|i| {
            let card = OwnPayload::StaffCard(StaffCard {
                staff_id: format!("TT-{i:05}"),
                name: "Trần Văn Tiểu Thương".into(),
                birth_year: Some(1970 + (i % 40) as u16),
                agency_id: agency.clone(),
            });
            market_key.issue(&card, &format!("card-{i}"), now - Duration::days(1), now + Duration::days(180)).unwrap()
        })
        .collect();

    // Each device binds to its gate and fetches the trust list while the market still has a connection.
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let key_stores: Vec<Arc<MemoryKeyStore>> = (0..3).map(|_| Arc::new(MemoryKeyStore::default())).collect();
    let mut devices = Vec::new();
    for (n, gate) in gates.iter().enumerate() {
        let config = HealthbookConfig {
            data_dir: dirs[n].path().into(),
            key_store: key_stores[n].clone(),
            clock: server.clock.clone(),
        };
        let core = Healthbook::open(config).unwrap();
        core.settings().set_server_url(Some(server.base_url.clone())).await.unwrap();
        core.settings().set_root_key(Some(server.root_key.spki_base64())).await.unwrap();
        core.trust().refresh().await.unwrap();
        let bound = core.gate().sign_in_and_bind(&format!("operator-{n}"), PASSWORD, gate).await.unwrap();
        assert_eq!(bound.gate_id, *gate);
        devices.push(core);
    }

    // Offline: the three gates share the 10,000 cards, entering and leaving, and decide every one themselves.
    server.stop_http().await;
    let scan_start = server.clock.now();
    let (first, second, third) = tokio::join!(
        scan_share(&devices[0], &cards, 0),
        scan_share(&devices[1], &cards, 1),
        scan_share(&devices[2], &cards, 2),
    );
    let recorded = [first, second, third];
    let expected: HashSet<String> = recorded.iter().flatten().cloned().collect();
    assert_eq!(expected.len(), CARDS, "one passage per card, each with its own id");
    for core in &devices {
        assert!(core.gate().sync().await.is_err(), "no server: the sync fails and keeps everything");
    }

    // The connection is back. Gate 1's device is killed while its upload runs: once the server holds its first
    // batch, the task is dropped mid-flight and the core reopened from its directory.
    server.restart_http().await;
    let killed = devices.remove(1);
    let syncing = tokio::spawn(async move {
        let result = killed.gate().sync().await;
        (killed, result)
    });
    let mut waited = 0;
    while stored_for_gate(&server, &gates[1]).await < 500 {
        tokio::time::sleep(StdDuration::from_millis(2)).await;
        waited += 1;
        assert!(waited < 30_000, "the first batch never arrived");
    }
    syncing.abort();
    match syncing.await {
        Err(e) => assert!(e.is_cancelled(), "{e}"),
        Ok((_, result)) => panic!("the sync finished before it could be killed: {result:?}"),
    }
    let restarted = reopen(&server, dirs[1].path(), key_stores[1].clone());
    let pending = restarted.gate().status().await.unwrap().pending;
    assert!(pending > 0 && pending < CARDS / 3 + 1, "part of the queue was left for after the restart ({pending})");
    devices.insert(1, restarted);

    for core in &devices {
        let report = core.gate().sync().await.unwrap();
        assert_eq!(report.pending, 0, "{report:?}");
        assert_eq!(core.gate().status().await.unwrap().pending, 0);
    }
    let stored: i64 = {
        let mut total = 0;
        for gate in &gates {
            total += stored_for_gate(&server, gate).await;
        }
        total
    };
    assert_eq!(stored, CARDS as i64, "the server stored each passage once");

    // The officer asks who passed the market's gates during the scans: exactly the recorded passages.
    let passages = officer_reads(&officer, &venue_id, scan_start - Duration::minutes(1), server.clock.now() + Duration::minutes(1)).await;
    let ids: Vec<String> = passages.iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect();
    let unique: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(ids.len(), unique.len(), "no passage twice");
    assert_eq!(unique, expected, "every recorded passage, and nothing else");
    let per_gate = |gate: &str| passages.iter().filter(|p| p["gate_id"] == gate).count();
    assert_eq!(gates.iter().map(|g| per_gate(g)).collect::<Vec<_>>(), recorded.iter().map(Vec::len).collect::<Vec<_>>());
    assert!(passages.iter().all(|p| p["card"] == "staff_card" && p["verdict"] == "admit"));
    assert!(passages.iter().all(|p| p.get("person_id").is_none()), "a staff card names no person to the server");
    let card_ids: HashSet<&str> = passages.iter().map(|p| p["credential_id"].as_str().unwrap()).collect();
    assert_eq!(card_ids.len(), CARDS, "each card's id, once");
    server.stop().await;
}
