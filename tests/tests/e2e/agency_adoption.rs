//! Issue 14's acceptance for adoption per agency. An agency imports a 500-person roster in six departments (one of
//! three people); 320 of its staff are persons bound on phones (some on two phones; one more person is known but on
//! no phone, and one bound person is on no roster), some hold a pass that went stale and some a fresh one, and the
//! agency signed cards (some revoked, expired or not yet valid). The admin sees exactly 320 joined and the 180
//! others by name and department; every department's counts equal a count made here from what the test did;
//! nothing about a joined person comes back; the province rollup equals the sum of the agencies; the CLI writes
//! the follow-up CSV. Then who may call what: another agency's admin 404, other roles 403, anonymous 401.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;
use healthbook_core::Clock;
use healthbook_core::agency::adoption::{AdoptionClient, UTF8_BOM};
use healthbook_core::agency::client::AgencyAdmin;
use healthbook_core::agency::{AgencyKey, CardIssuer};
use healthbook_core::client::ServerClient;
use healthbook_e2e::server::{TestBackend, TestPerson, TestServer, assert_http_error, assert_json_error, raw_request, test_config};
use healthbook_e2e::server_scenarios;
use healthbook_protocol::adoption::{AdoptionCounts, NotJoined};
use healthbook_protocol::agencies::{IssuedCard, StaffMember};
use healthbook_server::ServerConfig;
use serde_json::{Value, json};

const ROSTER: usize = 500;
const JOINED: usize = 320;
const PASSWORD: &str = "adoption-test-password-1";
const FAMILY: [&str; 8] = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Võ", "Đặng"];
const MIDDLE: [&str; 8] = ["Văn", "Thị", "Hữu", "Ngọc", "Minh", "Thanh", "Đức", "Quốc"];
const GIVEN: [&str; 10] = ["An", "Bình", "Cường", "Dũng", "Hạnh", "Hương", "Khoa", "Lộc", "Phượng", "Ước"];
const DEPARTMENTS: [&str; 5] = ["Kế toán", "Tổ chức – Hành chính", "Phòng Kỹ thuật", "Văn phòng Sở", ""];
/// A department of three: it still gets its numbers, and nothing per person but "not joined".
const SMALL: &str = "Ban Giám đốc";

/// Entry `i`'s unique name (8 x 8 x 10 combinations), department, CCCD and birth year.
fn member(i: usize) -> StaffMember {
    let birth_year = 1960 + (i % 40) as u16;
    StaffMember {
        staff_number: format!("SYT-{i:04}"),
        full_name: format!("{} {} {}", FAMILY[i % 8], MIDDLE[(i / 8) % 8], GIVEN[(i / 64) % 10]),
        department: if i < 3 { SMALL.into() } else { DEPARTMENTS[i % 5].into() },
        phone: None,
        // Every 50th entry was imported without a citizen id: it can't be matched, so it never joins.
        citizen_id: (i % 50 != 7).then(|| format!("079{}{:02}{:06}", i % 2, birth_year % 100, i)),
        birth_year: Some(birth_year),
    }
}

async fn staff(server: &TestServer, role: &str, username: &str, extra: Value) -> ServerClient {
    let admin = server.admin_client().await;
    let mut body = json!({ "role": role, "username": username, "password": PASSWORD });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let _: Value = admin.post_json("/v1/accounts", &body).await.unwrap();
    let client = server.client();
    client.sign_in_staff(username, PASSWORD).await.unwrap();
    client
}

async fn device(server: &TestServer) -> (ServerClient, String) {
    let client = server.client();
    let identity = client.register_device("android").await.unwrap();
    client.sign_in_device(&identity).await.unwrap();
    (client, identity.device_id().to_owned())
}

/// What the test itself did, per department: the expected figures.
#[derive(Default)]
struct Expected {
    by_department: BTreeMap<String, AdoptionCounts>,
}

impl Expected {
    fn at(&mut self, member: &StaffMember) -> &mut AdoptionCounts {
        self.by_department.entry(member.department.clone()).or_default()
    }
}

async fn adoption_is_counted_per_department_and_names_only_those_not_joined(backend: TestBackend) {
    // Long tokens: the clock moves a day to let the first passes go stale.
    let server = TestServer::start_with(backend, ServerConfig { token_ttl: Duration::days(60), ..test_config() }).await;
    let admin = server.admin_client().await;
    let agency = admin.create_agency("Sở Y tế").await.unwrap().id;
    let other = admin.create_agency("Chợ Bến Thành").await.unwrap().id;
    let empty = admin.create_agency("Công ty Cấp nước").await.unwrap().id;
    let agency_admin = staff(&server, "agency_admin", "syt-admin", json!({ "agency_id": agency })).await;
    let other_admin = staff(&server, "agency_admin", "ben-thanh-admin", json!({ "agency_id": other })).await;
    let members: Vec<StaffMember> = (0..ROSTER).map(member).collect();
    let calls = AgencyAdmin::new(&agency_admin, &agency);
    assert_eq!(calls.import_staff(&members).await.unwrap().added as usize, ROSTER);
    let mut expected = Expected::default();
    for m in &members {
        expected.at(m).roster += 1;
    }

    // 320 of those with a citizen id are persons bound on one of four phones; every tenth joined person also on a
    // second phone (still one person). Entry 9 is a known person on no phone; one bound person is on no roster.
    let devices = [device(&server).await, device(&server).await, device(&server).await, device(&server).await];
    // Two of the small department stay out, so that it has one joined and two named as not joined.
    let with_id: Vec<usize> = (0..ROSTER).filter(|&i| members[i].citizen_id.is_some() && ![1, 2, 9].contains(&i)).collect();
    // Spread over the departments (the small one included): every third entry first, then the rest.
    let mut order: Vec<usize> = with_id.iter().copied().filter(|i| i % 3 == 0).collect();
    order.extend(with_id.iter().copied().filter(|i| i % 3 != 0));
    let joined: BTreeSet<usize> = order.into_iter().take(JOINED).collect();
    let person = |i: usize| TestPerson::new(&members[i].full_name, members[i].birth_year.unwrap());
    let mut persons: Vec<(String, TestPerson)> = Vec::new();
    let mut bindings = Vec::new();
    let mut profile_of = BTreeMap::new();
    for (n, &i) in joined.iter().enumerate() {
        let p = person(i);
        let profile = format!("profile-{i}");
        bindings.push((devices[n % 4].1.clone(), profile.clone(), p.id.clone()));
        if n % 10 == 0 {
            bindings.push((devices[(n + 1) % 4].1.clone(), format!("second-{i}"), p.id.clone()));
        }
        profile_of.insert(i, (n % 4, profile));
        persons.push((members[i].citizen_id.clone().unwrap(), p));
        expected.at(&members[i]).joined += 1;
    }
    persons.push((members[9].citizen_id.clone().unwrap(), person(9)));
    let stranger = TestPerson::new("Đỗ Thị Lạ", 1990);
    bindings.push((devices[0].1.clone(), "stranger".into(), stranger.id.clone()));
    persons.push(("079190123456".into(), stranger));
    server.add_citizens(&persons, &bindings).await;

    // Passes through the real endpoint: 30 issued now (stale after a day), then 40 a day later, overlapping by 10.
    let joined_list: Vec<usize> = joined.iter().copied().collect();
    let pass = |i: usize| {
        let (d, profile) = profile_of[&i].clone();
        let client = &devices[d].0;
        async move {
            let _: Value = client.post_json("/v1/passes", &json!({ "profile_ref": profile })).await.unwrap();
        }
    };
    for &i in &joined_list[..30] {
        pass(i).await;
    }
    server.clock.advance(Duration::hours(25));
    for &i in &joined_list[20..60] {
        pass(i).await;
        expected.at(&members[i]).fresh_pass += 1;
    }
    let now = server.clock.now();

    // Cards: valid for entries 0-279; entry 0 also has a revoked one (still valid), entries 1-4 only a revoked one;
    // expired for 280-289, not yet valid for 290-299.
    let key = AgencyKey::generate().unwrap();
    let kid = calls.submit_key(&key).await.unwrap().kid;
    AgencyAdmin::new(&admin, &agency).certify_key(&kid).await.unwrap();
    let issuer = CardIssuer::new(&key, &agency).unwrap();
    let card = |i: usize, at| -> IssuedCard { issuer.issue(&members[i], at).unwrap().card };
    let mut cards: Vec<IssuedCard> = (0..280).map(|i| card(i, now - Duration::days(10))).collect();
    let extra_for_0 = card(0, now - Duration::days(1));
    cards.push(extra_for_0.clone());
    cards.extend((280..290).map(|i| card(i, now - Duration::days(400))));
    cards.extend((290..300).map(|i| card(i, now + Duration::days(10))));
    calls.register_cards(&cards, |_| {}).await.unwrap();
    calls.revoke_card(&extra_for_0.card_id, "lost").await.unwrap();
    for c in &cards[1..5] {
        calls.revoke_card(&c.card_id, "left the agency").await.unwrap();
    }
    for m in members.iter().take(280).skip(5).chain([&members[0]]) {
        expected.at(m).valid_card += 1;
    }

    // Another agency's roster: ten people who also work at the first agency (joined there, so joined here, and
    // with fresh passes) and ten others.
    let other_members: Vec<StaffMember> = joined_list[20..30]
        .iter()
        .map(|&i| StaffMember { staff_number: format!("BT-{i}"), department: "Quầy 1".into(), ..members[i].clone() })
        .chain((ROSTER..ROSTER + 10).map(|i| StaffMember { department: "Quầy 2".into(), ..member(i) }))
        .collect();
    AgencyAdmin::new(&other_admin, &other).import_staff(&other_members).await.unwrap();

    // The agency's view: exactly 320 joined, the 180 others by name and department, figures per department as
    // counted here, and their sum.
    let adoption = AdoptionClient::new(&agency_admin).agency(&agency).await.unwrap();
    assert_eq!((adoption.agency_id.as_str(), adoption.agency_name.as_str(), adoption.as_of), (agency.as_str(), "Sở Y tế", now));
    assert_eq!(adoption.total.roster as usize, ROSTER);
    assert_eq!(adoption.total.joined as usize, JOINED);
    assert_eq!(adoption.not_joined.len(), ROSTER - JOINED);
    let mut want_not_joined: Vec<NotJoined> = (0..ROSTER)
        .filter(|i| !joined.contains(i))
        .map(|i| NotJoined {
            staff_number: members[i].staff_number.clone(),
            full_name: members[i].full_name.clone(),
            department: members[i].department.clone(),
            has_citizen_id: members[i].citizen_id.is_some(),
        })
        .collect();
    want_not_joined.sort_by(|a, b| (&a.department, &a.staff_number).cmp(&(&b.department, &b.staff_number)));
    assert_eq!(adoption.not_joined, want_not_joined);
    let got: BTreeMap<String, AdoptionCounts> = adoption.departments.iter().map(|d| (d.department.clone(), d.counts)).collect();
    assert_eq!(got, expected.by_department);
    assert_eq!(adoption.departments.len(), 6, "five departments, the unnamed one, and the small one");
    let small = &got[SMALL];
    assert_eq!((small.roster, small.joined), (3, 1), "a department of three still gets its numbers");
    let mut sum = AdoptionCounts::default();
    for d in &adoption.departments {
        sum.add(&d.counts);
    }
    assert_eq!(adoption.total, sum);
    assert_eq!((adoption.total.fresh_pass, adoption.total.valid_card), (40, 276));
    // Nothing about a joined person: no name, staff number, pass or status in the answer.
    let text = serde_json::to_string(&adoption).unwrap();
    for &i in &joined {
        assert!(!text.contains(&format!("\"{}\"", members[i].staff_number)), "joined entry {i} is not listed");
        assert!(!text.contains(&members[i].full_name), "joined entry {i}'s name is not in the answer");
    }
    for word in ["green", "yellow", "red", "credential", "card_id", "person"] {
        assert!(!text.contains(word), "{word} in the answer");
    }
    // The authority reads the same figures.
    let by_authority = AdoptionClient::new(&admin).agency(&agency).await.unwrap();
    assert_eq!(by_authority, adoption);

    // The province rollup: every agency (the one without a roster at zero), and the sum.
    let rollup = AdoptionClient::new(&admin).rollup().await.unwrap();
    let per_agency: BTreeMap<String, AdoptionCounts> = rollup.agencies.iter().map(|a| (a.agency_id.clone(), a.counts)).collect();
    let other_adoption = AdoptionClient::new(&other_admin).agency(&other).await.unwrap();
    assert_eq!(other_adoption.total, AdoptionCounts { roster: 20, joined: 10, fresh_pass: 10, valid_card: 0 });
    assert_eq!(per_agency.len(), 3);
    assert_eq!(per_agency[&agency], adoption.total);
    assert_eq!(per_agency[&other], other_adoption.total);
    assert_eq!(per_agency[&empty], AdoptionCounts::default());
    let mut sum = AdoptionCounts::default();
    for a in &rollup.agencies {
        sum.add(&a.counts);
    }
    assert_eq!(rollup.total, sum);
    assert!(!serde_json::to_string(&rollup).unwrap().contains("not_joined"), "numbers only");

    // The CLI: the table, and the follow-up CSV (BOM, header, the 180 by name and department).
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("chua-tham-gia.csv");
    let output = std::process::Command::new(healthbook_e2e::cli::healthbook_cli())
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["--server", &server.base_url, "agency", "adoption", "--agency", &agency, "--user", "syt-admin", "--csv"])
        .arg(&csv_path)
        .env("HEALTHBOOK_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(output.status.success(), "healthbook agency adoption: {}", String::from_utf8_lossy(&output.stderr));
    let table = String::from_utf8(output.stdout).unwrap();
    assert!(table.contains("Sở Y tế") && table.contains("180 not joined yet"), "{table}");
    let total_line = table.lines().find(|l| l.starts_with("total")).unwrap();
    assert!(total_line.contains("500") && total_line.contains("320 (64%)"), "{total_line}");
    let csv = std::fs::read(&csv_path).unwrap();
    assert!(csv.starts_with(UTF8_BOM));
    let mut reader = csv::Reader::from_reader(&csv[UTF8_BOM.len()..]);
    let rows: Vec<(String, String, String)> =
        reader.records().map(|r| r.unwrap()).map(|r| (r[0].to_owned(), r[1].to_owned(), r[2].to_owned())).collect();
    let want: Vec<(String, String, String)> =
        want_not_joined.iter().map(|n| (n.staff_number.clone(), n.full_name.clone(), n.department.clone())).collect();
    assert_eq!(rows, want);

    // Who may call: another agency's admin is told there is no such agency; the agency's gate operator, a health
    // officer and a volunteer are refused; the agency's admin can't read the rollup; anonymous callers sign in.
    assert_http_error(AdoptionClient::new(&other_admin).agency(&agency).await.map_err(client), 404, "not_found");
    assert_http_error(AdoptionClient::new(&admin).agency("no-such-agency").await.map_err(client), 404, "not_found");
    let gate = staff(&server, "gate_operator", "syt-gate", json!({ "agency_id": agency })).await;
    let area = json!({ "area": { "province": "79", "wards": ["26734"] } });
    let officer = staff(&server, "health_officer", "officer-79", area.clone()).await;
    let volunteer = staff(&server, "volunteer", "volunteer-79", area).await;
    for caller in [&gate, &officer, &volunteer, &devices[0].0] {
        assert_http_error(AdoptionClient::new(caller).agency(&agency).await.map_err(client), 403, "forbidden");
        assert_http_error(AdoptionClient::new(caller).rollup().await.map_err(client), 403, "forbidden");
    }
    assert_http_error(AdoptionClient::new(&agency_admin).rollup().await.map_err(client), 403, "forbidden");
    let http = reqwest::Client::new();
    for path in [format!("/v1/agencies/{agency}/adoption"), "/v1/adoption/agencies".to_owned()] {
        let answer = raw_request(http.get(format!("{}{path}", server.base_url))).await;
        assert_json_error(&answer, 401, "unauthenticated");
    }
    // Both endpoints are documented, with their answers and refusals.
    let (_, _, doc) = raw_request(http.get(format!("{}/openapi.json", server.base_url))).await;
    let doc = doc.expect("OpenAPI document");
    for (path, codes) in [("/v1/agencies/{agency_id}/adoption", &["200", "401", "403", "404"][..]), ("/v1/adoption/agencies", &["200", "401", "403"][..])] {
        for code in codes {
            assert!(doc["paths"][path]["get"]["responses"][code].is_object(), "{path} documents {code}");
        }
    }
    server.stop().await;
}

/// The client error inside an agency error, for [`assert_http_error`].
fn client(e: healthbook_core::agency::AgencyError) -> healthbook_core::client::ClientError {
    match e {
        healthbook_core::agency::AgencyError::Client(c) => c,
        other => panic!("expected a server error, got {other}"),
    }
}

server_scenarios!(adoption_is_counted_per_department_and_names_only_those_not_joined);
