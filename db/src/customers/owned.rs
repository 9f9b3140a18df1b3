//! The one check every function of the customer detail page starts with: the
//! customer id it was given belongs to the store it was given. An id of
//! another store's customer answers exactly like an id that does not exist
//! (DESIGN.md invariant 4).
//!
//! A customer's id is its anchor identity's id (see `crate::identity`), so
//! what the owner writes about a customer (notes, tags, the activity log)
//! is attached to that identity: a merge shows both customers' notes, a
//! split leaves them with the identity they were written on.

use crate::{Error, Result};

/// The identities of customer `$2` of store `$1`, as a subquery.
pub(crate) const IDENTITIES_OF: &str =
    "(SELECT id FROM identities WHERE store_id = $1 AND customer_id = $2)";

/// Checks that `customer_id` is a customer of `store_id`; answers the
/// identity its owner data is written on (the customer's anchor), or
/// `Error::NotFound("customer")`.
pub(crate) async fn anchor_of<'c, E>(executor: E, store_id: i64, customer_id: i64) -> Result<i64>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query_scalar("SELECT id FROM customers WHERE store_id = $1 AND id = $2")
        .bind(store_id)
        .bind(customer_id)
        .fetch_optional(executor)
        .await?
        .ok_or(Error::NotFound("customer"))
}

/// Checks an id supplied by a caller before it reaches SQL.
pub(crate) fn positive_id(field: &str, id: i64) -> Result<i64> {
    if id > 0 {
        Ok(id)
    } else {
        Err(Error::invalid(field, "must be a positive id"))
    }
}
