//! Serialising the writers of one store's people.
//!
//! On SQLite there is one writer connection, so transactions never overlap
//! and [`store`] is a no-op. On Postgres (READ COMMITTED) a derivation reads
//! the facts as of its statement's start, so two transactions deriving one
//! customer at once could each miss the other's fact; and a regroup must see
//! every identity of the emails it touches. So every transaction that
//! records facts, regroups or derives customers of a store (an events
//! batch, a contacts import batch, a backfill batch, an erasure) first takes
//! the store's advisory lock, until commit: one store's writes queue, other
//! stores' run alongside. Owner-written data (notes, tags) derives nothing
//! and takes no lock.

use sqlx::AnyConnection;

use crate::{Backend, Result};

/// The store's lock, held until the transaction ends.
pub async fn store(conn: &mut AnyConnection, backend: Backend, store_id: i64) -> Result<()> {
    if backend == Backend::Postgres {
        sqlx::query(
            "SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(1, CAST($1 AS INTEGER))) AS l",
        )
        .bind(store_id)
        .fetch_one(&mut *conn)
        .await?;
    }
    Ok(())
}
