//! The built site's files (WASM, JS, CSS under `/pkg`, and `public/`), served
//! the way a production Leptos app serves them:
//!
//! - release builds hash the names under `/pkg` (cargo-leptos `hash-files`)
//!   and write `.br` and `.gz` copies beside each file (`--precompress`):
//!   `ServeDir` answers with the copy the browser accepts;
//! - a hashed name never changes content, so it is cached for a year
//!   (`immutable`); every other file is revalidated (`no-cache`, answered
//!   `304` through its `Last-Modified`);
//! - what is not a file is the app's own 404 page.
//!
//! Pages and data are compressed on the fly by the layer in `routes`.

use std::convert::Infallible;

use axum::{
    body::Body,
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    response::Response,
};
use tower::{Service, ServiceExt, util::BoxCloneSyncService};
use tower_http::services::ServeDir;

/// Cache-Control of a content-hashed file.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache-Control of any other file: keep it, but ask before using it.
pub const REVALIDATE: &str = "no-cache";

/// A service answering every request: a file of `site_root` if there is
/// one, else `not_found` (the app's 404 page).
pub fn files<S>(site_root: &str, not_found: S) -> BoxCloneSyncService<Request, Response, Infallible>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
{
    let dir = ServeDir::new(site_root)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(not_found);
    BoxCloneSyncService::new(tower::service_fn(move |request: Request| {
        let dir = dir.clone();
        async move {
            let cache = cache_control(request.uri().path());
            let mut response = dir.oneshot(request).await?.map(Body::new);
            let served = matches!(
                response.status(),
                StatusCode::OK | StatusCode::NOT_MODIFIED | StatusCode::PARTIAL_CONTENT
            );
            if served && !response.headers().contains_key(header::CACHE_CONTROL) {
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            }
            Ok(response)
        }
    }))
}

/// How long a browser may keep the file at `path`.
fn cache_control(path: &str) -> &'static str {
    match path.strip_prefix("/pkg/") {
        Some(name) if is_hashed(name) => IMMUTABLE,
        _ => REVALIDATE,
    }
}

/// Whether a file name carries cargo-leptos's content hash:
/// `name.<22 characters of URL-safe base64>.ext` (an MD5, unpadded).
fn is_hashed(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3
        && parts[parts.len() - 2].len() == 22
        && parts[parts.len() - 2]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hashed_package_files_are_immutable() {
        assert_eq!(
            cache_control("/pkg/customers.Xb3_Pq9-aZ0123456789ab.wasm"),
            IMMUTABLE
        );
        assert_eq!(cache_control("/pkg/customers.wasm"), REVALIDATE);
        assert_eq!(cache_control("/favicon.svg"), REVALIDATE);
        assert_eq!(
            cache_control("/other/customers.Xb3_Pq9-aZ0123456789ab.wasm"),
            REVALIDATE
        );
    }
}
