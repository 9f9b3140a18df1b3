//! The Leptos application: routes, pages, components and the server functions
//! they call. Compiled twice: with `ssr` into the server, with `hydrate` into
//! the browser's WASM. Server-only code sits behind `ssr`.

// The customers page nests deep view types; the release build needs room.
#![recursion_limit = "256"]

pub mod api;
#[cfg(feature = "ssr")]
pub mod assets;
pub mod auth;
pub mod components;
#[cfg(feature = "ssr")]
mod csp;
pub mod error;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod state;

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos_meta::MetaTags;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

use crate::{
    components::layout::Layout,
    pages::{CustomerPage, CustomersPage, LoginPage, NotFound, StorePage, StoresPage},
};

/// The HTML document around every page, rendered on the server only. The
/// routed pages hydrate (their scripts are in `<head>`); a [`ServerPage`]
/// provided in the render's context is a whole page the server renders
/// without the WASM, on the same head, top bar and policy.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    csp::apply();
    let stylesheet = state::app_state()
        .map(|state| state.assets.css)
        .unwrap_or_default();
    let server_page = use_context::<ServerPage>();
    let scripts = server_page.is_none().then(|| {
        view! {
            <AutoReload options=options.clone() />
            <HydrationScripts options />
        }
    });
    let body = match server_page {
        None => view! { <App /> }.into_any(),
        Some(page) => view! { <ServerDocument page /> }.into_any(),
    };
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <link rel="stylesheet" id="leptos" href=stylesheet />
                {scripts}
                <MetaTags />
            </head>
            <body>{body}</body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    mark_hydrated();
    view! {
        <PageTitles />
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=StoresPage />
                    <Route path=path!("/login") view=LoginPage />
                    <Route path=path!("/store/:store_id") view=StorePage />
                    <Route path=path!("/store/:store_id/customers") view=CustomersPage />
                    <Route path=path!("/store/:store_id/customers/:customer_id") view=CustomerPage />
                    <Route path=path!("/store/:store_id/campaigns") view=crate::pages::CampaignsPage />
                    <Route path=path!("/store/:store_id/campaigns/:campaign_id") view=crate::pages::CampaignPage />
                    <Route path=path!("/store/:store_id/segments") view=crate::pages::SegmentsPage />
                    <Route path=path!("/store/:store_id/segments/:segment_id") view=crate::pages::SegmentBuilderPage />
                    <Route path=path!("/store/:store_id/settings") view=crate::pages::SettingsPage />
                    <Route path=path!("/admin/backfill") view=crate::pages::AdminBackfillPage />
                    <Route path=path!("/admin/stores") view=crate::pages::AdminStoresPage />
                    <Route path=path!("/account") view=crate::pages::AccountPage />
                </Routes>
            </Layout>
        </Router>
    }
}

/// A page the server renders whole, without the WASM: what only reads and
/// posts plain forms, answered by axum handlers rather than a route of
/// [`App`]. Provided as context to the render of [`shell`].
#[cfg(feature = "ssr")]
#[derive(Clone, Debug)]
pub enum ServerPage {
    /// "Page not found" (404), for a store the account may not open.
    NotFound,
    /// A stage of the contacts import.
    Import {
        store_id: i64,
        stage: pages::import::ImportStage,
    },
    /// A recipient's unsubscribe link (no sign-in: the token is signed).
    Unsubscribe {
        token: String,
        store: String,
        email: String,
        stage: pages::unsubscribe::UnsubscribeStage,
    },
}

/// The body of a [`ServerPage`]: the same frame as the routed pages.
#[cfg(feature = "ssr")]
#[component]
fn ServerDocument(page: ServerPage) -> impl IntoView {
    provide_meta_context();
    let content = match page {
        ServerPage::NotFound => view! { <NotFound /> }.into_any(),
        ServerPage::Import { store_id, stage } => {
            view! { <pages::import::ImportPage store_id stage /> }.into_any()
        }
        ServerPage::Unsubscribe {
            token,
            store,
            email,
            stage,
        } => view! { <pages::unsubscribe::UnsubscribePage token store email stage /> }.into_any(),
    };
    view! {
        <PageTitles />
        <Router>
            <Layout server_page=true>{content}</Layout>
        </Router>
    }
}

/// Every page's `<title>`: its own title, then the product's name.
#[component]
fn PageTitles() -> impl IntoView {
    view! { <Title formatter=|page: String| title_text(format!("{page} · Customers")) /> }
}

/// The document title as the server writes it into `<title>`. leptos_meta
/// 0.8 copies the text into the HTML as it is, so a store or customer name
/// with `</title><script>` would become markup: escape it there. The browser
/// sets `document.title` as text, so it needs no escaping.
fn title_text(title: String) -> String {
    if cfg!(feature = "ssr") {
        title
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    } else {
        title
    }
}

/// Sets `data-hydrated` on `<body>` once the WASM has taken over the page.
/// Effects never run on the server, so the attribute tells tests (and anyone
/// debugging) that the client is live.
fn mark_hydrated() {
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}
