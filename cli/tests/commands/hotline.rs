//! `healthbook hotline ...`: the Q&A set fetched from a scripted server (two answers: the set, then 304) and
//! searched offline once it is gone; questions checked before anything is kept, queued without a server, and
//! the typed errors, which never repeat what was typed.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

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

fn ok(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    json_of(&out.stdout)
}

fn error(out: &Output) -> Value {
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    json_of(&out.stderr)["error"].clone()
}

fn qa_set() -> Value {
    let entry = |id: &str, category: &str, q: &str, a: &str, q_en: &str, a_en: &str| {
        json!({ "id": id, "category": category, "question_vi": q, "answer_vi": a, "question_en": q_en, "answer_en": a_en,
                "updated_at": "2021-09-01T00:00:00Z" })
    };
    json!({
        "province": "79", "version": 1, "published_at": "2021-09-01T01:00:00Z",
        "entries": [
            entry("e-declare", "declarations", "Làm sao để khai báo y tế?", "Mở mục Khai báo.", "How do I declare?", "Open Declarations."),
            entry("e-pass", "pass", "Mã QR màu vàng là sao?", "Hãy khai báo y tế lại.", "", ""),
        ],
    })
}

/// Answers `answers` connections, one HTTP request each (the set, then whatever follows), and records each
/// request line; then stops listening.
fn scripted_server(answers: Vec<(u16, Value)>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for (status, body) in answers {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = Vec::new();
            let mut buffer = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = stream.read(&mut buffer).unwrap();
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buffer[..n]);
            }
            let text = String::from_utf8_lossy(&request).into_owned();
            log.lock().unwrap().push(text.lines().next().unwrap_or_default().to_owned());
            assert!(!text.to_ascii_lowercase().contains("authorization:"), "the public set is read without an account");
            let body = if status == 304 { String::new() } else { body.to_string() };
            let reason = if status == 304 { "Not Modified" } else { "OK" };
            let head = format!("HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len());
            stream.write_all(head.as_bytes()).unwrap();
            stream.write_all(body.as_bytes()).unwrap();
        }
    });
    (url, seen)
}

#[test]
fn the_qa_set_is_fetched_then_searched_offline() {
    let dir = tempfile::tempdir().unwrap();
    let (url, seen) = scripted_server(vec![(200, qa_set()), (304, Value::Null)]);

    let refreshed = ok(&healthbook(dir.path(), &["--server", &url, "--json", "hotline", "qa", "refresh", "--province", "79"]));
    assert_eq!((refreshed["set"]["version"].as_u64(), refreshed["set"]["entry_count"].as_u64()), (Some(1), Some(2)));
    assert_eq!(refreshed["note"], Value::Null);
    let again = ok(&healthbook(dir.path(), &["--json", "hotline", "qa", "refresh", "--province", "79"]));
    assert_eq!(again["set"]["version"].as_u64(), Some(1), "304: the kept set stands");
    assert_eq!(*seen.lock().unwrap(), ["GET /v1/hotline/qa/79 HTTP/1.1", "GET /v1/hotline/qa/79?since_version=1 HTTP/1.1"]);

    // The server is gone now: the kept set answers.
    let offline = ok(&healthbook(dir.path(), &["--json", "hotline", "qa", "refresh", "--province", "79"]));
    assert_eq!(offline["set"]["version"].as_u64(), Some(1));
    assert!(offline["note"].as_str().unwrap().contains("kept on this device"));
    let found = ok(&healthbook(dir.path(), &["--json", "hotline", "search", "KHAI BAO"]));
    let ids: Vec<&str> = found["entries"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["e-declare", "e-pass"], "question hits before answer-only hits");
    let pass_only = ok(&healthbook(dir.path(), &["--json", "hotline", "search", "khai bao", "--category", "pass"]));
    assert_eq!(pass_only["entries"].as_array().unwrap().len(), 1);
    let everything = ok(&healthbook(dir.path(), &["--json", "hotline", "search"]));
    assert_eq!(everything["entries"].as_array().unwrap().len(), 2);
    let text = healthbook(dir.path(), &["hotline", "search", "mã qr vàng"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("[pass] Mã QR màu vàng là sao?"));
    let none = healthbook(dir.path(), &["hotline", "search", "visa"]);
    assert!(String::from_utf8_lossy(&none.stdout).contains("nothing found"));
    assert_eq!(healthbook(dir.path(), &["hotline", "search", "x", "--category", "food"]).status.code(), Some(2));
    let info = ok(&healthbook(dir.path(), &["--json", "hotline", "qa", "info"]));
    assert_eq!(info["set"]["province"], "79");
}

#[test]
fn questions_are_checked_then_queued_without_a_server() {
    let dir = tempfile::tempdir().unwrap();
    let nothing = ok(&healthbook(dir.path(), &["--json", "hotline", "search", "khai bao"]));
    assert_eq!((nothing["entries"].as_array().map(Vec::len), nothing["set"].clone()), (Some(0), Value::Null));
    assert!(nothing["note"].as_str().unwrap().contains("hotline qa refresh"));
    let unknown = error(&healthbook(dir.path(), &["--json", "hotline", "qa", "refresh", "--province", "7"]));
    assert_eq!((unknown["code"].as_str(), unknown["field"].as_str()), (Some("invalid_field"), Some("province")));

    let ask = |extra: &[&str], text: &str| {
        let mut args = vec!["--json", "hotline", "ask", "--kind", "report", "--category", "check-in", "--province", "79"];
        args.extend_from_slice(extra);
        args.push(text);
        healthbook(dir.path(), &args)
    };
    let bad_ward = error(&ask(&["--ward", "2673"], "Quán không quét được"));
    assert_eq!(bad_ward["field"], "ward");
    assert!(!bad_ward["message"].as_str().unwrap().contains("2673"), "the ward is not echoed");
    let bad_phone = error(&ask(&["--phone", "0281234567"], "Gọi lại cho tôi"));
    assert_eq!(bad_phone["field"], "phone");
    assert!(!bad_phone["message"].as_str().unwrap().contains("0281234567"), "the number is not echoed");
    assert_eq!(error(&ask(&[], "   "))["field"], "text");
    assert_eq!(error(&ask(&["--language", "fr"], "Bonjour"))["field"], "language");
    assert_eq!(error(&ask(&["--venue", "quán phở"], "x"))["field"], "venue");
    let unknown_kind = healthbook(dir.path(), &["hotline", "ask", "--kind", "maybe", "--category", "app", "--province", "79", "x"]);
    assert_eq!(unknown_kind.status.code(), Some(2), "an unknown kind is a usage error");
    assert_eq!(json_of(&healthbook(dir.path(), &["--json", "outbox", "list"]).stdout).as_array().map(Vec::len), Some(0), "nothing queued yet");

    let asked = ok(&ask(&["--ward", "26734", "--venue", "venue-7", "--phone", "0912 345 678"], "Quán cà phê hẻm 12 không quét được mã"));
    assert_eq!((asked["state"].as_str(), asked["kind"].as_str(), asked["category"].as_str()), (Some("sending"), Some("report"), Some("check_in")));
    assert_eq!(json_of(&healthbook(dir.path(), &["--json", "outbox", "list"]).stdout).as_array().map(Vec::len), Some(1));
    let listed = ok(&healthbook(dir.path(), &["--json", "hotline", "questions", "--refresh"]));
    assert_eq!(listed["questions"][0]["id"], asked["id"]);
    assert!(listed["note"].as_str().unwrap().contains("kept on this device"));
    let text = healthbook(dir.path(), &["hotline", "questions"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("SENDING"));
}
