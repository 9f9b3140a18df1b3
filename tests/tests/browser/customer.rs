//! The customer detail page, bulk tagging and the contacts import in a real
//! browser (release build). Run by scripts/test.sh with `--run-ignored only`.

use fantoccini::Locator;
use tests::{
    TestDatabase,
    browser::{ReleaseServer, seed_owned_store, sign_in, with_browser},
};

const COUNT: &str = "document.querySelector('[data-testid=match-count]')?.textContent";

#[tokio::test]
#[ignore = "needs the release build and Chromium: run through scripts/test.sh"]
async fn profile_notes_tags_bulk_tag_import_and_erase() {
    let database = TestDatabase::new().await;
    let store = seed_owned_store(&database).await;
    let server = ReleaseServer::start(&database.url).await;
    let base = server.url("");
    let list = format!("/store/{store}/customers");
    let csv_path = std::env::temp_dir().join(format!("contacts-{}.csv", std::process::id()));
    std::fs::write(
        &csv_path,
        "name,email,tags\n\"Quinn, Q.\",quinn.import@example.com,imported\nNo Email,,\n",
    )
    .unwrap();

    with_browser(move |page| async move {
        sign_in(&page, &base, "owner@example.com", &list).await;

        // From a row of the list to the profile.
        page.open(&format!("{base}{list}?sort=-total_spent")).await;
        page.wait_for("document.querySelectorAll('.customer-row').length > 0", "rows")
            .await;
        page.click(".customer-row").await;
        page.wait_for("!!document.querySelector('[data-testid=open-customer]')", "the profile link")
            .await;
        let profile = page
            .js("document.querySelector('[data-testid=open-customer]').href")
            .await;
        page.open(profile.as_str().unwrap()).await;
        page.wait_for("document.querySelectorAll('[data-testid=timeline] li').length > 0", "the timeline")
            .await;
        let kind = page.js("document.querySelector('[data-testid=customer-type]').textContent").await;
        assert!(["Customer", "Subscriber"].contains(&kind.as_str().unwrap()), "{kind}");
        assert!(page.js("!!document.querySelector('[data-testid=customer-value]')").await.as_bool().unwrap());

        // A note, then a tag: both show, and the timeline has them on top.
        page.type_into("[data-testid=note-input]", "Called about the workbook").await;
        page.click("[data-testid=note-add]").await;
        page.wait_for(
            "[...document.querySelectorAll('[data-testid=note]')].some(n => n.textContent.includes('Called about the workbook'))",
            "the note",
        )
        .await;
        page.type_into("[data-testid=tag-input]", "Gold").await;
        page.click("[data-testid=tag-add]").await;
        page.wait_for(
            "[...document.querySelectorAll('[data-testid=customer-tag]')].some(t => t.textContent.includes('Gold'))",
            "the tag",
        )
        .await;
        assert_eq!(
            page.js("document.querySelector('[data-testid=timeline] li').dataset.kind").await,
            "tag_added"
        );

        // The tag filters the list: one customer.
        page.open(&format!("{base}{list}?tag=gold")).await;
        page.wait_for(&format!("{COUNT} === '1 customer matches'"), "the tag filter").await;

        // Tag everyone of a type: the confirmation names the count, then the
        // whole filtered set is tagged and the list of that tag is shown.
        page.open(&format!("{base}{list}?type=lead")).await;
        page.wait_for("document.querySelectorAll('.customer-row').length > 0", "rows").await;
        let leads = page.js(&format!("{COUNT}.replace(/[^0-9]/g, '')")).await;
        page.click("[data-testid=bulk-tag-open]").await;
        page.type_into("[data-testid=bulk-tag-input]", "Warm leads").await;
        let confirm = page
            .js("document.querySelector('[data-testid=bulk-tag-confirm]').parentElement.textContent")
            .await;
        assert!(
            confirm.as_str().unwrap().contains(&format!("tag all {} customers", leads.as_str().unwrap())),
            "{confirm} / {leads}"
        );
        page.click("[data-testid=bulk-tag-confirm]").await;
        page.click("[data-testid=bulk-tag-apply]").await;
        page.wait_for("location.search.startsWith('?tag=Warm%20leads&notice=tagged-')", "the tag's list").await;
        page.wait_for("document.body.dataset.hydrated === 'true'", "hydration").await;
        page.wait_for("!!document.querySelector('[data-testid=match-count]')", "the count").await;
        assert_eq!(page.js(&format!("{COUNT}.replace(/[^0-9]/g, '')")).await, leads);
        // It says what it did.
        let notice = page.js("document.querySelector('[data-testid=notice]').textContent").await;
        assert!(notice.as_str().unwrap().starts_with("Tagged "), "{notice}");

        // Import (server-rendered pages): preview, then import; the new lead
        // is findable.
        page.client
            .goto(&format!("{base}/store/{store}/import"))
            .await
            .unwrap();
        page.wait_for("!!document.querySelector('[data-testid=import-file]')", "the import page").await;
        page.client
            .find(Locator::Css("[data-testid=import-file]"))
            .await
            .unwrap()
            .send_keys(csv_path.to_str().unwrap())
            .await
            .unwrap();
        page.click("[data-testid=import-preview-button]").await;
        page.wait_for("!!document.querySelector('[data-testid=import-preview]')", "the preview").await;
        let counts = page.js("document.querySelector('[data-testid=import-counts]').textContent").await;
        assert_eq!(counts, "2 rows: 1 to import, 1 with problems.");
        page.click("[data-testid=import-run]").await;
        page.wait_for("!!document.querySelector('[data-testid=import-result]')", "the summary").await;
        assert_eq!(
            page.js("document.querySelector('[data-testid=import-result]').textContent").await,
            "1 created, 0 updated, 0 unchanged, 1 rejected."
        );
        page.open(&format!("{base}{list}?q=quinn.import")).await;
        page.wait_for(&format!("{COUNT} === '1 customer matches'"), "the imported lead").await;

        // Erase the imported lead: back to the list, which no longer has them.
        page.click(".customer-row").await;
        page.wait_for("!!document.querySelector('[data-testid=open-customer]')", "the profile link").await;
        let profile = page.js("document.querySelector('[data-testid=open-customer]').href").await;
        page.open(profile.as_str().unwrap()).await;
        page.js("(document.querySelector('details.danger').open = true, true)").await;
        page.type_into("[data-testid=erase-confirm]", "erase").await;
        page.click("[data-testid=erase]").await;
        page.wait_for(&format!("location.pathname === '{list}'"), "the list after erasure").await;
        page.wait_for("!!document.querySelector('[data-testid=notice]')", "the erasure said").await;
        page.open(&format!("{base}{list}?q=quinn.import")).await;
        page.wait_for(&format!("{COUNT} === '0 customers match'"), "the lead gone").await;

        // Screenshots of the profile at desktop and phone widths.
        page.open(&format!("{base}{list}?sort=-total_spent")).await;
        page.click(".customer-row").await;
        page.wait_for("!!document.querySelector('[data-testid=open-customer]')", "the profile link").await;
        let profile = page.js("document.querySelector('[data-testid=open-customer]').href").await;
        page.open(profile.as_str().unwrap()).await;
        let dir = tests::browser::workspace_root().join("target/browser-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        for (width, height) in [(1280, 1100), (390, 844)] {
            page.client.set_window_size(width, height).await.unwrap();
            let png = page.client.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("customer-{width}.png")), png).unwrap();
        }
    })
    .await;
}
