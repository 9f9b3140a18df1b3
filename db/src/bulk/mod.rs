//! Bulk loads of history: a store's identities, catalog and facts written in
//! multi-row statements, as a platform's history (or the demo seed) arrives
//! all at once. The rows are taken as given (ids included, so facts can
//! point at the identities and catalog rows of the same load): nothing is
//! checked or derived here. Customers come after, from
//! `crate::backfill::derive_store` (or a backfill run).
//!
//! [`Load`] owns one write transaction; a task runs the statements while the
//! caller builds the next ones (see [`statements`]).

mod statements;

use statements::{Bulk, Loader, V};

use crate::{Backend, Db, Result, text::fold};

/// An identity: a platform id as the store knows it.
#[derive(Debug, Clone)]
pub struct IdentityRow {
    pub id: i64,
    pub store_id: i64,
    pub external_id: String,
    pub email: Option<String>,
    pub name: Option<String>,
    /// When the email and name were reported.
    pub reported_at: i64,
    pub first_at: i64,
}

/// A course, product or plan.
#[derive(Debug, Clone)]
pub struct CatalogRow {
    pub id: i64,
    pub store_id: i64,
    pub external_id: String,
    pub title: String,
    pub price_cents: i64,
    pub currency: &'static str,
    /// Plans only: `month` or `year`.
    pub interval: Option<&'static str>,
    pub at: i64,
}

#[derive(Debug, Clone)]
pub struct EnrollmentRow {
    pub store_id: i64,
    pub course_id: i64,
    pub identity_id: i64,
    pub enrolled_at: i64,
    pub progress: i64,
    pub progress_at: i64,
    pub last_accessed_at: i64,
}

/// A payment for exactly one of a course, a product or a plan.
#[derive(Debug, Clone)]
pub struct PurchaseRow {
    pub store_id: i64,
    pub external_id: String,
    pub identity_id: i64,
    pub course_id: Option<i64>,
    pub product_id: Option<i64>,
    pub plan_id: Option<i64>,
    pub amount_cents: i64,
    pub currency: &'static str,
    pub paid_at: i64,
    pub refunded_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct SubscriptionRow {
    pub id: i64,
    pub store_id: i64,
    pub external_id: String,
    pub identity_id: i64,
    pub plan_id: i64,
    pub amount_cents: i64,
    pub currency: &'static str,
    pub interval: &'static str,
    pub status: &'static str,
    pub started_at: i64,
    pub current_period_end: Option<i64>,
    pub status_at: i64,
}

#[derive(Debug, Clone)]
pub struct LeadRow {
    pub store_id: i64,
    pub identity_id: i64,
    pub source: &'static str,
    pub imported: bool,
    pub at: i64,
}

/// An address's consent (see `crate::consent`): one row per (store,
/// normalised email).
#[derive(Debug, Clone)]
pub struct ConsentRow {
    pub store_id: i64,
    pub email: String,
    pub subscribed: bool,
    pub explicit: bool,
    pub at: i64,
    pub source: &'static str,
}

/// The first free id of each table a load writes ids into.
#[derive(Debug, Clone, Copy, Default)]
pub struct NextIds {
    pub identity: i64,
    pub course: i64,
    pub product: i64,
    pub plan: i64,
    pub subscription: i64,
}

/// The ids a load may use: one past the largest of each table.
pub async fn next_ids(db: &Db) -> Result<NextIds> {
    let mut conn = db.writer().acquire().await?;
    let mut next = async |table: &str| -> Result<i64> {
        Ok(
            sqlx::query_scalar::<_, i64>(&format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"))
                .fetch_one(&mut *conn)
                .await?,
        )
    };
    Ok(NextIds {
        identity: next("identities").await?,
        course: next("courses").await?,
        product: next("products").await?,
        plan: next("plans").await?,
        subscription: next("subscriptions").await?,
    })
}

/// Rows written per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    pub identities: u64,
    pub catalog: u64,
    pub enrollments: u64,
    pub purchases: u64,
    pub subscriptions: u64,
    pub leads: u64,
    pub consents: u64,
}

impl Written {
    pub fn rows(&self) -> u64 {
        self.identities
            + self.catalog
            + self.enrollments
            + self.purchases
            + self.subscriptions
            + self.leads
            + self.consents
    }
}

/// One bulk load: one transaction. Write identities and the catalog before
/// the facts that point at them ([`Load::flush`] in between).
pub struct Load {
    loader: Loader,
    identities: Bulk,
    courses: Bulk,
    products: Bulk,
    plans: Bulk,
    enrollments: Bulk,
    purchases: Bulk,
    subscriptions: Bulk,
    leads: Bulk,
    consents: Bulk,
}

const CATALOG_COLUMNS: &[&str] = &[
    "id",
    "store_id",
    "external_id",
    "title",
    "title_folded",
    "price_cents",
    "currency",
    "updated_at",
    "updated_by",
    "created_at",
];

impl Load {
    pub async fn begin(db: &Db) -> Result<Load> {
        Ok(Load {
            loader: Loader::begin(db).await?,
            identities: Bulk::new(
                "identities",
                &[
                    "id",
                    "store_id",
                    "external_id",
                    "email",
                    "email_normalized",
                    "email_at",
                    "email_event",
                    "name",
                    "name_at",
                    "name_event",
                    "imported",
                    "first_at",
                    "created_at",
                ],
            ),
            courses: Bulk::new("courses", CATALOG_COLUMNS),
            products: Bulk::new("products", CATALOG_COLUMNS),
            plans: Bulk::new(
                "plans",
                &[
                    "id",
                    "store_id",
                    "external_id",
                    "title",
                    "title_folded",
                    "amount_cents",
                    "currency",
                    "updated_at",
                    "updated_by",
                    "created_at",
                    "billing_interval",
                ],
            ),
            enrollments: Bulk::new(
                "enrollments",
                &[
                    "store_id",
                    "course_id",
                    "identity_id",
                    "enrolled_at",
                    "progress",
                    "progress_at",
                    "last_accessed_at",
                ],
            ),
            purchases: Bulk::new(
                "purchases",
                &[
                    "store_id",
                    "external_id",
                    "identity_id",
                    "course_id",
                    "product_id",
                    "plan_id",
                    "amount_cents",
                    "currency",
                    "paid_at",
                    "paid_event",
                    "reported_at",
                    "refunded_at",
                    "created_at",
                ],
            ),
            subscriptions: Bulk::new(
                "subscriptions",
                &[
                    "id",
                    "store_id",
                    "external_id",
                    "identity_id",
                    "plan_id",
                    "amount_cents",
                    "currency",
                    "billing_interval",
                    "status",
                    "started_at",
                    "current_period_end",
                    "status_at",
                    "status_event",
                    "created_at",
                ],
            ),
            leads: Bulk::new(
                "leads",
                &[
                    "store_id",
                    "identity_id",
                    "source",
                    "imported",
                    "created_at",
                ],
            ),
            consents: Bulk::new(
                "email_consents",
                &[
                    "store_id",
                    "email_normalized",
                    "consent",
                    "explicit",
                    "reported_at",
                    "report_key",
                    "source",
                    "updated_at",
                ],
            ),
        })
    }

    pub async fn identity(&mut self, r: IdentityRow) -> Result<()> {
        let normalized = r.email.as_deref().map(crate::validate::normalize_email);
        let email_at = if r.email.is_some() { r.reported_at } else { 0 };
        let name_at = if r.name.is_some() { r.reported_at } else { 0 };
        let imported = r
            .external_id
            .starts_with(crate::events::IMPORTED_USER_PREFIX);
        self.identities
            .push(
                &mut self.loader,
                [
                    V::I(r.id),
                    V::I(r.store_id),
                    V::S(r.external_id),
                    V::NS(r.email),
                    V::NS(normalized),
                    V::I(email_at),
                    V::St("history"),
                    V::NS(r.name),
                    V::I(name_at),
                    V::St("history"),
                    V::I(i64::from(imported)),
                    V::I(r.first_at),
                    V::I(r.first_at),
                ],
            )
            .await
    }

    pub async fn course(&mut self, r: CatalogRow) -> Result<()> {
        let row = catalog_values(&r);
        self.courses.push(&mut self.loader, row).await
    }

    pub async fn product(&mut self, r: CatalogRow) -> Result<()> {
        let row = catalog_values(&r);
        self.products.push(&mut self.loader, row).await
    }

    pub async fn plan(&mut self, r: CatalogRow) -> Result<()> {
        let mut row = catalog_values(&r);
        row.push(V::NS(r.interval.map(str::to_string)));
        self.plans.push(&mut self.loader, row).await
    }

    pub async fn enrollment(&mut self, r: EnrollmentRow) -> Result<()> {
        self.enrollments
            .push(
                &mut self.loader,
                [
                    V::I(r.store_id),
                    V::I(r.course_id),
                    V::I(r.identity_id),
                    V::I(r.enrolled_at),
                    V::I(r.progress),
                    V::I(r.progress_at),
                    V::I(r.last_accessed_at),
                ],
            )
            .await
    }

    pub async fn purchase(&mut self, r: PurchaseRow) -> Result<()> {
        self.purchases
            .push(
                &mut self.loader,
                [
                    V::I(r.store_id),
                    V::S(r.external_id),
                    V::I(r.identity_id),
                    V::NI(r.course_id),
                    V::NI(r.product_id),
                    V::NI(r.plan_id),
                    V::I(r.amount_cents),
                    V::St(r.currency),
                    V::I(r.paid_at),
                    V::St("history"),
                    V::I(r.paid_at),
                    V::NI(r.refunded_at),
                    V::I(r.paid_at),
                ],
            )
            .await
    }

    pub async fn subscription(&mut self, r: SubscriptionRow) -> Result<()> {
        self.subscriptions
            .push(
                &mut self.loader,
                [
                    V::I(r.id),
                    V::I(r.store_id),
                    V::S(r.external_id),
                    V::I(r.identity_id),
                    V::I(r.plan_id),
                    V::I(r.amount_cents),
                    V::St(r.currency),
                    V::St(r.interval),
                    V::St(r.status),
                    V::I(r.started_at),
                    V::NI(r.current_period_end),
                    V::I(r.status_at),
                    V::St("history"),
                    V::I(r.started_at),
                ],
            )
            .await
    }

    pub async fn lead(&mut self, r: LeadRow) -> Result<()> {
        self.leads
            .push(
                &mut self.loader,
                [
                    V::I(r.store_id),
                    V::I(r.identity_id),
                    V::St(r.source),
                    V::I(i64::from(r.imported)),
                    V::I(r.at),
                ],
            )
            .await
    }

    pub async fn consent(&mut self, r: ConsentRow) -> Result<()> {
        let consent = if r.subscribed {
            "subscribed"
        } else {
            "unsubscribed"
        };
        self.consents
            .push(
                &mut self.loader,
                [
                    V::I(r.store_id),
                    V::S(crate::validate::normalize_email(&r.email)),
                    V::St(consent),
                    V::I(i64::from(r.explicit)),
                    V::I(r.at),
                    V::St("history"),
                    V::St(r.source),
                    V::I(r.at),
                ],
            )
            .await
    }

    /// Hands every buffered row to the writer, people and catalog first, so
    /// the facts written after refer to rows already written.
    pub async fn flush(&mut self) -> Result<()> {
        for bulk in [
            &mut self.identities,
            &mut self.courses,
            &mut self.products,
            &mut self.plans,
            &mut self.enrollments,
            &mut self.purchases,
            &mut self.subscriptions,
            &mut self.leads,
            &mut self.consents,
        ] {
            bulk.flush(&mut self.loader).await?;
        }
        Ok(())
    }

    /// Writes what is left and commits; answers the rows written.
    pub async fn commit(mut self) -> Result<Written> {
        self.flush().await?;
        let written = Written {
            identities: self.identities.written,
            catalog: self.courses.written + self.products.written + self.plans.written,
            enrollments: self.enrollments.written,
            purchases: self.purchases.written,
            subscriptions: self.subscriptions.written,
            leads: self.leads.written,
            consents: self.consents.written,
        };
        self.loader.commit().await?;
        Ok(written)
    }
}

fn catalog_values(r: &CatalogRow) -> Vec<V> {
    vec![
        V::I(r.id),
        V::I(r.store_id),
        V::S(r.external_id.clone()),
        V::S(r.title.clone()),
        V::S(fold(&r.title)),
        V::I(r.price_cents),
        V::St(r.currency),
        V::I(r.at),
        V::St("history"),
        V::I(r.at),
    ]
}

/// Settings for a large load, and back (SQLite): a big page cache (index
/// inserts land all over the b-trees) and no foreign key lookups (every id
/// a load writes refers to a row it wrote first; three lookups per
/// enrollment otherwise). [`finish`] restores both, whatever happened.
pub async fn prepare(db: &Db) -> Result<()> {
    if db.backend() == Backend::Sqlite {
        sqlx::raw_sql(
            "PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY; PRAGMA foreign_keys = OFF;",
        )
        .execute(db.writer())
        .await?;
    }
    Ok(())
}

/// After a load: the settings back, Postgres's sequences past the ids the
/// load chose, and fresh statistics (or the planner takes the loaded tables
/// for tiny ones and nests loops over them).
pub async fn finish(db: &Db) -> Result<()> {
    if db.backend() == Backend::Sqlite {
        let restore = format!(
            "PRAGMA foreign_keys = ON; PRAGMA cache_size = -{};",
            crate::pool::WRITER_CACHE_KIB
        );
        sqlx::raw_sql(&restore).execute(db.writer()).await?;
    } else {
        let mut conn = db.writer().acquire().await?;
        for table in [
            "identities",
            "courses",
            "products",
            "plans",
            "subscriptions",
            "purchases",
        ] {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            ))
            .execute(&mut *conn)
            .await?;
        }
    }
    sqlx::raw_sql("ANALYZE").execute(db.writer()).await?;
    Ok(())
}

/// Postgres answers counts from an index alone only for pages its
/// visibility map marks all-visible; a fresh load has none until autovacuum
/// comes by (counts on the customers page are 3-4x slower until then).
/// Vacuum, as an operator would after a bulk load.
pub async fn vacuum(db: &Db) -> Result<()> {
    if db.backend() == Backend::Postgres {
        sqlx::raw_sql("VACUUM ANALYZE").execute(db.writer()).await?;
    }
    Ok(())
}
