//! A customer's timeline: everything that happened, newest first, paged by
//! keyset. Entries are read from the facts themselves (one UNION ALL over
//! the fact tables of one customer), so the timeline can never disagree
//! with them:
//!
//! | kind | from | at |
//! | --- | --- | --- |
//! | `enrolled` | enrollments | enrolled_at |
//! | `progress` | enrollment_milestones (25/50/75/100%) | reached_at |
//! | `purchased` | purchases of a course, product, or a plan's first payment | paid_at |
//! | `renewed` | a plan's later payments | paid_at |
//! | `refunded` | refunded purchases | refunded_at |
//! | `subscribed` | subscriptions | started_at |
//! | `cancelled` | a report turning a subscription cancelled or expired | its time |
//! | `subscription_changed` | a report changing its status otherwise (past due, reactivated) | its time |
//! | `lead` | opt-ins (`title` is the source) | created_at |
//! | `imported` | contacts of a file (`title` is `import: <file>`) | created_at |
//! | `note_added`, `tag_added`, `tag_removed` | customer_activity | happened_at |
//! | `campaign_sent` | campaign_messages delivered (`title` is the campaign) | sent_at |
//! | `campaign_open`, `campaign_click`, `campaign_unsubscribe`, `campaign_bounce`, `campaign_complaint` | campaign_events (`status` is the clicked link) | at |
//!
//! Rows loaded in bulk (seed, platform history) have no milestone or
//! subscription report rows; for them the timeline shows the milestones
//! their progress has reached at their progress time and a cancellation at
//! the subscription's status time, exactly what the live path records once
//! a report arrives (see `facts::enrollments`).
//!
//! Order: (at, kind, key) descending, where `key` is unique per entry; the
//! cursor is that triple of the last entry shown.

use serde::{Deserialize, Serialize};
use sqlx::{Row, any::AnyRow};

use super::owned::{IDENTITIES_OF, anchor_of};
use crate::{Db, Error, Result};

/// Entries per page unless asked otherwise.
pub const DEFAULT_TIMELINE_PAGE: u32 = 50;
/// Most entries one page may ask for.
pub const MAX_TIMELINE_PAGE: u32 = 200;

/// One thing that happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: i64,
    /// See the module documentation.
    pub kind: String,
    /// Unique per entry of this customer (the cursor's tie breaker).
    pub key: String,
    /// Course, product or plan title; the lead's source; the tag's name; the
    /// note's text.
    pub title: Option<String>,
    pub amount_cents: Option<i64>,
    pub currency: Option<String>,
    /// The milestone reached (`progress`).
    pub percent: Option<i64>,
    /// The subscription's status (`subscribed`, `cancelled`,
    /// `subscription_changed`); the link clicked (`campaign_click`).
    pub status: Option<String>,
    /// Who did it (notes and tags).
    pub actor: Option<String>,
}

/// Where a page starts: after this entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimelineCursor {
    pub at: i64,
    pub kind: String,
    pub key: String,
}

impl TimelineCursor {
    /// The URL form, `at~kind~key`.
    pub fn to_param(&self) -> String {
        format!("{}~{}~{}", self.at, self.kind, self.key)
    }

    /// Reads the URL form; errors name `field`.
    pub fn parse(field: &str, value: &str) -> Result<TimelineCursor> {
        let bad = || Error::invalid(field, "is not a timeline cursor");
        let mut parts = value.splitn(3, '~');
        let at = parts
            .next()
            .and_then(|at| at.parse::<i64>().ok())
            .ok_or_else(bad)?;
        let kind = parts.next().filter(|k| !k.is_empty()).ok_or_else(bad)?;
        let key = parts.next().filter(|k| !k.is_empty()).ok_or_else(bad)?;
        let plain = |s: &str| {
            s.len() <= 64
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ':'))
        };
        if !plain(kind) || !plain(key) {
            return Err(bad());
        }
        Ok(TimelineCursor {
            at,
            kind: kind.to_string(),
            key: key.to_string(),
        })
    }
}

/// One page and where the next starts (`None` on the last page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelinePage {
    pub entries: Vec<TimelineEntry>,
    pub next: Option<TimelineCursor>,
}

/// Every entry of customer ($1 store, $2 customer): at, kind, key, title,
/// amount_cents, currency, percent, status, actor.
fn entries_sql() -> String {
    let milestones = super::detail::milestone_rows();
    let ids = IDENTITIES_OF;
    format!(
        "SELECT e.enrolled_at AS happened, 'enrolled' AS kind, 'e' || CAST(e.id AS TEXT) AS entry_key,
                COALESCE(co.title, co.external_id) AS title, CAST(NULL AS BIGINT) AS amount_cents,
                CAST(NULL AS TEXT) AS currency, CAST(NULL AS BIGINT) AS percent,
                CAST(NULL AS TEXT) AS status, CAST(NULL AS TEXT) AS actor
         FROM enrollments e JOIN courses co ON co.id = e.course_id
         WHERE e.store_id = $1 AND e.identity_id IN {ids}
         UNION ALL
         SELECT m.reached_at, 'progress',
                'm' || CAST(m.enrollment_id AS TEXT) || ':'
                    || CASE WHEN m.percent < 100 THEN '0' ELSE '' END || CAST(m.percent AS TEXT),
                COALESCE(co.title, co.external_id), NULL, NULL, CAST(m.percent AS BIGINT),
                NULL, NULL
         FROM ({milestones}) m
         JOIN enrollments e ON e.id = m.enrollment_id JOIN courses co ON co.id = e.course_id
         UNION ALL
         SELECT p.paid_at,
                CASE WHEN p.plan_id IS NOT NULL AND EXISTS (
                         SELECT 1 FROM purchases q
                         WHERE q.store_id = p.store_id AND q.identity_id IN {ids}
                           AND q.plan_id = p.plan_id AND q.paid_at IS NOT NULL
                           AND (q.paid_at < p.paid_at OR (q.paid_at = p.paid_at AND q.id < p.id)))
                     THEN 'renewed' ELSE 'purchased' END,
                'p' || CAST(p.id AS TEXT),
                COALESCE(c.title, c.external_id, d.title, d.external_id, n.title, n.external_id),
                p.amount_cents, p.currency, NULL, NULL, NULL
         FROM purchases p
         LEFT JOIN courses c ON c.id = p.course_id
         LEFT JOIN products d ON d.id = p.product_id
         LEFT JOIN plans n ON n.id = p.plan_id
         WHERE p.store_id = $1 AND p.identity_id IN {ids} AND p.paid_at IS NOT NULL
         UNION ALL
         SELECT p.refunded_at, 'refunded', 'r' || CAST(p.id AS TEXT),
                COALESCE(c.title, c.external_id, d.title, d.external_id, n.title, n.external_id),
                p.amount_cents, p.currency, NULL, NULL, NULL
         FROM purchases p
         LEFT JOIN courses c ON c.id = p.course_id
         LEFT JOIN products d ON d.id = p.product_id
         LEFT JOIN plans n ON n.id = p.plan_id
         WHERE p.store_id = $1 AND p.identity_id IN {ids} AND p.paid_at IS NOT NULL
           AND p.refunded_at IS NOT NULL
         UNION ALL
         SELECT s.started_at, 'subscribed', 's' || CAST(s.id AS TEXT),
                COALESCE(n.title, n.external_id), s.amount_cents, s.currency, NULL,
                s.status, NULL
         FROM subscriptions s JOIN plans n ON n.id = s.plan_id
         WHERE s.store_id = $1 AND s.identity_id IN {ids}
         UNION ALL
         SELECT h.happened_at,
                CASE WHEN h.status IN ('cancelled', 'expired')
                          AND (h.previous IS NULL OR h.previous NOT IN ('cancelled', 'expired'))
                     THEN 'cancelled' ELSE 'subscription_changed' END,
                'h' || CAST(h.id AS TEXT),
                COALESCE(n.title, n.external_id), h.amount_cents, h.currency, NULL,
                h.status, NULL
         FROM (SELECT x.*, LAG(x.status) OVER (PARTITION BY x.subscription_id
                                               ORDER BY x.happened_at, x.event_id) AS previous
               FROM subscription_changes x WHERE x.store_id = $1 AND x.identity_id IN {ids}) h
         JOIN plans n ON n.id = h.plan_id
         WHERE (h.previous IS NULL AND h.status NOT IN ('active', 'trialing'))
            OR (h.previous IS NOT NULL AND h.previous <> h.status)
         UNION ALL
         SELECT s.status_at, 'cancelled', 'x' || CAST(s.id AS TEXT),
                COALESCE(n.title, n.external_id), s.amount_cents, s.currency, NULL,
                s.status, NULL
         FROM subscriptions s JOIN plans n ON n.id = s.plan_id
         WHERE s.store_id = $1 AND s.identity_id IN {ids} AND s.status IN ('cancelled', 'expired')
           AND NOT EXISTS (SELECT 1 FROM subscription_changes x WHERE x.subscription_id = s.id)
         UNION ALL
         SELECT l.created_at, CASE WHEN l.imported = 1 THEN 'imported' ELSE 'lead' END,
                'l' || CAST(l.id AS TEXT), l.source, NULL, NULL, NULL, NULL, NULL
         FROM leads l WHERE l.store_id = $1 AND l.identity_id IN {ids}
         UNION ALL
         SELECT a.happened_at, a.kind, 'a' || CAST(a.id AS TEXT),
                COALESCE(nt.body, a.tag_name), NULL, NULL, NULL, NULL, a.account_email
         FROM customer_activity a LEFT JOIN customer_notes nt ON nt.id = a.note_id
         WHERE a.store_id = $1 AND a.identity_id IN {ids}
         UNION ALL
         SELECT m.sent_at, 'campaign_sent', 'cm' || CAST(m.id AS TEXT), g.name,
                NULL, NULL, NULL, NULL, NULL
         FROM campaign_messages m JOIN campaigns g ON g.store_id = m.store_id AND g.id = m.campaign_id
         WHERE m.store_id = $1 AND m.customer_id IN {ids} AND m.status = 'sent'
         UNION ALL
         SELECT v.at, 'campaign_' || v.kind, 'cv' || CAST(v.id AS TEXT), g.name,
                NULL, NULL, NULL, v.url, NULL
         FROM campaign_events v JOIN campaigns g ON g.store_id = v.store_id AND g.id = v.campaign_id
         WHERE v.store_id = $1 AND v.customer_id IN {ids}"
    )
}

fn entry_from(row: &AnyRow) -> Result<TimelineEntry> {
    Ok(TimelineEntry {
        at: row.try_get("happened")?,
        kind: row.try_get("kind")?,
        key: row.try_get("entry_key")?,
        title: row.try_get("title")?,
        amount_cents: row.try_get("amount_cents")?,
        currency: row.try_get("currency")?,
        percent: row.try_get("percent")?,
        status: row.try_get("status")?,
        actor: row.try_get("actor")?,
    })
}

/// One page of customer `customer_id`'s timeline, newest first, after
/// `after` (from the start when `None`). Another store's customer is not
/// found; a page size outside 1..=[`MAX_TIMELINE_PAGE`] names `page_size`.
#[tracing::instrument(skip(db))]
pub async fn timeline(
    db: &Db,
    store_id: i64,
    customer_id: i64,
    after: Option<&TimelineCursor>,
    page_size: u32,
) -> Result<TimelinePage> {
    if !(1..=MAX_TIMELINE_PAGE).contains(&page_size) {
        return Err(Error::invalid(
            "page_size",
            format!("must be between 1 and {MAX_TIMELINE_PAGE}"),
        ));
    }
    anchor_of(db.reader(), store_id, customer_id).await?;
    let mut entries = page_of_customer(db, store_id, customer_id, after, page_size).await?;
    let next = if entries.len() > page_size as usize {
        entries.truncate(page_size as usize);
        entries.last().map(|e| TimelineCursor {
            at: e.at,
            kind: e.kind.clone(),
            key: e.key.clone(),
        })
    } else {
        None
    };
    Ok(TimelinePage { entries, next })
}

/// Up to `limit + 1` entries of a customer after `after`; every entry
/// when `limit` is `u32::MAX` (the export).
pub(crate) async fn page_of_customer(
    db: &Db,
    store_id: i64,
    customer_id: i64,
    after: Option<&TimelineCursor>,
    limit: u32,
) -> Result<Vec<TimelineEntry>> {
    let bound = if after.is_some() {
        " WHERE t.happened < $3 OR (t.happened = $3 AND (t.kind < $4 \
           OR (t.kind = $4 AND t.entry_key < $5)))"
    } else {
        ""
    };
    let sql = format!(
        "SELECT t.happened, t.kind, t.entry_key, t.title, t.amount_cents, t.currency, t.percent, t.status, \
                t.actor \
         FROM ({}) t{bound} ORDER BY t.happened DESC, t.kind DESC, t.entry_key DESC LIMIT {}",
        entries_sql(),
        i64::from(limit) + 1,
    );
    let mut query = sqlx::query(&sql).bind(store_id).bind(customer_id);
    if let Some(after) = after {
        query = query
            .bind(after.at)
            .bind(after.kind.as_str())
            .bind(after.key.as_str());
    }
    query
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(entry_from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_junk() {
        let cursor = TimelineCursor {
            at: 1_735_689_600_000,
            kind: "tag_added".into(),
            key: "m12:100".into(),
        };
        assert_eq!(
            TimelineCursor::parse("cursor", &cursor.to_param()).unwrap(),
            cursor
        );
        for bad in ["", "x~a~b", "1~~b", "1~a", "1~a~b'; --", "1~a b~c"] {
            assert!(TimelineCursor::parse("cursor", bad).is_err(), "{bad:?}");
        }
    }
}
