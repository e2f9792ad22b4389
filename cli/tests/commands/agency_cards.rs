//! `healthbook agency cards issue` against a scripted agency server: staff who hold a card get none (a second run
//! after a roster import prints the newcomers only); `--reissue` signs new cards for everyone and revokes each
//! one's earlier cards, only after the new ones are registered and printed; with everyone holding a card and no
//! `--reissue`, nothing is signed or sent.

use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

const HELD: &str = "0123456789abcdef";
const PASSWORD: &str = "mật khẩu quản trị";

/// The requests the scripted server saw: method, path and body.
type Seen = Arc<Mutex<Vec<(String, String, Value)>>>;

/// A scripted server answering an agency admin's calls; `staff` is the staff list it gives.
fn agency_server(staff: Value) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let url = crate::support::serve(move |request| {
        let (method, path, body) = (request.method.as_str(), request.path.as_str(), &request.body);
        log.lock().unwrap().push((method.to_owned(), path.to_owned(), body.clone()));
        let at = "2021-08-01T00:00:00Z";
        match (method, path) {
            ("POST", "/v1/auth/login") if body["password"] == PASSWORD => (
                200,
                json!({ "token": "admin-token", "token_type": "Bearer", "expires_at": "2999-01-01T00:00:00Z",
                        "account_id": "adm-1", "role": "agency_admin", "agency_id": "a1" }),
            ),
            ("GET", "/v1/agencies/a1") => (200, json!({ "id": "a1", "name": "Ủy ban nhân dân Quận 1", "created_at": at })),
            ("GET", "/v1/agencies/a1/staff") => (200, staff.clone()),
            ("POST", "/v1/agencies/a1/cards") => {
                (200, json!({ "registered": body["cards"].as_array().map_or(0, Vec::len), "already_registered": 0 }))
            }
            ("POST", p) if p.starts_with("/v1/agencies/a1/cards/") && p.ends_with("/revoke") => {
                let id = p.trim_start_matches("/v1/agencies/a1/cards/").trim_end_matches("/revoke");
                (200, json!({ "kind": "credential", "id": id, "revoked_at": at, "reason": body["reason"] }))
            }
            ("POST", "/v1/agencies/a1/staff") => (
                429,
                json!({ "error": { "code": "roster_citizen_id_limit",
                    "message": "this agency's roster took 20000 new citizen ids in the last 24 hours; try again after 2021-08-02T00:00:00Z" } }),
            ),
            _ => (404, json!({ "error": { "code": "not_found", "message": "no such thing" } })),
        }
    });
    (url, seen)
}

fn staff_list(holding_a_card: &[bool]) -> Value {
    let staff: Vec<Value> = holding_a_card
        .iter()
        .enumerate()
        .map(|(i, held)| {
            json!({ "staff_number": format!("NV-{i:03}"), "full_name": format!("Nguyễn Văn {i}"), "department": "Văn phòng",
                    "has_citizen_id": false, "active_cards": if *held { vec![HELD.to_owned()] } else { vec![] } })
        })
        .collect();
    json!({ "staff": staff })
}

fn healthbook(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_healthbook"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("HEALTHBOOK_DATA_KEY")
        .env_remove("HEALTHBOOK_SERVER")
        .env("HEALTHBOOK_PASSWORD", PASSWORD)
        .output()
        .unwrap()
}

/// Runs `agency cards issue` (plus `extra`) against a server with this staff list: (exit code, JSON out or error,
/// the requests seen).
fn issue(holding_a_card: &[bool], extra: &[&str]) -> (Option<i32>, Value, Vec<(String, String, Value)>) {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("agency-key.pem");
    let keygen = healthbook(dir.path(), &["agency", "keygen", "--out", key.to_str().unwrap()]);
    assert!(keygen.status.success(), "{}", String::from_utf8_lossy(&keygen.stderr));
    let (url, seen) = agency_server(staff_list(holding_a_card));
    let pdf = dir.path().join("cards.pdf");
    let mut args = vec!["--server", &url, "--json", "agency", "cards", "issue", "--agency", "a1", "--key"];
    let (key, pdf_arg) = (key.to_str().unwrap().to_owned(), pdf.to_str().unwrap().to_owned());
    args.extend([key.as_str(), "--out", pdf_arg.as_str(), "--user", "q1-admin"]);
    args.extend(extra);
    let out = healthbook(dir.path(), &args);
    let text = if out.status.success() { &out.stdout } else { &out.stderr };
    let value = serde_json::from_slice(text).unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(text)));
    if out.status.success() {
        assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"), "the sheets are written");
    }
    let seen = seen.lock().unwrap().clone();
    (out.status.code(), value, seen)
}

fn registered_staff(seen: &[(String, String, Value)]) -> Vec<String> {
    seen.iter()
        .filter(|(m, p, _)| m == "POST" && p == "/v1/agencies/a1/cards")
        .flat_map(|(_, _, body)| body["cards"].as_array().unwrap().iter().map(|c| c["staff_number"].as_str().unwrap().to_owned()))
        .collect()
}

fn revocations(seen: &[(String, String, Value)]) -> Vec<(String, String)> {
    seen.iter()
        .filter(|(m, p, _)| m == "POST" && p.ends_with("/revoke"))
        .map(|(_, p, body)| (p.clone(), body["reason"].as_str().unwrap_or_default().to_owned()))
        .collect()
}

#[test]
fn staff_who_hold_a_card_get_none_unless_reissued_and_then_the_earlier_card_is_revoked_after_printing() {
    // NV-001 holds a card: a plain run signs and registers NV-000 and NV-002 only, and revokes nothing.
    let (code, out, seen) = issue(&[false, true, false], &[]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(registered_staff(&seen), ["NV-000", "NV-002"]);
    assert_eq!((out["skipped_holding_a_card"].as_u64(), out["revoked"].as_array().map(Vec::len)), (Some(1), Some(0)));
    assert!(revocations(&seen).is_empty());

    // --reissue: everyone gets a new card, and NV-001's earlier card is revoked, after the new cards are registered.
    let (code, out, seen) = issue(&[false, true, false], &["--reissue"]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(registered_staff(&seen), ["NV-000", "NV-001", "NV-002"]);
    let revoked = revocations(&seen);
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].0, format!("/v1/agencies/a1/cards/{HELD}/revoke"));
    assert!(revoked[0].1.contains("replaced by a new card"), "{}", revoked[0].1);
    assert_eq!(out["revoked"], json!([HELD]));
    let register_at = seen.iter().position(|(m, p, _)| m == "POST" && p == "/v1/agencies/a1/cards").unwrap();
    let revoke_at = seen.iter().position(|(m, p, _)| m == "POST" && p.ends_with("/revoke")).unwrap();
    assert!(register_at < revoke_at, "the earlier card goes only once the new one is registered");
    // The new card is another card: it is not the one revoked.
    assert!(out["cards"].as_array().unwrap().iter().all(|c| c["card_id"] != HELD));

    // Everyone holds a card and no --reissue: refused, and nothing is registered or revoked.
    let (code, error, seen) = issue(&[true, true], &[]);
    assert_eq!(code, Some(1));
    assert_eq!(error["error"]["code"], "all_staff_have_cards", "{error}");
    assert!(error["error"]["message"].as_str().unwrap().contains("--reissue"));
    assert!(registered_staff(&seen).is_empty() && revocations(&seen).is_empty());
}

#[test]
fn a_roster_import_over_the_daily_cap_says_so_and_when_to_try_again() {
    let dir = tempfile::tempdir().unwrap();
    let (url, seen) = agency_server(staff_list(&[]));
    let roster = dir.path().join("roster.csv");
    std::fs::write(&roster, "Họ và tên,Mã nhân viên,Phòng ban\nNguyễn Văn An,NV-001,Văn phòng\n").unwrap();
    let args = ["--server", &url, "--json", "agency", "roster", "import", roster.to_str().unwrap(), "--agency", "a1", "--accept", "--user", "q1-admin"];
    let out = healthbook(dir.path(), &args);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    let error: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(error["error"]["code"], "rate_limited", "a limit, not an unreachable server: {error}");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(message.contains("roster_citizen_id_limit") && message.contains("try again after 2021-08-02"), "{message}");
    assert!(seen.lock().unwrap().iter().any(|(m, p, _)| m == "POST" && p == "/v1/agencies/a1/staff"), "the import was sent");
}
