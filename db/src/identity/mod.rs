//! Identities: the platform ids a store's events name, as that store knows
//! them. One row per (store, platform id) holds what the store's own events
//! last reported (email, name: the newest report, ties by event id) and when
//! its first fact happened; nothing of another store is read or written.
//!
//! - [`write`] records a batch's reports in one multi-row statement;
//! - [`group`] is the merge rule (which identities are one customer);
//! - [`regroup`] applies it to the groups a batch touched, or to a whole
//!   store (the backfill).

pub mod group;
pub(crate) mod regroup;
pub(crate) mod write;

pub(crate) use regroup::{regroup, regroup_store};
pub(crate) use write::{Report, upsert};
