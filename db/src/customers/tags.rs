//! Tags: names a store gives its customers ("VIP", "webinar 2025"). A tag
//! is created the first time it is used and is unique per store ignoring
//! case ("vip" reuses "VIP" and keeps its spelling). Every addition and
//! removal logs a "tag added/removed" timeline entry in its transaction.
//!
//! Bulk tagging applies a tag to every customer matching a customers-page
//! query (the whole filtered set, not one page) with one INSERT ... SELECT
//! built by the same [`Filtered::filtered`] the page and its counts use, so the
//! confirmation's count ([`bulk_tag_preview`]) and the tagging agree on who
//! matches.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use super::{
    activity::{self, Activity, Actor},
    filter::CustomerQuery,
    owned::{IDENTITIES_OF, anchor_of},
    search::Filtered,
};
use crate::{
    Backend, Db, Error, Result,
    sql::{Arg, Json, Sql, from_json, int_list},
};

/// Longest tag name, in characters.
pub const MAX_TAG_CHARS: usize = 50;

/// A tag name that passed the checks: trimmed, 1 to [`MAX_TAG_CHARS`]
/// characters, no control characters; `normalized` is what is unique.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TagName {
    name: String,
    normalized: String,
}

impl TagName {
    pub fn parse(field: &str, value: &str) -> Result<TagName> {
        let name = value.trim();
        if name.is_empty() {
            return Err(Error::invalid(field, "the tag must not be empty"));
        }
        if name.chars().count() > MAX_TAG_CHARS {
            return Err(Error::invalid(
                field,
                format!("must be at most {MAX_TAG_CHARS} characters"),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(Error::invalid(field, "must not contain control characters"));
        }
        Ok(TagName {
            name: name.to_string(),
            normalized: name.to_lowercase(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.name
    }

    pub fn normalized(&self) -> &str {
        &self.normalized
    }
}

/// A tag of a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagRef {
    pub id: i64,
    pub name: String,
}

/// A tag of the store with how many customers carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagCount {
    pub id: i64,
    pub name: String,
    pub customers: i64,
}

/// What a bulk tagging would do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkTagPreview {
    /// Customers matching the query.
    pub matching: i64,
    /// Of those, the ones that already carry the tag.
    pub already_tagged: i64,
    /// The ones that would get it.
    pub to_tag: i64,
}

/// The ids of the store's tags named `names`, created if missing.
pub(crate) async fn ensure_tags(
    conn: &mut AnyConnection,
    store_id: i64,
    names: &[&TagName],
    now_ms: i64,
) -> Result<HashMap<String, TagRef>> {
    let mut found = HashMap::new();
    for name in names {
        if found.contains_key(name.normalized()) {
            continue;
        }
        sqlx::query(
            "INSERT INTO tags (store_id, name, name_normalized, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (store_id, name_normalized) DO NOTHING",
        )
        .bind(store_id)
        .bind(name.as_str())
        .bind(name.normalized())
        .bind(now_ms)
        .execute(&mut *conn)
        .await?;
        let row =
            sqlx::query("SELECT id, name FROM tags WHERE store_id = $1 AND name_normalized = $2")
                .bind(store_id)
                .bind(name.normalized())
                .fetch_one(&mut *conn)
                .await?;
        found.insert(
            name.normalized().to_string(),
            TagRef {
                id: row.try_get(0)?,
                name: row.try_get(1)?,
            },
        );
    }
    Ok(found)
}

/// Whether a customer (any of its identities) carries tag `{tag}`, for a
/// customer row aliased `c`.
fn tagged(tag: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM customer_tags ct JOIN identities i ON i.id = ct.identity_id \
         WHERE ct.tag_id = {tag} AND i.customer_id = c.id)"
    )
}

/// Tags customer `customer_id` (its anchor identity) with `tag` unless it
/// carries it already; logs the addition. Answers whether it was added.
pub(crate) async fn tag_customer(
    conn: &mut AnyConnection,
    store_id: i64,
    customer_id: i64,
    tag: &TagRef,
    actor: &Actor,
    now_ms: i64,
) -> Result<bool> {
    let added = sqlx::query(&format!(
        "INSERT INTO customer_tags (tag_id, identity_id, store_id, tagged_at, tagged_by) \
         SELECT $1, c.id, c.store_id, $3, $4 FROM customers c \
         WHERE c.id = $2 AND c.store_id = $5 AND NOT {} \
         ON CONFLICT (tag_id, identity_id) DO NOTHING",
        tagged("$1")
    ))
    .bind(tag.id)
    .bind(customer_id)
    .bind(now_ms)
    .bind(actor.id)
    .bind(store_id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if added {
        activity::record(
            conn,
            store_id,
            customer_id,
            Activity::TagAdded(&tag.name),
            actor,
            now_ms,
        )
        .await?;
    }
    Ok(added)
}

/// Tags many (customer, tag) pairs of a store at once (the contacts import),
/// skipping those a customer carries already and logging each addition;
/// answers the pairs that were new. Multi-row statements: a few round trips
/// per thousand pairs, not two per pair.
pub(crate) async fn tag_customers(
    conn: &mut AnyConnection,
    store_id: i64,
    pairs: &[(i64, &TagRef)],
    actor: &Actor,
    now_ms: i64,
) -> Result<Vec<(i64, i64)>> {
    let mut added = Vec::new();
    for chunk in pairs.chunks(5_000) {
        // What the customers carry already, through any identity: from the
        // customers' identities (its index) to their tags, never a walk over
        // every tag of the store (the tags' foreign key keeps them in it).
        let mut have = Sql::default();
        let store = have.arg(store_id);
        have.text = format!(
            "SELECT ct.tag_id, i.customer_id FROM identities i \
             JOIN customer_tags ct ON ct.identity_id = i.id \
             WHERE i.store_id = {store} AND i.customer_id IN ({})",
            int_list(chunk.iter().map(|(customer, _)| *customer))
        );
        let carried: HashSet<(i64, i64)> = have
            .query()
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|row| Ok((row.try_get("tag_id")?, row.try_get("customer_id")?)))
            .collect::<Result<_>>()?;
        let mut new: Vec<(i64, &TagRef)> = Vec::new();
        let mut seen = HashSet::new();
        for &(customer, tag) in chunk {
            if !carried.contains(&(tag.id, customer)) && seen.insert((tag.id, customer)) {
                new.push((customer, tag));
            }
        }
        if new.is_empty() {
            continue;
        }
        let backend = Backend::of(conn);
        let mut insert = Sql::default();
        let rows: Vec<(i64, i64, i64, i64, Option<i64>)> = new
            .iter()
            .map(|(customer, tag)| (tag.id, *customer, store_id, now_ms, actor.id))
            .collect();
        let rows = insert.json(&rows);
        let select = from_json(
            backend,
            &rows,
            &[
                ("tag_id", Json::Int),
                ("identity_id", Json::Int),
                ("store_id", Json::Int),
                ("tagged_at", Json::Int),
                ("tagged_by", Json::Int),
            ],
        );
        insert.text = format!(
            "INSERT INTO customer_tags (tag_id, identity_id, store_id, tagged_at, tagged_by) \
             {select} WHERE true ON CONFLICT (tag_id, identity_id) DO NOTHING"
        );
        insert.query().execute(&mut *conn).await?;
        let mut log = Sql::default();
        let rows: Vec<serde_json::Value> = new
            .iter()
            .map(|(customer, tag)| {
                serde_json::json!([store_id, customer, tag.name, actor.id, actor.email, now_ms])
            })
            .collect();
        let rows = log.json(&rows);
        let select = from_json(
            backend,
            &rows,
            &[
                ("store_id", Json::Int),
                ("identity_id", Json::Int),
                ("tag_name", Json::Text),
                ("account_id", Json::Int),
                ("account_email", Json::Text),
                ("happened_at", Json::Int),
            ],
        );
        log.text = format!(
            "INSERT INTO customer_activity (store_id, identity_id, kind, tag_name, account_id, \
             account_email, happened_at) SELECT j.store_id, j.identity_id, 'tag_added', \
             j.tag_name, j.account_id, j.account_email, j.happened_at FROM ({select}) j"
        );
        log.query().execute(&mut *conn).await?;
        added.extend(new.iter().map(|(customer, tag)| (tag.id, *customer)));
    }
    Ok(added)
}

/// Adds tag `name` to a customer (creating the tag if the store has none of
/// that name). Answers the tag and whether the customer got it now (false:
/// they already had it; nothing is logged then).
#[tracing::instrument(skip(db))]
pub async fn add_tag(
    db: &Db,
    store_id: i64,
    customer_id: i64,
    account_id: Option<i64>,
    name: &str,
    now_ms: i64,
) -> Result<(TagRef, bool)> {
    let name = TagName::parse("tag", name)?;
    let mut tx = db.writer().begin().await?;
    anchor_of(&mut *tx, store_id, customer_id).await?;
    let actor = Actor::load(&mut tx, account_id).await?;
    let tag = ensure_tags(&mut tx, store_id, &[&name], now_ms)
        .await?
        .remove(name.normalized())
        .expect("ensured above");
    let added = tag_customer(&mut tx, store_id, customer_id, &tag, &actor, now_ms).await?;
    tx.commit().await?;
    Ok((tag, added))
}

/// Removes tag `name` (any case) from a customer. Answers whether they had
/// it; the tag itself stays in the store's list (with its count).
#[tracing::instrument(skip(db))]
pub async fn remove_tag(
    db: &Db,
    store_id: i64,
    customer_id: i64,
    account_id: Option<i64>,
    name: &str,
    now_ms: i64,
) -> Result<bool> {
    let name = TagName::parse("tag", name)?;
    let mut tx = db.writer().begin().await?;
    anchor_of(&mut *tx, store_id, customer_id).await?;
    let actor = Actor::load(&mut tx, account_id).await?;
    let Some(row) =
        sqlx::query("SELECT id, name FROM tags WHERE store_id = $1 AND name_normalized = $2")
            .bind(store_id)
            .bind(name.normalized())
            .fetch_optional(&mut *tx)
            .await?
    else {
        return Ok(false);
    };
    let (tag_id, tag_name): (i64, String) = (row.try_get(0)?, row.try_get(1)?);
    // From every identity of the customer that carries it.
    let removed = sqlx::query(
        "DELETE FROM customer_tags WHERE tag_id = $1 AND identity_id IN \
         (SELECT id FROM identities WHERE store_id = $2 AND customer_id = $3)",
    )
    .bind(tag_id)
    .bind(store_id)
    .bind(customer_id)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        > 0;
    if removed {
        activity::record(
            &mut tx,
            store_id,
            customer_id,
            Activity::TagRemoved(&tag_name),
            &actor,
            now_ms,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(removed)
}

/// A customer's tags, by name.
pub async fn customer_tags(db: &Db, store_id: i64, customer_id: i64) -> Result<Vec<TagRef>> {
    anchor_of(db.reader(), store_id, customer_id).await?;
    tags_of_customer(db.reader(), store_id, customer_id).await
}

/// The tags a customer carries (through any of its identities), by name.
pub(crate) async fn tags_of_customer<'c, E>(
    executor: E,
    store_id: i64,
    customer_id: i64,
) -> Result<Vec<TagRef>>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query(&format!(
        "SELECT DISTINCT t.id, t.name, t.name_normalized FROM customer_tags ct \
         JOIN tags t ON t.id = ct.tag_id \
         WHERE ct.store_id = $1 AND ct.identity_id IN {IDENTITIES_OF} \
         ORDER BY t.name_normalized, t.id"
    ))
    .bind(store_id)
    .bind(customer_id)
    .fetch_all(executor)
    .await?
    .iter()
    .map(|row| {
        Ok(TagRef {
            id: row.try_get(0)?,
            name: row.try_get(1)?,
        })
    })
    .collect()
}

/// The store's tags that someone carries, with their customer counts, by
/// name.
#[tracing::instrument(skip(db))]
pub async fn store_tags(db: &Db, store_id: i64) -> Result<Vec<TagCount>> {
    crate::stores::get_store(db, store_id).await?;
    // A tag no one carries any more is not offered (it would filter to
    // nothing); it comes back when it is given again.
    sqlx::query(
        "SELECT t.id, t.name, COUNT(DISTINCT i.customer_id) AS n \
         FROM tags t JOIN customer_tags ct ON ct.tag_id = t.id \
         JOIN identities i ON i.id = ct.identity_id \
         WHERE t.store_id = $1 GROUP BY t.id, t.name, t.name_normalized \
         ORDER BY t.name_normalized, t.id",
    )
    .bind(store_id)
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(|row| {
        Ok(TagCount {
            id: row.try_get(0)?,
            name: row.try_get(1)?,
            customers: row.try_get(2)?,
        })
    })
    .collect()
}

/// How many customers match `query`, how many of them already carry tag
/// `name` and how many would get it: the confirmation before
/// [`bulk_tag`]. The query's cursor and page size are ignored.
#[tracing::instrument(skip(db, query))]
pub async fn bulk_tag_preview(
    db: &Db,
    store_id: i64,
    query: &CustomerQuery,
    name: &str,
    now_ms: i64,
) -> Result<BulkTagPreview> {
    let name = TagName::parse("tag", name)?;
    let query = whole_set(query)?;
    crate::stores::get_store(db, store_id).await?;
    let tag_id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM tags WHERE store_id = $1 AND name_normalized = $2")
            .bind(store_id)
            .bind(name.normalized())
            .fetch_optional(db.reader())
            .await?;
    let mut sql = Sql::default();
    let tag = sql.arg(Arg::I(tag_id.unwrap_or(0)));
    sql.push(&format!(
        "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN {} THEN 1 ELSE 0 END), 0) AS BIGINT)",
        tagged(&tag)
    ));
    sql.filtered(db.backend(), store_id, &query, now_ms, true);
    let row = sql.query().fetch_one(db.reader()).await?;
    let (matching, already_tagged): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
    Ok(BulkTagPreview {
        matching,
        already_tagged,
        to_tag: matching - already_tagged,
    })
}

/// Tags every customer matching `query` (the whole filtered set) with
/// `name`, logging a "tag added" entry for each one that did not have it.
/// Answers how many got the tag. One transaction: two statements over the
/// same filter, the log first (for the customers not yet tagged) and then
/// the tags themselves.
#[tracing::instrument(skip(db, query))]
pub async fn bulk_tag(
    db: &Db,
    store_id: i64,
    query: &CustomerQuery,
    account_id: Option<i64>,
    name: &str,
    now_ms: i64,
) -> Result<u64> {
    let name = TagName::parse("tag", name)?;
    let query = whole_set(query)?;
    crate::stores::get_store(db, store_id).await?;
    let mut tx = db.writer().begin().await?;
    let actor = Actor::load(&mut tx, account_id).await?;
    let tag = ensure_tags(&mut tx, store_id, &[&name], now_ms)
        .await?
        .remove(name.normalized())
        .expect("ensured above");

    let mut log = Sql::default();
    let tag_id = log.arg(Arg::I(tag.id));
    let tag_name = log.arg(Arg::S(tag.name.clone()));
    let at = log.arg(Arg::I(now_ms));
    let (account, email) = match (actor.id, &actor.email) {
        (Some(id), Some(email)) => (log.arg(Arg::I(id)), log.arg(Arg::S(email.clone()))),
        _ => ("NULL".to_string(), "NULL".to_string()),
    };
    log.push(&format!(
        "INSERT INTO customer_activity (store_id, identity_id, kind, tag_name, account_id, \
         account_email, happened_at) \
         SELECT c.store_id, c.id, 'tag_added', {tag_name}, {account}, {email}, {at}"
    ));
    log.filtered(db.backend(), store_id, &query, now_ms, true);
    log.push(&format!(" AND NOT {}", tagged(&tag_id)));
    log.query().execute(&mut *tx).await?;

    let mut insert = Sql::default();
    let tag_id = insert.arg(Arg::I(tag.id));
    let at = insert.arg(Arg::I(now_ms));
    let account = match actor.id {
        Some(id) => insert.arg(Arg::I(id)),
        None => "NULL".to_string(),
    };
    insert.push(&format!(
        "INSERT INTO customer_tags (tag_id, identity_id, store_id, tagged_at, tagged_by) \
         SELECT {tag_id}, c.id, c.store_id, {at}, {account}"
    ));
    insert.filtered(db.backend(), store_id, &query, now_ms, true);
    insert.push(&format!(
        " AND NOT {} ON CONFLICT (tag_id, identity_id) DO NOTHING",
        tagged(&tag_id)
    ));
    let added = insert.query().execute(&mut *tx).await?.rows_affected();
    tx.commit().await?;
    Ok(added)
}

/// The query as a whole set: checked, without cursor or page size.
fn whole_set(query: &CustomerQuery) -> Result<CustomerQuery> {
    let query = CustomerQuery {
        after: None,
        page_size: super::filter::DEFAULT_PAGE_SIZE,
        ..query.clone()
    };
    query.validate()?;
    Ok(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_names_are_trimmed_bounded_and_case_folded() {
        let tag = TagName::parse("tag", "  VIP Ünder ").unwrap();
        assert_eq!((tag.as_str(), tag.normalized()), ("VIP Ünder", "vip ünder"));
        assert!(TagName::parse("tag", &"é".repeat(50)).is_ok());
        for bad in ["", "   ", "a\tb", "line\nbreak"] {
            assert!(TagName::parse("tag", bad).is_err(), "{bad:?}");
        }
        match TagName::parse("tags[2]", &"x".repeat(51)) {
            Err(Error::Invalid { field, .. }) => assert_eq!(field, "tags[2]"),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }
}
