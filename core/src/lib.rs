//! Healthbook core: domain logic, storage, sync and crypto shared by the Android, iOS and terminal front ends.
//!
//! The crate knows nothing of FFI; `healthbook-ffi` wraps it. See `core/README.md` for a map of the modules.

pub mod admin_units;
pub mod clock;
pub mod credentials;
pub mod declarations;
pub mod keystore;
pub mod outbox;
pub mod passes;
pub mod persons;
pub mod profiles;
pub mod sealing;
pub mod session;
pub mod settings;
pub mod storage;
pub mod client;
pub mod trust;

mod healthbook;

pub use clock::{Clock, ManualClock, SystemClock};
pub use healthbook::{Healthbook, HealthbookConfig, OpenError};
pub use keystore::{KeyStoreError, PlatformKeyStore};
