//! Vaccination commands.
pub mod lists;
