use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

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
        // The first tab stop: past the top bar and the page's controls
        // straight to its content.
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            // A page load, so the server can send a one-store account on to
            // its store.
            <a href="/" class="brand" rel="external">
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
        <main class="page" id="main" tabindex="-1">{children()}</main>
    }
}

/// Jumps to one of the signed-in account's stores (and only those): to its
/// customers, the page owners work on. Shows the store being looked at.
#[component]
fn StoreSwitcher(stores: Vec<StoreSummary>) -> impl IntoView {
    let navigate = use_navigate();
    let location = use_location();
    // `/store/{id}/...` names the current store; other pages have none.
    let current = Memo::new(move |_| {
        location
            .pathname
            .get()
            .strip_prefix("/store/")
            .and_then(|rest| rest.split('/').next())
            .and_then(|id| id.parse::<i64>().ok())
    });
    let on_change = move |ev| {
        let id = event_target_value(&ev);
        if !id.is_empty() {
            navigate(&format!("/store/{id}/customers"), Default::default());
        }
    };
    view! {
        <label class="switcher">
            <span class="visually-hidden">"Store"</span>
            <select
                on:change=on_change
                data-testid="store-switcher"
                prop:value=move || current.get().map(|id| id.to_string()).unwrap_or_default()
            >
                <option value="">"Switch store…"</option>
                {stores
                    .into_iter()
                    .map(|store| {
                        let id = store.id;
                        view! {
                            <option value=id.to_string() selected=move || current.get() == Some(id)>
                                {store.name}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}
