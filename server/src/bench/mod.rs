//! `server bench ...`: measurements on a seeded database (see README).

pub mod backfill;
pub mod search;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// The customers page's queries (data layer), or its HTTP endpoint with
    /// `--http`.
    Search(search::SearchArgs),
    /// The backfill on the seeded facts: first run and re-run, against one
    /// set-based statement per store.
    Backfill(backfill::BackfillArgs),
}

pub async fn run(
    database: &crate::config::DatabaseArgs,
    command: BenchCommand,
) -> anyhow::Result<()> {
    match command {
        BenchCommand::Search(args) => search::run(database, args).await,
        BenchCommand::Backfill(args) => backfill::run(database, args).await,
    }
}
