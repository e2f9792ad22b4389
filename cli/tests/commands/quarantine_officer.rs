//! `healthbook quarantine ...` (the health officer's commands) as a script runs them: what is refused before any
//! sign-in or network, with its code and exit status.

use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn healthbook(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_healthbook"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("HEALTHBOOK_DATA_KEY")
        .env_remove("HEALTHBOOK_SERVER")
        .env_remove("HEALTHBOOK_PASSWORD")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

fn error(out: &Output) -> (String, String) {
    let value: Value = serde_json::from_slice(&out.stderr).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (value["error"]["code"].as_str().unwrap_or_default().to_owned(), value["error"]["message"].as_str().unwrap_or_default().to_owned())
}

#[test]
fn mistakes_are_refused_before_signing_in_and_a_failed_token_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let order = |ward: &str, radius: &str| {
        healthbook(
            dir.path(),
            &[
                "--json", "quarantine", "order", "create", "--person", "p-1", "--address", "12 Lê Lợi", "--ward", ward, "--lat", "10.77",
                "--lon", "106.70", "--radius", radius, "--start", "2021-09-01", "--days", "14", "--window", "08:00-09:00", "--grace", "15",
                "--extension-days", "7", "--max-extensions", "2", "--user", "officer",
            ],
        )
    };
    let bad_ward = order("2673", "100");
    assert_eq!(bad_ward.status.code(), Some(1));
    assert_eq!(error(&bad_ward), ("invalid".to_owned(), "invalid: the ward code must be 5 digits".to_owned()));
    let bad_radius = order("26734", "5000");
    assert_eq!(error(&bad_radius).1, "invalid: the radius must be 20 to 1,000 metres");
    // A well-formed order gets as far as the password, which is never taken from the command line.
    let good = order("26734", "100");
    assert_eq!((good.status.code(), error(&good).0.as_str()), (Some(2), "password_required"));

    let note = healthbook(dir.path(), &["--json", "quarantine", "decide", "k-1", "--outcome", "warning", "--note", " ", "--user", "o"]);
    assert_eq!((note.status.code(), error(&note).0.as_str()), (Some(1), "invalid"));

    let sticker = dir.path().join("sticker.pdf");
    let token = healthbook(dir.path(), &["--json", "quarantine", "token", "o-1", "--pdf", sticker.to_str().unwrap(), "--user", "o"]);
    assert_eq!(error(&token).0, "password_required");
    assert!(!sticker.exists(), "no empty sticker is left behind");
    let nowhere = dir.path().join("missing").join("sticker.pdf");
    let token = healthbook(dir.path(), &["--json", "quarantine", "token", "o-1", "--pdf", nowhere.to_str().unwrap(), "--user", "o"]);
    assert_eq!(error(&token).0, "write_failed", "an unwritable path fails before a new token replaces the sticker");
}
