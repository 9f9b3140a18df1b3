//! Page requests are gated here, before any rendering:
//! - signed-out visitors of a page are sent to sign in;
//! - a page under `/store/{id}/…` of a store the account may not open
//!   answers 404, exactly like a store that does not exist.
//!
//! Server functions and the events API answer for themselves (401/404);
//! assets and health are public.

use app::state::AppState;
use axum::{
    extract::{Request, State},
    http::{Method, StatusCode, header},
    middleware::Next,
    response::{Html, IntoResponse, Response},
};
use tower_sessions::Session;

/// The session key holding the signed-in account's id.
pub use app::auth::ACCOUNT_ID_KEY;

const PUBLIC_PREFIXES: &[&str] = &["/login", "/pkg/", "/api/", "/healthz", "/favicon.ico"];

pub async fn require_sign_in(
    State(state): State<AppState>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let is_page = matches!(*request.method(), Method::GET | Method::HEAD);
    if !is_page
        || PUBLIC_PREFIXES
            .iter()
            .any(|prefix| path.starts_with(prefix))
    {
        return next.run(request).await;
    }
    let account_id = match session.get::<i64>(ACCOUNT_ID_KEY).await {
        Ok(Some(id)) => id,
        Ok(None) => return to_sign_in(&request),
        // The session store is unreachable: say so rather than pretend the
        // visitor is signed out.
        Err(_) => return unavailable(),
    };
    if let Some(store_id) = store_in_path(path) {
        let db = &state.db;
        let allowed = match db::accounts::get_account(db, account_id).await {
            Ok(Some(account)) => db::accounts::can_open_store(db, &account, store_id).await,
            Ok(None) => return to_sign_in(&request),
            Err(error) => Err(error),
        };
        match allowed {
            Ok(true) => {}
            Ok(false) => return not_found(&state.assets.css),
            Err(error) => {
                tracing::error!(%error, "store access check");
                return unavailable();
            }
        }
    }
    next.run(request).await
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
    let location = format!("/login?next={}", urlencode(&next_url));
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

fn not_found(stylesheet: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>Not found · Customers</title>\
             <link rel=\"stylesheet\" href=\"{stylesheet}\"></head>\
             <body><main class=\"page\"><section class=\"empty\"><h1>Page not found</h1>\
             <p>Nothing lives at this address. <a href=\"/\">Back to your stores</a></p>\
             </section></main></body></html>"
        )),
    )
        .into_response()
}

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "The service is temporarily unavailable. Please try again shortly.",
    )
        .into_response()
}

fn urlencode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
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
