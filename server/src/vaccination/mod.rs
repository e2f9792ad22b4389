//! Vaccination (issue 12). This file holds only the communes' lists part (branch h12-lists); the sites,
//! registrations, sessions and certificates come with their own branch, which owns this file.
//!
//! | file | holds |
//! |---|---|
//! | [`lists`] | `POST /v1/vaccination/lists`, table `vaccination_list_entries`, [`lists::priority_group_of`] |
//! | [`coverage`] | `GET /v1/vaccination/coverage` |
//! | [`reconcile`] | `POST /v1/vaccination/reconciliation` |

pub mod coverage;
pub mod lists;
pub mod reconcile;
