//! The customers page's queries: one page of a filtered, sorted list (keyset
//! pagination), its counts (per type, for the chips), a store's stats and
//! the catalog the course/product filter offers. (A customer's details are
//! in `super::detail`.)
//!
//! One builder ([`Filtered::filtered`]) writes the FROM and WHERE of the
//! filtered set; the page, the counts, the export and bulk tagging all use
//! it, so they cannot disagree about who matches.
//!
//! Search: a term of three characters or more matches anywhere in the name
//! or the email (`search_text`: on SQLite the FTS5 trigram index
//! `customers_fts`, on Postgres the pg_trgm GIN index, both scoped to the
//! store inside the index), or in the title of any course or product the
//! customer has (the store's catalog, then the facts' item indexes). Term
//! and text are folded by `crate::text::fold`, the same on both databases.
//! Shorter terms match the start of the name or the email, through their
//! B-tree indexes (see [`MIN_SUBSTRING_CHARS`]).

use serde::{Deserialize, Serialize};
use sqlx::{Row, any::AnyRow};

use super::{
    DEFAULT_ACTIVE_WINDOW_MS,
    filter::{CustomerQuery, CustomerType, SortKey, Status},
};
use crate::{
    Backend, Db, Error, Result,
    sql::{Arg, Sql, int_list},
    text::fold,
};

/// A row of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRow {
    pub id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub customer_type: CustomerType,
    pub has_active_subscription: bool,
    pub total_spent_cents: i64,
    pub last_activity_at: i64,
    pub joined_at: i64,
    pub courses_count: i64,
    pub products_count: i64,
    pub status: Status,
    /// Net per currency where it is not zero, the store's currency first.
    pub totals: Vec<(String, i64)>,
    /// The customer's tag names, by name.
    pub tags: Vec<String>,
}

/// One page, the cursor of the next one (`None` on the last page), and how
/// many matching customers come before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    pub rows: Vec<CustomerRow>,
    pub next_cursor: Option<i64>,
    pub offset: i64,
}

/// How many customers match, per type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeCounts {
    pub lead: i64,
    pub paying: i64,
    pub subscription: i64,
}

impl TypeCounts {
    pub fn get(&self, t: CustomerType) -> i64 {
        match t {
            CustomerType::Lead => self.lead,
            CustomerType::Paying => self.paying,
            CustomerType::Subscription => self.subscription,
        }
    }

    fn add(&mut self, t: CustomerType, n: i64) {
        match t {
            CustomerType::Lead => self.lead += n,
            CustomerType::Paying => self.paying += n,
            CustomerType::Subscription => self.subscription += n,
        }
    }

    pub fn total(&self) -> i64 {
        self.lead + self.paying + self.subscription
    }
}

/// The matching count and the type chips' counts. `by_type` ignores the
/// query's type filter (each chip says how many it would show); `total`
/// honours it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub total: i64,
    pub by_type: TypeCounts,
}

/// The stats cards of a store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub customers: i64,
    pub by_type: TypeCounts,
    /// The store's currency (the one `total_spent_cents` is in).
    pub currency: String,
    /// Net revenue per currency, by currency.
    pub revenue: Vec<(String, i64)>,
}

/// A course or product of the store, for the filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogItem {
    pub id: i64,
    /// The platform's id for it.
    pub external_id: String,
    pub title: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    pub courses: Vec<CatalogItem>,
    pub products: Vec<CatalogItem>,
    /// Subscription plans (the segment rules name them).
    pub plans: Vec<CatalogItem>,
}

/// The filtered set of customers: `FROM ... WHERE ...` (alias `c`) for a
/// customers-page query, written onto a [`Sql`].
pub(crate) trait Filtered {
    fn filtered(
        &mut self,
        backend: Backend,
        store_id: i64,
        query: &CustomerQuery,
        now_ms: i64,
        with_types: bool,
    );
    #[allow(clippy::too_many_arguments)]
    fn filtered_by(
        &mut self,
        backend: Backend,
        store_id: i64,
        query: &CustomerQuery,
        now_ms: i64,
        with_types: bool,
        drive: Drive,
    );
}

impl Filtered for Sql {
    fn filtered(
        &mut self,
        backend: Backend,
        store_id: i64,
        query: &CustomerQuery,
        now_ms: i64,
        with_types: bool,
    ) {
        self.filtered_by(backend, store_id, query, now_ms, with_types, Drive::Matches);
    }

    fn filtered_by(
        &mut self,
        backend: Backend,
        store_id: i64,
        query: &CustomerQuery,
        now_ms: i64,
        with_types: bool,
        drive: Drive,
    ) {
        filtered_by(self, backend, store_id, query, now_ms, with_types, drive)
    }
}

/// A short term: the name starts with it (in any case) or the email does.
/// Each range repeats the store, so each is one index range scan.
fn prefix_condition(sql: &mut Sql, backend: Backend, store_id: i64, term: &str) -> String {
    let name = sort_expr(backend, SortKey::Name);
    let email = match backend {
        Backend::Sqlite => "c.email_normalized",
        Backend::Postgres => "(c.email_normalized COLLATE \"C\")",
    };
    let mut ranges = Vec::new();
    let spellings = case_variants(term)
        .into_iter()
        .map(|v| (name, v))
        .chain([(email, fold(term))]);
    for (column, prefix) in spellings {
        let store = sql.arg(store_id);
        let upper = prefix_upper_bound(&prefix);
        let from = sql.arg(prefix);
        let mut range = format!("(c.store_id = {store} AND {column} >= {from}");
        if let Some(upper) = upper {
            let upper = sql.arg(upper);
            range.push_str(&format!(" AND {column} < {upper}"));
        }
        range.push(')');
        ranges.push(range);
    }
    format!("({})", ranges.join(" OR "))
}

/// [`Filtered::filtered`], choosing what drives the scan (see [`Drive`]).
#[allow(clippy::too_many_arguments)]
fn filtered_by(
    sql: &mut Sql,
    backend: Backend,
    store_id: i64,
    query: &CustomerQuery,
    now_ms: i64,
    with_types: bool,
    drive: Drive,
) {
    let mut conditions = Vec::new();
    let store = sql.arg(store_id);
    conditions.push(format!("c.store_id = {store}"));
    let term = query.search_term();
    let mut from = "customers c".to_string();
    if !term.is_empty() {
        if term.chars().count() < MIN_SUBSTRING_CHARS {
            // Each range names the store itself; a store condition outside
            // them would tempt SQLite into scanning the whole store instead
            // of the ranges.
            conditions[0] = prefix_condition(sql, backend, store_id, term);
        } else {
            let matches = matches_sql(sql, backend, &store, store_id, term);
            match (drive, backend) {
                // CROSS JOIN fixes the order: the matches drive, never a
                // probe of the index per customer.
                (Drive::Matches | Drive::Id, Backend::Sqlite) => {
                    from = format!("({matches}) m CROSS JOIN customers c ON c.id = m.id");
                }
                (Drive::Matches | Drive::Id, Backend::Postgres) => {
                    from = format!("({matches}) m JOIN customers c ON c.id = m.id");
                }
                // The unary + keeps SQLite's planner on the sort index;
                // the matches become a set it probes.
                (Drive::SortIndex, Backend::Sqlite) => {
                    conditions.push(format!("+c.id IN ({matches})"))
                }
                (Drive::SortIndex, Backend::Postgres) => {
                    conditions.push(format!("c.id IN ({matches})"))
                }
            }
        }
    }
    if drive == Drive::Id && backend == Backend::Sqlite && term.is_empty() {
        from = "customers c NOT INDEXED".to_string();
    }
    if with_types && !query.types.is_empty() && query.types.len() < CustomerType::ALL.len() {
        let list: Vec<String> = query
            .types
            .iter()
            .map(|t| format!("'{}'", t.as_str()))
            .collect();
        conditions.push(format!("c.type IN ({})", list.join(", ")));
    }
    for (column, range) in [
        ("c.joined_at", query.joined),
        ("c.last_activity_at", query.last_activity),
        ("c.total_spent_cents", query.spent),
    ] {
        if let Some(min) = range.min {
            let min = sql.arg(min);
            conditions.push(format!("{column} >= {min}"));
        }
        if let Some(max) = range.max {
            let max = sql.arg(max);
            conditions.push(format!("{column} <= {max}"));
        }
    }
    if let Some(currency) = &query.currency {
        let currency = sql.arg(currency.clone());
        conditions.push(format!(
            "c.id IN (SELECT customer_id FROM customer_totals \
             WHERE store_id = {store} AND currency = {currency} AND net_cents > 0)"
        ));
    }
    if let Some(active) = query.active_subscription {
        conditions.push(format!("c.has_active_subscription = {}", i64::from(active)));
    }
    if let Some(course) = query.course_id {
        let course = sql.arg(course);
        conditions.push(format!(
            "c.id IN ({})",
            having_items(&store, Some(&format!("= {course}")), None)
        ));
    }
    if let Some(product) = query.product_id {
        let product = sql.arg(product);
        conditions.push(format!(
            "c.id IN ({})",
            having_items(&store, None, Some(&format!("= {product}")))
        ));
    }
    if let Some(tag) = &query.tag {
        conditions.push(super::rules::tag(sql, backend, &store, tag, true));
    }
    if let Some(status) = query.status {
        conditions.push(super::rules::status(sql, status, now_ms));
    }
    if let Some(segment) = &query.segment {
        conditions.push(super::rules::condition(
            sql, backend, &store, segment, now_ms,
        ));
    }
    sql.text.push_str(" FROM ");
    sql.text.push_str(&from);
    sql.text.push_str(" WHERE ");
    sql.text.push_str(&conditions.join(" AND "));
}

/// The ids of the customers who have a course (`course`: the condition on
/// its id; enrolled, or bought and kept) or a product (`product`: bought and
/// kept). The one definition of "has" for search and the filters.
fn having_items(store: &str, course: Option<&str>, product: Option<&str>) -> String {
    let mut parts = Vec::new();
    if let Some(course) = course {
        parts.push(format!(
            "SELECT i.customer_id AS id FROM enrollments e \
             JOIN identities i ON i.id = e.identity_id \
             WHERE e.store_id = {store} AND e.course_id {course}"
        ));
    }
    // One branch per item column, each answered by that column's index:
    // `course_id IN (…) OR product_id IN (…)` made Postgres read every
    // purchase of every store (134 ms at 575,000 purchases).
    for (column, condition) in [("p.course_id", course), ("p.product_id", product)] {
        if let Some(condition) = condition {
            parts.push(format!(
                "SELECT i.customer_id AS id FROM purchases p \
                 JOIN identities i ON i.id = p.identity_id \
                 WHERE p.store_id = {store} AND p.paid_at IS NOT NULL \
                 AND p.refunded_at IS NULL AND {column} {condition}"
            ));
        }
    }
    parts.join(" UNION ")
}

/// The ids of the customers a term (three characters or more) matches: in
/// the name or the email (the search index, scoped to the store), or in the
/// title of a course or product they have (the store's small catalog, then
/// the facts' item indexes). Titles are not copied into customers, so a
/// rename changes no customer row.
fn matches_sql(sql: &mut Sql, backend: Backend, store: &str, store_id: i64, term: &str) -> String {
    let folded = fold(term);
    let like = sql.arg(like_pattern(&folded));
    let people = match backend {
        Backend::Sqlite => {
            let fts = sql.arg(fts_query(&folded, store_id));
            format!("SELECT rowid AS id FROM customers_fts WHERE customers_fts MATCH {fts}")
        }
        Backend::Postgres => format!(
            "SELECT id FROM customers WHERE store_id = {store} \
             AND search_text LIKE {like} ESCAPE '\\'"
        ),
    };
    let courses = format!(
        "IN (SELECT id FROM courses WHERE store_id = {store} AND title_folded LIKE {like} ESCAPE '\\')"
    );
    let products = format!(
        "IN (SELECT id FROM products WHERE store_id = {store} AND title_folded LIKE {like} ESCAPE '\\')"
    );
    format!(
        "{people} UNION {}",
        having_items(store, Some(&courses), Some(&products))
    )
}

/// Search terms shorter than this match the start of the name or the email
/// (a prefix, answered by the name and email indexes); longer ones match
/// anywhere in the name, the email or a course or product title. A trigram
/// index cannot answer one or two characters, and "a" anywhere matches most
/// of a store.
pub const MIN_SUBSTRING_CHARS: usize = 3;

/// What drives a filtered scan that searches: the search index's matches
/// (then sorted), or the sort order's index with each row checked against the
/// matches. The first is right when few customers match, the second when so
/// many do that a page fills after a short walk down the sort index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drive {
    Matches,
    SortIndex,
    /// Customers in id order, read in keyset chunks (`c.id > last ORDER BY
    /// c.id LIMIT n`: the campaign queue). SQLite would rather take an
    /// index on a rule's column (has an email) and sort all that is left for
    /// every chunk; the rowid walk stops after the chunk.
    Id,
}

/// Every spelling of `term` that differs only in case, character by
/// character (a name is stored as given, and its index is case-sensitive).
/// Characters whose case mapping is not one character stay as they are.
fn case_variants(term: &str) -> Vec<String> {
    let mut variants = vec![String::new()];
    for ch in term.chars() {
        let mut forms = vec![ch];
        let lower: Vec<char> = ch.to_lowercase().collect();
        let upper: Vec<char> = ch.to_uppercase().collect();
        for other in [lower, upper] {
            if let [single] = other[..]
                && !forms.contains(&single)
            {
                forms.push(single);
            }
        }
        variants = variants
            .iter()
            .flat_map(|prefix| forms.iter().map(move |f| format!("{prefix}{f}")))
            .collect();
    }
    variants
}

/// The smallest string above every string that starts with `prefix`
/// (`None` when there is none), for a range `[prefix, upper)`.
fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last as u32 + 1 {
            0xD800 => Some('\u{E000}'),
            n => char::from_u32(n),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// An FTS5 query: the term as a phrase in `search_text` (double quotes,
/// inner quotes doubled, so every character is matched literally) and the
/// store's tag (migration 0008), so only that store's customers match.
fn fts_query(term: &str, store_id: i64) -> String {
    format!(
        "search_text : \"{}\" AND store_tag : \"#{store_id}#\"",
        term.replace('"', "\"\"")
    )
}

/// `%term%` with LIKE's wildcards (and the escape character) escaped.
fn like_pattern(term: &str) -> String {
    let mut pattern = String::with_capacity(term.len() + 2);
    pattern.push('%');
    for ch in term.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

/// The ORDER BY expression of a sort key (alias `c`).
fn sort_expr(backend: Backend, key: SortKey) -> &'static str {
    match (key, backend) {
        (SortKey::TotalSpent, _) => "c.total_spent_cents",
        (SortKey::LastActivity, _) => "c.last_activity_at",
        (SortKey::Joined, _) => "c.joined_at",
        (SortKey::Name, Backend::Sqlite) => "COALESCE(c.name, '')",
        (SortKey::Name, Backend::Postgres) => "(COALESCE(c.name, '') COLLATE \"C\")",
    }
}

const ROW_COLUMNS: &str = "c.id, c.name, c.email, c.type, c.has_active_subscription, \
     c.total_spent_cents, c.last_activity_at, c.joined_at, c.courses_count, c.products_count";

fn row_from(row: &AnyRow, now_ms: i64) -> Result<CustomerRow> {
    let has_active_subscription = row.try_get::<i64, _>("has_active_subscription")? != 0;
    let last_activity_at: i64 = row.try_get("last_activity_at")?;
    let status = if super::status(
        has_active_subscription,
        last_activity_at,
        now_ms,
        DEFAULT_ACTIVE_WINDOW_MS,
    ) == "active"
    {
        Status::Active
    } else {
        Status::Inactive
    };
    Ok(CustomerRow {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        customer_type: CustomerType::parse(row.try_get::<&str, _>("type")?)?,
        has_active_subscription,
        total_spent_cents: row.try_get("total_spent_cents")?,
        last_activity_at,
        joined_at: row.try_get("joined_at")?,
        courses_count: row.try_get("courses_count")?,
        products_count: row.try_get("products_count")?,
        status,
        totals: Vec::new(),
        tags: Vec::new(),
    })
}

/// The keyset cursor's sort value: looked up from the customer it names, so
/// the URL carries only an id.
async fn cursor_value(db: &Db, store_id: i64, query: &CustomerQuery) -> Result<Option<Arg>> {
    let (field, id) = match (query.after, query.before) {
        (Some(id), _) => ("after", id),
        (None, Some(id)) => ("before", id),
        (None, None) => return Ok(None),
    };
    let key = query.sort.key;
    let expr = sort_expr(db.backend(), key);
    let row = sqlx::query(&format!(
        "SELECT {expr} FROM customers c WHERE c.store_id = $1 AND c.id = $2"
    ))
    .bind(store_id)
    .bind(id)
    .fetch_optional(db.reader())
    .await?
    .ok_or_else(|| Error::invalid(field, "no such customer in this store"))?;
    Ok(Some(match key {
        SortKey::Name => Arg::S(row.try_get(0)?),
        _ => Arg::I(row.try_get(0)?),
    }))
}

/// A row's value of the sort expression (the cursor a page starts from).
fn sort_value(row: &CustomerRow, key: SortKey) -> Arg {
    match key {
        SortKey::Name => Arg::S(row.name.clone().unwrap_or_default()),
        SortKey::TotalSpent => Arg::I(row.total_spent_cents),
        SortKey::LastActivity => Arg::I(row.last_activity_at),
        SortKey::Joined => Arg::I(row.joined_at),
    }
}

/// `AND expr op= value AND (expr, c.id) op (value, id)`: the rows past a
/// cursor in one direction. The first bound is one the index can seek to;
/// the row comparison alone would be checked row by row from the top.
fn past(sql: &mut Sql, expr: &str, op: &str, value: Arg, id: i64) {
    let value = sql.arg(value);
    let id = sql.arg(Arg::I(id));
    sql.text.push_str(&format!(
        " AND {expr} {op}= {value} AND ({expr}, c.id) {op} ({value}, {id})"
    ));
}

/// Matches at which a page walks the sort index instead of sorting them all.
/// A page of 50 then needs about 50 * store size / matches rows of the walk:
/// a few thousand at most, and always fewer than sorting the matches.
const DENSE_MATCHES: i64 = 2_000;

/// What drives a page's scan. Counting the first [`DENSE_MATCHES`] matches
/// is cheap on SQLite (the index yields them lazily and stops); Postgres
/// builds the trigram bitmap first, still cheaper than sorting every match
/// (its planner cannot tell a common word from a rare one).
async fn drive(db: &Db, store_id: i64, query: &CustomerQuery) -> Result<Drive> {
    let term = query.search_term();
    if term.chars().count() < MIN_SUBSTRING_CHARS {
        return Ok(Drive::Matches);
    }
    let mut sql = Sql::default();
    let store = sql.arg(store_id);
    let matches = matches_sql(&mut sql, db.backend(), &store, store_id, term);
    let limit = sql.arg(DENSE_MATCHES);
    sql.text = format!("SELECT COUNT(*) FROM ({matches} LIMIT {limit}) m");
    let matches: i64 = sql.scalar().fetch_one(db.reader()).await?;
    Ok(if matches >= DENSE_MATCHES {
        Drive::SortIndex
    } else {
        Drive::Matches
    })
}

/// One page of the customers matching `query`, in its order, after its cursor.
#[tracing::instrument(skip(db, query), fields(store_id))]
pub async fn search_page(
    db: &Db,
    store_id: i64,
    query: &CustomerQuery,
    now_ms: i64,
) -> Result<Page> {
    query.validate()?;
    page_of(db, store_id, query, now_ms).await
}

/// [`search_page`] with the scan's driver fixed, not chosen by match count:
/// for tests and benchmarks, which must see both plans give the same page.
pub async fn search_page_driven_by(
    db: &Db,
    store_id: i64,
    query: &CustomerQuery,
    now_ms: i64,
    drive: Drive,
) -> Result<Page> {
    query.validate()?;
    page_driven_by(db, store_id, query, now_ms, drive).await
}

/// [`search_page`] without the page size cap (the export's batches).
pub(crate) async fn page_of(
    db: &Db,
    store_id: i64,
    query: &CustomerQuery,
    now_ms: i64,
) -> Result<Page> {
    let drive = drive(db, store_id, query).await?;
    page_driven_by(db, store_id, query, now_ms, drive).await
}

async fn page_driven_by(
    db: &Db,
    store_id: i64,
    query: &CustomerQuery,
    now_ms: i64,
    drive: Drive,
) -> Result<Page> {
    let backend = db.backend();
    let key = query.sort.key;
    // A page before a cursor (or the last page) is read backwards, then
    // turned round: keyset both ways, no OFFSET.
    let backward = query.before.is_some() || query.from_end;
    let cursor = cursor_value(db, store_id, query).await?;
    let mut sql = Sql::default();
    sql.push("SELECT ").push(ROW_COLUMNS);
    sql.filtered_by(backend, store_id, query, now_ms, true, drive);
    let expr = sort_expr(backend, key);
    let descending = query.sort.descending != backward;
    let (op, dir) = if descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let (Some(value), Some(id)) = (cursor, query.before.or(query.after)) {
        past(&mut sql, expr, op, value, id);
    }
    let limit = sql.arg(Arg::I(i64::from(query.page_size) + 1));
    sql.text
        .push_str(&format!(" ORDER BY {expr} {dir}, c.id {dir} LIMIT {limit}"));
    let rows = sql.query().fetch_all(db.reader()).await?;
    let mut rows: Vec<CustomerRow> = rows
        .iter()
        .map(|row| row_from(row, now_ms))
        .collect::<Result<_>>()?;
    let more = rows.len() > query.page_size as usize;
    rows.truncate(query.page_size as usize);
    if backward {
        rows.reverse();
    }
    let next_cursor = match (backward, more) {
        (false, true) => rows.last().map(|row| row.id),
        (false, false) => None,
        // Before a cursor, the cursor's customer comes next.
        (true, _) => query.before.and(rows.last().map(|row| row.id)),
    };
    let first_page = if backward {
        !more
    } else {
        query.after.is_none()
    };
    let offset = match rows.first() {
        Some(first) if !first_page => {
            rows_before(
                db,
                store_id,
                query,
                now_ms,
                sort_value(first, key),
                first.id,
            )
            .await?
        }
        _ => 0,
    };
    fill_row_extras(db, store_id, &mut rows).await?;
    Ok(Page {
        rows,
        next_cursor,
        offset,
    })
}

/// How many matching customers come before the one at `(value, id)` in the
/// query's order: the page's position ("51–100 of ...").
async fn rows_before(
    db: &Db,
    store_id: i64,
    query: &CustomerQuery,
    now_ms: i64,
    value: Arg,
    id: i64,
) -> Result<i64> {
    let backend = db.backend();
    let mut sql = Sql::default();
    sql.push("SELECT COUNT(*)");
    sql.filtered(backend, store_id, query, now_ms, true);
    let op = if query.sort.descending { ">" } else { "<" };
    past(&mut sql, sort_expr(backend, query.sort.key), op, value, id);
    Ok(sql.scalar().fetch_one(db.reader()).await?)
}

/// Each row's nets per currency (the store's first) and tag names: two
/// queries for the page, by the rows' ids.
async fn fill_row_extras(db: &Db, store_id: i64, rows: &mut [CustomerRow]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let ids = int_list(rows.iter().map(|row| row.id));
    // By the primary key (customer, currency). The unary + keeps SQLite off
    // the (store, currency) index, which would walk the whole store's totals
    // (57 ms at 200,000 customers, against 0.7).
    let store = match db.backend() {
        Backend::Sqlite => "+store_id",
        Backend::Postgres => "store_id",
    };
    let totals = sqlx::query(&format!(
        "SELECT customer_id, currency, net_cents FROM customer_totals \
         WHERE customer_id IN ({ids}) AND {store} = $1 AND net_cents <> 0 \
         ORDER BY customer_id, \
           CASE WHEN currency = (SELECT currency FROM stores WHERE id = $1) THEN 0 ELSE 1 END, \
           currency"
    ))
    .bind(store_id)
    .fetch_all(db.reader())
    .await?;
    // From the rows' identities (by store and customer): with only the
    // tags' store named, Postgres read every carrier of the store's tags
    // (7,372 VIPs: 40 ms a page, 8 ms this way).
    let tags = sqlx::query(&format!(
        "SELECT DISTINCT i.customer_id, t.name, t.name_normalized FROM customer_tags ct \
         JOIN identities i ON i.store_id = ct.store_id AND i.id = ct.identity_id \
         JOIN tags t ON t.id = ct.tag_id \
         WHERE i.store_id = $1 AND ct.store_id = $1 AND t.store_id = $1 \
         AND i.customer_id IN ({ids}) ORDER BY i.customer_id, t.name_normalized"
    ))
    .bind(store_id)
    .fetch_all(db.reader())
    .await?;
    let index: std::collections::HashMap<i64, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| (row.id, i))
        .collect();
    for row in &totals {
        let customer: i64 = row.try_get(0)?;
        if let Some(&i) = index.get(&customer) {
            rows[i].totals.push((row.try_get(1)?, row.try_get(2)?));
        }
    }
    for row in &tags {
        let customer: i64 = row.try_get(0)?;
        if let Some(&i) = index.get(&customer) {
            rows[i].tags.push(row.try_get(1)?);
        }
    }
    Ok(())
}

/// How many customers match `query`, and how many per type when the type
/// filter is left out (one grouped query serves both).
#[tracing::instrument(skip(db, query), fields(store_id))]
pub async fn counts(db: &Db, store_id: i64, query: &CustomerQuery, now_ms: i64) -> Result<Counts> {
    query.validate()?;
    // With a range filter or a search the matches come off that column's
    // index or the search index, in its order: one row of per-type sums
    // avoids sorting them to group. Otherwise the (store, type) index is
    // already grouped and GROUP BY is cheaper.
    let ranged = !query.search_term().is_empty()
        || [query.joined, query.last_activity, query.spent]
            .iter()
            .any(|range| !range.is_empty());
    let mut sql = Sql::default();
    if ranged {
        let sums: Vec<String> = CustomerType::ALL
            .iter()
            .map(|t| {
                format!(
                    "CAST(COALESCE(SUM(CASE WHEN c.type = '{}' THEN 1 ELSE 0 END), 0) AS BIGINT)",
                    t.as_str()
                )
            })
            .collect();
        sql.push("SELECT ").push(&sums.join(", "));
    } else {
        sql.push("SELECT c.type, COUNT(*)");
    }
    sql.filtered(db.backend(), store_id, query, now_ms, false);
    let mut per_type = Vec::with_capacity(CustomerType::ALL.len());
    if ranged {
        let row = sql.query().fetch_one(db.reader()).await?;
        for (i, &t) in CustomerType::ALL.iter().enumerate() {
            per_type.push((t, row.try_get::<i64, _>(i)?));
        }
    } else {
        sql.push(" GROUP BY c.type");
        for row in sql.query().fetch_all(db.reader()).await? {
            per_type.push((
                CustomerType::parse(row.try_get::<&str, _>(0)?)?,
                row.try_get::<i64, _>(1)?,
            ));
        }
    }
    let mut counts = Counts::default();
    for (t, n) in per_type {
        counts.by_type.add(t, n);
        if query.types.is_empty() || query.types.contains(&t) {
            counts.total += n;
        }
    }
    Ok(counts)
}

/// How many customers match `query`.
pub async fn count(db: &Db, store_id: i64, query: &CustomerQuery, now_ms: i64) -> Result<i64> {
    Ok(counts(db, store_id, query, now_ms).await?.total)
}

/// Per type, how many customers match `query` without its type filter.
pub async fn type_counts(
    db: &Db,
    store_id: i64,
    query: &CustomerQuery,
    now_ms: i64,
) -> Result<TypeCounts> {
    Ok(counts(db, store_id, query, now_ms).await?.by_type)
}

/// The stats cards: customers per type and net revenue per currency.
#[tracing::instrument(skip(db))]
pub async fn stats(db: &Db, store_id: i64) -> Result<Stats> {
    let currency: String = sqlx::query_scalar("SELECT currency FROM stores WHERE id = $1")
        .bind(store_id)
        .fetch_optional(db.reader())
        .await?
        .ok_or(Error::NotFound("store"))?;
    let mut stats = Stats {
        currency,
        ..Stats::default()
    };
    let rows =
        sqlx::query("SELECT type, COUNT(*) FROM customers WHERE store_id = $1 GROUP BY type")
            .bind(store_id)
            .fetch_all(db.reader())
            .await?;
    for row in rows {
        let t = CustomerType::parse(row.try_get::<&str, _>(0)?)?;
        stats.by_type.add(t, row.try_get(1)?);
    }
    stats.customers = stats.by_type.total();
    let rows = sqlx::query(
        "SELECT currency, CAST(SUM(net_cents) AS BIGINT) FROM customer_totals \
         WHERE store_id = $1 GROUP BY currency ORDER BY currency",
    )
    .bind(store_id)
    .fetch_all(db.reader())
    .await?;
    stats.revenue = rows
        .iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect::<Result<_>>()?;
    stats.revenue = store_currency_first(&stats.currency, stats.revenue);
    Ok(stats)
}

/// The currencies a store's customers hold money in, the store's own first
/// (always there): the export's total columns.
pub async fn currencies(db: &Db, store_id: i64) -> Result<Vec<String>> {
    let store: String = sqlx::query_scalar("SELECT currency FROM stores WHERE id = $1")
        .bind(store_id)
        .fetch_optional(db.reader())
        .await?
        .ok_or(Error::NotFound("store"))?;
    let present: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT currency FROM customer_totals WHERE store_id = $1 ORDER BY currency",
    )
    .bind(store_id)
    .fetch_all(db.reader())
    .await?;
    let others = present.into_iter().filter(|c| *c != store);
    Ok(std::iter::once(store.clone()).chain(others).collect())
}

/// `(currency, amount)` pairs with the store's currency moved to the front.
fn store_currency_first(store: &str, mut pairs: Vec<(String, i64)>) -> Vec<(String, i64)> {
    pairs.sort_by_key(|(currency, _)| (currency != store, currency.clone()));
    pairs
}

/// The store's courses and products, by title (for the filter).
pub async fn catalog(db: &Db, store_id: i64) -> Result<Catalog> {
    let mut catalog = Catalog::default();
    for (table, list) in [
        ("courses", &mut catalog.courses),
        ("products", &mut catalog.products),
        ("plans", &mut catalog.plans),
    ] {
        let rows = sqlx::query(&format!(
            "SELECT id, external_id, COALESCE(title, external_id) AS t FROM {table} \
             WHERE store_id = $1 ORDER BY t, id"
        ))
        .bind(store_id)
        .fetch_all(db.reader())
        .await?;
        *list = rows
            .iter()
            .map(|row| {
                Ok(CatalogItem {
                    id: row.try_get("id")?,
                    external_id: row.try_get("external_id")?,
                    title: row.try_get("t")?,
                })
            })
            .collect::<Result<_>>()?;
    }
    Ok(catalog)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("a%b_c\\"), "%a\\%b\\_c\\\\%");
        assert_eq!(
            fts_query("say \"hi\"", 12),
            "search_text : \"say \"\"hi\"\"\" AND store_tag : \"#12#\""
        );
    }

    #[test]
    fn short_terms_become_case_insensitive_prefix_ranges() {
        assert_eq!(case_variants("a1"), ["a1", "A1"]);
        assert_eq!(case_variants("An").len(), 4);
        // No single-character capital: kept as it is.
        assert_eq!(case_variants("ß"), ["ß"]);
        assert_eq!(prefix_upper_bound("an").as_deref(), Some("ao"));
        assert_eq!(
            prefix_upper_bound("a\u{D7FF}").as_deref(),
            Some("a\u{E000}")
        );
        assert_eq!(
            prefix_upper_bound("a\u{10FFFF}").as_deref(),
            Some("b"),
            "the last character has no successor: the one before grows"
        );
        assert_eq!(prefix_upper_bound("\u{10FFFF}"), None);
    }
}
