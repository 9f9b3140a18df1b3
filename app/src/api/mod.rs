//! Server functions, one file per domain. Each is a public endpoint: it
//! checks who is asking (`crate::auth`), validates its input and calls the
//! data layer, nothing more.

mod auth;
mod backfill;
mod campaigns;
mod customer;
mod customers;
mod platform;
mod segments;
mod settings;
mod stores;

pub use auth::*;
pub use backfill::*;
pub use campaigns::*;
pub use customer::*;
pub use customers::*;
pub use platform::*;
pub use segments::*;
pub use settings::*;
pub use stores::*;
