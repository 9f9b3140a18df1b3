//! A segment's rules (`domain::segment`) as one SQL condition over the
//! `customers` row `c`, ANDed into the customers page's filtered set by
//! `search::Filtered`, so a segment's count, its page, its export and its
//! bulk tag all agree on who belongs.
//!
//! Every subquery reads one kind of fact of the store and answers customer
//! ids ([`keyed_by_customer`]), never NULL: the groups' `NOT` and the "has
//! not" rules must not meet SQL's unknown.

use domain::{
    customer::Status,
    segment::{Combine, Condition, Engagement, Group, Progress, Rule, When},
};

use super::{DEFAULT_ACTIVE_WINDOW_MS, tags::TagName};
use crate::{Backend, sql::Sql};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The condition of a whole definition. `store` is the placeholder already
/// bound to the store's id; relative dates count back from `now_ms`.
pub(crate) fn condition(
    sql: &mut Sql,
    backend: Backend,
    store: &str,
    group: &Group,
    now_ms: i64,
) -> String {
    let parts: Vec<String> = group
        .rules
        .iter()
        .map(|rule| match rule {
            Rule::Group(inner) => condition(sql, backend, store, inner, now_ms),
            Rule::Condition(c) => one(sql, backend, store, c, now_ms),
        })
        .collect();
    match (group.combine, parts.is_empty()) {
        (Combine::Any, true) => "1 = 0".into(),
        (_, true) => "1 = 1".into(),
        (Combine::All, false) => format!("({})", parts.join(" AND ")),
        (Combine::Any, false) => format!("({})", parts.join(" OR ")),
        (Combine::None, false) => format!("(NOT ({}))", parts.join(" OR ")),
    }
}

fn one(sql: &mut Sql, backend: Backend, store: &str, condition: &Condition, now_ms: i64) -> String {
    match condition {
        // The type's word comes from the enum, never from input.
        Condition::Type { is } => format!("c.type = '{}'", is.as_str()),
        Condition::Status { is } => status(sql, *is, now_ms),
        Condition::TotalSpent { min, max } => range(sql, "c.total_spent_cents", *min, *max),
        Condition::Joined { when } => moment(sql, "c.joined_at", *when, now_ms),
        Condition::LastActivity { when } => moment(sql, "c.last_activity_at", *when, now_ms),
        Condition::Enrolled { course, progress } => {
            let mut filter = course_filter(sql, *course);
            match progress {
                // Below: the customer's best progress in that course (an
                // owner means the person, whichever identity enrolled).
                Some(Progress::Below(n)) => {
                    let n = sql.arg(i64::from(*n));
                    let facts = keyed_by_customer(
                        store,
                        "enrollments x",
                        ", x.course_id, x.progress",
                        &filter,
                        Drive::for_item(backend, *course),
                    );
                    return format!(
                        "c.id IN (SELECT f.cid FROM ({facts}) f \
                         GROUP BY f.cid, f.course_id HAVING MAX(f.progress) < {n})"
                    );
                }
                Some(Progress::AtLeast(n)) => {
                    let n = sql.arg(i64::from(*n));
                    filter.push_str(&format!(" AND x.progress >= {n}"));
                }
                None => {}
            }
            member(
                store,
                "enrollments x",
                &filter,
                Drive::for_item(backend, *course),
            )
        }
        Condition::Completed { course } => {
            let filter = course_filter(sql, *course);
            member(
                store,
                "enrollments x",
                &format!("{filter} AND x.progress = 100"),
                Drive::for_item(backend, *course),
            )
        }
        Condition::Bought { product } => {
            let drive = Drive::for_item(backend, *product);
            let product = match product {
                Some(id) => format!("x.product_id = {}", sql.arg(*id)),
                None => "x.product_id IS NOT NULL".into(),
            };
            member(
                store,
                "purchases x",
                &format!(" AND {product} AND x.paid_at IS NOT NULL AND x.refunded_at IS NULL"),
                drive,
            )
        }
        Condition::Subscription { status, plan } => {
            let mut filter = String::new();
            if let Some(status) = status {
                // The status word comes from the enum, never from input.
                filter.push_str(&format!(" AND x.status = '{}'", status.as_str()));
            }
            if let Some(plan) = plan {
                filter.push_str(&format!(" AND x.plan_id = {}", sql.arg(*plan)));
            }
            // A store has one subscription per subscriber at most: few.
            member(store, "subscriptions x", &filter, Drive::few(backend))
        }
        Condition::Tag { name, has } => tag(sql, backend, store, name, *has),
        Condition::HasEmail { has: true } => "c.email_normalized IS NOT NULL".into(),
        Condition::HasEmail { has: false } => "c.email_normalized IS NULL".into(),
        Condition::Consent { is } => crate::consent::condition(store, *is),
        Condition::Engagement {
            action,
            campaign,
            within_days,
            did,
        } => engagement(sql, store, *action, *campaign, *within_days, *did, now_ms),
    }
}

/// The one definition of status as a condition (see `super::status`).
pub(crate) fn status(sql: &mut Sql, status: Status, now_ms: i64) -> String {
    let cutoff = sql.arg(now_ms.saturating_sub(DEFAULT_ACTIVE_WINDOW_MS));
    match status {
        Status::Active => {
            format!("(c.has_active_subscription = 1 OR c.last_activity_at >= {cutoff})")
        }
        Status::Inactive => {
            format!("(c.has_active_subscription = 0 AND c.last_activity_at < {cutoff})")
        }
    }
}

/// The customers who carry (`has`) or do not carry the store's tag `name`
/// (any case): the segment rule and the customers page's tag filter.
pub(crate) fn tag(sql: &mut Sql, backend: Backend, store: &str, name: &str, has: bool) -> String {
    // Validated with the query or the definition; names are unique per
    // store in their normalised form.
    let normalized = TagName::parse("tag", name)
        .map(|name| name.normalized().to_string())
        .unwrap_or_default();
    let tag = sql.arg(normalized);
    let carriers = keyed_by_customer(
        store,
        "customer_tags x",
        "",
        &format!(
            " AND x.tag_id IN (SELECT t.id FROM tags t \
             WHERE t.store_id = {store} AND t.name_normalized = {tag})"
        ),
        Drive::few(backend),
    );
    if has {
        format!("c.id IN ({carriers})")
    } else {
        format!("c.id NOT IN ({carriers})")
    }
}

/// ` AND x.course_id = $n`, or nothing for any course.
fn course_filter(sql: &mut Sql, course: Option<i64>) -> String {
    match course {
        Some(id) => format!(" AND x.course_id = {}", sql.arg(id)),
        None => String::new(),
    }
}

/// The customers with a fact of `table` (alias `x`, with `store_id` and
/// `identity_id`) passing `filter` (text after the store's condition).
fn member(store: &str, table: &str, filter: &str, drive: Drive) -> String {
    format!(
        "c.id IN ({})",
        keyed_by_customer(store, table, "", filter, drive)
    )
}

/// Which side a fact subquery reads first.
#[derive(Clone, Copy)]
enum Drive {
    /// The facts passing the filter, each following its identity to its
    /// customer by primary key: for filters that keep few facts (a given
    /// course, product, plan or tag), whatever the number of merged
    /// identities (a store that imported its contacts has one per contact).
    Facts,
    /// The facts of anchors directly (a customer's id is its anchor
    /// identity's id), plus those of identities merged into another
    /// customer through the partial index `identities_merged`: for filters
    /// that keep most of the store's facts ("any course"), where a probe
    /// per fact would cost more than reading the merged identities once.
    Anchors,
}

impl Drive {
    /// For a filter that keeps few facts. SQLite answers a join only by
    /// nested loops, so the merged identities' branch probes the facts
    /// once per merged identity (191,965 after the benchmark's import: the
    /// issue's segment counted in 172 ms at p95, 74 ms driven by facts).
    /// Postgres hashes the merged identities once and the union is the
    /// faster there (35 ms against 80 ms for the same rule and store).
    fn few(backend: Backend) -> Drive {
        match backend {
            Backend::Sqlite => Drive::Facts,
            Backend::Postgres => Drive::Anchors,
        }
    }

    /// A given item keeps few facts; any item keeps most.
    fn for_item(backend: Backend, item: Option<i64>) -> Drive {
        match item {
            Some(_) => Drive::few(backend),
            None => Drive::Anchors,
        }
    }
}

/// The facts of `table` passing `filter`, each as `(cid, columns…)`: `cid`
/// is its customer's id. Facts of an identity not in any customer get keys
/// no customer has (0, or the identity's own id), so they match nothing
/// and are never NULL.
fn keyed_by_customer(
    store: &str,
    table: &str,
    columns: &str,
    filter: &str,
    drive: Drive,
) -> String {
    match drive {
        Drive::Facts => format!(
            "SELECT COALESCE((SELECT i.customer_id FROM identities i \
             WHERE i.store_id = {store} AND i.id = x.identity_id), 0) AS cid{columns} \
             FROM {table} WHERE x.store_id = {store}{filter}"
        ),
        Drive::Anchors => format!(
            "SELECT x.identity_id AS cid{columns} FROM {table} WHERE x.store_id = {store}{filter} \
             UNION ALL \
             SELECT i.customer_id{columns} FROM identities i JOIN {table} ON x.identity_id = i.id \
             WHERE i.store_id = {store} AND i.customer_id <> i.id AND x.store_id = {store}{filter}"
        ),
    }
}

/// The customers who did (or, `did` false, did not) `action` with the
/// store's campaign `campaign` (or any), within the last `within_days`.
/// Received: a message sent to them; opened: an open or a click (a mail
/// program that hides images still follows links); clicked: a click.
fn engagement(
    sql: &mut Sql,
    store: &str,
    action: Engagement,
    campaign: Option<i64>,
    within_days: Option<u32>,
    did: bool,
    now_ms: i64,
) -> String {
    let mut filter = String::new();
    if let Some(campaign) = campaign {
        filter.push_str(&format!(" AND x.campaign_id = {}", sql.arg(campaign)));
    }
    let since = within_days.map(|days| sql.arg(now_ms.saturating_sub(i64::from(days) * DAY_MS)));
    let (table, moment) = match action {
        Engagement::Received => {
            filter.push_str(" AND x.status = 'sent'");
            ("campaign_messages x", "x.sent_at")
        }
        Engagement::Opened => {
            filter.push_str(" AND x.kind IN ('open', 'click')");
            ("campaign_events x", "x.at")
        }
        Engagement::Clicked => {
            filter.push_str(" AND x.kind = 'click'");
            ("campaign_events x", "x.at")
        }
    };
    if let Some(since) = since {
        filter.push_str(&format!(" AND {moment} >= {since}"));
    }
    // A campaign row carries its customer's id at sending (an anchor
    // identity's id); a merge since is followed through that identity, one
    // primary-key probe per row: a store whose contacts were imported has as
    // many merged identities as customers, far more than campaign rows. An
    // erased identity gives 0, which no customer has (never NULL: NOT IN).
    let who = format!(
        "SELECT COALESCE((SELECT i.customer_id FROM identities i \
         WHERE i.store_id = {store} AND i.id = x.customer_id), 0) \
         FROM {table} WHERE x.store_id = {store}{filter}"
    );
    if did {
        format!("c.id IN ({who})")
    } else {
        format!("c.id NOT IN ({who})")
    }
}

fn range(sql: &mut Sql, column: &str, min: Option<i64>, max: Option<i64>) -> String {
    let mut parts = Vec::new();
    if let Some(min) = min {
        parts.push(format!("{column} >= {}", sql.arg(min)));
    }
    if let Some(max) = max {
        parts.push(format!("{column} <= {}", sql.arg(max)));
    }
    if parts.is_empty() {
        return "1 = 1".into();
    }
    format!("({})", parts.join(" AND "))
}

fn moment(sql: &mut Sql, column: &str, when: When, now_ms: i64) -> String {
    let days_back = |days: u32| now_ms.saturating_sub(i64::from(days) * DAY_MS);
    match when {
        When::Between { from, to } => range(sql, column, from, to),
        When::MoreThanDaysAgo(days) => format!("{column} < {}", sql.arg(days_back(days))),
        When::WithinDays(days) => format!("{column} >= {}", sql.arg(days_back(days))),
    }
}
