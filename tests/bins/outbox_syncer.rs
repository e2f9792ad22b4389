//! Child process for the sync crash test: syncs the outbox of a data directory until it is empty.
//!
//! Usage: `outbox-syncer DATA_DIR KEY_FILE`. The server URL is in the data directory's settings.

use std::sync::Arc;

use healthbook_core::{Healthbook, HealthbookConfig};
use healthbook_e2e::KeyFile;

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
