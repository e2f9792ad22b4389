//! The agency admin's side of issue 9: the agency's signing key (generated and kept on the admin's machine),
//! staff rosters read from CSV or XLSX and validated row by row, and staff cards (`HS1:`) signed with the
//! agency key; and adoption (issue 14): how many staff joined, and the follow-up list ([`adoption`]). The server
//! calls live in [`client`] and [`adoption::AdoptionClient`] (phone feature); everything else has no storage or HTTP, so
//! that tests and tools use it as is.

pub mod adoption;
#[cfg(feature = "phone")]
pub mod client;
pub mod cards;
pub mod error;
pub mod key;
pub mod roster;

pub use adoption::{not_joined_csv, percent};
pub use cards::{CardIssuer, SignedCard, CARD_VALIDITY_DAYS};
pub use error::AgencyError;
pub use key::AgencyKey;
pub use roster::{Roster, RosterOptions, RosterRow, RowProblem};

#[cfg(test)]
mod tests;
