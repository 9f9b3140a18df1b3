//! The one check every function of the customer detail page starts with: the
//! customer id it was given belongs to the store it was given. An id of
//! another store's customer answers exactly like an id that does not exist
//! (DESIGN.md invariant 4).

use crate::{Error, Result};

/// The user behind customer `customer_id` of `store_id`, or
/// `Error::NotFound("customer")`.
pub(crate) async fn user_of<'c, E>(executor: E, store_id: i64, customer_id: i64) -> Result<i64>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query_scalar("SELECT user_id FROM customers WHERE store_id = $1 AND id = $2")
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
