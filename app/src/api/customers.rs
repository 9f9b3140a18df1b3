//! The customers page's server functions. Reads, so GETs (a URL shows a
//! view). Each authorises the store first, then parses the URL state into
//! the data layer's query (errors name the parameter), then calls the data
//! layer.

use leptos::{prelude::*, server_fn::codec::GetUrl};

use crate::{
    error::AppError,
    model::customers::{CustomerDetailView, CustomerFilter, CustomerList, StoreOverview},
};

/// One page of the store's customers matching `filter`, with the matching
/// count and the type chips' counts: one round trip per keystroke.
#[server(endpoint = "customers/search", input = GetUrl)]
pub async fn search_customers(
    store_id: i64,
    #[server(default)] filter: CustomerFilter,
) -> Result<CustomerList, AppError> {
    crate::auth::ssr::authorize_store(store_id, crate::auth::Right::ReadCustomers).await?;
    let db = crate::state::app_state()?.db;
    let (query, segment_name) = filter.to_named_store_query(&db, store_id).await?;
    let now = db::time::now_ms();
    let (page, counts, store) = tokio::join!(
        db::customers::search::search_page(&db, store_id, &query, now),
        db::customers::search::counts(&db, store_id, &query, now),
        db::stores::get_store(&db, store_id),
    );
    let (page, counts, store) = (page?, counts?, store?);
    let shown = page.offset + page.rows.len() as i64;
    Ok(CustomerList {
        next_after: page.next_cursor.filter(|_| shown < counts.total),
        previous_before: page
            .rows
            .first()
            .map(|row| row.id)
            .filter(|_| page.offset > 0),
        offset: page.offset,
        rows: {
            let clock = store.clock();
            page.rows
                .into_iter()
                .map(|row| crate::model::customers::CustomerRowView::new(row, &clock))
                .collect()
        },
        total: counts.total,
        leads: counts.by_type.lead,
        paying: counts.by_type.paying,
        subscribers: counts.by_type.subscription,
        currency: store.currency,
        segment_name,
        now_ms: now,
    })
}

/// The stats cards and the filter's courses and products.
#[server(endpoint = "customers/overview", input = GetUrl)]
pub async fn customers_overview(store_id: i64) -> Result<StoreOverview, AppError> {
    let access =
        crate::auth::ssr::authorize_store(store_id, crate::auth::Right::ReadCustomers).await?;
    let db = crate::state::app_state()?.db;
    // Independent reads: side by side on the pool, not one after another.
    let (store, stats, catalog, tags, value) = tokio::join!(
        db::stores::get_store(&db, store_id),
        db::customers::search::stats(&db, store_id),
        db::customers::search::catalog(&db, store_id),
        db::customers::tags::store_tags(&db, store_id),
        db::customers::ltv::store_value(&db, store_id),
    );
    let (store, stats, catalog, tags, value) = (store?, stats?, catalog?, tags?, value?);
    Ok(StoreOverview {
        store_name: store.name,
        currency: stats.currency,
        customers: stats.customers,
        leads: stats.by_type.lead,
        paying: stats.by_type.paying,
        subscribers: stats.by_type.subscription,
        revenue: stats.revenue,
        courses: crate::model::customers::CatalogOption::list(catalog.courses),
        products: crate::model::customers::CatalogOption::list(catalog.products),
        tags: tags.into_iter().map(|t| (t.name, t.customers)).collect(),
        lifetime_value: value
            .into_iter()
            .map(|v| (v.currency, v.paying_customers, v.average_cents))
            .collect(),
        role: access.role,
    })
}

/// An expanded row's body, rendered on the server (see
/// `pages::customers::details`).
#[server(endpoint = "customers/details_html", input = GetUrl)]
pub async fn customer_details_html(store_id: i64, customer_id: i64) -> Result<String, AppError> {
    let details = customer_details(store_id, customer_id).await?;
    Ok(crate::pages::customers::details::render(details))
}

/// What an expanded row shows; not found for another store's customer.
#[server(endpoint = "customers/details", input = GetUrl)]
pub async fn customer_details(
    store_id: i64,
    customer_id: i64,
) -> Result<CustomerDetailView, AppError> {
    use crate::model::customers::{CourseView, ProductView, SubscriptionView};

    crate::auth::ssr::authorize_store(store_id, crate::auth::Right::ReadCustomers).await?;
    let db = crate::state::app_state()?.db;
    let now = db::time::now_ms();
    // The customer page's query; the row shows a part of it.
    let (store, details) = tokio::join!(
        db::stores::get_store(&db, store_id),
        db::customers::detail::customer_detail(&db, store_id, customer_id, now),
    );
    let (store, details) = (store?, details?);
    Ok(CustomerDetailView {
        courses: details
            .courses
            .into_iter()
            .map(|c| CourseView {
                title: c.title,
                progress: c.progress,
                last_accessed_at: c.last_accessed_at,
            })
            .collect(),
        products: details
            .purchases
            .into_iter()
            .filter(|p| p.item_kind == "product")
            .map(|p| ProductView {
                title: p.title,
                paid_at: p.paid_at,
                amount_cents: p.amount_cents,
                currency: p.currency,
                refunded: p.refunded_at.is_some(),
            })
            .collect(),
        subscriptions: details
            .subscriptions
            .into_iter()
            .map(|s| SubscriptionView {
                plan: s.plan,
                status: s.status,
                amount_cents: s.amount_cents,
                currency: s.currency,
                interval: s.interval,
                started_at: s.started_at,
            })
            .collect(),
        totals: details
            .value
            .into_iter()
            .map(|v| (v.currency, v.net_cents))
            .collect(),
        now_ms: now,
        time_zone: store.time_zone,
    })
}
