//! `server bench backfill`: on a database seeded with `--facts-only` (the
//! standard large set: `server seed --stores 20 --users 400000 --facts-only`),
//! times the derivation alone (every store's customers derived in batches,
//! without a run's bookkeeping: the baseline), then the backfill from
//! empty, then its re-run, and prints source rows per second, seconds and
//! the ratio to the baseline.
//!
//! It forgets the derived state (customers, totals, who is who) between
//! measurements; the facts are left alone, and the backfill rebuilds the rest.

use std::time::Instant;

use clap::Args;
use db::{
    Db,
    backfill::{Run, RunOptions, thousands},
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
    let stores: Vec<i64> = db::stores::list_stores(&db, "", None)
        .await?
        .iter()
        .map(|s| s.id)
        .collect();

    db::backfill::forget_derived(&db).await?;
    let started = Instant::now();
    let mut created = 0;
    for &store in &stores {
        created += db::backfill::derive_store(&db, store, args.batch_size)
            .await?
            .created;
    }
    let baseline = started.elapsed().as_secs_f64();
    println!(
        "{backend}: the derivation alone (no run bookkeeping): {} customers in {baseline:.1} s",
        thousands(created)
    );

    db::backfill::forget_derived(&db).await?;
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
        "the backfill created {} customers, the derivation alone {created}",
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
         (ratio to the derivation alone: {:.2})",
        db.backend().name(),
        thousands(run.rows_done),
        run.rows_done as f64 / seconds.max(1e-9),
        run.summary(),
        seconds / baseline.max(1e-9)
    );
    Ok(run)
}
