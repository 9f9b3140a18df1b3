//! Forgetting what has expired: sessions past their expiry (idle or absolute)
//! and sign-in throttle windows that have closed. Every app server runs it;
//! the deletes are idempotent, so several at once do no harm.

use std::time::Duration;

/// How often the purge runs.
pub const EVERY: Duration = Duration::from_secs(10 * 60);

/// What one purge removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub throttle_windows: u64,
}

/// Removes, as of `now_ms`, the expired sessions and the closed throttle
/// windows.
pub async fn purge_once(db: &db::Db, now_ms: i64) -> db::Result<Purged> {
    Ok(Purged {
        sessions: db::sessions::delete_expired(db, now_ms).await?,
        throttle_windows: db::sign_in_throttle::purge(db, now_ms - app::api::THROTTLE_WINDOW_MS)
            .await?,
    })
}

/// Runs [`purge_once`] every [`EVERY`] for as long as the server runs.
pub fn spawn(db: db::Db) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        loop {
            every.tick().await;
            match purge_once(&db, db::time::now_ms()).await {
                Ok(purged) => tracing::debug!(?purged, "purged expired sessions"),
                Err(error) => tracing::warn!(%error, "purge failed; will retry"),
            }
        }
    })
}
