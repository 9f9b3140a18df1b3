//! The campaign pages through the real server: the owner writes a draft and
//! changes it, previews it with a real customer of the segment, is told the
//! line of a template error, sends a test message (to files, and to an SMTP
//! server), schedules in the store's time zone, sends to the segment and
//! reads the figures; another store's owner finds none of it; a member
//! reads but cannot save, send or control. On SQLite and, with
//! TEST_DATABASE=postgres, on Postgres.

use db::campaigns::CampaignStatus;
use tests::{
    Session, TestApp, TestDatabase,
    events::{T0, lead, lead_with_consent, user},
    lookup,
    smtp::SmtpSink,
};

/// Customers tagged VIP: this segment holds Zelda and Yusuf (subscribed)
/// and Xena (never asked); Walt is subscribed but not in it.
const VIPS: &str =
    r#"{"match":"all","rules":[{"condition":{"field":"tag","name":"VIP","has":true}}]}"#;

struct World {
    store: i64,
    segment: i64,
    /// The segment's member the preview is rendered with: the one with the
    /// lowest customer id (Zelda or Yusuf), and their first name.
    first: (i64, &'static str),
    ann: Session,
}

/// ann@'s store (in Europe/Berlin) with its VIP segment.
async fn world(app: &TestApp) -> World {
    let db = app.db();
    let store = db::stores::create_store_in_zone(db, "Alpha Academy", "USD", "Europe/Berlin")
        .await
        .unwrap();
    lookup::add_owner(db, store, "ann@example.com").await;
    let people = [
        ("zelda", "Zelda Quill", true),
        ("yusuf", "Yusuf Ray", true),
        ("xena", "Xena Null", false),
        ("walt", "Walt Out", true),
    ];
    let mut events = Vec::new();
    for (i, (id, name, subscribed)) in people.iter().enumerate() {
        let person = user(id, Some(&format!("{id}@people.test")), Some(name));
        let at = T0 + i as i64;
        events.push(if *subscribed {
            lead_with_consent(&format!("l-{id}"), at, person, "form", "subscribed")
        } else {
            lead(&format!("l-{id}"), at, person, "form")
        });
    }
    db::facts::apply_batch(db, store, &events).await.unwrap();
    let now = db::time::now_ms();
    let mut members = Vec::new();
    for (id, name, _) in &people[..3] {
        let customer = lookup::customer_id(db, store, id).await;
        db::customers::tags::add_tag(db, store, customer, None, "VIP", now)
            .await
            .unwrap();
        members.push((customer, name.split(' ').next().unwrap()));
    }
    let definition = serde_json::from_str(VIPS).unwrap();
    let segment = db::segments::save(db, store, None, "VIPs", &definition, None, now)
        .await
        .unwrap();
    let first = *members.iter().min().unwrap();
    World {
        store,
        segment,
        first,
        ann: app.sign_in("ann@example.com").await,
    }
}

/// Saves a campaign (a new one without `id`); answers the status and body.
async fn save(
    session: &Session,
    store: i64,
    id: Option<i64>,
    segment: i64,
    subject: &str,
    body: &str,
) -> (u16, String) {
    let mut form = vec![
        ("store_id", store.to_string()),
        ("name", "Spring news".to_string()),
        ("subject", subject.to_string()),
        ("sender_name", "Ann at Alpha".to_string()),
        ("body", body.to_string()),
        ("segment_id", segment.to_string()),
    ];
    if let Some(id) = id {
        form.push(("campaign_id", id.to_string()));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    session.post_form("/api/campaigns/save", &form).await
}

async fn call(session: &Session, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    session.post_form(path, form).await
}

/// The text of the first element with `data-testid="{id}"`.
fn testid_text(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("data-testid=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id} in {html}"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    rest[start..].split('<').next().unwrap().to_string()
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

const BODY: &str = "Hi {{ first_name }},\n\n[Our new course](https://alpha.test/courses/1)";

#[tokio::test]
async fn an_owner_writes_previews_tests_and_sends_a_campaign() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let (store, s) = (w.store, w.store.to_string());
    let ann = &w.ann;

    // The list is empty; the editor opens with the segment chosen.
    let (status, list) = ann.get(&format!("/store/{store}/campaigns")).await;
    assert_eq!(status, 200, "{list}");
    assert!(list.contains("campaigns-none"), "{list}");
    assert!(list.contains("new-campaign"));
    let (status, editor) = ann
        .get(&format!(
            "/store/{store}/campaigns/new?segment={}",
            w.segment
        ))
        .await;
    assert_eq!(status, 200, "{editor}");
    assert!(editor.contains("campaign-editor"), "{editor}");
    assert!(
        editor.contains(&format!(r#"<option value="{}" selected"#, w.segment)),
        "the segment of ?segment= is chosen: {editor}"
    );
    assert!(editor.contains("{{ first_name }}"), "merge fields listed");
    // The customers page and the segments list lead here.
    let (_, customers) = ann.get(&format!("/store/{store}/customers")).await;
    assert!(customers.contains(&format!("/store/{store}/campaigns\"")));
    let (_, segments) = ann.get(&format!("/store/{store}/segments")).await;
    assert!(segments.contains(&format!(
        "/store/{store}/campaigns/new?segment={}",
        w.segment
    )));

    // A draft, then changed.
    let (status, body) = save(ann, store, None, w.segment, "Hello", BODY).await;
    assert_eq!(status, 200, "{body}");
    let id: i64 = body.trim().parse().unwrap();
    let c = id.to_string();
    let (status, body) = save(
        ann,
        store,
        Some(id),
        w.segment,
        "Hello {{ first_name }}",
        BODY,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, page) = ann
        .get(&format!("/api/campaigns/page?store_id={s}&campaign_id={c}"))
        .await;
    let page = json(&page);
    assert_eq!(page["campaign"]["subject"], "Hello {{ first_name }}");
    assert_eq!(page["campaign"]["status"], "draft");
    assert_eq!(page["sending_off"], serde_json::Value::Null);
    let (status, html) = ann.get(&format!("/store/{store}/campaigns/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Hello {{ first_name }}"), "{html}");
    assert!(html.contains("campaign-editor"));

    // The preview: a real member of the segment, through the merge fields.
    let preview_url = format!("/api/campaigns/preview?store_id={s}&campaign_id={c}");
    let (status, preview) = ann.get(&preview_url).await;
    assert_eq!(status, 200, "{preview}");
    let preview = json(&preview);
    let first_name = w.first.1;
    assert_eq!(preview["subject"], format!("Hello {first_name}"));
    assert!(
        preview["text"]
            .as_str()
            .unwrap()
            .starts_with(&format!("Hi {first_name},"))
    );
    let html = preview["html"].as_str().unwrap();
    assert!(html.contains(&format!("Hi {first_name},")), "{html}");
    // Links are tracked ones of this app, signed for no message.
    assert!(html.contains(&format!("{}/m/c/", app.address)), "{html}");

    // A template error names its line and field, for the preview and the
    // send; nothing is sent.
    let broken = "Hello\n\n{{ first_nme }}";
    let (status, _) = save(ann, store, Some(id), w.segment, "Hi", broken).await;
    assert_eq!(status, 200, "a draft may be unfinished");
    let (status, error) = ann.get(&preview_url).await;
    assert_eq!(status, 400, "{error}");
    assert!(error.contains("line 3"), "{error}");
    assert!(error.contains("first_nme"), "{error}");
    let (status, error) = call(
        ann,
        "/api/campaigns/send",
        &[("store_id", &s), ("campaign_id", &c)],
    )
    .await;
    assert_eq!(status, 400, "{error}");
    assert!(error.contains("line 3"), "{error}");
    let (status, _) = save(
        ann,
        store,
        Some(id),
        w.segment,
        "Hello {{ first_name }}",
        BODY,
    )
    .await;
    assert_eq!(status, 200);

    // A test message to the owner: a file beside the campaign's messages.
    let (status, body) = call(
        ann,
        "/api/campaigns/test",
        &[
            ("store_id", &s),
            ("campaign_id", &c),
            ("to", "me@owner.test"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let dir = app.outbox.join(format!("campaign-{id}"));
    let tests: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(tests.len(), 1);
    assert!(tests[0].contains("To: me@owner.test"), "{}", tests[0]);
    assert!(
        tests[0].contains(&format!("Subject: [Test] Hello {first_name}")),
        "{}",
        tests[0]
    );
    let (status, body) = call(
        ann,
        "/api/campaigns/test",
        &[
            ("store_id", &s),
            ("campaign_id", &c),
            ("to", "not an address"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("\"field\":\"to\""), "{body}");
    assert_eq!(
        lookup::scalar(
            app.db(),
            "SELECT COUNT(*) FROM campaign_messages WHERE campaign_id = $1",
            &[id]
        )
        .await,
        0,
        "a test is no message of the campaign"
    );

    // Sent to the segment: its consenting members.
    let (status, body) = call(
        ann,
        "/api/campaigns/send",
        &[("store_id", &s), ("campaign_id", &c)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let worker = app.mail_worker().await;
    for _ in 0..20 {
        worker.round().await.unwrap();
        if db::campaigns::get(app.db(), store, id)
            .await
            .unwrap()
            .status
            == CampaignStatus::Sent
        {
            break;
        }
    }
    let (status, report) = ann
        .get(&format!(
            "/api/campaigns/report?store_id={s}&campaign_id={c}"
        ))
        .await;
    assert_eq!(status, 200, "{report}");
    let report = json(&report);
    assert_eq!(report["status"], "sent");
    assert_eq!(report["stats"]["recipients"], 2, "{report}");
    assert_eq!(report["stats"]["sent"], 2, "{report}");
    let messages = report["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert!(messages.iter().all(|m| m["has_file"] == true));
    let mut emails: Vec<&str> = messages
        .iter()
        .map(|m| m["email"].as_str().unwrap())
        .collect();
    emails.sort();
    assert_eq!(emails, ["yusuf@people.test", "zelda@people.test"]);
    // The page is the report now, its figures server-rendered.
    let (_, html) = ann.get(&format!("/store/{store}/campaigns/{id}")).await;
    assert!(html.contains("campaign-report"), "{html}");
    assert!(!html.contains("campaign-editor"));
    assert_eq!(testid_text(&html, "stat-sent"), "2", "{html}");
    assert_eq!(testid_text(&html, "stat-recipients"), "2");
    assert_eq!(testid_text(&html, "stat-skipped"), "0");
    assert!(html.contains("campaign-chart"));
    let (_, list) = ann.get(&format!("/store/{store}/campaigns")).await;
    assert_eq!(testid_text(&list, "campaign-sent"), "2", "{list}");
    assert!(list.contains(">Sent<"), "{list}");

    // A message opens as its file.
    let message = messages[0]["id"].as_i64().unwrap();
    let response = ann
        .client
        .get(ann.url(&format!("/store/{store}/campaigns/{id}/messages/{message}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    let file = response.text().await.unwrap();
    assert!(
        file.contains(&format!("To: {}", messages[0]["email"].as_str().unwrap())),
        "{file}"
    );
    // Not under another campaign's id.
    let (status, _) = ann
        .get(&format!(
            "/store/{store}/campaigns/{}/messages/{message}",
            id + 1
        ))
        .await;
    assert_eq!(status, 404);

    // Sent is final: not changed, paused or sent again.
    let (status, body) = save(ann, store, Some(id), w.segment, "Again", BODY).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = call(
        ann,
        "/api/campaigns/control",
        &[("store_id", &s), ("campaign_id", &c), ("action", "pause")],
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = call(
        ann,
        "/api/campaigns/send",
        &[("store_id", &s), ("campaign_id", &c)],
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_campaign_is_scheduled_on_the_stores_clock_and_controlled() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let (store, s) = (w.store, w.store.to_string());
    let ann = &w.ann;
    let (_, body) = save(ann, store, None, w.segment, "Hi", BODY).await;
    let id: i64 = body.trim().parse().unwrap();
    let c = id.to_string();

    // 10:00 in Berlin in January is 09:00 UTC.
    let (status, body) = call(
        ann,
        "/api/campaigns/send",
        &[
            ("store_id", &s),
            ("campaign_id", &c),
            ("send_at", "2099-01-15T10:00"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let campaign = db::campaigns::get(app.db(), store, id).await.unwrap();
    assert_eq!(campaign.status, CampaignStatus::Scheduled);
    assert_eq!(campaign.send_at, Some(4_072_150_800_000));
    let (_, html) = ann.get(&format!("/store/{store}/campaigns/{id}")).await;
    assert!(
        html.contains("Scheduled for 2099-01-15 10:00 CET"),
        "{html}"
    );
    assert!(html.contains("campaign-editor"), "still editable");
    let (status, body) = call(
        ann,
        "/api/campaigns/send",
        &[
            ("store_id", &s),
            ("campaign_id", &c),
            ("send_at", "2001-01-01T10:00"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("send_at"), "{body}");

    // Sent now instead; paused and resumed; cancelled.
    let control = |action: &'static str| {
        let (s, c) = (s.clone(), c.clone());
        async move {
            call(
                ann,
                "/api/campaigns/control",
                &[("store_id", &s), ("campaign_id", &c), ("action", action)],
            )
            .await
        }
    };
    let (status, _) = call(
        ann,
        "/api/campaigns/send",
        &[("store_id", &s), ("campaign_id", &c)],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(control("pause").await.0, 200);
    let (_, html) = ann.get(&format!("/store/{store}/campaigns/{id}")).await;
    assert!(html.contains(r#"data-testid="campaign-resume""#), "{html}");
    assert!(!html.contains(r#"data-testid="campaign-pause""#));
    assert_eq!(control("resume").await.0, 200);
    assert_eq!(control("cancel").await.0, 200);
    let status = db::campaigns::get(app.db(), store, id)
        .await
        .unwrap()
        .status;
    assert_eq!(status, CampaignStatus::Cancelled);
    let (status, body) = control("explode").await;
    assert_eq!(status, 400);
    assert!(body.contains("action"), "{body}");

    // A draft is deleted.
    let (_, body) = save(ann, store, None, w.segment, "Hi", BODY).await;
    let draft = body.trim().to_string();
    let (status, _) = call(
        ann,
        "/api/campaigns/control",
        &[
            ("store_id", &s),
            ("campaign_id", &draft),
            ("action", "delete"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = ann
        .get(&format!(
            "/api/campaigns/page?store_id={s}&campaign_id={draft}"
        ))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_test_message_goes_through_smtp_and_sending_off_says_why() {
    let sink = SmtpSink::start(0).await;
    let app = TestApp::spawn_with_smtp(
        TestDatabase::new().await,
        &sink.url(),
        Some("news@alpha.test"),
    )
    .await;
    let w = world(&app).await;
    let (store, s) = (w.store, w.store.to_string());
    let (_, body) = save(&w.ann, store, None, w.segment, "Hello {{ name }}", BODY).await;
    let c = body.trim().to_string();
    let (status, body) = call(
        &w.ann,
        "/api/campaigns/test",
        &[
            ("store_id", &s),
            ("campaign_id", &c),
            ("to", "me@owner.test"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let received = sink.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, ["me@owner.test"]);
    assert!(
        received[0].data.contains("Subject: [Test] Hello"),
        "{}",
        received[0].data
    );
    assert!(received[0].data.contains("Ann at Alpha"), "the sender name");
    // Refused by the server: said so, nothing recorded.
    let (status, body) = call(
        &w.ann,
        "/api/campaigns/test",
        &[
            ("store_id", &s),
            ("campaign_id", &c),
            ("to", "bounce@owner.test"),
        ],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("refused"), "{body}");

    // SMTP_URL without MAIL_FROM: this server does not send, and says why.
    let off = TestApp::spawn_with_smtp(TestDatabase::new().await, &sink.url(), None).await;
    let w = world(&off).await;
    let s = w.store.to_string();
    let (_, body) = save(&w.ann, w.store, None, w.segment, "Hi", BODY).await;
    let c = body.trim().to_string();
    let (_, page) = w
        .ann
        .get(&format!("/store/{}/campaigns/{c}", w.store))
        .await;
    assert!(page.contains("sending-off"), "{page}");
    assert!(page.contains("MAIL_FROM"), "{page}");
    for path in ["/api/campaigns/test", "/api/campaigns/send"] {
        let (status, body) = call(
            &w.ann,
            path,
            &[
                ("store_id", &s),
                ("campaign_id", &c),
                ("to", "me@owner.test"),
            ],
        )
        .await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(body.contains("MAIL_FROM"), "{path}: {body}");
    }
    assert_eq!(sink.received().len(), 1, "nothing more was sent");
    let status = db::campaigns::get(off.db(), w.store, c.parse().unwrap())
        .await
        .unwrap()
        .status;
    assert_eq!(status, CampaignStatus::Draft);
}

#[tokio::test]
async fn another_store_finds_no_campaign_preview_or_message_and_members_only_read() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let (alpha, a) = (w.store, w.store.to_string());
    let (_, body) = save(&w.ann, alpha, None, w.segment, "Hi", BODY).await;
    let id: i64 = body.trim().parse().unwrap();
    let c = id.to_string();
    let (status, _) = call(
        &w.ann,
        "/api/campaigns/send",
        &[("store_id", &a), ("campaign_id", &c)],
    )
    .await;
    assert_eq!(status, 200);
    let worker = app.mail_worker().await;
    for _ in 0..10 {
        worker.round().await.unwrap();
    }
    let message: i64 = lookup::scalar(
        app.db(),
        "SELECT MIN(id) FROM campaign_messages WHERE campaign_id = $1 AND status = 'sent'",
        &[id],
    )
    .await;

    // bob@ owns another store: through it, none of alpha's exists.
    let (beta, _) = app
        .create_owned_store("Beta Books", "bob@example.com")
        .await;
    let b = beta.to_string();
    let bob = app.sign_in("bob@example.com").await;
    // The page through bob's store is the not-found page, answered 404.
    let (status, page) = bob.get(&format!("/store/{beta}/campaigns/{id}")).await;
    assert_eq!(status, 404, "{page}");
    assert!(page.contains("Page not found"), "{page}");
    assert!(!page.contains("Spring news"), "{page}");
    for path in [
        format!("/api/campaigns/page?store_id={b}&campaign_id={c}"),
        format!("/api/campaigns/report?store_id={b}&campaign_id={c}"),
        format!("/api/campaigns/preview?store_id={b}&campaign_id={c}"),
        format!("/store/{beta}/campaigns/{id}/messages/{message}"),
        format!("/store/{alpha}/campaigns/{id}/messages/{message}"),
        format!("/store/{alpha}/campaigns"),
        format!("/api/campaigns?store_id={a}"),
    ] {
        let (status, body) = bob.get(&path).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    for (path, extra) in [
        ("/api/campaigns/control", ("action", "pause")),
        ("/api/campaigns/test", ("to", "bob@example.com")),
        ("/api/campaigns/send", ("send_at", "")),
    ] {
        let (status, body) =
            call(&bob, path, &[("store_id", &b), ("campaign_id", &c), extra]).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    let (status, _) = save(&bob, beta, Some(id), w.segment, "Mine", BODY).await;
    assert_eq!(status, 404);
    let (_, list) = bob.get(&format!("/api/campaigns?store_id={b}")).await;
    assert_eq!(json(&list)["campaigns"], serde_json::json!([]));

    // A member of alpha reads, previews and opens messages; saving,
    // testing, sending and controlling are refused and change nothing.
    lookup::add_member(app.db(), alpha, "mia@example.com").await;
    let mia = app.sign_in("mia@example.com").await;
    let (status, list) = mia.get(&format!("/store/{alpha}/campaigns")).await;
    assert_eq!(status, 200);
    assert!(list.contains("Spring news"));
    assert!(!list.contains("new-campaign"), "{list}");
    let (status, _) = mia
        .get(&format!("/store/{alpha}/campaigns/{id}/messages/{message}"))
        .await;
    assert_eq!(status, 200);
    let (_, body) = save(&w.ann, alpha, None, w.segment, "Draft", BODY).await;
    let draft = body.trim().to_string();
    let (status, page) = mia.get(&format!("/store/{alpha}/campaigns/{draft}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("campaign-read-only"), "{page}");
    assert!(!page.contains("campaign-save"));
    assert!(!page.contains("campaign-send-now"));
    let (status, _) = mia
        .get(&format!(
            "/api/campaigns/preview?store_id={a}&campaign_id={draft}"
        ))
        .await;
    assert_eq!(status, 200);
    let (status, _) = save(&mia, alpha, draft.parse().ok(), w.segment, "Mine", BODY).await;
    assert_eq!(status, 403);
    for (path, id, extra) in [
        ("/api/campaigns/test", &draft, ("to", "mia@example.com")),
        ("/api/campaigns/send", &draft, ("send_at", "")),
        ("/api/campaigns/control", &draft, ("action", "delete")),
        ("/api/campaigns/control", &c, ("action", "cancel")),
    ] {
        let (status, body) =
            call(&mia, path, &[("store_id", &a), ("campaign_id", id), extra]).await;
        assert_eq!(status, 403, "{path}: {body}");
    }
    let (_, page) = w
        .ann
        .get(&format!(
            "/api/campaigns/page?store_id={a}&campaign_id={draft}"
        ))
        .await;
    assert_eq!(json(&page)["campaign"]["subject"], "Draft");
    assert_eq!(json(&page)["campaign"]["status"], "draft");
}
