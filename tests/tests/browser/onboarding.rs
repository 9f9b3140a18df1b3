//! Onboarding in a real browser (release build): a platform admin creates a
//! store with its currency, time zone and owner on `/admin/stores`; the new
//! owner signs in with the one-time password shown there, finds the store
//! on its clock, and changes the password on `/account`. Run by
//! scripts/test.sh with `--run-ignored only`.

use tests::{
    PASSWORD, TestDatabase,
    browser::{ReleaseServer, sign_in, sign_in_with, with_browser},
};

#[tokio::test]
#[ignore = "needs the release build and Chromium: run through scripts/test.sh"]
async fn an_admin_onboards_a_creator_who_signs_in_and_changes_the_password() {
    let database = TestDatabase::new().await;
    db::accounts::upsert_account(&database.db, "root@example.com", PASSWORD, true)
        .await
        .unwrap();
    let server = ReleaseServer::start(&database.url).await;
    let base = server.url("");

    with_browser(move |page| async move {
        sign_in(&page, &base, "root@example.com", "/admin/stores").await;
        page.wait_for(
            "!!document.querySelector('[data-testid=store-create]')",
            "the form",
        )
        .await;
        page.fill("[data-testid=store-name-input]", "Cleo's Ceramics")
            .await;
        page.fill("[data-testid=store-currency-input]", "EUR").await;
        page.fill("[data-testid=store-time-zone-input]", "Europe/Berlin")
            .await;
        page.fill("[data-testid=store-owner-input]", "cleo@example.com")
            .await;
        page.click("[data-testid=store-create]").await;
        page.wait_for(
            "!!document.querySelector('[data-testid=owner-password]')",
            "the one-time password",
        )
        .await;
        let password = page
            .js("document.querySelector('[data-testid=owner-password]').textContent")
            .await
            .as_str()
            .unwrap()
            .to_string();
        let store = page
            .js("document.querySelector('[data-testid=store-created-link]').getAttribute('href')")
            .await
            .as_str()
            .unwrap()
            .to_string();

        // The owner signs in with it and finds the store on its clock.
        page.client.delete_all_cookies().await.unwrap();
        sign_in_with(&page, &base, "cleo@example.com", &password, &store).await;
        page.wait_for(
            "!!document.querySelector('[data-testid=store-facts]')",
            "the store",
        )
        .await;
        let facts = page
            .js("document.querySelector('[data-testid=store-facts]').textContent")
            .await;
        assert_eq!(
            facts.as_str().unwrap(),
            "Currency: EUR · Times in Europe/Berlin"
        );
        assert!(
            page.js("!!document.querySelector('[data-testid=settings-link]')")
                .await
                .as_bool()
                .unwrap()
        );

        // And changes the one-time password from the top bar's link.
        page.click("[data-testid=account-email]").await;
        page.wait_for(
            "!!document.querySelector('input[name=current_password]')",
            "the account page",
        )
        .await;
        page.fill("input[name=current_password]", &password).await;
        page.fill("input[name=new_password]", "clay and glaze forever")
            .await;
        page.click("button[type=submit].primary").await;
        page.wait_for(
            "!!document.querySelector('[data-testid=password-changed]')",
            "the change confirmed",
        )
        .await;
        page.client.delete_all_cookies().await.unwrap();
        sign_in_with(
            &page,
            &base,
            "cleo@example.com",
            "clay and glaze forever",
            &store,
        )
        .await;
    })
    .await;
}
