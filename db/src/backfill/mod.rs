//! The backfill: turns a store's (or every store's) history of enrollments,
//! purchases, subscriptions and leads into customers.
//!
//! - Entering a store applies the merge rule to all its identities
//!   (`crate::identity::regroup_store`); then batches are ranges of the
//!   store's customer ids (`batch_size` customers each). Each batch is ONE
//!   transaction on the writer that loads the customers' facts, runs THE
//!   derivation ([`crate::customers::derive::derive`], as the live path does
//!   for the customers of an events batch), writes what changed and moves
//!   the run's checkpoint and counters forward. Killed at any point, a run
//!   resumes after its last committed batch and ends where an uninterrupted
//!   run ends.
//! - Only one run per store at a time: starting takes a global lock
//!   (the single writer on SQLite, an advisory lock on Postgres) and refuses
//!   while an overlapping run is alive. A run whose process is gone (same
//!   host, pid not running) or whose heartbeat is stale is taken over and
//!   resumed from its checkpoint.
//! - Live events: on Postgres each batch holds the store's lock exclusively
//!   (see `crate::locks`), so a batch never derives from half-recorded facts;
//!   on SQLite the single writer serialises them. Facts recorded after a
//!   batch re-derive their customer on the live path.
//! - Errors name the customer and do not stop the run. A refund whose
//!   payment was never reported is not an error: it is counted as pending
//!   and applies when the payment arrives.

mod run;

pub use run::{RunOptions, derive_store, execute, forget_derived, run, start};

use sqlx::Row;

use crate::{Db, Result};

/// Source rows of a scope, by kind.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    pub enrollments: u64,
    pub purchases: u64,
    pub subscriptions: u64,
    pub leads: u64,
}

impl Found {
    pub fn total(&self) -> u64 {
        self.enrollments + self.purchases + self.subscriptions + self.leads
    }

    /// `Found 1,085,795 course enrollments, 307,737 product purchases and
    /// 48,181 subscriptions to process` (leads named only when there are any).
    pub fn sentence(&self) -> String {
        let mut parts = vec![
            format!("{} course enrollments", thousands(self.enrollments)),
            format!("{} product purchases", thousands(self.purchases)),
            format!("{} subscriptions", thousands(self.subscriptions)),
        ];
        if self.leads > 0 {
            parts.push(format!("{} leads", thousands(self.leads)));
        }
        let last = parts.pop().unwrap_or_default();
        format!("Found {} and {last} to process", parts.join(", "))
    }
}

impl std::ops::AddAssign for Found {
    fn add_assign(&mut self, other: Found) {
        self.enrollments += other.enrollments;
        self.purchases += other.purchases;
        self.subscriptions += other.subscriptions;
        self.leads += other.leads;
    }
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Running,
    Completed,
    Failed,
    Interrupted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Completed => "completed",
            Status::Failed => "failed",
            Status::Interrupted => "interrupted",
        }
    }

    fn parse(text: &str) -> Status {
        match text {
            "running" => Status::Running,
            "completed" => Status::Completed,
            "failed" => Status::Failed,
            _ => Status::Interrupted,
        }
    }
}

/// One backfill run, as recorded (a dry run has id 0 and is not recorded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub id: i64,
    /// `None`: all stores.
    pub store_id: Option<i64>,
    pub started_by: Option<i64>,
    pub status: Status,
    pub batch_size: i64,
    pub found: Found,
    pub rows_done: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub errors: u64,
    /// Refunds whose payment never arrived (they apply when it does).
    pub pending: u64,
    pub checkpoint_store: Option<i64>,
    pub checkpoint_customer: Option<i64>,
    pub owner: String,
    pub message: Option<String>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub heartbeat_at: i64,
}

impl Run {
    /// `Backfill complete: 524,165 created, 0 updated, 0 errors; 12 unchanged`.
    pub fn summary(&self) -> String {
        let head = match self.status {
            Status::Completed => "Backfill complete",
            Status::Running => "Backfill running",
            Status::Failed => "Backfill failed",
            Status::Interrupted => "Backfill interrupted",
        };
        let pending = match self.pending {
            0 => String::new(),
            1 => "; 1 refund waits for its payment".to_string(),
            n => format!("; {} refunds wait for their payments", thousands(n)),
        };
        format!(
            "{head}: {} created, {} updated, {} errors; {} unchanged{pending}",
            thousands(self.created),
            thousands(self.updated),
            thousands(self.errors),
            thousands(self.unchanged)
        )
    }

    /// Source rows done per second since the start (or until the end).
    pub fn rate(&self, now_ms: i64) -> f64 {
        let end = self.finished_at.unwrap_or(now_ms);
        let seconds = (end - self.started_at).max(1) as f64 / 1000.0;
        self.rows_done as f64 / seconds
    }

    /// Seconds left at the current rate, when running.
    pub fn seconds_left(&self, now_ms: i64) -> Option<f64> {
        let rate = self.rate(now_ms);
        (self.status == Status::Running && rate > 0.0)
            .then(|| self.found.total().saturating_sub(self.rows_done) as f64 / rate)
    }

    /// Whether the process running it is still there (a `running` run whose
    /// process died is interrupted until someone starts it again).
    pub fn is_alive(&self, now_ms: i64) -> bool {
        self.status == Status::Running && run::owner_alive(&self.owner, self.heartbeat_at, now_ms)
    }

    fn from_row(row: &sqlx::any::AnyRow) -> Result<Run> {
        let count = |name: &str| -> Result<u64> { Ok(row.try_get::<i64, _>(name)?.max(0) as u64) };
        Ok(Run {
            id: row.try_get("id")?,
            store_id: row.try_get("store_id")?,
            started_by: row.try_get("started_by")?,
            status: Status::parse(&row.try_get::<String, _>("status")?),
            batch_size: row.try_get("batch_size")?,
            found: Found {
                enrollments: count("found_enrollments")?,
                purchases: count("found_purchases")?,
                subscriptions: count("found_subscriptions")?,
                leads: count("found_leads")?,
            },
            rows_done: count("rows_done")?,
            created: count("created")?,
            updated: count("updated")?,
            unchanged: count("unchanged")?,
            errors: count("errors")?,
            pending: count("pending")?,
            checkpoint_store: row.try_get("checkpoint_store")?,
            checkpoint_customer: row.try_get("checkpoint_customer")?,
            owner: row.try_get("owner")?,
            message: row.try_get("message")?,
            started_at: row.try_get("started_at")?,
            finished_at: row.try_get("finished_at")?,
            heartbeat_at: row.try_get("heartbeat_at")?,
        })
    }
}

/// A source row the backfill could not turn into (part of) a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunError {
    pub store_id: i64,
    pub source_table: String,
    pub source_id: String,
    pub message: String,
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "store {}, {} row {}: {}",
            self.store_id, self.source_table, self.source_id, self.message
        )
    }
}

const RUN_COLUMNS: &str = "id, store_id, started_by, status, batch_size, found_enrollments, \
    found_purchases, found_subscriptions, found_leads, rows_done, created, updated, unchanged, \
    errors, pending, checkpoint_store, checkpoint_customer, owner, message, started_at, finished_at, \
    heartbeat_at";

/// One run by id.
pub async fn get_run(db: &Db, id: i64) -> Result<Option<Run>> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM backfill_runs WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(Run::from_row).transpose()
}

/// The newest runs of a store (`Some`), or of every scope (`None`), newest first.
pub async fn list_runs(db: &Db, store_id: Option<i64>, limit: i64) -> Result<Vec<Run>> {
    let rows = match store_id {
        Some(store_id) => {
            let sql = format!(
                "SELECT {RUN_COLUMNS} FROM backfill_runs WHERE store_id = $1 \
                 ORDER BY id DESC LIMIT $2"
            );
            sqlx::query(&sql)
                .bind(store_id)
                .bind(limit)
                .fetch_all(db.reader())
                .await?
        }
        None => {
            let sql = format!("SELECT {RUN_COLUMNS} FROM backfill_runs ORDER BY id DESC LIMIT $1");
            sqlx::query(&sql).bind(limit).fetch_all(db.reader()).await?
        }
    };
    rows.iter().map(Run::from_row).collect()
}

/// The errors of a run, oldest first.
pub async fn list_errors(db: &Db, run_id: i64, limit: i64) -> Result<Vec<RunError>> {
    let rows = sqlx::query(
        "SELECT store_id, source_table, source_id, message FROM backfill_errors \
         WHERE run_id = $1 ORDER BY id LIMIT $2",
    )
    .bind(run_id)
    .bind(limit)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(RunError {
                store_id: row.try_get("store_id")?,
                source_table: row.try_get("source_table")?,
                source_id: row.try_get("source_id")?,
                message: row.try_get("message")?,
            })
        })
        .collect()
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_like_store_owners_write_them() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_085_795), "1,085,795");
        let found = Found {
            enrollments: 1_085_795,
            purchases: 307_737,
            subscriptions: 48_181,
            leads: 0,
        };
        assert_eq!(
            found.sentence(),
            "Found 1,085,795 course enrollments, 307,737 product purchases and 48,181 \
             subscriptions to process"
        );
    }
}
