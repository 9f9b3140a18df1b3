//! Recording what a batch of events says about the store's identities.

use std::collections::HashMap;

use sqlx::{AnyConnection, Row};

use crate::{
    Backend, Result,
    sql::{Json, Sql, from_json, json_in, text_gt},
    validate::{Email, Name},
};

/// One event's report about a platform id.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Report<'a> {
    pub external_id: &'a str,
    pub email: Option<&'a Email>,
    pub name: Option<&'a Name>,
    pub at: i64,
    pub event_id: &'a str,
    /// A contact of a file (its id carries the import prefix).
    pub imported: bool,
}

/// The batch's reports of one platform id, merged: its earliest time and
/// its newest email and name (ties: the greater event id, byte-wise).
#[derive(Debug, Clone)]
struct Merged<'a> {
    first_at: i64,
    email: Option<(i64, &'a str, &'a Email)>,
    name: Option<(i64, &'a str, &'a Name)>,
    imported: bool,
}

fn newer<T>(candidate: (i64, &str, T), current: &Option<(i64, &str, T)>) -> bool {
    current
        .as_ref()
        .is_none_or(|c| (candidate.0, candidate.1.as_bytes()) > (c.0, c.1.as_bytes()))
}

/// What writing an identity changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Written {
    pub id: i64,
    /// Its group may have changed: it is new, its email changed or its
    /// first fact moved earlier (it may anchor its group now).
    pub regroup: bool,
    /// Its customer and email before this batch (None: it is new).
    pub customer_before: Option<i64>,
    pub email_before: Option<String>,
    pub email_now: Option<String>,
}

/// Upserts the identities `reports` name; answers, per platform id, what
/// changed. One read and one upsert for the whole batch.
pub(crate) async fn upsert(
    conn: &mut AnyConnection,
    backend: Backend,
    store_id: i64,
    reports: &[Report<'_>],
    now: i64,
) -> Result<HashMap<String, Written>> {
    let mut merged: HashMap<&str, Merged> = HashMap::new();
    for r in reports {
        let m = merged.entry(r.external_id).or_insert(Merged {
            first_at: r.at,
            email: None,
            name: None,
            imported: r.imported,
        });
        m.first_at = m.first_at.min(r.at);
        if let Some(email) = r.email
            && newer((r.at, r.event_id, email), &m.email)
        {
            m.email = Some((r.at, r.event_id, email));
        }
        if let Some(name) = r.name
            && newer((r.at, r.event_id, name), &m.name)
        {
            m.name = Some((r.at, r.event_id, name));
        }
    }
    let mut ids: Vec<(&str, Merged)> = merged.into_iter().collect();
    ids.sort_by(|a, b| a.0.cmp(b.0));

    let mut written = HashMap::with_capacity(ids.len());
    if ids.is_empty() {
        return Ok(written);
    }
    // Before: to tell what changed.
    let mut read = Sql::default();
    let store = read.arg(store_id);
    let names: Vec<&str> = ids.iter().map(|(id, _)| *id).collect();
    let list = read.json(&names);
    read.text = format!(
        "SELECT external_id, first_at, email_normalized, customer_id FROM identities \
         WHERE store_id = {store} AND {}",
        json_in(backend, "external_id", &list, Json::Text)
    );
    let mut before: HashMap<String, (i64, Option<String>, Option<i64>)> = HashMap::new();
    for row in read.query().fetch_all(&mut *conn).await? {
        before.insert(
            row.try_get("external_id")?,
            (
                row.try_get("first_at")?,
                row.try_get("email_normalized")?,
                row.try_get("customer_id")?,
            ),
        );
    }

    let rows: Vec<serde_json::Value> = ids
        .iter()
        .map(|(id, m)| {
            serde_json::json!([
                store_id,
                id,
                m.email.map(|e| e.2.as_str()),
                m.email.map(|e| e.2.normalized()),
                m.email.map_or(0, |e| e.0),
                m.email.map_or("", |e| e.1),
                m.name.map(|n| n.2.as_str()),
                m.name.map_or(0, |n| n.0),
                m.name.map_or("", |n| n.1),
                i64::from(m.imported),
                m.first_at,
                now,
            ])
        })
        .collect();
    let mut sql = Sql::default();
    let rows = sql.json(&rows);
    let select = from_json(
        backend,
        &rows,
        &[
            ("store_id", Json::Int),
            ("external_id", Json::Text),
            ("email", Json::Text),
            ("email_normalized", Json::Text),
            ("email_at", Json::Int),
            ("email_event", Json::Text),
            ("name", Json::Text),
            ("name_at", Json::Int),
            ("name_event", Json::Text),
            ("imported", Json::Int),
            ("first_at", Json::Int),
            ("created_at", Json::Int),
        ],
    );
    let newer = |what: &str| {
        format!(
            "(excluded.{what} IS NOT NULL AND (excluded.{what}_at > identities.{what}_at \
             OR (excluded.{what}_at = identities.{what}_at AND {})))",
            text_gt(
                backend,
                &format!("excluded.{what}_event"),
                &format!("identities.{what}_event")
            )
        )
    };
    let (email_newer, name_newer) = (newer("email"), newer("name"));
    let set = |column: &str, condition: &str| {
        format!(
            "{column} = CASE WHEN {condition} THEN excluded.{column} ELSE identities.{column} END"
        )
    };
    let sets = [
        set("email", &email_newer),
        set("email_normalized", &email_newer),
        set("email_at", &email_newer),
        set("email_event", &email_newer),
        set("name", &name_newer),
        set("name_at", &name_newer),
        set("name_event", &name_newer),
        set("first_at", "excluded.first_at < identities.first_at"),
    ];
    sql.text = format!(
        "INSERT INTO identities (store_id, external_id, email, email_normalized, email_at, \
         email_event, name, name_at, name_event, imported, first_at, created_at) \
         {select} WHERE true ON CONFLICT (store_id, external_id) DO UPDATE SET {} \
         RETURNING id, external_id, first_at, email_normalized",
        sets.join(", ")
    );
    for row in sql.query().fetch_all(&mut *conn).await? {
        let (id, external_id, first_at, email_now): (i64, String, i64, Option<String>) = (
            row.try_get("id")?,
            row.try_get("external_id")?,
            row.try_get("first_at")?,
            row.try_get("email_normalized")?,
        );
        let (regroup, customer_before, email_before) = match before.remove(&external_id) {
            None => (true, None, None),
            Some((old_first, old_email, customer)) => (
                old_email != email_now || first_at < old_first || customer.is_none(),
                customer,
                old_email,
            ),
        };
        written.insert(
            external_id,
            Written {
                id,
                regroup,
                customer_before,
                email_before,
                email_now,
            },
        );
    }
    Ok(written)
}
