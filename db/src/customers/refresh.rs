//! Bringing customer rows in line with their facts: load, [`derive`], write
//! what differs. A row that does not change is not written (its `version`
//! stays), so the answer tells created, updated, unchanged and removed rows.
//! Runs inside the caller's transaction: the events path for the customers a
//! batch touched, the backfill for a store's customers batch by batch.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::AnyConnection;

use super::{
    derive::{Derived, derive},
    load::{self, Scope},
};
use crate::{
    Backend, Error, Result,
    sql::{Json, Sql, from_json, int_list},
};

/// What a refresh did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Refreshed {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub removed: u64,
    /// Facts read (enrollments, payments, subscriptions, leads).
    pub facts: u64,
}

impl std::ops::AddAssign for Refreshed {
    fn add_assign(&mut self, other: Refreshed) {
        self.created += other.created;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.removed += other.removed;
        self.facts += other.facts;
    }
}

/// A customer row as stored (the derived columns).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
struct Stored {
    id: i64,
    name: Option<String>,
    email: Option<String>,
    email_normalized: Option<String>,
    #[sqlx(rename = "type")]
    customer_type: String,
    has_active_subscription: i64,
    total_spent_cents: i64,
    last_activity_at: i64,
    joined_at: i64,
    source_kind: String,
    source_ref: Option<i64>,
    source_text: Option<String>,
    courses_count: i64,
    products_count: i64,
    purchases_count: i64,
    search_text: String,
}

impl Stored {
    fn matches(&self, totals: &[(String, i64)], d: &Derived) -> bool {
        self.name == d.name
            && self.email == d.email
            && self.email_normalized == d.email_normalized
            && self.customer_type == d.customer_type
            && (self.has_active_subscription != 0) == d.has_active_subscription
            && self.total_spent_cents == d.total_spent_cents
            && self.last_activity_at == d.last_activity_at
            && self.joined_at == d.joined_at
            && self.source_kind == d.source_kind.as_str()
            && self.source_ref == d.source_ref
            && self.source_text == d.source_text
            && self.courses_count == d.courses_count
            && self.products_count == d.products_count
            && self.purchases_count == d.purchases_count
            && self.search_text == d.search_text
            && totals == d.totals.as_slice()
    }
}

/// Derives the customers of `scope` again and writes what changed.
pub(crate) async fn refresh(
    conn: &mut AnyConnection,
    store_id: i64,
    scope: Scope<'_>,
    now: i64,
) -> Result<Refreshed> {
    let currency: String = sqlx::query_scalar("SELECT currency FROM stores WHERE id = $1")
        .bind(store_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound("store"))?;
    let facts = load::facts(conn, store_id, scope).await?;
    let catalog = load::catalog_keys(conn, store_id).await?;
    let stored: BTreeMap<i64, Stored> = sqlx::query_as::<_, Stored>(&format!(
        "SELECT id, name, email, email_normalized, type, has_active_subscription, \
                total_spent_cents, last_activity_at, joined_at, source_kind, source_ref, \
                source_text, courses_count, products_count, purchases_count, search_text \
         FROM customers WHERE store_id = $1 AND {}",
        scope.condition("id")
    ))
    .bind(store_id)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|s| (s.id, s))
    .collect();
    let mut totals: BTreeMap<i64, Vec<(String, i64)>> = BTreeMap::new();
    for (customer, currency, net) in sqlx::query_as::<_, (i64, String, i64)>(&format!(
        "SELECT customer_id, currency, net_cents FROM customer_totals \
         WHERE store_id = $1 AND {} ORDER BY customer_id, currency",
        scope.condition("customer_id")
    ))
    .bind(store_id)
    .fetch_all(&mut *conn)
    .await?
    {
        totals.entry(customer).or_default().push((currency, net));
    }

    let mut ids: BTreeSet<i64> = facts.keys().chain(stored.keys()).copied().collect();
    if let Scope::Ids(given) = scope {
        ids.extend(given.iter().copied());
    }
    let empty = Default::default();
    let mut done = Refreshed {
        facts: facts
            .values()
            .map(|f| {
                let payments: i64 = f.purchases.iter().map(|p| p.payments).sum();
                (f.enrollments.len() + f.subscriptions.len() + f.leads.len()) as u64
                    + payments as u64
            })
            .sum(),
        ..Refreshed::default()
    };
    let mut removed = Vec::new();
    let mut written: Vec<(Derived, bool)> = Vec::new();
    for id in ids {
        let derived = derive(id, &currency, &catalog, facts.get(&id).unwrap_or(&empty));
        match (derived, stored.get(&id)) {
            (None, Some(_)) => removed.push(id),
            (None, None) => {}
            (Some(d), None) => written.push((d, true)),
            (Some(d), Some(s)) => {
                let current = totals.get(&id).map(Vec::as_slice).unwrap_or_default();
                if s.matches(current, &d) {
                    done.unchanged += 1;
                } else {
                    written.push((d, false));
                }
            }
        }
    }
    done.removed = removed.len() as u64;
    done.created = written.iter().filter(|(_, new)| *new).count() as u64;
    done.updated = written.len() as u64 - done.created;

    for chunk in removed.chunks(1_000) {
        let list = int_list(chunk.iter().copied());
        sqlx::query(&format!(
            "DELETE FROM customer_totals WHERE customer_id IN ({list})"
        ))
        .execute(&mut *conn)
        .await?;
        sqlx::query(&format!("DELETE FROM customers WHERE id IN ({list})"))
            .execute(&mut *conn)
            .await?;
    }
    for chunk in written.chunks(ROWS_PER_STATEMENT) {
        write_rows(conn, store_id, chunk, now).await?;
    }
    Ok(done)
}

/// The columns of a customer row the derivation writes, in the order
/// `write_rows` puts them in each JSON row (after the id and the store): one
/// list for the row reader, the insert and the update.
const DERIVED_COLUMNS: [(&str, Json); 15] = [
    ("name", Json::Text),
    ("email", Json::Text),
    ("email_normalized", Json::Text),
    ("type", Json::Text),
    ("has_active_subscription", Json::Int),
    ("total_spent_cents", Json::Int),
    ("last_activity_at", Json::Int),
    ("joined_at", Json::Int),
    ("source_kind", Json::Text),
    ("source_ref", Json::Int),
    ("source_text", Json::Text),
    ("courses_count", Json::Int),
    ("products_count", Json::Int),
    ("purchases_count", Json::Int),
    ("search_text", Json::Text),
];

/// Rows per statement of derived customers (one JSON argument each).
const ROWS_PER_STATEMENT: usize = 2_000;

async fn write_rows(
    conn: &mut AnyConnection,
    store_id: i64,
    rows: &[(Derived, bool)],
    now: i64,
) -> Result<()> {
    let backend = Backend::of(conn);
    let values: Vec<serde_json::Value> = rows
        .iter()
        .map(|(d, _)| {
            serde_json::json!([
                d.id,
                store_id,
                d.name,
                d.email,
                d.email_normalized,
                d.customer_type,
                i64::from(d.has_active_subscription),
                d.total_spent_cents,
                d.last_activity_at,
                d.joined_at,
                d.source_kind.as_str(),
                d.source_ref,
                d.source_text,
                d.courses_count,
                d.products_count,
                d.purchases_count,
                d.search_text,
                now,
            ])
        })
        .collect();
    let mut sql = Sql::default();
    let rows_arg = sql.json(&values);
    let mut items = vec![("id", Json::Int), ("store_id", Json::Int)];
    items.extend(DERIVED_COLUMNS);
    items.push(("at", Json::Int));
    let select = from_json(backend, &rows_arg, &items);
    let names: Vec<&str> = DERIVED_COLUMNS.iter().map(|(c, _)| *c).collect();
    let picked: Vec<String> = names.iter().map(|c| format!("j.{c}")).collect();
    let sets: Vec<String> = names
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    sql.text = format!(
        "INSERT INTO customers (id, store_id, {}, version, created_at, updated_at) \
         SELECT j.id, j.store_id, {}, 1, j.at, j.at FROM ({select}) j WHERE true \
         ON CONFLICT (id) DO UPDATE SET {}, version = customers.version + 1, \
         updated_at = excluded.updated_at",
        names.join(", "),
        picked.join(", "),
        sets.join(", ")
    );
    sql.query().execute(&mut *conn).await?;

    let ids = int_list(rows.iter().map(|(d, _)| d.id));
    sqlx::query(&format!(
        "DELETE FROM customer_totals WHERE customer_id IN ({ids})"
    ))
    .execute(&mut *conn)
    .await?;
    let totals: Vec<(i64, i64, &str, i64)> = rows
        .iter()
        .flat_map(|(d, _)| {
            d.totals
                .iter()
                .map(|(c, n)| (store_id, d.id, c.as_str(), *n))
        })
        .collect();
    if !totals.is_empty() {
        let mut sql = Sql::default();
        let rows_arg = sql.json(&totals);
        let select = from_json(
            backend,
            &rows_arg,
            &[
                ("store_id", Json::Int),
                ("customer_id", Json::Int),
                ("currency", Json::Text),
                ("net_cents", Json::Int),
            ],
        );
        sql.text = format!(
            "INSERT INTO customer_totals (store_id, customer_id, currency, net_cents) {select}"
        );
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}
