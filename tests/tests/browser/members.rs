//! An owner's team in a real browser (release build): the owner adds a
//! member on the settings page, the member signs in with the one-time
//! password and sees the store without the owner's controls (erase, import,
//! bulk tag, backfill), the owner removes the member, and the member's next
//! request to that store answers not found. Run by scripts/test.sh with
//! `--run-ignored only`.

use tests::{
    TestDatabase,
    browser::{ReleaseServer, seed_owned_store, sign_in, sign_in_with, with_browser},
};

fn present(page_js: serde_json::Value) -> bool {
    page_js.as_bool().unwrap()
}

#[tokio::test]
#[ignore = "needs the release build and Chromium: run through scripts/test.sh"]
async fn the_owner_adds_a_member_who_reads_but_does_not_manage_then_removes_them() {
    let database = TestDatabase::new().await;
    let store = seed_owned_store(&database).await;
    let server = ReleaseServer::start(&database.url).await;
    let base = server.url("");
    let settings = format!("/store/{store}/settings");
    let home = format!("/store/{store}");

    with_browser(move |page| async move {
        // The owner adds a member by email; a new account's password is
        // shown once.
        sign_in(&page, &base, "owner@example.com", &settings).await;
        page.wait_for("!!document.querySelector('[data-testid=member-email]')", "the members panel")
            .await;
        page.type_into("[data-testid=member-email]", "mia.member@example.com").await;
        page.click("[data-testid=member-add]").await;
        page.wait_for("!!document.querySelector('[data-testid=member-password]')", "the one-time password")
            .await;
        let password = page
            .js("document.querySelector('[data-testid=member-password]').textContent")
            .await
            .as_str()
            .unwrap()
            .to_string();
        page.wait_for(
            "[...document.querySelectorAll('[data-testid=member-row-email]')].some(e => e.textContent === 'mia.member@example.com')",
            "the new member in the list",
        )
        .await;

        // The member signs in: the store opens, without the owner's controls.
        page.client.delete_all_cookies().await.unwrap();
        sign_in_with(&page, &base, "mia.member@example.com", &password, &home).await;
        page.wait_for("!!document.querySelector('[data-testid=store-name]')", "the store").await;
        assert!(!present(page.js("!!document.querySelector('[data-testid=settings-link]')").await));
        page.open(&format!("{base}/store/{store}/customers")).await;
        page.wait_for("document.querySelectorAll('.customer-row').length > 0", "rows").await;
        let controls = page
            .js("['import-link', 'bulk-tag-open', 'export'].map(id => !!document.querySelector(`[data-testid=${id}]`))")
            .await;
        assert_eq!(controls, serde_json::json!([false, false, true]), "import, bulk tag, export");
        let customer = page.js("document.querySelector('.customer-row').dataset.id").await;
        let customer = customer.as_str().unwrap().to_string();
        page.open(&format!("{base}/store/{store}/customers/{customer}")).await;
        page.wait_for("!!document.querySelector('[data-testid=note-add]')", "the note form").await;
        assert!(!present(page.js("!!document.querySelector('[data-testid=erase]')").await));
        page.open(&format!("{base}{settings}")).await;
        page.wait_for("!!document.querySelector('[data-testid=settings-owner-only]')", "owner only").await;
        assert!(!present(page.js("!!document.querySelector('[data-testid=backfill-start]')").await));
        let member_cookie = page
            .client
            .get_named_cookie("customers_session")
            .await
            .unwrap()
            .value()
            .to_string();

        // The owner removes the member.
        page.client.delete_all_cookies().await.unwrap();
        sign_in(&page, &base, "owner@example.com", &settings).await;
        page.wait_for("document.querySelectorAll('[data-testid=member-remove]').length === 1", "the remove button")
            .await;
        page.click("[data-testid=member-remove]").await;
        page.wait_for(
            "![...document.querySelectorAll('[data-testid=member-row-email]')].some(e => e.textContent === 'mia.member@example.com')",
            "the member gone from the list",
        )
        .await;

        // The member's next request to that store: not found.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = client
            .get(format!("{base}{home}"))
            .header("cookie", format!("customers_session={member_cookie}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404);
        let html = response.text().await.unwrap();
        assert!(html.contains("Page not found"), "{html}");
    })
    .await;
}
