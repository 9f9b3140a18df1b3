//! The event format the platform reports, as it is on the wire (JSON, tagged
//! by `type`). Values here are unchecked: [`super::validate`] turns an
//! [`Event`] into a [`super::ValidEvent`] or an error naming the field.

use serde::{Deserialize, Serialize};

/// The person an event is about, by the platform's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRef {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One event. Every event has a unique `event_id` (a repeat is a no-op) and
/// `occurred_at` (unix milliseconds), which orders conflicting reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Enrollment(Enrollment),
    Progress(ProgressReport),
    Purchase(Purchase),
    Refund(Refund),
    Subscription(SubscriptionChange),
    Lead(Lead),
    Consent(ConsentChange),
    Course(Course),
    Product(Product),
    Plan(Plan),
}

/// A user enrolled in a course (free or paid).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    pub event_id: String,
    pub occurred_at: i64,
    pub user: UserRef,
    pub course_id: String,
}

/// A user's progress in a course (0–100) as of `occurred_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressReport {
    pub event_id: String,
    pub occurred_at: i64,
    pub user: UserRef,
    pub course_id: String,
    pub progress: i64,
}

/// A completed payment for exactly one of a course, a product or a plan
/// (a subscription payment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purchase {
    pub event_id: String,
    pub occurred_at: i64,
    pub user: UserRef,
    pub purchase_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub course_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    pub amount_cents: i64,
    pub currency: String,
}

/// A full refund of a purchase (which may not have arrived yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    pub event_id: String,
    pub occurred_at: i64,
    pub purchase_id: String,
    /// Accepted (and checked) for symmetry; the purchase says whose it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserRef>,
}

/// A subscription's state as of `occurred_at`: created, renewed, changed plan,
/// cancelled, expired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionChange {
    pub event_id: String,
    pub occurred_at: i64,
    pub user: UserRef,
    pub subscription_id: String,
    pub plan_id: String,
    pub status: String,
    pub amount_cents: i64,
    pub currency: String,
    pub interval: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_period_end: Option<i64>,
}

/// An opt-in or an imported contact; `source` says which (a form, a list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lead {
    pub event_id: String,
    pub occurred_at: i64,
    pub user: UserRef,
    pub source: String,
    /// What the form or list says of email consent: `subscribed` for an
    /// opt-in, `unsubscribed`, or nothing. An opt-in never undoes an
    /// explicit unsubscribe (see `db::consent`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<String>,
}

/// The person subscribed to (`subscribed`) or unsubscribed from
/// (`unsubscribed`) the store's emails, as of `occurred_at`: explicit, so it
/// outranks any opt-in. It applies to the email it names, else to the one
/// the store knows for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentChange {
    pub event_id: String,
    pub occurred_at: i64,
    pub user: UserRef,
    pub consent: String,
}

/// A course created or updated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Course {
    pub event_id: String,
    pub occurred_at: i64,
    pub course_id: String,
    pub title: String,
    pub price_cents: i64,
    pub currency: String,
}

/// A digital product created or updated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub event_id: String,
    pub occurred_at: i64,
    pub product_id: String,
    pub title: String,
    pub price_cents: i64,
    pub currency: String,
}

/// A subscription plan created or updated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub event_id: String,
    pub occurred_at: i64,
    pub plan_id: String,
    pub title: String,
    pub amount_cents: i64,
    pub currency: String,
    pub interval: String,
}

impl Event {
    pub fn event_id(&self) -> &str {
        match self {
            Event::Enrollment(e) => &e.event_id,
            Event::Progress(e) => &e.event_id,
            Event::Purchase(e) => &e.event_id,
            Event::Refund(e) => &e.event_id,
            Event::Subscription(e) => &e.event_id,
            Event::Lead(e) => &e.event_id,
            Event::Consent(e) => &e.event_id,
            Event::Course(e) => &e.event_id,
            Event::Product(e) => &e.event_id,
            Event::Plan(e) => &e.event_id,
        }
    }

    pub fn occurred_at(&self) -> i64 {
        match self {
            Event::Enrollment(e) => e.occurred_at,
            Event::Progress(e) => e.occurred_at,
            Event::Purchase(e) => e.occurred_at,
            Event::Refund(e) => e.occurred_at,
            Event::Subscription(e) => e.occurred_at,
            Event::Lead(e) => e.occurred_at,
            Event::Consent(e) => e.occurred_at,
            Event::Course(e) => e.occurred_at,
            Event::Product(e) => e.occurred_at,
            Event::Plan(e) => e.occurred_at,
        }
    }

    /// The `type` tag.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Enrollment(_) => "enrollment",
            Event::Progress(_) => "progress",
            Event::Purchase(_) => "purchase",
            Event::Refund(_) => "refund",
            Event::Subscription(_) => "subscription",
            Event::Lead(_) => "lead",
            Event::Consent(_) => "consent",
            Event::Course(_) => "course",
            Event::Product(_) => "product",
            Event::Plan(_) => "plan",
        }
    }
}
