//! Checked events: every value parsed into its newtype, every error naming
//! its field.

use domain::customer::Consent;

use super::model::*;
use crate::{
    Error, Result,
    validate::{
        Cents, Currency, Email, ExternalId, Interval, Name, Progress, Source, SubscriptionStatus,
        Timestamp, Title,
    },
};

/// Platform user ids starting with this are reserved for contacts imported
/// from a file (see `customers::import`): events may not use them, so an
/// imported contact's id can never be a platform user's.
pub const IMPORTED_USER_PREFIX: &str = "import:";

/// A user as an event names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidUser {
    pub external_id: ExternalId,
    pub email: Option<Email>,
    pub name: Option<Name>,
}

/// What a purchase paid for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Course(ExternalId),
    Product(ExternalId),
    Plan(ExternalId),
}

/// The kinds of catalog entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CatalogKind {
    Course,
    Product,
    Plan,
}

impl CatalogKind {
    pub fn table(self) -> &'static str {
        match self {
            CatalogKind::Course => "courses",
            CatalogKind::Product => "products",
            CatalogKind::Plan => "plans",
        }
    }
}

/// A catalog entry as an event describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogEntry {
    pub kind: CatalogKind,
    pub external_id: ExternalId,
    pub title: Title,
    pub price: Cents,
    pub currency: Currency,
    pub interval: Option<Interval>,
}

/// The fact an event reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    Enrollment {
        user: ValidUser,
        course: ExternalId,
    },
    Progress {
        user: ValidUser,
        course: ExternalId,
        progress: Progress,
    },
    Purchase {
        user: ValidUser,
        purchase: ExternalId,
        item: Item,
        amount: Cents,
        currency: Currency,
    },
    Refund {
        purchase: ExternalId,
    },
    Subscription {
        user: ValidUser,
        subscription: ExternalId,
        plan: ExternalId,
        status: SubscriptionStatus,
        amount: Cents,
        currency: Currency,
        interval: Interval,
        started_at: Timestamp,
        current_period_end: Option<Timestamp>,
    },
    Lead {
        user: ValidUser,
        source: Source,
        /// Subscribed or unsubscribed; `None` says nothing of consent.
        consent: Option<Consent>,
    },
    Consent {
        user: ValidUser,
        consent: Consent,
    },
    Catalog(CatalogEntry),
}

/// An event that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidEvent {
    pub event_id: ExternalId,
    pub kind: &'static str,
    pub occurred_at: Timestamp,
    pub fact: Fact,
    /// A digest of the event as reported: a repeat of its event id with
    /// another body is a conflict, not a duplicate.
    pub fingerprint: String,
}

/// Who may use platform ids with [`IMPORTED_USER_PREFIX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Platform,
    Import,
}

struct Fields<'p> {
    prefix: &'p str,
    origin: Origin,
}

impl Fields<'_> {
    fn name(&self, field: &str) -> String {
        if self.prefix.is_empty() {
            field.to_string()
        } else {
            format!("{}.{field}", self.prefix)
        }
    }
    fn id(&self, field: &str, value: &str) -> Result<ExternalId> {
        ExternalId::parse(&self.name(field), value)
    }
    fn user(&self, user: &UserRef) -> Result<ValidUser> {
        let external_id = self.id("user.id", &user.id)?;
        let reserved = external_id.as_str().starts_with(IMPORTED_USER_PREFIX);
        if reserved && self.origin == Origin::Platform {
            return Err(Error::invalid(
                self.name("user.id"),
                format!(
                    "ids starting with {IMPORTED_USER_PREFIX:?} are reserved for imported contacts"
                ),
            ));
        }
        Ok(ValidUser {
            external_id,
            email: user
                .email
                .as_deref()
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(|e| Email::parse(&self.name("user.email"), e))
                .transpose()?,
            name: Name::parse(&self.name("user.name"), user.name.as_deref())?,
        })
    }
    fn cents(&self, field: &str, value: i64) -> Result<Cents> {
        Cents::parse(&self.name(field), value)
    }
    fn currency(&self, value: &str) -> Result<Currency> {
        Currency::parse(&self.name("currency"), value)
    }
    fn time(&self, field: &str, value: i64) -> Result<Timestamp> {
        Timestamp::parse(&self.name(field), value)
    }
    fn title(&self, field: &str, value: &str) -> Result<Title> {
        Title::parse(&self.name(field), value)
    }
    fn consent(&self, value: &str) -> Result<Consent> {
        Ok(Consent::parse(&self.name("consent"), value)?)
    }
    fn source(&self, value: &str) -> Result<Source> {
        Source::parse(&self.name("source"), value)
    }
}

impl Event {
    /// Checks every value; errors name the field, prefixed with `prefix`
    /// (`events[3]`) when it is not empty.
    pub fn validate(&self, prefix: &str) -> Result<ValidEvent> {
        self.validate_as(prefix, Origin::Platform)
    }

    /// [`Event::validate`] for a contact of a file: its platform id carries
    /// [`IMPORTED_USER_PREFIX`] (see `customers::import`).
    pub(crate) fn validate_import(&self) -> Result<ValidEvent> {
        self.validate_as("", Origin::Import)
    }

    fn validate_as(&self, prefix: &str, origin: Origin) -> Result<ValidEvent> {
        let f = Fields { prefix, origin };
        let event_id = f.id("event_id", self.event_id())?;
        let occurred_at = f.time("occurred_at", self.occurred_at())?;
        let fact = match self {
            Event::Enrollment(e) => Fact::Enrollment {
                user: f.user(&e.user)?,
                course: f.id("course_id", &e.course_id)?,
            },
            Event::Progress(e) => Fact::Progress {
                user: f.user(&e.user)?,
                course: f.id("course_id", &e.course_id)?,
                progress: Progress::parse(&f.name("progress"), e.progress)?,
            },
            Event::Purchase(e) => {
                let item = match (&e.course_id, &e.product_id, &e.plan_id) {
                    (Some(id), None, None) => Item::Course(f.id("course_id", id)?),
                    (None, Some(id), None) => Item::Product(f.id("product_id", id)?),
                    (None, None, Some(id)) => Item::Plan(f.id("plan_id", id)?),
                    _ => {
                        return Err(Error::invalid(
                            f.name("course_id"),
                            "a purchase names exactly one of course_id, product_id, plan_id",
                        ));
                    }
                };
                Fact::Purchase {
                    user: f.user(&e.user)?,
                    purchase: f.id("purchase_id", &e.purchase_id)?,
                    item,
                    amount: f.cents("amount_cents", e.amount_cents)?,
                    currency: f.currency(&e.currency)?,
                }
            }
            Event::Refund(e) => {
                if let Some(user) = &e.user {
                    f.user(user)?;
                }
                Fact::Refund {
                    purchase: f.id("purchase_id", &e.purchase_id)?,
                }
            }
            Event::Subscription(e) => Fact::Subscription {
                user: f.user(&e.user)?,
                subscription: f.id("subscription_id", &e.subscription_id)?,
                plan: f.id("plan_id", &e.plan_id)?,
                status: SubscriptionStatus::parse(&f.name("status"), &e.status)?,
                amount: f.cents("amount_cents", e.amount_cents)?,
                currency: f.currency(&e.currency)?,
                interval: Interval::parse(&f.name("interval"), &e.interval)?,
                started_at: match e.started_at {
                    Some(at) => f.time("started_at", at)?,
                    None => occurred_at,
                },
                current_period_end: e
                    .current_period_end
                    .map(|at| Timestamp::parse_any(&f.name("current_period_end"), at))
                    .transpose()?,
            },
            Event::Lead(e) => Fact::Lead {
                user: f.user(&e.user)?,
                source: f.source(&e.source)?,
                consent: match e.consent.as_deref().map(|c| f.consent(c)).transpose()? {
                    Some(Consent::NotAsked) | None => None,
                    said => said,
                },
            },
            Event::Consent(e) => Fact::Consent {
                user: f.user(&e.user)?,
                consent: match f.consent(&e.consent)? {
                    Consent::NotAsked => {
                        return Err(Error::invalid(
                            f.name("consent"),
                            "must be subscribed or unsubscribed",
                        ));
                    }
                    said => said,
                },
            },
            Event::Course(e) => Fact::Catalog(CatalogEntry {
                kind: CatalogKind::Course,
                external_id: f.id("course_id", &e.course_id)?,
                title: f.title("title", &e.title)?,
                price: f.cents("price_cents", e.price_cents)?,
                currency: f.currency(&e.currency)?,
                interval: None,
            }),
            Event::Product(e) => Fact::Catalog(CatalogEntry {
                kind: CatalogKind::Product,
                external_id: f.id("product_id", &e.product_id)?,
                title: f.title("title", &e.title)?,
                price: f.cents("price_cents", e.price_cents)?,
                currency: f.currency(&e.currency)?,
                interval: None,
            }),
            Event::Plan(e) => Fact::Catalog(CatalogEntry {
                kind: CatalogKind::Plan,
                external_id: f.id("plan_id", &e.plan_id)?,
                title: f.title("title", &e.title)?,
                price: f.cents("amount_cents", e.amount_cents)?,
                currency: f.currency(&e.currency)?,
                interval: Some(Interval::parse(&f.name("interval"), &e.interval)?),
            }),
        };
        Ok(ValidEvent {
            event_id,
            kind: self.kind(),
            occurred_at,
            fact,
            fingerprint: self.fingerprint(),
        })
    }

    /// A digest of the event's canonical JSON (fields in declaration order).
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let json = serde_json::to_vec(self).expect("events serialize");
        Sha256::digest(json)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}
