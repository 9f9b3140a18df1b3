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

    /// Creates, connects and migrates a fresh database. On Postgres it starts
    /// as a copy of a migrated template (see [`migrated_template`]).
    pub async fn new() -> TestDatabase {
        let database = Self::create(true).await;
        // On a copy of the template this only confirms it is current.
        database
            .db
            .migrate()
            .await
            .expect("migrate the test database");
        database
    }

    /// Creates and connects a fresh, empty database (no migration run).
    pub async fn unmigrated() -> TestDatabase {
        Self::create(false).await
    }

    async fn create(migrated: bool) -> TestDatabase {
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
                let template = if migrated {
                    format!(
                        r#" TEMPLATE "{}""#,
                        migrated_template(&mut admin, &admin_url).await
                    )
                } else {
                    String::new()
                };
                admin
                    .execute(format!(r#"CREATE DATABASE "{name}"{template}"#).as_str())
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

/// The Postgres database every migrated test database is copied from:
/// `CREATE DATABASE … TEMPLATE` copies files, several times faster than
/// running every migration again for each test. Made once per server and
/// per set of migrations (its name carries a fingerprint of them and of the
/// Rust upgrade steps), under an advisory lock so parallel test processes
/// make it once, and published by a rename so none copies a half-made one.
async fn migrated_template(admin: &mut sqlx::PgConnection, admin_url: &str) -> String {
    const LOCK: i64 = 0x7465_6d70_6c61_7465; // "template"
    let name = format!("test_template_{:016x}", migrations_fingerprint());
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(LOCK)
        .execute(&mut *admin)
        .await
        .expect("template lock");
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut *admin)
            .await
            .expect("look for the template");
    if !exists {
        let building = format!("{name}_building");
        for statement in [
            format!(r#"DROP DATABASE IF EXISTS "{building}" WITH (FORCE)"#),
            format!(r#"CREATE DATABASE "{building}""#),
        ] {
            admin.execute(statement.as_str()).await.expect("template");
        }
        let db = db::Db::connect(
            &format!("{admin_url}/{building}"),
            &db::PoolConfig::default(),
        )
        .await
        .expect("connect to the template");
        db.migrate().await.expect("migrate the template");
        db.close().await;
        admin
            .execute(format!(r#"ALTER DATABASE "{building}" RENAME TO "{name}""#).as_str())
            .await
            .expect("publish the template");
    }
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(LOCK)
        .execute(&mut *admin)
        .await
        .expect("template unlock");
    name
}

/// What a migrated Postgres database depends on: the SQL migrations and the
/// upgrade steps that follow them.
fn migrations_fingerprint() -> u64 {
    use std::hash::{DefaultHasher, Hasher};
    let root = crate::browser::workspace_root();
    let mut files: Vec<_> = std::fs::read_dir(root.join("migrations/postgres"))
        .expect("migrations/postgres")
        .map(|entry| entry.expect("migration").path())
        .collect();
    files.sort();
    files.push(root.join("db/src/upgrade.rs"));
    let mut hasher = DefaultHasher::new();
    for file in files {
        hasher.write(file.file_name().unwrap_or_default().as_encoded_bytes());
        hasher.write(&std::fs::read(&file).expect("read a migration"));
    }
    hasher.finish()
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
