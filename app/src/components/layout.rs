use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::{
    api::{SignIn, SignOut, who_am_i},
    model::StoreSummary,
};

/// The sign-in and sign-out actions, shared through context so the top bar
/// refreshes who is signed in whenever either runs.
#[derive(Clone, Copy)]
pub struct AuthActions {
    pub sign_in: ServerAction<SignIn>,
    pub sign_out: ServerAction<SignOut>,
}

/// The frame of every page: the top bar (store switcher, account, sign out),
/// then the page.
///
/// Every resource here is created when the layout is, never inside a
/// `Suspend`: the server and the browser number resources and suspense
/// boundaries in creation order, and one created only once another has
/// resolved would shift the page's numbering and break its hydration.
///
/// `server_page`: a page rendered without the WASM (`app::ServerPage`),
/// where the store switcher, which navigates from script, could not work.
#[component]
pub fn Layout(children: Children, #[prop(optional)] server_page: bool) -> impl IntoView {
    let actions = AuthActions {
        sign_in: ServerAction::<SignIn>::new(),
        sign_out: ServerAction::<SignOut>::new(),
    };
    provide_context(actions);
    let account = Resource::new(
        move || {
            (
                actions.sign_in.version().get(),
                actions.sign_out.version().get(),
            )
        },
        |_| who_am_i(),
    );

    view! {
        <header class="topbar">
            <a href="/" class="brand">
                "Customers"
            </a>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match account.await {
                        Ok(Some(me)) => {
                            view! {
                                <div class="account-bar">
                                    {(!server_page).then(|| view! { <StoreSwitcher stores=me.stores /> })}
                                    <div class="account">
                                        <a href="/account" class="muted" data-testid="account-email" title="Change your password">
                                            {me.email}
                                        </a>
                                        {me
                                            .is_admin
                                            .then(|| {
                                                view! {
                                                    <span class="badge">"admin"</span>
                                                    <a href="/admin/stores" data-testid="admin-new-store">"New store"</a>
                                                }
                                            })}
                                        <ActionForm action=actions.sign_out attr:class="inline">
                                            <button type="submit" class="button link">
                                                "Sign out"
                                            </button>
                                        </ActionForm>
                                    </div>
                                </div>
                            }
                                .into_any()
                        }
                        _ => ().into_any(),
                    }
                })}
            </Transition>
        </header>
        <main class="page">{children()}</main>
    }
}

/// Jumps to one of the signed-in account's stores (and only those).
#[component]
fn StoreSwitcher(stores: Vec<StoreSummary>) -> impl IntoView {
    let navigate = use_navigate();
    let on_change = move |ev| {
        let id = event_target_value(&ev);
        if !id.is_empty() {
            navigate(&format!("/store/{id}"), Default::default());
        }
    };
    view! {
        <label class="switcher">
            <span class="visually-hidden">"Store"</span>
            <select on:change=on_change data-testid="store-switcher">
                <option value="">"Switch store…"</option>
                {stores
                    .into_iter()
                    .map(|store| {
                        view! { <option value=store.id.to_string()>{store.name}</option> }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}
