//! Applying the merge rule ([`super::group`]) to the database: the groups one
//! batch touched, or every group of a store. Only identities whose customer
//! changes are written; the customers whose membership changed are answered
//! so that they are derived again.

use std::collections::{BTreeSet, HashSet};

use sqlx::{AnyConnection, Row};

use super::{group, write::Written};
use crate::{
    Backend, Result,
    sql::{Json, Sql, from_json, int_list, json_in},
};

/// Identity ids per `UPDATE` of customer ids.
const UPDATES_PER_STATEMENT: usize = 20_000;

/// Regroups the groups of the identities `written` marked for it (their old
/// and new email's, or their own when they have none). Answers the customer
/// ids whose membership changed, before and after.
pub(crate) async fn regroup<'a>(
    conn: &mut AnyConnection,
    store_id: i64,
    written: impl IntoIterator<Item = &'a Written>,
) -> Result<BTreeSet<i64>> {
    let mut emails = BTreeSet::new();
    let mut alone = BTreeSet::new();
    for w in written.into_iter().filter(|w| w.regroup) {
        emails.extend(w.email_before.iter().cloned());
        match &w.email_now {
            Some(email) => {
                emails.insert(email.clone());
            }
            None => {
                alone.insert(w.id);
            }
        }
    }
    if emails.is_empty() && alone.is_empty() {
        return Ok(BTreeSet::new());
    }
    let backend = Backend::of(conn);
    let mut members = Vec::new();
    let emails: Vec<String> = emails.into_iter().collect();
    // Whole groups: every identity of the store with one of these emails.
    if !emails.is_empty() {
        let mut sql = Sql::default();
        let store = sql.arg(store_id);
        let list = sql.json(&emails);
        sql.text = format!(
            "SELECT id, external_id, email_normalized, first_at, customer_id FROM identities \
             WHERE store_id = {store} AND {}",
            json_in(backend, "email_normalized", &list, Json::Text)
        );
        members.extend(read_members(conn, &sql).await?);
    }
    if !alone.is_empty() {
        let mut sql = Sql::default();
        let store = sql.arg(store_id);
        sql.text = format!(
            "SELECT id, external_id, email_normalized, first_at, customer_id FROM identities \
             WHERE store_id = {store} AND id IN ({})",
            int_list(alone.iter().copied())
        );
        members.extend(read_members(conn, &sql).await?);
    }
    let mut seen = HashSet::new();
    members.retain(|(m, _)| seen.insert(m.id));
    apply(conn, &members).await
}

/// Regroups every identity of a store (the backfill). Answers the customer
/// ids whose membership changed.
pub(crate) async fn regroup_store(
    conn: &mut AnyConnection,
    store_id: i64,
) -> Result<BTreeSet<i64>> {
    let mut sql = Sql::default();
    let store = sql.arg(store_id);
    sql.text = format!(
        "SELECT id, external_id, email_normalized, first_at, customer_id FROM identities \
         WHERE store_id = {store}"
    );
    let members = read_members(conn, &sql).await?;
    apply(conn, &members).await
}

type Current = Option<i64>;

async fn read_members(
    conn: &mut AnyConnection,
    sql: &Sql,
) -> Result<Vec<(group::Member, Current)>> {
    sql.query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| {
            Ok((
                group::Member {
                    id: row.try_get(0)?,
                    external_id: row.try_get(1)?,
                    email_normalized: row.try_get(2)?,
                    first_at: row.try_get(3)?,
                },
                row.try_get(4)?,
            ))
        })
        .collect()
}

/// Writes the customer ids the rule gives `members` (whole groups) where
/// they differ; answers the customers before and after of those changed.
async fn apply(
    conn: &mut AnyConnection,
    members: &[(group::Member, Current)],
) -> Result<BTreeSet<i64>> {
    let plain: Vec<group::Member> = members.iter().map(|(m, _)| m.clone()).collect();
    let assigned = group::assign(&plain);
    let mut affected = BTreeSet::new();
    let mut changes: Vec<(i64, i64)> = Vec::new();
    for (member, current) in members {
        let customer = assigned[&member.id];
        if *current != Some(customer) {
            affected.extend(*current);
            affected.insert(customer);
            changes.push((member.id, customer));
        }
    }
    changes.sort_unstable();
    let backend = Backend::of(conn);
    for chunk in changes.chunks(UPDATES_PER_STATEMENT) {
        let mut sql = Sql::default();
        let rows = sql.json(&chunk);
        let select = from_json(
            backend,
            &rows,
            &[("id", Json::Int), ("customer", Json::Int)],
        );
        sql.text = format!(
            "UPDATE identities SET customer_id = j.customer FROM ({select}) j \
             WHERE identities.id = j.id"
        );
        sql.query().execute(&mut *conn).await?;
    }
    Ok(affected)
}
