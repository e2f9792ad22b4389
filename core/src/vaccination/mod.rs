//! Vaccination (issue 12). Without the `phone` feature (what the server shares): the communes' list template
//! and its normalisation ([`list`]) and other platforms' exports ([`reconcile`]). On the phone and the officer's
//! machine also: the citizen's registrations, invitations, doses and certificate wallet (`citizen.rs`, whose
//! items are re-exported here), the officer's list calls ([`officer_lists`]) and the site's client ([`site`]).

pub mod list;
pub mod reconcile;

#[cfg(feature = "phone")]
mod citizen;
#[cfg(feature = "phone")]
pub mod officer_lists;
#[cfg(feature = "phone")]
pub mod site;

#[cfg(feature = "phone")]
pub use citizen::*;
