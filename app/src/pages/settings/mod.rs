//! `/store/:store_id/settings`, the owner's page ([`Right::ManageStore`]):
//! the store's members, its API keys, its campaigns' sender and its
//! backfill. Another role sees why there is nothing for it here; the server
//! refuses it anyway.
//! `/admin/backfill`: the backfill of every store (platform admins).

mod backfill;
mod keys;
mod members;
mod sender;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

pub use backfill::AdminBackfillPage;
use backfill::{Backfill, BackfillPanel};

use crate::{api::get_store, auth::Right, model::StoreHome};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let params = use_params_map();
    let store_id = params
        .read_untracked()
        .get("store_id")
        .and_then(|id| id.parse::<i64>().ok());
    let Some(store_id) = store_id else {
        return view! { <crate::pages::NotFound /> }.into_any();
    };
    // Every resource of the page, created here, before any boundary.
    let home = Resource::new(move || store_id, get_store);
    let members = members::Members::new(store_id);
    let keys = keys::Keys::new(store_id);
    let sender = sender::Sender::new(store_id);
    let backfill = Backfill::new(Some(store_id));
    view! {
        <Title text="Settings" />
        <div class="page-head">
            <h1>"Settings"</h1>
            <a class="button" href=format!("/store/{store_id}/customers")>"Customers"</a>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match home.await {
                    Ok(StoreHome { role, .. }) if role.may(Right::ManageStore) => {
                        view! {
                            <members::MembersPanel store_id members />
                            <keys::KeysPanel store_id keys />
                            <sender::SenderPanel store_id sender />
                            <BackfillPanel store_id=Some(store_id) backfill />
                        }
                            .into_any()
                    }
                    Ok(_) => {
                        view! {
                            <p class="empty" data-testid="settings-owner-only">
                                "Only the store's owner changes its settings: members, API keys and the backfill."
                            </p>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <crate::pages::NotFoundOr error /> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}
