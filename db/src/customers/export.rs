//! The export of a whole filtered set, in keyset batches: the server streams
//! each batch as it comes, so memory stays flat however many rows match and
//! no connection is held between batches.

use std::collections::HashMap;

use sqlx::Row;

use super::{
    filter::CustomerQuery,
    search::{Arg, CustomerRow, Sql, page_of},
};
use crate::{Db, Result};

/// Customers per batch.
pub const EXPORT_BATCH: u32 = 1_000;

/// A row of the export: the list's columns plus the titles of the
/// customer's courses and products.
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
        let users: Vec<i64> = page.rows.iter().map(|row| row.user_id).collect();
        let mut courses = titles(&self.db, self.store_id, &users, COURSE_TITLES).await?;
        let mut products = titles(&self.db, self.store_id, &users, PRODUCT_TITLES).await?;
        Ok(Some(
            page.rows
                .into_iter()
                .map(|customer| ExportRow {
                    courses: courses.remove(&customer.user_id).unwrap_or_default(),
                    products: products.remove(&customer.user_id).unwrap_or_default(),
                    customer,
                })
                .collect(),
        ))
    }
}

/// (user, title) of the courses a user enrolled in or bought.
const COURSE_TITLES: &str = "SELECT e.user_id, COALESCE(co.title, co.external_id) \
     FROM enrollments e JOIN courses co ON co.id = e.course_id \
     WHERE e.store_id = {store} AND e.user_id IN ({users}) \
     UNION SELECT p.user_id, COALESCE(co.title, co.external_id) \
     FROM purchases p JOIN courses co ON co.id = p.course_id \
     WHERE p.store_id = {store} AND p.paid_at IS NOT NULL AND p.user_id IN ({users})";

/// (user, title) of the products a user bought.
const PRODUCT_TITLES: &str = "SELECT DISTINCT p.user_id, COALESCE(d.title, d.external_id) \
     FROM purchases p JOIN products d ON d.id = p.product_id \
     WHERE p.store_id = {store} AND p.paid_at IS NOT NULL AND p.user_id IN ({users})";

async fn titles(
    db: &Db,
    store_id: i64,
    users: &[i64],
    template: &str,
) -> Result<HashMap<i64, Vec<String>>> {
    let mut sql = Sql::default();
    let store = sql.arg(Arg::I(store_id));
    let list: Vec<String> = users.iter().map(|id| sql.arg(Arg::I(*id))).collect();
    sql.text = template
        .replace("{store}", &store)
        .replace("{users}", &list.join(","))
        + " ORDER BY 1, 2";
    let mut titles: HashMap<i64, Vec<String>> = HashMap::new();
    for row in sql.query().fetch_all(db.reader()).await? {
        titles
            .entry(row.try_get(0)?)
            .or_default()
            .push(row.try_get(1)?);
    }
    Ok(titles)
}
