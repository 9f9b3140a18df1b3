use leptos::prelude::*;

use super::format::{money, thousands};
use crate::model::customers::StoreOverview;

/// The store's totals: customers, leads, paying, subscribers, revenue and
/// lifetime value (average net per paying customer, per currency).
#[component]
pub fn StatsCards(overview: StoreOverview) -> impl IntoView {
    let revenue = if overview.revenue.is_empty() {
        money(0, &overview.currency)
    } else {
        overview
            .revenue
            .iter()
            .map(|(currency, cents)| money(*cents, currency))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let lifetime_value = if overview.lifetime_value.is_empty() {
        money(0, &overview.currency)
    } else {
        overview
            .lifetime_value
            .iter()
            .map(|(currency, _, average)| money(*average, currency))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let card = |label: &'static str, value: String, testid: &'static str| {
        view! {
            <div class="stat">
                <span class="stat-label">{label}</span>
                <span class="stat-value" data-testid=testid>{value}</span>
            </div>
        }
    };
    view! {
        <section class="stats" aria-label="Store totals">
            {card("Customers", thousands(overview.customers), "stat-customers")}
            {card("Leads", thousands(overview.leads), "stat-leads")}
            {card("Paying", thousands(overview.paying), "stat-paying")}
            {card("Subscribers", thousands(overview.subscribers), "stat-subscribers")}
            {card("Revenue", revenue, "stat-revenue")}
            {card("Lifetime value", lifetime_value, "stat-ltv")}
        </section>
    }
}
