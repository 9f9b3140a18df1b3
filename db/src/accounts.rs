//! Accounts that sign in (store owners, members, platform admins) and which
//! stores each may open. Passwords are hashed with Argon2id here, so the CLI,
//! the seed and the server share one definition.

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use std::sync::atomic::{AtomicUsize, Ordering};

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
    /// Bumped when the password changes: a session signed in under an older
    /// generation is over.
    pub session_generation: i64,
}

pub use domain::access::Role;

/// Argon2id with at least the OWASP minimum (19 MiB, 2 passes, 1 lane): the
/// `argon2` crate's defaults are exactly those parameters.
fn argon2() -> Argon2<'static> {
    Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters"),
    )
}

/// Argon2 takes 19 MiB and tens of milliseconds of one core per password:
/// at most one per core runs at a time, so a burst of sign-ins can neither
/// exhaust memory nor starve the other requests. A caller that cannot start
/// within [`PASSWORD_QUEUE_WAIT`] gets [`Error::Busy`].
fn password_work() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        tokio::sync::Semaphore::new(cores)
    })
}

/// How long a password check waits for a free core before giving up.
pub const PASSWORD_QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

static PASSWORD_WORK_RUNNING: AtomicUsize = AtomicUsize::new(0);
static PASSWORD_WORK_PEAK: AtomicUsize = AtomicUsize::new(0);

/// The most Argon2 computations that ever ran at once in this process (a
/// gauge for operators and the sign-in burst test; never above the cores).
pub fn password_work_peak() -> usize {
    PASSWORD_WORK_PEAK.load(Ordering::Relaxed)
}

/// Runs one Argon2 computation on the blocking pool, bounded by
/// [`password_work`].
async fn with_password_permit<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    let _permit = tokio::time::timeout(PASSWORD_QUEUE_WAIT, password_work().acquire())
        .await
        .map_err(|_| Error::Busy)?
        .map_err(|_| Error::Busy)?;
    let running = PASSWORD_WORK_RUNNING.fetch_add(1, Ordering::Relaxed) + 1;
    PASSWORD_WORK_PEAK.fetch_max(running, Ordering::Relaxed);
    let result = tokio::task::spawn_blocking(work).await;
    PASSWORD_WORK_RUNNING.fetch_sub(1, Ordering::Relaxed);
    result.map_err(|_| Error::Busy)
}

/// Hashes a password (PHC string).
pub async fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(Error::invalid(
            "password",
            format!("must be at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    let password = password.to_owned();
    with_password_permit(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| Error::invalid("password", e.to_string()))
    })
    .await?
}

/// Checks a password against a stored hash, in constant time.
pub async fn verify_password(password: &str, hash: &str) -> Result<bool> {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    with_password_permit(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                argon2()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
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
        session_generation: row.try_get("session_generation")?,
    })
}

/// Creates an account, or updates the password and admin flag of the account
/// with that email; a new password ends the account's sessions (everywhere,
/// at once: see [`Account::session_generation`]). Returns its id.
#[tracing::instrument(skip(db, password))]
pub async fn upsert_account(db: &Db, email: &str, password: &str, is_admin: bool) -> Result<i64> {
    let normalized = normalize_email(email)?;
    let hash = hash_password(password).await?;
    let id = sqlx::query_scalar(
        "INSERT INTO accounts (email, email_normalized, password_hash, is_admin, created_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (email_normalized) DO UPDATE SET \
           password_hash = excluded.password_hash, is_admin = excluded.is_admin, \
           session_generation = accounts.session_generation + 1 \
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
        "SELECT id, email, is_admin, session_generation, password_hash FROM accounts \
         WHERE email_normalized = $1",
    )
    .bind(normalized)
    .fetch_optional(db.reader())
    .await?;
    row.map(|row| Ok((account_from_row(&row)?, row.try_get("password_hash")?)))
        .transpose()
}

pub async fn get_account(db: &Db, id: i64) -> Result<Option<Account>> {
    sqlx::query("SELECT id, email, is_admin, session_generation FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(db.reader())
        .await?
        .map(|row| account_from_row(&row))
        .transpose()
}

/// Gives `account_id` a role in `store_id` (replacing any role it had).
#[tracing::instrument(skip(db))]
pub async fn add_member(db: &Db, store_id: i64, account_id: i64, role: Role) -> Result<()> {
    if role == Role::PlatformAdmin {
        return Err(Error::invalid(
            "role",
            "a platform admin is an account flag, not a store role",
        ));
    }
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

/// Takes `account_id` out of `store_id`; its next request there answers as
/// for a store that does not exist. `Error::NotFound` when it was not in.
#[tracing::instrument(skip(db))]
pub async fn remove_member(db: &Db, store_id: i64, account_id: i64) -> Result<()> {
    let removed = sqlx::query("DELETE FROM store_members WHERE store_id = $1 AND account_id = $2")
        .bind(store_id)
        .bind(account_id)
        .execute(db.writer())
        .await?
        .rows_affected();
    if removed == 0 {
        return Err(Error::NotFound("member"));
    }
    Ok(())
}

/// One account of a store, as its settings page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub account_id: i64,
    pub email: String,
    pub role: Role,
    pub added_at: i64,
}

/// The accounts of `store_id`: the owner first, then members by email.
pub async fn members(db: &Db, store_id: i64) -> Result<Vec<Member>> {
    let rows = sqlx::query(
        "SELECT a.id, a.email, m.role, m.created_at FROM store_members m \
         JOIN accounts a ON a.id = m.account_id \
         WHERE m.store_id = $1 \
         ORDER BY CASE WHEN m.role = 'owner' THEN 0 ELSE 1 END, a.email_normalized",
    )
    .bind(store_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Member {
                account_id: row.try_get("id")?,
                email: row.try_get("email")?,
                role: parse_role(&row.try_get::<String, _>("role")?)?,
                added_at: row.try_get("created_at")?,
            })
        })
        .collect()
}

fn parse_role(role: &str) -> Result<Role> {
    match role {
        "owner" => Ok(Role::Owner),
        "member" => Ok(Role::Member),
        other => Err(Error::invalid("role", format!("unknown role {other:?}"))),
    }
}

/// How `account` stands in `store_id`, or `None` when it may not open it
/// (or the store does not exist).
pub async fn role_in_store(db: &Db, account: &Account, store_id: i64) -> Result<Option<Role>> {
    if account.is_admin {
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM stores WHERE id = $1")
            .bind(store_id)
            .fetch_optional(db.reader())
            .await?;
        return Ok(exists.map(|_| Role::PlatformAdmin));
    }
    let role: Option<String> = sqlx::query_scalar(
        "SELECT role FROM store_members WHERE store_id = $1 AND account_id = $2",
    )
    .bind(store_id)
    .bind(account.id)
    .fetch_optional(db.reader())
    .await?;
    role.as_deref().map(parse_role).transpose()
}

/// The account with that email, if any.
pub async fn find_by_email(db: &Db, email: &str) -> Result<Option<Account>> {
    let Ok(normalized) = normalize_email(email) else {
        return Ok(None);
    };
    sqlx::query(
        "SELECT id, email, is_admin, session_generation FROM accounts WHERE email_normalized = $1",
    )
    .bind(normalized)
    .fetch_optional(db.reader())
    .await?
    .map(|row| account_from_row(&row))
    .transpose()
}

/// Deletes an account: its memberships go with it and its sessions stop
/// working at once (they name an account that no longer exists).
#[tracing::instrument(skip(db))]
pub async fn remove_account(db: &Db, email: &str) -> Result<()> {
    let normalized = normalize_email(email)?;
    let removed = sqlx::query("DELETE FROM accounts WHERE email_normalized = $1")
        .bind(normalized)
        .execute(db.writer())
        .await?
        .rows_affected();
    if removed == 0 {
        return Err(Error::NotFound("account"));
    }
    Ok(())
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
pub fn random_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// What [`add_member_by_email`] did: the account it added, and the one-time
/// password of an account it had to create (shown once, never stored).
#[derive(Debug, Clone)]
pub struct AddedAccount {
    pub account_id: i64,
    pub email: String,
    pub one_time_password: Option<String>,
}

/// Gives the account with `email` a role in `store_id`, creating the account
/// (with a fresh random password) when there is none.
#[tracing::instrument(skip(db))]
pub async fn add_member_by_email(
    db: &Db,
    store_id: i64,
    email: &str,
    role: Role,
) -> Result<AddedAccount> {
    let email = email.trim();
    normalize_email(email)?;
    crate::stores::get_store(db, store_id).await?;
    let (account_id, one_time_password) = match find_by_email(db, email).await? {
        Some(account) => (account.id, None),
        None => {
            let password = random_password();
            (
                upsert_account(db, email, &password, false).await?,
                Some(password),
            )
        }
    };
    if role == Role::Owner {
        // One owner per store: the old one stays on as a member.
        sqlx::query(
            "UPDATE store_members SET role = 'member' WHERE store_id = $1 AND role = 'owner'",
        )
        .bind(store_id)
        .execute(db.writer())
        .await?;
    }
    add_member(db, store_id, account_id, role).await?;
    Ok(AddedAccount {
        account_id,
        email: email.to_string(),
        one_time_password,
    })
}

/// A new store and its owner (created when the email has no account): how a
/// creator is onboarded, from `server store create` and the admin page.
pub async fn create_store_with_owner(
    db: &Db,
    name: &str,
    currency: &str,
    time_zone: &str,
    owner_email: &str,
) -> Result<(i64, AddedAccount)> {
    normalize_email(owner_email)?;
    let store_id = crate::stores::create_store_in_zone(db, name, currency, time_zone).await?;
    match add_member_by_email(db, store_id, owner_email, Role::Owner).await {
        Ok(owner) => Ok((store_id, owner)),
        Err(error) => {
            // No store without an owner: take the new, empty store back.
            sqlx::query("DELETE FROM stores WHERE id = $1")
                .bind(store_id)
                .execute(db.writer())
                .await?;
            Err(error)
        }
    }
}

/// Sets the password of account `id`; every session signed in before ends
/// (the session generation moves on). Returns the account as it now is.
#[tracing::instrument(skip(db, password))]
pub async fn set_password(db: &Db, id: i64, password: &str) -> Result<Account> {
    let hash = hash_password(password).await?;
    let changed = sqlx::query(
        "UPDATE accounts SET password_hash = $2, session_generation = session_generation + 1 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(hash)
    .execute(db.writer())
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(Error::NotFound("account"));
    }
    get_account(db, id).await?.ok_or(Error::NotFound("account"))
}
