//! The oracle: customers recomputed from the facts in plain Rust, compared
//! with the derived rows. It shares no code with the derivation: it groups
//! the store's identities by itself (DESIGN: identities whose current email
//! normalises to the same address are one customer, anchored at the one with
//! the earliest first fact, ties by platform id) and applies DESIGN's
//! definitions to each group's facts.

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

#[derive(Default)]
struct Acc {
    joined: Option<i64>,
    activity: Option<i64>,
    totals: BTreeMap<String, i64>,
    courses: BTreeSet<i64>,
    products: BTreeSet<i64>,
    kept: i64,
    active: bool,
}

impl Acc {
    fn fact(&mut self, at: i64) {
        self.joined = Some(self.joined.map_or(at, |j| j.min(at)));
    }
    fn activity(&mut self, at: i64) {
        self.activity = Some(self.activity.map_or(at, |a| a.max(at)));
    }
}

/// The customer id of every identity of a store, by the rule, computed here.
pub async fn groups(db: &db::Db, store_id: i64) -> BTreeMap<i64, i64> {
    let rows = sqlx::query(
        "SELECT id, external_id, email_normalized, first_at FROM identities WHERE store_id = $1",
    )
    .bind(store_id)
    .fetch_all(db.reader())
    .await
    .unwrap();
    let mut by_email: BTreeMap<String, Vec<(i64, Vec<u8>, i64)>> = BTreeMap::new();
    let mut customer_of = BTreeMap::new();
    for row in &rows {
        let id: i64 = row.get("id");
        let external: String = row.get("external_id");
        let first_at: i64 = row.get("first_at");
        match row.get::<Option<String>, _>("email_normalized") {
            Some(email) => {
                by_email
                    .entry(email)
                    .or_default()
                    .push((first_at, external.into_bytes(), id))
            }
            None => {
                customer_of.insert(id, id);
            }
        }
    }
    for members in by_email.values() {
        let anchor = members.iter().min().unwrap().2;
        for (_, _, id) in members {
            customer_of.insert(*id, anchor);
        }
    }
    customer_of
}

/// Recomputes every customer of a store from its facts, by customer id.
pub async fn expected(db: &db::Db, store_id: i64) -> BTreeMap<i64, Expected> {
    let pool = db.reader();
    let currency: String = sqlx::query_scalar("SELECT currency FROM stores WHERE id = $1")
        .bind(store_id)
        .fetch_one(pool)
        .await
        .unwrap();
    let customer_of = groups(db, store_id).await;
    let mut out: BTreeMap<i64, Acc> = BTreeMap::new();
    let rows = |sql: &'static str| async move {
        sqlx::query(sql)
            .bind(store_id)
            .fetch_all(pool)
            .await
            .unwrap()
    };
    for row in rows(
        "SELECT identity_id, course_id, enrolled_at, last_accessed_at FROM enrollments \
         WHERE store_id = $1",
    )
    .await
    {
        let e = out.entry(customer_of[&row.get::<i64, _>(0)]).or_default();
        let (course, at, last): (i64, i64, i64) = (row.get(1), row.get(2), row.get(3));
        e.courses.insert(course);
        e.fact(at);
        e.activity(at.max(last));
    }
    for row in rows(
        "SELECT identity_id, amount_cents, currency, paid_at, reported_at, refunded_at, \
                product_id, course_id FROM purchases WHERE store_id = $1 AND paid_at IS NOT NULL",
    )
    .await
    {
        let e = out.entry(customer_of[&row.get::<i64, _>(0)]).or_default();
        let amount: i64 = row.get(1);
        let cur: String = row.get(2);
        let (paid_at, reported_at): (i64, i64) = (row.get(3), row.get(4));
        let refunded: Option<i64> = row.get(5);
        let kept = refunded.is_none();
        *e.totals.entry(cur).or_default() += if kept { amount } else { 0 };
        if kept {
            e.kept += 1;
            if let Some(product) = row.get::<Option<i64>, _>(6) {
                e.products.insert(product);
            }
            if let Some(course) = row.get::<Option<i64>, _>(7) {
                e.courses.insert(course);
            }
        }
        e.fact(paid_at);
        e.activity(paid_at.max(reported_at));
    }
    for row in
        rows("SELECT identity_id, status, started_at FROM subscriptions WHERE store_id = $1").await
    {
        let e = out.entry(customer_of[&row.get::<i64, _>(0)]).or_default();
        let status: String = row.get(1);
        let started: i64 = row.get(2);
        e.active |= status == "active" || status == "trialing";
        e.fact(started);
        e.activity(started);
    }
    for row in rows("SELECT identity_id, created_at, imported FROM leads WHERE store_id = $1").await
    {
        let e = out.entry(customer_of[&row.get::<i64, _>(0)]).or_default();
        let at: i64 = row.get(1);
        e.fact(at);
        if row.get::<i64, _>(2) == 0 {
            e.activity(at);
        }
    }
    out.into_iter()
        .map(|(customer, acc)| {
            let joined = acc.joined.unwrap();
            let net_positive = acc.totals.values().any(|n| *n > 0);
            let expected = Expected {
                customer_type: if acc.active {
                    "subscription"
                } else if net_positive {
                    "paying"
                } else {
                    "lead"
                }
                .to_string(),
                has_active_subscription: acc.active,
                total_spent_cents: acc.totals.get(&currency).copied().unwrap_or(0),
                courses_count: acc.courses.len() as i64,
                products_count: acc.products.len() as i64,
                purchases_count: acc.kept,
                joined_at: joined,
                last_activity_at: acc.activity.unwrap_or(joined),
                totals: acc.totals,
            };
            (customer, expected)
        })
        .collect()
}

/// The differences between the derived customers of a store and the
/// recomputation; empty when they agree.
pub async fn differences(db: &db::Db, store_id: i64) -> Vec<String> {
    let expected = expected(db, store_id).await;
    let mut actual = BTreeMap::new();
    for c in db::customers::list_all(db, store_id).await.unwrap() {
        let totals: BTreeMap<String, i64> = db::customers::totals(db, store_id, c.id)
            .await
            .unwrap()
            .into_iter()
            .collect();
        actual.insert(
            c.id,
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
    for (customer, want) in &expected {
        match actual.get(customer) {
            None => out.push(format!("customer {customer}: no row, expected {want:?}")),
            Some(got) if got != want => out.push(format!(
                "customer {customer}: derived {got:?}\n   expected {want:?}"
            )),
            Some(_) => {}
        }
    }
    for customer in actual.keys().filter(|c| !expected.contains_key(c)) {
        out.push(format!("customer {customer}: a row without facts"));
    }
    // Who is who, as stored, agrees with the rule.
    let stored: BTreeMap<i64, Option<i64>> =
        sqlx::query("SELECT id, customer_id FROM identities WHERE store_id = $1")
            .bind(store_id)
            .fetch_all(db.reader())
            .await
            .unwrap()
            .iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect();
    for (identity, customer) in groups(db, store_id).await {
        if stored.get(&identity).copied().flatten() != Some(customer) {
            out.push(format!(
                "identity {identity}: stored customer {:?}, the rule gives {customer}",
                stored.get(&identity)
            ));
        }
    }
    out
}
