//! The events the platform reports: their format ([`model`]), reading them
//! from JSON ([`parse`]), checking them ([`valid`]) and applying them
//! ([`apply`]).

mod apply;
mod model;
mod parse;
mod valid;

pub use apply::{EventResult, EventStatus, apply_batch, apply_valid};
pub use model::*;
pub use parse::{MAX_BATCH, parse_body, parse_event};
pub use valid::{
    CatalogEntry, CatalogKind, Fact, IMPORTED_USER_PREFIX, Item, ValidEvent, ValidUser,
};
