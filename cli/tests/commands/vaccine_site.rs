//! `healthbook vaccine ...` (site and officer commands) as a script runs them: what is refused before any
//! sign-in or network, with its code and exit status.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn healthbook(dir: &std::path::Path, args: &[&str], stdin: &str, password: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_healthbook"));
    command
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("HEALTHBOOK_DATA_KEY")
        .env_remove("HEALTHBOOK_SERVER")
        .env_remove("HEALTHBOOK_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(password) = password {
        command.env("HEALTHBOOK_PASSWORD", password);
    }
    let mut child = command.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn error_code(out: &Output) -> String {
    let value: Value = serde_json::from_slice(&out.stderr).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    value["error"]["code"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn a_scan_that_is_not_a_pass_or_card_is_refused_before_signing_in() {
    let dir = tempfile::tempdir().unwrap();
    let poster = healthbook(dir.path(), &["--json", "vaccine", "lookup", "s-1", "-", "--user", "officer"], "HP1:ABC\n", None);
    assert_eq!(poster.status.code(), Some(1));
    assert_eq!(error_code(&poster), "invalid_scan");
    let empty = healthbook(dir.path(), &["--json", "vaccine", "lookup", "s-1", "-", "--user", "officer"], "", None);
    assert_eq!(error_code(&empty), "invalid_scan");
}

#[test]
fn staff_commands_need_the_password_in_the_environment_and_a_server() {
    let dir = tempfile::tempdir().unwrap();
    let no_password = healthbook(dir.path(), &["--json", "vaccine", "site", "list", "--user", "officer"], "", None);
    assert_eq!(no_password.status.code(), Some(2));
    assert_eq!(error_code(&no_password), "password_required");
    let no_server = healthbook(dir.path(), &["--json", "vaccine", "stock", "s-1", "--user", "officer"], "", Some("pw"));
    assert_eq!(no_server.status.code(), Some(1));
    assert_eq!(error_code(&no_server), "no_server");
    let usage = healthbook(dir.path(), &["vaccine", "deliver", "s-1", "--product", "pfizer", "--lot", "L", "--doses", "5", "--user", "o"], "", None);
    assert_eq!(usage.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&usage.stderr).contains("comirnaty"));
}
