//! Healthbook reference backend: accounts and roles, agencies and gates, the signed trust list, behind an
//! idempotent JSON API; SQLite embedded by default, PostgreSQL to scale out. See `server/README.md`.
//!
//! | module | holds |
//! |---|---|
//! | [`app`] | shared state, router and layers, serving with graceful shutdown |
//! | [`storage`] | the `Storage` trait, its SQLite and PostgreSQL implementations, migrations |
//! | [`auth`] | passwords, device challenge-response, bearer tokens, the `Principal` extractor |
//! | [`access`] | officers' area scope and the access log of reads of personal data |
//! | [`accounts`] | device registration, staff accounts, `/v1/me` |
//! | [`agencies`] | agencies and gates (agency-scoped resources) |
//! | [`checkin`] | venues, posters, gate passages, risky venues, the officer's query, compliance |
//! | [`trust`] | the root key, trust list and revocation list, service signing keys |
//! | [`keys`] | the key-encryption key that seals private keys at rest |
//! | [`passes`] | short-lived signed personal health passes, for bound persons only |
//! | [`persons`] | person records, phone-profile bindings (SMS code or attestation), the SMS sender |
//! | [`quarantine`] | home quarantine: wards, orders, signed commitment, enrolment, challenges, verified check-ins, cases and decisions |
//! | [`status`] | the typed health status rule set whose status passes carry |
//! | [`vaccination`] | vaccination: communes' lists and coverage, registrations, sites and stock, sessions and invitations, doses, EU DCC vaccination certificates, reconciliation with other platforms |
//! | [`volunteers`] | people a volunteer enrolled: consent, self-reported doses, control cards |
//! | [`declarations`] | declaration forms, declarations with signed receipts, the officers' list |
//! | [`idempotency`] | replay of mutating requests by `Idempotency-Key` |
//! | [`ratelimit`] | fixed-window rate limits in the database |
//! | [`extract`] | request extractors with JSON errors, the client address |
//! | [`hashing`] | the bounded pool of password hashing threads |
//! | [`error`] | `ApiError` and the JSON error shape |
//! | `healthbook_protocol` | request and response bodies, queries, error codes (the wire contract, its own crate) |
//! | [`openapi`] | the generated OpenAPI document |
//! | [`admin`] | `admin init` and friends |
//! | [`config`] | limits and lifetimes |

pub mod access;
pub mod accounts;
pub mod admin;
pub mod agencies;
pub mod app;
pub mod auth;
pub mod checkin;
pub mod config;
pub mod dcc_signers;
pub mod declarations;
pub mod error;
pub mod extract;
pub mod hashing;
pub mod hotline;
pub mod idempotency;
pub mod keys;
pub mod openapi;
pub mod passes;
pub mod persons;
pub mod quarantine;
pub mod ratelimit;
pub mod results;
pub mod status;
pub mod storage;
pub mod trust;
pub mod util;
pub mod vaccination;
pub mod volunteers;

pub use app::{AppState, RunningServer, router, serve};
pub use config::ServerConfig;
pub use error::ApiError;
pub use storage::{Database, DatabaseLocation};
