use leptos::prelude::*;
use leptos_router::components::A;

/// The frame of every page: the top bar with navigation, then the page.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <header class="topbar">
            <A href="/" attr:class="brand">
                "Customers"
            </A>
            <nav class="topnav">
                <A href="/">"Stores"</A>
            </nav>
        </header>
        <main class="page">{children()}</main>
    }
}
