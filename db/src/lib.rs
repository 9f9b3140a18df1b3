//! The data layer. It owns every SQL statement of the product and knows
//! nothing of HTTP or Leptos, so the server, the CLI and the benchmarks share
//! it. The same queries run on SQLite and Postgres through sqlx's `Any` driver.

#![forbid(unsafe_code)]

mod error;
mod pool;
pub mod stores;
pub mod time;

pub use error::{Error, Result};
pub use pool::{Backend, Db, PoolConfig};
