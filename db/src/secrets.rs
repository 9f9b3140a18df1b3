//! Secrets every server of one database shares (`app_secrets`): made once,
//! by whichever server needs one first, so links one server signed are good
//! on all.

use crate::{Db, Result};

/// The secret `name`, made with `make` when there is none yet.
pub async fn get_or_create(db: &Db, name: &str, make: impl FnOnce() -> String) -> Result<String> {
    let value = make();
    sqlx::query(
        "INSERT INTO app_secrets (name, value, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(&value)
    .bind(crate::time::now_ms())
    .execute(db.writer())
    .await?;
    Ok(
        sqlx::query_scalar("SELECT value FROM app_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(db.writer())
            .await?,
    )
}
