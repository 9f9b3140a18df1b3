//! The customer detail page (`/store/{store_id}/customers/{customer_id}`):
//! the profile, lifetime value per currency, every course with its progress
//! and milestones, every product, every subscription with its history, and
//! the tags. The timeline is paged separately ([`super::timeline`]), the
//! notes listed by [`super::notes`].

use serde::{Deserialize, Serialize};
use sqlx::{Row, any::AnyRow};

use super::{
    DEFAULT_ACTIVE_WINDOW_MS,
    filter::{CustomerType, Status},
    ltv::{self, CustomerValue},
    owned::IDENTITIES_OF,
    tags::{self, TagRef},
};
use crate::{Db, Error, Result};

/// Who the customer is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// The customer id (the page's URL).
    pub id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub customer_type: CustomerType,
    pub status: Status,
    /// How they first came: `course`, `product`, `subscription`, `lead` or
    /// `import`.
    pub source_kind: String,
    /// The course, product, plan or lead source (e.g. "import: contacts.csv").
    pub source_title: String,
    pub joined_at: i64,
    pub last_activity_at: i64,
    /// Net spent in the store's currency (`currency`).
    pub total_spent_cents: i64,
    pub currency: String,
}

/// A course: progress, access and the milestones reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseEntry {
    pub enrollment_id: i64,
    pub course_id: i64,
    pub title: String,
    pub progress: i64,
    pub enrolled_at: i64,
    pub last_accessed_at: i64,
    /// (percent, reached_at) for 25/50/75/100 reached, in percent order.
    pub milestones: Vec<(i64, i64)>,
}

/// A purchase of a course or a product (plan payments are in
/// [`SubscriptionEntry::payments`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseEntry {
    pub purchase_id: i64,
    /// `course` or `product`.
    pub item_kind: String,
    pub item_id: i64,
    pub title: String,
    pub amount_cents: i64,
    pub currency: String,
    pub paid_at: i64,
    pub refunded_at: Option<i64>,
}

/// One report of a subscription's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionChange {
    pub at: i64,
    pub status: String,
    pub plan: String,
    pub amount_cents: i64,
    pub currency: String,
}

/// A subscription, as now and as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionEntry {
    pub subscription_id: i64,
    pub plan_id: i64,
    pub plan: String,
    pub status: String,
    pub amount_cents: i64,
    pub currency: String,
    pub interval: String,
    pub started_at: i64,
    pub current_period_end: Option<i64>,
    /// Every report, oldest first. A subscription loaded in bulk (without
    /// reports) shows its current state at its status time.
    pub history: Vec<SubscriptionChange>,
}

/// Everything the detail page shows but the timeline and notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerDetail {
    pub profile: Profile,
    /// Paid, refunded and net (lifetime value) per currency.
    pub value: Vec<CustomerValue>,
    pub courses: Vec<CourseEntry>,
    pub purchases: Vec<PurchaseEntry>,
    /// Payments of plans (subscription payments), newest first.
    pub payments: Vec<PurchaseEntry>,
    pub subscriptions: Vec<SubscriptionEntry>,
    pub tags: Vec<TagRef>,
}

/// The detail of customer `customer_id` of the store; another store's
/// customer is not found.
#[tracing::instrument(skip(db))]
pub async fn customer_detail(
    db: &Db,
    store_id: i64,
    customer_id: i64,
    now_ms: i64,
) -> Result<CustomerDetail> {
    let profile = profile(db, store_id, customer_id, now_ms).await?;
    let value = ltv::value_of_customer(db.reader(), store_id, customer_id).await?;
    let courses = courses(db, store_id, customer_id).await?;
    let (purchases, payments) = purchases(db, store_id, customer_id).await?;
    let subscriptions = subscriptions(db, store_id, customer_id).await?;
    let tags = tags::tags_of_customer(db.reader(), store_id, customer_id).await?;
    Ok(CustomerDetail {
        profile,
        value,
        courses,
        purchases,
        payments,
        subscriptions,
        tags,
    })
}

/// The profile of customer `customer_id` of the store.
pub async fn profile(db: &Db, store_id: i64, customer_id: i64, now_ms: i64) -> Result<Profile> {
    let row = sqlx::query(&format!(
        "SELECT c.id, c.name, c.email, c.type, c.has_active_subscription, c.source_kind, \
                {} AS source_title, c.joined_at, c.last_activity_at, c.total_spent_cents, \
                s.currency \
         FROM customers c JOIN stores s ON s.id = c.store_id \
         WHERE c.store_id = $1 AND c.id = $2",
        super::SOURCE_TITLE_SQL
    ))
    .bind(store_id)
    .bind(customer_id)
    .fetch_optional(db.reader())
    .await?
    .ok_or(Error::NotFound("customer"))?;
    let active = row.try_get::<i64, _>("has_active_subscription")? != 0;
    let last_activity_at: i64 = row.try_get("last_activity_at")?;
    Ok(Profile {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        customer_type: CustomerType::parse(row.try_get::<&str, _>("type")?)?,
        status: Status::parse(super::status(
            active,
            last_activity_at,
            now_ms,
            DEFAULT_ACTIVE_WINDOW_MS,
        ))?,
        source_kind: row.try_get("source_kind")?,
        source_title: row.try_get("source_title")?,
        joined_at: row.try_get("joined_at")?,
        last_activity_at,
        total_spent_cents: row.try_get("total_spent_cents")?,
        currency: row.try_get("currency")?,
    })
}

/// The milestones an enrollment row shows: the recorded ones, and for an
/// enrollment loaded in bulk without any, those its progress has reached at
/// its progress time (the same rule as the timeline).
pub(crate) const MILESTONE_ROWS: &str = "
    SELECT m.enrollment_id, m.percent, m.reached_at
    FROM enrollment_milestones m
    WHERE m.store_id = $1 AND m.identity_id IN {identities}
    UNION ALL
    SELECT e.id, t.percent, e.progress_at
    FROM enrollments e CROSS JOIN {milestones} t
    WHERE e.store_id = $1 AND e.identity_id IN {identities} AND e.progress >= t.percent
      AND e.progress_at > 0
      AND NOT EXISTS (SELECT 1 FROM enrollment_milestones m
                      WHERE m.enrollment_id = e.id AND m.percent = t.percent)";

/// [`MILESTONE_ROWS`] with its thresholds filled in.
pub(crate) fn milestone_rows() -> String {
    let milestones: Vec<String> = crate::facts::MILESTONES
        .iter()
        .map(|p| format!("SELECT {p} AS percent"))
        .collect();
    MILESTONE_ROWS
        .replace(
            "{milestones}",
            &format!("({})", milestones.join(" UNION ALL ")),
        )
        .replace("{identities}", IDENTITIES_OF)
}

async fn courses(db: &Db, store_id: i64, customer_id: i64) -> Result<Vec<CourseEntry>> {
    let mut courses: Vec<CourseEntry> = sqlx::query(&format!(
        "SELECT e.id, co.id, COALESCE(co.title, co.external_id), e.progress, e.enrolled_at, \
                e.last_accessed_at \
         FROM enrollments e JOIN courses co ON co.id = e.course_id \
         WHERE e.store_id = $1 AND e.identity_id IN {IDENTITIES_OF} \
         ORDER BY e.last_accessed_at DESC, e.id"
    ))
    .bind(store_id)
    .bind(customer_id)
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(|row| {
        Ok(CourseEntry {
            enrollment_id: row.try_get(0)?,
            course_id: row.try_get(1)?,
            title: row.try_get(2)?,
            progress: row.try_get(3)?,
            enrolled_at: row.try_get(4)?,
            last_accessed_at: row.try_get(5)?,
            milestones: Vec::new(),
        })
    })
    .collect::<Result<_>>()?;
    let rows = sqlx::query(&format!(
        "SELECT x.enrollment_id, x.percent, x.reached_at FROM ({}) x \
         ORDER BY x.enrollment_id, x.percent",
        milestone_rows()
    ))
    .bind(store_id)
    .bind(customer_id)
    .fetch_all(db.reader())
    .await?;
    for row in rows {
        let enrollment: i64 = row.try_get(0)?;
        if let Some(course) = courses.iter_mut().find(|c| c.enrollment_id == enrollment) {
            course.milestones.push((row.try_get(1)?, row.try_get(2)?));
        }
    }
    Ok(courses)
}

fn purchase_from(row: &AnyRow) -> Result<PurchaseEntry> {
    Ok(PurchaseEntry {
        purchase_id: row.try_get(0)?,
        item_kind: row.try_get(1)?,
        item_id: row.try_get(2)?,
        title: row.try_get(3)?,
        amount_cents: row.try_get(4)?,
        currency: row.try_get(5)?,
        paid_at: row.try_get(6)?,
        refunded_at: row.try_get(7)?,
    })
}

/// (courses and products, plan payments), each newest first.
async fn purchases(
    db: &Db,
    store_id: i64,
    customer_id: i64,
) -> Result<(Vec<PurchaseEntry>, Vec<PurchaseEntry>)> {
    let rows = sqlx::query(&format!(
        "SELECT p.id, \
                CASE WHEN p.course_id IS NOT NULL THEN 'course' \
                     WHEN p.product_id IS NOT NULL THEN 'product' ELSE 'plan' END, \
                COALESCE(p.course_id, p.product_id, p.plan_id), \
                COALESCE(c.title, c.external_id, d.title, d.external_id, n.title, n.external_id), \
                p.amount_cents, p.currency, p.paid_at, p.refunded_at \
         FROM purchases p \
         LEFT JOIN courses c ON c.id = p.course_id \
         LEFT JOIN products d ON d.id = p.product_id \
         LEFT JOIN plans n ON n.id = p.plan_id \
         WHERE p.store_id = $1 AND p.identity_id IN {IDENTITIES_OF} AND p.paid_at IS NOT NULL \
         ORDER BY p.paid_at DESC, p.id DESC"
    ))
    .bind(store_id)
    .bind(customer_id)
    .fetch_all(db.reader())
    .await?;
    let mut purchases = Vec::new();
    let mut payments = Vec::new();
    for row in &rows {
        let entry = purchase_from(row)?;
        if entry.item_kind == "plan" {
            payments.push(entry);
        } else {
            purchases.push(entry);
        }
    }
    Ok((purchases, payments))
}

async fn subscriptions(db: &Db, store_id: i64, customer_id: i64) -> Result<Vec<SubscriptionEntry>> {
    let mut subscriptions: Vec<SubscriptionEntry> = sqlx::query(&format!(
        "SELECT s.id, s.plan_id, COALESCE(n.title, n.external_id), s.status, s.amount_cents, \
                s.currency, s.billing_interval, s.started_at, s.current_period_end, s.status_at \
         FROM subscriptions s JOIN plans n ON n.id = s.plan_id \
         WHERE s.store_id = $1 AND s.identity_id IN {IDENTITIES_OF} \
         ORDER BY s.started_at DESC, s.id DESC"
    ))
    .bind(store_id)
    .bind(customer_id)
    .fetch_all(db.reader())
    .await?
    .iter()
    .map(|row| {
        let status: String = row.try_get(3)?;
        let plan: String = row.try_get(2)?;
        let (amount, currency): (i64, String) = (row.try_get(4)?, row.try_get(5)?);
        Ok(SubscriptionEntry {
            subscription_id: row.try_get(0)?,
            plan_id: row.try_get(1)?,
            // Until the reports are read: the current state at its time.
            history: vec![SubscriptionChange {
                at: row.try_get(9)?,
                status: status.clone(),
                plan: plan.clone(),
                amount_cents: amount,
                currency: currency.clone(),
            }],
            plan,
            status,
            amount_cents: amount,
            currency,
            interval: row.try_get(6)?,
            started_at: row.try_get(7)?,
            current_period_end: row.try_get(8)?,
        })
    })
    .collect::<Result<_>>()?;
    // The history of the customer's subscriptions (whoever each report named).
    let rows = sqlx::query(&format!(
        "SELECT h.subscription_id, h.happened_at, h.status, COALESCE(n.title, n.external_id), \
                h.amount_cents, h.currency \
         FROM subscription_changes h JOIN plans n ON n.id = h.plan_id \
         WHERE h.store_id = $1 AND h.subscription_id IN \
             (SELECT s.id FROM subscriptions s WHERE s.store_id = $1 \
              AND s.identity_id IN {IDENTITIES_OF}) \
         ORDER BY h.subscription_id, h.happened_at, h.event_id"
    ))
    .bind(store_id)
    .bind(customer_id)
    .fetch_all(db.reader())
    .await?;
    let mut recorded: Vec<(i64, SubscriptionChange)> = Vec::with_capacity(rows.len());
    for row in &rows {
        recorded.push((
            row.try_get(0)?,
            SubscriptionChange {
                at: row.try_get(1)?,
                status: row.try_get(2)?,
                plan: row.try_get(3)?,
                amount_cents: row.try_get(4)?,
                currency: row.try_get(5)?,
            },
        ));
    }
    for subscription in &mut subscriptions {
        let history: Vec<SubscriptionChange> = recorded
            .iter()
            .filter(|(id, _)| *id == subscription.subscription_id)
            .map(|(_, change)| change.clone())
            .collect();
        if !history.is_empty() {
            subscription.history = history;
        }
    }
    Ok(subscriptions)
}
