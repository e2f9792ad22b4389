//! Child process for the sync crash test: syncs the outbox of a data directory until it is empty.
//!
//! Usage: `outbox-syncer DATA_DIR KEY_FILE`. The server URL is in the data directory's settings. Prints
//! `item ID` as each item is delivered, so that the test can aim its kills at the delivery stream rather than at
//! start-up.

use std::io::Write;
use std::sync::Arc;

use healthbook_core::outbox::{SyncEvent, SyncListener};
use healthbook_core::{Healthbook, HealthbookConfig};
use healthbook_e2e::KeyFile;

/// Reports each delivery on stdout as it happens.
struct PrintDeliveries;

impl SyncListener for PrintDeliveries {
    fn on_event(&self, event: SyncEvent) {
        if let SyncEvent::Delivered { item_id, .. } = event {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "item {item_id}");
            let _ = out.flush();
        }
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
        let report = healthbook.outbox().sync_now(Some(&PrintDeliveries)).await.expect("sync");
        println!("delivered {} pending {}", report.delivered, report.pending);
        if report.pending == 0 {
            break;
        }
        assert!(!report.server_unreachable, "server unreachable");
    }
}
