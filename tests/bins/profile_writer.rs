//! Child process for the crash test: rewrites one profile in a loop and reports each commit on stdout.
//!
//! Usage: `profile-writer DATA_DIR KEY_FILE`. Iteration `i` stores street `Số {i}` and a phone ending in `i`,
//! so a reader can tell a whole write (both fields agree) from a torn one.

use std::io::Write;
use std::sync::Arc;

use healthbook_core::profiles::{Address, BirthDate, ProfileInput, ProfileRelation};
use healthbook_core::{Healthbook, HealthbookConfig};
use healthbook_e2e::KeyFile;

fn input(i: u64) -> ProfileInput {
    ProfileInput {
        relation: ProfileRelation::Myself,
        full_name: "Người Thử Nghiệm".into(),
        birth: BirthDate { year: 1985, month: None, day: None },
        phone: Some(format!("091{:07}", i % 10_000_000)),
        citizen_id: None,
        address: Some(Address { province_code: "01".into(), ward_code: None, street: Some(format!("Số {i}")) }),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(key)) = (args.next(), args.next()) else {
        eprintln!("usage: profile-writer DATA_DIR KEY_FILE");
        std::process::exit(2);
    };
    let healthbook = Healthbook::open(HealthbookConfig::new(dir, Arc::new(KeyFile(key.into())))).expect("open");
    let profiles = healthbook.profiles();
    let existing = profiles.list().await.expect("list");
    let (id, start) = match existing.first() {
        Some(p) => {
            let street = p.details.address.as_ref().and_then(|a| a.street.clone()).unwrap_or_default();
            (p.id.clone(), street.trim_start_matches("Số ").parse::<u64>().expect("street") + 1)
        }
        None => (profiles.add(input(0)).await.expect("add").id, 1),
    };
    let mut stdout = std::io::stdout();
    for i in start.. {
        profiles.update(&id, input(i)).await.expect("update");
        // Printed only after the commit returned: the parent may rely on `i` being durable.
        writeln!(stdout, "{i}").expect("stdout");
        stdout.flush().expect("flush");
    }
}
