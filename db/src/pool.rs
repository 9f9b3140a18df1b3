//! Opening the database: one `Db` per process, shared by every request.

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::{
    AnyPool, Executor,
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
};

use crate::{Error, Result};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

/// Which database engine a `Db` talks to; queries that differ by dialect
/// branch on it (and only those).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(Error::UnsupportedUrl(redact(url)))
        }
    }

    /// The backend of a connection.
    pub(crate) fn of(conn: &sqlx::AnyConnection) -> Backend {
        if conn.backend_name() == "PostgreSQL" {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Pool limits. SQLite ignores `max_connections` for writes: see [`Db`].
#[derive(Debug, Clone)]
pub struct PoolConfig {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

/// The database handle: cheap to clone, created once at start-up.
///
/// On SQLite, writes go through a dedicated single-connection pool. SQLite
/// allows one writer at a time; queueing writers in the process (instead of
/// letting them race for the file lock) is what keeps "database is locked"
/// from ever reaching a caller, while WAL lets the reader pool run alongside.
/// On Postgres both handles are the same pool.
#[derive(Clone, Debug)]
pub struct Db {
    reader: AnyPool,
    writer: AnyPool,
    backend: Backend,
}

impl Db {
    /// Connects (creating the SQLite file and its directory if needed) and
    /// sets the per-connection options. Does not migrate: see [`Db::migrate`].
    #[tracing::instrument(skip_all, fields(url = %redact(url)))]
    pub async fn connect(url: &str, config: &PoolConfig) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        match backend {
            Backend::Sqlite => {
                let url = sqlite_url(url)?;
                let options = AnyConnectOptions::from_str(&url)?;
                let reader = sqlite_pool(config.max_connections.max(2), config, false)
                    .connect_with(options.clone())
                    .await?;
                let writer = sqlite_pool(1, config, true).connect_with(options).await?;
                Ok(Db {
                    reader,
                    writer,
                    backend,
                })
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(config.max_connections)
                    .acquire_timeout(config.acquire_timeout)
                    // No JIT: the customers page's and segments' statements
                    // are costed high (a store's whole customer index) but run
                    // in tens of milliseconds, and compiling them took 25 ms
                    // of each.
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            conn.execute("SET jit = off").await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await?;
                Ok(Db {
                    reader: pool.clone(),
                    writer: pool,
                    backend,
                })
            }
        }
    }

    /// Applies the migrations of this backend, then the steps they left for
    /// Rust (`crate::upgrade`). A failure is returned, never ignored: the
    /// server refuses to start on a half-migrated schema.
    pub async fn migrate(&self) -> Result<()> {
        self.migrator().run(&self.writer).await?;
        crate::upgrade::run(self).await
    }

    /// The SQL migrations of this backend.
    pub fn migrator(&self) -> &'static Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// Answers whether the database responds (for `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool for reads.
    pub fn reader(&self) -> &AnyPool {
        &self.reader
    }

    /// The pool for writes (one connection on SQLite).
    pub fn writer(&self) -> &AnyPool {
        &self.writer
    }

    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}

/// The page cache of SQLite's one writer connection, in KiB. Writes change
/// many indexes at once (a customer row is in a dozen); with SQLite's default
/// 2 MB most of their pages are read again for every batch.
pub(crate) const WRITER_CACHE_KIB: i64 = 65_536;

fn sqlite_pool(max: u32, config: &PoolConfig, writer: bool) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(config.acquire_timeout)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if writer {
                    conn.execute(format!("PRAGMA cache_size = -{WRITER_CACHE_KIB};").as_str())
                        .await?;
                }
                // mmap: reads come straight from the OS page cache, shared by
                // every connection, instead of a read() and a copy into each
                // connection's own small cache (the customers page reads tens
                // of MB of index per search on a large store).
                conn.execute(
                    "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
                     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                     PRAGMA mmap_size = 1073741824; PRAGMA temp_store = MEMORY;",
                )
                .await?;
                Ok(())
            })
        })
}

/// Makes sure the SQLite file can be created: its directory exists and the
/// URL asks for read-write-create mode.
fn sqlite_url(url: &str) -> Result<String> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = rest.split('?').next().unwrap_or_default();
    if let Some(dir) = Path::new(path)
        .parent()
        .filter(|d| !path.is_empty() && path != ":memory:" && !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|source| Error::CreateDir {
            path: dir.display().to_string(),
            source,
        })?;
    }
    Ok(if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// A database URL fit for logs: the password, if any, replaced.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &creds[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_only() {
        assert_eq!(
            redact("postgres://me:secret@localhost/db"),
            "postgres://me:***@localhost/db"
        );
        assert_eq!(
            redact("postgres://me@localhost/db"),
            "postgres://me@localhost/db"
        );
        assert_eq!(redact("sqlite://data/x.db"), "sqlite://data/x.db");
    }

    #[test]
    fn sqlite_urls_get_create_mode() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/sub/x.db", dir.path().display());
        assert_eq!(sqlite_url(&url).unwrap(), format!("{url}?mode=rwc"));
        assert!(dir.path().join("sub").is_dir());
        assert_eq!(
            sqlite_url("sqlite::memory:?cache=shared").unwrap(),
            "sqlite::memory:?cache=shared&mode=rwc"
        );
    }

    #[test]
    fn rejects_other_databases() {
        assert!(matches!(
            Backend::from_url("mysql://x"),
            Err(Error::UnsupportedUrl(_))
        ));
    }
}
