//! The `healthbook` binary as a script would use it: exit codes, JSON output, typed field errors.

use std::process::{Command, Output};

use serde_json::{Value, json};

fn healthbook(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_healthbook"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("HEALTHBOOK_DATA_KEY")
        .env_remove("HEALTHBOOK_SERVER")
        .output()
        .unwrap()
}

fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(bytes)))
}

#[test]
fn add_list_show_remove_with_json() {
    let dir = tempfile::tempdir().unwrap();
    let added = healthbook(dir.path(), &["--json", "profile", "add", "--name", "Hoàng  Thị  Lan", "--birth", "1990-05-17", "--phone", "0912345678", "--citizen-id", "001190012345", "--province", "01"]);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let profile = json_of(&added.stdout);
    assert_eq!(profile["full_name"], "Hoàng Thị Lan");
    assert_eq!(profile["phone"], "+84912345678");
    let id = profile["id"].as_str().unwrap().to_owned();

    let listed = json_of(&healthbook(dir.path(), &["--json", "profile", "list"]).stdout);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let shown = json_of(&healthbook(dir.path(), &["--json", "profile", "show", &id]).stdout);
    assert_eq!(shown["citizen_id"], "001190012345");

    let updated = healthbook(dir.path(), &["--json", "profile", "update", &id, "--name", "Hoàng Thị Lan Anh", "--birth", "1990"]);
    assert!(updated.status.success());
    assert_eq!(json_of(&updated.stdout)["citizen_id"], Value::Null);

    assert!(healthbook(dir.path(), &["profile", "remove", &id]).status.success());
    let gone = healthbook(dir.path(), &["--json", "profile", "show", &id]);
    assert_eq!(gone.status.code(), Some(1));
    assert_eq!(json_of(&gone.stderr)["error"]["code"], "not_found");
}

#[test]
fn invalid_fields_are_named_with_exit_code_1() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&["--name", "An", "--birth", "1990", "--citizen-id", "0010900123"], "citizen_id"),
        (&["--name", "An", "--birth", "1990", "--phone", "+1 415 555 0100"], "phone"),
        (&["--name", "   ", "--birth", "1990"], "full_name"),
        (&["--name", "An", "--birth", "1990-13-01"], "birth_date"),
        (&["--name", "An", "--birth", "1990", "--province", "03"], "address"),
    ];
    for (args, field) in cases {
        let mut full = vec!["--json", "profile", "add"];
        full.extend_from_slice(args);
        let out = healthbook(dir.path(), &full);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty());
        let error = json_of(&out.stderr);
        assert_eq!(error["error"]["code"], "invalid_field", "{args:?}");
        assert_eq!(error["error"]["field"], field, "{args:?}");
    }
    let text = healthbook(dir.path(), &["profile", "add", "--name", "An", "--birth", "1990", "--phone", "12"]);
    assert!(String::from_utf8_lossy(&text.stderr).starts_with("error: phone:"));
    // Nothing was stored by the refused commands.
    assert_eq!(json_of(&healthbook(dir.path(), &["--json", "profile", "list"]).stdout), Value::Array(vec![]));
}

#[test]
fn usage_errors_exit_with_2() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(healthbook(dir.path(), &["profile", "add", "--birth", "1990"]).status.code(), Some(2));
    assert_eq!(healthbook(dir.path(), &["profile", "frobnicate"]).status.code(), Some(2));
    assert_eq!(healthbook(dir.path(), &["profile", "add", "--name", "An", "--birth", "1990", "--relation", "cousin"]).status.code(), Some(2));
}

#[test]
fn second_owner_profile_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert!(healthbook(dir.path(), &["profile", "add", "--name", "An", "--birth", "1990"]).status.success());
    let out = healthbook(dir.path(), &["--json", "profile", "add", "--name", "Bình", "--birth", "1991"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_of(&out.stderr)["error"]["code"], "self_profile_exists");
}

/// Reads one EU DCC conformance case (third-party data beside the repository, never copied into it).
fn dcc_case(path: &str) -> (String, String, String) {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/eu-dcc").join(path);
    let case: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))).unwrap();
    (
        case["PREFIX"].as_str().unwrap().to_owned(),
        case["TESTCTX"]["CERTIFICATE"].as_str().unwrap().to_owned(),
        case["TESTCTX"]["VALIDATIONCLOCK"].as_str().unwrap().to_owned(),
    )
}

fn healthbook_stdin(dir: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_healthbook"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn verify_eu_dcc_offline_with_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let (qr, cert, clock) = dcc_case("DE/2DCode/raw/3.json");
    let ok = healthbook(dir.path(), &["--json", "verify", "--trust-cert", &cert, "--at", &clock, &qr]);
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stdout));
    let verdict = json_of(&ok.stdout);
    assert_eq!(verdict["valid"], true);
    assert_eq!(verdict["stage"], Value::Null);
    assert_eq!(verdict["kind"], "eu_dcc_recovery");
    assert_eq!(verdict["issuer"], "DE");
    assert_eq!(verdict["holder"]["birth_date"], "1964-08-12");
    // No signed trust list in use, so nothing to go stale; the field is always there for the gate to read.
    assert_eq!(verdict["trust_list_stale"], false);
    for key in ["error", "issued_at", "expires_at", "holder"] {
        assert!(verdict.get(key).is_some(), "missing {key}");
    }

    // The same QR from standard input, without trusting its signer: not valid, unknown key, exit 1.
    let unknown = healthbook_stdin(dir.path(), &["--json", "verify", "--at", &clock, "-"], &qr);
    assert_eq!(unknown.status.code(), Some(1));
    assert_eq!(json_of(&unknown.stdout)["stage"], "unknown_key");

    // Long after its expiry.
    let late = healthbook(dir.path(), &["--json", "verify", "--trust-cert", &cert, "--at", "2030-01-01T00:00:00Z", &qr]);
    assert_eq!(late.status.code(), Some(1));
    assert_eq!(json_of(&late.stdout)["stage"], "expired");

    // A batch from standard input, one QR per line: every verdict in order; exit 0 only when all are valid.
    let both = format!("{qr}\r\n\n{qr}\n");
    let batch = healthbook_stdin(dir.path(), &["--json", "verify", "--trust-cert", &cert, "--at", &clock, "-", "--each-line"], &both);
    assert_eq!(batch.status.code(), Some(0), "{}", String::from_utf8_lossy(&batch.stderr));
    let verdicts = json_of(&batch.stdout);
    assert_eq!(verdicts.as_array().map(Vec::len), Some(2), "blank lines are skipped, CR LF endings dropped");
    assert!(verdicts.as_array().unwrap().iter().all(|v| v["valid"] == true));
    let mixed = healthbook_stdin(dir.path(), &["--json", "verify", "--trust-cert", &cert, "--at", &clock, "-", "--each-line"], &format!("{qr}\nHC1:XYZ\n"));
    assert_eq!(mixed.status.code(), Some(1), "one bad line makes the batch not valid");
    let verdicts = json_of(&mixed.stdout);
    assert_eq!((verdicts[0]["valid"].as_bool(), verdicts[1]["valid"].as_bool()), (Some(true), Some(false)));
    let empty = healthbook_stdin(dir.path(), &["verify", "-", "--each-line"], "\n");
    assert_eq!(empty.status.code(), Some(2));
    let not_stdin = healthbook(dir.path(), &["verify", &qr, "--each-line"]);
    assert_eq!(not_stdin.status.code(), Some(2), "--each-line reads standard input only");

    // Garbage is a typed verdict, not a crash.
    let garbage = healthbook(dir.path(), &["--json", "verify", "HC1:not base45 at all"]);
    assert_eq!(garbage.status.code(), Some(1));
    assert_eq!(json_of(&garbage.stdout)["stage"], "base45");

    // Usage errors: a bad --at, a certificate that is not one.
    assert_eq!(healthbook(dir.path(), &["verify", "--at", "yesterday", &qr]).status.code(), Some(2));
    assert_eq!(healthbook(dir.path(), &["verify", "--trust-cert", "bm90IGEgY2VydA==", &qr]).status.code(), Some(2));
}

#[test]
fn pass_show_without_server_says_so() {
    let dir = tempfile::tempdir().unwrap();
    assert!(healthbook(dir.path(), &["profile", "add", "--name", "An", "--birth", "1990"]).status.success());
    let out = healthbook(dir.path(), &["--json", "pass", "show"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_of(&out.stderr)["error"]["code"], "no_server");
}

#[test]
fn person_commands_without_a_server_fail_typed_and_list_the_kept_bindings() {
    let dir = tempfile::tempdir().unwrap();
    let added = healthbook(dir.path(), &["--json", "profile", "add", "--name", "Đỗ Thị Hà", "--birth", "1990", "--phone", "0912345678"]);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let id = json_of(&added.stdout)["id"].as_str().unwrap().to_owned();

    let cases: [(&[&str], &str); 4] = [
        (&["person", "bind", "--profile", &id], "citizen_id_required"),
        (&["person", "bind", "--profile", &id, "--citizen-id", "001190012345"], "no_server"),
        (&["person", "bind", "--profile", &id, "--code", "123456"], "no_pending_challenge"),
        (&["person", "bind", "--profile", "no-such-profile", "--citizen-id", "001190012345"], "not_found"),
    ];
    for (args, code) in cases {
        let mut full = vec!["--json"];
        full.extend_from_slice(args);
        let out = healthbook(dir.path(), &full);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(json_of(&out.stderr)["error"]["code"], code, "{args:?}");
    }

    let listed = healthbook(dir.path(), &["--json", "person", "list"]);
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    let listed = json_of(&listed.stdout);
    assert_eq!((listed["online"].as_bool(), listed["bindings"].as_array().map(Vec::len)), (Some(false), Some(0)));
}

#[test]
fn test_commands_check_the_code_first_keep_an_offline_registration_and_explain_it() {
    let dir = tempfile::tempdir().unwrap();
    let added = healthbook(dir.path(), &["--json", "profile", "add", "--name", "Đỗ Thị Hà", "--birth", "1990"]);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let id = json_of(&added.stdout)["id"].as_str().unwrap().to_owned();

    let typo = healthbook(dir.path(), &["--json", "test", "register", "FE9A5MAK6D", "--profile", &id]);
    assert_eq!(typo.status.code(), Some(1));
    let error = json_of(&typo.stderr);
    assert_eq!(error["error"]["code"], "wrong_code");
    assert!(!error.to_string().contains("FE9A5MAK6D"), "the code is not echoed");

    let kept = healthbook(dir.path(), &["--json", "test", "register", "fe9a-5mak-6c", "--profile", &id]);
    assert!(kept.status.success(), "{}", String::from_utf8_lossy(&kept.stderr));
    let sample = json_of(&kept.stdout);
    assert_eq!((sample["state"].as_str(), sample["reason"].as_str()), (Some("registering"), Some("not_sent_yet")));
    assert!(!sample["next_step"].as_str().unwrap().is_empty());

    let again = healthbook(dir.path(), &["--json", "test", "register", "FE9A5MAK6C", "--profile", &id]);
    assert_eq!(json_of(&again.stderr)["error"]["code"], "already_followed");

    let status = healthbook(dir.path(), &["test", "status"]);
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.contains("[registering]") && text.contains("Đang chờ gửi mã mẫu"), "{text}");
}

#[test]
fn lab_upload_names_every_bad_row_before_signing_in() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("results.csv");
    std::fs::write(&csv, "code,outcome,tested_at\nFE9A5MAK6C,negative,2021-09-01T08:00:00Z\nFE9A5MAK6D,negative,2021-09-01T08:00:00Z\nWPHSATMHD4,maybe,2021-09-01T08:00:00Z\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_healthbook"))
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["--json", "lab", "upload", "--csv"])
        .arg(&csv)
        .args(["--user", "lab1"])
        .env_remove("HEALTHBOOK_SERVER")
        .env_remove("HEALTHBOOK_DATA_KEY")
        .env_remove("HEALTHBOOK_PASSWORD")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let error = json_of(&out.stderr);
    assert_eq!(error["error"]["code"], "invalid_csv");
    let lines: Vec<u64> = error["error"]["details"].as_array().unwrap().iter().map(|d| d["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [3, 4]);

    let site = healthbook(dir.path(), &["--json", "test", "site", "pool", "FE9A5MAK6C", "WPHSATMHD4", "FE9A5MAK6D", "--user", "v1"]);
    assert_eq!(site.status.code(), Some(1));
    assert_eq!(json_of(&site.stderr)["error"]["code"], "wrong_code", "a member's typo is caught before signing in");
}

#[test]
fn checkin_add_out_diary_and_a_refused_scan() {
    let dir = tempfile::tempdir().unwrap();
    let owner = healthbook(dir.path(), &["--json", "profile", "add", "--name", "Lý Thị Mai", "--birth", "1992", "--relation", "myself"]);
    assert!(owner.status.success(), "{}", String::from_utf8_lossy(&owner.stderr));
    let now = chrono::Utc::now();
    let from = (now - chrono::Duration::hours(2)).to_rfc3339();
    let to = (now - chrono::Duration::hours(1)).to_rfc3339();
    let added = healthbook(dir.path(), &["--json", "checkin", "add", "Nhà văn hóa phường", "--from", &from, "--to", &to]);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let entry = json_of(&added.stdout);
    assert_eq!((entry["venue_name"].as_str(), entry["manual"].as_bool()), (Some("Nhà văn hóa phường"), Some(true)));
    let open = json_of(&healthbook(dir.path(), &["--json", "checkin", "add", "Quán phở", "--from", &to]).stdout);
    assert_eq!(open["checked_out_at"], Value::Null);
    let out = healthbook(dir.path(), &["--json", "checkin", "out", open["id"].as_str().unwrap()]);
    assert!(out.status.success());
    assert!(json_of(&out.stdout)["checked_out_at"].is_string());

    let diary = json_of(&healthbook(dir.path(), &["--json", "diary"]).stdout);
    let names: Vec<&str> = diary["entries"].as_array().unwrap().iter().map(|e| e["venue_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Quán phở", "Nhà văn hóa phường"], "newest first");
    let text = healthbook(dir.path(), &["diary"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("Quán phở"));

    let future = (now + chrono::Duration::hours(1)).to_rfc3339();
    let bad = healthbook(dir.path(), &["--json", "checkin", "add", "Chợ", "--from", &future]);
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(json_of(&bad.stderr)["error"]["code"], "invalid_field");

    let refused = healthbook(dir.path(), &["--json", "checkin", "scan", "HP1:NOT-A-POSTER"]);
    assert_eq!(refused.status.code(), Some(1));
    let error = json_of(&refused.stderr);
    assert_eq!(error["error"]["code"], "poster_refused");
    assert!(error["error"]["message"].as_str().unwrap().contains("unreadable"));

    let offline = healthbook(dir.path(), &["--json", "exposure", "check"]);
    assert_eq!(offline.status.code(), Some(1));
    assert_eq!(json_of(&offline.stderr)["error"]["code"], "no_server");
}

#[test]
fn venue_create_checks_the_kind_before_signing_in() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["venue", "create", "--agency", "a1", "--name", "Chợ", "--address", "Lê Lợi", "--province", "79", "--ward", "26740", "--user", "u"];
    let mut bad = args.to_vec();
    bad.extend(["--kind", "casino"]);
    let out = healthbook(dir.path(), &bad);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("road_checkpoint"), "the known kinds are listed");
    let mut good = args.to_vec();
    good.extend(["--kind", "road_checkpoint"]);
    let out = Command::new(env!("CARGO_BIN_EXE_healthbook"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(&good)
        .env_remove("HEALTHBOOK_SERVER")
        .env_remove("HEALTHBOOK_PASSWORD")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("HEALTHBOOK_PASSWORD"), "the kind parsed; the password is asked for next");
}

/// A one-thread HTTP server on loopback with the answers a gate needs (staff sign-in, the gate, its agency and
/// venue, passage uploads); it stores uploaded passages by id, each once.
struct FakeGateServer {
    url: String,
    passages: std::sync::Arc<std::sync::Mutex<std::collections::BTreeMap<String, Value>>>,
}

fn fake_gate_server(gate_id: &'static str) -> FakeGateServer {
    let passages = std::sync::Arc::new(std::sync::Mutex::new(std::collections::BTreeMap::new()));
    let stored = passages.clone();
    let url = crate::support::serve(move |request| {
        let (path, body) = (request.path.as_str(), &request.body);
        let at = "2021-08-01T00:00:00Z";
        let not_found = (404, json!({ "error": { "code": "not_found", "message": "no such thing" } }));
        match path {
            "/v1/auth/login" if body["password"] == "mật khẩu" => (
                200,
                json!({ "token": "staff-token", "token_type": "Bearer", "expires_at": "2999-01-01T00:00:00Z",
                        "account_id": "op-1", "role": "gate_operator", "agency_id": "a1" }),
            ),
            "/v1/auth/login" => (401, json!({ "error": { "code": "invalid_credentials", "message": "wrong username or password" } })),
            p if p == format!("/v1/gates/{gate_id}") => {
                (200, json!({ "id": gate_id, "agency_id": "a1", "name": "Cổng 1", "venue_id": "v1", "created_at": at }))
            }
            "/v1/agencies/a1" => (200, json!({ "id": "a1", "name": "Ban quản lý chợ", "created_at": at })),
            "/v1/venues/v1" => (
                200,
                json!({ "id": "v1", "agency_id": "a1", "name": "Chợ Bến Thành", "kind": "market",
                    "address": "Lê Lợi", "province_code": "79", "ward_code": "26740", "default_stay_minutes": 60, "created_at": at }),
            ),
            p if p == format!("/v1/gates/{gate_id}/passages") => {
                let Some(batch) = body["passages"].as_array() else { return not_found };
                let mut kept = stored.lock().unwrap();
                let (mut new, mut old) = (0, 0);
                for passage in batch {
                    let id = passage["id"].as_str().unwrap().to_owned();
                    if kept.insert(id, passage.clone()).is_some() { old += 1 } else { new += 1 }
                }
                (200, json!({ "stored": new, "already_stored": old }))
            }
            _ => not_found,
        }
    });
    FakeGateServer { url, passages }
}

fn healthbook_env(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_healthbook"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("HEALTHBOOK_DATA_KEY")
        .env_remove("HEALTHBOOK_SERVER")
        .env_remove("HEALTHBOOK_PASSWORD")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

#[test]
fn gate_bind_scan_repeat_sync_and_status() {
    let dir = tempfile::tempdir().unwrap();
    let gate_id = "7f9c2ba4-0000-4000-8000-000000000001";
    // Unbound: typed refusals, and bind needs the password from the environment.
    let unbound = healthbook(dir.path(), &["--json", "gate", "scan", "HC1:x", "--direction", "in"]);
    assert_eq!(unbound.status.code(), Some(1));
    assert_eq!(json_of(&unbound.stderr)["error"]["code"], "not_bound");
    assert_eq!(json_of(&healthbook(dir.path(), &["--json", "gate", "status"]).stdout)["gate"], Value::Null);
    assert_eq!(healthbook(dir.path(), &["gate", "bind", gate_id, "--user", "op"]).status.code(), Some(2));
    assert_eq!(healthbook(dir.path(), &["gate", "scan", "x", "--direction", "sideways"]).status.code(), Some(2));

    let server = fake_gate_server(gate_id);
    let wrong = healthbook_env(dir.path(), &["--json", "--server", &server.url, "gate", "bind", gate_id, "--user", "op"], &[("HEALTHBOOK_PASSWORD", "sai")]);
    assert_eq!(json_of(&wrong.stderr)["error"]["code"], "sign_in_failed");
    let bound = healthbook_env(dir.path(), &["--json", "--server", &server.url, "gate", "bind", gate_id, "--user", "op"], &[("HEALTHBOOK_PASSWORD", "mật khẩu")]);
    assert!(bound.status.success(), "{}", String::from_utf8_lossy(&bound.stderr));
    let bound = json_of(&bound.stdout);
    assert_eq!(bound["gate"]["venue_name"], "Chợ Bến Thành");
    assert_eq!(bound["pending"], 0);

    // The conformance DCC, trusted, but scanned today: genuine and expired, so refused with its reason.
    let (qr, cert, _) = dcc_case("DE/2DCode/raw/1.json");
    assert!(healthbook(dir.path(), &["trust", "add-dcc-cert", &cert]).status.success());
    let refused = healthbook(dir.path(), &["--json", "gate", "scan", &qr, "--direction", "in"]);
    assert_eq!(refused.status.code(), Some(1), "a refusal exits 1");
    let scan = json_of(&refused.stdout);
    assert_eq!((scan["verdict"].as_str(), scan["reason"].as_str(), scan["card"].as_str()), (Some("refuse"), Some("expired"), Some("eu_dcc")));
    assert_eq!(scan["recorded"], true);
    assert_eq!(scan["holder"], Value::Null, "a refused card shows no holder");
    let again = json_of(&healthbook(dir.path(), &["--json", "gate", "scan", &qr, "--direction", "in"]).stdout);
    assert_eq!(again["recorded"], false, "the same card the same way within 10 minutes is not recorded twice");
    let out = json_of(&healthbook(dir.path(), &["--json", "gate", "scan", &qr, "--direction", "out"]).stdout);
    assert_eq!(out["recorded"], true);
    let words = healthbook(dir.path(), &["gate", "scan", "not a card", "--direction", "in"]);
    let words = String::from_utf8_lossy(&words.stdout);
    assert!(words.contains("KHÔNG CHO VÀO"), "{words}");
    assert_eq!(json_of(&healthbook(dir.path(), &["--json", "gate", "status"]).stdout)["pending"], 3);

    let synced = healthbook(dir.path(), &["--json", "gate", "sync"]);
    assert!(synced.status.success(), "{}", String::from_utf8_lossy(&synced.stderr));
    assert_eq!(json_of(&synced.stdout)["uploaded"], 3);
    let stored = server.passages.lock().unwrap().clone();
    assert_eq!(stored.len(), 3);
    assert!(stored.values().all(|p| p.get("name").is_none() && p["credential_id"].as_str().is_none_or(|id| id.len() == 64)));
    let status = json_of(&healthbook(dir.path(), &["--json", "gate", "status"]).stdout);
    assert_eq!((status["pending"].as_u64(), status["uploaded"].as_u64()), (Some(0), Some(3)));
    assert!(status["last_sync_at"].is_string());
    assert_eq!(healthbook(dir.path(), &["--json", "gate", "repeat-window", "2000"]).status.code(), Some(1));
    assert!(healthbook(dir.path(), &["gate", "unbind"]).status.success());
}

#[test]
fn volunteer_commands_offline_say_what_is_missing_and_list_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let listed = healthbook(dir.path(), &["--json", "volunteer", "list"]);
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    assert_eq!(json_of(&listed.stdout), json!({ "people": [] }));
    // The password comes from the environment only: without it, a usage error before anything is sent.
    let consent = healthbook_env(
        dir.path(),
        &["--json", "volunteer", "consent", "p-1", "--given-by", "Bà Năm", "--method", "thumbprint", "--user", "vol"],
        &[],
    );
    assert_eq!(consent.status.code(), Some(2), "{}", String::from_utf8_lossy(&consent.stderr));
    assert_eq!(json_of(&consent.stderr)["error"]["code"], "password_required");
    let no_server = healthbook_env(
        dir.path(),
        &["--json", "volunteer", "enrol", "--name", "Bà Năm", "--birth-year", "1950", "--citizen-id", "079150012345",
          "--province", "79", "--ward", "26734", "--user", "vol"],
        &[("HEALTHBOOK_PASSWORD", "pw")],
    );
    assert_eq!(no_server.status.code(), Some(1));
    assert_eq!(json_of(&no_server.stderr)["error"]["code"], "no_server");
    let no_output = healthbook_env(dir.path(), &["--json", "volunteer", "card", "p-1", "--user", "vol"], &[("HEALTHBOOK_PASSWORD", "pw")]);
    assert_eq!(no_output.status.code(), Some(2));
    let bad_method = healthbook(dir.path(), &["volunteer", "consent", "p-1", "--given-by", "A", "--method", "email", "--user", "v"]);
    assert_eq!(bad_method.status.code(), Some(2), "clap refuses an unknown method");
    // Nothing was enrolled by the refused commands.
    let listed = healthbook(dir.path(), &["--json", "volunteer", "list"]);
    assert_eq!(json_of(&listed.stdout), json!({ "people": [] }));
}

#[test]
fn vaccine_list_files_are_checked_before_any_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.csv");
    // A header without the required columns: refused on this machine, exit 2, no server or password needed.
    std::fs::write(&list, "full_name,birth_date\nAn,1960\n").unwrap();
    let out = healthbook(dir.path(), &["--json", "vaccine", "list", "import", list.to_str().unwrap(), "--ward", "26734", "--user", "officer"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let error = json_of(&out.stderr);
    assert_eq!(error["error"]["code"], "unreadable_file");
    assert!(error["error"]["message"].as_str().unwrap().contains("sex (Giới tính)"), "{error}");
    // A ward code that is not 5 digits.
    std::fs::write(&list, "full_name,birth_date,sex,ward_code,phone\nAn,1960,Nam,26734,0912345678\n").unwrap();
    let out = healthbook(dir.path(), &["--json", "vaccine", "list", "import", list.to_str().unwrap(), "--ward", "2673", "--user", "officer"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json_of(&out.stderr)["error"]["code"], "invalid_argument");
    // A reconciliation export without a dose number column.
    let export = dir.path().join("export.csv");
    std::fs::write(&export, "citizen_id,date,product\n123456789,2021-06-01,Pfizer\n").unwrap();
    let out = healthbook(dir.path(), &["--json", "vaccine", "reconcile", export.to_str().unwrap(), "--platform", "VNVC", "--user", "officer"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json_of(&out.stderr)["error"]["code"], "unreadable_file");
}
