use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_query_map},
    params::ParamsMap,
};

use crate::{api::list_stores, model::StoreSummary};

/// The list of stores, filtered by `?q=`. The filter lives in the URL, so a
/// reload or a shared link shows the same list; typing rewrites the URL in
/// place and the list follows without a page load.
#[component]
pub fn StoresPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| query.read().get("q").unwrap_or_default());
    let stores = Resource::new(move || filter.get(), list_stores);

    let navigate = use_navigate();
    let on_input = move |ev| {
        let value = event_target_value(&ev);
        let mut params = ParamsMap::new();
        if !value.is_empty() {
            params.insert("q", value);
        }
        navigate(
            &format!("/{}", params.to_query_string()),
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };

    view! {
        <Title text="Stores" />
        <div class="page-head">
            <h1>"Stores"</h1>
            // Works without WASM too: Enter submits the same query as a GET.
            <form method="get" action="/" class="search" role="search">
                <input
                    type="search"
                    name="q"
                    placeholder="Filter stores by name"
                    aria-label="Filter stores by name"
                    autocomplete="off"
                    prop:value=move || filter.get()
                    on:input=on_input
                />
            </form>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading stores…"</p> }>
            {move || Suspend::new(async move {
                match stores.await {
                    Ok(list) if list.is_empty() => {
                        view! {
                            <p class="empty" data-testid="stores-empty">
                                "No stores match. Seed demo data with "
                                <code>"server seed"</code>
                                " or report events through the API."
                            </p>
                        }
                            .into_any()
                    }
                    Ok(list) => view! { <StoreList stores=list /> }.into_any(),
                    Err(error) => {
                        view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn StoreList(stores: Vec<StoreSummary>) -> impl IntoView {
    let count = stores.len();
    // One root element: a multi-node fragment swapped by a Transition that is
    // still hydrating can leave the server-rendered nodes behind.
    view! {
        <div class="store-results">
            <p class="muted" data-testid="stores-count">
                {format!("{count} store{}", if count == 1 { "" } else { "s" })}
            </p>
            <ul class="store-list" data-testid="stores">
                {stores
                    .into_iter()
                    .map(|store| {
                        view! {
                            <li class="store-card">
                                <a class="store-name" href=format!("/store/{}/customers", store.id)>
                                    {store.name}
                                </a>
                                <span class="store-facts muted">
                                    {format!("{} · {}", store.currency, store.time_zone)}
                                </span>
                                <a class="muted" href=format!("/store/{}", store.id)>
                                    "Store home"
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </div>
    }
}
