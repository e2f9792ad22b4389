//! `healthbook doctor` as a volunteer runs it on a laptop: every step with its state, JSON for scripts, and the
//! exit code telling whether anything needs fixing.

use std::io::{Read, Write};
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

/// A server on loopback whose `/healthz` answers OK, for as many connections as come.
fn healthy_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut socket in listener.incoming().flatten() {
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request);
            let body = r#"{"status":"ok","database":"sqlite"}"#;
            let head = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len());
            let _ = socket.write_all(head.as_bytes());
            let _ = socket.write_all(body.as_bytes());
        }
    });
    format!("http://{addr}")
}

fn state_of(report: &Value, id: &str) -> String {
    let step = report["steps"].as_array().unwrap().iter().find(|s| s["id"] == id).unwrap_or_else(|| panic!("no step {id}"));
    step["state"].as_str().unwrap().to_owned()
}

#[test]
fn a_new_installation_lists_every_step_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = healthbook(dir.path(), &["--json", "doctor", "--lang", "en"]);
    assert_eq!(out.status.code(), Some(1), "no server and no profile are problems");
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = json_of(&out.stdout);
    assert_eq!(report["language"], "en");
    let ids: Vec<&str> = report["steps"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["camera", "notifications", "location", "server", "trust_list", "profiles_bound", "pass_fresh", "outbox_empty"]);
    for id in ["camera", "notifications", "location"] {
        assert_eq!(state_of(&report, id), "not_checked", "a laptop can't tell {id}");
    }
    assert_eq!(state_of(&report, "server"), "problem");
    assert_eq!(state_of(&report, "trust_list"), "problem");
    assert_eq!(state_of(&report, "profiles_bound"), "problem");
    assert_eq!(state_of(&report, "pass_fresh"), "not_checked");
    assert_eq!(state_of(&report, "outbox_empty"), "ok");
    let server = &report["steps"][3];
    assert_eq!(server["detail"], "No server address is set.");
    assert!(!server["action"].as_str().unwrap().is_empty());
}

#[test]
fn text_output_is_vietnamese_by_default_and_the_server_step_reaches_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let url = healthy_server();
    let out = healthbook(dir.path(), &["--server", &url, "doctor"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("[OK] Kết nối máy chủ: Máy chủ trả lời bình thường."), "{text}");
    assert!(text.contains("[CHƯA KIỂM TRA] Máy ảnh"), "{text}");
    assert!(text.contains("[CẦN SỬA] Danh sách tin cậy"), "{text}");
    assert!(text.contains("    -> "), "what to do is printed under a problem: {text}");
    let report = json_of(&healthbook(dir.path(), &["--json", "doctor"]).stdout);
    assert_eq!(report["language"], "vi");
    assert_eq!(state_of(&report, "server"), "ok", "the saved server is used again");
}
