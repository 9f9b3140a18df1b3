//! Customers: one person in one store (a group of the store's identities,
//! see `crate::identity`), derived from the facts ([`derive`], kept current
//! by [`refresh`]), read here and by the pages' modules.

mod activity;
pub mod derive;
pub mod detail;
pub mod export;
pub mod filter;
pub mod import;
pub mod load;
pub mod ltv;
pub mod notes;
mod owned;
pub mod privacy;
pub mod refresh;
mod rules;
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
    pub id: i64,
    pub store_id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub email_normalized: Option<String>,
    pub customer_type: String,
    pub has_active_subscription: bool,
    pub total_spent_cents: i64,
    pub last_activity_at: i64,
    pub joined_at: i64,
    pub source_kind: String,
    /// The title of the first course, product or plan, or the lead's source.
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

/// The title a customer's source names, read through its reference (a
/// rename shows at once and writes no customer row).
pub(crate) const SOURCE_TITLE_SQL: &str = "COALESCE(CASE c.source_kind \
    WHEN 'course' THEN (SELECT COALESCE(x.title, x.external_id) FROM courses x WHERE x.id = c.source_ref) \
    WHEN 'product' THEN (SELECT COALESCE(x.title, x.external_id) FROM products x WHERE x.id = c.source_ref) \
    WHEN 'subscription' THEN (SELECT COALESCE(x.title, x.external_id) FROM plans x WHERE x.id = c.source_ref) \
    ELSE c.source_text END, '')";

fn select_sql(filter: &str, now_ms: i64) -> String {
    format!(
        "SELECT c.id, c.store_id, c.name, c.email, c.email_normalized, c.type, \
         c.has_active_subscription, c.total_spent_cents, c.last_activity_at, c.joined_at, \
         c.source_kind, {SOURCE_TITLE_SQL} AS source_title, c.courses_count, c.products_count, \
         c.purchases_count, c.search_text, {status} AS status, c.version, c.created_at, \
         c.updated_at FROM customers c WHERE {filter} ORDER BY c.id",
        status = status_sql(now_ms, DEFAULT_ACTIVE_WINDOW_MS)
    )
}

impl Customer {
    fn from_row(row: &sqlx::any::AnyRow) -> Result<Customer> {
        Ok(Customer {
            id: row.try_get("id")?,
            store_id: row.try_get("store_id")?,
            name: row.try_get("name")?,
            email: row.try_get("email")?,
            email_normalized: row.try_get("email_normalized")?,
            customer_type: row.try_get("type")?,
            has_active_subscription: row.try_get::<i64, _>("has_active_subscription")? != 0,
            total_spent_cents: row.try_get("total_spent_cents")?,
            last_activity_at: row.try_get("last_activity_at")?,
            joined_at: row.try_get("joined_at")?,
            source_kind: row.try_get("source_kind")?,
            source_title: row.try_get("source_title")?,
            courses_count: row.try_get("courses_count")?,
            products_count: row.try_get("products_count")?,
            purchases_count: row.try_get("purchases_count")?,
            search_text: row.try_get("search_text")?,
            status: row.try_get("status")?,
            version: row.try_get("version")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }
}

/// Every customer of a store, by id (tests and small stores).
pub async fn list_all(db: &Db, store_id: i64) -> Result<Vec<Customer>> {
    let rows = sqlx::query(&select_sql("c.store_id = $1", crate::time::now_ms()))
        .bind(store_id)
        .fetch_all(db.reader())
        .await?;
    rows.iter().map(Customer::from_row).collect()
}

/// One customer.
pub async fn get(db: &Db, store_id: i64, customer_id: i64) -> Result<Option<Customer>> {
    let row = sqlx::query(&select_sql(
        "c.store_id = $1 AND c.id = $2",
        crate::time::now_ms(),
    ))
    .bind(store_id)
    .bind(customer_id)
    .fetch_optional(db.reader())
    .await?;
    row.as_ref().map(Customer::from_row).transpose()
}

/// A customer's net total per currency, by currency.
pub async fn totals(db: &Db, store_id: i64, customer_id: i64) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT currency, net_cents FROM customer_totals \
         WHERE store_id = $1 AND customer_id = $2 ORDER BY currency",
    )
    .bind(store_id)
    .bind(customer_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("currency")?, row.try_get("net_cents")?)))
        .collect()
}

/// How many times a store's customer rows were written in all (the sum of
/// their versions) and the newest write: what a change that must write no
/// customer row (a catalog rename) is checked against.
pub async fn writes(db: &Db, store_id: i64) -> Result<(i64, i64)> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) AS versions, \
                CAST(COALESCE(MAX(updated_at), 0) AS BIGINT) AS newest \
         FROM customers WHERE store_id = $1",
    )
    .bind(store_id)
    .fetch_one(db.reader())
    .await?;
    Ok((row.try_get("versions")?, row.try_get("newest")?))
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
