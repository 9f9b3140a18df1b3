//! DESIGN.md invariant 1, property-based: any permutation of an event set,
//! with duplicates, in single events or batches, gives exactly the customers
//! (and facts, identities, notes and tags) that applying each event once in
//! time order gives. The events change emails (so identities merge into one
//! customer and move to another), and name the same platform ids in two
//! stores (which must not influence each other).

use std::collections::BTreeMap;

use db::{
    events::{Event, UserRef},
    facts::apply_batch,
};
use proptest::prelude::*;
use sqlx::Row;
use tests::{
    TestDatabase,
    events::{self as ev, T0, wipe},
    oracle,
};

/// The emails a report may carry: two spellings of one address, two other
/// addresses, or none (the report does not change the email).
const EMAILS: [Option<&str>; 5] = [
    Some("ann@example.com"),
    Some("ANN@Example.com"),
    Some("bo@example.org"),
    Some("cy@example.net"),
    None,
];

/// Platform id `p{index}` reporting email variant `email` and name `name`.
/// p3 never has an email; p6 and p7 are not among the first customers, so
/// the order events arrive in decides which row ids they get.
fn platform_user(index: usize, email: usize, name: usize) -> UserRef {
    let names = [None, Some("Ann Lee"), Some("Ann L."), Some("Bo")];
    let id = format!("p{}", index % 7 + 1);
    let email = if index % 7 == 2 {
        None
    } else {
        EMAILS[email % EMAILS.len()]
    };
    ev::user(&id, email, names[name % names.len()])
}

/// Purchases are fixed per id (a purchase does not change once made).
fn purchase_event(n: usize, id: usize, at: i64, email: usize) -> Event {
    let (user, item, amount, currency) = match id {
        0 => (0, "c1", 4_900, "USD"),
        1 => (1, "d1", 1_500, "USD"),
        2 => (2, "p1", 1_900, "USD"),
        3 => (3, "c2", 2_500, "EUR"),
        _ => (4, "d1", 0, "USD"),
    };
    ev::purchase(
        &format!("e{n}"),
        at,
        platform_user(user, email, 0),
        &format!("o{id}"),
        item,
        amount,
        currency,
    )
}

/// One generated event, from small numbers so collisions (same time, same
/// course, same subscription, same email) are common.
fn event(n: usize, spec: (u8, usize, usize, usize, i64)) -> Event {
    let (kind, a, b, c, t) = spec;
    // Some events come before the fixed first ones: anchors can move.
    let at = T0 + (t - 1) * 1_000;
    let id = format!("e{n}");
    let u = platform_user(a, b, c);
    let course = ["c1", "c2"][c % 2];
    match kind % 9 {
        0 => ev::enrollment(&id, at, u, course),
        1 => ev::progress(&id, at, u, course, (b * 37 % 101) as i64),
        2 => purchase_event(n, c % 5, at, b),
        3 => ev::refund(&id, at, &format!("o{}", c % 5)),
        4 => {
            let status = ["active", "trialing", "past_due", "cancelled", "expired"][b % 5];
            // Subscriptions belong to a fixed platform id.
            let (sub, owner) = [("s1", 0), ("s2", 3)][c % 2];
            ev::subscription(
                &id,
                at,
                platform_user(owner, a, b),
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

/// The fixed start of every run: each platform id known with its own email
/// (or none), then a note and a tag written on each of those customers.
async fn first_customers(db: &db::Db, store: i64, owner: i64) {
    let emails = [0, 2, 4, 3, 4];
    let events: Vec<Event> = (0..5)
        .map(|i| {
            ev::enrollment(
                &format!("first{i}"),
                T0 + i as i64,
                platform_user(i, emails[i], 1),
                "c1",
            )
        })
        .collect();
    apply_batch(db, store, &events).await.unwrap();
    for c in db::customers::list_all(db, store).await.unwrap() {
        let key = anchor_key(db, c.id).await;
        db::customers::notes::add_note(db, store, c.id, owner, &format!("note on {key}"), T0)
            .await
            .unwrap();
        db::customers::tags::add_tag(db, store, c.id, Some(owner), &format!("tag {key}"), T0)
            .await
            .unwrap();
    }
}

/// A customer's key that does not depend on row ids: its anchor's platform id.
async fn anchor_key(db: &db::Db, customer: i64) -> String {
    sqlx::query_scalar("SELECT external_id FROM identities WHERE id = $1")
        .bind(customer)
        .fetch_one(db.reader())
        .await
        .unwrap()
}

/// Everything that must converge in a store, keyed by platform ids instead
/// of row ids.
async fn snapshot(db: &db::Db, store: i64) -> Vec<String> {
    let mut out = Vec::new();
    let mut by_key = BTreeMap::new();
    for c in db::customers::list_all(db, store).await.unwrap() {
        let key = anchor_key(db, c.id).await;
        let totals = db::customers::totals(db, store, c.id).await.unwrap();
        let notes: Vec<String> = db::customers::notes::list_notes(db, store, c.id)
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.body)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let tags: Vec<String> = db::customers::tags::customer_tags(db, store, c.id)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect();
        let c = db::customers::Customer {
            id: 0,
            version: 0,
            created_at: 0,
            updated_at: 0,
            ..c
        };
        by_key.insert(
            key,
            format!("{c:?} {totals:?} notes {notes:?} tags {tags:?}"),
        );
    }
    out.extend(
        by_key
            .into_iter()
            .map(|(k, v)| format!("customer {k}: {v}")),
    );
    let who = |alias: &str| {
        format!("(SELECT external_id FROM identities i WHERE i.id = {alias}.identity_id)")
    };
    let facts = [
        format!(
            "SELECT {}, c.external_id, e.enrolled_at, e.progress, e.progress_at, e.last_accessed_at \
             FROM enrollments e JOIN courses c ON c.id = e.course_id WHERE e.store_id = $1",
            who("e")
        ),
        format!(
            "SELECT p.external_id, {}, p.amount_cents, p.currency, p.paid_at, p.reported_at, \
             p.refunded_at FROM purchases p WHERE p.store_id = $1",
            who("p")
        ),
        format!(
            "SELECT s.external_id, {}, n.external_id, s.status, s.started_at, s.status_at \
             FROM subscriptions s JOIN plans n ON n.id = s.plan_id WHERE s.store_id = $1",
            who("s")
        ),
        format!(
            "SELECT {}, m.percent, m.reached_at FROM enrollment_milestones m WHERE m.store_id = $1",
            who("m")
        ),
        "SELECT external_id, title, price_cents FROM courses WHERE store_id = $1".to_string(),
        "SELECT external_id, title, price_cents FROM products WHERE store_id = $1".to_string(),
        "SELECT external_id, title, amount_cents FROM plans WHERE store_id = $1".to_string(),
        "SELECT i.external_id, i.email, i.email_normalized, i.name, i.first_at, \
                (SELECT a.external_id FROM identities a WHERE a.id = i.customer_id) \
         FROM identities i WHERE i.store_id = $1"
            .to_string(),
    ];
    for sql in facts {
        let mut rows: Vec<String> = sqlx::query(&sql)
            .bind(store)
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
        specs in prop::collection::vec((0u8..9, 0usize..7, 0usize..5, 0usize..5, 0i64..5, any::<bool>()), 1..28),
        order_seed in any::<u64>(),
        duplicates in prop::collection::vec(any::<prop::sample::Index>(), 0..10),
        batch_sizes in prop::collection::vec(1usize..6, 1..20),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            let t = TestDatabase::new().await;
            let db = &t.db;
            let stores = [
                db::stores::create_store(db, "Convergence", "USD").await.unwrap(),
                db::stores::create_store(db, "Same people, other store", "EUR").await.unwrap(),
            ];
            let owner = db::accounts::upsert_account(db, "owner@example.com", tests::PASSWORD, true)
                .await
                .unwrap();
            // Each event goes to one of the two stores; ids and emails repeat
            // across them.
            let events: Vec<(usize, Event)> = specs
                .iter()
                .enumerate()
                .map(|(n, &(k, a, b, c, t, second))| (usize::from(second), event(n, (k, a, b, c, t))))
                .collect();
            let start = async || {
                wipe(db).await;
                for store in stores {
                    first_customers(db, store, owner).await;
                }
            };

            // Reference: each event once, in time order (generation order on ties).
            start().await;
            let mut timeline: Vec<&(usize, Event)> = events.iter().collect();
            timeline.sort_by_key(|(_, e)| e.occurred_at());
            for (s, e) in &timeline {
                ev::apply(db, stores[*s], e).await;
            }
            let mut reference = Vec::new();
            for store in stores {
                let diff = oracle::differences(db, store).await;
                assert!(diff.is_empty(), "{}", diff.join("\n"));
                reference.push(snapshot(db, store).await);
            }

            // Shuffled, with repeats, in batches of random sizes.
            start().await;
            let mut shuffled: Vec<(usize, Event)> = events.clone();
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
                // A batch is one store's: split at a change of store.
                let n = rest[..n]
                    .iter()
                    .position(|(s, _)| *s != rest[0].0)
                    .unwrap_or(n);
                let batch: Vec<Event> = rest[..n].iter().map(|(_, e)| e.clone()).collect();
                apply_batch(db, stores[rest[0].0], &batch).await.unwrap();
                rest = &rest[n..];
            }
            for (i, store) in stores.iter().enumerate() {
                let diff = oracle::differences(db, *store).await;
                assert!(diff.is_empty(), "{}", diff.join("\n"));
                let replayed = snapshot(db, *store).await;
                assert_eq!(replayed, reference[i], "store {i}: events: {events:#?}\norder: {shuffled:#?}");
            }
        });
    }
}
