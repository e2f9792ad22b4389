//! The `healthbook-server` binary: `admin` subcommands on a fresh data directory, then `serve` with a health
//! check and a graceful stop on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_healthbook-server");

fn admin(data_dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    run(data_dir, &["admin"], args, &[])
}

/// Runs the binary on `data_dir` with `command` and `args`, with only the KEK settings of `env` (if any).
fn run(data_dir: &std::path::Path, command: &[&str], args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let output = Command::new(BIN)
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--pbkdf2-iterations", "1000"])
        .args(command)
        .args(args)
        .env_remove("HEALTHBOOK_DATABASE")
        .env_remove("HEALTHBOOK_KEK")
        .env_remove("HEALTHBOOK_KEK_FILE")
        .envs(env.iter().copied())
        .output()
        .expect("run healthbook-server");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn admin_commands_bootstrap_a_fresh_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out, err) = admin(dir.path(), &["init", "--password", "first-admin-password"]);
    assert!(ok, "{err}");
    let root = out.lines().find_map(|l| l.strip_prefix("root public key (pin this in the apps): ")).unwrap();
    healthbook_core::trust::VerifyingKey::from_spki_base64(root).expect("a P-256 SPKI key");

    let (ok, _, err) = admin(dir.path(), &["init", "--password", "first-admin-password"]);
    assert!(!ok);
    assert!(err.contains("already initialised"), "{err}");

    let (ok, printed, _) = admin(dir.path(), &["root-key"]);
    assert!(ok);
    assert_eq!(printed.trim(), root);

    let (ok, agency, err) = admin(dir.path(), &["create-agency", "--name", "Chợ Lớn"]);
    assert!(ok, "{err}");
    let agency = agency.trim();
    let (ok, out, err) =
        admin(dir.path(), &["create-account", "--role", "gate_operator", "--username", "gate-1", "--agency", agency]);
    assert!(ok, "{err}");
    assert!(out.contains("password (shown once): "), "a password is generated when none is given: {out}");
    let (ok, _, err) = admin(dir.path(), &["create-account", "--role", "emperor", "--username", "x-user"]);
    assert!(!ok);
    assert!(err.contains("unknown role"), "{err}");
    let (ok, _, err) = admin(dir.path(), &["create-account", "--role", "gate_operator", "--username", "gate-2"]);
    assert!(!ok);
    assert!(err.contains("needs an agency_id"), "{err}");
}

#[cfg(unix)]
#[test]
fn keys_are_sealed_with_a_generated_kek_and_a_wrong_kek_stops_the_server() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (ok, _, err) = admin(&data, &["init", "--password", "first-admin-password"]);
    assert!(ok, "{err}");
    assert!(err.contains("generated one"), "the generated KEK is announced: {err}");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let kek_file = data.join("kek");
    assert_eq!((mode(&data), mode(&kek_file), mode(&data.join("healthbook.db"))), (0o700, 0o600, 0o600));
    let kek = std::fs::read(&kek_file).unwrap();

    // Another KEK, by environment or by file, stops both the admin commands and the server.
    let other = "CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=";
    let (ok, _, err) = run(&data, &["admin", "root-key"], &[], &[("HEALTHBOOK_KEK", other)]);
    assert!(!ok);
    assert!(err.contains("does not open"), "{err}");
    let (ok, _, err) = run(&data, &["--listen", "127.0.0.1:0", "serve"], &[], &[("HEALTHBOOK_KEK", other)]);
    assert!(!ok, "served with the wrong KEK");
    assert!(err.contains("does not open"), "{err}");
    let other_file = dir.path().join("other-kek");
    std::fs::write(&other_file, other).unwrap();
    let (ok, _, err) = run(&data, &["--kek-file", other_file.to_str().unwrap(), "admin", "root-key"], &[], &[]);
    assert!(!ok && err.contains("does not open"), "{err}");
    // The KEK file lost: refused, and no new KEK replaces it.
    std::fs::remove_file(&kek_file).unwrap();
    let (ok, _, err) = admin(&data, &["root-key"]);
    assert!(!ok && err.contains("does not exist"), "{err}");
    assert!(!kek_file.exists());
    // The right KEK from elsewhere works.
    let kept = dir.path().join("kept-kek");
    std::fs::write(&kept, &kek).unwrap();
    let kept_flag = ["--kek-file", kept.to_str().unwrap()];
    let (ok, _, err) = run(&data, &kept_flag, &["admin", "root-key"], &[]);
    assert!(ok, "{err}");
    let (ok, _, err) = run(&data, &["admin", "root-key"], &[], &[("HEALTHBOOK_KEK", String::from_utf8_lossy(&kek).trim())]);
    assert!(ok, "{err}");

    // Rotation and the offline authority key, with the KEK.
    let (ok, out, err) = run(&data, &kept_flag, &["admin", "rotate-service-key", "passes"], &[]);
    assert!(ok, "{err}");
    assert!(out.contains("passes: signing with") && out.contains("stays in the trust list until"), "{out}");
    let (ok, _, _) = run(&data, &kept_flag, &["admin", "rotate-service-key", "root"], &[]);
    assert!(!ok, "the root key is not a service key");
    let (key, _) = healthbook_core::trust::SigningKey::generate().unwrap();
    let spki = key.verifying_key().spki_base64();
    let (ok, out, err) =
        run(&data, &kept_flag, &["admin", "add-authority-key", "--public-key", &spki, "--name", "second"], &[]);
    assert!(ok, "{err}");
    assert!(out.contains(key.kid()), "{out}");

    // Officers get an area.
    let (ok, _, err) = run(&data, &kept_flag, &["admin", "create-account", "--role", "health_officer", "--username", "o-1"], &[]);
    assert!(!ok && err.contains("needs an area"), "{err}");
    let args = ["admin", "create-account", "--role", "health_officer", "--username", "o-1", "--province", "01", "--wards", "00001,00004"];
    let (ok, _, err) = run(&data, &kept_flag, &args, &[]);
    assert!(ok, "{err}");
}

#[tokio::test]
async fn serve_answers_health_checks_and_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--listen", "127.0.0.1:0", "--log-format", "json", "serve"])
        .env_remove("HEALTHBOOK_DATABASE")
        .env_remove("HEALTHBOOK_KEK")
        .env_remove("HEALTHBOOK_KEK_FILE")
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn server");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("server log line").unwrap();
        let entry: serde_json::Value = serde_json::from_str(&line).expect("JSON log line");
        if entry["message"] == "listening" {
            break entry["addr"].as_str().unwrap().to_owned();
        }
    };
    let health: serde_json::Value =
        reqwest::get(format!("http://{addr}/healthz")).await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    let not_ready = reqwest::get(format!("http://{addr}/v1/trust-list")).await.unwrap();
    assert_eq!(not_ready.status().as_u16(), 503, "trust list before `admin init`");

    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(std::time::Instant::now() < deadline, "server did not stop");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "{exit:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.contains("SIGTERM received")), "{rest:?}");
}

#[test]
fn an_sms_gateway_without_a_key_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--listen", "127.0.0.1:0", "--sms-gateway-url", "https://sms.example/send", "serve"])
        .env_remove("HEALTHBOOK_DATABASE")
        .env_remove("HEALTHBOOK_KEK")
        .env_remove("HEALTHBOOK_KEK_FILE")
        .env_remove("HEALTHBOOK_SMS_GATEWAY_KEY")
        .env_remove("HEALTHBOOK_SMS_GATEWAY_KEY_FILE")
        .output()
        .expect("run healthbook-server");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--sms-gateway-key-file"), "{stderr}");
    // With an empty key file it is refused too, and the key never appears in the error.
    let key_file = dir.path().join("sms-key");
    std::fs::write(&key_file, "  \n").unwrap();
    let output = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--listen", "127.0.0.1:0", "--sms-gateway-url", "https://sms.example/send", "--sms-gateway-key-file"])
        .arg(&key_file)
        .arg("serve")
        .env_remove("HEALTHBOOK_DATABASE")
        .env_remove("HEALTHBOOK_KEK")
        .env_remove("HEALTHBOOK_KEK_FILE")
        .output()
        .expect("run healthbook-server");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("key is empty"));
}
