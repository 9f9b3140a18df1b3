//! Lifetime value: the net revenue a customer brought to date, per currency
//! (completed payments minus refunds, the same definition as
//! `total_spent`), and a store's average over its paying customers.
//!
//! Amounts are never converted between currencies: a store selling in USD
//! and EUR has one figure per currency.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::owned::{IDENTITIES_OF, anchor_of};
use crate::{Db, Result};

/// One currency of a customer's purchases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerValue {
    pub currency: String,
    /// Every payment, refunded or not.
    pub paid_cents: i64,
    pub refunded_cents: i64,
    /// paid minus refunded: the lifetime value and total spent.
    pub net_cents: i64,
}

/// One currency of a store's lifetime value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreValue {
    pub currency: String,
    /// Customers whose net in this currency is above zero.
    pub paying_customers: i64,
    /// Their net, summed.
    pub net_cents: i64,
    /// `net_cents / paying_customers`, rounded half up.
    pub average_cents: i64,
}

/// A customer's payments per currency, by currency.
#[tracing::instrument(skip(db))]
pub async fn customer_value(
    db: &Db,
    store_id: i64,
    customer_id: i64,
) -> Result<Vec<CustomerValue>> {
    anchor_of(db.reader(), store_id, customer_id).await?;
    value_of_customer(db.reader(), store_id, customer_id).await
}

pub(crate) async fn value_of_customer<'c, E>(
    executor: E,
    store_id: i64,
    customer_id: i64,
) -> Result<Vec<CustomerValue>>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query(&format!(
        "SELECT currency, CAST(SUM(amount_cents) AS BIGINT) AS paid, \
                CAST(SUM(CASE WHEN refunded_at IS NULL THEN 0 ELSE amount_cents END) AS BIGINT) \
                    AS refunded \
         FROM purchases WHERE store_id = $1 AND identity_id IN {IDENTITIES_OF} \
           AND paid_at IS NOT NULL \
         GROUP BY currency ORDER BY currency"
    ))
    .bind(store_id)
    .bind(customer_id)
    .fetch_all(executor)
    .await?
    .iter()
    .map(|row| {
        let (paid, refunded): (i64, i64) = (row.try_get("paid")?, row.try_get("refunded")?);
        Ok(CustomerValue {
            currency: row.try_get("currency")?,
            paid_cents: paid,
            refunded_cents: refunded,
            net_cents: paid - refunded,
        })
    })
    .collect()
}

/// The store's lifetime value per currency: the average net of the
/// customers with a net above zero in that currency, the store's currency
/// first. Read off the
/// `(store_id, currency, net_cents)` index of `customer_totals` (migration
/// 0007): a range of it per store, already grouped by currency, never the
/// table.
#[tracing::instrument(skip(db))]
pub async fn store_value(db: &Db, store_id: i64) -> Result<Vec<StoreValue>> {
    let store = crate::stores::get_store(db, store_id).await?;
    let mut values = sqlx::query(
        "SELECT currency, COUNT(*) AS customers, CAST(SUM(net_cents) AS BIGINT) AS net \
         FROM customer_totals WHERE store_id = $1 AND net_cents > 0 \
         GROUP BY currency ORDER BY currency",
    )
    .bind(store_id)
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(|row| {
        let (count, net): (i64, i64) = (row.try_get("customers")?, row.try_get("net")?);
        Ok(StoreValue {
            currency: row.try_get("currency")?,
            paying_customers: count,
            net_cents: net,
            average_cents: average(net, count),
        })
    })
    .collect::<Result<Vec<_>>>()?;
    // The store's own currency first, as every amount on its pages.
    values.sort_by_key(|v| (v.currency != store.currency, v.currency.clone()));
    Ok(values)
}

/// `sum / count` rounded half up (both positive here).
fn average(sum: i64, count: i64) -> i64 {
    if count == 0 {
        0
    } else {
        (sum + count / 2) / count
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn averages_round_half_up() {
        assert_eq!(super::average(10, 4), 3);
        assert_eq!(super::average(9, 4), 2);
        assert_eq!(super::average(0, 0), 0);
    }
}
