//! The customers page: `/store/{store_id}/customers?q=..&type=..&sort=..`.
//!
//! The URL query is the whole state ([`CustomerFilter`]): the server renders
//! any URL directly, and after hydration typing, chips and sorting rewrite the
//! URL in place (no page load); the list is a `Resource` keyed on the parsed
//! query, and Leptos keeps only the newest fetch's answer, so an older
//! keystroke's results never replace a newer one's.

mod bulk_tag;
pub mod details;
mod filters;
pub mod format;
mod keyboard;
mod list;
mod place;
mod search_box;
mod stats;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_params_map, use_query_map},
};

use crate::{
    api::{customers_overview, search_customers},
    auth::Right,
    model::customers::CustomerFilter,
};

/// What every part of the page reads: the store, the URL state, and the
/// place to restore on coming back to this URL (see [`place`]).
#[derive(Clone, Copy)]
pub(crate) struct PageState {
    pub store_id: Memo<i64>,
    pub filter: Memo<CustomerFilter>,
    pub restore: StoredValue<Option<place::Place>>,
}

impl PageState {
    fn get() -> PageState {
        expect_context::<PageState>()
    }

    /// The page's URL for a state.
    pub fn href(&self, filter: &CustomerFilter) -> String {
        format!(
            "/store/{}/customers{}",
            self.store_id.get_untracked(),
            filter.query_string()
        )
    }

    /// Goes to a state without a page load; `replace` keeps typing out of
    /// the history.
    pub fn navigator(self) -> impl Fn(&CustomerFilter, bool) + Clone + 'static {
        let navigate = use_navigate();
        let state = self;
        move |filter: &CustomerFilter, replace: bool| {
            navigate(
                &state.href(filter),
                NavigateOptions {
                    replace,
                    scroll: false,
                    ..Default::default()
                },
            );
        }
    }
}

#[component]
pub fn CustomersPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let store_id = Memo::new(move |_| {
        params
            .read()
            .get("store_id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or(0)
    });
    let filter = Memo::new(move |_| {
        let query = query.read();
        CustomerFilter::from_lookup(|name| query.get(name))
    });
    #[cfg(not(feature = "ssr"))]
    let restore = StoredValue::new(place::take());
    #[cfg(feature = "ssr")]
    let restore = StoredValue::new(None);
    let state = PageState {
        store_id,
        filter,
        restore,
    };
    provide_context(state);

    let overview = Resource::new(move || store_id.get(), customers_overview);
    let list = Resource::new(
        move || (store_id.get(), filter.get()),
        |(store_id, filter)| search_customers(store_id, filter),
    );
    keyboard::install();

    // Every suspense boundary sits at the top of the page, each reading the
    // resources created above: the server and the browser number resources
    // and boundaries in creation order, so none may be created inside
    // another's `Suspend` (see the Layout). The search box and the sort need
    // only the URL, so they are live as soon as the page hydrates.
    view! {
        <div class="customers-page">
            <Transition fallback=|| view! { <p class="muted">"Loading customers…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(overview) => {
                            view! {
                                <Title text=overview.store_name.clone() />
                                <div class="customers-top">
                                    <div class="page-head customers-head">
                                        <div>
                                            <a
                                                class="muted back"
                                                href=format!("/store/{}", store_id.get_untracked())
                                            >
                                                {overview.store_name.clone()}
                                            </a>
                                            <h1>"Customers"</h1>
                                        </div>
                                        <a
                                            class="button"
                                            href=format!("/store/{}/segments", store_id.get_untracked())
                                            data-testid="segments-link"
                                        >
                                            "Segments"
                                        </a>
                                        <a
                                            class="button"
                                            href=format!("/store/{}/campaigns", store_id.get_untracked())
                                            data-testid="campaigns-link"
                                        >
                                            "Campaigns"
                                        </a>
                                        {overview
                                            .role
                                            .may(Right::ManageCustomers)
                                            .then(|| {
                                                view! {
                                                    <a
                                                        class="button"
                                                        href=format!("/store/{}/import", store_id.get_untracked())
                                                        rel="external"
                                                        data-testid="import-link"
                                                    >
                                                        "Import contacts"
                                                    </a>
                                                }
                                            })}
                                        <a
                                            class="button"
                                            rel="external"
                                            download="customers.csv"
                                            data-testid="export"
                                            href=move || {
                                                format!(
                                                    "/store/{}/customers.csv{}",
                                                    store_id.get(),
                                                    filter.get().with("after", "").query_string(),
                                                )
                                            }
                                        >
                                            "Export CSV"
                                        </a>
                                    </div>
                                    <stats::StatsCards overview />
                                </div>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <crate::pages::NotFoundOr error /> }.into_any(),
                    }
                })}
            </Transition>
            <div class="toolbar">
                <search_box::SearchBox />
                <filters::SortSelect />
            </div>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    overview
                        .await
                        .ok()
                        .map(|overview| view! { <filters::FilterPanel overview /> })
                })}
            </Transition>
            <list::Results list overview />
        </div>
    }
}
