//! The agency admin's side of issue 9: the agency's signing key (generated and kept on the admin's machine),
//! staff rosters read from CSV or XLSX and validated row by row, and staff cards (`HS1:`) signed with the
//! agency key. The server calls live in [`client`] (phone feature); everything else has no storage or HTTP, so
//! that tests and tools use it as is.

#[cfg(feature = "phone")]
pub mod client;
pub mod cards;
pub mod error;
pub mod key;
pub mod roster;

pub use cards::{CardIssuer, SignedCard, CARD_VALIDITY_DAYS};
pub use error::AgencyError;
pub use key::AgencyKey;
pub use roster::{Roster, RosterOptions, RosterRow, RowProblem};

#[cfg(test)]
mod tests;
