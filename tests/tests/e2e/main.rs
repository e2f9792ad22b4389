//! The end-to-end tests in one binary: each area is a module, so the workspace links one test executable instead
//! of one per file (linking dominated the test build on 2 cores). Tests that read the process-wide captured log
//! (`captured_log`) are in `../logged/`, so that the logging of these tests does not reach their checks.

mod agency_adoption;
mod agency_cards;
mod checkin_market;
mod checkin_phone;
mod checkin_server;
mod console_browser;
mod console_http;
mod crash_profile_write;
mod dcc_signers;
mod declarations_sync;
mod hotline_phone;
mod hotline_server;
mod passes_e2e;
mod passes_person;
mod persons_api;
mod persons_limits;
mod persons_phone;
mod quarantine_phone;
mod quarantine_server;
mod reports_server;
mod results_phone;
mod security_auth;
mod security_database_tls;
mod security_phone;
mod security_scope_keys;
mod server_auth;
mod server_idempotency;
mod server_limits;
mod server_migrations;
mod server_trust;
mod vaccination_phone;
mod vaccination_server;
mod volunteers;
mod wire_contract;
