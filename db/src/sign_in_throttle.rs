//! Failed sign-ins, counted per subject (an account email or a client
//! address) over a sliding window. Kept in the database so every app server
//! sees the same counts.

use crate::{Db, Result};

/// How many failures `subject` had since `since_ms`.
pub async fn failures_since(db: &Db, subject: &str, since_ms: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM sign_in_failures WHERE subject = $1 AND failed_at > $2",
    )
    .bind(subject)
    .bind(since_ms)
    .fetch_one(db.reader())
    .await?)
}

/// Records one failure for each subject, and forgets failures older than
/// `forget_before_ms` so the table stays small.
pub async fn record_failure(
    db: &Db,
    subjects: &[&str],
    now_ms: i64,
    forget_before_ms: i64,
) -> Result<()> {
    let mut tx = db.writer().begin().await?;
    for subject in subjects {
        sqlx::query("INSERT INTO sign_in_failures (subject, failed_at) VALUES ($1, $2)")
            .bind(*subject)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM sign_in_failures WHERE failed_at < $1")
        .bind(forget_before_ms)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Forgets the failures of `subject` (after a successful sign-in).
pub async fn clear(db: &Db, subject: &str) -> Result<()> {
    sqlx::query("DELETE FROM sign_in_failures WHERE subject = $1")
        .bind(subject)
        .execute(db.writer())
        .await?;
    Ok(())
}
