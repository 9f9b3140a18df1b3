//! 64 tasks report overlapping events for the same customers at once, with
//! 30% duplicates: no error reaches a caller ("database is locked"
//! included), every event id is applied exactly once, and the derived rows
//! exactly equal a recomputation from the facts.

use std::{collections::HashMap, sync::Arc};

use db::{
    events::Event,
    facts::{EventStatus, apply_batch},
};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};
use tests::{
    TestDatabase,
    events::{self as ev, T0, count},
    oracle,
};

const TASKS: usize = 64;
const EVENTS_PER_TASK: usize = 24;

fn random_event(rng: &mut StdRng, n: usize) -> Event {
    let id = format!("e{n}");
    let at = T0 + rng.random_range(0..100_000);
    let u = rng.random_range(0..12);
    // u0/u1 share an email up to case; u5 has none.
    let email = match u {
        0 => Some("shared@example.com".to_string()),
        1 => Some("SHARED@example.com".to_string()),
        5 => None,
        _ => Some(format!("u{u}@example.com")),
    };
    let user = ev::user(
        &format!("u{u}"),
        email.as_deref(),
        Some(&format!("User {u}")),
    );
    let course = format!("c{}", rng.random_range(0..3));
    match rng.random_range(0..7) {
        0 => ev::enrollment(&id, at, user, &course),
        1 => ev::progress(&id, at, user, &course, rng.random_range(0..=100)),
        2 | 3 => {
            let item = ["c1", "c2", "d1", "p1"][rng.random_range(0..4)];
            // Purchase ids are unique per event here, so a purchase's content
            // never conflicts; refunds pick one of them.
            ev::purchase(
                &id,
                at,
                user,
                &format!("o{n}"),
                item,
                rng.random_range(0..5_000),
                "USD",
            )
        }
        4 => ev::refund(&id, at, &format!("o{}", rng.random_range(0..n.max(1)))),
        5 => {
            let status =
                ["active", "trialing", "past_due", "cancelled", "expired"][rng.random_range(0..5)];
            ev::subscription(&id, at, user, &format!("s-u{u}"), "p1", status, 1_900)
        }
        _ => ev::lead(&id, at, user, "newsletter"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_tasks_with_duplicates_stay_exact() {
    let t = TestDatabase::new().await;
    let db = t.db.clone();
    let store = db::stores::create_store(&db, "Busy store", "USD")
        .await
        .unwrap();
    let mut rng = StdRng::seed_from_u64(64);
    let total = TASKS * EVENTS_PER_TASK;
    let unique: Vec<Event> = (0..total * 7 / 10)
        .map(|n| random_event(&mut rng, n))
        .collect();
    // 30% of the reports repeat an event another task (or the same) sends.
    let mut reports: Vec<Event> = unique.clone();
    while reports.len() < total {
        reports.push(unique[rng.random_range(0..unique.len())].clone());
    }
    reports.shuffle(&mut rng);
    let reports = Arc::new(reports);

    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let db = db.clone();
        let reports = reports.clone();
        tasks.push(tokio::spawn(async move {
            let mine = &reports[task * EVENTS_PER_TASK..(task + 1) * EVENTS_PER_TASK];
            let mut results = Vec::new();
            // Half the tasks report one event at a time, half in batches.
            let size = if task % 2 == 0 { 1 } else { 6 };
            for chunk in mine.chunks(size) {
                let answer = apply_batch(&db, store, chunk).await;
                results.extend(answer.unwrap_or_else(|e| panic!("task {task}: {e}")));
            }
            results
        }));
    }
    let mut applied: HashMap<String, usize> = HashMap::new();
    for task in tasks {
        for result in task.await.expect("no task panics") {
            if result.status == EventStatus::Applied {
                *applied.entry(result.event_id).or_default() += 1;
            }
        }
    }
    assert_eq!(applied.len(), unique.len(), "every event applied");
    assert!(applied.values().all(|n| *n == 1), "no event applied twice");
    assert_eq!(count(&db, "events").await as usize, unique.len());
    let diff = oracle::differences(&db, store).await;
    assert!(
        diff.is_empty(),
        "derived rows differ from the facts:\n{}",
        diff.join("\n")
    );
    // u0 and u1 are one customer.
    let shared: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT customer_id) FROM identities \
         WHERE store_id = $1 AND external_id IN ('u0', 'u1')",
    )
    .bind(store)
    .fetch_one(db.reader())
    .await
    .unwrap();
    assert_eq!(shared, 1);
}
