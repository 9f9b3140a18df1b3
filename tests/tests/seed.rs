//! `server seed`: deterministic, covering the awkward cases the product must
//! handle, and leaving the database as consistent as the live path would.

use sqlx::Row;
use tests::{TestDatabase, backfill::dump, events::T0};

async fn seeded(seed: u64) -> (TestDatabase, db::seed::SeedReport) {
    let database = TestDatabase::new().await;
    let report = db::seed::seed(
        &database.db,
        &db::seed::SeedOptions {
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

async fn scalar(db: &db::Db, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(db.reader())
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
        .get::<i64, _>(0)
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
            "users without email",
            "SELECT COUNT(*) FROM users WHERE email IS NULL",
        ),
        (
            "emails kept with their capitals",
            "SELECT COUNT(*) FROM users WHERE email <> email_normalized",
        ),
        (
            "platform accounts sharing a user (same email, other case)",
            "SELECT COUNT(*) FROM (SELECT user_id FROM user_ids GROUP BY user_id HAVING COUNT(*) > 1) t",
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
        assert!(scalar(db, sql).await > 0, "no {what}");
    }
    for status in ["active", "trialing", "past_due", "cancelled", "expired"] {
        let n = scalar(
            db,
            &format!("SELECT COUNT(*) FROM subscriptions WHERE status = '{status}'"),
        )
        .await;
        assert!(n > 0, "no {status} subscription");
    }
    // Every fact's user became exactly one customer of its store.
    let facts_users = scalar(
        db,
        "SELECT COUNT(*) FROM (SELECT store_id, user_id FROM enrollments \
         UNION SELECT store_id, user_id FROM purchases WHERE paid_at IS NOT NULL \
         UNION SELECT store_id, user_id FROM subscriptions \
         UNION SELECT store_id, user_id FROM leads) t",
    )
    .await;
    assert_eq!(
        facts_users,
        scalar(db, "SELECT COUNT(*) FROM customers").await
    );
    assert_eq!(report.derived.created as i64, facts_users);
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
