//! The export of a whole filtered set, in keyset batches: the server streams
//! each batch as it comes, so memory stays flat however many rows match and
//! no connection is held between batches.

use std::collections::HashMap;

use sqlx::Row;

use super::{
    filter::CustomerQuery,
    search::{CustomerRow, page_of},
};
use crate::{
    Db, Result,
    sql::{Sql, int_list},
};

/// Customers per batch.
pub const EXPORT_BATCH: u32 = 1_000;

/// A row of the export: the list's columns plus the titles of the
/// customer's courses and products (the same ones its counts count).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    pub customer: CustomerRow,
    pub courses: Vec<String>,
    pub products: Vec<String>,
}

/// Walks the filtered set page by page in the query's order.
#[derive(Debug)]
pub struct Export {
    db: Db,
    store_id: i64,
    query: CustomerQuery,
    now_ms: i64,
    done: bool,
}

impl Export {
    /// Starts at the beginning of the set, whatever cursor `query` carries.
    pub fn new(db: &Db, store_id: i64, query: &CustomerQuery, now_ms: i64) -> Result<Export> {
        query.validate()?;
        let query = CustomerQuery {
            after: None,
            before: None,
            from_end: false,
            page_size: EXPORT_BATCH,
            ..query.clone()
        };
        Ok(Export {
            db: db.clone(),
            store_id,
            query,
            now_ms,
            done: false,
        })
    }

    /// The next batch, or `None` when every row has been returned.
    pub async fn next_batch(&mut self) -> Result<Option<Vec<ExportRow>>> {
        if self.done {
            return Ok(None);
        }
        let page = page_of(&self.db, self.store_id, &self.query, self.now_ms).await?;
        match page.next_cursor {
            Some(cursor) => self.query.after = Some(cursor),
            None => self.done = true,
        }
        if page.rows.is_empty() {
            return Ok(None);
        }
        let ids: Vec<i64> = page.rows.iter().map(|row| row.id).collect();
        let mut courses = titles(&self.db, self.store_id, &ids, COURSE_TITLES).await?;
        let mut products = titles(&self.db, self.store_id, &ids, PRODUCT_TITLES).await?;
        Ok(Some(
            page.rows
                .into_iter()
                .map(|customer| ExportRow {
                    courses: courses.remove(&customer.id).unwrap_or_default(),
                    products: products.remove(&customer.id).unwrap_or_default(),
                    customer,
                })
                .collect(),
        ))
    }
}

/// (customer, course, title) of the courses a customer is enrolled in or
/// bought and kept.
const COURSE_TITLES: &str = "SELECT i.customer_id AS customer, co.id AS item, \
        COALESCE(co.title, co.external_id) AS title \
     FROM enrollments e JOIN identities i ON i.id = e.identity_id \
     JOIN courses co ON co.id = e.course_id \
     WHERE e.store_id = {store} AND i.customer_id IN ({customers}) \
     UNION SELECT i.customer_id, co.id, COALESCE(co.title, co.external_id) \
     FROM purchases p JOIN identities i ON i.id = p.identity_id \
     JOIN courses co ON co.id = p.course_id \
     WHERE p.store_id = {store} AND p.paid_at IS NOT NULL AND p.refunded_at IS NULL \
       AND i.customer_id IN ({customers})";

/// (customer, product, title) of the products a customer bought and kept.
const PRODUCT_TITLES: &str = "SELECT DISTINCT i.customer_id AS customer, d.id AS item, \
        COALESCE(d.title, d.external_id) AS title \
     FROM purchases p JOIN identities i ON i.id = p.identity_id \
     JOIN products d ON d.id = p.product_id \
     WHERE p.store_id = {store} AND p.paid_at IS NOT NULL AND p.refunded_at IS NULL \
       AND i.customer_id IN ({customers})";

async fn titles(
    db: &Db,
    store_id: i64,
    customers: &[i64],
    template: &str,
) -> Result<HashMap<i64, Vec<String>>> {
    let mut sql = Sql::default();
    let store = sql.arg(store_id);
    sql.text = format!(
        "SELECT t.customer, t.title FROM ({}) t ORDER BY t.customer, t.title, t.item",
        template
            .replace("{store}", &store)
            .replace("{customers}", &int_list(customers.iter().copied()))
    );
    let mut titles: HashMap<i64, Vec<String>> = HashMap::new();
    for row in sql.query().fetch_all(db.reader()).await? {
        titles
            .entry(row.try_get("customer")?)
            .or_default()
            .push(row.try_get("title")?);
    }
    Ok(titles)
}
