//! Development tools, kept out of the data layer: the seed (realistic demo
//! and benchmark data, `server seed`) and the benchmarks (`server bench`).
//! Both write and read only through `db`'s functions.

#![forbid(unsafe_code)]

pub mod bench;
pub mod seed;
