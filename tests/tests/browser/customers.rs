//! The customers page in a real browser (release build): typing, chips,
//! reload, expanding a row, export. Run by scripts/test.sh with
//! `--run-ignored only`.

use tests::{
    TestDatabase,
    browser::{ReleaseServer, seed_owned_store, sign_in, with_browser},
};

const COUNT: &str = "document.querySelector('[data-testid=match-count]')?.textContent";

#[tokio::test]
#[ignore = "needs the release build and Chromium: run through scripts/test.sh"]
async fn search_chips_reload_expand_and_export() {
    let database = TestDatabase::new().await;
    let store = seed_owned_store(&database).await;
    let server = ReleaseServer::start(&database.url).await;
    let base = server.url("");
    let path = format!("/store/{store}/customers");

    with_browser(move |page| async move {
        sign_in(&page, &base, "owner@example.com", &path).await;
        page.open(&format!("{base}{path}")).await;
        page.wait_for("document.querySelectorAll('.customer-row').length > 0", "rows").await;
        let all = page.js(COUNT).await;

        // Typing filters in place: no page load, the URL follows.
        page.js("(window.__sameDocument = 42)").await;
        page.client
            .find(fantoccini::Locator::Css("#customer-search"))
            .await
            .unwrap()
            .send_keys("example")
            .await
            .unwrap();
        page.wait_for("location.search === '?q=example'", "the URL to follow the search").await;
        page.wait_for(
            &format!("{COUNT} !== {all}"),
            "the filtered list",
        )
        .await;
        assert_eq!(page.js("window.__sameDocument").await, 42, "the page reloaded");
        let searched = page.js(COUNT).await;

        // A chip narrows the list, updates the count and the URL.
        page.client
            .find(fantoccini::Locator::Css("[data-testid=chip-lead]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        page.wait_for("location.search === '?q=example&type=lead'", "the chip in the URL").await;
        page.wait_for(&format!("{COUNT} !== {searched}"), "the count to change").await;
        assert_eq!(page.js("window.__sameDocument").await, 42, "the page reloaded");
        let chipped = page.js(COUNT).await;
        assert_eq!(
            page.js("document.querySelector('[data-testid=chip-lead]').getAttribute('aria-current')").await,
            "true"
        );
        // Only the selected chip is current.
        assert_eq!(page.js("document.querySelectorAll('[aria-current]').length").await, 1);

        // A reload shows the same view (rendered by the server).
        page.open(page.client.current_url().await.unwrap().as_ref()).await;
        page.wait_for("document.querySelectorAll('.customer-row').length > 0", "rows").await;
        assert_eq!(page.js(COUNT).await, chipped);
        assert_eq!(page.js("document.querySelector('#customer-search').value").await, "example");

        // Enter on a row (after arrowing to it) expands it: progress bars.
        page.open(&format!("{base}{path}?sort=-last_activity")).await;
        page.wait_for("document.querySelectorAll('.customer-row').length > 0", "rows").await;
        page.js("document.body.focus(), true").await;
        let body = page.client.find(fantoccini::Locator::Css("body")).await.unwrap();
        body.send_keys("\u{E015}").await.unwrap(); // ArrowDown
        page.wait_for(
            "document.activeElement === document.querySelector('.customer-row')",
            "the first row focused",
        )
        .await;
        // Expand the first row that has courses (Enter on the focused row).
        page.js("(() => { const r = [...document.querySelectorAll('.customer-row')].find(r => !r.querySelector('.courses').textContent.startsWith('0 ')); r.focus(); return true; })()").await;
        let focused = page.client.active_element().await.unwrap();
        focused.send_keys("\u{E007}").await.unwrap(); // Enter
        page.wait_for(
            "document.querySelectorAll('.customer-details progress').length > 0",
            "progress bars",
        )
        .await;
        assert_eq!(
            page.js("document.activeElement.getAttribute('aria-expanded')").await,
            "true"
        );

        // Export: the CSV has exactly the filtered count of rows.
        page.open(&format!("{base}{path}?type=paying")).await;
        page.wait_for("document.querySelectorAll('.customer-row').length > 0", "rows").await;
        let expected: i64 = page
            .js(&format!("{COUNT}.replace(/[^0-9]/g, '')"))
            .await
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        page.js(
            "(fetch(document.querySelector('[data-testid=export]').href)\
               .then(r => r.text()).then(t => window.__csv = t), true)",
        )
        .await;
        page.wait_for("typeof window.__csv === 'string'", "the export").await;
        let lines = page
            .js("window.__csv.split('\\r\\n').filter(l => l.length > 0).length")
            .await
            .as_i64()
            .unwrap();
        assert_eq!(lines - 1, expected, "CSV rows = filtered count");

        // Screenshots at desktop and phone widths, for a look by eye.
        let dir = tests::browser::workspace_root().join("target/browser-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        for (width, height) in [(1280, 900), (390, 844)] {
            page.client.set_window_size(width, height).await.unwrap();
            page.js("document.querySelector('.customer-row').click(), true").await;
            page.wait_for("!!document.querySelector('.customer-details progress, .customer-details .detail-grid')", "details").await;
            let png = page.client.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("customers-{width}.png")), png).unwrap();
            page.js("document.querySelector('.customer-row').click(), true").await;
        }
    })
    .await;
}
