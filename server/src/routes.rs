//! The HTTP application, built by a function so tests can serve it on port 0.

use app::{App, shell, state::AppState};
use axum::{
    Router,
    body::Body,
    extract::{MatchedPath, Request},
    routing::get,
};
use leptos::{config::LeptosOptions, prelude::provide_context};
use leptos_axum::{LeptosRoutes, generate_route_list, handle_server_fns_with_context};
use tower_http::trace::TraceLayer;

use crate::health;

/// Every route of the product: health, server functions, pages, static files.
pub fn router(state: AppState, leptos_options: LeptosOptions) -> Router {
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let server_fns = {
        let context = context.clone();
        move |request: Request<Body>| handle_server_fns_with_context(context.clone(), request)
    };
    let db = state.db.clone();

    Router::new()
        .route("/healthz", get(move || health::healthz(db.clone())))
        .route("/api/{*fn_name}", get(server_fns.clone()).post(server_fns))
        .leptos_routes_with_context(&leptos_options, generate_route_list(App), context, {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(leptos_options)
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<Body>| {
                // The route pattern, not the raw path, so ids don't explode the
                // number of distinct spans.
                let route = request
                    .extensions()
                    .get::<MatchedPath>()
                    .map_or(request.uri().path(), MatchedPath::as_str);
                tracing::info_span!("http", method = %request.method(), route)
            }),
        )
}
