//! THE definition of a customer row, derived from the facts. The live path
//! (one user, inside the transaction that records a fact) and the bulk paths
//! (seed, backfill: a store's whole user range) run these same statements.
//!
//! Per (store, user) with at least one fact:
//! - type: `subscription` if any subscription is active or trialing, else
//!   `paying` if the net of completed payments (any currency) is above zero,
//!   else `lead`;
//! - total_spent_cents: net completed payments in the store's currency
//!   (`customer_totals` holds every currency);
//! - joined_at / last_activity_at: earliest / newest fact timestamp;
//! - source: kind and title of the earliest fact (ties: kind, then title);
//!   a purchase of a plan counts as kind `subscription`;
//! - counts: enrollments, distinct products kept, payments kept;
//! - search_text: lowercased name, normalised email and the distinct titles of
//!   the customer's courses and products (commas in titles become spaces).
//!
//! Status is time-dependent and not stored: see [`super::status_sql`].
//! A row whose derived values do not change is not written (its `version`
//! stays), so the statement reports created (version 1) and updated rows.

use sqlx::AnyConnection;

use crate::{Result, events::CatalogKind};

/// Which customers of a store to derive: users in `from..=to`, optionally
/// only those with a fact about one catalog entry (after its title changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    pub store_id: i64,
    pub from_user: i64,
    pub to_user: i64,
    pub item: Option<(CatalogKind, i64)>,
}

impl Scope {
    /// One customer.
    pub fn user(store_id: i64, user_id: i64) -> Scope {
        Scope {
            store_id,
            from_user: user_id,
            to_user: user_id,
            item: None,
        }
    }

    /// Every customer of a store.
    pub fn store(store_id: i64) -> Scope {
        Scope {
            store_id,
            from_user: i64::MIN,
            to_user: i64::MAX,
            item: None,
        }
    }

    /// Every customer of a store with a fact about a catalog entry.
    pub fn item(store_id: i64, kind: CatalogKind, id: i64) -> Scope {
        Scope {
            item: Some((kind, id)),
            ..Scope::store(store_id)
        }
    }

    /// The predicate on `{alias}.user_id` (parameters: $2, $3 and $5).
    fn predicate(&self, alias: &str) -> String {
        let range = format!("{alias}.user_id BETWEEN $2 AND $3");
        match self.item {
            None => range,
            Some((kind, _)) => format!("{range} AND {alias}.user_id IN ({})", item_users(kind)),
        }
    }
}

/// The users with a fact about catalog entry `$5` of a kind.
pub(crate) fn item_users(kind: CatalogKind) -> &'static str {
    match kind {
        CatalogKind::Course => {
            "SELECT user_id FROM enrollments WHERE course_id = $5 \
             UNION SELECT user_id FROM purchases WHERE course_id = $5"
        }
        CatalogKind::Product => "SELECT user_id FROM purchases WHERE product_id = $5",
        CatalogKind::Plan => {
            "SELECT user_id FROM subscriptions WHERE plan_id = $5 \
             UNION SELECT user_id FROM purchases WHERE plan_id = $5"
        }
    }
}

/// What a derivation did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Derived {
    pub created: u64,
    pub updated: u64,
}

impl std::ops::AddAssign for Derived {
    fn add_assign(&mut self, other: Derived) {
        self.created += other.created;
        self.updated += other.updated;
    }
}

/// The customers statement for a scope (parameters $1 store, $2..$3 user
/// range, $4 now, $5 item), e.g. to EXPLAIN it.
///
/// One pass: the facts of the scope as uniform rows, one GROUP BY user, one
/// join to `users` by primary key, so the plan stays linear on both engines
/// whatever their row estimates. The earliest fact is found as the minimum of
/// `at || kind code || title` (timestamps after 2000 have 13 digits, so the
/// text sorts by time first); kind codes sort like the kind names.
pub fn customers_sql(scope: &Scope, postgres: bool) -> String {
    let (e, p, s, l) = (
        scope.predicate("e"),
        scope.predicate("p"),
        scope.predicate("s"),
        scope.predicate("l"),
    );
    // Distinct lowercased titles, sorted, comma separated (dialects differ).
    let titles = if postgres {
        "string_agg(DISTINCT f.search_title, ',' ORDER BY f.search_title)"
    } else {
        "group_concat(DISTINCT f.search_title ORDER BY f.search_title)"
    };
    format!(
        "INSERT INTO customers (store_id, user_id, name, email, email_normalized, type, \
            has_active_subscription, total_spent_cents, last_activity_at, joined_at, \
            source_kind, source_title, courses_count, products_count, purchases_count, \
            search_text, version, created_at, updated_at)
        SELECT $1, g.user_id, u.name, u.email, u.email_normalized,
               CASE WHEN g.active = 1 THEN 'subscription'
                    WHEN g.net > 0 THEN 'paying'
                    ELSE 'lead' END,
               g.active, g.spent, g.last_at, g.joined_at,
               CASE substr(g.first, 14, 1) WHEN '1' THEN 'course' WHEN '2' THEN 'lead'
                    WHEN '3' THEN 'product' ELSE 'subscription' END,
               substr(g.first, 15),
               g.courses, g.products, g.purchases,
               trim(lower(COALESCE(u.name, '')) || ' ' || COALESCE(u.email_normalized, '')
                    || ' ' || replace(COALESCE(g.titles, ''), ',', ' ')),
               1, $4, $4
        FROM (
            SELECT f.user_id,
                   MIN(f.at) AS joined_at,
                   MAX(f.last_at) AS last_at,
                   MIN(CAST(f.at AS TEXT) || f.code || f.title) AS first,
                   CAST(SUM(CASE WHEN f.currency = st.currency THEN f.kept ELSE 0 END) AS BIGINT)
                       AS spent,
                   CAST(SUM(f.kept) AS BIGINT) AS net,
                   CAST(SUM(f.purchase) AS BIGINT) AS purchases,
                   COUNT(DISTINCT f.product) AS products,
                   CAST(SUM(f.enrollment) AS BIGINT) AS courses,
                   CAST(MAX(f.active) AS BIGINT) AS active,
                   {titles} AS titles
            FROM (
                SELECT e.user_id, e.enrolled_at AS at, e.last_accessed_at AS last_at,
                       '1' AS code, COALESCE(c.title, c.external_id) AS title,
                       lower(COALESCE(c.title, c.external_id)) AS search_title,
                       CAST(NULL AS TEXT) AS currency, CAST(0 AS BIGINT) AS kept,
                       CAST(0 AS BIGINT) AS purchase, CAST(NULL AS BIGINT) AS product,
                       CAST(1 AS BIGINT) AS enrollment, CAST(0 AS BIGINT) AS active
                FROM enrollments e JOIN courses c ON c.id = e.course_id
                WHERE e.store_id = $1 AND {e}
                UNION ALL
                SELECT p.user_id, p.paid_at, p.paid_at,
                       CASE WHEN p.course_id IS NOT NULL THEN '1'
                            WHEN p.product_id IS NOT NULL THEN '3' ELSE '4' END,
                       COALESCE(c.title, c.external_id, d.title, d.external_id,
                                n.title, n.external_id),
                       CASE WHEN p.plan_id IS NULL
                            THEN lower(COALESCE(c.title, c.external_id, d.title, d.external_id))
                       END,
                       p.currency,
                       CASE WHEN p.refunded_at IS NULL THEN p.amount_cents ELSE 0 END,
                       CASE WHEN p.refunded_at IS NULL THEN 1 ELSE 0 END,
                       CASE WHEN p.refunded_at IS NULL THEN p.product_id END,
                       0, 0
                FROM purchases p
                LEFT JOIN courses c ON c.id = p.course_id
                LEFT JOIN products d ON d.id = p.product_id
                LEFT JOIN plans n ON n.id = p.plan_id
                WHERE p.store_id = $1 AND {p} AND p.paid_at IS NOT NULL
                UNION ALL
                SELECT s.user_id, s.started_at,
                       CASE WHEN s.status_at > s.started_at THEN s.status_at ELSE s.started_at END,
                       '4', COALESCE(n.title, n.external_id), NULL, NULL, 0, 0, NULL, 0,
                       CASE WHEN s.status IN ('active', 'trialing') THEN 1 ELSE 0 END
                FROM subscriptions s JOIN plans n ON n.id = s.plan_id
                WHERE s.store_id = $1 AND {s}
                UNION ALL
                SELECT l.user_id, l.created_at, l.created_at, '2', l.source, NULL, NULL,
                       0, 0, NULL, 0, 0
                FROM leads l
                WHERE l.store_id = $1 AND {l}
            ) f
            CROSS JOIN (SELECT currency FROM stores WHERE id = $1) st
            GROUP BY f.user_id
        ) g
        JOIN users u ON u.id = g.user_id
        WHERE true
        ON CONFLICT (store_id, user_id) DO UPDATE SET
            name = excluded.name,
            email = excluded.email,
            email_normalized = excluded.email_normalized,
            type = excluded.type,
            has_active_subscription = excluded.has_active_subscription,
            total_spent_cents = excluded.total_spent_cents,
            last_activity_at = excluded.last_activity_at,
            joined_at = excluded.joined_at,
            source_kind = excluded.source_kind,
            source_title = excluded.source_title,
            courses_count = excluded.courses_count,
            products_count = excluded.products_count,
            purchases_count = excluded.purchases_count,
            search_text = excluded.search_text,
            version = customers.version + 1,
            updated_at = excluded.updated_at
        WHERE customers.name IS DISTINCT FROM excluded.name
           OR customers.email IS DISTINCT FROM excluded.email
           OR customers.email_normalized IS DISTINCT FROM excluded.email_normalized
           OR customers.type <> excluded.type
           OR customers.has_active_subscription <> excluded.has_active_subscription
           OR customers.total_spent_cents <> excluded.total_spent_cents
           OR customers.last_activity_at <> excluded.last_activity_at
           OR customers.joined_at <> excluded.joined_at
           OR customers.source_kind <> excluded.source_kind
           OR customers.source_title <> excluded.source_title
           OR customers.courses_count <> excluded.courses_count
           OR customers.products_count <> excluded.products_count
           OR customers.purchases_count <> excluded.purchases_count
           OR customers.search_text <> excluded.search_text
        RETURNING version"
    )
}

fn totals_sql(scope: &Scope) -> String {
    let p = scope.predicate("p");
    format!(
        "INSERT INTO customer_totals (store_id, user_id, currency, net_cents)
        SELECT $1, p.user_id, p.currency,
               CAST(SUM(CASE WHEN p.refunded_at IS NULL THEN p.amount_cents ELSE 0 END) AS BIGINT)
        FROM purchases p
        WHERE p.store_id = $1 AND {p} AND p.paid_at IS NOT NULL AND $4 = $4
        GROUP BY p.user_id, p.currency
        ON CONFLICT (store_id, user_id, currency) DO UPDATE SET net_cents = excluded.net_cents
        WHERE customer_totals.net_cents <> excluded.net_cents"
    )
}

/// Derives the customers in `scope` from their facts, inside the caller's
/// transaction. Users without any fact get no row.
pub async fn derive(conn: &mut AnyConnection, scope: Scope, now_ms: i64) -> Result<Derived> {
    fn bind<'q>(
        sql: &'q str,
        scope: &Scope,
        now_ms: i64,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        let query = sqlx::query(sql)
            .bind(scope.store_id)
            .bind(scope.from_user)
            .bind(scope.to_user)
            .bind(now_ms);
        match scope.item {
            Some((_, id)) => query.bind(id),
            None => query,
        }
    }
    let postgres = conn.backend_name() == "PostgreSQL";
    let customers = customers_sql(&scope, postgres);
    let versions: Vec<i64> = bind(&customers, &scope, now_ms)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| sqlx::Row::try_get::<i64, _>(row, 0))
        .collect::<Result<_, _>>()?;
    let totals = totals_sql(&scope);
    bind(&totals, &scope, now_ms).execute(&mut *conn).await?;
    let created = versions.iter().filter(|v| **v == 1).count() as u64;
    Ok(Derived {
        created,
        updated: versions.len() as u64 - created,
    })
}
