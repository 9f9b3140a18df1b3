//! `server backfill [--store ID] [--batch-size N] [--dry-run]`: a progress bar
//! on a terminal, plain lines otherwise, and the two summary lines.

use std::{
    io::IsTerminal,
    time::{Duration, Instant},
};

use anyhow::Context;
use clap::Args;
use db::backfill::{Run, RunOptions, thousands};
use indicatif::{ProgressBar, ProgressStyle};

use crate::{cli::open, config::DatabaseArgs};

#[derive(Debug, Clone, Args)]
pub struct BackfillArgs {
    /// Only this store [default: every store].
    #[arg(long)]
    pub store: Option<i64>,
    /// Customers (distinct users) per batch; each batch is one transaction.
    #[arg(long, default_value_t = 20_000)]
    pub batch_size: u32,
    /// Derive and count, but write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(database: &DatabaseArgs, args: BackfillArgs) -> anyhow::Result<()> {
    let db = open(database).await?;
    let options = RunOptions {
        store_id: args.store,
        batch_size: args.batch_size,
        dry_run: args.dry_run,
        started_by: None,
    };
    let run = db::backfill::start(&db, &options)
        .await
        .map_err(|error| match error {
            db::Error::Invalid { message, .. } => anyhow::anyhow!(message),
            other => anyhow::Error::from(other).context("could not start the backfill"),
        })?;
    if run.rows_done > 0 {
        println!(
            "Resuming run {} after {} source rows",
            run.id,
            thousands(run.rows_done)
        );
    }
    println!("{}", run.found.sentence());
    let mut progress = Progress::new(&run);
    let run = db::backfill::execute(&db, run, options.dry_run, &mut |run| progress.show(run))
        .await
        .context("the backfill stopped")?;
    progress.finish();
    if options.dry_run {
        println!("Dry run: nothing was written");
    }
    println!("{}", run.summary());
    if run.id > 0 && run.errors > 0 {
        for error in db::backfill::list_errors(&db, run.id, 100).await? {
            println!("  error: {error}");
        }
        if run.errors > 100 {
            println!("  ... and {} more", thousands(run.errors - 100));
        }
    }
    db.close().await;
    Ok(())
}

/// A bar on a terminal; a line a second when not.
struct Progress {
    bar: Option<ProgressBar>,
    last_line: Instant,
    total: u64,
}

impl Progress {
    fn new(run: &Run) -> Progress {
        let total = run.found.total();
        let bar = std::io::stdout().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:40} {human_pos}/{human_len} rows  {per_sec}  {eta} left  {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_position(run.rows_done.min(total));
            bar
        });
        Progress {
            bar,
            last_line: Instant::now(),
            total,
        }
    }

    fn show(&mut self, run: &Run) {
        let done = run.rows_done.min(self.total);
        match &self.bar {
            Some(bar) => {
                bar.set_position(done);
                bar.set_message(format!(
                    "{} created, {} updated",
                    thousands(run.created),
                    thousands(run.updated)
                ));
            }
            None if self.last_line.elapsed() >= Duration::from_secs(1) => {
                self.last_line = Instant::now();
                let now = db::time::now_ms();
                println!(
                    "{}/{} rows, {:.0} rows/s, {} left",
                    thousands(done),
                    thousands(self.total),
                    run.rate(now),
                    run.seconds_left(now)
                        .map(|s| format!("{s:.0} s"))
                        .unwrap_or_else(|| "?".into())
                );
            }
            None => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
