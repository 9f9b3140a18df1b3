//! Rendering an [`app::ServerPage`]: the app's shell, with the page in its
//! context, rendered whole (every resource resolved) so the status and the
//! policy header it sets are the response's.

use app::{ServerPage, shell, state::AppState};
use axum::{
    body::Body,
    extract::Request,
    http::request::Parts,
    response::{IntoResponse, Response},
};
use leptos::prelude::provide_context;

/// The page for `parts` (the request it answers: its session and path).
pub async fn render(state: &AppState, parts: Parts, page: ServerPage) -> Response {
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            provide_context(page.clone());
        }
    };
    let options = state.options.clone();
    let handler =
        leptos_axum::render_app_async_with_context(context, move || shell(options.clone()));
    handler(Request::from_parts(parts, Body::empty()))
        .await
        .into_response()
}
