//! The customer detail page's types: one customer's profile, value, courses,
//! purchases, subscriptions, tags, notes and a page of their timeline, and
//! what the contacts import answers.

use serde::{Deserialize, Serialize};

use super::customers::{CourseView, ProductView};

/// The customer page as the browser gets it: its title and its body,
/// rendered on the server (see `pages::customer`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerPageView {
    /// `Ann Lee · Yoga Studio`.
    pub title: String,
    pub html: String,
}

/// Everything `/store/:store_id/customers/:customer_id` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerView {
    pub id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    /// The email's consent in this store, when and how it was given.
    pub consent: domain::customer::Consent,
    pub consent_since: Option<i64>,
    pub consent_source: Option<String>,
    /// Why no campaign reaches the address (a bounce, a complaint).
    pub suppressed: Option<String>,
    /// `lead`, `paying` or `subscription`.
    pub kind: String,
    /// `active` or `inactive`.
    pub status: String,
    /// How they first came, e.g. "course: Yoga Basics".
    pub source: String,
    pub joined_at: i64,
    pub last_activity_at: i64,
    /// Lifetime value: paid, refunded and net per currency.
    pub value: Vec<ValueView>,
    pub courses: Vec<CourseView>,
    /// Courses and products bought (plan payments are the subscription's).
    pub purchases: Vec<ProductView>,
    pub subscriptions: Vec<SubscriptionHistoryView>,
    pub tags: Vec<String>,
    pub notes: Vec<NoteView>,
    /// The store's tags, to pick from when adding one.
    pub store_tags: Vec<String>,
    /// One page of the timeline, newest first.
    pub timeline: Vec<TimelineView>,
    /// The `before` parameter of the next (older) page.
    pub older: Option<String>,
    pub now_ms: i64,
    /// The reader's role in the store: the page leaves out what it may not do.
    pub role: domain::access::Role,
    /// The store's name (the page's title names it).
    pub store_name: String,
    /// The store's time zone (IANA): the page shows dates in it.
    pub time_zone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueView {
    pub currency: String,
    pub paid_cents: i64,
    pub refunded_cents: i64,
    pub net_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionHistoryView {
    pub plan: String,
    pub status: String,
    pub amount_cents: i64,
    pub currency: String,
    pub interval: String,
    pub started_at: i64,
    /// (time, status) of every report, oldest first.
    pub history: Vec<(i64, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteView {
    pub id: i64,
    pub body: String,
    pub author: String,
    pub created_at: i64,
    pub edited_at: Option<i64>,
}

/// One timeline entry, described on the server ("Purchased Yoga Basics").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineView {
    pub at: i64,
    /// The entry's kind (`enrolled`, `progress`, `purchased`, ...), for
    /// styling and tests.
    pub kind: String,
    pub text: String,
}

/// What a contacts file holds, before importing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreviewView {
    /// Which header became which field, e.g. ("name", "Full name").
    pub columns: Vec<(String, String)>,
    pub rows: Vec<ImportRowView>,
    pub total_rows: u64,
    pub valid_rows: u64,
    pub rejected_rows: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRowView {
    pub line: u64,
    pub name: String,
    pub email: String,
    pub tags: String,
    /// What the file says of consent ("subscribed", "unsubscribed", "").
    pub consent: String,
    /// Why the row would be rejected.
    pub error: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportResultView {
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// (line, reason) of every rejected row.
    pub rejected: Vec<(u64, String)>,
}
