//! The `healthbook` CLI as a child process, for acceptance items that name a CLI command.
//!
//! The binary belongs to another package, so Cargo gives these tests no path to it. `cargo test --workspace` (what
//! `scripts/test.sh` runs) builds it before any test starts, beside the test binaries; a run of this package
//! alone builds it here when it is missing or older than the sources it is made of.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::SystemTime;

/// Path of a fresh `healthbook` binary.
pub fn healthbook_cli() -> PathBuf {
    static CLI: OnceLock<PathBuf> = OnceLock::new();
    CLI.get_or_init(|| {
        let exe = std::env::current_exe().expect("test binary path");
        // target/<profile>/deps/<test> → target/<profile>/healthbook
        let dir = exe.parent().and_then(Path::parent).expect("target directory");
        let cli = dir.join(format!("healthbook{}", std::env::consts::EXE_SUFFIX));
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf();
        let built = std::fs::metadata(&cli).and_then(|m| m.modified()).ok();
        let newest_source = ["cli/src", "core/src", "protocol/src"].iter().filter_map(|d| newest(&root.join(d))).max();
        if built.is_none() || newest_source.is_some_and(|source| Some(source) > built) {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(cargo)
                .args(["build", "-q", "-p", "healthbook-cli", "--bin", "healthbook"])
                .current_dir(&root)
                .status()
                .expect("run cargo build for the CLI");
            assert!(status.success(), "building the healthbook CLI failed");
        }
        assert!(cli.exists(), "no CLI binary at {}", cli.display());
        cli
    })
    .clone()
}

/// The newest modification time of any file under `dir`.
fn newest(dir: &Path) -> Option<SystemTime> {
    let mut found = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let time = if path.is_dir() { newest(&path) } else { entry.metadata().and_then(|m| m.modified()).ok() };
        found = found.max(time);
    }
    found
}
