//! Sending by whole `server serve` processes, as deployed: two servers on
//! one database share a campaign and no recipient gets two messages; a
//! server killed with SIGKILL mid-send and started again finishes the
//! campaign, and only messages delivered but not yet recorded at the kill
//! (at most three groups of `MAIL_CONNECTIONS`) can go twice. The SMTP server is the in-process sink on 127.0.0.1.
//! Needs the debug `server` binary (see `tests::process`).

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use db::campaigns::{CampaignStatus, engagement};
use sqlx::Row;
use tests::{
    TestDatabase,
    campaigns::{campaign, store_with_leads},
    process::ServerProcess,
    smtp::SmtpSink,
};

const CONNECTIONS: usize = 4;

fn mail_env(sink: &SmtpSink, rate: u32, lease_secs: u64) -> Vec<(&'static str, String)> {
    vec![
        ("SMTP_URL", sink.url()),
        ("MAIL_FROM", "news@shop.test".into()),
        ("PUBLIC_ORIGIN", "https://shop.test".into()),
        ("MAIL_RATE", rate.to_string()),
        ("MAIL_CONNECTIONS", CONNECTIONS.to_string()),
        ("MAIL_LEASE_SECS", lease_secs.to_string()),
    ]
}

async fn wait_until_sent(db: &db::Db, store: i64, id: i64, within: Duration) {
    let started = Instant::now();
    loop {
        if db::campaigns::get(db, store, id).await.unwrap().status == CampaignStatus::Sent {
            return;
        }
        let stats = engagement::stats(db, store, id).await.unwrap();
        assert!(
            started.elapsed() < within,
            "not sent within {within:?}: {stats:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Messages per recipient the sink received.
fn deliveries(sink: &SmtpSink) -> BTreeMap<String, usize> {
    sink.per_recipient().into_iter().collect()
}

#[tokio::test]
async fn two_servers_on_one_database_share_a_campaign_and_send_each_message_once() {
    let database = TestDatabase::new().await;
    let db = &database.db;
    let (store, segment) = store_with_leads(db, 600).await;
    let sink = SmtpSink::start(1).await;
    // Slow enough that both servers take part.
    let env = mail_env(&sink, 150, 120);
    let _first = ServerProcess::serve(&database.url, &env);
    let _second = ServerProcess::serve(&database.url, &env);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let id = campaign(db, store, segment).await;
    wait_until_sent(db, store, id, Duration::from_secs(120)).await;

    let stats = engagement::stats(db, store, id).await.unwrap();
    let per = deliveries(&sink);
    let twice: Vec<_> = per.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    // Every sent message reached the sink once; the bounce did not.
    assert_eq!(per.len() as i64, stats.sent, "{stats:?}");
    assert_eq!(stats.bounced, 1, "{stats:?}");
    assert!(stats.sent > 400, "{stats:?}");
    assert!(!per.contains_key("bounce1@x.test"));
    // Both servers sent some of it.
    let workers: Vec<(String, i64)> = sqlx::query(
        "SELECT worker, COUNT(*) AS n FROM campaign_messages \
         WHERE campaign_id = $1 AND status = 'sent' GROUP BY worker ORDER BY worker",
    )
    .bind(id)
    .fetch_all(db.reader())
    .await
    .unwrap()
    .iter()
    .map(|row| (row.get(0), row.get(1)))
    .collect();
    assert_eq!(workers.len(), 2, "both servers sent: {workers:?}");
}

#[tokio::test]
async fn a_server_killed_mid_send_resumes_and_only_its_unrecorded_sends_may_go_twice() {
    let database = TestDatabase::new().await;
    let db = &database.db;
    let (store, segment) = store_with_leads(db, 600).await;
    let sink = SmtpSink::start(1).await;
    // 100 a second: the kill lands mid-send; a batch is at most 100.
    let rate = 100;
    let mut server = ServerProcess::serve(&database.url, &mail_env(&sink, rate, 2));
    let id = campaign(db, store, segment).await;
    let started = Instant::now();
    while sink.count() < 150 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "sending did not start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill();
    let at_kill = sink.count();
    // What the dead server had claimed and not recorded.
    let in_flight: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM campaign_messages WHERE campaign_id = $1 AND status = 'sending'",
    )
    .bind(id)
    .fetch_one(db.reader())
    .await
    .unwrap();
    let stats = engagement::stats(db, store, id).await.unwrap();
    assert!(stats.queued > 0, "killed mid-send: {stats:?}");
    assert!(
        in_flight <= i64::from(rate),
        "{in_flight} claimed at the kill"
    );

    // Started again: its lease on the dead claims runs out, and it finishes.
    let _again = ServerProcess::serve(&database.url, &mail_env(&sink, 1_000, 2));
    wait_until_sent(db, store, id, Duration::from_secs(120)).await;
    let stats = engagement::stats(db, store, id).await.unwrap();
    let per = deliveries(&sink);
    let twice = per.values().filter(|n| **n > 1).count() as i64;
    assert!(per.values().all(|n| *n <= 2), "a message went three times");
    assert!(
        twice <= in_flight && twice <= 3 * CONNECTIONS as i64,
        "{twice} went twice, {in_flight} were claimed at the kill"
    );
    // Nobody missed out: every message sent reached the sink.
    assert_eq!(per.len() as i64, stats.sent, "{stats:?}");
    assert_eq!(stats.queued, 0, "{stats:?}");
    println!(
        "killed after {at_kill} deliveries with {in_flight} claimed; {twice} went twice; \
         {} sent in all",
        stats.sent
    );
}
