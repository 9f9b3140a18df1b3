//! Recording facts keeps each customer right (DESIGN.md invariants 2 and 5,
//! the type/total/last-activity/source/email rules), on SQLite and Postgres.

use db::{
    customers,
    events::Event,
    facts::{EventStatus, apply_batch},
};
use tests::lookup::customer_id;
use tests::{
    TestDatabase,
    events::{self as ev, T0, apply, count, counts, user},
    oracle,
};

const MIN: i64 = 60_000;

async fn setup() -> (TestDatabase, i64) {
    let database = TestDatabase::new().await;
    let store = db::stores::create_store(&database.db, "Core store", "USD")
        .await
        .unwrap();
    (database, store)
}

async fn customer(db: &db::Db, store: i64, external: &str) -> customers::Customer {
    let id = customer_id(db, store, external).await;
    customers::get(db, store, id)
        .await
        .unwrap()
        .expect("a customer row")
}

/// Records one event through the one entry, as the events API does.
async fn record(db: &db::Db, store: i64, event: Event) -> EventStatus {
    apply_batch(db, store, &[event]).await.unwrap()[0].status
}

async fn assert_oracle(db: &db::Db, store: i64) {
    let diff = oracle::differences(db, store).await;
    assert!(
        diff.is_empty(),
        "derived rows differ from the facts:\n{}",
        diff.join("\n")
    );
}

#[tokio::test]
async fn type_follows_the_facts_lead_paying_refund_subscription() {
    let (t, store) = setup().await;
    let db = &t.db;
    let ann = user("ann", Some("ann@example.com"), Some("Ann Lee"));

    apply(db, store, &ev::enrollment("e1", T0, ann.clone(), "c-free")).await;
    let c = customer(db, store, "ann").await;
    assert_eq!(
        (
            c.customer_type.as_str(),
            c.total_spent_cents,
            c.courses_count
        ),
        ("lead", 0, 1)
    );
    assert_eq!(
        (c.source_kind.as_str(), c.source_title.as_str()),
        ("course", "c-free")
    );

    apply(
        db,
        store,
        &ev::purchase("e2", T0 + MIN, ann.clone(), "o1", "c-paid", 4_900, "USD"),
    )
    .await;
    let c = customer(db, store, "ann").await;
    assert_eq!(
        (
            c.customer_type.as_str(),
            c.total_spent_cents,
            c.purchases_count
        ),
        ("paying", 4_900, 1)
    );

    // A refund of the only purchase makes a paying customer a lead again.
    apply(db, store, &ev::refund("e3", T0 + 2 * MIN, "o1")).await;
    let c = customer(db, store, "ann").await;
    assert_eq!(
        (
            c.customer_type.as_str(),
            c.total_spent_cents,
            c.purchases_count
        ),
        ("lead", 0, 0)
    );

    // An active subscription wins over everything; cancelled, the payments
    // made for it keep the customer paying.
    apply(
        db,
        store,
        &ev::subscription(
            "e4",
            T0 + 3 * MIN,
            ann.clone(),
            "s1",
            "p-monthly",
            "active",
            1_900,
        ),
    )
    .await;
    assert_eq!(
        customer(db, store, "ann").await.customer_type,
        "subscription"
    );
    assert!(customer(db, store, "ann").await.has_active_subscription);
    apply(
        db,
        store,
        &ev::purchase(
            "e5",
            T0 + 3 * MIN,
            ann.clone(),
            "o2",
            "p-monthly",
            1_900,
            "USD",
        ),
    )
    .await;
    apply(
        db,
        store,
        &ev::subscription(
            "e6",
            T0 + 40 * MIN,
            ann.clone(),
            "s1",
            "p-monthly",
            "cancelled",
            1_900,
        ),
    )
    .await;
    let c = customer(db, store, "ann").await;
    assert_eq!(
        (c.customer_type.as_str(), c.total_spent_cents),
        ("paying", 1_900)
    );
    assert!(!c.has_active_subscription);
    // A trialing subscription counts as a subscriber.
    apply(
        db,
        store,
        &ev::subscription(
            "e7",
            T0 + 41 * MIN,
            ann.clone(),
            "s2",
            "p-monthly",
            "trialing",
            0,
        ),
    )
    .await;
    assert_eq!(
        customer(db, store, "ann").await.customer_type,
        "subscription"
    );
    assert_eq!(customer(db, store, "ann").await.joined_at, T0);
    assert_eq!(
        customer(db, store, "ann").await.last_activity_at,
        T0 + 41 * MIN
    );
    assert_oracle(db, store).await;
}

#[tokio::test]
async fn totals_are_per_currency_and_the_store_currency_sorts() {
    let (t, store) = setup().await;
    let db = &t.db;
    let bo = user("bo", Some("bo@example.com"), None);
    apply(
        db,
        store,
        &ev::purchase("e1", T0, bo.clone(), "o1", "c1", 1_000, "USD"),
    )
    .await;
    apply(
        db,
        store,
        &ev::purchase("e2", T0 + 1, bo.clone(), "o2", "d1", 2_000, "EUR"),
    )
    .await;
    apply(
        db,
        store,
        &ev::purchase("e3", T0 + 2, bo.clone(), "o3", "d1", 500, "EUR"),
    )
    .await;
    apply(db, store, &ev::refund("e4", T0 + 3, "o3")).await;
    let c = customer(db, store, "bo").await;
    assert_eq!(c.total_spent_cents, 1_000);
    assert_eq!((c.products_count, c.purchases_count), (1, 2));
    let totals = customers::totals(db, store, c.id).await.unwrap();
    assert_eq!(
        totals,
        vec![("EUR".to_string(), 2_000), ("USD".to_string(), 1_000)]
    );
    assert_oracle(db, store).await;
}

#[tokio::test]
async fn emails_differing_only_in_case_are_one_customer_and_no_email_is_fine() {
    let (t, store) = setup().await;
    let db = &t.db;
    apply(
        db,
        store,
        &ev::enrollment(
            "e1",
            T0,
            user("p1", Some("Cara@Example.com"), Some("Cara")),
            "c1",
        ),
    )
    .await;
    apply(
        db,
        store,
        &ev::enrollment(
            "e2",
            T0 + 1,
            user("p2", Some("  cara@example.COM "), None),
            "c2",
        ),
    )
    .await;
    apply(
        db,
        store,
        &ev::enrollment("e3", T0 + 2, user("p3", None, Some("No Mail")), "c1"),
    )
    .await;
    assert_eq!(
        customer_id(db, store, "p1").await,
        customer_id(db, store, "p2").await
    );
    assert_eq!(count(db, "customers").await, 2);
    let cara = customer(db, store, "p1").await;
    assert_eq!(cara.courses_count, 2);
    assert_eq!(cara.email_normalized.as_deref(), Some("cara@example.com"));
    // The newest report's email, as given (trimmed).
    assert_eq!(cara.email.as_deref(), Some("cara@example.COM"));
    let nomail = customer(db, store, "p3").await;
    assert_eq!(
        (nomail.email.as_deref(), nomail.name.as_deref()),
        (None, Some("No Mail"))
    );
    assert_oracle(db, store).await;
}

#[tokio::test]
async fn out_of_order_reports_converge() {
    let (t, store) = setup().await;
    let db = &t.db;
    let dee = user("dee", Some("dee@example.com"), Some("Dee"));
    // Progress before the enrollment; a refund before its purchase; a newer
    // progress report before an older one.
    apply(
        db,
        store,
        &ev::progress("e1", T0 + 10 * MIN, dee.clone(), "c1", 60),
    )
    .await;
    apply(
        db,
        store,
        &ev::progress("e2", T0 + 5 * MIN, dee.clone(), "c1", 30),
    )
    .await;
    apply(db, store, &ev::enrollment("e3", T0, dee.clone(), "c1")).await;
    apply(db, store, &ev::refund("e4", T0 + 20 * MIN, "o1")).await;
    assert_eq!(customer(db, store, "dee").await.customer_type, "lead");
    apply(
        db,
        store,
        &ev::purchase("e5", T0 + MIN, dee.clone(), "o1", "c1", 9_900, "USD"),
    )
    .await;
    let (progress, enrolled, accessed): (i64, i64, i64) = {
        let row: (i64, i64, i64) =
            sqlx::query_as("SELECT progress, enrolled_at, last_accessed_at FROM enrollments")
                .fetch_one(db.reader())
                .await
                .unwrap();
        row
    };
    assert_eq!((progress, enrolled, accessed), (60, T0, T0 + 10 * MIN));
    let c = customer(db, store, "dee").await;
    assert_eq!((c.customer_type.as_str(), c.total_spent_cents), ("lead", 0));
    assert_eq!(c.joined_at, T0);
    // Last activity never goes back: an old report does not lower it.
    assert_eq!(c.last_activity_at, T0 + 10 * MIN);
    apply(
        db,
        store,
        &ev::progress("e6", T0 + 2 * MIN, dee.clone(), "c1", 10),
    )
    .await;
    assert_eq!(
        customer(db, store, "dee").await.last_activity_at,
        T0 + 10 * MIN
    );
    assert_oracle(db, store).await;
}

#[tokio::test]
async fn catalog_events_fill_placeholders_and_refresh_search_and_source() {
    let (t, store) = setup().await;
    let db = &t.db;
    let eve = user("eve", Some("eve@example.com"), Some("Eve Novak"));
    apply(db, store, &ev::enrollment("e1", T0, eve.clone(), "c-99")).await;
    apply(
        db,
        store,
        &ev::purchase("e2", T0 + 1, eve.clone(), "o1", "d-7", 1_500, "USD"),
    )
    .await;
    let c = customer(db, store, "eve").await;
    assert_eq!(c.source_title, "c-99");
    let version = c.version;
    apply(
        db,
        store,
        &ev::course("e3", T0 + 5, "c-99", "Sourdough Basics", 0),
    )
    .await;
    apply(
        db,
        store,
        &ev::product("e4", T0 + 5, "d-7", "Starter Workbook", 1_500),
    )
    .await;
    let c = customer(db, store, "eve").await;
    assert_eq!(
        (c.source_kind.as_str(), c.source_title.as_str()),
        ("course", "Sourdough Basics")
    );
    // Titles are read by reference: the rename shows, and wrote no row.
    assert_eq!(c.search_text, "eve novak eve@example.com");
    assert_eq!(c.version, version, "a rename writes no customer row");
    // An older catalog report does not win over a newer one.
    apply(db, store, &ev::course("e5", T0 + 1, "c-99", "Old Title", 0)).await;
    assert_eq!(
        customer(db, store, "eve").await.source_title,
        "Sourdough Basics"
    );
    // A catalog repeat with the same id answers duplicate.
    assert_eq!(
        apply(db, store, &ev::course("e5", T0 + 1, "c-99", "Old Title", 0)).await,
        EventStatus::Duplicate
    );
}

#[tokio::test]
async fn a_new_name_changes_only_the_store_that_reported_it() {
    let (t, store) = setup().await;
    let db = &t.db;
    let other = db::stores::create_store(db, "Second", "EUR").await.unwrap();
    apply(
        db,
        store,
        &ev::enrollment(
            "e1",
            T0,
            user("fay", Some("fay@example.com"), Some("Fay")),
            "c1",
        ),
    )
    .await;
    apply(
        db,
        other,
        &ev::enrollment("e1", T0, user("fay", Some("fay@example.com"), None), "c1"),
    )
    .await;
    apply(
        db,
        other,
        &ev::lead(
            "e2",
            T0 + MIN,
            user("fay", None, Some("Fay Larsen")),
            "newsletter",
        ),
    )
    .await;
    // Identity belongs to the store: the other store's report renames only
    // its own customer.
    assert_eq!(
        customer(db, store, "fay").await.name.as_deref(),
        Some("Fay")
    );
    assert_eq!(
        customer(db, other, "fay").await.name.as_deref(),
        Some("Fay Larsen")
    );
    // An older name loses.
    apply(
        db,
        other,
        &ev::lead("e3", T0 - MIN, user("fay", None, Some("F.")), "import"),
    )
    .await;
    assert_eq!(
        customer(db, other, "fay").await.name.as_deref(),
        Some("Fay Larsen")
    );
    assert_eq!(
        customer(db, store, "fay").await.name.as_deref(),
        Some("Fay")
    );
}

#[tokio::test]
async fn record_functions_and_duplicates() {
    let (t, store) = setup().await;
    let db = &t.db;
    let gus = user("gus", Some("gus@example.com"), Some("Gus"));
    let enrollment = db::events::Enrollment {
        event_id: "r1".into(),
        occurred_at: T0,
        user: gus.clone(),
        course_id: "c1".into(),
    };
    assert_eq!(
        record(db, store, Event::Enrollment(enrollment.clone())).await,
        EventStatus::Applied
    );
    assert_eq!(
        record(db, store, Event::Enrollment(enrollment.clone())).await,
        EventStatus::Duplicate
    );
    // The same event id with another body is a conflict, and changes nothing.
    let mut altered = enrollment.clone();
    altered.course_id = "c2".into();
    assert_eq!(
        record(db, store, Event::Enrollment(altered)).await,
        EventStatus::Conflict
    );
    let lead = db::events::Lead {
        event_id: "r2".into(),
        occurred_at: T0 + 1,
        user: gus.clone(),
        source: "webinar".into(),
        consent: None,
    };
    assert_eq!(
        record(db, store, Event::Lead(lead)).await,
        EventStatus::Applied
    );
    let progress = db::events::ProgressReport {
        event_id: "r3".into(),
        occurred_at: T0 + 2,
        user: gus.clone(),
        course_id: "c1".into(),
        progress: 100,
    };
    record(db, store, Event::Progress(progress)).await;
    let purchase = db::events::Purchase {
        event_id: "r4".into(),
        occurred_at: T0 + 3,
        user: gus.clone(),
        purchase_id: "o1".into(),
        course_id: None,
        product_id: Some("d1".into()),
        plan_id: None,
        amount_cents: 700,
        currency: "usd".into(),
    };
    record(db, store, Event::Purchase(purchase)).await;
    let refund = db::events::Refund {
        event_id: "r5".into(),
        occurred_at: T0 + 4,
        purchase_id: "o1".into(),
        user: None,
    };
    record(db, store, Event::Refund(refund)).await;
    let sub = db::events::SubscriptionChange {
        event_id: "r6".into(),
        occurred_at: T0 + 5,
        user: gus.clone(),
        subscription_id: "s1".into(),
        plan_id: "p1".into(),
        status: "past_due".into(),
        amount_cents: 1_000,
        currency: "USD".into(),
        interval: "month".into(),
        started_at: Some(T0),
        current_period_end: Some(T0 + 30 * 24 * 60 * MIN),
    };
    record(db, store, Event::Subscription(sub)).await;
    let c = customer(db, store, "gus").await;
    assert_eq!((c.customer_type.as_str(), c.purchases_count), ("lead", 0));
    // The payment (T0 + 3) is the newest activity: a refund and a
    // subscription's status report are facts, not activity (DESIGN).
    assert_eq!(c.last_activity_at, T0 + 3);
    assert_eq!(
        c.courses_count, 1,
        "the conflicting course c2 was not recorded"
    );
    assert_eq!(count(db, "events").await, 6);
    assert_oracle(db, store).await;
}

#[tokio::test]
async fn live_and_bulk_derivation_agree() {
    let (t, store) = setup().await;
    let db = &t.db;
    let mut events = Vec::new();
    for i in 0..30 {
        let u = user(
            &format!("u{}", i % 7),
            (i % 7 != 3).then_some(&*format!("u{}@ex.com", i % 7)),
            Some("N"),
        );
        events.push(match i % 5 {
            0 => ev::enrollment(&format!("e{i}"), T0 + i, u, &format!("c{}", i % 3)),
            1 => ev::purchase(
                &format!("e{i}"),
                T0 + i,
                u,
                &format!("o{i}"),
                "d1",
                100 * i,
                "USD",
            ),
            2 => ev::subscription(
                &format!("e{i}"),
                T0 + i,
                u,
                &format!("s{}", i % 2),
                "p1",
                if i % 4 == 2 { "active" } else { "expired" },
                500,
            ),
            3 => ev::refund(&format!("e{i}"), T0 + i, &format!("o{}", i - 2)),
            _ => ev::lead(&format!("e{i}"), T0 + i, u, "import"),
        });
    }
    apply_batch(db, store, &events).await.unwrap();
    assert_oracle(db, store).await;
    // The bulk path (what seed and the backfill run) finds nothing to change.
    let live = customers::list_all(db, store).await.unwrap();
    let outcome = db::backfill::derive_store(db, store, 3).await.unwrap();
    assert_eq!(
        (outcome.created, outcome.updated, outcome.removed),
        (0, 0, 0)
    );
    assert_eq!(outcome.unchanged as usize, live.len());
    // From scratch (no customers, no grouping), the bulk path creates
    // exactly the live rows.
    db::backfill::forget_derived(db).await.unwrap();
    let outcome = db::backfill::derive_store(db, store, 3).await.unwrap();
    assert_eq!(outcome.created as usize, live.len());
    let strip = |list: Vec<customers::Customer>| {
        list.into_iter()
            .map(|c| customers::Customer {
                version: 0,
                created_at: 0,
                updated_at: 0,
                ..c
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        strip(customers::list_all(db, store).await.unwrap()),
        strip(live)
    );
}

#[tokio::test]
async fn status_is_computed_at_read_time() {
    let now = db::time::now_ms();
    let day = 24 * 60 * MIN;
    let window = customers::DEFAULT_ACTIVE_WINDOW_MS;
    assert_eq!(
        customers::status(false, now - 10 * day, now, window),
        "active"
    );
    assert_eq!(
        customers::status(false, now - 91 * day, now, window),
        "inactive"
    );
    assert_eq!(
        customers::status(true, now - 400 * day, now, window),
        "active"
    );

    let (t, store) = setup().await;
    let db = &t.db;
    apply(
        db,
        store,
        &ev::enrollment("e1", now - 100 * day, user("old", None, None), "c1"),
    )
    .await;
    apply(
        db,
        store,
        &ev::enrollment("e2", now - day, user("new", None, None), "c1"),
    )
    .await;
    apply(
        db,
        store,
        &ev::subscription(
            "e3",
            now - 200 * day,
            user("sub", None, None),
            "s1",
            "p1",
            "active",
            100,
        ),
    )
    .await;
    assert_eq!(customer(db, store, "old").await.status, "inactive");
    assert_eq!(customer(db, store, "new").await.status, "active");
    assert_eq!(customer(db, store, "sub").await.status, "active");
}

/// DESIGN.md invariant 5: each bad input gets an error naming the field and
/// nothing of the batch is written.
#[tokio::test]
async fn bad_input_names_the_field_and_writes_nothing() {
    let (t, store) = setup().await;
    let db = &t.db;
    let ok = ev::enrollment("ok", T0, user("h", Some("h@example.com"), None), "c1");
    let long = "x".repeat(301);
    let cases: Vec<(db::events::Event, &str)> = vec![
        (
            ev::enrollment("b", T0, user("h", Some("not-an-email"), None), "c1"),
            "events[1].user.email",
        ),
        (
            ev::purchase("b", T0, user("h", None, None), "o1", "c1", -1, "USD"),
            "events[1].amount_cents",
        ),
        (
            ev::purchase("b", T0, user("h", None, None), "o1", "c1", 100, "XXX"),
            "events[1].currency",
        ),
        (ev::course("b", T0, "c1", &long, 0), "events[1].title"),
        (
            ev::enrollment("b", T0, user(&"u".repeat(201), None, None), "c1"),
            "events[1].user.id",
        ),
        (
            ev::enrollment("b", T0, user("h", None, Some(&"n".repeat(201))), "c1"),
            "events[1].user.name",
        ),
        (
            ev::progress("b", T0, user("h", None, None), "c1", 101),
            "events[1].progress",
        ),
        (
            ev::subscription("b", T0, user("h", None, None), "s1", "p1", "paused", 1),
            "events[1].status",
        ),
        (
            ev::enrollment("", T0, user("h", None, None), "c1"),
            "events[1].event_id",
        ),
        (
            ev::enrollment("b", 5, user("h", None, None), "c1"),
            "events[1].occurred_at",
        ),
        (
            ev::lead("b", T0, user("h", None, None), " "),
            "events[1].source",
        ),
    ];
    for (bad, field) in cases {
        match apply_batch(db, store, &[ok.clone(), bad.clone()]).await {
            Err(db::Error::Invalid { field: got, .. }) => assert_eq!(got, field, "{bad:?}"),
            other => panic!("{bad:?}: expected Invalid({field}), got {other:?}"),
        }
        assert!(
            counts(db).await.iter().all(|(_, n)| *n == 0),
            "{bad:?} wrote something"
        );
    }
    // An unknown store is not found, and nothing is written.
    assert!(matches!(
        apply_batch(db, 9_999, std::slice::from_ref(&ok)).await,
        Err(db::Error::NotFound("store"))
    ));
    assert!(counts(db).await.iter().all(|(_, n)| *n == 0));
}

#[tokio::test]
async fn merging_depends_on_the_facts_not_their_order() {
    let (t, store) = setup().await;
    let db = &t.db;
    // Two platform ids with one email, first seen at the same moment: one
    // customer, anchored at the smaller platform id, whichever came first.
    let zed = |e: &str| ev::enrollment(e, T0, user("zed", Some("Pat@Example.com"), None), "c1");
    let amy = |e: &str| ev::enrollment(e, T0, user("amy", Some("pat@example.com"), None), "c2");
    for order in [[zed("e1"), amy("e2")], [amy("e2"), zed("e1")]] {
        tests::events::wipe(db).await;
        for event in &order {
            apply(db, store, event).await;
        }
        let all = customers::list_all(db, store).await.unwrap();
        assert_eq!(all.len(), 1, "{all:?}");
        assert_eq!(
            customer_id(db, store, "zed").await,
            customer_id(db, store, "amy").await
        );
        let anchor: String = sqlx::query_scalar("SELECT external_id FROM identities WHERE id = $1")
            .bind(all[0].id)
            .fetch_one(db.reader())
            .await
            .unwrap();
        assert_eq!(anchor, "amy", "ties go to the smaller platform id");
        assert_eq!(all[0].courses_count, 2);
    }
    // A newer email moves an identity to another customer; an older report
    // of the old email does not move it back.
    apply(
        db,
        store,
        &ev::lead(
            "e3",
            T0 + MIN,
            user("zed", Some("zed@example.com"), None),
            "newsletter",
        ),
    )
    .await;
    assert_ne!(
        customer_id(db, store, "zed").await,
        customer_id(db, store, "amy").await
    );
    apply(
        db,
        store,
        &ev::lead(
            "e4",
            T0 - MIN,
            user("zed", Some("pat@example.com"), None),
            "webinar",
        ),
    )
    .await;
    assert_ne!(
        customer_id(db, store, "zed").await,
        customer_id(db, store, "amy").await
    );
    // The earlier fact makes zed the earliest identity of its own customer;
    // amy's customer keeps amy's id.
    let amy_customer = customer(db, store, "amy").await;
    assert_eq!(amy_customer.courses_count, 1);
    assert_eq!(
        customer(db, store, "zed").await.email.as_deref(),
        Some("zed@example.com")
    );
    assert_oracle(db, store).await;
}
