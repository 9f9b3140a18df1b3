//! Subscriptions: subscriber, plan, status, amount and period are the newest
//! report's (by occurred_at, then event id), started_at the earliest report's.
//! Every report is also kept in `subscription_changes` (the subscription's
//! history), once per event id.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sqlx::{AnyConnection, Row};

use crate::{
    Backend, Result,
    sql::{Json, Sql, from_json, json_in, text_gt},
};

/// One subscription report.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Report<'a> {
    pub external_id: &'a str,
    pub identity_id: i64,
    pub plan_id: i64,
    pub status: &'a str,
    pub amount_cents: i64,
    pub currency: &'a str,
    pub interval: &'a str,
    pub started_at: i64,
    pub current_period_end: Option<i64>,
    pub at: i64,
    pub event_id: &'a str,
}

/// Records the batch's subscription reports; answers the identities whose
/// facts changed (the subscribers, and one a subscription moved away from).
pub(crate) async fn record(
    conn: &mut AnyConnection,
    store_id: i64,
    reports: &[Report<'_>],
    now: i64,
) -> Result<BTreeSet<i64>> {
    let mut touched = BTreeSet::new();
    if reports.is_empty() {
        return Ok(touched);
    }
    // Per subscription: the newest report, and the earliest start.
    let mut merged: BTreeMap<&str, (Report, i64)> = BTreeMap::new();
    for r in reports {
        touched.insert(r.identity_id);
        merged
            .entry(r.external_id)
            .and_modify(|(newest, started)| {
                if (r.at, r.event_id.as_bytes()) > (newest.at, newest.event_id.as_bytes()) {
                    *newest = *r;
                }
                *started = (*started).min(r.started_at);
            })
            .or_insert((*r, r.started_at));
    }
    let rows: Vec<(Report, i64)> = merged.into_values().collect();
    let backend = Backend::of(conn);
    let mut before = Sql::default();
    let store = before.arg(store_id);
    let names: Vec<&str> = rows.iter().map(|(r, _)| r.external_id).collect();
    let list = before.json(&names);
    before.text = format!(
        "SELECT identity_id FROM subscriptions WHERE store_id = {store} AND {}",
        json_in(backend, "external_id", &list, Json::Text)
    );
    for row in before.query().fetch_all(&mut *conn).await? {
        touched.insert(row.try_get("identity_id")?);
    }

    let values: Vec<serde_json::Value> = rows
        .iter()
        .map(|(r, started)| {
            serde_json::json!([
                store_id,
                r.external_id,
                r.identity_id,
                r.plan_id,
                r.amount_cents,
                r.currency,
                r.interval,
                r.status,
                started,
                r.current_period_end,
                r.at,
                r.event_id,
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
            ("plan_id", Json::Int),
            ("amount_cents", Json::Int),
            ("currency", Json::Text),
            ("billing_interval", Json::Text),
            ("status", Json::Text),
            ("started_at", Json::Int),
            ("current_period_end", Json::Int),
            ("status_at", Json::Int),
            ("status_event", Json::Text),
            ("created_at", Json::Int),
        ],
    );
    let newer = format!(
        "(excluded.status_at > subscriptions.status_at \
          OR (excluded.status_at = subscriptions.status_at AND {}))",
        text_gt(
            backend,
            "excluded.status_event",
            "subscriptions.status_event"
        )
    );
    let sets: Vec<String> = [
        "identity_id",
        "plan_id",
        "amount_cents",
        "currency",
        "billing_interval",
        "status",
        "current_period_end",
        "status_at",
        "status_event",
    ]
    .iter()
    .map(|c| format!("{c} = CASE WHEN {newer} THEN excluded.{c} ELSE subscriptions.{c} END"))
    .collect();
    sql.text = format!(
        "INSERT INTO subscriptions (store_id, external_id, identity_id, plan_id, amount_cents, \
         currency, billing_interval, status, started_at, current_period_end, status_at, \
         status_event, created_at) {select} WHERE true \
         ON CONFLICT (store_id, external_id) DO UPDATE SET \
         started_at = CASE WHEN excluded.started_at < subscriptions.started_at \
             THEN excluded.started_at ELSE subscriptions.started_at END, {} \
         RETURNING id, external_id",
        sets.join(", ")
    );
    let mut ids: HashMap<String, i64> = HashMap::with_capacity(rows.len());
    for row in sql.query().fetch_all(&mut *conn).await? {
        ids.insert(row.try_get("external_id")?, row.try_get("id")?);
    }

    // The history: every report, once per event id.
    let changes: Vec<serde_json::Value> = reports
        .iter()
        .map(|r| {
            serde_json::json!([
                ids[r.external_id],
                store_id,
                r.identity_id,
                r.plan_id,
                r.status,
                r.amount_cents,
                r.currency,
                r.at,
                r.event_id,
            ])
        })
        .collect();
    let mut sql = Sql::default();
    let changes = sql.json(&changes);
    let select = from_json(
        backend,
        &changes,
        &[
            ("subscription_id", Json::Int),
            ("store_id", Json::Int),
            ("identity_id", Json::Int),
            ("plan_id", Json::Int),
            ("status", Json::Text),
            ("amount_cents", Json::Int),
            ("currency", Json::Text),
            ("happened_at", Json::Int),
            ("event_id", Json::Text),
        ],
    );
    sql.text = format!(
        "INSERT INTO subscription_changes (subscription_id, store_id, identity_id, plan_id, \
         status, amount_cents, currency, happened_at, event_id) {select} WHERE true \
         ON CONFLICT (subscription_id, event_id) DO NOTHING"
    );
    sql.query().execute(&mut *conn).await?;
    Ok(touched)
}
