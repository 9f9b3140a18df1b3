//! Helpers for the backfill tests: small seeded facts and a dump of the
//! derived tables to compare runs byte for byte.

use sqlx::Row;

use crate::{TestDatabase, events::T0};

/// A fresh database with the facts (no customers) of `stores` stores and
/// `users` people of the platform; the same arguments give the same facts.
pub async fn seeded(stores: usize, users: usize) -> (TestDatabase, Vec<i64>) {
    let database = TestDatabase::new().await;
    let report = devtools::seed::seed(
        &database.db,
        &devtools::seed::SeedOptions {
            seed: 7,
            stores,
            users,
            facts_only: true,
            anchor_ms: Some(T0),
            ..Default::default()
        },
    )
    .await
    .expect("seed the facts");
    (database, report.store_ids)
}

/// Every customer and total, one line each, in key order. Without the
/// timestamps; with `version` when asked.
pub async fn dump(db: &db::Db, with_version: bool) -> Vec<String> {
    let version = if with_version {
        " || '|' || CAST(version AS TEXT)"
    } else {
        ""
    };
    let columns = [
        "store_id",
        "id",
        "name",
        "email",
        "email_normalized",
        "type",
        "has_active_subscription",
        "total_spent_cents",
        "last_activity_at",
        "joined_at",
        "source_kind",
        "source_ref",
        "source_text",
        "courses_count",
        "products_count",
        "purchases_count",
        "search_text",
    ]
    .map(|c| format!("COALESCE(CAST({c} AS TEXT), '<null>')"))
    .join(" || '|' || ");
    let mut lines = Vec::new();
    let sql = format!("SELECT {columns}{version} AS line FROM customers ORDER BY store_id, id");
    for row in sqlx::query(&sql).fetch_all(db.reader()).await.unwrap() {
        lines.push(format!("customer {}", row.get::<String, _>("line")));
    }
    let sql = "SELECT CAST(store_id AS TEXT) || '|' || CAST(customer_id AS TEXT) || '|' \
               || currency || '|' || CAST(net_cents AS TEXT) AS line FROM customer_totals \
               ORDER BY store_id, customer_id, currency";
    for row in sqlx::query(sql).fetch_all(db.reader()).await.unwrap() {
        lines.push(format!("total {}", row.get::<String, _>("line")));
    }
    lines
}
