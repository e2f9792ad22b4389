//! The end-to-end tests that read the process-wide captured log (`captured_log`), in one binary of their own:
//! each checks that its personal data never reaches the log, and here every other test's logging is in the same
//! log too, so no test's data may appear in it at all. The other end-to-end tests are in `../e2e/`.

mod agencies_staff;
mod results_server;
mod security_identity;
mod vaccination_lists;
