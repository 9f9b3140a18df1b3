//! Building events for tests, and resetting the core tables between cases.

use db::{
    events::*,
    facts::{EventStatus, apply_batch},
};

/// 2025-01-01T00:00:00Z: event times in tests are offsets from it.
pub const T0: i64 = 1_735_689_600_000;

pub fn user(id: &str, email: Option<&str>, name: Option<&str>) -> UserRef {
    UserRef {
        id: id.into(),
        email: email.map(Into::into),
        name: name.map(Into::into),
    }
}

pub fn enrollment(event_id: &str, at: i64, user: UserRef, course: &str) -> Event {
    Event::Enrollment(Enrollment {
        event_id: event_id.into(),
        occurred_at: at,
        user,
        course_id: course.into(),
    })
}

pub fn progress(event_id: &str, at: i64, user: UserRef, course: &str, progress: i64) -> Event {
    Event::Progress(ProgressReport {
        event_id: event_id.into(),
        occurred_at: at,
        user,
        course_id: course.into(),
        progress,
    })
}

/// A purchase of `item` ("c…" course, "d…" product, "p…" plan).
pub fn purchase(
    event_id: &str,
    at: i64,
    user: UserRef,
    purchase_id: &str,
    item: &str,
    amount_cents: i64,
    currency: &str,
) -> Event {
    let pick = |prefix: char| item.starts_with(prefix).then(|| item.to_string());
    Event::Purchase(Purchase {
        event_id: event_id.into(),
        occurred_at: at,
        user,
        purchase_id: purchase_id.into(),
        course_id: pick('c'),
        product_id: pick('d'),
        plan_id: pick('p'),
        amount_cents,
        currency: currency.into(),
    })
}

pub fn refund(event_id: &str, at: i64, purchase_id: &str) -> Event {
    Event::Refund(Refund {
        event_id: event_id.into(),
        occurred_at: at,
        purchase_id: purchase_id.into(),
        user: None,
    })
}

pub fn subscription(
    event_id: &str,
    at: i64,
    user: UserRef,
    subscription_id: &str,
    plan: &str,
    status: &str,
    amount_cents: i64,
) -> Event {
    Event::Subscription(SubscriptionChange {
        event_id: event_id.into(),
        occurred_at: at,
        user,
        subscription_id: subscription_id.into(),
        plan_id: plan.into(),
        status: status.into(),
        amount_cents,
        currency: "USD".into(),
        interval: "month".into(),
        started_at: None,
        current_period_end: None,
    })
}

pub fn lead(event_id: &str, at: i64, user: UserRef, source: &str) -> Event {
    Event::Lead(Lead {
        event_id: event_id.into(),
        occurred_at: at,
        user,
        source: source.into(),
        consent: None,
    })
}

/// A lead whose form says `consent` (`subscribed`, `unsubscribed`).
pub fn lead_with_consent(
    event_id: &str,
    at: i64,
    user: UserRef,
    source: &str,
    consent: &str,
) -> Event {
    Event::Lead(Lead {
        event_id: event_id.into(),
        occurred_at: at,
        user,
        source: source.into(),
        consent: Some(consent.into()),
    })
}

/// An explicit `consent` event.
pub fn consent(event_id: &str, at: i64, user: UserRef, consent: &str) -> Event {
    Event::Consent(ConsentChange {
        event_id: event_id.into(),
        occurred_at: at,
        user,
        consent: consent.into(),
    })
}

pub fn course(event_id: &str, at: i64, course_id: &str, title: &str, price_cents: i64) -> Event {
    Event::Course(Course {
        event_id: event_id.into(),
        occurred_at: at,
        course_id: course_id.into(),
        title: title.into(),
        price_cents,
        currency: "USD".into(),
    })
}

pub fn product(event_id: &str, at: i64, product_id: &str, title: &str, price_cents: i64) -> Event {
    Event::Product(Product {
        event_id: event_id.into(),
        occurred_at: at,
        product_id: product_id.into(),
        title: title.into(),
        price_cents,
        currency: "USD".into(),
    })
}

pub fn plan(event_id: &str, at: i64, plan_id: &str, title: &str, amount_cents: i64) -> Event {
    Event::Plan(Plan {
        event_id: event_id.into(),
        occurred_at: at,
        plan_id: plan_id.into(),
        title: title.into(),
        amount_cents,
        currency: "USD".into(),
        interval: "month".into(),
    })
}

/// Applies one event alone.
pub async fn apply(db: &db::Db, store_id: i64, event: &Event) -> EventStatus {
    apply_batch(db, store_id, std::slice::from_ref(event))
        .await
        .unwrap_or_else(|e| panic!("applying {event:?}: {e}"))[0]
        .status
}

/// Empties every core table (facts, identities, derived rows), keeping stores.
pub async fn wipe(db: &db::Db) {
    for table in [
        "customer_activity",
        "customer_notes",
        "customer_tags",
        "tags",
        "enrollment_milestones",
        "subscription_changes",
        "customer_totals",
        "customers",
        "events",
        "leads",
        "subscriptions",
        "purchases",
        "enrollments",
        "plans",
        "products",
        "courses",
        "identities",
    ] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(db.writer())
            .await
            .unwrap();
    }
}

/// Counts rows of a table (to show nothing was written).
pub async fn count(db: &db::Db, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(db.reader())
        .await
        .unwrap()
}

/// Row counts of every core table.
pub async fn counts(db: &db::Db) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for table in [
        "identities",
        "courses",
        "products",
        "plans",
        "enrollments",
        "purchases",
        "subscriptions",
        "leads",
        "events",
        "customers",
        "customer_totals",
        "enrollment_milestones",
        "subscription_changes",
    ] {
        out.push((table, count(db, table).await));
    }
    out
}
