//! All configuration, from flags or the environment (flags win). Documented
//! in the README; secrets (the database URL) are never printed.

use std::{net::SocketAddr, time::Duration};

use clap::{Args, Parser, Subcommand};

/// The embedded default: one SQLite file, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/customers.db";

#[derive(Debug, Parser)]
#[command(
    name = "server",
    version,
    about = "Customer tracking for creator stores"
)]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseArgs,

    #[command(flatten)]
    pub site: SiteArgs,

    #[command(flatten)]
    pub security: SecurityArgs,

    #[command(flatten)]
    pub mail: MailArgs,

    /// Log filter, in `tracing` env-filter syntax.
    #[arg(
        long,
        env = "RUST_LOG",
        default_value = "info,sqlx=warn",
        global = true
    )]
    pub log: String,

    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (the default).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Manage the accounts that sign in.
    #[command(subcommand)]
    User(UserCommand),
    /// Take an account out of a store.
    #[command(subcommand)]
    Member(MemberCommand),
    /// Onboard a creator: a new store and its owner.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Write realistic demo data (deterministic with --seed).
    Seed(SeedArgs),
    /// Manage the API keys the platform reports events with.
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),
    /// Measure: `server bench search` (see README).
    #[command(subcommand)]
    Bench(crate::bench::BenchCommand),
    /// Turn the stores' history into customers (`--store`, `--dry-run`).
    Backfill(crate::backfill_cli::BackfillArgs),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account (or reset its password and role), optionally as a
    /// platform admin or as the owner of a store. The password is read from
    /// `--password`, `ACCOUNT_PASSWORD`, or standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long, env = "ACCOUNT_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// A platform admin may open every store.
        #[arg(long)]
        admin: bool,
        /// Make the account the owner of this store.
        #[arg(long)]
        owner_of: Option<i64>,
        /// Make the account a member of this store.
        #[arg(long)]
        member_of: Option<i64>,
    },
    /// Delete an account: its sessions end at once and it leaves every store.
    Remove {
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// Take the account out of the store; its next request there answers as
    /// for a store that does not exist.
    Remove {
        #[arg(long)]
        store: i64,
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Create a store owned by `--owner` (the account is created when
    /// missing, and its one-time password printed once).
    Create {
        #[arg(long)]
        name: String,
        /// ISO 4217 code, e.g. USD.
        #[arg(long)]
        currency: String,
        /// The owner's email.
        #[arg(long)]
        owner: String,
        /// The IANA time zone its dates are shown in, e.g. Europe/Berlin.
        #[arg(long, default_value = "UTC")]
        time_zone: String,
    },
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// `sqlite://path/to/file.db` or `postgres://user@host/db`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = DEFAULT_DATABASE_URL,
        hide_env_values = true,
        global = true
    )]
    pub database_url: String,

    /// Most connections the pool opens (readers, on SQLite).
    #[arg(long, env = "DB_MAX_CONNECTIONS", default_value_t = 10, global = true)]
    pub db_max_connections: u32,

    /// Seconds a request waits for a free connection before failing.
    #[arg(
        long,
        env = "DB_ACQUIRE_TIMEOUT_SECS",
        default_value_t = 10,
        global = true
    )]
    pub db_acquire_timeout_secs: u64,
}

impl DatabaseArgs {
    pub fn pool_config(&self) -> db::PoolConfig {
        db::PoolConfig {
            max_connections: self.db_max_connections.max(1),
            acquire_timeout: Duration::from_secs(self.db_acquire_timeout_secs.max(1)),
        }
    }
}

/// Where the server listens and where the built site (WASM, JS, CSS) lives.
/// The `LEPTOS_*` names are the ones cargo-leptos sets when it runs the server.
#[derive(Debug, Clone, Args)]
pub struct SiteArgs {
    /// Address to listen on.
    #[arg(
        long,
        env = "LEPTOS_SITE_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub addr: SocketAddr,

    /// Directory of the built site (`target/site` after `cargo leptos build`).
    #[arg(
        long,
        env = "LEPTOS_SITE_ROOT",
        default_value = "target/site",
        global = true
    )]
    pub site_root: String,

    /// Base name of the WASM/JS/CSS bundle.
    #[arg(
        long,
        env = "LEPTOS_OUTPUT_NAME",
        default_value = "customers",
        global = true
    )]
    pub output_name: String,

    /// Whether the built files carry content hashes (release builds do).
    /// Unset: yes when cargo-leptos's hash file lies beside this binary.
    #[arg(long, env = "LEPTOS_HASH_FILES", global = true)]
    pub hash_files: Option<bool>,
}

/// `server seed`: sizes default to values derived from `--users`.
/// `--stores 20 --users 400000` makes the standard large data set
/// (1,000,000 enrollments, 300,000 purchases, 50,000 subscriptions; store 1
/// with 200,000 customers).
#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    /// Random seed: the same seed and sizes give the same data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Stores to create (the first gets half of the users).
    #[arg(long, default_value_t = 3)]
    pub stores: usize,
    /// Platform users.
    #[arg(long, default_value_t = 1_000)]
    pub users: usize,
    /// Courses per store [default: users/20,000, 6 to 30].
    #[arg(long)]
    pub courses: Option<usize>,
    /// Digital products per store [default: users/40,000, 3 to 15].
    #[arg(long)]
    pub products: Option<usize>,
    /// Enrollments in all [default: 2.5 x users].
    #[arg(long)]
    pub enrollments: Option<usize>,
    /// Purchases in all [default: 0.75 x users].
    #[arg(long)]
    pub purchases: Option<usize>,
    /// Subscriptions in all [default: users / 8].
    #[arg(long)]
    pub subscriptions: Option<usize>,
    /// Leads (opt-ins, imports) in all [default: users / 10].
    #[arg(long)]
    pub leads: Option<usize>,
    /// Write the facts only; leave the customers to the backfill.
    #[arg(long)]
    pub facts_only: bool,
    /// Timestamps end here (unix ms) [default: today 00:00 UTC].
    #[arg(long)]
    pub anchor_ms: Option<i64>,
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create a key for a store; prints the token once.
    Create {
        #[arg(long)]
        store: i64,
        /// What the key is for.
        #[arg(long, default_value = "platform")]
        name: String,
    },
    /// Revoke a key of a store by id; it stops working at once.
    Revoke {
        #[arg(long)]
        store: i64,
        #[arg(long)]
        id: i64,
    },
    /// List a store's keys (never the tokens).
    List {
        #[arg(long)]
        store: i64,
    },
}

/// How campaigns are sent (see `mail::setup`).
#[derive(Debug, Clone, Args)]
pub struct MailArgs {
    /// The SMTP server: `smtp://host:port` (add `?tls=required` for
    /// STARTTLS) or `smtps://user:password@host:465`. Unset: messages are
    /// written to files under `--outbox-dir`.
    #[arg(long, env = "SMTP_URL", global = true)]
    pub smtp_url: Option<String>,

    /// The sender address of campaigns, e.g. `news@shop.example`.
    #[arg(long, env = "MAIL_FROM", global = true)]
    pub mail_from: Option<String>,

    /// Messages per second this server sends at most.
    #[arg(long, env = "MAIL_RATE", default_value_t = 1000, global = true)]
    pub mail_rate: u32,

    /// SMTP connections this server keeps open at most. Each carries one
    /// message at a time, a few round trips long, so the rate a server
    /// reaches is about connections / that time: 32 sends over 500 a second
    /// to a server on the same host.
    #[arg(long, env = "MAIL_CONNECTIONS", default_value_t = 32, global = true)]
    pub mail_connections: u32,

    /// Where messages go without `SMTP_URL`.
    #[arg(long, env = "OUTBOX_DIR", default_value = "data/outbox", global = true)]
    pub outbox_dir: std::path::PathBuf,

    /// How long a server's claim on messages holds: after a crash, another
    /// server (or this one restarted) sends them after this many seconds.
    #[arg(long, env = "MAIL_LEASE_SECS", default_value_t = 120, global = true)]
    pub mail_lease_secs: u64,
}

impl MailArgs {
    pub fn config(&self, public_origin: Option<&str>, listen: &str) -> mail::MailConfig {
        mail::MailConfig {
            smtp_url: self.smtp_url.clone().filter(|u| !u.trim().is_empty()),
            mail_from: self.mail_from.clone().filter(|f| !f.trim().is_empty()),
            public_origin: public_origin.map(str::to_string),
            rate: self.mail_rate,
            connections: self.mail_connections,
            outbox_dir: self.outbox_dir.clone(),
            listen: listen.to_string(),
            lease: std::time::Duration::from_secs(self.mail_lease_secs.max(1)),
        }
    }
}

/// How the app is reached from browsers.
#[derive(Debug, Clone, Args)]
pub struct SecurityArgs {
    /// The origin browsers use, e.g. `https://customers.example.com`. When
    /// set, state-changing requests must come from it, and an `https` origin
    /// makes the session cookie `Secure`. When unset, the request's own Host.
    #[arg(long, env = "PUBLIC_ORIGIN", global = true)]
    pub public_origin: Option<String>,

    /// Days a session lasts after sign-in, however active it is (it also
    /// ends after a week unused).
    #[arg(
        long,
        env = "SESSION_LIFETIME_DAYS",
        default_value_t = 30,
        global = true
    )]
    pub session_lifetime_days: u32,
}

impl SecurityArgs {
    /// The session lifetime as a duration (at least one day).
    pub fn session_lifetime(&self) -> Duration {
        Duration::from_secs(u64::from(self.session_lifetime_days.max(1)) * 24 * 3600)
    }

    pub fn serves_https(&self) -> bool {
        self.public_origin
            .as_deref()
            .is_some_and(|origin| origin.starts_with("https://"))
    }
}

impl SiteArgs {
    pub fn leptos_options(&self) -> leptos::config::LeptosOptions {
        leptos::config::LeptosOptions::builder()
            .output_name(self.output_name.as_str())
            .site_root(self.site_root.as_str())
            .site_pkg_dir("pkg")
            .site_addr(self.addr)
            .hash_files(self.hash_files.unwrap_or_else(hash_file_beside_binary))
            .build()
    }
}

/// Whether cargo-leptos left its hash file (`hash.txt`) beside this binary.
fn hash_file_beside_binary() -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt").is_file()))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_serve_on_local_sqlite() {
        let cli = Cli::try_parse_from(["server"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.site.addr.to_string(), "127.0.0.1:3000");
        // The environment may override it in a developer shell; the default
        // itself is what the README promises.
        assert_eq!(DEFAULT_DATABASE_URL, "sqlite://data/customers.db");
    }

    #[test]
    fn flags_parse_after_the_subcommand() {
        let cli = Cli::try_parse_from(["server", "serve", "--addr", "127.0.0.1:0"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Serve)));
        assert_eq!(cli.site.addr.port(), 0);
    }
}
