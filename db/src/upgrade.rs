//! The steps of a migration that are written in Rust, run by
//! [`crate::Db::migrate`] right after the SQL migrations: a migration that
//! needs one lists it in `upgrade_tasks`, and each task is removed once done,
//! so a restart after a crash simply runs it again.
//!
//! - `fold_text`: catalog titles in their search form (`crate::text::fold`,
//!   the same on both databases; SQL's `lower()` is not);
//! - `derive_customers`: every store's customers derived again from the
//!   facts (migration 0010 changed what a customer is).

use sqlx::Row;

use crate::{
    Backend, Db, Error, Result,
    sql::{Json, Sql, from_json},
    text::fold,
};

pub(crate) async fn run(db: &Db) -> Result<()> {
    let tasks: Vec<String> = sqlx::query_scalar("SELECT name FROM upgrade_tasks ORDER BY name")
        .fetch_all(db.writer())
        .await?;
    for task in tasks {
        tracing::info!(task, "running an upgrade task");
        match task.as_str() {
            "fold_text" => fold_titles(db).await?,
            "derive_customers" => {
                let stores: Vec<i64> = sqlx::query_scalar("SELECT id FROM stores ORDER BY id")
                    .fetch_all(db.reader())
                    .await?;
                for store in stores {
                    crate::backfill::derive_store(db, store, 20_000).await?;
                }
            }
            other => {
                return Err(Error::invalid(
                    "upgrade_tasks",
                    format!(
                        "unknown upgrade task {other:?}: is this server older than the database?"
                    ),
                ));
            }
        }
        sqlx::query("DELETE FROM upgrade_tasks WHERE name = $1")
            .bind(&task)
            .execute(db.writer())
            .await?;
    }
    if db.backend() == Backend::Sqlite {
        // Tables rebuilt with foreign keys off are checked here.
        let broken = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(db.writer())
            .await?;
        if let Some(row) = broken.first() {
            let table: String = row.try_get(0)?;
            return Err(Error::invalid(
                "migration",
                format!(
                    "{} rows break a foreign key (first in table {table})",
                    broken.len()
                ),
            ));
        }
    }
    Ok(())
}

/// Fills `title_folded` where it is missing.
async fn fold_titles(db: &Db) -> Result<()> {
    for table in ["courses", "products", "plans"] {
        let rows = sqlx::query(&format!(
            "SELECT id, COALESCE(title, external_id) AS title FROM {table} \
             WHERE title_folded IS NULL"
        ))
        .fetch_all(db.reader())
        .await?;
        let folded: Vec<(i64, String)> = rows
            .iter()
            .map(|row| Ok((row.try_get("id")?, fold(row.try_get::<&str, _>("title")?))))
            .collect::<Result<_>>()?;
        if folded.is_empty() {
            continue;
        }
        let mut sql = Sql::default();
        let rows = sql.json(&folded);
        let select = from_json(
            db.backend(),
            &rows,
            &[("id", Json::Int), ("title", Json::Text)],
        );
        sql.text = format!(
            "UPDATE {table} SET title_folded = j.title FROM ({select}) j WHERE {table}.id = j.id"
        );
        sql.query().execute(db.writer()).await?;
    }
    Ok(())
}
