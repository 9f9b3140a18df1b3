//! Stores: the tenants.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::{Db, Error, Result, time::now_ms};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Store {
    pub id: i64,
    pub name: String,
    pub currency: String,
    /// The IANA time zone its dates are shown in.
    pub time_zone: String,
    pub created_at: i64,
    /// Its campaigns' sender address; `None`: the server's `MAIL_FROM`.
    pub mail_from: Option<String>,
}

impl Store {
    fn from_row(row: &sqlx::any::AnyRow) -> Result<Store> {
        Ok(Store {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            currency: row.try_get("currency")?,
            time_zone: row.try_get("time_zone")?,
            created_at: row.try_get("created_at")?,
            mail_from: row.try_get("mail_from")?,
        })
    }

    /// The wall clock its pages show dates on.
    pub fn clock(&self) -> crate::time::Clock {
        crate::time::Clock::or_utc(&self.time_zone)
    }
}

/// Creates a store whose dates are shown in UTC and returns its id.
pub async fn create_store(db: &Db, name: &str, currency: &str) -> Result<i64> {
    create_store_in_zone(db, name, currency, "UTC").await
}

/// Creates a store whose dates are shown in `time_zone` (an IANA name) and
/// returns its id.
#[tracing::instrument(skip(db))]
pub async fn create_store_in_zone(
    db: &Db,
    name: &str,
    currency: &str,
    time_zone: &str,
) -> Result<i64> {
    let time_zone = time_zone.trim();
    crate::time::Clock::new(time_zone)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::invalid("name", "must be 1 to 200 characters"));
    }
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Error::invalid(
            "currency",
            "must be a three-letter ISO code",
        ));
    }
    let id = sqlx::query_scalar(
        "INSERT INTO stores (name, currency, time_zone, created_at) VALUES ($1, $2, $3, $4) \
         RETURNING id",
    )
    .bind(name)
    .bind(currency)
    .bind(time_zone)
    .bind(now_ms())
    .fetch_one(db.writer())
    .await?;
    Ok(id)
}

/// Stores whose name contains `filter` (any case), by name; only those
/// `member` (an account id) belongs to when given.
#[tracing::instrument(skip(db))]
pub async fn list_stores(db: &Db, filter: &str, member: Option<i64>) -> Result<Vec<Store>> {
    let pattern = format!("%{}%", escape_like(&filter.trim().to_lowercase()));
    let query = match member {
        None => sqlx::query(
            "SELECT id, name, currency, time_zone, created_at, mail_from FROM stores \
             WHERE lower(name) LIKE $1 ESCAPE '\\' ORDER BY name, id LIMIT 500",
        )
        .bind(pattern),
        Some(account_id) => sqlx::query(
            "SELECT s.id, s.name, s.currency, s.time_zone, s.created_at, s.mail_from FROM stores s \
             JOIN store_members m ON m.store_id = s.id AND m.account_id = $2 \
             WHERE lower(s.name) LIKE $1 ESCAPE '\\' ORDER BY s.name, s.id LIMIT 500",
        )
        .bind(pattern)
        .bind(account_id),
    };
    let rows = query.fetch_all(db.reader()).await?;
    rows.iter().map(Store::from_row).collect()
}

/// One store by id.
pub async fn get_store(db: &Db, id: i64) -> Result<Store> {
    let row = sqlx::query(
        "SELECT id, name, currency, time_zone, created_at, mail_from FROM stores WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db.reader())
    .await?
    .ok_or(Error::NotFound("store"))?;
    Store::from_row(&row)
}

/// Sets (or, empty, clears) the store's sender address; answers it as kept.
pub async fn set_sender(db: &Db, store_id: i64, address: &str) -> Result<Option<String>> {
    let address = match address.trim() {
        "" => None,
        given => Some(
            crate::validate::Email::parse("sender", given)?
                .as_str()
                .to_string(),
        ),
    };
    let done = sqlx::query("UPDATE stores SET mail_from = $1 WHERE id = $2")
        .bind(address.as_deref())
        .bind(store_id)
        .execute(db.writer())
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("store"));
    }
    Ok(address)
}

/// Escapes the LIKE wildcards of user input (the pattern uses `\` as escape).
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
