//! The data layer. It owns every SQL statement of the product and knows
//! nothing of HTTP or Leptos, so the server, the CLI and the benchmarks share
//! it. The same queries run on SQLite and Postgres through sqlx's `Any` driver.

#![forbid(unsafe_code)]

pub mod accounts;
pub mod api_keys;
pub mod backfill;
pub mod bulk;
pub mod campaigns;
pub mod consent;
pub mod customers;
mod error;
pub mod events;
pub mod facts;
pub mod identity;
mod locks;
mod pool;
pub mod secrets;
pub mod segments;
pub mod sessions;
pub mod sign_in_throttle;
mod sql;
pub mod stores;
pub mod text;
pub mod time;
mod upgrade;
pub mod validate;

pub use error::{Error, Result};
pub use pool::{Backend, Db, PoolConfig};
