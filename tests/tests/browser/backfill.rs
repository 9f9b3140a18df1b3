//! The backfill from the settings page in a real browser (release build):
//! the owner starts it, the bar moves and the summary appears. Run by
//! scripts/test.sh with `--run-ignored only`.

use tests::{
    TestDatabase,
    browser::{ReleaseServer, sign_in, with_browser},
    events::T0,
};

#[tokio::test]
#[ignore = "needs the release build and Chromium: run through scripts/test.sh"]
async fn an_owner_starts_the_backfill_and_watches_it_finish() {
    let database = TestDatabase::new().await;
    let db = &database.db;
    let report = devtools::seed::seed(
        db,
        &devtools::seed::SeedOptions {
            seed: 3,
            stores: 1,
            users: 6_000,
            facts_only: true,
            anchor_ms: Some(T0),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let store = report.store_ids[0];
    tests::lookup::add_owner(db, store, "ann@example.com").await;
    let server = ReleaseServer::start(&database.url).await;
    let base = server.url("");
    with_browser(|page| async move {
        let settings = format!("/store/{store}/settings");
        sign_in(&page, &base, "ann@example.com", &settings).await;
        page.wait_for(
            "!!document.querySelector('[data-testid=backfill-none]')",
            "no run yet",
        )
        .await;
        page.js("document.querySelector('[data-testid=backfill-start]').click()")
            .await;
        page.wait_for(
            "(() => { const p = document.querySelector('[data-testid=backfill-progress]'); \
              return !!p && Number(p.value) > 0; })()",
            "the bar moving",
        )
        .await;
        page.wait_for(
            "(document.querySelector('[data-testid=backfill-summary]')?.textContent ?? '')\
              .startsWith('Backfill complete: ')",
            "the summary",
        )
        .await;
        let found = page
            .js("document.querySelector('[data-testid=backfill-found]').textContent")
            .await;
        assert!(
            found.as_str().unwrap_or_default().starts_with("Found "),
            "{found}"
        );
    })
    .await;
}
