//! Sending campaigns through the outbox to a real SMTP server on 127.0.0.1
//! (`tests::smtp::SmtpSink`): each consenting member gets exactly one
//! message; nothing reaches an address unsubscribed or suppressed, whatever
//! the segment said when the campaign was queued; temporary failures are
//! retried, permanent ones suppress; pause, resume, cancel; two workers on
//! one database share the sending; a worker that dies mid-send leaves only
//! its claimed messages to go again. On SQLite and, with
//! TEST_DATABASE=postgres, on Postgres.

use std::{
    collections::{BTreeSet, HashMap},
    time::Duration,
};

use db::{
    Db,
    campaigns::{self, CampaignInput, CampaignStatus, engagement, outbox, queue},
    consent,
    facts::apply_batch,
};
use lettre::message::Mailbox;
use rand::{Rng, SeedableRng, rngs::StdRng};
use tests::{
    TestDatabase,
    campaigns::{campaign, store_with_leads},
    events::{T0, consent as consent_event, user},
    smtp::SmtpSink,
};

fn worker(db: &Db, delivery: mail::Delivery, name: &str, rate: u32) -> mail::Worker {
    mail::Worker {
        db: db.clone(),
        delivery,
        signer: mail::Signer::new(b"test key"),
        settings: mail::Settings {
            from: "news@shop.test".parse::<Mailbox>().unwrap(),
            public_origin: "https://shop.test".into(),
            rate,
            connections: 4,
            batch: 200,
            lease: Duration::from_secs(60),
            worker: name.into(),
        },
    }
}

/// The addresses that may receive: subscribed and not suppressed.
async fn sendable(db: &Db, store: i64) -> BTreeSet<String> {
    sqlx::query_scalar(
        "SELECT k.email_normalized FROM email_consents k WHERE k.store_id = $1 \
         AND k.consent = 'subscribed' AND NOT EXISTS (SELECT 1 FROM email_suppressions s \
         WHERE s.store_id = k.store_id AND s.email_normalized = k.email_normalized)",
    )
    .bind(store)
    .fetch_all(db.reader())
    .await
    .unwrap()
    .into_iter()
    .collect()
}

/// Rounds until the campaign is sent (temporary failures made due at once).
async fn send_until_done(db: &Db, workers: &[&mail::Worker], store: i64, id: i64) {
    for _ in 0..200 {
        let rounds = workers.iter().map(|w| w.round());
        for result in futures_util::future::join_all(rounds).await {
            result.unwrap();
        }
        sqlx::query("UPDATE campaign_messages SET next_attempt_at = 0 WHERE status = 'queued'")
            .execute(db.writer())
            .await
            .unwrap();
        if campaigns::get(db, store, id).await.unwrap().status == CampaignStatus::Sent {
            return;
        }
    }
    panic!("the campaign did not finish");
}

#[tokio::test]
async fn each_consenting_member_gets_exactly_one_message_and_failures_are_handled() {
    let database = TestDatabase::new().await;
    let db = &database.db;
    let sink = SmtpSink::start(2).await;
    let (store, segment) = store_with_leads(db, 60).await;
    let before = sendable(db, store).await;
    let id = campaign(db, store, segment).await;
    let w = worker(
        db,
        mail::Delivery::smtp(&sink.url(), 4).unwrap(),
        "w1",
        1_000,
    );
    send_until_done(db, &[&w], store, id).await;

    let got = sink.per_recipient();
    let expected: BTreeSet<String> = before
        .iter()
        .filter(|e| !e.starts_with("bounce"))
        .cloned()
        .collect();
    assert_eq!(got.keys().cloned().collect::<BTreeSet<_>>(), expected);
    assert!(got.values().all(|&n| n == 1), "exactly one each: {got:?}");
    assert!(got.contains_key("tempfail1@x.test"), "retried after 451s");
    assert!(
        got.contains_key("drop1@x.test"),
        "retried after a dropped connection"
    );

    let stats = engagement::stats(db, store, id).await.unwrap();
    assert_eq!(stats.recipients as usize, before.len());
    assert_eq!(stats.sent as usize, expected.len());
    assert_eq!(
        (stats.bounced, stats.failed, stats.queued),
        (1, 0, 0),
        "{stats:?}"
    );
    let bounced = consent::standing(db, store, "bounce1@x.test")
        .await
        .unwrap();
    assert!(bounced.suppressed.is_some(), "a 550 suppresses the address");

    // The message: multipart text + HTML, a Message-ID, one-click
    // unsubscribe (RFC 8058), merge fields, a tracked link and a pixel.
    let message = sink
        .received()
        .into_iter()
        .find(|m| m.to == ["sub1@x.test"])
        .unwrap();
    let data = message.data.replace("=\r\n", "").replace("=3D", "=");
    for needle in [
        "Subject: Hello Person",
        "Message-ID: <campaign-",
        "List-Unsubscribe: <https://shop.test/unsubscribe/",
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "Hi Person 1!",
        "https://shop.test/m/c/",
        "https://shop.test/m/o/",
        "From: Shop <news@shop.test>",
    ] {
        assert!(data.contains(needle), "{needle:?} in\n{data}");
    }
    assert!(
        !data.contains("href=\"https://shop.test/courses/1\""),
        "links are tracked"
    );
}

/// Connections are kept and reused: a campaign of hundreds goes over as
/// many SMTP sessions as the worker sends at once, plus one for each
/// session a failure closed (lettre's pool opened a new session for about
/// one message in 25, and checked each reused one with NOOP).
#[tokio::test]
async fn sending_reuses_its_connections() {
    let database = TestDatabase::new().await;
    let db = &database.db;
    let sink = SmtpSink::start(0).await;
    let (store, segment) = store_with_leads(db, 400).await;
    let id = campaign(db, store, segment).await;
    let w = worker(
        db,
        mail::Delivery::smtp(&sink.url(), 4).unwrap(),
        "w1",
        10_000,
    );
    send_until_done(db, &[&w], store, id).await;
    let sent = sink.count();
    assert!(sent > 250, "{sent} sent");
    // 4 sessions at once, one more after the bounce (550 at RCPT) and
    // one after the dropped connection.
    let sessions = sink.connections();
    assert!(
        sessions <= 4 + 2,
        "{sessions} SMTP sessions for {sent} messages"
    );
    let noops = sink.commands("NOOP");
    assert_eq!(noops, 0, "no NOOP while sending back to back");
}

#[tokio::test]
async fn the_claim_rechecks_consent_and_pause_resume_cancel_work() {
    let database = TestDatabase::new().await;
    let db = &database.db;
    let sink = SmtpSink::start(0).await;
    let (store, segment) = store_with_leads(db, 30).await;
    let id = campaign(db, store, segment).await;
    // Queue everything, then pause before anything is sent.
    while queue::queue_chunk(db, 7, db::time::now_ms())
        .await
        .unwrap()
        .is_some()
    {
        if campaigns::get(db, store, id).await.unwrap().status == CampaignStatus::Sending {
            break;
        }
    }
    let queued = campaigns::get(db, store, id).await.unwrap();
    assert_eq!(queued.status, CampaignStatus::Sending);
    campaigns::pause(db, store, id, T0).await.unwrap();
    let w = worker(
        db,
        mail::Delivery::smtp(&sink.url(), 2).unwrap(),
        "w1",
        1_000,
    );
    w.round().await.unwrap();
    assert!(
        sink.received().is_empty(),
        "a paused campaign sends nothing"
    );

    // After queueing: sub1 unsubscribes, sub2 bounces elsewhere.
    let events = [consent_event(
        "late",
        T0 + 2_000_000,
        user("u1", None, None),
        "unsubscribed",
    )];
    apply_batch(db, store, &events).await.unwrap();
    let mut conn = db.writer().acquire().await.unwrap();
    consent::suppress(
        &mut conn,
        store,
        "sub2@x.test",
        consent::Suppression::Complaint,
        "spam",
        T0,
    )
    .await
    .unwrap();
    drop(conn);
    campaigns::resume(db, store, id, T0).await.unwrap();
    send_until_done(db, &[&w], store, id).await;
    let got = sink.per_recipient();
    assert!(
        !got.contains_key("sub1@x.test"),
        "unsubscribed after queueing: not sent"
    );
    assert!(
        !got.contains_key("sub2@x.test"),
        "suppressed after queueing: not sent"
    );
    let stats = engagement::stats(db, store, id).await.unwrap();
    assert_eq!(stats.skipped, 2, "{stats:?}");

    // A cancelled campaign sends nothing more.
    let second = campaign(db, store, segment).await;
    campaigns::cancel(db, store, second, T0).await.unwrap();
    let before = sink.received().len();
    for _ in 0..3 {
        w.round().await.unwrap();
    }
    assert_eq!(sink.received().len(), before);
    assert!(
        campaigns::update(
            db,
            store,
            id,
            &campaigns::get(db, store, id)
                .await
                .map(|c| CampaignInput {
                    name: c.name,
                    subject: c.subject,
                    sender_name: c.sender_name,
                    body: c.body,
                    segment_id: c.segment_id,
                })
                .unwrap(),
            T0
        )
        .await
        .is_err(),
        "a sent campaign cannot change"
    );
}

#[tokio::test]
async fn two_workers_share_the_sending_and_a_dead_workers_claims_go_again() {
    let database = TestDatabase::new().await;
    let db = &database.db;
    let sink = SmtpSink::start(0).await;
    let (store, segment) = store_with_leads(db, 300).await;
    let expected = sendable(db, store).await;
    let id = campaign(db, store, segment).await;
    while queue::queue_chunk(db, 1_000, db::time::now_ms())
        .await
        .unwrap()
        .is_some()
    {}

    // A worker claims 10 and dies before reporting (its lease runs out).
    let dead = outbox::claim(db, "dead", 10, 1, db::time::now_ms())
        .await
        .unwrap();
    assert_eq!(dead.len(), 10);
    tokio::time::sleep(Duration::from_millis(5)).await;

    let delivery = mail::Delivery::smtp(&sink.url(), 4).unwrap();
    let (a, b) = (
        worker(db, delivery.clone(), "a", 60),
        worker(db, delivery, "b", 60),
    );
    send_until_done(db, &[&a, &b], store, id).await;
    // The dead worker's late report changes nothing.
    let late: Vec<_> = dead
        .iter()
        .map(|m| {
            (
                m.clone(),
                outbox::Outcome::Temporary {
                    error: "late".into(),
                },
            )
        })
        .collect();
    outbox::record(db, "dead", &late, db::time::now_ms())
        .await
        .unwrap();

    let got = sink.per_recipient();
    let mut want: BTreeSet<String> = expected;
    want.retain(|e| !e.starts_with("bounce"));
    assert_eq!(got.keys().cloned().collect::<BTreeSet<_>>(), want);
    assert!(
        got.values().all(|&n| n == 1),
        "no message twice: the dead worker sent none"
    );
    let by_worker: HashMap<String, i64> = sqlx::query_as(
        "SELECT worker, COUNT(*) FROM campaign_messages WHERE status = 'sent' GROUP BY worker",
    )
    .fetch_all(db.reader())
    .await
    .unwrap()
    .into_iter()
    .collect();
    assert!(
        by_worker.get("a").copied().unwrap_or(0) > 0
            && by_worker.get("b").copied().unwrap_or(0) > 0,
        "both workers sent: {by_worker:?}"
    );
    assert_eq!(
        engagement::stats(db, store, id).await.unwrap().sent as usize,
        want.len()
    );
}

/// Property: for random interleavings of sending rounds, unsubscribes and
/// bounces, no message reaches an address after it was unsubscribed or
/// suppressed.
#[tokio::test]
async fn no_message_reaches_an_unsubscribed_or_suppressed_address() {
    let database = TestDatabase::new().await;
    let db = &database.db;
    let sink = SmtpSink::start(0).await;
    let (store, segment) = store_with_leads(db, 120).await;
    let mut rng = StdRng::seed_from_u64(16);
    // Small batches, so sending spans many steps.
    let mut small = worker(
        db,
        mail::Delivery::smtp(&sink.url(), 2).unwrap(),
        "w",
        100_000,
    );
    small.settings.batch = 3;
    let mut blocked: BTreeSet<String> = BTreeSet::new();
    let mut seen = 0;
    for round in 0..3 {
        let id = campaign(db, store, segment).await;
        for step in 0..400 {
            match rng.random_range(0..4) {
                0 => {
                    let i = rng.random_range(0..120);
                    let events = [consent_event(
                        &format!("p{round}-{step}"),
                        T0 + 10_000_000 + step,
                        user(&format!("u{i}"), None, None),
                        "unsubscribed",
                    )];
                    apply_batch(db, store, &events).await.unwrap();
                    blocked.insert(format!("sub{i}@x.test"));
                }
                1 => {
                    let i = rng.random_range(0..120);
                    let mut conn = db.writer().acquire().await.unwrap();
                    consent::suppress(
                        &mut conn,
                        store,
                        &format!("sub{i}@x.test"),
                        consent::Suppression::Bounce,
                        "550",
                        T0,
                    )
                    .await
                    .unwrap();
                    blocked.insert(format!("sub{i}@x.test"));
                }
                _ => {
                    small.round().await.unwrap();
                }
            }
            let received = sink.received();
            for message in &received[seen..] {
                for to in &message.to {
                    assert!(
                        !blocked.contains(to),
                        "{to} got a message after it was blocked"
                    );
                }
            }
            seen = received.len();
            if campaigns::get(db, store, id).await.unwrap().status == CampaignStatus::Sent {
                break;
            }
        }
    }
    assert!(!sink.received().is_empty(), "something was sent");
}

#[tokio::test]
async fn a_store_sends_from_its_own_address_when_it_sets_one() {
    let database = TestDatabase::new().await;
    let db = &database.db;
    let sink = SmtpSink::start(0).await;
    let (store, segment) = store_with_leads(db, 10).await;
    let (other, other_segment) = store_with_leads(db, 10).await;
    // A malformed address is refused, naming the field; another store's is
    // its own.
    match db::stores::set_sender(db, store, "not an address").await {
        Err(db::Error::Invalid { field, .. }) => assert_eq!(field, "sender"),
        other => panic!("refused, not {other:?}"),
    }
    assert_eq!(
        db::stores::set_sender(db, store, " Hello@Shop-One.test ")
            .await
            .unwrap()
            .as_deref(),
        Some("Hello@Shop-One.test")
    );
    assert_eq!(
        db::stores::get_store(db, other).await.unwrap().mail_from,
        None
    );
    let mine = campaign(db, store, segment).await;
    let theirs = campaign(db, other, other_segment).await;
    let w = worker(
        db,
        mail::Delivery::smtp(&sink.url(), 2).unwrap(),
        "w",
        1_000,
    );
    send_until_done(db, &[&w], store, mine).await;
    send_until_done(db, &[&w], other, theirs).await;
    let from_of = |address: &str| -> BTreeSet<String> {
        sink.received()
            .into_iter()
            .filter(|m| m.data.contains(&format!("campaign-{address}.")))
            .map(|m| m.from)
            .collect()
    };
    assert_eq!(
        from_of(&mine.to_string()),
        BTreeSet::from(["Hello@Shop-One.test".to_string()])
    );
    assert_eq!(
        from_of(&theirs.to_string()),
        BTreeSet::from(["news@shop.test".to_string()])
    );
    // Cleared: the server's address again.
    assert_eq!(db::stores::set_sender(db, store, "").await.unwrap(), None);
}
