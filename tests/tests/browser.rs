//! Real-browser tests against the release build (`cargo leptos build
//! --release`): hydration works and interactions update the page in place.
//! Run by scripts/test.sh with `--run-ignored only`.

use tests::{
    TestDatabase,
    browser::{ReleaseServer, with_browser},
};

#[tokio::test]
#[ignore = "needs the release build and Chromium: run through scripts/test.sh"]
async fn typing_a_filter_updates_the_list_without_a_reload() {
    let database = TestDatabase::new().await;
    for name in ["Alpha Academy", "Beta Books", "Gamma Guitar"] {
        db::stores::create_store(&database.db, name, "EUR")
            .await
            .unwrap();
    }
    let server = ReleaseServer::start(&database.url).await;
    let url = server.url("/");

    with_browser(|page| async move {
        page.open(&url).await;
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

        page.wait_for(
            "document.querySelectorAll('.store-card').length === 1 \
             && document.querySelector('.store-card').textContent.includes('Gamma Guitar')",
            "the filtered list",
        )
        .await;
        assert_eq!(
            page.js("window.__sameDocument").await,
            42,
            "the page reloaded"
        );
        assert_eq!(page.js("location.search").await, "?q=gam");
    })
    .await;
}
