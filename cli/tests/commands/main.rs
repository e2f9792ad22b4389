//! The CLI's tests, which run the `healthbook` binary; one test binary (each file is a module).

mod cli;
mod doctor;
mod trust_dsc;
mod vaccine;
mod vaccine_site;
mod quarantine_officer;
mod guides;
mod quarantine;
mod hotline;
mod agency_cards;
mod support;
