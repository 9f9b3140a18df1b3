//! Realistic demo data, deterministic for a seed: stores with free and paid
//! courses, products and plans; people (some without email, some with two
//! platform ids whose emails differ only in case, some in several stores,
//! some imported from a file too); enrollments with progress, purchases
//! (some refunded, some in a second currency), subscriptions in every status
//! with a payment for each period they paid, and leads.
//!
//! Rows go in through `db::bulk` (multi-row statements in big transactions),
//! then each store's customers are derived by the one derivation (unless
//! `facts_only`, which leaves them to the backfill).
//!
//! Store 1 of a run is the big one: it gets half of the people. Timestamps
//! are spread over the two years before `anchor_ms` (default: today, 00:00
//! UTC).

mod people;
mod store;
mod words;

use domain::{
    customer::CustomerType,
    segment::{Combine, Condition, Group, Rule, When},
};
use std::time::{Duration, Instant};

use db::{Db, Result, bulk, customers::refresh::Refreshed, time::now_ms};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub(crate) const DAY: i64 = 24 * 60 * 60 * 1000;

/// What to make. `None` counts default to sizes derived from `users`.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub seed: u64,
    pub stores: usize,
    /// People of the platform (each store knows a share of them).
    pub users: usize,
    /// Courses per store.
    pub courses: Option<usize>,
    /// Digital products per store.
    pub products: Option<usize>,
    /// Totals across all stores.
    pub enrollments: Option<usize>,
    /// Course and product purchases (subscription payments come on top,
    /// one per paid period).
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
    /// Identities written (a person in two stores is two).
    pub identities: u64,
    pub enrollments: u64,
    pub purchases: u64,
    pub subscriptions: u64,
    pub leads: u64,
    /// Every row written (identities, catalog and facts).
    pub rows: u64,
    pub write_time: Duration,
    pub derived: Refreshed,
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

/// The demo store's name.
pub const DEMO_STORE: &str = "Demo: Mindful Makers Academy";

/// Seeds a small demo store when the database has no store at all, so a
/// newcomer's first page is populated. Returns whether it did.
pub async fn seed_demo_if_empty(db: &Db) -> Result<bool> {
    if !db::stores::list_stores(db, "", None).await?.is_empty() {
        return Ok(false);
    }
    seed(
        db,
        &SeedOptions {
            seed: 7,
            stores: 1,
            users: 250,
            first_store_name: Some(DEMO_STORE.into()),
            ..SeedOptions::default()
        },
    )
    .await?;
    // One saved segment, so the segments page shows what one is.
    let store = db::stores::list_stores(db, "", None).await?[0].id;
    let inactive_leads = Group {
        combine: Combine::All,
        rules: vec![
            Rule::Condition(Condition::Type {
                is: CustomerType::Lead,
            }),
            Rule::Condition(Condition::LastActivity {
                when: When::MoreThanDaysAgo(30),
            }),
        ],
    };
    db::segments::save(
        db,
        store,
        None,
        "Leads inactive for 30 days",
        &inactive_leads,
        None,
        now_ms(),
    )
    .await?;
    Ok(true)
}

/// Writes the data set. Not idempotent: each run adds new stores.
pub async fn seed(db: &Db, options: &SeedOptions) -> Result<SeedReport> {
    bulk::prepare(db).await?;
    let written = write(db, options).await;
    // Whatever happened, the settings come back.
    bulk::finish(db).await?;
    let mut report = written?;
    if !options.facts_only {
        let started = Instant::now();
        for &store_id in &report.store_ids {
            report.derived += db::backfill::derive_store(db, store_id, 20_000).await?;
        }
        report.derive_time = started.elapsed();
    }
    bulk::vacuum(db).await?;
    Ok(report)
}

async fn write(db: &Db, options: &SeedOptions) -> Result<SeedReport> {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let anchor = options.anchor_ms.unwrap_or_else(|| now_ms() / DAY * DAY);
    let mut report = SeedReport::default();
    let stores = options.stores.max(1);
    let started = Instant::now();

    let currencies = ["USD", "USD", "EUR", "USD", "GBP"];
    for s in 0..stores {
        let name = match (&options.first_store_name, s) {
            (Some(name), 0) => name.clone(),
            _ => format!(
                "{} {} Studio #{}",
                words::FIRST[rng.random_range(0..words::FIRST.len())],
                words::TOPICS[rng.random_range(0..words::TOPICS.len())],
                s + 1
            ),
        };
        let id = db::stores::create_store(db, &name, currencies[s % currencies.len()]).await?;
        report.store_ids.push(id);
    }

    let people = people::people(&mut rng, options.users.max(stores), anchor);
    let pools = people::pools(people.len(), stores);
    let pool_total: usize = pools.iter().map(Vec::len).sum();
    let mut ids = bulk::next_ids(db).await?;
    for (s, &store_id) in report.store_ids.clone().iter().enumerate() {
        if pools[s].is_empty() {
            continue;
        }
        let share = |total: usize| -> usize {
            (total as u128 * pools[s].len() as u128 / pool_total.max(1) as u128) as usize
        };
        let plan = store::Plan {
            store_id,
            currency: currencies[s % currencies.len()],
            index: s,
            courses: options.courses(),
            products: options.products(),
            enrollments: share(options.enrollments()),
            purchases: share(options.purchases()),
            subscriptions: share(options.subscriptions()),
            leads: share(options.leads()),
            anchor,
        };
        let facts = store::generate(&mut rng, &plan, &people, &pools[s], &mut ids);
        let written = facts.load(db).await?;
        report.identities += written.identities;
        report.enrollments += written.enrollments;
        report.purchases += written.purchases;
        report.subscriptions += written.subscriptions;
        report.leads += written.leads;
        report.rows += written.rows();
        tracing::info!(store_id, people = pools[s].len(), "seeded store facts");
    }
    report.write_time = started.elapsed();
    Ok(report)
}
