//! Cross-site request forgery: a state-changing request (anything but GET,
//! HEAD, OPTIONS — server functions included) is refused unless the browser
//! says it comes from this app's own origin.

use axum::{
    extract::{Request, State},
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// The origin requests must come from, when configured (`PUBLIC_ORIGIN`);
/// otherwise the request's own `Host`.
#[derive(Clone, Debug)]
pub struct AllowedOrigin(pub Option<String>);

/// Paths authenticated by a bearer token instead of the session cookie: a
/// browser cannot be tricked into sending those, so no origin check applies.
const TOKEN_AUTHENTICATED: &str = "/api/v1/";

pub async fn check_origin(
    State(allowed): State<AllowedOrigin>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if safe
        || request.uri().path().starts_with(TOKEN_AUTHENTICATED)
        // A mail provider's one-click unsubscribe (RFC 8058) and a
        // feedback-loop report have no cookie and no Origin; the signed
        // token (in the path, or in the report's original) is the authority.
        || request.uri().path().starts_with("/unsubscribe/")
        || request.uri().path() == "/m/feedback"
        || is_same_origin(request.headers(), allowed.0.as_deref())
    {
        return next.run(request).await;
    }
    tracing::warn!(path = request.uri().path(), "cross-origin request refused");
    (
        StatusCode::FORBIDDEN,
        "cross-origin request refused: state changes must come from this app's own pages",
    )
        .into_response()
}

fn is_same_origin(headers: &HeaderMap, allowed: Option<&str>) -> bool {
    // Modern browsers label every request; trust the label when present.
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "same-origin";
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    match allowed {
        Some(allowed) => origin.eq_ignore_ascii_case(allowed),
        None => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
            host.is_some_and(|host| {
                origin.eq_ignore_ascii_case(&format!("http://{host}"))
                    || origin.eq_ignore_ascii_case(&format!("https://{host}"))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn same_origin_by_fetch_metadata_or_origin() {
        assert!(is_same_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            None
        ));
        assert!(!is_same_origin(
            &headers(&[("sec-fetch-site", "cross-site")]),
            None
        ));
        assert!(!is_same_origin(
            &headers(&[("sec-fetch-site", "same-site")]),
            None
        ));
        assert!(is_same_origin(
            &headers(&[
                ("origin", "http://127.0.0.1:3000"),
                ("host", "127.0.0.1:3000")
            ]),
            None
        ));
        assert!(!is_same_origin(
            &headers(&[
                ("origin", "http://evil.example"),
                ("host", "127.0.0.1:3000")
            ]),
            None
        ));
        assert!(!is_same_origin(
            &headers(&[("host", "127.0.0.1:3000")]),
            None
        ));
        assert!(is_same_origin(
            &headers(&[("origin", "https://shop.example")]),
            Some("https://shop.example")
        ));
        assert!(!is_same_origin(
            &headers(&[("origin", "http://shop.example"), ("host", "shop.example")]),
            Some("https://shop.example")
        ));
    }
}
