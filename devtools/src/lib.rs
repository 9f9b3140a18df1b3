//! Development tools, kept out of the data layer: the seed (realistic demo
//! and benchmark data, `server seed`), the benchmarks (`server bench`) and
//! the SMTP server the sending tests and benchmarks speak to. The seed and
//! the benchmarks write and read only through `db`'s functions.

#![forbid(unsafe_code)]

pub mod bench;
pub mod seed;
pub mod smtp;
