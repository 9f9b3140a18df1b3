//! The backfill (issue 5, DESIGN.md invariant 3) on SQLite and Postgres:
//! complete and idempotent, the same rows as the live path, errors that name
//! their source row without stopping the run, one run per store at a time,
//! and live events arriving while it runs.

use db::backfill::{self, RunOptions, Status};
use tests::{
    TestDatabase,
    backfill::{dump, seeded},
    events::{self as ev, T0},
    oracle,
};

fn options(store_id: Option<i64>, batch_size: u32) -> RunOptions {
    RunOptions {
        store_id,
        batch_size,
        ..RunOptions::default()
    }
}

async fn assert_agrees_with_the_facts(db: &db::Db, stores: &[i64]) {
    for &store in stores {
        let differences = oracle::differences(db, store).await;
        assert!(differences.is_empty(), "store {store}: {differences:#?}");
    }
}

#[tokio::test]
async fn backfill_creates_every_customer_and_a_second_run_changes_nothing() {
    let (database, stores) = seeded(2, 500).await;
    let db = &database.db;
    let mut seen = Vec::new();
    let first = backfill::run(db, &options(None, 37), &mut |run| seen.push(run.rows_done))
        .await
        .unwrap();
    assert_eq!(first.status, Status::Completed);
    assert_eq!(first.errors, 0);
    assert!(first.created > 0);
    assert_eq!(first.updated, 0);
    assert_eq!(first.created, ev::count(db, "customers").await as u64);
    assert_eq!(
        first.found.enrollments,
        ev::count(db, "enrollments").await as u64
    );
    assert_eq!(
        first.found.subscriptions,
        ev::count(db, "subscriptions").await as u64
    );
    assert_eq!(first.rows_done, first.found.total());
    assert!(
        seen.len() > 3,
        "progress is reported batch by batch: {seen:?}"
    );
    assert!(seen.windows(2).all(|w| w[0] <= w[1]));
    assert!(first.found.sentence().starts_with("Found "));
    assert!(
        first.summary().starts_with(&format!(
            "Backfill complete: {} created, 0 updated, 0 errors",
            backfill::thousands(first.created)
        )),
        "{}",
        first.summary()
    );
    assert_agrees_with_the_facts(db, &stores).await;
    let before = dump(db, true).await;

    let again = backfill::run(db, &options(None, 50), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(
        (again.created, again.updated),
        (0, 0),
        "{}",
        again.summary()
    );
    assert_eq!(again.unchanged, first.created);
    assert_eq!(dump(db, true).await, before, "the re-run wrote nothing");

    // A dry run counts and writes nothing.
    sqlx::query("DELETE FROM customer_totals")
        .execute(db.writer())
        .await
        .unwrap();
    sqlx::query("DELETE FROM customers")
        .execute(db.writer())
        .await
        .unwrap();
    let dry = backfill::run(
        db,
        &RunOptions {
            dry_run: true,
            ..options(Some(stores[0]), 100)
        },
        &mut |_| {},
    )
    .await
    .unwrap();
    assert!(dry.created > 0);
    assert_eq!(ev::count(db, "customers").await, 0);
    let history = backfill::list_runs(db, None, 10).await.unwrap();
    assert_eq!(history.len(), 2, "a dry run is not recorded");
    assert_eq!(history[0].id, again.id);
}

#[tokio::test]
async fn backfill_derives_the_same_rows_as_the_live_path() {
    let database = TestDatabase::new().await;
    let db = &database.db;
    let store = db::stores::create_store(db, "Live", "USD").await.unwrap();
    let mut events = vec![
        ev::course("k1", T0, "c1", "Rust 101", 4_900),
        ev::product("k2", T0, "d1", "Cheat sheet", 900),
        ev::plan("k3", T0, "p1", "Pro", 1_900),
    ];
    for i in 0..40_i64 {
        let email = format!("u{i}@example.com");
        let user = ev::user(
            &format!("u{i}"),
            (i % 5 != 0).then_some(email.as_str()),
            (i % 3 != 0).then_some("Some One"),
        );
        let at = T0 + i * 60_000;
        events.push(ev::enrollment(&format!("e{i}"), at, user.clone(), "c1"));
        if i % 2 == 0 {
            events.push(ev::purchase(
                &format!("b{i}"),
                at + 1,
                user.clone(),
                &format!("x{i}"),
                "d1",
                900,
                if i % 8 == 0 { "EUR" } else { "USD" },
            ));
        }
        if i % 4 == 0 {
            events.push(ev::refund(&format!("r{i}"), at + 2, &format!("x{i}")));
        }
        if i % 3 == 0 {
            let status = if i % 2 == 0 { "active" } else { "cancelled" };
            events.push(ev::subscription(
                &format!("s{i}"),
                at + 3,
                user.clone(),
                &format!("sub{i}"),
                "p1",
                status,
                1_900,
            ));
        }
        if i % 7 == 0 {
            events.push(ev::lead(
                &format!("l{i}"),
                at - 5,
                user.clone(),
                "newsletter",
            ));
            events.push(ev::progress(&format!("g{i}"), at + 9_000, user, "c1", 40));
        }
    }
    for event in &events {
        ev::apply(db, store, event).await;
    }
    let live = dump(db, false).await;
    assert!(live.len() > 40);

    sqlx::query("DELETE FROM customer_totals")
        .execute(db.writer())
        .await
        .unwrap();
    sqlx::query("DELETE FROM customers")
        .execute(db.writer())
        .await
        .unwrap();
    let run = backfill::run(db, &options(Some(store), 7), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(run.created, 40);
    assert_eq!(dump(db, false).await, live, "one definition, two paths");
}

#[tokio::test]
async fn errors_name_the_customer_and_do_not_stop_the_run() {
    let database = TestDatabase::new().await;
    let db = &database.db;
    let store = db::stores::create_store(db, "Errors", "USD").await.unwrap();
    // A refund whose payment never came is a fact waiting, not an error.
    ev::apply(db, store, &ev::refund("r1", T0, "never-reported")).await;
    for i in 0..10 {
        let name = if i == 4 { "Broken Row" } else { "Fine" };
        let user = ev::user(&format!("u{i}"), None, Some(name));
        ev::apply(
            db,
            store,
            &ev::enrollment(&format!("e{i}"), T0 + i, user, "c1"),
        )
        .await;
    }
    db::backfill::forget_derived(db).await.unwrap();
    // The database refuses one customer's row (as a broken constraint would).
    match TestDatabase::backend() {
        db::Backend::Sqlite => {
            sqlx::raw_sql(
                "CREATE TRIGGER refuse_broken BEFORE INSERT ON customers \
                 WHEN new.name = 'Broken Row' BEGIN SELECT RAISE(ABORT, 'refused'); END",
            )
            .execute(db.writer())
            .await
            .unwrap();
        }
        db::Backend::Postgres => {
            sqlx::raw_sql(
                "CREATE FUNCTION refuse_broken() RETURNS trigger AS $$ BEGIN \
                   IF NEW.name = 'Broken Row' THEN RAISE EXCEPTION 'refused'; END IF; \
                   RETURN NEW; END $$ LANGUAGE plpgsql; \
                 CREATE TRIGGER refuse_broken BEFORE INSERT ON customers \
                 FOR EACH ROW EXECUTE FUNCTION refuse_broken();",
            )
            .execute(db.writer())
            .await
            .unwrap();
        }
    }
    let run = backfill::run(db, &options(Some(store), 3), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(run.status, Status::Completed);
    assert_eq!(
        (run.created, run.errors, run.pending),
        (9, 1, 1),
        "{}",
        run.summary()
    );
    assert!(
        run.summary().contains("1 refund waits for its payment"),
        "{}",
        run.summary()
    );
    let errors = backfill::list_errors(db, run.id, 10).await.unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].source_table, "customers");
    let broken: i64 = sqlx::query_scalar(
        "SELECT customer_id FROM identities WHERE store_id = $1 AND external_id = 'u4'",
    )
    .bind(store)
    .fetch_one(db.reader())
    .await
    .unwrap();
    assert_eq!(errors[0].source_id, broken.to_string(), "{}", errors[0]);
    assert!(
        errors[0].message.contains("could not derive"),
        "{}",
        errors[0]
    );
}

#[tokio::test]
async fn only_one_backfill_per_store_runs_at_a_time() {
    let (database, stores) = seeded(2, 200).await;
    let db = &database.db;
    let first = backfill::start(db, &options(Some(stores[0]), 50))
        .await
        .unwrap();
    for scope in [Some(stores[0]), None] {
        let refused = backfill::start(db, &options(scope, 50)).await.unwrap_err();
        assert!(refused.to_string().contains("already running"), "{refused}");
    }
    let other = backfill::start(db, &options(Some(stores[1]), 50))
        .await
        .unwrap();
    let other = backfill::execute(db, other, false, &mut |_| {})
        .await
        .unwrap();
    let first = backfill::execute(db, first, false, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(first.status, Status::Completed);
    assert_eq!(other.status, Status::Completed);
    // Finished: a new run may start.
    let next = backfill::run(db, &options(None, 50), &mut |_| {})
        .await
        .unwrap();
    assert_eq!((next.created, next.updated), (0, 0));
    assert_agrees_with_the_facts(db, &stores).await;
}

#[tokio::test]
async fn live_events_during_the_backfill_are_all_reflected() {
    let (database, stores) = seeded(2, 400).await;
    let db = database.db.clone();
    let running = {
        let db = db.clone();
        tokio::spawn(async move { backfill::run(&db, &options(None, 10), &mut |_| {}).await })
    };
    let existing: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT external_id FROM identities WHERE imported = 0 \
             ORDER BY external_id LIMIT 60",
    )
    .fetch_all(db.reader())
    .await
    .unwrap();
    for (i, id) in existing.iter().enumerate() {
        let store = stores[i % stores.len()];
        let at = T0 + 86_400_000 + i as i64;
        let user = ev::user(id, None, None);
        ev::apply(
            &db,
            store,
            &ev::enrollment(&format!("live-e{i}"), at, user.clone(), "c-live"),
        )
        .await;
        ev::apply(
            &db,
            store,
            &ev::purchase(
                &format!("live-p{i}"),
                at,
                user,
                &format!("live-x{i}"),
                "d-live",
                1_234,
                "USD",
            ),
        )
        .await;
        let newcomer = ev::user(
            &format!("new-{i}"),
            Some(&format!("new{i}@example.com")),
            None,
        );
        ev::apply(
            &db,
            store,
            &ev::enrollment(&format!("live-n{i}"), at, newcomer, "c-live"),
        )
        .await;
        tokio::task::yield_now().await;
    }
    let run = running.await.unwrap().unwrap();
    assert_eq!(run.status, Status::Completed);
    assert_agrees_with_the_facts(&db, &stores).await;
}

#[tokio::test]
async fn owners_start_and_watch_the_backfill_of_their_own_store_only() {
    let app = tests::TestApp::spawn().await;
    let (store, _) = app.create_owned_store("Alpha", "ann@example.com").await;
    app.create_owned_store("Beta", "bo@example.com").await;
    for i in 0..30 {
        let user = ev::user(&format!("u{i}"), None, None);
        ev::apply(
            app.db(),
            store,
            &ev::enrollment(&format!("e{i}"), T0 + i, user, "c1"),
        )
        .await;
    }
    sqlx::query("DELETE FROM customers")
        .execute(app.db().writer())
        .await
        .unwrap();
    let form = [("store_id", store.to_string())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();

    // The owner of another store, and a non-admin asking for every store.
    let bo = app.sign_in("bo@example.com").await;
    assert_eq!(bo.post_form("/api/start_backfill", &form).await.0, 404);
    // Every store at once is a platform admin's right: refused, not hidden.
    assert_eq!(bo.post_form("/api/start_backfill", &[]).await.0, 403);
    assert_eq!(
        bo.get(&format!("/api/backfill_runs?store_id={store}"))
            .await
            .0,
        404
    );
    assert_eq!(ev::count(app.db(), "backfill_runs").await, 0);

    let ann = app.sign_in("ann@example.com").await;
    let (status, body) = ann.post_form("/api/start_backfill", &form).await;
    assert_eq!(status, 200, "{body}");
    let mut body = String::new();
    for _ in 0..200 {
        let (status, runs) = ann
            .get(&format!("/api/backfill_runs?store_id={store}"))
            .await;
        assert_eq!(status, 200, "{runs}");
        body = runs;
        if body.contains("\"completed\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        body.contains("Backfill complete: 30 created, 0 updated, 0 errors"),
        "{body}"
    );
    assert_eq!(ev::count(app.db(), "customers").await, 30);

    let (status, html) = ann.get(&format!("/store/{store}/settings")).await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"backfill-history\""), "{html}");
}
