//! A batch of events, recorded in one transaction (see the module docs).

use std::{collections::BTreeSet, time::Duration};

use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use super::{
    catalog, consents, enrollments,
    leads::{self, Report as LeadReport},
    log::{self, EventStatus},
    purchases::{self, Payment},
    subscriptions::{self, Report as SubscriptionReport},
};
use crate::{
    Backend, Db, Error, Result,
    customers::{load::Scope, refresh::refresh},
    events::{CatalogKind, Event, Fact, IMPORTED_USER_PREFIX, Item, ValidEvent, ValidUser},
    identity, locks,
    sql::int_list,
    time::now_ms,
};

/// The answer for one event of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventResult {
    pub event_id: String,
    pub status: EventStatus,
}

/// Attempts of a transaction that lost a race (a Postgres deadlock or
/// serialization failure, SQLite busy) before its error is returned.
const MAX_ATTEMPTS: u32 = 8;

/// Checks every event (errors name `events[i].field`), then records them
/// all in one transaction. Nothing is written when any event is invalid.
pub async fn apply_batch(db: &Db, store_id: i64, events: &[Event]) -> Result<Vec<EventResult>> {
    let valid = events
        .iter()
        .enumerate()
        .map(|(i, event)| event.validate(&format!("events[{i}]")))
        .collect::<Result<Vec<_>>>()?;
    record(db, store_id, &valid).await
}

/// Records checked events in one transaction, retried when it loses a race.
#[tracing::instrument(skip(db, events), fields(events = events.len()))]
pub async fn record(db: &Db, store_id: i64, events: &[ValidEvent]) -> Result<Vec<EventResult>> {
    crate::stores::get_store(db, store_id).await?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let outcome = async {
            let mut tx = db.writer().begin().await?;
            let results = record_in(&mut tx, db.backend(), store_id, events, now_ms()).await?;
            tx.commit().await?;
            Ok::<_, Error>(results)
        }
        .await;
        match outcome {
            Err(error) if attempt < MAX_ATTEMPTS && is_retryable(&error) => {
                tracing::debug!(%error, attempt, "retrying an events transaction");
                let jitter = (now_ms() as u64 ^ (u64::from(attempt) * 7919)) % 20;
                tokio::time::sleep(Duration::from_millis(5 * u64::from(attempt) + jitter)).await;
            }
            other => return other,
        }
    }
}

fn is_retryable(error: &Error) -> bool {
    match error {
        Error::Sqlx(sqlx::Error::Database(db_error)) => matches!(
            db_error.code().as_deref(),
            Some("40P01" | "40001" | "5" | "517")
        ),
        _ => false,
    }
}

/// The user an event's fact is about, if any.
fn user_of(fact: &Fact) -> Option<&ValidUser> {
    match fact {
        Fact::Enrollment { user, .. }
        | Fact::Progress { user, .. }
        | Fact::Purchase { user, .. }
        | Fact::Subscription { user, .. }
        | Fact::Lead { user, .. } => Some(user),
        // Consent is about an email, not a fact of the person: see
        // `super::consents`.
        Fact::Refund { .. } | Fact::Consent { .. } | Fact::Catalog(_) => None,
    }
}

async fn record_in(
    conn: &mut AnyConnection,
    backend: Backend,
    store_id: i64,
    events: &[ValidEvent],
    now: i64,
) -> Result<Vec<EventResult>> {
    locks::store(conn, backend, store_id).await?;
    let statuses = log::log(conn, store_id, events, now).await?;
    let results = events
        .iter()
        .zip(&statuses)
        .map(|(e, status)| EventResult {
            event_id: e.event_id.as_str().to_string(),
            status: *status,
        })
        .collect();
    let fresh: Vec<&ValidEvent> = events
        .iter()
        .zip(&statuses)
        .filter(|(_, status)| **status == EventStatus::Applied)
        .map(|(e, _)| e)
        .collect();
    if fresh.is_empty() {
        return Ok(results);
    }

    let entries: Vec<_> = fresh
        .iter()
        .filter_map(|e| match &e.fact {
            Fact::Catalog(entry) => Some((entry, e.occurred_at.get(), e.event_id.as_str())),
            _ => None,
        })
        .collect();
    catalog::upsert_entries(conn, backend, store_id, &entries, now).await?;

    let reports: Vec<identity::Report> = fresh
        .iter()
        .filter_map(|e| {
            let user = user_of(&e.fact)?;
            Some(identity::Report {
                external_id: user.external_id.as_str(),
                email: user.email.as_ref(),
                name: user.name.as_ref(),
                at: e.occurred_at.get(),
                event_id: e.event_id.as_str(),
                imported: user.external_id.as_str().starts_with(IMPORTED_USER_PREFIX),
            })
        })
        .collect();
    let identities = identity::upsert(conn, backend, store_id, &reports, now).await?;
    let identity_of = |user: &ValidUser| identities[user.external_id.as_str()].id;

    let named = |kind: CatalogKind| -> Vec<&str> {
        fresh
            .iter()
            .filter_map(|e| match (&e.fact, kind) {
                (
                    Fact::Enrollment { course, .. } | Fact::Progress { course, .. },
                    CatalogKind::Course,
                )
                | (
                    Fact::Purchase {
                        item: Item::Course(course),
                        ..
                    },
                    CatalogKind::Course,
                )
                | (
                    Fact::Purchase {
                        item: Item::Product(course),
                        ..
                    },
                    CatalogKind::Product,
                )
                | (
                    Fact::Purchase {
                        item: Item::Plan(course),
                        ..
                    },
                    CatalogKind::Plan,
                )
                | (Fact::Subscription { plan: course, .. }, CatalogKind::Plan) => {
                    Some(course.as_str())
                }
                _ => None,
            })
            .collect()
    };
    let courses = catalog::ids(
        conn,
        store_id,
        CatalogKind::Course,
        &named(CatalogKind::Course),
        now,
    )
    .await?;
    let products = catalog::ids(
        conn,
        store_id,
        CatalogKind::Product,
        &named(CatalogKind::Product),
        now,
    )
    .await?;
    let plans = catalog::ids(
        conn,
        store_id,
        CatalogKind::Plan,
        &named(CatalogKind::Plan),
        now,
    )
    .await?;

    let mut touched: BTreeSet<i64> = identities.values().map(|w| w.id).collect();
    let mut learning = Vec::new();
    let mut payments = Vec::new();
    let mut refunds = Vec::new();
    let mut subscribing = Vec::new();
    let mut signups = Vec::new();
    for e in &fresh {
        let at = e.occurred_at.get();
        match &e.fact {
            Fact::Enrollment { user, course } => learning.push(enrollments::Report {
                course_id: courses[course.as_str()],
                identity_id: identity_of(user),
                at,
                progress: None,
            }),
            Fact::Progress {
                user,
                course,
                progress,
            } => learning.push(enrollments::Report {
                course_id: courses[course.as_str()],
                identity_id: identity_of(user),
                at,
                progress: Some(progress.get()),
            }),
            Fact::Purchase {
                user,
                purchase,
                item,
                amount,
                currency,
            } => {
                let (course_id, product_id, plan_id) = match item {
                    Item::Course(id) => (Some(courses[id.as_str()]), None, None),
                    Item::Product(id) => (None, Some(products[id.as_str()]), None),
                    Item::Plan(id) => (None, None, Some(plans[id.as_str()])),
                };
                payments.push(Payment {
                    external_id: purchase.as_str(),
                    identity_id: identity_of(user),
                    course_id,
                    product_id,
                    plan_id,
                    amount_cents: amount.get(),
                    currency: currency.as_str(),
                    at,
                    event_id: e.event_id.as_str(),
                });
            }
            Fact::Refund { purchase } => refunds.push((purchase.as_str(), at)),
            Fact::Subscription {
                user,
                subscription,
                plan,
                status,
                amount,
                currency,
                interval,
                started_at,
                current_period_end,
            } => subscribing.push(SubscriptionReport {
                external_id: subscription.as_str(),
                identity_id: identity_of(user),
                plan_id: plans[plan.as_str()],
                status: status.as_str(),
                amount_cents: amount.get(),
                currency: currency.as_str(),
                interval: interval.as_str(),
                started_at: started_at.get(),
                current_period_end: current_period_end.map(|t| t.get()),
                at,
                event_id: e.event_id.as_str(),
            }),
            Fact::Lead { user, source, .. } => signups.push(LeadReport {
                identity_id: identity_of(user),
                source: source.as_str(),
                imported: user.external_id.as_str().starts_with(IMPORTED_USER_PREFIX),
                at,
            }),
            Fact::Catalog(_) | Fact::Consent { .. } => {}
        }
    }
    enrollments::record(conn, store_id, &learning).await?;
    touched.extend(purchases::record(conn, store_id, &payments, now).await?);
    touched.extend(purchases::refund(conn, store_id, &refunds, now).await?);
    touched.extend(subscriptions::record(conn, store_id, &subscribing, now).await?);
    leads::record(conn, store_id, &signups).await?;
    consents::record(conn, store_id, &fresh, &identities, now).await?;

    // Who is who now, then every customer whose facts or members changed.
    let mut customers = identity::regroup(conn, store_id, identities.values()).await?;
    let touched: Vec<i64> = touched.into_iter().collect();
    for chunk in touched.chunks(1_000) {
        let sql = format!(
            "SELECT customer_id FROM identities WHERE id IN ({}) AND customer_id IS NOT NULL",
            int_list(chunk.iter().copied())
        );
        for row in sqlx::query(&sql).fetch_all(&mut *conn).await? {
            customers.insert(row.try_get(0)?);
        }
    }
    let customers: Vec<i64> = customers.into_iter().collect();
    for chunk in customers.chunks(2_000) {
        refresh(conn, store_id, Scope::Ids(chunk), now).await?;
    }
    Ok(results)
}
