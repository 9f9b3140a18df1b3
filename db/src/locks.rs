//! Serialising writers that derive the same customer.
//!
//! On SQLite there is one writer connection, so transactions never overlap
//! and every function here is a no-op. On Postgres (READ COMMITTED), a
//! derivation reads the facts as of its statement's start; two transactions
//! deriving one customer at once could each miss the other's fact. So:
//!
//! - every transaction that derives customer (store, user) first locks the
//!   user's row (`FOR UPDATE`): derivations of one user run one after the
//!   other, each seeing the facts of those before it;
//! - fact transactions hold a shared advisory lock on the store, and a
//!   catalog change (which re-derives every customer of a course) holds it
//!   exclusively, so the set of customers it re-derives is complete.
//!
//! - before any of that, a transaction takes advisory locks on the people and
//!   purchases its events name (normalised email, else platform id; purchase
//!   id), all at once in one global order, so two batches sharing customers
//!   queue instead of deadlocking (Postgres detects a deadlock only after
//!   `deadlock_timeout`, a second by default).
//!
//! Deadlocks remain possible in rare cases (two platform ids of one person,
//! one reported with its email and one without, in two batches); the
//! transaction is then retried (see `events::apply`).

use sqlx::AnyConnection;

use crate::{Backend, Result, customers::derive::item_users, events::CatalogKind};

/// Shared (fact) or exclusive (catalog change) lock on a store, until commit.
pub async fn store(
    conn: &mut AnyConnection,
    backend: Backend,
    store_id: i64,
    exclusive: bool,
) -> Result<()> {
    if backend == Backend::Postgres {
        let sql = if exclusive {
            "SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(1, CAST($1 AS INTEGER))) AS l"
        } else {
            "SELECT 1 AS locked \
             FROM (SELECT pg_advisory_xact_lock_shared(1, CAST($1 AS INTEGER))) AS l"
        };
        sqlx::query(sql)
            .bind(store_id)
            .fetch_one(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Locks one user's row until commit.
pub async fn user(conn: &mut AnyConnection, backend: Backend, user_id: i64) -> Result<()> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Locks, in id order, the rows of every user with a fact about a catalog
/// entry.
pub async fn item_users_rows(
    conn: &mut AnyConnection,
    backend: Backend,
    kind: CatalogKind,
    item_id: i64,
) -> Result<()> {
    if backend == Backend::Postgres {
        let sql = format!(
            "SELECT id FROM users WHERE id IN ({}) ORDER BY id FOR UPDATE",
            item_users(kind).replace("$5", "$1")
        );
        sqlx::query(&sql)
            .bind(item_id)
            .fetch_all(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Takes advisory locks on `keys` (any strings), in the order of their
/// hashes, until commit: transactions naming the same keys run one after the
/// other, and never wait for each other in a cycle.
pub async fn keys(conn: &mut AnyConnection, backend: Backend, keys: &[String]) -> Result<()> {
    if backend == Backend::Postgres && !keys.is_empty() {
        const SEPARATOR: char = '\u{1f}';
        let joined = keys
            .iter()
            .map(|k| k.replace(SEPARATOR, " "))
            .collect::<Vec<_>>()
            .join(&SEPARATOR.to_string());
        sqlx::query(
            "SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock(h) FROM ( \
                 SELECT DISTINCT hashtextextended(k, 0) AS h \
                 FROM unnest(string_to_array($1, chr(31))) AS k ORDER BY h) AS sorted \
             ) AS locked",
        )
        .bind(joined)
        .fetch_one(&mut *conn)
        .await?;
    }
    Ok(())
}
