//! `server bench campaigns`: a campaign to everyone with an email in the
//! biggest store, through the data layer and the sending worker the server
//! runs:
//!
//! 1. consent: addresses that never answered are given consent by a
//!    contacts import with a `consent` column (the owner's own path), once;
//! 2. queueing: the recipients fixed in chunks, timed, while another store's
//!    single events are written one after another (SQLite has one writer:
//!    their latency is what queueing costs everyone else);
//! 3. sending: the worker, with the server's rate and connections, to an
//!    SMTP server on 127.0.0.1 (in process), until `send` messages went;
//!    then the campaign is cancelled;
//! 4. engagement: a third of the recipients open the message (its pixel's
//!    token, as a mail program would fetch it), so the segments benchmark's
//!    engagement rule reads real rows.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::Context;
use db::{
    Db,
    campaigns::{self, CampaignInput, CampaignStatus, engagement, queue},
    events::{Enrollment, Event, UserRef},
    segments,
};
use domain::{
    customer::Consent,
    segment::{Combine, Condition, Group, Rule},
};

use super::http::percentile;
use crate::smtp::SmtpSink;

pub struct CampaignsOptions {
    pub store: Option<i64>,
    /// Messages to send before the campaign is cancelled.
    pub send: usize,
    /// The server's sending settings (`MAIL_RATE`, `MAIL_CONNECTIONS`).
    pub rate: u32,
    pub connections: u32,
}

const SEGMENT: &str = "Benchmark: everyone with an email";

pub async fn run(db: &Db, options: &CampaignsOptions) -> anyhow::Result<()> {
    let (store, other) = super::events::store_and_other(db, options.store).await?;
    println!("{}: campaigns in store {store}", db.backend().name());
    give_consent(db, store).await?;
    let segment = segment(db, store).await?;

    // 2. Queueing, with another store's writes meanwhile.
    let input = CampaignInput {
        name: format!("Benchmark {}", db::time::now_ms()),
        subject: "News for {{ first_name }}".into(),
        sender_name: "Benchmark".into(),
        body: "Hello {{ name }},\n\n[See what is new](https://shop.example/new)".into(),
        segment_id: Some(segment),
    };
    let campaign = campaigns::create(db, store, &input, db::time::now_ms()).await?;
    campaigns::start(db, store, campaign, None, db::time::now_ms()).await?;
    let done = Arc::new(AtomicBool::new(false));
    let writes = tokio::spawn(other_writes(db.clone(), other, done.clone()));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let mut chunks = 0;
    while let Some(_added) = queue::queue_chunk(db, queue::CHUNK, db::time::now_ms()).await? {
        chunks += 1;
        if campaigns::get(db, store, campaign).await?.status != CampaignStatus::Queueing {
            break;
        }
    }
    let queueing = started.elapsed();
    tokio::time::sleep(Duration::from_millis(200)).await;
    done.store(true, Ordering::Relaxed);
    let mut latencies = writes.await??;
    latencies.sort();
    let recipients = campaigns::get(db, store, campaign).await?.recipients;
    println!(
        "  queueing {recipients} recipients: {:.2} s in {chunks} chunks of {} ({:.0}/s)",
        queueing.as_secs_f64(),
        queue::CHUNK,
        recipients as f64 / queueing.as_secs_f64()
    );
    println!(
        "  meanwhile store {other}: {} single events, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        latencies.len(),
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        percentile(&latencies, 100.0)
    );

    // 3. Sending to a local SMTP server with the server's settings.
    let sink = SmtpSink::start(0).await;
    let config = mail::MailConfig {
        smtp_url: Some(sink.url()),
        mail_from: Some("bench@shop.example".into()),
        public_origin: Some("https://shop.example".into()),
        rate: options.rate,
        connections: options.connections,
        outbox_dir: std::env::temp_dir(),
        listen: "127.0.0.1:3000".into(),
        ..Default::default()
    };
    let setup = mail::Setup::new(&config, mail::signer(db).await?, "bench".into());
    let worker = setup
        .worker(db)
        .context("sending refused: check the settings")?;
    let target = options.send.min(recipients as usize).max(1);
    let started = Instant::now();
    while sink.count() < target {
        if worker.round().await? == 0 {
            break;
        }
    }
    let sending = started.elapsed();
    campaigns::cancel(db, store, campaign, db::time::now_ms()).await?;
    let sent = sink.count();
    println!(
        "  sending: {sent} messages in {:.1} s = {:.0} messages/s (rate {}, {} connections, \
         {} SMTP sessions)",
        sending.as_secs_f64(),
        sent as f64 / sending.as_secs_f64(),
        options.rate,
        options.connections,
        sink.connections()
    );

    // 4. A third open.
    let started = Instant::now();
    let mut opened = 0;
    for (i, message) in sink.received().iter().enumerate() {
        if i % 3 != 0 {
            continue;
        }
        let Some(claims) = pixel_claims(&setup.signer, &message.data) else {
            continue;
        };
        let at = db::time::now_ms() - (i as i64 % 40) * 24 * 60 * 60 * 1000;
        engagement::record(
            db,
            claims.store_id,
            claims.message_id,
            engagement::Kind::Open,
            None,
            at,
        )
        .await?;
        opened += 1;
    }
    let stats = engagement::stats(db, store, campaign).await?;
    println!(
        "  {opened} opens recorded in {:.1} s; the campaign: {} sent, {} unique opens, {} skipped",
        started.elapsed().as_secs_f64(),
        stats.sent,
        stats.unique_opens,
        stats.skipped
    );
    Ok(())
}

/// Gives consent to every address of the store that has no answer yet,
/// through the contacts import's `consent` column.
async fn give_consent(db: &Db, store: i64) -> anyhow::Result<()> {
    let now = db::time::now_ms();
    let with = |consent| Group {
        combine: Combine::All,
        rules: vec![
            Rule::Condition(Condition::HasEmail { has: true }),
            Rule::Condition(Condition::Consent { is: consent }),
        ],
    };
    let unasked = segments::count(db, store, &with(Consent::NotAsked), now)
        .await?
        .total;
    if unasked > 0 {
        let mut csv = String::from("Email,Consent\n");
        let mut rows = 0;
        for customer in db::customers::list_all(db, store).await? {
            if let Some(email) = customer.email {
                csv.push_str(&email);
                csv.push_str(",yes\n");
                rows += 1;
            }
        }
        let started = Instant::now();
        let summary = db::customers::import::import_contacts(
            db,
            store,
            "consent.csv",
            csv.as_bytes(),
            None,
            now,
        )
        .await?;
        println!(
            "  consent: {rows} addresses imported with consent in {:.1} s ({} updated)",
            started.elapsed().as_secs_f64(),
            summary.updated
        );
    }
    let subscribed = segments::count(db, store, &with(Consent::Subscribed), now)
        .await?
        .total;
    println!("  {subscribed} customers with an email and consent");
    Ok(())
}

/// The segment "has an email", saved once.
async fn segment(db: &Db, store: i64) -> anyhow::Result<i64> {
    if let Some(saved) = segments::list(db, store)
        .await?
        .into_iter()
        .find(|s| s.name == SEGMENT)
    {
        return Ok(saved.id);
    }
    let everyone = Group {
        combine: Combine::All,
        rules: vec![Rule::Condition(Condition::HasEmail { has: true })],
    };
    Ok(segments::save(
        db,
        store,
        None,
        SEGMENT,
        &everyone,
        None,
        db::time::now_ms(),
    )
    .await?)
}

/// One event at a time into `store` until `done`: each one's latency.
async fn other_writes(db: Db, store: i64, done: Arc<AtomicBool>) -> db::Result<Vec<Duration>> {
    let run = db::time::now_ms();
    let mut latencies = Vec::new();
    let mut n = 0;
    while !done.load(Ordering::Relaxed) {
        n += 1;
        let event = Event::Enrollment(Enrollment {
            event_id: format!("campaign-bench-{run}-{n}"),
            occurred_at: run,
            user: UserRef {
                id: format!("campaign-bench-{run}-{n}"),
                email: None,
                name: None,
            },
            course_id: "campaign-bench-course".into(),
        });
        let started = Instant::now();
        db::facts::apply_batch(&db, store, &[event]).await?;
        latencies.push(started.elapsed());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(latencies)
}

/// The open pixel's claims in a raw message.
fn pixel_claims(signer: &mail::Signer, raw: &str) -> Option<mail::Claims> {
    let link = crate::smtp::link_in(raw, "/m/o/")?;
    signer.verify(&link["/m/o/".len()..])
}
