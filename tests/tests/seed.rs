//! `server seed`: deterministic, covering the awkward cases the product must
//! handle, and leaving the database as consistent as the live path would.

use sqlx::Row;
use tests::{TestDatabase, backfill::dump, events::T0, lookup::scalar};

async fn seeded(seed: u64) -> (TestDatabase, devtools::seed::SeedReport) {
    let database = TestDatabase::new().await;
    let report = devtools::seed::seed(
        &database.db,
        &devtools::seed::SeedOptions {
            seed,
            stores: 3,
            users: 1_500,
            anchor_ms: Some(T0),
            ..Default::default()
        },
    )
    .await
    .expect("seed");
    (database, report)
}

#[tokio::test]
async fn the_same_seed_gives_the_same_customers() {
    let (first, first_report) = seeded(3).await;
    let (second, second_report) = seeded(3).await;
    let (other, _) = seeded(4).await;
    assert_eq!(first_report.facts(), second_report.facts());
    assert!(first_report.derived.created > 0);
    let customers = dump(&first.db, false).await;
    assert_eq!(customers, dump(&second.db, false).await);
    assert_ne!(
        customers,
        dump(&other.db, false).await,
        "the seed changes the data"
    );
}

#[tokio::test]
async fn the_seed_covers_the_cases_the_product_must_handle() {
    let (database, report) = seeded(5).await;
    let db = &database.db;
    let cases = [
        (
            "refunded purchases",
            "SELECT COUNT(*) FROM purchases WHERE refunded_at IS NOT NULL",
        ),
        (
            "free courses",
            "SELECT COUNT(*) FROM courses WHERE price_cents = 0",
        ),
        (
            "paid courses",
            "SELECT COUNT(*) FROM courses WHERE price_cents > 0",
        ),
        (
            "people without email",
            "SELECT COUNT(*) FROM identities WHERE email IS NULL",
        ),
        (
            "emails kept with their capitals",
            "SELECT COUNT(*) FROM identities WHERE email <> email_normalized",
        ),
        (
            "platform accounts that are one customer (same email, other case)",
            "SELECT COUNT(*) FROM (SELECT customer_id FROM identities WHERE imported = 0 \
             GROUP BY customer_id HAVING COUNT(*) > 1) t",
        ),
        (
            "contacts imported from a file who are also the platform's",
            "SELECT COUNT(*) FROM identities i WHERE i.imported = 1 AND EXISTS \
             (SELECT 1 FROM identities o WHERE o.customer_id = i.customer_id AND o.imported = 0)",
        ),
        (
            "people known to two stores",
            "SELECT COUNT(*) FROM (SELECT external_id FROM identities \
             GROUP BY external_id HAVING COUNT(DISTINCT store_id) > 1) t",
        ),
        (
            "payments in a second currency",
            "SELECT COUNT(*) FROM purchases p JOIN stores s ON s.id = p.store_id \
             WHERE p.currency <> s.currency",
        ),
        (
            "leads",
            "SELECT COUNT(*) FROM customers WHERE type = 'lead'",
        ),
        (
            "paying customers",
            "SELECT COUNT(*) FROM customers WHERE type = 'paying'",
        ),
        (
            "subscribers",
            "SELECT COUNT(*) FROM customers WHERE type = 'subscription'",
        ),
    ];
    for (what, sql) in cases {
        assert!(scalar(db, sql, &[]).await > 0, "no {what}");
    }
    for status in ["active", "trialing", "past_due", "cancelled", "expired"] {
        let n = scalar(
            db,
            &format!("SELECT COUNT(*) FROM subscriptions WHERE status = '{status}'"),
            &[],
        )
        .await;
        assert!(n > 0, "no {status} subscription");
    }
    // Every identity with a fact belongs to exactly one customer of its
    // store, and every group of identities is one customer.
    let groups = scalar(
        db,
        "SELECT COUNT(*) FROM (SELECT DISTINCT i.customer_id FROM identities i WHERE \
             EXISTS (SELECT 1 FROM enrollments e WHERE e.identity_id = i.id) \
             OR EXISTS (SELECT 1 FROM purchases p WHERE p.identity_id = i.id) \
             OR EXISTS (SELECT 1 FROM subscriptions s WHERE s.identity_id = i.id) \
             OR EXISTS (SELECT 1 FROM leads l WHERE l.identity_id = i.id)) t",
        &[],
    )
    .await;
    assert_eq!(
        groups,
        scalar(db, "SELECT COUNT(*) FROM customers", &[]).await
    );
    assert_eq!(report.derived.created as i64, groups);
    assert_eq!(
        scalar(
            db,
            "SELECT COUNT(*) FROM identities WHERE customer_id IS NULL",
            &[],
        )
        .await,
        0
    );
    // Subscribers who paid have the payments for their periods: a customer
    // with an active subscription and no trial has spent something.
    let unpaid = scalar(
        db,
        "SELECT COUNT(*) FROM subscriptions s WHERE s.status IN ('active', 'past_due', \
             'cancelled', 'expired') AND NOT EXISTS (SELECT 1 FROM purchases p \
             WHERE p.plan_id = s.plan_id AND p.identity_id = s.identity_id) \
           AND s.status <> 'past_due'",
        &[],
    )
    .await;
    assert_eq!(unpaid, 0, "subscriptions without their payments");
    for store in &report.store_ids {
        let diff = tests::oracle::differences(db, *store).await;
        assert!(diff.is_empty(), "{}", diff.join("\n"));
    }
}

/// The SQLite seed skips foreign key lookups for speed: what it wrote must
/// still satisfy them, and the checks must be back on afterwards.
#[tokio::test]
async fn the_seed_leaves_foreign_keys_checked_and_satisfied() {
    if TestDatabase::backend() != db::Backend::Sqlite {
        return;
    }
    let (database, _) = seeded(6).await;
    let db = &database.db;
    let violations = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(db.writer())
        .await
        .unwrap();
    assert!(
        violations.is_empty(),
        "{} foreign key violations",
        violations.len()
    );
    let on: i64 = sqlx::query("PRAGMA foreign_keys")
        .fetch_one(db.writer())
        .await
        .unwrap()
        .get(0);
    assert_eq!(on, 1, "foreign keys are off on the writer connection");
}
