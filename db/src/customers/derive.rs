//! THE definition of a customer row, derived from the facts of its
//! identities. The live path (the customers one batch of events touched) and
//! the backfill (every customer of a store, in batches) load the same facts
//! ([`super::load`]) and call the same [`derive`]; [`super::write`] stores
//! what changed. Pure Rust, so it is the same on both databases and tested
//! directly.
//!
//! Per customer (a group of identities, see `crate::identity::group`):
//! - type: `subscription` if any subscription is active or trialing, else
//!   `paying` if its net (completed payments minus refunds) is above zero in
//!   any currency, else `lead`;
//! - totals: the net per currency of its payments (every currency it paid
//!   in, refunded or not); `total_spent_cents` is the store currency's;
//! - joined: its earliest fact; last activity: its newest activity (an
//!   enrollment or access, a payment's newest report, a subscription's start,
//!   an opt-in; not a refund, a cancellation, an expiry or an import), or
//!   when it joined if it has none;
//! - source: its earliest fact (ties: course, lead, product, subscription,
//!   import; then the item's platform id or the lead's source);
//! - courses: the courses it is enrolled in or bought (and kept); products:
//!   the products it bought and kept; purchases: payments kept;
//! - name and email: the newest report among the platform's identities,
//!   else among imported ones (an import never renames or re-spells a
//!   customer the platform reported); search text: the folded name and the
//!   normalised email.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::text::fold;

/// An identity of the customer, as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct IdentityFact {
    pub id: i64,
    pub customer_id: i64,
    pub external_id: String,
    pub email: Option<String>,
    pub email_normalized: Option<String>,
    pub email_at: i64,
    pub email_event: String,
    pub name: Option<String>,
    pub name_at: i64,
    pub name_event: String,
    pub imported: i64,
    pub first_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct EnrollmentFact {
    pub customer_id: i64,
    pub course_id: i64,
    pub enrolled_at: i64,
    pub last_accessed_at: i64,
}

/// A customer's payments for one item in one currency, summed (a
/// subscription's monthly payments are one row).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct PurchaseFact {
    pub customer_id: i64,
    pub course_id: Option<i64>,
    pub product_id: Option<i64>,
    pub plan_id: Option<i64>,
    pub currency: String,
    /// The earliest payment and the newest report of any of them.
    pub first_paid_at: i64,
    pub last_reported_at: i64,
    /// The payments not refunded: their sum and how many.
    pub kept_cents: i64,
    pub kept: i64,
    /// Every payment of the row, refunded or not.
    pub payments: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct SubscriptionFact {
    pub customer_id: i64,
    pub plan_id: i64,
    pub status: String,
    pub started_at: i64,
}

/// The platform's ids of the store's catalog entries: the source's tie
/// break must not depend on the order rows were created in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogKeys {
    pub courses: HashMap<i64, String>,
    pub products: HashMap<i64, String>,
    pub plans: HashMap<i64, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct LeadFact {
    pub customer_id: i64,
    pub source: String,
    pub imported: i64,
    pub created_at: i64,
}

/// Every fact of one customer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub identities: Vec<IdentityFact>,
    pub enrollments: Vec<EnrollmentFact>,
    pub purchases: Vec<PurchaseFact>,
    pub subscriptions: Vec<SubscriptionFact>,
    pub leads: Vec<LeadFact>,
}

/// How a customer first came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SourceKind {
    Course,
    Lead,
    Product,
    Subscription,
    Import,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Course => "course",
            SourceKind::Lead => "lead",
            SourceKind::Product => "product",
            SourceKind::Subscription => "subscription",
            SourceKind::Import => "import",
        }
    }

    pub fn parse(value: &str) -> Option<SourceKind> {
        Some(match value {
            "course" => SourceKind::Course,
            "lead" => SourceKind::Lead,
            "product" => SourceKind::Product,
            "subscription" => SourceKind::Subscription,
            "import" => SourceKind::Import,
            _ => return None,
        })
    }
}

/// A customer row as derived (what `customers` and `customer_totals` hold
/// for it, but the bookkeeping columns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derived {
    pub id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub email_normalized: Option<String>,
    pub customer_type: &'static str,
    pub has_active_subscription: bool,
    pub total_spent_cents: i64,
    pub last_activity_at: i64,
    pub joined_at: i64,
    pub source_kind: SourceKind,
    /// The catalog row (course, product or plan) of the first fact.
    pub source_ref: Option<i64>,
    /// The lead's source, for a lead or an import.
    pub source_text: Option<String>,
    pub courses_count: i64,
    pub products_count: i64,
    pub purchases_count: i64,
    pub search_text: String,
    /// Net per currency, by currency.
    pub totals: Vec<(String, i64)>,
}

/// The earliest fact, for the source: (time, kind, tie-break key).
type SourceCandidate<'a> = (i64, SourceKind, &'a str, Option<i64>, Option<&'a str>);

/// Derives customer `id` of a store whose currency is `store_currency` from
/// its facts; `None` when it has none (it is gone).
pub fn derive(
    id: i64,
    store_currency: &str,
    catalog: &CatalogKeys,
    facts: &Facts,
) -> Option<Derived> {
    fn key(map: &HashMap<i64, String>, id: i64) -> &str {
        map.get(&id).map_or("", String::as_str)
    }
    if facts.identities.is_empty() {
        return None;
    }
    let mut joined = i64::MAX;
    let mut activity: Option<i64> = None;
    let mut active = |at: i64| activity = Some(activity.map_or(at, |a| a.max(at)));
    let mut candidates: Vec<SourceCandidate> = Vec::new();

    let mut courses = BTreeSet::new();
    for e in &facts.enrollments {
        joined = joined.min(e.enrolled_at);
        active(e.enrolled_at.max(e.last_accessed_at));
        courses.insert(e.course_id);
        candidates.push((
            e.enrolled_at,
            SourceKind::Course,
            key(&catalog.courses, e.course_id),
            Some(e.course_id),
            None,
        ));
    }
    let mut totals: BTreeMap<String, i64> = BTreeMap::new();
    let mut products = BTreeSet::new();
    let mut purchases_kept = 0;
    for p in &facts.purchases {
        joined = joined.min(p.first_paid_at);
        active(p.last_reported_at.max(p.first_paid_at));
        let kept = p.kept > 0;
        *totals.entry(p.currency.clone()).or_default() += p.kept_cents;
        let (kind, item, external) = match (p.course_id, p.product_id, p.plan_id) {
            (Some(course), _, _) => {
                if kept {
                    courses.insert(course);
                }
                (SourceKind::Course, course, key(&catalog.courses, course))
            }
            (None, Some(product), _) => {
                if kept {
                    products.insert(product);
                }
                (
                    SourceKind::Product,
                    product,
                    key(&catalog.products, product),
                )
            }
            (None, None, Some(plan)) => (SourceKind::Subscription, plan, key(&catalog.plans, plan)),
            (None, None, None) => continue,
        };
        purchases_kept += p.kept;
        candidates.push((p.first_paid_at, kind, external, Some(item), None));
    }
    let mut subscribed = false;
    for s in &facts.subscriptions {
        joined = joined.min(s.started_at);
        active(s.started_at);
        subscribed |= matches!(s.status.as_str(), "active" | "trialing");
        candidates.push((
            s.started_at,
            SourceKind::Subscription,
            key(&catalog.plans, s.plan_id),
            Some(s.plan_id),
            None,
        ));
    }
    for l in &facts.leads {
        joined = joined.min(l.created_at);
        let kind = if l.imported != 0 {
            SourceKind::Import
        } else {
            active(l.created_at);
            SourceKind::Lead
        };
        candidates.push((l.created_at, kind, &l.source, None, Some(&l.source)));
    }
    let source = candidates
        .into_iter()
        .min_by(|a, b| (a.0, a.1, a.2.as_bytes()).cmp(&(b.0, b.1, b.2.as_bytes())));

    let platform_first = |a: &&IdentityFact| a.imported == 0;
    let newest = |pick: fn(&IdentityFact) -> Option<(i64, &str, &str)>| {
        let mut platform: Option<(i64, &str, &str)> = None;
        let mut imported: Option<(i64, &str, &str)> = None;
        for identity in &facts.identities {
            let Some(report) = pick(identity) else {
                continue;
            };
            let slot = if platform_first(&identity) {
                &mut platform
            } else {
                &mut imported
            };
            if slot.is_none_or(|s| (report.0, report.1.as_bytes()) > (s.0, s.1.as_bytes())) {
                *slot = Some(report);
            }
        }
        platform.or(imported).map(|(_, _, value)| value.to_string())
    };
    let name = newest(|i| {
        i.name
            .as_deref()
            .map(|n| (i.name_at, i.name_event.as_str(), n))
    });
    let email = newest(|i| {
        i.email
            .as_deref()
            .map(|e| (i.email_at, i.email_event.as_str(), e))
    });
    let email_normalized = facts
        .identities
        .iter()
        .find_map(|i| i.email_normalized.clone());

    let net_positive = totals.values().any(|net| *net > 0);
    let customer_type = if subscribed {
        "subscription"
    } else if net_positive {
        "paying"
    } else {
        "lead"
    };
    // Identities exist through facts; one whose only fact went to another
    // (a payment re-reported for someone else) leaves no customer.
    let (_, source_kind, _, source_ref, source_text) = source?;
    let search_text = format!(
        "{} {}",
        fold(name.as_deref().unwrap_or_default()),
        email_normalized.as_deref().unwrap_or_default()
    )
    .trim()
    .to_string();
    Some(Derived {
        id,
        name,
        email,
        email_normalized,
        customer_type,
        has_active_subscription: subscribed,
        total_spent_cents: totals.get(store_currency).copied().unwrap_or(0),
        last_activity_at: activity.unwrap_or(joined),
        joined_at: joined,
        source_kind,
        source_ref,
        source_text: source_text.map(str::to_string),
        courses_count: courses.len() as i64,
        products_count: products.len() as i64,
        purchases_count: purchases_kept,
        search_text,
        totals: totals.into_iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(id: i64, external: &str, first_at: i64) -> IdentityFact {
        IdentityFact {
            id,
            customer_id: 1,
            external_id: external.into(),
            email: None,
            email_normalized: None,
            email_at: 0,
            email_event: String::new(),
            name: None,
            name_at: 0,
            name_event: String::new(),
            imported: 0,
            first_at,
        }
    }

    fn purchase(amount: i64, currency: &str, at: i64, refunded: bool) -> PurchaseFact {
        PurchaseFact {
            customer_id: 1,
            course_id: None,
            product_id: Some(9),
            plan_id: None,
            currency: currency.into(),
            first_paid_at: at,
            last_reported_at: at,
            kept_cents: if refunded { 0 } else { amount },
            kept: i64::from(!refunded),
            payments: 1,
        }
    }

    fn derive(id: i64, currency: &str, facts: &Facts) -> Option<Derived> {
        super::derive(id, currency, &CatalogKeys::default(), facts)
    }

    #[test]
    fn a_refund_of_the_only_purchase_makes_a_lead_again() {
        let mut facts = Facts {
            identities: vec![identity(1, "u1", 100)],
            purchases: vec![purchase(500, "USD", 100, false)],
            ..Facts::default()
        };
        let paying = derive(1, "USD", &facts).unwrap();
        assert_eq!(paying.customer_type, "paying");
        assert_eq!(paying.total_spent_cents, 500);
        assert_eq!(paying.purchases_count, 1);
        assert_eq!(paying.products_count, 1);
        facts.purchases[0] = purchase(500, "USD", 100, true);
        let lead = derive(1, "USD", &facts).unwrap();
        assert_eq!(lead.customer_type, "lead");
        assert_eq!(lead.totals, vec![("USD".to_string(), 0)]);
        assert_eq!(lead.products_count, 0, "counts and lists leave refunds out");
    }

    #[test]
    fn another_currency_counts_as_paying_but_not_as_store_spend() {
        let facts = Facts {
            identities: vec![identity(1, "u1", 100)],
            purchases: vec![purchase(20_900, "EUR", 100, false)],
            ..Facts::default()
        };
        let derived = derive(1, "USD", &facts).unwrap();
        assert_eq!(derived.customer_type, "paying");
        assert_eq!(derived.total_spent_cents, 0);
        assert_eq!(derived.totals, vec![("EUR".to_string(), 20_900)]);
    }

    #[test]
    fn cancellations_and_imports_are_not_activity() {
        let facts = Facts {
            identities: vec![identity(1, "u1", 1_000)],
            subscriptions: vec![SubscriptionFact {
                customer_id: 1,
                plan_id: 3,
                status: "cancelled".into(),
                started_at: 1_000,
            }],
            leads: vec![LeadFact {
                customer_id: 1,
                source: "import: contacts.csv".into(),
                imported: 1,
                created_at: 9_000,
            }],
            ..Facts::default()
        };
        let derived = derive(1, "USD", &facts).unwrap();
        assert_eq!(derived.last_activity_at, 1_000);
        assert_eq!(derived.source_kind, SourceKind::Subscription);
        assert_eq!(derived.customer_type, "lead");
    }

    #[test]
    fn the_source_does_not_depend_on_how_many_digits_a_time_has() {
        // 2000-01-01 has 12 digits in milliseconds before 2001-09-09.
        let facts = Facts {
            identities: vec![identity(1, "u1", 946_684_800_000)],
            leads: vec![
                LeadFact {
                    customer_id: 1,
                    source: "webinar".into(),
                    imported: 0,
                    created_at: 1_000_000_000_000,
                },
                LeadFact {
                    customer_id: 1,
                    source: "newsletter".into(),
                    imported: 0,
                    created_at: 946_684_800_000,
                },
            ],
            ..Facts::default()
        };
        let derived = derive(1, "USD", &facts).unwrap();
        assert_eq!(derived.source_text.as_deref(), Some("newsletter"));
        assert_eq!(derived.joined_at, 946_684_800_000);
    }

    #[test]
    fn the_platform_spelling_wins_over_an_import() {
        let mut platform = identity(1, "u1", 100);
        platform.email = Some("Ann@Example.com".into());
        platform.email_normalized = Some("ann@example.com".into());
        platform.email_at = 100;
        let mut imported = identity(2, "import:ann@example.com", 900);
        imported.imported = 1;
        imported.email = Some("ANN@EXAMPLE.COM".into());
        imported.email_normalized = Some("ann@example.com".into());
        imported.email_at = 900;
        imported.name = Some("Ann From File".into());
        imported.name_at = 900;
        let facts = Facts {
            identities: vec![platform, imported],
            leads: vec![LeadFact {
                customer_id: 1,
                source: "import: c.csv".into(),
                imported: 1,
                created_at: 900,
            }],
            enrollments: vec![EnrollmentFact {
                customer_id: 1,
                course_id: 4,
                enrolled_at: 100,
                last_accessed_at: 200,
            }],
            ..Facts::default()
        };
        let derived = derive(1, "USD", &facts).unwrap();
        assert_eq!(derived.email.as_deref(), Some("Ann@Example.com"));
        assert_eq!(
            derived.name.as_deref(),
            Some("Ann From File"),
            "a missing name is filled in"
        );
        assert_eq!(derived.last_activity_at, 200, "the import is not activity");
        assert_eq!(derived.search_text, "ann from file ann@example.com");
    }
}
