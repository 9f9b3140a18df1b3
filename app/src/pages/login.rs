use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::layout::AuthActions;

/// Sign in with email and password. Works without WASM too: the form posts
/// to the server function, which redirects on success.
#[component]
pub fn LoginPage() -> impl IntoView {
    let sign_in = expect_context::<AuthActions>().sign_in;
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_else(|| "/".into());
    let error = move || {
        sign_in
            .value()
            .get()
            .and_then(Result::err)
            .map(|error| view! { <p class="error" role="alert">{error.to_string()}</p> })
    };

    view! {
        <Title text="Sign in" />
        <section class="auth-card">
            <h1>"Sign in"</h1>
            <ActionForm action=sign_in attr:class="stack">
                <input type="hidden" name="next" prop:value=next />
                <label>
                    "Email" <input type="email" name="email" required autocomplete="username" />
                </label>
                <label>
                    "Password"
                    <input
                        type="password"
                        name="password"
                        required
                        autocomplete="current-password"
                    />
                </label>
                {error}
                <button type="submit" class="button primary" disabled=move || sign_in.pending().get()>
                    "Sign in"
                </button>
            </ActionForm>
        </section>
    }
}
