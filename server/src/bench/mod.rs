//! `server bench ...`: measurements on a seeded database (see README). The
//! benchmarks themselves live in `devtools::bench`; this maps the flags.

pub mod backfill;
pub mod search;

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// The customers page's queries (data layer), or its HTTP endpoint with
    /// `--http`.
    Search(search::SearchArgs),
    /// The backfill on the seeded facts: first run and re-run, against the
    /// derivation alone.
    Backfill(backfill::BackfillArgs),
    /// The events API's throughput: batches of 1,000 from several clients
    /// to this server, started on a free port.
    Events(EventsArgs),
    /// A batch of 1,000 renames of the biggest course, while another store's
    /// single events are timed.
    Renames(RenamesArgs),
    /// The contacts import of a generated file, and its re-import.
    Import(ImportArgs),
    /// The first search after a fresh `server serve` starts, against the
    /// same search warm.
    Startup(StartupArgs),
    /// A segment's live count and first page (the builder's figure).
    Segments(SegmentsArgs),
    /// A campaign to everyone with an email: queueing (with another store's
    /// writes meanwhile), sending to an SMTP server in process, opens.
    Campaigns(CampaignsArgs),
}

#[derive(Debug, Clone, Args)]
pub struct CampaignsArgs {
    /// The store to send in [default: the one with the most customers].
    #[arg(long)]
    pub store: Option<i64>,
    /// Messages sent before the campaign is cancelled.
    #[arg(long, default_value_t = 20_000)]
    pub send: usize,
}

#[derive(Debug, Clone, Args)]
pub struct SegmentsArgs {
    /// The store to count in [default: the one with the most customers].
    #[arg(long)]
    pub store: Option<i64>,
    /// Measured runs per segment.
    #[arg(long, default_value_t = 100)]
    pub iterations: usize,
    /// Unmeasured runs per segment first.
    #[arg(long, default_value_t = 5)]
    pub warmup: usize,
}

#[derive(Debug, Clone, Args)]
pub struct StartupArgs {
    /// The store to search [default: the one with the most customers].
    #[arg(long)]
    pub store: Option<i64>,
    /// Fresh server starts.
    #[arg(long, default_value_t = 5)]
    pub rounds: usize,
    /// Timed warm searches per start.
    #[arg(long, default_value_t = 20)]
    pub warm: usize,
}

#[derive(Debug, Clone, Args)]
pub struct EventsArgs {
    /// The store to send to [default: the one with the most customers].
    #[arg(long)]
    pub store: Option<i64>,
    #[arg(long, default_value_t = 4)]
    pub clients: usize,
    /// Batches of 1,000 events in all.
    #[arg(long, default_value_t = 40)]
    pub batches: usize,
}

#[derive(Debug, Clone, Args)]
pub struct RenamesArgs {
    /// The store whose biggest course is renamed [default: the biggest store].
    #[arg(long)]
    pub store: Option<i64>,
    #[arg(long, default_value_t = 1_000)]
    pub renames: usize,
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
}

pub async fn run(
    database: &crate::config::DatabaseArgs,
    mail: &crate::config::MailArgs,
    command: BenchCommand,
) -> anyhow::Result<()> {
    match command {
        BenchCommand::Search(args) => search::run(database, args).await,
        BenchCommand::Backfill(args) => backfill::run(database, args).await,
        BenchCommand::Events(args) => {
            let db = crate::cli::open(database).await?;
            let options = devtools::bench::events::EventsOptions {
                database_url: database.database_url.clone(),
                store: args.store,
                clients: args.clients.max(1),
                batches: args.batches.max(1),
            };
            devtools::bench::events::run(&db, &options).await
        }
        BenchCommand::Renames(args) => {
            let db = crate::cli::open(database).await?;
            let options = devtools::bench::renames::RenamesOptions {
                database_url: database.database_url.clone(),
                store: args.store,
                renames: args.renames.max(1),
            };
            devtools::bench::renames::run(&db, &options).await
        }
        BenchCommand::Import(args) => {
            let db = crate::cli::open(database).await?;
            devtools::bench::import::run(&db, args.rows.max(1)).await
        }
        BenchCommand::Startup(args) => {
            let db = crate::cli::open(database).await?;
            let options = devtools::bench::startup::StartupOptions {
                database_url: database.database_url.clone(),
                store: args.store,
                rounds: args.rounds.max(1),
                warm: args.warm.max(1),
            };
            devtools::bench::startup::run(&db, &options).await
        }
        BenchCommand::Segments(args) => {
            let db = crate::cli::open(database).await?;
            let options = devtools::bench::segments::SegmentsOptions {
                store: args.store,
                iterations: args.iterations.max(1),
                warmup: args.warmup,
            };
            devtools::bench::segments::run(&db, &options).await
        }
        BenchCommand::Campaigns(args) => {
            let db = crate::cli::open(database).await?;
            let options = devtools::bench::campaigns::CampaignsOptions {
                store: args.store,
                send: args.send.max(1),
                rate: mail.mail_rate,
                connections: mail.mail_connections,
            };
            devtools::bench::campaigns::run(&db, &options).await
        }
    }
}
