//! Signed trust list and revocation list: types, signing and verification, shared by the server and the phone.
//!
//! The health authority's root key signs a list of issuer keys (authority, agencies, labs, vaccination sites)
//! and, separately, a revocation list; both travel as JWS compact serialisation with ES256. Phones pin the root
//! public key and verify both offline. See `README.md` beside this file for what each file holds.

#[cfg(feature = "phone")]
pub mod cache;
#[cfg(feature = "phone")]
mod client;
#[cfg(feature = "phone")]
pub mod db;
pub mod dcc_signers;
mod error;
pub mod jws;
pub mod keys;
mod model;
#[cfg(feature = "phone")]
pub mod pinned;
pub mod shared;
#[cfg(feature = "phone")]
pub mod signed;
pub mod store;
#[cfg(test)]
mod tests;

#[cfg(feature = "phone")]
pub use client::{DccSignerImport, DccSignerStatus, Trust, TrustRefresh};
pub use dcc_signers::{DscListError, ParsedDscList, PublisherKey, parse_dsc_list};
pub use error::TrustError;
#[cfg(feature = "phone")]
pub use error::TrustStoreError;
pub use shared::SharedTrustStore;
pub use keys::{SigningKey, VerifyingKey, kid_for_spki};
pub use model::{
    DEFAULT_UPDATE_INTERVAL_HOURS, IssuerKey, IssuerRefusal, IssuerRole, KeyScope, REVOCATION_LIST_TYP, Revocation, RevocationKind, RevocationList,
    TRUST_LIST_TYP, TrustList,
};
