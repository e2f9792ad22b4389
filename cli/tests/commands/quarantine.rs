//! `healthbook quarantine ...` without a server: what is checked before any sensor value or request is kept, the
//! typed errors (with no token or identifier in them), and the status the device shows from its own store.

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

fn error(out: &Output) -> Value {
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    json_of(&out.stderr)["error"].clone()
}

const TOKEN: &str = "HQ1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

#[test]
fn quarantine_commands_check_first_and_show_what_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let wifi = dir.path().join("wifi.txt");
    std::fs::write(&wifi, "# seen at home\n3C:84:6A:11:22:33\n\n3c:84:6a:11:22:34\n").unwrap();
    let wifi = wifi.to_str().unwrap();

    let status = healthbook(dir.path(), &["--json", "quarantine", "status"]);
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let status = json_of(&status.stdout);
    assert_eq!(status["orders"], Value::Array(vec![]));
    assert!(status["note"].as_str().unwrap().contains("kept on this device"));
    let text = healthbook(dir.path(), &["quarantine", "status"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("no home-quarantine order"));
    assert_eq!(error(&healthbook(dir.path(), &["--json", "quarantine", "status", "--order", "o-1"]))["code"], "not_found");

    let checkin = |extra: &[&str]| {
        let mut args = vec!["--json", "quarantine", "checkin", "--order", "o-1", "--lat", "10.7769", "--lon", "106.7009", "--accuracy", "12"];
        args.extend_from_slice(extra);
        healthbook(dir.path(), &args)
    };
    let bad_token = error(&checkin(&["--token", "HQ1:not-a-token", "--wifi", wifi]));
    assert_eq!((bad_token["code"].as_str(), bad_token["field"].as_str()), (Some("invalid_field"), Some("token")));
    assert!(!bad_token["message"].as_str().unwrap().contains("not-a-token"), "the scanned text is not echoed");
    let unknown = error(&checkin(&["--token", TOKEN, "--source", "fused", "--mock", "--wifi", wifi]));
    assert_eq!(unknown["code"], "not_found");
    assert!(!unknown["message"].as_str().unwrap().contains(TOKEN));
    let missing_file = error(&checkin(&["--wifi", "/nonexistent/wifi.txt"]));
    assert_eq!((missing_file["code"].as_str(), missing_file["field"].as_str()), (Some("invalid_field"), Some("wifi")));
    assert_eq!(checkin(&["--source", "satellite"]).status.code(), Some(2), "an unknown source is a usage error");
    assert_eq!(healthbook(dir.path(), &["quarantine", "checkin", "--order", "o-1", "--lat", "10.7"]).status.code(), Some(2), "lon and accuracy are required");
    // A southern, western fix parses (negative numbers are values, not flags).
    let south_west = ["--json", "quarantine", "checkin", "--order", "o-1", "--lat", "-33.45", "--lon", "-70.66", "--accuracy", "30"];
    assert_eq!(error(&healthbook(dir.path(), &south_west))["code"], "not_found");

    assert_eq!(error(&healthbook(dir.path(), &["--json", "quarantine", "enrol", "--order", "o-1", "--token", "QR?"]))["field"], "token");
    assert_eq!(error(&healthbook(dir.path(), &["--json", "quarantine", "enrol", "--order", "o-1", "--token", TOKEN, "--wifi", wifi]))["code"], "not_found");
    assert_eq!(error(&healthbook(dir.path(), &["--json", "quarantine", "sign", "--order", "o-1", "--version", "1"]))["code"], "not_found");
    assert_eq!(error(&healthbook(dir.path(), &["--json", "quarantine", "commitment", "--order", "o-1"]))["code"], "not_found");
    let no_words = error(&healthbook(dir.path(), &["--json", "quarantine", "explain", "--case", "c-1", "--reason", "other"]));
    assert_eq!((no_words["code"].as_str(), no_words["field"].as_str()), (Some("invalid_field"), Some("text")));
    assert_eq!(error(&healthbook(dir.path(), &["--json", "quarantine", "explain", "--case", "c-1", "--reason", "battery-died"]))["code"], "not_found");
    assert_eq!(healthbook(dir.path(), &["quarantine", "explain", "--case", "c-1", "--reason", "bored"]).status.code(), Some(2));
    // Nothing was queued by the refused commands.
    assert_eq!(json_of(&healthbook(dir.path(), &["--json", "outbox", "list"]).stdout).as_array().map(Vec::len), Some(0));
}
