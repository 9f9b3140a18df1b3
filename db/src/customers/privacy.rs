//! Privacy requests about one customer of one store (GDPR articles 15 and
//! 17): an export of everything the store holds about them, and erasure.
//!
//! Erasure removes the customer and every fact of theirs in THIS store, in
//! one transaction: notes, tags, activity, milestones, subscription history,
//! enrollments, purchases, subscriptions, leads, totals and the customer
//! row. The same person's data in other stores is untouched. The platform
//! user (name, email, platform ids) is deleted too when no other store has
//! anything of theirs; otherwise it stays, as the other stores' customer.
//!
//! The events log keeps the erased facts' event ids (they hold no personal
//! data): a replay of the same events is then a repeat and does not bring the
//! customer back; a new event about them does, as a new customer.

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use super::{
    detail::{self, CustomerDetail},
    notes::{self, Note},
    owned::user_of,
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

/// What an erasure deleted: rows per table, and whether the platform user
/// went too.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erasure {
    pub user_id: i64,
    pub deleted: Vec<(String, u64)>,
    pub user_deleted: bool,
}

/// The tables holding a customer's rows in a store, children first, each
/// with its `store_id` and `user_id` columns.
pub const CUSTOMER_TABLES: [&str; 11] = [
    "customer_activity",
    "customer_notes",
    "customer_tags",
    "enrollment_milestones",
    "subscription_changes",
    "enrollments",
    "purchases",
    "subscriptions",
    "leads",
    "customer_totals",
    "customers",
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
    let user_id = detail.profile.user_id;
    let leads = sqlx::query(
        "SELECT source, created_at FROM leads WHERE store_id = $1 AND user_id = $2 \
         ORDER BY created_at, source",
    )
    .bind(store_id)
    .bind(user_id)
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(|row| {
        Ok(LeadEntry {
            source: row.try_get(0)?,
            created_at: row.try_get(1)?,
        })
    })
    .collect::<Result<_>>()?;
    let notes = notes::list_for_user(db.reader(), store_id, user_id).await?;
    let timeline = timeline::page_of_user(db, store_id, user_id, None, u32::MAX).await?;
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
    let backend = db.backend();
    let mut tx = db.writer().begin().await?;
    locks::store(&mut tx, backend, store_id, false).await?;
    let user_id = user_of(&mut *tx, store_id, customer_id).await?;
    locks::user(&mut tx, backend, user_id).await?;
    let mut erasure = Erasure {
        user_id,
        ..Erasure::default()
    };
    for table in CUSTOMER_TABLES {
        let sql = match table {
            // History of the user's subscriptions in the store, whoever it
            // names.
            "subscription_changes" => "DELETE FROM subscription_changes WHERE subscription_id IN \
                 (SELECT id FROM subscriptions WHERE store_id = $1 AND user_id = $2) \
                 OR (store_id = $1 AND user_id = $2)"
                .to_string(),
            "enrollment_milestones" => "DELETE FROM enrollment_milestones WHERE enrollment_id IN \
                 (SELECT id FROM enrollments WHERE store_id = $1 AND user_id = $2) \
                 OR (store_id = $1 AND user_id = $2)"
                .to_string(),
            table => format!("DELETE FROM {table} WHERE store_id = $1 AND user_id = $2"),
        };
        let n = sqlx::query(&sql)
            .bind(store_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        erasure.deleted.push((table.to_string(), n));
    }
    if !referenced_elsewhere(&mut tx, store_id, user_id).await? {
        let ids = sqlx::query("DELETE FROM user_ids WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        erasure.deleted.push(("user_ids".into(), ids));
        let users = sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        erasure.deleted.push(("users".into(), users));
        erasure.user_deleted = users == 1;
    }
    tx.commit().await?;
    tracing::info!(
        store_id,
        user_id,
        user_deleted = erasure.user_deleted,
        "customer erased"
    );
    Ok(erasure)
}

/// Whether any row of another store still names the user. Every table is
/// indexed by (store_id, user_id): one seek per store, never a scan.
async fn referenced_elsewhere(
    conn: &mut AnyConnection,
    store_id: i64,
    user_id: i64,
) -> Result<bool> {
    for table in CUSTOMER_TABLES {
        let found: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT user_id FROM {table} \
             WHERE store_id IN (SELECT id FROM stores WHERE id <> $2) AND user_id = $1 LIMIT 1"
        ))
        .bind(user_id)
        .bind(store_id)
        .fetch_optional(&mut *conn)
        .await?;
        if found.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}
