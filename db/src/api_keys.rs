//! API keys: how the platform authenticates when it reports a store's events.
//! The token is shown once, at creation; only its SHA-256 is stored.

use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::{Db, Error, Result, time::now_ms};

/// A key as listed (never the token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: i64,
    pub store_id: i64,
    pub name: String,
    /// The token's first characters, to tell keys apart.
    pub prefix: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// A new key: `token` is the only copy of the secret.
#[derive(Debug, Clone)]
pub struct CreatedKey {
    pub key: ApiKey,
    pub token: String,
}

/// What a presented token is worth for a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyCheck {
    /// A live key of this store.
    Valid,
    /// No live key has this token.
    Unknown,
    /// A live key, of another store (answer as if the store did not exist).
    OtherStore,
}

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Creates a key for a store.
pub async fn create(db: &Db, store_id: i64, name: &str) -> Result<CreatedKey> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::invalid("name", "must be 1 to 200 characters"));
    }
    crate::stores::get_store(db, store_id).await?;
    let mut secret = [0u8; 24];
    rand::rng().fill_bytes(&mut secret);
    let token = format!(
        "ck_{}",
        secret
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let prefix = token[..10].to_string();
    let created_at = now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_keys (store_id, name, prefix, token_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(store_id)
    .bind(name)
    .bind(&prefix)
    .bind(hash(&token))
    .bind(created_at)
    .fetch_one(db.writer())
    .await?;
    Ok(CreatedKey {
        key: ApiKey {
            id,
            store_id,
            name: name.to_string(),
            prefix,
            created_at,
            revoked_at: None,
        },
        token,
    })
}

/// Checks a bearer token against a store.
pub async fn verify(db: &Db, store_id: i64, token: &str) -> Result<KeyCheck> {
    let owner: Option<i64> = sqlx::query_scalar(
        "SELECT store_id FROM api_keys WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(hash(token.trim()))
    .fetch_optional(db.reader())
    .await?;
    Ok(match owner {
        None => KeyCheck::Unknown,
        Some(owner) if owner == store_id => KeyCheck::Valid,
        Some(_) => KeyCheck::OtherStore,
    })
}

/// Revokes a key of `store_id`; it stops working at once. A key of another
/// store is not found.
pub async fn revoke(db: &Db, store_id: i64, key_id: i64) -> Result<()> {
    let revoked = sqlx::query(
        "UPDATE api_keys SET revoked_at = $3 \
         WHERE id = $1 AND store_id = $2 AND revoked_at IS NULL",
    )
    .bind(key_id)
    .bind(store_id)
    .bind(now_ms())
    .execute(db.writer())
    .await?
    .rows_affected();
    if revoked == 0 {
        return Err(Error::NotFound("api key"));
    }
    Ok(())
}

/// A store's keys, newest first.
pub async fn list(db: &Db, store_id: i64) -> Result<Vec<ApiKey>> {
    let rows = sqlx::query(
        "SELECT id, store_id, name, prefix, created_at, revoked_at FROM api_keys \
         WHERE store_id = $1 ORDER BY id DESC",
    )
    .bind(store_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ApiKey {
                id: row.try_get(0)?,
                store_id: row.try_get(1)?,
                name: row.try_get(2)?,
                prefix: row.try_get(3)?,
                created_at: row.try_get(4)?,
                revoked_at: row.try_get(5)?,
            })
        })
        .collect()
}
