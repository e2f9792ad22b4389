//! Child process for the sync crash test: syncs the outbox of a data directory until it is empty.
//!
//! Usage: `outbox-syncer DATA_DIR KEY_FILE`. The server URL is in the data directory's settings.

use std::sync::Arc;

use healthbook_core::{Healthbook, HealthbookConfig, KeyStoreError, PlatformKeyStore};

struct KeyFile(std::path::PathBuf);

impl PlatformKeyStore for KeyFile {
    fn load_key(&self, _: &str) -> Result<Option<Vec<u8>>, KeyStoreError> {
        std::fs::read(&self.0).map(Some).map_err(|e| KeyStoreError::Unavailable(e.to_string()))
    }
    fn store_key(&self, _: &str, _: &[u8]) -> Result<(), KeyStoreError> {
        Err(KeyStoreError::Unavailable("the test provides the key".into()))
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(key)) = (args.next(), args.next()) else {
        eprintln!("usage: outbox-syncer DATA_DIR KEY_FILE");
        std::process::exit(2);
    };
    let healthbook = Healthbook::open(HealthbookConfig::new(dir, Arc::new(KeyFile(key.into())))).expect("open");
    loop {
        let report = healthbook.sync_now(None).await.expect("sync");
        println!("delivered {} pending {}", report.delivered, report.pending);
        if report.pending == 0 {
            break;
        }
        assert!(!report.server_unreachable, "server unreachable");
    }
}
