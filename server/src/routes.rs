//! The HTTP application, built by a function so tests can serve it on port 0.

use app::{App, auth::Right, error::AppError, shell, state::AppState};
use axum::{
    Router,
    body::Body,
    extract::{DefaultBodyLimit, MatchedPath, Path, Request},
    http::HeaderMap,
    middleware::{self, Next},
    response::Response,
    routing::{MethodRouter, get, post},
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
    campaign_messages,
    config::SecurityArgs,
    customer_export, events_api, export, health, import_pages, mail_links, site,
    store_access::StoreAccess,
};

/// Every route under `/store/{store_id}/` that is not a page, with the right
/// it exercises (the rights table, `domain::access`). Each is checked before
/// its handler runs; the handler's `StoreAccess` is the checked answer.
pub fn store_route_rights() -> Vec<(&'static str, Right)> {
    store_route_table()
        .into_iter()
        .map(|(path, right, _)| (path, right))
        .collect()
}

fn store_route_table() -> Vec<(&'static str, Right, MethodRouter<AppState>)> {
    let import_body = DefaultBodyLimit::max(import_pages::MAX_BODY_BYTES);
    vec![
        (
            "/store/{store_id}/customers.csv",
            Right::ReadCustomers,
            get(export::customers_csv),
        ),
        (
            "/store/{store_id}/customers/{customer_id}/export.json",
            Right::ReadCustomers,
            get(customer_export::customer_json),
        ),
        (
            "/store/{store_id}/campaigns/{campaign_id}/messages/{message_id}",
            Right::ReadCustomers,
            get(campaign_messages::message_file),
        ),
        (
            "/store/{store_id}/import",
            Right::ManageCustomers,
            get(import_pages::choose)
                .post(import_pages::run)
                .layer(import_body),
        ),
        (
            "/store/{store_id}/import/preview",
            Right::ManageCustomers,
            post(import_pages::preview_file).layer(import_body),
        ),
    ]
}

fn store_routes(state: &AppState) -> Router<AppState> {
    store_route_table()
        .into_iter()
        .fold(Router::new(), |router, (path, right, handler)| {
            let check = middleware::from_fn_with_state(
                state.clone(),
                move |access: StoreAccess, request: Request, next: Next| {
                    require(right, access, request, next)
                },
            );
            router.route(path, handler.route_layer(check))
        })
}

/// Refuses a request whose role lacks `right`; hands the checked access on
/// to the handler.
async fn require(
    right: Right,
    access: StoreAccess,
    mut request: Request,
    next: Next,
) -> Result<Response, AppError> {
    access.require(right)?;
    request.extensions_mut().insert(access);
    Ok(next.run(request).await)
}

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

    let app =
        Router::new()
            .route("/api/{*fn_name}", get(server_fns.clone()).post(server_fns))
            .leptos_routes_with_context(&state, generate_route_list(App), context, {
                let options = leptos_options.clone();
                move || shell(options.clone())
            })
            .merge(store_routes(&state))
            .route(
                "/unsubscribe/{token}",
                get(mail_links::unsubscribe_page).post(mail_links::unsubscribe),
            )
            .route("/m/o/{token}", get(mail_links::open))
            .route("/m/c/{token}", get(mail_links::click))
            .route("/m/feedback", post(mail_links::feedback))
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
