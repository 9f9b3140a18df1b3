//! Sign-in attempts, counted per subject (an account email or a client
//! address) in a fixed window. Each attempt is counted by one atomic upsert
//! before its password is checked, so a burst of parallel attempts cannot all
//! read "under the limit" and then all be verified; the count lives in the
//! database, so every app server shares it.

use crate::{Db, Result};

/// Counts one attempt of `subject` at `now_ms` and returns how many it has
/// made in the current window (a window starts at its first attempt and
/// lasts `window_ms`).
pub async fn count_attempt(db: &Db, subject: &str, now_ms: i64, window_ms: i64) -> Result<i64> {
    // On SQLite the one writer serialises these; on Postgres the conflicting
    // row is locked, so concurrent upserts of one subject queue behind it.
    Ok(sqlx::query_scalar(
        "INSERT INTO sign_in_attempts (subject, window_start, attempts) VALUES ($1, $2, 1) \
         ON CONFLICT (subject) DO UPDATE SET \
           attempts = CASE WHEN sign_in_attempts.window_start <= $3 THEN 1 \
                           ELSE sign_in_attempts.attempts + 1 END, \
           window_start = CASE WHEN sign_in_attempts.window_start <= $3 THEN $2 \
                               ELSE sign_in_attempts.window_start END \
         RETURNING attempts",
    )
    .bind(subject)
    .bind(now_ms)
    .bind(now_ms - window_ms)
    .fetch_one(db.writer())
    .await?)
}

/// Takes back one attempt of `subject` (a client address whose attempt
/// succeeded: an address is throttled by its failures, an account by every
/// attempt until one succeeds).
pub async fn uncount_attempt(db: &Db, subject: &str) -> Result<()> {
    sqlx::query(
        "UPDATE sign_in_attempts SET attempts = attempts - 1 WHERE subject = $1 AND attempts > 0",
    )
    .bind(subject)
    .execute(db.writer())
    .await?;
    Ok(())
}

/// Forgets the attempts of `subject` (after a successful sign-in).
pub async fn clear(db: &Db, subject: &str) -> Result<()> {
    sqlx::query("DELETE FROM sign_in_attempts WHERE subject = $1")
        .bind(subject)
        .execute(db.writer())
        .await?;
    Ok(())
}

/// Removes the windows that ended before `before_ms`; returns how many.
pub async fn purge(db: &Db, before_ms: i64) -> Result<u64> {
    Ok(
        sqlx::query("DELETE FROM sign_in_attempts WHERE window_start <= $1")
            .bind(before_ms)
            .execute(db.writer())
            .await?
            .rows_affected(),
    )
}
