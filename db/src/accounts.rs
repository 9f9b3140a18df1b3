//! Accounts that sign in (store owners, members, platform admins) and which
//! stores each may open. Passwords are hashed with Argon2id here, so the CLI,
//! the seed and the server share one definition.

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::{Db, Error, Result, stores::Store, time::now_ms};

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub is_admin: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Owner,
    Member,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Member => "member",
        }
    }
}

/// Argon2id with at least the OWASP minimum (19 MiB, 2 passes, 1 lane): the
/// `argon2` crate's defaults are exactly those parameters.
fn argon2() -> Argon2<'static> {
    Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters"),
    )
}

/// Hashes a password (PHC string). CPU-heavy: runs on the blocking pool.
pub async fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(Error::invalid(
            "password",
            format!("must be at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| Error::invalid("password", e.to_string()))
    })
    .await
    .expect("hashing task")
}

/// Checks a password against a stored hash, in constant time.
pub async fn verify_password(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                argon2()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A hash of a random password: verified against when the email is unknown,
/// so an unknown email costs the same time as a wrong password.
pub async fn decoy_hash() -> &'static str {
    static DECOY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DECOY
        .get_or_init(|| async {
            hash_password("decoy password that matches nothing")
                .await
                .expect("decoy hash")
        })
        .await
}

pub fn normalize_email(email: &str) -> Result<String> {
    let email = email.trim();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.chars().any(char::is_whitespace);
    if !valid {
        return Err(Error::invalid("email", "is not a valid email address"));
    }
    Ok(email.to_lowercase())
}

fn account_from_row(row: &sqlx::any::AnyRow) -> Result<Account> {
    Ok(Account {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        is_admin: row.try_get::<i64, _>("is_admin")? != 0,
    })
}

/// Creates an account, or updates the password and admin flag of the account
/// with that email. Returns its id.
#[tracing::instrument(skip(db, password))]
pub async fn upsert_account(db: &Db, email: &str, password: &str, is_admin: bool) -> Result<i64> {
    let normalized = normalize_email(email)?;
    let hash = hash_password(password).await?;
    let id = sqlx::query_scalar(
        "INSERT INTO accounts (email, email_normalized, password_hash, is_admin, created_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (email_normalized) DO UPDATE SET \
           password_hash = excluded.password_hash, is_admin = excluded.is_admin \
         RETURNING id",
    )
    .bind(email.trim())
    .bind(normalized)
    .bind(hash)
    .bind(i64::from(is_admin))
    .bind(now_ms())
    .fetch_one(db.writer())
    .await?;
    Ok(id)
}

/// The account with that email and its password hash, for signing in.
pub async fn find_for_sign_in(db: &Db, email: &str) -> Result<Option<(Account, String)>> {
    let Ok(normalized) = normalize_email(email) else {
        return Ok(None);
    };
    let row = sqlx::query(
        "SELECT id, email, is_admin, password_hash FROM accounts WHERE email_normalized = $1",
    )
    .bind(normalized)
    .fetch_optional(db.reader())
    .await?;
    row.map(|row| Ok((account_from_row(&row)?, row.try_get("password_hash")?)))
        .transpose()
}

pub async fn get_account(db: &Db, id: i64) -> Result<Option<Account>> {
    sqlx::query("SELECT id, email, is_admin FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(db.reader())
        .await?
        .map(|row| account_from_row(&row))
        .transpose()
}

/// Gives `account_id` a role in `store_id` (replacing any role it had).
#[tracing::instrument(skip(db))]
pub async fn add_member(db: &Db, store_id: i64, account_id: i64, role: Role) -> Result<()> {
    sqlx::query(
        "INSERT INTO store_members (store_id, account_id, role, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (store_id, account_id) DO UPDATE SET role = excluded.role",
    )
    .bind(store_id)
    .bind(account_id)
    .bind(role.as_str())
    .bind(now_ms())
    .execute(db.writer())
    .await?;
    Ok(())
}

/// Whether `account` may open `store_id`: a platform admin any existing
/// store, anyone else the stores they own or are a member of.
pub async fn can_open_store(db: &Db, account: &Account, store_id: i64) -> Result<bool> {
    let query = if account.is_admin {
        sqlx::query_scalar("SELECT COUNT(*) FROM stores WHERE id = $1").bind(store_id)
    } else {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM store_members WHERE store_id = $1 AND account_id = $2",
        )
        .bind(store_id)
        .bind(account.id)
    };
    let count: i64 = query.fetch_one(db.reader()).await?;
    Ok(count > 0)
}

/// The stores `account` may open whose name contains `filter`, by name.
pub async fn stores_for(db: &Db, account: &Account, filter: &str) -> Result<Vec<Store>> {
    crate::stores::list_stores(db, filter, (!account.is_admin).then_some(account.id)).await
}

/// The accounts the demo seed creates, with their one-time passwords.
#[derive(Debug, Clone)]
pub struct DemoAccounts {
    pub admin: (String, String),
    pub owner: (String, String),
}

/// Creates a platform admin and an owner of `store_id`, each with a fresh
/// random password, for a newcomer to sign in with. The caller prints the
/// passwords once; only their hashes are kept.
pub async fn create_demo_accounts(db: &Db, store_id: i64) -> Result<DemoAccounts> {
    let admin = ("admin@demo.test".to_string(), random_password());
    let owner = ("owner@demo.test".to_string(), random_password());
    upsert_account(db, &admin.0, &admin.1, true).await?;
    let owner_id = upsert_account(db, &owner.0, &owner.1, false).await?;
    add_member(db, store_id, owner_id, Role::Owner).await?;
    Ok(DemoAccounts { admin, owner })
}

/// 16 characters from an unambiguous alphabet (about 80 bits).
fn random_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}
