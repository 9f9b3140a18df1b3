//! Starting, resuming and executing a run (see the module docs).

use sqlx::{Acquire, AnyConnection, Row};

use super::{Found, Run, Status};
use crate::{
    Backend, Db, Error, Result,
    customers::{
        load::Scope,
        refresh::{Refreshed, refresh},
    },
    identity, locks,
    time::now_ms,
};

/// A run whose heartbeat is older than this is dead, whoever owns it.
const STALE_MS: i64 = 120_000;

/// What to backfill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOptions {
    /// `None`: every store.
    pub store_id: Option<i64>,
    /// Distinct users (customers) per batch.
    pub batch_size: u32,
    /// Derive and count, then roll every batch back; nothing is recorded.
    pub dry_run: bool,
    /// The account that started it (`None`: the command line).
    pub started_by: Option<i64>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            store_id: None,
            batch_size: 20_000,
            dry_run: false,
            started_by: None,
        }
    }
}

/// Starts (or resumes) and executes a run to its end.
pub async fn run(
    db: &Db,
    options: &RunOptions,
    on_progress: &mut (dyn FnMut(&Run) + Send),
) -> Result<Run> {
    let run = start(db, options).await?;
    on_progress(&run);
    execute(db, run, options.dry_run, on_progress).await
}

/// This process, as recorded in `owner`.
fn me() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_default();
    format!("{}:{}", host.trim(), std::process::id())
}

/// Whether the process named by `owner` may still be running the run.
pub(super) fn owner_alive(owner: &str, heartbeat_at: i64, now_ms: i64) -> bool {
    if now_ms - heartbeat_at > STALE_MS {
        return false;
    }
    let mine = me();
    let (Some((host, pid)), Some((my_host, my_pid))) =
        (owner.rsplit_once(':'), mine.rsplit_once(':'))
    else {
        return true;
    };
    if host != my_host {
        return true;
    }
    pid == my_pid || std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Records a new run, or takes over the dead run of the same scope (which
/// then continues after its checkpoint). Refuses, with a message naming the
/// run, while an overlapping run (same store, or all stores) is alive.
#[tracing::instrument(skip(db))]
pub async fn start(db: &Db, options: &RunOptions) -> Result<Run> {
    if options.batch_size == 0 {
        return Err(Error::invalid("batch_size", "must be at least 1"));
    }
    if let Some(store_id) = options.store_id {
        crate::stores::get_store(db, store_id).await?;
    }
    let now = now_ms();
    let owner = me();
    if options.dry_run {
        let found = count_found(&mut *db.reader().acquire().await?, options.store_id).await?;
        return Ok(Run {
            id: 0,
            store_id: options.store_id,
            started_by: options.started_by,
            status: Status::Running,
            batch_size: i64::from(options.batch_size),
            found,
            rows_done: 0,
            created: 0,
            updated: 0,
            unchanged: 0,
            errors: 0,
            pending: 0,
            checkpoint_store: None,
            checkpoint_customer: None,
            owner,
            message: None,
            started_at: now,
            finished_at: None,
            heartbeat_at: now,
        });
    }
    let mut tx = db.writer().begin().await?;
    if db.backend() == Backend::Postgres {
        sqlx::query("SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(2, 0)) AS l")
            .fetch_one(&mut *tx)
            .await?;
    }
    let sql = format!(
        "SELECT {} FROM backfill_runs WHERE status = 'running' ORDER BY id",
        super::RUN_COLUMNS
    );
    let running: Vec<Run> = sqlx::query(&sql)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(Run::from_row)
        .collect::<Result<_>>()?;
    let mut resume = None;
    for other in running {
        let overlaps = other.store_id.is_none()
            || options.store_id.is_none()
            || other.store_id == options.store_id;
        if !overlaps {
            continue;
        }
        if owner_alive(&other.owner, other.heartbeat_at, now) {
            let scope = match other.store_id {
                Some(id) => format!("store {id}"),
                None => "all stores".to_string(),
            };
            return Err(Error::invalid(
                "backfill",
                format!(
                    "a backfill of {scope} is already running (run {}); wait for it to finish",
                    other.id
                ),
            ));
        }
        if other.store_id == options.store_id && resume.is_none() {
            resume = Some(other.id);
        } else {
            sqlx::query(
                "UPDATE backfill_runs SET status = 'interrupted', finished_at = $1, \
                 message = 'its process stopped' WHERE id = $2",
            )
            .bind(now)
            .bind(other.id)
            .execute(&mut *tx)
            .await?;
        }
    }
    let id = match resume {
        Some(id) => {
            sqlx::query(
                "UPDATE backfill_runs SET owner = $1, heartbeat_at = $2, \
                 message = 'resumed after its process stopped' WHERE id = $3",
            )
            .bind(&owner)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            id
        }
        None => {
            let found = count_found(&mut tx, options.store_id).await?;
            sqlx::query(
                "INSERT INTO backfill_runs (store_id, started_by, status, batch_size, \
                    found_enrollments, found_purchases, found_subscriptions, found_leads, \
                    owner, started_at, heartbeat_at) \
                 VALUES ($1, $2, 'running', $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
            )
            .bind(options.store_id)
            .bind(options.started_by)
            .bind(i64::from(options.batch_size))
            .bind(found.enrollments as i64)
            .bind(found.purchases as i64)
            .bind(found.subscriptions as i64)
            .bind(found.leads as i64)
            .bind(&owner)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>(0)?
        }
    };
    let sql = format!(
        "SELECT {} FROM backfill_runs WHERE id = $1",
        super::RUN_COLUMNS
    );
    let run = Run::from_row(&sqlx::query(&sql).bind(id).fetch_one(&mut *tx).await?)?;
    tx.commit().await?;
    Ok(run)
}

async fn count_found(conn: &mut AnyConnection, store_id: Option<i64>) -> Result<Found> {
    let stores = stores_of(conn, store_id).await?;
    let mut found = Found::default();
    for store in stores {
        found += count_rows(conn, store).await?;
    }
    Ok(found)
}

async fn stores_of(conn: &mut AnyConnection, store_id: Option<i64>) -> Result<Vec<i64>> {
    Ok(match store_id {
        Some(id) => vec![id],
        None => {
            sqlx::query_scalar("SELECT id FROM stores ORDER BY id")
                .fetch_all(&mut *conn)
                .await?
        }
    })
}

/// Source rows of a store: its enrollments, payments, subscriptions and
/// leads (a refund waiting for its payment is not one yet).
async fn count_rows(conn: &mut AnyConnection, store_id: i64) -> Result<Found> {
    let row = sqlx::query(
        "SELECT \
           (SELECT COUNT(*) FROM enrollments WHERE store_id = $1) AS e, \
           (SELECT COUNT(*) FROM purchases WHERE store_id = $1 AND paid_at IS NOT NULL) AS p, \
           (SELECT COUNT(*) FROM subscriptions WHERE store_id = $1) AS s, \
           (SELECT COUNT(*) FROM leads WHERE store_id = $1) AS l",
    )
    .bind(store_id)
    .fetch_one(&mut *conn)
    .await?;
    let get = |name: &str| -> Result<u64> { Ok(row.try_get::<i64, _>(name)?.max(0) as u64) };
    Ok(Found {
        enrollments: get("e")?,
        purchases: get("p")?,
        subscriptions: get("s")?,
        leads: get("l")?,
    })
}

/// The first `n` customer ids of a store after `after`.
async fn next_customers(db: &Db, store_id: i64, after: i64, n: u32) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT customer_id FROM identities \
         WHERE store_id = $1 AND customer_id > $2 ORDER BY customer_id LIMIT $3",
    )
    .bind(store_id)
    .bind(after)
    .bind(i64::from(n))
    .fetch_all(db.reader())
    .await?)
}

/// Derives every customer of a store from its facts without recording a run
/// (after a bulk load, see `crate::bulk`): the merge rule over its
/// identities, then batches of `batch_size` customers, each one transaction.
pub async fn derive_store(db: &Db, store_id: i64, batch_size: u32) -> Result<Refreshed> {
    let mut tx = db.writer().begin().await?;
    locks::store(&mut tx, db.backend(), store_id).await?;
    identity::regroup_store(&mut tx, store_id).await?;
    tx.commit().await?;
    let mut done = Refreshed::default();
    let mut after = i64::MIN;
    loop {
        let customers = next_customers(db, store_id, after, batch_size.max(1)).await?;
        let Some(&last) = customers.last() else {
            break;
        };
        let mut tx = db.writer().begin().await?;
        locks::store(&mut tx, db.backend(), store_id).await?;
        done += refresh(
            &mut tx,
            store_id,
            Scope::Range(after.saturating_add(1), last),
            now_ms(),
        )
        .await?;
        tx.commit().await?;
        after = last;
    }
    Ok(done)
}

/// Forgets every derived row (customers, totals, which identities are one
/// customer), leaving the facts: the state of a platform's history before
/// its first backfill. For benchmarks and tests.
pub async fn forget_derived(db: &Db) -> Result<()> {
    let mut tx = db.writer().begin().await?;
    sqlx::query("DELETE FROM customer_totals")
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM customers")
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE identities SET customer_id = NULL")
        .execute(&mut *tx)
        .await?;
    if db.backend() == Backend::Sqlite {
        // Deleting the customers left a tombstone per row in the search
        // index (its triggers); a store that never had customers has none.
        sqlx::query("INSERT INTO customers_fts (customers_fts) VALUES ('delete-all')")
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Runs a started run to its end: batch after batch from its checkpoint.
/// A failure outside a batch's rows (the database going away) marks the run
/// failed and is returned.
pub async fn execute(
    db: &Db,
    mut run: Run,
    dry_run: bool,
    on_progress: &mut (dyn FnMut(&Run) + Send),
) -> Result<Run> {
    match execute_batches(db, &mut run, dry_run, on_progress).await {
        Ok(()) => {
            let now = now_ms();
            if !dry_run {
                let done = sqlx::query(
                    "UPDATE backfill_runs SET status = 'completed', finished_at = $1, \
                     heartbeat_at = $1 WHERE id = $2 AND owner = $3 AND status = 'running'",
                )
                .bind(now)
                .bind(run.id)
                .bind(&run.owner)
                .execute(db.writer())
                .await?;
                if done.rows_affected() == 0 {
                    return Err(taken_over(run.id));
                }
            }
            run.status = Status::Completed;
            run.finished_at = Some(now);
            on_progress(&run);
            Ok(run)
        }
        Err(error) => {
            if !dry_run {
                tracing::error!(run = run.id, %error, "backfill failed");
                let _ = sqlx::query(
                    "UPDATE backfill_runs SET status = 'failed', finished_at = $1, message = $2 \
                     WHERE id = $3 AND owner = $4 AND status = 'running'",
                )
                .bind(now_ms())
                .bind(error.to_string())
                .bind(run.id)
                .bind(&run.owner)
                .execute(db.writer())
                .await;
            }
            Err(error)
        }
    }
}

fn taken_over(id: i64) -> Error {
    Error::invalid(
        "backfill",
        format!("run {id} was taken over by another process"),
    )
}

async fn execute_batches(
    db: &Db,
    run: &mut Run,
    dry_run: bool,
    on_progress: &mut (dyn FnMut(&Run) + Send),
) -> Result<()> {
    let stores = stores_of(&mut *db.reader().acquire().await?, run.store_id).await?;
    for store in stores {
        let mut after = match run.checkpoint_store {
            Some(done) if store < done => continue,
            Some(done) if store == done => run.checkpoint_customer.unwrap_or(i64::MIN),
            _ => {
                enter_store(db, run, store, dry_run).await?;
                i64::MIN
            }
        };
        loop {
            let customers = next_customers(db, store, after, run.batch_size.max(1) as u32).await?;
            if customers.is_empty() {
                break;
            }
            let last = customers.len() < run.batch_size.max(1) as usize;
            // The last batch reaches to the end, so customers whose first
            // fact arrives while it runs are covered too.
            let to = if last {
                i64::MAX
            } else {
                customers[customers.len() - 1]
            };
            batch(
                db,
                run,
                store,
                after.saturating_add(1),
                to,
                &customers,
                dry_run,
            )
            .await?;
            on_progress(run);
            if last {
                break;
            }
            after = to;
        }
    }
    Ok(())
}

/// Enters a store: applies the merge rule to every identity of the store
/// (which identities are one customer) and moves the checkpoint to the
/// store's start, in one transaction. Refunds still waiting for their
/// payment are counted as pending: they become facts when it arrives.
async fn enter_store(db: &Db, run: &mut Run, store: i64, dry_run: bool) -> Result<()> {
    let mut tx = db.writer().begin().await?;
    locks::store(&mut tx, db.backend(), store).await?;
    let regrouped = identity::regroup_store(&mut tx, store).await?;
    let pending: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM purchases WHERE store_id = $1 AND paid_at IS NULL",
    )
    .bind(store)
    .fetch_one(&mut *tx)
    .await?;
    tracing::info!(
        run = run.id,
        store,
        regrouped = regrouped.len(),
        pending,
        "backfill: store entered"
    );
    if dry_run {
        tx.rollback().await?;
    } else {
        let moved = sqlx::query(
            "UPDATE backfill_runs SET checkpoint_store = $1, checkpoint_customer = NULL, \
             pending = pending + $2, heartbeat_at = $3 \
             WHERE id = $4 AND owner = $5 AND status = 'running'",
        )
        .bind(store)
        .bind(pending)
        .bind(now_ms())
        .bind(run.id)
        .bind(&run.owner)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 0 {
            return Err(taken_over(run.id));
        }
        tx.commit().await?;
    }
    run.pending += pending.max(0) as u64;
    run.checkpoint_store = Some(store);
    run.checkpoint_customer = None;
    Ok(())
}

async fn record_errors(
    conn: &mut AnyConnection,
    run: &Run,
    store: i64,
    errors: &[(&str, String, String)],
    dry_run: bool,
) -> Result<()> {
    if dry_run {
        return Ok(());
    }
    for (table, id, message) in errors {
        tracing::warn!(run = run.id, store, table, id, message, "backfill error");
        sqlx::query(
            "INSERT INTO backfill_errors \
               (run_id, store_id, source_table, source_id, message, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(run.id)
        .bind(store)
        .bind(*table)
        .bind(id)
        .bind(message)
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// One batch: derive the customers `from..=to` of a store again, count,
/// and move the checkpoint, in one transaction. When the batch fails, each
/// customer is derived alone (in a savepoint) and the failing ones are
/// recorded with their id.
async fn batch(
    db: &Db,
    run: &mut Run,
    store: i64,
    from: i64,
    to: i64,
    customers: &[i64],
    dry_run: bool,
) -> Result<()> {
    let now = now_ms();
    let mut tx = db.writer().begin().await?;
    locks::store(&mut tx, db.backend(), store).await?;
    let mut errors = Vec::new();
    let done = {
        let mut savepoint = tx.begin().await?;
        match refresh(&mut savepoint, store, Scope::Range(from, to), now).await {
            Ok(done) => {
                savepoint.commit().await?;
                done
            }
            Err(error) => {
                tracing::warn!(store, from, to, %error, "batch failed; deriving one by one");
                savepoint.rollback().await?;
                let mut done = Refreshed::default();
                for &customer in customers {
                    let mut one = tx.begin().await?;
                    match refresh(&mut one, store, Scope::Ids(&[customer]), now).await {
                        Ok(d) => {
                            one.commit().await?;
                            done += d;
                        }
                        Err(error) => {
                            one.rollback().await?;
                            errors.push((
                                "customers",
                                customer.to_string(),
                                format!("could not derive the customer: {error}"),
                            ));
                        }
                    }
                }
                done
            }
        }
    };
    record_errors(&mut tx, run, store, &errors, dry_run).await?;
    let rows = done.facts;
    if dry_run {
        tx.rollback().await?;
    } else {
        let moved = sqlx::query(
            "UPDATE backfill_runs SET rows_done = rows_done + $1, created = created + $2, \
               updated = updated + $3, unchanged = unchanged + $4, errors = errors + $5, \
               checkpoint_store = $6, checkpoint_customer = $7, heartbeat_at = $8 \
             WHERE id = $9 AND owner = $10 AND status = 'running'",
        )
        .bind(rows as i64)
        .bind(done.created as i64)
        .bind((done.updated + done.removed) as i64)
        .bind(done.unchanged as i64)
        .bind(errors.len() as i64)
        .bind(store)
        .bind(to)
        .bind(now)
        .bind(run.id)
        .bind(&run.owner)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 0 {
            return Err(taken_over(run.id));
        }
        tx.commit().await?;
    }
    run.rows_done += rows;
    run.created += done.created;
    run.updated += done.updated + done.removed;
    run.unchanged += done.unchanged;
    run.errors += errors.len() as u64;
    run.checkpoint_store = Some(store);
    run.checkpoint_customer = Some(to);
    run.heartbeat_at = now;
    Ok(())
}
