//! The Content-Security-Policy of app pages: scripts only from this origin
//! or carrying this response's nonce (the hydration bootstrap and streamed
//! resources, which Leptos marks with it), WASM compilation allowed, nothing
//! else inline, no framing.

use leptos::{nonce::use_nonce, prelude::*};

/// Provides a fresh nonce to this render and sets the matching header.
pub fn apply() {
    leptos::nonce::provide_nonce();
    let (Some(nonce), Some(response)) =
        (use_nonce(), use_context::<leptos_axum::ResponseOptions>())
    else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}
