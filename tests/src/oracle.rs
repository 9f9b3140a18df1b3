//! The oracle: customers recomputed from the facts in plain Rust, compared
//! with the derived rows. It shares no code with the SQL derivation.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::Row;

/// What a customer must be, from the facts.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Expected {
    pub customer_type: String,
    pub has_active_subscription: bool,
    pub total_spent_cents: i64,
    pub totals: BTreeMap<String, i64>,
    pub courses_count: i64,
    pub products_count: i64,
    pub purchases_count: i64,
    pub joined_at: i64,
    pub last_activity_at: i64,
}

fn seen(entry: &mut Expected, first: &mut bool, at: i64, last: i64) {
    if *first {
        entry.joined_at = at;
        entry.last_activity_at = last;
        *first = false;
    } else {
        entry.joined_at = entry.joined_at.min(at);
        entry.last_activity_at = entry.last_activity_at.max(last);
    }
}

/// Recomputes every customer of a store from its facts.
pub async fn expected(db: &db::Db, store_id: i64) -> BTreeMap<i64, Expected> {
    let pool = db.reader();
    let currency: String = sqlx::query_scalar("SELECT currency FROM stores WHERE id = $1")
        .bind(store_id)
        .fetch_one(pool)
        .await
        .unwrap();
    let mut out: BTreeMap<i64, Acc> = BTreeMap::new();
    type Acc = (Expected, bool, BTreeSet<i64>, i64);
    fn entry(out: &mut BTreeMap<i64, Acc>, user: i64) -> &mut Acc {
        out.entry(user)
            .or_insert_with(|| (Expected::default(), true, BTreeSet::new(), 0))
    }
    for row in sqlx::query(
        "SELECT user_id, enrolled_at, last_accessed_at FROM enrollments WHERE store_id = $1",
    )
    .bind(store_id)
    .fetch_all(pool)
    .await
    .unwrap()
    {
        let (user, at, last): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
        let e = entry(&mut out, user);
        e.0.courses_count += 1;
        seen(&mut e.0, &mut e.1, at, last.max(at));
    }
    for row in sqlx::query(
        "SELECT user_id, amount_cents, currency, paid_at, refunded_at, product_id \
         FROM purchases WHERE store_id = $1 AND paid_at IS NOT NULL",
    )
    .bind(store_id)
    .fetch_all(pool)
    .await
    .unwrap()
    {
        let user: i64 = row.get(0);
        let amount: i64 = row.get(1);
        let cur: String = row.get(2);
        let paid_at: i64 = row.get(3);
        let refunded: Option<i64> = row.get(4);
        let product: Option<i64> = row.get(5);
        let e = entry(&mut out, user);
        let kept = if refunded.is_none() { amount } else { 0 };
        *e.0.totals.entry(cur.clone()).or_default() += kept;
        if refunded.is_none() {
            e.3 += amount;
            e.0.purchases_count += 1;
            if cur == currency {
                e.0.total_spent_cents += amount;
            }
            if let Some(product) = product {
                e.2.insert(product);
            }
        }
        seen(&mut e.0, &mut e.1, paid_at, paid_at);
    }
    for row in sqlx::query(
        "SELECT user_id, status, started_at, status_at FROM subscriptions WHERE store_id = $1",
    )
    .bind(store_id)
    .fetch_all(pool)
    .await
    .unwrap()
    {
        let user: i64 = row.get(0);
        let status: String = row.get(1);
        let (started, status_at): (i64, i64) = (row.get(2), row.get(3));
        let e = entry(&mut out, user);
        if status == "active" || status == "trialing" {
            e.0.has_active_subscription = true;
        }
        seen(&mut e.0, &mut e.1, started, status_at.max(started));
    }
    for row in sqlx::query("SELECT user_id, created_at FROM leads WHERE store_id = $1")
        .bind(store_id)
        .fetch_all(pool)
        .await
        .unwrap()
    {
        let (user, at): (i64, i64) = (row.get(0), row.get(1));
        let e = entry(&mut out, user);
        seen(&mut e.0, &mut e.1, at, at);
    }
    out.into_iter()
        .map(|(user, (mut e, _, products, net_any))| {
            e.products_count = products.len() as i64;
            e.customer_type = if e.has_active_subscription {
                "subscription"
            } else if net_any > 0 {
                "paying"
            } else {
                "lead"
            }
            .to_string();
            (user, e)
        })
        .collect()
}

/// The differences between the derived customers of a store and the
/// recomputation; empty when they agree.
pub async fn differences(db: &db::Db, store_id: i64) -> Vec<String> {
    let expected = expected(db, store_id).await;
    let mut actual = BTreeMap::new();
    for c in db::customers::list_all(db, store_id).await.unwrap() {
        let totals: BTreeMap<String, i64> = db::customers::totals(db, store_id, c.user_id)
            .await
            .unwrap()
            .into_iter()
            .collect();
        actual.insert(
            c.user_id,
            Expected {
                customer_type: c.customer_type,
                has_active_subscription: c.has_active_subscription,
                total_spent_cents: c.total_spent_cents,
                totals,
                courses_count: c.courses_count,
                products_count: c.products_count,
                purchases_count: c.purchases_count,
                joined_at: c.joined_at,
                last_activity_at: c.last_activity_at,
            },
        );
    }
    let mut out = Vec::new();
    for (user, want) in &expected {
        match actual.get(user) {
            None => out.push(format!("user {user}: no customer row, expected {want:?}")),
            Some(got) if got != want => out.push(format!(
                "user {user}: derived {got:?}\n   expected {want:?}"
            )),
            Some(_) => {}
        }
    }
    for user in actual.keys().filter(|u| !expected.contains_key(u)) {
        out.push(format!("user {user}: customer row without facts"));
    }
    out
}
