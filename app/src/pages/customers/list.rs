//! The results: type chips with counts, "N customers match", the rows and
//! the pagination, with the empty, loading and error states.

use leptos::prelude::*;
use leptos_router::components::A;

use super::{
    PageState,
    details::Details,
    format::{ago, initials, money, plural, thousands, type_label},
};
use crate::{
    auth::Right,
    error::AppError,
    model::customers::{CUSTOMER_TYPES, CustomerList, CustomerRowView, StoreOverview},
};

#[component]
pub fn Results(
    list: Resource<Result<CustomerList, AppError>>,
    overview: Resource<Result<StoreOverview, AppError>>,
) -> impl IntoView {
    let state = PageState::get();
    let (pending, set_pending) = signal(false);
    view! {
        <div class="results" class:busy=pending aria-busy=move || pending.get().to_string()>
            <Transition
                set_pending
                fallback=|| view! { <p class="muted loading" data-testid="loading">"Loading customers…"</p> }
            >
                {move || Suspend::new(async move {
                    let overview = overview.await;
                    let store_empty = matches!(&overview, Ok(o) if o.customers == 0);
                    // Bulk tagging is an owner's right (the rights table).
                    let may_bulk_tag = matches!(&overview, Ok(o) if o.role.may(Right::ManageCustomers));
                    match list.await {
                        Ok(list) => view! { <ResultList list store_empty may_bulk_tag /> }.into_any(),
                        Err(error) => {
                            let message = match &error {
                                AppError::Invalid { .. } => {
                                    format!("{error}. Fix that filter or clear the filters.")
                                }
                                _ => format!("Could not load customers: {error}."),
                            };
                            view! {
                                <div class="empty error" role="alert" data-testid="list-error">
                                    <p>{message}</p>
                                    <p>
                                        <a href=state.href(&state.filter.get_untracked())>"Try again"</a>
                                        " · "
                                        <A href=state.href(&state.filter.get_untracked().cleared())>
                                            "Clear filters"
                                        </A>
                                    </p>
                                </div>
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn ResultList(list: CustomerList, store_empty: bool, may_bulk_tag: bool) -> impl IntoView {
    let state = PageState::get();
    let filter = state.filter.get_untracked();
    let chips = CUSTOMER_TYPES
        .iter()
        .map(|(kind, label)| {
            let selected = filter.types().contains(kind);
            let count = list.type_count(kind);
            view! {
                <A
                    href=state.href(&filter.toggle_type(kind))
                    scroll=false
                    attr:class=if selected { "chip selected" } else { "chip" }
                    attr:aria-pressed=selected.to_string()
                    attr:data-testid=format!("chip-{kind}")
                >
                    {*label}
                    <span class="chip-count">{thousands(count)}</span>
                </A>
            }
        })
        .collect_view();
    let removable = filter
        .pairs()
        .into_iter()
        .filter(|(name, _)| !matches!(*name, "q" | "type" | "sort" | "after"))
        .map(|(name, value)| {
            let href = state.href(&filter.with(name, ""));
            view! {
                <A href=href scroll=false attr:class="chip removable" attr:title="Remove this filter">
                    {format!("{}: {value}", name.replace('_', " "))}
                    <span aria-hidden="true">" ×"</span>
                </A>
            }
        })
        .collect_view();
    let total = list.total;
    let count_line = format!(
        "{} {}",
        thousands(total),
        if total == 1 {
            "customer matches"
        } else {
            "customers match"
        }
    );
    let body = if list.rows.is_empty() {
        if store_empty {
            view! {
                <div class="empty" data-testid="no-customers">
                    <p><strong>"No customers yet."</strong></p>
                    <p>
                        "Customers appear as the platform reports enrollments, purchases and \
                         subscriptions. To bring in your history, "
                        <a href=format!("/store/{}/settings#backfill", state.store_id.get_untracked())>
                            "run the backfill"
                        </a> "."
                    </p>
                </div>
            }
                .into_any()
        } else {
            view! {
                <div class="empty" data-testid="no-matches">
                    <p><strong>"No customers match."</strong></p>
                    <p>
                        "Try a shorter search or fewer filters. "
                        <A href=state.href(&filter.cleared())>"Clear all filters"</A>
                    </p>
                </div>
            }
            .into_any()
        }
    } else {
        let now = list.now_ms;
        let currency = list.currency.clone();
        view! {
            <div class="customer-head" aria-hidden="true">
                <span></span>
                <span>"Customer"</span>
                <span>"Type"</span>
                <span>"Status"</span>
                <span class="num">"Total spent"</span>
                <span>"Last activity"</span>
                <span class="num">"Courses"</span>
            </div>
            <ul class="customer-list" data-testid="customer-list">
                {list
                    .rows
                    .into_iter()
                    .map(|row| view! { <Row row now currency=currency.clone() /> })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    let first_page = (!filter.after.is_empty()).then(|| {
        view! {
            <A href=state.href(&filter.with("after", "")) attr:class="button">
                "← First page"
            </A>
        }
    });
    let next_page = list.next_after.map(|after| {
        view! {
            <A
                href=state.href(&filter.with("after", after.to_string()))
                attr:class="button"
                attr:data-testid="next-page"
                attr:rel="next"
            >
                "Next page →"
            </A>
        }
    });

    // One root element: a multi-node fragment swapped by a Transition that is
    // still hydrating can leave the server-rendered nodes behind.
    view! {
        <div class="result-list">
            <div class="chips" role="group" aria-label="Customer type">
                {chips}
                {removable}
            </div>
            <div class="match-line">
                <p class="match-count" data-testid="match-count" aria-live="polite">{count_line}</p>
                {(total > 0 && may_bulk_tag).then(|| view! { <super::bulk_tag::BulkTag total /> })}
            </div>
            {body}
            <nav class="pager" aria-label="Pages">{first_page} {next_page}</nav>
        </div>
    }
}

#[component]
fn Row(row: CustomerRowView, now: i64, currency: String) -> impl IntoView {
    let state = PageState::get();
    let expanded = RwSignal::new(false);
    let id = row.id;
    let panel_id = format!("customer-{id}");
    let display_name = row
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "(no name)".into());
    let avatar_class = format!("avatar avatar-{}", id.rem_euclid(6));
    let kind_class = format!("badge type-{}", row.kind);
    let status_class = format!("status status-{}", row.status);
    let status_label = if row.status == "active" {
        "Active"
    } else {
        "Inactive"
    };
    view! {
        <li class="customer" class:expanded=move || expanded.get()>
            <button
                type="button"
                class="customer-row"
                data-id=id.to_string()
                aria-expanded=move || expanded.get().to_string()
                aria-controls=panel_id.clone()
                on:click=move |_| expanded.update(|open| *open = !*open)
            >
                <span class=avatar_class aria-hidden="true">
                    {initials(row.name.as_deref(), row.email.as_deref())}
                </span>
                <span class="who">
                    <span class="name">{display_name}</span>
                    <span class="email muted">{row.email.clone().unwrap_or_else(|| "no email".into())}</span>
                </span>
                <span class="kind">
                    <span class=kind_class>{type_label(&row.kind)}</span>
                </span>
                <span class=status_class>{status_label}</span>
                <span class="spent num">{money(row.total_spent_cents, &currency)}</span>
                <span class="activity" title=row.last_activity_label.clone()>
                    {ago(row.last_activity_at, now)}
                </span>
                <span class="courses num" title=plural(row.products_count, "product", "products")>
                    {plural(row.courses_count, "course", "courses")}
                </span>
            </button>
            <Show when=move || expanded.get()>
                <Details store_id=state.store_id.get_untracked() customer_id=id panel_id=panel_id.clone() />
            </Show>
        </li>
    }
}
