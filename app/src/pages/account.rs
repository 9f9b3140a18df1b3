//! `/account`: the signed-in account changes its password. The other
//! sessions of the account end at once; this one carries on.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::ChangePassword;

#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let outcome = move || {
        change.value().get().map(|result| match result {
            Ok(()) => view! {
                <p class="notice" role="status" data-testid="password-changed">
                    "Password changed. Every other session of this account has been signed out."
                </p>
            }
            .into_any(),
            Err(error) => {
                view! { <p class="error" role="alert" data-testid="password-refused">{error.to_string()}</p> }
                    .into_any()
            }
        })
    };
    view! {
        <Title text="Your account" />
        <section class="auth-card">
            <h1>"Change your password"</h1>
            <ActionForm action=change attr:class="stack">
                <label>
                    "Current password"
                    <input type="password" name="current_password" required autocomplete="current-password" />
                </label>
                <label>
                    "New password (at least 10 characters)"
                    <input
                        type="password"
                        name="new_password"
                        required
                        minlength="10"
                        autocomplete="new-password"
                    />
                </label>
                {outcome}
                <button type="submit" class="button primary" disabled=move || change.pending().get()>
                    "Change password"
                </button>
            </ActionForm>
        </section>
    }
}
