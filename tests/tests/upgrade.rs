//! A database created and filled by the migrations before per-store
//! identities (0001-0009: `tests/fixtures/schema_0009.sql`, made by that
//! version's seed, with notes, tags and an import) upgrades in place with
//! `migrate` (0010 and the server's upgrade steps), losing nothing: the same
//! customers under the same ids, every fact, note and tag, and rows that
//! agree with the facts.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::{Row, migrate::Migrator};
use tests::{TestDatabase, oracle};

const FIXTURE: &str = include_str!("../fixtures/schema_0009.sql");

/// What a customer was before, by its id.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Before {
    store: i64,
    name: Option<String>,
    email: Option<String>,
    customer_type: String,
    total_spent_cents: i64,
    platform_ids: BTreeSet<String>,
    notes: BTreeSet<String>,
    tags: BTreeSet<String>,
}

async fn migrate_to_0009(database: &TestDatabase) {
    let dialect = match TestDatabase::backend() {
        db::Backend::Sqlite => "sqlite",
        db::Backend::Postgres => "postgres",
    };
    let source = tests::browser::workspace_root()
        .join("migrations")
        .join(dialect);
    let old = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.as_str() < "0010" {
            std::fs::copy(&path, old.path().join(&name)).unwrap();
        }
    }
    let migrator = Migrator::new(old.path()).await.unwrap();
    assert_eq!(migrator.iter().count(), 9);
    migrator.run(database.db.writer()).await.unwrap();
}

async fn load_fixture(db: &db::Db) {
    let mut tx = db.writer().begin().await.unwrap();
    for statement in FIXTURE.lines().filter(|l| l.starts_with("INSERT")) {
        sqlx::query(statement)
            .execute(&mut *tx)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    tx.commit().await.unwrap();
    if TestDatabase::backend() == db::Backend::Postgres {
        for table in [
            "stores",
            "users",
            "courses",
            "products",
            "plans",
            "enrollments",
            "purchases",
            "subscriptions",
            "leads",
            "api_keys",
            "accounts",
            "customers",
            "tags",
            "customer_notes",
            "customer_activity",
            "subscription_changes",
            "backfill_runs",
            "backfill_errors",
        ] {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            ))
            .execute(db.writer())
            .await
            .unwrap();
        }
    }
}

async fn before(db: &db::Db) -> BTreeMap<i64, Before> {
    let mut out = BTreeMap::new();
    for row in sqlx::query(
        "SELECT c.id, c.store_id, c.user_id, c.name, c.email, c.type, c.total_spent_cents \
         FROM customers c",
    )
    .fetch_all(db.reader())
    .await
    .unwrap()
    {
        let (id, store, user): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
        let strings = |sql: &'static str| async move {
            sqlx::query_scalar::<_, String>(sql)
                .bind(store)
                .bind(user)
                .fetch_all(db.reader())
                .await
                .unwrap()
                .into_iter()
                .collect::<BTreeSet<String>>()
        };
        out.insert(
            id,
            Before {
                store,
                name: row.get(3),
                email: row.get(4),
                customer_type: row.get(5),
                total_spent_cents: row.get(6),
                platform_ids: strings(
                    "SELECT external_id FROM user_ids WHERE user_id = $2 AND $1 = $1",
                )
                .await,
                notes: strings(
                    "SELECT body FROM customer_notes WHERE store_id = $1 AND user_id = $2",
                )
                .await,
                tags: strings(
                    "SELECT t.name FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id \
                     WHERE ct.store_id = $1 AND ct.user_id = $2",
                )
                .await,
            },
        );
    }
    out
}

async fn count(db: &db::Db, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(db.reader())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_database_of_migration_0009_upgrades_in_place_keeping_everything() {
    let database = TestDatabase::unmigrated().await;
    let db = &database.db;
    migrate_to_0009(&database).await;
    load_fixture(db).await;
    let was = before(db).await;
    assert!(was.len() > 100, "the fixture has customers");
    assert!(was.values().any(|c| !c.notes.is_empty()), "and notes");
    assert!(was.values().any(|c| !c.tags.is_empty()), "and tags");
    assert!(
        was.values().any(|c| c.platform_ids.len() > 1),
        "and a person with two platform ids"
    );
    let facts = [
        "enrollments",
        "purchases",
        "subscriptions",
        "leads",
        "events",
    ];
    let mut fact_counts = Vec::new();
    for table in facts {
        fact_counts.push((table, count(db, table).await));
    }
    let owner_data = [
        "customer_notes",
        "customer_tags",
        "customer_activity",
        "enrollment_milestones",
        "subscription_changes",
        "tags",
    ];
    let mut owner_counts = Vec::new();
    for table in owner_data {
        owner_counts.push((table, count(db, table).await));
    }

    db.migrate().await.expect("the upgrade");

    for (table, n) in &fact_counts {
        assert_eq!(count(db, table).await, *n, "{table} kept");
    }
    for (table, n) in &owner_counts {
        assert_eq!(count(db, table).await, *n, "{table} kept");
    }
    assert_eq!(count(db, "customers").await, was.len() as i64);
    let stores: BTreeSet<i64> = was.values().map(|c| c.store).collect();
    for &store in &stores {
        let diff = oracle::differences(db, store).await;
        assert!(diff.is_empty(), "store {store}:\n{}", diff.join("\n"));
    }
    for (id, old) in &was {
        let now = db::customers::get(db, old.store, *id)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("customer {id} is gone"));
        assert_eq!(
            (
                &now.name,
                &now.email,
                &now.customer_type,
                now.total_spent_cents
            ),
            (
                &old.name,
                &old.email,
                &old.customer_type,
                old.total_spent_cents
            ),
            "customer {id}"
        );
        let ids: BTreeSet<String> = sqlx::query_scalar(
            "SELECT external_id FROM identities WHERE store_id = $1 AND customer_id = $2",
        )
        .bind(old.store)
        .bind(id)
        .fetch_all(db.reader())
        .await
        .unwrap()
        .into_iter()
        .collect();
        assert_eq!(ids, old.platform_ids, "customer {id}'s platform ids");
        let notes: BTreeSet<String> = db::customers::notes::list_notes(db, old.store, *id)
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.body)
            .collect();
        assert_eq!(notes, old.notes, "customer {id}'s notes");
        let tags: BTreeSet<String> = db::customers::tags::customer_tags(db, old.store, *id)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(tags, old.tags, "customer {id}'s tags");
    }
    // The upgrade's steps are done, and a second start changes nothing.
    assert_eq!(count(db, "upgrade_tasks").await, 0);
    let versions: i64 = sqlx::query_scalar("SELECT CAST(SUM(version) AS BIGINT) FROM customers")
        .fetch_one(db.reader())
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let again: i64 = sqlx::query_scalar("SELECT CAST(SUM(version) AS BIGINT) FROM customers")
        .fetch_one(db.reader())
        .await
        .unwrap();
    assert_eq!(again, versions);
    // Titles are searchable again (folded by the upgrade), and new events
    // land next to the old rows.
    let store = *stores.iter().next().unwrap();
    let course = db::customers::search::catalog(db, store)
        .await
        .unwrap()
        .courses[0]
        .clone();
    let word: String = course.title.split(' ').next().unwrap().to_string();
    let query = db::customers::filter::CustomerQuery {
        search: word.to_uppercase(),
        ..Default::default()
    };
    let found = db::customers::search::count(db, store, &query, db::time::now_ms())
        .await
        .unwrap();
    assert!(
        found > 0,
        "searching {word:?} finds customers after the upgrade"
    );
    tests::events::apply(
        db,
        store,
        &tests::events::enrollment(
            "after-upgrade",
            tests::events::T0,
            tests::events::user("u-new", Some("new.after@example.com"), None),
            &course.external_id,
        ),
    )
    .await;
    assert_eq!(count(db, "customers").await, was.len() as i64 + 1);
}
