//! Payments and refunds. A payment's values (buyer, item, amount) are its
//! earliest report's (paid_at, ties: the smaller event id), reported_at its
//! newest report; a refund (always full) is dated by its earliest report and
//! may arrive before its payment, leaving a placeholder the payment fills in.
//! Minima and maxima: any order of reports converges.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sqlx::{AnyConnection, Row};

use crate::{
    Backend, Result,
    sql::{Json, Sql, from_json, json_in, text_gt},
};

/// One payment report.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Payment<'a> {
    pub external_id: &'a str,
    pub identity_id: i64,
    pub course_id: Option<i64>,
    pub product_id: Option<i64>,
    pub plan_id: Option<i64>,
    pub amount_cents: i64,
    pub currency: &'a str,
    pub at: i64,
    pub event_id: &'a str,
}

/// Records the batch's payments; answers the identities whose facts changed
/// (the buyers, and a buyer a payment moved away from).
pub(crate) async fn record(
    conn: &mut AnyConnection,
    store_id: i64,
    payments: &[Payment<'_>],
    now: i64,
) -> Result<BTreeSet<i64>> {
    let mut touched = BTreeSet::new();
    if payments.is_empty() {
        return Ok(touched);
    }
    // Per payment: the earliest report, and the newest report's time.
    let mut merged: BTreeMap<&str, (Payment, i64)> = BTreeMap::new();
    for p in payments {
        touched.insert(p.identity_id);
        merged
            .entry(p.external_id)
            .and_modify(|(first, newest)| {
                if (p.at, p.event_id.as_bytes()) < (first.at, first.event_id.as_bytes()) {
                    *first = *p;
                }
                *newest = (*newest).max(p.at);
            })
            .or_insert((*p, p.at));
    }
    let rows: Vec<(Payment, i64)> = merged.into_values().collect();
    let backend = Backend::of(conn);
    let mut before = Sql::default();
    let store = before.arg(store_id);
    let names: Vec<&str> = rows.iter().map(|(p, _)| p.external_id).collect();
    let list = before.json(&names);
    before.text = format!(
        "SELECT identity_id FROM purchases WHERE store_id = {store} \
         AND {} AND identity_id IS NOT NULL",
        json_in(backend, "external_id", &list, Json::Text)
    );
    for row in before.query().fetch_all(&mut *conn).await? {
        touched.insert(row.try_get("identity_id")?);
    }

    let values: Vec<serde_json::Value> = rows
        .iter()
        .map(|(p, newest)| {
            serde_json::json!([
                store_id,
                p.external_id,
                p.identity_id,
                p.course_id,
                p.product_id,
                p.plan_id,
                p.amount_cents,
                p.currency,
                p.at,
                p.event_id,
                newest,
                now,
            ])
        })
        .collect();
    let mut sql = Sql::default();
    let values = sql.json(&values);
    let select = from_json(
        backend,
        &values,
        &[
            ("store_id", Json::Int),
            ("external_id", Json::Text),
            ("identity_id", Json::Int),
            ("course_id", Json::Int),
            ("product_id", Json::Int),
            ("plan_id", Json::Int),
            ("amount_cents", Json::Int),
            ("currency", Json::Text),
            ("paid_at", Json::Int),
            ("paid_event", Json::Text),
            ("reported_at", Json::Int),
            ("created_at", Json::Int),
        ],
    );
    let earlier = format!(
        "(purchases.paid_at IS NULL OR excluded.paid_at < purchases.paid_at \
          OR (excluded.paid_at = purchases.paid_at AND {}))",
        text_gt(backend, "purchases.paid_event", "excluded.paid_event")
    );
    let sets: Vec<String> = [
        "identity_id",
        "course_id",
        "product_id",
        "plan_id",
        "amount_cents",
        "currency",
        "paid_at",
        "paid_event",
    ]
    .iter()
    .map(|c| format!("{c} = CASE WHEN {earlier} THEN excluded.{c} ELSE purchases.{c} END"))
    .collect();
    sql.text = format!(
        "INSERT INTO purchases (store_id, external_id, identity_id, course_id, product_id, \
         plan_id, amount_cents, currency, paid_at, paid_event, reported_at, created_at) \
         {select} WHERE true ON CONFLICT (store_id, external_id) DO UPDATE SET {}, \
         reported_at = CASE WHEN purchases.reported_at IS NULL \
             OR excluded.reported_at > purchases.reported_at \
             THEN excluded.reported_at ELSE purchases.reported_at END",
        sets.join(", ")
    );
    sql.query().execute(&mut *conn).await?;
    Ok(touched)
}

/// Records the batch's refunds (purchase id, time); answers the buyers of
/// the refunded payments that have arrived.
pub(crate) async fn refund(
    conn: &mut AnyConnection,
    store_id: i64,
    refunds: &[(&str, i64)],
    now: i64,
) -> Result<BTreeSet<i64>> {
    let mut earliest: HashMap<&str, i64> = HashMap::new();
    for &(purchase, at) in refunds {
        earliest
            .entry(purchase)
            .and_modify(|t| *t = (*t).min(at))
            .or_insert(at);
    }
    let mut rows: Vec<(i64, &str, i64, i64)> = earliest
        .into_iter()
        .map(|(purchase, at)| (store_id, purchase, at, now))
        .collect();
    rows.sort_unstable();
    let mut buyers = BTreeSet::new();
    if rows.is_empty() {
        return Ok(buyers);
    }
    let mut sql = Sql::default();
    let values = sql.json(&rows);
    let select = from_json(
        Backend::of(conn),
        &values,
        &[
            ("store_id", Json::Int),
            ("external_id", Json::Text),
            ("refunded_at", Json::Int),
            ("created_at", Json::Int),
        ],
    );
    sql.text = format!(
        "INSERT INTO purchases (store_id, external_id, refunded_at, created_at) {select} \
         WHERE true ON CONFLICT (store_id, external_id) DO UPDATE SET \
         refunded_at = CASE WHEN purchases.refunded_at IS NULL \
             OR excluded.refunded_at < purchases.refunded_at \
             THEN excluded.refunded_at ELSE purchases.refunded_at END \
         RETURNING identity_id"
    );
    for row in sql.query().fetch_all(&mut *conn).await? {
        if let Some(identity) = row.try_get::<Option<i64>, _>("identity_id")? {
            buyers.insert(identity);
        }
    }
    Ok(buyers)
}
