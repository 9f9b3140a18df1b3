//! What a message's merge fields read of its recipients: one read per batch
//! of customers, scoped to the store.

use std::collections::HashMap;

use sqlx::Row;

use crate::{Db, Result, sql::int_list};

/// One customer's values for merge fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeData {
    pub name: Option<String>,
    pub email: Option<String>,
    /// Each enrolled course's title and the best progress in it.
    pub courses: Vec<(String, i64)>,
}

/// The merge data of the store's customers `ids` (missing ones: erased).
pub async fn merge_data(db: &Db, store_id: i64, ids: &[i64]) -> Result<HashMap<i64, MergeData>> {
    let mut out: HashMap<i64, MergeData> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let list = int_list(ids.iter().copied());
    for row in sqlx::query(&format!(
        "SELECT id, name, email FROM customers WHERE store_id = $1 AND id IN ({list})"
    ))
    .bind(store_id)
    .fetch_all(db.reader())
    .await?
    {
        out.insert(
            row.try_get("id")?,
            MergeData {
                name: row.try_get("name")?,
                email: row.try_get("email")?,
                courses: Vec::new(),
            },
        );
    }
    for row in sqlx::query(&format!(
        // A course the catalog has not named yet goes by its platform id
        // (as on the timeline), rather than failing the whole batch.
        "SELECT i.customer_id, COALESCE(co.title, co.external_id) AS title, \
         MAX(e.progress) AS progress FROM enrollments e \
         JOIN identities i ON i.store_id = e.store_id AND i.id = e.identity_id \
         JOIN courses co ON co.store_id = e.store_id AND co.id = e.course_id \
         WHERE e.store_id = $1 AND i.customer_id IN ({list}) \
         GROUP BY i.customer_id, co.id, co.title, co.external_id ORDER BY title"
    ))
    .bind(store_id)
    .fetch_all(db.reader())
    .await?
    {
        let id: i64 = row.try_get("customer_id")?;
        if let Some(data) = out.get_mut(&id) {
            data.courses
                .push((row.try_get("title")?, row.try_get("progress")?));
        }
    }
    Ok(out)
}

/// A member of the segment to preview a campaign with: the first customer
/// of the store in it who has an email, else any customer with one.
pub async fn preview_customer(
    db: &Db,
    store_id: i64,
    segment_id: Option<i64>,
) -> Result<Option<i64>> {
    use crate::customers::{filter::CustomerQuery, search::Filtered};
    let segment = match segment_id {
        Some(id) => Some(crate::segments::get(db, store_id, id).await?.definition),
        None => None,
    };
    let query = CustomerQuery {
        segment,
        ..CustomerQuery::default()
    };
    let mut sql = crate::sql::Sql::default();
    sql.push("SELECT c.id");
    sql.filtered(db.backend(), store_id, &query, crate::time::now_ms(), true);
    sql.push(" AND c.email_normalized IS NOT NULL ORDER BY c.id LIMIT 1");
    Ok(sql.scalar::<i64>().fetch_optional(db.reader()).await?)
}
