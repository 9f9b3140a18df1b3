//! The statements that record facts. Each one converges: applying the same
//! reports in any order, any number of times, leaves the same row.

use std::collections::HashSet;

use sqlx::{AnyConnection, Row};

use crate::{
    Result,
    events::{CatalogEntry, CatalogKind},
};

/// Event ids logged per statement (five values each).
const EVENTS_PER_STATEMENT: usize = 1_000;

/// Logs a batch's event ids (id, type, occurred_at) in multi-row
/// statements; answers the ids that were new (a repeat, of an earlier batch
/// or within this one, is logged once). One round trip per thousand events
/// instead of one per event: imports and large batches spend most of their
/// time in round trips.
pub async fn log_events(
    conn: &mut AnyConnection,
    store_id: i64,
    events: &[(&str, &str, i64)],
    now: i64,
) -> Result<HashSet<String>> {
    let mut fresh = HashSet::with_capacity(events.len());
    for chunk in events.chunks(EVENTS_PER_STATEMENT) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let n = 3 + i * 3;
                format!("($1, ${n}, ${}, ${}, $2)", n + 1, n + 2)
            })
            .collect();
        let sql = format!(
            "INSERT INTO events (store_id, event_id, type, occurred_at, received_at) \
             VALUES {} ON CONFLICT (store_id, event_id) DO NOTHING RETURNING event_id",
            values.join(", ")
        );
        let mut query = sqlx::query_scalar::<_, String>(&sql)
            .bind(store_id)
            .bind(now);
        for (id, kind, at) in chunk {
            query = query.bind(*id).bind(*kind).bind(*at);
        }
        fresh.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(fresh)
}

/// The id of a catalog entry, created as a placeholder (no title yet) when a
/// fact names it before its catalog event arrived.
pub async fn catalog_id(
    conn: &mut AnyConnection,
    kind: CatalogKind,
    store_id: i64,
    external_id: &str,
    now: i64,
) -> Result<i64> {
    let table = kind.table();
    let select = format!("SELECT id FROM {table} WHERE store_id = $1 AND external_id = $2");
    if let Some(id) = sqlx::query_scalar(&select)
        .bind(store_id)
        .bind(external_id)
        .fetch_optional(&mut *conn)
        .await?
    {
        return Ok(id);
    }
    let insert = format!(
        "INSERT INTO {table} (store_id, external_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (store_id, external_id) DO NOTHING RETURNING id"
    );
    if let Some(id) = sqlx::query_scalar(&insert)
        .bind(store_id)
        .bind(external_id)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?
    {
        return Ok(id);
    }
    Ok(sqlx::query_scalar(&select)
        .bind(store_id)
        .bind(external_id)
        .fetch_one(&mut *conn)
        .await?)
}

/// Records a catalog event, last-writer-wins by (occurred_at, event id).
/// Returns the entry's id when its title changed (its customers' search text
/// and source must be derived again).
pub async fn upsert_catalog(
    conn: &mut AnyConnection,
    store_id: i64,
    entry: &CatalogEntry,
    occurred_at: i64,
    event_id: &str,
    now: i64,
) -> Result<Option<i64>> {
    let table = entry.kind.table();
    let previous = sqlx::query(&format!(
        "SELECT id, title FROM {table} WHERE store_id = $1 AND external_id = $2"
    ))
    .bind(store_id)
    .bind(entry.external_id.as_str())
    .fetch_optional(&mut *conn)
    .await?
    .map(|row| -> Result<(i64, Option<String>)> { Ok((row.try_get(0)?, row.try_get(1)?)) })
    .transpose()?;
    let (price, interval) = match entry.kind {
        CatalogKind::Plan => ("amount_cents", ", billing_interval"),
        _ => ("price_cents", ""),
    };
    let sql = format!(
        "INSERT INTO {table} (store_id, external_id, title, {price}, currency, updated_at, \
         updated_by, created_at{interval}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8{interval_value}) \
         ON CONFLICT (store_id, external_id) DO UPDATE SET title = excluded.title, \
         {price} = excluded.{price}, currency = excluded.currency, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by{interval_set} \
         WHERE excluded.updated_at > {table}.updated_at \
            OR (excluded.updated_at = {table}.updated_at AND excluded.updated_by > {table}.updated_by) \
         RETURNING id",
        interval_value = if interval.is_empty() { "" } else { ", $9" },
        interval_set = if interval.is_empty() {
            ""
        } else {
            ", billing_interval = excluded.billing_interval"
        },
    );
    let mut query = sqlx::query_scalar::<_, i64>(&sql)
        .bind(store_id)
        .bind(entry.external_id.as_str())
        .bind(entry.title.as_str())
        .bind(entry.price.get())
        .bind(entry.currency.as_str())
        .bind(occurred_at)
        .bind(event_id)
        .bind(now);
    if let Some(interval) = entry.interval {
        query = query.bind(interval.as_str());
    }
    let written = query.fetch_optional(&mut *conn).await?;
    Ok(match (written, previous) {
        (Some(id), Some((_, old_title))) if old_title.as_deref() != Some(entry.title.as_str()) => {
            Some(id)
        }
        _ => None,
    })
}

/// Records an enrollment, or a progress report when `progress` is given.
/// enrolled_at is the earliest report, last_accessed_at the newest, progress
/// the newest progress report's (ties: the higher progress).
///
/// A progress report also records the milestones (25, 50, 75, 100%) it
/// reaches: see [`record_milestones`].
pub async fn upsert_enrollment(
    conn: &mut AnyConnection,
    store_id: i64,
    course_id: i64,
    user_id: i64,
    at: i64,
    progress: Option<i64>,
) -> Result<()> {
    if progress.is_some() {
        record_milestones(conn, course_id, user_id, Report::Stored).await?;
    }
    sqlx::query(
        "INSERT INTO enrollments (store_id, course_id, user_id, enrolled_at, progress, \
         progress_at, last_accessed_at) VALUES ($1, $2, $3, $4, $5, $6, $4) \
         ON CONFLICT (course_id, user_id) DO UPDATE SET \
         enrolled_at = CASE WHEN excluded.enrolled_at < enrollments.enrolled_at \
             THEN excluded.enrolled_at ELSE enrollments.enrolled_at END, \
         progress = CASE WHEN excluded.progress_at > enrollments.progress_at \
             OR (excluded.progress_at = enrollments.progress_at \
                 AND excluded.progress > enrollments.progress) \
             THEN excluded.progress ELSE enrollments.progress END, \
         progress_at = CASE WHEN excluded.progress_at > enrollments.progress_at \
             THEN excluded.progress_at ELSE enrollments.progress_at END, \
         last_accessed_at = CASE WHEN excluded.last_accessed_at > enrollments.last_accessed_at \
             THEN excluded.last_accessed_at ELSE enrollments.last_accessed_at END",
    )
    .bind(store_id)
    .bind(course_id)
    .bind(user_id)
    .bind(at)
    .bind(progress.unwrap_or(0))
    .bind(if progress.is_some() { at } else { 0 })
    .execute(&mut *conn)
    .await?;
    if let Some(progress) = progress {
        record_milestones(conn, course_id, user_id, Report::New(at, progress)).await?;
    }
    Ok(())
}

/// The progress milestones, as a one-column table `t(percent)`.
pub(crate) const MILESTONES_SQL: &str =
    "(SELECT 25 AS percent UNION ALL SELECT 50 UNION ALL SELECT 75 UNION ALL SELECT 100)";

/// Whose report a milestone statement counts.
#[derive(Debug, Clone, Copy)]
enum Report {
    /// The enrollment row's own (its newest report so far).
    Stored,
    /// The report being recorded: ($3 time, $4 progress).
    New(i64, i64),
}

/// Records when an enrollment reached each milestone: `reached_at` is the
/// earliest time among the reports seen with progress at or above it. A
/// minimum over a set of reports does not depend on their order or on
/// repeats (invariant 1), so replays and out-of-order reports converge.
///
/// The reports seen include the enrollment row's own, counted before the
/// row is overwritten: an enrollment loaded in bulk without milestone rows
/// (seed, platform history) thus gets them at its recorded progress time
/// once a live report arrives, exactly as the timeline shows them until then
/// (see `customers::timeline`).
async fn record_milestones(
    conn: &mut AnyConnection,
    course_id: i64,
    user_id: i64,
    report: Report,
) -> Result<()> {
    let (at, progress) = match report {
        Report::Stored => ("e.progress_at", "e.progress"),
        Report::New(..) => ("$3", "$4"),
    };
    let sql = format!(
        "INSERT INTO enrollment_milestones (enrollment_id, percent, store_id, user_id, reached_at) \
         SELECT e.id, t.percent, e.store_id, e.user_id, {at} \
         FROM enrollments e CROSS JOIN {MILESTONES_SQL} t \
         WHERE e.course_id = $1 AND e.user_id = $2 AND {progress} >= t.percent AND {at} > 0 \
         ON CONFLICT (enrollment_id, percent) DO UPDATE SET reached_at = excluded.reached_at \
         WHERE excluded.reached_at < enrollment_milestones.reached_at"
    );
    let query = sqlx::query(&sql).bind(course_id).bind(user_id);
    let query = match report {
        Report::Stored => query,
        Report::New(at, progress) => query.bind(at).bind(progress),
    };
    query.execute(&mut *conn).await?;
    Ok(())
}

/// What a purchase paid for, by catalog row id.
#[derive(Debug, Clone, Copy)]
pub struct PurchaseRow<'a> {
    pub store_id: i64,
    pub external_id: &'a str,
    pub user_id: i64,
    pub course_id: Option<i64>,
    pub product_id: Option<i64>,
    pub plan_id: Option<i64>,
    pub amount_cents: i64,
    pub currency: &'a str,
    pub paid_at: i64,
}

/// Records a purchase. A placeholder left by an early refund is filled in.
/// Reports of one purchase that disagree converge on the earliest one (by
/// paid_at); a purchase never moves to another buyer.
pub async fn upsert_purchase(conn: &mut AnyConnection, p: PurchaseRow<'_>, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO purchases (store_id, external_id, user_id, course_id, product_id, plan_id, \
         amount_cents, currency, paid_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (store_id, external_id) DO UPDATE SET user_id = excluded.user_id, \
         course_id = excluded.course_id, product_id = excluded.product_id, \
         plan_id = excluded.plan_id, amount_cents = excluded.amount_cents, \
         currency = excluded.currency, paid_at = excluded.paid_at \
         WHERE purchases.paid_at IS NULL \
            OR (excluded.paid_at < purchases.paid_at AND excluded.user_id = purchases.user_id)",
    )
    .bind(p.store_id)
    .bind(p.external_id)
    .bind(p.user_id)
    .bind(p.course_id)
    .bind(p.product_id)
    .bind(p.plan_id)
    .bind(p.amount_cents)
    .bind(p.currency)
    .bind(p.paid_at)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records a full refund (the earliest report's time). Returns the buyer, or
/// None while the purchase has not arrived.
pub async fn refund_purchase(
    conn: &mut AnyConnection,
    store_id: i64,
    external_id: &str,
    at: i64,
    now: i64,
) -> Result<Option<i64>> {
    let user: Option<Option<i64>> = sqlx::query_scalar(
        "INSERT INTO purchases (store_id, external_id, refunded_at, created_at) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (store_id, external_id) DO UPDATE SET refunded_at = CASE \
             WHEN purchases.refunded_at IS NULL OR excluded.refunded_at < purchases.refunded_at \
             THEN excluded.refunded_at ELSE purchases.refunded_at END \
         RETURNING user_id",
    )
    .bind(store_id)
    .bind(external_id)
    .bind(at)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(user.flatten())
}

/// A subscription's state as one report gives it.
#[derive(Debug, Clone, Copy)]
pub struct SubscriptionRow<'a> {
    pub store_id: i64,
    pub external_id: &'a str,
    pub user_id: i64,
    pub plan_id: i64,
    pub amount_cents: i64,
    pub currency: &'a str,
    pub interval: &'a str,
    pub status: &'a str,
    pub started_at: i64,
    pub current_period_end: Option<i64>,
    pub status_at: i64,
    pub status_event: &'a str,
}

/// Records a subscription report: plan, amount, status and period are the
/// newest report's (by occurred_at, then event id); started_at the earliest.
/// The subscriber does not change. Returns the subscriber.
///
/// Every report is also kept in `subscription_changes` (the subscription's
/// history on the customer page), once per event id.
pub async fn upsert_subscription(
    conn: &mut AnyConnection,
    s: SubscriptionRow<'_>,
    now: i64,
) -> Result<i64> {
    const NEWER: &str = "(excluded.status_at > subscriptions.status_at \
        OR (excluded.status_at = subscriptions.status_at \
            AND excluded.status_event > subscriptions.status_event))";
    let lww = |column: &str| {
        format!(
            "{column} = CASE WHEN {NEWER} THEN excluded.{column} ELSE subscriptions.{column} END"
        )
    };
    let sql = format!(
        "INSERT INTO subscriptions (store_id, external_id, user_id, plan_id, amount_cents, \
         currency, billing_interval, status, started_at, current_period_end, status_at, \
         status_event, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (store_id, external_id) DO UPDATE SET \
         started_at = CASE WHEN excluded.started_at < subscriptions.started_at \
             THEN excluded.started_at ELSE subscriptions.started_at END, \
         {}, {}, {}, {}, {}, {}, {}, {} \
         RETURNING id, user_id",
        lww("plan_id"),
        lww("amount_cents"),
        lww("currency"),
        lww("billing_interval"),
        lww("status"),
        lww("current_period_end"),
        lww("status_at"),
        lww("status_event"),
    );
    let row = sqlx::query(&sql)
        .bind(s.store_id)
        .bind(s.external_id)
        .bind(s.user_id)
        .bind(s.plan_id)
        .bind(s.amount_cents)
        .bind(s.currency)
        .bind(s.interval)
        .bind(s.status)
        .bind(s.started_at)
        .bind(s.current_period_end)
        .bind(s.status_at)
        .bind(s.status_event)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
    let (subscription_id, subscriber): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
    sqlx::query(
        "INSERT INTO subscription_changes (subscription_id, store_id, user_id, plan_id, status, \
         amount_cents, currency, happened_at, event_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (subscription_id, event_id) DO NOTHING",
    )
    .bind(subscription_id)
    .bind(s.store_id)
    .bind(subscriber)
    .bind(s.plan_id)
    .bind(s.status)
    .bind(s.amount_cents)
    .bind(s.currency)
    .bind(s.status_at)
    .bind(s.status_event)
    .execute(&mut *conn)
    .await?;
    Ok(subscriber)
}

/// Records an opt-in or import; created_at is the earliest report.
pub async fn upsert_lead(
    conn: &mut AnyConnection,
    store_id: i64,
    user_id: i64,
    source: &str,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO leads (store_id, user_id, source, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (store_id, user_id, source) DO UPDATE SET created_at = CASE \
             WHEN excluded.created_at < leads.created_at \
             THEN excluded.created_at ELSE leads.created_at END",
    )
    .bind(store_id)
    .bind(user_id)
    .bind(source)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
