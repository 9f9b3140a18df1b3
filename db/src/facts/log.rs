//! The events log: every event id a store reported, with a digest of its
//! body. A repeat with the same body is a no-op (`duplicate`); with another
//! body it is refused (`conflict`) and changes nothing.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use crate::{
    Backend, Result,
    events::ValidEvent,
    sql::{Json, Sql, from_json, json_in},
};

/// What happened to one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    /// Recorded now.
    Applied,
    /// Its event id was seen before with the same body; nothing changed.
    Duplicate,
    /// Its event id was seen before with another body; nothing changed.
    Conflict,
}

/// Logs the batch's event ids; answers each event's status, in order. Only
/// the first occurrence of a new id is `Applied`.
pub(crate) async fn log(
    conn: &mut AnyConnection,
    store_id: i64,
    events: &[ValidEvent],
    now: i64,
) -> Result<Vec<EventStatus>> {
    // The first occurrence of each id in the batch is the one logged.
    let mut first: HashMap<&str, &ValidEvent> = HashMap::new();
    for event in events {
        first.entry(event.event_id.as_str()).or_insert(event);
    }
    let mut unique: Vec<&ValidEvent> = first.values().copied().collect();
    unique.sort_by(|a, b| a.event_id.cmp(&b.event_id));

    let backend = Backend::of(conn);
    let mut sql = Sql::default();
    let rows: Vec<(i64, &str, &str, i64, i64, &str)> = unique
        .iter()
        .map(|e| {
            (
                store_id,
                e.event_id.as_str(),
                e.kind,
                e.occurred_at.get(),
                now,
                e.fingerprint.as_str(),
            )
        })
        .collect();
    let rows = sql.json(&rows);
    let select = from_json(
        backend,
        &rows,
        &[
            ("store_id", Json::Int),
            ("event_id", Json::Text),
            ("type", Json::Text),
            ("occurred_at", Json::Int),
            ("received_at", Json::Int),
            ("body_hash", Json::Text),
        ],
    );
    sql.text = format!(
        "INSERT INTO events (store_id, event_id, type, occurred_at, received_at, body_hash) \
         {select} WHERE true ON CONFLICT (store_id, event_id) DO NOTHING RETURNING event_id"
    );
    let fresh: HashSet<String> = sql
        .scalar::<String>()
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
    // Ids seen before: the same body, or another.
    let repeats: Vec<&str> = unique
        .iter()
        .map(|e| e.event_id.as_str())
        .filter(|id| !fresh.contains(*id))
        .collect();
    let mut logged: HashMap<String, Option<String>> = HashMap::new();
    if !repeats.is_empty() {
        let mut sql = Sql::default();
        let store = sql.arg(store_id);
        let list = sql.json(&repeats);
        sql.text = format!(
            "SELECT event_id, body_hash FROM events WHERE store_id = {store} \
             AND {}",
            json_in(backend, "event_id", &list, Json::Text)
        );
        for row in sql.query().fetch_all(&mut *conn).await? {
            logged.insert(row.try_get("event_id")?, row.try_get("body_hash")?);
        }
    }

    let mut applied: HashSet<&str> = HashSet::new();
    Ok(events
        .iter()
        .map(|event| {
            let id = event.event_id.as_str();
            let same_body = |hash: Option<&str>| hash.is_none_or(|h| h == event.fingerprint);
            if fresh.contains(id) {
                if applied.insert(id) {
                    EventStatus::Applied
                } else if first[id].fingerprint == event.fingerprint {
                    EventStatus::Duplicate
                } else {
                    EventStatus::Conflict
                }
            } else if same_body(logged.get(id).and_then(|h| h.as_deref())) {
                // Logged before fingerprints were kept: a repeat.
                EventStatus::Duplicate
            } else {
                EventStatus::Conflict
            }
        })
        .collect())
}
