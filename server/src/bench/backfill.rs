//! `server bench backfill`: on a database seeded with `--facts-only` (the
//! standard large set: `server seed --stores 20 --users 400000 --facts-only`),
//! times the derivation as one set-based statement per store (the baseline),
//! then the backfill from empty, then its re-run, and prints source rows per
//! second, seconds and the ratio to the baseline.
//!
//! It clears the derived tables (customers, customer_totals) between
//! measurements; the facts are left alone, and the backfill rebuilds the rest.

use std::time::Instant;

use clap::Args;
use db::{
    Db,
    backfill::{Run, RunOptions, thousands},
    customers::derive::{Scope, derive},
};

#[derive(Debug, Clone, Args)]
pub struct BackfillArgs {
    /// Customers per batch.
    #[arg(long, default_value_t = 20_000)]
    pub batch_size: u32,
}

pub async fn run(database: &crate::config::DatabaseArgs, args: BackfillArgs) -> anyhow::Result<()> {
    let db = crate::cli::open(database).await?;
    let backend = db.backend().name();
    let stores: Vec<i64> = sqlx::query_scalar("SELECT id FROM stores ORDER BY id")
        .fetch_all(db.reader())
        .await?;

    clear(&db).await?;
    let started = Instant::now();
    let mut created = 0;
    for &store in &stores {
        let mut tx = db.writer().begin().await?;
        created += derive(&mut tx, Scope::store(store), db::time::now_ms())
            .await?
            .created;
        tx.commit().await?;
    }
    let baseline = started.elapsed().as_secs_f64();
    println!(
        "{backend}: one INSERT ... SELECT ... GROUP BY ... ON CONFLICT statement per store: \
         {} customers in {baseline:.1} s",
        thousands(created)
    );

    clear(&db).await?;
    let options = RunOptions {
        batch_size: args.batch_size,
        ..RunOptions::default()
    };
    let first = measure(&db, &options, "first run", baseline).await?;
    let again = measure(&db, &options, "re-run", baseline).await?;
    anyhow::ensure!(
        again.created == 0 && again.updated == 0,
        "the re-run changed customers: {}",
        again.summary()
    );
    anyhow::ensure!(
        first.created == created,
        "the backfill created {} customers, the single statement {created}",
        first.created
    );
    db.close().await;
    Ok(())
}

async fn measure(db: &Db, options: &RunOptions, name: &str, baseline: f64) -> anyhow::Result<Run> {
    let started = Instant::now();
    let run = db::backfill::run(db, options, &mut |_| {}).await?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}: backfill {name}: {} source rows in {seconds:.1} s = {:.0} rows/s; {} \
         (ratio to the single statement: {:.2})",
        db.backend().name(),
        thousands(run.rows_done),
        run.rows_done as f64 / seconds.max(1e-9),
        run.summary(),
        seconds / baseline.max(1e-9)
    );
    Ok(run)
}

async fn clear(db: &Db) -> anyhow::Result<()> {
    let mut tx = db.writer().begin().await?;
    sqlx::query("DELETE FROM customer_totals")
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM customers")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
