//! Email campaigns of a store (migration 0016 explains the tables):
//!
//! - this module: writing a campaign and moving it through its life
//!   (draft → scheduled → queueing → sending → sent; paused, cancelled);
//! - [`queue`]: fixing the recipients when sending starts, in chunks;
//! - [`outbox`]: claiming messages to send (re-checking consent in the
//!   claiming statement) and recording what sending did;
//! - [`engagement`]: opens, clicks, unsubscribes and bounces, and the
//!   campaign's figures.
//!
//! Every statement names the store; the sending worker's statements span
//! stores but each row they touch carries its own store.

pub mod engagement;
pub mod merge;
pub mod outbox;
pub mod queue;

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::{Db, Error, Result};

/// Longest subject, sender name and body.
pub const MAX_SUBJECT_CHARS: usize = 200;
pub const MAX_SENDER_CHARS: usize = 100;
pub const MAX_BODY_CHARS: usize = 100_000;

pub use domain::campaign::CampaignStatus;

/// What the owner writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignInput {
    pub name: String,
    pub subject: String,
    pub sender_name: String,
    /// Markdown with merge fields (`{{ first_name }}`).
    pub body: String,
    pub segment_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    pub id: i64,
    pub store_id: i64,
    pub name: String,
    pub subject: String,
    pub sender_name: String,
    pub body: String,
    pub segment_id: Option<i64>,
    pub status: CampaignStatus,
    pub send_at: Option<i64>,
    pub recipients: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

const COLUMNS: &str = "id, store_id, name, subject, sender_name, body, segment_id, status, \
     send_at, recipients, created_at, updated_at, started_at, finished_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<Campaign> {
    Ok(Campaign {
        id: row.try_get("id")?,
        store_id: row.try_get("store_id")?,
        name: row.try_get("name")?,
        subject: row.try_get("subject")?,
        sender_name: row.try_get("sender_name")?,
        body: row.try_get("body")?,
        segment_id: row.try_get("segment_id")?,
        status: CampaignStatus::parse(&row.try_get::<String, _>("status")?)?,
        send_at: row.try_get("send_at")?,
        recipients: row.try_get("recipients")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
    })
}

fn bounded(field: &str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if field != "body" && value.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must be one line"));
    }
    Ok(value.to_string())
}

/// The input checked: a name, a one-line subject and sender name, a body
/// within bounds, and a segment of the store.
async fn check(db: &Db, store_id: i64, input: &CampaignInput) -> Result<CampaignInput> {
    let name = domain::segment::check_name(&input.name)?;
    if let Some(segment) = input.segment_id {
        crate::segments::get(db, store_id, segment)
            .await
            .map_err(|_| Error::invalid("segment_id", "this store has no such segment"))?;
    }
    Ok(CampaignInput {
        name,
        subject: bounded("subject", &input.subject, MAX_SUBJECT_CHARS)?,
        sender_name: bounded("sender_name", &input.sender_name, MAX_SENDER_CHARS)?,
        body: bounded("body", &input.body, MAX_BODY_CHARS)?,
        segment_id: input.segment_id,
    })
}

/// A new draft; answers its id.
pub async fn create(db: &Db, store_id: i64, input: &CampaignInput, now_ms: i64) -> Result<i64> {
    crate::stores::get_store(db, store_id).await?;
    let input = check(db, store_id, input).await?;
    let id = sqlx::query_scalar(
        "INSERT INTO campaigns (store_id, name, subject, sender_name, body, segment_id, status, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $7) RETURNING id",
    )
    .bind(store_id)
    .bind(&input.name)
    .bind(&input.subject)
    .bind(&input.sender_name)
    .bind(&input.body)
    .bind(input.segment_id)
    .bind(now_ms)
    .fetch_one(db.writer())
    .await?;
    Ok(id)
}

/// Rewrites a draft (or a scheduled campaign, not yet sending).
pub async fn update(
    db: &Db,
    store_id: i64,
    campaign_id: i64,
    input: &CampaignInput,
    now_ms: i64,
) -> Result<()> {
    // Another store's campaign is not found, whatever the input says.
    get(db, store_id, campaign_id).await?;
    let input = check(db, store_id, input).await?;
    let done = sqlx::query(
        "UPDATE campaigns SET name = $1, subject = $2, sender_name = $3, body = $4, \
         segment_id = $5, updated_at = $6 \
         WHERE store_id = $7 AND id = $8 AND status IN ('draft', 'scheduled')",
    )
    .bind(&input.name)
    .bind(&input.subject)
    .bind(&input.sender_name)
    .bind(&input.body)
    .bind(input.segment_id)
    .bind(now_ms)
    .bind(store_id)
    .bind(campaign_id)
    .execute(db.writer())
    .await?;
    changed(
        db,
        store_id,
        campaign_id,
        done.rows_affected(),
        "a campaign that has started sending cannot be changed",
    )
    .await
}

/// One campaign of the store, or `NotFound` (also for another store's id).
pub async fn get(db: &Db, store_id: i64, campaign_id: i64) -> Result<Campaign> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM campaigns WHERE store_id = $1 AND id = $2"
    ))
    .bind(store_id)
    .bind(campaign_id)
    .fetch_optional(db.reader())
    .await?
    .ok_or(Error::NotFound("campaign"))?;
    from_row(&row)
}

/// The store's campaigns, newest first.
pub async fn list(db: &Db, store_id: i64) -> Result<Vec<Campaign>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM campaigns WHERE store_id = $1 ORDER BY id DESC"
    ))
    .bind(store_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(from_row).collect()
}

/// The store's campaigns that have started sending, as (id, name), newest
/// first: what the segments' engagement rule chooses from.
pub async fn started(db: &Db, store_id: i64) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT id, name FROM campaigns WHERE store_id = $1 \
         AND status NOT IN ('draft', 'scheduled') ORDER BY id DESC",
    )
    .bind(store_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect()
}

/// Starts sending now (`send_at` `None` or past) or at `send_at`: the
/// segment's rules and the moment are fixed here, so the recipients are
/// the segment's consenting members with an email as of this moment.
pub async fn start(
    db: &Db,
    store_id: i64,
    campaign_id: i64,
    send_at: Option<i64>,
    now_ms: i64,
) -> Result<()> {
    let campaign = get(db, store_id, campaign_id).await?;
    if !campaign.status.editable() {
        return Err(Error::invalid(
            "campaign",
            "this campaign has already started",
        ));
    }
    let Some(segment_id) = campaign.segment_id else {
        return Err(Error::invalid(
            "segment_id",
            "choose the segment to send to",
        ));
    };
    if campaign.subject.is_empty() {
        return Err(Error::invalid("subject", "give the email a subject"));
    }
    if campaign.body.is_empty() {
        return Err(Error::invalid("body", "write the email"));
    }
    let segment = crate::segments::get(db, store_id, segment_id).await?;
    let definition = serde_json::to_string(&segment.definition).expect("a definition serialises");
    let later = send_at.filter(|at| *at > now_ms);
    let status = if later.is_some() {
        CampaignStatus::Scheduled
    } else {
        CampaignStatus::Queueing
    };
    sqlx::query(
        "UPDATE campaigns SET status = $1, send_at = $2, definition = $3, started_at = $4, \
         queued_through = 0, updated_at = $5 \
         WHERE store_id = $6 AND id = $7 AND status IN ('draft', 'scheduled')",
    )
    .bind(status.as_str())
    .bind(later)
    .bind(definition)
    .bind(later.unwrap_or(now_ms))
    .bind(now_ms)
    .bind(store_id)
    .bind(campaign_id)
    .execute(db.writer())
    .await?;
    Ok(())
}

/// Moves a campaign from one of `from` to `to`; refuses otherwise.
async fn transition(
    db: &Db,
    store_id: i64,
    campaign_id: i64,
    from: &[CampaignStatus],
    to: CampaignStatus,
    now_ms: i64,
    refusal: &str,
) -> Result<()> {
    let from: Vec<String> = from.iter().map(|s| format!("'{}'", s.as_str())).collect();
    let finished = if to == CampaignStatus::Cancelled {
        ", finished_at = $2"
    } else {
        ""
    };
    // The status words come from the enum, never from input.
    let done = sqlx::query(&format!(
        "UPDATE campaigns SET status = $1, updated_at = $2{finished} \
         WHERE store_id = $3 AND id = $4 AND status IN ({})",
        from.join(", ")
    ))
    .bind(to.as_str())
    .bind(now_ms)
    .bind(store_id)
    .bind(campaign_id)
    .execute(db.writer())
    .await?;
    changed(db, store_id, campaign_id, done.rows_affected(), refusal).await
}

/// Stops claiming its messages (those in flight finish).
pub async fn pause(db: &Db, store_id: i64, campaign_id: i64, now_ms: i64) -> Result<()> {
    transition(
        db,
        store_id,
        campaign_id,
        &[CampaignStatus::Queueing, CampaignStatus::Sending],
        CampaignStatus::Paused,
        now_ms,
        "only a sending campaign can be paused",
    )
    .await
}

/// Goes on after a pause (queueing first if that was not finished).
pub async fn resume(db: &Db, store_id: i64, campaign_id: i64, now_ms: i64) -> Result<()> {
    let queued_through: i64 =
        sqlx::query_scalar("SELECT queued_through FROM campaigns WHERE store_id = $1 AND id = $2")
            .bind(store_id)
            .bind(campaign_id)
            .fetch_optional(db.reader())
            .await?
            .ok_or(Error::NotFound("campaign"))?;
    // -1: every recipient is queued (see `queue`).
    let to = if queued_through == -1 {
        CampaignStatus::Sending
    } else {
        CampaignStatus::Queueing
    };
    transition(
        db,
        store_id,
        campaign_id,
        &[CampaignStatus::Paused],
        to,
        now_ms,
        "only a paused campaign can be resumed",
    )
    .await
}

/// Sends nothing more: messages not yet sent are never sent.
pub async fn cancel(db: &Db, store_id: i64, campaign_id: i64, now_ms: i64) -> Result<()> {
    transition(
        db,
        store_id,
        campaign_id,
        &[
            CampaignStatus::Draft,
            CampaignStatus::Scheduled,
            CampaignStatus::Queueing,
            CampaignStatus::Sending,
            CampaignStatus::Paused,
        ],
        CampaignStatus::Cancelled,
        now_ms,
        "this campaign has finished",
    )
    .await
}

/// Deletes a draft (nothing was sent).
pub async fn delete_draft(db: &Db, store_id: i64, campaign_id: i64) -> Result<()> {
    let done =
        sqlx::query("DELETE FROM campaigns WHERE store_id = $1 AND id = $2 AND status = 'draft'")
            .bind(store_id)
            .bind(campaign_id)
            .execute(db.writer())
            .await?;
    changed(
        db,
        store_id,
        campaign_id,
        done.rows_affected(),
        "only a draft can be deleted",
    )
    .await
}

/// After a statement guarded by the campaign's status: nothing changed
/// means another store's id (`NotFound`) or a status that refuses it.
async fn changed(db: &Db, store_id: i64, campaign_id: i64, rows: u64, refusal: &str) -> Result<()> {
    if rows == 0 {
        get(db, store_id, campaign_id).await?;
        return Err(Error::invalid("campaign", refusal));
    }
    Ok(())
}
