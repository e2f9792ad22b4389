//! `healthbook vaccine ...` without a server: what is checked before anything is queued, and what the phone
//! shows from its own store (with a note saying so).

use std::process::{Command, Output};

use serde_json::Value;

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

fn error_code(out: &Output) -> Value {
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    json_of(&out.stderr)["error"]["code"].clone()
}

#[test]
fn vaccine_commands_offline_check_first_and_show_what_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let added = healthbook(dir.path(), &["--json", "profile", "add", "--name", "Nguyễn Thị Lan", "--birth", "1990"]);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let id = json_of(&added.stdout)["id"].as_str().unwrap().to_owned();

    let bad_ward = healthbook(dir.path(), &["--json", "vaccine", "register", "--profile", &id, "--ward", "7901"]);
    assert_eq!(error_code(&bad_ward), "invalid_field");
    assert_eq!(json_of(&bad_ward.stderr)["error"]["field"], "ward");
    let unbound = healthbook(dir.path(), &["--json", "vaccine", "register", "--profile", &id, "--ward", "26734"]);
    assert_eq!(error_code(&unbound), "not_bound");
    assert!(!String::from_utf8_lossy(&unbound.stderr).contains("Lan"), "no name in the error");
    assert_eq!(error_code(&healthbook(dir.path(), &["--json", "vaccine", "register", "--profile", "nobody", "--ward", "26734"])), "not_found");
    // Nothing was queued by the refused commands.
    assert_eq!(json_of(&healthbook(dir.path(), &["--json", "outbox", "list"]).stdout).as_array().map(Vec::len), Some(0));

    let doses = healthbook(dir.path(), &["--json", "vaccine", "doses", "--profile", &id]);
    assert!(doses.status.success(), "{}", String::from_utf8_lossy(&doses.stderr));
    let record = json_of(&doses.stdout);
    assert_eq!((record["profile_name"].as_str(), record["registered"].as_bool()), (Some("Nguyễn Thị Lan"), Some(false)));
    assert_eq!(record["doses"], Value::Array(vec![]));
    assert!(record["note"].as_str().unwrap().contains("kept on this device"));
    let text = healthbook(dir.path(), &["vaccine", "doses", "--profile", &id]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("not registered for vaccination") && text.contains("no doses recorded"), "{text}");

    let invitations = json_of(&healthbook(dir.path(), &["--json", "vaccine", "invitations"]).stdout);
    assert_eq!(invitations["invitations"], Value::Array(vec![]));
    assert_eq!(error_code(&healthbook(dir.path(), &["--json", "vaccine", "confirm", "inv-1"])), "not_found");
    assert_eq!(error_code(&healthbook(dir.path(), &["--json", "vaccine", "decline", "inv-1"])), "not_found");
    assert_eq!(error_code(&healthbook(dir.path(), &["--json", "vaccine", "certificate", "--profile", &id])), "no_certificate");
    assert_eq!(json_of(&healthbook(dir.path(), &["--json", "vaccine", "reminders", "--days", "14"]).stdout), Value::Array(vec![]));
    assert_eq!(healthbook(dir.path(), &["vaccine", "register", "--profile", &id]).status.code(), Some(2), "the ward is required");
}
