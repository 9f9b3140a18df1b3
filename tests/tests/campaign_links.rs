//! The links in a sent message, as a recipient and their mail provider use
//! them, over HTTP against the real app: the open pixel, a tracked link
//! (redirected only where the message pointed), the unsubscribe page and
//! RFC 8058's one-click POST (no cookie, no Origin). Messages go to files
//! (no SMTP_URL), as on a fresh machine.

use db::campaigns::{CampaignStatus, engagement};
use domain::customer::Consent;
use tests::{
    TestApp,
    campaigns::{campaign, store_with_leads},
    smtp::link_in,
};

/// The first address in a raw message starting with `prefix`.
fn link(raw: &str, prefix: &str) -> String {
    link_in(raw, prefix).unwrap_or_else(|| panic!("{prefix} in {raw}"))
}

#[tokio::test]
async fn a_recipient_opens_clicks_and_unsubscribes_in_one_click() {
    let app = TestApp::spawn().await;
    let db = app.db();
    let (store, segment) = store_with_leads(db, 12).await;
    let id = campaign(db, store, segment).await;
    let worker = app.mail_worker().await;
    for _ in 0..200 {
        worker.round().await.unwrap();
        if db::campaigns::get(db, store, id).await.unwrap().status == CampaignStatus::Sent {
            break;
        }
    }
    let stats = engagement::stats(db, store, id).await.unwrap();
    assert!(stats.sent >= 8, "{stats:?}");

    // The message to sub1@x.test, as a file of the outbox.
    let message: i64 = sqlx::query_scalar(
        "SELECT id FROM campaign_messages WHERE campaign_id = $1 AND email = 'sub1@x.test'",
    )
    .bind(id)
    .fetch_one(db.reader())
    .await
    .unwrap();
    let file = mail::Delivery::file_of(&app.outbox, id, message);
    let text = std::fs::read_to_string(&file).unwrap();
    let origin = &app.address;
    let unsubscribe = link(&text, &format!("{origin}/unsubscribe/"));
    let pixel = link(&text, &format!("{origin}/m/o/"));
    let click = link(&text, &format!("{origin}/m/c/"));

    // The pixel: an image, and an open.
    let response = app.client.get(&pixel).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/gif");
    app.client.get(&pixel).send().await.unwrap();
    // The link: to where the message pointed, and a click.
    let response = app.client.get(&click).send().await.unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(
        response.headers()["location"],
        "https://shop.test/courses/1"
    );
    // A token for another address is not ours: no open redirect.
    let forged = mail::Signer::new(b"guess").sign(&mail::Claims {
        store_id: store,
        message_id: message,
        purpose: mail::Purpose::Click("https://evil.test".into()),
    });
    let response = app
        .client
        .get(format!("{origin}/m/c/{forged}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let tampered = click.replace("/m/c/", "/m/c/x");
    assert_eq!(
        app.client.get(&tampered).send().await.unwrap().status(),
        404
    );
    let stats = engagement::stats(db, store, id).await.unwrap();
    assert_eq!(
        (stats.unique_opens, stats.unique_clicks),
        (1, 1),
        "{stats:?}"
    );

    // The unsubscribe page asks first, signed out.
    let (status, page) = app
        .get(unsubscribe.trim_start_matches(origin.as_str()))
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Unsubscribe from Shop"), "{page}");
    assert!(page.contains("sub1@x.test"));
    // A mail provider's one-click POST: no cookie, no Origin.
    let response = app
        .client
        .post(&unsubscribe)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let standing = db::consent::standing(db, store, "sub1@x.test")
        .await
        .unwrap();
    assert_eq!(standing.consent, Consent::Unsubscribed);
    assert_eq!(standing.source.as_deref(), Some("unsubscribe link"));
    // Again, from another origin (a webmail's button), and from the page's
    // form: no harm, the page says it is done.
    let response = app
        .client
        .post(&unsubscribe)
        .header("origin", "https://webmail.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("You are unsubscribed")
    );
    let stats = engagement::stats(db, store, id).await.unwrap();
    assert_eq!(stats.unsubscribes, 1, "{stats:?}");
    // A made-up token: the page says the link does not work.
    let (status, _) = app.get("/unsubscribe/not-a-token").await;
    assert_eq!(status, 404);
    let response = app
        .client
        .post(format!("{origin}/unsubscribe/not-a-token"))
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);

    // What the recipient did is on their timeline, newest first…
    let customer: i64 =
        sqlx::query_scalar("SELECT customer_id FROM campaign_messages WHERE id = $1")
            .bind(message)
            .fetch_one(db.reader())
            .await
            .unwrap();
    let page = db::customers::timeline::timeline(db, store, customer, None, 50)
        .await
        .unwrap();
    let kinds: Vec<&str> = page
        .entries
        .iter()
        .filter(|e| e.kind.starts_with("campaign_"))
        .map(|e| e.kind.as_str())
        .collect();
    for kind in [
        "campaign_sent",
        "campaign_open",
        "campaign_click",
        "campaign_unsubscribe",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let click = page
        .entries
        .iter()
        .find(|e| e.kind == "campaign_click")
        .unwrap();
    assert_eq!(click.status.as_deref(), Some("https://shop.test/courses/1"));
    assert_eq!(click.title.as_deref(), Some("Spring news"));
    // …and feeds the segments: clicked this campaign is that one recipient;
    // did not open it is everyone else it went to.
    let rule = |action, did| domain::segment::Group {
        combine: domain::segment::Combine::All,
        rules: vec![domain::segment::Rule::Condition(
            domain::segment::Condition::Engagement {
                action,
                campaign: Some(id),
                within_days: Some(1),
                did,
            },
        )],
    };
    let now = db::time::now_ms();
    let count = |group| async move {
        db::segments::count(db, store, &group, now)
            .await
            .unwrap()
            .total
    };
    use domain::segment::Engagement::{Clicked, Opened, Received};
    assert_eq!(count(rule(Clicked, true)).await, 1);
    assert_eq!(count(rule(Opened, true)).await, 1);
    assert_eq!(count(rule(Received, true)).await, stats.sent);
    let everyone = db::segments::count(db, store, &domain::segment::Group::default(), now)
        .await
        .unwrap()
        .total;
    assert_eq!(count(rule(Opened, false)).await, everyone - 1);
}
