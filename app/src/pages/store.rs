use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{api::get_store, auth::Right, model::StoreHome};

/// A store's home. Answers "not found" for a store the signed-in account may
/// not open, exactly as for one that does not exist.
#[component]
pub fn StorePage() -> impl IntoView {
    let params = use_params_map();
    let store_id = Memo::new(move |_| {
        params
            .read()
            .get("store_id")
            .and_then(|id| id.parse::<i64>().ok())
    });
    let store = Resource::new(
        move || store_id.get(),
        |id| async move {
            match id {
                Some(id) => get_store(id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );

    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match store.await {
                    Ok(StoreHome { store, role }) => {
                        // Settings (backfill, keys, members) are the owner's.
                        let settings = role.may(Right::ManageStore).then(|| {
                            view! {
                                <a class="button" href=format!("/store/{}/settings", store.id) data-testid="settings-link">
                                    "Settings and backfill"
                                </a>
                            }
                        });
                        view! {
                            <div class="page-head">
                                <Title text=store.name.clone() />
                                <h1 data-testid="store-name">{store.name}</h1>
                                <span class="muted" data-testid="store-facts">
                                    {format!("Currency: {} · Times in {}", store.currency, store.time_zone)}
                                </span>
                                <a class="button primary" href=format!("/store/{}/customers", store.id)>
                                    "Customers"
                                </a>
                                {settings}
                            </div>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <crate::pages::NotFoundOr error /> }.into_any(),
                }
            })}
        </Transition>
    }
}
