//! `healthbook quarantine ...`: home quarantine (issue 10). The health officer's commands are in [`officer`].

pub mod officer;
