use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{Connection, Executor};

/// A database that exists for one test only.
pub struct TestDatabase {
    pub url: String,
    pub db: db::Db,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDatabase {
    /// Which backend this test run uses.
    pub fn backend() -> db::Backend {
        match std::env::var("TEST_DATABASE").as_deref() {
            Ok("postgres") => db::Backend::Postgres,
            Ok("sqlite") | Err(_) => db::Backend::Sqlite,
            Ok(other) => panic!("TEST_DATABASE must be sqlite or postgres, not {other}"),
        }
    }

    /// Creates, connects and migrates a fresh database.
    pub async fn new() -> TestDatabase {
        let database = Self::unmigrated().await;
        database
            .db
            .migrate()
            .await
            .expect("migrate the test database");
        database
    }

    /// Creates and connects a fresh, empty database (no migration run).
    pub async fn unmigrated() -> TestDatabase {
        let (url, cleanup) = match Self::backend() {
            db::Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/test.db", dir.path().display());
                (url, Cleanup::Sqlite(dir))
            }
            db::Backend::Postgres => {
                let admin_url = std::env::var("TEST_POSTGRES_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
                let name = format!(
                    "test_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed),
                    db::time::now_ms()
                );
                let mut admin = sqlx::PgConnection::connect(&format!("{admin_url}/postgres"))
                    .await
                    .expect("connect to Postgres (is it running on TEST_POSTGRES_URL?)");
                admin
                    .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
                    .await
                    .expect("create test database");
                (
                    format!("{admin_url}/{name}"),
                    Cleanup::Postgres { admin_url, name },
                )
            }
        };
        let db = db::Db::connect(&url, &db::PoolConfig::default())
            .await
            .expect("connect to the test database");
        TestDatabase { url, db, cleanup }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs outside async; a short-lived runtime on its own thread
            // drops the database (FORCE closes connections still open).
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                runtime.block_on(async move {
                    if let Ok(mut admin) =
                        sqlx::PgConnection::connect(&format!("{admin_url}/postgres")).await
                    {
                        let _ = admin
                            .execute(
                                format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#)
                                    .as_str(),
                            )
                            .await;
                    }
                });
            })
            .join();
        }
    }
}
