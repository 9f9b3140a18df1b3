//! Email consent and suppression: per normalised email within a store
//! (tables `email_consents`, `email_suppressions`; migration 0015 explains
//! the rule). Every statement names the store.
//!
//! Reports come from the events path (`facts::record`: a lead's `consent`,
//! a `consent` event, an import's consent column, which is a lead's) and
//! from one-click unsubscribes; suppressions from hard bounces and
//! complaints. Only an address that is subscribed and not suppressed may
//! receive a campaign.

use std::collections::BTreeMap;

use domain::customer::Consent;
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use crate::{
    Backend, Db, Result,
    sql::{Json, Sql, from_json, text_gt},
};

/// One report of an address's consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Report<'a> {
    pub email_normalized: &'a str,
    /// Subscribed or unsubscribed (not asked is no report).
    pub consent: Consent,
    /// A `consent` event or an unsubscribe: outranks a lead's opt-in.
    pub explicit: bool,
    pub at: i64,
    /// Breaks ties of `at` (an event id): the greater wins, byte-wise.
    pub key: &'a str,
    pub source: &'a str,
}

impl Report<'_> {
    /// The order reports are ranked by; the greatest is the state.
    fn rank(&self) -> (bool, i64, &[u8]) {
        (self.explicit, self.at, self.key.as_bytes())
    }
}

/// Why an address is suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Suppression {
    /// A permanent delivery failure (SMTP 5xx).
    Bounce,
    /// The recipient reported a message as spam.
    Complaint,
}

impl Suppression {
    pub const fn as_str(self) -> &'static str {
        match self {
            Suppression::Bounce => "bounce",
            Suppression::Complaint => "complaint",
        }
    }
}

/// An address's standing, as a customer's page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailStanding {
    pub consent: Consent,
    /// When the deciding report happened (unix ms), and what it was.
    pub since: Option<i64>,
    pub source: Option<String>,
    pub suppressed: Option<(Suppression, String, i64)>,
}

/// The condition, over a row with `store_id` and `email_normalized` columns
/// aliased `{alias}`, that an address may receive a campaign: subscribed and
/// not suppressed. THE definition: the recipients of a campaign and the
/// claim of each message both use it.
pub(crate) fn sendable(alias: &str) -> String {
    format!(
        "{alias}.email_normalized IS NOT NULL \
         AND EXISTS (SELECT 1 FROM email_consents k WHERE k.store_id = {alias}.store_id \
             AND k.email_normalized = {alias}.email_normalized AND k.consent = 'subscribed') \
         AND NOT EXISTS (SELECT 1 FROM email_suppressions s WHERE s.store_id = {alias}.store_id \
             AND s.email_normalized = {alias}.email_normalized)"
    )
}

/// The segment rule: the customer row `c`'s consent is `consent`. Never
/// NULL (a group's `NOT` must not meet SQL's unknown).
pub(crate) fn condition(store: &str, consent: Consent) -> String {
    let with = |state: &str| {
        format!(
            "(c.email_normalized IS NOT NULL AND EXISTS (SELECT 1 FROM email_consents k \
             WHERE k.store_id = {store} AND k.email_normalized = c.email_normalized \
             AND k.consent = '{state}'))"
        )
    };
    match consent {
        Consent::Subscribed => with("subscribed"),
        Consent::Unsubscribed => with("unsubscribed"),
        Consent::NotAsked => format!(
            "(c.email_normalized IS NULL OR NOT EXISTS (SELECT 1 FROM email_consents k \
             WHERE k.store_id = {store} AND k.email_normalized = c.email_normalized))"
        ),
    }
}

/// Records reports in one statement: per address the greatest report (of
/// the batch and of the table) is kept.
pub(crate) async fn record(
    conn: &mut AnyConnection,
    store_id: i64,
    reports: &[Report<'_>],
    now: i64,
) -> Result<()> {
    let mut best: BTreeMap<&str, &Report> = BTreeMap::new();
    for report in reports {
        if report.consent == Consent::NotAsked {
            continue;
        }
        best.entry(report.email_normalized)
            .and_modify(|kept| {
                if report.rank() > kept.rank() {
                    *kept = report;
                }
            })
            .or_insert(report);
    }
    if best.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = best
        .values()
        .map(|r| {
            serde_json::json!([
                store_id,
                r.email_normalized,
                r.consent.as_str(),
                i64::from(r.explicit),
                r.at,
                r.key,
                r.source,
                now
            ])
        })
        .collect();
    let backend = Backend::of(conn);
    let mut sql = Sql::default();
    let values = sql.json(&rows);
    let select = from_json(
        backend,
        &values,
        &[
            ("store_id", Json::Int),
            ("email_normalized", Json::Text),
            ("consent", Json::Text),
            ("explicit", Json::Int),
            ("reported_at", Json::Int),
            ("report_key", Json::Text),
            ("source", Json::Text),
            ("updated_at", Json::Int),
        ],
    );
    let greater = format!(
        "excluded.explicit > email_consents.explicit \
         OR (excluded.explicit = email_consents.explicit \
             AND (excluded.reported_at > email_consents.reported_at \
                  OR (excluded.reported_at = email_consents.reported_at AND {})))",
        text_gt(backend, "excluded.report_key", "email_consents.report_key")
    );
    sql.text = format!(
        "INSERT INTO email_consents (store_id, email_normalized, consent, explicit, reported_at, \
         report_key, source, updated_at) {select} WHERE true \
         ON CONFLICT (store_id, email_normalized) DO UPDATE SET \
         consent = excluded.consent, explicit = excluded.explicit, \
         reported_at = excluded.reported_at, report_key = excluded.report_key, \
         source = excluded.source, updated_at = excluded.updated_at \
         WHERE {greater}"
    );
    sql.query().execute(&mut *conn).await?;
    Ok(())
}

/// An explicit unsubscribe of an address (the one-click link), at `at`.
pub async fn unsubscribe(
    db: &Db,
    store_id: i64,
    email_normalized: &str,
    key: &str,
    source: &str,
    at: i64,
) -> Result<()> {
    let mut conn = db.writer().acquire().await?;
    let report = Report {
        email_normalized,
        consent: Consent::Unsubscribed,
        explicit: true,
        at,
        key,
        source,
    };
    record(&mut conn, store_id, &[report], at).await
}

/// Suppresses an address (the first reason is kept).
pub async fn suppress(
    conn: &mut AnyConnection,
    store_id: i64,
    email_normalized: &str,
    reason: Suppression,
    detail: &str,
    at: i64,
) -> Result<()> {
    let detail: String = detail.chars().take(500).collect();
    let mut sql = Sql::default();
    let values = [
        sql.arg(store_id),
        sql.arg(email_normalized),
        sql.arg(reason.as_str()),
        sql.arg(detail),
        sql.arg(at),
    ];
    sql.text = format!(
        "INSERT INTO email_suppressions (store_id, email_normalized, reason, detail, \
         suppressed_at) VALUES ({}) ON CONFLICT (store_id, email_normalized) DO NOTHING",
        values.join(", ")
    );
    sql.query().execute(&mut *conn).await?;
    Ok(())
}

/// The standing of the store's address `email_normalized`.
pub async fn standing(db: &Db, store_id: i64, email_normalized: &str) -> Result<EmailStanding> {
    let mut sql = Sql::default();
    let store = sql.arg(store_id);
    let email = sql.arg(email_normalized);
    sql.text = format!(
        "SELECT consent, reported_at, source FROM email_consents \
         WHERE store_id = {store} AND email_normalized = {email}"
    );
    let consent = sql.query().fetch_optional(db.reader()).await?;
    let mut standing = EmailStanding {
        consent: Consent::NotAsked,
        since: None,
        source: None,
        suppressed: None,
    };
    if let Some(row) = consent {
        let word: String = row.try_get("consent")?;
        standing.consent = Consent::parse("consent", &word)?;
        standing.since = Some(row.try_get("reported_at")?);
        standing.source = Some(row.try_get("source")?);
    }
    sql.text = format!(
        "SELECT reason, detail, suppressed_at FROM email_suppressions \
         WHERE store_id = {store} AND email_normalized = {email}"
    );
    if let Some(row) = sql.query().fetch_optional(db.reader()).await? {
        let reason: String = row.try_get("reason")?;
        let reason = match reason.as_str() {
            "complaint" => Suppression::Complaint,
            _ => Suppression::Bounce,
        };
        standing.suppressed = Some((
            reason,
            row.try_get("detail")?,
            row.try_get("suppressed_at")?,
        ));
    }
    Ok(standing)
}
