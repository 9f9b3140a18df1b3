//! What a store owner's browser downloads: the bytes on the wire for the
//! first visit of the demo store's customers page (fresh profile, already
//! signed in, so nothing was cached by a sign-in page), and for a second
//! visit, when the hashed files under `/pkg/` come from the cache.
//! Run by scripts/test.sh with `--run-ignored only`.

use tests::{
    PASSWORD, TestDatabase,
    browser::{Page, ReleaseServer, with_browser},
};

/// First visit: WASM + JS + CSS + HTML + data, compressed as Chromium
/// negotiates it on http://127.0.0.1. Was 450 KB; the campaign pages (44 KB
/// of brotli WASM, measured by building without their routes) took the first
/// visit to 471 KB. Every page ships in the one WASM until the pages are
/// split (islands or lazy routes, issue 13), which is what brings this back
/// down; until then the guard stops any further growth.
const FIRST_VISIT_MAX_BYTES: u64 = 480 * 1024;
/// Second visit: only the page and its data.
const SECOND_VISIT_MAX_BYTES: u64 = 40 * 1024;

/// One response as the Resource Timing API reports it.
#[derive(Debug, serde::Deserialize)]
struct Transfer {
    name: String,
    /// Bytes on the wire, headers included; 0 when served from the cache.
    transfer: u64,
    /// The body as sent (compressed) and as used.
    encoded: u64,
    decoded: u64,
    status: u16,
}

/// Every response of the current document, the document first. Read in one
/// `execute` call.
async fn transfers(page: &Page) -> Vec<Transfer> {
    let entries = page
        .js("[...performance.getEntriesByType('navigation'), \
              ...performance.getEntriesByType('resource')].map(e => ({ \
                name: e.name, transfer: e.transferSize, encoded: e.encodedBodySize, \
                decoded: e.decodedBodySize, status: e.responseStatus || 0 }))")
        .await;
    serde_json::from_value(entries).expect("resource timing entries")
}

fn report(label: &str, transfers: &[Transfer]) -> u64 {
    let total: u64 = transfers.iter().map(|t| t.transfer).sum();
    println!(
        "{label}: {total} bytes transferred ({:.1} KB)",
        total as f64 / 1024.0
    );
    for t in transfers {
        println!(
            "  {:>7} B on the wire, body {:>7} B -> {:>8} B, status {}  {}",
            t.transfer, t.encoded, t.decoded, t.status, t.name
        );
    }
    total
}

/// Signs in over HTTP and returns the session cookie's value.
async fn session_cookie(base: &str, email: &str) -> String {
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{base}/api/sign_in"))
        .header(reqwest::header::ORIGIN, base)
        .form(&[("email", email), ("password", PASSWORD), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_redirection() || response.status().is_success(),
        "sign in: {}",
        response.status()
    );
    response
        .cookies()
        .find(|cookie| cookie.name() == "customers_session")
        .map(|cookie| cookie.value().to_string())
        .expect("a session cookie")
}

#[tokio::test]
#[ignore = "needs the release build and Chromium: run through scripts/test.sh"]
async fn the_customers_page_downloads_little_and_caches_its_files() {
    let database = TestDatabase::new().await;
    let db = &database.db;
    assert!(devtools::seed::seed_demo_if_empty(db).await.unwrap());
    let store = db::stores::list_stores(db, "", None).await.unwrap()[0].id;
    tests::lookup::add_owner(db, store, "owner@example.com").await;
    let server = ReleaseServer::start(&database.url).await;
    let base = server.url("");
    let cookie = session_cookie(&base, "owner@example.com").await;
    let customers = format!("{base}/store/{store}/customers");

    with_browser(|page| async move {
        // Signed in before the first page: the session cookie is set on a
        // response that loads nothing (a cookie needs a document of its
        // origin), so nothing is in the cache yet.
        page.client.goto(&format!("{base}/healthz")).await.unwrap();
        page.js(&format!("document.cookie = 'customers_session={cookie}; path=/'"))
            .await;
        page.js("performance.clearResourceTimings()").await;

        page.open(&customers).await;
        page.wait_for(
            "!!document.querySelector('[data-testid=customer-list] li')",
            "the customer rows",
        )
        .await;
        let styled = page
            .js("getComputedStyle(document.querySelector('.topbar')).display")
            .await;
        assert_eq!(styled, "flex", "the stylesheet is applied");
        // Let late requests (data after hydration) finish before counting.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let first = transfers(&page).await;
        let first_total = report("first visit", &first);
        for t in &first {
            assert_eq!(t.status, 200, "every answer of the first visit is 200: {t:?}");
        }
        let pkg: Vec<&Transfer> = first.iter().filter(|t| t.name.contains("/pkg/")).collect();
        assert!(
            pkg.iter().any(|t| t.name.ends_with(".wasm")),
            "the WASM was loaded: {first:?}"
        );
        for t in &pkg {
            assert!(
                t.encoded < t.decoded || t.name.ends_with(".css") && t.decoded < 1024,
                "{} arrived compressed",
                t.name
            );
        }
        let wasm = pkg
            .iter()
            .find(|t| t.name.ends_with(".wasm"))
            .map(|t| t.name.clone())
            .unwrap();
        let encoding = page
            .js(&format!(
                "fetch('{wasm}', {{ cache: 'no-store' }}).then(r => r.headers.get('content-encoding') || 'identity')"
            ))
            .await;
        println!("encoding Chromium negotiated on http://127.0.0.1: {encoding}");
        assert!(
            first_total <= FIRST_VISIT_MAX_BYTES,
            "first visit transferred {first_total} bytes, over {FIRST_VISIT_MAX_BYTES}"
        );

        page.open(&customers).await;
        page.wait_for(
            "!!document.querySelector('[data-testid=customer-list] li')",
            "the customer rows again",
        )
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let second = transfers(&page).await;
        let second_total = report("second visit", &second);
        for t in second.iter().filter(|t| t.name.contains("/pkg/")) {
            assert_eq!(t.transfer, 0, "{} came from the cache", t.name);
        }
        assert!(
            second_total <= SECOND_VISIT_MAX_BYTES,
            "second visit transferred {second_total} bytes, over {SECOND_VISIT_MAX_BYTES}"
        );
    })
    .await;
}
