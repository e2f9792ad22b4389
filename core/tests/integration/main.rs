//! The core's integration tests, one binary (each file is a module): one link instead of one per file.

mod credential_fuzz;
mod credential_stages;
mod dsc_list_fuzz;
mod error_privacy;
mod eu_dcc_conformance;
mod pass_size;
mod roster_fuzz;
mod trust_scope;
mod vaccination_list_fuzz;
mod quarantine_fuzz;
