//! The links in a sent message, as a recipient and their mail provider use
//! them, over HTTP against the real app: the open pixel, a tracked link
//! (redirected only where the message pointed), the unsubscribe page and
//! RFC 8058's one-click POST (no cookie, no Origin). Messages go to files
//! (no SMTP_URL), as on a fresh machine.

use db::campaigns::engagement;
use domain::customer::Consent;
use tests::{
    TestApp,
    campaigns::{campaign, send_out, store_with_leads},
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
    send_out(db, &worker, store, id).await;
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

/// A feedback-loop report (RFC 5965), as a mailbox provider sends it when a
/// recipient marks the message as spam and a mail server pipes it on: no
/// cookie, no Origin; the original's signed unsubscribe link names the
/// message. The address is unsubscribed and suppressed, the campaign counts
/// the complaint and the customer's timeline shows it; a report naming no
/// message of ours, or saying "not spam", changes nothing.
#[tokio::test]
async fn a_spam_complaint_unsubscribes_and_suppresses_the_address() {
    let app = TestApp::spawn().await;
    let db = app.db();
    let (store, segment) = store_with_leads(db, 12).await;
    let id = campaign(db, store, segment).await;
    let worker = app.mail_worker().await;
    send_out(db, &worker, store, id).await;
    let (message, customer): (i64, i64) = sqlx::query_as(
        "SELECT id, customer_id FROM campaign_messages \
         WHERE campaign_id = $1 AND email = 'sub2@x.test'",
    )
    .bind(id)
    .fetch_one(db.reader())
    .await
    .unwrap();
    let original =
        std::fs::read_to_string(mail::Delivery::file_of(&app.outbox, id, message)).unwrap();
    // The headers of the original, as `text/rfc822-headers`.
    let headers = original.split("\r\n\r\n").next().unwrap();
    let report = |feedback_type: &str, original: &str| {
        format!(
            "From: feedback@isp.test\r\nTo: fbl@shop.test\r\nSubject: complaint\r\n\
             MIME-Version: 1.0\r\nContent-Type: multipart/report; \
             report-type=feedback-report; boundary=\"part\"\r\n\r\n\
             --part\r\nContent-Type: text/plain\r\n\r\nThis is an abuse report.\r\n\
             --part\r\nContent-Type: message/feedback-report\r\n\r\n\
             Feedback-Type: {feedback_type}\r\nUser-Agent: isp-fbl/1.0\r\nVersion: 1\r\n\
             Original-Rcpt-To: <sub2@x.test>\r\n\r\n\
             --part\r\nContent-Type: text/rfc822-headers\r\n\r\n{original}\r\n--part--\r\n"
        )
    };
    let post = |body: String| {
        let client = app.client.clone();
        let url = format!("{}/m/feedback", app.address);
        async move {
            let response = client
                .post(url)
                .header("content-type", "message/rfc822")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        }
    };
    let standing = || db::consent::standing(db, store, "sub2@x.test");

    // Not spam, or a report of someone else's message: nothing changes.
    let (status, body) = post(report("not-spam", headers)).await;
    assert_eq!(status, 200, "{body}");
    let forged = mail::Signer::new(b"guess").sign(&mail::Claims {
        store_id: store,
        message_id: message,
        purpose: mail::Purpose::Unsubscribe,
    });
    let (status, body) = post(report(
        "abuse",
        &format!("List-Unsubscribe: <{}/unsubscribe/{forged}>", app.address),
    ))
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = post(report("abuse", "Message-ID: <campaign-1.message-1@x>")).await;
    assert_eq!(status, 422);
    assert_eq!(standing().await.unwrap().consent, Consent::Subscribed);
    assert!(standing().await.unwrap().suppressed.is_none());

    // The complaint, twice (providers resend): counted once.
    for _ in 0..2 {
        let (status, body) = post(report("abuse", headers)).await;
        assert_eq!(status, 200, "{body}");
    }
    let now = standing().await.unwrap();
    assert_eq!(now.consent, Consent::Unsubscribed);
    assert_eq!(now.source.as_deref(), Some("spam complaint"));
    let (reason, detail, _) = now.suppressed.expect("suppressed");
    assert_eq!(reason, db::consent::Suppression::Complaint);
    assert_eq!(detail, "feedback report: abuse");
    let stats = engagement::stats(db, store, id).await.unwrap();
    assert_eq!((stats.complaints, stats.unsubscribes), (1, 0), "{stats:?}");
    let page = db::customers::timeline::timeline(db, store, customer, None, 50)
        .await
        .unwrap();
    let complaints = page
        .entries
        .iter()
        .filter(|e| e.kind == "campaign_complaint")
        .count();
    assert_eq!(complaints, 1);

    // A later consent event re-subscribes, but the suppression stands:
    // the next campaign does not reach the address.
    db::facts::apply_batch(
        db,
        store,
        &[tests::events::consent(
            "k-again",
            db::time::now_ms(),
            tests::events::user("u2", None, None),
            "subscribed",
        )],
    )
    .await
    .unwrap();
    assert_eq!(standing().await.unwrap().consent, Consent::Subscribed);
    let again = campaign(db, store, segment).await;
    send_out(db, &worker, store, again).await;
    let reached: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM campaign_messages WHERE campaign_id = $1 \
         AND email = 'sub2@x.test' AND status = 'sent'",
    )
    .bind(again)
    .fetch_one(db.reader())
    .await
    .unwrap();
    assert_eq!(reached, 0);
    let stats = engagement::stats(db, store, again).await.unwrap();
    assert!(stats.sent >= 8, "the others received it: {stats:?}");
}
