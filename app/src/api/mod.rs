//! Server functions, one file per domain. Each is a public endpoint: it
//! validates its input and calls the data layer, nothing more.

mod stores;

pub use stores::*;
