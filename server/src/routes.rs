//! The HTTP application, built by a function so tests can serve it on port 0.

use app::{App, shell, state::AppState};
use axum::{
    Router,
    body::Body,
    extract::{DefaultBodyLimit, MatchedPath, Path, Request},
    http::HeaderMap,
    middleware,
    routing::{get, post},
};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list, handle_server_fns_with_context};
use tower_http::{
    compression::{CompressionLayer, CompressionLevel},
    set_header::SetResponseHeaderLayer,
    trace::TraceLayer,
};

use crate::{
    auth::{self, csrf::AllowedOrigin},
    config::SecurityArgs,
    customer_export, events_api, export, health, import_pages, site,
};

/// Every route of the product: health, server functions, pages, static files,
/// behind sessions, sign-in gating, the origin check and security headers.
pub fn router(state: AppState, security: &SecurityArgs) -> Router {
    let leptos_options = state.options.clone();
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let server_fns = {
        let context = context.clone();
        move |request: Request<Body>| handle_server_fns_with_context(context.clone(), request)
    };
    let db = state.db.clone();
    let events_db = state.db.clone();
    // What is neither a route nor a file: the app's own 404 page.
    let not_found = {
        let render = leptos_axum::render_app_to_stream_with_context(context.clone(), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        });
        tower::service_fn(move |request: Request<Body>| {
            let response = render(request);
            async move { Ok::<_, std::convert::Infallible>(response.await) }
        })
    };
    let files = site::files(&leptos_options.site_root, not_found);
    let import_body = DefaultBodyLimit::max(import_pages::MAX_BODY_BYTES);

    let app =
        Router::new()
            .route("/api/{*fn_name}", get(server_fns.clone()).post(server_fns))
            .leptos_routes_with_context(&state, generate_route_list(App), context, {
                let options = leptos_options.clone();
                move || shell(options.clone())
            })
            .route(
                "/store/{store_id}/customers.csv",
                get(export::customers_csv),
            )
            .route(
                "/store/{store_id}/import",
                get(import_pages::choose)
                    .post(import_pages::run)
                    .layer(import_body),
            )
            .route(
                "/store/{store_id}/import/preview",
                post(import_pages::preview_file).layer(import_body),
            )
            .route(
                "/store/{store_id}/customers/{customer_id}/export.json",
                get(customer_export::customer_json),
            )
            .fallback_service(files)
            .with_state(state.clone())
            .layer(middleware::from_fn_with_state(
                state.clone(),
                auth::gate::require_sign_in,
            ))
            .layer(auth::session_layer(state.db.clone(), security))
            .route("/healthz", get(move || health::healthz(db.clone())))
            .route(
                "/api/v1/stores/{store_id}/events",
                post(
                    move |Path(store_id): Path<String>,
                          headers: HeaderMap,
                          body: Result<
                        axum::body::Bytes,
                        axum::extract::rejection::BytesRejection,
                    >| {
                        events_api::post_events(events_db.clone(), store_id, headers, body)
                    },
                )
                .layer(DefaultBodyLimit::max(events_api::MAX_BODY_BYTES)),
            )
            .layer(middleware::from_fn_with_state(
                AllowedOrigin(security.public_origin.clone()),
                auth::csrf::check_origin,
            ));

    // Also a request extension: `app::state::app_state` falls back to it.
    let app = app.layer(axum::Extension(state));

    // Pages and data are private and change: revalidated, never shared. (The
    // site's files set their own: see `site`.) Then everything compressible
    // is compressed, unless it comes precompressed.
    let app = app
        .layer(SetResponseHeaderLayer::if_not_present(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("private, no-cache"),
        ))
        .layer(
            CompressionLayer::new()
                .br(true)
                .gzip(true)
                .quality(CompressionLevel::Precise(4)),
        );

    auth::headers::add_security_headers(app).layer(TraceLayer::new_for_http().make_span_with(
        |request: &Request<Body>| {
            // The route pattern, not the raw path, so ids don't explode the
            // number of distinct spans.
            let route = request
                .extensions()
                .get::<MatchedPath>()
                .map_or(request.uri().path(), MatchedPath::as_str);
            tracing::info_span!("http", method = %request.method(), route)
        },
    ))
}
