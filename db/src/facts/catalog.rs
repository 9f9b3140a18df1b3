//! The store's catalog: courses, products and plans. A catalog event is
//! last-writer-wins by (occurred_at, event id); a fact may name an entry
//! before its catalog event arrived, which leaves a placeholder (no title
//! yet). Customers refer to entries by id, so a rename writes no customer.

use std::collections::{BTreeMap, HashMap};

use sqlx::{AnyConnection, Row};

use crate::{
    Backend, Result,
    events::{CatalogEntry, CatalogKind},
    sql::{Json, Sql, from_json, json_in, text_gt},
    text::fold,
};

/// Records catalog events: per entry, only the batch's newest report is
/// written (a batch renaming one course a thousand times writes it once),
/// and only if it is newer than the stored one.
pub(crate) async fn upsert_entries(
    conn: &mut AnyConnection,
    backend: Backend,
    store_id: i64,
    entries: &[(&CatalogEntry, i64, &str)],
    now: i64,
) -> Result<()> {
    let mut newest: BTreeMap<(CatalogKind, &str), (&CatalogEntry, i64, &str)> = BTreeMap::new();
    for &(entry, at, event_id) in entries {
        let key = (entry.kind, entry.external_id.as_str());
        let newer = newest
            .get(&key)
            .is_none_or(|&(_, a, e)| (at, event_id.as_bytes()) > (a, e.as_bytes()));
        if newer {
            newest.insert(key, (entry, at, event_id));
        }
    }
    for kind in [CatalogKind::Course, CatalogKind::Product, CatalogKind::Plan] {
        let rows: Vec<serde_json::Value> = newest
            .iter()
            .filter(|((k, _), _)| *k == kind)
            .map(|(_, (entry, at, event_id))| {
                serde_json::json!([
                    store_id,
                    entry.external_id.as_str(),
                    entry.title.as_str(),
                    fold(entry.title.as_str()),
                    entry.price.get(),
                    entry.currency.as_str(),
                    at,
                    event_id,
                    now,
                    entry.interval.map(|i| i.as_str()),
                ])
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        let table = kind.table();
        let (price, interval) = match kind {
            CatalogKind::Plan => ("amount_cents", true),
            _ => ("price_cents", false),
        };
        let mut sql = Sql::default();
        let rows = sql.json(&rows);
        let select = from_json(
            backend,
            &rows,
            &[
                ("store_id", Json::Int),
                ("external_id", Json::Text),
                ("title", Json::Text),
                ("title_folded", Json::Text),
                ("price", Json::Int),
                ("currency", Json::Text),
                ("updated_at", Json::Int),
                ("updated_by", Json::Text),
                ("created_at", Json::Int),
                ("billing_interval", Json::Text),
            ],
        );
        let (interval_column, interval_value, interval_set) = if interval {
            (
                ", billing_interval",
                ", j.billing_interval",
                ", billing_interval = excluded.billing_interval",
            )
        } else {
            ("", "", "")
        };
        sql.text = format!(
            "INSERT INTO {table} (store_id, external_id, title, title_folded, {price}, \
             currency, updated_at, updated_by, created_at{interval_column}) \
             SELECT j.store_id, j.external_id, j.title, j.title_folded, j.price, j.currency, \
                    j.updated_at, j.updated_by, j.created_at{interval_value} FROM ({select}) j \
             WHERE true ON CONFLICT (store_id, external_id) DO UPDATE SET title = excluded.title, \
             title_folded = excluded.title_folded, {price} = excluded.{price}, \
             currency = excluded.currency, updated_at = excluded.updated_at, \
             updated_by = excluded.updated_by{interval_set} \
             WHERE excluded.updated_at > {table}.updated_at \
                OR (excluded.updated_at = {table}.updated_at AND {})",
            text_gt(
                backend,
                "excluded.updated_by",
                &format!("{table}.updated_by")
            )
        );
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// The ids of catalog entries by platform id, creating placeholders for
/// those the store has not described yet.
pub(crate) async fn ids(
    conn: &mut AnyConnection,
    store_id: i64,
    kind: CatalogKind,
    external_ids: &[&str],
    now: i64,
) -> Result<HashMap<String, i64>> {
    let mut unique: Vec<&str> = external_ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let mut found = HashMap::with_capacity(unique.len());
    if unique.is_empty() {
        return Ok(found);
    }
    let backend = Backend::of(conn);
    let table = kind.table();
    // Until its catalog event comes, an entry is found by its id.
    let rows: Vec<(i64, &str, String, i64)> = unique
        .iter()
        .map(|id| (store_id, *id, fold(id), now))
        .collect();
    let mut insert = Sql::default();
    let rows = insert.json(&rows);
    let select = from_json(
        backend,
        &rows,
        &[
            ("store_id", Json::Int),
            ("external_id", Json::Text),
            ("title_folded", Json::Text),
            ("created_at", Json::Int),
        ],
    );
    insert.text = format!(
        "INSERT INTO {table} (store_id, external_id, title_folded, created_at) {select} \
         WHERE true ON CONFLICT (store_id, external_id) DO NOTHING"
    );
    insert.query().execute(&mut *conn).await?;
    let mut select = Sql::default();
    let store = select.arg(store_id);
    let list = select.json(&unique);
    select.text = format!(
        "SELECT external_id, id FROM {table} WHERE store_id = {store} AND {}",
        json_in(backend, "external_id", &list, Json::Text)
    );
    for row in select.query().fetch_all(&mut *conn).await? {
        found.insert(row.try_get("external_id")?, row.try_get("id")?);
    }
    Ok(found)
}
