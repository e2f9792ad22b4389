//! The printing half of the Healthbook CLI as a library: shared PDF and font pieces and the staff card sheets,
//! so that tests can lay out and render exactly what `healthbook agency cards issue` prints.

pub mod cardsheet;
pub mod print;
