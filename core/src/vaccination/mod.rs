//! Vaccination (issue 12) on the phone and the officer's machine.

pub mod site;
