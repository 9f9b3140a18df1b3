//! The sending worker: every server runs one. Each round it starts due
//! scheduled campaigns, queues one chunk of recipients, claims a batch of
//! due messages (`db::campaigns::outbox::claim`: consent re-checked there,
//! rows shared between servers by SKIP LOCKED), renders and sends them over
//! up to `connections` SMTP connections, and records every outcome in one
//! transaction. The rate is kept per worker: a batch of N waits until N /
//! rate seconds have passed.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use db::{
    Db,
    campaigns::{
        self, Campaign, merge,
        outbox::{self, Claimed, Outcome},
        queue,
    },
};
use futures_util::StreamExt;
use lettre::message::Mailbox;

use crate::{
    deliver::Delivery,
    message::{self, Envelope},
    template::{self, Fields},
    token::{Claims, Purpose, Signer},
};

/// How a worker sends.
#[derive(Debug, Clone)]
pub struct Settings {
    pub from: Mailbox,
    /// `https://shop.example` (no trailing slash): links in messages.
    pub public_origin: String,
    /// Messages per second, per worker.
    pub rate: u32,
    /// SMTP connections at once.
    pub connections: usize,
    /// Messages claimed per round (at most the rate).
    pub batch: u32,
    /// How long a claim holds before another worker may take it.
    pub lease: Duration,
    /// This worker's name in the outbox (claims are checked against it).
    pub worker: String,
}

impl Settings {
    /// Who a store's campaign is from: the campaign's sender name and the
    /// store's own address, else this server's `MAIL_FROM`.
    pub fn sender(&self, sender_name: &str, store_address: Option<&str>) -> Mailbox {
        let address = store_address
            .and_then(|a| a.parse::<lettre::Address>().ok())
            .unwrap_or_else(|| self.from.email.clone());
        Mailbox::new(
            Some(sender_name.to_string()).filter(|n| !n.trim().is_empty()),
            address,
        )
    }
}

/// Links of one message.
pub struct Links {
    pub signer: Signer,
    pub origin: String,
    pub store_id: i64,
    pub message_id: i64,
}

impl Links {
    fn token(&self, purpose: Purpose) -> String {
        self.signer.sign(&Claims {
            store_id: self.store_id,
            message_id: self.message_id,
            purpose,
        })
    }
    pub fn unsubscribe(&self) -> String {
        format!(
            "{}/unsubscribe/{}",
            self.origin,
            self.token(Purpose::Unsubscribe)
        )
    }
    pub fn pixel(&self) -> String {
        format!("{}/m/o/{}", self.origin, self.token(Purpose::Open))
    }
    /// A tracked link to `url` (only http and https are tracked; other
    /// schemes such as `mailto:` are left as they are).
    pub fn click(&self, url: &str) -> String {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return url.to_string();
        }
        format!(
            "{}/m/c/{}",
            self.origin,
            self.token(Purpose::Click(url.to_string()))
        )
    }
}

/// One campaign message, rendered for its recipient.
pub fn render_for(
    campaign: &Campaign,
    store_name: &str,
    data: &merge::MergeData,
    email: &str,
    links: &Links,
) -> Result<template::Rendered, template::TemplateError> {
    let mut fields = Fields::new(data.name.as_deref(), email, store_name);
    fields.courses = data.courses.iter().map(|(t, _)| t.clone()).collect();
    fields.course_progress = data.courses.iter().cloned().collect();
    fields.unsubscribe_url = links.unsubscribe();
    template::render(
        &campaign.subject,
        &campaign.body,
        &fields,
        &|url| links.click(url),
        Some(&links.pixel()),
    )
}

pub struct Worker {
    pub db: Db,
    pub delivery: Delivery,
    pub signer: Signer,
    pub settings: Settings,
}

impl Settings {
    /// The host part of Message-IDs: the public origin's host.
    pub fn host(&self) -> String {
        url::Url::parse(&self.public_origin)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| "localhost".into())
    }
}

impl Worker {
    /// One round; answers how many messages it handled (0: idle).
    pub async fn round(&self) -> db::Result<usize> {
        // Idle servers only read: nothing scheduled, queueing or sending.
        if !outbox::pending(&self.db).await? {
            return Ok(0);
        }
        let now = db::time::now_ms();
        queue::promote_scheduled(&self.db, now).await?;
        let queued = queue::queue_chunk(&self.db, queue::CHUNK, now).await?;
        let batch = i64::from(self.settings.batch.clamp(1, self.settings.rate.max(1)));
        let started = Instant::now();
        let claimed = outbox::claim(
            &self.db,
            &self.settings.worker,
            batch,
            self.settings.lease.as_millis() as i64,
            now,
        )
        .await?;
        if claimed.is_empty() {
            outbox::finish_campaigns(&self.db, now).await?;
            return Ok(usize::from(queued.is_some_and(|n| n > 0)));
        }
        self.send_all(&claimed).await?;
        outbox::finish_campaigns(&self.db, db::time::now_ms()).await?;
        // The rate: this batch may take no less than its share of a second.
        let share =
            Duration::from_secs_f64(claimed.len() as f64 / f64::from(self.settings.rate.max(1)));
        if let Some(rest) = share.checked_sub(started.elapsed()) {
            tokio::time::sleep(rest).await;
        }
        Ok(claimed.len())
    }

    /// Sends a claimed batch, `connections` at a time, recording outcomes
    /// as each group of `connections` completes: a server killed mid-batch
    /// leaves at most about three groups delivered but not recorded (one
    /// filling, one in flight, one being recorded), and only those can go
    /// twice when its claims run out.
    async fn send_all(&self, claimed: &[Claimed]) -> db::Result<()> {
        // What the batch's messages need, read once per campaign and store.
        let mut campaigns: HashMap<i64, Campaign> = HashMap::new();
        let mut stores: HashMap<i64, (String, Option<String>)> = HashMap::new();
        let mut customers: HashMap<i64, Vec<i64>> = HashMap::new();
        for m in claimed {
            if let std::collections::hash_map::Entry::Vacant(slot) = campaigns.entry(m.campaign_id)
            {
                slot.insert(campaigns::get(&self.db, m.store_id, m.campaign_id).await?);
            }
            if let std::collections::hash_map::Entry::Vacant(slot) = stores.entry(m.store_id) {
                let store = db::stores::get_store(&self.db, m.store_id).await?;
                slot.insert((store.name, store.mail_from));
            }
            customers.entry(m.store_id).or_default().push(m.customer_id);
        }
        let mut data = HashMap::new();
        for (store, ids) in &customers {
            for (id, d) in merge::merge_data(&self.db, *store, ids).await? {
                data.insert((*store, id), d);
            }
        }
        // Each campaign's template checked once, not per message.
        let checked: HashMap<i64, Result<(), String>> = campaigns
            .iter()
            .map(|(id, c)| {
                let check = template::check(&c.subject, &c.body).map_err(|e| e.to_string());
                (*id, check)
            })
            .collect();
        let host = self.settings.host();
        // Rendered first (CPU only), then sent over owned values.
        let prepared: Vec<(Claimed, Result<lettre::Message, String>)> = claimed
            .iter()
            .map(|m| {
                let campaign = &campaigns[&m.campaign_id];
                let links = Links {
                    signer: self.signer.clone(),
                    origin: self.settings.public_origin.clone(),
                    store_id: m.store_id,
                    message_id: m.id,
                };
                let empty = merge::MergeData::default();
                let data = data.get(&(m.store_id, m.customer_id)).unwrap_or(&empty);
                let built = checked[&m.campaign_id]
                    .clone()
                    .and_then(|()| {
                        render_for(campaign, &stores[&m.store_id].0, data, &m.email, &links)
                            .map_err(|e| e.to_string())
                    })
                    .and_then(|rendered| {
                        let unsubscribe = links.unsubscribe();
                        let from = self
                            .settings
                            .sender(&campaign.sender_name, stores[&m.store_id].1.as_deref());
                        message::build(
                            &Envelope {
                                from: &from,
                                to: &m.email,
                                campaign_id: m.campaign_id,
                                message_id: m.id,
                                host: &host,
                                unsubscribe_url: &unsubscribe,
                            },
                            &rendered,
                        )
                    });
                (m.clone(), built)
            })
            .collect();
        let delivery = self.delivery.clone();
        let work = prepared.into_iter().map(move |(m, built)| {
            let delivery = delivery.clone();
            async move {
                let outcome = match built {
                    Ok(message) => delivery.send(m.campaign_id, m.id, message).await,
                    // A message that cannot be made is no verdict on the
                    // address: failed, not bounced.
                    Err(error) => Outcome::Unsendable { error },
                };
                (m, outcome)
            }
        });
        let connections = self.settings.connections.max(1);
        let mut groups = futures_util::stream::iter(work)
            .buffer_unordered(connections)
            .chunks(connections);
        while let Some(outcomes) = groups.next().await {
            outbox::record(
                &self.db,
                &self.settings.worker,
                &outcomes,
                db::time::now_ms(),
            )
            .await?;
        }
        Ok(())
    }

    /// Rounds until `stop` resolves; idle rounds sleep a little.
    pub async fn run(self, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        loop {
            let idle = match self.round().await {
                Ok(0) => Duration::from_millis(250),
                Ok(_) => Duration::ZERO,
                Err(error) => {
                    tracing::warn!(%error, "campaign sending round failed");
                    Duration::from_secs(2)
                }
            };
            tokio::select! {
                _ = &mut stop => return,
                _ = tokio::time::sleep(idle) => {}
            }
        }
    }
}
