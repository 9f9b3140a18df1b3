//! The durable outbox: what a sending worker claims and what it reports.
//!
//! [`claim`] takes due messages of sending campaigns in ONE statement that
//! also re-checks the address (`consent::sendable`): whatever the segment
//! said when the campaign was queued, nothing is claimed for an address that
//! is unsubscribed or suppressed now; such messages are marked `skipped` in
//! the same transaction. On Postgres the rows are locked `FOR UPDATE SKIP
//! LOCKED`, so servers sharing one database claim disjoint messages; SQLite
//! has one writer, so a claim is already exclusive. A claim holds a lease;
//! one whose lease ran out (its server died mid-send) is claimed again: the
//! messages in flight at a crash are the only ones that may go twice.

use sqlx::Row;

use crate::{
    Backend, Db, Result,
    consent::{self, Suppression},
    sql::Sql,
};

/// Attempts before a message that keeps failing temporarily is `failed`.
pub const MAX_ATTEMPTS: i64 = 5;

/// A message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub id: i64,
    pub store_id: i64,
    pub campaign_id: i64,
    pub customer_id: i64,
    pub email: String,
    pub attempts: i64,
}

impl Claimed {
    /// A row with the columns [`Claimed::COLUMNS`].
    pub(crate) fn from_row(r: &sqlx::any::AnyRow) -> Result<Claimed> {
        Ok(Claimed {
            id: r.try_get("id")?,
            store_id: r.try_get("store_id")?,
            campaign_id: r.try_get("campaign_id")?,
            customer_id: r.try_get("customer_id")?,
            email: r.try_get("email")?,
            attempts: r.try_get("attempts")?,
        })
    }

    pub(crate) const COLUMNS: &'static str =
        "id, store_id, campaign_id, customer_id, email, attempts";
}

/// Claims up to `limit` due messages for `worker` until `now + lease_ms`:
/// those of sending campaigns, the oldest campaign first.
///
/// Each campaign is read on its own, through `campaign_messages_claim`
/// (campaign, status, next attempt): messages left queued by a paused or
/// cancelled campaign (a whole list, for a campaign cancelled early) are
/// never walked, so they slow no other campaign, of this store or any
/// other. Within a campaign, claims whose lease ran out (a server died
/// mid-send) go first, then queued messages in the order they fell due.
pub async fn claim(
    db: &Db,
    worker: &str,
    limit: i64,
    lease_ms: i64,
    now_ms: i64,
) -> Result<Vec<Claimed>> {
    let lock = match db.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let due = |which: &str, sendable: &str| {
        let (status, order) = match which {
            "expired" => ("m.status = 'sending' AND m.lease_until < $1", "m.id"),
            _ => (
                "m.status = 'queued' AND m.next_attempt_at <= $1",
                "m.next_attempt_at, m.id",
            ),
        };
        format!(
            "SELECT m.id FROM campaign_messages m WHERE m.campaign_id = $3 AND {status} \
             AND {sendable} ORDER BY {order} LIMIT $2{lock}"
        )
    };
    let mut tx = db.writer().begin().await?;
    let campaigns: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM campaigns WHERE status = 'sending' ORDER BY id")
            .fetch_all(&mut *tx)
            .await?;
    let mut claimed: Vec<Claimed> = Vec::new();
    'campaigns: for campaign in campaigns {
        for which in ["expired", "queued"] {
            let room = limit - claimed.len() as i64;
            if room <= 0 {
                break 'campaigns;
            }
            // Those no longer consenting, first: never claimed.
            sqlx::query(&format!(
                "UPDATE campaign_messages SET status = 'skipped', \
                 error = 'unsubscribed or suppressed before sending', lease_until = 0 \
                 WHERE id IN ({})",
                due(which, &format!("NOT ({})", consent::sendable("m")))
            ))
            .bind(now_ms)
            .bind(room)
            .bind(campaign)
            .execute(&mut *tx)
            .await?;
            let rows = sqlx::query(&format!(
                "UPDATE campaign_messages SET status = 'sending', attempts = attempts + 1, \
                 lease_until = $4, worker = $5 WHERE id IN ({}) RETURNING {}",
                due(which, &consent::sendable("m")),
                Claimed::COLUMNS
            ))
            .bind(now_ms)
            .bind(room)
            .bind(campaign)
            .bind(now_ms + lease_ms)
            .bind(worker)
            .fetch_all(&mut *tx)
            .await?;
            for row in &rows {
                claimed.push(Claimed::from_row(row)?);
            }
        }
    }
    tx.commit().await?;
    claimed.sort_by_key(|c| c.id);
    Ok(claimed)
}

/// What sending one message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted by the server, with the message's `Message-ID`.
    Sent { message_id: String },
    /// Try again later (a 4xx, a dropped connection).
    Temporary { error: String },
    /// Refused for good (a 5xx): the address is suppressed.
    Permanent { error: String },
    /// Could not be made (the campaign's template, the recipient's
    /// address): `failed`, the address untouched.
    Unsendable { error: String },
}

/// The wait before attempt `attempts + 1`: 30 s, 1, 2, 4 minutes…
pub fn backoff_ms(attempts: i64) -> i64 {
    30_000 * (1_i64 << attempts.clamp(1, 10).saturating_sub(1))
}

fn short(error: &str) -> String {
    error.chars().take(500).collect()
}

/// Records what sending each message did, in one transaction (only while
/// this worker's claim is the message's: a reclaimed message is reported by
/// its new worker).
pub async fn record(
    db: &Db,
    worker: &str,
    outcomes: &[(Claimed, Outcome)],
    now_ms: i64,
) -> Result<()> {
    let mut tx = db.writer().begin().await?;
    // Deliveries, nearly all of a batch, in one statement (one round trip
    // to Postgres for the whole group); the rest one by one.
    let sent: Vec<(&Claimed, &str)> = outcomes
        .iter()
        .filter_map(|(message, outcome)| match outcome {
            Outcome::Sent { message_id } => Some((message, message_id.as_str())),
            _ => None,
        })
        .collect();
    record_sent(&mut tx, worker, &sent, now_ms).await?;
    for (message, outcome) in outcomes {
        if !matches!(outcome, Outcome::Sent { .. }) {
            record_one(&mut tx, worker, message, outcome, now_ms).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Marks delivered messages `sent` with their `Message-ID`s (only while
/// this worker's claim is the message's).
async fn record_sent(
    tx: &mut sqlx::AnyConnection,
    worker: &str,
    sent: &[(&Claimed, &str)],
    now_ms: i64,
) -> Result<()> {
    if sent.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::default();
    let mut cases = String::new();
    let mut ids = Vec::with_capacity(sent.len());
    for (message, message_id) in sent {
        let id = sql.arg(message.id);
        cases.push_str(&format!(" WHEN {id} THEN {}", sql.arg(*message_id)));
        ids.push(id);
    }
    let (at, worker) = (sql.arg(now_ms), sql.arg(worker));
    sql.text = format!(
        "UPDATE campaign_messages SET status = 'sent', message_id = CASE id{cases} END, \
         sent_at = {at}, error = NULL \
         WHERE id IN ({}) AND status = 'sending' AND worker = {worker}",
        ids.join(", ")
    );
    sql.query().execute(&mut *tx).await?;
    Ok(())
}

async fn record_one(
    tx: &mut sqlx::AnyConnection,
    worker: &str,
    message: &Claimed,
    outcome: &Outcome,
    now_ms: i64,
) -> Result<()> {
    let mine = "id = $1 AND status = 'sending' AND worker = $2";
    match outcome {
        // Recorded together by `record_sent`.
        Outcome::Sent { .. } => {}
        Outcome::Unsendable { error } => {
            sqlx::query(&format!(
                "UPDATE campaign_messages SET status = 'failed', error = $3, lease_until = 0 \
                 WHERE {mine}"
            ))
            .bind(message.id)
            .bind(worker)
            .bind(short(error))
            .execute(&mut *tx)
            .await?;
        }
        Outcome::Temporary { error } => {
            let (status, next) = if message.attempts >= MAX_ATTEMPTS {
                ("failed", now_ms)
            } else {
                ("queued", now_ms + backoff_ms(message.attempts))
            };
            sqlx::query(&format!(
                "UPDATE campaign_messages SET status = $3, next_attempt_at = $4, error = $5, \
                 lease_until = 0 WHERE {mine}"
            ))
            .bind(message.id)
            .bind(worker)
            .bind(status)
            .bind(next)
            .bind(short(error))
            .execute(&mut *tx)
            .await?;
        }
        Outcome::Permanent { error } => {
            let done = sqlx::query(&format!(
                "UPDATE campaign_messages SET status = 'bounced', error = $3, lease_until = 0 \
                 WHERE {mine}"
            ))
            .bind(message.id)
            .bind(worker)
            .bind(short(error))
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() > 0 {
                let email = crate::validate::normalize_email(&message.email);
                consent::suppress(
                    &mut *tx,
                    message.store_id,
                    &email,
                    Suppression::Bounce,
                    error,
                    now_ms,
                )
                .await?;
                super::engagement::insert(
                    &mut *tx,
                    message,
                    super::engagement::Kind::Bounce,
                    None,
                    now_ms,
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// Sending campaigns with every message done become `sent`; answers how
/// many.
pub async fn finish_campaigns(db: &Db, now_ms: i64) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE campaigns SET status = 'sent', finished_at = $1, updated_at = $1 \
         WHERE status = 'sending' AND queued_through = -1 AND NOT EXISTS \
         (SELECT 1 FROM campaign_messages m WHERE m.campaign_id = campaigns.id \
          AND m.status IN ('queued', 'sending'))",
    )
    .bind(now_ms)
    .execute(db.writer())
    .await?;
    Ok(done.rows_affected())
}

/// Whether any message is due now or later (the worker may sleep longer
/// when not).
pub async fn pending(db: &Db) -> Result<bool> {
    let any: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM campaigns WHERE status IN ('scheduled', 'queueing', 'sending') LIMIT 1",
    )
    .fetch_optional(db.reader())
    .await?;
    Ok(any.is_some())
}
