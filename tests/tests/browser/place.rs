//! The owner keeps their place on the customers page (issue 15): Back from
//! a profile brings the scroll position and the expanded row back on a page
//! of 200 rows; the profile's way back carries the list's query; paging
//! shows where it is, both ways; a date typed digit by digit is one history
//! entry; the filter panel stays closed until opened; Escape collapses.

use app::pages::customers::format::thousands;
use tests::{
    TestDatabase,
    browser::{ReleaseServer, seed_owned_store, sign_in, with_browser},
};

const RANGE: &str = "document.querySelector('[data-testid=page-range]')?.textContent";
const ROWS: &str = "document.querySelectorAll('.customer-row').length";

#[tokio::test]
#[ignore = "needs the release build and Chromium: run through scripts/test.sh"]
async fn back_paging_dates_and_escape_keep_the_owners_place() {
    let database = TestDatabase::new().await;
    let store = seed_owned_store(&database).await;
    let server = ReleaseServer::start(&database.url).await;
    let base = server.url("");
    let path = format!("/store/{store}/customers");

    with_browser(move |page| async move {
        sign_in(&page, &base, "owner@example.com", &path).await;
        page.client.set_window_size(1280, 900).await.unwrap();
        page.open(&format!("{base}{path}?size=200")).await;
        page.wait_for(&format!("{ROWS} === 200"), "a page of 200 rows").await;
        let total: i64 = page
            .js(&format!("{RANGE}.split(' of ')[1].replace(/[^0-9]/g, '')"))
            .await
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(total > 200, "the store has more than one page ({total})");
        assert_eq!(page.js(RANGE).await, "1–200 of ".to_string() + &thousands(total));

        // Row 150: scrolled to, expanded, then its profile opened.
        page.js(
            "(() => { const r = document.querySelectorAll('.customer-row')[149]; \
              r.scrollIntoView(); window.scrollBy(0, -200); r.click(); return true; })()",
        )
        .await;
        page.wait_for(
            "!!document.querySelector('.customer.expanded [data-testid=open-customer]')",
            "the expanded row",
        )
        .await;
        let id = page
            .js("document.querySelectorAll('.customer-row')[149].dataset.id")
            .await;
        let id = id.as_str().unwrap().to_string();
        let top = page
            .js("document.querySelectorAll('.customer-row')[149].getBoundingClientRect().top")
            .await
            .as_f64()
            .unwrap();
        assert!(page.js("window.scrollY").await.as_f64().unwrap() > 2_000.0);
        page.click(".customer.expanded [data-testid=open-customer]").await;
        page.wait_for("!!document.querySelector('[data-testid=back-to-list]')", "the profile")
            .await;
        let back = page
            .js("document.querySelector('[data-testid=back-to-list]').getAttribute('href')")
            .await;
        assert_eq!(back, format!("{path}?size=200"), "the way back keeps the query");

        // Back: the same row expanded, at the same place on the screen.
        page.js("(history.back(), true)").await;
        page.wait_for(&format!("{ROWS} === 200"), "the list again").await;
        page.wait_for(
            &format!("!!document.querySelector('.customer.expanded .customer-row[data-id=\"{id}\"]')"),
            "the row expanded again",
        )
        .await;
        page.wait_for(
            &format!(
                "Math.abs(document.querySelector('.customer-row[data-id=\"{id}\"]')\
                   .getBoundingClientRect().top - {top}) < 4"
            ),
            "the row back where it was",
        )
        .await;
        page.wait_for(
            &format!("document.activeElement?.dataset?.id === '{id}'"),
            "the focus back on the opened row",
        )
        .await;

        // Escape in the expanded row collapses it and focuses the row.
        page.js(
            "(document.querySelector('.customer.expanded [data-testid=open-customer]').focus(), true)",
        )
        .await;
        let focused = page.client.active_element().await.unwrap();
        focused.send_keys("\u{E00C}").await.unwrap(); // Escape
        page.wait_for("!document.querySelector('.customer.expanded')", "the row collapsed")
            .await;
        assert_eq!(page.js("document.activeElement.dataset.id").await, id.as_str());

        // Paging both ways, each page saying where it is.
        page.click("[data-testid=next-page]").await;
        page.wait_for(
            &format!("{RANGE} === '201–{} of {}'", thousands(total.min(400)), thousands(total)),
            "the second page",
        )
        .await;
        page.click("[data-testid=previous-page]").await;
        page.wait_for(&format!("{RANGE} === '1–200 of {}'", thousands(total)), "the first page again")
            .await;
        page.click("[data-testid=last-page]").await;
        page.wait_for(
            &format!("({RANGE} ?? '').endsWith('{} of {}')", thousands(total), thousands(total)),
            "the last page",
        )
        .await;
        assert_eq!(
            page.js("document.querySelector('[data-testid=next-page]').tagName").await,
            "SPAN",
            "no next page after the last"
        );
        page.click("[data-testid=first-page]").await;
        page.wait_for(&format!("{RANGE} === '1–200 of {}'", thousands(total)), "the first page")
            .await;

        // The filter panel: closed even when the URL filters; the active
        // filter is a removable chip above the results.
        page.open(&format!("{base}{path}?spent_min=1")).await;
        page.wait_for(&format!("{ROWS} > 0"), "rows").await;
        assert_eq!(
            page.js("document.querySelector('[data-testid=filter-panel]').open").await,
            false
        );
        assert_eq!(page.js("document.querySelectorAll('.chip.removable').length").await, 1);

        // A date typed digit by digit: one query's worth of history.
        page.open(&format!("{base}{path}")).await;
        page.wait_for(&format!("{ROWS} > 0"), "rows").await;
        page.click("[data-testid=filter-panel] summary").await;
        let before = page.js("history.length").await.as_i64().unwrap();
        page.client
            .find(fantoccini::Locator::Css("[data-testid=filter-joined_from]"))
            .await
            .unwrap()
            .send_keys("01022024")
            .await
            .unwrap();
        page.wait_for(
            "location.search === '?joined_from=2024-01-02'",
            "the date in the URL",
        )
        .await;
        // Give any late keystroke time to add an entry it should not.
        tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
        assert_eq!(page.js("history.length").await.as_i64().unwrap(), before + 1);
        assert_eq!(page.js("location.search").await, "?joined_from=2024-01-02");
    })
    .await;
}
