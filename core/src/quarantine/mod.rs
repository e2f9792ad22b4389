//! Home quarantine (issue 10): the health officer's tools ([`officer`]).

pub mod officer;
