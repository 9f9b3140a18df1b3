use leptos::prelude::*;
use leptos_meta::Title;

use crate::error::AppError;

/// The page for an address that leads nowhere (404).
#[component]
pub fn NotFound() -> impl IntoView {
    set_status(404);
    view! {
        <Title text="Not found" />
        <section class="empty">
            <h1>"Page not found"</h1>
            <p>
                "Nothing lives at this address. " <a href="/">"Back to your stores"</a>
            </p>
        </section>
    }
}

/// What a page shows when its data could not be loaded: "not found" for
/// `NotFound` (also what another store's id gets), a sign-in link for
/// `Unauthorized`, the safe message otherwise.
#[component]
pub fn NotFoundOr(error: AppError) -> impl IntoView {
    match error {
        AppError::NotFound => view! { <NotFound /> }.into_any(),
        AppError::Unauthorized => {
            set_status(401);
            view! {
                <p class="empty">
                    "Your session has ended. " <a href="/login">"Sign in again"</a>
                </p>
            }
            .into_any()
        }
        other => {
            set_status(other.status());
            view! { <p class="error" role="alert">{other.to_string()}</p> }.into_any()
        }
    }
}

/// Sets the HTTP status of the server-rendered page (no-op in the browser).
pub(crate) fn set_status(status: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(status),
    ) {
        response.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = status;
}
