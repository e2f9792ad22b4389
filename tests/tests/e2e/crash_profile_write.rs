//! Killing the process in the middle of profile writes leaves a readable database holding either the old or
//! the new profile, never a torn one, and never loses a write that was reported as committed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use healthbook_core::{Healthbook, HealthbookConfig};
use healthbook_e2e::KeyFile;
use rand::Rng;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_writer_never_tears_or_loses_a_profile() {
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("data.key");
    std::fs::write(&key_path, healthbook_core::sealing::Sealer::generate_key().unwrap()).unwrap();
    let data_dir = dir.path().join("data");
    let mut rng = rand::thread_rng();
    let mut last_acknowledged = 0u64;
    let mut kills = 0;

    for round in 0..25 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_profile-writer"))
            .arg(&data_dir)
            .arg(&key_path)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout).lines().map_while(Result::ok).filter_map(|l| l.parse::<u64>().ok()).max()
        });
        std::thread::sleep(Duration::from_millis(rng.gen_range(20..150)));
        child.kill().unwrap();
        child.wait().unwrap();
        if let Some(acknowledged) = reader.join().unwrap() {
            last_acknowledged = last_acknowledged.max(acknowledged);
        }
        kills += 1;

        let healthbook = Healthbook::open(HealthbookConfig::new(&data_dir, Arc::new(KeyFile(key_path.clone()))))
            .unwrap_or_else(|e| panic!("round {round}: database unreadable after kill: {e}"));
        let list = healthbook.profiles().list().await.unwrap();
        if list.is_empty() {
            assert_eq!(last_acknowledged, 0, "round {round}: committed profile lost");
            continue;
        }
        assert_eq!(list.len(), 1, "round {round}");
        let details = &list[0].details;
        let street: u64 = details.address.as_ref().unwrap().street.as_deref().unwrap().trim_start_matches("Số ").parse().unwrap();
        let phone_tail: u64 = details.phone.as_deref().unwrap()[5..].parse().unwrap();
        assert_eq!(street % 10_000_000, phone_tail, "round {round}: torn profile");
        assert!(street >= last_acknowledged, "round {round}: acknowledged write {last_acknowledged} lost, found {street}");
        assert!(street <= last_acknowledged + 1, "round {round}: found {street} beyond the last write begun");
        let conn_check = rusqlite_integrity(&data_dir);
        assert_eq!(conn_check, "ok", "round {round}");
        last_acknowledged = street;
    }
    assert!(kills >= 20);
    assert!(last_acknowledged > 0, "the writer never committed anything; the test proved nothing");
    println!("crash test: {kills} kills, last committed write {last_acknowledged}");
}

fn rusqlite_integrity(data_dir: &std::path::Path) -> String {
    let output = healthbook_core::storage::Database::open(&data_dir.join("healthbook.sqlite3")).unwrap();
    output.lock().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap()
}
