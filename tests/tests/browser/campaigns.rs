//! The owner writes a campaign to a saved segment ("leads inactive for 30
//! days"), previews it with a real customer, sends it to an SMTP server on
//! 127.0.0.1 and watches the figures move; a recipient clicks a tracked
//! link, which shows on the campaign page and on their timeline, and
//! unsubscribes in one click, as a mail provider's button does (no cookie,
//! no Origin). Building the segment itself is `segments.rs`'s test.

use app::pages::customers::format::thousands;
use domain::{
    customer::{Consent, CustomerType},
    segment::{Combine, Condition, Group, Rule, When},
};
use tests::{
    TestDatabase,
    browser::{ReleaseServer, seed_owned_store, sign_in, with_browser},
    smtp::{SmtpSink, link_in},
};

fn stat(testid: &str, value: i64) -> String {
    format!(
        "document.querySelector('[data-testid={testid}]')?.textContent === '{}'",
        thousands(value)
    )
}

/// The first address in a raw message starting with `prefix`.
fn link(raw: &str, prefix: &str) -> String {
    link_in(raw, prefix).unwrap_or_else(|| panic!("{prefix} in {raw}"))
}

#[tokio::test]
#[ignore = "needs the release build and Chromium: run through scripts/test.sh"]
async fn an_owner_sends_a_campaign_and_sees_a_recipients_click_and_unsubscribe() {
    let database = TestDatabase::new().await;
    let store = seed_owned_store(&database).await;
    let db = &database.db;
    let now = db::time::now_ms();
    let inactive_leads = vec![
        Rule::Condition(Condition::LastActivity {
            when: When::MoreThanDaysAgo(30),
        }),
        Rule::Condition(Condition::Type {
            is: CustomerType::Lead,
        }),
    ];
    let segment = db::segments::save(
        db,
        store,
        None,
        "Inactive leads",
        &Group {
            combine: Combine::All,
            rules: inactive_leads.clone(),
        },
        None,
        now,
    )
    .await
    .unwrap();
    let mut reachable = inactive_leads;
    reachable.push(Rule::Condition(Condition::Consent {
        is: Consent::Subscribed,
    }));
    let recipients = db::segments::count(
        db,
        store,
        &Group {
            combine: Combine::All,
            rules: reachable,
        },
        now,
    )
    .await
    .unwrap()
    .total;
    assert!(recipients > 0, "the seed has inactive leads with consent");
    let sink = SmtpSink::start(0).await;
    let env = [
        ("SMTP_URL", sink.url()),
        ("MAIL_FROM", "news@shop.test".to_string()),
    ];
    let server = ReleaseServer::start_with(&database.url, &env).await;
    let base = server.url("");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let db = db.clone();

    with_browser(move |page| async move {
        sign_in(&page, &base, "owner@example.com", &format!("/store/{store}/customers")).await;
        page.open(&format!("{base}/store/{store}/segments")).await;
        page.click("[data-testid=segment-campaign]").await;
        page.wait_for("!!document.querySelector('[data-testid=campaign-editor]')", "the editor")
            .await;
        page.wait_for(
            &format!("document.querySelector('[data-testid=campaign-segment]')?.value === '{segment}'"),
            "the segment chosen",
        )
        .await;
        page.fill("[data-testid=campaign-name]", "Win them back").await;
        page.fill("[data-testid=campaign-subject]", "We miss you, {{ first_name }}").await;
        page.fill("[data-testid=campaign-sender]", "The Shop").await;
        page.fill(
            "[data-testid=campaign-body]",
            "Hi {{ first_name }}!\n\nA new course is out: [come back](https://shop.test/back).",
        )
        .await;
        page.click("[data-testid=campaign-save]").await;
        page.wait_for("/\\/campaigns\\/\\d+$/.test(location.pathname)", "the saved campaign")
            .await;
        let campaign_path = page.js("location.pathname").await.as_str().unwrap().to_string();

        // The preview: a real member's first name, the link as written.
        page.click("[data-testid=campaign-preview-button]").await;
        page.wait_for(
            "document.querySelector('[data-testid=preview-subject]')?.textContent.startsWith('We miss you, ')",
            "the preview",
        )
        .await;
        let subject = page
            .js("document.querySelector('[data-testid=preview-subject]').textContent")
            .await;
        assert_ne!(subject.as_str(), Some("We miss you, "), "a first name: {subject}");
        let html = page
            .js("document.querySelector('[data-testid=preview-html]').getAttribute('srcdoc')")
            .await;
        assert!(html.as_str().unwrap().contains("come back"), "{html}");
        let violations = page.audit("campaign-editor").await;
        assert!(violations.is_empty(), "{violations:#?}");

        // Send now, confirmed; the figures follow the sending.
        page.click("[data-testid=campaign-send-now]").await;
        page.click("[data-testid=campaign-send-confirm]").await;
        page.wait_for("!!document.querySelector('[data-testid=campaign-report]')", "the report")
            .await;
        page.wait_for(&stat("stat-sent", recipients), "every message sent").await;
        page.wait_for(&stat("stat-recipients", recipients), "the recipients").await;
        assert_eq!(sink.count() as i64, recipients);
        let violations = page.audit("campaign-report").await;
        assert!(violations.is_empty(), "{violations:#?}");

        // A recipient clicks the tracked link: it goes where the message said.
        let message = sink.received().remove(0);
        let click = link(&message.data, &format!("{base}/m/c/"));
        let response = client.get(&click).send().await.unwrap();
        assert_eq!(response.status(), 302);
        assert_eq!(response.headers()["location"], "https://shop.test/back");
        page.open(&format!("{base}{campaign_path}")).await;
        page.wait_for(&stat("stat-clicks", 1), "the click on the campaign page").await;
        page.wait_for(&stat("stat-opens", 1), "a click counts as an open").await;

        // …and on the recipient's timeline.
        let customer: i64 = sqlx::query_scalar(
            "SELECT customer_id FROM campaign_messages WHERE store_id = $1 AND email = $2",
        )
        .bind(store)
        .bind(&message.to[0])
        .fetch_one(db.reader())
        .await
        .unwrap();
        page.open(&format!("{base}/store/{store}/customers/{customer}")).await;
        page.wait_for(
            "document.querySelector('[data-testid=timeline]')?.textContent.includes('Clicked https://shop.test/back in \u{201c}Win them back\u{201d}')",
            "the click on the timeline",
        )
        .await;

        // One-click unsubscribe from the List-Unsubscribe header: no cookie.
        let unsubscribe = link(&message.data, &format!("{base}/unsubscribe/"));
        let response = client
            .post(&unsubscribe)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        page.open(&format!("{base}{campaign_path}")).await;
        page.wait_for(&stat("stat-unsubscribes", 1), "the unsubscribe on the campaign page")
            .await;
        page.open(&format!("{base}/store/{store}/customers/{customer}")).await;
        page.wait_for(
            "document.querySelector('[data-testid=customer-consent]')?.textContent.includes('nsubscribed')",
            "the customer's consent",
        )
        .await;
    })
    .await;
}
