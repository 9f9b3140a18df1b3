//! Segments: a store's saved, named filters (`domain::segment`). A segment
//! stores its rules only; who belongs is computed when read, by the same
//! filtered set the customers page, its counts, export and bulk tag use
//! (`customers::rules`), so it is always current and never rebuilt.
//!
//! Every statement names the store: a segment id of another store is not
//! found, and a rule can only name the store's own courses, products,
//! plans and campaigns ([`check`]).

use domain::segment::{Condition, Group, check_name};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::{
    Db, Error, Result,
    customers::{
        filter::CustomerQuery,
        search::{self, Counts},
    },
};

/// A saved segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub id: i64,
    pub name: String,
    pub definition: Group,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Checks a definition against the store: its rules (named by position) and
/// that every course, product, plan and campaign it names is the store's.
pub async fn check(db: &Db, store_id: i64, definition: &Group) -> Result<()> {
    definition.validate()?;
    for (rule, condition) in definition.conditions() {
        let (table, id) = match condition {
            Condition::Enrolled {
                course: Some(id), ..
            }
            | Condition::Completed { course: Some(id) } => ("courses", *id),
            Condition::Bought { product: Some(id) } => ("products", *id),
            Condition::Subscription { plan: Some(id), .. } => ("plans", *id),
            Condition::Engagement {
                campaign: Some(id), ..
            } => ("campaigns", *id),
            _ => continue,
        };
        // The table name is one of the literals above.
        let found: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM {table} WHERE store_id = $1 AND id = $2"
        ))
        .bind(store_id)
        .bind(id)
        .fetch_optional(db.reader())
        .await?;
        if found.is_none() {
            let what = &table[..table.len() - 1];
            return Err(Error::invalid(
                rule,
                format!("{}: this store has no {what} {id}", condition.field()),
            ));
        }
    }
    Ok(())
}

/// How many customers a definition holds now, and per type.
pub async fn count(db: &Db, store_id: i64, definition: &Group, now_ms: i64) -> Result<Counts> {
    check(db, store_id, definition).await?;
    let query = CustomerQuery {
        segment: Some(definition.clone()),
        ..CustomerQuery::default()
    };
    search::counts(db, store_id, &query, now_ms).await
}

/// The store's segments, by name.
pub async fn list(db: &Db, store_id: i64) -> Result<Vec<Segment>> {
    let rows = sqlx::query(
        "SELECT id, name, definition, created_at, updated_at FROM segments \
         WHERE store_id = $1 ORDER BY name_normalized, id",
    )
    .bind(store_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(segment_from).collect()
}

/// One segment of the store, or `NotFound` (also for another store's id).
pub async fn get(db: &Db, store_id: i64, segment_id: i64) -> Result<Segment> {
    let row = sqlx::query(
        "SELECT id, name, definition, created_at, updated_at FROM segments \
         WHERE store_id = $1 AND id = $2",
    )
    .bind(store_id)
    .bind(segment_id)
    .fetch_optional(db.reader())
    .await?
    .ok_or(Error::NotFound("segment"))?;
    segment_from(&row)
}

fn segment_from(row: &sqlx::any::AnyRow) -> Result<Segment> {
    let definition: String = row.try_get("definition")?;
    Ok(Segment {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        // Written by `save` from a checked definition.
        definition: serde_json::from_str(&definition)
            .map_err(|e| Error::invalid("definition", e.to_string()))?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Creates a segment (`segment_id` `None`) or replaces one's name and rules.
/// Names are unique in the store, ignoring case. Answers the segment's id.
pub async fn save(
    db: &Db,
    store_id: i64,
    segment_id: Option<i64>,
    name: &str,
    definition: &Group,
    account_id: Option<i64>,
    now_ms: i64,
) -> Result<i64> {
    let name = check_name(name)?;
    check(db, store_id, definition).await?;
    let normalized = name.to_lowercase();
    let json = serde_json::to_string(definition).expect("a definition serialises");
    let mut tx = db.writer().begin().await?;
    let taken: Option<i64> =
        sqlx::query_scalar("SELECT id FROM segments WHERE store_id = $1 AND name_normalized = $2")
            .bind(store_id)
            .bind(&normalized)
            .fetch_optional(&mut *tx)
            .await?;
    if taken.is_some_and(|id| Some(id) != segment_id) {
        return Err(Error::invalid("name", "another segment has this name"));
    }
    let id =
        match segment_id {
            None => sqlx::query_scalar(
                "INSERT INTO segments (store_id, name, name_normalized, definition, created_at, \
                 created_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $5) RETURNING id",
            )
            .bind(store_id)
            .bind(&name)
            .bind(&normalized)
            .bind(&json)
            .bind(now_ms)
            .bind(account_id)
            .fetch_one(&mut *tx)
            .await?,
            Some(id) => {
                let updated = sqlx::query(
                    "UPDATE segments SET name = $3, name_normalized = $4, definition = $5, \
                 updated_at = $6 WHERE store_id = $1 AND id = $2",
                )
                .bind(store_id)
                .bind(id)
                .bind(&name)
                .bind(&normalized)
                .bind(&json)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
                if updated.rows_affected() == 0 {
                    return Err(Error::NotFound("segment"));
                }
                id
            }
        };
    tx.commit().await?;
    Ok(id)
}

/// Deletes a segment of the store; `NotFound` when it has none of that id.
pub async fn delete(db: &Db, store_id: i64, segment_id: i64) -> Result<()> {
    let deleted = sqlx::query("DELETE FROM segments WHERE store_id = $1 AND id = $2")
        .bind(store_id)
        .bind(segment_id)
        .execute(db.writer())
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(Error::NotFound("segment"));
    }
    Ok(())
}
