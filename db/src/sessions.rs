//! Storage for sign-in sessions. The session library owns their format,
//! ids and expiry; this module only keeps them, so they survive a restart
//! and are shared by every app server on the same database.

use crate::{Db, Result};

/// The stored record of a live session.
pub async fn load(db: &Db, id: &str, now_ms: i64) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT data FROM sessions WHERE id = $1 AND expires_at > $2")
            .bind(id)
            .bind(now_ms)
            .fetch_optional(db.reader())
            .await?,
    )
}

/// Inserts a new session; `false` when the id is taken (the caller picks
/// another).
pub async fn insert(db: &Db, id: &str, data: &str, expires_at: i64) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(data)
    .bind(expires_at)
    .execute(db.writer())
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

pub async fn save(db: &Db, id: &str, data: &str, expires_at: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
    )
    .bind(id)
    .bind(data)
    .bind(expires_at)
    .execute(db.writer())
    .await?;
    Ok(())
}

pub async fn delete(db: &Db, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(id)
        .execute(db.writer())
        .await?;
    Ok(())
}

/// Removes expired sessions; returns how many.
pub async fn delete_expired(db: &Db, now_ms: i64) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now_ms)
        .execute(db.writer())
        .await?
        .rows_affected())
}
