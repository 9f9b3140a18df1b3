//! The customer detail page's data layer: timeline (against a recomputation
//! from the fact rows, paged and whole), progress milestones, subscription
//! history, notes, tags (one by one and in bulk against the page's own
//! filter), lifetime value, the contacts import, export and erasure, and
//! that another store's ids answer not found. Runs on SQLite and, with
//! TEST_DATABASE=postgres, on Postgres.

use std::collections::BTreeSet;
use tests::lookup::{customer_id, scalar};

use db::{
    Error,
    customers::{
        detail, filter::CustomerQuery, filter::CustomerType, filter::Range, import, ltv, notes,
        privacy, search, tags, timeline,
    },
    facts::{EventStatus, apply_batch},
};
use sqlx::Row;
use tests::{
    TestDatabase,
    events::{self as ev, T0, apply, user},
};

const MIN: i64 = 60_000;
const DAY: i64 = 24 * 60 * MIN;
const NOW: i64 = T0 + 30 * DAY;

async fn store(db: &db::Db, name: &str) -> i64 {
    db::stores::create_store(db, name, "USD").await.unwrap()
}

/// An account (no password hashing: tests only need the row).
async fn account(db: &db::Db, email: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO accounts (email, email_normalized, password_hash, is_admin, created_at) \
         VALUES ($1, $2, 'x', 0, $3) RETURNING id",
    )
    .bind(email)
    .bind(email.to_lowercase())
    .bind(T0)
    .fetch_one(db.writer())
    .await
    .unwrap()
}

fn not_found<T: std::fmt::Debug>(result: db::Result<T>) -> &'static str {
    match result {
        Err(Error::NotFound(what)) => what,
        other => panic!("expected NotFound, got {other:?}"),
    }
}

fn invalid<T: std::fmt::Debug>(result: db::Result<T>) -> String {
    match result {
        Err(Error::Invalid { field, .. }) => field,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

/// Every entry, through pages of `size`.
async fn paged(db: &db::Db, store: i64, customer: i64, size: u32) -> Vec<timeline::TimelineEntry> {
    let mut all = Vec::new();
    let mut cursor: Option<timeline::TimelineCursor> = None;
    loop {
        // The cursor goes through its URL form, as the page sends it.
        let after = cursor
            .as_ref()
            .map(|c| timeline::TimelineCursor::parse("cursor", &c.to_param()).unwrap());
        let page = timeline::timeline(db, store, customer, after.as_ref(), size)
            .await
            .unwrap();
        assert!(page.entries.len() <= size as usize);
        all.extend(page.entries);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return all,
        }
    }
}

/// The identities of a customer, as a subquery of store $1 and customer $2.
const IDENTITIES: &str = "(SELECT id FROM identities WHERE store_id = $1 AND customer_id = $2)";

/// The timeline a seeded customer should have, recomputed from the fact
/// rows of its identities: (at, kind), newest first (ties: kind descending).
async fn expected_timeline(db: &db::Db, store: i64, customer: i64) -> Vec<(i64, String)> {
    let mut out: Vec<(i64, String)> = Vec::new();
    let rows = sqlx::query(&format!(
        "SELECT enrolled_at, progress, progress_at FROM enrollments \
         WHERE store_id = $1 AND identity_id IN {IDENTITIES}"
    ))
    .bind(store)
    .bind(customer)
    .fetch_all(db.reader())
    .await
    .unwrap();
    for row in rows {
        let (enrolled, progress, progress_at): (i64, i64, i64) =
            (row.get(0), row.get(1), row.get(2));
        out.push((enrolled, "enrolled".into()));
        for t in [25, 50, 75, 100] {
            if progress >= t && progress_at > 0 {
                out.push((progress_at, "progress".into()));
            }
        }
    }
    let rows = sqlx::query(&format!(
        "SELECT id, plan_id, paid_at, refunded_at FROM purchases \
         WHERE store_id = $1 AND identity_id IN {IDENTITIES} AND paid_at IS NOT NULL"
    ))
    .bind(store)
    .bind(customer)
    .fetch_all(db.reader())
    .await
    .unwrap();
    let plan_payments: Vec<(i64, i64, i64)> = rows
        .iter()
        .filter_map(|r| {
            r.get::<Option<i64>, _>(1)
                .map(|plan| (plan, r.get::<i64, _>(2), r.get::<i64, _>(0)))
        })
        .collect();
    for row in &rows {
        let (id, plan, paid, refunded): (i64, Option<i64>, i64, Option<i64>) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        let renewal = plan.is_some_and(|plan| {
            plan_payments
                .iter()
                .any(|&(p, at, other)| p == plan && (at, other) < (paid, id))
        });
        out.push((paid, if renewal { "renewed" } else { "purchased" }.into()));
        if let Some(at) = refunded {
            out.push((at, "refunded".into()));
        }
    }
    let rows = sqlx::query(&format!(
        "SELECT started_at, status, status_at FROM subscriptions \
         WHERE store_id = $1 AND identity_id IN {IDENTITIES}"
    ))
    .bind(store)
    .bind(customer)
    .fetch_all(db.reader())
    .await
    .unwrap();
    for row in rows {
        let (started, status, status_at): (i64, String, i64) = (row.get(0), row.get(1), row.get(2));
        out.push((started, "subscribed".into()));
        if status == "cancelled" || status == "expired" {
            out.push((status_at, "cancelled".into()));
        }
    }
    let rows = sqlx::query(&format!(
        "SELECT created_at, imported FROM leads WHERE store_id = $1 AND identity_id IN {IDENTITIES}"
    ))
    .bind(store)
    .bind(customer)
    .fetch_all(db.reader())
    .await
    .unwrap();
    for row in rows {
        // A contact from a file is an `imported` entry, an opt-in a `lead`.
        let kind = if row.get::<i64, _>(1) == 1 {
            "imported"
        } else {
            "lead"
        };
        out.push((row.get(0), kind.into()));
    }
    out.sort_by(|a, b| b.cmp(a));
    out
}

#[tokio::test]
async fn the_timeline_of_seeded_customers_lists_every_fact_newest_first_in_any_page_size() {
    let t = TestDatabase::new().await;
    let db = &t.db;
    let report = devtools::seed::seed(
        db,
        &devtools::seed::SeedOptions {
            seed: 7,
            stores: 1,
            users: 300,
            anchor_ms: Some(NOW),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let store = report.store_ids[0];
    // The customers with the most facts, and a few more.
    let busiest: Vec<i64> = sqlx::query_scalar(
        "SELECT c.id FROM customers c WHERE c.store_id = $1 \
         ORDER BY c.courses_count + c.purchases_count + c.has_active_subscription DESC, c.id \
         LIMIT 8",
    )
    .bind(store)
    .fetch_all(db.reader())
    .await
    .unwrap();
    let mut kinds_seen = BTreeSet::new();
    for customer in busiest {
        let expected = expected_timeline(db, store, customer).await;
        let whole = paged(db, store, customer, 200).await;
        let got: Vec<(i64, String)> = whole.iter().map(|e| (e.at, e.kind.clone())).collect();
        assert_eq!(got, expected, "customer {customer}");
        assert!(expected.len() >= 3, "customer {customer} has few facts");
        for size in [1, 2, 3, 7] {
            assert_eq!(
                paged(db, store, customer, size).await,
                whole,
                "pages of {size}"
            );
        }
        let keys: BTreeSet<&str> = whole.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys.len(), whole.len(), "keys are unique");
        kinds_seen.extend(whole.iter().map(|e| e.kind.clone()));
        // The detail page's milestones are the timeline's.
        let detail = detail::customer_detail(db, store, customer, NOW)
            .await
            .unwrap();
        let milestones: usize = detail.courses.iter().map(|c| c.milestones.len()).sum();
        assert_eq!(
            milestones,
            whole.iter().filter(|e| e.kind == "progress").count()
        );
    }
    for kind in ["enrolled", "progress", "purchased"] {
        assert!(
            kinds_seen.contains(kind),
            "no {kind} entry in {kinds_seen:?}"
        );
    }
    assert_eq!(
        invalid(timeline::timeline(db, store, 1, None, 0).await),
        "page_size"
    );
    assert_eq!(
        invalid(timeline::timeline(db, store, 1, None, 201).await),
        "page_size"
    );
}

#[tokio::test]
async fn milestones_keep_the_earliest_report_whatever_the_order_and_repeats() {
    let t = TestDatabase::new().await;
    let db = &t.db;
    let (a, b) = (store(db, "In order").await, store(db, "Shuffled").await);
    let ann = user("ann", Some("ann@example.com"), Some("Ann"));
    let events = [
        ev::enrollment("e0", T0, ann.clone(), "c1"),
        ev::progress("p1", T0 + MIN, ann.clone(), "c1", 30),
        ev::progress("p2", T0 + 2 * MIN, ann.clone(), "c1", 60),
        ev::progress("p3", T0 + 3 * MIN, ann.clone(), "c1", 80),
        ev::progress("p4", T0 + 4 * MIN, ann.clone(), "c1", 55),
        ev::progress("p5", T0 + 5 * MIN, ann.clone(), "c1", 100),
    ];
    for e in &events {
        apply(db, a, e).await;
    }
    for i in [5, 3, 3, 1, 0, 4, 2, 5, 1] {
        apply(db, b, &events[i]).await;
    }
    let milestones = |store: i64| async move {
        sqlx::query(
            "SELECT percent, reached_at FROM enrollment_milestones WHERE store_id = $1 \
             ORDER BY percent",
        )
        .bind(store)
        .fetch_all(db.reader())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get::<i64, _>(0), r.get::<i64, _>(1)))
        .collect::<Vec<_>>()
    };
    let want = vec![
        (25, T0 + MIN),
        (50, T0 + 2 * MIN),
        (75, T0 + 3 * MIN),
        (100, T0 + 5 * MIN),
    ];
    assert_eq!(milestones(a).await, want);
    assert_eq!(milestones(b).await, want);
    let customer = customer_id(db, b, "ann").await;
    let whole = paged(db, b, customer, 50).await;
    let progress: Vec<(i64, Option<i64>)> = whole
        .iter()
        .filter(|e| e.kind == "progress")
        .map(|e| (e.at, e.percent))
        .collect();
    assert_eq!(
        progress,
        want.iter()
            .rev()
            .map(|&(p, at)| (at, Some(p)))
            .collect::<Vec<_>>()
    );

    // An enrollment loaded in bulk (no reports): the timeline shows its
    // milestones at its progress time, and a live report later keeps them.
    // The store's history as a bulk load writes it (see `db::bulk`): an
    // identity and an enrollment, then the customers derived.
    let course: i64 = sqlx::query_scalar("SELECT id FROM courses WHERE store_id = $1")
        .bind(a)
        .fetch_one(db.reader())
        .await
        .unwrap();
    let bob_identity = bulk_enrollment(db, a, "bob", course, 60).await;
    db::backfill::derive_store(db, a, 100).await.unwrap();
    let bob = customer_id(db, a, "bob").await;
    let before: Vec<(i64, Option<i64>)> = paged(db, a, bob, 50)
        .await
        .iter()
        .filter(|e| e.kind == "progress")
        .map(|e| (e.at, e.percent))
        .collect();
    assert_eq!(before, vec![(T0 + DAY, Some(50)), (T0 + DAY, Some(25))]);
    apply(
        db,
        a,
        &ev::progress("bob-p", T0 + 2 * DAY, user("bob", None, None), "c1", 80),
    )
    .await;
    let after: Vec<(i64, Option<i64>)> = paged(db, a, bob, 50)
        .await
        .iter()
        .filter(|e| e.kind == "progress")
        .map(|e| (e.at, e.percent))
        .collect();
    assert_eq!(
        after,
        vec![
            (T0 + 2 * DAY, Some(75)),
            (T0 + DAY, Some(50)),
            (T0 + DAY, Some(25))
        ]
    );
    // A course finished in one go: its four milestones share a time and
    // read from the top, 100 first (issue 15 saw 75, 50, 25, 100).
    bulk_enrollment(db, a, "cy", course, 100).await;
    db::backfill::derive_store(db, a, 100).await.unwrap();
    let cy = customer_id(db, a, "cy").await;
    let finished: Vec<Option<i64>> = paged(db, a, cy, 50)
        .await
        .iter()
        .filter(|e| e.kind == "progress")
        .map(|e| e.percent)
        .collect();
    assert_eq!(finished, [100, 75, 50, 25].map(Some));
    assert_eq!(
        scalar(
            db,
            "SELECT COUNT(*) FROM enrollment_milestones WHERE identity_id = $1",
            &[bob_identity]
        )
        .await,
        3
    );
}

#[tokio::test]
async fn subscriptions_show_their_history_and_renewals() {
    let t = TestDatabase::new().await;
    let db = &t.db;
    let s = store(db, "Subs").await;
    let cy = user("cy", Some("cy@example.com"), Some("Cy"));
    let sub = |id: &str, at: i64, status: &str| {
        ev::subscription(id, at, cy.clone(), "sub1", "p-pro", status, 1_900)
    };
    let events = vec![
        ev::plan("plan", T0, "p-pro", "Pro Monthly", 1_900),
        sub("s1", T0 + MIN, "active"),
        ev::purchase("b1", T0 + MIN, cy.clone(), "o1", "p-pro", 1_900, "USD"),
        ev::purchase("b2", T0 + DAY, cy.clone(), "o2", "p-pro", 1_900, "USD"),
        sub("s2", T0 + DAY, "active"),
        sub("s3", T0 + 2 * DAY, "past_due"),
        sub("s4", T0 + 3 * DAY, "active"),
        sub("s5", T0 + 4 * DAY, "cancelled"),
        sub("s6", T0 + 5 * DAY, "expired"),
        ev::refund("r2", T0 + 6 * DAY, "o2"),
    ];
    // Out of order, with repeats: the same history.
    let mut shuffled = events.clone();
    shuffled.reverse();
    shuffled.extend(events.iter().take(4).cloned());
    let results = apply_batch(db, s, &shuffled).await.unwrap();
    assert_eq!(
        results
            .iter()
            .filter(|r| r.status == EventStatus::Duplicate)
            .count(),
        4
    );
    let logged: Vec<String> =
        sqlx::query_scalar("SELECT event_id FROM events WHERE store_id = $1 ORDER BY event_id")
            .bind(s)
            .fetch_all(db.reader())
            .await
            .unwrap();
    assert_eq!(
        logged,
        ["b1", "b2", "plan", "r2", "s1", "s2", "s3", "s4", "s5", "s6"]
    );
    let customer = customer_id(db, s, "cy").await;
    let whole = paged(db, s, customer, 50).await;
    let got: Vec<(i64, &str, Option<&str>)> = whole
        .iter()
        .map(|e| (e.at, e.kind.as_str(), e.status.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (T0 + 6 * DAY, "refunded", None),
            (T0 + 5 * DAY, "subscription_changed", Some("expired")),
            (T0 + 4 * DAY, "cancelled", Some("cancelled")),
            (T0 + 3 * DAY, "subscription_changed", Some("active")),
            (T0 + 2 * DAY, "subscription_changed", Some("past_due")),
            (T0 + DAY, "renewed", None),
            (T0 + MIN, "subscribed", Some("expired")),
            (T0 + MIN, "purchased", None),
        ]
    );
    assert_eq!(whole[0].title.as_deref(), Some("Pro Monthly"));
    let detail = detail::customer_detail(db, s, customer, NOW).await.unwrap();
    let history: Vec<&str> = detail.subscriptions[0]
        .history
        .iter()
        .map(|h| h.status.as_str())
        .collect();
    assert_eq!(
        history,
        [
            "active",
            "active",
            "past_due",
            "active",
            "cancelled",
            "expired"
        ]
    );
    assert_eq!(detail.payments.len(), 2);
    assert!(detail.purchases.is_empty());
    assert_eq!(detail.profile.customer_type, CustomerType::Paying);
    let value = ltv::customer_value(db, s, customer).await.unwrap();
    assert_eq!(
        (
            value[0].paid_cents,
            value[0].refunded_cents,
            value[0].net_cents
        ),
        (3_800, 1_900, 1_900)
    );
}

#[tokio::test]
async fn notes_are_added_edited_and_deleted_with_their_author() {
    let t = TestDatabase::new().await;
    let db = &t.db;
    let (s, other) = (store(db, "Notes").await, store(db, "Other").await);
    apply(
        db,
        s,
        &ev::lead("l1", T0, user("dee", Some("dee@example.com"), None), "form"),
    )
    .await;
    apply(
        db,
        other,
        &ev::lead("l1", T0, user("eve", Some("eve@example.com"), None), "form"),
    )
    .await;
    let dee = customer_id(db, s, "dee").await;
    let eve = customer_id(db, other, "eve").await;
    let owner = account(db, "Owner@Store.test").await;
    let member = account(db, "member@store.test").await;

    let note = notes::add_note(db, s, dee, owner, "  Called, wants the\nbundle  ", T0 + DAY)
        .await
        .unwrap();
    assert_eq!(note.body, "Called, wants the\nbundle");
    assert_eq!(
        (note.author_id, note.author_email.as_str(), note.created_at),
        (Some(owner), "Owner@Store.test", T0 + DAY)
    );
    assert_eq!(note.edited_at, None);
    let second = notes::add_note(db, s, dee, member, "Second", T0 + 2 * DAY)
        .await
        .unwrap();
    let edited = notes::edit_note(db, s, dee, note.id, member, "Bought it", T0 + 3 * DAY)
        .await
        .unwrap();
    assert_eq!(
        (
            edited.body.as_str(),
            edited.author_email.as_str(),
            edited.edited_at,
            edited.edited_by.as_deref()
        ),
        (
            "Bought it",
            "Owner@Store.test",
            Some(T0 + 3 * DAY),
            Some("member@store.test")
        )
    );
    let listed = notes::list_notes(db, s, dee).await.unwrap();
    assert_eq!(
        listed.iter().map(|n| n.id).collect::<Vec<_>>(),
        [second.id, note.id]
    );
    let entries = paged(db, s, dee, 10).await;
    let added: Vec<(i64, Option<&str>, Option<&str>)> = entries
        .iter()
        .filter(|e| e.kind == "note_added")
        .map(|e| (e.at, e.title.as_deref(), e.actor.as_deref()))
        .collect();
    assert_eq!(
        added,
        vec![
            (T0 + 2 * DAY, Some("Second"), Some("member@store.test")),
            (T0 + DAY, Some("Bought it"), Some("Owner@Store.test")),
        ]
    );

    // Bad input names its field and writes nothing.
    let before = scalar(db, "SELECT COUNT(*) FROM customer_notes", &[]).await;
    assert_eq!(
        invalid(notes::add_note(db, s, dee, owner, " \n ", NOW).await),
        "body"
    );
    assert_eq!(
        invalid(notes::add_note(db, s, dee, owner, &"x".repeat(5_001), NOW).await),
        "body"
    );
    assert_eq!(
        invalid(notes::edit_note(db, s, dee, note.id, owner, "", NOW).await),
        "body"
    );
    assert_eq!(
        not_found(notes::add_note(db, s, dee, 999_999, "x", NOW).await),
        "account"
    );
    // Another store's customer, or a note of another customer: not found.
    assert_eq!(
        not_found(notes::add_note(db, s, eve, owner, "x", NOW).await),
        "customer"
    );
    let eve_note = notes::add_note(db, other, eve, owner, "Eve's", NOW)
        .await
        .unwrap();
    assert_eq!(
        not_found(notes::edit_note(db, s, dee, eve_note.id, owner, "mine", NOW).await),
        "note"
    );
    assert_eq!(
        not_found(notes::delete_note(db, s, dee, eve_note.id).await),
        "note"
    );
    assert_eq!(
        not_found(notes::delete_note(db, s, eve, eve_note.id).await),
        "customer"
    );
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM customer_notes", &[]).await,
        before + 1
    );

    notes::delete_note(db, s, dee, note.id).await.unwrap();
    assert_eq!(
        not_found(notes::delete_note(db, s, dee, note.id).await),
        "note"
    );
    let listed = notes::list_notes(db, s, dee).await.unwrap();
    assert_eq!(listed, vec![second]);
    let entries = paged(db, s, dee, 10).await;
    assert_eq!(
        entries.iter().filter(|e| e.kind == "note_added").count(),
        1,
        "the deleted note's entry went with it"
    );
    assert!(
        entries
            .iter()
            .all(|e| e.title.as_deref() != Some("Bought it"))
    );
}

#[tokio::test]
async fn tags_are_added_and_removed_case_insensitively_with_timeline_entries() {
    let t = TestDatabase::new().await;
    let db = &t.db;
    let (s, other) = (store(db, "Tags").await, store(db, "Other").await);
    for (i, who) in ["fay", "gus"].iter().enumerate() {
        apply(
            db,
            s,
            &ev::lead(
                &format!("l{i}"),
                T0,
                user(who, Some(&format!("{who}@example.com")), None),
                "form",
            ),
        )
        .await;
    }
    apply(
        db,
        other,
        &ev::lead("l", T0, user("hal", Some("hal@example.com"), None), "form"),
    )
    .await;
    let fay = customer_id(db, s, "fay").await;
    let gus = customer_id(db, s, "gus").await;
    let hal = customer_id(db, other, "hal").await;
    let owner = account(db, "owner@store.test").await;

    let (vip, added) = tags::add_tag(db, s, fay, Some(owner), "  VIP ", T0 + MIN)
        .await
        .unwrap();
    assert!(added);
    assert_eq!(vip.name, "VIP");
    let (again, added) = tags::add_tag(db, s, fay, Some(owner), "vip", T0 + 2 * MIN)
        .await
        .unwrap();
    assert_eq!((again.clone(), added), (vip.clone(), false));
    tags::add_tag(db, s, gus, None, "Vip", T0 + 3 * MIN)
        .await
        .unwrap();
    tags::add_tag(db, s, gus, None, "webinar 2025", T0 + 3 * MIN)
        .await
        .unwrap();
    let (hal_vip, _) = tags::add_tag(db, other, hal, None, "vip", T0)
        .await
        .unwrap();
    assert_ne!(hal_vip.id, vip.id, "tags belong to one store");
    assert_eq!(hal_vip.name, "vip");

    let counts = |store: i64| async move {
        tags::store_tags(db, store)
            .await
            .unwrap()
            .into_iter()
            .map(|t| (t.name, t.customers))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        counts(s).await,
        vec![("VIP".to_string(), 2), ("webinar 2025".to_string(), 1)]
    );
    assert!(
        tags::remove_tag(db, s, fay, Some(owner), "vIp", T0 + 4 * MIN)
            .await
            .unwrap()
    );
    assert!(
        !tags::remove_tag(db, s, fay, Some(owner), "vip", T0 + 5 * MIN)
            .await
            .unwrap()
    );
    assert!(
        !tags::remove_tag(db, s, fay, Some(owner), "never", T0 + 5 * MIN)
            .await
            .unwrap()
    );
    assert_eq!(
        counts(s).await,
        vec![("VIP".to_string(), 1), ("webinar 2025".to_string(), 1)]
    );
    assert_eq!(counts(other).await, vec![("vip".to_string(), 1)]);
    // A tag no one carries is not offered; given again, it is back.
    tags::remove_tag(db, s, gus, Some(owner), "webinar 2025", T0 + 6 * MIN)
        .await
        .unwrap();
    assert_eq!(counts(s).await, vec![("VIP".to_string(), 1)]);
    tags::add_tag(db, s, gus, Some(owner), "webinar 2025", T0 + 7 * MIN)
        .await
        .unwrap();
    assert_eq!(
        counts(s).await,
        vec![("VIP".to_string(), 1), ("webinar 2025".to_string(), 1)]
    );
    assert!(tags::customer_tags(db, s, fay).await.unwrap().is_empty());
    let gus_tags: Vec<String> = tags::customer_tags(db, s, gus)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(gus_tags, ["VIP", "webinar 2025"]);

    let entries = paged(db, s, fay, 10).await;
    let changes: Vec<(i64, &str, Option<&str>, Option<&str>)> = entries
        .iter()
        .filter(|e| e.kind.starts_with("tag_"))
        .map(|e| {
            (
                e.at,
                e.kind.as_str(),
                e.title.as_deref(),
                e.actor.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        vec![
            (
                T0 + 4 * MIN,
                "tag_removed",
                Some("VIP"),
                Some("owner@store.test")
            ),
            (T0 + MIN, "tag_added", Some("VIP"), Some("owner@store.test")),
        ]
    );

    // Bad names name the field; nothing is written. Other stores: not found.
    let before = scalar(db, "SELECT COUNT(*) FROM tags", &[]).await;
    for bad in ["", "  ", "a\u{1}b"] {
        assert_eq!(
            invalid(tags::add_tag(db, s, fay, None, bad, NOW).await),
            "tag"
        );
    }
    assert_eq!(
        invalid(tags::add_tag(db, s, fay, None, &"t".repeat(51), NOW).await),
        "tag"
    );
    assert!(
        tags::add_tag(db, s, fay, None, &"é".repeat(50), NOW)
            .await
            .unwrap()
            .1
    );
    assert_eq!(
        not_found(tags::add_tag(db, s, hal, None, "x", NOW).await),
        "customer"
    );
    assert_eq!(
        not_found(tags::remove_tag(db, other, gus, None, "vip", NOW).await),
        "customer"
    );
    assert_eq!(
        not_found(tags::customer_tags(db, other, fay).await),
        "customer"
    );
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM tags", &[]).await,
        before + 1
    );
}

#[tokio::test]
async fn bulk_tagging_touches_exactly_the_filtered_set() {
    let t = TestDatabase::new().await;
    let db = &t.db;
    let report = devtools::seed::seed(
        db,
        &devtools::seed::SeedOptions {
            seed: 3,
            stores: 2,
            users: 600,
            anchor_ms: Some(NOW),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (s, other) = (report.store_ids[0], report.store_ids[1]);
    let owner = account(db, "owner@store.test").await;
    let queries = [
        CustomerQuery {
            types: vec![CustomerType::Paying],
            spent: Range {
                min: Some(5_000),
                max: None,
            },
            ..Default::default()
        },
        CustomerQuery {
            search: "yoga".into(),
            ..Default::default()
        },
        CustomerQuery {
            search: "a".into(),
            types: vec![CustomerType::Lead, CustomerType::Subscription],
            ..Default::default()
        },
    ];
    for (i, query) in queries.iter().enumerate() {
        let name = format!("Bulk {i}");
        // Who the page says matches, page by page.
        let mut expected = BTreeSet::new();
        let mut page_query = CustomerQuery {
            page_size: 200,
            ..query.clone()
        };
        loop {
            let page = search::search_page(db, s, &page_query, NOW).await.unwrap();
            expected.extend(page.rows.iter().map(|r| r.id));
            match page.next_cursor {
                Some(c) => page_query.after = Some(c),
                None => break,
            }
        }
        assert!(expected.len() > 3, "query {i} matches {}", expected.len());
        let total = search::counts(db, s, query, NOW).await.unwrap().total;
        assert_eq!(total as usize, expected.len());
        // Two of them already carry the tag.
        let first_two: Vec<i64> = expected.iter().copied().take(2).collect();
        for &id in &first_two {
            tags::add_tag(db, s, id, None, &name, T0).await.unwrap();
        }
        let preview = tags::bulk_tag_preview(db, s, query, &name.to_uppercase(), NOW)
            .await
            .unwrap();
        assert_eq!(
            (preview.matching, preview.already_tagged, preview.to_tag),
            (total, 2, total - 2)
        );
        let before_other = scalar(
            db,
            "SELECT COUNT(*) FROM customer_tags WHERE store_id = $1",
            &[other],
        )
        .await;
        let tagged = tags::bulk_tag(db, s, query, Some(owner), &name, NOW)
            .await
            .unwrap();
        assert_eq!(tagged as i64, total - 2);
        let tag_id: i64 =
            sqlx::query_scalar("SELECT id FROM tags WHERE store_id = $1 AND name_normalized = $2")
                .bind(s)
                .bind(name.to_lowercase())
                .fetch_one(db.reader())
                .await
                .unwrap();
        let holders: BTreeSet<i64> = sqlx::query_scalar(
            "SELECT c.id FROM customer_tags ct \
             JOIN identities i ON i.store_id = ct.store_id AND i.id = ct.identity_id \
             JOIN customers c ON c.store_id = i.store_id AND c.id = i.customer_id \
             WHERE ct.tag_id = $1",
        )
        .bind(tag_id)
        .fetch_all(db.reader())
        .await
        .unwrap()
        .into_iter()
        .collect();
        assert_eq!(holders, expected, "query {i}");
        let logged: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM customer_activity WHERE store_id = $1 AND kind = 'tag_added' \
             AND tag_name = $2 AND account_id = $3",
        )
        .bind(s)
        .bind(&name)
        .bind(owner)
        .fetch_one(db.reader())
        .await
        .unwrap();
        assert_eq!(logged, total - 2, "one entry per customer tagged now");
        assert_eq!(
            scalar(
                db,
                "SELECT COUNT(*) FROM customer_tags WHERE store_id = $1",
                &[other]
            )
            .await,
            before_other
        );
        // Again: nothing more to tag.
        let preview = tags::bulk_tag_preview(db, s, query, &name, NOW)
            .await
            .unwrap();
        assert_eq!((preview.to_tag, preview.already_tagged), (0, total));
        assert_eq!(
            tags::bulk_tag(db, s, query, None, &name, NOW)
                .await
                .unwrap(),
            0
        );
    }
    let bad = CustomerQuery {
        page_size: 0,
        spent: Range {
            min: Some(-1),
            max: None,
        },
        ..Default::default()
    };
    assert_eq!(
        invalid(tags::bulk_tag(db, s, &bad, None, "x", NOW).await),
        "spent_min"
    );
    assert_eq!(
        invalid(tags::bulk_tag(db, s, &CustomerQuery::default(), None, "", NOW).await),
        "tag"
    );
    assert_eq!(
        not_found(tags::bulk_tag(db, 999_999, &CustomerQuery::default(), None, "x", NOW).await),
        "store"
    );
}

#[tokio::test]
async fn lifetime_value_per_customer_and_per_store() {
    let t = TestDatabase::new().await;
    let db = &t.db;
    let s = store(db, "LTV").await;
    let u = |id: &str| user(id, Some(&format!("{id}@example.com")), None);
    let events = vec![
        ev::purchase("p1", T0, u("a"), "o1", "c1", 1_000, "USD"),
        ev::purchase("p2", T0, u("a"), "o2", "d1", 500, "EUR"),
        ev::purchase("p3", T0, u("b"), "o3", "c1", 2_001, "USD"),
        ev::purchase("p4", T0, u("c"), "o4", "c1", 700, "USD"),
        ev::refund("r4", T0 + 1, "o4"),
        ev::lead("l5", T0, u("d"), "form"),
    ];
    apply_batch(db, s, &events).await.unwrap();
    let a = customer_id(db, s, "a").await;
    let value = ltv::customer_value(db, s, a).await.unwrap();
    let got: Vec<(&str, i64)> = value
        .iter()
        .map(|v| (v.currency.as_str(), v.net_cents))
        .collect();
    assert_eq!(got, [("EUR", 500), ("USD", 1_000)]);
    let store_value = ltv::store_value(db, s).await.unwrap();
    let got: Vec<(&str, i64, i64, i64)> = store_value
        .iter()
        .map(|v| {
            (
                v.currency.as_str(),
                v.paying_customers,
                v.net_cents,
                v.average_cents,
            )
        })
        .collect();
    // USD: a 1,000 and b 2,001 (c refunded): 3,001 / 2 = 1,500.5 -> 1,501.
    // The store's currency (USD) first.
    assert_eq!(got, [("USD", 2, 3_001, 1_501), ("EUR", 1, 500, 500)]);
    assert_eq!(not_found(ltv::store_value(db, 999_999).await), "store");
}

const CSV: &str = "\u{feff}Full Name,E-mail,Tags\n\
\"Lee, Ann \"\"Annie\"\"\",ann@example.com,VIP;newsletter\n\
\"Multi\nLine\",multi@example.com,\"a|b\"\n\
Platform Person,PLAT@Example.com,VIP\n\
Bad One,not-an-email,\n\
,,\n\
Again Ann,ANN@EXAMPLE.COM,\n\
No Email,,\n\
Long Tag,long@example.com,ttttttttttttttttttttttttttttttttttttttttttttttttttt\n\
Plain,plain@example.com,\n";

#[tokio::test]
async fn importing_contacts_matches_by_email_reports_each_row_and_is_idempotent() {
    let t = TestDatabase::new().await;
    let db = &t.db;
    let (s, other) = (store(db, "Import").await, store(db, "Other").await);
    let owner = account(db, "owner@store.test").await;
    // A customer the store has already, and one known only to another store.
    apply(
        db,
        s,
        &ev::enrollment(
            "e1",
            T0,
            user("plat-1", Some("plat@example.com"), Some("Platform Name")),
            "c1",
        ),
    )
    .await;
    apply(
        db,
        other,
        &ev::enrollment(
            "e1",
            T0,
            user("plat-2", Some("plain@example.com"), None),
            "c1",
        ),
    )
    .await;
    let plat_before = customer_id(db, s, "plat-1").await;
    let other_before = db::customers::list_all(db, other).await.unwrap();

    // The store's preview marks the rows that update one of ITS customers:
    // the platform person, not the other store's.
    let marked: Vec<(u64, bool)> = import::preview_for_store(db, s, CSV.as_bytes(), 20)
        .await
        .unwrap()
        .rows
        .iter()
        .map(|r| (r.row, r.updates_customer))
        .collect();
    assert_eq!(
        marked,
        [
            (2, false),
            (3, false),
            (5, true),
            (6, false),
            (8, false),
            (9, false),
            (10, false),
            (11, false)
        ]
    );

    let preview = import::preview(CSV.as_bytes(), 3).unwrap();
    assert_eq!(
        (
            preview.mapping.name,
            preview.mapping.email,
            preview.mapping.tags
        ),
        (Some(0), 1, Some(2))
    );
    assert_eq!(preview.rows.len(), 3);
    assert_eq!(preview.rows[0].name.as_deref(), Some("Lee, Ann \"Annie\""));
    assert_eq!(preview.rows[1].name.as_deref(), Some("Multi Line"));
    assert_eq!(
        (
            preview.total_rows,
            preview.valid_rows,
            preview.rejected_rows
        ),
        (8, 4, 4)
    );

    let summary = import::import_contacts(
        db,
        s,
        "uploads/contacts.csv",
        CSV.as_bytes(),
        Some(owner),
        NOW,
    )
    .await
    .unwrap();
    let rejected: Vec<(u64, &str)> = summary
        .rejected
        .iter()
        .map(|r| (r.row, r.reason.as_str()))
        .collect();
    assert_eq!(
        rejected,
        [
            (6, "email is not an email address"),
            (8, "duplicate of row 2"),
            (9, "missing email"),
            (
                10,
                "tag \"ttttttttttttttttttttttttttttttttttttttttttttttttttt\" must be at most 50 characters"
            ),
        ]
    );
    assert_eq!(
        (
            summary.rows,
            summary.created,
            summary.updated,
            summary.unchanged,
            summary.tagged
        ),
        (8, 3, 1, 0, 5)
    );

    // One lead event per imported row, logged like the API's.
    assert_eq!(
        scalar(
            db,
            "SELECT COUNT(*) FROM events WHERE store_id = $1 AND type = 'lead' \
             AND occurred_at = $2 AND event_id LIKE 'import:%'",
            &[s, NOW]
        )
        .await,
        4
    );

    // The platform person: the same customer, name kept, source unchanged
    // (they came by a course), the import's lead and tag added.
    assert_eq!(customer_id(db, s, "plat-1").await, plat_before);
    let plat = detail::customer_detail(db, s, plat_before, NOW)
        .await
        .unwrap();
    assert_eq!(plat.profile.name.as_deref(), Some("Platform Name"));
    assert_eq!(plat.profile.source_kind, "course");
    // The import never re-spells the email, and is not activity.
    assert_eq!(plat.profile.email.as_deref(), Some("plat@example.com"));
    assert_eq!(plat.profile.last_activity_at, T0);
    assert_eq!(plat.profile.customer_type, CustomerType::Lead);
    assert_eq!(
        plat.tags
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["VIP"]
    );
    // New contacts: leads from the import, named, tagged.
    let ann: i64 = scalar(
        db,
        "SELECT id FROM customers WHERE store_id = $1 AND email_normalized = 'ann@example.com'",
        &[s],
    )
    .await;
    let ann = detail::customer_detail(db, s, ann, NOW).await.unwrap();
    assert_eq!(ann.profile.name.as_deref(), Some("Lee, Ann \"Annie\""));
    assert_eq!(ann.profile.customer_type, CustomerType::Lead);
    // Their first fact is the import: the source kind says so (issue 12).
    assert_eq!(
        (
            ann.profile.source_kind.as_str(),
            ann.profile.source_title.as_str()
        ),
        ("import", "import: contacts.csv")
    );
    // The import is not activity: last activity is when they joined.
    assert_eq!(
        (ann.profile.joined_at, ann.profile.last_activity_at),
        (NOW, NOW)
    );
    let entries = paged(db, s, ann.profile.id, 50).await;
    assert_eq!(
        entries
            .iter()
            .map(|e| (e.kind.as_str(), e.title.as_deref()))
            .filter(|(kind, _)| !kind.starts_with("tag_"))
            .collect::<Vec<_>>(),
        [("imported", Some("import: contacts.csv"))],
        "an import is an `imported` entry, not a `lead`"
    );
    assert_eq!(
        ann.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["newsletter", "VIP"]
    );
    // plain@example.com is known to the other store only: this store gets a
    // customer of its own (the import's identity), nothing is looked up or
    // changed in the other store.
    let plain: i64 = scalar(
        db,
        "SELECT id FROM customers WHERE store_id = $1 AND email_normalized = 'plain@example.com'",
        &[s],
    )
    .await;
    let plain_ids: Vec<String> = sqlx::query_scalar(
        "SELECT external_id FROM identities WHERE store_id = $1 AND customer_id = $2",
    )
    .bind(s)
    .bind(plain)
    .fetch_all(db.reader())
    .await
    .unwrap();
    assert_eq!(plain_ids, ["import:plain@example.com"]);
    assert_ne!(
        plain,
        scalar(db, "SELECT id FROM customers WHERE store_id = $1", &[other]).await
    );
    assert_eq!(
        other_before,
        db::customers::list_all(db, other).await.unwrap(),
        "the other store's customer is untouched"
    );
    assert_eq!(
        scalar(
            db,
            "SELECT COUNT(*) FROM customers WHERE store_id = $1",
            &[s]
        )
        .await,
        4
    );
    // One customer per email; the import's identities beside the platform's.
    assert_eq!(
        scalar(
            db,
            "SELECT COUNT(*) FROM customers WHERE store_id = $1 AND email_normalized IN \
             ('ann@example.com', 'plat@example.com', 'plain@example.com')",
            &[s]
        )
        .await,
        3
    );
    let identities: Vec<(String, Option<String>, i64)> = sqlx::query(
        "SELECT external_id, email_normalized, imported FROM identities \
         WHERE store_id = $1 AND email_normalized IN \
         ('ann@example.com', 'plat@example.com', 'plain@example.com') ORDER BY external_id",
    )
    .bind(s)
    .fetch_all(db.reader())
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect();
    let email = |e: &str| Some(e.to_string());
    assert_eq!(
        identities,
        [
            ("import:ann@example.com".into(), email("ann@example.com"), 1),
            (
                "import:plain@example.com".into(),
                email("plain@example.com"),
                1
            ),
            (
                "import:plat@example.com".into(),
                email("plat@example.com"),
                1
            ),
            ("plat-1".into(), email("plat@example.com"), 0),
        ]
    );

    // The same file again: nothing new anywhere.
    let before = table_counts(db).await;
    let again = import::import_contacts(
        db,
        s,
        "contacts.csv",
        CSV.as_bytes(),
        Some(owner),
        NOW + DAY,
    )
    .await
    .unwrap();
    assert_eq!(
        (again.created, again.updated, again.unchanged, again.tagged),
        (0, 0, 4, 0)
    );
    assert_eq!(again.rejected, summary.rejected);
    assert_eq!(table_counts(db).await, before);

    // A whole-file problem is an error naming the field; nothing written.
    assert_eq!(
        invalid(import::import_contacts(db, s, "x.csv", b"name,phone\nAnn,1\n", None, NOW).await),
        "file"
    );
    assert_eq!(
        invalid(import::import_contacts(db, s, "  ", CSV.as_bytes(), None, NOW).await),
        "file_name"
    );
    assert_eq!(
        not_found(import::import_contacts(db, 999_999, "x.csv", CSV.as_bytes(), None, NOW).await),
        "store"
    );
    assert_eq!(table_counts(db).await, before);

    // Platform events may not use the ids imports give contacts.
    let taken = apply_batch(
        db,
        s,
        &[ev::lead(
            "evil",
            T0,
            user("import:ann@example.com", None, None),
            "x",
        )],
    )
    .await;
    assert_eq!(invalid(taken), "events[0].user.id");
}

async fn table_counts(db: &db::Db) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for table in [
        "identities",
        "customers",
        "leads",
        "events",
        "tags",
        "customer_tags",
        "customer_activity",
    ] {
        out.push((
            table.to_string(),
            scalar(db, &format!("SELECT COUNT(*) FROM {table}"), &[]).await,
        ));
    }
    out
}

/// A person with every kind of fact in two stores, plus a bystander.
async fn two_store_person(db: &db::Db) -> (i64, i64, i64) {
    let (s, other) = (store(db, "Erase").await, store(db, "Keep").await);
    let owner = account(db, "owner@store.test").await;
    let ivy = || user("ivy", Some("ivy@example.com"), Some("Ivy"));
    for store in [s, other] {
        let events = vec![
            ev::enrollment("e1", T0, ivy(), "c1"),
            ev::progress("e2", T0 + MIN, ivy(), "c1", 80),
            ev::purchase("e3", T0 + 2 * MIN, ivy(), "o1", "d1", 900, "USD"),
            ev::purchase("e4", T0 + 3 * MIN, ivy(), "o2", "c1", 4_900, "EUR"),
            ev::refund("e5", T0 + 4 * MIN, "o1"),
            ev::subscription("e6", T0 + 5 * MIN, ivy(), "sub", "p1", "active", 1_900),
            ev::subscription("e7", T0 + 6 * MIN, ivy(), "sub", "p1", "cancelled", 1_900),
            ev::purchase("e8", T0 + 5 * MIN, ivy(), "o3", "p1", 1_900, "USD"),
            ev::lead_with_consent("e9", T0, ivy(), "form", "subscribed"),
            ev::enrollment("e10", T0, user("joe", Some("joe@example.com"), None), "c1"),
        ];
        apply_batch(db, store, &events).await.unwrap();
        campaign_opened_by_ivy(db, store).await;
        let ivy_id = customer_id(db, store, "ivy").await;
        notes::add_note(db, store, ivy_id, owner, "Private", T0 + DAY)
            .await
            .unwrap();
        tags::add_tag(db, store, ivy_id, Some(owner), "VIP", T0 + DAY)
            .await
            .unwrap();
        tags::add_tag(db, store, ivy_id, Some(owner), "gone", T0 + DAY)
            .await
            .unwrap();
        tags::remove_tag(db, store, ivy_id, Some(owner), "gone", T0 + DAY)
            .await
            .unwrap();
    }
    (s, other, owner)
}

/// A campaign to everyone with an email reaches ivy (the one who
/// consented), through the real outbox and worker, and she opens it.
async fn campaign_opened_by_ivy(db: &db::Db, store: i64) {
    use domain::segment::{Combine, Condition, Group, Rule};
    let with_email = Group {
        combine: Combine::All,
        rules: vec![Rule::Condition(Condition::HasEmail { has: true })],
    };
    let segment = db::segments::save(db, store, None, "With email", &with_email, None, T0)
        .await
        .unwrap();
    let id = tests::campaigns::campaign(db, store, segment).await;
    let outbox = std::env::temp_dir().join(format!("erase-{}-{store}", std::process::id()));
    let worker = mail::Worker {
        db: db.clone(),
        delivery: mail::Delivery::Files(outbox.clone()),
        signer: mail::Signer::new(b"test key"),
        settings: mail::Settings {
            from: "news@shop.test".parse().unwrap(),
            public_origin: "https://shop.test".into(),
            rate: 1_000,
            connections: 2,
            batch: 100,
            lease: std::time::Duration::from_secs(60),
            worker: "w".into(),
        },
    };
    tests::campaigns::send_out(db, &worker, store, id).await;
    let _ = std::fs::remove_dir_all(outbox);
    let message: i64 = sqlx::query_scalar(
        "SELECT id FROM campaign_messages WHERE store_id = $1 AND campaign_id = $2 \
         AND email = 'ivy@example.com' AND status = 'sent'",
    )
    .bind(store)
    .bind(id)
    .fetch_one(db.reader())
    .await
    .unwrap();
    let open = db::campaigns::engagement::Kind::Open;
    db::campaigns::engagement::record(db, store, message, open, None, T0 + DAY)
        .await
        .unwrap();
}

/// A customer of a store, its identities and their addresses, as they were
/// when read (so their rows can still be counted after the identities are
/// gone).
struct Person {
    store: i64,
    customer: i64,
    identities: Vec<i64>,
    emails: Vec<String>,
}

async fn person(db: &db::Db, store: i64, customer: i64) -> Person {
    let identities: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM identities WHERE store_id = $1 AND customer_id = $2 ORDER BY id",
    )
    .bind(store)
    .bind(customer)
    .fetch_all(db.reader())
    .await
    .unwrap();
    assert!(!identities.is_empty(), "customer {customer} has identities");
    let emails: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT email_normalized FROM identities WHERE store_id = $1 \
         AND customer_id = $2 AND email_normalized IS NOT NULL",
    )
    .bind(store)
    .bind(customer)
    .fetch_all(db.reader())
    .await
    .unwrap();
    Person {
        store,
        customer,
        identities,
        emails,
    }
}

/// Rows of a customer per table in its store: those of its identities, its
/// derived rows, its identities themselves.
async fn rows_of(db: &db::Db, person: &Person) -> Vec<(&'static str, i64)> {
    let ids: Vec<String> = person.identities.iter().map(i64::to_string).collect();
    let (ids, customer) = (ids.join(", "), person.customer);
    let emails: Vec<String> = person.emails.iter().map(|e| format!("'{e}'")).collect();
    let emails = emails.join(", ");
    let mut out = Vec::new();
    for table in privacy::CUSTOMER_TABLES {
        let condition = match table {
            "campaign_events" | "campaign_messages" => format!("customer_id IN ({ids})"),
            "email_consents" => format!("email_normalized IN ({emails})"),
            "customer_totals" => format!("customer_id = {customer}"),
            "customers" => format!("id = {customer}"),
            "identities" => format!("id IN ({ids})"),
            _ => format!("identity_id IN ({ids})"),
        };
        out.push((
            table,
            scalar(
                db,
                &format!("SELECT COUNT(*) FROM {table} WHERE store_id = $1 AND {condition}"),
                &[person.store],
            )
            .await,
        ));
    }
    out
}

#[tokio::test]
async fn erasure_removes_every_row_of_the_customer_in_that_store_only() {
    let t = TestDatabase::new().await;
    let db = &t.db;
    let (s, other, _) = two_store_person(db).await;
    let ivy = customer_id(db, s, "ivy").await;
    let ivy_other = customer_id(db, other, "ivy").await;
    assert_ne!(ivy, ivy_other, "each store knows ivy as its own customer");
    let mine = person(db, s, ivy).await;
    let theirs = person(db, other, ivy_other).await;
    let before = rows_of(db, &mine).await;
    assert!(
        before.iter().all(|(_, n)| *n > 0),
        "every table has a row of the customer: {before:?}"
    );
    let kept = rows_of(db, &theirs).await;
    let other_timeline = paged(db, other, ivy_other, 200).await;
    let joe_before = scalar(db, "SELECT COUNT(*) FROM customers", &[]).await;

    // The export first: everything, as JSON.
    let export = privacy::export_customer(db, s, ivy, NOW).await.unwrap();
    let json = serde_json::to_value(&export).unwrap();
    assert_eq!(json["detail"]["profile"]["email"], "ivy@example.com");
    assert_eq!(export.notes.len(), 1);
    assert_eq!(export.leads.len(), 1);
    assert_eq!(export.detail.tags.len(), 1);
    assert_eq!(export.detail.courses[0].milestones.len(), 3);
    assert_eq!(
        export.timeline,
        paged(db, s, ivy, 200).await,
        "the export holds the whole timeline"
    );
    let back: privacy::CustomerExport = serde_json::from_value(json).unwrap();
    assert_eq!(back, export);

    assert_eq!(
        not_found(privacy::erase_customer(db, other, ivy).await),
        "customer"
    );
    let erasure = privacy::erase_customer(db, s, ivy).await.unwrap();
    // What it deleted is exactly every row the customer had in the store,
    // its identities included (nothing of them is shared with another store).
    assert_eq!(erasure.customer_id, ivy);
    assert_eq!(
        erasure
            .deleted
            .iter()
            .map(|(table, n)| (table.as_str(), *n as i64))
            .collect::<Vec<_>>(),
        before
    );
    let after = rows_of(db, &mine).await;
    assert!(after.iter().all(|(_, n)| *n == 0), "{after:?}");
    assert_eq!(rows_of(db, &theirs).await, kept);
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM customers", &[]).await,
        joe_before - 1
    );
    // The other store still knows ivy's platform id; this store does not.
    let known = |store: i64| async move {
        scalar(
            db,
            "SELECT COUNT(*) FROM identities WHERE store_id = $1 AND external_id = 'ivy'",
            &[store],
        )
        .await
    };
    assert_eq!((known(s).await, known(other).await), (0, 1));
    assert_eq!(
        not_found(detail::customer_detail(db, s, ivy, NOW).await),
        "customer"
    );
    // The other store's customer is whole.
    let detail = detail::customer_detail(db, other, ivy_other, NOW)
        .await
        .unwrap();
    assert_eq!(detail.tags.len(), 1);
    assert_eq!(paged(db, other, ivy_other, 200).await, other_timeline);
    assert_eq!(other_timeline.len(), 17);

    // Erased from the other store too: its identities go with it.
    let erasure = privacy::erase_customer(db, other, ivy_other).await.unwrap();
    assert_eq!(
        erasure
            .deleted
            .iter()
            .map(|(table, n)| (table.as_str(), *n as i64))
            .collect::<Vec<_>>(),
        kept
    );
    assert_eq!((known(s).await, known(other).await), (0, 0));
    assert_eq!(
        scalar(
            db,
            "SELECT COUNT(*) FROM identities WHERE email_normalized = 'ivy@example.com'",
            &[]
        )
        .await,
        0
    );
    assert!(rows_of(db, &theirs).await.iter().all(|(_, n)| *n == 0));
    // joe is untouched in both stores.
    customer_id(db, s, "joe").await;
    customer_id(db, other, "joe").await;
}

#[tokio::test]
async fn another_stores_customer_answers_not_found_everywhere() {
    let t = TestDatabase::new().await;
    let db = &t.db;
    let (s, other, owner) = two_store_person(db).await;
    let theirs = customer_id(db, other, "ivy").await;
    let before = table_counts(db).await;
    assert_eq!(
        not_found(detail::customer_detail(db, s, theirs, NOW).await),
        "customer"
    );
    assert_eq!(
        not_found(detail::profile(db, s, theirs, NOW).await),
        "customer"
    );
    assert_eq!(
        not_found(timeline::timeline(db, s, theirs, None, 10).await),
        "customer"
    );
    assert_eq!(
        not_found(notes::list_notes(db, s, theirs).await),
        "customer"
    );
    assert_eq!(
        not_found(notes::add_note(db, s, theirs, owner, "x", NOW).await),
        "customer"
    );
    assert_eq!(
        not_found(tags::add_tag(db, s, theirs, None, "x", NOW).await),
        "customer"
    );
    assert_eq!(
        not_found(tags::remove_tag(db, s, theirs, None, "VIP", NOW).await),
        "customer"
    );
    assert_eq!(
        not_found(tags::customer_tags(db, s, theirs).await),
        "customer"
    );
    assert_eq!(
        not_found(ltv::customer_value(db, s, theirs).await),
        "customer"
    );
    assert_eq!(
        not_found(privacy::export_customer(db, s, theirs, NOW).await),
        "customer"
    );
    assert_eq!(
        not_found(privacy::erase_customer(db, s, theirs).await),
        "customer"
    );
    assert_eq!(not_found(tags::store_tags(db, 999_999).await), "store");
    assert_eq!(
        not_found(detail::customer_detail(db, s, 999_999, NOW).await),
        "customer"
    );
    assert_eq!(table_counts(db).await, before);
}

/// A person enrolled in `course` as a bulk load writes the store's history
/// (see `db::bulk`): an identity (`external`, `external@example.com`,
/// reported at T0) and an enrollment with `progress` reached a day later, no
/// reports. Answers the identity; the caller derives the customers.
async fn bulk_enrollment(
    db: &db::Db,
    store: i64,
    external: &str,
    course: i64,
    progress: i64,
) -> i64 {
    let identity: i64 = sqlx::query_scalar(
        "INSERT INTO identities (store_id, external_id, email, email_normalized, email_at, \
         email_event, name, name_at, name_event, first_at, created_at) \
         VALUES ($1, $2, $3, $3, $4, 'history', $2, $4, 'history', $4, $4) RETURNING id",
    )
    .bind(store)
    .bind(external)
    .bind(format!("{external}@example.com"))
    .bind(T0)
    .fetch_one(db.writer())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO enrollments (store_id, course_id, identity_id, enrolled_at, progress, \
         progress_at, last_accessed_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(store)
    .bind(course)
    .bind(identity)
    .bind(T0)
    .bind(progress)
    .bind(T0 + DAY)
    .execute(db.writer())
    .await
    .unwrap();
    identity
}
