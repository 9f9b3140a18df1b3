//! Applying checked events: in one transaction per batch, each event's id is
//! logged (a repeat is a no-op), its fact recorded, and then every touched
//! customer derived again, once, before commit.

use std::{collections::BTreeSet, time::Duration};

use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use super::{CatalogKind, Event, Fact, Item, ValidEvent};
use crate::{
    Backend, Db, Error, Result,
    customers::derive::{Scope, derive},
    facts::{self as users, write},
    locks,
    time::now_ms,
};

/// What happened to one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    /// Recorded now.
    Applied,
    /// Its event id was seen before; nothing changed.
    Duplicate,
}

/// The answer for one event of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventResult {
    pub event_id: String,
    pub status: EventStatus,
}

/// Attempts of a transaction that lost a race (deadlock, unique conflict
/// between concurrent first reports) before its error is returned.
const MAX_ATTEMPTS: u32 = 12;

/// Checks every event (errors name `events[i].field`), then applies them
/// all in one transaction. Nothing is written when any event is invalid.
pub async fn apply_batch(db: &Db, store_id: i64, events: &[Event]) -> Result<Vec<EventResult>> {
    let valid = events
        .iter()
        .enumerate()
        .map(|(i, event)| event.validate(&format!("events[{i}]")))
        .collect::<Result<Vec<_>>>()?;
    apply_valid(db, store_id, &valid).await
}

/// Applies checked events in one transaction, retried when it loses a race.
pub async fn apply_valid(
    db: &Db,
    store_id: i64,
    events: &[ValidEvent],
) -> Result<Vec<EventResult>> {
    crate::stores::get_store(db, store_id).await?;
    let exclusive = events.iter().any(|e| matches!(e.fact, Fact::Catalog(_)));
    let mut attempt = 0;
    loop {
        attempt += 1;
        let outcome = async {
            let mut tx = db.writer().begin().await?;
            let results = apply_in(&mut tx, db.backend(), store_id, events, exclusive).await?;
            tx.commit().await?;
            Ok::<_, Error>(results)
        }
        .await;
        match outcome {
            Err(error) if attempt < MAX_ATTEMPTS && is_retryable(&error) => {
                tracing::debug!(%error, attempt, "retrying an events transaction");
                let jitter = (now_ms() as u64 ^ (attempt as u64 * 7919)) % 20;
                tokio::time::sleep(Duration::from_millis(5 * u64::from(attempt) + jitter)).await;
            }
            other => return other,
        }
    }
}

/// Errors a new attempt can cure: Postgres deadlocks, serialization failures
/// and unique violations between concurrent first reports; SQLite busy.
fn is_retryable(error: &Error) -> bool {
    match error {
        Error::Sqlx(sqlx::Error::Database(db_error)) => matches!(
            db_error.code().as_deref(),
            Some("40P01" | "40001" | "23505" | "5" | "517" | "2067" | "1555")
        ),
        _ => false,
    }
}

async fn apply_in(
    conn: &mut AnyConnection,
    backend: Backend,
    store_id: i64,
    events: &[ValidEvent],
    exclusive: bool,
) -> Result<Vec<EventResult>> {
    let now = now_ms();
    locks::store(conn, backend, store_id, exclusive).await?;
    if backend == Backend::Postgres {
        locks::keys(conn, backend, &lock_keys(store_id, events)).await?;
    }
    let mut touched = BTreeSet::new();
    let mut retitled = Vec::new();
    let mut results = Vec::with_capacity(events.len());
    let logged: Vec<(&str, &str, i64)> = events
        .iter()
        .map(|e| (e.event_id.as_str(), e.kind, e.occurred_at.get()))
        .collect();
    let new_ids = write::log_events(conn, store_id, &logged, now).await?;
    // A repeat within the batch: only its first occurrence is applied.
    let mut applied = BTreeSet::new();
    for event in events {
        let id = event.event_id.as_str();
        let fresh = new_ids.contains(id) && applied.insert(id);
        if fresh {
            apply_fact(
                conn,
                backend,
                store_id,
                event,
                now,
                &mut touched,
                &mut retitled,
            )
            .await?;
        }
        results.push(EventResult {
            event_id: id.to_string(),
            status: if fresh {
                EventStatus::Applied
            } else {
                EventStatus::Duplicate
            },
        });
    }
    for (kind, item_id) in retitled {
        locks::item_users_rows(conn, backend, kind, item_id).await?;
        derive(conn, Scope::item(store_id, kind, item_id), now).await?;
    }
    for scope in runs(&touched, backend) {
        derive(conn, scope, now).await?;
    }
    Ok(results)
}

/// The touched customers as few range scopes: one statement derives a run
/// of user ids (new users of a batch get consecutive ids) much faster than
/// one per user. On SQLite (one writer) a run may skip up to 32 untouched
/// ids, which are derived again harmlessly; on Postgres a run only covers
/// touched users, since only their rows are locked by this transaction.
fn runs(touched: &BTreeSet<(i64, i64)>, backend: Backend) -> Vec<Scope> {
    let gap = match backend {
        Backend::Sqlite => 32,
        Backend::Postgres => 1,
    };
    let mut scopes: Vec<Scope> = Vec::new();
    for &(store, user) in touched {
        match scopes.last_mut() {
            Some(run) if run.store_id == store && user - run.to_user <= gap => run.to_user = user,
            _ => scopes.push(Scope::user(store, user)),
        }
    }
    scopes
}

/// The advisory lock keys of a batch (see [`locks::keys`]).
fn lock_keys(store_id: i64, events: &[ValidEvent]) -> Vec<String> {
    let mut keys = Vec::new();
    for event in events {
        let (user, purchase) = match &event.fact {
            Fact::Enrollment { user, .. }
            | Fact::Progress { user, .. }
            | Fact::Subscription { user, .. }
            | Fact::Lead { user, .. } => (Some(user), None),
            Fact::Purchase { user, purchase, .. } => (Some(user), Some(purchase)),
            Fact::Refund { purchase } => (None, Some(purchase)),
            Fact::Catalog(_) => (None, None),
        };
        if let Some(user) = user {
            keys.push(match &user.email {
                Some(email) => format!("email:{}", email.normalized()),
                None => format!("user:{}", user.external_id.as_str()),
            });
        }
        if let Some(purchase) = purchase {
            keys.push(format!("purchase:{store_id}:{}", purchase.as_str()));
        }
    }
    keys
}

/// Records one event's fact; adds the customers to derive to `touched` and
/// the catalog entries whose title changed to `retitled`.
async fn apply_fact(
    conn: &mut AnyConnection,
    backend: Backend,
    store_id: i64,
    event: &ValidEvent,
    now: i64,
    touched: &mut BTreeSet<(i64, i64)>,
    retitled: &mut Vec<(CatalogKind, i64)>,
) -> Result<()> {
    let at = event.occurred_at.get();
    let mut user_of = async |conn: &mut AnyConnection, user: &super::ValidUser| -> Result<i64> {
        let resolved = users::resolve(conn, backend, user, at, now).await?;
        touched.insert((store_id, resolved.user_id));
        if resolved.profile_changed {
            for other in users::other_stores(conn, resolved.user_id, store_id).await? {
                touched.insert((other, resolved.user_id));
            }
        }
        Ok(resolved.user_id)
    };
    match &event.fact {
        Fact::Enrollment { user, course } | Fact::Progress { user, course, .. } => {
            let progress = match &event.fact {
                Fact::Progress { progress, .. } => Some(progress.get()),
                _ => None,
            };
            let user_id = user_of(conn, user).await?;
            let course_id =
                write::catalog_id(conn, CatalogKind::Course, store_id, course.as_str(), now)
                    .await?;
            write::upsert_enrollment(conn, store_id, course_id, user_id, at, progress).await?;
        }
        Fact::Purchase {
            user,
            purchase,
            item,
            amount,
            currency,
        } => {
            let user_id = user_of(conn, user).await?;
            let (kind, external) = match item {
                Item::Course(id) => (CatalogKind::Course, id),
                Item::Product(id) => (CatalogKind::Product, id),
                Item::Plan(id) => (CatalogKind::Plan, id),
            };
            let item_id = write::catalog_id(conn, kind, store_id, external.as_str(), now).await?;
            let of = |k| (kind == k).then_some(item_id);
            write::upsert_purchase(
                conn,
                write::PurchaseRow {
                    store_id,
                    external_id: purchase.as_str(),
                    user_id,
                    course_id: of(CatalogKind::Course),
                    product_id: of(CatalogKind::Product),
                    plan_id: of(CatalogKind::Plan),
                    amount_cents: amount.get(),
                    currency: currency.as_str(),
                    paid_at: at,
                },
                now,
            )
            .await?;
        }
        Fact::Refund { purchase } => {
            if let Some(user_id) =
                write::refund_purchase(conn, store_id, purchase.as_str(), at, now).await?
            {
                locks::user(conn, backend, user_id).await?;
                touched.insert((store_id, user_id));
            }
        }
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
        } => {
            let user_id = user_of(conn, user).await?;
            let plan_id =
                write::catalog_id(conn, CatalogKind::Plan, store_id, plan.as_str(), now).await?;
            let subscriber = write::upsert_subscription(
                conn,
                write::SubscriptionRow {
                    store_id,
                    external_id: subscription.as_str(),
                    user_id,
                    plan_id,
                    amount_cents: amount.get(),
                    currency: currency.as_str(),
                    interval: interval.as_str(),
                    status: status.as_str(),
                    started_at: started_at.get(),
                    current_period_end: current_period_end.map(|t| t.get()),
                    status_at: at,
                    status_event: event.event_id.as_str(),
                },
                now,
            )
            .await?;
            if subscriber != user_id {
                locks::user(conn, backend, subscriber).await?;
                touched.insert((store_id, subscriber));
            }
        }
        Fact::Lead { user, source } => {
            let user_id = user_of(conn, user).await?;
            write::upsert_lead(conn, store_id, user_id, source.as_str(), at).await?;
        }
        Fact::Catalog(entry) => {
            let id = event.event_id.as_str();
            if let Some(item_id) = write::upsert_catalog(conn, store_id, entry, at, id, now).await?
            {
                retitled.push((entry.kind, item_id));
            }
        }
    }
    Ok(())
}
