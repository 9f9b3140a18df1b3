//! Customers: one person in one store, derived from the facts (see
//! [`derive`]), read here.

mod activity;
pub mod derive;
pub mod detail;
pub mod export;
pub mod filter;
pub mod import;
pub mod ltv;
pub mod notes;
mod owned;
pub mod privacy;
pub mod search;
pub mod tags;
pub mod timeline;

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::{Db, Result};

/// Days without activity after which a customer is inactive (a setting later).
pub const DEFAULT_ACTIVE_WINDOW_MS: i64 = 90 * 24 * 60 * 60 * 1000;

/// The one definition of status, as SQL over a `customers` row (alias `c`):
/// active with an active subscription or activity within `window_ms` of
/// `now_ms`. Both are integers, so they are inlined safely.
pub fn status_sql(now_ms: i64, window_ms: i64) -> String {
    format!(
        "CASE WHEN c.has_active_subscription = 1 OR c.last_activity_at >= {} \
         THEN 'active' ELSE 'inactive' END",
        now_ms.saturating_sub(window_ms)
    )
}

/// The same definition in Rust (for rows already read).
pub fn status(
    has_active_subscription: bool,
    last_activity_at: i64,
    now_ms: i64,
    window_ms: i64,
) -> &'static str {
    if has_active_subscription || last_activity_at >= now_ms.saturating_sub(window_ms) {
        "active"
    } else {
        "inactive"
    }
}

/// A customer row as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub store_id: i64,
    pub user_id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub email_normalized: Option<String>,
    pub customer_type: String,
    pub has_active_subscription: bool,
    pub total_spent_cents: i64,
    pub last_activity_at: i64,
    pub joined_at: i64,
    pub source_kind: String,
    pub source_title: String,
    pub courses_count: i64,
    pub products_count: i64,
    pub purchases_count: i64,
    pub search_text: String,
    pub status: String,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

fn select_sql(filter: &str, now_ms: i64) -> String {
    format!(
        "SELECT c.store_id, c.user_id, c.name, c.email, c.email_normalized, c.type, \
         c.has_active_subscription, c.total_spent_cents, c.last_activity_at, c.joined_at, \
         c.source_kind, c.source_title, c.courses_count, c.products_count, c.purchases_count, \
         c.search_text, {status} AS status, c.version, c.created_at, c.updated_at \
         FROM customers c WHERE {filter} ORDER BY c.user_id",
        status = status_sql(now_ms, DEFAULT_ACTIVE_WINDOW_MS)
    )
}

impl Customer {
    fn from_row(row: &sqlx::any::AnyRow) -> Result<Customer> {
        Ok(Customer {
            store_id: row.try_get(0)?,
            user_id: row.try_get(1)?,
            name: row.try_get(2)?,
            email: row.try_get(3)?,
            email_normalized: row.try_get(4)?,
            customer_type: row.try_get(5)?,
            has_active_subscription: row.try_get::<i64, _>(6)? != 0,
            total_spent_cents: row.try_get(7)?,
            last_activity_at: row.try_get(8)?,
            joined_at: row.try_get(9)?,
            source_kind: row.try_get(10)?,
            source_title: row.try_get(11)?,
            courses_count: row.try_get(12)?,
            products_count: row.try_get(13)?,
            purchases_count: row.try_get(14)?,
            search_text: row.try_get(15)?,
            status: row.try_get(16)?,
            version: row.try_get(17)?,
            created_at: row.try_get(18)?,
            updated_at: row.try_get(19)?,
        })
    }
}

/// Every customer of a store, by user id (tests and small stores).
pub async fn list_all(db: &Db, store_id: i64) -> Result<Vec<Customer>> {
    let rows = sqlx::query(&select_sql("c.store_id = $1", crate::time::now_ms()))
        .bind(store_id)
        .fetch_all(db.reader())
        .await?;
    rows.iter().map(Customer::from_row).collect()
}

/// One customer.
pub async fn get(db: &Db, store_id: i64, user_id: i64) -> Result<Option<Customer>> {
    let row = sqlx::query(&select_sql(
        "c.store_id = $1 AND c.user_id = $2",
        crate::time::now_ms(),
    ))
    .bind(store_id)
    .bind(user_id)
    .fetch_optional(db.reader())
    .await?;
    row.as_ref().map(Customer::from_row).transpose()
}

/// A customer's net total per currency, by currency.
pub async fn totals(db: &Db, store_id: i64, user_id: i64) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT currency, net_cents FROM customer_totals \
         WHERE store_id = $1 AND user_id = $2 ORDER BY currency",
    )
    .bind(store_id)
    .bind(user_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect()
}

/// How many customers a store has.
pub async fn count(db: &Db, store_id: i64) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM customers WHERE store_id = $1")
            .bind(store_id)
            .fetch_one(db.reader())
            .await?,
    )
}
