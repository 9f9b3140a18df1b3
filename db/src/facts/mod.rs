//! Recording facts: the one way facts get in, for the events API, the
//! contacts import and every test. [`apply_batch`] checks a batch of wire
//! events whole, [`record`] records checked ones: in one transaction the
//! batch is logged, written in a few multi-row statements per kind, the
//! identities it touched are regrouped and each customer it touched is
//! derived again, once.

mod catalog;
mod consents;
mod enrollments;
mod leads;
mod log;
mod purchases;
mod record;
mod subscriptions;

pub(crate) use enrollments::MILESTONES;
pub use log::EventStatus;
pub use record::{EventResult, apply_batch, record};
