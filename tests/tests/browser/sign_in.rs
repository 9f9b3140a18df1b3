//! Real-browser tests against the release build (`cargo leptos build
//! --release`): hydration works, interactions update the page in place, and
//! the sign-in flow keeps everyone to their own stores.
//! Run by scripts/test.sh with `--run-ignored only`.

use tests::{
    PASSWORD, TestDatabase,
    browser::{ReleaseServer, sign_in, with_browser},
};

/// Two owned stores, an extra store, and an admin.
async fn seed(database: &TestDatabase) -> (i64, i64) {
    let db = &database.db;
    let mut stores = Vec::new();
    for (name, owner) in [
        ("Alpha Academy", Some("ann@example.com")),
        ("Beta Books", Some("bob@example.com")),
        ("Gamma Guitar", None),
    ] {
        let store = db::stores::create_store(db, name, "EUR").await.unwrap();
        if let Some(owner) = owner {
            tests::lookup::add_owner(db, store, owner).await;
        }
        stores.push(store);
    }
    db::accounts::upsert_account(db, "root@example.com", PASSWORD, true)
        .await
        .unwrap();
    (stores[0], stores[1])
}

#[tokio::test]
#[ignore = "needs the release build and Chromium: run through scripts/test.sh"]
async fn typing_a_filter_updates_the_list_without_a_reload() {
    let database = TestDatabase::new().await;
    seed(&database).await;
    let server = ReleaseServer::start(&database.url).await;
    let base = server.url("");

    with_browser(|page| async move {
        sign_in(&page, &base, "root@example.com", "/").await;
        page.open(&format!("{base}/")).await;
        assert_eq!(
            page.js("document.querySelectorAll('.store-card').length")
                .await,
            3
        );

        // A marker that a page load would wipe out.
        page.js("(window.__sameDocument = 42)").await;
        let input = page
            .client
            .find(fantoccini::Locator::Css("input[name=q]"))
            .await
            .expect("filter input");
        input.send_keys("gam").await.expect("type");

        let filtered = "document.querySelectorAll('.store-card').length === 1 \
             && document.querySelector('.store-card').textContent.includes('Gamma Guitar')";
        page.wait_for(filtered, "the filtered list").await;
        assert_eq!(
            page.js("window.__sameDocument").await,
            42,
            "the page reloaded"
        );
        assert_eq!(page.js("location.search").await, "?q=gam");
    })
    .await;
}

#[tokio::test]
#[ignore = "needs the release build and Chromium: run through scripts/test.sh"]
async fn visitors_sign_in_and_see_only_their_stores() {
    let database = TestDatabase::new().await;
    let (alpha, beta) = seed(&database).await;
    let server = ReleaseServer::start(&database.url).await;
    let base = server.url("");

    with_browser(move |page| async move {
        // Signed out: sent to sign in, then back where they were going.
        page.client.goto(&format!("{base}/store/{alpha}")).await.unwrap();
        page.wait_for("location.pathname === '/login'", "the sign-in page").await;
        sign_in(&page, &base, "ann@example.com", &format!("/store/{alpha}")).await;
        page.wait_for(
            "document.querySelector('[data-testid=store-name]')?.textContent === 'Alpha Academy'",
            "Ann's store",
        )
        .await;

        // The switcher lists Ann's store only; Bob's store is not found.
        let options = page
            .js("[...document.querySelectorAll('[data-testid=store-switcher] option')].map(o => o.textContent)")
            .await;
        assert_eq!(options, serde_json::json!(["Switch store…", "Alpha Academy"]));
        // Refused before any rendering: a plain "not found" page, no app.
        page.client.goto(&format!("{base}/store/{beta}")).await.unwrap();
        page.wait_for("document.body.textContent.includes('Page not found')", "not found")
            .await;
        assert!(page.js("document.body.textContent.includes('Beta Books')").await == false);

        // Sign out, then an admin opens any store.
        page.open(&format!("{base}/")).await;
        page.client
            .find(fantoccini::Locator::Css(".account button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        page.wait_for("location.pathname === '/login'", "signed out").await;
        sign_in(&page, &base, "root@example.com", &format!("/store/{beta}")).await;
        page.wait_for(
            "document.querySelector('[data-testid=store-name]')?.textContent === 'Beta Books'",
            "the admin opens Bob's store",
        )
        .await;
        let options = page
            .js("document.querySelectorAll('[data-testid=store-switcher] option').length")
            .await;
        assert_eq!(options, 4, "the admin's switcher lists every store");
    })
    .await;
}
