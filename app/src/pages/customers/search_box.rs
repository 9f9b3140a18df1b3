use std::time::Duration;

use leptos::{leptos_dom::helpers::TimeoutHandle, prelude::*};

use super::PageState;

/// How long typing must pause before the list follows: short enough to feel
/// instant, long enough not to query every keystroke of a fast typist.
const DEBOUNCE: Duration = Duration::from_millis(150);

/// The search box. Without WASM it is a GET form (Enter searches); with it,
/// typing rewrites `?q=` in place after a short pause.
#[component]
pub fn SearchBox() -> impl IntoView {
    let state = PageState::get();
    let go = state.navigator();
    let pending = StoredValue::new(None::<TimeoutHandle>);
    let cancel = move || {
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        pending.set_value(None);
    };
    on_cleanup(cancel);

    let on_input = {
        let go = go.clone();
        move |ev| {
            let value = event_target_value(&ev);
            cancel();
            let go = go.clone();
            let handle = set_timeout_with_handle(
                move || {
                    let current = state.filter.get_untracked();
                    if current.q != value {
                        go(&current.with("q", value), true);
                    }
                },
                DEBOUNCE,
            );
            pending.set_value(handle.ok());
        }
    };
    let input = NodeRef::<leptos::html::Input>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        cancel();
        if let Some(input) = input.get_untracked() {
            go(&state.filter.get_untracked().with("q", input.value()), true);
        }
    };

    view! {
        <form
            method="get"
            action=move || format!("/store/{}/customers", state.store_id.get())
            class="search customer-search"
            role="search"
            on:submit=on_submit
        >
            <label class="visually-hidden" for="customer-search">
                "Search customers"
            </label>
            <input
                id="customer-search"
                node_ref=input
                type="search"
                name="q"
                placeholder="Search name, email, course or product  ( / )"
                autocomplete="off"
                spellcheck="false"
                prop:value=move || state.filter.get().q
                on:input=on_input
            />
            // Keep the other state when the form is submitted without WASM.
            {move || {
                state
                    .filter
                    .get()
                    .pairs()
                    .into_iter()
                    .filter(|(name, _)| *name != "q" && *name != "after")
                    .map(|(name, value)| view! { <input type="hidden" name=name value=value /> })
                    .collect_view()
            }}
        </form>
    }
}
