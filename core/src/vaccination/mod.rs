//! Vaccination (issue 12): communes' lists and reconciliation with other platforms (pure, shared with the server).
pub mod list;
#[cfg(feature = "phone")]
pub mod officer_lists;
pub mod reconcile;
