//! Recording facts. Each function checks its input, then in ONE transaction
//! on the writer logs the event id (a repeat is a no-op answering
//! `Duplicate`), records the fact and derives the touched customer again.

mod users;
pub(crate) mod write;

pub(crate) use users::{other_stores, resolve};

use crate::{
    Db, Result,
    events::{self, Event, EventStatus},
};

async fn record(db: &Db, store_id: i64, event: Event) -> Result<EventStatus> {
    let valid = event.validate("")?;
    let results = events::apply_valid(db, store_id, std::slice::from_ref(&valid)).await?;
    Ok(results[0].status)
}

/// A user enrolled in a course.
pub async fn record_enrollment(
    db: &Db,
    store_id: i64,
    e: &events::Enrollment,
) -> Result<EventStatus> {
    record(db, store_id, Event::Enrollment(e.clone())).await
}

/// A user's progress in a course.
pub async fn record_progress(
    db: &Db,
    store_id: i64,
    e: &events::ProgressReport,
) -> Result<EventStatus> {
    record(db, store_id, Event::Progress(e.clone())).await
}

/// A completed payment.
pub async fn record_purchase(db: &Db, store_id: i64, e: &events::Purchase) -> Result<EventStatus> {
    record(db, store_id, Event::Purchase(e.clone())).await
}

/// A full refund.
pub async fn record_refund(db: &Db, store_id: i64, e: &events::Refund) -> Result<EventStatus> {
    record(db, store_id, Event::Refund(e.clone())).await
}

/// A subscription created or changed.
pub async fn record_subscription_change(
    db: &Db,
    store_id: i64,
    e: &events::SubscriptionChange,
) -> Result<EventStatus> {
    record(db, store_id, Event::Subscription(e.clone())).await
}

/// An opt-in or an imported contact.
pub async fn record_lead(db: &Db, store_id: i64, e: &events::Lead) -> Result<EventStatus> {
    record(db, store_id, Event::Lead(e.clone())).await
}

/// A course, product or plan created or updated.
pub async fn record_catalog(db: &Db, store_id: i64, event: Event) -> Result<EventStatus> {
    record(db, store_id, event).await
}
