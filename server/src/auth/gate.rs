//! Page requests are gated here, before any rendering:
//! - signed-out visitors of a page are sent to sign in;
//! - `/` for an account of exactly one store goes to that store's customers;
//! - a page under `/store/{id}/…` of a store the account may not open
//!   (the one check, `app::auth::ssr::authorize`) answers the app's 404
//!   page, exactly like a store that does not exist.
//!
//! Server functions and the events API answer for themselves (401/404);
//! assets and health are public.

use app::{ServerPage, auth::Right, error::AppError, state::AppState};
use axum::{
    extract::{Request, State},
    http::{Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tower_sessions::Session;

const PUBLIC_PREFIXES: &[&str] = &["/login", "/pkg/", "/api/", "/healthz", "/favicon.ico"];

pub async fn require_sign_in(
    State(state): State<AppState>,
    session: Session,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let is_page = matches!(*request.method(), Method::GET | Method::HEAD);
    if !is_page
        || PUBLIC_PREFIXES
            .iter()
            .chain(crate::mail_links::PUBLIC_PREFIXES)
            .any(|prefix| path.starts_with(prefix))
    {
        return next.run(request).await;
    }
    let Some(store_id) = store_in_path(path) else {
        return match app::auth::ssr::account_of(&state.db, &session).await {
            // The platform's own pages are the admins'; to anyone else they
            // do not exist.
            Ok(Some(account)) if path.starts_with("/admin/") && !account.is_admin => {
                let (parts, _) = request.into_parts();
                crate::server_page::render(&state, parts, ServerPage::NotFound).await
            }
            // An owner or member of one store has nothing to choose on the
            // stores page: straight to that store's customers.
            Ok(Some(account)) if path == "/" && request.uri().query().is_none() => {
                match only_store(&state, &account).await {
                    Ok(Some(store)) => (
                        StatusCode::SEE_OTHER,
                        [(header::LOCATION, format!("/store/{store}/customers"))],
                    )
                        .into_response(),
                    Ok(None) => next.run(request).await,
                    Err(_) => unavailable(),
                }
            }
            Ok(Some(_)) => next.run(request).await,
            Ok(None) => to_sign_in(&request),
            // The session store is unreachable: say so rather than pretend
            // the visitor is signed out.
            Err(_) => unavailable(),
        };
    };
    // Every page of a store reads it; what a page then does is checked by
    // the server functions and handlers it calls.
    match app::auth::ssr::authorize(&state.db, &session, store_id, Right::ReadCustomers).await {
        Ok(authorized) => {
            request.extensions_mut().insert(authorized);
        }
        Err(AppError::Unauthorized) => return to_sign_in(&request),
        Err(AppError::NotFound) => {
            let (parts, _) = request.into_parts();
            return crate::server_page::render(&state, parts, ServerPage::NotFound).await;
        }
        Err(_) => return unavailable(),
    }
    next.run(request).await
}

/// The one store a non-admin account may open, if it has exactly one.
async fn only_store(state: &AppState, account: &db::accounts::Account) -> db::Result<Option<i64>> {
    if account.is_admin {
        return Ok(None);
    }
    let stores = db::accounts::stores_for(&state.db, account, "").await?;
    Ok(match stores.as_slice() {
        [only] => Some(only.id),
        _ => None,
    })
}

/// The store id of `/store/{id}` and `/store/{id}/…`.
fn store_in_path(path: &str) -> Option<i64> {
    path.strip_prefix("/store/")?
        .split('/')
        .next()?
        .parse()
        .ok()
}

fn to_sign_in(request: &Request) -> Response {
    let next_url = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let location = format!("/login?next={}", app::model::customers::encode(&next_url));
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "The service is temporarily unavailable. Please try again shortly.",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::store_in_path;

    #[test]
    fn finds_the_store_of_store_pages() {
        assert_eq!(store_in_path("/store/12"), Some(12));
        assert_eq!(store_in_path("/store/12/customers"), Some(12));
        assert_eq!(store_in_path("/store/abc/customers"), None);
        assert_eq!(store_in_path("/stores"), None);
    }
}
