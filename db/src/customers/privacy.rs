//! Privacy requests about one customer of one store (GDPR articles 15 and
//! 17): an export of everything the store holds about them, and erasure.
//!
//! Erasure removes the customer and everything of theirs in THIS store, in
//! one transaction: its identities (the platform ids, emails and names the
//! store knew), notes, tags, activity, milestones, subscription history,
//! enrollments, purchases, subscriptions, leads, totals, the campaign
//! messages sent to them and what they did with them, their addresses'
//! consent, and the customer row. Other stores never shared any of it
//! (identities belong to a store).
//!
//! An address's suppression (a hard bounce, a spam complaint) is kept: it
//! is what stops the store from mailing that address again should the
//! platform report the person anew, and it holds the address alone.
//!
//! The events log keeps the erased facts' event ids (they hold no personal
//! data): a replay of the same events is then a repeat and does not bring the
//! customer back; a new event about them does, as a new customer.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{
    detail::{self, CustomerDetail},
    notes::{self, Note},
    owned::{IDENTITIES_OF, anchor_of},
    timeline::{self, TimelineEntry},
};
use crate::{Db, Result, locks};

/// An opt-in or import of the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadEntry {
    pub source: String,
    pub created_at: i64,
}

/// Everything the store holds about one customer (serialisable to JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerExport {
    pub store_id: i64,
    pub exported_at: i64,
    /// Profile, lifetime value, courses, purchases, payments,
    /// subscriptions with their history, tags.
    pub detail: CustomerDetail,
    pub leads: Vec<LeadEntry>,
    pub notes: Vec<Note>,
    /// Every entry, newest first.
    pub timeline: Vec<TimelineEntry>,
}

/// What an erasure deleted: rows per table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erasure {
    pub customer_id: i64,
    pub deleted: Vec<(String, u64)>,
}

/// The tables holding a customer's rows in a store, children first: those
/// keyed by its identities, the campaign rows (keyed by the identity that
/// was the customer's id at sending) and its addresses' consent, then its
/// derived rows, then the identities.
pub const CUSTOMER_TABLES: [&str; 15] = [
    "customer_activity",
    "customer_notes",
    "customer_tags",
    "enrollment_milestones",
    "subscription_changes",
    "enrollments",
    "purchases",
    "subscriptions",
    "leads",
    "campaign_events",
    "campaign_messages",
    "email_consents",
    "customer_totals",
    "customers",
    "identities",
];

/// Exports customer `customer_id` of the store.
#[tracing::instrument(skip(db))]
pub async fn export_customer(
    db: &Db,
    store_id: i64,
    customer_id: i64,
    now_ms: i64,
) -> Result<CustomerExport> {
    let detail = detail::customer_detail(db, store_id, customer_id, now_ms).await?;
    let leads = sqlx::query(&format!(
        "SELECT source, created_at FROM leads WHERE store_id = $1 \
         AND identity_id IN {IDENTITIES_OF} ORDER BY created_at, source"
    ))
    .bind(store_id)
    .bind(customer_id)
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(|row| {
        Ok(LeadEntry {
            source: row.try_get("source")?,
            created_at: row.try_get("created_at")?,
        })
    })
    .collect::<Result<_>>()?;
    let notes = notes::list_for_customer(db.reader(), store_id, customer_id).await?;
    let timeline = timeline::page_of_customer(db, store_id, customer_id, None, u32::MAX).await?;
    Ok(CustomerExport {
        store_id,
        exported_at: now_ms,
        detail,
        leads,
        notes,
        timeline,
    })
}

/// Erases customer `customer_id` of the store (see the module
/// documentation). Another store's customer is not found.
#[tracing::instrument(skip(db))]
pub async fn erase_customer(db: &Db, store_id: i64, customer_id: i64) -> Result<Erasure> {
    let mut tx = db.writer().begin().await?;
    locks::store(&mut tx, db.backend(), store_id).await?;
    anchor_of(&mut *tx, store_id, customer_id).await?;
    let identities: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM identities WHERE store_id = $1 AND customer_id = $2")
            .bind(store_id)
            .bind(customer_id)
            .fetch_all(&mut *tx)
            .await?;
    let ids = crate::sql::int_list(identities.iter().copied());
    let mut erasure = Erasure {
        customer_id,
        ..Erasure::default()
    };
    for table in CUSTOMER_TABLES {
        let sql = match table {
            // The history of the customer's subscriptions, whoever it names.
            "subscription_changes" => format!(
                "DELETE FROM subscription_changes WHERE store_id = $1 AND (identity_id IN ({ids}) \
                 OR subscription_id IN (SELECT id FROM subscriptions \
                     WHERE store_id = $1 AND identity_id IN ({ids})))"
            ),
            "enrollment_milestones" => format!(
                "DELETE FROM enrollment_milestones WHERE store_id = $1 AND (identity_id IN ({ids}) \
                 OR enrollment_id IN (SELECT id FROM enrollments \
                     WHERE store_id = $1 AND identity_id IN ({ids})))"
            ),
            "campaign_events" | "campaign_messages" => {
                format!("DELETE FROM {table} WHERE store_id = $1 AND customer_id IN ({ids})")
            }
            // One customer per address: no other customer of the store has
            // these addresses.
            "email_consents" => format!(
                "DELETE FROM email_consents WHERE store_id = $1 AND email_normalized IN \
                 (SELECT email_normalized FROM identities WHERE store_id = $1 AND id IN ({ids}))"
            ),
            "customer_totals" => {
                format!(
                    "DELETE FROM customer_totals WHERE store_id = $1 AND customer_id = {customer_id}"
                )
            }
            "customers" => {
                format!("DELETE FROM customers WHERE store_id = $1 AND id = {customer_id}")
            }
            "identities" => format!("DELETE FROM identities WHERE store_id = $1 AND id IN ({ids})"),
            table => format!("DELETE FROM {table} WHERE store_id = $1 AND identity_id IN ({ids})"),
        };
        let n = sqlx::query(&sql)
            .bind(store_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        erasure.deleted.push((table.to_string(), n));
    }
    tx.commit().await?;
    tracing::info!(store_id, customer_id, "customer erased");
    Ok(erasure)
}
