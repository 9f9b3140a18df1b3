//! Fixing a campaign's recipients: the members of its segment (the rules
//! and the moment kept when it started) who have an email and may receive
//! it (`consent::sendable`), one row each in the outbox. In chunks by
//! customer id, each its own short transaction, so queueing 200,000
//! recipients on SQLite never holds the writer for long; `queued_through`
//! is the checkpoint (-1: done), so a restart goes on where it stopped and
//! the unique (campaign, customer) makes a repeated chunk a no-op.

use sqlx::Row;

use crate::{
    Db, Result, consent,
    customers::{
        filter::CustomerQuery,
        search::{Drive, Filtered},
    },
    sql::{Json, Sql, from_json},
};

/// Recipients per chunk (one transaction).
pub const CHUNK: i64 = 5_000;

/// Scheduled campaigns whose time has come start queueing.
pub async fn promote_scheduled(db: &Db, now_ms: i64) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE campaigns SET status = 'queueing', updated_at = $1 \
         WHERE status = 'scheduled' AND send_at <= $1",
    )
    .bind(now_ms)
    .execute(db.writer())
    .await?;
    Ok(done.rows_affected())
}

/// Queues one chunk of the oldest queueing campaign; answers how many
/// recipients it added, `None` when no campaign is queueing. A campaign
/// whose last chunk is queued starts sending.
pub async fn queue_chunk(db: &Db, chunk: i64, now_ms: i64) -> Result<Option<u64>> {
    let Some(row) = sqlx::query(
        "SELECT id, store_id, definition, started_at, queued_through FROM campaigns \
         WHERE status = 'queueing' ORDER BY id LIMIT 1",
    )
    .fetch_optional(db.reader())
    .await?
    else {
        return Ok(None);
    };
    let campaign: i64 = row.try_get("id")?;
    let store_id: i64 = row.try_get("store_id")?;
    let definition: String = row.try_get("definition")?;
    let at: i64 = row.try_get("started_at")?;
    let after: i64 = row.try_get("queued_through")?;
    let definition = serde_json::from_str(&definition)
        .map_err(|e| crate::Error::invalid("definition", e.to_string()))?;
    let query = CustomerQuery {
        segment: Some(definition),
        ..CustomerQuery::default()
    };

    // The chunk's members, read first (the writer is not held meanwhile).
    let mut sql = Sql::default();
    sql.push("SELECT c.id, c.email, c.email_normalized");
    sql.filtered_by(db.backend(), store_id, &query, at, true, Drive::Id);
    let after_arg = sql.arg(after);
    let limit = sql.arg(chunk);
    sql.push(&format!(
        " AND c.id > {after_arg} AND {} ORDER BY c.id LIMIT {limit}",
        consent::sendable("c")
    ));
    let members: Vec<(i64, String, String)> = sql
        .query()
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect::<Result<_>>()?;
    let last = members.last().map(|m| m.0);
    let finished = (members.len() as i64) < chunk;

    let mut tx = db.writer().begin().await?;
    let mut added = 0;
    if !members.is_empty() {
        let rows: Vec<_> = members
            .iter()
            .map(|(id, email, normalized)| {
                serde_json::json!([store_id, campaign, id, email, normalized, now_ms, "queued"])
            })
            .collect();
        let mut insert = Sql::default();
        let values = insert.json(&rows);
        let select = from_json(
            db.backend(),
            &values,
            &[
                ("store_id", Json::Int),
                ("campaign_id", Json::Int),
                ("customer_id", Json::Int),
                ("email", Json::Text),
                ("email_normalized", Json::Text),
                ("next_attempt_at", Json::Int),
                ("status", Json::Text),
            ],
        );
        insert.text = format!(
            "INSERT INTO campaign_messages (store_id, campaign_id, customer_id, email, \
             email_normalized, next_attempt_at, status) {select} WHERE true \
             ON CONFLICT (campaign_id, customer_id) DO NOTHING"
        );
        added = insert.query().execute(&mut *tx).await?.rows_affected();
    }
    // Only while still queueing: a pause or cancel meanwhile stands.
    let (through, status) = if finished {
        (-1, "sending")
    } else {
        (last.unwrap_or(after), "queueing")
    };
    // `added` counts only new rows: a chunk queued again adds nothing.
    sqlx::query(
        "UPDATE campaigns SET queued_through = $1, status = $2, recipients = recipients + $3, \
         updated_at = $4 WHERE id = $5 AND status = 'queueing'",
    )
    .bind(through)
    .bind(status)
    .bind(added as i64)
    .bind(now_ms)
    .bind(campaign)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(added))
}
