//! Reading the facts of a set of customers, for [`super::derive`]: five
//! statements (identities, enrollments, payments summed per item and
//! currency, subscriptions, leads), each reaching the facts through their
//! identities' customer, and the store's catalog ids. Only numbers and the
//! few texts the derivation needs cross over: rows are what a bulk
//! derivation spends its time on.

use std::collections::BTreeMap;

use sqlx::AnyConnection;

use super::derive::{
    CatalogKeys, EnrollmentFact, Facts, IdentityFact, LeadFact, PurchaseFact, SubscriptionFact,
};
use crate::{
    Backend, Result,
    sql::{fetch_json, int_list, json_agg},
};

/// Which customers of a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// These customer ids.
    Ids(&'a [i64]),
    /// Customer ids in `from..=to` (the backfill's batches).
    Range(i64, i64),
}

impl Scope<'_> {
    /// The condition on a customer id column.
    pub(crate) fn condition(&self, column: &str) -> String {
        match self {
            Scope::Ids(ids) => format!("{column} IN ({})", int_list(ids.iter().copied())),
            Scope::Range(from, to) => format!("{column} BETWEEN {from} AND {to}"),
        }
    }
}

/// The platform ids of a store's catalog entries, by row id.
pub(crate) async fn catalog_keys(conn: &mut AnyConnection, store_id: i64) -> Result<CatalogKeys> {
    let mut keys = CatalogKeys::default();
    for (table, map) in [
        ("courses", &mut keys.courses),
        ("products", &mut keys.products),
        ("plans", &mut keys.plans),
    ] {
        let sql = format!("SELECT id, external_id FROM {table} WHERE store_id = $1");
        *map = sqlx::query_as::<_, (i64, String)>(&sql)
            .bind(store_id)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
    }
    Ok(keys)
}

/// The facts of the customers in `scope`, by customer id (customers with no
/// identity left are absent).
pub(crate) async fn facts(
    conn: &mut AnyConnection,
    store_id: i64,
    scope: Scope<'_>,
) -> Result<BTreeMap<i64, Facts>> {
    let backend = Backend::of(conn);
    let of = scope.condition("i.customer_id");
    let agg = |items: &[&str]| json_agg(backend, items);
    let mut out: BTreeMap<i64, Facts> = BTreeMap::new();
    let identities: Vec<IdentityFact> = fetch_json(
        conn,
        &format!(
            "SELECT {} FROM identities i WHERE i.store_id = $1 AND {of}",
            agg(&[
                "i.id",
                "i.customer_id",
                "i.external_id",
                "i.email",
                "i.email_normalized",
                "i.email_at",
                "i.email_event",
                "i.name",
                "i.name_at",
                "i.name_event",
                "i.imported",
                "i.first_at",
            ])
        ),
        store_id,
    )
    .await?;
    for row in identities {
        out.entry(row.customer_id).or_default().identities.push(row);
    }
    let enrollments: Vec<EnrollmentFact> = fetch_json(
        conn,
        &format!(
            "SELECT {} FROM identities i JOIN enrollments e ON e.identity_id = i.id \
             WHERE i.store_id = $1 AND {of}",
            agg(&[
                "i.customer_id",
                "e.course_id",
                "e.enrolled_at",
                "e.last_accessed_at"
            ])
        ),
        store_id,
    )
    .await?;
    for row in enrollments {
        out.entry(row.customer_id)
            .or_default()
            .enrollments
            .push(row);
    }
    let purchases: Vec<PurchaseFact> = fetch_json(
        conn,
        &format!(
            "SELECT {} FROM (SELECT i.customer_id, p.course_id, p.product_id, p.plan_id, \
                    p.currency, MIN(p.paid_at) AS first_paid_at, \
                    MAX(p.reported_at) AS last_reported_at, \
                    CAST(SUM(CASE WHEN p.refunded_at IS NULL THEN p.amount_cents ELSE 0 END) \
                         AS BIGINT) AS kept_cents, \
                    CAST(SUM(CASE WHEN p.refunded_at IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS kept, \
                    CAST(COUNT(*) AS BIGINT) AS payments \
                 FROM identities i JOIN purchases p ON p.identity_id = i.id \
                 WHERE i.store_id = $1 AND {of} AND p.paid_at IS NOT NULL \
                 GROUP BY i.customer_id, p.course_id, p.product_id, p.plan_id, p.currency) g",
            agg(&[
                "g.customer_id",
                "g.course_id",
                "g.product_id",
                "g.plan_id",
                "g.currency",
                "g.first_paid_at",
                "g.last_reported_at",
                "g.kept_cents",
                "g.kept",
                "g.payments",
            ])
        ),
        store_id,
    )
    .await?;
    for row in purchases {
        out.entry(row.customer_id).or_default().purchases.push(row);
    }
    let subscriptions: Vec<SubscriptionFact> = fetch_json(
        conn,
        &format!(
            "SELECT {} FROM identities i JOIN subscriptions s ON s.identity_id = i.id \
             WHERE i.store_id = $1 AND {of}",
            agg(&["i.customer_id", "s.plan_id", "s.status", "s.started_at"])
        ),
        store_id,
    )
    .await?;
    for row in subscriptions {
        out.entry(row.customer_id)
            .or_default()
            .subscriptions
            .push(row);
    }
    let leads: Vec<LeadFact> = fetch_json(
        conn,
        &format!(
            "SELECT {} FROM identities i JOIN leads l ON l.identity_id = i.id \
             WHERE i.store_id = $1 AND {of}",
            agg(&["i.customer_id", "l.source", "l.imported", "l.created_at"])
        ),
        store_id,
    )
    .await?;
    for row in leads {
        out.entry(row.customer_id).or_default().leads.push(row);
    }
    Ok(out)
}
