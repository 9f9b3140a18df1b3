//! One store's catalog and history: who of its people did what, when.

use std::collections::{HashMap, HashSet};

use db::{
    Db, Result,
    bulk::{
        CatalogRow, ConsentRow, EnrollmentRow, IdentityRow, LeadRow, Load, NextIds, PurchaseRow,
        SubscriptionRow, Written,
    },
};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{
    DAY,
    people::{Person, within_two_years},
    words,
};

/// What to make for one store.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub store_id: i64,
    pub currency: &'static str,
    /// The store's position in the run (varies its catalog).
    pub index: usize,
    pub courses: usize,
    pub products: usize,
    pub enrollments: usize,
    pub purchases: usize,
    pub subscriptions: usize,
    pub leads: usize,
    pub anchor: i64,
}

/// A store's rows, ready to load.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    identities: Vec<IdentityRow>,
    courses: Vec<CatalogRow>,
    products: Vec<CatalogRow>,
    plans: Vec<CatalogRow>,
    enrollments: Vec<EnrollmentRow>,
    purchases: Vec<PurchaseRow>,
    subscriptions: Vec<SubscriptionRow>,
    leads: Vec<LeadRow>,
    consents: Vec<ConsentRow>,
}

impl Facts {
    /// Writes them in one transaction: people and catalog, then facts.
    pub(crate) async fn load(self, db: &Db) -> Result<Written> {
        let mut load = Load::begin(db).await?;
        for row in self.identities {
            load.identity(row).await?;
        }
        for row in self.courses {
            load.course(row).await?;
        }
        for row in self.products {
            load.product(row).await?;
        }
        for row in self.plans {
            load.plan(row).await?;
        }
        load.flush().await?;
        for row in self.enrollments {
            load.enrollment(row).await?;
        }
        for row in self.purchases {
            load.purchase(row).await?;
        }
        for row in self.subscriptions {
            load.subscription(row).await?;
        }
        for row in self.leads {
            load.lead(row).await?;
        }
        for row in self.consents {
            load.consent(row).await?;
        }
        load.commit().await
    }
}

/// Which of a person's platform ids a fact names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Account {
    Main,
    /// The second account, email in capitals (the same customer).
    Alias,
    /// The contact the store imported from a file (the same customer).
    Imported,
}

/// The store's identities, made as facts name them; each one's first fact.
struct Identities<'p> {
    people: &'p [Person],
    store_id: i64,
    ids: HashMap<(usize, Account), i64>,
    first_at: HashMap<i64, i64>,
    order: Vec<(usize, Account, i64)>,
}

impl<'p> Identities<'p> {
    fn id(&mut self, next: &mut NextIds, person: usize, account: Account, at: i64) -> i64 {
        let id = *self.ids.entry((person, account)).or_insert_with(|| {
            let id = next.identity;
            next.identity += 1;
            self.order.push((person, account, id));
            id
        });
        let first = self.first_at.entry(id).or_insert(at);
        *first = (*first).min(at);
        id
    }

    fn rows(self) -> Vec<IdentityRow> {
        self.order
            .into_iter()
            .map(|(person, account, id)| {
                let p = &self.people[person];
                let (external_id, email) = match account {
                    Account::Main => (p.external_id.clone(), p.email.clone()),
                    Account::Alias => (
                        format!("{}-upper", p.external_id),
                        p.email.as_deref().map(str::to_uppercase),
                    ),
                    Account::Imported => (
                        format!(
                            "{}{}",
                            db::events::IMPORTED_USER_PREFIX,
                            p.email.as_deref().unwrap_or_default().to_lowercase()
                        ),
                        p.email.clone(),
                    ),
                };
                let first_at = self.first_at[&id];
                IdentityRow {
                    id,
                    store_id: self.store_id,
                    external_id,
                    email,
                    name: Some(p.name.clone()),
                    reported_at: first_at,
                    first_at,
                }
            })
            .collect()
    }
}

/// Generates a store's catalog and history (see the module docs of `seed`).
pub(crate) fn generate(
    rng: &mut ChaCha8Rng,
    plan: &Plan,
    people: &[Person],
    pool: &[usize],
    next: &mut NextIds,
) -> Facts {
    let (store_id, currency, anchor) = (plan.store_id, plan.currency, plan.anchor);
    let start = anchor - 730 * DAY;
    let mut facts = Facts::default();
    let mut identities = Identities {
        people,
        store_id,
        ids: HashMap::new(),
        first_at: HashMap::new(),
        order: Vec::new(),
    };
    // A fact of a person: mostly their main account, sometimes the alias.
    let account = |rng: &mut ChaCha8Rng, person: usize| {
        if people[person].alias && rng.random_ratio(1, 3) {
            Account::Alias
        } else {
            Account::Main
        }
    };

    // Catalog: about a third of the courses are free.
    let catalog = |id: i64, prefix: &str, title: String, price: i64| CatalogRow {
        id,
        store_id,
        external_id: format!("{prefix}{id}"),
        title,
        price_cents: price,
        currency,
        interval: None,
        at: start,
    };
    for c in 0..plan.courses {
        let price = if c % 3 == 0 {
            0
        } else {
            rng.random_range(19..400) * 100 - 1
        };
        let title = format!(
            "{} {}",
            words::TOPICS[(c + plan.index) % words::TOPICS.len()],
            words::LEVELS[rng.random_range(0..words::LEVELS.len())]
        );
        facts.courses.push(catalog(next.course, "c", title, price));
        next.course += 1;
    }
    for p in 0..plan.products {
        let price = rng.random_range(5..80) * 100 - 1;
        let title = format!(
            "{} {}",
            words::TOPICS[(p * 3 + plan.index) % words::TOPICS.len()],
            words::PRODUCTS[p % words::PRODUCTS.len()]
        );
        facts
            .products
            .push(catalog(next.product, "d", title, price));
        next.product += 1;
    }
    for (title, amount, interval) in [
        ("Monthly membership", 1_900, "month"),
        ("Annual membership", 19_000, "year"),
    ] {
        facts.plans.push(CatalogRow {
            interval: Some(interval),
            ..catalog(next.plan, "pl", title.to_string(), amount)
        });
        next.plan += 1;
    }

    // Enrollments: everyone in the pool first (while there are enough),
    // then more courses for random people; (course, identity) stays unique.
    let n_courses = facts.courses.len().max(1);
    let mut per_person = vec![0usize; pool.len()];
    let mut enrolled = HashSet::new();
    let base: Vec<usize> = (0..pool.len())
        .map(|_| rng.random_range(0..n_courses))
        .collect();
    for k in 0..plan.enrollments {
        let slot = if k < pool.len() {
            k
        } else {
            rng.random_range(0..pool.len())
        };
        if per_person[slot] >= n_courses {
            continue;
        }
        let course = facts.courses[(base[slot] + per_person[slot]) % n_courses].id;
        per_person[slot] += 1;
        let enrolled_at = within_two_years(rng, anchor);
        let accessed = enrolled_at + rng.random_range(0..=(anchor - enrolled_at).min(120 * DAY));
        let progress = match rng.random_range(0..10) {
            0..=2 => 0,
            3..=4 => 100,
            _ => rng.random_range(1..100),
        };
        let person = pool[slot];
        let which = account(rng, person);
        // One row per (course, identity): the alias may draw a course twice.
        if !enrolled.insert((course, person, which)) {
            continue;
        }
        let identity_id = identities.id(next, person, which, enrolled_at);
        facts.enrollments.push(EnrollmentRow {
            store_id,
            course_id: course,
            identity_id,
            enrolled_at,
            progress,
            progress_at: if progress > 0 { accessed } else { 0 },
            last_accessed_at: accessed,
        });
    }

    // Course and product purchases; some refunded, some in a second currency.
    let other_currency = if currency == "USD" { "EUR" } else { "USD" };
    let paid: Vec<(i64, i64)> = facts
        .courses
        .iter()
        .filter(|c| c.price_cents > 0)
        .map(|c| (c.id, c.price_cents))
        .collect();
    for k in 0..plan.purchases {
        let person = pool[rng.random_range(0..pool.len())];
        let (course_id, product_id, mut amount) = if rng.random_ratio(68, 100) && !paid.is_empty() {
            let c = paid[rng.random_range(0..paid.len())];
            (Some(c.0), None, c.1)
        } else {
            let p = &facts.products[rng.random_range(0..facts.products.len())];
            (None, Some(p.id), p.price_cents)
        };
        let mut paid_currency = currency;
        if rng.random_ratio(1, 30) {
            paid_currency = other_currency;
            amount = amount * 11 / 10;
        }
        let paid_at = within_two_years(rng, anchor);
        let refunded_at = rng
            .random_ratio(1, 16)
            .then(|| (paid_at + rng.random_range(DAY..14 * DAY)).min(anchor));
        let which = account(rng, person);
        facts.purchases.push(PurchaseRow {
            store_id,
            external_id: format!("p{store_id}-{k}"),
            identity_id: identities.id(next, person, which, paid_at),
            course_id,
            product_id,
            plan_id: None,
            amount_cents: amount,
            currency: paid_currency,
            paid_at,
            refunded_at,
        });
    }

    // Subscriptions in every status, each with a payment per period it paid.
    let total_weight: u32 = words::STATUSES.iter().map(|s| s.1).sum();
    for k in 0..plan.subscriptions {
        let person = pool[rng.random_range(0..pool.len())];
        let plan_row = &facts.plans[rng.random_range(0..facts.plans.len())];
        let (plan_id, amount, interval) = (
            plan_row.id,
            plan_row.price_cents,
            plan_row.interval.unwrap_or("month"),
        );
        // The first ones cycle through every status, the rest by weight.
        let status = if let Some((first, _)) = words::STATUSES.get(k) {
            *first
        } else {
            let mut pick = rng.random_range(0..total_weight);
            words::STATUSES
                .iter()
                .find(|(_, w)| {
                    let hit = pick < *w;
                    pick = pick.saturating_sub(*w);
                    hit
                })
                .map_or("active", |s| s.0)
        };
        let period = if interval == "year" {
            365 * DAY
        } else {
            30 * DAY
        };
        // A trial is the last two weeks; the others began within two years
        // and ended (cancelled, expired) some time after.
        let started = if status == "trialing" {
            anchor - rng.random_range(0..14 * DAY)
        } else {
            start + rng.random_range(0..700 * DAY)
        };
        let ended = match status {
            "cancelled" | "expired" => Some(started + rng.random_range(0..=(anchor - started))),
            _ => None,
        };
        let status_at =
            ended.unwrap_or(anchor.min(started + ((anchor - started) / period) * period));
        // Paid periods: each period's start up to the end (or now); a
        // subscription past due has not paid its current period; a trial
        // has paid nothing yet.
        let until = ended.unwrap_or(anchor);
        let mut periods = if status == "trialing" {
            0
        } else {
            (until - started) / period + 1
        };
        if status == "past_due" {
            periods = (periods - 1).max(0);
        }
        let which = account(rng, person);
        let identity_id = identities.id(next, person, which, started);
        let id = next.subscription;
        next.subscription += 1;
        for p in 0..periods {
            let paid_at = started + p * period;
            facts.purchases.push(PurchaseRow {
                store_id,
                external_id: format!("sp{id}-{p}"),
                identity_id,
                course_id: None,
                product_id: None,
                plan_id: Some(plan_id),
                amount_cents: amount,
                currency,
                paid_at,
                refunded_at: None,
            });
        }
        facts.subscriptions.push(SubscriptionRow {
            id,
            store_id,
            external_id: format!("sub{id}"),
            identity_id,
            plan_id,
            amount_cents: amount,
            currency,
            interval,
            status,
            started_at: started,
            current_period_end: Some(started + periods.max(1) * period),
            status_at,
        });
    }

    // Leads: opt-ins, unique per (identity, source), and contacts the store
    // imported from a file (their own platform ids, one customer with the
    // person's other accounts).
    let mut seen = HashSet::new();
    let mut consented = HashSet::new();
    for _ in 0..plan.leads {
        let person = pool[rng.random_range(0..pool.len())];
        let at = within_two_years(rng, anchor);
        let imported = people[person].email.is_some() && rng.random_ratio(1, 4);
        let (which, source) = if imported {
            (Account::Imported, words::IMPORT_SOURCE)
        } else {
            (
                account(rng, person),
                words::LEAD_SOURCES[rng.random_range(0..words::LEAD_SOURCES.len())],
            )
        };
        if !seen.insert((person, which, source)) {
            continue;
        }
        let identity_id = identities.id(next, person, which, at);
        facts.leads.push(LeadRow {
            store_id,
            identity_id,
            source,
            imported,
            at,
        });
        // Most forms ask for email consent: three in five leads with an
        // address opted in, and one in ten of those later unsubscribed.
        if let Some(email) = &people[person].email
            && rng.random_ratio(3, 5)
            && consented.insert(db::validate::normalize_email(email))
        {
            let unsubscribed = rng.random_ratio(1, 10);
            facts.consents.push(ConsentRow {
                store_id,
                email: email.clone(),
                subscribed: !unsubscribed,
                explicit: unsubscribed,
                at: if unsubscribed { at + 86_400_000 } else { at },
                source: if unsubscribed {
                    "unsubscribe link"
                } else {
                    source
                },
            });
        }
    }
    facts.identities = identities.rows();
    facts
}
