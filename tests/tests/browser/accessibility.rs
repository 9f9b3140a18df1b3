//! Every page an owner uses, checked by axe-core with all its rules
//! (issue 15): no serious or critical violation on the sign-in page, the
//! stores page, a store's customers page (with data, a row expanded), a
//! customer, the import page and the settings. Screenshots of each at 1280
//! and 390 px go to target/browser-screenshots/ for a look by eye.
//! Run by scripts/test.sh with `--run-ignored only`.

use tests::{
    TestDatabase,
    browser::{Page, ReleaseServer, seed_owned_store, sign_in, with_browser},
};

#[tokio::test]
#[ignore = "needs the release build, Chromium and axe-core: run through scripts/test.sh"]
async fn no_page_has_a_serious_accessibility_violation() {
    let database = TestDatabase::new().await;
    let store = seed_owned_store(&database).await;
    let server = ReleaseServer::start(&database.url).await;
    let base = server.url("");

    with_browser(move |page| async move {
        let mut found = Vec::new();
        page.open(&format!("{base}/login")).await;
        check(&page, "sign-in", &mut found).await;

        let list = format!("/store/{store}/customers");
        sign_in(&page, &base, "owner@example.com", &list).await;
        // (With a query: a one-store owner's bare `/` goes to the store.)
        page.open(&format!("{base}/?q=")).await;
        page.wait_for(
            "document.querySelectorAll('.store-card').length > 0",
            "stores",
        )
        .await;
        check(&page, "stores", &mut found).await;

        page.open(&format!("{base}{list}")).await;
        page.wait_for(
            "document.querySelectorAll('.customer-row').length > 0",
            "rows",
        )
        .await;
        page.js("(document.querySelector('.customer-row').click(), true)")
            .await;
        page.wait_for(
            "!!document.querySelector('.customer-details .detail-grid')",
            "an expanded row",
        )
        .await;
        check(&page, "customers", &mut found).await;

        let profile = page
            .js("document.querySelector('[data-testid=open-customer]').getAttribute('href')")
            .await;
        page.open(&format!("{base}{}", profile.as_str().unwrap()))
            .await;
        page.wait_for(
            "!!document.querySelector('[data-testid=timeline]')",
            "the profile",
        )
        .await;
        check(&page, "customer", &mut found).await;

        // A server-rendered page: nothing hydrates.
        page.client
            .goto(&format!("{base}/store/{store}/import"))
            .await
            .unwrap();
        page.wait_for(
            "!!document.querySelector('[data-testid=import-file]')",
            "the import",
        )
        .await;
        check(&page, "import", &mut found).await;

        page.open(&format!("{base}/store/{store}/settings")).await;
        page.wait_for(
            "!!document.querySelector('[data-testid=members]')",
            "the members",
        )
        .await;
        check(&page, "settings", &mut found).await;

        assert!(
            found.is_empty(),
            "serious or critical violations:\n{}",
            found.join("\n")
        );
    })
    .await;
}

/// Runs axe on the page and adds what it finds, named by page (see
/// [`Page::audit`]).
async fn check(page: &Page, name: &str, found: &mut Vec<String>) {
    found.extend(page.audit(name).await);
}
