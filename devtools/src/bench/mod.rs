//! The benchmarks `server bench` runs on a seeded database (see the README
//! for the standard data set). Each prints its figures; none asserts a time
//! (the machine is shared and noisy).

pub mod campaigns;
pub mod events;
pub mod http;
pub mod import;
pub mod renames;
pub mod segments;
pub mod startup;
