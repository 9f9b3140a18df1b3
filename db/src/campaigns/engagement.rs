//! What recipients did with a campaign's messages (`campaign_events`):
//! opens (the pixel), clicks (a tracked link), unsubscribes (the one-click
//! link, which also records the explicit consent) and bounces. Each is a
//! fact on the customer's timeline and the input of the segments'
//! engagement rule; [`stats`] sums them up for the campaign's page.

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use super::outbox::Claimed;
use crate::{Db, Error, Result, consent};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Open,
    Click,
    Unsubscribe,
    Bounce,
}

impl Kind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Open => "open",
            Kind::Click => "click",
            Kind::Unsubscribe => "unsubscribe",
            Kind::Bounce => "bounce",
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
    let mut tx = db.writer().begin().await?;
    let already: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM campaign_events WHERE store_id = $1 AND message_id = $2 \
         AND kind = 'unsubscribe'",
    )
    .bind(store_id)
    .bind(message.id)
    .fetch_optional(&mut *tx)
    .await?;
    if already.is_none() {
        insert(&mut tx, &message, Kind::Unsubscribe, None, at).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub use domain::campaign::Stats;

/// The figures of a campaign of the store.
pub async fn stats(db: &Db, store_id: i64, campaign_id: i64) -> Result<Stats> {
    super::get(db, store_id, campaign_id).await?;
    let mut stats = Stats::default();
    let rows = sqlx::query(
        "SELECT status, COUNT(*) AS n FROM campaign_messages \
         WHERE store_id = $1 AND campaign_id = $2 GROUP BY status",
    )
    .bind(store_id)
    .bind(campaign_id)
    .fetch_all(db.reader())
    .await?;
    for row in rows {
        let n: i64 = row.try_get("n")?;
        stats.recipients += n;
        match row.try_get::<String, _>("status")?.as_str() {
            "queued" | "sending" => stats.queued += n,
            "sent" => stats.sent += n,
            "failed" => stats.failed += n,
            "bounced" => stats.bounced += n,
            _ => stats.skipped += n,
        }
    }
    let rows = sqlx::query(
        "SELECT kind, COUNT(DISTINCT message_id) AS n FROM campaign_events \
         WHERE store_id = $1 AND campaign_id = $2 GROUP BY kind",
    )
    .bind(store_id)
    .bind(campaign_id)
    .fetch_all(db.reader())
    .await?;
    for row in rows {
        let n: i64 = row.try_get("n")?;
        match row.try_get::<String, _>("kind")?.as_str() {
            "open" => stats.unique_opens = n,
            "click" => stats.unique_clicks = n,
            "unsubscribe" => stats.unsubscribes = n,
            _ => {}
        }
    }
    Ok(stats)
}

/// Opens and clicks per time bucket of `bucket_ms` (unique per message
/// within a bucket), oldest first: the campaign page's chart.
pub async fn over_time(
    db: &Db,
    store_id: i64,
    campaign_id: i64,
    bucket_ms: i64,
) -> Result<Vec<(i64, i64, i64)>> {
    let bucket_ms = bucket_ms.max(1);
    let rows = sqlx::query(
        "SELECT (at / $3) * $3 AS bucket, \
         COUNT(DISTINCT CASE WHEN kind = 'open' THEN message_id END) AS opens, \
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
