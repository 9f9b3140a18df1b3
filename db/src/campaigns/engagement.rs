//! What recipients did with a campaign's messages (`campaign_events`):
//! opens (the pixel), clicks (a tracked link), unsubscribes (the one-click
//! link, which also records the explicit consent), bounces and complaints
//! (a feedback-loop report: the address is unsubscribed and suppressed). Each is a
//! fact on the customer's timeline and the input of the segments'
//! engagement rule; [`stats`] sums them up for the campaign's page.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use super::outbox::Claimed;
use crate::{Db, Error, Result, consent, sql::int_list};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Open,
    Click,
    Unsubscribe,
    Bounce,
    Complaint,
}

impl Kind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Open => "open",
            Kind::Click => "click",
            Kind::Unsubscribe => "unsubscribe",
            Kind::Bounce => "bounce",
            Kind::Complaint => "complaint",
        }
    }
}

pub(crate) async fn insert(
    conn: &mut AnyConnection,
    message: &Claimed,
    kind: Kind,
    url: Option<&str>,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO campaign_events (store_id, campaign_id, message_id, customer_id, kind, \
         url, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(message.store_id)
    .bind(message.campaign_id)
    .bind(message.id)
    .bind(message.customer_id)
    .bind(kind.as_str())
    .bind(url.map(|u| u.chars().take(2000).collect::<String>()))
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One sent message of the store (the signed links name it).
pub async fn message(db: &Db, store_id: i64, message_id: i64) -> Result<Claimed> {
    let row = sqlx::query(&format!(
        "SELECT {} FROM campaign_messages WHERE store_id = $1 AND id = $2",
        Claimed::COLUMNS
    ))
    .bind(store_id)
    .bind(message_id)
    .fetch_optional(db.reader())
    .await?
    .ok_or(Error::NotFound("message"))?;
    Claimed::from_row(&row)
}

/// Records an open or a click of a message.
pub async fn record(
    db: &Db,
    store_id: i64,
    message_id: i64,
    kind: Kind,
    url: Option<&str>,
    at: i64,
) -> Result<()> {
    let message = message(db, store_id, message_id).await?;
    let mut conn = db.writer().acquire().await?;
    insert(&mut conn, &message, kind, url, at).await
}

/// The one-click unsubscribe of a message's address: an explicit consent
/// report (it stands until a later consent event) and an event. Repeats
/// are harmless.
pub async fn unsubscribe(db: &Db, store_id: i64, message_id: i64, at: i64) -> Result<()> {
    let message = message(db, store_id, message_id).await?;
    let email = crate::validate::normalize_email(&message.email);
    let key = format!("unsubscribe:{}", message.id);
    consent::unsubscribe(db, store_id, &email, &key, "unsubscribe link", at).await?;
    once(db, &message, Kind::Unsubscribe, at).await
}

/// A recipient reported the message as spam: the address is unsubscribed
/// (an explicit report, as the one-click link makes) and suppressed for
/// good (a later consent event lifts the unsubscribe, never the
/// suppression), and the message gets a complaint event. Repeats are
/// harmless.
pub async fn complain(
    db: &Db,
    store_id: i64,
    message_id: i64,
    detail: &str,
    at: i64,
) -> Result<()> {
    let message = message(db, store_id, message_id).await?;
    let email = crate::validate::normalize_email(&message.email);
    let key = format!("complaint:{}", message.id);
    consent::unsubscribe(db, store_id, &email, &key, "spam complaint", at).await?;
    {
        let mut conn = db.writer().acquire().await?;
        consent::suppress(
            &mut conn,
            store_id,
            &email,
            consent::Suppression::Complaint,
            detail,
            at,
        )
        .await?;
    }
    once(db, &message, Kind::Complaint, at).await
}

/// Inserts the message's event of `kind` unless it has one.
async fn once(db: &Db, message: &Claimed, kind: Kind, at: i64) -> Result<()> {
    let mut tx = db.writer().begin().await?;
    let already: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM campaign_events WHERE store_id = $1 AND message_id = $2 \
         AND kind = $3",
    )
    .bind(message.store_id)
    .bind(message.id)
    .bind(kind.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    if already.is_none() {
        insert(&mut tx, message, kind, None, at).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub use domain::campaign::Stats;

/// The figures of a campaign of the store.
pub async fn stats(db: &Db, store_id: i64, campaign_id: i64) -> Result<Stats> {
    super::get(db, store_id, campaign_id).await?;
    Ok(stats_of(db, store_id, &[campaign_id])
        .await?
        .remove(&campaign_id)
        .unwrap_or_default())
}

/// The figures of the store's campaigns `ids` (the campaigns list), in two
/// statements however many there are; a campaign without messages is left
/// out (its figures are all zero).
pub async fn stats_of(db: &Db, store_id: i64, ids: &[i64]) -> Result<HashMap<i64, Stats>> {
    let mut out: HashMap<i64, Stats> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let list = int_list(ids.iter().copied());
    let rows = sqlx::query(&format!(
        "SELECT campaign_id, status, COUNT(*) AS n FROM campaign_messages \
         WHERE store_id = $1 AND campaign_id IN ({list}) GROUP BY campaign_id, status"
    ))
    .bind(store_id)
    .fetch_all(db.reader())
    .await?;
    for row in rows {
        let n: i64 = row.try_get("n")?;
        let stats = out.entry(row.try_get("campaign_id")?).or_default();
        stats.recipients += n;
        match row.try_get::<String, _>("status")?.as_str() {
            "queued" | "sending" => stats.queued += n,
            "sent" => stats.sent += n,
            "failed" => stats.failed += n,
            "bounced" => stats.bounced += n,
            _ => stats.skipped += n,
        }
    }
    // A click is an open too (as the segments' engagement rule has it):
    // mail programs that hide images never load the pixel.
    let rows = sqlx::query(&format!(
        "SELECT campaign_id, kind, COUNT(DISTINCT message_id) AS n FROM campaign_events \
         WHERE store_id = $1 AND campaign_id IN ({list}) GROUP BY campaign_id, kind \
         UNION ALL \
         SELECT campaign_id, 'opened' AS kind, COUNT(DISTINCT message_id) AS n \
         FROM campaign_events WHERE store_id = $1 AND campaign_id IN ({list}) \
         AND kind IN ('open', 'click') GROUP BY campaign_id"
    ))
    .bind(store_id)
    .fetch_all(db.reader())
    .await?;
    for row in rows {
        let n: i64 = row.try_get("n")?;
        let stats = out.entry(row.try_get("campaign_id")?).or_default();
        match row.try_get::<String, _>("kind")?.as_str() {
            "opened" => stats.unique_opens = n,
            "click" => stats.unique_clicks = n,
            "unsubscribe" => stats.unsubscribes = n,
            "complaint" => stats.complaints = n,
            _ => {}
        }
    }
    Ok(out)
}

/// One message of a campaign as its page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentMessage {
    pub id: i64,
    pub email: String,
    /// `sending`, `sent`, `failed`, `bounced`, `skipped` (or `queued` again
    /// after a temporary failure, with its error).
    pub status: String,
    pub sent_at: Option<i64>,
    pub attempts: i64,
    pub error: Option<String>,
}

/// The latest `limit` messages of a campaign of the store that sending has
/// reached (claimed at least once, or skipped at the claim), newest first: messages are claimed in
/// id order, so the highest ids are the latest handled.
pub async fn recent_messages(
    db: &Db,
    store_id: i64,
    campaign_id: i64,
    limit: i64,
) -> Result<Vec<RecentMessage>> {
    let rows = sqlx::query(
        "SELECT id, email, status, sent_at, attempts, error FROM campaign_messages \
         WHERE store_id = $1 AND campaign_id = $2 AND (status <> 'queued' OR attempts > 0) \
         ORDER BY id DESC LIMIT $3",
    )
    .bind(store_id)
    .bind(campaign_id)
    .bind(limit.clamp(1, 500))
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(RecentMessage {
                id: r.try_get("id")?,
                email: r.try_get("email")?,
                status: r.try_get("status")?,
                sent_at: r.try_get("sent_at")?,
                attempts: r.try_get("attempts")?,
                error: r.try_get("error")?,
            })
        })
        .collect()
}

/// Opens (a click is one too) and clicks per time bucket of `bucket_ms`
/// (unique per message within a bucket), oldest first: the campaign page's
/// chart.
pub async fn over_time(
    db: &Db,
    store_id: i64,
    campaign_id: i64,
    bucket_ms: i64,
) -> Result<Vec<(i64, i64, i64)>> {
    let bucket_ms = bucket_ms.max(1);
    let rows = sqlx::query(
        "SELECT (at / $3) * $3 AS bucket, \
         COUNT(DISTINCT CASE WHEN kind IN ('open', 'click') THEN message_id END) AS opens, \
         COUNT(DISTINCT CASE WHEN kind = 'click' THEN message_id END) AS clicks \
         FROM campaign_events WHERE store_id = $1 AND campaign_id = $2 \
         AND kind IN ('open', 'click') GROUP BY (at / $3) * $3 ORDER BY bucket",
    )
    .bind(store_id)
    .bind(campaign_id)
    .bind(bucket_ms)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("bucket")?,
                r.try_get("opens")?,
                r.try_get("clicks")?,
            ))
        })
        .collect()
}
