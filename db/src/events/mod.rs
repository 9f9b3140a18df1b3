//! The events the platform reports: their format ([`model`]), reading them
//! from JSON ([`parse`]) and checking them ([`valid`]). Recording them is
//! `crate::facts`.

mod model;
mod parse;
mod valid;

pub use model::*;
pub use parse::{MAX_BATCH, parse_body, parse_event};
pub use valid::{
    CatalogEntry, CatalogKind, Fact, IMPORTED_USER_PREFIX, Item, ValidEvent, ValidUser,
};
