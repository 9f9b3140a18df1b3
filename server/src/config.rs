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
}

impl SiteArgs {
    pub fn leptos_options(&self) -> leptos::config::LeptosOptions {
        leptos::config::LeptosOptions::builder()
            .output_name(self.output_name.as_str())
            .site_root(self.site_root.as_str())
            .site_pkg_dir("pkg")
            .site_addr(self.addr)
            .build()
    }
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
