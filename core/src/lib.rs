//! Healthbook core: domain logic, storage, sync and crypto shared by the Android, iOS and terminal front ends.
//!
//! The crate knows nothing of FFI; `healthbook-ffi` wraps it. See `core/README.md` for a map of the modules.

pub mod admin_units;
pub mod agency;
#[cfg(feature = "phone")]
pub mod checkin;
pub mod clock;
pub mod credentials;
pub mod declarations;
#[cfg(feature = "phone")]
pub mod gate;
#[cfg(feature = "phone")]
pub mod hotline;
#[cfg(feature = "phone")]
pub mod keystore;
#[cfg(feature = "phone")]
pub mod outbox;
#[cfg(feature = "phone")]
pub mod passes;
#[cfg(feature = "phone")]
pub mod persons;
pub mod profiles;
#[cfg(feature = "phone")]
pub mod quarantine;
pub mod results;
#[cfg(feature = "phone")]
pub mod sealing;
#[cfg(feature = "phone")]
pub mod session;
#[cfg(feature = "phone")]
pub mod settings;
#[cfg(feature = "phone")]
pub mod setup;
#[cfg(feature = "phone")]
pub mod storage;
#[cfg(feature = "phone")]
pub mod client;
pub mod tabular;
pub mod trust;
pub mod vaccination;
#[cfg(feature = "phone")]
pub mod volunteers;

#[cfg(feature = "phone")]
mod healthbook;

pub use clock::{Clock, ManualClock, SystemClock};
#[cfg(feature = "phone")]
pub use healthbook::{Healthbook, HealthbookConfig, OpenError};
#[cfg(feature = "phone")]
pub use keystore::{KeyStoreError, PlatformKeyStore};
