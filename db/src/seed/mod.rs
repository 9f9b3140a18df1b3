//! Realistic demo data, deterministic for a seed: stores with free and paid
//! courses, products and plans; users (some without email, some with two
//! platform ids whose emails differ only in case); enrollments with progress,
//! purchases (some refunded, some in a second currency), subscriptions in
//! every status, and leads. Facts are written with multi-row INSERTs in big
//! transactions, then customers are derived per store by the one derivation
//! (unless `facts_only`, which leaves them to the backfill).
//!
//! Store 1 of a run is the big one: it gets half of the users. Timestamps are
//! spread over the two years before `anchor_ms` (default: today, 00:00 UTC).

mod bulk;

use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{
    Backend, Db, Result,
    customers::derive::{Derived, Scope, derive},
    time::now_ms,
};
use bulk::{Bulk, Loader, V};

const DAY: i64 = 24 * 60 * 60 * 1000;

/// What to make. `None` counts default to sizes derived from `users`.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub seed: u64,
    pub stores: usize,
    pub users: usize,
    /// Courses per store.
    pub courses: Option<usize>,
    /// Digital products per store.
    pub products: Option<usize>,
    /// Totals across all stores.
    pub enrollments: Option<usize>,
    pub purchases: Option<usize>,
    pub subscriptions: Option<usize>,
    pub leads: Option<usize>,
    pub facts_only: bool,
    pub anchor_ms: Option<i64>,
    /// Name of the first store (the big one).
    pub first_store_name: Option<String>,
}

impl Default for SeedOptions {
    fn default() -> Self {
        SeedOptions {
            seed: 1,
            stores: 3,
            users: 1_000,
            courses: None,
            products: None,
            enrollments: None,
            purchases: None,
            subscriptions: None,
            leads: None,
            facts_only: false,
            anchor_ms: None,
            first_store_name: None,
        }
    }
}

impl SeedOptions {
    pub fn courses(&self) -> usize {
        self.courses.unwrap_or((self.users / 20_000).clamp(6, 30))
    }
    pub fn products(&self) -> usize {
        self.products.unwrap_or((self.users / 40_000).clamp(3, 15))
    }
    pub fn enrollments(&self) -> usize {
        self.enrollments.unwrap_or(self.users * 5 / 2)
    }
    pub fn purchases(&self) -> usize {
        self.purchases.unwrap_or(self.users * 3 / 4)
    }
    pub fn subscriptions(&self) -> usize {
        self.subscriptions.unwrap_or(self.users / 8)
    }
    pub fn leads(&self) -> usize {
        self.leads.unwrap_or(self.users / 10)
    }
}

/// What a seed run wrote, and how fast.
#[derive(Debug, Clone, Default)]
pub struct SeedReport {
    pub store_ids: Vec<i64>,
    pub users: u64,
    pub enrollments: u64,
    pub purchases: u64,
    pub subscriptions: u64,
    pub leads: u64,
    /// Every row written (users, ids, catalog and facts).
    pub rows: u64,
    pub write_time: Duration,
    pub derived: Derived,
    pub derive_time: Duration,
}

impl SeedReport {
    /// Facts: enrollments, purchases, subscriptions and leads.
    pub fn facts(&self) -> u64 {
        self.enrollments + self.purchases + self.subscriptions + self.leads
    }
    pub fn facts_per_second(&self) -> f64 {
        self.facts() as f64 / self.write_time.as_secs_f64().max(1e-9)
    }
    pub fn rows_per_second(&self) -> f64 {
        self.rows as f64 / self.write_time.as_secs_f64().max(1e-9)
    }
}

/// Seeds a small demo store when the database has no store at all, so a
/// newcomer's first page is populated. Returns whether it did.
pub async fn seed_demo_if_empty(db: &Db) -> Result<bool> {
    let stores: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stores")
        .fetch_one(db.reader())
        .await?;
    if stores > 0 {
        return Ok(false);
    }
    seed(
        db,
        &SeedOptions {
            seed: 7,
            stores: 1,
            users: 250,
            first_store_name: Some("Demo: Mindful Makers Academy".into()),
            ..SeedOptions::default()
        },
    )
    .await?;
    Ok(true)
}

const FIRST: &[&str] = &[
    "Ann", "Ben", "Carla", "Dev", "Elif", "Farah", "Gus", "Hana", "Ivan", "Jun", "Kemi", "Liam",
    "Maya", "Nico", "Olga", "Priya", "Quinn", "Rosa", "Sami", "Tariq", "Uma", "Vera", "Wen",
    "Xavi", "Yara", "Zoe", "José", "Zoë", "Søren", "Amélie",
];
const LAST: &[&str] = &[
    "Lee", "Okafor", "García", "Novak", "Smith", "Tanaka", "Ahmed", "Rossi", "Müller", "Dubois",
    "Kowalski", "Silva", "Nguyen", "Cohen", "O'Brien", "Larsen", "Haddad", "Ivanova", "Khan",
    "Moreau",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "mail.test",
    "inbox.example.org",
    "post.example.net",
];
const TOPICS: &[&str] = &[
    "Watercolour",
    "Sourdough",
    "Rust",
    "Yoga",
    "Guitar",
    "Photography",
    "Spanish",
    "Pottery",
    "Marketing",
    "Bookkeeping",
    "Calligraphy",
    "Meditation",
    "Piano",
    "Knitting",
    "SQL",
    "Gardening",
    "Illustration",
    "Running",
    "Chess",
    "Woodworking",
];
const LEVELS: &[&str] = &[
    "Basics",
    "Masterclass",
    "in 30 Days",
    "for Beginners",
    "Deep Dive",
];
const PRODUCTS: &[&str] = &[
    "Workbook",
    "Template Pack",
    "Cheat Sheet",
    "E-book",
    "Preset Bundle",
    "Sample Library",
];
const LEAD_SOURCES: &[&str] = &[
    "newsletter",
    "free guide",
    "webinar signup",
    "import: contacts.csv",
];
const STATUSES: &[(&str, u32)] = &[
    ("active", 50),
    ("trialing", 10),
    ("past_due", 10),
    ("cancelled", 22),
    ("expired", 8),
];

struct Catalog {
    courses: Vec<(i64, i64)>,
    products: Vec<(i64, i64)>,
    plans: Vec<(i64, i64, &'static str)>,
}

/// Writes the data set. Not idempotent: each run adds new stores.
pub async fn seed(db: &Db, options: &SeedOptions) -> Result<SeedReport> {
    let result = write(db, options).await;
    if db.backend() == Backend::Sqlite {
        // Whatever happened, the writer connection gets its settings back.
        sqlx::raw_sql("PRAGMA foreign_keys = ON; PRAGMA cache_size = -2000;")
            .execute(db.writer())
            .await?;
    }
    result
}

async fn write(db: &Db, options: &SeedOptions) -> Result<SeedReport> {
    let backend = db.backend();
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let anchor = options.anchor_ms.unwrap_or_else(|| now_ms() / DAY * DAY);
    let start = anchor - 730 * DAY;
    let mut report = SeedReport::default();
    let stores = options.stores.max(1);
    let users = options.users.max(stores);
    let write_started = Instant::now();

    // Stores.
    let currencies = ["USD", "USD", "EUR", "USD", "GBP"];
    for s in 0..stores {
        let name = match (&options.first_store_name, s) {
            (Some(name), 0) => name.clone(),
            _ => format!(
                "{} {} Studio #{}",
                FIRST[rng.random_range(0..FIRST.len())],
                TOPICS[rng.random_range(0..TOPICS.len())],
                s + 1
            ),
        };
        let id = crate::stores::create_store(db, &name, currencies[s % currencies.len()]).await?;
        report.store_ids.push(id);
    }

    let (user_base, mut catalog_base, purchase_base, subscription_base) = {
        let mut conn = db.writer().acquire().await?;
        let mut max_id = async |table: &str| -> Result<i64> {
            Ok(
                sqlx::query_scalar::<_, i64>(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}"))
                    .fetch_one(&mut *conn)
                    .await?,
            )
        };
        (
            max_id("users").await?,
            [
                max_id("courses").await?,
                max_id("products").await?,
                max_id("plans").await?,
            ],
            max_id("purchases").await?,
            max_id("subscriptions").await?,
        )
    };

    // A big page cache for the load: index inserts land all over the
    // b-trees (SQLite's default is 2 MB). No foreign key lookups: every id
    // this loop writes refers to a row it wrote before (three lookups per
    // enrollment otherwise). Both set back by `seed`.
    if backend == Backend::Sqlite {
        sqlx::raw_sql(
            "PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY; PRAGMA foreign_keys = OFF;",
        )
        .execute(db.writer())
        .await?;
    }

    // Users: ids user_base+1 ..= user_base+users.
    let mut loader = Loader::begin(db).await?;
    let mut user_rows = Bulk::new(
        backend,
        "users",
        &[
            "id",
            "email",
            "email_normalized",
            "email_at",
            "name",
            "name_at",
            "created_at",
            "updated_at",
        ],
    );
    let mut aliases: Vec<(String, i64)> = Vec::with_capacity(users + users / 50);
    for i in 0..users {
        let id = user_base + 1 + i as i64;
        let first = FIRST[rng.random_range(0..FIRST.len())];
        let last = LAST[rng.random_range(0..LAST.len())];
        let name = format!("{first} {last}");
        let at = start + rng.random_range(0..730 * DAY);
        let email = (!rng.random_ratio(1, 25)).then(|| {
            let local: String = format!("{first}.{last}{id}")
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                + "."
                + &id.to_string();
            let domain = DOMAINS[rng.random_range(0..DOMAINS.len())];
            // Some emails keep their capitals: matching ignores case.
            if rng.random_ratio(1, 5) {
                format!("{local}@{domain}")
            } else {
                format!("{}@{domain}", local.to_lowercase())
            }
        });
        let normalized = email.as_deref().map(crate::validate::normalize_email);
        let email_at = if email.is_some() { at } else { 0 };
        user_rows
            .push(
                &mut loader,
                [
                    V::I(id),
                    V::NS(email.clone()),
                    V::NS(normalized),
                    V::I(email_at),
                    V::S(name),
                    V::I(at),
                    V::I(at),
                    V::I(at),
                ],
            )
            .await?;
        aliases.push((format!("u{id}"), id));
        // A second platform account whose email differs only in case: the
        // same person, one customer.
        if email.is_some() && rng.random_ratio(1, 100) {
            aliases.push((format!("u{id}-upper"), id));
        }
    }
    user_rows.flush(&mut loader).await?;
    // After every user row: the ids refer to them.
    let mut alias_rows = Bulk::new(backend, "user_ids", &["external_id", "user_id"]);
    for (external_id, id) in aliases {
        alias_rows
            .push(&mut loader, [V::S(external_id), V::I(id)])
            .await?;
    }
    alias_rows.flush(&mut loader).await?;
    report.users = user_rows.written;
    report.rows += user_rows.written + alias_rows.written;
    loader.commit().await?;

    // Which users each store draws from: store 1 the first half, the others
    // an equal share of the rest, plus a few of store 1's (people buy from
    // several creators).
    let half = if stores == 1 { users } else { users / 2 };
    let rest = users - half;
    let share = if stores > 1 { rest / (stores - 1) } else { 0 };
    let pools: Vec<Vec<i64>> = (0..stores)
        .map(|s| {
            let ids = |r: std::ops::Range<usize>| r.map(|i| user_base + 1 + i as i64);
            if s == 0 {
                ids(0..half).collect()
            } else {
                let from = half + (s - 1) * share;
                let to = if s == stores - 1 { users } else { from + share };
                let mut pool: Vec<i64> = ids(from..to).collect();
                let shared = pool.len() / 50;
                pool.extend(
                    (0..shared).map(|k| user_base + 1 + ((k * 7919 + s) % half.max(1)) as i64),
                );
                pool
            }
        })
        .collect();
    let pool_total: usize = pools.iter().map(Vec::len).sum();
    let portion = |total: usize, s: usize| -> usize {
        (total as u128 * pools[s].len() as u128 / pool_total.max(1) as u128) as usize
    };

    for (s, &store_id) in report.store_ids.clone().iter().enumerate() {
        let pool = &pools[s];
        if pool.is_empty() {
            continue;
        }
        let currency = currencies[s % currencies.len()];
        let other_currency = if currency == "USD" { "EUR" } else { "USD" };
        let mut loader = Loader::begin(db).await?;

        // Catalog: about a third of the courses are free.
        let mut catalog = Catalog {
            courses: Vec::new(),
            products: Vec::new(),
            plans: Vec::new(),
        };
        let mut courses = Bulk::new(
            backend,
            "courses",
            &[
                "id",
                "store_id",
                "external_id",
                "title",
                "price_cents",
                "currency",
                "updated_at",
                "updated_by",
                "created_at",
            ],
        );
        for c in 0..options.courses() {
            catalog_base[0] += 1;
            let id = catalog_base[0];
            let price = if c % 3 == 0 {
                0
            } else {
                rng.random_range(19..400) * 100 - 1
            };
            let title = format!(
                "{} {}",
                TOPICS[(c + s) % TOPICS.len()],
                LEVELS[rng.random_range(0..LEVELS.len())]
            );
            courses
                .push(
                    &mut loader,
                    [
                        V::I(id),
                        V::I(store_id),
                        V::S(format!("c{id}")),
                        V::S(title),
                        V::I(price),
                        V::St(currency),
                        V::I(start),
                        V::St("seed"),
                        V::I(start),
                    ],
                )
                .await?;
            catalog.courses.push((id, price));
        }
        courses.flush(&mut loader).await?;
        let mut products = Bulk::new(
            backend,
            "products",
            &[
                "id",
                "store_id",
                "external_id",
                "title",
                "price_cents",
                "currency",
                "updated_at",
                "updated_by",
                "created_at",
            ],
        );
        for p in 0..options.products() {
            catalog_base[1] += 1;
            let id = catalog_base[1];
            let price = rng.random_range(5..80) * 100 - 1;
            let title = format!(
                "{} {}",
                TOPICS[(p * 3 + s) % TOPICS.len()],
                PRODUCTS[p % PRODUCTS.len()]
            );
            products
                .push(
                    &mut loader,
                    [
                        V::I(id),
                        V::I(store_id),
                        V::S(format!("d{id}")),
                        V::S(title),
                        V::I(price),
                        V::St(currency),
                        V::I(start),
                        V::St("seed"),
                        V::I(start),
                    ],
                )
                .await?;
            catalog.products.push((id, price));
        }
        products.flush(&mut loader).await?;
        let mut plans = Bulk::new(
            backend,
            "plans",
            &[
                "id",
                "store_id",
                "external_id",
                "title",
                "amount_cents",
                "currency",
                "billing_interval",
                "updated_at",
                "updated_by",
                "created_at",
            ],
        );
        for (title, amount, interval) in [
            ("Monthly membership", 1_900, "month"),
            ("Annual membership", 19_000, "year"),
        ] {
            catalog_base[2] += 1;
            let id = catalog_base[2];
            plans
                .push(
                    &mut loader,
                    [
                        V::I(id),
                        V::I(store_id),
                        V::S(format!("pl{id}")),
                        V::St(title),
                        V::I(amount),
                        V::St(currency),
                        V::St(interval),
                        V::I(start),
                        V::St("seed"),
                        V::I(start),
                    ],
                )
                .await?;
            catalog.plans.push((id, amount, interval));
        }
        plans.flush(&mut loader).await?;
        report.rows += courses.written + products.written + plans.written;

        // Enrollments: everyone in the pool first (while there are enough),
        // then more courses for random members; (course, user) stays unique.
        let n_courses = catalog.courses.len().max(1);
        let wanted = portion(options.enrollments(), s);
        let mut per_user = vec![0u8; pool.len()];
        let base: Vec<u32> = (0..pool.len())
            .map(|_| rng.random_range(0..n_courses as u32))
            .collect();
        let mut enrollments = Bulk::new(
            backend,
            "enrollments",
            &[
                "store_id",
                "course_id",
                "user_id",
                "enrolled_at",
                "progress",
                "progress_at",
                "last_accessed_at",
            ],
        );
        for k in 0..wanted {
            let slot = if k < pool.len() {
                k
            } else {
                rng.random_range(0..pool.len())
            };
            if per_user[slot] as usize >= n_courses {
                continue;
            }
            let course =
                catalog.courses[(base[slot] as usize + per_user[slot] as usize) % n_courses].0;
            per_user[slot] += 1;
            let enrolled_at = start + rng.random_range(0..730 * DAY);
            let accessed =
                enrolled_at + rng.random_range(0..=(anchor - enrolled_at).min(120 * DAY));
            let progress = match rng.random_range(0..10) {
                0..=2 => 0,
                3..=4 => 100,
                _ => rng.random_range(1..100),
            };
            enrollments
                .push(
                    &mut loader,
                    [
                        V::I(store_id),
                        V::I(course),
                        V::I(pool[slot]),
                        V::I(enrolled_at),
                        V::I(progress),
                        V::I(if progress > 0 { accessed } else { 0 }),
                        V::I(accessed),
                    ],
                )
                .await?;
        }
        enrollments.flush(&mut loader).await?;
        report.enrollments += enrollments.written;

        // Purchases: paid courses, products, subscription payments; some
        // refunded, some in a second currency.
        let paid: Vec<(i64, i64)> = catalog
            .courses
            .iter()
            .copied()
            .filter(|c| c.1 > 0)
            .collect();
        let mut purchases = Bulk::new(
            backend,
            "purchases",
            &[
                "store_id",
                "external_id",
                "user_id",
                "course_id",
                "product_id",
                "plan_id",
                "amount_cents",
                "currency",
                "paid_at",
                "refunded_at",
                "created_at",
            ],
        );
        let mut next_purchase = purchase_base + report.purchases as i64;
        for _ in 0..portion(options.purchases(), s) {
            next_purchase += 1;
            let user = pool[rng.random_range(0..pool.len())];
            let roll = rng.random_range(0..100);
            let (course, product, plan, mut amount) = if roll < 60 && !paid.is_empty() {
                let c = paid[rng.random_range(0..paid.len())];
                (Some(c.0), None, None, c.1)
            } else if roll < 88 && !catalog.products.is_empty() {
                let p = catalog.products[rng.random_range(0..catalog.products.len())];
                (None, Some(p.0), None, p.1)
            } else {
                let p = catalog.plans[rng.random_range(0..catalog.plans.len())];
                (None, None, Some(p.0), p.1)
            };
            let mut paid_currency = currency;
            if rng.random_ratio(1, 30) {
                paid_currency = other_currency;
                amount = amount * 11 / 10;
            }
            let paid_at = start + rng.random_range(0..730 * DAY);
            let refunded_at = rng
                .random_ratio(1, 16)
                .then(|| (paid_at + rng.random_range(DAY..14 * DAY)).min(anchor));
            purchases
                .push(
                    &mut loader,
                    [
                        V::I(store_id),
                        V::S(format!("p{next_purchase}")),
                        V::I(user),
                        V::NI(course),
                        V::NI(product),
                        V::NI(plan),
                        V::I(amount),
                        V::St(paid_currency),
                        V::I(paid_at),
                        V::NI(refunded_at),
                        V::I(paid_at),
                    ],
                )
                .await?;
        }
        purchases.flush(&mut loader).await?;
        report.purchases += purchases.written;

        // Subscriptions in every status.
        let mut subscriptions = Bulk::new(
            backend,
            "subscriptions",
            &[
                "store_id",
                "external_id",
                "user_id",
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
        );
        let total_weight: u32 = STATUSES.iter().map(|s| s.1).sum();
        let mut next_subscription = subscription_base + report.subscriptions as i64;
        for k in 0..portion(options.subscriptions(), s) {
            next_subscription += 1;
            let user = pool[rng.random_range(0..pool.len())];
            let (plan, amount, interval) = catalog.plans[rng.random_range(0..catalog.plans.len())];
            // The first ones cycle through every status, the rest by weight.
            let status = if let Some((first, _)) = STATUSES.get(k) {
                *first
            } else {
                let mut pick = rng.random_range(0..total_weight);
                STATUSES
                    .iter()
                    .find(|(_, w)| {
                        let hit = pick < *w;
                        pick = pick.saturating_sub(*w);
                        hit
                    })
                    .map_or("active", |s| s.0)
            };
            let started = start + rng.random_range(0..700 * DAY);
            let period = if interval == "year" {
                365 * DAY
            } else {
                30 * DAY
            };
            let periods = (anchor - started) / period + 1;
            let status_at = (started + rng.random_range(0..=(anchor - started))).min(anchor);
            subscriptions
                .push(
                    &mut loader,
                    [
                        V::I(store_id),
                        V::S(format!("sub{next_subscription}")),
                        V::I(user),
                        V::I(plan),
                        V::I(amount),
                        V::St(currency),
                        V::St(interval),
                        V::St(status),
                        V::I(started),
                        V::I(started + periods * period),
                        V::I(status_at),
                        V::St("seed"),
                        V::I(started),
                    ],
                )
                .await?;
        }
        subscriptions.flush(&mut loader).await?;
        report.subscriptions += subscriptions.written;

        // Leads: opt-ins and imports, unique per (user, source).
        let mut leads = Bulk::new(
            backend,
            "leads",
            &["store_id", "user_id", "source", "created_at"],
        );
        let mut seen = std::collections::HashSet::new();
        for _ in 0..portion(options.leads(), s) {
            let user = pool[rng.random_range(0..pool.len())];
            let source = LEAD_SOURCES[rng.random_range(0..LEAD_SOURCES.len())];
            if seen.insert((user, source)) {
                let at = start + rng.random_range(0..730 * DAY);
                leads
                    .push(
                        &mut loader,
                        [V::I(store_id), V::I(user), V::St(source), V::I(at)],
                    )
                    .await?;
            }
        }
        leads.flush(&mut loader).await?;
        report.leads += leads.written;
        report.rows +=
            enrollments.written + purchases.written + subscriptions.written + leads.written;
        loader.commit().await?;
        tracing::info!(store_id, customers_pool = pool.len(), "seeded store facts");
    }

    if backend == Backend::Postgres {
        let mut conn = db.writer().acquire().await?;
        for table in ["users", "courses", "products", "plans"] {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            ))
            .execute(&mut *conn)
            .await?;
        }
    }
    report.write_time = write_started.elapsed();

    // Fresh statistics, or the planner guesses the freshly loaded tables
    // are tiny (Postgres then nests loops over hundreds of thousands of rows).
    sqlx::raw_sql("ANALYZE").execute(db.writer()).await?;

    if !options.facts_only {
        let derive_started = Instant::now();
        for &store_id in &report.store_ids {
            let mut conn = db.writer().begin().await?;
            report.derived += derive(&mut conn, Scope::store(store_id), now_ms()).await?;
            conn.commit().await?;
        }
        report.derive_time = derive_started.elapsed();
    }
    // Postgres answers counts from an index alone only for pages its
    // visibility map marks all-visible; a fresh load has none until
    // autovacuum comes by (counts on the customers page are 3-4x slower until
    // then). Vacuum now, as an operator would after a bulk load.
    if backend == Backend::Postgres {
        sqlx::raw_sql("VACUUM ANALYZE").execute(db.writer()).await?;
    }
    Ok(report)
}
