//! DESIGN.md invariant 1, property-based: any permutation of an event set,
//! with duplicates, in single events or batches, gives exactly the customers
//! (and facts) that applying each event once in time order gives.

use std::collections::BTreeMap;

use db::events::{Event, UserRef, apply_batch};
use proptest::prelude::*;
use sqlx::Row;
use tests::{
    TestDatabase,
    events::{self as ev, T0, wipe},
    oracle,
};

/// Platform users: p1 and p2 are one person (emails differ only in case),
/// p3 has no email.
fn platform_user(index: usize, name: usize) -> UserRef {
    let names = [None, Some("Ann Lee"), Some("Ann L."), Some("Bo")];
    let (id, email) = match index {
        0 => ("p1", Some("ann@example.com")),
        1 => ("p2", Some("ANN@Example.com")),
        2 => ("p3", None),
        _ => ("p4", Some("bo@example.org")),
    };
    ev::user(id, email, names[name % names.len()])
}

/// Purchases are fixed per id (a purchase does not change once made).
fn purchase_event(n: usize, id: usize, at: i64) -> Event {
    let (user, item, amount, currency) = match id {
        0 => (0, "c1", 4_900, "USD"),
        1 => (1, "d1", 1_500, "USD"),
        2 => (2, "p1", 1_900, "USD"),
        3 => (3, "c2", 2_500, "EUR"),
        _ => (2, "d1", 0, "USD"),
    };
    ev::purchase(
        &format!("e{n}"),
        at,
        platform_user(user, 0),
        &format!("o{id}"),
        item,
        amount,
        currency,
    )
}

/// One generated event, from small numbers so collisions (same time, same
/// course, same subscription) are common.
fn event(n: usize, spec: (u8, usize, usize, usize, i64)) -> Event {
    let (kind, a, b, c, t) = spec;
    let at = T0 + t * 1_000;
    let id = format!("e{n}");
    let u = platform_user(a % 4, b);
    let course = ["c1", "c2"][c % 2];
    match kind % 9 {
        0 => ev::enrollment(&id, at, u, course),
        1 => ev::progress(&id, at, u, course, (b * 37 % 101) as i64),
        2 => purchase_event(n, c % 5, at),
        3 => ev::refund(&id, at, &format!("o{}", c % 5)),
        4 => {
            let status = ["active", "trialing", "past_due", "cancelled", "expired"][b % 5];
            // Subscriptions belong to a fixed user.
            let (sub, owner) = [("s1", 0), ("s2", 3)][c % 2];
            ev::subscription(
                &id,
                at,
                platform_user(owner, b),
                sub,
                ["p1", "p2"][b % 2],
                status,
                1_900,
            )
        }
        5 => ev::lead(&id, at, u, ["newsletter", "import"][c % 2]),
        6 => ev::course(
            &id,
            at,
            course,
            ["Rust Basics", "Rust Deep Dive", "Yoga"][b % 3],
            0,
        ),
        7 => ev::product(&id, at, "d1", ["Workbook", "Cheat Sheet"][b % 2], 1_500),
        _ => ev::plan(
            &id,
            at,
            ["p1", "p2"][c % 2],
            ["Monthly", "Pro"][b % 2],
            1_900,
        ),
    }
}

/// Everything that must converge, keyed by platform ids instead of row ids.
async fn snapshot(db: &db::Db, store: i64) -> Vec<String> {
    let key = |alias: &str| {
        format!("(SELECT MIN(external_id) FROM user_ids WHERE user_ids.user_id = {alias}.user_id)")
    };
    let mut out = Vec::new();
    let customers = db::customers::list_all(db, store).await.unwrap();
    let mut by_key = BTreeMap::new();
    for c in customers {
        let k: String = sqlx::query_scalar(&format!(
            "SELECT {} FROM customers c WHERE c.store_id = $1 AND c.user_id = $2",
            key("c")
        ))
        .bind(store)
        .bind(c.user_id)
        .fetch_one(db.reader())
        .await
        .unwrap();
        let totals = db::customers::totals(db, store, c.user_id).await.unwrap();
        let c = db::customers::Customer {
            user_id: 0,
            version: 0,
            created_at: 0,
            updated_at: 0,
            ..c
        };
        by_key.insert(k, format!("{c:?} {totals:?}"));
    }
    out.extend(
        by_key
            .into_iter()
            .map(|(k, v)| format!("customer {k}: {v}")),
    );
    let facts = [
        format!(
            "SELECT {}, c.external_id, e.enrolled_at, e.progress, e.progress_at, e.last_accessed_at \
             FROM enrollments e JOIN courses c ON c.id = e.course_id",
            key("e")
        ),
        format!(
            "SELECT p.external_id, {}, p.amount_cents, p.currency, p.paid_at, p.refunded_at \
             FROM purchases p",
            key("p")
        ),
        format!(
            "SELECT s.external_id, {}, n.external_id, s.status, s.started_at, s.status_at \
             FROM subscriptions s JOIN plans n ON n.id = s.plan_id",
            key("s")
        ),
        "SELECT external_id, title, price_cents FROM courses".to_string(),
        "SELECT external_id, title, price_cents FROM products".to_string(),
        "SELECT external_id, title, amount_cents FROM plans".to_string(),
        "SELECT email, name FROM users".to_string(),
    ];
    for sql in facts {
        let mut rows: Vec<String> = sqlx::query(&sql)
            .fetch_all(db.reader())
            .await
            .unwrap()
            .iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| {
                        row.try_get::<Option<i64>, _>(i)
                            .map(|v| format!("{v:?}"))
                            .or_else(|_| {
                                row.try_get::<Option<String>, _>(i)
                                    .map(|v| format!("{v:?}"))
                            })
                            .unwrap()
                    })
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect();
        rows.sort();
        out.extend(rows);
    }
    out
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_order_with_duplicates_converges(
        specs in prop::collection::vec((0u8..9, 0usize..4, 0usize..4, 0usize..5, 0i64..12), 1..28),
        order_seed in any::<u64>(),
        duplicates in prop::collection::vec(any::<prop::sample::Index>(), 0..10),
        batch_sizes in prop::collection::vec(1usize..6, 1..20),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            let t = TestDatabase::new().await;
            let db = &t.db;
            let store = db::stores::create_store(db, "Convergence", "USD").await.unwrap();
            let events: Vec<Event> = specs.iter().copied().enumerate().map(|(n, s)| event(n, s)).collect();

            // Reference: each event once, in time order (generation order on ties).
            let mut timeline: Vec<&Event> = events.iter().collect();
            timeline.sort_by_key(|e| e.occurred_at());
            for e in &timeline {
                ev::apply(db, store, e).await;
            }
            let reference = snapshot(db, store).await;
            let diff = oracle::differences(db, store).await;
            assert!(diff.is_empty(), "{}", diff.join("\n"));

            // Shuffled, with repeats, in batches of random sizes.
            wipe(db).await;
            let mut shuffled: Vec<Event> = events.clone();
            for index in &duplicates {
                shuffled.push(events[index.index(events.len())].clone());
            }
            let mut state = order_seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                shuffled.swap(i, (state % (i as u64 + 1)) as usize);
            }
            let mut rest = &shuffled[..];
            let mut sizes = batch_sizes.iter().cycle();
            while !rest.is_empty() {
                let n = (*sizes.next().unwrap()).min(rest.len());
                apply_batch(db, store, &rest[..n]).await.unwrap();
                rest = &rest[n..];
            }
            let replayed = snapshot(db, store).await;
            assert_eq!(replayed, reference, "events: {events:#?}\norder: {shuffled:#?}");
        });
    }
}
